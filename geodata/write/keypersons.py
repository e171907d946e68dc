"""Key persons and their cases: the bindings and the dynamic assessment (``domain.keypersons``),
rebuilt by the app's daily job (city-wide, as the centre) or after a load."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import Connection, text

from domain import keypersons as rules
from domain.clock import local, midnight
from domain.clock import now as local_now
from domain.vocab import OPEN_STATUSES
from geodata.sql import query

LOOKBACK_DAYS = 365


def refresh(conn: Connection, today: date) -> dict[str, int]:
    """Bind every key person the caller may see to the cases of the last year, and assess each
    of them again; counts of bindings and of persons whose assessment changed."""
    conn.execute(text("DELETE FROM key_person_case"))
    bound = conn.execute(
        text(query("write/key_person_bind")),
        {"since": midnight(today - timedelta(days=LOOKBACK_DAYS)), "radius": rules.BIND_RADIUS_M},
    ).rowcount
    rows = conn.execute(
        text(
            "SELECT k.id, k.risk_level, kc.reason, d.reported_at, d.status, d.risk_colour,"
            " d.source, d.source_ref FROM key_person k"
            " LEFT JOIN key_person_case kc ON kc.key_person_id = k.id"
            " LEFT JOIN dispute d ON d.id = kc.dispute_id ORDER BY k.id"
        )
    ).mappings()
    people: dict[int, tuple[str, list[rules.BoundCase]]] = {}
    for r in rows:
        base, cases = people.setdefault(r["id"], (r["risk_level"], []))
        if r["reason"] is not None:
            cases.append(rules.BoundCase(r["reason"], local(r["reported_at"]).date(),
                                         r["status"] in OPEN_STATUSES, r["risk_colour"],
                                         r["source"], r["source_ref"]))  # fmt: skip
    ids, levels, reasons, advice = [], [], [], []
    for person, (base, cases) in people.items():
        a = rules.assess(base, cases, today)
        ids.append(person)
        levels.append(a.level)
        reasons.append(json.dumps(list(a.reasons), ensure_ascii=False))
        advice.append(json.dumps(list(a.advice), ensure_ascii=False))
    changed = 0
    if ids:
        changed = conn.execute(
            text(
                "UPDATE key_person k SET dynamic_risk = v.level, dynamic_reasons = CAST(v.r AS jsonb),"
                " advice = CAST(v.a AS jsonb), assessed_at = :now"
                " FROM unnest(CAST(:ids AS bigint[]), CAST(:levels AS text[]), CAST(:reasons AS text[]),"
                " CAST(:advice AS text[])) AS v(id, level, r, a) WHERE k.id = v.id"
                " AND (k.dynamic_risk, k.dynamic_reasons, k.advice)"
                " IS DISTINCT FROM (v.level, CAST(v.r AS jsonb), CAST(v.a AS jsonb))"
            ),
            {"ids": ids, "levels": levels, "reasons": reasons, "advice": advice, "now": local_now()},
        ).rowcount  # fmt: skip
    return {"bindings": bound, "persons": len(ids), "changed": changed}

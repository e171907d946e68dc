"""Keep each case's risk colour (``domain.risk``) up to date: its points and the rules that
fired, written only where they changed (no workflow version is spent on it)."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, text

from domain import risk
from domain.clock import now as local_now
from geodata.sql import query

_WRITE = text(
    "UPDATE dispute d SET risk_colour = v.colour, risk_points = v.points,"
    " risk_rules = CAST(v.rules AS jsonb), risk_assessed_at = :now"
    " FROM unnest(CAST(:ids AS bigint[]), CAST(:colours AS text[]), CAST(:points AS int[]),"
    " CAST(:rules AS text[])) AS v(id, colour, points, rules)"
    " WHERE d.id = v.id AND (d.risk_colour, d.risk_points, d.risk_rules)"
    " IS DISTINCT FROM (v.colour, v.points, CAST(v.rules AS jsonb))"
)


# One case by its key (what every workflow write refreshes: an index probe, whatever the plan),
# or the open ones / every case (the daily job).
_FACTS = query("read/case_risk_facts")
_ONE = text(_FACTS.format(where="d.id = :case_id"))
_MANY = text(_FACTS.format(where="(:all OR d.status IN ('received', 'assigned', 'in_progress'))"))


def assess_rows(rows: list) -> list[tuple[int, risk.Assessment]]:
    """(case id, assessment) for rows of ``read/case_risk_facts``."""
    out = []
    for r in rows:
        facts = risk.CaseFacts(
            type_code=r["type_code"], parties=r["parties"],
            involves_key_person=bool(r["involves_key_person"]), source=r["source"],
            same_place_recent=int(r["same_place"]), same_reporter_recent=int(r["same_reporter"]),
            overdue=bool(r["overdue"]), supervision_level=r["supervision_level"],
            reopen_count=r["reopen_count"], assessed=r["assessed"],
        )  # fmt: skip
        out.append((r["id"], risk.assess(facts)))
    return out


def refresh(
    conn: Connection,
    *,
    case_id: int | None = None,
    everything: bool = False,
    now: datetime | None = None,
) -> int:
    """Assess open cases (or ``case_id`` alone, or every case) and store what changed; the
    number of cases whose colour, points or rules changed."""
    moment = now or local_now()
    if case_id is not None:
        found = conn.execute(_ONE, {"now": moment, "case_id": case_id})
    else:
        found = conn.execute(_MANY, {"now": moment, "all": everything})
    rows = found.mappings().all()
    assessed = assess_rows(rows)
    if not assessed:
        return 0
    return conn.execute(
        _WRITE,
        {
            "now": moment,
            "ids": [i for i, _a in assessed],
            "colours": [a.level for _i, a in assessed],
            "points": [a.points for _i, a in assessed],
            "rules": [json.dumps([{"rule": f.rule, "points": f.points, "detail": f.detail}
                                  for f in a.fired], ensure_ascii=False) for _i, a in assessed],
        },
    ).rowcount  # fmt: skip

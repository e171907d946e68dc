"""Promote a concentrated demand to a coordinated action (协同处置): one parent case, registered
like any other (its 接办 event and audit row), linked "grouped" both ways to every member case
the caller can see; the desk then hands it over and splits it into locks per department.

Idempotent: the parent's reference is derived from its members, so promoting the same group
twice returns the case the first call made.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, text

from domain.clock import now as local_now
from domain.workflow import Actor, GuardError
from geodata.write.cases import link, register

MAX_MEMBERS = 500
MIN_MEMBERS = 2


def reference(case_ids: Sequence[int], moment: datetime) -> str:
    """The parent's source reference: the day and a digest of its members."""
    digest = hashlib.sha256(",".join(map(str, sorted(set(case_ids)))).encode()).hexdigest()[:10]
    return f"JZ-{moment:%Y%m%d}-{digest}"


def promote(
    conn: Connection,
    actor: Actor,
    case_ids: Sequence[int],
    label: str,
    now: datetime | None = None,
) -> tuple[int, bool, int]:
    """(parent case id, whether it was made now, members linked). Only cases the caller can see
    join; fewer than two such cases is refused."""
    moment = now or local_now()
    wanted = sorted({i for i in case_ids if isinstance(i, int) and not isinstance(i, bool)})
    rows = conn.execute(
        text(
            "SELECT id, source_ref, type_code FROM dispute WHERE id = ANY(CAST(:ids AS bigint[]))"
            " AND status <> 'merged' ORDER BY id"
        ),
        {"ids": wanted[:MAX_MEMBERS]},
    ).all()
    if len(rows) < MIN_MEMBERS:
        raise GuardError("a coordinated action groups at least two cases you can see")
    ids = [int(r[0]) for r in rows]
    types = [r[2] for r in rows]
    main_type = max(set(types), key=lambda t: (types.count(t), t))
    place = conn.execute(
        text(
            "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Collect(geom)) AS c FROM dispute"
            " WHERE id = ANY(CAST(:ids AS bigint[])) AND geom IS NOT NULL) x WHERE c IS NOT NULL"
        ),
        {"ids": ids},
    ).first()
    refs = "、".join(r[1] for r in rows[:30]) + ("等" if len(rows) > 30 else "")
    fields = {
        "source": "other",
        "source_ref": reference(ids, moment),
        "type_code": main_type,
        "title": f"集中诉求：{label[:60]}（{len(ids)}件）",
        "description": f"由{len(ids)}件同类诉求归并的协同处置：{refs}",
        "risk_level": "high" if len(ids) >= 10 else "medium",
        "parties": min(len(ids), 32000),
        "note": "集中诉求转协同处置",
    }
    outcome, made = register(
        conn, actor, fields, lon=place[0] if place else None, lat=place[1] if place else None,
        now=moment,
    )  # fmt: skip
    for member in ids:
        link(conn, outcome.case_id, member, "grouped", None, label[:200] or None)
    return outcome.case_id, made, len(ids)

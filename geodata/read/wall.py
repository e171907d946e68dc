"""Everything the wall display (大屏) shows, in one snapshot of plain values: headline figures,
the last 30 days' trend, the newest cases (titles redacted), the riskiest grids, open alerts, the
departments' leaderboard and the districts' figures for the map. Aggregates only: the display
role sees no people and no case history."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, text

from domain.clock import day_start
from geodata import cache
from geodata.read import reports, risk
from geodata.read.areas import DisputeFilter
from geodata.read.features import redact_sql
from geodata.read.freshness import data_as_of
from geodata.sql import query

TICKER = 12
TOP = 10


def snapshot(conn: Connection, now: datetime, area: str | None = None) -> dict[str, Any]:
    """The wall's values as of ``now`` for the city (or one district: ``area``)."""
    prefix = area or ""
    today = day_start(now)
    month = now - timedelta(days=30)
    figures = dict(
        conn.execute(
            text(query("read/wall_figures")),
            {"prefix": prefix, "today": today, "now": now, "month": month},
        )
        .mappings()
        .one()
    )
    closed = figures["closed_30d"]
    figures["resolution_rate_30d"] = figures["resolved_30d"] / closed if closed else None
    sat = figures["satisfaction_30d"]
    figures["satisfaction_30d"] = None if sat is None else round(float(sat), 2)
    trend = conn.execute(
        text(
            "SELECT (timezone('Asia/Shanghai', reported_at))::date AS day, count(*) AS cases"
            " FROM dispute WHERE grid_code LIKE :p || '%' AND reported_at >= :since"
            " AND reported_at < :now AND status <> 'merged' GROUP BY 1 ORDER BY 1"
        ),
        {"p": prefix, "since": today - timedelta(days=29), "now": now},
    ).all()
    ticker = (
        conn.execute(
            text(
                f"SELECT d.reported_at, a.name AS district, t.name AS type, left({redact_sql('d.title')}, 40)"  # noqa: S608 — fixed fragments
                " AS title, d.status, d.risk_colour FROM dispute d JOIN dispute_type t ON t.code = d.type_code"
                " LEFT JOIN admin_area a ON a.code = d.district_code WHERE d.grid_code LIKE :p || '%'"
                " AND d.reported_at < :now ORDER BY d.reported_at DESC LIMIT :n"
            ),
            {"p": prefix, "now": now, "n": TICKER},
        )
        .mappings()
        .all()
    )
    hour = now.replace(minute=0, second=0, microsecond=0)
    # Settled like the wall itself: its one costly part (every grid's risk components).
    top = cache.cached(conn, "wall_top_grids", risk.GRID_RISK_FAMILIES, (hour, prefix, TOP),
                       lambda: risk.top_grids(conn, hour, prefix, TOP), settle=True)  # fmt: skip
    alerts = (
        conn.execute(
            text(
                "SELECT a.name AS area, t.name AS type, e.opened_on, e.observed, e.expected, e.state"
                " FROM alert_episode e JOIN admin_area a ON a.code = e.area_code"
                " JOIN dispute_type t ON t.code = e.type_code WHERE e.area_code LIKE :p || '%'"
                " AND e.state IN ('open', 'acknowledged', 'assigned')"
                " ORDER BY e.statistic DESC LIMIT :n"
            ),
            {"p": prefix, "n": TOP},
        )
        .mappings()
        .all()
    )
    leaderboard = reports.departments(conn, prefix, DisputeFilter(start=month, end=now), now)
    districts = conn.execute(
        text(
            "SELECT left(grid_code, 6) AS code, count(*) FILTER (WHERE reported_at >= :month) AS cases_30d,"
            " count(*) FILTER (WHERE status IN ('received', 'assigned', 'in_progress')) AS open"
            " FROM dispute WHERE grid_code IS NOT NULL AND status <> 'merged' GROUP BY 1"
        ),
        {"month": month},
    ).all()
    return {
        # On a lagging read replica: its last replayed commit, so the wall says how old it is.
        "as_of": data_as_of(conn, now).isoformat(),
        "area": area,
        "figures": figures,
        "trend": [{"day": d.isoformat(), "cases": n} for d, n in trend],
        "ticker": [{**dict(r), "reported_at": r["reported_at"].isoformat()} for r in ticker],
        "top_grids": top,
        "alerts": [{**dict(r), "opened_on": r["opened_on"].isoformat()} for r in alerts],
        "leaderboard": [
            {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}
            for row in leaderboard[:TOP]
        ],
        "districts": {code: {"cases_30d": c, "open": o} for code, c, o in districts},
    }

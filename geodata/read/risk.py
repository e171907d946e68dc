"""Grid risk (``domain.risk.grid_scores``): the components per grid read from the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from domain import risk
from geodata import cache
from geodata.sql import query


def grid_components(conn: Connection, now: datetime) -> list[dict[str, Any]]:
    """Per grid (code order): the raw counts and the five score components."""
    out = []
    for r in conn.execute(text(query("read/grid_risk_components")), {"now": now}).mappings():
        residents = max(int(r["residents"]), 1)
        buildings = int(r["buildings"])
        out.append(
            {
                **dict(r),
                "density": 1000.0 * r["recent"] / residents,
                "trend": (r["recent"] + 1.0) / (r["before"] / 3.0 + 1.0),
                "open_high": float(r["open_high"]),
                "key_persons": float(r["key_persons"]),
                "patrol_gap": 1.0 - r["visited"] / buildings if buildings else 0.0,
            }
        )
    return out


GRID_RISK_FAMILIES = ("disputes", "people", "patrols", "areas")


def cached_grid_risk(conn: Connection, now: datetime) -> dict[str, dict[str, Any]]:
    """``grid_risk`` from the shared cache (per database, scope, data versions and ``now``:
    callers pass the hour)."""
    return cache.cached(conn, "grid_risk", GRID_RISK_FAMILIES, (now,), lambda: grid_risk(conn, now))


def _scored(conn: Connection, now: datetime) -> tuple[list[Any], Any, Any]:
    """Every visible grid's components (rows), scores and points per component."""
    rows = grid_components(conn, now)
    comps = {name: [row[name] for row in rows] for name in risk.GRID_WEIGHTS}
    scores, points = risk.grid_scores(comps)
    return rows, scores, points


def top_grids(conn: Connection, now: datetime, prefix: str, n: int) -> list[dict[str, Any]]:
    """The ``n`` riskiest grids whose code starts with ``prefix`` (score high to low, then code):
    code, name, score, class — scored among every grid the caller may see, as ``grid_risk``
    does, without building every grid's components (what the wall needs)."""
    rows, scores, _points = _scored(conn, now)
    ranked = sorted(
        (i for i, row in enumerate(rows) if row["code"].startswith(prefix)),
        key=lambda i: (-round(scores[i], 1), rows[i]["code"]),
    )[:n]
    return [
        {"code": rows[i]["code"], "name": rows[i]["name"], "score": round(scores[i], 1),
         "class": risk.grid_class(scores[i])}
        for i in ranked
    ]  # fmt: skip


def grid_risk(conn: Connection, now: datetime) -> dict[str, dict[str, Any]]:
    """code → {name, score, class, components, points} for every grid the caller may see."""
    rows, scores, points = _scored(conn, now)
    return {
        row["code"]: {
            "name": row["name"],
            "score": round(scores[i], 1),
            "class": risk.grid_class(scores[i]),
            "components": {name: round(row[name], 3) for name in risk.GRID_WEIGHTS},
            "points": {name: round(points[name][i], 1) for name in risk.GRID_WEIGHTS},
            "recent": row["recent"],
        }
        for i, row in enumerate(rows)
    }

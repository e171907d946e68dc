"""Per-grid figures for the analysis layers: dispute counts, weekly series, contiguity, patrols.

Functions take a connection and return plain data. Values are bound parameters; the only SQL
fragments that vary are the fixed area scopes of ``scope.py`` and ``DisputeFilter.sql()``.
Every "per grid" answer has one entry per grid in scope, zero included, unless it says otherwise.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from geodata.read.areas import SIMPLIFY_DEG, DisputeFilter
from geodata.read.scope import grid_child_key, grid_scope
from geodata.sql import query

# Queen contiguity tolerance in degrees (~1 mm): shared borders of the subdivided grids are not
# bit-identical, so "touching" means closer than this. The neighbour count is stable from 1e-9
# to 1e-7 on the full-scale demo; ST_Intersects alone misses ~7 % of the pairs.
CONTIGUITY_TOL_DEG = 1e-8


def _scope(area_code: str | None, level: str | None) -> tuple[str, dict[str, Any]]:
    """The WHERE fragment over ``g`` for the grids inside an area (all grids without one)."""
    if area_code is None or level is None:
        return "TRUE", {}
    return grid_scope(level, area_code)


def _in_scope(column: str, scope: str) -> str:
    """``AND column IN (the grids in scope)``, or nothing for all grids (column: a fixed name)."""
    if scope == "TRUE":
        return ""
    return f"AND {column} IN (SELECT g.code FROM grid g WHERE {scope})"  # noqa: S608 — fixed


def grid_dispute_counts(
    conn: Connection,
    flt: DisputeFilter | None = None,
    area_code: str | None = None,
    level: str | None = None,
) -> dict[str, int]:
    """Dispute count per grid under ``flt``: every grid (or every grid inside the area), zeros too."""
    where, params = (flt or DisputeFilter()).sql()
    scope, scope_params = _scope(area_code, level)
    sql = query("read/grid_dispute_counts").format(filter=where, scope=scope)  # noqa: S608 — fixed
    codes, counts = conn.execute(text(sql), {**params, **scope_params}).one()
    return dict(zip(codes or [], map(int, counts or []), strict=True))


def grid_weekly_dispute_counts(
    conn: Connection,
    end: datetime,
    weeks: int,
    flt: DisputeFilter | None = None,
    area_code: str | None = None,
    level: str | None = None,
) -> dict[str, list[int]]:
    """Disputes per grid in each of the ``weeks`` 7-day weeks ending at ``end`` (oldest first).

    The filter's types/sources/statuses/risks apply; its period does not (the weeks are the
    window). Only grids with at least one dispute in the window are returned: absent = all zeros.
    """
    if weeks < 1:
        raise ValueError("weeks must be >= 1")
    where, params = replace(flt or DisputeFilter(), start=None, end=None).sql()
    scope, scope_params = _scope(area_code, level)
    dispute_scope = _in_scope("d.grid_code", scope)
    # Fixed fragments; values are bound.
    sql = query("read/grid_weekly_dispute_counts").format(  # noqa: S608
        filter=where, dispute_scope=dispute_scope
    )
    start = end - timedelta(weeks=weeks)
    rows = conn.execute(text(sql), {**params, **scope_params, "wstart": start, "wend": end}).all()
    out: dict[str, list[int]] = {}
    for code, ago, n in rows:
        series = out.setdefault(code, [0] * weeks)
        series[weeks - 1 - min(int(ago), weeks - 1)] += int(n)
    return out


def grid_neighbours(conn: Connection, tol_deg: float = CONTIGUITY_TOL_DEG) -> dict[str, list[str]]:
    """Queen contiguity of all grids: code → codes whose boundary touches it (GiST join).

    Every grid is a key; an isolated grid maps to ``[]``. Symmetric by construction.
    """
    rows = conn.execute(text(query("read/grid_neighbours")), {"tol": tol_deg}).all()
    return {code: list(nbrs) for code, nbrs in rows}


def grids_in_area(conn: Connection, area_code: str | None, level: str | None) -> list[str]:
    """Codes of the grids inside an area (all grids for the city or no area), sorted."""
    scope, params = _scope(area_code, level)
    sql = f"SELECT g.code FROM grid g WHERE {scope} ORDER BY g.code"  # noqa: S608 — fixed fragment
    return list(conn.execute(text(sql), params).scalars())


def grid_child_codes(conn: Connection, parent_code: str, parent_level: str) -> dict[str, str]:
    """For the grids inside ``parent_code``: grid code → code of the child area holding it."""
    key, join = grid_child_key(parent_level)
    scope, params = _scope(parent_code, parent_level)
    sql = f"SELECT g.code, {key} FROM grid g {join} WHERE {scope}"  # noqa: S608 — fixed fragments
    return {g: child for g, child in conn.execute(text(sql), params).all()}


def grid_patrol_figures(
    conn: Connection,
    days: int,
    end: datetime,
    area_code: str | None = None,
    level: str | None = None,
) -> dict[str, dict[str, float | int | None]]:
    """Patrols per grid over the ``days`` days before ``end``.

    Per grid: visits, visited_buildings (distinct), buildings, visits_per_building (None without
    buildings) and anomalies. Visits count in the grid their point lies in (``grid_code``).
    """
    scope, params = _scope(area_code, level)
    visit_scope = _in_scope("v.grid_code", scope)
    # Fixed fragments; values are bound.
    sql = query("read/grid_patrol_figures").format(visit_scope=visit_scope, scope=scope)  # noqa: S608
    rows = conn.execute(
        text(sql), {**params, "start": end - timedelta(days=days), "end": end}
    ).all()
    return {
        code: {
            "visits": int(visits),
            "visited_buildings": int(visited),
            "buildings": int(buildings),
            "visits_per_building": round(int(visits) / int(buildings), 4) if buildings else None,
            "anomalies": int(anomalies),
        }
        for code, visits, visited, buildings, anomalies in rows
    }


def building_visits(
    conn: Connection, grid_code: str, days: int, end: datetime
) -> list[dict[str, Any]]:
    """Every building of one grid with its visits, anomalies and last visit in the window.

    Fewest visits first (the ones to go and see). Only visits recorded in this grid count, which
    lets the (grid_code, visited_at) index answer it.
    """
    rows = conn.execute(
        text(query("read/building_visits")),
        {"grid": grid_code, "start": end - timedelta(days=days), "end": end},
    ).all()
    return [dict(r._mapping) for r in rows]


def grids_geojson(conn: Connection, codes: list[str]) -> dict[str, Any]:
    """The given grids as a GeoJSON FeatureCollection (simplified, 6 decimals; code, name)."""
    raw = conn.execute(
        text(query("read/grids_geojson")), {"codes": list(codes), "tol": SIMPLIFY_DEG["grid"]}
    ).scalar()
    return raw if isinstance(raw, dict) else json.loads(raw)

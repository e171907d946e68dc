"""Read queries for the app. Functions take a connection and return plain data.

Values are always bound parameters; the only identifiers that vary come from the whitelists below.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from domain.vocab import OPEN_STATUSES
from geodata.read.scope import grid_child_key, grid_scope
from geodata.sql import query

# Drill-down: what a level's children are, and the simplification tolerance (degrees) for them.
# ~1/4 of a screen pixel at the zoom each level is usually viewed at.
CHILD_LEVEL = {
    "city": "district",
    "district": "township",
    "township": "community",
    "community": "grid",
}
SIMPLIFY_DEG = {"district": 0.0008, "township": 0.0003, "community": 0.0001, "grid": 0.00003}
LEVELS = ("city", "district", "township", "community", "grid")


@dataclass(frozen=True)
class DisputeFilter:
    """Filters every dispute number on the map honours; empty tuples mean "all"."""

    start: datetime | None = None
    end: datetime | None = None
    type_codes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()

    def sql(self, alias: str = "d") -> tuple[str, dict[str, Any]]:
        """An ``AND ...`` fragment over ``alias`` (a fixed identifier) and its bound values."""
        if not alias.isidentifier():
            raise ValueError(f"bad alias {alias!r}")
        clauses, params = [], {}
        if self.start is not None:
            clauses.append(f"{alias}.reported_at >= :start")
            params["start"] = self.start
        if self.end is not None:
            clauses.append(f"{alias}.reported_at < :end")
            params["end"] = self.end
        for column, key, values in (
            ("type_code", "types", self.type_codes),
            ("source", "sources", self.sources),
            ("status", "statuses", self.statuses),
            ("risk_level", "risks", self.risks),
        ):
            if values:
                clauses.append(f"{alias}.{column} = ANY(:{key})")
                params[key] = list(values)
        return (" AND " + " AND ".join(clauses) if clauses else ""), params


def health(engine: Engine) -> dict[str, Any]:
    """Database reachability, PostGIS version and migration revision."""
    try:
        with engine.connect() as conn:
            postgis = conn.execute(text("SELECT postgis_lib_version()")).scalar()
            revision = conn.execute(
                text(
                    "SELECT version_num FROM alembic_version"
                    " WHERE to_regclass('alembic_version') IS NOT NULL"
                )
            ).scalar()
        return {"database": "ok", "postgis": postgis, "revision": revision}
    except Exception as exc:  # any failure means "not healthy"; the message says why
        return {"database": "error", "detail": str(exc).splitlines()[0]}


def level_of(conn: Connection, code: str) -> str | None:
    """The level of an area or grid code, or None when unknown."""
    if code == "":
        return None
    row = conn.execute(text("SELECT level FROM admin_area WHERE code = :c"), {"c": code}).first()
    if row:
        return row[0]
    row = conn.execute(text("SELECT 'grid' FROM grid WHERE code = :c"), {"c": code}).first()
    return row[0] if row else None


def lineage(conn: Connection, code: str) -> list[dict[str, str]]:
    """The path city → … → ``code`` (for the breadcrumb), each with code, name and level."""
    start = conn.execute(
        text(
            "SELECT code, name, 'grid' AS level, community_code AS parent FROM grid WHERE code = :c"
            " UNION ALL SELECT code, name, level, parent_code FROM admin_area WHERE code = :c"
        ),
        {"c": code},
    ).first()
    if start is None:
        return []
    path = [{"code": start.code, "name": start.name, "level": start.level}]
    parent = start.parent
    while parent:
        row = conn.execute(
            text("SELECT code, name, level, parent_code FROM admin_area WHERE code = :c"),
            {"c": parent},
        ).first()
        if row is None:
            break
        path.append({"code": row.code, "name": row.name, "level": row.level})
        parent = row.parent_code
    return list(reversed(path))


def bounds_of(conn: Connection, code: str) -> list[list[float]] | None:
    """[[south, west], [north, east]] of an area or grid (for fitting the map), or None."""
    row = conn.execute(
        text(
            "SELECT ST_YMin(e), ST_XMin(e), ST_YMax(e), ST_XMax(e) FROM ("
            " SELECT ST_Envelope(geom) AS e FROM grid WHERE code = :c"
            " UNION ALL SELECT ST_Envelope(geom) FROM admin_area WHERE code = :c) x LIMIT 1"
        ),
        {"c": code},
    ).first()
    return [[row[0], row[1]], [row[2], row[3]]] if row else None


def city_code(conn: Connection) -> str | None:
    """The code of the one city-level area."""
    return conn.execute(text("SELECT code FROM admin_area WHERE level = 'city' LIMIT 1")).scalar()


_CHILDREN_AREAS_GEOJSON = query("read/children_areas_geojson")
_CHILDREN_GRIDS_GEOJSON = query("read/children_grids_geojson")


def children_geojson(conn: Connection, parent_code: str, parent_level: str) -> dict[str, Any]:
    """Simplified child polygons of an area as a GeoJSON FeatureCollection (the database renders it)."""
    child = CHILD_LEVEL.get(parent_level)
    if child is None:
        raise ValueError(f"level {parent_level!r} has no children")
    if child == "grid":
        scope, params = grid_scope(parent_level, parent_code)
        sql = _CHILDREN_GRIDS_GEOJSON.format(scope=scope)  # noqa: S608 — the scope is fixed SQL
    else:
        sql, params = _CHILDREN_AREAS_GEOJSON, {"parent": parent_code}
    raw = conn.execute(text(sql), {**params, "tol": SIMPLIFY_DEG[child]}).scalar()
    return raw if isinstance(raw, dict) else json.loads(raw)


_CHILD_STATS = query("read/child_area_stats")
_CHILD_AREAS = "SELECT code, area_km2 FROM admin_area WHERE parent_code = :parent"


def child_area_stats(
    conn: Connection, parent_code: str, parent_level: str, flt: DisputeFilter | None = None
) -> dict[str, dict[str, float]]:
    """Per child area of ``parent_code``: disputes under the filter, residents and km².

    Disputes are counted through their grid, so the children always add up to the parent.
    """
    child = CHILD_LEVEL.get(parent_level)
    if child is None:
        raise ValueError(f"level {parent_level!r} has no children")
    where, params = (flt or DisputeFilter()).sql()
    key, join = grid_child_key(parent_level)
    if child == "grid":
        scope, kid_params = grid_scope(parent_level, parent_code)
        kids = f"SELECT g.code, g.area_km2 FROM grid g WHERE {scope}"  # noqa: S608 — fixed
    else:
        kids, kid_params = _CHILD_AREAS, {"parent": parent_code}
    # Every fragment is a fixed string from this module, scope.py or DisputeFilter.
    sql = _CHILD_STATS.format(kids=kids, key=key, join=join, filter=where)  # noqa: S608
    rows = conn.execute(text(sql), {**kid_params, **params}).all()
    return {code: {"count": int(n), "residents": int(r), "km2": float(a)} for code, n, r, a in rows}


def child_dispute_counts(
    conn: Connection, parent_code: str, parent_level: str, flt: DisputeFilter | None = None
) -> dict[str, int]:
    """Dispute count per child area of ``parent_code`` (zero for children without disputes)."""
    stats = child_area_stats(conn, parent_code, parent_level, flt)
    return {code: int(v["count"]) for code, v in stats.items()}


def area_summary(
    conn: Connection, code: str, level: str, flt: DisputeFilter | None = None
) -> dict[str, Any]:
    """Head-line figures for one area or grid: grids, residents, disputes and open ones (filtered)."""
    scope, scope_params = grid_scope(level, code)
    where, params = (flt or DisputeFilter()).sql()
    sql = query("read/area_summary").format(scope=scope, filter=where)  # noqa: S608 — fixed fragments
    row = (
        conn.execute(text(sql), {**scope_params, "open_statuses": list(OPEN_STATUSES), **params})
        .mappings()
        .one()
    )
    return {k: int(v) for k, v in row.items()}


def dispute_types(conn: Connection) -> list[dict[str, str]]:
    """The dispute type catalogue (code, name) for filter menus."""
    rows = conn.execute(text("SELECT code, name FROM dispute_type ORDER BY code")).all()
    return [{"code": c, "name": n} for c, n in rows]


def district_codes(conn: Connection) -> list[str]:
    """The city's districts' codes, in code order."""
    return list(
        conn.execute(
            text("SELECT code FROM admin_area WHERE level = 'district' ORDER BY code")
        ).scalars()
    )

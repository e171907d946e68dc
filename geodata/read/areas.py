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


_CHILDREN_GEOJSON = {
    "area": """
        SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
            json_build_object(
                'type', 'Feature', 'id', a.code,
                'properties', json_build_object('code', a.code, 'name', a.name, 'level', a.level),
                'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(a.geom, :tol), 6)::json)
            ORDER BY a.code), '[]'::json))
        FROM admin_area a WHERE a.parent_code = :parent
    """,
    "grid": """
        SELECT json_build_object('type', 'FeatureCollection', 'features', COALESCE(json_agg(
            json_build_object(
                'type', 'Feature', 'id', g.code,
                'properties', json_build_object('code', g.code, 'name', g.name, 'level', 'grid',
                                                'residents', g.residents),
                'geometry', ST_AsGeoJSON(ST_SimplifyPreserveTopology(g.geom, :tol), 6)::json)
            ORDER BY g.code), '[]'::json))
        FROM grid g WHERE g.community_code = :parent
    """,
}


def children_geojson(conn: Connection, parent_code: str, parent_level: str) -> dict[str, Any]:
    """Simplified child polygons of an area as a GeoJSON FeatureCollection (the database renders it)."""
    child = CHILD_LEVEL.get(parent_level)
    if child is None:
        raise ValueError(f"level {parent_level!r} has no children")
    sql = _CHILDREN_GEOJSON["grid" if child == "grid" else "area"]
    raw = conn.execute(text(sql), {"parent": parent_code, "tol": SIMPLIFY_DEG[child]}).scalar()
    return raw if isinstance(raw, dict) else json.loads(raw)


# How a grid maps to the child area it lies in, per child level (fixed fragments, no input).
_GRID_TO_CHILD = {
    "district": ("g.district_code", ""),
    "township": ("c.parent_code", "JOIN admin_area c ON c.code = g.community_code"),
    "community": ("g.community_code", ""),
    "grid": ("g.code", ""),
}
_CHILD_STATS = """
    WITH kids AS ({kids}),
    gk AS (SELECT g.code AS grid_code, {key} AS kid, g.residents FROM grid g {join}
           WHERE {key} IN (SELECT code FROM kids)),
    pop AS (SELECT kid, sum(residents) AS residents FROM gk GROUP BY kid),
    cnt AS (SELECT gk.kid, count(*) AS n FROM dispute d JOIN gk ON gk.grid_code = d.grid_code
            WHERE TRUE {filter} GROUP BY gk.kid)
    SELECT k.code, COALESCE(cnt.n, 0), COALESCE(pop.residents, 0), COALESCE(k.area_km2, 0)
    FROM kids k LEFT JOIN pop ON pop.kid = k.code LEFT JOIN cnt ON cnt.kid = k.code
"""
_KIDS = {
    "area": "SELECT code, area_km2 FROM admin_area WHERE parent_code = :parent",
    "grid": "SELECT code, area_km2 FROM grid WHERE community_code = :parent",
}


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
    key, join = _GRID_TO_CHILD[child]
    sql = _CHILD_STATS.format(
        kids=_KIDS["grid" if child == "grid" else "area"], key=key, join=join, filter=where
    )  # every fragment is a fixed string from this module
    rows = conn.execute(text(sql), {"parent": parent_code, **params}).all()
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
    if level == "grid":
        grid_filter = "g.code = :code"
    elif level == "city":
        grid_filter = "TRUE"
    elif level == "district":
        grid_filter = "g.district_code = :code"
    elif level == "community":
        grid_filter = "g.community_code = :code"
    elif level == "township":
        grid_filter = "g.community_code IN (SELECT code FROM admin_area WHERE parent_code = :code)"
    else:
        raise ValueError(f"unknown level {level!r}")
    where, params = (flt or DisputeFilter()).sql()
    sql = f"""
        WITH gs AS (SELECT g.code, g.residents FROM grid g WHERE {grid_filter})
        SELECT (SELECT count(*) FROM gs) AS grids,
               (SELECT COALESCE(sum(residents), 0) FROM gs) AS residents,
               (SELECT count(*) FROM dispute d JOIN gs ON gs.code = d.grid_code
                 WHERE TRUE {where}) AS disputes,
               (SELECT count(*) FROM dispute d JOIN gs ON gs.code = d.grid_code
                 WHERE d.status = ANY(:open_statuses) {where}) AS open_disputes
    """  # noqa: S608 — grid_filter and where are fixed fragments built in this module
    row = (
        conn.execute(text(sql), {"code": code, "open_statuses": list(OPEN_STATUSES), **params})
        .mappings()
        .one()
    )
    return {k: int(v) for k, v in row.items()}


def dispute_types(conn: Connection) -> list[dict[str, str]]:
    """The dispute type catalogue (code, name) for filter menus."""
    rows = conn.execute(text("SELECT code, name FROM dispute_type ORDER BY code")).all()
    return [{"code": c, "name": n} for c, n in rows]


def data_version(conn: Connection) -> int:
    """Id of the last committed load: part of geometry URLs so browsers never see stale shapes."""
    return int(
        conn.execute(
            text("SELECT COALESCE(max(id), 0) FROM etl_batch WHERE status = 'committed'")
        ).scalar()
    )

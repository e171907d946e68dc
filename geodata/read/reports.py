"""What an area report shows, as plain tables: headline figures, trend, types and sources, top
grids, overdue cases, departments, open alerts, and the layers of the GeoPackage. Everything runs
on the caller's connection, so row-level security and masking decide what a report may hold.

An area is an area code: its grids are the grid codes that start with it (the city: every grid,
and the cases still waiting for a location)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import geopandas as gpd
from sqlalchemy import Connection, text

from geodata.read.areas import DisputeFilter
from geodata.read.features import redact_sql
from geodata.read.scope import grid_scope
from geodata.sql import query


def prefix_of(area_code: str, level: str) -> str:
    """The grid-code prefix of an area ('' for the city)."""
    return "" if level == "city" else area_code


def _filter(flt: DisputeFilter) -> tuple[str, dict[str, Any]]:
    return flt.sql("d")


def kpis(conn: Connection, prefix: str, flt: DisputeFilter, now: datetime) -> dict[str, Any]:
    where, params = _filter(flt)
    row = conn.execute(
        text(query("read/report_kpis").format(filter=where)),
        {"prefix": prefix, "now": now, "start": flt.start or datetime(1900, 1, 1, tzinfo=now.tzinfo),
         "end": flt.end or now, **params},
    ).mappings().one()  # fmt: skip
    out = dict(row)
    out["resolution_rate"] = out["resolved"] / out["closed"] if out["closed"] else None
    out["satisfaction"] = (
        None if out["satisfaction"] is None else round(float(out["satisfaction"]), 2)
    )
    return out


_CASES = (
    "FROM dispute d WHERE (d.grid_code LIKE :prefix || '%' OR (:prefix = '' AND d.grid_code IS NULL))"
    " AND d.status <> 'merged'"
)


def monthly(conn: Connection, prefix: str, flt: DisputeFilter) -> list[dict[str, Any]]:
    where, params = _filter(flt)
    sql = (
        "SELECT to_char(timezone('Asia/Shanghai', d.reported_at), 'YYYY-MM') AS month, count(*) AS cases"  # noqa: S608 — fixed fragments
        f" {_CASES}{where} GROUP BY 1 ORDER BY 1"
    )
    return [dict(r) for r in conn.execute(text(sql), {"prefix": prefix, **params}).mappings()]


def by_column(
    conn: Connection, prefix: str, flt: DisputeFilter, column: str
) -> list[dict[str, Any]]:
    """Cases per type (with its name) or per source."""
    if column not in ("type_code", "source"):
        raise ValueError(column)
    where, params = _filter(flt)
    label = "t.name" if column == "type_code" else "d.source"
    join = " JOIN dispute_type t ON t.code = d.type_code" if column == "type_code" else ""
    sql = (
        f"SELECT d.{column} AS code, {label} AS label, count(*) AS cases FROM dispute d{join}"  # noqa: S608 — whitelisted
        " WHERE (d.grid_code LIKE :prefix || '%' OR (:prefix = '' AND d.grid_code IS NULL))"
        f" AND d.status <> 'merged'{where} GROUP BY 1, 2 ORDER BY 3 DESC, 1"
    )
    return [dict(r) for r in conn.execute(text(sql), {"prefix": prefix, **params}).mappings()]


def top_grids(
    conn: Connection, prefix: str, flt: DisputeFilter, n: int = 10
) -> list[dict[str, Any]]:
    where, params = _filter(flt)
    sql = (
        "SELECT g.code, g.name, g.residents, count(*) AS cases,"  # noqa: S608 — fixed fragments
        " round(1000.0 * count(*) / nullif(g.residents, 0), 2) AS per_1000"
        f" FROM dispute d JOIN grid g ON g.code = d.grid_code WHERE d.grid_code LIKE :prefix || '%'"
        f" AND d.status <> 'merged'{where} GROUP BY g.code ORDER BY cases DESC, g.code LIMIT :n"
    )
    return [
        dict(r) for r in conn.execute(text(sql), {"prefix": prefix, "n": n, **params}).mappings()
    ]


def overdue_cases(
    conn: Connection, prefix: str, now: datetime, n: int = 50
) -> list[dict[str, Any]]:
    """Open cases past their deadline, most overdue first; titles redacted."""
    sql = (
        f"SELECT d.source_ref, {redact_sql('d.title')} AS title, t.name AS type, d.status,"  # noqa: S608 — fixed fragments
        " dep.name AS department, d.due_at, d.supervision_level, d.risk_colour"
        " FROM dispute d JOIN dispute_type t ON t.code = d.type_code"
        " LEFT JOIN department dep ON dep.code = d.lead_department"
        " WHERE (d.grid_code LIKE :prefix || '%' OR (:prefix = '' AND d.grid_code IS NULL))"
        " AND d.status IN ('received', 'assigned', 'in_progress') AND d.due_at < :now"
        " ORDER BY d.due_at LIMIT :n"
    )
    return [
        dict(r) for r in conn.execute(text(sql), {"prefix": prefix, "now": now, "n": n}).mappings()
    ]


def departments(
    conn: Connection, prefix: str, flt: DisputeFilter, now: datetime
) -> list[dict[str, Any]]:
    """Per lead department over the period's cases: cases, closed, on time, mean days, rating."""
    where, params = _filter(flt)
    sql = (
        "SELECT dep.name AS department, count(*) AS cases,"  # noqa: S608 — fixed fragments
        " count(d.resolved_at) AS closed,"
        " count(*) FILTER (WHERE d.resolved_at IS NOT NULL AND d.resolved_at <= d.due_at) AS on_time,"
        " round(avg(extract(epoch FROM d.resolved_at - coalesce(d.assigned_at, d.reported_at))"
        " / 86400.0)::numeric, 1) AS mean_days, round(avg(d.satisfaction)::numeric, 2) AS rating,"
        " count(*) FILTER (WHERE d.status IN ('received', 'assigned', 'in_progress')"
        " AND d.due_at < :now) AS overdue_now"
        " FROM dispute d JOIN department dep ON dep.code = d.lead_department"
        " WHERE (d.grid_code LIKE :prefix || '%' OR (:prefix = '' AND d.grid_code IS NULL))"
        f" AND d.status <> 'merged'{where} GROUP BY dep.name ORDER BY cases DESC"
    )
    rows = conn.execute(text(sql), {"prefix": prefix, "now": now, **params}).mappings()
    return [{**dict(r), "on_time_rate": (r["on_time"] / r["closed"]) if r["closed"] else None}
            for r in rows]  # fmt: skip


def open_alerts(conn: Connection, prefix: str) -> list[dict[str, Any]]:
    sql = (
        "SELECT a.name AS area, t.name AS type, e.opened_on, e.observed, e.expected, e.statistic,"
        " e.method, e.state FROM alert_episode e JOIN admin_area a ON a.code = e.area_code"
        " JOIN dispute_type t ON t.code = e.type_code WHERE e.area_code LIKE :prefix || '%'"
        " AND e.state IN ('open', 'acknowledged', 'assigned') ORDER BY e.statistic DESC LIMIT 50"
    )
    return [dict(r) for r in conn.execute(text(sql), {"prefix": prefix}).mappings()]


def child_areas(
    conn: Connection, area_code: str, level: str, flt: DisputeFilter
) -> gpd.GeoDataFrame:
    """The area's children (grids below a community) with their case counts, for the map."""
    where, params = _filter(flt)
    if level == "community":
        scope, scope_params = grid_scope("community", area_code)
        sql = (
            "SELECT g.code, g.name, g.geom, (SELECT count(*) FROM dispute d"  # noqa: S608 — fixed fragments
            f" WHERE d.grid_code = g.code AND d.status <> 'merged'{where}) AS cases"
            f" FROM grid g WHERE {scope}"
        )
        return gpd.read_postgis(text(sql), conn, geom_col="geom", params={**scope_params, **params})
    digits = {"city": 6, "district": 9, "township": 12}[level]
    sql = (
        "SELECT a.code, a.name, a.geom, (SELECT count(*) FROM dispute d"  # noqa: S608 — fixed fragments
        f" WHERE left(d.grid_code, {digits}) = a.code AND d.status <> 'merged'{where}) AS cases"
        " FROM admin_area a WHERE a.parent_code = :area"
    )
    return gpd.read_postgis(text(sql), conn, geom_col="geom", params={"area": area_code, **params})


def grid_layer(
    conn: Connection, prefix: str, flt: DisputeFilter, start: datetime, end: datetime
) -> gpd.GeoDataFrame:
    """Every grid of the area with its case, open-case, resident and patrol figures."""
    where, params = _filter(flt)
    sql = (
        "SELECT g.code, g.name, g.community_code, g.residents, g.households,"  # noqa: S608 — fixed fragments
        " (SELECT count(*) FROM dispute d WHERE d.grid_code = g.code AND d.status <> 'merged'"
        f"{where}) AS cases,"
        " (SELECT count(*) FROM dispute d WHERE d.grid_code = g.code"
        " AND d.status IN ('received', 'assigned', 'in_progress')) AS open_cases,"
        " (SELECT count(*) FROM patrol_visit v WHERE v.grid_code = g.code AND v.visited_at >= :ps"
        " AND v.visited_at < :pe) AS patrol_visits,"
        " (SELECT count(*) FROM patrol_visit v WHERE v.grid_code = g.code AND v.visited_at >= :ps"
        " AND v.visited_at < :pe AND v.anomaly_type IS NOT NULL) AS anomalies, g.geom"
        " FROM grid g WHERE g.code LIKE :prefix || '%' ORDER BY g.code"
    )
    return gpd.read_postgis(text(sql), conn, geom_col="geom",
                            params={"prefix": prefix, "ps": start, "pe": end, **params})  # fmt: skip


def dispute_layer(conn: Connection, prefix: str, flt: DisputeFilter) -> gpd.GeoDataFrame:
    """The period's located cases of the area as points, titles redacted, no reporter fields."""
    where, params = _filter(flt)
    sql = (
        f"SELECT d.source_ref, d.source, d.type_code, {redact_sql('d.title')} AS title,"  # noqa: S608 — fixed fragments
        " d.status, d.risk_level, d.risk_colour, d.reported_at, d.due_at, d.resolved_at,"
        " d.grid_code, d.geom FROM dispute d WHERE d.grid_code LIKE :prefix || '%'"
        f" AND d.geom IS NOT NULL AND d.status <> 'merged'{where} ORDER BY d.reported_at"
    )
    return gpd.read_postgis(text(sql), conn, geom_col="geom", params={"prefix": prefix, **params})

"""Everything one area report shows, gathered once on the caller's connection (row-level
security and masking apply): the same tables feed the PDF, the workbook and the GeoPackage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import geopandas as gpd
from sqlalchemy import Connection, text

from domain.clock import LOCAL_TZ
from geodata.read import reports as reading
from geodata.read.areas import DisputeFilter

LEVELS = {6: "district", 9: "township", 12: "community"}


@dataclass(frozen=True)
class ReportRequest:
    """An area (any code; the city's own code for the whole city), a period of whole local days
    [start, end], and the map's list filters."""

    area_code: str
    start: date
    end: date
    types: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()

    def window(self) -> tuple[datetime, datetime]:
        return (datetime.combine(self.start, time(), LOCAL_TZ),
                datetime.combine(self.end + timedelta(days=1), time(), LOCAL_TZ))  # fmt: skip

    def dispute_filter(self) -> DisputeFilter:
        start, end = self.window()
        return DisputeFilter(start, end, self.types, self.sources, self.statuses, self.risks)


@dataclass
class ReportData:
    request: ReportRequest
    area_name: str
    level: str
    generated_at: datetime
    kpis: dict[str, Any]
    monthly: list[dict[str, Any]]
    types: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    top_grids: list[dict[str, Any]]
    overdue: list[dict[str, Any]]
    departments: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    children: gpd.GeoDataFrame = field(repr=False)


def area_of(conn: Connection, code: str) -> tuple[str, str]:
    """(name, level) of an area code; ValueError for an unknown one."""
    row = conn.execute(
        text("SELECT name, level FROM admin_area WHERE code = :c"), {"c": code}
    ).first()
    if row is None:
        raise ValueError(f"unknown area {code!r}")
    return row[0], row[1]


def gather(conn: Connection, request: ReportRequest, now: datetime | None = None) -> ReportData:
    """Every table of the report for ``request``."""
    moment = now or datetime.now(LOCAL_TZ)
    name, level = area_of(conn, request.area_code)
    prefix = reading.prefix_of(request.area_code, level)
    flt = request.dispute_filter()
    return ReportData(
        request=request,
        area_name=name,
        level=level,
        generated_at=moment,
        kpis=reading.kpis(conn, prefix, flt, moment),
        monthly=reading.monthly(conn, prefix, flt),
        types=reading.by_column(conn, prefix, flt, "type_code"),
        sources=reading.by_column(conn, prefix, flt, "source"),
        top_grids=reading.top_grids(conn, prefix, flt),
        overdue=reading.overdue_cases(conn, prefix, moment),
        departments=reading.departments(conn, prefix, flt, moment),
        alerts=reading.open_alerts(conn, prefix),
        children=reading.child_areas(conn, request.area_code, level, flt),
    )

"""The CSV export: the period's cases of the area, one row each (titles redacted, no reporter),
UTF-8 with a byte-order mark so Excel opens the Chinese correctly."""

from __future__ import annotations

import csv

from sqlalchemy import Connection

from geodata.read import reports as reading
from reports.data import ReportRequest, area_of

COLUMNS = ("source_ref", "source", "type_code", "title", "status", "risk_level", "risk_colour",
           "reported_at", "due_at", "resolved_at", "grid_code", "lon", "lat")  # fmt: skip


def write(conn: Connection, request: ReportRequest, path: str) -> int:
    _name, level = area_of(conn, request.area_code)
    cases = reading.dispute_layer(conn, reading.prefix_of(request.area_code, level),
                                  request.dispute_filter())  # fmt: skip
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        out = csv.writer(f)
        out.writerow(COLUMNS)
        for row in cases.itertuples():
            geom = row.geom
            out.writerow([row.source_ref, row.source, row.type_code, row.title, row.status,
                          row.risk_level, row.risk_colour, row.reported_at, row.due_at,
                          row.resolved_at, row.grid_code, round(geom.x, 6), round(geom.y, 6)])  # fmt: skip
    return len(cases)

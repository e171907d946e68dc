"""Concentrated demands (集中诉求) of an area and period: the cases clustering reads, and one
demand's cases for its list and map. Row-level security decides which cases exist at all."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from geodata.read.grid_detail import _redacted
from geodata.sql import query

# The channels whose free text carries residents' demands.
DEMAND_SOURCES = ("hotline", "petition")
MAX_MEMBERS = 500

_CASES = text(query("read/demand_cases"))
_MEMBERS = query("read/demand_members").format(title=_redacted("d.title"))  # noqa: S608 — fixed


def area_prefix(conn: Connection, area: str) -> str:
    """The code prefix the query filters by ('' for the whole city)."""
    level = conn.execute(text("SELECT level FROM admin_area WHERE code = :a"), {"a": area}).scalar()
    return "" if level == "city" else area


def cases(
    conn: Connection, prefix: str, start: datetime, end: datetime, limit: int = 20_000
) -> list[dict[str, Any]]:
    """Hotline and petition cases of the area (code prefix) reported in [start, end)."""
    rows = conn.execute(
        _CASES,
        {"sources": list(DEMAND_SOURCES), "start": start, "end": end, "prefix": prefix,
         "limit": limit},
    ).mappings()  # fmt: skip
    return [{**r, "id": int(r["id"])} for r in rows]


def members(conn: Connection, ids: list[int], cleared: bool = False) -> list[dict[str, Any]]:
    """The visible cases among ``ids`` (at most ``MAX_MEMBERS``), titles redacted unless cleared."""
    wanted = [i for i in ids if isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63]
    rows = conn.execute(text(_MEMBERS), {"ids": wanted[:MAX_MEMBERS], "cleared": cleared})
    return [{**r, "id": int(r["id"])} for r in rows.mappings()]

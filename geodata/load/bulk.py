"""Bulk writes through COPY; table and column names are checked against the models."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, text

from geodata.schema.models import Base


def check_names(table: str, columns: Sequence[str]) -> None:
    """Refuse table or column names the models do not know (they are spliced into SQL)."""
    known = Base.metadata.tables.get(table)
    if known is None:
        raise ValueError(f"unknown table {table!r}")
    unknown = [c for c in columns if c not in known.c]
    if unknown:
        raise ValueError(f"unknown columns for {table}: {unknown}")


def truncate(conn: Connection, tables: Sequence[str]) -> None:
    """Empty ``tables`` (and what references them) in one statement."""
    for t in tables:
        check_names(t, [])
    names = ", ".join(f'"{t}"' for t in tables)  # names checked against the models above
    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def analyze(conn: Connection, tables: Sequence[str]) -> None:
    """Refresh planner statistics after a bulk load."""
    for t in tables:
        check_names(t, [])
        conn.execute(text(f'ANALYZE "{t}"'))


def ensure_patrol_partitions(conn: Connection, start: date, end: date) -> int:
    """Create the monthly patrol_visit partitions covering [start, end]; returns how many were new."""
    return int(
        conn.execute(
            text("SELECT zongzhi_ensure_patrol_partitions(:a, :b)"), {"a": start, "b": end}
        ).scalar()
    )


def has_rows(conn: Connection, table: str) -> bool:
    """True when ``table`` holds at least one row."""
    check_names(table, [])
    return bool(conn.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{table}")')).scalar())  # noqa: S608

"""Bulk writes through COPY; table and column names are checked against the models."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from psycopg import sql
from sqlalchemy import Connection, text

from geodata.models import SRID, Base


def _checked(table: str, columns: Sequence[str]) -> None:
    known = Base.metadata.tables.get(table)
    if known is None:
        raise ValueError(f"unknown table {table!r}")
    unknown = [c for c in columns if c not in known.c]
    if unknown:
        raise ValueError(f"unknown columns for {table}: {unknown}")


def ewkb_hex(geoms: Sequence[shapely.Geometry] | Any) -> list[str | None]:
    """Hex EWKB with SRID 4326 — the text form PostGIS reads fastest in COPY."""
    arr = shapely.set_srid(np.asarray(geoms, dtype=object), SRID)
    return list(shapely.to_wkb(arr, hex=True, include_srid=True))


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY ``rows`` into ``table``; geometry values must already be hex EWKB strings."""
    _checked(table, columns)
    raw = conn.connection.driver_connection
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    count = 0
    with raw.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def truncate(conn: Connection, tables: Sequence[str]) -> None:
    """Empty ``tables`` (and what references them) in one statement."""
    for t in tables:
        _checked(t, [])
    names = ", ".join(f'"{t}"' for t in tables)  # names checked against the models above
    conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def sync_sequence(conn: Connection, table: str, column: str = "id") -> None:
    """Move a serial's sequence past the largest id after rows were copied with explicit ids."""
    _checked(table, [column])
    # Names were checked against the models above.
    statement = f'SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE((SELECT max("{column}") FROM "{table}"), 0) + 1, false)'  # noqa: S608, E501
    conn.execute(
        text(statement),
        {"t": table, "c": column},
    )


def analyze(conn: Connection, tables: Sequence[str]) -> None:
    """Refresh planner statistics after a bulk load."""
    for t in tables:
        _checked(t, [])
        conn.execute(text(f'ANALYZE "{t}"'))

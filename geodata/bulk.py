"""Bulk writes through COPY; table and column names are checked against the models."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
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


def ensure_patrol_partitions(conn: Connection, start: date, end: date) -> int:
    """Create the monthly patrol_visit partitions covering [start, end]; returns how many were new."""
    return int(
        conn.execute(
            text("SELECT zongzhi_ensure_patrol_partitions(:a, :b)"), {"a": start, "b": end}
        ).scalar()
    )


def sync_patrol_sequence(conn: Connection) -> None:
    """patrol_visit's id has its own sequence (composite key on a partitioned table)."""
    conn.execute(
        text(
            "SELECT setval('patrol_visit_id_seq',"
            " COALESCE((SELECT max(id) FROM patrol_visit), 0) + 1, false)"
        )
    )


def record_batch(
    conn: Connection, kind: str, source_file: str, options: dict[str, Any], rows: int
) -> int:
    """Record a committed load whose rows were all inserted (the demo generator's case)."""
    return int(
        conn.execute(
            text(
                "INSERT INTO etl_batch (kind, source_file, options, status, finished_at,"
                " rows_read, rows_inserted) VALUES (:kind, :src, CAST(:opts AS jsonb),"
                " 'committed', now(), :n, :n) RETURNING id"
            ),
            {"kind": kind, "src": source_file, "opts": json.dumps(options), "n": rows},
        ).scalar()
    )


def has_rows(conn: Connection, table: str) -> bool:
    """True when ``table`` holds at least one row."""
    _checked(table, [])
    return bool(conn.execute(text(f'SELECT EXISTS (SELECT 1 FROM "{table}")')).scalar())  # noqa: S608

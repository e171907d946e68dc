"""Old patrol months out of the live table: monthly partitions of ``patrol_visit`` detached into
the ``archive`` schema (owner only), where they can be dumped and dropped.

Detaching is a catalogue change, not a copy: the month's rows leave ``patrol_visit`` (and every
map, tile and report) at once, and its table keeps them as they were. Plain ``DETACH``, not
``CONCURRENTLY``: the table has a default partition, which ``CONCURRENTLY`` refuses; it holds the
parent's lock for milliseconds. No trigger fires on a detach, so the patrols' data version is
bumped here, in the same transaction, for every cache to let go of the archived rows. Run as the
owner role; on a replica the detach arrives with the WAL like any other change.
"""

from __future__ import annotations

import re
from datetime import date

from psycopg import sql
from sqlalchemy import Connection, text

ARCHIVE_SCHEMA = "archive"
_MONTHLY = re.compile(r"^patrol_visit_(\d{4})(\d{2})$")

_PARTITIONS = text(
    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
    " WHERE i.inhparent = 'public.patrol_visit'::regclass ORDER BY c.relname"
)
_BUMP = text(
    "UPDATE data_version SET version = nextval('data_version_seq'), changed_at = clock_timestamp()"
    " WHERE family = 'patrols'"
)


def _month_after(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


def old_patrol_months(conn: Connection, before: date) -> list[str]:
    """Monthly partitions holding only visits before ``before`` (the default one never)."""
    names = conn.execute(_PARTITIONS).scalars()
    return [
        n
        for n in names
        if (m := _MONTHLY.match(n)) and _month_after(int(m[1]), int(m[2])) <= before
    ]


def detach_patrol_months(
    conn: Connection, before: date, *, dry_run: bool = False
) -> list[dict[str, object]]:
    """Detach every month before ``before`` into ``archive.<partition>``; what moved (name, rows).
    The caller commits (or rolls back: a detach is transactional)."""
    moved = []
    raw = conn.connection.driver_connection
    for name in old_patrol_months(conn, before):
        rows = raw.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(name)))
        moved.append({"partition": name, "rows": int(rows.fetchone()[0])})
    if dry_run or not moved:
        return moved
    raw.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(ARCHIVE_SCHEMA)))
    for item in moved:
        name = sql.Identifier(str(item["partition"]))
        raw.execute(sql.SQL("ALTER TABLE patrol_visit DETACH PARTITION {}").format(name))
        raw.execute(
            sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(name, sql.Identifier(ARCHIVE_SCHEMA))
        )
    conn.execute(_BUMP)
    return moved

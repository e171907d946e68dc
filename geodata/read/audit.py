"""The audit trail searched: by user, action, object prefix and time, newest first, a page at a
time (keyset on (at, id)), counted up to a cap, or every row for the CSV export.

The app reads ``audit_log`` under row-level security (administrators only). There a condition
can use an index only when its operator is leakproof, so the object is matched by prefix, as a
byte-order range (``text_pattern_ops``, migration 0025), never by ``LIKE``/``ILIKE``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from geodata.sql import query

PAGE_SIZE = 50
COUNT_CAP = 10_000
# Longest search values taken (the columns hold short codes and names).
MAX_TEXT = 200
COLUMNS = ("id", "at", "user_name", "role", "action", "object", "detail")


def prefix_end(prefix: str) -> str | None:
    """The least string above every string starting with ``prefix``, in code-point (UTF-8
    byte) order: its last character's successor; None when there is none."""
    for i in range(len(prefix) - 1, -1, -1):
        n = ord(prefix[i]) + 1
        if 0xD800 <= n <= 0xDFFF:  # surrogates are no characters (not encodable in UTF-8)
            n = 0xE000
        if n <= 0x10FFFF:
            return prefix[:i] + chr(n)
    return None


@dataclass(frozen=True)
class AuditQuery:
    """A search of the audit trail; empty fields match everything. ``start`` inclusive, ``end``
    exclusive; ``user`` and ``action`` exact, ``object_prefix`` a prefix of the object."""

    user: str | None = None
    action: str | None = None
    object_prefix: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    def sql(self) -> tuple[str, dict[str, Any]]:
        """A condition over ``audit_log`` (leakproof operators only) and its bound values."""
        clauses, params = [], {}
        if self.user:
            clauses.append("user_name = :q_user")
            params["q_user"] = self.user
        if self.action:
            clauses.append("action = :q_action")
            params["q_action"] = self.action
        if self.object_prefix:
            clauses.append("object ~>=~ :q_object_low")
            params["q_object_low"] = self.object_prefix
            end = prefix_end(self.object_prefix)
            if end is not None:
                clauses.append("object ~<~ :q_object_high")
                params["q_object_high"] = end
            clauses.append("starts_with(object, :q_object_low)")
        if self.start is not None:
            clauses.append("at >= :q_start")
            params["q_start"] = self.start
        if self.end is not None:
            clauses.append("at < :q_end")
            params["q_end"] = self.end
        return (" AND ".join(clauses) or "true"), params

    def describe(self) -> dict[str, str]:
        """The search as plain text values (for the audit row of an export)."""
        out = {"user": self.user, "action": self.action, "object": self.object_prefix,
               "from": self.start.isoformat() if self.start else None,
               "to": self.end.isoformat() if self.end else None}  # fmt: skip
        return {k: v for k, v in out.items() if v}


Cursor = tuple[datetime, int]


def _custom_plans(conn: Connection) -> None:
    # psycopg prepares a statement run five times on one connection, and PostgreSQL may then
    # plan it once for any value: one plan for a user with 50 entries and for ``system`` with
    # 200,000 (on 2 M entries: 2.2 s against 0.05 s). Each search is planned for its own values
    # (transaction-local, like the caller's scope).
    conn.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def page(
    conn: Connection, search: AuditQuery, after: Cursor | None = None, size: int = PAGE_SIZE
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """The ``size`` newest rows of ``search`` older than ``after`` (at, id), and the cursor of
    the next page (None when this is the last)."""
    where, params = search.sql()
    if after is not None:
        where += " AND (at, id) < (:after_at, :after_id)"
        params |= {"after_at": after[0], "after_id": after[1]}
    _custom_plans(conn)
    sql = query("read/audit_page").format(where=where)
    rows = [dict(r) for r in conn.execute(text(sql), {**params, "limit": size + 1}).mappings()]
    more = len(rows) > size
    rows = rows[:size]
    return rows, ((rows[-1]["at"], rows[-1]["id"]) if more and rows else None)


def count(conn: Connection, search: AuditQuery, cap: int = COUNT_CAP) -> int:
    """How many rows ``search`` matches, at most ``cap`` + 1 (more than ``cap``)."""
    where, params = search.sql()
    _custom_plans(conn)
    sql = query("read/audit_count").format(where=where)
    return int(conn.execute(text(sql), {**params, "cap": cap + 1}).scalar() or 0)


def rows(conn: Connection, search: AuditQuery, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every row of ``search``, newest first, fetched ``batch`` at a time (a server-side
    cursor: the export never holds the whole log in memory)."""
    where, params = search.sql()
    _custom_plans(conn)
    sql = query("read/audit_page").format(where=where)
    result = conn.execution_options(yield_per=batch).execute(text(sql), {**params, "limit": None})
    for row in result.mappings():
        yield dict(row)


def actions(conn: Connection) -> list[str]:
    """The distinct actions present in the audit trail, in order."""
    return list(conn.execute(text(query("read/audit_actions"))).scalars())

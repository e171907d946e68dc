"""吹哨 reads: the catalogue, the whistles the caller may see, the communities they may raise for."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text


def classes(conn: Connection) -> list[dict[str, Any]]:
    """The 23 classes with their item counts."""
    rows = conn.execute(
        text(
            "SELECT c.code, c.name, count(i.code) AS items FROM whistle_class c"
            " LEFT JOIN whistle_item i ON i.class_code = c.code GROUP BY 1, 2 ORDER BY 1"
        )
    ).mappings()
    return [dict(r) for r in rows]


def items(conn: Connection, class_code: str) -> list[dict[str, Any]]:
    """The items of one class with the answering department's name and the limit."""
    rows = conn.execute(
        text(
            "SELECT i.code, i.name, i.limit_days, d.name AS department FROM whistle_item i"
            " JOIN department d ON d.code = i.department WHERE i.class_code = :c ORDER BY i.code"
        ),
        {"c": class_code},
    ).mappings()
    return [dict(r) for r in rows]


def communities(conn: Connection, area: str | None, limit: int = 500) -> list[dict[str, Any]]:
    """Communities under ``area`` (any code; None: all), for the raising form."""
    rows = conn.execute(
        text(
            "SELECT code, name FROM admin_area WHERE level = 'community'"
            " AND (CAST(:a AS text) IS NULL OR code LIKE CAST(:a AS text) || '%')"
            " ORDER BY code LIMIT :n"
        ),
        {"a": area, "n": limit},
    ).mappings()
    return [dict(r) for r in rows]


def listing(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    """The whistles the caller may see: open ones first (by due time), then the newest."""
    rows = conn.execute(
        text(
            "SELECT w.id, w.source_ref, w.status, w.item, w.description, w.raised_at, w.due_at,"
            " w.responded_at, w.response, w.evaluation, w.supervision_level, w.version,"
            " w.responding_department, d.name AS department, a.name AS community"
            " FROM whistle w LEFT JOIN department d ON d.code = w.responding_department"
            " JOIN admin_area a ON a.code = w.community_code"
            " ORDER BY (w.status IN ('raised', 'responded')) DESC, w.due_at NULLS LAST,"
            " w.raised_at DESC LIMIT :n"
        ),
        {"n": limit},
    ).mappings()
    return [dict(r) for r in rows]

"""Users for the administrator's pages: the filtered list, and what a new user may be bound to.

Row-level security shows every user only to an administrator of the whole city; anyone else
sees their own row at most.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from geodata.sql import query

LIST_LIMIT = 500
OPTIONS_LIMIT = 50


def search_users(
    conn: Connection,
    *,
    role: str | None = None,
    area: str | None = None,
    contains: str | None = None,
    limit: int = LIST_LIMIT,
) -> tuple[list[dict[str, Any]], int]:
    """(users matching every given filter, by name, at most ``limit``; how many match in all).

    ``area``: users bound to that area or one inside it; ``contains``: text in the user name or
    display name, any case."""
    rows = [
        dict(r)
        for r in conn.execute(
            text(query("read/users_search")),
            {"role": role, "area": area, "text": contains, "limit": limit},
        ).mappings()
    ]
    total = rows[0].pop("total") if rows else 0
    for r in rows[1:]:
        r.pop("total")
    return rows, int(total)


def jurisdiction_options(
    conn: Connection, levels: tuple[str, ...], search: str | None = None, limit: int = OPTIONS_LIMIT
) -> list[dict[str, str]]:
    """Areas of ``levels`` (code, name, level) whose code starts with or name contains
    ``search``, by code, at most ``limit``."""
    if not levels:
        return []
    rows = conn.execute(
        text(query("read/jurisdiction_options")),
        {"levels": list(levels), "search": search or None, "limit": limit},
    ).mappings()
    return [dict(r) for r in rows]


def area_name(conn: Connection, code: str) -> str | None:
    """The name of an area or grid code, or None."""
    return conn.execute(
        text(
            "SELECT name FROM admin_area WHERE code = :c"
            " UNION ALL SELECT name FROM grid WHERE code = :c LIMIT 1"
        ),
        {"c": code},
    ).scalar()


def departments(conn: Connection) -> list[dict[str, str]]:
    """Every department (code, name), by code."""
    rows = conn.execute(text("SELECT code, name FROM department ORDER BY code")).mappings()
    return [dict(r) for r in rows]


def filter_areas(conn: Connection) -> list[dict[str, str]]:
    """The city and its districts (code, name, level), to filter the user list by."""
    rows = conn.execute(
        text(
            "SELECT code, name, level FROM admin_area WHERE level IN ('city', 'district')"
            " ORDER BY level <> 'city', code"
        )
    ).mappings()
    return [dict(r) for r in rows]

"""Server-side sessions in ``app_session``: start, look up, revoke.

The cookie carries a random token (256 bits); only its SHA-256 is stored, so a copy of the table
signs nobody in. A session ends at sign-out (revoked), after ``idle`` without a request, at its
absolute deadline, or when the user is revoked as a whole (disabled, new password).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, text

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 128  # longer cookie values are not ours: not even looked up
# last_seen_at is written at most this often per session (not on every tile request).
TOUCH_EVERY = timedelta(seconds=60)


def token_hash(token: str) -> str:
    """What the table stores for ``token``."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _name_session(conn: Connection, h: str) -> None:
    # Row-level security shows a session (and its user) to whoever names its hash: only the
    # cookie's bearer can.
    conn.execute(text("SELECT set_config('zongzhi.session', :h, true)"), {"h": h})


def start(
    conn: Connection,
    username: str,
    *,
    lifetime: timedelta,
    ip: str | None = None,
    agent: str | None = None,
) -> str:
    """A new session for ``username`` ending at the latest after ``lifetime``; its token."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    conn.execute(
        text(
            "INSERT INTO app_session (token_hash, username, expires_at, client_ip, user_agent)"
            " VALUES (:h, :u, now() + :life, :ip, :agent)"
        ),
        {"h": token_hash(token), "u": username, "life": lifetime, "ip": ip, "agent": agent},
    )
    return token


def lookup(
    conn: Connection, token: str, *, idle: timedelta, never_idle: tuple[str, ...] = ()
) -> dict[str, Any] | None:
    """The user of a live session (username, display_name, role, area_code, department_code,
    active, created_at), or None (unknown, revoked, idle too long, expired). Roles in ``never_idle``
    (the wall) end only at their deadline.

    One query, since every request asks it; it also returns the data versions as they are now
    (``data_versions``: family → version), so a request served from the cache needs no second
    round trip to know whether its cached values are still fresh."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    h = token_hash(token)
    _name_session(conn, h)
    row = (
        conn.execute(
            text(
                "SELECT u.username, u.display_name, u.role, u.area_code, u.department_code,"
                " u.active, u.created_at, s.last_seen_at < now() - :touch AS stale,"
                " (SELECT json_object_agg(family, version) FROM data_version) AS data_versions"
                " FROM app_session s JOIN app_user u ON u.username = s.username"
                " WHERE s.token_hash = :h AND s.revoked_at IS NULL AND s.expires_at > now()"
                " AND (s.last_seen_at > now() - :idle OR u.role = ANY(:never_idle))"
            ),
            {"h": h, "idle": idle, "touch": TOUCH_EVERY, "never_idle": list(never_idle)},
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    if row["stale"]:
        conn.execute(
            text("UPDATE app_session SET last_seen_at = now() WHERE token_hash = :h"), {"h": h}
        )
    return {k: v for k, v in row.items() if k != "stale"}


def revoke(conn: Connection, token: str) -> bool:
    """End one session; whether it was live."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return False
    _name_session(conn, token_hash(token))
    result = conn.execute(
        text(
            "UPDATE app_session SET revoked_at = now() WHERE token_hash = :h AND revoked_at IS NULL"
        ),
        {"h": token_hash(token)},
    )
    return result.rowcount > 0


def revoke_user(conn: Connection, username: str) -> int:
    """End every session of ``username`` (disabled, password changed); how many were live."""
    result = conn.execute(
        text(
            "UPDATE app_session SET revoked_at = now() WHERE username = :u AND revoked_at IS NULL"
        ),
        {"u": username},
    )
    return result.rowcount

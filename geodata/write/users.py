"""Users, roles and what each role may do; sign-in checks and the audit trail.

Roles and permissions are ``domain.scope`` (re-exported here for the callers of sign-in).
Passwords are hashed with werkzeug.security (scrypt); no plain password is ever stored.
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text
from werkzeug.security import check_password_hash, generate_password_hash

from domain.scope import ANONYMOUS_ROLE, PERMISSIONS, ROLES, can, check_role, require

__all__ = ["ANONYMOUS_ROLE", "PERMISSIONS", "ROLES", "can", "check_role", "require"]

MIN_PASSWORD_LENGTH = 8
# Failed sign-ins per user name within the window before sign-in is refused for a while.
MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
DEMO_USERS = (
    ("leader", "示范领导", "leader"),
    ("analyst", "示范分析员", "analyst"),
    ("admin", "系统管理员", "admin"),
)
DEMO_PASSWORD_ENV = "ZONGZHI_DEMO_PASSWORD"
_SELECT_USER = (
    "SELECT username, display_name, role, district_code, active, created_at FROM app_user"
)


def hash_password(password: str) -> str:
    """A salted scrypt hash (werkzeug format) of a password of at least 8 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return generate_password_hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (constant-time comparison)."""
    return check_password_hash(password_hash, password)


_dummy_hash: str | None = None


def _burn_time(password: str) -> None:
    # An unknown user costs the same scrypt round as a known one: timing names no accounts.
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash(secrets.token_hex(16))
    check_password_hash(_dummy_hash, password)


def _check_new_user(username: str, role: str, district_code: str | None) -> None:
    check_role(role)
    if not (2 <= len(username) <= 64) or not all(
        c.isascii() and (c.isalnum() or c in "_.@-") for c in username
    ):
        raise ValueError("user name: 2–64 letters, digits or _ . @ -")
    if district_code is not None and not (len(district_code) == 6 and district_code.isdigit()):
        raise ValueError("district code: 6 digits, e.g. 150102")


def add_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str | None = None,
    district_code: str | None = None,
) -> dict[str, Any]:
    """Create an active user; ValueError when the name is taken or a value is invalid."""
    _check_new_user(username, role, district_code)
    row = (
        conn.execute(
            text(
                "INSERT INTO app_user (username, display_name, password_hash, role, district_code)"
                " VALUES (:u, :d, :h, :r, :dc) ON CONFLICT (username) DO NOTHING"
                " RETURNING username, display_name, role, district_code, active, created_at"
            ),
            {
                "u": username,
                "d": display_name or username,
                "h": hash_password(password),
                "r": role,
                "dc": district_code,
            },
        )
        .mappings()
        .first()
    )
    if row is None:
        raise ValueError(f"user {username!r} already exists")
    return dict(row)


def get_user(conn: Connection, username: str) -> dict[str, Any] | None:
    """A user without the password hash, or None."""
    row = (
        conn.execute(text(_SELECT_USER + " WHERE username = :u"), {"u": username})
        .mappings()
        .first()
    )
    return dict(row) if row else None


def list_users(conn: Connection) -> list[dict[str, Any]]:
    """Every user (no password hashes), by name."""
    rows = conn.execute(text(_SELECT_USER + " ORDER BY username"))
    return [dict(r) for r in rows.mappings()]


def recent_failures(conn: Connection, username: str, since: datetime) -> int:
    """Failed sign-ins recorded for ``username`` since ``since``."""
    return int(
        conn.execute(
            text(
                "SELECT count(*) FROM audit_log WHERE at >= :since"
                " AND action = 'auth.login_failed' AND user_name = :u"
            ),
            {"since": since, "u": username},
        ).scalar()
    )


def authenticate(conn: Connection, username: str, password: str) -> tuple[dict | None, str]:
    """(user, "ok") on success, else (None, reason): bad_credentials, inactive or locked.

    The reason is for the audit trail; the person signing in sees one message for all of them.
    """
    now = conn.execute(text("SELECT now()")).scalar()
    if recent_failures(conn, username, now - FAILURE_WINDOW) >= MAX_FAILURES:
        return None, "locked"
    row = (
        conn.execute(
            text(
                "SELECT username, display_name, role, district_code, active, created_at,"
                " password_hash FROM app_user WHERE username = :u"
            ),
            {"u": username},
        )
        .mappings()
        .first()
    )
    if row is None:
        _burn_time(password)
        return None, "bad_credentials"
    if not verify_password(row["password_hash"], password):
        return None, "bad_credentials"
    if not row["active"]:
        return None, "inactive"
    user = {k: v for k, v in row.items() if k != "password_hash"}
    return user, "ok"


def record_audit(
    conn: Connection,
    user_name: str,
    role: str,
    action: str,
    object: str | None = None,  # noqa: A002 — the audit_log column's name
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one row to the audit trail (append-only table)."""
    conn.execute(
        text(
            "INSERT INTO audit_log (user_name, role, action, object, detail)"
            " VALUES (:u, :r, :a, :o, CAST(:d AS jsonb))"
        ),
        {
            "u": user_name[:200],
            "r": role[:20],
            "a": action[:40],
            "o": object,
            "d": None if detail is None else json.dumps(detail, ensure_ascii=False, default=str),
        },
    )


def ensure_demo_users(conn: Connection) -> str | None:
    """Create the demo users leader, analyst and admin (existing ones are left alone).

    Their password is ``$ZONGZHI_DEMO_PASSWORD`` or, when unset, a random one that is returned so
    the caller can show it once. Returns None when the environment password was used or no user
    had to be created.
    """
    from_env = os.environ.get(DEMO_PASSWORD_ENV)
    password = from_env or secrets.token_urlsafe(12)
    created = 0
    for username, display_name, role in DEMO_USERS:
        if get_user(conn, username) is None:
            add_user(conn, username, password, role, display_name=display_name)
            created += 1
    return password if created and not from_env else None

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

from domain.scope import (
    ANONYMOUS_ROLE,
    PERMISSIONS,
    ROLE_AREA_LEVEL,
    ROLES,
    area_level,
    can,
    check_role,
    require,
)

__all__ = ["ANONYMOUS_ROLE", "PERMISSIONS", "ROLES", "can", "check_role", "require"]

MIN_PASSWORD_LENGTH = 8
# Lockout is keyed by (user name, client address): failures from one address lock that address
# out of that account only, so nobody can keep someone else locked out from elsewhere. After
# FREE_FAILURES failures within FAILURE_WINDOW each further attempt waits BACKOFF_BASE, doubled
# per failure, at most BACKOFF_MAX, after the last failure. Guessing across many accounts from
# one address is bounded by the per-address rate limit on the sign-in route (app.web.auth).
FREE_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_MAX = timedelta(minutes=30)
# (user name, display name, role, how its jurisdiction is found in the loaded demo).
DEMO_USERS = (
    ("city", "市指挥中心值班员", "city", "city"),
    ("district", "示范区县综治中心", "district", "district"),
    ("township", "示范街道综治中心", "township", "township"),
    ("gridworker", "示范网格员", "grid_worker", "grid"),
    ("dept", "入驻部门联络员", "department", "department"),
    ("analyst", "示范分析员", "analyst", "city"),
    ("admin", "系统管理员", "admin", "city"),
    ("wall", "指挥中心大屏", "display", "city"),
)
DEMO_PASSWORD_ENV = "ZONGZHI_DEMO_PASSWORD"
USER_COLUMNS = "username, display_name, role, area_code, department_code, active, created_at"
_SELECT_USER = f"SELECT {USER_COLUMNS} FROM app_user"  # noqa: S608 — constant SQL, values bound


def hash_password(password: str) -> str:
    """A salted scrypt hash (werkzeug format) of a password of at least 8 characters."""
    check_password(password)
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


class UserError(ValueError):
    """A refused user change: ``code`` names the reason (the page's message key
    ``users.error.<code>``), ``params`` fill it in; ``str()`` is the CLI's English line."""

    def __init__(self, code: str, message: str, /, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def check_password(password: str) -> None:
    """UserError unless ``password`` meets the strength rule (at least 8 characters)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            "short_password",
            f"password must have at least {MIN_PASSWORD_LENGTH} characters",
            min=MIN_PASSWORD_LENGTH,
        )


def generate_password() -> str:
    """A random password (16 URL-safe characters, 96 bits) to hand over once."""
    return secrets.token_urlsafe(12)


def _check_name(username: str) -> None:
    if not (2 <= len(username) <= 64) or not all(
        c.isascii() and (c.isalnum() or c in "_.@-") for c in username
    ):
        raise UserError("bad_name", "user name: 2–64 letters, digits or _ . @ -")


def city_code(conn: Connection) -> str | None:
    """The city's own area code (the whole-city jurisdiction)."""
    return conn.execute(
        text("SELECT code FROM admin_area WHERE level = 'city' ORDER BY code LIMIT 1")
    ).scalar()


def check_jurisdiction(
    conn: Connection, role: str, area_code: str | None, department_code: str | None
) -> tuple[str | None, str | None]:
    """(area_code, department_code) a user of ``role`` is bound to, checked against the data.

    City-wide roles get the city's code when none is given; a district, township or grid worker
    user needs an existing area of that level; a department user an existing department and no
    area. ValueError says what is wrong.
    """
    if role not in ROLES:
        raise UserError(
            "bad_role", f"unknown role {role!r}; expected one of {list(ROLES)}", role=role
        )
    levels = ROLE_AREA_LEVEL[role]
    if role == "department":
        if not department_code:
            raise UserError("need_department", "a department user needs --department CODE")
        if area_code:
            raise UserError(
                "department_no_area", "a department user's reach is its cases: no --area"
            )
        found = conn.execute(
            text("SELECT 1 FROM department WHERE code = :d"), {"d": department_code}
        ).first()
        if found is None:
            raise UserError(
                "no_department", f"no department {department_code!r}", code=department_code
            )
        return None, department_code
    if department_code:
        raise UserError("no_department_for_role", f"role {role} takes no --department", role=role)
    city = city_code(conn)
    if not area_code:
        if "city" not in levels:
            raise UserError(
                "need_area",
                f"role {role} needs --area CODE of a {' or '.join(levels)}",
                role=role,
                levels=levels,
            )
        if city is None:
            raise UserError("no_city", "no city area is loaded yet: load the areas first")
        return city, None
    level = "city" if area_code == city else area_level(area_code)
    if level == "grid":
        found = conn.execute(text("SELECT 1 FROM grid WHERE code = :c"), {"c": area_code}).first()
    elif level is not None:
        found = conn.execute(
            text("SELECT 1 FROM admin_area WHERE code = :c AND level = :l"),
            {"c": area_code, "l": level},
        ).first()
    else:
        found = None
    if found is None:
        raise UserError("no_area", f"no area {area_code!r}", code=area_code)
    if level not in levels:
        raise UserError(
            "wrong_level",
            f"role {role} is bound to a {' or '.join(levels)}, not a {level}",
            role=role,
            levels=levels,
            level=level,
        )
    return area_code, None


def add_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str | None = None,
    area_code: str | None = None,
    department_code: str | None = None,
) -> dict[str, Any]:
    """Create an active user; ValueError when the name is taken or a value is invalid."""
    _check_name(username)
    area, department = check_jurisdiction(conn, role, area_code, department_code)
    row = (
        conn.execute(
            text(
                "INSERT INTO app_user (username, display_name, password_hash, role, area_code,"  # noqa: S608 — constant SQL, values bound
                " department_code) VALUES (:u, :d, :h, :r, :a, :dep)"
                f" ON CONFLICT (username) DO NOTHING RETURNING {USER_COLUMNS}"
            ),
            {
                "u": username,
                "d": display_name or username,
                "h": hash_password(password),
                "r": role,
                "a": area,
                "dep": department,
            },
        )
        .mappings()
        .first()
    )
    if row is None:
        raise UserError("exists", f"user {username!r} already exists", username=username)
    return dict(row)


def create_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str | None = None,
    area_code: str | None = None,
    department_code: str | None = None,
    by: str = "cli",
) -> dict[str, Any]:
    """``add_user``, audited as ``user.add`` by ``by`` (never the password)."""
    made = add_user(
        conn,
        username,
        password,
        role,
        display_name=display_name,
        area_code=area_code,
        department_code=department_code,
    )
    detail = {k: made[k] for k in ("role", "area_code", "department_code")}
    record_audit(conn, by, "admin", "user.add", username, detail)
    return made


def _no_user(username: str) -> UserError:
    return UserError("no_user", f"no user {username!r}", username=username)


def set_active(conn: Connection, username: str, active: bool, *, by: str = "cli") -> int:
    """Enable or disable a user; disabling ends every session. Audited. Returns sessions ended.

    Nobody disables themself (``by`` is the acting user's name): an administrator would lock
    themself out mid-session."""
    from geodata.write import sessions

    if not active and username == by:
        raise UserError("self_disable", "you cannot disable yourself", username=username)
    done = conn.execute(
        text("UPDATE app_user SET active = :a WHERE username = :u"), {"a": active, "u": username}
    ).rowcount
    if not done:
        raise _no_user(username)
    ended = 0 if active else sessions.revoke_user(conn, username)
    action = "user.enable" if active else "user.disable"
    record_audit(conn, by, "admin", action, username, {"sessions_ended": ended})
    return ended


def set_password(conn: Connection, username: str, password: str, *, by: str = "cli") -> int:
    """A new password; every session of the user ends (sign in again). Audited."""
    from geodata.write import sessions

    done = conn.execute(
        text("UPDATE app_user SET password_hash = :h WHERE username = :u"),
        {"h": hash_password(password), "u": username},
    ).rowcount
    if not done:
        raise _no_user(username)
    ended = sessions.revoke_user(conn, username)
    record_audit(conn, by, "admin", "user.passwd", username, {"sessions_ended": ended})
    return ended


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


def lockout_wait(failures: int) -> timedelta:
    """How long after the last failure a (user, address) must wait, given its recent failures."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    doublings = min(failures - FREE_FAILURES, 16)  # 2**16 × base is far past the cap already
    return min(BACKOFF_BASE * 2**doublings, BACKOFF_MAX)


def recent_failures(
    conn: Connection, username: str, since: datetime, ip: str | None = None
) -> tuple[int, datetime | None]:
    """(count, last time) of failed sign-ins for ``username`` from ``ip`` since ``since``."""
    count, last = conn.execute(
        text(
            "SELECT count(*), max(at) FROM audit_log WHERE at >= :since"
            " AND action = 'auth.login_failed' AND user_name = :u"
            " AND coalesce(detail->>'ip', '') = :ip"
        ),
        {"since": since, "u": username[:200], "ip": ip or ""},
    ).one()
    return int(count), last


def authenticate(
    conn: Connection, username: str, password: str, ip: str | None = None
) -> tuple[dict | None, str]:
    """(user, "ok") on success, else (None, reason): bad_credentials, inactive or locked.

    ``ip``: the client's address; lockout applies to that (user name, address) pair. The reason is
    for the audit trail; the person signing in sees one message for all but "locked".
    """
    now = conn.execute(text("SELECT now()")).scalar()
    failures, last = recent_failures(conn, username, now - FAILURE_WINDOW, ip)
    if last is not None and now < last + lockout_wait(failures):
        return None, "locked"
    row = (
        conn.execute(
            text(f"SELECT {USER_COLUMNS}, password_hash FROM app_user WHERE username = :u"),  # noqa: S608 — constant SQL, values bound
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


def _demo_area(conn: Connection, how: str) -> dict[str, str | None] | None:
    """Where a demo account works, from the loaded demo: the busiest district, its busiest
    township and that township's busiest grid, the department leading most cases."""
    busiest = (
        "SELECT {key} FROM dispute d JOIN grid g ON g.code = d.grid_code"
        " WHERE {where} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    if how == "city":
        return {"area_code": None, "department_code": None}
    if how == "department":
        code = conn.execute(
            text(
                "SELECT lead_department FROM dispute WHERE lead_department IS NOT NULL"
                " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
            )
        ).scalar()
        return {"area_code": None, "department_code": code} if code else None
    district = conn.execute(text(busiest.format(key="g.district_code", where="true"))).scalar()
    if district is None:
        return None
    township = conn.execute(
        text(busiest.format(key="left(g.code, 9)", where="left(g.code, 6) = :d")),
        {"d": district},
    ).scalar()
    grid = conn.execute(
        text(busiest.format(key="g.code", where="left(g.code, 9) = :t")), {"t": township}
    ).scalar()
    code = {"district": district, "township": township, "grid": grid}[how]
    return {"area_code": code, "department_code": None} if code else None


_HOW = {"grid_worker": "grid", "analyst": "city", "display": "city", "admin": "city"}


def demo_jurisdiction(conn: Connection, role: str) -> dict[str, str | None]:
    """A jurisdiction of the loaded demo fit for ``role`` (its busiest area of that level)."""
    where = _demo_area(conn, _HOW.get(check_role(role), role))
    if where is None:
        raise ValueError(f"no area in the data for a {role} user")
    return where


def ensure_demo_users(conn: Connection) -> str | None:
    """Create the demo accounts of ``DEMO_USERS`` (existing ones are left alone), one per role,
    each bound to a jurisdiction found in the loaded demo.

    Their password is ``$ZONGZHI_DEMO_PASSWORD`` or, when unset, a random one that is returned so
    the caller can show it once. Returns None when the environment password was used or no user
    had to be created.
    """
    from_env = os.environ.get(DEMO_PASSWORD_ENV)
    password = from_env or secrets.token_urlsafe(12)
    created = 0
    for username, display_name, role, how in DEMO_USERS:
        if get_user(conn, username) is not None:
            continue
        where = _demo_area(conn, how)
        if where is None:
            continue
        add_user(conn, username, password, role, display_name=display_name, **where)
        created += 1
    return password if created and not from_env else None

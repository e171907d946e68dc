"""Sign-in, sign-out and who is asking: the Flask session holds the user name only.

The role → permission table is ``geodata.write.users.PERMISSIONS`` (re-exported here) because the
layers, which may not import ``app``, must check it too. An anonymous visitor is a viewer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, Response, g, has_request_context, redirect, request, session

from app.context import connection, unscoped_connection
from geodata.write import users
from geodata.write.users import ANONYMOUS_ROLE, PERMISSIONS, ROLES, can, require

__all__ = [
    "ANONYMOUS_ROLE",
    "PERMISSIONS",
    "ROLES",
    "can",
    "current_role",
    "current_user",
    "init_app",
    "may",
    "require_permission",
    "safe_next",
]

blueprint = Blueprint("auth", __name__)
SESSION_USER = "user"
LOGIN_ERRORS = ("bad_credentials", "locked", "cross_site")
_ANONYMOUS = object()


def init_app(server: Flask) -> None:
    """Register the sign-in routes and harden the session cookie."""
    server.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    server.register_blueprint(blueprint)


def safe_next(target: str | None) -> str:
    """``target`` when it is a same-site relative path (``/…``), else ``/``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def current_user() -> dict[str, Any] | None:
    """The signed-in user (username, display_name, role, district_code), or None.

    Read from the database once per request, so a deactivated user or a changed role takes
    effect at once; works in Flask routes and Dash callbacks alike.
    """
    if not has_request_context():
        return None
    cached = g.get("zongzhi_user", _ANONYMOUS)
    if cached is not _ANONYMOUS:
        return cached  # type: ignore[return-value]
    user = None
    username = session.get(SESSION_USER)
    if username:
        with unscoped_connection() as conn:
            user = users.get_user(conn, username)
        if user is None or not user["active"]:
            session.pop(SESSION_USER, None)
            user = None
    g.zongzhi_user = user
    return user


def current_role() -> str:
    """The role of whoever is asking: the user's, or ``viewer`` when nobody is signed in."""
    user = current_user()
    return user["role"] if user else ANONYMOUS_ROLE


def may(permission: str) -> bool:
    """Whether whoever is asking holds ``permission``."""
    return can(current_role(), permission)


def require_permission(permission: str) -> None:
    """PermissionError unless whoever is asking holds ``permission``."""
    require(current_role(), permission)


def _client() -> dict[str, Any]:
    return {"ip": request.remote_addr, "agent": (request.user_agent.string or "")[:200]}


def _cross_site() -> bool:
    # The form posts from our own /login page; a foreign Origin is a login-CSRF attempt.
    # Hosts only: behind a TLS-terminating proxy the scheme the app sees differs from the browser's.
    origin = request.headers.get("Origin")
    # "null" comes with Referrer-Policy: no-referrer even from our own page, so it is let through.
    if not origin or origin == "null":
        return False
    return urlsplit(origin).netloc.lower() != request.host.lower()


def _back_to_login(error: str, target: str) -> Response:
    query = {"error": error}
    if target != "/":
        query["next"] = target
    return redirect("/login?" + urlencode(query), code=303)


@blueprint.post("/auth/login")
def login() -> Response:
    """Check the form's user name and password; on success sign in and go to ``next``."""
    target = safe_next(request.form.get("next"))
    if _cross_site():
        return _back_to_login("cross_site", target)
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    with unscoped_connection() as conn:
        user, reason = users.authenticate(conn, username, password)
        if user is None:
            users.record_audit(
                conn,
                username,
                ANONYMOUS_ROLE,
                "auth.login_failed",
                None,
                {**_client(), "reason": reason},
            )
        else:
            users.record_audit(conn, user["username"], user["role"], "auth.login", None, _client())
    if user is None:
        # One message for unknown user, wrong password and disabled account: no enumeration.
        return _back_to_login("locked" if reason == "locked" else "bad_credentials", target)
    session.clear()  # a fresh session: nothing from before sign-in carries over
    session[SESSION_USER] = user["username"]
    return redirect(target, code=303)


@blueprint.route("/auth/logout", methods=["GET", "POST"])
def logout() -> Response:
    """Sign out and go to ``next`` (or the map)."""
    user = current_user()
    if user is not None:
        with connection() as conn:
            users.record_audit(conn, user["username"], user["role"], "auth.logout", None, _client())
    session.clear()
    return redirect(safe_next(request.values.get("next")), code=303)

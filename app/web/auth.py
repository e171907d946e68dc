"""Sign-in, sign-out and who is asking: a server-side session (app.web.sessions) names the user.

The role → permission table is ``geodata.write.users.PERMISSIONS`` (re-exported here) because the
layers, which may not import ``app``, must check it too. An anonymous visitor is a viewer.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode, urlsplit

import psycopg
from flask import Blueprint, Flask, Response, g, has_request_context, redirect, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import OperationalError

from app.context import connection, unscoped_connection
from app.web import sessions
from geodata.settings import Settings
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
    "limiter_of",
    "may",
    "require_permission",
    "safe_next",
]

blueprint = Blueprint("auth", __name__)
SESSION_USER = "user"
LOGIN_ERRORS = ("bad_credentials", "locked", "cross_site", "rate_limited")
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_ANONYMOUS = object()
# Database errors that are not an outage: answered "busy, try again" rather than "unavailable".
_ANSWERED_BY_GUARD = (psycopg.errors.QueryCanceled, psycopg.errors.LockNotAvailable)
_LIMITER = "zongzhi_limiter"


def init_app(server: Flask, settings: Settings) -> None:
    """Register the sign-in routes, harden the session cookie, refuse cross-site writes and
    rate-limit sign-in per client address (Flask-Limiter; on Redis when configured)."""
    sessions.init_app(server, settings)
    server.config["SESSION_COOKIE_HTTPONLY"] = True
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    server.config["SESSION_COOKIE_SECURE"] = settings.secure_cookies
    server.config["RATELIMIT_STORAGE_URI"] = settings.redis_url or "memory://"
    server.config["RATELIMIT_HEADERS_ENABLED"] = True
    server.register_blueprint(blueprint)
    limiter = Limiter(get_remote_address, app=server, default_limits=[])
    server.extensions[_LIMITER] = limiter
    server.view_functions["auth.login"] = limiter.limit(
        settings.login_rate_limit, methods=["POST"]
    )(server.view_functions["auth.login"])
    server.before_request(_refuse_cross_site)
    server.before_request(_require_sign_in)
    server.register_error_handler(429, _too_many)


def limiter_of(server: Flask) -> Limiter:
    """The per-address rate limiter ``init_app`` set up on ``server`` (other routes add limits)."""
    return server.extensions[_LIMITER]


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
    """The signed-in user (username, display_name, role, area_code, department_code), or None.

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
        known = g.get("zongzhi_session_user")
        if known is not None and known["username"] == username:
            user = known
        else:
            with unscoped_connection(signin=username) as conn:
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


def same_origin() -> bool:
    """Whether this request comes from one of our own pages (``Origin``, else ``Referer``).

    Browsers send ``Origin`` with every POST (our Referrer-Policy keeps it a real origin); a
    missing one falls back to ``Referer``; ``null``, neither, or another host is refused. Hosts
    only: behind a TLS-terminating proxy the scheme the app sees differs from the browser's.
    """
    origin = request.headers.get("Origin")
    if origin == "null":
        return False
    source = origin or request.headers.get("Referer")
    if not source:
        return False
    return urlsplit(source).netloc.lower() == request.host.lower()


def _refuse_cross_site() -> Response | None:
    """Every state-changing request must come from our own pages (login CSRF, forged callbacks)."""
    if request.method not in STATE_CHANGING or same_origin():
        return None
    if request.path.startswith(KEY_PREFIXES):
        return None
    if request.endpoint == "auth.login":
        return _back_to_login("cross_site", safe_next(request.form.get("next")))
    return Response("cross-site request refused\n", status=403, mimetype="text/plain")


# What an anonymous visitor may reach: the sign-in page and its POST, static files (no data),
# the health check (which then says only ok / not ok), and the public guide's page and its
# lookup (app/web/guide.py: a Flask form, so no Dash callback is public).
PUBLIC_PATHS = frozenset(
    {"/login", "/auth/login", "/healthz", "/_favicon.ico", "/guide", "/guide/lookup",
     # The Open311 service list: the type catalogue the guide shows anyway (app/web/open311.py).
     "/open311/v2/services.json"}
)  # fmt: skip
STATIC_PREFIXES = sessions.STATIC_PREFIXES
# Paths whose caller is an API key, never a session (app/web/open311.py: the Open311 intake
# API checks its key on every request itself). No cookie carries authority there, so neither
# the sign-in nor the same-origin check applies.
KEY_PREFIXES = ("/open311/",)
# Requests the browser makes for a page (answered with a redirect to the sign-in page); every
# other anonymous request (callbacks, tiles, geometry, APIs) gets 401.
_PAGE_PREFIXES_NOT = ("/_dash", "/api/", "/tiles/", "/basemap/", "/auth/")


def is_public(path: str) -> bool:
    """Whether ``path`` may be requested without signing in."""
    return path in PUBLIC_PATHS or path.startswith(STATIC_PREFIXES) or path.startswith(KEY_PREFIXES)


def _require_sign_in() -> Response | None:
    """Every endpoint but the public ones needs a signed-in user (resolved once per request, so a
    disabled user's session also ends on their next request)."""
    if request.path.startswith(STATIC_PREFIXES):
        return None
    try:
        user = current_user()
    except OperationalError as exc:
        g.zongzhi_database_busy = isinstance(getattr(exc, "orig", None), _ANSWERED_BY_GUARD)
        g.zongzhi_user = user = None
        g.zongzhi_database_down = True
    if g.get("zongzhi_database_down") and not is_public(request.path):
        # Nobody can be checked: a clean 503 (public pages still answer; healthz says not ok).
        if g.get("zongzhi_database_busy"):
            return Response("the data is busy being updated; try again in a moment\n",
                            status=503, mimetype="text/plain")  # fmt: skip
        return Response("database unavailable\n", status=503, mimetype="text/plain")
    if user is not None or is_public(request.path):
        return None
    if request.method == "GET" and not request.path.startswith(_PAGE_PREFIXES_NOT):
        target = request.full_path if request.query_string else request.path
        return redirect("/login?" + urlencode({"next": safe_next(target)}), code=303)
    resp = Response('{"error": "sign_in_required"}\n', status=401, mimetype="application/json")
    resp.headers["WWW-Authenticate"] = 'Session realm="zongzhi"'
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _too_many(_error: Exception) -> Response:
    if request.endpoint == "auth.login":
        return _back_to_login("rate_limited", safe_next(request.form.get("next")))
    return Response("too many requests\n", status=429, mimetype="text/plain")


def _back_to_login(error: str, target: str) -> Response:
    query = {"error": error}
    if target != "/":
        query["next"] = target
    return redirect("/login?" + urlencode(query), code=303)


@blueprint.post("/auth/login")
def login() -> Response:
    """Check the form's user name and password; on success sign in and go to ``next``."""
    target = safe_next(request.form.get("next"))
    username = (request.form.get("username") or "").strip()[:64]
    password = request.form.get("password") or ""
    with unscoped_connection(signin=username) as conn:
        user, reason = users.authenticate(conn, username, password, request.remote_addr)
        if user is None:
            users.record_audit(
                conn,
                username,
                ANONYMOUS_ROLE,
                "auth.login_failed",
                None,
                {**sessions.client(), "reason": reason},
            )
        else:
            users.record_audit(
                conn, user["username"], user["role"], "auth.login", None, sessions.client()
            )
    if user is None:
        # One message for unknown user, wrong password and disabled account: no enumeration.
        return _back_to_login("locked" if reason == "locked" else "bad_credentials", target)
    session.clear()  # a fresh session: nothing from before sign-in carries over
    session[SESSION_USER] = user["username"]
    g.zongzhi_signed_in_role = user["role"]  # the session's lifetime depends on it
    return redirect(target, code=303)


@blueprint.get("/auth/logout")
def logout_by_get() -> Response:
    """A GET signs nobody out (an image or a link on any page could send one)."""
    return Response(
        "sign out with POST\n", status=405, mimetype="text/plain", headers={"Allow": "POST"}
    )


@blueprint.post("/auth/logout")
def logout() -> Response:
    """Sign out (POST only: a link or an image cannot sign anyone out) and go to ``next``."""
    user = current_user()
    if user is not None:
        with connection() as conn:
            users.record_audit(
                conn, user["username"], user["role"], "auth.logout", None, sessions.client()
            )
    session.clear()
    return redirect(safe_next(request.values.get("next")), code=303)

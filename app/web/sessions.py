"""Flask sessions kept in PostGIS (``geodata.write.sessions``): the cookie holds a random token.

The session holds the signed-in user name only. Setting it (sign-in) always starts a new
session with a new token and revokes the old one (no fixation); clearing it (sign-out, a user
found disabled) revokes the session and deletes the cookie. A cookie that names no live session
is an anonymous visitor. Flask-Session was considered: its database backend needs
Flask-SQLAlchemy, and revoking every session of one user needs a user column it does not keep.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
from flask import Flask, Request, Response, g, request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy.exc import OperationalError
from werkzeug.datastructures import CallbackDict

from app.context import unscoped_connection
from domain.scope import LONG_SESSION_ROLES
from geodata.settings import Settings
from geodata.write import sessions

COOKIE_NAME = "zongzhi_session"
# Files served to anyone (no data in them): they need no session.
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/")
USER_KEY = "user"


class ServerSession(CallbackDict, SessionMixin):
    """The session of one request; ``token`` is the cookie's (None for a new visitor)."""

    def __init__(self, initial: dict[str, Any] | None = None, token: str | None = None) -> None:
        def on_update(_self: CallbackDict) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.token = token
        self.modified = False


# Database errors that mean "try again shortly" rather than "down".
BUSY = (psycopg.errors.QueryCanceled, psycopg.errors.LockNotAvailable)


class DatabaseSessionInterface(SessionInterface):
    """Sessions as rows of ``app_session``; see the module docstring."""

    def __init__(self, settings: Settings) -> None:
        self.idle = timedelta(seconds=settings.session_idle_s)
        self.lifetime = timedelta(seconds=settings.session_absolute_s)
        # The wall runs unattended for days: its session lasts that long (and is never idle,
        # since the wall refreshes far more often than the idle timeout).
        self.long_lifetime = timedelta(seconds=settings.display_session_s)

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        # Static files are served to anyone: no session lookup for each bundle and asset.
        if token and not request.path.startswith(STATIC_PREFIXES):
            try:
                with unscoped_connection() as conn:
                    user = sessions.lookup(
                        conn, token, idle=self.idle, never_idle=tuple(LONG_SESSION_ROLES)
                    )
            except OperationalError as exc:  # nobody can be signed in for now
                busy = isinstance(getattr(exc, "orig", None), BUSY)
                g.zongzhi_database_busy = busy  # a held lock or a slow statement, not an outage
                g.zongzhi_database_down = True
                return ServerSession()
            if user is not None:
                # The request's user, read with its session: ``auth.current_user`` needs no
                # second query (it still drops a disabled user, which revokes the session).
                g.zongzhi_versions = {
                    k: int(v) for k, v in (user.pop("data_versions") or {}).items()
                }
                g.zongzhi_session_user = user
                return ServerSession({USER_KEY: user["username"]}, token)
        return ServerSession()

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if not isinstance(session, ServerSession) or not session.modified:
            return
        name = self.get_cookie_name(app)
        user = session.get(USER_KEY)
        with unscoped_connection(signin=user or None) as conn:
            if session.token is not None:
                sessions.revoke(conn, session.token)
            if not user:
                session.token = None
            else:
                role = g.get("zongzhi_signed_in_role")
                who = client()
                session.token = sessions.start(
                    conn,
                    user,
                    lifetime=self.long_lifetime if role in LONG_SESSION_ROLES else self.lifetime,
                    ip=who["ip"],
                    agent=who["agent"],
                )
        if session.token is None:
            response.delete_cookie(name, path=self.get_cookie_path(app))
            return
        response.set_cookie(
            name,
            session.token,
            path=self.get_cookie_path(app),
            httponly=True,
            samesite="Lax",
            secure=self.get_cookie_secure(app),
        )
        response.vary.add("Cookie")


def client() -> dict[str, Any]:
    """The client of this request as the session and the audit trail record it."""
    return {"ip": request.remote_addr, "agent": (request.user_agent.string or "")[:200]}


def init_app(server: Flask, settings: Settings) -> None:
    """Use database sessions on ``server``."""
    server.config["SESSION_COOKIE_NAME"] = COOKIE_NAME
    server.session_interface = DatabaseSessionInterface(settings)

"""Who is asking, and the one way a request or callback opens the database.

``connection()`` is the only place a request opens a connection: one transaction that first
records the caller's ``Scope`` with ``set_config('zongzhi.<key>', value, true)`` —
transaction-local, so a pooled connection never carries one caller's scope into the next.
Row-level policies read those settings; an unset scope matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, has_request_context
from sqlalchemy import Connection, Engine, text

from domain.scope import Scope
from geodata.settings import Settings

_SET_SCOPE = text(
    "SELECT set_config('zongzhi.user', :user, true), set_config('zongzhi.role', :role, true),"
    " set_config('zongzhi.areas', :areas, true), set_config('zongzhi.department', :department, true)"
)


def engine() -> Engine:
    """The app's pooled engine (for the health check and start-up work outside a request)."""
    return current_app.extensions["zongzhi"]["engine"]


def settings() -> Settings:
    """The app's settings."""
    return current_app.extensions["zongzhi"]["settings"]


def scope() -> Scope:
    """The caller's scope, resolved once per request from the signed-in user."""
    if not has_request_context():
        return Scope.anonymous()
    cached = g.get("zongzhi_scope")
    if cached is None:
        from app.web.auth import current_user  # auth reads the session; it opens no scope

        cached = Scope.of_user(current_user())
        g.zongzhi_scope = cached
    return cached


@contextmanager
def connection(caller: Scope | None = None) -> Iterator[Connection]:
    """A transaction scoped to the caller (commits at the end, rolls back on error)."""
    with engine().begin() as conn:
        conn.execute(_SET_SCOPE, (caller or scope()).settings())
        yield conn


@contextmanager
def unscoped_connection() -> Iterator[Connection]:
    """A transaction before any caller is known: only for looking up who is signing in."""
    with engine().begin() as conn:
        yield conn

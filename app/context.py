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
from geodata import cache
from geodata.cache import SCOPE_INFO_KEY
from geodata.db.scope import apply_scope
from geodata.read.versions import family_versions, versions_sum
from geodata.settings import Settings


def engine() -> Engine:
    """The app's pooled engine (for the health check and start-up work outside a request)."""
    return current_app.extensions["zongzhi"]["engine"]


def read_engine() -> Engine:
    """The engine read-only pages and tiles read from: the read replica when one is configured
    (``Settings.replica_database_url`` / ``read_from_replica``), else the app's engine."""
    zz = current_app.extensions["zongzhi"]
    return zz.get("read_engine") or zz["engine"]


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
    with scoped_transaction(engine(), caller or scope()) as conn:
        yield conn


@contextmanager
def read_connection(caller: Scope | None = None) -> Iterator[Connection]:
    """``connection`` for work that only SELECTs (map layers, tiles, the wall): on the read
    replica when there is one, where every transaction is read-only — writes (audit rows
    included) go through ``connection``. Row-level security holds the same on a replica."""
    with scoped_transaction(read_engine(), caller or scope()) as conn:
        yield conn


@contextmanager
def scoped_transaction(eng: Engine, who: Scope) -> Iterator[Connection]:
    """A transaction of ``eng`` scoped to ``who``: what ``connection`` opens in a request, and
    what the app's own work (scheduled jobs, background exports) opens outside one."""
    with eng.begin() as conn:
        apply_scope(conn, who)
        # Cached values built on this connection are keyed by the caller's scope too.
        conn.info[SCOPE_INFO_KEY] = who.cache_key()
        try:
            yield conn
        finally:
            # A connection lost mid-request (database restarted) is invalidated: touching its
            # info would raise PendingRollbackError over the real error, a 500 instead of the
            # guard's 503; the pool clears an invalidated connection's info when it reconnects.
            if not conn.invalidated:
                conn.info.pop(SCOPE_INFO_KEY, None)


@contextmanager
def unscoped_connection(*, signin: str | None = None) -> Iterator[Connection]:
    """A transaction before any caller is known: only for looking up who is signing in.

    ``signin``: the user name being signed in or looked up; row-level security then shows that
    account (and its failed sign-ins) and nothing else. Session lookups name their cookie's
    hash themselves (``geodata.write.sessions``)."""
    with engine().begin() as conn:
        if signin is not None:
            conn.execute(text("SELECT set_config('zongzhi.signin', :u, true)"), {"u": signin[:200]})
        yield conn


def data_version(*families: str) -> int:
    """``geodata.read.versions.data_version`` as of this request.

    The versions come with the request's session lookup (one round trip for both), so a value
    served from the cache costs no database call; outside a signed-in request they are read.
    """
    known = g.get("zongzhi_versions") if has_request_context() else None
    if known is None:
        with unscoped_connection() as conn:
            known = family_versions(conn)
        if has_request_context():
            g.zongzhi_versions = known
    return versions_sum(known, families)


def read_data_version(*families: str) -> int:
    """``data_version`` as the read engine sees it: a replica may lag the primary, and a value
    built from its data must be keyed by its own versions, never by newer ones."""
    eng = read_engine()
    if eng is engine():
        return data_version(*families)
    with eng.begin() as conn:
        return versions_sum(family_versions(conn), families)


def read_cache_scope() -> tuple[str, str]:
    """``cache_scope`` for values built through ``read_connection``."""
    return cache.database_of_engine(read_engine()), scope().cache_key()


def cache_scope() -> tuple[str, str]:
    """(database, caller's scope) as ``geodata.cache`` keys name them for this request."""
    return cache.database_of_engine(engine()), scope().cache_key()

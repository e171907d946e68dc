"""Engine and connection pool over psycopg 3."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event

from geodata.settings import Settings


def sqlalchemy_url(url: str) -> str:
    """Normalise a libpq/SQLAlchemy URL so SQLAlchemy uses the psycopg 3 driver."""
    for prefix in ("postgresql+psycopg2://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def database_url(settings: Settings) -> str:
    """The app's URL (its own role, held by row-level security): the configured one, else the
    embedded cluster's."""
    if settings.database_url:
        return sqlalchemy_url(settings.database_url)
    from geodata.db.embedded import EmbeddedCluster
    from geodata.db.roles import APP_ROLE

    return EmbeddedCluster(settings).url(role=APP_ROLE)


def owner_url(settings: Settings) -> str:
    """The owner role's URL, for migrations and loads."""
    if settings.owner_database_url:
        return sqlalchemy_url(settings.owner_database_url)
    if settings.database_url:
        return sqlalchemy_url(settings.database_url)
    from geodata.db.embedded import EmbeddedCluster
    from geodata.db.roles import OWNER_ROLE

    return EmbeddedCluster(settings).url(role=OWNER_ROLE)


def replica_url(settings: Settings) -> str | None:
    """The app role's URL on the read replica, or None when reads go to the primary."""
    if settings.replica_database_url:
        return sqlalchemy_url(settings.replica_database_url)
    if not settings.read_from_replica:
        return None
    from geodata.db.replica import EmbeddedReplica
    from geodata.db.roles import APP_ROLE

    return EmbeddedReplica(settings).url(role=APP_ROLE)


def make_read_engine(settings: Settings) -> Engine | None:
    """An engine on the read replica whose every transaction is read-only (a URL that names a
    primary by mistake still cannot write through it), or None without a replica."""
    url = replica_url(settings)
    return make_engine(settings, url, read_only=True) if url else None


def make_owner_engine(settings: Settings) -> Engine:
    """An engine signed in as the owner role (migrations, loads, user administration)."""
    return make_engine(settings, owner_url(settings))


def make_engine(settings: Settings, url: str | None = None, *, read_only: bool = False) -> Engine:
    """A pooled engine (connections checked before use, so a restarted database costs one retry,
    not an error); every session gets statement, lock and idle-in-transaction timeouts so a
    runaway query or a held lock cannot hang a page, and no JIT compilation (see below)."""
    engine = create_engine(
        sqlalchemy_url(url) if url else database_url(settings),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_pre_ping=True,
        future=True,
    )
    timeouts = {
        "statement_timeout": int(settings.statement_timeout_ms),
        "lock_timeout": int(settings.lock_timeout_ms),
        "idle_in_transaction_session_timeout": int(settings.idle_in_transaction_timeout_ms),
    }

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        with dbapi_conn.cursor() as cur:
            for name, ms in timeouts.items():  # names fixed above; values are ints
                cur.execute(f"SET {name} = {ms}")
            cur.execute("SET application_name = 'zongzhi'")
            # Row-level policies make every scan of a case table look costly to the planner
            # (hundreds of thousands of cost units for 26,000 rows), which sets off JIT
            # compilation: seconds of compiling for a query that runs in milliseconds.
            cur.execute("SET jit = off")
            if read_only:
                cur.execute("SET default_transaction_read_only = on")
        dbapi_conn.commit()

    return engine

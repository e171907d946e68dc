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
    """The URL to connect to: the configured one, else the embedded cluster's."""
    if settings.database_url:
        return sqlalchemy_url(settings.database_url)
    from geodata.db.embedded import EmbeddedCluster

    return EmbeddedCluster(settings).url()


def make_engine(settings: Settings, url: str | None = None) -> Engine:
    """A pooled engine; every session gets a statement timeout so a runaway query cannot hang a page."""
    engine = create_engine(
        sqlalchemy_url(url) if url else database_url(settings),
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_pre_ping=True,
        future=True,
    )
    timeout = int(settings.statement_timeout_ms)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET statement_timeout = {timeout}")
            cur.execute("SET application_name = 'zongzhi'")
        dbapi_conn.commit()

    return engine

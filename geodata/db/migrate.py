"""Apply and revert Alembic migrations programmatically (no alembic.ini needed)."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError


class MigrationError(RuntimeError):
    """The database cannot be migrated as it is; one line for the operator."""


def ensure_postgis(conn: Connection) -> None:
    """Create the postgis extension when it is missing, or stop with one clear line."""
    if conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first():
        return
    try:
        with conn.begin_nested():
            conn.execute(text("CREATE EXTENSION postgis"))
    except DBAPIError as exc:
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        raise MigrationError(
            "the database has no postgis extension and this role cannot create it "
            f"({reason}); run CREATE EXTENSION postgis as its owner or a superuser, "
            "then migrate again"
        ) from None


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at our packaged migrations and at ``engine``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("geodata.schema") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` in one transaction."""
    with engine.begin() as conn:
        ensure_postgis(conn)
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Revert the database to ``revision``."""
    with engine.begin() as conn:
        cfg = alembic_config(engine)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def current(engine: Engine) -> str | None:
    """The revision the database is at, or None when never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()

"""Alembic environment: the URL comes from the caller (``zongzhi db migrate``) or settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from geodata.schema.models import Base

config = context.config
target_metadata = Base.metadata


def _include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001
    # PostGIS owns these; autogenerate must not try to drop them.
    if type_ == "table" and (
        name in {"spatial_ref_sys"} or (name or "").startswith("patrol_visit_")
    ):
        return False
    return True


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, include_object=_include_object
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from geodata.db.engine import database_url
        from geodata.settings import Settings

        url = database_url(Settings())
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=target_metadata, include_object=_include_object
        )
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()

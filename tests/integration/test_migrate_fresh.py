"""`zongzhi db migrate` against an empty external database, as on a managed PostGIS."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, make_url, text

from app.cli import main

pytestmark = pytest.mark.db


@pytest.fixture()
def empty_database(db_url: str) -> Iterator[tuple[str, str]]:
    """A new empty database (no postgis) and a non-superuser role that owns it."""
    name = f"zz_fresh_{os.getpid()}"
    role = f"zz_plain_{os.getpid()}"
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        conn.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'plain-pass-1'"))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER "{role}"'))
    url = make_url(db_url).set(database=name)
    plain = url.set(username=role, password="plain-pass-1")
    try:
        yield url.render_as_string(hide_password=False), plain.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_mig001_a_role_that_may_not_create_postgis_gets_one_line(empty_database):
    _, plain_url = empty_database
    result = CliRunner().invoke(main, ["db", "migrate"], env={"ZONGZHI_DATABASE_URL": plain_url})
    assert result.exit_code == 1
    assert (
        "Traceback" not in result.output
        and result.exception is None
        or isinstance(result.exception, SystemExit)
    )
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "CREATE EXTENSION postgis" in lines[0]


def test_mig002_an_empty_database_gets_postgis_and_every_table(empty_database):
    owner_url, _ = empty_database
    result = CliRunner().invoke(main, ["db", "migrate"], env={"ZONGZHI_DATABASE_URL": owner_url})
    assert result.exit_code == 0, result.output
    eng = create_engine(owner_url)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")).first()
        assert conn.execute(text("SELECT to_regclass('public.dispute') IS NOT NULL")).scalar()
    eng.dispose()

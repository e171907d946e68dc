"""Shared fixtures: a real PostGIS (embedded cluster or ZONGZHI_TEST_DATABASE_URL), migrated once.

Under CI=true a skipped test is reported as a failure: CI must prove the DB and browser tests ran.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Connection, Engine

from geodata.db.engine import make_engine, sqlalchemy_url
from geodata.settings import Settings

# Tests check that a write shows on the very next tile or wall refresh; the settle window of
# display reads has its own tests (it is set per app there).
os.environ.setdefault("ZONGZHI_DISPLAY_SETTLE_S", "0")

# Own database name per concurrent session (e.g. two checkouts sharing one embedded cluster).
TEST_DATABASE = os.environ.get("ZONGZHI_TEST_DB_NAME", "zongzhi_test")
AS_OF = date(2026, 11, 28)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: ANN001, ANN201
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI", "").lower() == "true":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true (not allowed): {reason}"


def _test_url() -> str:
    url = os.environ.get("ZONGZHI_TEST_DATABASE_URL")
    if url:
        from geodata.db.roles import APP_ROLE, OWNER_ROLE, ensure_roles, password

        home = Settings().resolved_home()
        libpq = url.replace("+psycopg", "")
        ensure_roles(libpq, {r: password(home, r) for r in (APP_ROLE, OWNER_ROLE)})
        return sqlalchemy_url(url)
    from geodata.db.embedded import EmbeddedCluster, EmbeddedError

    cluster = EmbeddedCluster(Settings())
    try:
        cluster.start()
        cluster.drop_database(TEST_DATABASE)
        cluster.ensure_database(TEST_DATABASE)
    except EmbeddedError as exc:
        pytest.skip(f"no PostGIS available: {exc}")
    return cluster.url(TEST_DATABASE)


@pytest.fixture(scope="session")
def db_url() -> str:
    """URL of a freshly created, migrated test database."""
    from geodata.db import migrate

    url = _test_url()
    engine = make_engine(Settings(), url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def role_url(url: str, role: str) -> str:
    """``url`` signed in as ``role`` (its password from the home folder) instead."""
    from geodata.db.roles import as_role

    return as_role(url, role, Settings().resolved_home())


@pytest.fixture(scope="session")
def app_db_url(db_url: str) -> str:
    """The test database as the app's own role (held by row-level security)."""
    from geodata.db.roles import APP_ROLE

    return role_url(db_url, APP_ROLE)


@pytest.fixture(scope="session")
def app_engine(app_db_url: str) -> Iterator[Engine]:
    """What every test app connects with: ``zongzhi_app``, never the owner or a superuser."""
    eng = make_engine(Settings(), app_db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(Settings(), db_url)
    yield eng
    eng.dispose()


@pytest.fixture()
def conn(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with engine.connect() as connection:
        tx = connection.begin()
        try:
            yield connection
        finally:
            tx.rollback()


@pytest.fixture(scope="session")
def demo_cfg():  # noqa: ANN201
    from etl.demo import DemoConfig

    return DemoConfig.for_scale("small", seed=7, as_of=AS_OF)


@pytest.fixture(scope="session")
def demo_db(engine: Engine, demo_cfg) -> dict[str, int]:  # noqa: ANN001
    """Load the small demo once per session (committed); tests must not change it."""
    from etl.demo_load import load_demo, table_counts

    return table_counts(load_demo(engine, demo_cfg))

"""The ``zongzhi`` command as a user types it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from app.cli import main

pytestmark = pytest.mark.db


def test_cli001_help_lists_the_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "demo", "serve"):
        assert command in result.output
    db_help = CliRunner().invoke(main, ["db", "--help"]).output
    for sub in ("start", "stop", "status", "migrate", "reset", "url"):
        assert sub in db_help


def test_cli002_db_commands_against_a_configured_url(db_url: str) -> None:
    env = {"ZONGZHI_DATABASE_URL": db_url}
    runner = CliRunner()
    assert runner.invoke(main, ["db", "url"], env=env).output.strip() == db_url
    migrated = runner.invoke(main, ["db", "migrate"], env=env)
    from geodata.db import migrate
    from geodata.db.engine import make_engine
    from geodata.settings import Settings

    engine = make_engine(Settings(), db_url)
    head = migrate.current(engine)
    engine.dispose()
    assert migrated.exit_code == 0 and f"revision {head}" in migrated.output
    status = runner.invoke(main, ["db", "status"], env=env)
    assert json.loads(status.output)["database"] == "ok"
    refused = runner.invoke(main, ["db", "start"], env=env)
    assert refused.exit_code == 1 and "ZONGZHI_DATABASE_URL" in refused.output


def test_cli003_bad_options_fail_with_one_clear_line() -> None:
    result = CliRunner().invoke(main, ["demo", "load", "--scale", "galactic"])
    assert result.exit_code == 2
    assert "galactic" in result.output


def test_cli004_demo_load_if_empty_reuses_data(db_url: str, demo_db) -> None:  # noqa: ANN001
    env = {"ZONGZHI_DATABASE_URL": db_url}
    result = CliRunner().invoke(main, ["demo", "load", "--if-empty"], env=env)
    assert result.exit_code == 0
    assert "already loaded" in result.output

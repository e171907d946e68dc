"""No default secret: a generated key for the embedded setup, a refusal for production without one,
and a cookie signed with the old default key is nobody's session."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from app.cli import main as cli
from app.main import create_app
from app.web import auth, secret
from app.web.sessions import COOKIE_NAME
from geodata.settings import Settings
from geodata.write import sessions, users

pytestmark = pytest.mark.db

OLD_DEFAULT = "change-me-in-production"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "ZONGZHI_SECRET_KEY is not"),
        ({"ZONGZHI_SECRET_KEY": OLD_DEFAULT}, "known placeholder"),
        ({"ZONGZHI_SECRET_KEY": "short-but-not-a-placeholder"}, "at least 32"),
    ],
)
def test_sec001_serve_refuses_production_without_a_strong_key(env: dict, says: str) -> None:
    base = {
        "ZONGZHI_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "ZONGZHI_SECRET_KEY": "",
    }
    result = CliRunner().invoke(cli, ["serve", "--port", "1"], env={**base, **env})
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and says in lines[0], result.output
    assert "Traceback" not in result.output


def test_sec002_embedded_setup_generates_a_private_key_once(tmp_path) -> None:  # noqa: ANN001
    settings = Settings(home=tmp_path / "home", secret_key=None, database_url=None)
    first = secret.resolve(settings)
    path = tmp_path / "home" / secret.FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= secret.MIN_LENGTH and first not in secret.KNOWN_WEAK
    assert secret.resolve(settings) == first  # reused: restarts and workers agree
    os.chmod(path, 0o644)
    assert secret.resolve(settings) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # put back to private
    other = Settings(home=tmp_path / "other", secret_key=None, database_url=None)
    assert secret.resolve(other) != first  # each installation its own


def test_sec003_a_cookie_signed_with_the_old_default_is_nobodys(
    engine, tmp_path, app_engine
) -> None:  # noqa: ANN001
    name = "sec_admin"
    with engine.begin() as conn:
        if users.get_user(conn, name) is None:
            users.add_user(conn, name, "a-long-test-password-1", "admin")
        live = sessions.start(conn, name, lifetime=timedelta(hours=1))
    app = create_app(Settings(home=tmp_path, secret_key=None), app_engine)
    signer = Flask(__name__)
    signer.secret_key = OLD_DEFAULT
    forged = SecureCookieSessionInterface().get_signing_serializer(signer).dumps({"user": name})

    def who(cookie: str) -> dict | None:
        with app.server.test_request_context("/", headers={"Cookie": cookie}):
            return auth.current_user()

    for cookie_name in ("session", COOKIE_NAME):
        assert who(f"{cookie_name}={forged}") is None
    assert who(f"{COOKIE_NAME}={live}")["username"] == name  # a live session does sign in

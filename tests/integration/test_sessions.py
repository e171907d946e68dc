"""Server-side sessions: the cookie is a random token, rotated at sign-in, revoked at sign-out, and
ended by idle and absolute timeouts; a replayed cookie signs nobody in."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import text

from app.main import create_app
from app.web.sessions import COOKIE_NAME
from geodata.settings import Settings
from geodata.write import users
from tests.integration.dash_calls import SAME_ORIGIN

pytestmark = pytest.mark.db

PASSWORD = "a long session password"
NAMES = ("s_alpha", "s_beta")


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    with engine.begin() as c:
        for name in NAMES:
            if users.get_user(c, name) is None:
                users.add_user(c, name, PASSWORD, "city")
    return create_app(Settings(login_rate_limit="1000 per minute"), engine=app_engine)


def _sign_in(client, name: str) -> str:  # noqa: ANN001
    resp = client.post(
        "/auth/login", data={"username": name, "password": PASSWORD}, headers=SAME_ORIGIN
    )
    assert resp.headers["Location"] == "/", resp.headers
    cookie = client.get_cookie(COOKIE_NAME)
    assert cookie is not None
    return cookie.value


def _who(app, token: str | None) -> str | None:  # noqa: ANN001
    client = app.server.test_client()
    if token is not None:
        client.set_cookie(COOKIE_NAME, token)
    with client.session_transaction() as sess:
        return sess.get("user")


def _row(engine, token: str) -> dict | None:  # noqa: ANN001
    with engine.connect() as c:
        row = (
            c.execute(
                text("SELECT * FROM app_session WHERE token_hash = :h"),
                {"h": hashlib.sha256(token.encode()).hexdigest()},
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def test_sess001_the_cookie_is_a_random_token_and_only_its_hash_is_stored(app, engine) -> None:  # noqa: ANN001
    client = app.server.test_client()
    resp = client.post(
        "/auth/login", data={"username": "s_alpha", "password": PASSWORD}, headers=SAME_ORIGIN
    )
    header = resp.headers["Set-Cookie"]
    assert header.startswith(f"{COOKIE_NAME}=") and "HttpOnly" in header
    assert "SameSite=Lax" in header and "Secure" not in header
    token = client.get_cookie(COOKIE_NAME).value
    assert "s_alpha" not in token and len(token) >= 40
    row = _row(engine, token)
    assert row is not None and row["username"] == "s_alpha" and row["revoked_at"] is None
    with engine.connect() as c:  # the token itself is nowhere in the table
        assert not c.execute(
            text("SELECT count(*) FROM app_session WHERE token_hash = :t"), {"t": token}
        ).scalar()
    assert _who(app, token) == "s_alpha"


def test_sess002_sign_in_rotates_the_token(app, engine) -> None:  # noqa: ANN001
    client = app.server.test_client()
    first = _sign_in(client, "s_alpha")
    second = _sign_in(client, "s_beta")
    assert first != second
    assert _who(app, first) is None and _row(engine, first)["revoked_at"] is not None
    assert _who(app, second) == "s_beta"


def test_sess003_a_cookie_replayed_after_sign_out_is_refused(app, engine) -> None:  # noqa: ANN001
    client = app.server.test_client()
    token = _sign_in(client, "s_alpha")
    out = client.post("/auth/logout", headers=SAME_ORIGIN)
    assert out.status_code == 303
    assert client.get_cookie(COOKIE_NAME) is None  # the browser forgets it
    assert _who(app, token) is None  # and a copy kept elsewhere is worth nothing
    assert _row(engine, token)["revoked_at"] is not None


@pytest.mark.parametrize(
    ("column", "shift"),
    [("last_seen_at", "- interval '2 hours 1 minute'"), ("expires_at", "- interval '12 hours'")],
)
def test_sess004_idle_and_absolute_timeouts_end_a_session(
    app, engine, column: str, shift: str
) -> None:  # noqa: ANN001
    client = app.server.test_client()
    token = _sign_in(client, "s_beta")
    assert _who(app, token) == "s_beta"
    with engine.begin() as c:
        c.execute(
            text(f"UPDATE app_session SET {column} = {column} {shift} WHERE token_hash = :h"),  # noqa: S608 — fixed test fragments
            {"h": hashlib.sha256(token.encode()).hexdigest()},
        )
    assert _who(app, token) is None


def test_sess005_secure_cookies_when_served_over_https(engine, demo_db, app_engine) -> None:  # noqa: ANN001
    app = create_app(Settings(secure_cookies=True), engine=app_engine)
    client = app.server.test_client()
    resp = client.post(
        "/auth/login", data={"username": "s_alpha", "password": PASSWORD}, headers=SAME_ORIGIN
    )
    assert "Secure" in resp.headers["Set-Cookie"]


def test_sess006_a_disabled_user_loses_the_session(app, engine) -> None:  # noqa: ANN001
    client = app.server.test_client()
    token = _sign_in(client, "s_beta")
    try:
        with engine.begin() as c:
            c.execute(text("UPDATE app_user SET active = false WHERE username = 's_beta'"))
        client.get("/login")  # any request: the user is found disabled
        assert _row(engine, token)["revoked_at"] is not None
    finally:
        with engine.begin() as c:
            c.execute(text("UPDATE app_user SET active = true WHERE username = 's_beta'"))
    assert _who(app, token) is None  # enabling the user again does not revive the old session


def test_sess007_disable_and_passwd_end_every_session_and_are_audited(app, engine, db_url) -> None:  # noqa: ANN001
    from click.testing import CliRunner

    from app.cli import main as cli

    env = {"ZONGZHI_DATABASE_URL": db_url}
    with engine.begin() as c:  # a user of this test alone: no other test's sessions
        c.execute(text("DELETE FROM app_user WHERE username = 's_gamma'"))
        users.add_user(c, "s_gamma", PASSWORD, "city")
    runner = CliRunner()
    tokens = [_sign_in(app.server.test_client(), "s_gamma") for _ in range(2)]
    assert all(_who(app, t) == "s_gamma" for t in tokens)
    out = runner.invoke(
        cli,
        ["user", "passwd", "s_gamma", "--password-stdin"],
        input="a brand new password\n",
        env=env,
    )
    assert out.exit_code == 0 and "2 session(s) ended" in out.output, out.output
    assert all(_who(app, t) is None for t in tokens)
    with engine.begin() as c:
        ok, _ = users.authenticate(c, "s_gamma", "a brand new password")
        assert ok is not None
        c.execute(
            text("UPDATE app_user SET password_hash = :h WHERE username = 's_gamma'"),
            {"h": users.hash_password(PASSWORD)},
        )
    token = _sign_in(app.server.test_client(), "s_gamma")
    out = runner.invoke(cli, ["user", "disable", "s_gamma"], env=env)
    assert out.exit_code == 0 and "1 session(s) ended" in out.output, out.output
    assert _who(app, token) is None
    out = runner.invoke(cli, ["user", "enable", "s_gamma"], env=env)
    assert out.exit_code == 0
    assert _who(app, token) is None  # enabling does not revive an ended session
    with engine.connect() as c:
        actions = (
            c.execute(
                text(
                    "SELECT action FROM audit_log WHERE object = 's_gamma'"
                    " AND action LIKE 'user.%' ORDER BY id DESC LIMIT 3"
                )
            )
            .scalars()
            .all()
        )
    assert actions == ["user.enable", "user.disable", "user.passwd"]
    missing = runner.invoke(cli, ["user", "disable", "nobody_at_all"], env=env)
    assert missing.exit_code == 1 and "nobody_at_all" in missing.output
    assert "Traceback" not in missing.output


def test_sess008_the_wall_stays_signed_in_for_days_and_sees_no_cases(app, engine) -> None:  # noqa: ANN001
    from tests.integration.dash_calls import call

    with engine.begin() as c:
        if users.get_user(c, "s_wall") is None:
            users.add_user(c, "s_wall", PASSWORD, "display")
        grid = c.execute(text("SELECT grid_code FROM dispute ORDER BY id LIMIT 1")).scalar()
    client = app.server.test_client()
    wall = _sign_in(client, "s_wall")
    leader = _sign_in(app.server.test_client(), "s_alpha")
    days = {
        t: _row(engine, t)["expires_at"] - _row(engine, t)["created_at"] for t in (wall, leader)
    }
    assert round(days[wall].total_seconds()) == 7 * 24 * 3600
    assert round(days[leader].total_seconds()) == 12 * 3600
    with (
        engine.begin() as c
    ):  # three hours without a request: a desk session is over, the wall's not
        for t in (wall, leader):
            c.execute(
                text(
                    "UPDATE app_session SET last_seen_at = now() - interval '3 hours' WHERE token_hash = :h"
                ),
                {"h": hashlib.sha256(t.encode()).hexdigest()},
            )
    assert _who(app, wall) == "s_wall" and _who(app, leader) is None
    # The wall sees the map's aggregates but not the grid panel (workers, cases).
    out = call(app, client, "grid-detail.children", {"url.search": f"?area={grid}"})
    assert out["grid-detail.hidden"] is True and out["grid-detail.children"] == []
    summary = call(app, client, "area-summary.children", {"url.search": f"?area={grid}"})
    assert summary["area-summary.children"]

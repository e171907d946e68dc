"""A statement over its timeout and a lock not granted in time end as clear answers (504 / 503),
never a hung page or a trace; every pooled session carries the three timeouts."""

from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import text

from app.context import connection
from app.main import create_app
from geodata.db.engine import make_engine
from geodata.settings import Settings
from tests.integration.dash_calls import signed_in

pytestmark = pytest.mark.db


def test_to001_sessions_carry_the_timeouts(app_db_url) -> None:  # noqa: ANN001
    eng = make_engine(Settings(statement_timeout_ms=1234, lock_timeout_ms=567,
                               idle_in_transaction_timeout_ms=8910), app_db_url)  # fmt: skip
    with eng.connect() as c:
        got = [c.execute(text(f"SHOW {n}")).scalar() for n in
               ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")]  # fmt: skip
    eng.dispose()
    assert got == ["1234ms", "567ms", "8910ms"]


def test_to002_slow_queries_and_held_locks_answer_clearly(app_db_url, engine, demo_db) -> None:  # noqa: ANN001
    settings = Settings(statement_timeout_ms=300, lock_timeout_ms=200)
    app = create_app(settings, engine=make_engine(settings, app_db_url))
    probe = Blueprint("probe", __name__)

    @probe.get("/probe/slow")
    def slow():  # noqa: ANN202
        with connection() as conn:
            conn.execute(text("SELECT pg_sleep(2)"))
        return "done"

    @probe.get("/probe/locked")
    def locked():  # noqa: ANN202
        with connection() as conn:
            conn.execute(text("LOCK TABLE admin_area IN ACCESS SHARE MODE"))
        return "done"

    app.server.register_blueprint(probe)
    client = signed_in(app, engine, "to_city", "city")
    resp = client.get("/probe/slow")
    assert resp.status_code == 504 and b"took too long" in resp.data
    with engine.connect() as holder, holder.begin():
        holder.execute(text("LOCK TABLE admin_area IN ACCESS EXCLUSIVE MODE"))
        resp = client.get("/probe/locked")
    assert resp.status_code == 503 and b"busy" in resp.data
    assert b"Traceback" not in resp.data


def test_to003_a_connection_lost_mid_request_answers_503_not_500(
    app_db_url, engine, demo_db
) -> None:  # noqa: ANN001
    # What a database restart does to a request in flight (found by `make loadtest`'s drill):
    # the server ends the session; the answer must be the guard's 503, not a 500 raised while
    # the request's scoped transaction cleans up after the lost connection.
    settings = Settings()
    app = create_app(settings, engine=make_engine(settings, app_db_url))
    probe = Blueprint("probe_lost", __name__)

    @probe.get("/probe/lost")
    def lost():  # noqa: ANN202
        with connection() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            with engine.connect() as owner:
                owner.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            conn.execute(text("SELECT 1"))
        return "done"

    app.server.register_blueprint(probe)
    client = signed_in(app, engine, "to_city", "city")
    resp = client.get("/probe/lost")
    assert resp.status_code == 503 and b"database unavailable" in resp.data, resp.data
    assert client.get("/healthz").status_code == 200  # the pool replaced the connection

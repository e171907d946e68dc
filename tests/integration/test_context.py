"""The one scoped connection: the caller's scope reaches SQL and never outlives its transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app import context
from app.main import create_app
from domain.scope import Scope
from geodata.settings import Settings

pytestmark = pytest.mark.db

_READ = text(
    "SELECT current_setting('zongzhi.user', true), current_setting('zongzhi.role', true),"
    " current_setting('zongzhi.areas', true), current_setting('zongzhi.department', true)"
)


def test_ctx001_scope_reaches_sql_and_is_transaction_local(engine, app_engine):
    app = create_app(Settings(), app_engine)
    leader = Scope(user="li", role="district", areas=("150102",), department="D01")
    with app.server.test_request_context("/"):
        with context.connection(leader) as conn:
            assert tuple(conn.execute(_READ).one()) == ("li", "district", "150102", "D01")
        with context.connection() as conn:  # anonymous caller: no user, no role's rights
            assert tuple(conn.execute(_READ).one()) == ("", "anonymous", "", "")
        with context.unscoped_connection() as conn:
            assert conn.execute(_READ).one()[0] in (None, "")


def test_ctx002_no_other_module_opens_a_connection():
    """Pages, routes and auth open the database only through app.context."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "app"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if p.name not in ("context.py", "main.py", "cli.py")
        and (".connect()" in p.read_text() or ".begin()" in p.read_text())
    ]
    assert offenders == []

"""Early warning on the database: a planted surge of cases becomes an open episode with the
observed count a plain SQL count gives; storing is idempotent; people act on alerts; row-level
security keeps each district to its own alerts; ``zongzhi warnings`` prints the documented shape."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from app.cli import main as cli
from domain.clock import LOCAL_TZ
from geodata.read import warnings as reading
from geodata.write import warnings as writing

pytestmark = pytest.mark.db

AS_OF = date(2026, 11, 28)


def _plant(conn, grid: str, type_code: str, days: list[int], per_day: int, ref: str) -> None:  # noqa: ANN001
    """Cases of ``type_code`` in ``grid`` on AS_OF − day for each day, ``per_day`` each."""
    for d in days:
        for k in range(per_day):
            at = datetime.combine(AS_OF - timedelta(days=d), time(9 + k % 8), LOCAL_TZ)
            conn.execute(
                text(
                    "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
                    " grid_code, district_code, risk_level, status) SELECT 'hotline', :ref,"
                    " :type, '测试', :at, ST_PointOnSurface(g.geom), g.code, g.district_code,"
                    " 'low', 'received' FROM grid g WHERE g.code = :grid"
                ),
                {"ref": f"{ref}-{d}-{k}", "type": type_code, "at": at, "grid": grid},
            )


@pytest.fixture()
def surge(conn, demo_db):  # noqa: ANN001, ANN201
    """Twelve 消费纠纷 cases in one grid over the last four days (rolled back after the test)."""
    grid = conn.execute(text("SELECT code FROM grid ORDER BY code LIMIT 1")).scalar()
    _plant(conn, grid, "consumer", [0, 1, 2, 3], 3, "WRN")
    return grid


def test_warn101_a_planted_surge_is_an_open_episode(conn, surge) -> None:  # noqa: ANN001
    found = reading.episodes_as_of(conn, AS_OF)
    community, township = surge[:12], surge[:9]
    mine = {(e["area_code"], e["type_code"]): e for e in found}
    assert (community, "consumer") in mine and (township, "consumer") in mine
    e = mine[community, "consumer"]
    observed = conn.execute(
        text(
            "SELECT count(*) FROM dispute WHERE left(grid_code, 12) = :c AND type_code = 'consumer'"
            " AND status <> 'merged' AND timezone('Asia/Shanghai', reported_at)::date"
            " BETWEEN :a AND :b"
        ),
        {"c": community, "a": AS_OF - timedelta(days=6), "b": AS_OF},
    ).scalar()
    assert e["observed"] == observed >= 12
    assert AS_OF - timedelta(days=3) <= date.fromisoformat(e["opened"]) <= AS_OF
    assert e["method"] in ("ears_c2", "nb_cusum") and e["statistic"] > 0
    # The area filter keeps areas under the code only.
    other = reading.episodes_as_of(conn, AS_OF, area="150199")
    assert other == []


def test_warn102_storing_is_idempotent_and_people_act_on_alerts(conn, surge) -> None:  # noqa: ANN001
    first = writing.refresh(conn, AS_OF)
    rows = conn.execute(text("SELECT id, state, updated_at FROM alert_episode ORDER BY id")).all()
    again = writing.refresh(conn, AS_OF)
    assert first == again and first["open"] >= 2
    assert (
        conn.execute(text("SELECT id, state, updated_at FROM alert_episode ORDER BY id")).all()
        == rows
    )
    alert = conn.execute(
        text("SELECT id FROM alert_episode WHERE area_code = :c AND type_code = 'consumer'"),
        {"c": surge[:12]},
    ).scalar()
    with pytest.raises(ValueError, match="reason"):
        writing.act(conn, alert, "dismiss", "u", "district")
    out = writing.act(conn, alert, "acknowledge", "u", "district")
    assert out["state"] == "acknowledged"
    out = writing.act(conn, alert, "assign", "u", "district", assignee="市场监督管理局")
    assert out["state"] == "assigned"
    with pytest.raises(ValueError, match="not allowed"):
        writing.act(conn, alert, "acknowledge", "u", "district")
    audit = (
        conn.execute(
            text("SELECT action FROM audit_log WHERE object = :o ORDER BY id"),
            {"o": f"alert:{alert}"},
        )
        .scalars()
        .all()
    )
    assert audit == ["alert.acknowledge", "alert.assign"]
    # A later run that finds the episode over closes it, assigned or not.
    later = AS_OF + timedelta(days=20)
    writing.refresh(conn, later)
    assert conn.execute(text("SELECT state, closed_on FROM alert_episode WHERE id = :i"),
                        {"i": alert}).one()[0] == "closed"  # fmt: skip


def test_warn103_each_district_sees_its_own_alerts(app_engine, engine, demo_db) -> None:  # noqa: ANN001
    with engine.begin() as c:
        areas = (
            c.execute(
                text(
                    "SELECT DISTINCT ON (left(code, 6)) code FROM admin_area WHERE level = 'community'"
                    " ORDER BY left(code, 6), code LIMIT 2"
                )
            )
            .scalars()
            .all()
        )
        for code in areas:
            c.execute(
                text(
                    "INSERT INTO alert_episode (area_code, area_level, district_code, type_code,"
                    " opened_on, last_alarm_on, observed, expected, statistic, method) VALUES"
                    " (CAST(:a AS text), 'community', left(CAST(:a AS text), 6), 'consumer', :d, :d, 9, 1, 6,"
                    " 'ears_c2')"
                ),
                {"a": code, "d": date(1999, 1, 1)},
            )
    try:
        with app_engine.connect() as conn, conn.begin():
            conn.execute(
                text("SELECT set_config('zongzhi.role', 'district', true),"
                     " set_config('zongzhi.areas', :d, true)"),
                {"d": areas[0][:6]},
            )  # fmt: skip
            seen = (
                conn.execute(
                    text("SELECT area_code FROM alert_episode WHERE opened_on = '1999-01-01'")
                )
                .scalars()
                .all()
            )
            changed = conn.execute(
                text("UPDATE alert_episode SET state = 'dismissed' WHERE area_code = :a"),
                {"a": areas[1]},
            ).rowcount
        assert seen == [areas[0]] and changed == 0
    finally:
        with engine.begin() as c:
            c.execute(text("DELETE FROM alert_episode WHERE opened_on = '1999-01-01'"))


def test_warn104_the_command_prints_the_documented_fields(db_url, demo_db) -> None:  # noqa: ANN001
    runner = CliRunner()
    env = {"ZONGZHI_DATABASE_URL": db_url}
    out = runner.invoke(cli, ["warnings", "--as-of", "2026-11-28", "--json"], env=env)
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert isinstance(rows, list)
    for row in rows:
        assert set(row) >= {"area_code", "type_code", "opened", "observed", "expected",
                            "statistic", "method"}  # fmt: skip
    bad = runner.invoke(cli, ["warnings", "--as-of", "28/11/2026"], env=env)
    assert bad.exit_code == 1 and "--as-of" in bad.output
    bad = runner.invoke(cli, ["warnings", "--area", "15x"], env=env)
    assert bad.exit_code == 1 and "--area" in bad.output

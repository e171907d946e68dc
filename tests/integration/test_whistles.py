"""吹哨 → 应哨 → 评价 → 评估 on a real PostGIS as the app's own role: the catalogue, the whole
loop by the right roles, refusals, jurisdiction, overdue supervision and the department ranking
checked against plain SQL. Whistles made here are committed and removed afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, text

from domain.clock import LOCAL_TZ
from domain.scope import Scope
from domain.workflow import Actor, ForbiddenAction, GuardError, TransitionError
from geodata.load.seed import WHISTLE_ITEMS
from geodata.write import whistles

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=LOCAL_TZ)  # Friday


@contextmanager
def scoped(app_engine: Engine, scope: Scope) -> Iterator[Connection]:
    with app_engine.connect() as conn, conn.begin():
        for key, value in scope.settings().items():
            conn.execute(
                text("SELECT set_config(:k, :v, true)"), {"k": f"zongzhi.{key}", "v": value}
            )
        yield conn


@pytest.fixture(scope="module")
def place(engine, demo_db) -> Iterator[dict]:  # noqa: ANN001
    with engine.connect() as c:
        community, township = c.execute(
            text(
                "SELECT code, parent_code FROM admin_area WHERE level = 'community' ORDER BY code LIMIT 1"
            )
        ).one()
        other = c.execute(
            text(
                "SELECT code FROM admin_area WHERE level = 'township' AND code <> :t ORDER BY code LIMIT 1"
            ),
            {"t": township},
        ).scalar()
    yield {"community": community, "township": township, "other_township": other}
    with engine.begin() as c:
        c.execute(text("DELETE FROM whistle WHERE raised_by LIKE 'wh\\_%'"))


def test_wh001_the_catalogue_has_637_items_each_with_a_department(engine, demo_db) -> None:  # noqa: ANN001
    with engine.connect() as c:
        n, classes, orphan = c.execute(
            text("SELECT count(*), count(DISTINCT class_code), count(*) FILTER (WHERE department"
                 " NOT IN (SELECT code FROM department)) FROM whistle_item")
        ).one()  # fmt: skip
    assert (n, classes, orphan) == (637, 23, 0) == (len(WHISTLE_ITEMS), 23, 0)


def test_wh002_the_whole_loop_by_the_right_roles(app_engine, engine, place) -> None:  # noqa: ANN001
    item = next(i for i in WHISTLE_ITEMS if i[0] == "W10-01")  # 消防通道: 消防救援大队, 1 day
    town = Scope(user="wh_town", role="township", areas=(place["township"],))
    town_actor = Actor("wh_town", "township")
    with scoped(app_engine, town) as conn:
        made = whistles.raise_whistle(conn, town_actor, place["community"], item[0], "楼道堆满杂物",
                                      now=NOW)  # fmt: skip
    wid = made["id"]
    # Friday + 1 working day: due at the end of Monday.
    assert made["due_at"] == datetime(2026, 12, 1, tzinfo=LOCAL_TZ)
    fire = Scope(user="wh_fire", role="department", department=item[3])
    other = Scope(user="wh_health", role="department", department="health")
    with scoped(app_engine, other) as conn, pytest.raises(whistles.WhistleNotFound):
        whistles.act(conn, wid, "respond", Actor("wh_health", "department", "health"),
                     {"response": "x"})  # fmt: skip
    with scoped(app_engine, town) as conn, pytest.raises(TransitionError, match="respond"):
        whistles.act(conn, wid, "evaluate", town_actor, {"evaluation": 5})
    with scoped(app_engine, fire) as conn:
        with pytest.raises(GuardError, match="response"):
            whistles.act(conn, wid, "respond", Actor("wh_fire", "department", item[3]), {})
        whistles.act(conn, wid, "respond", Actor("wh_fire", "department", item[3]),
                     {"response": "已派员清理通道"}, now=NOW + timedelta(hours=5))  # fmt: skip
    with scoped(app_engine, fire) as conn, pytest.raises(ForbiddenAction):
        whistles.act(
            conn, wid, "evaluate", Actor("wh_fire", "department", item[3]), {"evaluation": 5}
        )
    with scoped(app_engine, town) as conn:
        whistles.act(conn, wid, "evaluate", town_actor, {"evaluation": 4, "note": "响应及时"},
                     now=NOW + timedelta(days=1))  # fmt: skip
    district = Scope(user="wh_district", role="district", areas=(place["community"][:6],))
    with scoped(app_engine, district) as conn:
        ranking = whistles.assess_period(
            conn, Actor("wh_district", "district"), NOW.date(), NOW.date()
        )
    with engine.connect() as c:
        row = c.execute(text("SELECT status, evaluation, response, version FROM whistle WHERE id = :i"),
                        {"i": wid}).one()  # fmt: skip
        audit = c.execute(text("SELECT action FROM audit_log WHERE object = :o ORDER BY id"),
                          {"o": f"whistle:{wid}"}).scalars().all()  # fmt: skip
    assert tuple(row) == ("assessed", 4, "已派员清理通道", 4)
    assert audit == ["whistle.raise", "whistle.respond", "whistle.evaluate", "whistle.assess"]
    mine = next(r for r in ranking if r["department"] == item[3])
    assert mine["raised"] >= 1 and mine["on_time"] >= 1


def test_wh003_jurisdiction_and_roles(app_engine, place) -> None:  # noqa: ANN001
    far = Scope(user="wh_far", role="township", areas=(place["other_township"],))
    with scoped(app_engine, far) as conn, pytest.raises(Exception):  # noqa: B017 — RLS refuses
        whistles.raise_whistle(conn, Actor("wh_far", "township"), place["community"], "W01-01",
                               now=NOW)  # fmt: skip
    analyst = Scope(user="wh_an", role="analyst", areas=(place["township"],))
    with scoped(app_engine, analyst) as conn, pytest.raises(ForbiddenAction):
        whistles.raise_whistle(conn, Actor("wh_an", "analyst"), place["community"], "W01-01")
    town = Scope(user="wh_town", role="township", areas=(place["township"],))
    with scoped(app_engine, town) as conn, pytest.raises(GuardError, match="unknown"):
        whistles.raise_whistle(conn, Actor("wh_town", "township"), place["community"], "W99-99")


def test_wh004_unanswered_whistles_are_supervised_like_cases(app_engine, engine, place) -> None:  # noqa: ANN001
    town = Scope(user="wh_town", role="township", areas=(place["township"],))
    with scoped(app_engine, town) as conn:
        wid = whistles.raise_whistle(conn, Actor("wh_town", "township"), place["community"],
                                     "W13-01", now=NOW)["id"]  # fmt: skip
    city_code = place["community"][:4] + "00"
    city = Scope(user="system", role="city", areas=(city_code,))

    def level() -> int:
        with engine.connect() as c:
            return c.execute(text("SELECT supervision_level FROM whistle WHERE id = :i"),
                             {"i": wid}).scalar()  # fmt: skip

    with scoped(app_engine, city) as conn:
        whistles.supervise_overdue(conn, datetime(2026, 11, 30, 12, tzinfo=LOCAL_TZ))
    assert level() == 1  # due at the end of Monday: 提醒
    with scoped(app_engine, city) as conn:
        whistles.supervise_overdue(conn, datetime(2026, 12, 2, 9, tzinfo=LOCAL_TZ))
    assert level() == 2
    with scoped(app_engine, city) as conn:
        whistles.supervise_overdue(conn, datetime(2026, 12, 9, 9, tzinfo=LOCAL_TZ))
    assert level() == 3


def test_wh005_the_ranking_equals_plain_sql(conn, demo_db) -> None:  # noqa: ANN001
    start, end = date(2025, 12, 1), date(2026, 11, 28)
    ranking = {r["department"]: r for r in whistles.department_ranking(conn, start, end)}
    expected = conn.execute(
        text(
            "SELECT responding_department, count(*), count(*) FILTER (WHERE responded_at <= due_at),"
            " avg(evaluation) FROM whistle WHERE timezone('Asia/Shanghai', raised_at)::date"
            " BETWEEN :a AND :b GROUP BY 1"
        ),
        {"a": start, "b": end},
    ).all()
    assert len(expected) == len(ranking) > 0
    for dept, raised, on_time, rating in expected:
        assert (ranking[dept]["raised"], ranking[dept]["on_time"]) == (raised, on_time)
        assert ranking[dept]["rating"] == (None if rating is None else round(float(rating), 2))

"""The centre's own pages in system Chromium: the wall fills a 1920×1080 and a 3840×2160 screen
without scrollbars and marks stale data; the patrol-task list works on a phone; the whistle loop
runs through the page; the alerts list shows its figures. Each fails on browser console errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from geodata.write import sessions, users
from tests.browser.conftest import PageWatch

pytestmark = [pytest.mark.db, pytest.mark.browser]


def _session(engine, role: str, **where) -> str:  # noqa: ANN001, ANN003
    name = f"bc_{role}_{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        place = where or users.demo_jurisdiction(conn, role)
        users.add_user(conn, name, "browser-password-" + name, role, **place)
        return sessions.start(conn, name, lifetime=timedelta(hours=2))


@pytest.fixture()
def open_as(browser, live_server, engine) -> Iterator:  # noqa: ANN001
    """open_as(role, viewport, **jurisdiction) → a signed-in PageWatch."""
    from app.web.sessions import COOKIE_NAME

    contexts = []

    def make(role: str, viewport: dict | None = None, **where) -> PageWatch:  # noqa: ANN003
        context = browser.new_context(viewport=viewport or {"width": 1400, "height": 900},
                                      locale="zh-CN")  # fmt: skip
        context.add_cookies([{"name": COOKIE_NAME, "value": _session(engine, role, **where),
                              "url": live_server}])  # fmt: skip
        contexts.append(context)
        return PageWatch(context.new_page())

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("size", [(1920, 1080), (3840, 2160)], ids=["1080p", "2160p"])
def test_bc001_the_wall_fills_the_screen_without_scrollbars(live_server, open_as, size) -> None:  # noqa: ANN001
    watch = open_as("display", {"width": size[0], "height": size[1]})
    p = watch.page
    p.goto(f"{live_server}/wall")
    p.wait_for_selector(".wall-figure .wall-number", timeout=60_000)
    p.wait_for_selector(".wall-tick-row", timeout=30_000)
    fits = p.evaluate(
        "() => ({sw: document.documentElement.scrollWidth, sh: document.documentElement.scrollHeight,"
        " w: innerWidth, h: innerHeight, over: [...document.querySelectorAll('.wall-panel,"
        " .wall-figure, .wall-header')].filter(e => { const r = e.getBoundingClientRect();"
        " return r.right > innerWidth + 1 || r.bottom > innerHeight + 1; }).length})"
    )
    assert fits["sw"] <= fits["w"] and fits["sh"] <= fits["h"] and fits["over"] == 0, fits
    assert p.locator(".wall-figure").count() == 10
    assert p.locator("#wall-stale").is_hidden()
    assert "数据截至" in p.locator("#wall-stamp").inner_text()
    # The staleness rule itself: the badge shows once the last refresh is 2.5 intervals old.
    rule = (
        "window.dash_clientside.zongzhi_wall.badgeHidden(0, {served: Date.now()/1000 - %d}, 30000)"
    )
    assert p.evaluate(rule % 100) is False and p.evaluate(rule % 10) is True
    assert watch.errors == []


def test_bc002_a_grid_worker_marks_a_task_on_a_phone(live_server, open_as, engine) -> None:  # noqa: ANN001
    with engine.begin() as c:
        grid = c.execute(text("SELECT grid_code FROM grid_worker ORDER BY id LIMIT 1")).scalar()
        task = c.execute(
            text("INSERT INTO patrol_task (grid_code, district_code, due_on, priority, reason, kind)"
                 " VALUES (:g, :d, :due, 'urgent', '浏览器测试：楼道杂物堵塞', 'manual') RETURNING id"),
            {"g": grid, "d": grid[:6], "due": date.today()},
        ).scalar()  # fmt: skip
    try:
        watch = open_as("grid_worker", {"width": 390, "height": 844}, area_code=grid,
                        department_code=None)  # fmt: skip
        p = watch.page
        p.goto(f"{live_server}/tasks")
        card = p.locator(f"#task-{task}")
        card.wait_for(timeout=60_000)
        box = card.bounding_box()
        assert box["width"] <= 390 and p.evaluate("document.documentElement.scrollWidth") <= 390
        card.locator(".task-note").fill("已清理")
        card.locator("button.found").click()
        p.wait_for_selector(".tasks-message:has-text('发现问题')", timeout=30_000)
        assert p.locator(f"#task-{task}").count() == 0
        with engine.connect() as c:
            row = c.execute(text("SELECT status, outcome, note FROM patrol_task WHERE id = :i"),
                            {"i": task}).one()  # fmt: skip
        assert tuple(row) == ("done", "found", "已清理")
        assert watch.errors == []
    finally:
        with engine.begin() as c:
            c.execute(text("DELETE FROM patrol_task WHERE id = :i"), {"i": task})


def test_bc003_a_whistle_goes_round_through_the_page(live_server, open_as, engine) -> None:  # noqa: ANN001
    with engine.connect() as c:
        community, township = c.execute(
            text("SELECT code, parent_code FROM admin_area WHERE level = 'community' ORDER BY code"
                 " LIMIT 1")
        ).one()  # fmt: skip
    try:
        town = open_as("township", area_code=township, department_code=None)
        p = town.page
        p.goto(f"{live_server}/whistles")
        p.wait_for_selector("#whistle-community", timeout=60_000)
        p.locator("#whistle-community").click()
        p.locator(".VirtualizedSelectOption").first.click()
        p.locator("#whistle-class").click()
        p.locator(".VirtualizedSelectOption").filter(has_text="消防通道占用").first.click()
        p.locator("#whistle-item").click()
        p.locator(".VirtualizedSelectOption").filter(has_text="消防").first.click()
        p.locator("#whistle-text").fill("浏览器测试：消防通道被占用")
        p.locator("#whistle-raise").click()
        p.wait_for_selector("#whistle-message:has-text('已吹哨')", timeout=30_000)
        with engine.connect() as c:
            wid, dept = c.execute(
                text("SELECT id, responding_department FROM whistle WHERE description ="
                     " '浏览器测试：消防通道被占用'")
            ).one()  # fmt: skip
        fire = open_as("department", area_code=None, department_code=dept)
        q = fire.page
        q.goto(f"{live_server}/whistles")
        row = q.locator(f"#whistle-{wid}")
        row.wait_for(timeout=60_000)
        row.locator("input").fill("已派员清理")
        row.locator("button").click()
        q.wait_for_selector("#whistle-message:has-text('已应哨')", timeout=30_000)
        p.reload()
        mine = p.locator(f"#whistle-{wid}")
        mine.wait_for(timeout=60_000)
        mine.locator(".wh-rate").click()
        p.locator(".VirtualizedSelectOption").filter(has_text="4 ★").first.click()
        mine.locator("button").click()
        p.wait_for_selector("#whistle-message:has-text('已评价')", timeout=30_000)
        with engine.connect() as c:
            assert c.execute(text("SELECT status, evaluation FROM whistle WHERE id = :i"),
                             {"i": wid}).one() == ("evaluated", 4)  # fmt: skip
        assert town.errors == [] and fire.errors == []
    finally:
        with engine.begin() as c:
            c.execute(text("DELETE FROM whistle WHERE description = '浏览器测试：消防通道被占用'"))


def test_bc004_the_alerts_list_shows_its_figures(live_server, open_as, engine) -> None:  # noqa: ANN001
    with engine.begin() as c:
        area = c.execute(text("SELECT code FROM admin_area WHERE level = 'community' ORDER BY code"
                              " LIMIT 1")).scalar()  # fmt: skip
        alert = c.execute(
            text("INSERT INTO alert_episode (area_code, area_level, district_code, type_code,"
                 " opened_on, last_alarm_on, observed, expected, statistic, method) VALUES (:a,"
                 " 'community', :d, 'heating', '1999-03-03', '1999-03-03', 11, 1.5, 7.5, 'nb_cusum')"
                 " RETURNING id"), {"a": area, "d": area[:6]},
        ).scalar()  # fmt: skip
    try:
        watch = open_as("city")
        p = watch.page
        p.goto(f"{live_server}/alerts")
        row = p.locator(f"#alert-{alert}")
        row.wait_for(timeout=60_000)
        assert "11" in row.inner_text() and "负二项CUSUM" in row.inner_text()
        row.locator("button").filter(has_text="确认").click()
        p.wait_for_selector("#alerts-message:has-text('已确认')", timeout=30_000)
        assert watch.errors == []
    finally:
        with engine.begin() as c:
            c.execute(text("DELETE FROM alert_episode WHERE id = :i"), {"i": alert})


def test_bc005_the_map_names_its_areas_and_keeps_legends_on_the_map(live_server, open_as) -> None:  # noqa: ANN001
    watch = open_as("city", {"width": 1600, "height": 1000})
    p = watch.page
    p.goto(f"{live_server}/?area=150102&layers=heat_disputes")
    p.wait_for_selector(".leaflet-tooltip.area-label", timeout=60_000)
    labels = p.locator(".leaflet-tooltip.area-label").all_inner_texts()
    assert len(labels) >= 3 and all(label.strip() for label in labels)
    # Density off: the children are still outlined (an outline path per child).
    assert p.locator(".leaflet-outlines-pane path").count() >= len(labels)
    p.wait_for_selector(
        "#legend-heat_disputes .legend-title, #legend-heat_disputes *", timeout=30_000
    )
    legend = p.locator("#legend-heat_disputes").bounding_box()
    frame = p.locator("#map").bounding_box()
    assert (
        frame["x"] <= legend["x"] and legend["x"] + legend["width"] <= frame["x"] + frame["width"]
    )
    assert (
        frame["y"] <= legend["y"] and legend["y"] + legend["height"] <= frame["y"] + frame["height"]
    )
    assert watch.errors == []

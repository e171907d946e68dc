"""The dispatch desk in system Chromium, as a district dispatcher works it: one hotline case from
intake to archive, and another split into two locks that are keyed and opened before the parent
resolves. Every step is checked in the event log; the page must log no console errors."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from domain.scope import Scope
from geodata.write import cases, sessions, users
from tests.integration.made_cases import remove_cases, scoped

pytestmark = [pytest.mark.db, pytest.mark.browser]

REF = "DSB-"


def _field(name: str) -> str:
    ident = json.dumps({"index": name, "type": "dispatch-field"}, separators=(",", ":"))
    return f"[id='{ident}']"


def _choose(page, selector: str, label: str) -> None:  # noqa: ANN001
    page.locator(selector).click()
    page.locator(f"{selector} .Select-menu-outer").get_by_text(label, exact=True).first.click()


@pytest.fixture()
def desk(browser, live_server, engine):  # noqa: ANN001, ANN201
    """A district dispatcher's tab, the district, a point in one of its grids; the cases made
    here are removed afterwards."""
    from app.web.sessions import COOKIE_NAME
    from tests.browser.conftest import PageWatch

    name = f"dsb_{uuid.uuid4().hex[:6]}"
    with engine.begin() as c:
        district, lon, lat = c.execute(
            text(
                "SELECT g.district_code, ST_X(ST_PointOnSurface(g.geom)),"
                " ST_Y(ST_PointOnSurface(g.geom)) FROM grid g ORDER BY g.code LIMIT 1"
            )
        ).one()
        users.add_user(c, name, "browser-password-" + name, "district", area_code=district)
        token = sessions.start(c, name, lifetime=timedelta(hours=2))
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, locale="zh-CN")
    context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": live_server}])
    watch = PageWatch(context.new_page())
    yield {"watch": watch, "user": name, "district": district, "lon": lon, "lat": lat}
    context.close()
    remove_cases(engine, REF)


def _hotline_case(app_engine, desk: dict, ref: str, title: str) -> int:  # noqa: ANN001
    """A case as the 12345 hotline hands it over (登记/接办), in the dispatcher's district."""
    scope = Scope(user="api:hotline", role="intake", areas=(desk["district"][:4] + "00",))
    fields = {"source": "hotline", "source_ref": REF + ref, "type_code": "property",
              "title": title, "description": "来电人反映：" + title,
              "reporter_name": "刘女士", "reporter_phone": "13712345678"}  # fmt: skip
    with scoped(app_engine, scope) as conn:
        out, _ = cases.register(conn, scope.actor(), fields, lon=desk["lon"], lat=desk["lat"])
    return out.case_id


def _events(engine, case_id: int) -> list[str]:  # noqa: ANN001
    with engine.connect() as c:
        return list(c.execute(text("SELECT action FROM dispute_event WHERE dispute_id = :i"
                                   " ORDER BY id"), {"i": case_id}).scalars())  # fmt: skip


def _do(p, action: str, status: str, fill=None) -> None:  # noqa: ANN001
    """Choose ``action`` in the drawer, fill its fields, submit, and wait for the new status."""
    _choose(p, "#dispatch-action", action)
    p.locator(_field("note")).wait_for(timeout=20_000)
    if fill:
        fill()
    events = p.locator("#dispatch-drawer .dispatch-timeline li").count()
    p.locator("#dispatch-submit").click()
    p.wait_for_function(
        "n => document.querySelectorAll('#dispatch-drawer .dispatch-timeline li').length > n",
        arg=events,
        timeout=30_000,
    )
    assert f"现为「{status}」" in p.locator("#dispatch-message").inner_text()
    p.wait_for_selector(f"#dispatch-drawer .badge:has-text('{status}')", timeout=30_000)


def test_dsb001_a_hotline_case_from_intake_to_archive(
    live_server, desk, engine, app_engine
) -> None:  # noqa: ANN001
    case_id = _hotline_case(app_engine, desk, "A", "小区电梯停运一周物业不修")
    p = desk["watch"].page
    p.goto(f"{live_server}/dispatch")
    # The new case is in the queue; a click on its row opens the drawer.
    p.locator("#dispatch-search").fill(REF + "A")
    p.locator("#dispatch-search").press("Enter")
    p.locator("#dispatch-queue td:has-text('小区电梯停运一周物业不修')").first.click()
    p.wait_for_selector("#dispatch-drawer .flow-step.current", timeout=30_000)
    assert "137****5678" in p.locator("#dispatch-drawer").inner_text()
    _do(p, "交办", "已交办")
    _do(p, "签收", "办理中")
    _do(p, "化解", "已化解", lambda: p.locator(_field("note")).fill("物业已更换电梯主板"))
    _do(p, "评价", "已化解", lambda: _choose(p, _field("satisfaction"), "满意"))
    _do(p, "归档", "已归档")
    assert _events(engine, case_id) == [
        "accept",
        "assign",
        "sign",
        "resolve",
        "evaluate",
        "archive",
    ]
    assert desk["watch"].errors == []


def test_dsb002_a_case_split_into_two_locks_waits_for_both(
    live_server, desk, engine, app_engine
) -> None:  # noqa: ANN001
    case_id = _hotline_case(app_engine, desk, "L", "老旧小区供热不达标且物业费纠纷")
    with engine.connect() as c:
        deps = c.execute(text("SELECT name FROM department ORDER BY code LIMIT 2")).scalars().all()
    p = desk["watch"].page
    p.goto(f"{live_server}/dispatch?case={case_id}")
    p.wait_for_selector("#dispatch-drawer .flow-step.current", timeout=30_000)
    _do(p, "交办", "已交办")
    _do(p, "签收", "办理中")

    def locks() -> None:
        for i, (dep, task) in enumerate(
            zip(deps, ("核实供热温度", "调解物业费争议"), strict=True), 1
        ):
            _choose(p, _field(f"lock_department_{i}"), dep)
            p.locator(_field(f"lock_task_{i}")).fill(task)
            p.locator(_field(f"lock_days_{i}")).fill("3")

    _do(p, "分锁", "办理中", locks)
    assert p.locator("#dispatch-drawer .lock").count() == 2
    # The parent cannot resolve while a lock is open: the refusal names the open locks.
    _choose(p, "#dispatch-action", "化解")
    p.locator(_field("note")).wait_for(timeout=20_000)
    p.locator("#dispatch-submit").click()
    p.wait_for_selector("#dispatch-message:has-text('未执行')", timeout=30_000)
    for _ in range(2):
        _do(p, "给钥匙", "办理中", lambda: [p.locator(_field(n)).fill(v) for n, v in (
            ("facts", "经现场测温室温16℃"), ("law", "《供热条例》"), ("plan", "限期整改并减免费用"))])  # fmt: skip
        _do(p, "开锁", "办理中")
    assert p.locator("#dispatch-drawer .lock-status.done").count() == 2
    _do(p, "化解", "已化解")
    assert _events(engine, case_id) == ["accept", "assign", "sign", "split", "key", "unlock",
                                        "key", "unlock", "resolve"]  # fmt: skip
    assert desk["watch"].errors == []

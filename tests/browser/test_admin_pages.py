"""The administrator's pages in headless system Chromium: an administrator signs in, adds a user,
disables it and finds that in the audit trail; anyone else gets the no-permission page. Every
page here fails on a browser console error."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import text

from app import ids
from domain.i18n import t
from geodata.write import users

pytestmark = [pytest.mark.db, pytest.mark.browser]

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def administrator(engine) -> str:  # noqa: ANN001
    name = f"badm_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        users.add_user(conn, name, PASSWORD, "admin", display_name="测试管理员")
    return name


def _sign_in(p, live_server: str, name: str, next_path: str) -> None:  # noqa: ANN001
    p.goto(f"{live_server}/login?next={quote(next_path)}")
    p.locator("#login-username").fill(name)
    p.locator("#login-password").fill(PASSWORD)
    p.locator("form.auth-form button").click()
    p.wait_for_url(lambda u: "/login" not in u, timeout=15_000)


def _choose(page, dropdown_id: str, label: str) -> None:  # noqa: ANN001
    page.locator(f"#{dropdown_id}").click()
    menu = page.locator(f"#{dropdown_id} .Select-menu-outer")
    menu.get_by_text(label, exact=False).first.click()


def test_badm001_add_disable_and_find_it_in_the_audit_trail(
    live_server, anonymous_page, engine, administrator
) -> None:  # noqa: ANN001
    p = anonymous_page.page
    _sign_in(p, live_server, administrator, "/")
    # The map's header links an administrator to both pages.
    nav = p.locator(f"#{ids.ADMIN_NAV}")
    nav.wait_for(timeout=20_000)
    assert t("nav.users", "zh") in nav.inner_text() and t("nav.audit", "zh") in nav.inner_text()
    nav.get_by_text(t("nav.users", "zh")).click()
    p.wait_for_url(lambda u: u.endswith("/admin/users"), timeout=15_000)
    p.locator(f"#{ids.USERS_TABLE} table").wait_for(timeout=20_000)
    assert administrator in p.locator(f"#{ids.USERS_TABLE}").inner_text()
    # Add a district user: the area picker offers the role's districts; the password is made.
    name = f"bnew_{uuid.uuid4().hex[:6]}"
    with engine.connect() as conn:
        code, area = conn.execute(
            text("SELECT code, name FROM admin_area WHERE level = 'district' ORDER BY code LIMIT 1")
        ).one()
    p.locator(f"#{ids.USER_NEW_NAME}").fill(name)
    p.locator(f"#{ids.USER_NEW_DISPLAY}").fill("浏览器新用户")
    _choose(p, ids.USER_NEW_ROLE, "区县 · district")
    _choose(p, ids.USER_NEW_AREA, code)
    p.locator(f"#{ids.USER_NEW_GENERATE} input").check()
    p.locator(f"#{ids.USER_ADD}").click()
    secret = p.locator(f"#{ids.USER_ADD_MESSAGE} code.secret")
    secret.wait_for(timeout=20_000)
    with engine.begin() as conn:
        made, why = users.authenticate(conn, name, secret.inner_text())
    assert why == "ok" and (made["role"], made["area_code"]) == ("district", code)
    row = p.locator(f"#user-row-{name}")
    row.wait_for(timeout=20_000)
    assert area in row.inner_text() and "区县" in row.inner_text()
    # Disable it.
    row.get_by_text(t("users.do.disable", "zh"), exact=True).click()
    p.locator(f"#{ids.USERS_MESSAGE}").get_by_text(name).wait_for(timeout=20_000)
    assert t("users.inactive", "zh") in p.locator(f"#user-row-{name}").inner_text()
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT active FROM app_user WHERE username = :u"), {"u": name}
            ).scalar()
            is False
        )
    # The audit trail shows it: action user.disable on that user, by the administrator.
    p.goto(f"{live_server}/audit")
    p.locator(f"#{ids.AUDIT_TABLE} table").wait_for(timeout=20_000)
    _choose(p, ids.AUDIT_ACTION, "user.disable")
    p.locator(f"#{ids.AUDIT_OBJECT}").fill(name)
    p.locator(f"#{ids.AUDIT_SEARCH}").click()
    p.wait_for_function(
        "(n) => { const rows = document.querySelectorAll('#audit-table tbody tr');"
        " return rows.length === 1 && rows[0].innerText.includes(n); }",
        arg=name,
        timeout=20_000,
    )
    found = p.locator(f"#{ids.AUDIT_TABLE} tbody tr").inner_text()
    assert "user.disable" in found and administrator in found
    assert "第 1 页 · 共 1 条" in p.locator(f"#{ids.AUDIT_STATUS}").inner_text()
    # The export of that search downloads as CSV with that one entry.
    with p.expect_download() as got:
        p.locator(f"#{ids.AUDIT_EXPORT}").click()
    body = Path(got.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(body) == 2 and name in body[1] and "user.disable" in body[1]
    assert anonymous_page.errors == []


def test_badm002_anyone_else_sees_the_no_permission_page(live_server, page) -> None:  # noqa: ANN001
    p = page.page
    p.goto(f"{live_server}/")
    p.locator("#account").wait_for(timeout=20_000)
    assert p.locator(f"#{ids.ADMIN_NAV}").count() == 0  # no links for a city desk
    for path in ("/admin/users", "/audit"):
        p.goto(f"{live_server}{path}")
        p.get_by_text(t("auth.no_permission", "zh")).wait_for(timeout=20_000)
        assert p.locator(f"#{ids.USERS_TABLE}, #{ids.AUDIT_TABLE}").count() == 0
    p.wait_for_load_state("networkidle")
    assert page.errors == []

"""Every page needs a signed-in user: an anonymous visitor lands on the sign-in form and comes
back to the view they asked for; a session ended elsewhere sends the open page to the form."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import text

from geodata.write import sessions, users

pytestmark = [pytest.mark.db, pytest.mark.browser]


def test_signin001_anonymous_visitor_signs_in_and_returns_to_the_view(
    live_server, anonymous_page, engine
) -> None:  # noqa: ANN001
    name, password = f"s_{uuid.uuid4().hex[:8]}", "correct horse battery"
    with engine.begin() as conn:
        users.add_user(conn, name, password, "city", display_name="测试")
    p = anonymous_page.page
    wanted = "/?area=150102&period=90d"
    p.goto(f"{live_server}{wanted}")
    p.wait_for_url(lambda u: "/login" in u)
    assert parse_qs(urlparse(p.url).query)["next"] == [wanted]
    assert p.locator("#login-username").is_visible()
    assert not any("/_dash-update-component" in r for r in anonymous_page.requests)
    p.locator("#login-username").fill(name)
    p.locator("#login-password").fill(password)
    p.locator("form.auth-form button").click()
    p.wait_for_url(lambda u: "/login" not in u, timeout=15_000)
    assert urlparse(p.url).path == "/" and "area=150102" in p.url and "period=90d" in p.url
    p.wait_for_selector("#area-summary .card", timeout=30_000)
    assert "测试" in p.locator("#account").inner_text()
    # Signing out (a POST from the header) ends the session: the map is closed again.
    p.locator("#account button").click()
    p.wait_for_url(lambda u: urlparse(u).path == "/login", timeout=15_000)
    p.goto(f"{live_server}/?area=150102")
    p.wait_for_url(lambda u: "/login" in u)
    assert p.locator("#login-username").is_visible()
    assert anonymous_page.errors == []


def test_signin002_a_session_ended_elsewhere_sends_the_page_to_the_form(
    live_server, page, engine
) -> None:  # noqa: ANN001
    p = page.page
    p.goto(f"{live_server}/?area=150102")
    p.wait_for_selector("#area-summary .card", timeout=30_000)
    p.wait_for_load_state("networkidle")  # no callback of the page still in flight
    with engine.begin() as conn:
        assert sessions.revoke(conn, page.token)
        assert conn.execute(text("SELECT 1")).scalar() == 1
    # The page's next request (a callback, here sent as Dash sends one) answers 401: the page
    # goes to the sign-in form, which will bring it back to this view.

    def ours(r) -> bool:  # noqa: ANN001
        return "/_dash-update-component" in r.url and r.request.post_data == "{}"

    with p.expect_response(ours) as answered:
        p.evaluate(
            "() => { fetch('/_dash-update-component', {method: 'POST',"
            " headers: {'Content-Type': 'application/json'}, body: '{}'}); }"
        )
    assert answered.value.status == 401
    p.wait_for_url(lambda u: "/login" in u, timeout=15_000)
    assert parse_qs(urlparse(p.url).query)["next"] == ["/?area=150102"]

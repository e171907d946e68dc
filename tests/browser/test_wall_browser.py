"""The wall in system Chromium against a server that reaches its database through a TCP proxy
the test can cut: the 数据延迟 badge shows while the database is out of reach, the last figures
stay, and the badge goes by itself once it is back; and, refreshing every second for two minutes,
the page's JS heap and DOM node count stay flat."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest

from bench.wall_endurance import endure, watch
from geodata.write import sessions, users
from tests.browser.conftest import serve, server_env
from tests.browser.dbproxy import TcpProxy

pytestmark = [pytest.mark.db, pytest.mark.browser]
REFRESH_S = 1  # accelerated: the badge shows after 2.5 refreshes without news (wall.js)
ENDURANCE_S = float(os.environ.get("ZONGZHI_WALL_ENDURANCE_S", "120"))
# Flat: after a forced garbage collection, the end within this much of the start.
HEAP_TOLERANCE = 0.10  # of the heap in use at the start, plus HEAP_SLACK
HEAP_SLACK = 1 << 20
NODE_TOLERANCE = 0.02  # of the DOM nodes alive at the start, plus NODE_SLACK
NODE_SLACK = 20


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit(":", 1)[0] + f":{port}"))


@pytest.fixture(scope="module")
def db_proxy(db_url: str) -> Iterator[TcpProxy]:
    parts = urlsplit(db_url)
    proxy = TcpProxy((parts.hostname or "127.0.0.1", parts.port or 5432)).start()
    yield proxy
    proxy.cut()


@pytest.fixture(scope="module")
def wall_server(db_url, app_db_url, demo_db, db_proxy, tmp_path_factory) -> Iterator[str]:  # noqa: ANN001
    """``zongzhi serve`` reaching the database only through ``db_proxy``, the wall refreshing
    every second."""
    env = server_env(_through(db_url, db_proxy.port), _through(app_db_url, db_proxy.port))
    env["ZONGZHI_WALL_REFRESH_S"] = str(REFRESH_S)
    with serve(env, tmp_path_factory.mktemp("wall-server") / "serve.log") as base:
        yield base


@pytest.fixture()
def wall_page(browser, wall_server, engine):  # noqa: ANN001, ANN201
    """/wall at 1920×1080, signed in as a display account, filled once."""
    from app.web.sessions import COOKIE_NAME

    name = f"bw_display_{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        users.add_user(conn, name, "browser-password-" + name, "display",
                       **users.demo_jurisdiction(conn, "display"))  # fmt: skip
        token = sessions.start(conn, name, lifetime=timedelta(hours=2))
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": wall_server}])
    page = context.new_page()
    page.goto(f"{wall_server}/wall")
    page.wait_for_selector(".wall-figure .wall-number", timeout=60_000)
    page.wait_for_selector(".wall-tick-row", timeout=30_000)
    yield page
    context.close()


def _shown(page) -> dict[str, str]:  # noqa: ANN001
    return {
        "figures": page.locator("#wall-figures").inner_text(),
        "ticker": page.locator("#wall-ticker").inner_text(),
        "stamp": page.locator("#wall-stamp").inner_text(),
    }


def test_bw001_stale_badge_while_the_database_is_cut_and_gone_once_it_is_back(
    wall_page, db_proxy
) -> None:  # noqa: ANN001
    p = wall_page
    assert p.locator("#wall-stale").is_hidden()
    before = _shown(p)
    assert "数据截至" in before["stamp"] and before["figures"].strip()
    db_proxy.cut()
    try:
        # 2.5 refreshes without news, seen by the badge's 5-second clock.
        p.wait_for_selector("#wall-stale", state="visible", timeout=30_000)
        assert p.locator("#wall-stale").inner_text() == "数据延迟"
        p.wait_for_timeout(3 * REFRESH_S * 1000)  # refreshes keep failing meanwhile
        assert _shown(p) == before  # the last data stays on the screen
    finally:
        db_proxy.restore()
    p.wait_for_selector("#wall-stale", state="hidden", timeout=30_000)
    after = _shown(p)
    assert after["figures"] == before["figures"] and "数据截至" in after["stamp"]


def test_bw002_heap_and_dom_stay_flat_refreshing_every_second(wall_page) -> None:  # noqa: ANN001
    p = wall_page
    cdp = p.context.new_cdp_session(p)
    counts = watch(p, cdp)
    p.wait_for_timeout(5_000)  # the first refreshes after the page filled settle
    samples = endure(p, cdp, ENDURANCE_S, ENDURANCE_S / 4,
                     lambda t, s: print(f"{t:6.0f} s heap {s['heap'] / 2**20:.2f} MiB nodes"
                                        f" {s['nodes']:.0f} (attached {s['attached']:.0f})"
                                        f" listeners {s['listeners']:.0f}"))  # fmt: skip
    (_, first), (elapsed, last) = samples[0], samples[-1]
    # The accelerated refresh really ran (a loaded machine may stretch it; 30 s would give 4).
    assert counts["refreshes"] >= elapsed / (5 * REFRESH_S) and counts["failed"] == 0, counts
    assert last["heap"] <= first["heap"] * (1 + HEAP_TOLERANCE) + HEAP_SLACK, samples
    assert last["nodes"] <= first["nodes"] * (1 + NODE_TOLERANCE) + NODE_SLACK, samples
    # Detached nodes still held (alive, no longer in the document) do not pile up either.
    detached = [s["nodes"] - s["attached"] for _, s in (samples[0], samples[-1])]
    assert detached[1] <= detached[0] + NODE_SLACK, samples
    assert p.locator("#wall-stale").is_hidden()

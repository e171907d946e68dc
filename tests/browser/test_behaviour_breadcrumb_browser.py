"""In Chromium: from a grid, each breadcrumb link opens its own ancestor (code from SQL lineage)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.browser

CURRENT = "#breadcrumb .crumb.current"
LINKS = "#breadcrumb a.crumb"


def _path(engine) -> list[tuple[str, str, str, int]]:  # noqa: ANN001
    """(code, name, level, children drawn) from the city down to the last grid, in plain SQL."""
    with engine.connect() as conn:
        grid = conn.execute(text("SELECT code FROM grid ORDER BY code DESC LIMIT 1")).scalar()
        rows = conn.execute(
            text(
                "WITH RECURSIVE up AS ("
                " SELECT a.code, a.name, a.level::text AS level, a.parent_code, 1 AS depth"
                " FROM admin_area a JOIN grid g ON g.community_code = a.code WHERE g.code = :g"
                " UNION ALL SELECT a.code, a.name, a.level::text, a.parent_code, up.depth + 1"
                " FROM admin_area a JOIN up ON a.code = up.parent_code)"
                " SELECT up.code, up.name, up.level,"
                " (SELECT count(*) FROM admin_area k WHERE k.parent_code = up.code)"
                " + (SELECT count(*) FROM grid k WHERE k.community_code = up.code)"
                " FROM up ORDER BY depth DESC"
            ),
            {"g": grid},
        ).all()
        name = conn.execute(text("SELECT name FROM grid WHERE code = :g"), {"g": grid}).scalar()
    return [*(tuple(r) for r in rows), (grid, name, "grid", 0)]


def _open_grid(page, base: str, grid: str) -> None:  # noqa: ANN001
    page.goto(f"{base}/?area={grid}&period=90d")
    page.wait_for_function(
        "(s) => document.querySelector(s) && document.querySelector(s).dataset.level === 'grid'",
        arg=CURRENT,
        timeout=20_000,
    )
    page.wait_for_function("(s) => document.querySelectorAll(s).length === 4", arg=LINKS)


def test_beh_browser_every_crumb_opens_its_own_level(live_server, page, engine) -> None:  # noqa: ANN001
    path = _path(engine)
    assert [p[2] for p in path] == ["city", "district", "township", "community", "grid"]
    grid = path[-1][0]
    p = page.page
    _open_grid(p, live_server, grid)
    links = p.locator(LINKS)
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert [parse_qs(urlparse(h).query)["area"][0] for h in hrefs] == [c for c, *_ in path[:-1]]
    assert [links.nth(i).inner_text() for i in range(4)] == [n for _, n, *_ in path[:-1]]
    for i, (code, name, level, children) in enumerate(path[:-1]):
        if i:
            _open_grid(p, live_server, grid)
        p.locator(LINKS).nth(i).click()
        p.wait_for_function(
            "([s, level, name]) => { const c = document.querySelector(s);"
            " return c && c.dataset.level === level && c.innerText === name; }",
            arg=[CURRENT, level, name],
            timeout=20_000,
        )
        query = parse_qs(urlparse(p.url).query)
        assert query["area"] == [code] and query["period"] == ["90d"], p.url
        # The crumbs above it, and no more (the breadcrumb may settle a moment after the name).
        p.wait_for_function(
            "([s, n]) => document.querySelectorAll(s).length === n", arg=[LINKS, i], timeout=20_000
        )
        assert p.locator(LINKS).count() == i
        # The map draws that level's children, and no grid panel stays open.
        p.wait_for_function(
            "(n) => document.querySelectorAll('#map path.leaflet-interactive').length === n",
            arg=children,
            timeout=20_000,
        )
        assert p.locator("#grid-detail").is_hidden()
    assert page.errors == []


def test_beh_browser_crumb_click_keeps_the_page(live_server, page, engine) -> None:  # noqa: ANN001
    """A crumb opens its area in-page, as a map click does: Dash's page router never rebuilds
    the page (its empty breadcrumb would race the map's own answer), and history steps back."""
    path = _path(engine)
    grid = path[-1][0]
    p = page.page
    _open_grid(p, live_server, grid)
    outputs: list[str] = []
    p.on(
        "request",
        lambda r: outputs.append(r.post_data or "") if "_dash-update-component" in r.url else None,
    )
    p.locator(LINKS).nth(1).click()
    p.wait_for_function(
        "([s, name]) => { const c = document.querySelector(s); return c && c.innerText === name; }",
        arg=[CURRENT, path[1][1]],
        timeout=20_000,
    )
    p.wait_for_function("(s) => document.querySelectorAll(s).length === 1", arg=LINKS)
    assert parse_qs(urlparse(p.url).query)["area"] == [path[1][0]]
    assert any("breadcrumb.children" in o for o in outputs)
    assert not [o for o in outputs if "_pages_content" in o]
    # The link is a real link (new tab, copy): its href opens the same area on its own.
    href = p.locator(LINKS).first.get_attribute("href")
    assert parse_qs(urlparse(href).query)["area"] == [path[0][0]]
    p.go_back()
    p.wait_for_function(
        "(s) => document.querySelector(s) && document.querySelector(s).dataset.level === 'grid'",
        arg=CURRENT,
        timeout=20_000,
    )
    assert parse_qs(urlparse(p.url).query)["area"] == [grid]
    assert page.errors == []

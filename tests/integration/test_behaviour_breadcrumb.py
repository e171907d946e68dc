"""Every breadcrumb link opens its own level, checked against the hierarchy read with plain SQL.

The map page's callback is called over HTTP as the browser calls it; following a link means
sending its query string back to the same callback.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import text

from app.main import create_app
from geodata.settings import Settings
from tests.integration.dash_calls import call, components, signed_in

pytestmark = pytest.mark.db

CRUMBS = "breadcrumb.children"
# The rest of the view, which a crumb must keep.
VIEW = "period=90d&risk=high&metric=per_1k&layers=area_density,hotspots"
LEVEL_TAG = {"city": "市", "district": "旗县区", "township": "乡镇街道", "community": "村社区"}


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    return create_app(Settings(), engine=app_engine)


@pytest.fixture()
def client(app, engine):  # noqa: ANN001, ANN201
    return signed_in(app, engine)


def lineage_sql(conn, grid: str) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """(code, name, level) from the city down to ``grid``, by walking parent codes in SQL."""
    rows = conn.execute(
        text(
            "WITH RECURSIVE up AS ("
            " SELECT a.code, a.name, a.level::text AS level, a.parent_code, 1 AS depth"
            " FROM admin_area a JOIN grid g ON g.community_code = a.code WHERE g.code = :g"
            " UNION ALL SELECT a.code, a.name, a.level::text, a.parent_code, up.depth + 1"
            " FROM admin_area a JOIN up ON a.code = up.parent_code)"
            " SELECT code, name, level FROM up ORDER BY depth DESC"
        ),
        {"g": grid},
    ).all()
    name = conn.execute(text("SELECT name FROM grid WHERE code = :g"), {"g": grid}).scalar()
    return [*(tuple(r) for r in rows), (grid, name, "grid")]


@pytest.fixture(scope="module")
def grid_path(engine, demo_db) -> list[tuple[str, str, str]]:  # noqa: ANN001
    """A grid in the last district, township and community (far from every "first" code)."""
    with engine.connect() as conn:
        grid = conn.execute(text("SELECT code FROM grid ORDER BY code DESC LIMIT 1")).scalar()
        path = lineage_sql(conn, grid)
    assert [level for _, _, level in path] == ["city", "district", "township", "community", "grid"]
    assert len({code for code, _, _ in path}) == 5
    return path


def crumbs(app, client, search: str) -> tuple[list[tuple[str, str]], dict]:  # noqa: ANN001
    """([(link text, href)], current crumb props) of the breadcrumb the page shows for ``search``."""
    out = call(app, client, CRUMBS, {"url.search": search, "current-area.data": None})
    tree = out[CRUMBS]
    links = [
        (c["props"]["children"], c["props"]["href"])
        for c in components(tree)
        if c["type"] == "A" and "crumb" in c["props"]["className"].split()
    ]
    current = [
        c["props"]
        for c in components(tree)
        if "current" in (c["props"].get("className") or "").split()
    ]
    assert len(current) == 1
    return links, current[0]


def _query(href: str) -> dict[str, list[str]]:
    parsed = urlparse(href)
    assert parsed.path == "/"
    return parse_qs(parsed.query)


def test_beh_crumb_each_link_names_its_own_ancestor(app, client, grid_path) -> None:  # noqa: ANN001
    grid_code, grid_name, _ = grid_path[-1]
    links, current = crumbs(app, client, f"?area={grid_code}&{VIEW}")
    assert current["children"] == grid_name and current["data-level"] == "grid"
    assert [text_ for text_, _ in links] == [name for _, name, _ in grid_path[:-1]]
    for (text_, href), (code, name, _) in zip(links, grid_path[:-1], strict=True):
        q = _query(href)
        assert text_ == name and q["area"] == [code], (text_, href)
        # The rest of the view goes along.
        assert q["period"] == ["90d"] and q["risk"] == ["high"], href
        assert q["metric"] == ["per_1k"] and q["layers"] == ["area_density,hotspots"], href


def test_beh_crumb_following_each_link_shows_that_level(app, client, grid_path) -> None:  # noqa: ANN001
    links, _ = crumbs(app, client, f"?area={grid_path[-1][0]}&{VIEW}")
    for depth, ((_, href), (code, name, level)) in enumerate(
        zip(links, grid_path[:-1], strict=True)
    ):
        there, current = crumbs(app, client, "?" + urlparse(href).query)
        assert (current["children"], current["data-level"]) == (name, level), href
        # The crumbs above it are the same ancestors, each again linking to itself.
        assert [_query(h)["area"][0] for _, h in there] == [c for c, _, _ in grid_path[:depth]]
        summary = call(
            app,
            client,
            "area-summary.children",
            {"url.search": "?" + urlparse(href).query, "current-area.data": None},
        )
        tags = [
            c["props"]["children"]
            for c in components(summary["area-summary.children"])
            if c["props"].get("className") == "level-tag"
        ]
        assert tags == [LEVEL_TAG[level]], (code, tags)

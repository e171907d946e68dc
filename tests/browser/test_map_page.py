"""The drill-down map in headless system Chromium."""

from __future__ import annotations

import re
import uuid
from datetime import date
from urllib.parse import parse_qs, quote, urlparse

import pytest
from sqlalchemy import text

from app import ids
from geodata.read import areas as queries
from layers import area_density
from layers.filters import MapFilters

pytestmark = pytest.mark.browser

AREA_PATHS = "#map path.leaflet-interactive"
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

# Finds a screen point inside an area, largest first, the way a user would aim a click.
FIND_POINT = """
() => {
  // Paths move while Leaflet animates a zoom (fitBounds after a drill); aim only when settled.
  if (document.querySelector('#map .leaflet-zoom-anim')) return null;
  const map = document.getElementById('map').getBoundingClientRect();
  const paths = Array.from(document.querySelectorAll('#map path.leaflet-interactive'));
  const order = paths.map((p) => [p.getBoundingClientRect(), p])
                     .sort((a, b) => b[0].width * b[0].height - a[0].width * a[0].height);
  for (const [box, target] of order) {
    for (let n = 2; n <= 32; n *= 2) {
      for (let a = 1; a < n; a++) for (let b = 1; b < n; b++) {
        const x = box.left + box.width * a / n, y = box.top + box.height * b / n;
        if (x <= map.left || x >= map.right || y <= map.top || y >= map.bottom) continue;
        if (document.elementFromPoint(x, y) === target) return [x, y];
      }
    }
  }
  return null;
}
"""


def _children(engine, code: str, level: str) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        if level == "community":
            sql = "SELECT count(*) FROM grid WHERE community_code = :c"
        else:
            sql = "SELECT count(*) FROM admin_area WHERE parent_code = :c"
        return conn.execute(text(sql), {"c": code}).scalar()


def _wait_paths(page, n: int, coloured: bool = True) -> None:  # noqa: ANN001
    page.wait_for_function(
        "(n) => document.querySelectorAll('#map path.leaflet-interactive').length === n",
        arg=n,
        timeout=20_000,
    )
    if not coloured:
        return
    # Values and geometry travel separately; wait until some area is coloured.
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('#map path.leaflet-interactive'))"
        ".some(p => p.getAttribute('fill') !== '#f0f0f0')",
        timeout=20_000,
    )


def _click_largest_area(page) -> str:  # noqa: ANN001
    before = page.url
    point = page.wait_for_function(FIND_POINT, timeout=10_000).json_value()
    page.mouse.move(point[0], point[1])
    page.mouse.click(point[0], point[1])
    page.wait_for_function("(u) => window.location.href !== u", arg=before, timeout=10_000)
    return parse_qs(urlparse(page.url).query)["area"][0]


def test_map001_city_shows_nine_districts_in_chinese(live_server, page) -> None:  # noqa: ANN001
    p = page.page
    p.goto(live_server + "/")
    _wait_paths(p, 9)
    assert "呼和浩特市" in p.locator("#breadcrumb").inner_text()
    assert "矛盾纠纷数量" in p.locator("#legend-area_density").inner_text()
    assert p.locator("#legend-area_density .legend-row").count() >= 2
    assert page.errors == []
    assert all(u.startswith(live_server) for u in page.requests), "external request made"


def test_map002_drill_from_city_to_grid_and_back(live_server, page, engine) -> None:  # noqa: ANN001
    p = page.page
    p.goto(live_server + "/")
    _wait_paths(p, 9)
    levels = ["district", "township", "community"]
    code = None
    for depth, level in enumerate(levels, start=2):
        code = _click_largest_area(p)
        expected = _children(engine, code, level)
        _wait_paths(p, expected, coloured=False)
        # Exactly the children with disputes in the default period (近一年) are coloured.
        with engine.connect() as conn:
            values = area_density.fetch(
                conn, area_density.Params(parent_code=code, parent_level=level)
            )
        p.wait_for_function(
            "(k) => Array.from(document.querySelectorAll('#map path.leaflet-interactive'))"
            ".filter(p => p.getAttribute('fill') !== '#f0f0f0').length === k",
            arg=sum(1 for v in values.values() if v["count"] > 0),
            timeout=10_000,
        )
        crumbs = p.locator("#breadcrumb .crumb")
        p.wait_for_function(
            "(n) => document.querySelectorAll('#breadcrumb .crumb').length === n", arg=depth
        )
        assert crumbs.count() == depth
    # The fourth click opens a grid: the breadcrumb ends in the grid, the summary says 网格.
    grid = _click_largest_area(p)
    with engine.connect() as conn:
        community = conn.execute(
            text("SELECT community_code FROM grid WHERE code = :g"), {"g": grid}
        ).scalar()
    assert community == code
    p.wait_for_function(
        "() => document.querySelector('#breadcrumb .crumb.current')"
        " && document.querySelector('#breadcrumb .crumb.current').dataset.level === 'grid'"
    )
    assert "网格" in p.locator("#area-summary").inner_text()
    # Back to the city through the breadcrumb.
    p.locator("#breadcrumb a.crumb").first.click()
    _wait_paths(p, 9)
    assert page.errors == []


def _choose(page, dropdown_id: str, label: str) -> None:  # noqa: ANN001
    page.locator(f"#{dropdown_id}").click()
    page.locator(f"#{dropdown_id} .Select-menu-outer").get_by_text(label, exact=True).click()


def _district_with_townships(engine) -> tuple[str, int]:  # noqa: ANN001
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT parent_code, count(*) FROM admin_area WHERE level = 'township'"
                    " GROUP BY parent_code ORDER BY parent_code LIMIT 1"
                )
            ).one()
        )


def test_map003_deep_link_restores_state_and_filters_send_values_only(
    live_server, page, engine
) -> None:  # noqa: ANN001
    district, n = _district_with_townships(engine)
    p = page.page
    p.goto(f"{live_server}/?area={district}&period=30d&metric=per_1k&risk=high")
    _wait_paths(p, n, coloured=False)
    # The controls show what the link says.
    assert "近30天" in p.locator(f"#{ids.PERIOD}").inner_text()
    assert p.locator(f"#{ids.METRIC} label").filter(has_text="每千人").locator("input").is_checked()
    assert "高" in p.locator(f"#{ids.RISKS}").inner_text()
    p.wait_for_function(
        "() => document.querySelector('#legend-area_density').innerText.includes('每千人')"
    )
    assert p.locator("#breadcrumb .crumb").count() == 2
    geometry_requests = [u for u in page.requests if "/api/geo/children/" in u]
    # One geometry for the view, asked by the density layer and by the outlines that stay
    # when density is off (a small geobuf; both ask at once, so the cache cannot serve one).
    assert len(set(geometry_requests)) == 1 and len(geometry_requests) <= 2
    legend_before = p.locator("#legend-area_density").inner_text()
    _choose(p, ids.PERIOD, "全部")
    p.wait_for_function("() => window.location.search.includes('period=all')")
    p.wait_for_function(
        "(t) => document.querySelector('#legend-area_density').innerText !== t", arg=legend_before
    )
    p.locator(f"#{ids.METRIC} label").filter(has_text="每平方公里").click()
    p.wait_for_function(
        "() => document.querySelector('#legend-area_density').innerText.includes('平方公里')"
    )
    # Filters recoloured the map without fetching the geometry again.
    assert [u for u in page.requests if "/api/geo/children/" in u] == geometry_requests
    # The summary follows the filters too.
    with engine.connect() as conn:
        flt = MapFilters(period="all", risks=("high",)).dispute_filter()
        expected = queries.area_summary(conn, district, "district", flt)["disputes"]
    p.wait_for_function(
        "(n) => document.querySelector('#summary-disputes .figure').innerText"
        ".replace(/,/g, '') === String(n)",
        arg=expected,
    )
    assert page.errors == []


def test_map004_unknown_area_falls_back_to_city(live_server, page) -> None:  # noqa: ANN001
    p = page.page
    p.goto(f"{live_server}/?area=999999")
    _wait_paths(p, 9)
    assert "未找到该区域" in p.locator("#status-line").inner_text()
    assert page.errors == []


def test_map005_language_switch_keeps_the_view(live_server, page, engine) -> None:  # noqa: ANN001
    district, n = _district_with_townships(engine)
    p = page.page
    p.goto(f"{live_server}/?area={district}&period=90d")
    _wait_paths(p, n)
    p.locator(f"#{ids.LANG_LINK}").click()
    p.wait_for_function("() => window.location.search.includes('lang=en')")
    _wait_paths(p, n)
    assert "Dispute" in p.locator("#legend-area_density").inner_text()
    assert "Last 90 days" in p.locator(f"#{ids.PERIOD}").inner_text()
    assert f"area={district}" in p.url and "period=90d" in p.url
    assert "Disputes" in p.locator("#area-summary").inner_text()
    p.locator(f"#{ids.LANG_LINK}").click()
    p.wait_for_function("() => !window.location.search.includes('lang=en')")
    p.wait_for_function(
        "() => (document.querySelector('#legend-area_density') || {innerText: ''}).innerText.includes('矛盾纠纷')"
    )
    assert page.errors == []


def test_map006_timeline_plays_week_by_week(live_server, page) -> None:  # noqa: ANN001
    p = page.page
    p.goto(f"{live_server}/")
    _wait_paths(p, 9)
    p.locator(f"#{ids.PLAY}").click()
    p.wait_for_function("() => window.location.search.includes('period=custom')", timeout=10_000)
    first = parse_qs(urlparse(p.url).query)["from"][0]
    p.wait_for_function(
        "(f) => !window.location.search.includes('from=' + f)", arg=first, timeout=10_000
    )
    second = parse_qs(urlparse(p.url).query)
    p.locator(f"#{ids.PLAY}").click()  # pause
    start, end = date.fromisoformat(second["from"][0]), date.fromisoformat(second["to"][0])
    assert start.weekday() == 0 and (end - start).days == 6
    assert start != date.fromisoformat(first)
    assert page.errors == []


def test_map007_gcj02_crs_puts_wgs84_overlays_on_amap_tiles(live_server, page) -> None:  # noqa: ANN001
    """With an AMap basemap the map's CRS shifts WGS84 overlays into the tiles' GCJ-02 frame."""
    from geodata.crs import wgs84_to_gcj02

    p = page.page
    p.goto(f"{live_server}/")
    _wait_paths(p, 9)
    points = [(111.75, 40.82), (111.6, 40.9), (112.1, 40.3), (2.35, 48.85)]  # last: Paris
    got = p.evaluate(
        """(pts) => pts.map(([lng, lat]) => {
            const wgs = L.latLng(lat, lng);
            const shifted = L.CRS.GCJ02.latLngToPoint(wgs, 15);
            const gcj = window.zongzhiGcj02.wgsToGcj(lng, lat);
            const direct = L.CRS.EPSG3857.latLngToPoint(L.latLng(gcj[1], gcj[0]), 15);
            const back = L.CRS.GCJ02.pointToLatLng(shifted, 15);
            return {gcj: gcj, dx: shifted.x - direct.x, dy: shifted.y - direct.y,
                    back: [back.lng, back.lat]};
        })""",
        points,
    )
    for (lng, lat), r in zip(points, got, strict=True):
        ref = wgs84_to_gcj02(lng, lat)
        assert abs(r["gcj"][0] - ref[0]) < 1e-9 and abs(r["gcj"][1] - ref[1]) < 1e-9
        assert abs(r["dx"]) < 1e-6 and abs(r["dy"]) < 1e-6
        assert abs(r["back"][0] - lng) < 1e-8 and abs(r["back"][1] - lat) < 1e-8
    # Inside Hohhot the shift is hundreds of metres — enough to matter on a street map.
    hohhot = wgs84_to_gcj02(111.75, 40.82)
    assert 0.003 < abs(hohhot[0] - 111.75) < 0.01
    assert got[3]["gcj"] == [2.35, 48.85]  # no shift outside China


@pytest.fixture(scope="module")
def leader(engine) -> tuple[str, str]:  # noqa: ANN001
    """A signed-in-able township leader (committed; unique name per test session)."""
    from geodata.write import users

    name, password = f"leader_{uuid.uuid4().hex[:8]}", "correct horse battery"
    with engine.begin() as conn:
        users.add_user(conn, name, password, "city", display_name="测试领导")
    return name, password


@pytest.fixture(scope="module")
def wall(engine) -> tuple[str, str]:  # noqa: ANN001
    """A wall display account (aggregates only: no points, no key persons)."""
    from geodata.write import users

    name, password = f"wall_{uuid.uuid4().hex[:8]}", "correct horse battery"
    with engine.begin() as conn:
        users.add_user(conn, name, password, "display", display_name="测试大屏")
    return name, password


def _sign_in(p, live_server: str, who: tuple[str, str], next_path: str) -> None:  # noqa: ANN001
    p.context.clear_cookies()  # sign in afresh through the form, as this user
    p.goto(f"{live_server}/login?next={quote(next_path)}")
    p.locator("#login-username").fill(who[0])
    p.locator("#login-password").fill(who[1])
    p.locator("form.auth-form button, form.auth-form input[type=submit]").first.click()
    p.wait_for_url(lambda u: "/login" not in u, timeout=15_000)


def _busiest_grid(engine) -> tuple[str, int]:  # noqa: ANN001
    with engine.connect() as conn:
        return tuple(
            conn.execute(
                text(
                    "SELECT grid_code, count(*) FROM dispute GROUP BY grid_code"
                    " ORDER BY count(*) DESC, grid_code LIMIT 1"
                )
            ).one()
        )


def test_map008_grid_detail_and_case_history(live_server, page, engine) -> None:  # noqa: ANN001
    grid, _ = _busiest_grid(engine)
    p = page.page
    p.goto(f"{live_server}/?area={grid}&period=all")
    panel = p.locator(f"#{ids.DETAIL}")
    panel.wait_for(state="visible", timeout=20_000)
    with engine.connect() as conn:
        name, total = conn.execute(
            text(
                "SELECT g.name, (SELECT count(*) FROM dispute d WHERE d.grid_code = g.code)"
                " FROM grid g WHERE g.code = :g"
            ),
            {"g": grid},
        ).one()
    assert name in panel.inner_text()
    p.wait_for_function(
        "(n) => document.querySelector('#gp-fig-disputes') &&"
        " document.querySelector('#gp-fig-disputes').innerText.replace(/,/g, '').includes(String(n))",
        arg=total,
    )
    # The sibling grids are drawn and the selected one is outlined.
    p.wait_for_function(
        "() => Array.from(document.querySelectorAll('#map path.leaflet-interactive'))"
        ".some(p => p.getAttribute('stroke') === '#1f4e9c' && p.getAttribute('stroke-width') === '4')"
    )
    # No phone number in the clear for an anonymous visitor.
    assert not PHONE.search(panel.inner_text())
    p.locator("[id*='case-link']").first.click()
    modal = p.locator(f"#{ids.CASE_MODAL}")
    modal.wait_for(state="visible")
    p.wait_for_function(
        "() => document.querySelectorAll('#case-body li, #case-body .case-tl-item').length > 0"
    )
    assert "接办" in modal.inner_text()
    p.locator(f"#{ids.CASE_CLOSE}").click()
    modal.wait_for(state="hidden")
    assert page.errors == []


def test_map009_hot_spots_and_coverage_layers(live_server, page, engine) -> None:  # noqa: ANN001
    p = page.page
    p.goto(f"{live_server}/?layers=hotspots,patrol_coverage&period=all")
    # The districts (coverage) plus the significant grids: more than 9 clickable paths.
    p.wait_for_function(
        "() => document.querySelectorAll('#map path.leaflet-interactive').length > 9",
        timeout=20_000,
    )
    # Gi* classes colour grids in the hot/cold palette; the legend lists the classes.
    p.wait_for_function(
        "() => Array.from(document.querySelectorAll('#map path.leaflet-interactive'))"
        ".some(p => ['#b2182b', '#ef8a62', '#fddbc7'].includes(p.getAttribute('fill')))",
        timeout=20_000,
    )
    assert "热点" in p.locator("#legend-hotspots").inner_text()
    assert "走访" in p.locator("#legend-patrol_coverage").inner_text()
    # Unticking a layer in the layer control removes it from the URL and the legend.
    p.locator(".leaflet-control-layers label").filter(has_text="热点分析").locator("input").click()
    p.wait_for_function("() => !window.location.search.includes('hotspots')")
    p.wait_for_function("() => document.querySelector('#legend-hotspots').innerText === ''")
    assert page.errors == []


def test_map010_key_persons_need_sign_in_and_come_masked(
    live_server, page, engine, leader, wall
) -> None:  # noqa: ANN001
    p = page.page
    _sign_in(p, live_server, wall, "/?layers=area_density,key_persons")
    _wait_paths(p, 9)
    assert "重点人员" not in p.locator(".leaflet-control-layers").inner_text()
    _sign_in(p, live_server, leader, "/?layers=area_density,key_persons&area=150102")
    p.wait_for_function(
        "() => document.querySelector('.leaflet-control-layers') &&"
        " document.querySelector('.leaflet-control-layers').innerText.includes('重点人员')",
        timeout=20_000,
    )
    p.wait_for_function(
        '() => document.querySelectorAll(\'#map path.leaflet-interactive[fill="#d7301f"],'
        ' #map path.leaflet-interactive[fill="#fc8d59"],'
        ' #map path.leaflet-interactive[fill="#fdcc8a"]\').length > 0',
        timeout=20_000,
    )
    assert "重点人员" in p.locator("#legend-key_persons").inner_text()
    # Open one popup: its ID number and phone are masked.
    # Other overlays may lie on top of the marker: click it the way Leaflet listens for it.
    p.evaluate(
        "() => document.querySelector(\"#map path.leaflet-interactive[stroke='#222']\")"
        ".dispatchEvent(new MouseEvent('click', {bubbles: true, view: window}))"
    )
    popup = p.locator(".leaflet-popup-content")
    popup.wait_for(timeout=10_000)
    text_ = popup.inner_text()
    assert "*" in text_ and not re.search(r"\d{17}[\dX]", text_)
    assert not PHONE.search(text_)
    assert page.errors == []


def test_map011_heat_tiles_load_and_follow_the_filters(live_server, page) -> None:  # noqa: ANN001
    p = page.page
    p.goto(f"{live_server}/?layers=area_density,heat_disputes,heat_patrols&period=all")
    _wait_paths(p, 9)
    loaded = (
        "(kind) => Array.from(document.querySelectorAll('#map img.leaflet-tile'))"
        ".filter(i => i.src.includes('/tiles/heat/' + kind + '/') && i.complete"
        " && i.naturalWidth === 256).length > 0"
    )
    p.wait_for_function(loaded, arg="disputes", timeout=30_000)
    p.wait_for_function(loaded, arg="patrols", timeout=30_000)
    assert "矛盾纠纷热力" in p.locator("#legend-heat_disputes").inner_text()
    _choose(p, ids.PERIOD, "近30天")
    p.wait_for_function(
        "() => Array.from(document.querySelectorAll('#map img.leaflet-tile'))"
        ".some(i => i.src.includes('/tiles/heat/disputes/') && i.src.includes('period=30d'))",
        timeout=20_000,
    )
    heat_requests = [u for u in page.requests if "/tiles/heat/" in u]
    assert all(u.startswith(live_server) for u in heat_requests)
    assert page.errors == []


def test_map012_dispute_points_cluster_for_a_leader(
    live_server, page, engine, leader, wall
) -> None:  # noqa: ANN001
    district, _ = _district_with_townships(engine)
    p = page.page
    _sign_in(p, live_server, wall, f"/?layers=area_density,dispute_points&area={district}")
    _wait_paths(p, _children(engine, district, "district"))
    assert "纠纷点位" not in p.locator(".leaflet-control-layers").inner_text()  # the wall: none
    _sign_in(
        p, live_server, leader, f"/?layers=area_density,dispute_points&area={district}&period=all"
    )
    p.wait_for_function(
        "() => document.querySelectorAll('#map .marker-cluster, #map path[stroke=\"#fff\"]')"
        ".length > 0",
        timeout=20_000,
    )
    assert "纠纷点位" in p.locator("#legend-dispute_points").inner_text()
    assert page.errors == []


CHECKED_OVERLAYS = (
    "() => Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
    ".filter(l => l.querySelector('input').checked).map(l => l.innerText.trim())"
)


def test_map013_an_old_link_opens_the_same_layers(live_server, page) -> None:  # noqa: ANN001
    """A link from before each layer had one name (density, coverage) opens those layers."""
    p = page.page
    p.goto(f"{live_server}/?layers=density,hotspots,coverage&period=all")
    p.wait_for_function(
        "() => (document.querySelector('#legend-hotspots') || {innerText: ''})"
        ".innerText.includes('热点') && (document.querySelector('#legend-area_density')"
        " || {innerText: ''}).innerText.includes('纠纷')",
        timeout=20_000,
    )
    # Density and coverage colour the same areas: the link's first choropleth opens alone.
    assert sorted(p.evaluate(CHECKED_OVERLAYS)) == sorted(["纠纷密度", "热点分析（Gi*）"])
    # Unticking one writes the URL back, with today's names.
    p.locator(".leaflet-control-layers label").filter(has_text="热点分析").locator("input").click()
    # Density alone is the default view: the URL then names no layers at all.
    p.wait_for_function(
        "() => [null, 'area_density'].includes(new URLSearchParams(window.location.search)"
        ".get('layers')) && !window.location.search.includes('hotspots')"
    )
    assert page.errors == []


def test_map014_clicking_a_coverage_area_opens_it(live_server, page, engine) -> None:  # noqa: ANN001
    """With only the coverage layer on, a click on a district drills into it as on density."""
    p = page.page
    p.goto(f"{live_server}/?layers=patrol_coverage&period=all")
    _wait_paths(p, 9, coloured=False)
    code = _click_largest_area(p)
    with engine.connect() as conn:
        level = conn.execute(
            text("SELECT level::text FROM admin_area WHERE code = :c"), {"c": code}
        ).scalar()
    assert level == "district"
    p.wait_for_function(
        "(n) => document.querySelectorAll('#breadcrumb .crumb').length === n", arg=2
    )
    assert "layers=patrol_coverage" in p.url
    assert page.errors == []


def test_map015_area_names_are_escaped_in_tooltips(live_server, page, engine) -> None:  # noqa: ANN001
    district, n = _district_with_townships(engine)
    evil = '<img src=x onerror="window.__xss=1">测试镇'
    with engine.begin() as conn:
        code, name = conn.execute(
            text(
                "SELECT code, name FROM admin_area WHERE parent_code = :d AND level = 'township'"
                " ORDER BY code LIMIT 1"
            ),
            {"d": district},
        ).one()
        conn.execute(
            text("UPDATE admin_area SET name = :n WHERE code = :c"), {"n": evil, "c": code}
        )
    try:
        p = page.page
        p.goto(f"{live_server}/?area={district}")
        _wait_paths(p, n)
        seen = []
        paths = p.locator("#map path.leaflet-interactive")
        for i in range(n):
            paths.nth(i).hover(force=True)
            tip = p.locator(".area-tooltip")
            if tip.count():
                seen.append(tip.first.inner_text())
        assert any(evil in text_ for text_ in seen), seen  # shown as text, not as markup
        assert p.evaluate("() => window.__xss === undefined")
        assert p.locator(".area-tooltip img").count() == 0
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE admin_area SET name = :n WHERE code = :c"), {"n": name, "c": code}
            )

"""Per-grid analysis queries and the hot spot / patrol coverage layers on the small demo."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import text

from geodata.read import analysis
from geodata.read import areas as queries
from layers import hotspots, patrol_coverage
from layers.filters import LOCAL_TZ, MapFilters

pytestmark = pytest.mark.db


@pytest.fixture()
def now(demo_cfg):  # noqa: ANN001, ANN201
    return datetime.combine(demo_cfg.as_of, time(), LOCAL_TZ)


def _areas(conn) -> dict[str, str]:  # noqa: ANN001
    """One area code per level (the first by code), for scope tests."""
    rows = conn.execute(text("SELECT level, min(code) FROM admin_area GROUP BY level")).all()
    return dict(rows)


def test_ana001_dispute_counts_cover_every_grid_and_match_sql(conn, demo_db, now) -> None:  # noqa: ANN001
    flt = MapFilters(period="365d", risks=("medium", "high")).dispute_filter(now)
    counts = analysis.grid_dispute_counts(conn, flt)
    assert len(counts) == demo_db["grid"]
    assert 0 in counts.values()
    direct = dict(
        conn.execute(
            text(
                "SELECT grid_code, count(*) FROM dispute WHERE reported_at >= :s"
                " AND risk_level IN ('medium', 'high') AND grid_code IS NOT NULL"
                " GROUP BY grid_code"
            ),
            {"s": flt.start},
        ).all()
    )
    assert {k: v for k, v in counts.items() if v} == direct
    unfiltered = analysis.grid_dispute_counts(conn)
    # Every case but those waiting for their location (no grid yet).
    located = conn.execute(text("SELECT count(*) FROM dispute WHERE grid_code IS NOT NULL"))
    assert sum(unfiltered.values()) == located.scalar() < demo_db["dispute"]


@pytest.mark.parametrize("level", ["city", "district", "township", "community"])
def test_ana002_area_scope_returns_exactly_its_grids(conn, demo_db, now, level: str) -> None:  # noqa: ANN001
    code = _areas(conn)[level]
    # The grids under an area: by walking the hierarchy, independent of the scope SQL.
    expected = set(
        conn.execute(
            text(
                "WITH RECURSIVE sub AS (SELECT code FROM admin_area WHERE code = :c"
                " UNION ALL SELECT a.code FROM admin_area a JOIN sub ON a.parent_code = sub.code)"
                " SELECT g.code FROM grid g JOIN sub ON sub.code = g.community_code"
            ),
            {"c": code},
        ).scalars()
    )
    flt = MapFilters(period="all").dispute_filter(now)
    counts = analysis.grid_dispute_counts(conn, flt, code, level)
    assert set(counts) == expected and expected
    assert set(analysis.grids_in_area(conn, code, level)) == expected
    city = analysis.grid_dispute_counts(conn, flt)
    assert all(city[g] == n for g, n in counts.items())
    if level != "city":
        children = analysis.grid_child_codes(conn, code, level)
        assert set(children) == expected
        kids = set(
            conn.execute(text("SELECT code FROM admin_area WHERE parent_code = :c"), {"c": code})
            .scalars()
            .all()
        ) or set(expected)
        assert set(children.values()) <= kids


def test_ana003_contiguity_is_symmetric_and_queen(conn, demo_db) -> None:  # noqa: ANN001
    nbrs = analysis.grid_neighbours(conn)
    assert len(nbrs) == demo_db["grid"]
    for code, others in nbrs.items():
        assert code not in others
        for other in others:
            assert code in nbrs[other]
    assert sum(1 for v in nbrs.values() if v) / len(nbrs) > 0.95
    # Every pair that shares a border edge is found (queen ⊇ rook).
    edges = conn.execute(
        text(
            "SELECT a.code, b.code FROM grid a JOIN grid b ON a.code < b.code"
            " AND ST_Intersects(a.geom, b.geom)"
            " AND ST_Length(ST_CollectionExtract(ST_Intersection(a.geom, b.geom), 2)) > 0"
        )
    ).all()
    assert edges and all(b in nbrs[a] for a, b in edges)


def test_ana004_patrol_figures_match_sql(conn, demo_db, now) -> None:  # noqa: ANN001
    figures = analysis.grid_patrol_figures(conn, 30, now)
    assert len(figures) == demo_db["grid"]
    direct = {
        row.grid_code: row
        for row in conn.execute(
            text(
                "SELECT grid_code, count(*) AS visits, count(DISTINCT building_id) AS visited,"
                " count(anomaly_type) AS anomalies FROM patrol_visit"
                " WHERE visited_at >= :s AND visited_at < :e GROUP BY grid_code"
            ),
            {"s": now - timedelta(days=30), "e": now},
        )
    }
    buildings = dict(
        conn.execute(text("SELECT grid_code, count(*) FROM building GROUP BY grid_code")).all()
    )
    assert direct
    for code, f in figures.items():
        row = direct.get(code)
        assert f["visits"] == (row.visits if row else 0)
        assert f["visited_buildings"] == (row.visited if row else 0)
        assert f["anomalies"] == (row.anomalies if row else 0)
        assert f["buildings"] == buildings.get(code, 0)
        if f["buildings"]:
            assert f["visits_per_building"] == pytest.approx(f["visits"] / f["buildings"], abs=1e-4)
    busiest = max(figures, key=lambda g: figures[g]["visits"])
    per_building = analysis.building_visits(conn, busiest, 30, now)
    assert len(per_building) == figures[busiest]["buildings"]
    assert sum(b["visits"] for b in per_building) == figures[busiest]["visits"]
    assert [b["visits"] for b in per_building] == sorted(b["visits"] for b in per_building)


def test_ana005_weekly_counts_sum_to_the_window(conn, demo_db, now) -> None:  # noqa: ANN001
    weekly = analysis.grid_weekly_dispute_counts(conn, now, 16)
    total = conn.execute(
        text(
            "SELECT count(*) FROM dispute WHERE reported_at >= :s AND reported_at < :e"
            " AND grid_code IS NOT NULL"
        ),
        {"s": now - timedelta(weeks=16), "e": now},
    ).scalar()
    assert total and sum(map(sum, weekly.values())) == total
    assert all(len(series) == 16 for series in weekly.values())
    last_week = conn.execute(
        text(
            "SELECT count(*) FROM dispute WHERE reported_at >= :s AND reported_at < :e"
            " AND grid_code IS NOT NULL"
        ),
        {"s": now - timedelta(weeks=1), "e": now},
    ).scalar()
    assert sum(series[-1] for series in weekly.values()) == last_week
    typed = analysis.grid_weekly_dispute_counts(
        conn, now, 16, queries.DisputeFilter(type_codes=("heating",))
    )
    assert sum(map(sum, typed.values())) < total


def test_ana006_demo_has_hot_spots_inside_the_viewed_area(conn, demo_db, now) -> None:  # noqa: ANN001
    city = queries.city_code(conn)
    params = hotspots.Params(
        parent_code=city, parent_level="city", filters=MapFilters(period="all"), now=now
    )
    out = hotspots.render(hotspots.fetch(conn, params), params)
    classes = [f["properties"]["class"] for f in out["geojson"]["features"]]
    assert sum(c in ("hot_99", "hot_95") for c in classes) >= 3
    assert out["summary"]["grids"] == demo_db["grid"]
    for f in out["geojson"]["features"]:
        props = f["properties"]
        assert props["class"] != "ns" or props["emerging"]
        assert props["color"] == hotspots.CLASS_COLORS[props["class"]]
    # Cut to one district: only its grids, with the same city-wide classes.
    district = out["geojson"]["features"][0]["properties"]["code"][:6]
    sub = hotspots.Params(
        parent_code=district, parent_level="district", filters=MapFilters(period="all"), now=now
    )
    part = hotspots.render(hotspots.fetch(conn, sub), sub)
    inside = set(analysis.grids_in_area(conn, district, "district"))
    part_classes = {
        f["properties"]["code"]: f["properties"]["class"] for f in part["geojson"]["features"]
    }
    assert part_classes and set(part_classes) <= inside
    whole = {f["properties"]["code"]: f["properties"]["class"] for f in out["geojson"]["features"]}
    assert all(whole[c] == k for c, k in part_classes.items())


def test_ana007_filters_change_the_hot_spots(conn, demo_db, now) -> None:  # noqa: ANN001
    city = queries.city_code(conn)

    def zs(filters: MapFilters) -> dict[str, float]:
        params = hotspots.Params(parent_code=city, parent_level="city", filters=filters, now=now)
        data = hotspots.fetch(conn, params)
        return {c: g["z"] for c, g in data["grids"].items()}

    everything = zs(MapFilters(period="all"))
    heating = zs(MapFilters(period="all", types=("heating",)))
    recent = zs(MapFilters(period="90d"))
    assert everything != heating and everything != recent
    nothing = zs(MapFilters(period="custom", start=now.date(), end=now.date()))
    assert all(z == 0 for z in nothing.values())


def test_ana008_patrol_coverage_layer_per_level(conn, demo_db, now) -> None:  # noqa: ANN001
    areas = _areas(conn)
    city_fig = analysis.grid_patrol_figures(conn, 90, now)
    for level in ("city", "district", "township", "community"):
        params = patrol_coverage.Params(
            parent_code=areas[level], parent_level=level, days=90, now=now
        )
        data = patrol_coverage.fetch(conn, params)
        hideout = patrol_coverage.render(data, params)
        child_of = analysis.grid_child_codes(conn, areas[level], level)
        assert set(hideout["values"]) == set(child_of.values())
        visits = sum(city_fig[g]["visits"] for g in child_of)
        assert hideout["total_visits"] == visits
        under_grids = [
            g
            for g in child_of
            if patrol_coverage.is_under_patrolled(
                city_fig[g]["visits"], city_fig[g]["buildings"], data["median"]
            )
        ]
        assert sum(hideout["under_grids"].values()) == len(under_grids)
        if level == "community":
            assert hideout["child_level"] == "grid"
            assert set(hideout["under"]) == set(under_grids)
    assert data["median"] > 0


def test_ana009_grids_geojson_is_simplified_to_6_decimals(conn, demo_db) -> None:  # noqa: ANN001
    codes = analysis.grids_in_area(conn, None, None)[:5]
    fc = analysis.grids_geojson(conn, [*codes, "no-such-grid"])
    assert [f["properties"]["code"] for f in fc["features"]] == codes
    numbers: list[float] = []

    def walk(coords) -> None:  # noqa: ANN001
        for c in coords:
            if isinstance(c, float | int):
                numbers.append(c)
            else:
                walk(c)

    for f in fc["features"]:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        walk(f["geometry"]["coordinates"])
    assert numbers and all(len(repr(v).split(".")[-1]) <= 6 for v in numbers)
    assert analysis.grids_geojson(conn, [])["features"] == []

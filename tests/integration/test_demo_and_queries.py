"""Demo data on the real district boundaries, and the map's queries."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest
from sqlalchemy import text

from etl.demo import generate
from etl.demo_load import DEMO_TABLES, load_data
from geodata.read import areas as queries

pytestmark = pytest.mark.db


def _fingerprint(conn) -> dict[str, str]:  # noqa: ANN001
    out = {}
    for table in DEMO_TABLES:
        rows = conn.execute(text(f"SELECT t::text FROM {table} t ORDER BY 1")).scalars().all()  # noqa: S608
        out[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out


def test_demo001_load_is_deterministic(engine, demo_cfg) -> None:  # noqa: ANN001
    cfg = replace(demo_cfg, districts=("150102",), seed=99)
    prints = []
    for _ in range(2):
        with engine.connect() as conn:
            tx = conn.begin()
            load_data(conn, cfg, generate(cfg))
            prints.append(_fingerprint(conn))
            tx.rollback()
    assert prints[0] == prints[1]
    other = replace(cfg, seed=100)
    with engine.connect() as conn:
        tx = conn.begin()
        load_data(conn, other, generate(other))
        assert _fingerprint(conn)["grid"] != prints[0]["grid"]
        tx.rollback()


def test_demo002_counts_and_all_nine_districts(conn, demo_db) -> None:  # noqa: ANN001
    levels = dict(conn.execute(text("SELECT level, count(*) FROM admin_area GROUP BY level")).all())
    assert levels["city"] == 1 and levels["district"] == 9
    assert levels["township"] >= 9 * 3 and levels["community"] >= levels["township"] * 3
    assert demo_db["dispute"] >= 300 and demo_db["patrol_visit"] >= 2000
    for table in ("grid", "building", "housing_unit", "grid_worker"):
        assert demo_db[table] > 0
        assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == demo_db[table]  # noqa: S608
    # Every dispute and visit sits in the grid it names.
    misplaced = conn.execute(
        text(
            "SELECT count(*) FROM dispute d JOIN grid g ON g.code = d.grid_code"
            " WHERE NOT ST_Covers(g.geom, d.geom)"
        )
    ).scalar()
    assert misplaced == 0


@pytest.mark.parametrize(
    "child_sql",
    [
        "SELECT parent_code AS parent, geom FROM admin_area WHERE level = 'district'",
        "SELECT parent_code AS parent, geom FROM admin_area WHERE level = 'township'",
        "SELECT parent_code AS parent, geom FROM admin_area WHERE level = 'community'",
        "SELECT community_code AS parent, geom FROM grid",
    ],
    ids=["districts", "townships", "communities", "grids"],
)
def test_demo003_children_tile_their_parent(conn, demo_db, child_sql: str) -> None:  # noqa: ANN001
    rows = conn.execute(
        text(
            f"WITH c AS ({child_sql}) "  # noqa: S608 — fixed test SQL
            # Planar areas: only ratios matter, and geodesic edges would bend the shared borders.
            "SELECT p.code, ST_Area(p.geom) AS parent_area,"
            " ST_Area(ST_SymDifference(p.geom, ST_Union(c.geom))) AS diff,"
            " sum(ST_Area(c.geom)) - ST_Area(ST_Union(c.geom)) AS overlap,"
            " bool_and(ST_IsValid(c.geom)) AS valid"
            " FROM c JOIN admin_area p ON p.code = c.parent GROUP BY p.code, p.geom"
        )
    ).all()
    assert rows
    for code, parent_area, diff, overlap, valid in rows:
        assert valid, code
        assert diff / parent_area < 1e-9, (code, diff, parent_area)
        assert abs(overlap) / parent_area < 1e-9, (code, overlap)


def test_q001_child_counts_add_up(conn, demo_db) -> None:  # noqa: ANN001
    city = queries.city_code(conn)
    by_district = queries.child_dispute_counts(conn, city, "city")
    assert len(by_district) == 9
    # A case waiting for its location (no point) is the city's, in no district yet.
    located = conn.execute(text("SELECT count(*) FROM dispute WHERE geom IS NOT NULL")).scalar()
    assert 0 < demo_db["dispute"] - located < 10
    assert sum(by_district.values()) == located
    district = max(by_district, key=by_district.get)
    by_town = queries.child_dispute_counts(conn, district, "district")
    assert sum(by_town.values()) == by_district[district]
    town = max(by_town, key=by_town.get)
    by_comm = queries.child_dispute_counts(conn, town, "township")
    assert sum(by_comm.values()) == by_town[town]
    comm = max(by_comm, key=by_comm.get)
    by_grid = queries.child_dispute_counts(conn, comm, "community")
    assert sum(by_grid.values()) == by_comm[comm]
    assert queries.area_summary(conn, comm, "community")["disputes"] == by_comm[comm]


def test_q002_filters_narrow_the_counts(conn, demo_db) -> None:  # noqa: ANN001
    city = queries.city_code(conn)
    everything = sum(queries.child_dispute_counts(conn, city, "city").values())
    heating = queries.DisputeFilter(type_codes=("heating",))
    only_heating = sum(queries.child_dispute_counts(conn, city, "city", heating).values())
    expected = conn.execute(
        text("SELECT count(*) FROM dispute WHERE type_code = 'heating'")
    ).scalar()
    assert 0 < only_heating == expected < everything
    months = (
        conn.execute(
            text(
                "SELECT DISTINCT extract(month FROM reported_at AT TIME ZONE 'Asia/Shanghai')::int"
                " FROM dispute WHERE type_code = 'heating'"
            )
        )
        .scalars()
        .all()
    )
    assert set(months) <= {10, 11, 12, 1, 2, 3, 4}


def test_q003_lineage_and_children_geojson(conn, demo_db) -> None:  # noqa: ANN001
    grid = conn.execute(text("SELECT code FROM grid ORDER BY code LIMIT 1")).scalar()
    path = queries.lineage(conn, grid)
    assert [p["level"] for p in path] == ["city", "district", "township", "community", "grid"]
    fc = queries.children_geojson(conn, path[0]["code"], "city")
    assert len(fc["features"]) == 9
    assert {f["properties"]["level"] for f in fc["features"]} == {"district"}
    assert queries.level_of(conn, "nope") is None
    with pytest.raises(ValueError):
        queries.children_geojson(conn, grid, "grid")


def test_q004_workflow_histories_are_complete(conn, demo_db) -> None:  # noqa: ANN001
    closed_without_resolve = conn.execute(
        text(
            "SELECT count(*) FROM dispute d WHERE d.status IN ('resolved', 'archived')"
            " AND NOT EXISTS (SELECT 1 FROM dispute_event e WHERE e.dispute_id = d.id"
            " AND e.action = 'resolve')"
        )
    ).scalar()
    assert closed_without_resolve == 0
    no_accept = conn.execute(
        text(
            "SELECT count(*) FROM dispute d WHERE NOT EXISTS (SELECT 1 FROM dispute_event e"
            " WHERE e.dispute_id = d.id AND e.action = 'accept')"
        )
    ).scalar()
    assert no_accept == 0
    # Of the cases settled (化解), most end in agreement or withdrawal.
    share = conn.execute(
        text(
            "SELECT avg((outcome_code IN ('agreement', 'withdrawn'))::int) FROM dispute"
            " WHERE status IN ('resolved', 'archived', 'unresolved')"
        )
    ).scalar()
    assert 0.6 < float(share) < 0.9

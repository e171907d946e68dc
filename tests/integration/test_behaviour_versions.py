"""Data versions follow writes, so geometry and tile ETags and every cached value follow them too.

A write to a family's tables (a load, a workflow action, plain SQL) bumps that family's version
in the same transaction (migration 0007's triggers); a rolled-back or dry-run write bumps
nothing. The writes here are undone at the end of each test, so the demo the other tests read
stays as it was.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import mercantile
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from app import ids
from app.cli import main as cli
from app.main import create_app
from geodata import cache
from geodata.settings import Settings
from layers import heat
from layers.filters import MapFilters
from tests.conftest import AS_OF
from tests.integration.dash_calls import call, signed_in

pytestmark = pytest.mark.db

PERIOD = f"period=custom&from={AS_OF.replace(year=AS_OF.year - 2).isoformat()}&to={AS_OF}"
MONTH = f"period=custom&from={(AS_OF - timedelta(days=29)).isoformat()}&to={AS_OF}"


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    return create_app(Settings(), engine=app_engine)


@pytest.fixture()
def client(app, engine):  # noqa: ANN001, ANN201
    return signed_in(app, engine)


def _family(engine, family: str) -> int:  # noqa: ANN001
    """The family's version as stored (read here independently of geodata.read.versions)."""
    with engine.connect() as c:
        return int(
            c.execute(
                text("SELECT version FROM data_version WHERE family = :f"), {"f": family}
            ).scalar_one()
        )


def _load(db_url: str, tmp_path: Path, *extra: str) -> dict:
    """``zongzhi load`` of a one-row worker file whose row is quarantined (unknown grid)."""
    path = tmp_path / f"noop_{time.monotonic_ns()}.csv"
    path.write_text("工号,姓名,网格编码\nBT-V01,无此人,NO-SUCH-GRID\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["load", "grid-workers", str(path), "--json", *extra],
        env={"ZONGZHI_DATABASE_URL": db_url},
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert (out["read"], out["quarantined"]) == (1, 1)
    return out


def _page_version(app, client, area: str) -> int:  # noqa: ANN001
    """The data version the map page puts in the geometry URL (``?v=``) for ``area``."""
    out = call(app, client, f"{ids.GEOMETRY_URL}.data", {"url.search": f"?area={area}"})
    url = out[f"{ids.GEOMETRY_URL}.data"]
    assert urlparse(url).path == f"/api/geo/children/{area}.pbf"
    return int(parse_qs(urlparse(url).query)["v"][0])


def _city(engine) -> str:  # noqa: ANN001
    with engine.connect() as c:
        return c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()


def _touch_areas(engine, city: str) -> None:  # noqa: ANN001
    """A committed write to the areas family that changes no value."""
    with engine.begin() as c:
        c.execute(text("UPDATE admin_area SET name = name WHERE code = :c"), {"c": city})


def test_beh_ver_each_write_bumps_its_own_family_only(engine, db_url, tmp_path) -> None:  # noqa: ANN001
    before = {f: _family(engine, f) for f in ("areas", "people", "disputes", "patrols")}
    _load(db_url, tmp_path, "--dry-run")  # rolled back: nothing moves
    assert {f: _family(engine, f) for f in before} == before
    with engine.connect() as c, c.begin():  # a write that is rolled back moves nothing either
        c.execute(
            text("UPDATE dispute SET parties = parties WHERE id = (SELECT min(id) FROM dispute)")
        )
        c.rollback()
    assert _family(engine, "disputes") == before["disputes"]
    with engine.begin() as c:
        c.execute(
            text("UPDATE dispute SET parties = parties WHERE id = (SELECT min(id) FROM dispute)")
        )
    after = {f: _family(engine, f) for f in before}
    assert after["disputes"] > before["disputes"]
    assert {f: after[f] for f in ("areas", "people", "patrols")} == {
        f: before[f] for f in ("areas", "people", "patrols")
    }


def test_beh_ver_geometry_etag_follows_writes_to_the_areas(
    app, client, engine, db_url, tmp_path
) -> None:  # noqa: ANN001
    city = _city(engine)
    url = f"/api/geo/children/{city}.pbf"
    before = client.get(url)
    assert before.status_code == 200
    old_etag = before.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": old_etag}).status_code == 304
    assert _page_version(app, client, city) == _family(engine, "areas")

    # A dry run commits nothing, and a load of grid workers does not touch the geometry:
    # the browser's copy is still good.
    _load(db_url, tmp_path, "--dry-run")
    _load(db_url, tmp_path)
    assert client.get(url, headers={"If-None-Match": old_etag}).status_code == 304

    _touch_areas(engine, city)
    assert _page_version(app, client, city) == _family(engine, "areas")
    after = client.get(url, headers={"If-None-Match": old_etag})
    assert after.status_code == 200 and after.data  # the old copy is stale now
    new_etag = after.headers["ETag"]
    assert new_etag != old_etag
    assert client.get(url, headers={"If-None-Match": new_etag}).status_code == 304
    _touch_areas(engine, city)  # every write moves it on again
    assert client.get(url, headers={"If-None-Match": new_etag}).status_code == 200


def test_beh_ver_tile_etags_follow_their_families(client, engine) -> None:  # noqa: ANN001
    with engine.connect() as c:
        lon, lat = c.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM dispute ORDER BY id LIMIT 1")
        ).one()
    t = mercantile.tile(lon, lat, 13)
    disputes = f"/tiles/heat/disputes/{t.z}/{t.x}/{t.y}.png?{PERIOD}"
    patrols = f"/tiles/heat/patrols/{t.z}/{t.x}/{t.y}.png?{PERIOD}"
    grids = f"/tiles/grids/{t.z}/{t.x}/{t.y}.pbf?{PERIOD}"
    etag = {u: client.get(u).headers["ETag"] for u in (disputes, patrols, grids)}
    with engine.begin() as c:
        c.execute(
            text("UPDATE dispute SET parties = parties WHERE id = (SELECT min(id) FROM dispute)")
        )
    # No waiting: the next request sees the write.
    for url in (disputes, grids):
        resp = client.get(url, headers={"If-None-Match": etag[url]})
        assert resp.status_code == 200 and resp.data, url
        assert resp.headers["ETag"] != etag[url], url
        assert client.get(url, headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304
    # Patrol heat is drawn from the patrols alone: a dispute write leaves it valid.
    assert client.get(patrols, headers={"If-None-Match": etag[patrols]}).status_code == 304


@contextmanager
def _changed(engine, sql: str, undo: str, params: dict) -> Iterator[None]:  # noqa: ANN001
    with engine.begin() as c:
        assert c.execute(text(sql), params).rowcount == 1
    try:
        yield
    finally:
        with engine.begin() as c:
            assert c.execute(text(undo), params).rowcount == 1


def _open_case(engine) -> dict:  # noqa: ANN001
    """An in-progress case inside the last month, with its grid and community."""
    with engine.connect() as c:
        return dict(
            c.execute(
                text(
                    "SELECT d.id, ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat, d.grid_code,"
                    " g.community_code FROM dispute d JOIN grid g ON g.code = d.grid_code"
                    " WHERE d.status = 'in_progress' AND d.reported_at >= :since"
                    " ORDER BY d.id LIMIT 1"
                ),
                {"since": AS_OF - timedelta(days=20)},
            )
            .mappings()
            .one()
        )


def _cold_tile(engine, url_params: dict) -> bytes:  # noqa: ANN001
    """The tile built now from the database with no cache at all."""
    params = heat.Params(**url_params)
    with engine.connect() as c:
        return heat.render(heat.fetch(c, params), params)


def test_beh_ver_a_status_change_reaches_heat_density_and_coverage_next_request(
    app, client, engine
) -> None:  # noqa: ANN001
    case = _open_case(engine)
    t = mercantile.tile(case["lon"], case["lat"], 16)
    query = f"{MONTH}&status=in_progress"
    url = f"/tiles/heat/disputes/{t.z}/{t.x}/{t.y}.png?{query}"
    flt = MapFilters.from_query(
        {
            "period": "custom",
            "from": str(AS_OF - timedelta(days=29)),
            "to": str(AS_OF),
            "status": "in_progress",
        }
    )
    tile_params = {"kind": "disputes", "z": t.z, "x": t.x, "y": t.y, "filters": flt}
    search = f"?area={case['community_code']}&{query}"

    def density() -> dict:
        out = call(app, client, f"{ids.layer('area_density')}.hideout", {"url.search": search})
        return out[f"{ids.layer('area_density')}.hideout"]["values"]

    def open_in_grid() -> int:
        with engine.connect() as c:
            return int(
                c.execute(
                    text(
                        "SELECT count(*) FROM dispute WHERE grid_code = :g AND status = 'in_progress'"
                        " AND reported_at >= :a AND reported_at < :b"
                    ),
                    {"g": case["grid_code"], "a": flt.window()[0], "b": flt.window()[1]},
                ).scalar_one()
            )

    before_tile = client.get(url).data
    before_density = density()
    assert before_density[case["grid_code"]] == open_in_grid() >= 1
    assign = "UPDATE dispute SET status = 'assigned' WHERE id = :id AND status = 'in_progress'"
    undo = "UPDATE dispute SET status = 'in_progress' WHERE id = :id AND status = 'assigned'"
    with _changed(engine, assign, undo, {"id": case["id"]}):
        after_tile = client.get(url).data
        assert after_tile != before_tile
        assert after_tile == _cold_tile(engine, tile_params)
        after_density = density()
        assert after_density[case["grid_code"]] == open_in_grid()
        assert after_density[case["grid_code"]] == before_density[case["grid_code"]] - 1


def test_beh_ver_a_patrol_write_reaches_coverage_next_request(app, client, engine) -> None:  # noqa: ANN001
    with engine.connect() as c:
        visit = dict(
            c.execute(
                text(
                    "SELECT v.id, v.visited_at, g.community_code FROM patrol_visit v"
                    " JOIN grid g ON g.code = v.grid_code"
                    " WHERE v.visited_at >= :a AND v.visited_at < :b ORDER BY v.id LIMIT 1"
                ),
                {"a": AS_OF - timedelta(days=10), "b": AS_OF},
            )
            .mappings()
            .one()
        )
    search = f"?area={visit['community_code']}&layers=patrol_coverage&{MONTH}"

    def total_visits() -> int:
        out = call(app, client, f"{ids.layer('patrol_coverage')}.hideout", {"url.search": search})
        return out[f"{ids.layer('patrol_coverage')}.hideout"]["total_visits"]

    before = total_visits()
    built = cache.builds("patrol_figures")
    assert total_visits() == before and cache.builds("patrol_figures") == built  # cached
    away = "UPDATE patrol_visit SET visited_at = visited_at - interval '400 days' WHERE id = :id"
    back = "UPDATE patrol_visit SET visited_at = visited_at + interval '400 days' WHERE id = :id"
    with _changed(engine, away, back, {"id": visit["id"]}):
        assert total_visits() == before - 1
    assert total_visits() == before

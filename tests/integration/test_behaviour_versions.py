"""A committed load gives a new data version, so geometry and tile ETags change with it.

The loads here commit a batch whose only row is quarantined: the data version moves on while the
demo data the other tests read stays exactly as it was.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import mercantile
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from app.cli import main as cli
from app.main import create_app
from geodata.settings import Settings
from tests.conftest import AS_OF
from tests.integration.dash_calls import call

pytestmark = pytest.mark.db

PERIOD = f"period=custom&from={AS_OF.replace(year=AS_OF.year - 2).isoformat()}&to={AS_OF}"
# Tile routes re-read the data version at most this often (documented in app/tiles.py).
VERSION_REREAD_S = 2.0


@pytest.fixture(scope="module")
def app(engine, demo_db):  # noqa: ANN001, ANN201
    return create_app(Settings(), engine=engine)


@pytest.fixture()
def client(app):  # noqa: ANN001, ANN201
    return app.server.test_client()


def _committed_version(engine) -> int:  # noqa: ANN001
    with engine.connect() as c:
        return int(
            c.execute(
                text("SELECT COALESCE(max(id), 0) FROM etl_batch WHERE status = 'committed'")
            ).scalar()
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
    out = call(app, client, "areas-geometry-url.data", {"url.search": f"?area={area}"})
    url = out["areas-geometry-url.data"]
    assert urlparse(url).path == f"/api/geo/children/{area}.pbf"
    return int(parse_qs(urlparse(url).query)["v"][0])


def _city(engine) -> str:  # noqa: ANN001
    with engine.connect() as c:
        return c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()


def test_beh_ver_geometry_etag_follows_committed_loads(
    app, client, engine, db_url, tmp_path
) -> None:  # noqa: ANN001
    city = _city(engine)
    url = f"/api/geo/children/{city}.pbf"
    before = client.get(url)
    assert before.status_code == 200
    old_etag = before.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": old_etag}).status_code == 304
    assert _page_version(app, client, city) == _committed_version(engine)

    # A dry run commits nothing: same version, the browser's copy is still good.
    dry = _load(db_url, tmp_path, "--dry-run")
    assert client.get(url, headers={"If-None-Match": old_etag}).status_code == 304
    assert _page_version(app, client, city) == _committed_version(engine) != dry["batch_id"]

    loaded = _load(db_url, tmp_path)
    assert _committed_version(engine) == loaded["batch_id"]
    assert _page_version(app, client, city) == loaded["batch_id"]
    after = client.get(url, headers={"If-None-Match": old_etag})
    assert after.status_code == 200 and after.data  # the old copy is stale now
    new_etag = after.headers["ETag"]
    assert new_etag != old_etag
    assert client.get(url, headers={"If-None-Match": new_etag}).status_code == 304
    # Every committed load moves it on again.
    again = _load(db_url, tmp_path)
    assert again["batch_id"] > loaded["batch_id"]
    assert _page_version(app, client, city) == again["batch_id"]
    assert client.get(url, headers={"If-None-Match": new_etag}).status_code == 200


def test_beh_ver_tile_etags_follow_committed_loads(client, engine, db_url, tmp_path) -> None:  # noqa: ANN001
    with engine.connect() as c:
        lon, lat = c.execute(
            text("SELECT ST_X(geom), ST_Y(geom) FROM dispute ORDER BY id LIMIT 1")
        ).one()
    t = mercantile.tile(lon, lat, 13)
    urls = [
        f"/tiles/heat/disputes/{t.z}/{t.x}/{t.y}.png?{PERIOD}",
        f"/tiles/heat/patrols/{t.z}/{t.x}/{t.y}.png?{PERIOD}",
        f"/tiles/grids/{t.z}/{t.x}/{t.y}.pbf?{PERIOD}",
    ]
    before = {}
    for url in urls:
        resp = client.get(url)
        assert resp.status_code == 200, url
        before[url] = resp.headers["ETag"]
        assert client.get(url, headers={"If-None-Match": before[url]}).status_code == 304, url
    _load(db_url, tmp_path)
    time.sleep(VERSION_REREAD_S + 0.2)
    for url in urls:
        resp = client.get(url, headers={"If-None-Match": before[url]})
        assert resp.status_code == 200 and resp.data, url
        assert resp.headers["ETag"] != before[url], url
        assert client.get(url, headers={"If-None-Match": resp.headers["ETag"]}).status_code == 304

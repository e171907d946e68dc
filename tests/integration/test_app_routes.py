"""Flask routes of the app against the demo database (no browser)."""

from __future__ import annotations

import json

import geobuf
import pytest
from sqlalchemy import text

from app.main import create_app
from geodata.db import migrate
from geodata.settings import Settings
from tests.integration.dash_calls import signed_in

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def client(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    app = create_app(Settings(), engine=app_engine)
    return signed_in(app, engine)


def test_app001_healthz(client, engine) -> None:  # noqa: ANN001
    resp = client.get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["app"] == "ok" and body["database"] == "ok"
    assert body["revision"] == migrate.current(engine) and body["revision"] is not None


def test_app002_children_geobuf_is_cacheable(client) -> None:  # noqa: ANN001
    resp = client.get("/api/geo/children/150100.pbf")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/x-protobuf"
    assert "max-age" in resp.headers["Cache-Control"]
    fc = geobuf.decode(resp.data)
    assert sorted(f["properties"]["code"] for f in fc["features"])[0] == "150102"
    assert len(fc["features"]) == 9
    again = client.get(
        "/api/geo/children/150100.pbf", headers={"If-None-Match": resp.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""


def test_app003_geometry_is_simplified_per_level(client, engine) -> None:  # noqa: ANN001
    with engine.connect() as conn:
        raw_vertices = conn.execute(
            text("SELECT sum(ST_NPoints(geom)) FROM admin_area WHERE level = 'district'")
        ).scalar()
    fc = geobuf.decode(client.get("/api/geo/children/150100.pbf").data)

    def count(coords) -> int:  # noqa: ANN001
        return 1 if isinstance(coords[0], float) else sum(count(c) for c in coords)

    served = sum(count(f["geometry"]["coordinates"]) for f in fc["features"])
    assert served < raw_vertices * 0.8


def test_app004_unknown_or_grid_code_is_404(client, engine) -> None:  # noqa: ANN001
    assert client.get("/api/geo/children/999999.pbf").status_code == 404
    with engine.connect() as conn:
        grid = conn.execute(text("SELECT code FROM grid LIMIT 1")).scalar()
    assert client.get(f"/api/geo/children/{grid}.pbf").status_code == 404


def test_app005_healthz_reports_an_unreachable_database() -> None:
    from geodata.db.engine import make_engine

    dead = make_engine(Settings(), "postgresql://nobody@127.0.0.1:9/nothing")
    client = create_app(Settings(), engine=dead).server.test_client()
    resp = client.get("/healthz")
    assert resp.status_code == 503
    # An anonymous caller learns ok / not ok and nothing else (no error text, no revision).
    assert resp.get_json() == {"status": "not ok"}
    # A signed-in browser's cookie cannot be checked either: still a clean 503, never a 500.
    client.set_cookie("zongzhi_session", "x" * 43)
    again = client.get("/healthz")
    assert again.status_code == 503 and again.get_json() == {"status": "not ok"}
    assert client.get("/").status_code == 503


def test_app007_anonymous_healthz_says_only_ok(engine, demo_db, app_engine) -> None:  # noqa: ANN001
    resp = create_app(Settings(), engine=app_engine).server.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}


def test_app006_fresh_gunicorn_workers_serve_bundles_to_concurrent_requests(
    db_url, app_db_url
) -> None:  # noqa: ANN001
    """``zongzhi serve`` sets Dash up before traffic (the plotly/dash#3971 race).

    A fresh worker whose first requests are concurrent bundle requests used to answer 500
    "dash_leaflet is not a registered library"; a page load after a restart does exactly that.
    """
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("zongzhi")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port), "--workers", "2"],
        env={
            **os.environ,
            "ZONGZHI_DATABASE_URL": app_db_url,
            "ZONGZHI_OWNER_DATABASE_URL": db_url,
            "ZONGZHI_SECRET_KEY": "k" * 40,
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:  # wait for the port without sending an HTTP request
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
            time.sleep(0.1)
        bundle = f"http://127.0.0.1:{port}/_dash-component-suites/dash_leaflet/dash_leaflet.js"

        def fetch(_: int) -> int:
            try:
                with urllib.request.urlopen(bundle, timeout=30) as resp:
                    return resp.status
            except urllib.error.HTTPError as exc:
                return exc.code

        with ThreadPoolExecutor(max_workers=24) as pool:
            codes = list(pool.map(fetch, range(48)))
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert codes == [200] * 48, sorted(set(codes))


def _page_json(settings: Settings, engine, **query: str) -> str:  # noqa: ANN001
    import dash
    import plotly

    app = create_app(settings, engine=engine)
    with app.server.test_request_context("/"):
        page = next(p for p in dash.page_registry.values() if p["path"] == "/")
        component = page["layout"](**query)
        return json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder)


def test_app010_amap_basemap_shifts_overlays_into_gcj02(app_engine, demo_db) -> None:  # noqa: ANN001
    """With AMap tiles the map runs in the GCJ-02 CRS and heat tiles are asked for in that frame."""
    amap = _page_json(Settings(basemap="amap"), app_engine, layers="heat_disputes")
    assert '"crs": "GCJ02"' in amap
    assert "crs=gcj02" in amap and "autonavi.com" in amap
    plain = _page_json(Settings(basemap="none"), app_engine, layers="heat_disputes")
    assert '"crs": "EPSG3857"' in plain and "crs=gcj02" not in plain
    assert "autonavi.com" not in plain and "tianditu" not in plain


def _overlays(page_json: str) -> dict[str, bool]:
    """Layer-control entry name → checked, from a serialised page."""
    found: dict[str, bool] = {}

    def walk(node) -> None:  # noqa: ANN001
        if isinstance(node, dict):
            if node.get("type") == "Overlay":
                found[node["props"]["name"]] = node["props"].get("checked", False)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(page_json))
    return found


def test_app011_an_old_link_opens_the_same_layers(app_engine, demo_db) -> None:  # noqa: ANN001
    """``layers=density,points,coverage`` (before each layer had one name) is today's page."""
    old = _page_json(Settings(), app_engine, layers="hotspots,coverage", period="30d")
    new = _page_json(Settings(), app_engine, layers="hotspots,patrol_coverage", period="30d")
    assert old == new
    checked = {name for name, on in _overlays(old).items() if on}
    assert checked == {"热点分析（Gi*）", "巡查覆盖"}
    # The language link (the URL the page writes) carries the new names.
    assert "layers=hotspots,patrol_coverage" in old

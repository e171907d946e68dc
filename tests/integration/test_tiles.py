"""Tile routes against the demo database: heat PNGs, vector tiles, the local basemap folder."""

from __future__ import annotations

import io
from collections import Counter

import mapbox_vector_tile
import mercantile
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import text

from app.main import create_app
from geodata import cache
from geodata.read import tiles as geotiles
from geodata.settings import Settings
from geodata.write import users
from layers import heat
from layers.filters import MapFilters
from tests.conftest import AS_OF
from tests.integration.dash_calls import signed_in

pytestmark = pytest.mark.db

# The demo lies in the 24 months before AS_OF; a fixed custom period keeps the tests independent
# of today's date.
PERIOD = (
    f"period=custom&from={AS_OF.replace(year=AS_OF.year - 2).isoformat()}&to={AS_OF.isoformat()}"
)
EMPTY_PERIOD = "period=custom&from=1990-01-01&to=1990-12-31"
LEADER = "tiles_leader"


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    with engine.begin() as c:
        c.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": LEADER})
        users.add_user(c, LEADER, "tiles-password-1", "city")
    geotiles.drop_patrol_snapshots()
    yield create_app(Settings(), engine=app_engine)
    with engine.begin() as c:
        c.execute(text("DELETE FROM app_user WHERE username = :u"), {"u": LEADER})


@pytest.fixture()
def client(app, engine):  # noqa: ANN001, ANN201
    return signed_in(app, engine)


@pytest.fixture()
def leader(app):  # noqa: ANN001, ANN201
    signed_in = app.server.test_client()
    with signed_in.session_transaction() as session:
        session["user"] = LEADER
    return signed_in


def _densest_tile(engine, table: str, z: int) -> mercantile.Tile:  # noqa: ANN001
    with engine.connect() as c:
        # A case waiting for its location has no point.
        rows = c.execute(
            text(f"SELECT ST_X(geom), ST_Y(geom) FROM {table} WHERE geom IS NOT NULL")
        ).all()
    return Counter(mercantile.tile(lon, lat, z) for lon, lat in rows).most_common(1)[0][0]


@pytest.fixture(scope="module")
def dense(engine, demo_db) -> mercantile.Tile:  # noqa: ANN001
    return _densest_tile(engine, "dispute", 13)


def _rgba(resp) -> np.ndarray:  # noqa: ANN001
    assert resp.status_code == 200, resp.status_code
    assert resp.headers["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(resp.data))
    assert image.size == (256, 256)
    return np.asarray(image.convert("RGBA"))


def _url(kind: str, t: mercantile.Tile, query: str = PERIOD) -> str:
    return f"/tiles/heat/{kind}/{t.z}/{t.x}/{t.y}.png?{query}"


# --- heat ---------------------------------------------------------------------------------------


def test_til001_heat_tile_over_the_densest_area_is_coloured(client, dense) -> None:  # noqa: ANN001
    for kind in geotiles.HEAT_KINDS:
        rgba = _rgba(client.get(_url(kind, dense)))
        assert rgba.shape == (256, 256, 4)
        assert (rgba[..., 3] > 0).sum() > 500, kind


def test_til002_an_empty_filter_gives_a_fully_transparent_tile(client, dense) -> None:  # noqa: ANN001
    for query in (EMPTY_PERIOD, f"{PERIOD}&types=NO_SUCH_TYPE"):
        resp = client.get(_url("disputes", dense, query))
        assert not _rgba(resp)[..., 3].any()
        assert resp.data == heat.empty_png() and len(resp.data) < 1000
    # A tile far from Hohhot (the Atlantic) is empty too.
    assert not _rgba(client.get("/tiles/heat/patrols/10/400/400.png"))[..., 3].any()


def test_til003_gcj02_tile_differs_from_the_wgs84_tile(client, dense) -> None:  # noqa: ANN001
    for kind in geotiles.HEAT_KINDS:
        wgs = _rgba(client.get(_url(kind, dense)))
        gcj = _rgba(client.get(_url(kind, dense, PERIOD + "&crs=gcj02")))
        assert gcj[..., 3].any() and not np.array_equal(wgs, gcj), kind
    assert client.get(_url("disputes", dense, "crs=bd09")).status_code == 400


def test_til004_cache_hit_returns_identical_bytes(app, client, dense) -> None:  # noqa: ANN001
    url = _url("disputes", dense, PERIOD + "&risk=high,medium")
    first = client.get(url)
    built = cache.builds("heat_tile")
    again = client.get(url)
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert cache.builds("heat_tile") == built  # served from the cache, nothing built again
    assert (
        # Behind sign-in and drawn from what the caller may see: no shared cache keeps it.
        "private" in first.headers["Cache-Control"] and "max-age=" in first.headers["Cache-Control"]
    )


def test_til005_etag_revalidates_with_304(client, dense) -> None:  # noqa: ANN001
    url = _url("patrols", dense)
    first = client.get(url)
    etag = first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get(_url("patrols", dense, EMPTY_PERIOD), headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag


def test_til006_filters_change_dispute_heat_but_patrols_only_by_period(client, dense) -> None:  # noqa: ANN001
    all_risks = client.get(_url("disputes", dense)).data
    high_only = client.get(_url("disputes", dense, PERIOD + "&risk=high")).data
    assert all_risks != high_only
    patrols = client.get(_url("patrols", dense)).data
    assert client.get(_url("patrols", dense, PERIOD + "&risk=high")).data == patrols
    assert not _rgba(client.get(_url("patrols", dense, EMPTY_PERIOD)))[..., 3].any()


def test_til007_neighbouring_tiles_join_without_seams(client, engine) -> None:  # noqa: ANN001
    centre = _densest_tile(engine, "patrol_visit", 12)
    east = mercantile.Tile(centre.x + 1, centre.y, centre.z)
    west = mercantile.Tile(centre.x - 1, centre.y, centre.z)
    a = _rgba(client.get(_url("patrols", centre)))[..., 3].astype(int)
    b = _rgba(client.get(_url("patrols", east)))[..., 3].astype(int)
    c = _rgba(client.get(_url("patrols", west)))[..., 3].astype(int)
    edges = [(a[:, -1], b[:, 0], a[:, -2]), (a[:, 0], c[:, -1], a[:, 1])]
    inner, outer, beside = max(edges, key=lambda e: int(e[0].sum()))
    assert inner.sum() > 0, "no heat along either edge of the densest tile"
    # Across the edge the alpha changes about as little as between two adjacent columns.
    assert np.abs(inner - outer).mean() <= 2 * np.abs(inner - beside).mean() + 3


def test_til008_out_of_range_and_unknown_tiles_are_404(client) -> None:  # noqa: ANN001
    for url in (
        "/tiles/heat/people/5/1/1.png",
        "/tiles/heat/disputes/21/0/0.png",
        "/tiles/heat/disputes/3/8/0.png",
        "/tiles/heat/disputes/3/0/8.png",
        "/tiles/heat/disputes/3/-1/0.png",
        "/tiles/buildings/12/3318/1534.pbf",
        "/tiles/grids/21/0/0.pbf",
        "/tiles/grids/2/0/4.pbf",
    ):
        assert client.get(url).status_code == 404, url


# --- vector tiles -------------------------------------------------------------------------------


def _mvt_count(engine, table: str, t: mercantile.Tile, extra: str = "", **params) -> int:  # noqa: ANN001, ANN003
    sql = (
        f"SELECT count(*) FROM {table} d WHERE ST_Intersects(ST_Transform(d.geom, 3857),"
        " ST_TileEnvelope(:z, :x, :y, margin => :m))" + extra
    )
    with engine.connect() as c:
        return c.execute(
            text(sql), {"z": t.z, "x": t.x, "y": t.y, "m": 64 / 4096, **params}
        ).scalar()


def test_til009_grid_vector_tile_matches_sql(client, engine, dense) -> None:  # noqa: ANN001
    resp = client.get(f"/tiles/grids/{dense.z}/{dense.x}/{dense.y}.pbf?{PERIOD}")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
    features = mapbox_vector_tile.decode(resp.data)["grids"]["features"]
    assert len(features) == _mvt_count(engine, "grid", dense) > 0
    props = features[0]["properties"]
    assert set(props) == {"code", "name", "community_code", "residents", "disputes"}
    assert sum(f["properties"]["disputes"] for f in features) > 0
    none = client.get(f"/tiles/grids/{dense.z}/{dense.x}/{dense.y}.pbf?{EMPTY_PERIOD}")
    counts = [
        f["properties"]["disputes"]
        for f in mapbox_vector_tile.decode(none.data)["grids"]["features"]
    ]
    assert len(counts) == len(features) and set(counts) == {0}


def test_til010_dispute_vector_tile_honours_filters(leader, engine, dense) -> None:  # noqa: ANN001
    def tile(query: str) -> list[dict]:
        resp = leader.get(f"/tiles/disputes/{dense.z}/{dense.x}/{dense.y}.pbf?{query}")
        assert resp.status_code == 200
        assert "private" in resp.headers["Cache-Control"]
        decoded = mapbox_vector_tile.decode(resp.data)
        return decoded["disputes"]["features"] if decoded else []

    every = tile(PERIOD)
    assert len(every) == _mvt_count(engine, "dispute", dense) > 0
    props = every[0]["properties"]
    assert set(props) == {"type_code", "source", "status", "risk_level", "reported_at"}
    assert isinstance(every[0]["id"], int) and props["reported_at"].endswith("+08:00")
    high = tile(PERIOD + "&risk=high")
    assert len(high) == _mvt_count(engine, "dispute", dense, " AND d.risk_level = 'high'")
    assert 0 < len(high) < len(every)
    assert {f["properties"]["risk_level"] for f in high} == {"high"}
    assert tile(EMPTY_PERIOD) == []


def test_til011_dispute_points_need_a_cleared_role(app, engine, dense) -> None:  # noqa: ANN001
    wall = signed_in(app, engine, "tiles_wall", "display")
    assert wall.get(f"/tiles/disputes/{dense.z}/{dense.x}/{dense.y}.pbf").status_code == 403


def test_til012_vector_tiles_are_capped(engine, dense) -> None:  # noqa: ANN001
    flt = heat.tile_dispute_filter(MapFilters(period="all"))
    with engine.connect() as c:
        full = geotiles.vector_tile(c, "disputes", dense.z, dense.x, dense.y, flt)
        cut = geotiles.vector_tile(c, "disputes", dense.z, dense.x, dense.y, flt, max_features=3)
        small = geotiles.vector_tile(
            c, "disputes", dense.z, dense.x, dense.y, flt, max_bytes=len(full.body) // 3
        )
    assert full.capped_at is None and full.features > 6
    assert cut.capped_at == 3 and cut.features == 3
    assert len(small.body) <= len(full.body) // 3 and small.capped_at is not None
    assert 0 < small.features < full.features


# --- basemap folder -----------------------------------------------------------------------------


def test_til013_basemap_folder_is_served(engine, demo_db, tmp_path, app_engine) -> None:  # noqa: ANN001
    (tmp_path / "12" / "3318").mkdir(parents=True)
    png = heat.empty_png()
    (tmp_path / "12" / "3318" / "1534.png").write_bytes(png)
    (tmp_path / "secret.png").write_bytes(b"not a tile")
    served = signed_in(create_app(Settings(basemap_dir=tmp_path), engine=app_engine), engine)
    resp = served.get("/basemap/12/3318/1534.png")
    assert resp.status_code == 200 and resp.data == png
    assert (
        resp.headers["Content-Type"] == "image/png" and "max-age" in resp.headers["Cache-Control"]
    )
    for url in (
        "/basemap/12/3318/1535.png",  # missing
        "/basemap/12/3318/1534.gif",  # extension not served
        "/basemap/12/3318/..%2F..%2Fsecret.png",
        "/basemap/../secret.png",
        "/basemap/x/3318/1534.png",
    ):
        assert served.get(url).status_code == 404, url
    unconfigured = signed_in(create_app(Settings(basemap_dir=None), engine=app_engine), engine)
    assert unconfigured.get("/basemap/12/3318/1534.png").status_code == 404


def test_tile_warm_up_fills_the_city_wide_patrol_snapshot(app, engine) -> None:  # noqa: ANN001
    """The worker's start-up warm-up loads the snapshot a city-wide caller's heat tiles use,
    with every visit (under row-level security an unscoped warm-up would hold none)."""
    from app.context import scoped_transaction
    from app.main import _warm_patrol_snapshot
    from domain.scope import Scope

    cache.clear()
    before = cache.builds("patrol_snapshot")
    _warm_patrol_snapshot(app.server)
    assert cache.builds("patrol_snapshot") == before + 1
    with engine.connect() as c:
        city = c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
        visits = c.execute(text("SELECT count(*) FROM patrol_visit")).scalar()
    zz = app.server.extensions["zongzhi"]
    with scoped_transaction(zz["engine"], Scope(user="t", role="city", areas=(city,))) as conn:
        snap = geotiles.patrol_snapshot(conn)
    assert visits > 0 and len(snap) == visits
    # The city-wide caller found the warm snapshot: nothing was built again.
    assert cache.builds("patrol_snapshot") == before + 1


def _snapshot_rows(snap: geotiles.PatrolSnapshot, frame: str) -> np.ndarray:
    gx, gy = snap.pixels(frame)
    rows = np.stack([snap.visited_us, gx.astype(np.int64), gy.astype(np.int64)], axis=1)
    return rows[np.lexsort(rows.T[::-1])]


def _sql_rows(conn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # noqa: ANN001
    got = conn.execute(
        text(
            "SELECT ((extract(epoch FROM visited_at) - 946684800) * 1000000)::bigint,"
            " ST_X(geom), ST_Y(geom) FROM patrol_visit"
        )
    ).all()
    us, lon, lat = (np.array(col) for col in zip(*got, strict=True))
    return us.astype(np.int64), lon.astype(np.float64), lat.astype(np.float64)


# Three visits stored after the rest of their month but earlier in it (a late upload).
_LATE_VISITS = """
    INSERT INTO patrol_visit (visited_at, worker_id, grid_code, district_code, geom)
    SELECT date_trunc('month', v.visited_at) + make_interval(mins => n), v.worker_id,
           v.grid_code, v.district_code, v.geom
    FROM (SELECT * FROM patrol_visit WHERE visited_at >= :m ORDER BY visited_at LIMIT 1) v,
         generate_series(1, 3) AS n
"""


@pytest.mark.parametrize("batch_bytes", [8 << 20, 1000])
def test_til014_patrol_snapshot_holds_every_visit_in_time_order(
    engine,  # noqa: ANN001
    demo_db,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
    batch_bytes: int,
) -> None:
    """Read month by month, the snapshot is every visit of the table (time and pixel of each,
    by SQL), sorted by time, in both frames; windows count what SQL counts, month edges too."""
    monkeypatch.setattr(geotiles, "_GCJ_CHUNK", 700)  # many chunks for the GCJ-02 frame
    # 1000 bytes: COPY decoded in many batches, rows split across them.
    monkeypatch.setattr(geotiles, "_BATCH_BYTES", batch_bytes)
    cache.clear()
    with engine.connect() as c, c.begin() as tx:
        months = (
            c.execute(
                text("SELECT DISTINCT date_trunc('month', visited_at) FROM patrol_visit ORDER BY 1")
            )
            .scalars()
            .all()
        )
        assert len(months) > 3
        c.execute(text(_LATE_VISITS), {"m": months[2]})
        snap = geotiles.patrol_snapshot(c)
        in_window = c.execute(
            text("SELECT count(*) FROM patrol_visit WHERE visited_at >= :a AND visited_at < :b"),
            {"a": months[1], "b": months[3]},
        ).scalar()
        us, lon, lat = _sql_rows(c)
        tx.rollback()
    cache.clear()  # the snapshot saw the rolled-back visits
    assert len(snap) == us.size > 1000
    assert np.all(np.diff(snap.visited_us) >= 0)
    for frame, (x, y) in (
        ("wgs84", (lon, lat)),
        ("gcj02", geotiles.crs.wgs84_to_gcj02(lon, lat)),
    ):
        gx, gy = geotiles.world_pixels(x, y)
        want = np.stack([us, gx.astype(np.int64), gy.astype(np.int64)], axis=1)
        want = want[np.lexsort(want.T[::-1])]
        got = _snapshot_rows(snap, frame)
        # A GCJ-02 pixel comes from the WGS-84 pixel's centre: at most one pixel apart.
        assert np.array_equal(got[:, 0], want[:, 0])
        assert np.abs(got[:, 1:] - want[:, 1:]).max() <= (0 if frame == "wgs84" else 1)
    part = snap.window(months[1], months[3])
    assert part.stop - part.start == in_window > 0


@pytest.mark.parametrize("off", [-7, 7])
def test_til015_patrol_snapshot_survives_visits_written_while_it_loads(
    engine,  # noqa: ANN001
    demo_db,  # noqa: ANN001
    monkeypatch,  # noqa: ANN001
    off: int,
) -> None:
    """The count that sizes the arrays may miss visits written (or deleted) before the months
    are read: the arrays grow or shrink to what was read, nothing lost, nothing left empty."""
    span = geotiles._SPAN.text.replace("SELECT n,", f"SELECT n + ({off}),")
    monkeypatch.setattr(geotiles, "_SPAN", text(span))
    cache.clear()
    with engine.connect() as c:
        snap = geotiles.patrol_snapshot(c)
        us, _, _ = _sql_rows(c)
    assert len(snap) == us.size
    assert np.array_equal(snap.visited_us, np.sort(us))
    assert snap.gx.size == snap.gy.size == us.size
    cache.clear()


def test_til016_a_write_shows_on_tiles_within_the_settle_window(
    engine, app_engine, dense, monkeypatch
) -> None:  # noqa: ANN001
    """With display_settle_s, a dispute tile keeps its key (ETag, bytes, no rebuild) after a write
    until the window ends; then the version moves and the tile is drawn again."""
    now = [9000.0]
    monkeypatch.setattr(cache, "_clock", lambda: now[0])
    settled = create_app(Settings(display_settle_s=30), engine=app_engine)
    try:
        client = signed_in(settled, engine)
        url = _url("disputes", dense)
        first = client.get(url)
        built = cache.builds("heat_tile")
        with engine.begin() as c:  # a write to disputes moves their data version
            c.execute(
                text("UPDATE dispute SET title = title WHERE id = (SELECT min(id) FROM dispute)")
            )
        now[0] += 29
        held = client.get(url)
        assert held.headers["ETag"] == first.headers["ETag"] and held.data == first.data
        assert cache.builds("heat_tile") == built
        now[0] += 2
        moved = client.get(url)
        assert moved.headers["ETag"] != first.headers["ETag"]
        assert cache.builds("heat_tile") == built + 1
    finally:
        cache.configure(None, settle_s=0)
        cache.clear()

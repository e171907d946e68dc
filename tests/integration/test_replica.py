"""A streaming read replica of a private primary, both made here in a temporary home by the
project's own code (``EmbeddedReplica``: pg_basebackup from a primary running with
``wal_level=minimal`` until then): writes on the primary appear on the replica, the app routed
to it serves tiles and the wall under row-level security, writes never go through it, and a
lagging replica says how old its data is."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import mapbox_vector_tile
import mercantile
import psycopg
import pytest
from click.testing import CliRunner
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.context import read_connection, scoped_transaction
from app.main import create_app
from domain.clock import LOCAL_TZ
from domain.scope import Scope
from geodata import cache
from geodata.db import migrate
from geodata.db.embedded import EmbeddedCluster
from geodata.db.engine import make_engine
from geodata.db.replica import SLOT, EmbeddedReplica
from geodata.db.roles import APP_ROLE
from geodata.read import tiles as geotiles
from geodata.read.freshness import data_as_of
from geodata.settings import Settings
from layers import heat
from layers.filters import MapFilters
from tests.conftest import AS_OF
from tests.integration.dash_calls import call, signed_in

pytestmark = pytest.mark.db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _until(check, timeout_s: float = 30.0) -> Any:  # noqa: ANN001
    """``check()`` once it is truthy (replication is asynchronous), else fail."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout_s} s")


@pytest.fixture(scope="module")
def pair(tmp_path_factory) -> Iterator[dict[str, Any]]:  # noqa: ANN001
    """A primary with the small demo, then its replica (the primary restarted with WAL for it)."""
    from etl.demo import DemoConfig
    from etl.demo_load import load_demo

    home = tmp_path_factory.mktemp("replica") / "home"
    settings = Settings(
        home=home,
        embedded_port=_free_port(),
        replica_port=_free_port(),
        read_from_replica=True,
    )
    # Its own cluster: the app built from these settings finds the default database there.
    primary = EmbeddedCluster(settings)
    standby = EmbeddedReplica(settings)
    primary.start()
    try:
        with psycopg.connect(primary.libpq_url("postgres")) as c:
            level = c.execute("SHOW wal_level").fetchone()[0]
        engine = make_engine(settings, primary.url())
        migrate.upgrade(engine)
        load_demo(engine, DemoConfig.for_scale("small", seed=7, as_of=AS_OF))
        standby.start()
        yield {
            "settings": settings,
            "primary": primary,
            "replica": standby,
            "engine": engine,  # the primary's superuser (test set-up and checks)
            "replica_engine": make_engine(settings, standby.url()),
            "level_before": level,
        }
        engine.dispose()
    finally:
        standby.remove()
        primary.destroy()


def _caught_up(pair: dict[str, Any]) -> None:
    """Wait until the replica has replayed everything the primary committed so far."""
    with pair["engine"].connect() as c:
        target = c.execute(text("SELECT pg_current_wal_lsn()")).scalar_one()
    with pair["replica_engine"].connect() as c:
        _until(
            lambda: c.execute(
                text("SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), :t) >= 0"), {"t": target}
            ).scalar_one()
        )


def test_rep001_a_write_on_the_primary_appears_on_the_replica(pair) -> None:  # noqa: ANN001
    # The primary ran with minimal WAL (fast loads) until the replica was made.
    assert pair["level_before"] == "minimal"
    facts = pair["replica"].status()
    assert facts["running"] and facts["in_recovery"] and facts["slot_active"] is True
    assert facts["primary_wal_level"] == "replica"
    with pair["engine"].begin() as c:
        case_id = c.execute(text("SELECT min(id) FROM dispute")).scalar_one()
        c.execute(text("UPDATE dispute SET title = 'REP-001 副本' WHERE id = :i"), {"i": case_id})
    with pair["replica_engine"].connect() as c:
        _until(
            lambda: (
                c.execute(
                    text("SELECT title FROM dispute WHERE id = :i"), {"i": case_id}
                ).scalar_one()
                == "REP-001 副本"
            )
        )
        assert c.execute(text("SELECT pg_is_in_recovery()")).scalar_one()


@pytest.fixture(scope="module")
def app(pair):  # noqa: ANN001, ANN201
    """The app as ``zongzhi serve`` builds it from settings with ``read_from_replica``."""
    flask_app = create_app(pair["settings"])
    yield flask_app
    zz = flask_app.server.extensions["zongzhi"]
    zz["engine"].dispose()
    zz["read_engine"].dispose()


def test_rep002_reads_are_routed_to_the_replica_writes_to_the_primary(app, pair) -> None:  # noqa: ANN001
    zz = app.server.extensions["zongzhi"]
    assert zz["engine"].url.port == pair["primary"].port
    assert zz["read_engine"].url.port == pair["replica"].port
    assert zz["read_engine"].url.username == APP_ROLE
    with pair["engine"].connect() as c:
        district_code = c.execute(
            text("SELECT district_code FROM dispute GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()
    district = Scope(user="rep", role="district", areas=(district_code,))
    with app.server.test_request_context("/"):
        with read_connection(district) as conn:
            assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar_one()
            # Row-level security holds on the replica: the scope's cases only.
            seen = conn.execute(
                text("SELECT count(*), count(DISTINCT district_code) FROM dispute")
            ).one()
        assert seen[0] > 0 and seen[1] == 1
        # A write through the read engine is refused (a standby, and read-only by default).
        with pytest.raises(DBAPIError, match="read-only"):
            with read_connection(district) as conn:
                conn.execute(text("UPDATE dispute SET title = 'x' WHERE id = 0"))
    # The app's writes (a sign-in's session row) still work: they go to the primary.
    client = signed_in(app, pair["engine"], "rep_city", "city")
    assert client.get("/healthz").status_code == 200


def _dense_tile(pair: dict[str, Any], district: str) -> mercantile.Tile:
    with pair["engine"].connect() as c:
        lon, lat = c.execute(
            text(
                "SELECT ST_X(geom), ST_Y(geom) FROM dispute WHERE district_code = :d"
                " AND geom IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"
            ),
            {"d": district},
        ).one()
    return mercantile.tile(lon, lat, 11)


def test_rep003_a_tile_from_the_replica_holds_the_callers_district_only(app, pair) -> None:  # noqa: ANN001
    _caught_up(pair)
    with pair["engine"].connect() as c:
        district = c.execute(
            text("SELECT district_code FROM dispute GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()
    leader = signed_in(app, pair["engine"], "rep_district", "district", area_code=district)
    tile = _dense_tile(pair, district)
    period = f"period=custom&from={AS_OF.replace(year=AS_OF.year - 2)}&to={AS_OF}"
    resp = leader.get(f"/tiles/disputes/{tile.z}/{tile.x}/{tile.y}.pbf?{period}")
    assert resp.status_code == 200
    ids = {f["id"] for f in mapbox_vector_tile.decode(resp.data)["disputes"]["features"]}
    with pair["engine"].connect() as c:
        district_of = dict(c.execute(text("SELECT id, district_code FROM dispute")).all())
        city = c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar_one()
    assert ids and {district_of[i] for i in ids} == {district}
    # The same tile built on the primary: the district's cases there too, and the city's
    # tile shows other districts' cases here (the tile crosses a border: RLS had work to do).
    flt = heat.tile_dispute_filter(MapFilters.from_query(dict(parse_qsl(period))))
    primary_app = make_engine(pair["settings"])
    try:
        for who, expect_foreign in ((district, False), (None, True)):
            caller = Scope(user="rep", role="district" if who else "city", areas=(who or city,))
            with scoped_transaction(primary_app, caller) as c:
                built = geotiles.vector_tile(c, "disputes", tile.z, tile.x, tile.y, flt)
            there = {f["id"] for f in mapbox_vector_tile.decode(built.body)["disputes"]["features"]}
            if expect_foreign:
                assert {district_of[i] for i in there} - {district}
            else:
                assert there == ids
    finally:
        primary_app.dispose()
    # Heat tiles too: a PNG drawn from the replica.
    png = leader.get(f"/tiles/heat/disputes/{tile.z}/{tile.x}/{tile.y}.png?{period}")
    assert png.status_code == 200 and png.headers["Content-Type"] == "image/png"


def test_rep004_the_wall_reads_the_replica_and_shows_its_lag(app, pair) -> None:  # noqa: ANN001
    wall = signed_in(app, pair["engine"], "rep_wall", "display")
    _caught_up(pair)
    cache.clear()
    out = call(app, wall, "wall-figures.children", {"wall-tick.n_intervals": 1})
    now = datetime.now(LOCAL_TZ)
    as_of = datetime.fromisoformat(out["wall-asof.data"]["as_of"])
    assert now - as_of < timedelta(minutes=2)  # caught up: the snapshot's own minute
    replica = pair["replica_engine"]
    with _replay_paused(pair):
        with replica.connect() as c:
            replayed = c.execute(text("SELECT pg_last_xact_replay_timestamp()")).scalar_one()
        time.sleep(1.1)
        with pair["engine"].begin() as c:  # a write the paused replica receives, not replays
            c.execute(
                text(
                    "UPDATE dispute SET title = title || '.' WHERE id = (SELECT min(id) FROM dispute)"
                )
            )
        with replica.connect() as c:
            _until(
                lambda: (
                    data_as_of(c, datetime.now(LOCAL_TZ))
                    < datetime.now(LOCAL_TZ) - timedelta(seconds=1)
                )
            )
            assert data_as_of(c, datetime.now(LOCAL_TZ)) == replayed
    _caught_up(pair)
    with replica.connect() as c:
        here = datetime.now(LOCAL_TZ)
        assert data_as_of(c, here) == here


def test_rep005_cli_status_and_stop(pair, monkeypatch) -> None:  # noqa: ANN001
    from app.cli import main

    settings = pair["settings"]
    monkeypatch.setenv("ZONGZHI_HOME", str(settings.home))
    monkeypatch.setenv("ZONGZHI_EMBEDDED_PORT", str(settings.embedded_port))
    monkeypatch.setenv("ZONGZHI_REPLICA_PORT", str(settings.replica_port))
    monkeypatch.delenv("ZONGZHI_DATABASE_URL", raising=False)
    runner = CliRunner()
    status = runner.invoke(main, ["db", "replica", "status"])
    assert status.exit_code == 0, status.output
    assert (
        '"in_recovery": true' in status.output
        and f'"port": {settings.replica_port}' in status.output
    )
    assert runner.invoke(main, ["db", "replica", "stop"]).exit_code == 0
    assert not pair["replica"].running()
    started = runner.invoke(main, ["db", "replica", "start"])
    assert started.exit_code == 0, started.output
    assert pair["replica"].running()
    with psycopg.connect(pair["primary"].libpq_url("postgres")) as c:
        assert c.execute(
            "SELECT active FROM pg_replication_slots WHERE slot_name = %s", (SLOT,)
        ).fetchone() == (True,)


@contextmanager
def _replay_paused(pair: dict[str, Any]) -> Iterator[None]:
    """The replica receives WAL but applies none of it meanwhile (replica lag, made to order)."""
    replica = pair["replica_engine"]
    with replica.connect() as c:
        c.execute(text("SELECT pg_wal_replay_pause()"))
        c.commit()
        _until(lambda: c.execute(text("SELECT pg_get_wal_replay_pause_state()")).scalar_one()
               == "paused")  # fmt: skip
    try:
        yield
    finally:
        with replica.connect() as c:
            c.execute(text("SELECT pg_wal_replay_resume()"))
            c.commit()


def test_rep006_tiles_come_from_the_replica_keyed_by_its_own_versions(app, pair) -> None:  # noqa: ANN001
    """While the replica lags, a tile shows the replica's data (not the primary's), and once it
    has replayed, the next request shows the new case: a tile built from lagging data was never
    stored under the primary's newer version."""
    _caught_up(pair)
    with pair["engine"].connect() as c:
        district = c.execute(
            text("SELECT district_code FROM dispute GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar_one()
    leader = signed_in(app, pair["engine"], "rep_district", "district", area_code=district)
    tile = _dense_tile(pair, district)
    url = f"/tiles/disputes/{tile.z}/{tile.x}/{tile.y}.pbf?period=all"

    def shown() -> set[int]:
        resp = leader.get(url)
        assert resp.status_code == 200
        return {f["id"] for f in mapbox_vector_tile.decode(resp.data)["disputes"]["features"]}

    before = shown()
    with _replay_paused(pair):
        with pair["engine"].begin() as c:
            new_id = c.execute(
                text(
                    "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
                    " grid_code, district_code, risk_level, status) SELECT source, 'REP-006',"
                    " type_code, '副本测试', reported_at, geom, grid_code, district_code,"
                    " risk_level, status FROM dispute WHERE id = :i RETURNING id"
                ),
                {"i": min(before)},
            ).scalar_one()
        time.sleep(0.5)  # the replica has received the insert by now, and not applied it
        assert new_id not in shown()  # read from the replica, not the primary
    _caught_up(pair)
    assert new_id in shown()

"""The wall's refresh over HTTP as the display account: figures equal plain SQL, ten refreshes
cost one snapshot (the shared cache, keyed by data version), a write shows on the next refresh,
roles without the wall get nothing, and a tour shows each district in turn."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import text

from app.main import create_app
from app.pages.wall.callbacks import rotation_area
from geodata import cache
from geodata.settings import Settings
from tests.integration.dash_calls import call, signed_in, strings

pytestmark = pytest.mark.db
PHONE_OR_ID = re.compile(r"(?<![0-9])(1[3-9][0-9]{9}|[0-9]{17}[0-9Xx])(?![0-9])")


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    return create_app(Settings(), engine=app_engine)


def _refresh(app, client) -> dict:  # noqa: ANN001
    return call(app, client, "wall-figures.children", {"wall-tick.n_intervals": 1})


def _number(out: dict, key: str) -> str:
    for fig in out["wall-figures.children"]:
        if f"wall-{key}" in fig["props"]["className"]:
            return fig["props"]["children"][0]["props"]["children"]
    raise AssertionError(key)


def test_wall001_figures_equal_sql_and_refreshes_share_one_snapshot(app, engine) -> None:  # noqa: ANN001
    wall = signed_in(app, engine, "wall_t", "display")
    cache.clear()
    before = cache.builds("wall")
    out = _refresh(app, wall)
    for _ in range(9):
        _refresh(app, wall)
    assert cache.builds("wall") == before + 1  # ten refreshes, one snapshot
    with engine.connect() as c:
        open_now, whistles = c.execute(
            text("SELECT (SELECT count(*) FROM dispute WHERE status IN ('received', 'assigned',"
                 " 'in_progress')), (SELECT count(*) FROM whistle WHERE status IN ('raised',"
                 " 'responded'))")
        ).one()  # fmt: skip
    assert (
        _number(out, "open") == f"{open_now:,}" and _number(out, "open_whistles") == f"{whistles:,}"
    )
    assert "wall-areas.hideout" in out and out["wall-areas.hideout"]["values"]
    # No personal data on the wall: no phone or ID number anywhere in what it was sent.
    assert not any(
        ch.isdigit() and len(s) >= 11 and s.isdigit() for s in strings(out) for ch in s[:1]
    )


def test_wall002_a_write_shows_on_the_next_refresh(app, engine) -> None:  # noqa: ANN001
    wall = signed_in(app, engine, "wall_t", "display")
    first = _number(_refresh(app, wall), "open")
    with engine.begin() as c:
        c.execute(
            text("INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
                 " grid_code, district_code, risk_level, status) SELECT 'hotline', 'WALL-1',"
                 " 'consumer', '测试', now(), ST_PointOnSurface(geom), code, district_code, 'low',"
                 " 'received' FROM grid ORDER BY code LIMIT 1")
        )  # fmt: skip
    try:
        second = _number(_refresh(app, wall), "open")
        assert int(second.replace(",", "")) == int(first.replace(",", "")) + 1
    finally:
        with engine.begin() as c:
            c.execute(text("DELETE FROM dispute WHERE source_ref = 'WALL-1'"))


def test_wall003_roles_without_the_wall_get_nothing(app, engine) -> None:  # noqa: ANN001
    for name, role in (("wall_gw", "grid_worker"), ("wall_dep", "department")):
        client = signed_in(app, engine, name, role)
        assert _refresh(app, client) == {}


def test_wall004_a_tour_visits_every_district_and_the_city() -> None:
    districts = ["150102", "150103", "150104"]
    shown = [rotation_area(districts, 60, t) for t in range(0, 240, 60)]
    assert shown == ["150102", "150103", "150104", None]
    assert rotation_area(districts, 0, 12345) is None


def test_wall005_top_grids_are_the_map_layers_riskiest(app_engine, engine) -> None:  # noqa: ANN001
    from datetime import datetime

    from app.context import scoped_transaction
    from domain.clock import LOCAL_TZ
    from domain.scope import Scope
    from geodata.read import risk, wall

    with engine.connect() as c:
        city = c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
        district = c.execute(
            text("SELECT district_code FROM grid GROUP BY 1 ORDER BY 1 LIMIT 1")
        ).scalar()
    now = datetime.now(LOCAL_TZ).replace(minute=0, second=0, microsecond=0)
    with scoped_transaction(app_engine, Scope(user="w", role="display", areas=(city,))) as conn:
        every = risk.grid_risk(conn, now)
        cache.clear()
        for prefix in ("", district):
            shown = wall.snapshot(conn, now, prefix or None)["top_grids"]
            expected = sorted(((c, g) for c, g in every.items() if c.startswith(prefix)),
                              key=lambda cg: (-cg[1]["score"], cg[0]))[:wall.TOP]  # fmt: skip
            assert [(g["code"], g["score"], g["class"]) for g in shown] == [
                (c, g["score"], g["class"]) for c, g in expected
            ], prefix
            assert len(shown) == wall.TOP and all(g["code"].startswith(prefix) for g in shown)


def _insert_case(engine, ref: str) -> None:  # noqa: ANN001
    with engine.begin() as c:
        c.execute(
            text("INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
                 " grid_code, district_code, risk_level, status) SELECT 'hotline', :ref,"
                 " 'consumer', '测试', now(), ST_PointOnSurface(geom), code, district_code,"
                 " 'low', 'received' FROM grid ORDER BY code LIMIT 1"),
            {"ref": ref},
        )  # fmt: skip


def _open(app, client) -> int:  # noqa: ANN001
    return int(_number(_refresh(app, client), "open").replace(",", ""))


def test_wall006_a_write_shows_within_the_settle_window(
    engine, demo_db, app_engine, monkeypatch
) -> None:  # noqa: ANN001
    """With display_settle_s, a refresh keeps the snapshot of the version in use until the window
    ends (no rebuild per write); after it, the refresh shows the previous snapshot at once while
    one background build makes the next, which the following refresh shows."""
    from app.pages.wall import callbacks

    now = [5000.0]
    monkeypatch.setattr(cache, "_clock", lambda: now[0])
    settled = create_app(Settings(display_settle_s=60), engine=app_engine)
    try:
        wall = signed_in(settled, engine, "wall_t", "display")
        first = _open(settled, wall)  # nothing before: built in the request
        built = cache.builds("wall")
        assert built >= 1
        _insert_case(engine, "WALL-2")
        now[0] += 59
        assert _open(settled, wall) == first and cache.builds("wall") == built  # held
        now[0] += 2
        assert _open(settled, wall) == first  # the previous snapshot, shown at once …
        callbacks.wait_for_builds()
        assert cache.builds("wall") == built + 1  # … while one build ran in the background
        assert _open(settled, wall) == first + 1 and cache.builds("wall") == built + 1
        # Much older than the window and the grace: the refresh builds it itself.
        _insert_case(engine, "WALL-3")
        now[0] += 61
        monkeypatch.setattr(callbacks, "_wall_clock", lambda: time.time() + 1000)
        assert _open(settled, wall) == first + 2 and cache.builds("wall") == built + 2
    finally:
        cache.configure(None, settle_s=0)
        cache.clear()
        with engine.begin() as c:
            c.execute(text("DELETE FROM dispute WHERE source_ref IN ('WALL-2', 'WALL-3')"))

"""The /demands page over HTTP: planted hotline demands in a district are found whole, their cases
listed, and one promoted to a coordinated action (a parent case linked "grouped" both ways, once);
a forged store naming another district's cases, or a planner, promotes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text

from app.main import create_app
from domain.clock import now
from domain.scope import Scope
from geodata.settings import Settings
from geodata.write import cases
from tests.integration.dash_calls import call, signed_in, strings
from tests.integration.made_cases import remove_cases, scoped
from tests.unit.test_demands import PLANTED

pytestmark = pytest.mark.db
REF = "DMD-"
OPEN = '{"index":["ALL"],"type":"demands-open"}.n_clicks'  # the pattern input, as Dash names it


def _cleanup(engine: Engine) -> None:
    remove_cases(engine, REF, "JZ-")


@pytest.fixture(scope="module")
def planted(engine, app_engine, demo_db) -> Iterator[dict]:  # noqa: ANN001
    """The planted titles as hotline cases of the last 30 days in one district's grids."""
    _cleanup(engine)
    with engine.connect() as c:
        district = c.execute(
            text("SELECT district_code FROM grid GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar()
        points = c.execute(
            text("SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid"
                 " WHERE district_code = :d ORDER BY code LIMIT 6"), {"d": district},
        ).all()  # fmt: skip
        foreign = list(c.execute(text("SELECT id FROM dispute WHERE district_code <> :d"
                                      " ORDER BY id LIMIT 5"), {"d": district}).scalars())  # fmt: skip
    scope = Scope(user="api:hotline", role="intake", areas=(district[:4] + "00",))
    groups: dict[str, set[int]] = {}
    moment = now()
    with scoped(app_engine, scope) as conn:
        for name, titles in PLANTED.items():
            groups[name] = set()
            for i, title in enumerate(titles):
                lon, lat = points[i % len(points)]
                out, _ = cases.register(conn, scope.actor(), {
                    "source": "hotline", "source_ref": f"{REF}{name}-{i}", "type_code": "property",
                    "title": title, "description": "来电人反映：" + title,
                    "reported_at": moment - timedelta(days=2 + 4 * i)}, lon=lon, lat=lat)  # fmt: skip
                groups[name].add(out.case_id)
    yield {"district": district, "groups": groups, "foreign": foreign}
    _cleanup(engine)


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    return create_app(Settings(), engine=app_engine)


def _find(app, client, area: str) -> dict:  # noqa: ANN001
    return call(app, client, "demands-list.children",
                {"demands-area.value": area, "demands-period.value": 90})  # fmt: skip


def _promote(app, client, store: list, k: int) -> str:  # noqa: ANN001
    out = call(app, client, "demands-message.children",
               {"demands-promote.n_clicks": {k: 1}, "demands-store.data": store},
               changed=[f'{{"index":{k},"type":"demands-promote"}}.n_clicks'])  # fmt: skip
    return " ".join(strings(out))


def test_dmd001_planted_demands_are_found_and_promoted_once(app, engine, planted) -> None:  # noqa: ANN001
    desk = signed_in(app, engine, "dmd_desk", "district", area_code=planted["district"])
    out = _find(app, desk, planted["district"])
    store = out["demands-store.data"]
    found = [set(item["ids"]) for item in store]
    for name, ids in planted["groups"].items():
        assert any(ids <= group for group in found), name
    k = next(i for i, group in enumerate(found) if planted["groups"]["roof"] <= group)
    assert "漏水" in "".join(store[k]["terms"])
    said = _promote(app, desk, store, k)
    assert "已建立协同处置案件" in said, said
    with engine.connect() as c:
        parent = c.execute(
            text("SELECT id, status, source FROM dispute WHERE source_ref LIKE 'JZ-%'")
        ).all()
        assert len(parent) == 1 and tuple(parent[0][1:]) == ("received", "other")
        links = c.execute(
            text("SELECT count(*) FILTER (WHERE dispute_id = :p), count(*) FILTER (WHERE other_id = :p)"
                 " FROM dispute_link WHERE kind = 'grouped'"), {"p": parent[0][0]},
        ).one()  # fmt: skip
    assert tuple(links) == (len(store[k]["ids"]), len(store[k]["ids"]))
    assert "已转为协同处置" in _promote(app, desk, store, k)
    with engine.connect() as c:
        assert (
            c.execute(text("SELECT count(*) FROM dispute WHERE source_ref LIKE 'JZ-%'")).scalar()
            == 1
        )


def test_dmd002_the_cases_of_a_demand_are_listed_and_mapped(app, engine, planted) -> None:  # noqa: ANN001
    desk = signed_in(app, engine, "dmd_desk", "district", area_code=planted["district"])
    store = [{"terms": ["停水"], "ids": sorted(planted["groups"]["water"]), "recent": 0,
              "earlier": 0, "type": "property"}]  # fmt: skip
    out = call(app, desk, "demands-detail.children",
               {"demands-open.n_clicks": {0: 1}, "demands-store.data": store},
               changed=['{"index":0,"type":"demands-open"}.n_clicks'], trigger=OPEN)  # fmt: skip
    assert len(out["demands-points.data"]["features"]) == len(planted["groups"]["water"])
    assert sum("停水" in s for s in strings(out["demands-detail.children"])) == len(
        planted["groups"]["water"]
    )


def test_dmd003_forged_foreign_ids_and_a_planner_promote_nothing(app, engine, planted) -> None:  # noqa: ANN001
    desk = signed_in(app, engine, "dmd_desk", "district", area_code=planted["district"])
    forged = [
        {"terms": ["伪造"], "ids": planted["foreign"], "recent": 0, "earlier": 0, "type": "x"}
    ]
    assert "不足两件" in _promote(app, desk, forged, 0)
    out = call(app, desk, "demands-detail.children",
               {"demands-open.n_clicks": {0: 1}, "demands-store.data": forged},
               changed=['{"index":0,"type":"demands-open"}.n_clicks'], trigger=OPEN)  # fmt: skip
    assert out["demands-points.data"]["features"] == []
    planner = signed_in(app, engine, "dmd_planner", "analyst", area_code=planted["district"])
    mine = [{"terms": ["漏水"], "ids": sorted(planted["groups"]["fire"]), "recent": 0,
             "earlier": 0, "type": "x"}]  # fmt: skip
    assert "无权" in _promote(app, planner, mine, 0)
    # A foreign area is not offered: nothing is clustered there.
    other = next(iter(planted["foreign"]))
    with engine.connect() as c:
        area = c.execute(
            text("SELECT district_code FROM dispute WHERE id = :i"), {"i": other}
        ).scalar()
    assert _find(app, desk, area)["demands-store.data"] == []
    with engine.connect() as c:
        grouped = c.execute(text("SELECT count(*) FROM dispute_link WHERE kind = 'grouped'"
                                 " AND (other_id = ANY(:f) OR dispute_id = ANY(:f))"),
                            {"f": planted["foreign"]}).scalar()  # fmt: skip
        fire = c.execute(text("SELECT count(*) FROM dispute_link WHERE kind = 'grouped'"
                              " AND other_id = ANY(:f)"), {"f": sorted(planted["groups"]["fire"])}).scalar()  # fmt: skip
    assert grouped == 0 and fire == 0

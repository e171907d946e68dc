"""The /whistles page over HTTP: a township raises, the named department answers, the township
rates, the district assesses — and forged calls by other roles or for foreign whistles change
nothing (checked with plain SQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.main import create_app
from geodata.settings import Settings
from tests.integration.dash_calls import SAME_ORIGIN, call, signed_in

pytestmark = pytest.mark.db


_APP: list = []


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    made = create_app(Settings(), engine=app_engine)
    _APP[:] = [made]
    return made


@pytest.fixture(scope="module")
def place(engine, demo_db):  # noqa: ANN001, ANN201
    with engine.connect() as c:
        community, township = c.execute(
            text("SELECT code, parent_code FROM admin_area WHERE level = 'community'"
                 " ORDER BY code DESC LIMIT 1")
        ).one()  # fmt: skip
    yield {"community": community, "township": township}
    with engine.begin() as c:
        c.execute(text("DELETE FROM whistle WHERE raised_by LIKE 'whp\\_%'"))


def _act_key(app) -> tuple[str, list]:  # noqa: ANN001
    """The answer/rate callback's key and outputs (its outputs carry allow_duplicate hashes)."""
    app.server.test_client().get("/healthz")
    for key, spec in app.callback_map.items():
        if any("whistle-act" in i["id"] for i in spec["inputs"]):
            outs = [
                {"id": o.component_id, "property": o.component_property} for o in spec["output"]
            ]
            return key, outs
    raise AssertionError("no whistle action callback")


def _act(client, wid: int, action: str, value, app=None):  # noqa: ANN001, ANN202
    key, outs = _act_key(app or _APP[0])
    body = {
        "output": key,
        "outputs": outs,
        "inputs": [[{"id": {"action": action, "index": wid, "type": "whistle-act"},
                     "property": "n_clicks", "value": 1}]],
        "state": [[{"id": {"index": wid, "type": "whistle-input"}, "property": "value",
                    "value": value}]],
        "changedPropIds": [f'{{"action":"{action}","index":{wid},"type":"whistle-act"}}.n_clicks'],
    }  # fmt: skip
    return client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN), key


def _row(engine, wid: int) -> tuple:  # noqa: ANN001
    with engine.connect() as c:
        return tuple(c.execute(text("SELECT status, response, evaluation FROM whistle WHERE id = :i"),
                               {"i": wid}).one())  # fmt: skip


def test_whp001_the_loop_through_the_page(app, engine, place) -> None:  # noqa: ANN001
    town = signed_in(app, engine, "whp_town", "township", area_code=place["township"],
                     department_code=None)  # fmt: skip
    options = call(app, town, "whistle-item.options", {"whistle-class.value": "W22"})
    assert len(options["whistle-item.options"]) == 28 - 1  # W22 is one of the 27-item classes
    out = call(app, town, "whistle-message.children",
               {"whistle-raise.n_clicks": 1, "whistle-community.value": place["community"],
                "whistle-item.value": "W22-03", "whistle-text.value": "物业撤场三个月无人管"},
               trigger="whistle-raise.n_clicks")  # fmt: skip
    with engine.connect() as c:
        wid, dept = c.execute(
            text("SELECT id, responding_department FROM whistle WHERE raised_by = 'whp_town'")
        ).one()
    assert str(wid) in out["whistle-message.children"] and dept == "housing"
    # Another department cannot answer it; the named one can.
    health = signed_in(app, engine, "whp_health", "department", area_code=None,
                       department_code="health")  # fmt: skip
    resp, _ = _act(health, wid, "respond", "不是我们的")
    assert resp.status_code < 500 and _row(engine, wid) == ("raised", None, None)
    housing = signed_in(app, engine, "whp_housing", "department", area_code=None,
                        department_code="housing")  # fmt: skip
    resp, _ = _act(housing, wid, "respond", "已约谈街道和业委会，下周进驻临时物业")
    assert resp.status_code == 200 and _row(engine, wid)[0] == "responded"
    # The department cannot rate its own answer; the township does.
    resp, _ = _act(housing, wid, "evaluate", 5)
    assert _row(engine, wid)[0] == "responded"
    resp, _ = _act(town, wid, "evaluate", 4)
    assert _row(engine, wid) == ("evaluated", "已约谈街道和业委会，下周进驻临时物业", 4)


def test_whp002_forged_and_garbage_calls_change_nothing(app, engine, place) -> None:  # noqa: ANN001
    analyst = signed_in(app, engine, "whp_an", "analyst")
    out = call(app, analyst, "whistle-message.children",
               {"whistle-raise.n_clicks": 1, "whistle-community.value": place["community"],
                "whistle-item.value": "W01-01", "whistle-text.value": "x"},
               trigger="whistle-raise.n_clicks")  # fmt: skip
    assert out["whistle-message.children"]
    with engine.connect() as c:
        assert (
            c.execute(text("SELECT count(*) FROM whistle WHERE raised_by = 'whp_an'")).scalar() == 0
        )
    town = signed_in(app, engine, "whp_town", "township", area_code=place["township"],
                     department_code=None)  # fmt: skip
    for bad in ("1501", None, "x" * 20, 5):
        call(app, town, "whistle-message.children",
             {"whistle-raise.n_clicks": 1, "whistle-community.value": bad,
              "whistle-item.value": "W01-01"}, trigger="whistle-raise.n_clicks")  # fmt: skip
    resp, _ = _act(town, 10**9, "respond", "x")
    assert resp.status_code < 500

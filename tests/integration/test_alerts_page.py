"""The /alerts page over HTTP: the desk acknowledges, assigns and dismisses its own district's
alerts; another district's alert, the planner and the wall change nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from app.main import create_app
from geodata.settings import Settings
from tests.integration.dash_calls import SAME_ORIGIN, signed_in, strings

pytestmark = pytest.mark.db
OPENED = date(1999, 2, 2)


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    return create_app(Settings(), engine=app_engine)


@pytest.fixture(scope="module")
def alerts(engine, demo_db):  # noqa: ANN001, ANN201
    with engine.begin() as c:
        areas = c.execute(
            text("SELECT DISTINCT ON (left(code, 6)) code FROM admin_area WHERE level = 'community'"
                 " ORDER BY left(code, 6), code LIMIT 2")
        ).scalars().all()  # fmt: skip
        made = [
            c.execute(
                text("INSERT INTO alert_episode (area_code, area_level, district_code, type_code,"
                     " opened_on, last_alarm_on, observed, expected, statistic, method) VALUES"
                     " (:a, 'community', :d, 'consumer', :o, :o, 9, 1, 6, 'ears_c2') RETURNING id"),
                {"a": a, "d": a[:6], "o": OPENED},
            ).scalar()
            for a in areas
        ]  # fmt: skip
    yield {"own": made[0], "far": made[1], "district": areas[0][:6]}
    with engine.begin() as c:
        c.execute(text("DELETE FROM alert_episode WHERE opened_on = :o"), {"o": OPENED})


def _act(app, client, alert_id: int, action: str, typed: str | None = None):  # noqa: ANN001, ANN202
    key, spec = next((k, s) for k, s in app.callback_map.items()
                     if any("alert-act" in i["id"] for i in s["inputs"]))  # fmt: skip
    body = {
        "output": key,
        "outputs": [{"id": o.component_id, "property": o.component_property} for o in spec["output"]],
        "inputs": [[{"id": {"action": action, "index": alert_id, "type": "alert-act"},
                     "property": "n_clicks", "value": 1}]],
        "state": [[{"id": {"index": alert_id, "type": "alert-input"}, "property": "value",
                    "value": typed}]],
        "changedPropIds": [f'{{"action":"{action}","index":{alert_id},"type":"alert-act"}}.n_clicks'],
    }  # fmt: skip
    return client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)


def _state(engine, alert_id: int) -> tuple:  # noqa: ANN001
    with engine.connect() as c:
        return tuple(c.execute(text("SELECT state, assignee, reason FROM alert_episode WHERE id = :i"),
                               {"i": alert_id}).one())  # fmt: skip


def test_al001_the_desk_works_its_own_alerts(app, engine, alerts) -> None:  # noqa: ANN001
    app.server.test_client().get("/healthz")
    desk = signed_in(app, engine, "al_desk", "district", area_code=alerts["district"],
                     department_code=None)  # fmt: skip
    assert _act(app, desk, alerts["own"], "acknowledge").status_code == 200
    assert _state(engine, alerts["own"])[0] == "acknowledged"
    resp = _act(app, desk, alerts["own"], "dismiss")  # no reason
    assert resp.status_code == 200 and _state(engine, alerts["own"])[0] == "acknowledged"
    assert "reason" in " ".join(strings(resp.get_json()))
    _act(app, desk, alerts["own"], "assign", "市场监督管理局王科长")
    assert _state(engine, alerts["own"]) == ("assigned", "市场监督管理局王科长", None)
    # Another district's alert is out of reach.
    resp = _act(app, desk, alerts["far"], "acknowledge")
    assert resp.status_code == 200 and _state(engine, alerts["far"])[0] == "open"


def test_al002_readers_act_on_nothing(app, engine, alerts) -> None:  # noqa: ANN001
    app.server.test_client().get("/healthz")
    for name, role in (("al_an", "analyst"), ("al_wall", "display"), ("al_gw", "grid_worker")):
        client = signed_in(app, engine, name, role)
        resp = _act(app, client, alerts["far"], "dismiss", "无所谓")
        assert resp.status_code < 500 and _state(engine, alerts["far"])[0] == "open"

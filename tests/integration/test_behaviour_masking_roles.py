"""Signed-in leader and analyst never see raw ID numbers or phones; admin does.

A key person (ID number ending in X), a grid worker and a case quoting both numbers are inserted
(committed, so the app's own connections see them) and removed afterwards. Users sign in through
``/auth/login``; the page's callbacks are called over HTTP as the browser calls them. The masked
forms are written out by hand: ID first 6 + last 4, phone first 3 + last 4, name surname + ``*``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from app.cli import main as cli
from app.main import create_app
from geodata.settings import Settings
from tests.integration.dash_calls import (
    SAME_ORIGIN,
    call,
    components,
    pattern_id,
    signed_in,
    strings,
)

pytestmark = pytest.mark.db

PASSWORD = "bt-password-123"
USERS = {"bt_leader": "city", "bt_analyst": "analyst", "bt_admin": "admin"}

ID_X = "15010219850612018X"  # valid GB 11643 number whose check character is X
ID_X_MASKED = "150102********018X"
ID_2 = "15012319770101008X"  # a second one, quoted in the case text
ID_2_MASKED = "150123********008X"
KP_PHONE, KP_PHONE_MASKED = "13612345678", "136****5678"
KP_NAME, KP_NAME_MASKED = "欧阳测试", "欧阳*"
WORKER_PHONE, WORKER_PHONE_MASKED = "13987654321", "139****4321"
CASE_PHONE, CASE_PHONE_MASKED = "15855512345", "158****2345"
TITLE_PHONE, TITLE_PHONE_MASKED = "13700001111", "137****1111"
FINDING_ID, FINDING_ID_MASKED = "150105196002024015", "150105********4015"
RAW = (ID_X, ID_2, KP_PHONE, WORKER_PHONE, CASE_PHONE, TITLE_PHONE, FINDING_ID)


@pytest.fixture(scope="module")
def planted(engine, db_url, demo_db):  # noqa: ANN001, ANN201
    """Users, one key person, one grid worker and one case in a demo grid; removed afterwards."""
    with engine.begin() as c:
        c.execute(text("DELETE FROM app_user WHERE username LIKE 'bt\\_%'"))
    runner = CliRunner()
    for name, role in USERS.items():
        added = runner.invoke(
            cli,
            ["user", "add", name, "--role", role, "--password-stdin"],
            input=PASSWORD + "\n",
            env={"ZONGZHI_DATABASE_URL": db_url},
        )
        assert added.exit_code == 0, added.output
    with engine.begin() as c:
        grid, district, lon, lat = c.execute(
            text(
                "SELECT code, district_code, ST_X(ST_PointOnSurface(geom)),"
                " ST_Y(ST_PointOnSurface(geom)) FROM grid ORDER BY code LIMIT 1 OFFSET 7"
            )
        ).one()
        c.execute(
            text(
                "INSERT INTO key_person (name, id_number, phone, category, grid_code,"
                " district_code, risk_level, geom) VALUES (:n, :i, :p, 'BT测试类别', :g, :d,"
                " 'high', ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            ),
            {"n": KP_NAME, "i": ID_X, "p": KP_PHONE, "g": grid, "d": district, "x": lon, "y": lat},
        )
        c.execute(
            text(
                "INSERT INTO grid_worker (code, name, grid_code, district_code, phone)"
                " VALUES ('BT-MASK-W1', '测试网格员', :g, :d, :p)"
            ),
            {"g": grid, "d": district, "p": WORKER_PHONE},
        )
        dispute_id = c.execute(
            text(
                "INSERT INTO dispute (source, source_ref, type_code, title, description,"
                " reported_at, geom, grid_code, district_code, risk_level, status, outcome)"
                " SELECT 'hotline', 'BT-MASK-1', code, :title, :desc, :at,"
                " ST_SetSRID(ST_MakePoint(:x, :y), 4326), :g, :d, 'high', 'received', :out"
                " FROM dispute_type ORDER BY code LIMIT 1 RETURNING id"
            ),
            {
                "title": f"测试纠纷：来电人{TITLE_PHONE}反映楼道堆物",
                "desc": f"当事人身份证号{ID_X}，联系电话{KP_PHONE}；对方{ID_2}",
                "out": f"回访电话{CASE_PHONE}",
                # Newest case in the grid under the default period, whenever the test runs.
                "at": datetime.now(UTC) - timedelta(minutes=5),
                "x": lon,
                "y": lat,
                "g": grid,
                "d": district,
            },
        ).scalar()
        # A patrol finding that quotes an ID number, as grid workers do.
        c.execute(
            text(
                "INSERT INTO patrol_visit (visited_at, worker_id, grid_code, district_code, geom,"
                " finding, anomaly_type) SELECT :at, w.id, :g, :d,"
                " ST_SetSRID(ST_MakePoint(:x, :y), 4326), :f, '安全隐患'"
                " FROM grid_worker w WHERE w.code = 'BT-MASK-W1'"
            ),
            {
                "at": datetime.now(UTC) - timedelta(hours=2),
                "g": grid,
                "d": district,
                "x": lon,
                "y": lat,
                "f": f"发现群租，租户身份证{FINDING_ID}",
            },
        )
    yield {"grid": grid, "lon": lon, "lat": lat, "dispute_id": int(dispute_id)}
    with engine.begin() as c:
        c.execute(text("DELETE FROM patrol_visit WHERE finding LIKE '发现群租，租户身份证%'"))
        c.execute(text("DELETE FROM dispute WHERE source_ref = 'BT-MASK-1'"))
        c.execute(text("DELETE FROM key_person WHERE id_number = :i"), {"i": ID_X})
        c.execute(text("DELETE FROM grid_worker WHERE code = 'BT-MASK-W1'"))
        c.execute(text("DELETE FROM app_user WHERE username LIKE 'bt\\_%'"))


@pytest.fixture(scope="module")
def app(engine, planted, app_engine):  # noqa: ANN001, ANN201
    # Many sign-ins from one test address: the per-address limit has its own test.
    return create_app(Settings(login_rate_limit="1000 per minute"), engine=app_engine)


def _signed_in(app, username: str):  # noqa: ANN001, ANN202
    client = app.server.test_client()
    resp = client.post(
        "/auth/login", data={"username": username, "password": PASSWORD}, headers=SAME_ORIGIN
    )
    assert resp.status_code == 303 and resp.headers["Location"] == "/", resp.headers
    with client.session_transaction() as session:
        assert session.get("user") == username
    return client


def _flat(out: dict) -> str:
    return json.dumps(out, ensure_ascii=False)


def _no_raw_numbers(out: dict) -> None:
    flat = _flat(out)
    for raw in RAW:
        assert raw not in flat, raw


ROLES = [("bt_leader", True), ("bt_analyst", True), ("bt_admin", False)]


@pytest.mark.parametrize("username, masked", [ROLES[0], ROLES[2]], ids=["city", "admin"])
def test_beh_mask_key_persons_layer(app, planted, username: str, masked: bool) -> None:  # noqa: ANN001
    client = _signed_in(app, username)
    lon, lat = planted["lon"], planted["lat"]
    out = call(
        app,
        client,
        "key_persons-layer.data",
        {
            "url.search": "?layers=key_persons",
            "map.bounds": [[lat - 0.002, lon - 0.002], [lat + 0.002, lon + 0.002]],
        },
    )
    mine = [
        f["properties"]
        for f in out["key_persons-layer.data"]["features"]
        if f["properties"]["category"] == "BT测试类别"
    ]
    assert len(mine) == 1
    person = mine[0]
    if masked:
        assert (person["name"], person["id_number"], person["phone"]) == (
            KP_NAME_MASKED,
            ID_X_MASKED,
            KP_PHONE_MASKED,
        )
        assert ID_X_MASKED in person["popup"] and KP_PHONE_MASKED in person["popup"]
        _no_raw_numbers(out)
        assert KP_NAME not in _flat(out)
    else:
        assert (person["name"], person["id_number"], person["phone"]) == (KP_NAME, ID_X, KP_PHONE)
        assert ID_X in person["popup"] and KP_PHONE in person["popup"]


@pytest.mark.parametrize("role", ["display", "analyst"])
def test_beh_mask_display_and_planners_get_no_key_persons(app, engine, planted, role) -> None:  # noqa: ANN001
    lon, lat = planted["lon"], planted["lat"]
    out = call(
        app,
        signed_in(app, engine, f"m_{role}", role),
        "key_persons-layer.data",
        {
            "url.search": "?layers=key_persons",
            "map.bounds": [[lat - 0.002, lon - 0.002], [lat + 0.002, lon + 0.002]],
        },
    )
    assert out["key_persons-layer.data"] is None
    _no_raw_numbers(out)


def _panel(app, client, grid: str) -> dict:  # noqa: ANN001
    out = call(app, client, "grid-detail.children", {"url.search": f"?area={grid}"})
    assert out["grid-detail.hidden"] is False
    return out


@pytest.mark.parametrize("username, masked", ROLES, ids=["leader", "analyst", "admin"])
def test_beh_mask_grid_panel_worker_phone(app, planted, username: str, masked: bool) -> None:  # noqa: ANN001
    client = _signed_in(app, username)
    out = _panel(app, client, planted["grid"])
    shown = set(strings(out))
    flat = " ".join(shown)
    if masked:
        assert WORKER_PHONE_MASKED in shown
        # Free text in the panel too: the case title and the patrol finding.
        assert TITLE_PHONE_MASKED in flat and FINDING_ID_MASKED in flat
        _no_raw_numbers(out)
    else:
        assert WORKER_PHONE in shown and WORKER_PHONE_MASKED not in shown
        assert TITLE_PHONE in flat and FINDING_ID in flat


@pytest.mark.parametrize("username, masked", ROLES, ids=["leader", "analyst", "admin"])
def test_beh_mask_case_detail(app, planted, username: str, masked: bool) -> None:  # noqa: ANN001
    client = _signed_in(app, username)
    dispute_id = planted["dispute_id"]
    # Click the case the grid panel lists, as a user would.
    panel = _panel(app, client, planted["grid"])
    link = [
        c["props"]["id"]
        for c in components(panel["grid-detail.children"])
        if isinstance(c["props"].get("id"), dict) and c["props"]["id"].get("index") == dispute_id
    ]
    assert len(link) == 1
    kind = link[0]["type"]
    out = call(
        app,
        client,
        "case-body.children",
        {
            f"{kind}.n_clicks": {dispute_id: 1},
            "case-close.n_clicks": 0,
            "url.search": f"?area={planted['grid']}",
        },
        changed=[pattern_id(kind, dispute_id) + ".n_clicks"],
    )
    assert out["case-modal.hidden"] is False
    flat = " ".join(strings(out))
    assert "BT-MASK-1" in flat  # it is this case
    if masked:
        for shown in (ID_X_MASKED, ID_2_MASKED, KP_PHONE_MASKED, CASE_PHONE_MASKED):
            assert shown in flat, shown
        _no_raw_numbers(out)
    else:
        for raw in (ID_X, ID_2, KP_PHONE, CASE_PHONE):
            assert raw in flat, raw


@pytest.mark.parametrize("username, masked", ROLES, ids=["leader", "analyst", "admin"])
def test_beh_mask_dispute_point_titles(app, planted, username: str, masked: bool) -> None:  # noqa: ANN001
    lon, lat = planted["lon"], planted["lat"]
    out = call(
        app,
        _signed_in(app, username),
        "dispute_points-layer.data",
        {
            "url.search": "?layers=dispute_points&period=all",
            "map.bounds": [[lat - 0.002, lon - 0.002], [lat + 0.002, lon + 0.002]],
        },
    )
    titles = [
        f["properties"]["title"]
        for f in out["dispute_points-layer.data"]["features"]
        if f["properties"].get("source_ref") == "BT-MASK-1"
    ]
    assert len(titles) == 1
    if masked:
        assert TITLE_PHONE_MASKED in titles[0]
        _no_raw_numbers(out)
    else:
        assert TITLE_PHONE in titles[0]

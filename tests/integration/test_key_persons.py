"""Key persons and their cases: bindings by phone and by place (30 m) against plain SQL, the
dynamic assessment stored as the rules say, and the page's case list under row-level security."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from app.main import create_app
from domain import keypersons as rules
from domain.clock import LOCAL_TZ
from geodata.settings import Settings
from geodata.write import keypersons
from tests.integration.dash_calls import SAME_ORIGIN, signed_in, strings

pytestmark = pytest.mark.db
TODAY = date(2026, 11, 28)
PHONE = "13911112222"


def _plant(c, tag: str) -> dict:  # noqa: ANN001
    grid, lon, lat = c.execute(
        text("SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid"
             " ORDER BY code LIMIT 1")
    ).one()  # fmt: skip
    person = c.execute(
        text("INSERT INTO key_person (name, phone, category, grid_code, district_code, risk_level,"
             " geom) VALUES ('欧阳测试', :p, '测试', :g, :d, 'low', ST_SetSRID(ST_MakePoint(:x, :y),"
             " 4326)) RETURNING id"),
        {"p": PHONE, "g": grid, "d": grid[:6], "x": lon, "y": lat},
    ).scalar()  # fmt: skip
    made = {}
    for name, dx, phone, days in (("party", 0.01, PHONE, 5), ("near", 0.0002, None, 10),
                                  ("far", 0.0012, None, 10)):  # fmt: skip
        made[name] = c.execute(
            text("INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
                 " grid_code, district_code, risk_level, status, reporter_phone) VALUES ('hotline',"
                 " :ref, 'neighbour', '测试案件', :at, ST_SetSRID(ST_MakePoint(:x, :y), 4326), :g,"
                 " :d, 'low', 'received', :ph) RETURNING id"),
            {"ref": f"{tag}-{name}", "at": datetime(2026, 11, 28, 9, tzinfo=LOCAL_TZ) - timedelta(days=days),
             "x": lon + dx, "y": lat, "g": grid, "d": grid[:6], "ph": phone},
        ).scalar()  # fmt: skip
    return {"person": person, "grid": grid, **made}


def test_kpc001_bindings_and_the_dynamic_level(conn, demo_db) -> None:  # noqa: ANN001
    p = _plant(conn, "KPC")
    out = keypersons.refresh(conn, TODAY)
    bound = set(conn.execute(
        text("SELECT dispute_id, reason FROM key_person_case WHERE key_person_id = :k"),
        {"k": p["person"]},
    ).all())  # fmt: skip
    assert bound == {(p["party"], "party"), (p["near"], "nearby")}
    # Independent: every binding is within 30 m or by phone.
    wrong = conn.execute(
        text("SELECT count(*) FROM key_person_case kc JOIN key_person k ON k.id = kc.key_person_id"
             " JOIN dispute d ON d.id = kc.dispute_id WHERE NOT ((kc.reason = 'party'"
             " AND d.reporter_phone = k.phone) OR (kc.reason = 'nearby'"
             " AND ST_DWithin(d.geom::geography, k.geom::geography, 30.0001)))")
    ).scalar()  # fmt: skip
    assert wrong == 0 and out["bindings"] >= 2
    level, reasons, advice = conn.execute(
        text("SELECT dynamic_risk, dynamic_reasons, advice FROM key_person WHERE id = :k"),
        {"k": p["person"]},
    ).one()
    expected = rules.assess("low", [
        rules.BoundCase("party", TODAY - timedelta(days=5), True, None, "hotline", "KPC-party"),
        rules.BoundCase("nearby", TODAY - timedelta(days=10), True, None, "hotline", "KPC-near"),
    ], TODAY)  # fmt: skip
    assert (
        (level, tuple(reasons))
        == (expected.level, expected.reasons)
        == ("medium", expected.reasons)
    )
    assert "跟进案件KPC-party办理，参与化解" in advice


def test_kpc002_the_page_lists_bound_cases_within_reach(app_engine, engine, demo_db) -> None:  # noqa: ANN001
    with engine.begin() as c:
        p = _plant(c, "KPP")
        keypersons.refresh(c, TODAY)
    try:
        app = create_app(Settings(), engine=app_engine)
        app.server.test_client().get("/healthz")
        key, spec = next((k, s) for k, s in app.callback_map.items()
                         if any("kp-open" in i["id"] for i in s["inputs"]))  # fmt: skip
        body = {
            "output": key, "outputs": {"id": "kp-cases", "property": "children"},
            "inputs": [[{"id": {"index": p["person"], "type": "kp-open"}, "property": "n_clicks",
                         "value": 1}]],
            "changedPropIds": [f'{{"index":{p["person"]},"type":"kp-open"}}.n_clicks'],
        }  # fmt: skip
        own = signed_in(
            app, engine, "kpc_d", "district", area_code=p["grid"][:6], department_code=None
        )
        text_own = " ".join(strings(own.post("/_dash-update-component", json=body,
                                             headers=SAME_ORIGIN).get_json()))  # fmt: skip
        assert "KPP-party" in text_own and "KPP-near" in text_own and "KPP-far" not in text_own
        with engine.connect() as c:
            other = c.execute(text("SELECT code FROM admin_area WHERE level = 'district' AND code <> :d"
                                   " ORDER BY code LIMIT 1"), {"d": p["grid"][:6]}).scalar()  # fmt: skip
        far = signed_in(app, engine, "kpc_far", "district", area_code=other, department_code=None)
        resp = far.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)
        assert "KPP-" not in " ".join(strings(resp.get_json()))
        for name, role in (("kpc_wall", "display"), ("kpc_an", "analyst")):
            client = signed_in(app, engine, name, role)
            resp = client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)
            assert resp.status_code in (200, 204) and b"KPP-" not in resp.data
    finally:
        with engine.begin() as c:
            c.execute(
                text("DELETE FROM key_person_case WHERE key_person_id = :k"), {"k": p["person"]}
            )
            c.execute(text("DELETE FROM dispute WHERE source_ref LIKE 'KPP-%'"))
            c.execute(text("DELETE FROM key_person WHERE id = :k"), {"k": p["person"]})

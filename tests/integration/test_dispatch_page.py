"""The /dispatch desk over HTTP, as the browser calls it: the queue agrees with the event-driven
rows in SQL (count, order, urgency bands), the drawer shows every clock and the nearest workers,
actions go through the workflow with the version the drawer showed (a stale one is a conflict
naming who won), locks block the parent, bulk assignment, the audited phone, a department's own
queue, and forged case ids that change nothing. Cases made here are removed afterwards."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, text

from app.main import create_app
from domain.clock import LOCAL_TZ
from domain.scope import Scope
from domain.vocab import OPEN_STATUSES
from geodata.settings import Settings
from tests.integration.dash_calls import SAME_ORIGIN, call, components, signed_in, strings
from tests.integration.made_cases import remove_cases, scoped

pytestmark = pytest.mark.db

REF = "DSP-"
RISK_RANK = {"red": 4, "orange": 3, "yellow": 2, "blue": 1, None: 0}
LEVEL_RANK = {"high": 3, "medium": 2, "low": 1}


def _cleanup(engine: Engine) -> None:
    remove_cases(engine, REF)


@pytest.fixture(scope="module")
def place(engine, demo_db) -> Iterator[dict]:  # noqa: ANN001
    """The busiest district, one of its grids (a point inside it) and another district."""
    _cleanup(engine)
    with engine.connect() as c:
        district = c.execute(
            text("SELECT district_code FROM dispute GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar()
        grid = c.execute(
            text(
                "SELECT g.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))"
                " FROM grid g JOIN grid_worker w ON w.grid_code = g.code"
                " WHERE g.district_code = :d ORDER BY g.code LIMIT 1"
            ),
            {"d": district},
        ).one()
        foreign = c.execute(
            text(
                "SELECT id FROM dispute WHERE district_code <> :d AND status = 'in_progress'"
                " ORDER BY id LIMIT 1"
            ),
            {"d": district},
        ).scalar()
        department = c.execute(
            text(
                "SELECT lead_department FROM dispute WHERE status = 'in_progress'"
                " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar()
    yield {"district": district, "grid": grid[0], "lon": grid[1], "lat": grid[2],
           "foreign": foreign, "department": department}  # fmt: skip
    _cleanup(engine)


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    return create_app(Settings(), engine=app_engine)


@pytest.fixture(scope="module")
def desk(app, engine, place):  # noqa: ANN001, ANN201
    return signed_in(app, engine, "dsp_desk", "district", area_code=place["district"])


def _new_case(app_engine: Engine, place: dict, ref: str) -> int:
    from domain.scope import Scope
    from geodata.write import cases

    scope = Scope(user="dsp_desk", role="district", areas=(place["district"],))
    fields = {"source": "hotline", "source_ref": REF + ref, "type_code": "property",
              "title": "楼上漏水物业不管", "description": "来电人称楼上卫生间漏水，电话13912345678",
              "reporter_name": "王建国", "reporter_phone": "13912345678"}  # fmt: skip
    with scoped(app_engine, scope) as conn:
        out, created = cases.register(conn, scope.actor(), fields, lon=place["lon"],
                                      lat=place["lat"])  # fmt: skip
    assert created
    return out.case_id


def _queue(app, client, **values) -> dict:  # noqa: ANN001, ANN003
    base = {
        "dispatch-filter-status.value": list(OPEN_STATUSES),
        "dispatch-filter-types.value": None,
        "dispatch-filter-risk.value": None,
        "dispatch-filter-urgency.value": "",
        "dispatch-filter-mine.value": [],
        "dispatch-search.value": None,
        "dispatch-refresh.data": 0,
    }
    return call(app, client, "dispatch-queue.data", {**base, **values})


def _drawer(app, client, case_id) -> dict:  # noqa: ANN001
    return call(app, client, "dispatch-drawer.children",
                {"dispatch-case.data": case_id, "dispatch-refresh.data": 0})  # fmt: skip


def _act(app, client, case_id, version, action: str, **fields) -> str:  # noqa: ANN001, ANN003
    values = {
        "dispatch-submit.n_clicks": 1,
        "dispatch-action.value": action,
        "dispatch-field.value": fields,
        "dispatch-case.data": case_id,
        "dispatch-version.data": version,
        "dispatch-refresh.data": 0,
    }
    out = call(app, client, "dispatch-message.children", values, trigger="dispatch-submit.n_clicks")
    return " ".join(strings(out))


def _status(engine: Engine, case_id: int) -> tuple[str, int]:
    with engine.connect() as c:
        return tuple(c.execute(text("SELECT status, version FROM dispute WHERE id = :i"),
                               {"i": case_id}).one())  # fmt: skip


def _events(engine: Engine, case_id: int) -> list[str]:
    with engine.connect() as c:
        return list(c.execute(text("SELECT action FROM dispute_event WHERE dispute_id = :i"
                                   " ORDER BY id"), {"i": case_id}).scalars())  # fmt: skip


def test_dsp001_the_queue_is_the_districts_open_cases_by_risk_then_due(
    app, desk, engine, place
) -> None:  # noqa: ANN001, E501
    out = _queue(app, desk)
    rows = out["dispatch-queue.data"]
    with engine.connect() as c:
        expected = c.execute(
            text(
                "SELECT id, risk_colour, risk_level, due_at, reported_at FROM dispute"
                " WHERE district_code = :d AND status = ANY(:s)"
            ),
            {"d": place["district"], "s": list(OPEN_STATUSES)},
        ).all()
    far = datetime(9999, 1, 1, tzinfo=LOCAL_TZ)
    order = sorted(expected, key=lambda r: (-RISK_RANK[r[1]], -LEVEL_RANK[r[2]], r[3] or far,
                                            r[4], r[0]))  # fmt: skip
    total = re.findall(r"\d+", " ".join(strings(out["dispatch-total.children"])))
    assert int(total[-1]) == len(expected) > 5
    assert [r["id"] for r in rows] == [r[0] for r in order[: len(rows)]]
    assert len(rows) == min(len(expected), 200)
    # The map shows the same open cases (every one located here has a point).
    feats = out["dispatch-points.data"]["features"]
    assert {f["properties"]["case"] for f in feats} == {r[0] for r in expected}


def test_dsp002_urgency_band_and_search_filter_as_sql_counts(app, desk, engine, place) -> None:  # noqa: ANN001
    now = datetime.now(LOCAL_TZ)
    with engine.connect() as c:
        overdue = c.execute(
            text("SELECT count(*) FROM dispute WHERE district_code = :d AND status = ANY(:s)"
                 " AND due_at < :now"),
            {"d": place["district"], "s": list(OPEN_STATUSES), "now": now},
        ).scalar()  # fmt: skip
        ref = c.execute(
            text("SELECT source_ref FROM dispute WHERE district_code = :d AND status = ANY(:s)"
                 " ORDER BY id LIMIT 1"), {"d": place["district"], "s": list(OPEN_STATUSES)},
        ).scalar()  # fmt: skip
    rows = _queue(app, desk, **{"dispatch-filter-urgency.value": "overdue"})["dispatch-queue.data"]
    assert overdue > 0 and len(rows) == min(overdue, 200)
    assert {r["urgency"] for r in rows} == {"overdue"}
    found = _queue(app, desk, **{"dispatch-search.value": ref})["dispatch-queue.data"]
    assert [r["source_ref"] for r in found] == [ref]


def test_dsp003_hotline_case_from_intake_to_archive(app, desk, engine, app_engine, place) -> None:  # noqa: ANN001
    case_id = _new_case(app_engine, place, "A1")
    drawer = _drawer(app, desk, case_id)
    texts = " ".join(strings(drawer))
    assert "13912345678" not in texts and "139****5678" in texts  # the reporter masked
    assert "王*" in texts and "王建国" not in texts
    options = [o["value"] for o in drawer["dispatch-action.options"]]
    assert "assign" in options and "resolve" not in options  # received: not yet workable
    _, version = _status(engine, case_id)
    with engine.connect() as c:
        dept = c.execute(
            text("SELECT lead_department FROM dispute_type WHERE code = 'property'")
        ).scalar()
    said = _act(app, desk, case_id, version, "assign", department=dept, kind="department",
                cooperating=[], limit_days=5)  # fmt: skip
    assert "交办" in said, said
    assert _status(engine, case_id)[0] == "assigned"
    for action, fields in (("sign", {}), ("resolve", {"outcome_code": "agreement", "note": "双方达成协议"}),
                           ("evaluate", {"satisfaction": 5}), ("archive", {})):  # fmt: skip
        _, version = _status(engine, case_id)
        said = _act(app, desk, case_id, version, action, **fields)
        assert "未执行" not in said, (action, said)
    assert _status(engine, case_id)[0] == "archived"
    assert _events(engine, case_id) == [
        "accept",
        "assign",
        "sign",
        "resolve",
        "evaluate",
        "archive",
    ]
    # The drawer's clocks: sign and resolve stopped, the return call's too.
    drawer = _drawer(app, desk, case_id)
    assert drawer["dispatch-action.options"] == []


def test_dsp004_locks_block_the_parent_until_both_are_opened(
    app, desk, engine, app_engine, place
) -> None:  # noqa: ANN001
    case_id = _new_case(app_engine, place, "L1")
    with engine.connect() as c:
        deps = list(c.execute(text("SELECT code FROM department ORDER BY code LIMIT 2")).scalars())
    steps = [("assign", {"department": deps[0], "kind": "department", "limit_days": 10}),
             ("sign", {}),
             ("split", {"lock_department_1": deps[0], "lock_task_1": "核实物业维修责任",
                        "lock_days_1": 3, "lock_department_2": deps[1],
                        "lock_task_2": "协调供热管网检修", "lock_days_2": 5})]  # fmt: skip
    for action, fields in steps:
        said = _act(app, desk, case_id, _status(engine, case_id)[1], action, **fields)
        assert "未执行" not in said, (action, said)
    with engine.connect() as c:
        locks = list(c.execute(text("SELECT id FROM dispute_sub_case WHERE dispute_id = :i"
                                    " ORDER BY id"), {"i": case_id}).scalars())  # fmt: skip
    assert len(locks) == 2
    said = _act(
        app, desk, case_id, _status(engine, case_id)[1], "resolve", outcome_code="agreement"
    )
    assert "未执行" in said and "lock" in said and _status(engine, case_id)[0] == "in_progress"
    for lock in locks:
        said = _act(app, desk, case_id, _status(engine, case_id)[1], "key", lock_id=lock,
                    facts="漏水点在楼上卫生间", law="《民法典》第二百九十六条", plan="物业限期维修")  # fmt: skip
        assert "未执行" not in said, said
        said = _act(app, desk, case_id, _status(engine, case_id)[1], "unlock", lock_id=lock,
                    success="yes")  # fmt: skip
        assert "未执行" not in said, said
    said = _act(
        app, desk, case_id, _status(engine, case_id)[1], "resolve", outcome_code="agreement"
    )
    assert "未执行" not in said and _status(engine, case_id)[0] == "resolved"
    with engine.connect() as c:
        statuses = set(c.execute(text("SELECT status FROM dispute_sub_case WHERE dispute_id = :i"),
                                 {"i": case_id}).scalars())  # fmt: skip
    assert statuses == {"done"}


def test_dsp005_a_stale_version_is_a_conflict_naming_who_won(
    app, desk, engine, app_engine, place
) -> None:  # noqa: ANN001
    case_id = _new_case(app_engine, place, "C1")
    _, seen = _status(engine, case_id)
    other = signed_in(app, engine, "dsp_other", "district", area_code=place["district"])
    assert "未执行" not in _act(app, other, case_id, seen, "supervise", level=1)
    said = _act(app, desk, case_id, seen, "supervise", level=2)
    assert "dsp_other" in said and "刚被" in said, said
    assert _events(engine, case_id) == ["accept", "supervise"]
    with engine.connect() as c:
        assert c.execute(text("SELECT supervision_level FROM dispute WHERE id = :i"),
                         {"i": case_id}).scalar() == 1  # fmt: skip


def test_dsp006_bulk_assignment_hands_each_selected_case_over(
    app, desk, engine, app_engine, place
) -> None:  # noqa: ANN001
    made = [_new_case(app_engine, place, f"B{i}") for i in range(3)]
    foreign_before = _status(engine, place["foreign"])
    with engine.connect() as c:
        dept = c.execute(text("SELECT code FROM department ORDER BY code LIMIT 1")).scalar()
    rows = [{"id": made[0]}, {"id": made[1]}, {"id": made[2]}, {"id": place["foreign"]}]
    out = call(app, desk, "dispatch-message.children", {
        "dispatch-bulk-assign.n_clicks": 1, "dispatch-queue.selected_rows": [0, 2, 3],
        "dispatch-queue.data": rows, "dispatch-bulk-department.value": dept,
        "dispatch-refresh.data": 3,
    }, trigger="dispatch-bulk-assign.n_clicks")  # fmt: skip
    said = " ".join(strings(out))
    assert "已交办 2 件" in said and "未执行 1 件" in said, said
    with engine.connect() as c:
        got = dict(c.execute(text("SELECT id, status FROM dispute WHERE id = ANY(:i)"),
                             {"i": made}).all())  # fmt: skip
    assert got == {made[0]: "assigned", made[1]: "received", made[2]: "assigned"}
    assert _status(engine, place["foreign"]) == foreign_before


def test_dsp007_a_foreign_case_is_not_found_and_nothing_is_written(
    app, desk, engine, place
) -> None:  # noqa: ANN001
    before = _events(engine, place["foreign"])
    drawer = _drawer(app, desk, place["foreign"])
    assert "找不到" in " ".join(strings(drawer)) and drawer["dispatch-action.options"] == []
    said = _act(app, desk, place["foreign"], 1, "supervise", level=3)
    assert "找不到" in said
    phone = call(app, desk, "dispatch-phone.children", {"dispatch-phone-show.n_clicks": 1,
                                                        "dispatch-case.data": place["foreign"]})  # fmt: skip
    assert phone == {}
    assert _events(engine, place["foreign"]) == before


def test_dsp008_the_reporters_phone_is_shown_to_the_desk_and_audited(
    app, desk, engine, app_engine, place
) -> None:  # noqa: ANN001
    case_id = _new_case(app_engine, place, "P1")
    out = call(app, desk, "dispatch-phone.children",
               {"dispatch-phone-show.n_clicks": 1, "dispatch-case.data": case_id})  # fmt: skip
    assert out["dispatch-phone.children"] == "13912345678"
    with engine.connect() as c:
        audited = c.execute(text("SELECT count(*) FROM audit_log WHERE user_name = 'dsp_desk'"
                                 " AND action = 'case.reporter_contact' AND object = :o"),
                            {"o": f"dispute:{case_id}"}).scalar()  # fmt: skip
    assert audited == 1
    analyst = signed_in(app, engine, "dsp_analyst", "analyst", area_code=place["district"])
    resp = analyst.post("/_dash-update-component", json={
        "output": "dispatch-phone.children", "outputs": {"id": "dispatch-phone", "property": "children"},
        "inputs": [{"id": "dispatch-phone-show", "property": "n_clicks", "value": 1}],
        "state": [{"id": "dispatch-case", "property": "data", "value": case_id}],
        "changedPropIds": ["dispatch-phone-show.n_clicks"]}, headers=SAME_ORIGIN)  # fmt: skip
    assert resp.status_code in (200, 204) and b"13912345678" not in resp.data


def test_dsp009_a_department_sees_its_own_queue_and_locks(app, engine, place) -> None:  # noqa: ANN001
    dept = place["department"]
    client = signed_in(app, engine, f"dsp_dept_{dept}", "department", department_code=dept)
    out = _queue(app, client, **{"dispatch-filter-mine.value": ["department"]})
    with engine.connect() as c:
        expected = c.execute(
            text(
                "SELECT count(*) FROM dispute d WHERE d.status = ANY(:s) AND (d.lead_department = :p"
                " OR :p = ANY(d.cooperating_departments) OR EXISTS (SELECT 1 FROM dispute_sub_case"
                " s WHERE s.dispute_id = d.id AND s.department_code = :p))"
            ),
            {"s": list(OPEN_STATUSES), "p": dept},
        ).scalar()
        locks = c.execute(text("SELECT count(*) FROM dispute_sub_case WHERE department_code = :p"
                               " AND status IN ('open', 'planned')"), {"p": dept}).scalar()  # fmt: skip
    total = re.findall(r"\d+", " ".join(strings(out["dispatch-total.children"])))
    assert expected > 0 and int(total[-1]) == expected
    listed = [s for s in strings(out["dispatch-locks.children"]) if "#" in s]
    assert len(listed) == min(locks, 200)


def test_dsp010_the_drawer_shows_every_clock_and_the_nearest_workers(
    app, desk, engine, place
) -> None:  # noqa: ANN001
    with engine.connect() as c:
        case_id, n_locks = c.execute(
            text(
                "SELECT d.id, count(s.id) FROM dispute d JOIN dispute_sub_case s ON s.dispute_id = d.id"
                " WHERE d.district_code = :d AND d.status = 'in_progress' AND d.geom IS NOT NULL"
                " GROUP BY d.id ORDER BY d.id LIMIT 1"
            ),
            {"d": place["district"]},
        ).one()
        nearest = set(
            c.execute(
                text(
                    "SELECT w.name FROM grid_worker w WHERE w.grid_code IN (SELECT g.code"
                    " FROM grid g, dispute d WHERE d.id = :i AND g.district_code = :d"
                    " AND EXISTS (SELECT 1 FROM grid_worker x WHERE x.grid_code = g.code)"
                    " ORDER BY g.geom <-> d.geom LIMIT 5)"
                ),
                {"i": case_id, "d": place["district"]},
            ).scalars()
        )
    drawer = _drawer(app, desk, case_id)
    clocks = [
        c for c in _components(drawer, "Tr") if "clock" in (c["props"].get("className") or "")
    ]
    assert len(clocks) == 2 + n_locks  # sign, resolve and one per lock
    workers = [c for c in _components(drawer, "Table")
               if c["props"].get("className") == "dispatch-workers"]  # fmt: skip
    cells = [[td["props"]["children"] for td in tr["props"]["children"]]
             for tr in _components(workers[0], "Tr")]  # fmt: skip
    metres = [float(row[2].removesuffix(" m")) for row in cells]
    assert {row[0] for row in cells} == nearest and metres == sorted(metres)
    assert any("flow-step current" in (c["props"].get("className") or "")
               for c in _components(drawer, "Span"))  # fmt: skip


def _components(tree, kind: str) -> list[dict]:  # noqa: ANN001
    return [c for c in components(tree) if c.get("type") == kind]


def _register(app, client, **values) -> dict:  # noqa: ANN001, ANN003
    base = {
        "dispatch-in-submit.n_clicks": 1,
        "dispatch-in-source.value": "walk_in",
        "dispatch-in-text.value": None,
        "dispatch-in-address.value": None,
        "dispatch-in-lon.value": None,
        "dispatch-in-lat.value": None,
        "dispatch-in-name.value": None,
        "dispatch-in-phone.value": None,
        "dispatch-in-type.value": None,
        "dispatch-refresh.data": 0,
    }
    return call(app, client, "dispatch-in-result.children", {**base, **values})


def test_dsp011_a_walk_in_is_registered_located_and_opened(app, desk, engine, place) -> None:  # noqa: ANN001
    out = _register(app, desk, **{
        "dispatch-in-text.value": "来访人称楼下烧烤店油烟直排进家里，找过店主不管，要求处理",
        "dispatch-in-lon.value": place["lon"], "dispatch-in-lat.value": place["lat"],
        "dispatch-in-name.value": "赵丽", "dispatch-in-phone.value": "13698765432",
        "dispatch-in-type.value": "neighbour"})  # fmt: skip
    case_id = out["dispatch-case.data"]
    with engine.connect() as c:
        row = c.execute(
            text("SELECT source, source_ref, grid_code, status, reporter_phone, type_code"
                 " FROM dispute WHERE id = :i"), {"i": case_id}).one()  # fmt: skip
        events = list(c.execute(text("SELECT action, actor FROM dispute_event WHERE dispute_id = :i"),
                                {"i": case_id}).all())  # fmt: skip
    assert row.source == "walk_in" and row.source_ref.startswith("LF-") and row.status == "received"
    assert row.grid_code == place["grid"] and row.reporter_phone == "13698765432"
    assert row.type_code == "neighbour" and events == [("accept", "dsp_desk")]
    said = " ".join(strings(out["dispatch-in-result.children"]))
    assert row.source_ref in said and "13698765432" not in said
    with engine.begin() as c:  # the reference is the desk's: rename it into this module's cleanup
        c.execute(text("UPDATE dispute SET source_ref = :r WHERE id = :i"),
                  {"r": REF + "W1", "i": case_id})  # fmt: skip


def test_dsp012_a_walk_in_outside_the_jurisdiction_or_unplaced_is_refused(
    app, desk, engine, place
) -> None:  # noqa: ANN001
    with engine.connect() as c:
        before = c.execute(text("SELECT count(*) FROM dispute")).scalar()
        far = c.execute(
            text("SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid"
                 " WHERE district_code <> :d ORDER BY code LIMIT 1"), {"d": place["district"]},
        ).one()  # fmt: skip
    text_ = "来电人反映小区门口垃圾堆了一周没人清运"
    out = _register(app, desk, **{"dispatch-in-text.value": text_, "dispatch-in-lon.value": far[0],
                                  "dispatch-in-lat.value": far[1], "dispatch-in-type.value": "neighbour"})  # fmt: skip
    assert "不在本辖区" in " ".join(strings(out)) and "dispatch-case.data" not in out
    out = _register(
        app, desk, **{"dispatch-in-text.value": text_, "dispatch-in-type.value": "neighbour"}
    )
    assert "地址" in " ".join(strings(out))
    out = _register(app, desk, **{"dispatch-in-lon.value": place["lon"],
                                  "dispatch-in-lat.value": place["lat"]})  # fmt: skip
    assert "诉求内容" in " ".join(strings(out))
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM dispute")).scalar() == before


def test_dsp013_the_city_desk_locates_a_case_from_the_needs_location_queue(
    app, engine, app_engine, place
) -> None:  # noqa: ANN001
    from geodata.write import intake

    with engine.connect() as c:
        city = c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
    scope = Scope(user="api:hotline", role="intake", areas=(city,))
    with scoped(app_engine, scope) as conn:
        made = intake.submit(conn, scope, source="hotline", source_ref=REF + "U1",
                             text="来电人称家门口下水道堵了好几天", type_code="neighbour",
                             address="那个老小区后面第三排")  # fmt: skip
    assert not made.located
    city_desk = signed_in(app, engine, "dsp_city", "city", area_code=city)
    queued = _queue(app, city_desk, **{"dispatch-filter-mine.value": ["unlocated"]})
    with engine.connect() as c:
        expected = set(c.execute(text("SELECT id FROM dispute WHERE geom IS NULL AND status = ANY(:s)"),
                                 {"s": list(OPEN_STATUSES)}).scalars())  # fmt: skip
    assert {r["id"] for r in queued["dispatch-queue.data"]} == expected and made.case_id in expected
    # The district cannot see it yet: it has no place in any district.
    district = _queue(app, signed_in(app, engine, "dsp_desk", "district", area_code=place["district"]),
                      **{"dispatch-filter-mine.value": ["unlocated"]})  # fmt: skip
    assert made.case_id not in {r["id"] for r in district["dispatch-queue.data"]}
    said = _act(app, city_desk, made.case_id, _status(engine, made.case_id)[1], "locate",
                lon=place["lon"], lat=place["lat"])  # fmt: skip
    assert "未执行" not in said, said
    with engine.connect() as c:
        grid, dist = c.execute(text("SELECT grid_code, district_code FROM dispute WHERE id = :i"),
                               {"i": made.case_id}).one()  # fmt: skip
    assert (grid, dist) == (place["grid"], place["district"])
    assert _events(engine, made.case_id) == ["accept", "locate"]

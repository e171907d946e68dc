"""The workflow write path on a real PostGIS, as the app's own role under row-level security:
a case from 接办 to 归档 with locks and 重办, the concurrency race, jurisdiction and roles, and
automatic 督办. Every check reads the stored events and rows back with plain SQL as the owner.

Cases made here are committed (the race needs two real transactions) and removed afterwards,
events included (the owner lifts the append-only guard for that one cleanup transaction), so
the demo the other tests read stays as loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from domain import workdays
from domain.clock import LOCAL_TZ
from domain.scope import Scope
from domain.workflow import Actor, ForbiddenAction, GuardError, TransitionError
from geodata.write import cases
from tests.integration.made_cases import remove_cases, scoped

pytestmark = pytest.mark.db

REF = "WFT-"  # source_ref prefix of every case made here
NOW = datetime(2026, 11, 27, 10, 0, tzinfo=LOCAL_TZ)  # a Friday


def _cleanup(engine: Engine) -> None:
    remove_cases(engine, REF)


@pytest.fixture(scope="module")
def place(engine, demo_db) -> Iterator[dict]:  # noqa: ANN001
    """A grid of the busiest district with its worker, another district, the city, a room."""
    _cleanup(engine)
    with engine.connect() as c:
        district = c.execute(
            text("SELECT district_code FROM dispute GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar()
        grid = c.execute(
            text(
                "SELECT g.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)),"
                " w.id FROM grid g JOIN grid_worker w ON w.grid_code = g.code"
                " WHERE g.district_code = :d ORDER BY g.code LIMIT 1"
            ),
            {"d": district},
        ).one()
        other = c.execute(
            text(
                "SELECT g.district_code, ST_X(ST_PointOnSurface(g.geom)),"
                " ST_Y(ST_PointOnSurface(g.geom)) FROM grid g WHERE g.district_code <> :d"
                " ORDER BY g.code LIMIT 1"
            ),
            {"d": district},
        ).one()
        city = c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
        room = c.execute(
            text(
                "SELECT r.id, m.id FROM mediation_room r JOIN mediator m ON m.room_id = r.id LIMIT 1"
            )
        ).one()
    yield {
        "district": district, "grid": grid[0], "lon": grid[1], "lat": grid[2], "worker": grid[3],
        "other_district": other[0], "other_lon": other[1], "other_lat": other[2], "city": city,
        "room": room[0], "mediator": room[1],
    }  # fmt: skip
    _cleanup(engine)


def _desk(place: dict) -> tuple[Scope, Actor]:
    scope = Scope(user="wft_desk", role="district", areas=(place["district"],))
    return scope, Actor("wft_desk", "district")


def _dept(code: str) -> tuple[Scope, Actor]:
    return (
        Scope(user=f"wft_{code}", role="department", department=code),
        Actor(f"wft_{code}", "department", department=code),
    )


def _new_case(app_engine: Engine, place: dict, ref: str, **extra) -> int:  # noqa: ANN003
    scope, actor = _desk(place)
    fields = {"source": "hotline", "source_ref": REF + ref, "type_code": "property",
              "title": "小区楼上漏水多次协商未果", "description": "来电人称楼上卫生间漏水",
              "reporter_name": "王先生", "reporter_phone": "13912345678", **extra}  # fmt: skip
    with scoped(app_engine, scope) as conn:
        out, created = cases.register(conn, actor, fields, lon=place["lon"], lat=place["lat"],
                                      now=NOW)  # fmt: skip
    assert created
    return out.case_id


def _events(engine: Engine, case_id: int) -> list[tuple]:
    with engine.connect() as c:
        return c.execute(
            text(
                "SELECT action, actor, sub_case_id, detail FROM dispute_event"
                " WHERE dispute_id = :d ORDER BY id"
            ),
            {"d": case_id},
        ).all()


def _row(engine: Engine, case_id: int) -> dict:
    with engine.connect() as c:
        return dict(
            c.execute(text("SELECT * FROM dispute WHERE id = :d"), {"d": case_id}).mappings().one()
        )


def test_cw001_intake_to_archive_with_locks_and_a_reopen(app_engine, engine, place) -> None:  # noqa: ANN001
    case = _new_case(app_engine, place, "1")
    row = _row(engine, case)
    assert (row["grid_code"], row["district_code"], row["status"]) == (
        place["grid"], place["district"], "received"
    )  # fmt: skip
    scope, desk = _desk(place)
    hscope, housing = _dept("housing")
    uscope, urban = _dept("urban")
    t = NOW

    def step(s: Scope, actor: Actor, action: str, **params):  # noqa: ANN003, ANN202
        nonlocal t
        t += timedelta(hours=2)
        with scoped(app_engine, s) as conn:
            version = cases.case_row(conn, case)["version"]
            return cases.act(conn, case, action, actor, params, expected_version=version, now=t)

    step(scope, desk, "assign", department="housing", cooperating=["urban"])
    row = _row(engine, case)
    # The type's standard limit (房产物业: 30 working days) from the 交办.
    assert row["due_at"] == workdays.due_at(row["assigned_at"], 30) > NOW + timedelta(days=40)
    assert row["cooperating_departments"] == ["urban"] and row["assignee_kind"] == "department"
    step(hscope, housing, "sign")
    out = step(scope, desk, "split", locks=[
        {"department": "housing", "task": "核实物业维修责任", "limit_days": 5},
        {"department": "urban", "task": "拆除楼顶违建", "limit_days": 10},
    ])  # fmt: skip
    lock_h, lock_u = out.lock_ids
    with pytest.raises(GuardError, match="still open"):
        step(hscope, housing, "resolve", outcome="agreement")
    step(hscope, housing, "key", lock_id=lock_h, facts="楼顶防水层破损", law="物业管理条例",
         plan="物业公司十日内维修")  # fmt: skip
    # The urban department sees the case through its lock, and keys its own lock only.
    with pytest.raises(ForbiddenAction):
        step(uscope, urban, "key", lock_id=lock_h, facts="f", law="l", plan="p")
    step(uscope, urban, "key", lock_id=lock_u, facts="违建", law="城乡规划法", plan="限期拆除")
    step(scope, desk, "unlock", lock_id=lock_h, success=True)
    step(scope, desk, "unlock", lock_id=lock_u, success=True)
    step(hscope, housing, "resolve", outcome="agreement", note="达成维修协议")
    step(scope, desk, "evaluate", satisfaction=2, note="维修不彻底")
    assert _row(engine, case)["status"] == "in_progress"  # 重办
    step(hscope, housing, "resolve", outcome="agreement", note="二次维修完成")
    step(scope, desk, "evaluate", satisfaction=5)
    step(scope, desk, "archive")
    row = _row(engine, case)
    assert row["status"] == "archived" and row["reopen_count"] == 1 and row["satisfaction"] == 5
    actions = [e.action for e in _events(engine, case)]
    assert actions == ["accept", "assign", "sign", "split", "key", "key", "unlock", "unlock",
                       "resolve", "evaluate", "reopen", "resolve", "evaluate", "archive"]  # fmt: skip
    # The lock events name their lock; the version counts every write.
    assert {e.sub_case_id for e in _events(engine, case) if e.action in ("key", "unlock")} == {
        lock_h,
        lock_u,
    }
    assert row["version"] == 1 + len(actions) - 1 - 1  # one update per action, 重办 rides evaluate
    with engine.connect() as c:
        audited = (
            c.execute(
                text("SELECT action FROM audit_log WHERE object = :o ORDER BY id"),
                {"o": f"dispute:{case}"},
            )
            .scalars()
            .all()
        )
        locks = c.execute(
            text("SELECT status, plan FROM dispute_sub_case WHERE dispute_id = :d ORDER BY id"),
            {"d": case},
        ).all()
    assert audited == [f"case.{a}" for a in actions if a != "reopen"]
    assert [tuple(lk) for lk in locks] == [("done", "物业公司十日内维修"), ("done", "限期拆除")]


def test_cw002_two_dispatchers_at_once_exactly_one_wins(app_engine, engine, place) -> None:  # noqa: ANN001
    case = _new_case(app_engine, place, "2")
    scope, _ = _desk(place)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def dispatcher(name: str, department: str) -> None:
        actor = Actor(name, "district")
        try:
            with scoped(app_engine, Scope(user=name, role="district", areas=scope.areas)) as conn:
                version = cases.case_row(conn, case)["version"]
                barrier.wait(timeout=10)
                results[name] = cases.act(conn, case, "assign", actor,
                                          {"department": department}, expected_version=version,
                                          now=NOW)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 — the loser's error is the result
            results[name] = exc

    threads = [threading.Thread(target=dispatcher, args=(n, d))
               for n, d in (("wft_a", "housing"), ("wft_b", "urban"))]  # fmt: skip
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=30)
    won = [n for n, r in results.items() if isinstance(r, cases.Outcome)]
    lost = [r for r in results.values() if isinstance(r, cases.Conflict)]
    assert len(won) == 1 and len(lost) == 1, results
    assert won[0] in str(lost[0]) and "'assigned'" in str(lost[0])
    assigns = [e for e in _events(engine, case) if e.action == "assign"]
    assert len(assigns) == 1 and assigns[0].actor == won[0]
    assert _row(engine, case)["lead_department"] == {"wft_a": "housing", "wft_b": "urban"}[won[0]]
    # A stale version is refused before anything is written, naming who changed it.
    with scoped(app_engine, scope) as conn, pytest.raises(cases.Conflict, match=won[0]):
        cases.act(conn, case, "sign", Actor("wft_desk", "district"), expected_version=1, now=NOW)
    assert len(_events(engine, case)) == 2


def test_cw003_jurisdiction_roles_and_the_database_refuse_foreign_writes(
    app_engine, engine, place
) -> None:  # noqa: ANN001
    case = _new_case(app_engine, place, "3")
    foreign = Scope(user="wft_far", role="district", areas=(place["other_district"],))
    with scoped(app_engine, foreign) as conn, pytest.raises(cases.CaseNotFound):
        cases.act(conn, case, "assign", Actor("wft_far", "district"), {"department": "housing"})
    # A department not (yet) on the case does not see it.
    jscope, justice = _dept("justice")
    with scoped(app_engine, jscope) as conn, pytest.raises(cases.CaseNotFound):
        cases.act(conn, case, "sign", justice)
    # An analyst may read the district but write nothing: the rules refuse, and so does the
    # database when the rules are skipped.
    analyst = Scope(user="wft_an", role="analyst", areas=(place["district"],))
    with scoped(app_engine, analyst) as conn:
        with pytest.raises(ForbiddenAction):
            cases.act(conn, case, "assign", Actor("wft_an", "analyst"), {"department": "housing"})
        changed = conn.execute(
            text("UPDATE dispute SET risk_level = 'high' WHERE id = :d"), {"d": case}
        ).rowcount
        assert changed == 0
        with pytest.raises(DBAPIError):
            conn.execute(
                text(
                    "INSERT INTO dispute_event (dispute_id, district_code, action, actor, at)"
                    " VALUES (:d, :dist, 'supervise', 'x', now())"
                ),
                {"d": case, "dist": place["district"]},
            )
    foreign_write = Scope(user="wft_far", role="district", areas=(place["other_district"],))
    with scoped(app_engine, foreign_write) as conn:
        assert (
            conn.execute(
                text("UPDATE dispute SET risk_level = 'high' WHERE id = :d"), {"d": case}
            ).rowcount
            == 0
        )
    assert _row(engine, case)["risk_level"] == "low" and len(_events(engine, case)) == 1
    # Refused transitions write nothing either.
    scope, desk = _desk(place)
    with scoped(app_engine, scope) as conn, pytest.raises(TransitionError, match="received"):
        cases.act(conn, case, "sign", desk, now=NOW)
    assert len(_events(engine, case)) == 1 and _row(engine, case)["version"] == 1


def test_cw004_register_is_idempotent_and_an_unlocated_case_waits_city_wide(
    app_engine, engine, place
) -> None:  # noqa: ANN001
    scope, desk = _desk(place)
    fields = {"source": "hotline", "source_ref": REF + "4", "type_code": "heating",
              "title": "暖气不热", "address": "某小区3号楼"}  # fmt: skip
    city = Scope(user="wft_city", role="city", areas=(place["city"],))
    with scoped(app_engine, city) as conn:
        first, made = cases.register(conn, Actor("wft_city", "city"), fields, now=NOW)
        again, made_again = cases.register(conn, Actor("wft_city", "city"), fields, now=NOW)
    assert made and not made_again and first.case_id == again.case_id
    row = _row(engine, first.case_id)
    assert row["geom"] is None and row["grid_code"] is None
    assert row["district_code"] == place["city"]
    with scoped(app_engine, scope) as conn:
        assert cases.case_row(conn, first.case_id) is None  # a district desk does not see it
    with scoped(app_engine, city) as conn:
        assert cases.case_row(conn, first.case_id)["status"] == "received"
    # The grid worker assignment: a worker of the case's own grid only.
    case = _new_case(app_engine, place, "4b")
    with scoped(app_engine, scope) as conn:
        with pytest.raises(GuardError, match="own grid"):
            cases.act(conn, case, "assign", desk, {"kind": "grid_worker", "department": "township",
                                                   "worker_id": -1}, now=NOW)  # fmt: skip
        cases.act(conn, case, "assign", desk, {"kind": "grid_worker", "department": "township",
                                               "worker_id": place["worker"], "limit_days": 2},
                  now=NOW)  # fmt: skip
    worker = Scope(user="wft_gw", role="grid_worker", areas=(place["grid"],))
    with scoped(app_engine, worker) as conn:
        out = cases.act(conn, case, "sign", Actor("wft_gw", "grid_worker", grid=place["grid"]),
                        now=NOW)  # fmt: skip
    assert out.status == "in_progress"
    with scoped(app_engine, scope) as conn, pytest.raises(GuardError, match="unknown department"):
        cases.act(conn, case, "consult", desk, {"departments": ["housing", "nope"],
                                                "participants": "p", "minutes": "m",
                                                "outcome": "o"}, now=NOW)  # fmt: skip


def test_cw005_automatic_supervision_escalates_once_per_level(app_engine, engine, place) -> None:  # noqa: ANN001
    case = _new_case(app_engine, place, "5")
    scope, desk = _desk(place)
    with scoped(app_engine, scope) as conn:
        cases.act(conn, case, "assign", desk, {"department": "housing", "limit_days": 2}, now=NOW)
    due = _row(engine, case)["due_at"]
    # Friday 27 Nov + 2 working days: Mon 30 Nov and Tue 1 Dec, due at the midnight ending it.
    assert due == datetime(2026, 12, 2, tzinfo=LOCAL_TZ)
    system = Actor("system", "city")
    city = Scope(user="system", role="city", areas=(place["city"],))

    def run(at: datetime) -> list[int]:
        with scoped(app_engine, city) as conn:
            return [o.case_id for o in cases.escalate(conn, system, now=at, only=[case])]

    # 签收 is due at the end of Monday 30 Nov: 提醒 that day, 督办 once it is past.
    assert run(datetime(2026, 11, 30, 12, tzinfo=LOCAL_TZ)) == [case]
    assert _row(engine, case)["supervision_level"] == 1
    assert run(datetime(2026, 11, 30, 13, tzinfo=LOCAL_TZ)) == []  # same level: nothing new
    assert run(datetime(2026, 12, 1, 9, tzinfo=LOCAL_TZ)) == [case]  # overdue: 督办
    assert _row(engine, case)["supervision_level"] == 2
    # Five working days past the 签收 deadline (1–7 Dec): 挂牌督办 from Tuesday 8 Dec.
    assert run(datetime(2026, 12, 7, 23, tzinfo=LOCAL_TZ)) == []
    assert run(datetime(2026, 12, 8, 9, tzinfo=LOCAL_TZ)) == [case]
    assert _row(engine, case)["supervision_level"] == 3
    assert run(datetime(2026, 12, 20, 9, tzinfo=LOCAL_TZ)) == []
    levels = [e.detail["level"] for e in _events(engine, case) if e.action == "supervise"]
    assert levels == [1, 2, 3]
    assert all(e.actor == "system" for e in _events(engine, case) if e.action == "supervise")


def test_cw006_one_worker_at_a_time_runs_the_automatic_supervision(
    app_engine, engine, demo_db
) -> None:  # noqa: ANN001
    from app import jobs
    from geodata.settings import Settings

    with engine.connect() as holder, holder.begin():
        holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": jobs.LOCK_KEY})
        assert jobs.escalate_once(app_engine, Settings()) is None  # another worker is at it

"""Department performance and mediation figures (geodata.read.performance) on a real PostGIS, as
the app's role under row-level security: hand-worked figures on planted cases, and every figure
of every department, room and mediator against plain SQL reads of the raw rows (as the owner)
computed independently here — clocks by domain.sla, working days by domain.workdays."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, text

from domain import workdays
from domain.clock import LOCAL_TZ, local
from domain.scope import Scope
from domain.sla import Clock
from geodata.read import performance
from tests.integration import perf_cases as pc

pytestmark = pytest.mark.db


@contextmanager
def scoped(app_engine: Engine, scope: Scope) -> Iterator[Connection]:
    """A transaction of the app's role with the caller's scope, as app.context sets it."""
    with app_engine.connect() as conn, conn.begin():
        for key, value in scope.settings().items():
            conn.execute(
                text("SELECT set_config(:k, :v, true)"), {"k": f"zongzhi.{key}", "v": value}
            )
        yield conn


@pytest.fixture(scope="module")
def planted(engine, demo_db) -> Iterator[dict]:  # noqa: ANN001
    yield pc.plant(engine)
    pc.cleanup(engine)


def _city(planted: dict) -> Scope:
    return Scope(user="pft_city", role="city", areas=(planted["city"],))


def _row(rows: list[dict], code: str) -> dict:
    return next(r for r in rows if r["code"] == code)


def _same(got: dict, expected: dict) -> None:
    for key, want in expected.items():
        if isinstance(want, float):
            assert got[key] == pytest.approx(want), key
        else:
            assert got[key] == want, key


def test_perf001_hand_worked_figures_of_a_department(app_engine, planted) -> None:  # noqa: ANN001
    with scoped(app_engine, _city(planted)) as conn:
        rows = performance.departments(conn, start=pc.JUNE[0], end=pc.JUNE[1], now=pc.NOW)
    _same(_row(rows, pc.DEPT_A), pc.EXPECTED_A)
    # Every department of the catalogue has a row; pft_b leads five (four of them mediated).
    assert {r["code"] for r in rows} >= {pc.DEPT_A, pc.DEPT_B, "justice"}
    b = _row(rows, pc.DEPT_B)
    assert (b["cases_led"], b["open_now"], b["locks_held"]) == (5, 2, 0)


def test_perf002_area_and_jurisdiction_narrow_the_cases(app_engine, planted) -> None:  # noqa: ANN001
    june = {"start": pc.JUNE[0], "end": pc.JUNE[1], "now": pc.NOW}
    with scoped(app_engine, _city(planted)) as conn:
        narrowed = performance.departments(conn, area=planted["home"], **june)
        by_grid = performance.departments(conn, area=planted["home_grid"], **june)
        beside = conn.execute(
            text(
                "SELECT code FROM grid WHERE district_code = :d AND code <> :g ORDER BY code LIMIT 1"
            ),
            {"d": planted["home"], "g": planted["home_grid"]},
        ).scalar()
        next_grid = performance.departments(conn, area=beside, **june)
        with pytest.raises(ValueError):
            performance.departments(conn, area="1501' OR 1=1", **june)
    _same(_row(narrowed, pc.DEPT_A), pc.EXPECTED_A_HOME)
    _same(_row(by_grid, pc.DEPT_A), pc.EXPECTED_A_HOME)  # every home case is in that grid
    assert _row(next_grid, pc.DEPT_A)["cases_led"] == 0  # and none in the grid beside it
    home = Scope(user="pft_d", role="district", areas=(planted["home"],))
    with scoped(app_engine, home) as conn:
        _same(_row(performance.departments(conn, **june), pc.DEPT_A), pc.EXPECTED_A_HOME)
        # Another district's area: nothing of it is visible, so nothing counts.
        foreign = _row(performance.departments(conn, area=planted["far"], **june), pc.DEPT_A)
    assert foreign["cases_led"] == foreign["open_now"] == foreign["locks_held"] == 0
    far = Scope(user="pft_f", role="district", areas=(planted["far"],))
    with scoped(app_engine, far) as conn:
        a = _row(performance.departments(conn, **june), pc.DEPT_A)
    assert (a["cases_led"], a["on_time"], a["on_time_of"], a["open_now"]) == (1, 1, 1, 0)
    with scoped(app_engine, Scope()) as conn:  # nobody: fail closed
        assert not any(r["cases_led"] for r in performance.departments(conn, **june))


def test_perf003_hand_worked_mediation_figures(app_engine, planted) -> None:  # noqa: ANN001
    june = {"start": pc.JUNE[0], "end": pc.JUNE[1], "now": pc.NOW}
    with scoped(app_engine, _city(planted)) as conn:
        got = performance.mediation(conn, **june)
        far = performance.mediation(conn, area=planted["far"], **june)
        may = performance.mediation(conn, start=pc.at(5, 1), end=pc.at(6, 1), now=pc.NOW)
    room = next(r for r in got["rooms"] if r["room_id"] == planted["room"])
    _same(room, pc.EXPECTED_ROOM)
    assert room["kind"] == "expert" and room["room_name"] == "PFT调解室"
    for key, expected in pc.EXPECTED_MEDIATORS.items():
        m = next(x for x in got["mediators"] if x["mediator_id"] == planted["mediators"][key])
        _same(m, expected)
        assert m["room_id"] == planted["room"]
    # The room serves the home district only and has no case in the far one: not listed there.
    assert planted["room"] not in {r["room_id"] for r in far["rooms"]}
    may_room = next(r for r in may["rooms"] if r["room_id"] == planted["room"])
    assert (may_room["cases"], may_room["agreements"], may_room["success_rate"]) == (1, 1, 1.0)


# --- every figure against the raw rows -----------------------------------------------------


RAW = """
SELECT d.id, d.lead_department, d.status, d.assigned_at, d.due_at, d.resolved_at,
       d.outcome_code, d.satisfaction, d.reopen_count, d.sign_due_at, d.signed_at,
       d.mediation_room_id, d.mediator_id, d.assignee_kind, d.district_code, d.grid_code
FROM dispute d WHERE {where}
"""
VISIBLE_TO_DEPARTMENT = (
    "(d.lead_department = :dept OR :dept = ANY (d.cooperating_departments)"
    " OR EXISTS (SELECT 1 FROM dispute_sub_case s WHERE s.dispute_id = d.id"
    " AND s.department_code = :dept))"
)


def _raw(engine: Engine, where: str = "true", **params) -> list[dict]:  # noqa: ANN003
    with engine.connect() as c:
        return [dict(r) for r in c.execute(text(RAW.format(where=where)), params).mappings()]


def _in_period(row: dict, start: datetime | None, end: datetime | None) -> bool:
    at = row["assigned_at"]
    return at is not None and (start is None or at >= start) and (end is None or at < end)


def _workdays(a: datetime, b: datetime) -> int:
    return workdays.working_days_between(local(a).date(), local(b).date())


def _ratio(n: float, of: float) -> float | None:
    return n / of if of else None


def expected_departments(
    rows: list[dict],
    locks: list[dict],
    start: datetime | None,
    end: datetime | None,
    now: datetime,
) -> dict[str, dict]:
    """Every department's figures, worked out here from raw rows."""
    live = [r for r in rows if r["status"] != "merged"]
    out: dict[str, dict] = {}
    codes = {r["lead_department"] for r in live if r["lead_department"]} | {
        k["department_code"] for k in locks
    }
    for code in codes:
        led = [r for r in live if r["lead_department"] == code and _in_period(r, start, end)]
        # A resolve clock stops at 化解; one still running past due on an open case is late.
        clocks = [
            Clock("resolve", r["assigned_at"], r["due_at"], r["resolved_at"]).state(now)
            for r in led
            if r["due_at"] is not None
            and (r["resolved_at"] is not None or r["status"] in ("assigned", "in_progress"))
        ]
        handled = [r for r in led if r["resolved_at"] is not None]
        rated = [r["satisfaction"] for r in led if r["satisfaction"] is not None]
        reached = [r for r in led if r["resolved_at"] is not None or r["reopen_count"] > 0]
        signs = [
            Clock("sign", r["assigned_at"], r["sign_due_at"], r["signed_at"]).state(now)
            for r in led
            if r["sign_due_at"] is not None
        ]
        closed = [r for r in led if r["outcome_code"] is not None]
        load = [
            r
            for r in live
            if r["lead_department"] == code and r["status"] in ("assigned", "in_progress")
        ]
        # Open cases not yet due count in no on-time rate; an open one past due is late.
        on_time_of = [s for s in clocks if s in ("met", "late", "overdue")]
        out[code] = {
            "cases_led": len(led),
            "on_time": clocks.count("met"),
            "on_time_of": len(on_time_of),
            "closed": len(closed),
            "resolved": sum(r["outcome_code"] in ("agreement", "withdrawn") for r in closed),
            "handled": len(handled),
            "days_sum": sum(
                max((r["resolved_at"] - r["assigned_at"]).total_seconds(), 0) / 86400
                for r in handled
            ),
            "workdays_sum": sum(_workdays(r["assigned_at"], r["resolved_at"]) for r in handled),
            "rated": len(rated),
            "satisfaction_sum": sum(rated),
            "satisfied": sum(s >= 4 for s in rated),
            "reached": len(reached),
            "reopened": sum(r["reopen_count"] > 0 for r in led),
            "signed_on_time": signs.count("met"),
            "sign_of": sum(s in ("met", "late", "overdue") for s in signs),
            "open_now": len(load),
            "overdue_now": sum(r["due_at"] is not None and r["due_at"] < now for r in load),
            "locks_held": sum(k["department_code"] == code for k in locks),
        }
        e = out[code]
        e.update(
            on_time_rate=_ratio(e["on_time"], e["on_time_of"]),
            resolution_rate=_ratio(e["resolved"], e["closed"]),
            avg_days=_ratio(e["days_sum"], e["handled"]),
            avg_workdays=_ratio(e["workdays_sum"], e["handled"]),
            satisfaction=_ratio(e["satisfaction_sum"], e["rated"]),
            satisfied_share=_ratio(e["satisfied"], e["rated"]),
            reopen_rate=_ratio(e["reopened"], e["reached"]),
            sign_rate=_ratio(e["signed_on_time"], e["sign_of"]),
        )
    return out


def _open_locks(engine: Engine, where: str = "true", **params) -> list[dict]:  # noqa: ANN003
    with engine.connect() as c:
        return [
            dict(r)
            for r in c.execute(
                text(
                    "SELECT s.department_code FROM dispute_sub_case s JOIN dispute d"  # noqa: S608 — test SQL
                    " ON d.id = s.dispute_id WHERE s.status IN ('open', 'planned')"
                    f" AND d.status <> 'merged' AND {where}"
                ),
                params,
            ).mappings()
        ]


def _compare(got_rows: list[dict], expected: dict[str, dict]) -> None:
    got = {r["code"]: r for r in got_rows}
    for code, row in got.items():
        want = expected.get(code)
        if want is None:  # a department with nothing: every figure zero or None
            assert not any(row[k] for k in ("cases_led", "open_now", "locks_held")), code
            continue
        for key, value in want.items():
            if isinstance(value, float):
                assert row[key] == pytest.approx(value, abs=1e-9), (code, key)
            else:
                assert row[key] == value, (code, key)
    assert set(expected) <= set(got)


PERIODS = {
    "june": pc.JUNE,
    "all": (None, None),
    "recent": (datetime.now(LOCAL_TZ) - timedelta(days=365), None),
}


@pytest.mark.parametrize("period", sorted(PERIODS))
def test_perf004_every_department_figure_matches_the_raw_rows(
    app_engine, engine, planted, period: str
) -> None:  # noqa: ANN001
    start, end = PERIODS[period]
    now = datetime.now(LOCAL_TZ) if period == "recent" else pc.NOW
    with scoped(app_engine, _city(planted)) as conn:
        got = performance.departments(conn, start=start, end=end, now=now)
    _compare(got, expected_departments(_raw(engine), _open_locks(engine), start, end, now))
    assert any(r["cases_led"] for r in got)


def test_perf005_a_district_and_a_department_count_only_what_they_may_see(
    app_engine, engine, planted
) -> None:  # noqa: ANN001
    start, end = pc.JUNE
    district = Scope(user="pft_d", role="district", areas=(planted["home"],))
    with scoped(app_engine, district) as conn:
        got = performance.departments(conn, start=start, end=end, now=pc.NOW)
    where = "d.district_code = :d"
    want = expected_departments(
        _raw(engine, where, d=planted["home"]),
        _open_locks(engine, where, d=planted["home"]),
        start,
        end,
        pc.NOW,
    )
    _compare(got, want)
    dept = Scope(user="pft_u", role="department", department=pc.DEPT_A)
    with scoped(app_engine, dept) as conn:
        got = performance.departments(conn, start=start, end=end, now=pc.NOW)
    want = expected_departments(
        _raw(engine, VISIBLE_TO_DEPARTMENT, dept=pc.DEPT_A),
        _open_locks(engine, VISIBLE_TO_DEPARTMENT, dept=pc.DEPT_A),
        start,
        end,
        pc.NOW,
    )
    _compare(got, want)
    _same(_row(got, pc.DEPT_A), pc.EXPECTED_A)  # its own row is whole
    # Of pft_b it sees only B1, where it holds a lock.
    assert _row(got, pc.DEPT_B)["cases_led"] == 1


def expected_mediation(rows: list[dict], start, end) -> tuple[dict, dict]:  # noqa: ANN001
    """Per room id and per mediator id: the mediation figures, from raw rows."""
    cohort = [
        r
        for r in rows
        if r["status"] != "merged"
        and r["assignee_kind"] == "mediation"
        and r["mediation_room_id"] is not None
        and _in_period(r, start, end)
    ]

    def figures(cases: list[dict]) -> dict:
        closed = [r for r in cases if r["outcome_code"] is not None]
        handled = [r for r in cases if r["resolved_at"] is not None]
        rated = [r["satisfaction"] for r in cases if r["satisfaction"] is not None]
        days = sum(
            max((r["resolved_at"] - r["assigned_at"]).total_seconds(), 0) / 86400 for r in handled
        )
        work = sum(_workdays(r["assigned_at"], r["resolved_at"]) for r in handled)
        return {
            "cases": len(cases),
            "open": sum(r["status"] in ("received", "assigned", "in_progress") for r in cases),
            "closed": len(closed),
            "agreements": sum(r["outcome_code"] == "agreement" for r in closed),
            "success_rate": _ratio(
                sum(r["outcome_code"] == "agreement" for r in closed), len(closed)
            ),
            "avg_days": _ratio(days, len(handled)),
            "avg_workdays": _ratio(work, len(handled)),
            "satisfaction": _ratio(sum(rated), len(rated)),
        }

    rooms: dict[int, list[dict]] = {}
    people: dict[int, list[dict]] = {}
    for r in cohort:
        rooms.setdefault(r["mediation_room_id"], []).append(r)
        if r["mediator_id"] is not None:
            people.setdefault(r["mediator_id"], []).append(r)
    return (
        {k: figures(v) for k, v in rooms.items()},
        {k: figures(v) for k, v in people.items()},
    )


@pytest.mark.parametrize("period", sorted(PERIODS))
def test_perf006_every_room_and_mediator_figure_matches_the_raw_rows(
    app_engine, engine, planted, period: str
) -> None:  # noqa: ANN001
    start, end = PERIODS[period]
    with scoped(app_engine, _city(planted)) as conn:
        got = performance.mediation(conn, start=start, end=end, now=pc.NOW)
    rooms, people = expected_mediation(_raw(engine), start, end)
    with engine.connect() as c:
        all_rooms = c.execute(text("SELECT count(*) FROM mediation_room")).scalar()
        all_people = c.execute(text("SELECT count(*) FROM mediator")).scalar()
    assert len(got["rooms"]) == all_rooms and len(got["mediators"]) == all_people
    for kind, rows, want in (
        ("room_id", got["rooms"], rooms),
        ("mediator_id", got["mediators"], people),
    ):
        for row in rows:
            expected = want.get(row[kind])
            if expected is None:
                assert row["cases"] == 0 and row["success_rate"] is None, row
                continue
            for key, value in expected.items():
                if isinstance(value, float):
                    assert row[key] == pytest.approx(value, abs=1e-9), (row[kind], key)
                else:
                    assert row[key] == value, (row[kind], key)
        assert set(want) <= {r[kind] for r in rows}

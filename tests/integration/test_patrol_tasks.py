"""Patrol tasks on the demo, in a rolled-back transaction: the morning's generation follows the
rules of ``domain.tasks`` (checked against plain SQL), is idempotent, a covering visit closes a
task by itself and a visit too far away does not, workers mark their own, and completion rates
equal a plain count."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from domain import tasks as rules
from domain.clock import LOCAL_TZ
from geodata.write import tasks

pytestmark = pytest.mark.db

TODAY = date(2026, 11, 28)
NOW = datetime(2026, 11, 28, 7, 0, tzinfo=LOCAL_TZ)


@pytest.fixture()
def planted(conn, demo_db):  # noqa: ANN001, ANN201
    """A high-risk key person nobody visited, and a new unsigned case, in one grid."""
    grid, lon, lat, worker = conn.execute(
        text(
            "SELECT g.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)),"
            " w.id FROM grid g JOIN grid_worker w ON w.grid_code = g.code ORDER BY g.code LIMIT 1"
        )
    ).one()
    person = conn.execute(
        text(
            "INSERT INTO key_person (name, category, grid_code, district_code, risk_level, geom)"
            " VALUES ('任务测试', '测试', :g, :dist, 'high',"
            " ST_SetSRID(ST_MakePoint(:x, :y), 4326)) RETURNING id"
        ),
        {"g": grid, "dist": grid[:6], "x": lon, "y": lat},
    ).scalar()
    case = conn.execute(
        text(
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
            " grid_code, district_code, risk_level, status) VALUES ('hotline', 'TASK-1',"
            " 'neighbour', '楼道堆物', :at, ST_SetSRID(ST_MakePoint(:x, :y), 4326), :g,"
            " :dist, 'high', 'received') RETURNING id"
        ),
        {"g": grid, "dist": grid[:6], "x": lon + 0.0003, "y": lat, "at": NOW - timedelta(hours=20)},
    ).scalar()
    return {"grid": grid, "lon": lon, "lat": lat, "worker": worker, "person": person,
            "case": case}  # fmt: skip


def _visit(conn, p: dict, dx: float, at: datetime) -> int:  # noqa: ANN001
    return conn.execute(
        text(
            "INSERT INTO patrol_visit (visited_at, worker_id, grid_code, district_code, geom)"
            " VALUES (:at, :w, :g, :dist, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
            " RETURNING id"
        ),
        {
            "at": at,
            "w": p["worker"],
            "g": p["grid"],
            "dist": p["grid"][:6],
            "x": p["lon"] + dx,
            "y": p["lat"],
        },
    ).scalar()


def test_task001_the_morning_list_follows_the_rules(conn, planted) -> None:  # noqa: ANN001
    out = tasks.generate(conn, TODAY, NOW)
    assert out["created"] > 0 and out["created"] == out["planned"]
    mine = conn.execute(
        text("SELECT kind, priority, key_person_id, dispute_id, building_id, worker_id, due_on"
             " FROM patrol_task WHERE grid_code = :g AND kind <> 'manual' AND created_on = :d"),
        {"g": planted["grid"], "d": TODAY},
    ).mappings().all()  # fmt: skip
    kinds = {(r["kind"], r["priority"]) for r in mine}
    assert ("key_person", "urgent") in kinds and ("case", "urgent") in kinds
    assert all(r["worker_id"] == planted["worker"] for r in mine)
    assert len(mine) <= rules.MAX_PER_GRID
    # No grid gets more than the cap; coverage tasks name buildings unvisited for 30 days.
    worst = conn.execute(
        text("SELECT max(n) FROM (SELECT count(*) n FROM patrol_task WHERE kind <> 'manual'"
             " AND created_on = :d GROUP BY grid_code) x"), {"d": TODAY}
    ).scalar()  # fmt: skip
    assert worst <= rules.MAX_PER_GRID
    visited_lately = conn.execute(
        text(
            "SELECT count(*) FROM patrol_task t WHERE t.kind = 'coverage' AND t.created_on = :d"
            " AND EXISTS (SELECT 1 FROM patrol_visit v WHERE v.building_id = t.building_id"
            " AND v.visited_at >= :cut AND v.visited_at < :now)"
        ),
        {"d": TODAY, "cut": NOW - timedelta(days=30), "now": NOW},
    ).scalar()
    assert visited_lately == 0
    assert (
        conn.execute(
            text("SELECT count(*) FROM patrol_task WHERE kind = 'coverage' AND created_on = :d"),
            {"d": TODAY},
        ).scalar()
        > 0
    )
    # Idempotent: the same morning again makes nothing new.
    assert tasks.generate(conn, TODAY, NOW)["created"] == 0


def test_task002_a_covering_visit_closes_a_task_and_a_far_one_does_not(conn, planted) -> None:  # noqa: ANN001
    tasks.generate(conn, TODAY, NOW)
    person_task = conn.execute(
        text("SELECT id FROM patrol_task WHERE key_person_id = :k AND status = 'open'"),
        {"k": planted["person"]},
    ).scalar()
    _visit(conn, planted, 0.003, NOW + timedelta(hours=2))  # ~250 m east: not covering
    tasks.close_covered(conn, NOW + timedelta(hours=3))
    assert conn.execute(text("SELECT status FROM patrol_task WHERE id = :i"),
                        {"i": person_task}).scalar() == "open"  # fmt: skip
    visit = _visit(conn, planted, 0.0002, NOW + timedelta(hours=4))  # ~17 m: covering
    tasks.close_covered(conn, NOW + timedelta(hours=5))
    row = conn.execute(text("SELECT status, outcome, closed_by FROM patrol_task WHERE id = :i"),
                       {"i": person_task}).one()  # fmt: skip
    assert tuple(row) == ("done", "covered", f"visit:{visit}")
    # A key person visited within their interval gets no task the next morning.
    tomorrow = tasks.generate(conn, TODAY + timedelta(days=1), NOW + timedelta(days=1))
    again = conn.execute(
        text("SELECT count(*) FROM patrol_task WHERE key_person_id = :k AND status = 'open'"),
        {"k": planted["person"]},
    ).scalar()
    assert again == 0 and tomorrow["created"] >= 0


def test_task003_workers_mark_their_tasks_and_rates_add_up(conn, planted) -> None:  # noqa: ANN001
    tasks.generate(conn, TODAY, NOW)
    case_task = conn.execute(
        text("SELECT id FROM patrol_task WHERE dispute_id = :c AND status = 'open'"),
        {"c": planted["case"]},
    ).scalar()
    with pytest.raises(ValueError):
        tasks.mark(conn, case_task, "ignored", "gw", "grid_worker")
    assert (
        tasks.mark(conn, case_task, "found", "gw", "grid_worker", "现场确有堆物")["outcome"]
        == "found"
    )
    with pytest.raises(LookupError):
        tasks.mark(conn, case_task, "handled", "gw", "grid_worker")
    rates = {r["area"]: r for r in tasks.completion(conn, TODAY, TODAY + timedelta(days=3), 6)}
    district = planted["grid"][:6]
    total, done = conn.execute(
        text("SELECT count(*), count(*) FILTER (WHERE status = 'done') FROM patrol_task"
             " WHERE kind <> 'manual' AND left(grid_code, 6) = :d AND due_on BETWEEN :a AND :b"),
        {"d": district, "a": TODAY, "b": TODAY + timedelta(days=3)},
    ).one()  # fmt: skip
    assert (rates[district]["tasks"], rates[district]["done"]) == (total, done) and done >= 1
    assert rates[district]["rate"] == pytest.approx(done / total)

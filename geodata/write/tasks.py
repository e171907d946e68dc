"""Patrol tasks: the morning's generation (``domain.tasks``), closing by covering visits, the
worker's own marks, and completion rates. Runs on the caller's scoped connection (the app's jobs
act city-wide as the centre) or as the owner from the command line."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from domain import tasks as rules
from domain.clock import midnight
from domain.clock import now as local_now
from geodata.read import risk
from geodata.sql import query
from geodata.write.users import record_audit

EXPIRE_AFTER_DAYS = 7
MARKS = ("handled", "found")


def candidates(conn: Connection, today: date, now: datetime) -> tuple[list[rules.Candidate], dict]:
    """Everything that might call for a task today, and each target's point (EWKT)."""
    start = midnight(today - timedelta(days=rules.LOOKBACK_DAYS))
    rows = conn.execute(
        text(query("read/task_candidates")),
        {"today": today, "start": start, "now": now,
         "coverage_per_grid": rules.COVERAGE_PER_GRID},
    ).mappings()  # fmt: skip
    out: list[rules.Candidate] = []
    points: dict[tuple[str, int | None], str | None] = {}
    for r in rows:
        out.append(rules.Candidate(r["kind"], r["grid_code"], r["target_id"], r["risk"],
                                   r["days_since"], r["label"] or ""))  # fmt: skip
        points[r["kind"], r["target_id"]] = r["geom"]
    for code, g in risk.grid_risk(conn, now).items():
        if g["class"] == "red":
            out.append(rules.Candidate("risk", code, score=g["score"]))
    return out, points


def generate(conn: Connection, today: date, now: datetime | None = None) -> dict[str, int]:
    """Make the day's tasks (an open task for the same target is kept, not doubled), expire
    tasks a week past due, and close what visits already covered. Idempotent for a day."""
    moment = now or local_now()
    found, points = candidates(conn, today, moment)
    planned = rules.plan_day(found, today)
    made = 0
    for task in planned:
        made += conn.execute(
            text(query("write/task_insert")),
            {"grid": task.grid_code, "kind": task.kind, "target": task.target_id,
             "priority": task.priority, "due_on": task.due_on, "reason": task.reason,
             "today": today, "geom": points.get((task.kind, task.target_id))},
        ).first() is not None  # fmt: skip
    expired = conn.execute(
        text(
            "UPDATE patrol_task SET status = 'cancelled', outcome = 'expired', closed_at = :now,"
            " closed_by = 'system' WHERE status = 'open' AND kind <> 'manual' AND due_on < :cut"
        ),
        {"now": moment, "cut": today - timedelta(days=EXPIRE_AFTER_DAYS)},
    ).rowcount
    covered = close_covered(conn, moment)
    return {"candidates": len(found), "planned": len(planned), "created": made,
            "expired": expired, "covered": covered}  # fmt: skip


def close_covered(conn: Connection, now: datetime | None = None) -> int:
    """Close the open tasks a patrol visit covered (``domain.tasks``); the count closed."""
    rows = conn.execute(
        text(query("write/task_close_covered")),
        {"radius": rules.COVER_RADIUS_M, "now": now or local_now()},
    ).all()
    return len(rows)


def mark(
    conn: Connection, task_id: int, outcome: str, user: str, role: str, note: str | None = None
) -> dict[str, Any]:
    """A worker's own mark: handled (处理完毕) or found (发现问题), with a note; LookupError for a
    task the caller cannot see or that is no longer open."""
    if outcome not in MARKS:
        raise ValueError(f"outcome must be one of {list(MARKS)}")
    note = (note or "").strip()[:2000] or None
    row = conn.execute(
        text(
            "UPDATE patrol_task SET status = 'done', outcome = :o, note = :n, closed_at = now(),"
            " closed_by = :u WHERE id = :id AND status = 'open' RETURNING id, grid_code"
        ),
        {"o": outcome, "n": note, "u": user, "id": task_id},
    ).first()
    if row is None:
        raise LookupError(f"no open task {task_id}")
    record_audit(conn, user, role, f"task.{outcome}", f"task:{task_id}", {"note": note})
    return {"id": task_id, "status": "done", "outcome": outcome}


def open_tasks(conn: Connection, grid_code: str | None = None, limit: int = 100) -> list[dict]:
    """Open tasks (the caller's grid or jurisdiction), most urgent first."""
    rows = conn.execute(
        text(
            "SELECT t.id, t.grid_code, t.kind, t.priority, t.due_on, t.reason, t.created_on,"
            " b.address FROM patrol_task t LEFT JOIN building b ON b.id = t.building_id"
            " WHERE t.status = 'open' AND (CAST(:g AS text) IS NULL OR t.grid_code = :g)"
            " ORDER BY array_position(ARRAY['urgent','high','normal','low'], t.priority::text),"
            " t.due_on, t.id LIMIT :limit"
        ),
        {"g": grid_code, "limit": limit},
    ).mappings()
    return [dict(r) for r in rows]


def completion(conn: Connection, start: date, end: date, digits: int) -> list[dict[str, Any]]:
    """Per area (the first ``digits`` digits of the grid code: 6 district, 9 township, 15 grid):
    generated tasks due in [start, end], done, and the completion rate."""
    if digits not in (6, 9, 12, 15):
        raise ValueError("digits must be 6, 9, 12 or 15")
    rows = conn.execute(
        text(
            "SELECT left(grid_code, :d) AS area, count(*) AS tasks,"
            " count(*) FILTER (WHERE status = 'done') AS done FROM patrol_task"
            " WHERE kind <> 'manual' AND due_on BETWEEN :a AND :b GROUP BY 1 ORDER BY 1"
        ),
        {"d": digits, "a": start, "b": end},
    ).mappings()
    return [{**dict(r), "rate": rules.completion_rate(r["done"], r["tasks"])} for r in rows]

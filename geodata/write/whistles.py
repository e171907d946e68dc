"""吹哨 writes: raise a whistle from the catalogue, answer (应哨), rate (评价), assess a period
(评估), and supervise unanswered ones past their limit — each under an optimistic version check,
with an audit row, on the caller's scoped connection (row-level security decides which whistles
the caller can touch). The rules are ``domain.whistles``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from domain import sla, whistles, workdays
from domain.clock import midnight
from domain.clock import now as local_now
from domain.workflow import Actor, ForbiddenAction, GuardError
from geodata.write.users import record_audit


class WhistleNotFound(LookupError):
    """No such whistle for this caller."""


class WhistleConflict(RuntimeError):
    """Someone else changed the whistle since the caller read it."""


def raise_whistle(
    conn: Connection,
    actor: Actor,
    community_code: str,
    item_code: str,
    description: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """吹哨: a new whistle of a community for a catalogue item, due within the item's limit."""
    moment = now or local_now()
    if not whistles.may(actor, "raise"):
        raise ForbiddenAction(f"role {actor.role!r} may not raise a whistle")
    item = (
        conn.execute(
            text(
                "SELECT code, class_code, name, department, limit_days FROM whistle_item WHERE code = :c"
            ),
            {"c": item_code},
        )
        .mappings()
        .first()
    )
    if item is None:
        raise GuardError(f"unknown whistle item {item_code!r}")
    area = conn.execute(
        text("SELECT code FROM admin_area WHERE code = :c AND level = 'community'"),
        {"c": community_code},
    ).scalar()
    if area is None:
        raise GuardError(f"{community_code!r} is not a community")
    seq = conn.execute(text("SELECT nextval('whistle_id_seq')")).scalar()
    row = conn.execute(
        text(
            "INSERT INTO whistle (id, source_ref, community_code, district_code, category, item,"
            " item_code, description, raised_at, raised_by, responding_department, status, due_at)"
            " VALUES (:id, :ref, :c, :district, :cls, :name, :item, :d, :at, :by,"
            " :dept, 'raised', :due) RETURNING id, due_at"
        ),
        {"id": seq, "ref": f"WH-{moment:%Y}-{seq:07d}", "c": community_code,
         "district": community_code[:6], "cls": item["class_code"],
         "name": item["name"], "item": item["code"], "d": (description or "").strip()[:4000] or None,
         "at": moment, "by": actor.user, "dept": item["department"],
         "due": workdays.due_at(moment, item["limit_days"])},
    ).mappings().one()  # fmt: skip
    record_audit(conn, actor.user, actor.role, "whistle.raise", f"whistle:{row['id']}",
                 {"item": item_code, "community": community_code})  # fmt: skip
    return {"id": row["id"], "status": "raised", "due_at": row["due_at"], "version": 1}


def act(
    conn: Connection,
    whistle_id: int,
    action: str,
    actor: Actor,
    params: dict | None = None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """应哨 (respond: response), 评价 (evaluate: evaluation 1–5, note) or 评估 (assess)."""
    moment = now or local_now()
    row = (
        conn.execute(
            text("SELECT id, status, version, responding_department FROM whistle WHERE id = :id"),
            {"id": whistle_id},
        )
        .mappings()
        .first()
    )
    if row is None:
        raise WhistleNotFound(f"no whistle {whistle_id}")
    if expected_version is not None and row["version"] != expected_version:
        raise WhistleConflict(f"whistle {whistle_id} was changed meanwhile; reload it")
    state = whistles.WhistleState(row["status"], row["responding_department"])
    stage, values = whistles.after(state, action, actor, params or {})
    stamp = {"respond": "responded_at", "evaluate": "evaluated_at", "assess": "assessed_at"}[action]
    sets = ", ".join(f"{k} = :v_{k}" for k in values)
    done = conn.execute(
        text(
            f"UPDATE whistle SET status = :stage, {stamp} = :at{', ' + sets if sets else ''},"  # noqa: S608 — columns from domain.whistles
            " version = version + 1 WHERE id = :id AND version = :version RETURNING version"
        ),
        {"stage": stage, "at": moment, "id": whistle_id, "version": row["version"],
         **{f"v_{k}": v for k, v in values.items()}},
    ).scalar()  # fmt: skip
    if done is None:
        raise WhistleConflict(f"whistle {whistle_id} was changed meanwhile; reload it")
    record_audit(conn, actor.user, actor.role, f"whistle.{action}", f"whistle:{whistle_id}",
                 {"stage": stage, **{k: v for k, v in values.items() if k != "response"}})  # fmt: skip
    return {"id": whistle_id, "status": stage, "version": done}


def assess_period(conn: Connection, actor: Actor, start: date, end: date) -> list[dict[str, Any]]:
    """评估: rank the departments on the whistles raised in [start, end] (answer time, on-time
    rate, satisfaction) and close the round: every rated whistle of the period is assessed."""
    if not whistles.may(actor, "assess"):
        raise ForbiddenAction(f"role {actor.role!r} may not assess whistles")
    ranking = department_ranking(conn, start, end)
    ids = (
        conn.execute(
            text(
                "SELECT id FROM whistle WHERE status = 'evaluated' AND raised_at >= :a AND raised_at < :b"
            ),
            {"a": midnight(start), "b": midnight(end + timedelta(days=1))},
        )
        .scalars()
        .all()
    )
    for whistle_id in ids:
        act(conn, whistle_id, "assess", actor)
    record_audit(conn, actor.user, actor.role, "whistle.assess_period", None,
                 {"start": start.isoformat(), "end": end.isoformat(), "assessed": len(ids)})  # fmt: skip
    return ranking


def department_ranking(conn: Connection, start: date, end: date) -> list[dict[str, Any]]:
    """Per answering department, over whistles raised in [start, end]: raised, answered,
    answered on time (by the due time), mean hours to answer, mean rating; best first."""
    rows = conn.execute(
        text(
            "SELECT w.responding_department AS department, d.name, count(*) AS raised,"
            " count(w.responded_at) AS answered,"
            " count(*) FILTER (WHERE w.responded_at <= w.due_at) AS on_time,"
            " avg(extract(epoch FROM w.responded_at - w.raised_at) / 3600.0) AS hours,"
            " avg(w.evaluation) AS rating"
            " FROM whistle w JOIN department d ON d.code = w.responding_department"
            " WHERE w.raised_at >= :a AND w.raised_at < :b GROUP BY 1, 2"
        ),
        {"a": midnight(start), "b": midnight(end + timedelta(days=1))},
    ).mappings()
    out = []
    for r in rows:
        rate = r["on_time"] / r["raised"] if r["raised"] else None
        out.append({**dict(r), "on_time_rate": rate,
                    "hours": None if r["hours"] is None else round(float(r["hours"]), 1),
                    "rating": None if r["rating"] is None else round(float(r["rating"]), 2)})  # fmt: skip
    out.sort(key=lambda r: (-(r["on_time_rate"] or 0), -(r["rating"] or 0), r["department"]))
    return out


def supervise_overdue(conn: Connection, now: datetime | None = None) -> int:
    """Unanswered whistles near or past their limit get the 督办 level their clock calls for
    (提醒 → 督办 → 挂牌督办, as cases); the count raised."""
    moment = now or local_now()
    thresholds = sla.DEFAULT
    rows = (
        conn.execute(
            text(
                "SELECT id, raised_at, due_at, supervision_level FROM whistle WHERE status = 'raised'"
                " AND due_at IS NOT NULL AND due_at <= :h AND supervision_level < 3"
            ),
            {"h": moment + thresholds.remind_before},
        )
        .mappings()
        .all()
    )
    raised = 0
    for r in rows:
        clock = sla.Clock("whistle", r["raised_at"], r["due_at"])
        level = sla.level_for(clock, moment, workdays.due_at, thresholds)
        if level > r["supervision_level"]:
            conn.execute(
                text(
                    "UPDATE whistle SET supervision_level = :l, version = version + 1 WHERE id = :i"
                ),
                {"l": level, "i": r["id"]},
            )
            record_audit(conn, "system", "city", "whistle.supervise", f"whistle:{r['id']}",
                         {"level": level})  # fmt: skip
            raised += 1
    return raised

"""Workflow writes: register a case, apply a decided transition, escalate supervision.

Each write is one transaction on the caller's scoped connection (row-level security decides which
cases the caller can touch at all): the case row is updated under an optimistic version check,
its events appended, its locks, consultation or links written, and an audit row added; the
``disputes`` data version moves by trigger in the same transaction. A lost race is a
``Conflict`` naming who changed the case, never a silent overwrite. The rules themselves are
``domain.workflow``; nothing here decides what an action may do.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from domain import sla, workdays
from domain.clock import now as local_now
from domain.workflow import (
    Actor,
    CaseState,
    Decision,
    GuardError,
    Lock,
    WorkflowError,
    decide,
)
from geodata.sql import query
from geodata.write import risk
from geodata.write.users import record_audit

# Columns a decision may change (``Decision.changes``): the only names that reach the UPDATE.
CHANGEABLE = frozenset(
    {
        "type_code", "risk_level", "agent", "lead_department", "cooperating_departments",
        "assignee_kind", "mediation_room_id", "mediator_id", "worker_id", "assigned_at",
        "due_at", "sign_due_at", "signed_at", "supervision_level", "resolved_at",
        "outcome_code", "outcome", "evaluated_at", "satisfaction", "reopen_count",
        "archived_at", "merged_into", "geom", "grid_code", "district_code",
    }
)  # fmt: skip
_LOCK_CHANGEABLE = frozenset(
    {"status", "planned_at", "facts", "law", "plan", "resolved_at", "outcome"}
)


# Who the automatic 督办 acts as: the centre itself, city-wide.
SYSTEM_ACTOR = Actor("system", "city")


class CaseNotFound(LookupError):
    """No such case for this caller (another jurisdiction's case is not found either)."""


class Conflict(RuntimeError):
    """Someone else changed the case since the caller read it."""

    def __init__(self, case_id: int, current: dict[str, Any], last: dict[str, Any] | None) -> None:
        who = f"{last['actor']} ({last['action']}, {last['at']:%Y-%m-%d %H:%M})" if last else "?"
        super().__init__(
            f"case {case_id} was changed meanwhile by {who}; it is now {current['status']!r}"
            f" at version {current['version']}"
        )
        self.case_id = case_id
        self.current = current
        self.last = last


@dataclass(frozen=True)
class Outcome:
    """What a write did: the case's new status and version, and the ids of what it added."""

    case_id: int
    status: str
    version: int
    event_ids: tuple[int, ...]
    lock_ids: tuple[int, ...] = ()
    level: int = 0  # the 督办 level an escalation reached


def _deadline(moment: datetime, days: int) -> datetime:
    return workdays.due_at(moment, days)


def case_row(conn: Connection, case_id: int) -> dict[str, Any] | None:
    """The case's workflow columns and locks, as the caller may see them (or None)."""
    row = conn.execute(text(query("write/case_state")), {"id": case_id}).mappings().first()
    if row is None:
        return None
    out = dict(row)
    out["locks"] = [
        {k: (datetime.fromisoformat(v) if k in _LOCK_TIMES and v else v) for k, v in lk.items()}
        for lk in row["locks"]
    ]
    return out


_LOCK_TIMES = ("created_at", "due_at", "resolved_at")


def state_of(row: Mapping[str, Any]) -> CaseState:
    """The rules' view of a case row."""
    return CaseState(
        status=row["status"],
        lead_department=row["lead_department"],
        assignee_kind=row["assignee_kind"],
        worker_grid=row["worker_grid"],
        grid_code=row["grid_code"],
        supervision_level=row["supervision_level"],
        evaluated=bool(row["evaluated"]),
        locks=tuple(Lock(lk["id"], lk["department_code"], lk["status"]) for lk in row["locks"]),
        case_id=row["id"],
        reopen_count=row["reopen_count"],
    )


def last_event(conn: Connection, case_id: int) -> dict[str, Any] | None:
    """The newest event of a case (who changed it last)."""
    row = (
        conn.execute(
            text(
                "SELECT action, actor, at FROM dispute_event WHERE dispute_id = :id"
                " ORDER BY at DESC, id DESC LIMIT 1"
            ),
            {"id": case_id},
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def _checked_params(
    conn: Connection, row: Mapping[str, Any], action: str, params: Mapping[str, Any]
) -> dict[str, Any]:
    """``params`` with what only the database knows filled in and checked: the type's time
    limit, that named departments, rooms, workers, types and cases exist (and, for a case to
    merge into, that the caller can see it)."""
    p = dict(params)
    if action == "assign":
        # The type's standard path (类案标准化) unless the dispatcher chose otherwise.
        limit, cooperating = conn.execute(
            text(
                "SELECT time_limit_days, cooperating_departments FROM dispute_type WHERE code = :t"
            ),
            {"t": row["type_code"]},
        ).one()
        if p.get("limit_days") is None:
            p["limit_days"] = limit
        if "cooperating" not in p:
            p["cooperating"] = list(cooperating)
        _known(conn, "department", "code", [p.get("department"), *(p.get("cooperating") or [])])
        if p.get("kind") == "mediation":
            _known(conn, "mediation_room", "id", [p.get("room_id")])
            if p.get("mediator_id") is not None:
                ok = conn.execute(
                    text("SELECT 1 FROM mediator WHERE id = :m AND room_id = :r"),
                    {"m": p.get("mediator_id"), "r": p.get("room_id")},
                ).first()
                if ok is None:
                    raise GuardError("the mediator does not work in that mediation room")
        if p.get("kind") == "grid_worker":
            grid = conn.execute(
                text("SELECT grid_code FROM grid_worker WHERE id = :w"), {"w": p.get("worker_id")}
            ).scalar()
            if grid is None or grid != row["grid_code"]:
                raise GuardError("a simple case goes to a worker of the case's own grid")
    elif action == "consult":
        _known(conn, "department", "code", list(p.get("departments") or []))
    elif action == "split":
        _known(conn, "department", "code", [lk.get("department") for lk in p.get("locks") or []
                                            if isinstance(lk, Mapping)])  # fmt: skip
    elif action == "classify":
        _known(conn, "dispute_type", "code", [p.get("type_code")])
    elif action == "merge":
        into = p.get("into")
        target = (
            case_row(conn, into) if isinstance(into, int) and not isinstance(into, bool) else None
        )
        if target is None:
            raise GuardError("merge names a case you can see (into)")
        if target["status"] == "merged":
            raise GuardError("that case was itself merged; merge into the case it was merged into")
    return p


_KNOWN = {"department": "code", "mediation_room": "id", "dispute_type": "code"}


def _known(conn: Connection, table: str, column: str, values: list[Any]) -> None:
    """GuardError unless every value names a row of ``table`` (whitelisted)."""
    assert _KNOWN[table] == column
    wanted = {v for v in values if v is not None}
    if not wanted:
        return
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in wanted):
        raise GuardError(f"unknown {table.replace('_', ' ')}: {sorted(map(str, wanted))}")
    found = {
        v
        for (v,) in conn.execute(
            text(f"SELECT {column} FROM {table} WHERE {column} = ANY(:v)"),  # noqa: S608 — whitelisted
            {"v": list(wanted)},
        )
    }
    missing = wanted - found
    if missing:
        raise GuardError(f"unknown {table.replace('_', ' ')}: {sorted(map(str, missing))}")


def act(
    conn: Connection,
    case_id: int,
    action: str,
    actor: Actor,
    params: Mapping[str, Any] | None = None,
    *,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Outcome:
    """Take ``action`` on case ``case_id`` as ``actor``, in the caller's transaction.

    ``expected_version``: the version the caller saw (the desk always sends it); a different
    current version is a ``Conflict``. Raises ``CaseNotFound``, ``Conflict`` or a
    ``domain.workflow.WorkflowError`` (refused by the rules); nothing is written then."""
    moment = now or local_now()
    row = case_row(conn, case_id)
    if row is None:
        raise CaseNotFound(f"no case {case_id}")
    if expected_version is not None and row["version"] != expected_version:
        raise Conflict(case_id, row, last_event(conn, case_id))
    checked = _checked_params(conn, row, action, params or {})
    decision = decide(state_of(row), action, actor, moment, checked, deadline=_deadline)
    return apply(conn, row, decision, actor, moment, action)


def apply(
    conn: Connection,
    row: Mapping[str, Any],
    decision: Decision,
    actor: Actor,
    moment: datetime,
    action: str,
) -> Outcome:
    """Write ``decision`` for the case ``row`` (read by ``case_row``) in one transaction."""
    case_id = row["id"]
    changes = dict(decision.changes)
    unknown = set(changes) - CHANGEABLE
    if unknown:
        raise ValueError(f"not a workflow column: {sorted(unknown)}")
    sets = "".join(f", {c} = :c_{c}" for c in changes)
    version = conn.execute(
        text(query("write/case_update").format(sets=sets)),
        {"id": case_id, "version": row["version"], "status": decision.status,
         **{f"c_{c}": v for c, v in changes.items()}},
    ).scalar()  # fmt: skip
    if version is None:
        fresh = case_row(conn, case_id) or dict(row)
        raise Conflict(case_id, fresh, last_event(conn, case_id))
    district = changes.get("district_code", row["district_code"])
    lock_ids = _write_locks(conn, case_id, district, decision, moment)
    if decision.consultation is not None:
        c = decision.consultation
        conn.execute(
            text(
                "INSERT INTO consultation (dispute_id, district_code, held_at, departments,"
                " participants, minutes, outcome, created_by) VALUES (:d, :dist, :at, :deps,"
                " :who, :minutes, :outcome, :by)"
            ),
            {"d": case_id, "dist": district, "at": c["held_at"], "deps": c["departments"],
             "who": c["participants"], "minutes": c["minutes"], "outcome": c["outcome"],
             "by": actor.user},
        )  # fmt: skip
    if action == "merge":
        link(conn, case_id, changes["merged_into"], "merged", None, "合并")
    event_ids = []
    for event in decision.events:
        lock = event.lock_id
        event_ids.append(
            conn.execute(
                text(
                    "INSERT INTO dispute_event (dispute_id, sub_case_id, district_code, action,"
                    " actor, department_code, at, note, detail) VALUES (:d, :s, :dist, :a, :who,"
                    " :dep, :at, :note, CAST(:detail AS jsonb)) RETURNING id"
                ),
                {"d": case_id, "s": lock, "dist": district, "a": event.action, "who": actor.user,
                 "dep": event.department, "at": moment, "note": event.note,
                 "detail": json.dumps({**event.detail, **({"lock_ids": list(lock_ids)}
                                       if event.action == "split" else {})},
                                      ensure_ascii=False, default=str)},
            ).scalar()
        )  # fmt: skip
    record_audit(
        conn,
        actor.user,
        actor.role,
        f"case.{action}",
        f"dispute:{case_id}",
        {"version": version, "status": decision.status, "events": event_ids},
    )
    risk.refresh(conn, case_id=case_id, now=moment)  # 督办, 重办 and overdue move the colour
    return Outcome(case_id, decision.status, version, tuple(event_ids), tuple(lock_ids))


def _write_locks(
    conn: Connection, case_id: int, district: str, decision: Decision, moment: datetime
) -> list[int]:
    ids = []
    for new in decision.new_locks:
        ids.append(
            conn.execute(
                text(
                    "INSERT INTO dispute_sub_case (dispute_id, district_code, department_code,"
                    " task, status, due_at, created_at, time_limit_days) VALUES (:d, :dist, :dep,"
                    " :task, 'open', :due, :at, :limit) RETURNING id"
                ),
                {"d": case_id, "dist": district, "dep": new.department, "task": new.task,
                 "due": _deadline(moment, new.limit_days), "at": moment,
                 "limit": new.limit_days},
            ).scalar()
        )  # fmt: skip
    for lock_id, values in decision.lock_changes.items():
        unknown = set(values) - _LOCK_CHANGEABLE
        if unknown:
            raise ValueError(f"not a lock column: {sorted(unknown)}")
        sets = ", ".join(f"{c} = :c_{c}" for c in values)
        done = conn.execute(
            text(f"UPDATE dispute_sub_case SET {sets} WHERE id = :id AND dispute_id = :d"),  # noqa: S608 — whitelisted columns
            {"id": lock_id, "d": case_id, **{f"c_{c}": v for c, v in values.items()}},
        ).rowcount
        if done != 1:
            raise GuardError(f"lock {lock_id} could not be changed")
    return ids


def link(
    conn: Connection,
    a: int,
    b: int,
    kind: str,
    score: float | None,
    reason: str | None,
) -> None:
    """Link two cases both ways (idempotent)."""
    for x, y in ((a, b), (b, a)):
        conn.execute(
            text(
                "INSERT INTO dispute_link (dispute_id, other_id, kind, district_code, score,"
                " reason) VALUES (:x, :y, :k, (SELECT district_code FROM dispute WHERE id = :x),"
                " :s, :r) ON CONFLICT DO NOTHING"
            ),
            {"x": x, "y": y, "k": kind, "s": score, "r": reason},
        )


def escalate(
    conn: Connection,
    actor: Actor,
    now: datetime | None = None,
    thresholds: sla.Thresholds | None = None,
    only: list[int] | None = None,
) -> list[Outcome]:
    """Automatic 督办: every open case whose clocks call for a higher level than it has gets a
    ``supervise`` event at that level (提醒 → 督办 → 挂牌督办), once per level. Cases changed
    meanwhile by someone else are skipped this round (the next round sees them). ``only``: look
    at these cases alone."""
    moment = now or local_now()
    thresholds = thresholds or sla.Thresholds()
    horizon = moment + thresholds.remind_before
    done: list[Outcome] = []
    rows = conn.execute(
        text(query("write/supervision_candidates")), {"horizon": horizon, "only": only}
    ).all()
    for case_id, _version, _level in rows:
        row = case_row(conn, case_id)
        if row is None:
            continue
        clocks = sla.case_clocks(row, row["locks"], _deadline, thresholds)
        level, clock = sla.supervision_due(clocks, moment, _deadline, thresholds)
        if level <= row["supervision_level"]:
            continue
        assert clock is not None
        note = _supervision_note(level, clock)
        try:
            with conn.begin_nested():
                decision = decide(
                    state_of(row), "supervise", actor, moment,
                    {"level": level, "auto": True, "note": note}, deadline=_deadline,
                )  # fmt: skip
                out = apply(conn, row, decision, actor, moment, "supervise")
                done.append(replace(out, level=level))
        except (Conflict, WorkflowError):
            continue
    return done


_LEVEL_WORDS = {1: "提醒", 2: "督办", 3: "挂牌督办"}
_CLOCK_WORDS = {"sign": "签收", "resolve": "办理", "lock": "分锁", "evaluate": "回访"}


def _supervision_note(level: int, clock: sla.Clock) -> str:
    what = _CLOCK_WORDS[clock.kind] + ("" if clock.lock_id is None else f"#{clock.lock_id}")
    when = "即将到期" if level == 1 else "已超期"
    return f"系统自动{_LEVEL_WORDS[level]}：{what}时限{when}（{clock.due:%m月%d日}）"


# What a new case may carry (``register``); everything else is decided by the workflow.
NEW_CASE_FIELDS = (
    "source", "source_ref", "type_code", "title", "description", "address", "reported_at",
    "parties", "involves_key_person", "risk_level", "reporter_name", "reporter_phone",
)  # fmt: skip


def register(
    conn: Connection,
    actor: Actor,
    case: Mapping[str, Any],
    *,
    lon: float | None = None,
    lat: float | None = None,
    now: datetime | None = None,
) -> tuple[Outcome, bool]:
    """登记/接办: a new case (status received) with its 接办 event and an audit row; located
    by the point (WGS84) in the grid that contains it, or waiting for its location (no point:
    the city's code as its district). Idempotent by (source, source_ref): a second call
    returns the case the first made and False."""
    moment = now or local_now()
    values = {k: case.get(k) for k in NEW_CASE_FIELDS}
    values["reported_at"] = values["reported_at"] or moment
    values["parties"] = values["parties"] or 2
    values["involves_key_person"] = bool(values["involves_key_person"])
    values["risk_level"] = values["risk_level"] or "low"
    decision = decide(CaseState(None), "accept", actor, moment, {"note": case.get("note")})
    row = (
        conn.execute(
            text(query("write/case_insert")),
            {**values, "lon": lon, "lat": lat, "status": decision.status},
        )
        .mappings()
        .first()
    )
    if row is None:
        existing = (
            conn.execute(
                text(
                    "SELECT id, status, version FROM dispute WHERE source = :s AND source_ref = :r"
                ),
                {"s": values["source"], "r": values["source_ref"]},
            )
            .mappings()
            .first()
        )
        if existing is None:
            raise GuardError("that source reference is already in use")
        return Outcome(existing["id"], existing["status"], existing["version"], ()), False
    event = decision.events[0]
    event_id = conn.execute(
        text(
            "INSERT INTO dispute_event (dispute_id, district_code, action, actor, at, note, detail)"
            " VALUES (:d, :dist, 'accept', :who, :at, :note, CAST(:detail AS jsonb)) RETURNING id"
        ),
        {"d": row["id"], "dist": row["district_code"], "who": actor.user, "at": moment,
         "note": event.note, "detail": json.dumps({"source": values["source"]})},
    ).scalar()  # fmt: skip
    record_audit(
        conn, actor.user, actor.role, "case.accept", f"dispute:{row['id']}",
        {"source": values["source"], "source_ref": values["source_ref"],
         "located": row["grid_code"] is not None},
    )  # fmt: skip
    risk.refresh(conn, case_id=row["id"], now=moment)
    return Outcome(row["id"], decision.status, 1, (event_id,)), True

"""The dispatch desk (调度台): the queue, the map's open cases, one case's drawer, the nearest
grid workers and a department's open locks.

Everything runs on the caller's scoped connection, so row-level security decides which cases,
locks and workers exist at all; free text is redacted and the reporter masked in SQL unless the
caller is cleared. Values are bound parameters; the queue's filters are lists and plain text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from domain import paths, sla, workdays
from domain.clock import now as local_now
from domain.vocab import OPEN_STATUSES
from domain.workflow import allowed, may_act
from geodata.read import features
from geodata.read.areas import dispute_types
from geodata.read.grid_detail import _redacted, case_detail
from geodata.sql import query
from geodata.write.cases import case_row, state_of

URGENCIES = ("overdue", "due_soon", "on_time", "none")
QUEUE_LIMIT = 200
POINTS_LIMIT = 5000
NEAREST_WORKERS = 5
# Where a worker "is": their last patrol visit within this window, else their grid's centre.
WORKER_POSITION_HOURS = 12

_QUEUE = query("read/dispatch_queue").format(title=_redacted("p.title"))  # noqa: S608 — fixed
_POINTS = text(query("read/dispatch_points"))
_DUPLICATES = text(query("read/dispatch_duplicates"))
_WORKERS = text(query("read/dispatch_workers"))
_LOCKS = query("read/dispatch_locks").format(task=_redacted("s.task"))  # noqa: S608 — fixed
_REPORTER = f"""
    SELECT {features.mask_name_sql("reporter_name")} AS name_masked,
           {features.mask_phone_sql("reporter_phone")} AS phone_masked,
           reporter_phone IS NOT NULL AS has_phone, agent, version, cooperating_departments,
           assignee_kind, mediation_room_id, mediator_id, worker_id, type_code
    FROM dispute WHERE id = :id
"""  # noqa: S608 — the masks are fixed SQL; values are bound
_STEPS = text(
    "SELECT t.steps, t.time_limit_days, t.lead_department FROM dispute_type t WHERE t.code = :t"
)


@dataclass(frozen=True)
class QueueFilter:
    """What the desk's queue shows: statuses (default: open), types, risks, one urgency band,
    a department (its cases and locks), an agent (代办员), and a search in reference/title/address."""

    statuses: tuple[str, ...] = OPEN_STATUSES
    types: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    urgency: str = ""
    department: str = ""
    agent: str = ""
    unlocated: bool = False  # only the "needs location" queue (an address no building matched)
    search: str = ""
    offset: int = 0
    limit: int = QUEUE_LIMIT

    def params(self, now: datetime) -> dict[str, Any]:
        return {
            "statuses": list(self.statuses),
            "types": list(self.types),
            "risks": list(self.risks),
            "urgency": self.urgency if self.urgency in URGENCIES else "",
            "now": now,
            "soon": now + timedelta(hours=24),
            "department": self.department,
            "agent": self.agent,
            "unlocated": self.unlocated,
            "search": self.search[:64],
            "limit": max(1, min(self.limit, QUEUE_LIMIT)),
            "offset": max(0, min(self.offset, 100_000)),
        }


def queue(
    conn: Connection, flt: QueueFilter, cleared: bool = False, now: datetime | None = None
) -> dict[str, Any]:
    """{"rows": [...], "total": n} — each row with its urgency band (``domain.sla.urgency``)."""
    moment = now or local_now()
    rows = conn.execute(text(_QUEUE), {**flt.params(moment), "cleared": cleared}).mappings()
    out = []
    total = 0
    for r in rows:
        total = int(r["total"])
        row = {k: v for k, v in r.items() if k != "total"}
        row["id"] = int(row["id"])
        row["urgency"] = sla.urgency(r["due_at"], moment)
        out.append(row)
    return {"rows": out, "total": total}


def points(conn: Connection, now: datetime | None = None) -> list[dict[str, Any]]:
    """Open located cases for the map, each with its urgency band."""
    moment = now or local_now()
    rows = conn.execute(_POINTS, {"statuses": list(OPEN_STATUSES), "limit": POINTS_LIMIT})
    return [
        {**r, "id": int(r["id"]), "urgency": sla.urgency(r["due_at"], moment)}
        for r in rows.mappings()
    ]


def nearest_workers(
    conn: Connection, case_id: int, k: int = NEAREST_WORKERS, now: datetime | None = None
) -> list[dict[str, Any]]:
    """The ``k`` grid workers nearest the case (none when it has no location)."""
    since = (now or local_now()) - timedelta(hours=WORKER_POSITION_HOURS)
    rows = conn.execute(_WORKERS, {"id": case_id, "k": k, "since": since}).mappings()
    return [{**r, "id": int(r["id"]), "metres": float(r["metres"])} for r in rows]


def department_locks(
    conn: Connection, department: str, cleared: bool = False, limit: int = 200
) -> list[dict[str, Any]]:
    """The open locks ``department`` holds (its "my queue" beside the cases)."""
    rows = conn.execute(
        text(_LOCKS), {"department": department, "limit": limit, "cleared": cleared}
    ).mappings()
    return [{**r, "id": int(r["id"]), "dispute_id": int(r["dispute_id"])} for r in rows]


def drawer(
    conn: Connection,
    case_id: Any,
    actor: Any,
    cleared: bool = False,
    now: datetime | None = None,
    *,
    extras: bool = True,
) -> dict[str, Any] | None:
    """Everything the case drawer shows, or None when the caller cannot see the case: the case
    (``grid_detail.case_detail``: names, events, locks), its version, every SLA clock, the
    reporter masked, possible duplicates, the type's standard path with the current steps, the
    nearest workers, and the actions ``actor`` may take now. ``extras=False`` leaves out the
    duplicates and the nearest workers (an action form needs neither)."""
    if isinstance(case_id, bool) or not isinstance(case_id, int | str):
        return None
    try:
        case_id = int(case_id)
    except ValueError:
        return None
    if not 0 < case_id < 2**63:
        return None
    moment = now or local_now()
    detail = case_detail(conn, case_id, cleared, moment)
    row = case_row(conn, case_id)
    if detail is None or row is None:
        return None
    extra = dict(conn.execute(text(_REPORTER), {"id": case_id}).mappings().one())
    clocks = sla.case_clocks(row, row["locks"], workdays.due_at)
    steps, limit_days, type_lead = conn.execute(_STEPS, {"t": row["type_code"]}).one()
    state = state_of(row)
    tasks = {s["id"]: s["task"] for s in detail["sub_cases"]}
    may = [a for a in allowed(row["status"]) if may_act(actor, a, state, _any_lock(state, actor))]
    return {
        **detail,
        **extra,
        "version": int(row["version"]),
        "supervision_level": row["supervision_level"],
        # The locks as the rules read them, with each one's task (redacted) from the detail.
        "locks": [{**lk, "task": tasks.get(lk["id"])} for lk in row["locks"]],
        "clocks": [
            {
                "kind": c.kind,
                "started": c.started,
                "due": c.due,
                "stopped": c.stopped,
                "lock_id": c.lock_id,
                "department": c.department,
                "urgency": "done" if c.stopped is not None else sla.urgency(c.due, moment),
                "level": sla.level_for(c, moment, workdays.due_at),
            }
            for c in clocks
        ],
        "duplicates": [dict(r) for r in conn.execute(
            _DUPLICATES, {"id": case_id, "open_statuses": list(OPEN_STATUSES)}).mappings()]
        if extras else [],
        "steps": list(steps),
        "time_limit_days": int(limit_days),
        "type_lead": type_lead,
        "department_names": {r["code"]: r["name"] for r in department_options(conn)},
        "current_steps": list(paths.current_steps(row["status"], len(steps))),
        "done_steps": list(paths.steps_done(row["status"], len(steps))),
        "workers": nearest_workers(conn, case_id, now=moment) if extras else [],
        "actions": may,
    }  # fmt: skip


def _any_lock(state: Any, actor: Any) -> Any:
    """A lock the actor could key or unlock (a department keys only its own)."""
    for lk in state.open_locks:
        if actor.department is None or lk.department == actor.department:
            return lk
    return None


def reporter_phone(conn: Connection, case_id: int) -> str | None:
    """The reporter's phone unmasked (the caller audits the view and must be cleared)."""
    return conn.execute(
        text("SELECT reporter_phone FROM dispute WHERE id = :id"), {"id": case_id}
    ).scalar()


def department_options(conn: Connection) -> list[dict[str, Any]]:
    """Every department (code, name), city level first."""
    rows = conn.execute(text("SELECT code, name FROM department ORDER BY level, code"))
    return [dict(r) for r in rows.mappings()]


def choices(conn: Connection, case_id: int) -> dict[str, list[dict[str, Any]]]:
    """What the action forms offer: departments, dispute types, mediation rooms with their
    mediators in the case's district, and the workers of the case's grid."""
    rooms = conn.execute(
        text(
            "SELECT r.id, r.name, r.kind FROM mediation_room r, dispute d WHERE d.id = :id"
            " AND r.district_code = left(d.district_code, 6) ORDER BY r.kind, r.id"
        ),
        {"id": case_id},
    ).mappings()
    mediators = conn.execute(
        text(
            "SELECT m.id, m.name, m.room_id FROM mediator m, dispute d WHERE d.id = :id"
            " AND m.district_code = left(d.district_code, 6) ORDER BY m.room_id, m.id"
        ),
        {"id": case_id},
    ).mappings()
    workers = conn.execute(
        text(
            "SELECT w.id, w.name FROM grid_worker w JOIN dispute d ON d.grid_code = w.grid_code"
            " WHERE d.id = :id ORDER BY w.id"
        ),
        {"id": case_id},
    ).mappings()
    return {
        "departments": department_options(conn),
        "types": dispute_types(conn),
        "rooms": [{**r, "id": int(r["id"])} for r in rooms],
        "mediators": [{**r, "id": int(r["id"]), "room_id": int(r["room_id"])} for r in mediators],
        "workers": [{**r, "id": int(r["id"])} for r in workers],
    }


def case_by_reference(conn: Connection, reference: str) -> int | None:
    """The id of the one case the caller can see with this reference (None: none or several)."""
    rows = conn.execute(
        text("SELECT id FROM dispute WHERE source_ref = :r LIMIT 2"), {"r": reference}
    ).all()
    return int(rows[0][0]) if len(rows) == 1 else None

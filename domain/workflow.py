"""The case workflow (五办 and the steps around it): which action a case may take in which status,
under which guard, by whom, and what it changes.

The rules are a table (action → statuses it may be taken from → status after it) plus a few
guards that need more than the status (open locks block 化解; an unsatisfied return call
reopens the case; 归档 needs a return call). ``decide`` is pure: given the case as it stands and a
command, it returns the changes and the events to append, or raises ``TransitionError`` /
``GuardError`` / ``ForbiddenAction`` with a message naming the current state and what is allowed.
``geodata.write.cases`` applies a decision in one transaction (optimistic version check, events,
audit row). The demo generator replays histories through ``replay`` so demo and rules agree.

A plain table rather than a state-machine library: 17 actions, four guards, and the desk needs
"what may this case do now, and why not that" — a dict answers both directly.

A lock (分锁 sub-case) is open → planned (给钥匙) → done | failed (开锁), failed also from open,
and a plan sent back goes planned → open. A whistle moves 吹哨 raised → 应哨 responded →
评价 evaluated → 评估 assessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.vocab import (
    ASSIGNEE_KINDS,
    DISPUTE_ACTIONS,
    DISPUTE_STATUSES,
    OPEN_STATUSES,
    OUTCOMES,
    RESOLVING_OUTCOMES,
    RISK_LEVELS,
    UNSATISFIED_AT_MOST,
)

_ANY_OPEN = frozenset(OPEN_STATUSES)
_CLOSED_BY_RESOLVE = frozenset({"resolved", "unresolved"})
_WORKING = frozenset({"assigned", "in_progress"})
# action → (statuses it may be taken from, status after it; None keeps the status).
# ``resolve`` goes to "resolved" or "unresolved" by its outcome, ``evaluate`` to "in_progress"
# when the resident is not satisfied (重办); see ``decide``.
CASE_TRANSITIONS: dict[str, tuple[frozenset[str | None], str | None]] = {
    "accept": (frozenset({None}), "received"),
    "classify": (_ANY_OPEN, None),
    "locate": (_ANY_OPEN, None),
    "proxy": (_ANY_OPEN, None),
    "assign": (frozenset({"received", "assigned"}), "assigned"),
    "return": (frozenset({"assigned"}), "received"),
    # Signed for once: a case already being worked on is not signed for again.
    "sign": (frozenset({"assigned"}), "in_progress"),
    "supervise": (_ANY_OPEN, None),
    "consult": (_WORKING, "in_progress"),
    "split": (_WORKING, "in_progress"),
    "key": (frozenset({"in_progress"}), None),
    "unlock": (frozenset({"in_progress"}), None),
    "resolve": (_WORKING, "resolved"),
    "evaluate": (_CLOSED_BY_RESOLVE, None),
    "reopen": (_CLOSED_BY_RESOLVE, "in_progress"),
    "archive": (_CLOSED_BY_RESOLVE, "archived"),
    "merge": (_ANY_OPEN, "merged"),
}
LOCK_TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"planned", "failed"}),
    "planned": frozenset({"done", "failed", "open"}),
    "done": frozenset(),
    "failed": frozenset(),
}
OPEN_LOCK_STATUSES = frozenset({"open", "planned"})
SUB_CASE_TRANSITIONS = LOCK_TRANSITIONS
WHISTLE_ORDER = ("raised", "responded", "evaluated", "assessed")

assert set(CASE_TRANSITIONS) == set(DISPUTE_ACTIONS)

# Who may take which action. The centre's desk (市/区县/乡镇 and the administrator) takes every
# action in its jurisdiction; an assignee (入驻部门, or the grid's worker for a simple case) signs
# for, returns and settles what it was handed, and keys the locks it holds; a grid worker and an
# intake system register cases. Analysts and the wall act on nothing.
DESK_ROLES = frozenset({"city", "district", "township", "admin"})
ASSIGNEE_ACTIONS = frozenset({"sign", "return", "resolve", "key"})
INTAKE_ROLES = frozenset({*DESK_ROLES, "grid_worker", "intake"})
ACTING_ROLES = frozenset({*DESK_ROLES, "department", "grid_worker"})


class WorkflowError(ValueError):
    """An action the rules refuse; ``str()`` is the message for the user."""


class TransitionError(WorkflowError):
    """An action that the case's status does not allow."""

    def __init__(self, status: str | None, action: str) -> None:
        allowed_now = ", ".join(allowed(status)) or "none"
        super().__init__(
            f"action {action!r} is not allowed in status {status!r}; allowed: {allowed_now}"
        )
        self.status = status
        self.action = action


class GuardError(WorkflowError):
    """The status allows the action but the case does not (open locks, no return call …)."""


class ForbiddenAction(WorkflowError):
    """The caller's role or department may not take this action on this case."""


def allowed(status: str | None) -> tuple[str, ...]:
    """The actions a case in ``status`` (None: not yet registered) may take, in action order."""
    return tuple(a for a in DISPUTE_ACTIONS if status in CASE_TRANSITIONS[a][0])


def after(status: str | None, action: str, *, success: bool = True) -> str:
    """The status after ``action`` by the table alone (``success``: the resolve outcome);
    TransitionError when ``status`` does not allow it."""
    if action not in CASE_TRANSITIONS:
        raise ValueError(f"unknown action {action!r}")
    sources, target = CASE_TRANSITIONS[action]
    if status not in sources:
        raise TransitionError(status, action)
    if action == "resolve":
        return "resolved" if success else "unresolved"
    if target is None:
        assert status is not None
        return status
    return target


def replay(actions: Iterable[str], *, success: bool = True) -> str:
    """The status a case reaches through ``actions`` in order (``success``: the resolve outcome).

    A history records 重办 as its own ``reopen`` event, so ``evaluate`` keeps the status here."""
    status: str | None = None
    for action in actions:
        status = after(status, action, success=success)
    if status is None:
        raise ValueError("a case history starts with accept")
    assert status in DISPUTE_STATUSES
    return status


def is_open(status: str) -> bool:
    """Whether a case in ``status`` is still being worked on (在办)."""
    return status in _ANY_OPEN


def sub_case_after(status: str, new: str) -> str:
    """A lock's next status; TransitionError unless the lock table allows it."""
    if new not in LOCK_TRANSITIONS.get(status, ()):
        raise TransitionError(status, new)
    return new


def whistle_after(status: str | None) -> str:
    """A whistle's next stage (None → raised); TransitionError after the last."""
    if status is None:
        return WHISTLE_ORDER[0]
    i = WHISTLE_ORDER.index(status)
    if i + 1 >= len(WHISTLE_ORDER):
        raise TransitionError(status, "next")
    return WHISTLE_ORDER[i + 1]


@dataclass(frozen=True)
class Lock:
    """One lock of a case as the rules need it."""

    id: int
    department: str
    status: str


@dataclass(frozen=True)
class CaseState:
    """A case as it stands, as the rules need it."""

    status: str | None
    lead_department: str | None = None
    assignee_kind: str | None = None
    worker_grid: str | None = None  # the grid of the worker a simple case was handed to
    grid_code: str | None = None
    supervision_level: int = 0
    evaluated: bool = False  # a return call (回访) since the last 化解
    locks: tuple[Lock, ...] = ()
    case_id: int | None = None
    reopen_count: int = 0

    @property
    def open_locks(self) -> tuple[Lock, ...]:
        return tuple(lk for lk in self.locks if lk.status in OPEN_LOCK_STATUSES)


@dataclass(frozen=True)
class Actor:
    """Who acts: a user's role, department and grid (for a grid worker)."""

    user: str
    role: str
    department: str | None = None
    grid: str | None = None


@dataclass(frozen=True)
class Event:
    """One event to append to the case's history."""

    action: str
    note: str | None = None
    department: str | None = None
    lock_id: int | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewLock:
    """A lock to create at 分锁."""

    department: str
    task: str
    limit_days: int


@dataclass(frozen=True)
class Decision:
    """What an action does: the case's new status and field values, lock changes, new locks,
    a consultation to record, and the events to append (in order)."""

    status: str
    changes: dict[str, Any]
    events: tuple[Event, ...]
    lock_changes: dict[int, dict[str, Any]] = field(default_factory=dict)
    new_locks: tuple[NewLock, ...] = ()
    consultation: dict[str, Any] | None = None


def may_act(actor: Actor, action: str, case: CaseState, lock: Lock | None = None) -> bool:
    """Whether ``actor`` may take ``action`` on ``case`` (row-level security has already
    limited which cases the actor can see at all)."""
    if actor.role in DESK_ROLES:
        return True
    if action == "accept":
        return actor.role in INTAKE_ROLES
    if action not in ASSIGNEE_ACTIONS:
        return False
    if actor.role == "department":
        if action == "key":
            return lock is not None and actor.department == lock.department
        return (
            case.assignee_kind in ("department", "mediation")
            and actor.department is not None
            and actor.department == case.lead_department
        )
    if actor.role == "grid_worker":
        return (
            action != "key"
            and case.assignee_kind == "grid_worker"
            and actor.grid is not None
            and actor.grid == case.worker_grid
        )
    return False


def _text(params: Mapping[str, Any], key: str, *, required: bool, limit: int = 4000) -> str | None:
    value = params.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise GuardError(f"{key} is required")
        return None
    if not isinstance(value, str):
        raise GuardError(f"{key} must be text")
    value = value.strip()
    if len(value) > limit:
        raise GuardError(f"{key} is longer than {limit} characters")
    return value


def _positive_int(params: Mapping[str, Any], key: str) -> int:
    value = params.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise GuardError(f"{key} must be a positive whole number")
    return value


def _lock(case: CaseState, params: Mapping[str, Any]) -> Lock:
    lock_id = params.get("lock_id")
    for lk in case.locks:
        if lk.id == lock_id:
            return lk
    raise GuardError(f"lock {lock_id!r} is not one of this case's locks")


def decide(  # noqa: C901, PLR0912, PLR0915 — one branch per action reads best as a table
    case: CaseState,
    action: str,
    actor: Actor,
    now: datetime,
    params: Mapping[str, Any] | None = None,
    *,
    deadline: Any = None,
) -> Decision:
    """The decision for ``actor`` taking ``action`` on ``case`` at ``now``.

    ``params`` per action: accept — (none); classify — type_code, risk_level; locate — (the
    caller resolves the point); proxy — agent; assign — kind, department, cooperating,
    room_id, mediator_id, worker_id, limit_days; return/reopen/merge — note (merge: into);
    sign — note; supervise — level, auto; consult — departments, participants, minutes,
    outcome; split — locks [(department, task, limit_days)]; key — lock_id, facts, law, plan;
    unlock — lock_id, success, note; resolve — outcome, note; evaluate — satisfaction, note;
    archive — unreachable, note. ``deadline(now, working_days)`` computes due times
    (``domain.workdays.due_at``), passed in so the rules stay testable at any date.
    """
    p: Mapping[str, Any] = params or {}
    if action not in CASE_TRANSITIONS:
        raise WorkflowError(f"unknown action {action!r}")
    if case.status not in CASE_TRANSITIONS[action][0]:
        raise TransitionError(case.status, action)
    lock = _lock(case, p) if action in ("key", "unlock") else None
    if not may_act(actor, action, case, lock):
        raise ForbiddenAction(f"role {actor.role!r} may not take action {action!r} on this case")
    note = _text(p, "note", required=action in ("return", "reopen", "merge"))
    status = after(case.status, action, success=True)
    changes: dict[str, Any] = {}
    events: list[Event] = []
    lock_changes: dict[int, dict[str, Any]] = {}
    new_locks: tuple[NewLock, ...] = ()
    consultation = None
    dept = actor.department

    if action == "accept":
        events.append(Event("accept", note or "登记接办"))
    elif action == "classify":
        type_code = _text(p, "type_code", required=True, limit=16)
        risk = p.get("risk_level")
        if risk not in RISK_LEVELS:
            raise GuardError(f"risk_level must be one of {list(RISK_LEVELS)}")
        changes.update(type_code=type_code, risk_level=risk)
        events.append(Event("classify", note, detail={"type_code": type_code, "risk_level": risk}))
    elif action == "locate":
        events.append(Event("locate", note))
    elif action == "proxy":
        agent = _text(p, "agent", required=True, limit=64)
        changes["agent"] = agent
        events.append(Event("proxy", note or f"代办员{agent}全程代办", detail={"agent": agent}))
    elif action == "assign":
        kind = p.get("kind", "department")
        if kind not in ASSIGNEE_KINDS:
            raise GuardError(f"kind must be one of {list(ASSIGNEE_KINDS)}")
        department = _text(p, "department", required=True, limit=16)
        limit_days = _positive_int(p, "limit_days")
        cooperating = tuple(p.get("cooperating") or ())
        if not all(isinstance(d, str) and d for d in cooperating):
            raise GuardError("cooperating must be a list of department codes")
        cooperating = tuple(dict.fromkeys(d for d in cooperating if d != department))
        room = p.get("room_id") if kind == "mediation" else None
        mediator = p.get("mediator_id") if kind == "mediation" else None
        worker = p.get("worker_id") if kind == "grid_worker" else None
        if kind == "mediation" and not isinstance(room, int):
            raise GuardError("a mediation assignment names its mediation room")
        if kind == "grid_worker" and not isinstance(worker, int):
            raise GuardError("a grid-worker assignment names the worker")
        if deadline is None:
            raise GuardError("no working-day calendar to compute the deadline")
        changes.update(
            lead_department=department,
            cooperating_departments=list(cooperating),
            assignee_kind=kind,
            mediation_room_id=room,
            mediator_id=mediator,
            worker_id=worker,
            assigned_at=now,
            due_at=deadline(now, limit_days),
            sign_due_at=deadline(now, 1),
            signed_at=None,
        )
        detail = {"kind": kind, "limit_days": limit_days, "cooperating": list(cooperating)}
        if room is not None:
            detail.update(room_id=room, mediator_id=mediator)
        if worker is not None:
            detail["worker_id"] = worker
        events.append(Event("assign", note, department=department, detail=detail))
    elif action == "return":
        changes.update(assignee_kind=None, sign_due_at=None, assigned_at=None, due_at=None)
        events.append(Event("return", note, department=dept or case.lead_department))
    elif action == "sign":
        changes["signed_at"] = now
        events.append(Event("sign", note or "已签收", department=dept or case.lead_department))
    elif action == "supervise":
        level = p.get("level")
        auto = bool(p.get("auto", False))
        if level not in (1, 2, 3):
            raise GuardError("level must be 1 (提醒), 2 (督办) or 3 (挂牌督办)")
        if level < case.supervision_level or (auto and level == case.supervision_level):
            raise GuardError(
                f"supervision is already at level {case.supervision_level}; it only escalates"
            )
        changes["supervision_level"] = level
        events.append(Event("supervise", note, detail={"level": level, "auto": auto}))
    elif action == "consult":
        departments = tuple(dict.fromkeys(p.get("departments") or ()))
        if len(departments) < 2 or not all(isinstance(d, str) and d for d in departments):
            raise GuardError("a joint consultation (商办) brings at least two departments")
        consultation = {
            "departments": list(departments),
            "participants": _text(p, "participants", required=True),
            "minutes": _text(p, "minutes", required=True, limit=20000),
            "outcome": _text(p, "outcome", required=True),
            "held_at": now,
        }
        events.append(
            Event(
                "consult",
                note or consultation["outcome"],
                detail={"departments": list(departments)},
            )
        )
    elif action == "split":
        raw = p.get("locks") or ()
        if not isinstance(raw, list | tuple) or not raw:
            raise GuardError("分锁 needs at least one lock (department, task, time limit)")
        made = []
        for item in raw:
            if not isinstance(item, Mapping):
                raise GuardError("each lock names its department, task and time limit")
            made.append(
                NewLock(
                    department=_text(item, "department", required=True, limit=16) or "",
                    task=_text(item, "task", required=True, limit=2000) or "",
                    limit_days=_positive_int(item, "limit_days"),
                )
            )
        if deadline is None:
            raise GuardError("no working-day calendar to compute the deadline")
        new_locks = tuple(made)
        events.append(
            Event(
                "split",
                note or f"分锁：{len(made)}把锁并联办理",
                detail={"locks": [{"department": m.department, "task": m.task} for m in made]},
            )
        )
    elif action == "key":
        assert lock is not None
        sub_case_after(lock.status, "planned")
        plan = {
            "facts": _text(p, "facts", required=True),
            "law": _text(p, "law", required=True),
            "plan": _text(p, "plan", required=True),
        }
        lock_changes[lock.id] = {"status": "planned", "planned_at": now, **plan}
        events.append(Event("key", note or "给钥匙：提交化解方案", lock.department, lock.id))
    elif action == "unlock":
        assert lock is not None
        success = p.get("success")
        if not isinstance(success, bool):
            raise GuardError("开锁 says whether the lock was settled (success true/false)")
        new = "done" if success else "failed"
        if new == "done" and lock.status != "planned":
            raise GuardError("a lock is settled (开锁) only after its plan is in (给钥匙)")
        sub_case_after(lock.status, new)
        lock_changes[lock.id] = {"status": new, "resolved_at": now, "outcome": note}
        said = note or ("开锁：方案落实" if success else "开锁未果")
        events.append(Event("unlock", said, lock.department, lock.id, {"success": success}))
    elif action == "resolve":
        outcome = p.get("outcome")
        if outcome not in OUTCOMES:
            raise GuardError(f"outcome must be one of {list(OUTCOMES)}")
        if outcome not in RESOLVING_OUTCOMES and note is None:
            raise GuardError("an outcome other than agreement or withdrawal needs a reason (note)")
        waiting = case.open_locks
        if waiting:
            names = ", ".join(f"#{lk.id} {lk.department}" for lk in waiting)
            raise GuardError(f"{len(waiting)} lock(s) still open ({names}): open them first")
        status = "resolved" if outcome in RESOLVING_OUTCOMES else "unresolved"
        changes.update(resolved_at=now, outcome_code=outcome, outcome=note, evaluated_at=None)
        events.append(
            Event("resolve", note, dept or case.lead_department, detail={"outcome": outcome})
        )
    elif action == "evaluate":
        satisfaction = p.get("satisfaction")
        if isinstance(satisfaction, bool) or satisfaction not in (1, 2, 3, 4, 5):
            raise GuardError("satisfaction is 1 (very unsatisfied) to 5 (very satisfied)")
        changes.update(satisfaction=satisfaction, evaluated_at=now)
        events.append(Event("evaluate", note, detail={"satisfaction": satisfaction}))
        if satisfaction <= UNSATISFIED_AT_MOST:
            # 重办: an unsatisfied resident sends the case back to work, not to the archive.
            status = "in_progress"
            changes.update(resolved_at=None, outcome_code=None, reopen_count=case.reopen_count + 1)
            events.append(Event("reopen", "回访不满意，重新办理", detail={"auto": True}))
    elif action == "reopen":
        changes.update(resolved_at=None, outcome_code=None, reopen_count=case.reopen_count + 1)
        events.append(Event("reopen", note))
    elif action == "archive":
        unreachable = bool(p.get("unreachable", False))
        if not case.evaluated and not (unreachable and note):
            raise GuardError(
                "归档 needs the return call (评价) first, or unreachable=true with a note"
            )
        changes["archived_at"] = now
        events.append(Event("archive", note or "结案归档", detail={"unreachable": unreachable}))
    elif action == "merge":
        into = p.get("into")
        if isinstance(into, bool) or not isinstance(into, int) or into == case.case_id:
            raise GuardError("merge names another case (into)")
        changes["merged_into"] = into
        events.append(Event("merge", note, detail={"into": into}))
    return Decision(
        status=status,
        changes=changes,
        events=tuple(events),
        lock_changes=lock_changes,
        new_locks=new_locks,
        consultation=consultation,
    )

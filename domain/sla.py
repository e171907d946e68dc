"""A case's SLA clocks (签收, 化解, 回访 and each lock's) and the 督办 level they call for.

Every clock a case has is shown, not only the nearest: the desk lists them all and the
automatic supervision looks at every running one. Time limits count working days
(``domain.workdays``); the thresholds are settings passed in by the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

# Clock states: still running (on time), running past its due time, stopped on time, late.
CLOCK_STATES = ("running", "overdue", "met", "late")
# 督办 levels by what a running clock says (see ``level_for``).
REMIND, SUPERVISE, LISTED = 1, 2, 3


@dataclass(frozen=True)
class Clock:
    """One deadline of a case: what it is for, when it started and is due, when it stopped."""

    kind: str  # sign | resolve | evaluate | lock
    started: datetime
    due: datetime
    stopped: datetime | None = None
    lock_id: int | None = None
    department: str | None = None

    def state(self, now: datetime) -> str:
        if self.stopped is not None:
            return "met" if self.stopped <= self.due else "late"
        return "running" if now <= self.due else "overdue"

    def remaining(self, now: datetime) -> timedelta:
        """Time left until due (negative when overdue); for a stopped clock, the margin it kept."""
        return self.due - (self.stopped or now)


@dataclass(frozen=True)
class Thresholds:
    """When the automatic 督办 escalates: 提醒 within ``remind_before`` of the due time, 督办 once
    overdue, 挂牌督办 once overdue by ``list_after_working_days`` working days."""

    remind_before: timedelta = timedelta(hours=24)
    list_after_working_days: int = 5
    evaluate_working_days: int = 3


DEFAULT = Thresholds()


def case_clocks(
    case: dict,
    locks: Iterable[dict],
    deadline: Callable[[datetime, int], datetime],
    thresholds: Thresholds = DEFAULT,
) -> list[Clock]:
    """Every clock of ``case`` (assigned_at, sign_due_at, signed_at, due_at, resolved_at,
    evaluated_at, lead_department) and its ``locks`` (id, department_code, created_at, due_at,
    resolved_at), in the order a case meets them."""
    clocks: list[Clock] = []
    assigned = case.get("assigned_at")
    if assigned is not None and case.get("sign_due_at") is not None:
        clocks.append(
            Clock(
                "sign",
                assigned,
                case["sign_due_at"],
                case.get("signed_at"),
                department=case.get("lead_department"),
            )  # fmt: skip
        )
    if assigned is not None and case.get("due_at") is not None:
        clocks.append(
            Clock(
                "resolve",
                assigned,
                case["due_at"],
                case.get("resolved_at"),
                department=case.get("lead_department"),
            )  # fmt: skip
        )
    for lock in locks:
        if lock.get("due_at") is None:
            continue
        clocks.append(
            Clock(
                "lock",
                lock["created_at"],
                lock["due_at"],
                lock.get("resolved_at"),
                lock_id=lock["id"],
                department=lock.get("department_code"),
            )
        )
    resolved = case.get("resolved_at")
    if resolved is not None:
        due = deadline(resolved, thresholds.evaluate_working_days)
        clocks.append(Clock("evaluate", resolved, due, case.get("evaluated_at")))
    return clocks


def level_for(
    clock: Clock,
    now: datetime,
    deadline: Callable[[datetime, int], datetime],
    thresholds: Thresholds = DEFAULT,
) -> int:
    """The 督办 level a clock calls for at ``now``: 0 none, 1 提醒 (due within the reminder
    window), 2 督办 (overdue), 3 挂牌督办 (overdue by the listing threshold in working days).
    A stopped clock calls for nothing; the 回访 clock only reminds and supervises."""
    if clock.stopped is not None:
        return 0
    if now <= clock.due:
        return REMIND if clock.due - now <= thresholds.remind_before else 0
    if clock.kind == "evaluate":
        return SUPERVISE
    # Counted from the last day the clock had (its due time is the midnight ending that day).
    listed_at = deadline(clock.due - timedelta(microseconds=1), thresholds.list_after_working_days)
    return LISTED if now >= listed_at else SUPERVISE


def supervision_due(
    clocks: Iterable[Clock],
    now: datetime,
    deadline: Callable[[datetime, int], datetime],
    thresholds: Thresholds = DEFAULT,
) -> tuple[int, Clock | None]:
    """The highest level any running clock calls for, and that clock (the first at that level)."""
    best, which = 0, None
    for clock in clocks:
        level = level_for(clock, now, deadline, thresholds)
        if level > best:
            best, which = level, clock
    return best, which


def urgency(due: datetime | None, now: datetime) -> str:
    """The desk's colour for an open case: overdue, due within 24 h, or on time (none: no due)."""
    if due is None:
        return "none"
    if now > due:
        return "overdue"
    if due - now <= timedelta(hours=24):
        return "due_soon"
    return "on_time"

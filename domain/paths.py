"""The standard paths (类案标准化: 群众看图办事、干部按图履职): where a case stands on its type's steps.

A type's steps run from 受理登记 (the first) through the work steps to 回访评价 (the last). The
workflow records a case's status, not which work step it is at, so a case being worked on stands
on the whole span of work steps: received → the first step; assigned (交办, awaiting 签收) → the
first work step; in progress → every work step; resolved or unresolved (awaiting the return
call) → the last step; archived → past the last (all done). A merged duplicate stands where the
case it was merged into stands (the caller follows the link).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.clock import local


def current_steps(status: str, n_steps: int) -> range:
    """The indices (0-based) of the steps a case in ``status`` stands on, for a type with
    ``n_steps`` steps (empty: none — archived cases have passed them all, merged ones are
    elsewhere)."""
    if n_steps < 1:
        return range(0)
    last = n_steps - 1
    first_work = min(1, last)
    last_work = max(first_work, last - 1)
    if status == "received":
        return range(0, 1)
    if status == "assigned":
        return range(first_work, first_work + 1)
    if status == "in_progress":
        return range(first_work, last_work + 1)
    if status in ("resolved", "unresolved"):
        return range(last, last + 1)
    return range(0)


def steps_done(status: str, n_steps: int) -> range:
    """The indices of the steps a case in ``status`` has completed."""
    if status == "archived":
        return range(n_steps)
    current = current_steps(status, n_steps)
    return range(current.start) if current else range(0)


def last_day(due: datetime) -> date:
    """The calendar day a deadline falls on, as a resident reads it: a working-day deadline is
    local midnight *ending* its last day (``domain.workdays.due_at``), so that day is the one
    before midnight."""
    return local(due - timedelta(microseconds=1)).date()

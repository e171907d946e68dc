"""Working days (工作日) under China's statutory holidays and adjusted workdays (调休).

Case time limits (类案标准化) count working days: a case received on day D with a limit of N is
due at the end of the N-th working day after D (the day of receipt is not counted). The holiday
table is the ``chinese-calendar`` package's, from the State Council's yearly notices; for a year
it does not know yet, Monday–Friday are taken as working days and a warning is logged once for
that year.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar

from domain.clock import local, midnight

log = logging.getLogger(__name__)
_warned: set[int] = set()


@lru_cache(maxsize=16384)
def _in_table(day: date) -> bool | None:
    """The holiday table's answer for ``day`` (None: a year it does not know). Cached: the
    package's own lookup costs tens of microseconds, and performance figures ask for every day
    of a period."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day (holidays off, adjusted weekend days on)."""
    known = _in_table(day)
    if known is not None:
        return known
    if day.year not in _warned:
        _warned.add(day.year)
        log.warning(
            "no statutory holiday table for %d: counting Monday to Friday as working days",
            day.year,
        )
    return day.weekday() < 5


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (``n`` ≥ 1; ``day`` itself is not counted)."""
    if n < 1:
        raise ValueError("a time limit counts at least one working day")
    current = day
    left = n
    while left:
        current += timedelta(days=1)
        if is_workday(current):
            left -= 1
    return current


def due_at(received: datetime, working_days: int) -> datetime:
    """When a case received at ``received`` with a limit of ``working_days`` is due: local
    midnight ending the last working day it has."""
    last = add_working_days(local(received).date(), working_days)
    return midnight(last + timedelta(days=1))


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end`` ≤ ``start``)."""
    count = 0
    current = start
    while current < end:
        current += timedelta(days=1)
        count += is_workday(current)
    return count


def workday_ordinals(first: date, last: date) -> list[tuple[date, int]]:
    """(day, working days from ``first`` up to and including day) for every day ``first`` …
    ``last``: the working days between two of them are the difference of their numbers (what
    ``working_days_between`` counts), so a query can count them for many cases at once."""
    out: list[tuple[date, int]] = []
    count = 0
    day = first
    while day <= last:
        count += is_workday(day)
        out.append((day, count))
        day += timedelta(days=1)
    return out

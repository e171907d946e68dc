"""The centre's clock: Asia/Shanghai wall time, and the calendar windows the map and reports use."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ_NAME = "Asia/Shanghai"
LOCAL_TZ = ZoneInfo(TZ_NAME)


def now() -> datetime:
    """The current local time (aware)."""
    return datetime.now(LOCAL_TZ)


def today() -> date:
    """Today's local date."""
    return now().date()


def local(moment: datetime) -> datetime:
    """``moment`` in local time; a naive value is taken as UTC (the database's clock)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(LOCAL_TZ)


def midnight(day: date) -> datetime:
    """Local midnight at the start of ``day``."""
    return datetime.combine(day, time(), LOCAL_TZ)


def day_start(moment: datetime) -> datetime:
    """Local midnight of the day ``moment`` falls in."""
    return midnight(local(moment).date())


def week_start(moment: datetime) -> datetime:
    """Local midnight of the Monday of ``moment``'s week."""
    start = day_start(moment)
    return start - timedelta(days=start.weekday())


def month_start(moment: datetime) -> datetime:
    """Local midnight of the first day of ``moment``'s month."""
    return day_start(moment).replace(day=1)


def year_start(moment: datetime) -> datetime:
    """Local midnight of 1 January of ``moment``'s year."""
    return day_start(moment).replace(month=1, day=1)


def add_months(month: datetime, k: int) -> datetime:
    """The first of the month ``k`` months after ``month`` (a month start; k may be negative)."""
    index = month.year * 12 + month.month - 1 + k
    return month.replace(year=index // 12, month=index % 12 + 1, day=1)

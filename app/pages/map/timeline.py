"""The time controls: the weekly slider and how a control change becomes new filters."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from app import ids
from layers.filters import PERIODS, MapFilters

TIMELINE_WEEKS = 52


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def timeline_weeks(today: date) -> list[date]:
    """Mondays of the last ``TIMELINE_WEEKS`` weeks, oldest first, this week last."""
    this_week = week_start(today)
    return [this_week - timedelta(weeks=n) for n in range(TIMELINE_WEEKS - 1, -1, -1)]


def week_index(filters: MapFilters, weeks: list[date]) -> int:
    """The slider position for ``filters``: the week it shows, or the last week."""
    if filters.period == "custom" and filters.start in weeks and filters.end:
        if filters.end == filters.start + timedelta(days=6):
            return weeks.index(filters.start)
    return len(weeks) - 1


def filters_from_controls(
    trigger: str | None,
    current: MapFilters,
    period: str | None,
    start: str | None,
    end: str | None,
    week: int | None,
    lists: dict[str, list[str] | None],
    today: date,
) -> MapFilters:
    """New filters after one control changed: the week slider and the date range set a custom period."""
    values: dict[str, Any] = {k: tuple(v or ()) for k, v in lists.items()}
    if trigger == ids.WEEK and week is not None:
        monday = timeline_weeks(today)[max(0, min(int(week), TIMELINE_WEEKS - 1))]
        values.update(period="custom", start=monday, end=monday + timedelta(days=6))
    elif trigger == ids.RANGE and (start or end):
        values.update(period="custom", start=start or None, end=end or None)
    elif trigger == ids.PERIOD and period in PERIODS:
        values.update(period=period)
        if period == "custom":
            values.update(start=start or current.start, end=end or current.end)
    else:
        values.update(period=current.period, start=current.start, end=current.end)
    try:
        return MapFilters(**values)
    except ValueError:
        return current

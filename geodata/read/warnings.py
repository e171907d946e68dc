"""Early warning from the cases in the database: daily counts per area × type, the statistic of
``domain.warning`` over them, and the stored alerts (``alert_episode``) as the caller may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection, text

from domain import warning
from domain.clock import midnight
from geodata.sql import query

# Area levels judged, by the digits of the grid code that name the area.
LEVEL_DIGITS = {"community": 12, "township": 9}
HISTORY_DAYS = 730


@dataclass(frozen=True)
class Series:
    """Daily counts per series (rows) from ``first_day``; series = (area, level, type)."""

    first_day: date
    areas: list[str]
    levels: list[str]
    types: list[str]
    counts: np.ndarray


def daily_counts(conn: Connection, as_of: date, days: int = HISTORY_DAYS) -> Series:
    """Cases per (community or township) × type × day over the ``days`` days up to ``as_of``
    (inclusive). Only series with at least ``min_count`` cases in all are kept: no other can
    ever hold a 7-day window of that many."""
    first = as_of - timedelta(days=days - 1)
    areas: list[str] = []
    levels: list[str] = []
    types: list[str] = []
    cells: list[tuple[int, int, int]] = []
    index: dict[tuple[str, str], int] = {}
    for level, digits in LEVEL_DIGITS.items():
        rows = conn.execute(
            text(query("read/daily_type_counts")),
            {"digits": digits, "start": first, "start_at": midnight(first),
             "end_at": midnight(as_of + timedelta(days=1))},
        ).all()  # fmt: skip
        for area, type_code, day, cases in rows:
            key = (area, type_code)
            if key not in index:
                index[key] = len(areas)
                areas.append(area)
                levels.append(level)
                types.append(type_code)
            cells.append((index[key], int(day), int(cases)))
    counts = np.zeros((len(areas), days))
    if cells:
        s, d, n = (np.array(col) for col in zip(*cells, strict=True))
        counts[s, d] = n
    keep = counts.sum(axis=1) >= warning.DEFAULT.min_count
    pick = np.flatnonzero(keep).tolist()
    return Series(
        first, [areas[i] for i in pick], [levels[i] for i in pick], [types[i] for i in pick],
        counts[keep],
    )  # fmt: skip


def detect(series: Series, p: warning.WarningParams = warning.DEFAULT) -> list[warning.Episode]:
    """The statistic over every series, seasonal types judged against their season."""
    t = series.counts.shape[1]
    days = [series.first_day + timedelta(days=k) for k in range(t)]
    seasonal = np.array([ty in warning.SEASONAL_TYPES for ty in series.types], bool)
    in_season = np.zeros(t, bool)
    for season in {
        warning.SEASONAL_TYPES[ty] for ty in series.types if ty in warning.SEASONAL_TYPES
    }:
        in_season |= np.array([warning.in_season(d, season) for d in days])
    return warning.detect(series.counts, series.first_day, seasonal, in_season, p)


def episodes_as_of(conn: Connection, as_of: date, area: str | None = None) -> list[dict[str, Any]]:
    """The episodes still open on ``as_of``, computed from the cases up to that day; ``area``:
    any area code (only areas under it)."""
    series = daily_counts(conn, as_of)
    out = []
    for e in detect(series):
        if not e.is_open:
            continue
        code = series.areas[e.series]
        if area and not code.startswith(area):
            continue
        out.append(
            {
                "area_code": code,
                "area_level": series.levels[e.series],
                "type_code": series.types[e.series],
                "opened": e.opened.isoformat(),
                "last_alarm": e.last_alarm.isoformat(),
                "observed": e.observed,
                "expected": round(e.expected, 3),
                "statistic": round(e.statistic, 3),
                "method": e.method,
            }
        )
    out.sort(key=lambda r: (-r["statistic"], r["area_code"], r["type_code"]))
    return out


def stored_alerts(
    conn: Connection, *, open_only: bool = True, limit: int = 200
) -> list[dict[str, Any]]:
    """Stored alerts the caller may see (row-level security), newest first, with area and type
    names."""
    rows = conn.execute(
        text(
            "SELECT e.*, a.name AS area_name, t.name AS type_name FROM alert_episode e"
            " JOIN admin_area a ON a.code = e.area_code JOIN dispute_type t ON t.code = e.type_code"
            " WHERE (NOT :open_only OR e.state IN ('open', 'acknowledged', 'assigned'))"
            " ORDER BY e.opened_on DESC, e.statistic DESC LIMIT :limit"
        ),
        {"open_only": open_only, "limit": limit},
    ).mappings()
    return [dict(r) for r in rows]

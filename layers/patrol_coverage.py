"""Patrol coverage: visits per building over the last 7/30/90 days, and under-patrolled grids.

Value: visits per building = patrol visits recorded in the area ÷ buildings in it, over the
``days`` days before the current hour (the window ends on the hour so the city-wide figures can
be cached per data version; the visit log only grows through loads anyway).
Under-patrolled (巡查不足): a grid with at least one building whose visits per building is below
**one third of the city median** over grids with buildings, same window. Relative to the median
so one rule fits 7, 30 and 90 days and follows the city's own patrol rhythm; one third flags
~12 % of grids on the full-scale demo at every window (one half flags ~22 %, too many to act on).
A grid with buildings and no visit at all is always under-patrolled; a grid without buildings
never is. Above grid level each child area gets its visits per building and the number of its
under-patrolled grids; the child itself is marked when its own visits per building fails the
same threshold.
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Connection

from geodata import cache
from geodata.read import analysis
from geodata.read import areas as queries
from layers.area_density import class_breaks
from layers.filters import LOCAL_TZ

# ColorBrewer Greens, 5 classes: light = few visits per building, dark = many.
COLORS = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
EMPTY_COLOR = "#f0f0f0"
UNDER_COLOR = "#d7301f"  # outline of under-patrolled areas (OrRd's strong red)
UNDER_FRACTION = 1 / 3
DAYS = (7, 30, 90)


class Params(BaseModel):
    """Coverage of the children of ``parent_code`` over the last ``days`` days."""

    parent_code: str
    parent_level: Literal["city", "district", "township", "community"]
    days: Literal[7, 30, 90] = 30
    now: datetime | None = None

    def window_end(self) -> datetime:
        """End of the window: the start of the current local hour."""
        now = (self.now or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ)
        return now.replace(minute=0, second=0, microsecond=0)


def city_figures(conn: Connection, days: int, end: datetime) -> dict[str, dict[str, Any]]:
    """Patrol figures of every grid (cached per scope, patrols and areas versions, window)."""
    return cache.cached(
        conn,
        "patrol_figures",
        ("patrols", "areas"),
        (days, end),
        lambda: analysis.grid_patrol_figures(conn, days, end),
    )


def city_median(figures: dict[str, dict[str, Any]]) -> float:
    """Median visits per building over the grids that have buildings (0 when none)."""
    values = [f["visits"] / f["buildings"] for f in figures.values() if f["buildings"]]
    return float(statistics.median(values)) if values else 0.0


def is_under_patrolled(visits: int, buildings: int, median: float) -> bool:
    """The rule in the module docstring."""
    if buildings <= 0:
        return False
    return visits == 0 or visits / buildings < UNDER_FRACTION * median


def child_figures(
    figures: dict[str, dict[str, Any]], child_of: dict[str, str], median: float
) -> dict[str, dict[str, Any]]:
    """Per child: visits, buildings, visits_per_building, grids, under_grids, under."""
    out: dict[str, dict[str, Any]] = {}
    for grid, child in child_of.items():
        f = figures.get(grid)
        if f is None:
            continue
        row = out.setdefault(
            child, {"visits": 0, "buildings": 0, "anomalies": 0, "grids": 0, "under_grids": 0}
        )
        row["visits"] += f["visits"]
        row["buildings"] += f["buildings"]
        row["anomalies"] += f["anomalies"]
        row["grids"] += 1
        row["under_grids"] += is_under_patrolled(f["visits"], f["buildings"], median)
    for row in out.values():
        b = row["buildings"]
        row["visits_per_building"] = round(row["visits"] / b, 3) if b else 0.0
        row["under"] = is_under_patrolled(row["visits"], b, median)
    return out


def fetch(conn: Connection, params: Params) -> dict[str, Any]:
    """City-wide grid figures (for the median) cut to the grids under ``parent_code``."""
    figures = city_figures(conn, params.days, params.window_end())
    child_of = analysis.grid_child_codes(conn, params.parent_code, params.parent_level)
    return {
        "figures": {g: figures[g] for g in child_of if g in figures},
        "child_of": child_of,
        "median": city_median(figures),
    }


def render(data: dict[str, Any], params: Params) -> dict[str, Any]:
    """The ``hideout``: values (visits per building), breaks, colours, under-patrolled, legend."""
    children = child_figures(data["figures"], data["child_of"], data["median"])
    values = {code: row["visits_per_building"] for code, row in children.items()}
    breaks = class_breaks(list(values.values()))
    colors = list(COLORS[len(COLORS) - len(breaks) :]) if breaks else []
    hideout = {
        "values": values,
        "breaks": breaks,
        "colors": colors,
        "empty": EMPTY_COLOR,
        "under": sorted(code for code, row in children.items() if row["under"]),
        "under_color": UNDER_COLOR,
        "under_grids": {code: row["under_grids"] for code, row in children.items()},
        "threshold": round(UNDER_FRACTION * data["median"], 3),
        "median": round(data["median"], 3),
        "days": params.days,
        "child_level": queries.CHILD_LEVEL[params.parent_level],
        "total_visits": int(sum(row["visits"] for row in children.values())),
    }
    hideout["legend"] = legend_rows(hideout)
    return hideout


def legend_rows(hideout: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(colour, message key, value range) rows: no visits, each class, under-patrolled."""
    rows = [(hideout["empty"], "coverage.none", "0")]
    lower = 0.0
    for upper, color in zip(hideout["breaks"], hideout["colors"], strict=True):
        rows.append((color, "coverage.per_building", f"{lower:,.2f}–{upper:,.2f}"))
        lower = upper
    rows.append((hideout["under_color"], "coverage.under", f"< {hideout['threshold']:,.2f}"))
    return rows


SPEC = {
    "id": "patrol_coverage",
    "label_key": "layer.patrol_coverage",
    "params": Params,
    "fetch": fetch,
    "render": render,
}

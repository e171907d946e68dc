"""Dispute count per child area: the drill-down choropleth.

Only the values travel on a filter change (through ``hideout``); geometry is a separate URL.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from geodata import queries

# ColorBrewer YlOrRd, 5 classes: light = few disputes, dark red = many.
COLORS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
EMPTY_COLOR = "#f0f0f0"
PERIOD_DAYS = {"30d": 30, "90d": 90, "365d": 365, "all": None}


class Params(BaseModel):
    """What the choropleth shows: the children of ``parent_code`` under the filters."""

    parent_code: str
    parent_level: Literal["city", "district", "township", "community"]
    period: Literal["30d", "90d", "365d", "all"] = "365d"
    type_codes: tuple[str, ...] = Field(default=())
    now: datetime | None = None

    def dispute_filter(self) -> queries.DisputeFilter:
        days = PERIOD_DAYS[self.period]
        now = self.now or datetime.now().astimezone()
        start = now - timedelta(days=days) if days else None
        return queries.DisputeFilter(start=start, end=None, type_codes=self.type_codes)


def fetch(conn: Connection, params: Params) -> dict[str, int]:
    """Dispute counts keyed by child code."""
    return queries.child_dispute_counts(
        conn, params.parent_code, params.parent_level, params.dispute_filter()
    )


def class_breaks(values: list[int], k: int = len(COLORS)) -> list[int]:
    """Upper bounds of up to ``k`` quantile classes over the non-zero values (ascending, unique)."""
    positive = np.array([v for v in values if v > 0])
    if positive.size == 0:
        return []
    qs = np.quantile(positive, np.linspace(0, 1, k + 1)[1:], method="higher")
    return sorted({int(q) for q in qs})


def render(values: dict[str, int], params: Params) -> dict[str, Any]:
    """The ``hideout`` for the style function: values, class upper bounds and their colours."""
    breaks = class_breaks(list(values.values()))
    colors = list(COLORS[len(COLORS) - len(breaks) :]) if breaks else []
    return {
        "values": values,
        "breaks": breaks,
        "colors": colors,
        "empty": EMPTY_COLOR,
        "total": int(sum(values.values())),
    }


def legend_rows(hideout: dict[str, Any]) -> list[tuple[str, str]]:
    """(colour, label) pairs for the legend, e.g. ("#fecc5c", "3–7")."""
    rows = [(hideout["empty"], "0")]
    lower = 1
    for upper, color in zip(hideout["breaks"], hideout["colors"], strict=True):
        rows.append((color, f"{lower}" if lower == upper else f"{lower}–{upper}"))
        lower = upper + 1
    return rows


SPEC = {
    "id": "area_density",
    "label_key": "legend.title",
    "params": Params,
    "fetch": fetch,
    "render": render,
}

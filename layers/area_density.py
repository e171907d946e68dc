"""Dispute density per child area: the drill-down choropleth.

Metric: count, per 1,000 residents, or per km². Classes: quantiles or natural breaks
(Fisher-Jenks, exact and deterministic) from mapclassify, over the areas with at least one
dispute; areas with none get their own "0" class. Only values travel on a filter change
(through ``hideout``); geometry is a separate URL.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Any, Literal

import mapclassify
import numpy as np
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from geodata.read import areas as queries
from layers.filters import MapFilters

# ColorBrewer YlOrRd, 5 classes: light = few disputes, dark red = many.
COLORS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
EMPTY_COLOR = "#f0f0f0"
METRICS = ("count", "per_1k", "per_km2")
SCHEMES = ("quantiles", "natural_breaks")
Metric = Literal["count", "per_1k", "per_km2"]
Scheme = Literal["quantiles", "natural_breaks"]


class Params(BaseModel):
    """What the choropleth shows: the children of ``parent_code`` under the filters."""

    parent_code: str
    parent_level: Literal["city", "district", "township", "community"]
    filters: MapFilters = Field(default_factory=MapFilters)
    metric: Metric = "count"
    scheme: Scheme = "quantiles"
    now: datetime | None = None


def fetch(conn: Connection, params: Params) -> dict[str, dict[str, float]]:
    """Per child code: dispute count under the filters, residents and km²."""
    return queries.child_area_stats(
        conn, params.parent_code, params.parent_level, params.filters.dispute_filter(params.now)
    )


def metric_values(stats: dict[str, dict[str, float]], metric: str) -> dict[str, float]:
    """The chosen metric per area; a rate over zero residents or zero area is 0 (no data)."""
    out: dict[str, float] = {}
    for code, s in stats.items():
        if metric == "count":
            out[code] = int(s["count"])
        elif metric == "per_1k":
            out[code] = round(1000 * s["count"] / s["residents"], 3) if s["residents"] else 0.0
        elif metric == "per_km2":
            out[code] = round(s["count"] / s["km2"], 3) if s["km2"] else 0.0
        else:
            raise ValueError(f"unknown metric {metric!r}")
    return out


def class_breaks(
    values: list[float], k: int = len(COLORS), scheme: str = "quantiles"
) -> list[float]:
    """Upper bounds of up to ``k`` classes over the positive values (ascending, unique)."""
    positive = np.array([v for v in values if v > 0], dtype=float)
    if positive.size == 0:
        return []
    k = min(k, len(np.unique(positive)))
    if k < 2:
        return [float(positive.max())]
    with warnings.catch_warnings():  # mapclassify warns when classes would hold equal values
        warnings.simplefilter("ignore")
        if scheme == "natural_breaks":
            bins = mapclassify.FisherJenks(positive, k=k).bins
        elif scheme == "quantiles":
            bins = mapclassify.Quantiles(positive, k=k).bins
        else:
            raise ValueError(f"unknown scheme {scheme!r}")
    breaks = sorted({round(float(b), 3) for b in bins})
    breaks[-1] = max(breaks[-1], round(float(positive.max()), 3))
    return breaks


def render(stats: dict[str, dict[str, float]], params: Params) -> dict[str, Any]:
    """The ``hideout`` for the style function: values, class upper bounds and their colours."""
    values = metric_values(stats, params.metric)
    breaks = class_breaks(list(values.values()), scheme=params.scheme)
    if params.metric == "count":
        breaks = [int(b) for b in breaks]
    colors = list(COLORS[len(COLORS) - len(breaks) :]) if breaks else []
    return {
        "values": values,
        "breaks": breaks,
        "colors": colors,
        "empty": EMPTY_COLOR,
        "metric": params.metric,
        "total": int(sum(s["count"] for s in stats.values())),
    }


def _fmt(value: float, metric: str) -> str:
    return f"{int(value):,}" if metric == "count" else f"{value:,.2f}"


def legend_rows(hideout: dict[str, Any]) -> list[tuple[str, str]]:
    """(colour, label) pairs for the legend, e.g. ("#fecc5c", "3–7")."""
    metric = hideout.get("metric", "count")
    rows = [(hideout["empty"], "0")]
    lower: float | None = None
    for upper, color in zip(hideout["breaks"], hideout["colors"], strict=True):
        if metric == "count":
            low = 1 if lower is None else int(lower) + 1
            label = f"{low:,}" if low == upper else f"{low:,}–{int(upper):,}"
        else:
            low_text = "0" if lower is None else _fmt(lower, metric)
            label = f"{low_text}–{_fmt(upper, metric)}"
        rows.append((color, label))
        lower = upper
    return rows


SPEC = {
    "id": "area_density",
    "label_key": "layer.area_density",
    "params": Params,
    "fetch": fetch,
    "render": render,
}

"""What a map layer shows the user, as plain data: words as message keys, legends as rows.

Layers never translate: a layer's view names catalogue keys (``Msg``), joins them with literal
text (``Text``) and describes popups and legends; the app turns them into the user's language
and into Dash components (``app.components.popups.translate``, ``app.components.legend``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from layers.filters import MapFilters


@dataclass(frozen=True)
class Msg:
    """A catalogue message: ``key`` in the user's language, formatted with ``args`` if any."""

    key: str
    args: dict[str, Any] = field(default_factory=dict)


def msg(key: str, **args: Any) -> Msg:
    """``Msg(key, args)``."""
    return Msg(key, args)


@dataclass(frozen=True, init=False)
class Text:
    """Literal strings and messages joined by single spaces (``Text(name, "·", msg(...))``)."""

    parts: tuple[str | Msg | Text, ...]

    def __init__(self, *parts: str | Msg | Text) -> None:
        object.__setattr__(self, "parts", parts)


Words = str | Msg | Text


@dataclass(frozen=True)
class Popup:
    """A feature's popup: a title and (label, value) rows; every value is escaped by the app."""

    title: Words
    rows: tuple[tuple[Words, Any], ...]


@dataclass(frozen=True)
class Legend:
    """Colour swatches with labels, under a title, with an optional note below."""

    title: Words
    rows: tuple[tuple[str, Words], ...]
    note: Words | None = None


@dataclass(frozen=True)
class RampLegend:
    """A continuous colour ramp from ``low`` to ``high``; ``stops`` are (0..1, colour)."""

    title: Words
    stops: tuple[tuple[float, str], ...]
    low: Words
    high: Words
    note: Words | None = None


@dataclass(frozen=True)
class Audit:
    """An audit-log record the app writes for the signed-in user (e.g. an unmasked view)."""

    action: str
    object: str | None = None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True)
class LayerRequest:
    """What the page knows when it asks a layer: filters, caller's role, area and viewport.

    ``area`` is the drawn area ({"code", "level"}: the viewed area, or a grid's community);
    ``bbox`` (west, south, east, north) and ``zoom`` are the map's viewport.
    """

    filters: MapFilters = field(default_factory=MapFilters)
    role: str = "viewer"
    area: dict[str, str] | None = None
    bbox: tuple[float, float, float, float] | None = None
    zoom: float | None = None
    metric: str = "count"
    scheme: str = "quantiles"


@dataclass(frozen=True)
class LayerView:
    """What a layer shows: the map component's props it sets, its legend, an audit record."""

    props: dict[str, Any]
    legend: Legend | RampLegend | None = None
    audit: Audit | None = None

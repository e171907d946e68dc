"""The performance page's state lives in the URL query, so a copied link reopens the same table.

Keys: ``period``, ``from``, ``to`` (as on the map: presets in Asia/Shanghai, or a custom range),
``area`` (one area below the caller's jurisdiction), ``sort`` and ``order`` (asc | desc) of the
department table, ``metric`` of the bar chart, and ``lang``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode

from app.components.performance import CHART_METRICS, SORT_KEYS
from app.context import settings
from layers.filters import MapFilters

LANGS = ("zh", "en")
DEFAULT_SORT = "cases_led"
DEFAULT_METRIC = "on_time_rate"


def parse_search(search: str | None) -> dict[str, str]:
    """Query string → raw key/value pairs (last value wins); anything but a string is empty."""
    raw = parse_qs((search if isinstance(search, str) else "").lstrip("?"))
    return {k: v[-1] for k, v in raw.items() if v}


def period_only(filters: MapFilters) -> MapFilters:
    """The period part of the map's filters (the figures take no type or status filter)."""
    return MapFilters(period=filters.period, start=filters.start, end=filters.end)


@dataclass(frozen=True)
class PerfState:
    """What the page shows, as read from (and written to) the URL."""

    filters: MapFilters = field(default_factory=MapFilters)
    area: str | None = None
    sort: str = DEFAULT_SORT
    descending: bool = True
    metric: str = DEFAULT_METRIC
    lang: str = "zh"

    @classmethod
    def from_search(cls, search: str | None, default_lang: str = "zh") -> PerfState:
        """Lenient: unknown or malformed values fall back to defaults."""
        q = parse_search(search)
        area = q.get("area")
        return cls(
            filters=period_only(MapFilters.from_query(q)),
            area=area if area and area.isascii() and area.isdigit() else None,
            sort=q["sort"] if q.get("sort") in SORT_KEYS else DEFAULT_SORT,
            descending=q.get("order") != "asc",
            metric=q["metric"] if q.get("metric") in CHART_METRICS else DEFAULT_METRIC,
            lang=q["lang"] if q.get("lang") in LANGS else default_lang,
        )

    def to_search(self, default_lang: str = "zh") -> str:
        """The query string that reopens this view (defaults left out, stable key order)."""
        q: dict[str, str] = dict(self.filters.to_query())
        if self.area:
            q["area"] = self.area
        if self.sort != DEFAULT_SORT:
            q["sort"] = self.sort
        if not self.descending:
            q["order"] = "asc"
        if self.metric != DEFAULT_METRIC:
            q["metric"] = self.metric
        if self.lang != default_lang:
            q["lang"] = self.lang
        return "?" + urlencode(q)

    def sorted_by(self, column: str) -> PerfState:
        """Sorted by ``column``: the same column again flips the order; a new one starts
        descending (names ascending)."""
        if column == self.sort:
            return replace(self, descending=not self.descending)
        return replace(self, sort=column, descending=column != "name")


def state_of(search: str | None) -> PerfState:
    """The view in ``search`` (language defaulting to the app's setting)."""
    return PerfState.from_search(search, settings().language)


def lang_href(search: str | None, lang: str) -> str:
    """The same view in another language (a full page load: the layout is rebuilt)."""
    return "/performance" + replace(state_of(search), lang=lang).to_search(settings().language)

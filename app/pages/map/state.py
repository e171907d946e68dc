"""The map's whole view state lives in the URL query, so a copied link reopens the same picture.

Keys: ``area``, the filters of :class:`layers.filters.MapFilters` (``period``, ``from``, ``to``,
``types``, ``sources``, ``status``, ``risk``), ``metric``, ``scheme``, ``layers`` (overlays that are
on) and ``lang``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode

from layers import area_density
from layers.filters import MapFilters

LANGS = ("zh", "en")
# Map overlays, in the order the layer control lists them; the first one is on by default.
OVERLAYS = (
    "density",
    "heat_disputes",
    "heat_patrols",
    "points",
    "hotspots",
    "coverage",
    "buildings",
    "key_persons",
)
DEFAULT_OVERLAYS = ("density",)


def parse_search(search: str | None) -> dict[str, str]:
    """Query string → raw key/value pairs (last value wins)."""
    raw = parse_qs((search or "").lstrip("?"))
    return {k: v[-1] for k, v in raw.items() if v}


@dataclass(frozen=True)
class ViewState:
    """Everything the map shows, as read from (and written to) the URL."""

    area: str | None = None
    filters: MapFilters = field(default_factory=MapFilters)
    metric: str = "count"
    scheme: str = "quantiles"
    overlays: tuple[str, ...] = DEFAULT_OVERLAYS
    lang: str = "zh"

    @classmethod
    def from_search(cls, search: str | None, default_lang: str = "zh") -> ViewState:
        """Lenient: unknown or malformed values fall back to defaults."""
        q = parse_search(search)
        overlays = DEFAULT_OVERLAYS
        if "layers" in q:
            overlays = tuple(o for o in OVERLAYS if o in q["layers"].split(","))
        return cls(
            area=q.get("area") or None,
            filters=MapFilters.from_query(q),
            metric=q["metric"] if q.get("metric") in area_density.METRICS else "count",
            scheme=q["scheme"] if q.get("scheme") in area_density.SCHEMES else "quantiles",
            overlays=overlays,
            lang=q["lang"] if q.get("lang") in LANGS else default_lang,
        )

    def to_search(self, default_lang: str = "zh") -> str:
        """The query string that reopens this view (defaults left out, stable key order)."""
        q: dict[str, str] = {}
        if self.area:
            q["area"] = self.area
        q.update(self.filters.to_query())
        if self.metric != "count":
            q["metric"] = self.metric
        if self.scheme != "quantiles":
            q["scheme"] = self.scheme
        if tuple(self.overlays) != DEFAULT_OVERLAYS:
            q["layers"] = ",".join(self.overlays)
        if self.lang != default_lang:
            q["lang"] = self.lang
        return "?" + urlencode(q, safe=",")

    def with_area(self, area: str) -> ViewState:
        return replace(self, area=area)


def search_for(area: str, search: str | None, default_lang: str = "zh") -> str:
    """The query string for ``area`` keeping the rest of the view in ``search``."""
    return ViewState.from_search(search, default_lang).with_area(area).to_search(default_lang)

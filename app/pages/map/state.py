"""The map's whole view state lives in the URL query, so a copied link reopens the same picture.

Keys: ``area``, the filters of :class:`layers.filters.MapFilters` (``period``, ``from``, ``to``,
``types``, ``sources``, ``status``, ``risk``), ``metric``, ``scheme``, ``layers`` (overlays that are
on) and ``lang``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, urlencode

from app.context import settings
from layers import area_density
from layers.filters import MapFilters
from layers.registry import MAP_LAYERS

LANGS = ("zh", "en")
# Map overlays (registry ids), in the order the layer control lists them, and those on by default.
OVERLAYS = tuple(m.id for m in MAP_LAYERS)
DEFAULT_OVERLAYS = tuple(m.id for m in MAP_LAYERS if m.on_by_default)
# Layers that colour the drawn area's children: at most one is on.
CHOROPLETHS = tuple(m.id for m in MAP_LAYERS if m.component == "choropleth")
# Names links carried before each layer had one name; read, never written.
OLD_OVERLAY_KEYS = {
    "density": "area_density",
    "points": "dispute_points",
    "coverage": "patrol_coverage",
}


def parse_search(search: str | None) -> dict[str, str]:
    """Query string → raw key/value pairs (last value wins); anything but a string is empty."""
    raw = parse_qs((search if isinstance(search, str) else "").lstrip("?"))
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
            asked = {OLD_OVERLAY_KEYS.get(o, o) for o in q["layers"].split(",")}
            overlays = tuple(o for o in OVERLAYS if o in asked)
            # Choropleths colour the same areas: a link naming several opens the first only.
            shown = [o for o in overlays if o in CHOROPLETHS]
            overlays = tuple(o for o in overlays if o not in CHOROPLETHS or o == shown[0])
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


def state_of(search: str | None) -> ViewState:
    """The view in ``search`` (language defaulting to the app's setting)."""
    return ViewState.from_search(search, settings().language)


def lang_href(search: str | None, lang: str) -> str:
    """The same view in another language (a full page load: the layout is rebuilt)."""
    return "/" + replace(state_of(search), lang=lang).to_search(settings().language)

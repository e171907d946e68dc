"""Every map layer, listed explicitly: what the page needs to draw, offer and feed each one.

One name per layer: the entry's ``id`` is its URL key (``layers=…``), its label's catalogue key
(``layer.<id>``) and the stem of its component ids (``<id>-layer``, ``legend-<id>``). The order
of ``MAP_LAYERS`` is the order of the map's layer control. A module may back several map layers
(heat: disputes and patrols), one entry each with its ``kind``.

Each entry also says how the page feeds it (``feed``) and how it is drawn (``component``); its
``params`` turns the page's ``LayerRequest`` into the module's ``Params`` and its ``view`` turns
the module's render output into what the user sees (``layers.presentation``). So adding a layer
is its module, an entry here and its label in the catalogue; the page has nothing to add.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Connection

from layers import (
    area_density,
    buildings,
    dispute_points,
    grid_risk,
    heat,
    hotspots,
    key_persons,
    patrol_coverage,
)
from layers.filters import MapFilters
from layers.presentation import (
    Audit,
    LayerRequest,
    LayerView,
    Legend,
    Popup,
    RampLegend,
    Text,
    msg,
)

# How the page draws a layer (app/components/map_layers.py has one builder per kind):
# choropleth: child areas coloured by ``hideout`` values over the drawn area's geometry URL;
# tiles: server-drawn PNG tiles at /tiles/<module>/<kind>/{z}/{x}/{y}.png;
# clusters: clustered points; markers: points; shapes: styled polygons.
Component = Literal["choropleth", "tiles", "clusters", "markers", "shapes"]
# What the page feeds it: drill (values travel with the drill-down's area change; one layer),
# area (the drawn area), viewport (the map's bounds and zoom), filters (the filters only).
Feed = Literal["drill", "area", "viewport", "filters"]


@dataclass(frozen=True)
class MapLayer:
    """One layer of the map: its name, how it is drawn, offered and fed, and what it shows."""

    id: str
    module: ModuleType
    component: Component
    feed: Feed
    # LayerRequest → the module's Params; None when the page fetches nothing (tiles).
    params: Callable[[LayerRequest], BaseModel] | None
    # (render output or None, request) → props, legend, audit.
    view: Callable[[Any, LayerRequest], LayerView]
    permission: str | None = None  # None: everyone who may open the map
    on_by_default: bool = False
    kind: str | None = None  # which map of a module that draws several

    @property
    def label_key(self) -> str:
        return f"layer.{self.id}"


def run(layer: MapLayer, conn: Connection | None, request: LayerRequest) -> LayerView:
    """Fetch and render ``layer`` for ``request``: what it shows, untranslated."""
    if layer.params is None:
        return layer.view(None, request)
    params = layer.params(request)
    data = layer.module.fetch(conn, params)
    return layer.view(layer.module.render(data, params), request)


def offered(may: Callable[[str], bool]) -> tuple[str, ...]:
    """Ids of the layers a caller holding the permissions ``may`` accepts can see, in order."""
    return tuple(m.id for m in MAP_LAYERS if m.permission is None or may(m.permission))


# ---------- per layer: Params from the request, and what the render output shows ----------


def _area(request: LayerRequest) -> dict[str, str]:
    if request.area is None:
        raise ValueError("this layer needs the drawn area")
    return {"parent_code": request.area["code"], "parent_level": request.area["level"]}


def _density_params(r: LayerRequest) -> area_density.Params:
    return area_density.Params(**_area(r), filters=r.filters, metric=r.metric, scheme=r.scheme)


def _density_view(out: dict[str, Any], r: LayerRequest) -> LayerView:
    rows = tuple(area_density.legend_rows(out))
    return LayerView(
        props={"hideout": {**out, "unit": msg(f"unit.{r.metric}")}},
        legend=Legend(msg(f"legend.{r.metric}"), rows),
    )


def _heat_view(kind: str) -> Callable[[None, LayerRequest], LayerView]:
    def view(_out: None, _r: LayerRequest) -> LayerView:
        info = heat.legend(kind)
        return LayerView(
            props={},
            legend=RampLegend(
                msg(info["label_key"]),
                tuple((s["at"], s["color"]) for s in info["stops"]),
                msg(info["low_key"]),
                msg(info["high_key"]),
                msg("heat.note_patrols") if kind == "patrols" else None,
            ),
        )

    return view


def _risk_rows() -> tuple[tuple[str, Text], ...]:
    return tuple((color, Text(msg(f"risk.{r}"))) for r, color in key_persons.RISK_COLORS.items())


def _with(features: dict[str, Any], props: Callable[[dict[str, Any]], dict[str, Any]]) -> dict:
    """The collection with ``props(properties)`` merged into each feature's properties."""
    return {
        "type": "FeatureCollection",
        "features": [
            {**f, "properties": {**f["properties"], **props(f["properties"])}}
            for f in features.get("features", [])
        ],
    }


def _bbox_params(r: LayerRequest) -> dict[str, Any]:
    if r.bbox is None:
        raise ValueError("this layer needs the map's bounds")
    return {"bbox": r.bbox}


def _dispute_points_params(r: LayerRequest) -> dispute_points.Params:
    return dispute_points.Params(**_bbox_params(r), role=r.role, filters=r.filters)


def _dispute_popup(p: dict[str, Any]) -> dict[str, Any]:
    rows = (
        (msg("dispute_points.type"), p.get("type_name")),
        (msg("dispute_points.status"), msg(f"status.{p.get('status')}")),
        (msg("key_persons.risk"), msg(f"risk.{p.get('risk_level')}")),
        (msg("filter.sources"), msg(f"source.{p.get('source')}")),
        (msg("dispute_points.reported_at"), p.get("reported_at")),
        (msg("dispute_points.source_ref"), p.get("source_ref")),
    )
    return {"popup": Popup(p.get("title") or "", rows)}


def _dispute_points_view(out: dict[str, Any], _r: LayerRequest) -> LayerView:
    note = msg(out["message_key"], count=out["count"]) if out["too_many"] else None
    return LayerView(
        props={"data": _with(out["geojson"], _dispute_popup)},
        legend=Legend(msg("layer.dispute_points"), _risk_rows(), note),
    )


def _hotspots_params(r: LayerRequest) -> hotspots.Params:
    return hotspots.Params(**_area(r), filters=r.filters)


def _hotspot_look(p: dict[str, Any]) -> dict[str, Any]:
    count = Text(msg("hotspot.count"), str(p["count"]))
    tip = Text(p["name"], "·", msg(f"hotspot.{p['class']}"), "·", f"z={p['z']}", "·", count)
    look: dict[str, Any] = {"fillOpacity": 0.7 if p["class"] != "ns" else 0.0}
    if p["emerging"]:
        tip = Text(tip, "·", msg("hotspot.emerging"))
        look.update(stroke="#6a1b9a", weight=3, dashArray="5 3")
    return {**look, "tooltip": tip}


def _hotspots_view(out: dict[str, Any], _r: LayerRequest) -> LayerView:
    rows = tuple((color, Text(msg(key))) for color, key in out["legend"])
    return LayerView(
        props={"data": _with(out["geojson"], _hotspot_look)},
        legend=Legend(msg("layer.hotspots"), rows, msg("hotspot.note")),
    )


def _grid_risk_params(r: LayerRequest) -> grid_risk.Params:
    _start, end = r.filters.window()
    return grid_risk.Params(**_area(r), now=end)


def _grid_risk_look(p: dict[str, Any]) -> dict[str, Any]:
    parts: list[Any] = [p["name"], "·", msg("grid_risk.score"), str(p["score"])]
    for name, points in p["points"].items():
        if points > 0:
            parts += ["·", msg(f"grid_risk.{name}"), f"+{points}"]
    return {"fillOpacity": 0.6, "tooltip": Text(*parts)}


def _grid_risk_view(out: dict[str, Any], _r: LayerRequest) -> LayerView:
    rows = tuple((color, Text(msg(key))) for color, key in out["legend"])
    return LayerView(
        props={"data": _with(out["geojson"], _grid_risk_look)},
        legend=Legend(msg("layer.grid_risk"), rows, msg("grid_risk.note")),
    )


def coverage_days(filters: MapFilters) -> int:
    """The patrol window (7, 30 or 90 days) closest to the chosen period."""
    days = filters.days()
    return 7 if days <= 10 else 30 if days <= 45 else 90


def _coverage_params(r: LayerRequest) -> patrol_coverage.Params:
    _start, end = r.filters.window()
    return patrol_coverage.Params(**_area(r), days=coverage_days(r.filters), now=end)


def _coverage_view(out: dict[str, Any], _r: LayerRequest) -> LayerView:
    hideout = {k: v for k, v in out.items() if k != "legend"}
    hideout.update(flagged=out["under"], unit=msg("coverage.per_building"), opacity=0.8)
    rows = tuple((color, Text(msg(key), span)) for color, key, span in out["legend"])
    note = Text(msg(f"coverage.days.{out['days']}"), "·", msg("heat.note_patrols"))
    return LayerView(
        props={"hideout": hideout}, legend=Legend(msg("layer.patrol_coverage"), rows, note)
    )


def _buildings_params(r: LayerRequest) -> buildings.Params:
    return buildings.Params(**_bbox_params(r), zoom=int(r.zoom or 0))


def _building_tooltip(p: dict[str, Any]) -> dict[str, Any]:
    where = str(p.get("address") or p.get("code"))
    floors = Text(str(p.get("floors")), msg("buildings.floors"))
    units = Text(str(p.get("units") or 0), msg("buildings.units"))
    return {"tooltip": Text(where, "·", floors, "·", units)}


def _floor_rows() -> tuple[tuple[str, Text], ...]:
    bounds = [1, *(b + 1 for b in buildings.FLOOR_BREAKS)]
    rows = []
    for i, color in enumerate(buildings.FLOOR_COLORS):
        high = buildings.FLOOR_BREAKS[i] if i < len(buildings.FLOOR_BREAKS) else None
        span = f"{bounds[i]}–{high}" if high else f"≥{bounds[i]}"
        rows.append((color, Text(span, msg("buildings.floors"))))
    return tuple(rows)


def _buildings_view(out: dict[str, Any], _r: LayerRequest) -> LayerView:
    note = msg(out["message_key"]) if out["message_key"] else None
    return LayerView(
        props={"data": _with(out["geojson"], _building_tooltip)},
        legend=Legend(msg("layer.buildings"), _floor_rows(), note),
    )


def _key_persons_params(r: LayerRequest) -> key_persons.Params:
    return key_persons.Params(**_bbox_params(r), role=r.role, filters=r.filters)


def _key_person_popup(p: dict[str, Any]) -> dict[str, Any]:
    rows = (
        (msg("key_persons.category"), p.get("category")),
        (msg("key_persons.risk"), msg(f"risk.{p.get('risk_level')}")),
        (msg("key_persons.id_number"), p.get("id_number")),
        (msg("key_persons.phone"), p.get("phone")),
        (msg("key_persons.grid"), p.get("grid_name")),
    )
    # A dark ring tells a person from a dispute point of the same risk colour.
    return {"stroke": "#222", "weight": 2, "radius": 7, "popup": Popup(p.get("name") or "", rows)}


def _key_persons_view(out: dict[str, Any], r: LayerRequest) -> LayerView:
    note = msg(out["message_key"]) if out["message_key"] else None
    audit = None
    if not out["masked"]:  # raw names, ID numbers and phones: recorded with who saw them
        audit = Audit("key_persons.view_unmasked", f"bbox {r.bbox}", {"count": out["count"]})
    return LayerView(
        props={"data": _with(out["geojson"], _key_person_popup)},
        legend=Legend(msg("layer.key_persons"), _risk_rows(), note),
        audit=audit,
    )


# In the order of the layer control.
MAP_LAYERS: tuple[MapLayer, ...] = (
    MapLayer(
        id="area_density",
        module=area_density,
        component="choropleth",
        feed="drill",
        params=_density_params,
        view=_density_view,
        on_by_default=True,
    ),
    MapLayer(
        id="heat_disputes",
        module=heat,
        kind="disputes",
        component="tiles",
        feed="filters",
        params=None,
        view=_heat_view("disputes"),
    ),
    MapLayer(
        id="heat_patrols",
        module=heat,
        kind="patrols",
        component="tiles",
        feed="filters",
        params=None,
        view=_heat_view("patrols"),
    ),
    MapLayer(
        id="dispute_points",
        module=dispute_points,
        component="clusters",
        feed="viewport",
        params=_dispute_points_params,
        view=_dispute_points_view,
        permission="dispute_points.view",
    ),
    MapLayer(
        id="hotspots",
        module=hotspots,
        component="shapes",
        feed="area",
        params=_hotspots_params,
        view=_hotspots_view,
    ),
    MapLayer(
        id="grid_risk",
        module=grid_risk,
        component="shapes",
        feed="area",
        params=_grid_risk_params,
        view=_grid_risk_view,
    ),
    MapLayer(
        id="patrol_coverage",
        module=patrol_coverage,
        component="choropleth",
        feed="area",
        params=_coverage_params,
        view=_coverage_view,
    ),
    MapLayer(
        id="buildings",
        module=buildings,
        component="shapes",
        feed="viewport",
        params=_buildings_params,
        view=_buildings_view,
        permission="buildings.view",
    ),
    MapLayer(
        id="key_persons",
        module=key_persons,
        component="markers",
        feed="viewport",
        params=_key_persons_params,
        view=_key_persons_view,
        permission="key_persons.view",
    ),
)
BY_ID: dict[str, MapLayer] = {m.id: m for m in MAP_LAYERS}

# The modules' SPECs by their own id (one per module; heat's backs two map layers).
LAYERS = {
    spec["id"]: spec
    for spec in (
        area_density.SPEC,
        key_persons.SPEC,
        buildings.SPEC,
        dispute_points.SPEC,
        grid_risk.SPEC,
        heat.SPEC,
        hotspots.SPEC,
        patrol_coverage.SPEC,
    )
}

"""The dash-leaflet component of each kind of map layer (``MapLayer.component``).

A layer's component is ``ids.layer(<id>)``; styling is a JavaScript function in assets/map.js
fed by ``hideout`` or by each feature's properties. ``PROPS`` are the component's props the
page sets when the view changes: the geometry URL of a choropleth and the tile URL come from
the page, the rest from the layer's view.
"""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash_extensions.javascript import Namespace

from app import ids
from layers.filters import MapFilters
from layers.registry import MapLayer

NS = Namespace("zongzhi", "map")
EMPTY_COLOR = "#f0f0f0"  # an area with no value, before and after values arrive

PROPS: dict[str, tuple[str, ...]] = {
    "choropleth": ("url", "hideout"),
    "tiles": ("url",),
    "clusters": ("data",),
    "markers": ("data",),
    "shapes": ("data",),
}


def tile_url(layer: MapLayer, filters: MapFilters, frame: str) -> str:
    """Tile URL template of a tiles layer; the query carries the filters (and the map's frame)."""
    query = filters.to_query()
    if frame != "wgs84":
        query["crs"] = frame
    suffix = "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    module = layer.module.__name__.rsplit(".", 1)[-1]
    return f"/tiles/{module}/{layer.kind}/{{z}}/{{x}}/{{y}}.png" + (f"?{suffix}" if suffix else "")


def component(layer: MapLayer, filters: MapFilters, frame: str) -> Any:
    """The map component of ``layer``, before the page sends it any values."""
    cid = ids.layer(layer.id)
    kind = layer.component
    if kind == "choropleth":
        return dl.GeoJSON(
            id=cid,
            format="geobuf",
            style=NS("areaStyle"),
            onEachFeature=NS("areaTooltip"),
            hoverStyle=NS("hoverStyle"),
            hideout={"values": {}, "breaks": [], "colors": [], "empty": EMPTY_COLOR},
        )
    if kind == "tiles":
        return dl.TileLayer(id=cid, url=tile_url(layer, filters, frame), opacity=0.85, maxZoom=20,
                            className="heat-tiles")  # fmt: skip
    if kind == "clusters":
        return dl.GeoJSON(
            id=cid,
            cluster=True,
            zoomToBoundsOnClick=True,
            superClusterOptions={"radius": 60, "maxZoom": 17},
            pointToLayer=NS("pointToLayer"),
            onEachFeature=NS("popup"),
        )
    if kind == "markers":
        return dl.GeoJSON(id=cid, pointToLayer=NS("pointToLayer"), onEachFeature=NS("popup"))
    if kind == "shapes":
        return dl.GeoJSON(id=cid, style=NS("featureStyle"), onEachFeature=NS("popup"))
    raise ValueError(f"unknown map component kind {kind!r}")

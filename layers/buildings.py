"""Building footprints at street zoom, each with floors, housing units and residents."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Connection

from geodata.read import features

MIN_ZOOM = 16
MAX_FEATURES = 3000
# Floors classes: 1–3 low-rise, 4–6 multi-storey, 7–11 mid-rise, 12+ high-rise (ColorBrewer Blues).
FLOOR_BREAKS = (3, 6, 11)
FLOOR_COLORS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
STYLE = {"color": "#08306b", "weight": 0.6, "fillOpacity": 0.6}


class Params(BaseModel):
    """Buildings in ``bbox`` at map zoom ``zoom`` (nothing below MIN_ZOOM)."""

    bbox: tuple[float, float, float, float]
    zoom: float = Field(ge=0, le=24)
    limit: int = Field(default=MAX_FEATURES, ge=1, le=MAX_FEATURES)

    _bbox = field_validator("bbox")(features.check_bbox)


def fetch(conn: Connection, params: Params) -> dict[str, Any]:
    """Footprints from the database, or an empty result with ``zoomed_out`` below MIN_ZOOM."""
    if params.zoom < MIN_ZOOM:
        return {
            "geojson": {"type": "FeatureCollection", "features": []},
            "count": 0,
            "truncated": False,
            "zoomed_out": True,
        }
    return {
        **features.buildings_geojson(conn, params.bbox, limit=params.limit),
        "zoomed_out": False,
    }


def floor_class(floors: int) -> int:
    """Index into FLOOR_COLORS for a building of ``floors`` floors."""
    for i, upper in enumerate(FLOOR_BREAKS):
        if floors <= upper:
            return i
    return len(FLOOR_BREAKS)


def render(data: dict[str, Any], params: Params) -> dict[str, Any]:
    """GeoJSON with a ``color`` per floors class, the style, the legend and a message key."""
    feats = [
        {
            **f,
            "properties": {
                **f["properties"],
                "color": FLOOR_COLORS[floor_class(f["properties"]["floors"])],
            },
        }
        for f in data["geojson"]["features"]
    ]
    message = None
    if data["zoomed_out"]:
        message = "buildings.zoom_in"
    elif data["truncated"]:
        message = "buildings.truncated"
    return {
        "geojson": {"type": "FeatureCollection", "features": feats},
        "style": STYLE,
        "hideout": {"breaks": list(FLOOR_BREAKS), "colors": list(FLOOR_COLORS)},
        "count": data["count"],
        "truncated": data["truncated"],
        "message_key": message,
    }


SPEC = {
    "id": "buildings",
    "label_key": "layer.buildings",
    "permission": "buildings.view",
    "params": Params,
    "fetch": fetch,
    "render": render,
}

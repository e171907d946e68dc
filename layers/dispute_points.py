"""Dispute points in the view for a clustered ``dl.GeoJSON``; only a count when too many.

Beyond MAX_POINTS the page asks the user to zoom in or use the heat layer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Connection

from geodata.read import features
from geodata.write import users
from layers.filters import MapFilters
from layers.key_persons import RISK_COLORS, with_risk_colors

MAX_POINTS = 2000


class Params(BaseModel):
    """Disputes in ``bbox`` under every map filter, seen by ``role``."""

    bbox: tuple[float, float, float, float]
    role: str
    filters: MapFilters = Field(default_factory=MapFilters)
    district_code: str | None = None
    limit: int = Field(default=MAX_POINTS, ge=1, le=MAX_POINTS)
    now: datetime | None = None

    _bbox = field_validator("bbox")(features.check_bbox)
    _role = field_validator("role")(users.check_role)


def fetch(conn: Connection, params: Params) -> dict[str, Any]:
    """Points as GeoJSON, or only the count; PermissionError for a role without points."""
    users.require(params.role, "dispute_points.view")
    return features.dispute_points_geojson(
        conn,
        params.bbox,
        params.filters.dispute_filter(params.now),
        district_code=params.district_code,
        limit=params.limit,
        cleared=users.can(params.role, "personal.unmask"),
    )


def render(data: dict[str, Any], params: Params) -> dict[str, Any]:
    """Clustered-point GeoJSON (``color`` by risk), or an empty one with ``too_many``."""
    features = [] if data["too_many"] else data["geojson"]["features"]
    return {
        "geojson": with_risk_colors(features),
        "hideout": {"colors": RISK_COLORS},
        "count": data["count"],
        "too_many": data["too_many"],
        "message_key": "dispute_points.too_many" if data["too_many"] else None,
    }


SPEC = {
    "id": "dispute_points",
    "label_key": "layer.dispute_points",
    "permission": "dispute_points.view",
    "params": Params,
    "fetch": fetch,
    "render": render,
}

"""重点人员: key persons in the view, coloured by risk; personal data masked unless cleared.

The permission check is here, not only in the UI: ``fetch`` refuses a role without
``key_persons.view``, and only ``personal.unmask`` gets raw names, ID numbers and phones.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Connection

from geodata.read import features
from geodata.write import users
from layers.filters import MapFilters

# ColorBrewer OrRd: darker = higher risk.
RISK_COLORS = {"high": "#d7301f", "medium": "#fc8d59", "low": "#fdcc8a"}
MAX_FEATURES = 5000


class Params(BaseModel):
    """Key persons in ``bbox`` seen by ``role``; ``filters.risks`` narrows by risk level."""

    bbox: tuple[float, float, float, float]
    role: str
    filters: MapFilters = Field(default_factory=MapFilters)
    categories: tuple[str, ...] = ()
    # The user's jurisdiction (county code); None = the whole city.
    district_code: str | None = None
    limit: int = Field(default=MAX_FEATURES, ge=1, le=MAX_FEATURES)

    _bbox = field_validator("bbox")(features.check_bbox)
    _role = field_validator("role")(users.check_role)


def fetch(conn: Connection, params: Params) -> dict[str, Any]:
    """Key persons as GeoJSON from the database; PermissionError for a role not cleared."""
    users.require(params.role, "key_persons.view")
    return features.key_persons_geojson(
        conn,
        params.bbox,
        unmask=users.can(params.role, "personal.unmask"),
        risks=params.filters.risks,
        categories=params.categories,
        district_code=params.district_code,
        limit=params.limit,
    )


def with_risk_colors(features: list[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection of ``features``, each given the ``color`` of its ``risk_level``."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                **f,
                "properties": {
                    **f["properties"],
                    "color": RISK_COLORS[f["properties"]["risk_level"]],
                },
            }
            for f in features
        ],
    }


def render(data: dict[str, Any], params: Params) -> dict[str, Any]:
    """GeoJSON points with a ``color`` per risk level, the legend colours and counts."""
    return {
        "geojson": with_risk_colors(data["geojson"]["features"]),
        "hideout": {"colors": RISK_COLORS},
        "count": data["count"],
        "truncated": data["truncated"],
        "masked": data["masked"],
        "message_key": "key_persons.truncated" if data["truncated"] else None,
    }


SPEC = {
    "id": "key_persons",
    "label_key": "layer.key_persons",
    "permission": "key_persons.view",
    "params": Params,
    "fetch": fetch,
    "render": render,
}

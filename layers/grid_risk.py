"""Grid risk (网格风险): each grid's score 0–100 from five components — recent case density per
1,000 residents, the trend of the last 30 days against the 90 before, open high-risk cases, key
persons and patrol gaps — each weighed by its percentile among the city's grids
(``domain.risk``). Shown for the grids inside the viewed area in four colours (红 ≥ 75, 橙 ≥ 50,
黄 ≥ 25, 蓝), each with its components. City-wide figures are cached per scope and the versions
of cases, people, patrols and areas, for the current hour.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import Connection

from domain import risk
from geodata.read import analysis
from geodata.read import risk as reading
from layers.filters import LOCAL_TZ

CLASS_COLORS = {"red": "#d7191c", "orange": "#fdae61", "yellow": "#ffffbf", "blue": "#abd9e9"}


class Params(BaseModel):
    """Grid risk for the grids inside ``parent_code``, as of ``now`` (default: this hour)."""

    parent_code: str
    parent_level: Literal["city", "district", "township", "community"]
    now: datetime | None = None

    def as_of(self) -> datetime:
        now = (self.now or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ)
        return now.replace(minute=0, second=0, microsecond=0)


def city_risk(conn: Connection, now: datetime) -> dict[str, dict[str, Any]]:
    """Every grid's score (cached per scope, data versions and hour)."""
    return reading.cached_grid_risk(conn, now)


def fetch(conn: Connection, params: Params) -> dict[str, Any]:
    scores = city_risk(conn, params.as_of())
    codes = [c for c in analysis.grids_in_area(conn, params.parent_code, params.parent_level)
             if c in scores]  # fmt: skip
    return {"grids": {c: scores[c] for c in codes}, "geojson": analysis.grids_geojson(conn, codes)}


def render(data: dict[str, Any], params: Params) -> dict[str, Any]:
    """Grid features with score, class, colour and components; legend rows; the top ten."""
    features = []
    for feature in data["geojson"]["features"]:
        code = feature["properties"]["code"]
        g = data["grids"].get(code)
        if g is None:
            continue
        props = {"code": code, "name": g["name"], "score": g["score"], "class": g["class"],
                 "color": CLASS_COLORS[g["class"]], "points": g["points"]}  # fmt: skip
        features.append({**feature, "properties": props})
    top = sorted(data["grids"].items(), key=lambda kv: -kv[1]["score"])[:10]
    return {
        "geojson": {"type": "FeatureCollection", "features": features},
        "legend": [(CLASS_COLORS[c], f"grid_risk.{c}") for c, _floor in risk.GRID_CLASSES],
        "top": [{"code": c, "name": g["name"], "score": g["score"]} for c, g in top],
    }


SPEC = {
    "id": "grid_risk",
    "label_key": "layer.grid_risk",
    "params": Params,
    "fetch": fetch,
    "render": render,
}

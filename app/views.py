"""Which area a view shows and its dispute density, as plain data any page can use.

Here, not in a page: pages must not import each other, and the map and a future wall page
resolve an area the same way. Not in ``components/`` either: nothing here builds Dash
components; it turns a URL's area code into (code, level) and values, with one connection.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from domain.i18n import t
from geodata.read import areas as queries
from layers import registry
from layers.filters import MapFilters
from layers.presentation import LayerRequest, LayerView


def resolve_area(conn: Connection, area: str | None, lang: str = "zh") -> dict[str, Any]:
    """The area asked for (code, level); unknown codes fall back to the city with a message."""
    city = queries.city_code(conn)
    if city is None:
        return {"empty": True, "message": t("error.no_data", lang)}
    code = area or city
    level = queries.level_of(conn, code)
    if level is None:
        return {
            "empty": False,
            "code": city,
            "level": "city",
            "message": t("error.unknown_area", lang),
        }
    return {"empty": False, "code": code, "level": level, "message": ""}


def drawn_area(conn: Connection, view: dict[str, Any]) -> dict[str, str]:
    """The area whose children the map draws: the viewed area, or a grid's community."""
    if view["level"] != "grid":
        return {"code": view["code"], "level": view["level"]}
    return queries.lineage(conn, view["code"])[-2]


def density_values(
    conn: Connection,
    area: dict[str, Any],
    filters: MapFilters,
    metric: str = "count",
    scheme: str = "quantiles",
) -> LayerView:
    """The choropleth's ``hideout`` and legend for the children of ``area`` (code, level).

    Untranslated (message keys): ``app.components.popups.translate`` and
    ``app.components.legend.legend`` put them in the user's language.
    """
    request = LayerRequest(filters=filters, area=area, metric=metric, scheme=scheme)
    return registry.run(registry.BY_ID["area_density"], conn, request)

"""研判地图: the drill-down dispute map (city → district → township → community → grid)."""

from __future__ import annotations

from typing import Any

import dash
import dash_leaflet as dl
from dash import ClientsideFunction, Input, Output, State, dcc, html
from dash_extensions.javascript import Namespace

from app import ids
from app.context import engine, settings
from app.i18n import t
from app.urlstate import parse_search, search_for
from geodata import queries
from layers import area_density

dash.register_page(__name__, path="/", title="矛盾纠纷态势图")

NS = Namespace("zongzhi", "map")
HOHHOT_CENTER = (40.82, 111.75)
PERIODS = tuple(area_density.PERIOD_DAYS)


def resolve_area(conn, search: str | None, lang: str = "zh") -> dict[str, Any]:  # noqa: ANN001
    """The area in the URL (code, level); unknown codes fall back to the city with a message."""
    city = queries.city_code(conn)
    if city is None:
        return {"empty": True, "message": t("error.no_data", lang)}
    code = parse_search(search).get("area") or city
    level = queries.level_of(conn, code)
    if level is None:
        return {
            "empty": False,
            "code": city,
            "level": "city",
            "message": t("error.unknown_area", lang),
        }
    return {"empty": False, "code": code, "level": level, "message": ""}


def view_for(conn, search: str | None, lang: str = "zh") -> dict[str, Any]:  # noqa: ANN001
    """The area with its path, summary and data version (what a new area needs to draw)."""
    view = resolve_area(conn, search, lang)
    if view["empty"]:
        return view
    return {
        **view,
        "path": queries.lineage(conn, view["code"]),
        "summary": queries.area_summary(conn, view["code"], view["level"]),
        "version": queries.data_version(conn),
    }


def breadcrumb(path: list[dict[str, str]], state: dict[str, str], lang: str = "zh") -> list:
    crumbs: list[Any] = []
    for i, node in enumerate(path):
        if i:
            crumbs.append(html.Span(" › ", className="crumb-sep"))
        label = f"{node['name']}"
        if i == len(path) - 1:
            crumbs.append(
                html.Span(label, className="crumb current", **{"data-level": node["level"]})
            )
        else:
            crumbs.append(
                dcc.Link(label, href="/" + search_for(node["code"], state), className="crumb")
            )
    return crumbs


def summary_cards(summary: dict[str, int], level: str, lang: str = "zh") -> list:
    cards = [html.Div(t(f"level.{level}", lang), className="level-tag")]
    for key in ("grids", "residents", "disputes", "open_disputes"):
        cards.append(
            html.Div(
                [
                    html.Div(f"{summary[key]:,}", className="figure"),
                    html.Div(t(f"summary.{key}", lang)),
                ],
                className="card",
                id=f"summary-{key}",
            )
        )
    return cards


def legend(hideout: dict[str, Any], lang: str = "zh") -> list:
    rows = [html.Div(t("legend.title", lang), className="legend-title")]
    for color, label in area_density.legend_rows(hideout):
        rows.append(
            html.Div(
                [html.Span(className="swatch", style={"background": color}), html.Span(label)],
                className="legend-row",
            )
        )
    return rows


def layout(**query: str) -> html.Div:
    lang = settings().language
    base_layers: list[Any] = []
    if settings().basemap_url:
        base_layers.append(
            dl.TileLayer(url=settings().basemap_url, attribution=settings().basemap_attribution)
        )
    with engine().connect() as conn:
        types = queries.dispute_types(conn)
    return html.Div(
        [
            dcc.Location(id=ids.LOCATION, refresh=False),
            dcc.Store(id=ids.GEOMETRY_URL),
            html.Header(
                [html.H1(t("title", lang)), html.Nav(id=ids.BREADCRUMB, className="breadcrumb")]
            ),
            html.Main(
                [
                    html.Aside(
                        [
                            html.Div(id=ids.SUMMARY, className="summary"),
                            html.Label(t("filter.period", lang)),
                            dcc.RadioItems(
                                id=ids.PERIOD,
                                options=[
                                    {"label": t(f"period.{p}", lang), "value": p} for p in PERIODS
                                ],
                                value=query.get("period", "365d"),
                                inline=True,
                            ),
                            html.Label(t("filter.types", lang)),
                            dcc.Dropdown(
                                id=ids.TYPES,
                                options=[{"label": x["name"], "value": x["code"]} for x in types],
                                value=[v for v in query.get("types", "").split(",") if v],
                                multi=True,
                                placeholder=t("filter.types.all", lang),
                            ),
                            html.Div(id=ids.LEGEND, className="legend"),
                            html.Div(id=ids.STATUS_LINE, className="status-line"),
                        ],
                        className="sidebar",
                    ),
                    dcc.Loading(
                        dl.Map(
                            [
                                *base_layers,
                                dl.GeoJSON(
                                    id=ids.AREAS,
                                    format="geobuf",
                                    zoomToBounds=True,
                                    style=NS("areaStyle"),
                                    onEachFeature=NS("areaTooltip"),
                                    hoverStyle=NS("hoverStyle"),
                                    hideout={
                                        "values": {},
                                        "breaks": [],
                                        "colors": [],
                                        "empty": "#f0f0f0",
                                    },
                                ),
                            ],
                            id=ids.MAP,
                            center=HOHHOT_CENTER,
                            zoom=8,
                            zoomSnap=0.25,
                            className="map",
                            attributionControl=bool(settings().basemap_url),
                        ),
                        parent_className="map-wrap",
                        delay_show=300,
                    ),
                ],
            ),
        ],
        className="page-map",
    )


@dash.callback(
    Output(ids.GEOMETRY_URL, "data"),
    Output(ids.AREAS, "hideout"),
    Output(ids.LEGEND, "children"),
    Output(ids.BREADCRUMB, "children"),
    Output(ids.SUMMARY, "children"),
    Output(ids.STATUS_LINE, "children"),
    Input(ids.LOCATION, "search"),
    Input(ids.PERIOD, "value"),
    Input(ids.TYPES, "value"),
)
def update_map(search: str | None, period: str, types: list[str] | None):  # noqa: ANN201
    """A new area sends geometry URL and values together; a filter change sends values only.

    The URL goes through a store to the layer *after* the values: the GeoJSON layer ignores
    prop changes while it is fetching, so values set during a fetch would be lost.
    """
    lang = settings().language
    area_changed = dash.ctx.triggered_id in (None, ids.LOCATION)
    with engine().connect() as conn:
        # A filter change needs only the area; path, summary and version come with a new area.
        view = view_for(conn, search, lang) if area_changed else resolve_area(conn, search, lang)
        if view["empty"]:
            return None, dash.no_update, [], [], [], view["message"]
        hideout, legend_rows = dash.no_update, dash.no_update
        if view["level"] != "grid":
            hideout = area_values(conn, view, period, types, lang)
            legend_rows = legend(hideout, lang)
    if not area_changed:
        return dash.no_update, hideout, legend_rows, *([dash.no_update] * 3)
    state = parse_search(search)
    hint = t("hint.grid", lang) if view["level"] == "grid" else t("hint.drill", lang)
    url = dash.no_update
    if view["level"] != "grid":
        url = f"/api/geo/children/{view['code']}.pbf?v={view['version']}"
    return (
        url,
        hideout,
        legend_rows,
        breadcrumb(view["path"], state, lang),
        summary_cards(view["summary"], view["level"], lang),
        view["message"] or hint,
    )


def area_values(conn, view: dict[str, Any], period: str, types, lang: str) -> dict[str, Any]:  # noqa: ANN001
    """The choropleth's ``hideout`` for the children of the viewed area."""
    params = area_density.Params(
        parent_code=view["code"],
        parent_level=view["level"],
        period=period or "365d",
        type_codes=tuple(types or ()),
    )
    hideout = area_density.render(area_density.fetch(conn, params), params)
    hideout["unit"] = t("unit.count", lang)
    return hideout


dash.clientside_callback(
    "function (url) { return url || window.dash_clientside.no_update; }",
    Output(ids.AREAS, "url"),
    Input(ids.GEOMETRY_URL, "data"),
)

# Clicking an area opens it. Client-side, so the clicked polygon never travels to the server.
dash.clientside_callback(
    ClientsideFunction(namespace="zongzhi_cb", function_name="drill"),
    Output(ids.LOCATION, "search"),
    Input(ids.AREAS, "clickData"),
    State(ids.PERIOD, "value"),
    State(ids.TYPES, "value"),
    prevent_initial_call=True,
)

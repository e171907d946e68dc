"""研判地图: the drill-down situational map (city → district → township → community → grid).

The URL is the state: every control writes the query string, and every layer reads it, so a
copied link reopens the same picture and the browser's back button steps back through views.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from html import escape
from typing import Any

import dash
import dash_leaflet as dl
from dash import ALL, ClientsideFunction, Input, Output, State, dcc, html
from dash_extensions.javascript import Namespace

from app import ids
from app.components import grid_panel
from app.components.popups import floors_legend, risk_legend, with_popups
from app.context import connection, settings
from app.pages.map.state import OVERLAYS, ViewState, search_for
from app.pages.map.timeline import filters_from_controls, timeline_weeks, week_index
from app.web import auth
from app.web.basemap import basemap_spec
from domain.i18n import t
from geodata.read import areas as queries
from geodata.write import users
from layers import (
    area_density,
    buildings,
    dispute_points,
    heat,
    hotspots,
    key_persons,
    patrol_coverage,
)
from layers.filters import LOCAL_TZ, PERIODS, RISKS, SOURCES, STATUSES, MapFilters

dash.register_page(__name__, path="/", title="矛盾纠纷态势图")

NS = Namespace("zongzhi", "map")
HOHHOT_CENTER = (40.82, 111.75)


def _lang() -> str:
    return settings().language


def personal_data_cleared() -> bool:
    """Whether the signed-in user may see unmasked ID numbers and phones."""
    return auth.may("personal.unmask")


# Overlays a role must be allowed to see; others are for everyone who may open the map.
OVERLAY_PERMISSION = {"points": "dispute_points.view", "key_persons": "key_persons.view"}


def visible_overlays() -> tuple[str, ...]:
    """The overlays the layer control offers to whoever is asking."""
    return tuple(
        o for o in OVERLAYS if o not in OVERLAY_PERMISSION or auth.may(OVERLAY_PERMISSION[o])
    )


def bbox_of(bounds: list | None) -> tuple[float, float, float, float] | None:
    """Leaflet bounds [[south, west], [north, east]] → (west, south, east, north)."""
    if not bounds:
        return None
    (south, west), (north, east) = bounds
    if not (west < east and south < north):
        return None
    return (max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0))


def state_of(search: str | None) -> ViewState:
    """The view in ``search`` (language defaulting to the setting)."""
    return ViewState.from_search(search, _lang())


def resolve_area(conn, area: str | None, lang: str = "zh") -> dict[str, Any]:  # noqa: ANN001
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


def drawn_area(conn, view: dict[str, Any]) -> dict[str, str]:  # noqa: ANN001
    """The area whose children the map draws: the viewed area, or a grid's community."""
    if view["level"] != "grid":
        return {"code": view["code"], "level": view["level"]}
    return queries.lineage(conn, view["code"])[-2]


def breadcrumb(path: list[dict[str, str]], search: str | None) -> list:
    crumbs: list[Any] = []
    for i, node in enumerate(path):
        if i:
            crumbs.append(html.Span(" › ", className="crumb-sep"))
        if i == len(path) - 1:
            crumbs.append(
                html.Span(node["name"], className="crumb current", **{"data-level": node["level"]})
            )
        else:
            href = "/" + search_for(node["code"], search, _lang())
            crumbs.append(dcc.Link(node["name"], href=href, className="crumb"))
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


def legend_block(title: str, rows: list[tuple[str, str]], note: str = "") -> html.Div:
    children: list[Any] = [html.Div(title, className="legend-title")]
    for color, label in rows:
        children.append(
            html.Div(
                [html.Span(className="swatch", style={"background": color}), html.Span(label)],
                className="legend-row",
            )
        )
    if note:
        children.append(html.Div(note, className="legend-note"))
    return html.Div(children, className="legend-block")


def density_values(conn, view: dict[str, Any], state: ViewState) -> dict[str, Any]:  # noqa: ANN001
    """The choropleth's ``hideout`` for the children of ``view`` (code, level)."""
    params = area_density.Params(
        parent_code=view["code"],
        parent_level=view["level"],
        filters=state.filters,
        metric=state.metric,
        scheme=state.scheme,
    )
    hideout = area_density.render(area_density.fetch(conn, params), params)
    hideout["unit"] = (
        t(f"unit.{state.metric}", state.lang)
        if state.metric != "count"
        else t("unit.count", state.lang)
    )
    return hideout


def lang_href(search: str | None, lang: str) -> str:
    """The same view in another language (a full page load: the layout is rebuilt)."""
    return "/" + replace(state_of(search), lang=lang).to_search(_lang())


def heat_url(kind: str, state: ViewState, frame: str) -> str:
    """Tile URL template of a heat layer; the query carries the filters (and the basemap frame)."""
    query = state.filters.to_query()
    if frame != "wgs84":
        query["crs"] = frame
    suffix = "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    return f"/tiles/heat/{kind}/{{z}}/{{x}}/{{y}}.png" + (f"?{suffix}" if suffix else "")


def _multi(
    id_: str, options: list[dict[str, str]], value: tuple[str, ...], lang: str
) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=id_, options=options, value=list(value), multi=True, placeholder=t("filter.all", lang)
    )


def filter_panel(state: ViewState, types: list[dict[str, str]], lang: str) -> list:
    f = state.filters
    weeks = timeline_weeks(datetime.now(LOCAL_TZ).date())
    marks = {i: weeks[i].strftime("%m-%d") for i in range(0, len(weeks), 13)}
    marks[len(weeks) - 1] = weeks[-1].strftime("%m-%d")
    return [
        html.Label(t("filter.period", lang)),
        dcc.Dropdown(
            id=ids.PERIOD,
            options=[{"label": t(f"period.{p}", lang), "value": p} for p in PERIODS],
            value=f.period,
            clearable=False,
        ),
        html.Label(t("filter.range", lang)),
        dcc.DatePickerRange(
            id=ids.RANGE,
            start_date=f.start.isoformat() if f.start else None,
            end_date=f.end.isoformat() if f.end else None,
            display_format="YYYY-MM-DD",
            start_date_placeholder_text=t("filter.from", lang),
            end_date_placeholder_text=t("filter.to", lang),
            first_day_of_week=1,
            clearable=True,
        ),
        html.Label(t("filter.week", lang)),
        html.Div(
            [
                html.Button(
                    [
                        html.Span(t("filter.play", lang), className="when-stopped"),
                        html.Span(t("filter.pause", lang), className="when-playing"),
                    ],
                    id=ids.PLAY,
                    n_clicks=0,
                    className="play",
                ),
                dcc.Slider(
                    id=ids.WEEK,
                    min=0,
                    max=len(weeks) - 1,
                    step=1,
                    value=week_index(f, weeks),
                    marks=marks,
                    updatemode="mouseup",
                    className="week-slider",
                ),
            ],
            className="timeline",
        ),
        dcc.Interval(id=ids.TICK, interval=1500, disabled=True),
        html.Label(t("filter.types", lang)),
        _multi(ids.TYPES, [{"label": x["name"], "value": x["code"]} for x in types], f.types, lang),
        html.Label(t("filter.sources", lang)),
        _multi(
            ids.SOURCES,
            [{"label": t(f"source.{s}", lang), "value": s} for s in SOURCES],
            f.sources,
            lang,
        ),
        html.Label(t("filter.statuses", lang)),
        _multi(
            ids.STATUSES,
            [{"label": t(f"status.{s}", lang), "value": s} for s in STATUSES],
            f.statuses,
            lang,
        ),
        html.Label(t("filter.risks", lang)),
        _multi(
            ids.RISKS, [{"label": t(f"risk.{s}", lang), "value": s} for s in RISKS], f.risks, lang
        ),
        html.Label(t("filter.metric", lang)),
        dcc.RadioItems(
            id=ids.METRIC,
            options=[{"label": t(f"metric.{m}", lang), "value": m} for m in area_density.METRICS],
            value=state.metric,
            inline=True,
        ),
        html.Label(t("filter.scheme", lang)),
        dcc.RadioItems(
            id=ids.SCHEME,
            options=[{"label": t(f"scheme.{s}", lang), "value": s} for s in area_density.SCHEMES],
            value=state.scheme,
            inline=True,
        ),
    ]


def overlay_layers(state: ViewState, frame: str) -> dict[str, Any]:
    """The map layer for each overlay id (each wrapped in the layer control by ``layout``)."""
    return {
        "density": dl.GeoJSON(
            id=ids.AREAS,
            format="geobuf",
            style=NS("areaStyle"),
            onEachFeature=NS("areaTooltip"),
            hoverStyle=NS("hoverStyle"),
            hideout={"values": {}, "breaks": [], "colors": [], "empty": area_density.EMPTY_COLOR},
        ),
        "heat_disputes": dl.TileLayer(
            id=ids.HEAT_DISPUTES, url=heat_url("disputes", state, frame), opacity=0.85, maxZoom=20
        ),
        "heat_patrols": dl.TileLayer(
            id=ids.HEAT_PATROLS, url=heat_url("patrols", state, frame), opacity=0.85, maxZoom=20
        ),
        "points": dl.GeoJSON(
            id=ids.POINTS,
            cluster=True,
            zoomToBoundsOnClick=True,
            superClusterOptions={"radius": 60, "maxZoom": 17},
            pointToLayer=NS("pointToLayer"),
            onEachFeature=NS("popup"),
        ),
        "hotspots": dl.GeoJSON(
            id=ids.HOTSPOTS, style=NS("featureStyle"), onEachFeature=NS("popup")
        ),
        "coverage": dl.GeoJSON(
            id=ids.COVERAGE,
            format="geobuf",
            style=NS("areaStyle"),
            onEachFeature=NS("areaTooltip"),
            hoverStyle=NS("hoverStyle"),
            hideout={"values": {}, "breaks": [], "colors": [], "empty": "#f0f0f0"},
        ),
        "buildings": dl.GeoJSON(
            id=ids.BUILDINGS, style=NS("featureStyle"), onEachFeature=NS("popup")
        ),
        "key_persons": dl.GeoJSON(
            id=ids.KEY_PERSONS, pointToLayer=NS("pointToLayer"), onEachFeature=NS("popup")
        ),
    }


def layout(**query: str) -> html.Div:
    search = "?" + "&".join(f"{k}={v}" for k, v in query.items())
    state = state_of(search)
    lang = state.lang
    base = basemap_spec(settings())
    with connection() as conn:
        types = queries.dispute_types(conn)
    base_layers = [
        dl.TileLayer(
            url=b["url"], subdomains=b["subdomains"], attribution=b["attribution"], maxZoom=18
        )
        for b in base["layers"]
    ]
    overlays = overlay_layers(state, base["frame"])
    offered = visible_overlays()
    # A layer the role may not see stays out of the control (its callback returns nothing
    # for that role anyway); it is still on the map so its callback has a target.
    hidden = [layer for key, layer in overlays.items() if key not in offered]
    control = dl.LayersControl(
        [
            dl.Overlay(layer, name=t(f"layer.{key}", lang), checked=key in state.overlays)
            for key, layer in overlays.items()
            if key in offered
        ],
        id=ids.LAYERS_CONTROL,
        collapsed=False,
        position="topright",
    )
    other = "en" if lang == "zh" else "zh"
    return html.Div(
        [
            dcc.Location(id=ids.LOCATION, refresh=False),
            dcc.Store(id=ids.GEOMETRY_URL),
            dcc.Store(id=ids.AREA_STORE),
            html.Header(
                [
                    html.H1(t("title", lang)),
                    html.Nav(id=ids.BREADCRUMB, className="breadcrumb"),
                    html.A(
                        t("lang.switch", lang),
                        id=ids.LANG_LINK,
                        href=lang_href(search, other),
                        className="lang-switch",
                    ),
                ],
                lang="zh-CN" if lang == "zh" else "en",
            ),
            html.Main(
                [
                    html.Aside(
                        [
                            html.Div(id=ids.SUMMARY, className="summary"),
                            *filter_panel(state, types, lang),
                            html.Div(id=ids.LEGEND, className="legend"),
                            *[
                                html.Div(id=f"legend-{key}", className="legend")
                                for key in OVERLAYS
                                if key != "density"
                            ],
                            html.Div(id=ids.STATUS_LINE, className="status-line"),
                        ],
                        className="sidebar",
                    ),
                    dcc.Loading(
                        dl.Map(
                            [*base_layers, control, *hidden],
                            id=ids.MAP,
                            center=HOHHOT_CENTER,
                            zoom=8,
                            zoomSnap=0.25,
                            crs=base["crs"],
                            className="map",
                            attributionControl=bool(base["layers"]),
                        ),
                        parent_className="map-wrap",
                        delay_show=300,
                        overlay_style={"visibility": "visible", "opacity": 0.6},
                    ),
                    html.Div(id=ids.DETAIL, className="detail-panel", hidden=True),
                ],
            ),
            html.Div(
                html.Div(
                    [
                        html.Button(
                            "×",
                            id=ids.CASE_CLOSE,
                            n_clicks=0,
                            className="modal-close",
                            title=t("close", lang),
                        ),
                        html.Div(id=ids.CASE_BODY),
                    ],
                    className="modal-card",
                ),
                id=ids.CASE_MODAL,
                className="modal",
                hidden=True,
            ),
        ],
        className="page-map",
        **{"data-lang": lang},
    )


@dash.callback(
    Output(ids.LOCATION, "search", allow_duplicate=True),
    Input(ids.PERIOD, "value"),
    Input(ids.RANGE, "start_date"),
    Input(ids.RANGE, "end_date"),
    Input(ids.WEEK, "value"),
    Input(ids.TYPES, "value"),
    Input(ids.SOURCES, "value"),
    Input(ids.STATUSES, "value"),
    Input(ids.RISKS, "value"),
    Input(ids.METRIC, "value"),
    Input(ids.SCHEME, "value"),
    Input(ids.LAYERS_CONTROL, "overlays"),
    State(ids.LOCATION, "search"),
    prevent_initial_call=True,
)
def controls_to_url(
    period, start, end, week, types, sources, statuses, risks, metric, scheme, overlays, search
):  # noqa: ANN001, ANN201, PLR0913
    """Every control writes the URL; the layers read it."""
    state = state_of(search)
    filters = filters_from_controls(
        dash.ctx.triggered_id,
        state.filters,
        period,
        start,
        end,
        week,
        {"types": types, "sources": sources, "statuses": statuses, "risks": risks},
        datetime.now(LOCAL_TZ).date(),
    )
    names = {t(f"layer.{key}", state.lang): key for key in OVERLAYS}
    on = (
        state.overlays
        if overlays is None
        else tuple(k for k in OVERLAYS if k in {names.get(n) for n in overlays})
    )
    new = ViewState(
        area=state.area,
        filters=filters,
        metric=metric or state.metric,
        scheme=scheme or state.scheme,
        overlays=on,
        lang=state.lang,
    ).to_search(_lang())
    return dash.no_update if new == (search or "?") else new


@dash.callback(
    Output(ids.GEOMETRY_URL, "data"),
    Output(ids.AREAS, "hideout"),
    Output(ids.LEGEND, "children"),
    Output(ids.BREADCRUMB, "children"),
    Output(ids.SUMMARY, "children"),
    Output(ids.STATUS_LINE, "children"),
    Output(ids.AREA_STORE, "data"),
    Output(ids.MAP, "viewport"),
    Input(ids.LOCATION, "search"),
    State(ids.AREA_STORE, "data"),
)
def update_map(search: str | None, shown: dict | None):  # noqa: ANN201
    """A new area sends geometry URL and values together; a filter change sends values only.

    A grid is shown among its community's grids, outlined, and the map flies to it. The URL
    goes through a store to the layer *after* the values: the GeoJSON layer ignores prop
    changes while it is fetching, so values set during a fetch would be lost.
    """
    state = state_of(search)
    lang = state.lang
    no = dash.no_update
    with connection() as conn:
        view = resolve_area(conn, state.area, lang)
        if view["empty"]:
            return None, no, [], [], [], view["message"], None, no
        area_changed = not shown or shown.get("code") != view["code"]
        drawn = drawn_area(conn, view)
        hideout = density_values(conn, drawn, state)
        hideout["selected"] = view["code"] if view["level"] == "grid" else None
        legend = legend_block(t(f"legend.{state.metric}", lang), area_density.legend_rows(hideout))
        summary = queries.area_summary(
            conn, view["code"], view["level"], state.filters.dispute_filter()
        )
        cards = summary_cards(summary, view["level"], lang)
        hint = t("hint.grid", lang) if view["level"] == "grid" else t("hint.drill", lang)
        status = view["message"] or hint
        if not area_changed:  # a filter change: values only
            return no, hideout, legend, no, cards, status, no, no
        path = queries.lineage(conn, view["code"])
        version = queries.data_version(conn)
        bounds = queries.bounds_of(conn, view["code"])
    url = f"/api/geo/children/{drawn['code']}.pbf?v={version}"
    # The map fits the viewed area whichever overlays are on; a grid's detail panel covers
    # the right of the map, so keep the grid clear of it.
    right = 420 if view["level"] == "grid" else 20
    fit = {"paddingTopLeft": [20, 20], "paddingBottomRight": [right, 20], "maxZoom": 17}
    viewport = {"bounds": bounds, "transition": "fitBounds", "options": fit} if bounds else no
    shown_now = {"code": view["code"], "level": view["level"]}
    return url, hideout, legend, breadcrumb(path, search), cards, status, shown_now, viewport


@dash.callback(Output(ids.LANG_LINK, "href"), Input(ids.LOCATION, "search"))
def update_lang_link(search: str | None) -> str:
    other = "en" if state_of(search).lang == "zh" else "zh"
    return lang_href(search, other)


def heat_legend(kind: str, lang: str) -> html.Div:
    """A colour ramp from few to many (the tiles scale to the 99th percentile per zoom)."""
    info = heat.legend(kind)
    stops = ", ".join(f"{s['color']} {s['at'] * 100:.0f}%" for s in info["stops"])
    note = t("heat.note_patrols", lang) if kind == "patrols" else ""
    return html.Div(
        [
            html.Div(t(info["label_key"], lang), className="legend-title"),
            html.Div(
                className="heat-ramp", style={"background": f"linear-gradient(90deg, {stops})"}
            ),
            html.Div(
                [html.Span(t(info["low_key"], lang)), html.Span(t(info["high_key"], lang))],
                className="heat-ends",
            ),
            html.Div(note, className="legend-note") if note else None,
        ],
        className="legend-block",
    )


@dash.callback(
    Output(ids.HEAT_DISPUTES, "url"),
    Output(ids.HEAT_PATROLS, "url"),
    Output("legend-heat_disputes", "children"),
    Output("legend-heat_patrols", "children"),
    Input(ids.LOCATION, "search"),
)
def update_heat(search: str | None):  # noqa: ANN201
    """Heat tiles are drawn on the server; a filter change is a new tile URL."""
    state = state_of(search)
    frame = basemap_spec(settings())["frame"]
    legends = [
        heat_legend(kind, state.lang) if f"heat_{kind}" in state.overlays else []
        for kind in ("disputes", "patrols")
    ]
    return heat_url("disputes", state, frame), heat_url("patrols", state, frame), *legends


dash.clientside_callback(
    "function (url) { return url || window.dash_clientside.no_update; }",
    Output(ids.AREAS, "url"),
    Input(ids.GEOMETRY_URL, "data"),
)

# Clicking an area (on the density or the coverage layer) opens it. Client-side, so the
# clicked polygon never travels to the server.
dash.clientside_callback(
    ClientsideFunction(namespace="zongzhi_cb", function_name="drill"),
    Output(ids.LOCATION, "search", allow_duplicate=True),
    Input(ids.AREAS, "clickData"),
    Input(ids.COVERAGE, "clickData"),
    State(ids.LOCATION, "search"),
    prevent_initial_call=True,
)

# Play/pause steps the week slider; the slider then writes the URL like any control.
dash.clientside_callback(
    ClientsideFunction(namespace="zongzhi_cb", function_name="togglePlay"),
    Output(ids.TICK, "disabled"),
    Output(ids.PLAY, "className"),
    Input(ids.PLAY, "n_clicks"),
    State(ids.TICK, "disabled"),
    prevent_initial_call=True,
)
dash.clientside_callback(
    ClientsideFunction(namespace="zongzhi_cb", function_name="step"),
    Output(ids.WEEK, "value"),
    Input(ids.TICK, "n_intervals"),
    State(ids.WEEK, "value"),
    State(ids.WEEK, "max"),
    prevent_initial_call=True,
)


@dash.callback(
    Output(ids.DETAIL, "children"),
    Output(ids.DETAIL, "hidden"),
    Input(ids.LOCATION, "search"),
)
def update_detail(search: str | None):  # noqa: ANN201
    """A grid's detail panel opens beside the map when the view is one grid."""
    state = state_of(search)
    with connection() as conn:
        view = resolve_area(conn, state.area, state.lang)
        if view["empty"] or view["level"] != "grid":
            return [], True
        return grid_panel.panel(
            conn, view["code"], state.filters, state.lang, cleared=personal_data_cleared()
        ), False


@dash.callback(
    Output(ids.CASE_BODY, "children"),
    Output(ids.CASE_MODAL, "hidden"),
    Input({"type": grid_panel.CASE_LINK, "index": ALL}, "n_clicks"),
    Input(ids.CASE_CLOSE, "n_clicks"),
    State(ids.LOCATION, "search"),
    prevent_initial_call=True,
)
def open_case(clicks: list[int | None], _close: int, search: str | None):  # noqa: ANN201
    """Clicking a recent case opens its detail and history; × closes it."""
    trigger = dash.ctx.triggered_id
    if trigger == ids.CASE_CLOSE or not isinstance(trigger, dict) or not any(clicks or ()):
        return dash.no_update, True
    state = state_of(search)
    with connection() as conn:
        body = grid_panel.case_panel(
            conn, int(trigger["index"]), state.lang, cleared=personal_data_cleared()
        )
    return body, False


def _viewport_state(search: str | None, bounds: list | None, key: str) -> tuple[ViewState, Any]:
    state = state_of(search)
    return state, (bbox_of(bounds) if key in state.overlays else None)


@dash.callback(
    Output(ids.POINTS, "data"),
    Output("legend-points", "children"),
    Input(ids.LOCATION, "search"),
    Input(ids.MAP, "bounds"),
)
def update_points(search: str | None, bounds: list | None):  # noqa: ANN201
    """Clustered dispute points while few enough are in view; otherwise a hint."""
    state, bbox = _viewport_state(search, bounds, "points")
    if bbox is None or not auth.may("dispute_points.view"):
        return None, []
    params = dispute_points.Params(bbox=bbox, role=auth.current_role(), filters=state.filters)
    with connection() as conn:
        out = dispute_points.render(dispute_points.fetch(conn, params), params)
    note = t(out["message_key"], state.lang).format(count=out["count"]) if out["too_many"] else ""
    return with_popups("points", out["geojson"], state.lang), legend_block(
        t("layer.points", state.lang), risk_legend(state.lang), note
    )


@dash.callback(
    Output(ids.BUILDINGS, "data"),
    Output("legend-buildings", "children"),
    Input(ids.LOCATION, "search"),
    Input(ids.MAP, "bounds"),
    Input(ids.MAP, "zoom"),
)
def update_buildings(search: str | None, bounds: list | None, zoom: float | None):  # noqa: ANN201
    """Footprints with unit counts, from zoom 16 on."""
    state, bbox = _viewport_state(search, bounds, "buildings")
    if bbox is None:
        return None, []
    params = buildings.Params(bbox=bbox, zoom=int(zoom or 0))
    with connection() as conn:
        out = buildings.render(buildings.fetch(conn, params), params)
    note = t(out["message_key"], state.lang) if out["message_key"] else ""
    return with_popups("buildings", out["geojson"], state.lang), legend_block(
        t("layer.buildings", state.lang), floors_legend(state.lang), note
    )


@dash.callback(
    Output(ids.KEY_PERSONS, "data"),
    Output("legend-key_persons", "children"),
    Input(ids.LOCATION, "search"),
    Input(ids.MAP, "bounds"),
)
def update_key_persons(search: str | None, bounds: list | None):  # noqa: ANN201
    """Key persons (risk filter applies); masked unless the role is cleared; audited when not."""
    state, bbox = _viewport_state(search, bounds, "key_persons")
    if bbox is None or not auth.may("key_persons.view"):
        return None, []
    role = auth.current_role()
    params = key_persons.Params(bbox=bbox, role=role, filters=state.filters)
    with connection() as conn:
        out = key_persons.render(key_persons.fetch(conn, params), params)
        if not out["masked"]:
            user = auth.current_user() or {}
            users.record_audit(
                conn,
                user.get("username", "?"),
                role,
                "key_persons.view_unmasked",
                object=f"bbox {bbox}",
                detail={"count": out["count"]},
            )
    note = t(out["message_key"], state.lang) if out["message_key"] else ""
    return with_popups("key_persons", out["geojson"], state.lang), legend_block(
        t("layer.key_persons", state.lang), risk_legend(state.lang), note
    )


def coverage_days(filters: MapFilters) -> int:
    """The patrol window (7, 30 or 90 days) closest to the chosen period."""
    days = filters.days()
    return 7 if days <= 10 else 30 if days <= 45 else 90


def _drawn_area(conn, state: ViewState) -> dict[str, str] | None:  # noqa: ANN001
    """``drawn_area`` of the area in ``state``, or None when nothing is loaded."""
    view = resolve_area(conn, state.area, state.lang)
    return None if view["empty"] else drawn_area(conn, view)


@dash.callback(
    Output(ids.HOTSPOTS, "data"),
    Output("legend-hotspots", "children"),
    Input(ids.LOCATION, "search"),
)
def update_hotspots(search: str | None):  # noqa: ANN201
    """Gi* hot and cold grids (and emerging ones) inside the viewed area, for the filters."""
    state = state_of(search)
    if "hotspots" not in state.overlays:
        return None, []
    lang = state.lang
    with connection() as conn:
        area = _drawn_area(conn, state)
        if area is None:
            return None, []
        params = hotspots.Params(
            parent_code=area["code"], parent_level=area["level"], filters=state.filters
        )
        out = hotspots.render(hotspots.fetch(conn, params), params)
    features = []
    for f in out["geojson"]["features"]:
        p = dict(f["properties"])
        label = t(f"hotspot.{p['class']}", lang)
        tip = f"{p['name']} · {label} · z={p['z']} · {t('hotspot.count', lang)} {p['count']}"
        if p["emerging"]:
            tip += " · " + t("hotspot.emerging", lang)
            p.update(stroke="#6a1b9a", weight=3, dashArray="5 3")
        p.update(tooltip=escape(tip), fillOpacity=0.7 if p["class"] != "ns" else 0.0)
        features.append({**f, "properties": p})
    rows = [(color, t(key, lang)) for color, key in out["legend"]]
    return {"type": "FeatureCollection", "features": features}, legend_block(
        t("layer.hotspots", lang), rows, t("hotspot.note", lang)
    )


@dash.callback(
    Output(ids.COVERAGE, "url"),
    Output(ids.COVERAGE, "hideout"),
    Output("legend-coverage", "children"),
    Input(ids.LOCATION, "search"),
)
def update_coverage(search: str | None):  # noqa: ANN201
    """Visits per building for the drawn areas; under-patrolled ones outlined."""
    state = state_of(search)
    if "coverage" not in state.overlays:
        return dash.no_update, dash.no_update, []
    lang = state.lang
    days = coverage_days(state.filters)
    start, end = state.filters.window()
    with connection() as conn:
        area = _drawn_area(conn, state)
        if area is None:
            return dash.no_update, dash.no_update, []
        params = patrol_coverage.Params(
            parent_code=area["code"], parent_level=area["level"], days=days, now=end
        )
        hideout = patrol_coverage.render(patrol_coverage.fetch(conn, params), params)
        version = queries.data_version(conn)
    hideout.update(flagged=hideout["under"], unit=t("coverage.per_building", lang), opacity=0.8)
    rows = [(color, f"{t(key, lang)} {span}") for color, key, span in hideout.pop("legend")]
    note = t(f"coverage.days.{days}", lang) + " · " + t("heat.note_patrols", lang)
    # The same geometry URL as the density layer: the browser has it cached already.
    url = f"/api/geo/children/{area['code']}.pbf?v={version}"
    return url, hideout, legend_block(t("layer.coverage", lang), rows, note)

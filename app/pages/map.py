"""研判地图: the drill-down situational map (city → district → township → community → grid).

The URL is the state: every control writes the query string, and every layer reads it, so a
copied link reopens the same picture and the browser's back button steps back through views.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import dash
import dash_leaflet as dl
from dash import ClientsideFunction, Input, Output, State, dcc, html
from dash_extensions.javascript import Namespace

from app import ids
from app.basemap import basemap_spec
from app.context import engine, settings
from app.i18n import t
from app.timeline import filters_from_controls, timeline_weeks, week_index
from app.urlstate import OVERLAYS, ViewState, search_for
from geodata import queries
from layers import area_density
from layers.filters import LOCAL_TZ, PERIODS, RISKS, SOURCES, STATUSES

dash.register_page(__name__, path="/", title="矛盾纠纷态势图")

NS = Namespace("zongzhi", "map")
HOHHOT_CENTER = (40.82, 111.75)


def _lang() -> str:
    return settings().language


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
    """The choropleth's ``hideout`` for the children of the viewed area."""
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
            zoomToBounds=True,
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
    }


def layout(**query: str) -> html.Div:
    search = "?" + "&".join(f"{k}={v}" for k, v in query.items())
    state = state_of(search)
    lang = state.lang
    base = basemap_spec(settings())
    with engine().connect() as conn:
        types = queries.dispute_types(conn)
    base_layers = [
        dl.TileLayer(
            url=b["url"], subdomains=b["subdomains"], attribution=b["attribution"], maxZoom=18
        )
        for b in base["layers"]
    ]
    overlays = overlay_layers(state, base["frame"])
    control = dl.LayersControl(
        [
            dl.Overlay(layer, name=t(f"layer.{key}", lang), checked=key in state.overlays)
            for key, layer in overlays.items()
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
                            html.Div(id=ids.LAYER_LEGENDS, className="legend"),
                            html.Div(id=ids.STATUS_LINE, className="status-line"),
                        ],
                        className="sidebar",
                    ),
                    dcc.Loading(
                        dl.Map(
                            [*base_layers, control],
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
    Input(ids.LOCATION, "search"),
    State(ids.AREA_STORE, "data"),
)
def update_map(search: str | None, shown: dict | None):  # noqa: ANN201
    """A new area sends geometry URL and values together; a filter change sends values only.

    The URL goes through a store to the layer *after* the values: the GeoJSON layer ignores
    prop changes while it is fetching, so values set during a fetch would be lost.
    """
    state = state_of(search)
    lang = state.lang
    with engine().connect() as conn:
        view = resolve_area(conn, state.area, lang)
        if view["empty"]:
            return None, dash.no_update, [], [], [], view["message"], None
        area_changed = not shown or shown.get("code") != view["code"]
        hideout, legend = dash.no_update, dash.no_update
        if view["level"] != "grid":
            hideout = density_values(conn, view, state)
            legend = legend_block(
                t(f"legend.{state.metric}", lang), area_density.legend_rows(hideout)
            )
        summary = queries.area_summary(
            conn, view["code"], view["level"], state.filters.dispute_filter()
        )
        path = queries.lineage(conn, view["code"]) if area_changed else None
        version = queries.data_version(conn) if area_changed else None
    cards = summary_cards(summary, view["level"], lang)
    hint = t("hint.grid", lang) if view["level"] == "grid" else t("hint.drill", lang)
    status = view["message"] or hint
    if not area_changed:
        return dash.no_update, hideout, legend, dash.no_update, cards, status, dash.no_update
    url = dash.no_update
    if view["level"] != "grid":
        url = f"/api/geo/children/{view['code']}.pbf?v={version}"
    shown_now = {"code": view["code"], "level": view["level"]}
    return url, hideout, legend, breadcrumb(path, search), cards, status, shown_now


@dash.callback(Output(ids.LANG_LINK, "href"), Input(ids.LOCATION, "search"))
def update_lang_link(search: str | None) -> str:
    other = "en" if state_of(search).lang == "zh" else "zh"
    return lang_href(search, other)


@dash.callback(
    Output(ids.HEAT_DISPUTES, "url"),
    Output(ids.HEAT_PATROLS, "url"),
    Input(ids.LOCATION, "search"),
)
def update_heat(search: str | None):  # noqa: ANN201
    """Heat tiles are drawn on the server; a filter change is a new tile URL."""
    state = state_of(search)
    frame = basemap_spec(settings())["frame"]
    return heat_url("disputes", state, frame), heat_url("patrols", state, frame)


dash.clientside_callback(
    "function (url) { return url || window.dash_clientside.no_update; }",
    Output(ids.AREAS, "url"),
    Input(ids.GEOMETRY_URL, "data"),
)

# Clicking an area opens it. Client-side, so the clicked polygon never travels to the server.
dash.clientside_callback(
    ClientsideFunction(namespace="zongzhi_cb", function_name="drill"),
    Output(ids.LOCATION, "search", allow_duplicate=True),
    Input(ids.AREAS, "clickData"),
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

"""The map page's callbacks: every control writes the URL; every layer reads it.

Callbacks are recorded here and attached by ``register()``, which the page module calls each
time Dash imports it: Dash moves the callbacks declared so far into the app it is setting up,
so a second app built in the same process (tests, a second worker) needs them declared again.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

import dash
from dash import ALL, ClientsideFunction, Input, Output, State

from app import exports, ids
from app.components import grid_panel, map_layers
from app.components.breadcrumb import breadcrumb
from app.components.cards import summary_cards
from app.components.export import status_view as export_view
from app.components.legend import legend as legend_of
from app.components.popups import translate, with_popups
from app.context import connection, read_connection, settings
from app.pages.map.state import CHOROPLETHS, OVERLAYS, ViewState, lang_href, search_for, state_of
from app.pages.map.timeline import filters_from_controls
from app.views import density_values, drawn_area, resolve_area
from app.web import auth
from app.web import exports as export_routes
from app.web.basemap import basemap_spec
from domain.i18n import t
from geodata.read import areas as queries
from geodata.read.versions import data_version
from geodata.write import exports as export_jobs
from geodata.write import users
from layers import registry
from layers.filters import LOCAL_TZ
from layers.presentation import Audit, LayerRequest, LayerView
from layers.registry import MAP_LAYERS, MapLayer

_SERVER: list[tuple[tuple[Any, ...], dict[str, Any], Callable[..., Any]]] = []
_CLIENT: list[tuple[Any, tuple[Any, ...], dict[str, Any]]] = []


def callback(*dependencies: Any, **options: Any) -> Callable[[Callable], Callable]:
    """``dash.callback``, recorded for ``register`` instead of attached at import."""

    def record(fn: Callable) -> Callable:
        _SERVER.append((dependencies, options, fn))
        return fn

    return record


def clientside_callback(function: Any, *dependencies: Any, **options: Any) -> None:
    """``dash.clientside_callback``, recorded for ``register``."""
    _CLIENT.append((function, dependencies, options))


def register() -> None:
    """Declare every recorded callback to Dash (for the app being set up next)."""
    for dependencies, options, fn in _SERVER:
        dash.callback(*dependencies, **options)(fn)
    for function, dependencies, options in _CLIENT:
        dash.clientside_callback(function, *dependencies, **options)


# The drill-down layer: its values travel with the area change (``update_map``).
DRILL = next(m for m in MAP_LAYERS if m.feed == "drill")


def _lang() -> str:
    return settings().language


def personal_data_cleared() -> bool:
    """Whether the signed-in user may see unmasked ID numbers and phones."""
    return auth.may("personal.unmask")


def bbox_of(bounds: list | None) -> tuple[float, float, float, float] | None:
    """Leaflet bounds [[south, west], [north, east]] → (west, south, east, north); anything
    else a client may send (wrong shape, strings, NaN, infinities) → None."""
    try:
        (south, west), (north, east) = bounds  # type: ignore[misc]
        south, west, north, east = (float(v) for v in (south, west, north, east))
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (south, west, north, east)):
        return None
    if not (west < east and south < north):
        return None
    return (max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0))


# Choropleths colour the same areas: two at once would hide one under the other, so turning one
# on turns the others off (``state.CHOROPLETHS``).


def exclusive(before: tuple[str, ...], after: tuple[str, ...]) -> tuple[str, ...]:
    """``after`` with at most one choropleth: the one just turned on wins."""
    shown = [k for k in after if k in CHOROPLETHS]
    if len(shown) <= 1:
        return after
    newest = [k for k in shown if k not in before] or shown[-1:]
    return tuple(k for k in after if k not in CHOROPLETHS or k == newest[0])


@callback(
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
    names = {t(m.label_key, state.lang): m.id for m in MAP_LAYERS}
    on = (
        state.overlays
        if overlays is None
        else exclusive(
            state.overlays, tuple(k for k in OVERLAYS if k in {names.get(n) for n in overlays})
        )
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


@callback(
    Output(ids.GEOMETRY_URL, "data"),
    Output(ids.layer(DRILL.id), "hideout"),
    Output(ids.legend(DRILL.id), "children"),
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
    with read_connection() as conn:
        view = resolve_area(conn, state.area, lang)
        if view["empty"]:
            return None, no, [], [], [], view["message"], None, no
        # The store comes back from the client: anything but the dict we wrote is "not shown".
        area_changed = not isinstance(shown, dict) or shown.get("code") != view["code"]
        drawn = drawn_area(conn, view)
        density = density_values(conn, drawn, state.filters, state.metric, state.scheme)
        hideout = translate(density.props["hideout"], lang)
        hideout["selected"] = view["code"] if view["level"] == "grid" else None
        legend = legend_of(density.legend, lang)
        summary = queries.area_summary(
            conn, view["code"], view["level"], state.filters.dispute_filter()
        )
        cards = summary_cards(summary, view["level"], lang)
        hint = t("hint.grid", lang) if view["level"] == "grid" else t("hint.drill", lang)
        status = view["message"] or hint
        if not area_changed:  # a filter change: values only
            return no, hideout, legend, no, cards, status, no, no
        path = queries.lineage(conn, view["code"])
        version = data_version(conn, "areas")
        bounds = queries.bounds_of(conn, view["code"])
    url = f"/api/geo/children/{drawn['code']}.pbf?v={version}"
    # The map fits the viewed area whichever overlays are on; a grid's detail panel covers
    # the right of the map, so keep the grid clear of it.
    right = 420 if view["level"] == "grid" else 20
    fit = {"paddingTopLeft": [20, 20], "paddingBottomRight": [right, 20], "maxZoom": 17}
    viewport = {"bounds": bounds, "transition": "fitBounds", "options": fit} if bounds else no
    shown_now = {"code": view["code"], "level": view["level"]}
    crumbs = breadcrumb(
        [{**node, "href": "/" + search_for(node["code"], search, _lang())} for node in path]
    )
    return url, hideout, legend, crumbs, cards, status, shown_now, viewport


@callback(Output(ids.LANG_LINK, "href"), Input(ids.LOCATION, "search"))
def update_lang_link(search: str | None) -> str:
    other = "en" if state_of(search).lang == "zh" else "zh"
    return lang_href(search, other)


# The density layer and the always-on outlines draw the same geometry.
clientside_callback(
    "function (url) { const u = url || window.dash_clientside.no_update; return [u, u]; }",
    Output(ids.layer(DRILL.id), "url"),
    Output(ids.OUTLINES, "url"),
    Input(ids.GEOMETRY_URL, "data"),
)

# Clicking an area on any choropleth layer (they all draw the drawn area's children) opens
# it. Client-side, so the clicked polygon never travels to the server.
clientside_callback(
    ClientsideFunction(namespace="zongzhi_cb", function_name="drill"),
    Output(ids.LOCATION, "search", allow_duplicate=True),
    *[Input(ids.layer(m.id), "clickData") for m in MAP_LAYERS if m.component == "choropleth"],
    State(ids.LOCATION, "search"),
    prevent_initial_call=True,
)

# Play/pause steps the week slider; the slider then writes the URL like any control.
clientside_callback(
    ClientsideFunction(namespace="zongzhi_cb", function_name="togglePlay"),
    Output(ids.TICK, "disabled"),
    Output(ids.PLAY, "className"),
    Input(ids.PLAY, "n_clicks"),
    State(ids.TICK, "disabled"),
    prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction(namespace="zongzhi_cb", function_name="step"),
    Output(ids.WEEK, "value"),
    Input(ids.TICK, "n_intervals"),
    State(ids.WEEK, "value"),
    State(ids.WEEK, "max"),
    prevent_initial_call=True,
)


@callback(
    Output(ids.DETAIL, "children"),
    Output(ids.DETAIL, "hidden"),
    Input(ids.LOCATION, "search"),
)
def update_detail(search: str | None):  # noqa: ANN201
    """A grid's detail panel opens beside the map when the view is one grid."""
    state = state_of(search)
    with connection() as conn:
        view = resolve_area(conn, state.area, state.lang)
        if view["empty"] or view["level"] != "grid" or not auth.may("cases.view"):
            return [], True
        return grid_panel.panel(
            conn, view["code"], state.filters, state.lang, cleared=personal_data_cleared()
        ), False


@callback(
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
    index = trigger.get("index")
    if not auth.may("cases.view") or isinstance(index, bool) or not isinstance(index, int):
        return [], True
    state = state_of(search)
    with connection() as conn:
        body = grid_panel.case_panel(conn, index, state.lang, cleared=personal_data_cleared())
    return body, False


def _drawn_area(conn, state: ViewState) -> dict[str, str] | None:  # noqa: ANN001
    """``drawn_area`` of the area in ``state``, or None when nothing is loaded."""
    view = resolve_area(conn, state.area, state.lang)
    return None if view["empty"] else drawn_area(conn, view)


def _off(layer: MapLayer) -> tuple:
    """A layer that is off (or not allowed): no features, choropleth left as it is, no legend."""
    keep = layer.component in ("choropleth", "tiles")
    props = [dash.no_update if keep else None for _ in map_layers.PROPS[layer.component]]
    return (*props, [])


def _shown(layer: MapLayer, view: LayerView, url: str | None, lang: str) -> tuple:
    """The layer's props (in ``map_layers.PROPS`` order) and legend, in ``lang``."""
    props = {
        k: with_popups(v, lang) if k == "data" else translate(v, lang)
        for k, v in view.props.items()
    }
    if url is not None:
        props["url"] = url
    return (*(props[k] for k in map_layers.PROPS[layer.component]), legend_of(view.legend, lang))


def _audit(conn, record: Audit) -> None:  # noqa: ANN001
    user = auth.current_user() or {}
    users.record_audit(
        conn,
        user.get("username", "?"),
        auth.current_role(),
        record.action,
        object=record.object,
        detail=record.detail,
    )


def _request(
    state: ViewState,
    area: dict[str, str] | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    zoom: float | None = None,
) -> LayerRequest:
    """What the page knows for a layer: the view's filters, the caller's role, area, viewport."""
    return LayerRequest(
        filters=state.filters,
        role=auth.current_role(),
        area=area,
        bbox=bbox,
        zoom=zoom,
        metric=state.metric,
        scheme=state.scheme,
    )


def _tiles(layer: MapLayer, state: ViewState) -> tuple:
    """A tiles layer: the tile URL follows the filters even while off; the legend while on."""
    url = map_layers.tile_url(layer, state.filters, basemap_spec(settings())["frame"])
    if layer.id not in state.overlays:
        return url, []
    return url, legend_of(registry.run(layer, None, _request(state)).legend, state.lang)


def _geometry_url(conn, area: dict[str, str]) -> str:  # noqa: ANN001
    """The drawn area's child geometry, the same URL as the drill-down layer's (cached)."""
    version = data_version(conn, "areas")
    return f"/api/geo/children/{area['code']}.pbf?v={version}"


def show_layer(
    layer: MapLayer,
    state: ViewState,
    bbox: tuple[float, float, float, float] | None = None,
    zoom: float | None = None,
) -> tuple:
    """What ``layer`` shows for ``state`` (and the viewport): its props and legend.

    Nothing while it is off, while the role may not see it, or without the area or viewport
    it needs; a layer's view may ask for an audit record (unmasked personal data).
    """
    if layer.feed == "filters":
        return _tiles(layer, state)
    allowed = layer.permission is None or auth.may(layer.permission)
    if layer.id not in state.overlays or not allowed or (layer.feed == "viewport" and not bbox):
        return _off(layer)
    with read_connection() as conn:
        area = _drawn_area(conn, state) if layer.feed == "area" else None
        if layer.feed == "area" and area is None:
            return _off(layer)
        view = registry.run(layer, conn, _request(state, area, bbox, zoom))
        url = _geometry_url(conn, area) if layer.component == "choropleth" else None
    if view.audit is not None:  # a write: on the primary, whatever the layer read from
        with connection() as conn:
            _audit(conn, view.audit)
    return _shown(layer, view, url, state.lang)


def _from_url(layer: MapLayer) -> Callable[[str | None], tuple]:
    def update(search: str | None) -> tuple:
        return show_layer(layer, state_of(search))

    return update


def _from_url_and_viewport(layer: MapLayer) -> Callable[..., tuple]:
    def update(search: str | None, bounds: list | None, zoom: float | None) -> tuple:
        return show_layer(layer, state_of(search), bbox_of(bounds), zoom)

    return update


def _layer_callback(layer: MapLayer) -> None:
    """Record the callback that feeds ``layer`` (its props and legend) from the URL and map."""
    outputs = [Output(ids.layer(layer.id), p) for p in map_layers.PROPS[layer.component]]
    outputs.append(Output(ids.legend(layer.id), "children"))
    inputs = [Input(ids.LOCATION, "search")]
    if layer.feed == "viewport":
        inputs += [Input(ids.MAP, "bounds"), Input(ids.MAP, "zoom")]
        update = _from_url_and_viewport(layer)
    else:
        update = _from_url(layer)
    update.__name__ = f"update_{layer.id}"
    callback(*outputs, *inputs)(update)


# One callback per layer but the drill-down one (``update_map`` feeds it with the area).
for _layer in MAP_LAYERS:
    if _layer is not DRILL:
        _layer_callback(_layer)


@callback(
    Output(ids.EXPORT_JOB, "data"),
    Input({"type": ids.EXPORT_BUTTON, "index": ALL}, "n_clicks"),
    State(ids.LOCATION, "search"),
    prevent_initial_call=True,
)
def start_export(_clicks, search):  # noqa: ANN001, ANN201
    """Queue a background export of the current view in the clicked format; the job id."""
    trigger = dash.ctx.triggered_id
    clicked = dash.ctx.triggered and dash.ctx.triggered[0].get("value")
    fmt = trigger.get("index") if isinstance(trigger, dict) else None
    if not clicked or fmt not in exports.EXTENSIONS or not auth.may("reports.export"):
        return dash.no_update
    return {"id": export_routes.queue_export(fmt, search if isinstance(search, str) else "")}


@callback(
    Output(ids.EXPORT_STATUS, "children"),
    Output(ids.EXPORT_POLL, "disabled"),
    Input(ids.EXPORT_JOB, "data"),
    Input(ids.EXPORT_POLL, "n_intervals"),
)
def export_progress(job, _tick):  # noqa: ANN001, ANN201
    """The job's progress (polling while it runs; none once it is done or failed)."""
    job_id = job.get("id") if isinstance(job, dict) else None
    if isinstance(job_id, bool) or not isinstance(job_id, int) or not auth.may("reports.export"):
        return [], True
    with connection() as conn:
        row = export_jobs.get(conn, job_id)
    if row is None:
        return [], True
    return export_view(row, _lang()), row["status"] in ("done", "failed")

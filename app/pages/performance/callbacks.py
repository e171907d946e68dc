"""The performance page's callbacks: every control writes the URL; ``show`` reads it.

Recorded here and declared by ``register()`` (see ``app/pages/map/callbacks.py`` for why).
Each callback checks ``performance.view`` itself: any caller may POST to it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import dash
from dash import ALL, Input, Output, State

from app import ids
from app.components import performance as parts
from app.context import connection, scope, settings
from app.pages.performance.state import PerfState, lang_href, period_only, state_of
from app.web import auth
from domain.i18n import t
from geodata.read import performance
from layers.filters import LOCAL_TZ, PERIODS, MapFilters

_SERVER: list[tuple[tuple[Any, ...], dict[str, Any], Callable[..., Any]]] = []
EMPTY_FIGURE: dict[str, Any] = {"data": [], "layout": {"height": 220}}


def callback(*dependencies: Any, **options: Any) -> Callable[[Callable], Callable]:
    """``dash.callback``, recorded for ``register`` instead of attached at import."""

    def record(fn: Callable) -> Callable:
        _SERVER.append((dependencies, options, fn))
        return fn

    return record


def register() -> None:
    """Declare every recorded callback to Dash (for the app being set up next)."""
    for dependencies, options, fn in _SERVER:
        dash.callback(*dependencies, **options)(fn)


def period_from_controls(
    trigger: Any, current: MapFilters, period: Any, start: Any, end: Any
) -> MapFilters:
    """The period after one control changed: a picked date range makes it custom."""
    values: dict[str, Any] = {"period": current.period, "start": current.start, "end": current.end}
    if trigger == ids.PERF_RANGE and (start or end):
        values = {"period": "custom", "start": start or None, "end": end or None}
    elif trigger == ids.PERF_PERIOD and period in PERIODS:
        values = {"period": period, "start": None, "end": None}
        if period == "custom":
            values.update(start=start or current.start, end=end or current.end)
    try:
        return period_only(MapFilters(**values))
    except (TypeError, ValueError):
        return current


@callback(
    Output(ids.PERF_LOCATION, "search", allow_duplicate=True),
    Input(ids.PERF_PERIOD, "value"),
    Input(ids.PERF_RANGE, "start_date"),
    Input(ids.PERF_RANGE, "end_date"),
    Input(ids.PERF_AREA, "value"),
    Input(ids.PERF_METRIC, "value"),
    State(ids.PERF_LOCATION, "search"),
    prevent_initial_call=True,
)
def controls_to_url(period, start, end, area, metric, search):  # noqa: ANN001, ANN201, PLR0913
    """Every control writes the URL; the figures read it."""
    if not auth.may("performance.view"):
        return dash.no_update
    state = state_of(search)
    trigger = dash.ctx.triggered_id
    new = PerfState(
        filters=period_from_controls(trigger, state.filters, period, start, end),
        area=area if isinstance(area, str) and area.isascii() and area.isdigit() else None,
        sort=state.sort,
        descending=state.descending,
        metric=metric if metric in parts.CHART_METRICS else state.metric,
        lang=state.lang,
    ).to_search(settings().language)
    return dash.no_update if new == (search or "?") else new


@callback(
    Output(ids.PERF_LOCATION, "search", allow_duplicate=True),
    Input({"type": ids.PERF_SORT, "index": ALL}, "n_clicks"),
    State(ids.PERF_LOCATION, "search"),
    prevent_initial_call=True,
)
def sort_to_url(clicks, search):  # noqa: ANN001, ANN201
    """A click on a column header sorts by it (again: the other way round)."""
    trigger = dash.ctx.triggered_id
    column = trigger.get("index") if isinstance(trigger, dict) else None
    clicked = any(isinstance(c, int) and not isinstance(c, bool) and c > 0 for c in clicks or [])
    if not auth.may("performance.view") or column not in parts.SORT_KEYS or not clicked:
        return dash.no_update
    return state_of(search).sorted_by(column).to_search(settings().language)


def figures(state: PerfState, now: datetime) -> dict[str, Any]:
    """Everything the page shows for ``state``, under the caller's scope (one connection)."""
    start, end = state.filters.window(now)
    who = scope()
    with connection() as conn:
        choices = performance.areas_within(conn, who.areas)
        # Only an area below the caller's own; anything else (forged, stale) means all of it.
        area = state.area if state.area in {c["code"] for c in choices} else None
        rows = performance.departments(conn, start=start, end=end, now=now, area=area)
        mediation = performance.mediation(conn, start=start, end=end, now=now, area=area)
    return {"departments": rows, "mediation": mediation, "area": area, "own": who.department}


@callback(
    Output(ids.PERF_TABLE, "children"),
    Output(ids.PERF_CHART, "figure"),
    Output(ids.PERF_ROOMS, "children"),
    Output(ids.PERF_MEDIATORS, "children"),
    Output(ids.PERF_NOTE, "children"),
    Output(ids.PERF_LANG_LINK, "href"),
    Input(ids.PERF_LOCATION, "search"),
)
def show(search):  # noqa: ANN001, ANN201
    """The department table, the chart and the mediation tables for the URL's view."""
    state = state_of(search)
    lang = state.lang
    href = lang_href(search, "en" if lang == "zh" else "zh")
    if not auth.may("performance.view"):
        return [], EMPTY_FIGURE, [], [], t("perf.forbidden", lang), href
    data = figures(state, datetime.now(LOCAL_TZ))
    own = data["own"]
    rows = parts.department_rows(parts.shown_departments(data["departments"], own), lang)
    table = parts.department_table(
        parts.sort_rows(rows, state.sort, state.descending), state.sort, state.descending, own, lang
    )
    return (
        table,
        parts.chart_figure(rows, state.metric, own, lang),
        parts.room_table(data["mediation"]["rooms"], lang),
        parts.mediator_table(data["mediation"]["mediators"], lang),
        t("perf.note", lang).format(period=t(f"period.{state.filters.period}", lang)),
        href,
    )

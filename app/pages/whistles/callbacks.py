"""The /whistles page's callbacks: items of a class, raise, answer or rate, assess the month."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State

from app import ids
from app.context import connection, scope, settings
from app.pages.whistles.layout import listing, ranking_table, whistle_rows
from app.recorder import Recorder
from domain.clock import today
from domain.i18n import t
from domain.workflow import WorkflowError
from geodata.read import whistles as reading
from geodata.write import whistles as writes

_calls = Recorder()
register = _calls.register


def _code(value: Any, lengths: tuple[int, ...]) -> str | None:
    return value if isinstance(value, str) and value.isdigit() and len(value) in lengths else None


@_calls.callback(Output(ids.WHISTLE_ITEM, "options"), Input(ids.WHISTLE_CLASS, "value"))
def items_of_class(class_code):  # noqa: ANN001, ANN201
    """The catalogue items of the chosen class (the answering department and limit shown)."""
    if not isinstance(class_code, str) or len(class_code) > 8:
        return []
    with connection() as conn:
        rows = reading.items(conn, class_code)
    lang = settings().language
    return [{"label": f"{r['name']}（{r['department']}，{r['limit_days']}{t('whistles.days', lang)}）",
             "value": r["code"]} for r in rows]  # fmt: skip


@_calls.callback(
    Output(ids.WHISTLE_MESSAGE, "children"),
    Output(ids.WHISTLE_LIST, "children"),
    Input(ids.WHISTLE_RAISE, "n_clicks"),
    State(ids.WHISTLE_COMMUNITY, "value"),
    State(ids.WHISTLE_ITEM, "value"),
    State(ids.WHISTLE_TEXT, "value"),
    prevent_initial_call=True,
)
def raise_whistle(clicks, community, item, description):  # noqa: ANN001, ANN201
    """吹哨 from the form."""
    lang = settings().language
    community = _code(community, (12,))
    if not clicks or community is None or not isinstance(item, str) or len(item) > 8:
        return t("whistles.fill_in", lang), dash.no_update
    try:
        with connection() as conn:
            made = writes.raise_whistle(conn, scope().actor(), community, item,
                                        description if isinstance(description, str) else None)  # fmt: skip
    except WorkflowError as exc:
        return str(exc), dash.no_update
    except Exception:  # noqa: BLE001 — row-level security refused (another jurisdiction)
        return t("whistles.refused", lang), dash.no_update
    return t("whistles.raised_ok", lang).format(id=made["id"]), whistle_rows(listing(), lang)


@_calls.callback(
    Output(ids.WHISTLE_MESSAGE, "children", allow_duplicate=True),
    Output(ids.WHISTLE_LIST, "children", allow_duplicate=True),
    Input({"type": ids.WHISTLE_ACT, "index": ALL, "action": ALL}, "n_clicks"),
    State({"type": ids.WHISTLE_INPUT, "index": ALL}, "value"),
    prevent_initial_call=True,
)
def act_on_whistle(_clicks, _values):  # noqa: ANN001, ANN201
    """应哨 with the typed answer, or 评价 with the chosen rating, for the clicked whistle."""
    lang = settings().language
    trigger = dash.ctx.triggered_id
    clicked = dash.ctx.triggered and dash.ctx.triggered[0].get("value")
    if not isinstance(trigger, dict) or not clicked:
        return dash.no_update, dash.no_update
    wid, action = trigger.get("index"), trigger.get("action")
    if isinstance(wid, bool) or not isinstance(wid, int) or action not in ("respond", "evaluate"):
        return t("whistles.refused", lang), dash.no_update
    value = _input_of(wid, dash.ctx.states_list)
    params = {"response": value} if action == "respond" else {"evaluation": value}
    try:
        with connection() as conn:
            writes.act(conn, wid, action, scope().actor(), params)
    except (WorkflowError, writes.WhistleNotFound, writes.WhistleConflict) as exc:
        return str(exc), whistle_rows(listing(), lang)
    return t(f"whistles.done.{action}", lang), whistle_rows(listing(), lang)


def _input_of(wid: int, states: Any) -> Any:
    items = states[0] if isinstance(states, list) and states else []
    for item in items if isinstance(items, list) else []:
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, dict) and ident.get("index") == wid:
            return item.get("value")
    return None


@_calls.callback(
    Output(ids.WHISTLE_RANKING, "children"),
    Output(ids.WHISTLE_LIST, "children", allow_duplicate=True),
    Input(ids.WHISTLE_ASSESS, "n_clicks"),
    prevent_initial_call=True,
)
def assess_month(clicks):  # noqa: ANN001, ANN201
    """评估 of this month so far: the ranking, and the rated whistles closed."""
    lang = settings().language
    if not clicks:
        return dash.no_update, dash.no_update
    end = today()
    try:
        with connection() as conn:
            rows = writes.assess_period(conn, scope().actor(), end.replace(day=1), end)
    except WorkflowError as exc:
        return str(exc), dash.no_update
    return ranking_table(rows, lang), whistle_rows(listing(), lang)

"""The /alerts page's callback: acknowledge, assign (to whom is typed) or dismiss (with the typed
reason) an alert, then reload the list."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State

from app import ids
from app.context import connection, scope, settings
from app.pages.alerts.layout import alert_rows, listing
from app.recorder import Recorder
from app.web import auth
from domain.i18n import t
from geodata.write import warnings as writes

_calls = Recorder()
register = _calls.register


def _typed(alert_id: int, states: Any) -> str | None:
    items = states[0] if isinstance(states, list) and states else []
    for item in items if isinstance(items, list) else []:
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, dict) and ident.get("index") == alert_id:
            value = item.get("value")
            return value if isinstance(value, str) else None
    return None


@_calls.callback(
    Output(ids.ALERTS_LIST, "children"),
    Output(ids.ALERTS_MESSAGE, "children"),
    Input({"type": ids.ALERT_ACT, "index": ALL, "action": ALL}, "n_clicks"),
    State({"type": ids.ALERT_INPUT, "index": ALL}, "value"),
    prevent_initial_call=True,
)
def act_on_alert(_clicks, _typed_values):  # noqa: ANN001, ANN201
    lang = settings().language
    trigger = dash.ctx.triggered_id
    clicked = dash.ctx.triggered and dash.ctx.triggered[0].get("value")
    if not isinstance(trigger, dict) or not clicked or not auth.may("alerts.act"):
        return dash.no_update, t("alerts.refused", lang)
    alert_id, action = trigger.get("index"), trigger.get("action")
    if isinstance(alert_id, bool) or not isinstance(alert_id, int):
        return dash.no_update, t("alerts.refused", lang)
    if action not in ("acknowledge", "assign", "dismiss"):
        return dash.no_update, t("alerts.refused", lang)
    typed = (_typed(alert_id, dash.ctx.states_list) or "").strip()[:500] or None
    who = scope()
    try:
        with connection() as conn:
            writes.act(conn, alert_id, action, who.user or "", who.role,
                       assignee=typed if action == "assign" else None,
                       reason=typed if action == "dismiss" else None)  # fmt: skip
    except (ValueError, LookupError) as exc:
        return alert_rows(listing(), lang, True), str(exc)
    return alert_rows(listing(), lang, True), t(f"alerts.done.{action}", lang)

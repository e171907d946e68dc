"""The /key-persons page's callback: the bound cases of the clicked person (row-level security:
only within the caller's jurisdiction and for roles that see key persons)."""

from __future__ import annotations

import dash
from dash import ALL, Input, Output

from app import ids
from app.context import connection, settings
from app.pages.keypersons.layout import case_list
from app.recorder import Recorder
from app.web import auth
from domain.i18n import t
from geodata.read import keypersons as reading

_calls = Recorder()
register = _calls.register


@_calls.callback(
    Output(ids.KP_CASES, "children"),
    Input({"type": ids.KP_OPEN, "index": ALL}, "n_clicks"),
    prevent_initial_call=True,
)
def show_cases(_clicks):  # noqa: ANN001, ANN201
    lang = settings().language
    trigger = dash.ctx.triggered_id
    clicked = dash.ctx.triggered and dash.ctx.triggered[0].get("value")
    if not isinstance(trigger, dict) or not clicked or not auth.may("key_persons.view"):
        return dash.no_update
    person = trigger.get("index")
    if isinstance(person, bool) or not isinstance(person, int):
        return t("kp.no_cases", lang)
    with connection() as conn:
        rows = reading.bound_cases(conn, person)
    return case_list(rows, lang)

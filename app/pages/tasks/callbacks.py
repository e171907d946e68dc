"""The /tasks page's one callback: a tap marks a task handled or found, and the list reloads."""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State

from app import ids
from app.context import connection, scope, settings
from app.pages.tasks.layout import open_rows, task_cards
from app.recorder import Recorder
from app.web import auth
from domain.i18n import t
from geodata.write import tasks as task_data

_calls = Recorder()
callback = _calls.callback
register = _calls.register


def _task_id(trigger: Any) -> tuple[int, str] | None:
    """(task id, outcome) from the triggering button's id, or None for anything else."""
    if not isinstance(trigger, dict):
        return None
    index, kind = trigger.get("index"), trigger.get("type")
    if isinstance(index, bool) or not isinstance(index, int) or index <= 0:
        return None
    outcome = {ids.TASK_HANDLED: "handled", ids.TASK_FOUND: "found"}.get(kind)
    return None if outcome is None else (index, outcome)


def _note_of(task_id: int, states: Any) -> str | None:
    """The note typed on the tapped task's card (the notes come as [{id, property, value}])."""
    items = states[0] if isinstance(states, list) and states else []
    for item in items if isinstance(items, list) else []:
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, dict) and ident.get("index") == task_id:
            value = item.get("value")
            return value if isinstance(value, str) else None
    return None


@callback(
    Output(ids.TASKS_LIST, "children"),
    Output(ids.TASKS_MESSAGE, "children"),
    Input({"type": ids.TASK_HANDLED, "index": ALL}, "n_clicks"),
    Input({"type": ids.TASK_FOUND, "index": ALL}, "n_clicks"),
    State({"type": ids.TASK_NOTE, "index": ALL}, "value"),
    prevent_initial_call=True,
)
def mark_task(_handled, _found, _notes):  # noqa: ANN001, ANN201
    """Mark the tapped task (handled / found, with its note) and reload the list."""
    lang = settings().language
    target = _task_id(dash.ctx.triggered_id)
    clicked = dash.ctx.triggered and dash.ctx.triggered[0].get("value")
    if target is None or not clicked or not auth.may("tasks.mark"):
        return dash.no_update, t("tasks.refused", lang)
    task_id, outcome = target
    note = _note_of(task_id, dash.ctx.states_list)
    who = scope()
    try:
        with connection() as conn:
            task_data.mark(conn, task_id, outcome, who.user or "", who.role, note)
    except LookupError:
        return task_cards(open_rows(), lang, True), t("tasks.gone", lang)
    return task_cards(open_rows(), lang, True), t(f"tasks.marked.{outcome}", lang)

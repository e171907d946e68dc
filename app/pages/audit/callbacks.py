"""The /audit page's callback: run the search (on any change, the search button, or a step to
newer or older entries) and show one page of it; administrators only."""

from __future__ import annotations

import json

import dash
from dash import Input, Output, State

from app import ids
from app.context import connection, settings
from app.pages.audit import state
from app.pages.audit.layout import entry_rows
from app.recorder import Recorder
from app.web import auth
from domain.i18n import t
from geodata.read import audit as reading

_calls = Recorder()
register = _calls.register

_STEPS = {ids.AUDIT_OLDER: "older", ids.AUDIT_NEWER: "newer"}
_NOTHING = json.dumps({})


def _status(page: int, total: int, lang: str) -> str:
    if total > reading.COUNT_CAP:
        return t("audit.status_capped", lang).format(page=page, total=f"{reading.COUNT_CAP:,}")
    return t("audit.status", lang).format(page=page, total=f"{total:,}")


@_calls.callback(
    Output(ids.AUDIT_TABLE, "children"),
    Output(ids.AUDIT_STATUS, "children"),
    Output(ids.AUDIT_PAGING, "data"),
    Output(ids.AUDIT_NEWER, "disabled"),
    Output(ids.AUDIT_OLDER, "disabled"),
    Output(ids.AUDIT_EXPORT_SEARCH, "value"),
    Input(ids.AUDIT_SEARCH, "n_clicks"),
    Input(ids.AUDIT_USER, "value"),
    Input(ids.AUDIT_ACTION, "value"),
    Input(ids.AUDIT_OBJECT, "value"),
    Input(ids.AUDIT_RANGE, "start_date"),
    Input(ids.AUDIT_RANGE, "end_date"),
    Input(ids.AUDIT_NEWER, "n_clicks"),
    Input(ids.AUDIT_OLDER, "n_clicks"),
    State(ids.AUDIT_PAGING, "data"),
)
def search_audit(_go, user, action, obj, first, last, _newer, _older, paging):  # noqa: ANN001, ANN201, PLR0913
    """One page of the search, newest first; the export form gets the same search."""
    lang = settings().language
    if not auth.may("audit.view"):
        return [], t("auth.no_permission", lang), None, True, True, _NOTHING
    raw = {"user": user, "action": action, "object": obj, "from": first, "to": last}
    try:
        query, applied = state.search_of(raw)
    except state.BadSearch as exc:
        return [], t(f"audit.error.{exc.code}", lang), None, True, True, _NOTHING
    pages = state.pages_of(paging, applied, _STEPS.get(dash.ctx.triggered_id))
    with connection() as conn:
        rows, following = reading.page(conn, query, pages[-1])
        total = reading.count(conn, query)
    return (entry_rows(rows, lang), _status(len(pages), total, lang),
            state.paging_state(applied, pages, following), len(pages) == 1, following is None,
            json.dumps(applied, ensure_ascii=False))  # fmt: skip

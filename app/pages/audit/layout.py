"""The /audit page: search the audit trail (user, action, object prefix, local dates), newest
first, a page at a time, and export the current search as CSV (a POST form to /audit/export.csv,
its search filled in by the search callback)."""

from __future__ import annotations

import json
from typing import Any

from dash import dcc, html

from app import ids
from app.components.account import account_box
from app.components.admin import no_permission, role_label
from app.context import connection, settings
from app.pages.audit.state import compact, local_time
from app.web import auth
from domain.i18n import t
from geodata.read import audit as reading

DETAIL_SHOWN = 160  # characters of an entry's detail shown in the table (all of it on hover)


def entry_rows(rows: list[dict[str, Any]], lang: str) -> html.Table | html.P:
    """The entries as a table, newest first; the detail compact, cut short with the whole on hover."""
    if not rows:
        return html.P(t("audit.none", lang), className="admin-empty")
    cols = ("audit.col.at", "audit.col.user", "audit.col.role", "audit.col.action",
            "audit.col.object", "audit.col.detail")  # fmt: skip
    body = []
    for r in rows:
        detail = compact(r["detail"])
        shown = detail if len(detail) <= DETAIL_SHOWN else detail[:DETAIL_SHOWN] + "…"
        body.append(
            html.Tr(
                [
                    html.Td(local_time(r["at"])[:19].replace("T", " "), className="au-at"),
                    html.Td(r["user_name"]),
                    html.Td(role_label(r["role"], lang)),
                    html.Td(r["action"], className="au-action"),
                    html.Td(r["object"] or ""),
                    html.Td(html.Code(shown, title=detail), className="au-detail"),
                ]
            )
        )
    return html.Table(
        [html.Thead(html.Tr([html.Th(t(c, lang)) for c in cols])), html.Tbody(body)],
        className="admin-table audit-table",
    )


def search_bar(actions: list[str], lang: str) -> html.Div:
    return html.Div(
        [
            dcc.Input(id=ids.AUDIT_USER, type="text", debounce=True, maxLength=reading.MAX_TEXT,
                      placeholder=t("audit.user", lang), className="admin-input"),
            dcc.Dropdown(id=ids.AUDIT_ACTION, options=[{"label": a, "value": a} for a in actions],
                         placeholder=t("audit.any_action", lang), className="admin-dropdown"),
            dcc.Input(id=ids.AUDIT_OBJECT, type="text", debounce=True, maxLength=reading.MAX_TEXT,
                      placeholder=t("audit.object", lang), className="admin-input"),
            dcc.DatePickerRange(id=ids.AUDIT_RANGE, display_format="YYYY-MM-DD", clearable=True,
                                first_day_of_week=1, start_date_placeholder_text=t("audit.from", lang),
                                end_date_placeholder_text=t("audit.to", lang)),
            html.Button(t("audit.search", lang), id=ids.AUDIT_SEARCH, n_clicks=0,
                        className="admin-button"),
        ],
        className="admin-filters",
    )  # fmt: skip


def export_form(lang: str) -> html.Form:
    """A same-origin POST: the export writes an audit row, so no link or GET may start it."""
    return html.Form(
        [
            dcc.Input(id=ids.AUDIT_EXPORT_SEARCH, type="hidden", name="search",
                      value=json.dumps({})),
            html.Button(t("audit.export", lang), id=ids.AUDIT_EXPORT, type="submit",
                        className="admin-button"),
        ],
        action="/audit/export.csv",
        method="post",
        className="audit-export",
    )  # fmt: skip


def layout(**_query: str) -> html.Div:
    lang = settings().language
    if not auth.may("audit.view"):
        return no_permission("audit.title", lang)
    with connection() as conn:
        actions = reading.actions(conn)
    return html.Div(
        [
            html.Div([html.H2(t("audit.title", lang)), html.A(t("auth.back_to_map", lang), href="/"),
                      account_box(auth.current_user(), lang, "/audit")], className="admin-header"),
            html.P(t("audit.note", lang), className="admin-note"),
            search_bar(actions, lang),
            html.Div([html.Div(id=ids.AUDIT_STATUS, role="status", className="admin-status"),
                      export_form(lang)], className="admin-toolbar"),
            dcc.Store(id=ids.AUDIT_PAGING),
            html.Div(id=ids.AUDIT_TABLE),
            html.Div(
                [
                    html.Button(t("audit.newer", lang), id=ids.AUDIT_NEWER, n_clicks=0,
                                disabled=True, className="admin-button"),
                    html.Button(t("audit.older", lang), id=ids.AUDIT_OLDER, n_clicks=0,
                                disabled=True, className="admin-button"),
                ],
                className="admin-pager",
            ),
        ],
        className="admin-page",
    )  # fmt: skip

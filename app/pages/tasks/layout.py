"""The /tasks page: header, the open tasks as cards with one-tap marks, completion rates."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dash import dcc, html

from app import ids
from app.components.account import account_box
from app.context import connection, scope, settings
from app.web import auth
from domain.clock import today
from domain.i18n import t
from geodata.write import tasks as task_data

PRIORITY_CLASS = {"urgent": "p-urgent", "high": "p-high", "normal": "p-normal", "low": "p-low"}


def task_cards(rows: list[dict[str, Any]], lang: str, may_mark: bool) -> list[html.Div]:
    """One card per open task (reason, place, due day), with the marks when allowed."""
    if not rows:
        return [html.P(t("tasks.none", lang), className="tasks-empty")]
    cards = []
    for r in rows:
        overdue = r["due_on"] < today()
        body = [
            html.Div(
                [
                    html.Span(t(f"priority.{r['priority']}", lang),
                              className=f"task-priority {PRIORITY_CLASS.get(r['priority'], '')}"),
                    html.Span(t(f"task_kind.{r['kind']}", lang), className="task-kind"),
                    html.Span(
                        t("tasks.due", lang).format(day=r["due_on"].isoformat()),
                        className="task-due overdue" if overdue else "task-due",
                    ),
                ],
                className="task-head",
            ),
            html.Div(r["reason"], className="task-reason"),
            html.Div(r.get("address") or r["grid_code"], className="task-where"),
        ]  # fmt: skip
        if may_mark:
            body += [
                dcc.Input(id={"type": ids.TASK_NOTE, "index": r["id"]}, type="text",
                          placeholder=t("tasks.note", lang), className="task-note",
                          maxLength=2000, debounce=False),
                html.Div(
                    [
                        html.Button(t("tasks.handled", lang), n_clicks=0,
                                    id={"type": ids.TASK_HANDLED, "index": r["id"]},
                                    className="task-button handled"),
                        html.Button(t("tasks.found", lang), n_clicks=0,
                                    id={"type": ids.TASK_FOUND, "index": r["id"]},
                                    className="task-button found"),
                    ],
                    className="task-buttons",
                ),
            ]  # fmt: skip
        cards.append(html.Div(body, className="task-card", id=f"task-{r['id']}"))
    return cards


def rates_table(lang: str) -> html.Table | None:
    """Completion over the last 7 days by the level below the caller's jurisdiction."""
    who = scope()
    if who.role == "grid_worker":
        return None
    area = who.areas[0] if who.areas else ""
    digits = {6: 9, 9: 15, 12: 15}.get(len(area), 6)
    with connection() as conn:
        rows = task_data.completion(conn, today() - timedelta(days=6), today(), digits)
    head = html.Tr([html.Th(t(k, lang)) for k in ("tasks.area", "tasks.total", "tasks.done",
                                                     "tasks.rate")])  # fmt: skip
    body = [
        html.Tr([html.Td(r["area"]), html.Td(r["tasks"]), html.Td(r["done"]),
                 html.Td("—" if r["rate"] is None else f"{100 * r['rate']:.0f}%")])
        for r in rows
    ]  # fmt: skip
    return html.Table([html.Thead(head), html.Tbody(body)], className="tasks-rates",
                      id=ids.TASKS_RATES)  # fmt: skip


def open_rows() -> list[dict[str, Any]]:
    """The caller's open tasks (row-level security: a grid worker's own grid)."""
    with connection() as conn:
        return task_data.open_tasks(conn)


def layout(**_query: str) -> html.Div:
    lang = settings().language
    if not auth.may("tasks.view"):
        return html.Div([html.H2(t("tasks.title", lang)), html.P(t("auth.no_permission", lang))],
                        className="tasks-page")  # fmt: skip
    rates = rates_table(lang)
    return html.Div(
        [
            html.Div(
                [html.H2(t("tasks.title", lang)), account_box(auth.current_user(), lang, "/tasks")],
                className="tasks-header",
            ),  # fmt: skip
            html.Div(id=ids.TASKS_MESSAGE, className="tasks-message", role="status"),
            html.Div(task_cards(open_rows(), lang, auth.may("tasks.mark")), id=ids.TASKS_LIST),
            *([html.H3(t("tasks.rates", lang)), rates] if rates is not None else []),
        ],
        className="tasks-page",
    )

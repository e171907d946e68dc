"""The /whistles page: a raising form, the list with each whistle's next step, the ranking."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from app import ids
from app.components.account import account_box
from app.context import connection, scope, settings
from app.web import auth
from domain import whistles as rules
from domain.i18n import t
from geodata.read import whistles as reading


def whistle_rows(rows: list[dict[str, Any]], lang: str) -> list[html.Div]:
    """One row per whistle: stage, item, community, department, due, and the caller's next step."""
    if not rows:
        return [html.P(t("whistles.none", lang))]
    actor = scope().actor()
    out = []
    for r in rows:
        state = rules.WhistleState(r["status"], r["responding_department"])
        step = next((a for a, (src, _t) in rules.ACTIONS.items() if src == r["status"]), None)
        head = [
            html.Span(t(f"whistle_status.{r['status']}", lang), className=f"wh-stage wh-{r['status']}"),
            html.Span(r["item"], className="wh-item"),
            html.Span(r["community"], className="wh-where"),
            html.Span(r["department"] or "", className="wh-dept"),
            html.Span(t("whistles.due", lang).format(day=f"{r['due_at']:%m-%d %H:%M}")
                      if r["due_at"] else "", className="wh-due"),
        ]  # fmt: skip
        if r["supervision_level"]:
            head.append(
                html.Span(t(f"supervision.{r['supervision_level']}", lang), className="wh-sup")
            )
        body = [html.Div(head, className="wh-head")]
        if r["response"]:
            body.append(html.Div(t("whistles.answer", lang) + r["response"], className="wh-answer"))
        if step in ("respond", "evaluate") and rules.may(actor, step, state):
            field = (
                dcc.Input(id={"type": ids.WHISTLE_INPUT, "index": r["id"]}, type="text",
                          placeholder=t("whistles.answer_here", lang), maxLength=4000)
                if step == "respond"
                else dcc.Dropdown(id={"type": ids.WHISTLE_INPUT, "index": r["id"]},
                                  options=[{"label": f"{k} ★", "value": k} for k in range(5, 0, -1)],
                                  placeholder=t("whistles.rate", lang), clearable=False,
                                  className="wh-rate")
            )  # fmt: skip
            body.append(
                html.Div(
                    [field, html.Button(t(f"whistles.do.{step}", lang), n_clicks=0,
                                        id={"type": ids.WHISTLE_ACT, "index": r["id"], "action": step},
                                        className="wh-button")],
                    className="wh-step",
                )
            )  # fmt: skip
        out.append(html.Div(body, className="wh-row", id=f"whistle-{r['id']}"))
    return out


def ranking_table(rows: list[dict[str, Any]], lang: str) -> html.Table:
    head = html.Tr([html.Th(t(k, lang)) for k in ("whistles.department", "whistles.raised",
                    "whistles.on_time", "whistles.hours", "whistles.rating")])  # fmt: skip
    body = [
        html.Tr([html.Td(r["name"]), html.Td(r["raised"]),
                 html.Td("—" if r["on_time_rate"] is None else f"{100 * r['on_time_rate']:.0f}%"),
                 html.Td("—" if r["hours"] is None else r["hours"]),
                 html.Td("—" if r["rating"] is None else r["rating"])])
        for r in rows
    ]  # fmt: skip
    return html.Table([html.Thead(head), html.Tbody(body)], className="wh-ranking")


def listing() -> list[dict[str, Any]]:
    with connection() as conn:
        return reading.listing(conn)


def layout(**_query: str) -> html.Div:
    lang = settings().language
    if not auth.may("whistles.view"):
        return html.Div([html.H2(t("whistles.title", lang)), html.P(t("auth.no_permission", lang))])
    actor = scope().actor()
    parts: list[Any] = [
        html.Div([html.H2(t("whistles.title", lang)),
                  account_box(auth.current_user(), lang, "/whistles")], className="wh-header"),
        html.Div(id=ids.WHISTLE_MESSAGE, role="status", className="wh-message"),
    ]  # fmt: skip
    if rules.may(actor, "raise"):
        area = scope().areas[0] if scope().areas else None
        with connection() as conn:
            city = len(area or "") == 6 and area.endswith("00")
            communities = reading.communities(conn, None if city else area)
            classes = reading.classes(conn)
        parts.append(
            html.Div(
                [
                    html.H3(t("whistles.raise", lang)),
                    dcc.Dropdown(id=ids.WHISTLE_COMMUNITY, placeholder=t("whistles.community", lang),
                                 options=[{"label": c["name"], "value": c["code"]} for c in communities]),
                    dcc.Dropdown(id=ids.WHISTLE_CLASS, placeholder=t("whistles.class", lang),
                                 options=[{"label": f"{c['name']}（{c['items']}）", "value": c["code"]}
                                          for c in classes]),
                    dcc.Dropdown(id=ids.WHISTLE_ITEM, placeholder=t("whistles.item", lang), options=[]),
                    dcc.Textarea(id=ids.WHISTLE_TEXT, placeholder=t("whistles.describe", lang),
                                 maxLength=4000, style={"width": "100%"}),
                    html.Button(t("whistles.do.raise", lang), id=ids.WHISTLE_RAISE, n_clicks=0,
                                className="wh-button"),
                ],
                className="wh-form",
            )
        )  # fmt: skip
    parts += [html.H3(t("whistles.list", lang)),
              html.Div(whistle_rows(listing(), lang), id=ids.WHISTLE_LIST)]  # fmt: skip
    if rules.may(actor, "assess"):
        parts += [
            html.H3(t("whistles.assessment", lang)),
            html.Button(t("whistles.do.assess", lang), id=ids.WHISTLE_ASSESS, n_clicks=0,
                        className="wh-button"),
            html.Div(id=ids.WHISTLE_RANKING),
        ]  # fmt: skip
    return html.Div(parts, className="wh-page")

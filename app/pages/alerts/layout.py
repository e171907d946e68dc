"""The /alerts page: one row per open alert — area, dispute type, since when, observed against
expected, the statistic and its method — with the desk's actions."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from app import ids
from app.components.account import account_box
from app.context import connection, settings
from app.web import auth
from domain import warning
from domain.i18n import t
from geodata.read import warnings as reading


def alert_rows(rows: list[dict[str, Any]], lang: str, may_act: bool) -> list[html.Div]:
    if not rows:
        return [html.P(t("alerts.none", lang), className="alerts-empty")]
    out = []
    for r in rows:
        head = html.Div(
            [
                html.Span(t(f"alert_state.{r['state']}", lang), className=f"al-state al-{r['state']}"),
                html.Span(f"{r['area_name']} · {r['type_name']}", className="al-what"),
                html.Span(t("alerts.since", lang).format(day=r["opened_on"].isoformat()),
                          className="al-since"),
                html.Span(t("alerts.figures", lang).format(
                    observed=f"{r['observed']:.0f}", expected=f"{r['expected']:.1f}",
                    statistic=f"{r['statistic']:.1f}", method=t(f"alert_method.{r['method']}", lang)),
                    className="al-figures"),
            ],
            className="al-head",
        )  # fmt: skip
        body: list[Any] = [head]
        if r.get("assignee"):
            body.append(html.Div(t("alerts.assigned_to", lang) + r["assignee"], className="al-who"))
        allowed = [a for a, (src, _t) in warning.EPISODE_ACTIONS.items() if r["state"] in src]
        if may_act and allowed:
            body.append(
                html.Div(
                    [dcc.Input(id={"type": ids.ALERT_INPUT, "index": r["id"]}, type="text",
                               maxLength=500, placeholder=t("alerts.input", lang))]
                    + [html.Button(t(f"alerts.do.{a}", lang), n_clicks=0, className="al-button",
                                   id={"type": ids.ALERT_ACT, "index": r["id"], "action": a})
                       for a in allowed],
                    className="al-actions",
                )
            )  # fmt: skip
        out.append(html.Div(body, className="al-row", id=f"alert-{r['id']}"))
    return out


def listing() -> list[dict[str, Any]]:
    with connection() as conn:
        return reading.stored_alerts(conn)


def layout(**_query: str) -> html.Div:
    lang = settings().language
    if not auth.may("alerts.view"):
        return html.Div([html.H2(t("alerts.title", lang)), html.P(t("auth.no_permission", lang))])
    return html.Div(
        [
            html.Div([html.H2(t("alerts.title", lang)),
                      account_box(auth.current_user(), lang, "/alerts")], className="al-header"),
            html.P(t("alerts.method_note", lang), className="al-note"),
            html.Div(id=ids.ALERTS_MESSAGE, role="status"),
            html.Div(alert_rows(listing(), lang, auth.may("alerts.act")), id=ids.ALERTS_LIST),
        ],
        className="al-page",
    )  # fmt: skip

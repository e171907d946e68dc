"""The /key-persons page: a table of key persons (masked for roles not cleared), each row opening
its bound cases."""

from __future__ import annotations

from typing import Any

from dash import html

from app import ids
from app.components.account import account_box
from app.context import connection, settings
from app.web import auth
from domain.i18n import t
from geodata.read import keypersons as reading
from geodata.write.users import record_audit


def person_rows(rows: list[dict[str, Any]], lang: str) -> html.Table:
    head = html.Tr([html.Th(t(k, lang)) for k in ("kp.name", "kp.category", "kp.grid", "kp.risk",
                    "kp.dynamic", "kp.cases", "kp.advice", "")])  # fmt: skip
    body = []
    for r in rows:
        level = r["dynamic_risk"] or r["risk_level"]
        reasons = "；".join(r["dynamic_reasons"] or [])
        body.append(
            html.Tr(
                [
                    html.Td(r["name"]), html.Td(r["category"]), html.Td(r["grid_name"] or r["grid_code"]),
                    html.Td(t(f"risk.{r['risk_level']}", lang)),
                    html.Td([html.Span(t(f"risk.{level}", lang), className=f"kp-level kp-{level}"),
                             html.Div(reasons, className="kp-reasons")]),
                    html.Td(f"{r['cases']}（{t('kp.open', lang)} {r['open_cases']}）"),
                    html.Td(html.Ul([html.Li(a) for a in (r["advice"] or [])])),
                    html.Td(html.Button(t("kp.show_cases", lang), n_clicks=0, className="kp-button",
                                        id={"type": ids.KP_OPEN, "index": r["id"]})),
                ]
            )
        )  # fmt: skip
    return html.Table([html.Thead(head), html.Tbody(body)], className="kp-table")


def case_list(rows: list[dict[str, Any]], lang: str) -> html.Div:
    if not rows:
        return html.Div(t("kp.no_cases", lang))
    return html.Ul(
        [
            html.Li(" · ".join([f"{r['reported_at']:%Y-%m-%d} {r['source_ref']} {r['title']}",
                                t("status." + r["status"], lang),
                                t("kp.reason." + r["reason"], lang)]))
            for r in rows
        ]
    )  # fmt: skip


def layout(**_query: str) -> html.Div:
    lang = settings().language
    if not auth.may("key_persons.view"):
        return html.Div([html.H2(t("kp.title", lang)), html.P(t("auth.no_permission", lang))])
    unmask = auth.may("personal.unmask")
    with connection() as conn:
        rows = reading.listing(conn, unmask=unmask)
        if unmask:
            user = auth.current_user() or {}
            record_audit(conn, user.get("username", ""), user.get("role", ""), "key_person.unmask",
                         "key_person:list", {"rows": len(rows)})  # fmt: skip
    return html.Div(
        [
            html.Div([html.H2(t("kp.title", lang)),
                      account_box(auth.current_user(), lang, "/key-persons")], className="kp-header"),
            html.P(t("kp.note", lang)),
            html.Div(person_rows(rows, lang), id=ids.KP_LIST),
            html.H3(t("kp.bound_cases", lang)),
            html.Div(id=ids.KP_CASES),
        ],
        className="kp-page",
    )  # fmt: skip

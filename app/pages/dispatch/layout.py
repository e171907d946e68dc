"""The /dispatch page: filters, the queue (risk then due time, bulk assignment), the map of open
cases coloured by urgency, a department's open locks, and the case drawer with its actions."""

from __future__ import annotations

from typing import Any

import dash_leaflet as dl
from dash import dash_table, dcc, html

from app import ids
from app.components.account import account_box
from app.components.case_drawer import drawer_view
from app.components.map_layers import NS
from app.context import connection, scope, settings
from app.web import auth
from app.web.basemap import basemap_spec
from domain.i18n import t
from domain.vocab import OPEN_STATUSES, RISK_LEVELS
from geodata.read import dispatch as desk
from geodata.read.areas import dispute_types
from geodata.read.dispatch import URGENCIES

HOHHOT_CENTER = (40.82, 111.75)
# The statuses the queue can show: the open ones and those waiting for the return call.
QUEUE_STATUSES = (*OPEN_STATUSES, "resolved", "unresolved")
URGENCY_COLOURS = {"overdue": "#c0392b", "due_soon": "#e67e22", "on_time": "#27ae60",
                   "none": "#7f8c8d"}  # fmt: skip
RISK_STROKES = {"red": "#7b0000", "orange": "#b35900", "yellow": "#b7950b", "blue": "#1f4e8c"}


def queue_columns(lang: str) -> list[dict[str, str]]:
    names = ("source_ref", "title", "type_name", "status_label", "risk_label", "supervision",
             "lead_department_name", "due", "locks")  # fmt: skip
    return [{"id": n, "name": t(f"dispatch.col.{n}", lang)} for n in names]


def _urgency_styles() -> list[dict[str, Any]]:
    return [
        {
            "if": {"filter_query": f'{{urgency}} = "{u}"', "column_id": "source_ref"},
            "borderLeft": f"6px solid {c}",
        }
        for u, c in URGENCY_COLOURS.items()
    ]


def _options(prefix: str, values: tuple[str, ...], lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"{prefix}.{v}", lang), "value": v} for v in values]


INTAKE_INPUTS = (ids.DISPATCH_IN_SOURCE, ids.DISPATCH_IN_TEXT, ids.DISPATCH_IN_ADDRESS,
                 ids.DISPATCH_IN_LON, ids.DISPATCH_IN_LAT, ids.DISPATCH_IN_NAME,
                 ids.DISPATCH_IN_PHONE, ids.DISPATCH_IN_TYPE)  # fmt: skip


def intake_form(types: list[dict[str, str]], lang: str) -> html.Details:
    """登记来件: a walk-in or a call at the desk, located by its address or a click on the map."""

    def labelled(key: str, control: Any) -> html.Label:
        return html.Label([html.Span(t(key, lang)), control], className="dispatch-field")

    return html.Details(
        [
            html.Summary(t("intake.desk.title", lang)),
            html.Div(
                [
                    labelled("intake.desk.source", dcc.RadioItems(
                        id=ids.DISPATCH_IN_SOURCE, value="walk_in", inline=True,
                        options=[{"label": t(f"source.{s}", lang), "value": s}
                                 for s in ("walk_in", "other")])),
                    labelled("intake.desk.text", dcc.Textarea(
                        id=ids.DISPATCH_IN_TEXT, maxLength=4000, className="dispatch-input",
                        placeholder=t("intake.desk.text_hint", lang))),
                    labelled("intake.desk.address", dcc.Input(
                        id=ids.DISPATCH_IN_ADDRESS, type="text", maxLength=200,
                        className="dispatch-input")),
                    html.Div([
                        labelled("intake.desk.lon", dcc.Input(id=ids.DISPATCH_IN_LON, type="number",
                                                              className="dispatch-input")),
                        labelled("intake.desk.lat", dcc.Input(id=ids.DISPATCH_IN_LAT, type="number",
                                                              className="dispatch-input")),
                    ], className="dispatch-pair", title=t("intake.desk.click_map", lang)),
                    html.Div([
                        labelled("intake.desk.name", dcc.Input(id=ids.DISPATCH_IN_NAME, type="text",
                                                               maxLength=40, className="dispatch-input")),
                        labelled("intake.desk.phone", dcc.Input(id=ids.DISPATCH_IN_PHONE, type="tel",
                                                                maxLength=20, className="dispatch-input")),
                    ], className="dispatch-pair"),
                    labelled("intake.desk.type", dcc.Dropdown(
                        id=ids.DISPATCH_IN_TYPE, options=types, className="dispatch-input",
                        placeholder=t("intake.desk.type_hint", lang))),
                    html.Button(t("intake.desk.submit", lang), id=ids.DISPATCH_IN_SUBMIT, n_clicks=0,
                                className="dispatch-button primary"),
                    html.Div(id=ids.DISPATCH_IN_RESULT, role="status"),
                ],
                className="dispatch-intake",
            ),
        ],
        className="dispatch-intake-box",
    )  # fmt: skip


def layout(**query: str) -> html.Div:
    lang = settings().language
    if not auth.may("dispatch.view"):
        return html.Div([html.H2(t("dispatch.title", lang)), html.P(t("auth.no_permission", lang))],
                        className="dispatch-page")  # fmt: skip
    who = scope()
    with connection() as conn:
        types = [{"label": r["name"], "value": r["code"]} for r in dispute_types(conn)]
        departments = [
            {"label": r["name"], "value": r["code"]} for r in desk.department_options(conn)
        ]
    base = basemap_spec(settings())
    mine = [{"label": t("dispatch.mine_agent", lang), "value": "agent"},
            {"label": t("dispatch.unlocated", lang), "value": "unlocated"}]  # fmt: skip
    if who.role == "department":
        mine.insert(0, {"label": t("dispatch.mine_department", lang), "value": "department"})
    case = query.get("case", "")
    filters = html.Div(
        [
            dcc.Dropdown(id=ids.DISPATCH_FILTER_STATUS, options=_options("status", QUEUE_STATUSES, lang),
                         value=list(OPEN_STATUSES), multi=True, clearable=False,
                         className="dispatch-filter"),
            dcc.Dropdown(id=ids.DISPATCH_FILTER_TYPES, options=types, multi=True,
                         placeholder=t("dispatch.types", lang), className="dispatch-filter"),
            dcc.Dropdown(id=ids.DISPATCH_FILTER_RISK, options=_options("risk", RISK_LEVELS, lang),
                         multi=True, placeholder=t("dispatch.risks", lang),
                         className="dispatch-filter"),
            dcc.RadioItems(id=ids.DISPATCH_FILTER_URGENCY,
                           options=[{"label": t("dispatch.all", lang), "value": ""},
                                    *_options("urgency", URGENCIES, lang)],
                           value="", inline=True, className="dispatch-urgency"),
            dcc.Checklist(id=ids.DISPATCH_FILTER_MINE, options=mine,
                          value=["department"] if who.role == "department" else [],
                          inline=True),
            dcc.Input(id=ids.DISPATCH_SEARCH, type="search", debounce=True, maxLength=64,
                      placeholder=t("dispatch.search", lang), className="dispatch-search"),
        ],
        className="dispatch-filters",
    )  # fmt: skip
    bulk = (
        html.Div(
            [
                dcc.Dropdown(id=ids.DISPATCH_BULK_DEPARTMENT, options=departments,
                             placeholder=t("dispatch.bulk_department", lang),
                             className="dispatch-filter"),
                html.Button(t("dispatch.bulk_assign", lang), id=ids.DISPATCH_BULK_ASSIGN,
                            n_clicks=0, className="dispatch-button"),
            ],
            className="dispatch-bulk",
        )
        if auth.may("cases.dispatch")
        else html.Div([dcc.Store(id=ids.DISPATCH_BULK_DEPARTMENT),
                       html.Button(id=ids.DISPATCH_BULK_ASSIGN, n_clicks=0, hidden=True)])
    )  # fmt: skip
    queue = dash_table.DataTable(
        id=ids.DISPATCH_QUEUE, columns=queue_columns(lang), data=[], page_size=25,
        row_selectable="multi" if auth.may("cases.dispatch") else False, selected_rows=[],
        style_data_conditional=_urgency_styles(), style_cell={"textAlign": "left",
                                                              "whiteSpace": "normal"},
        style_table={"overflowX": "auto"}, cell_selectable=True,
    )  # fmt: skip
    the_map = dl.Map(
        [
            *[dl.TileLayer(url=b["url"], subdomains=b["subdomains"], attribution=b["attribution"],
                           maxZoom=18) for b in base["layers"]],
            dl.GeoJSON(id=ids.DISPATCH_POINTS, pointToLayer=NS("pointToLayer"),
                       onEachFeature=NS("popup")),
        ],
        id=ids.DISPATCH_MAP, center=HOHHOT_CENTER, zoom=10, className="dispatch-map",
        crs=base["crs"],
    )  # fmt: skip
    legend = html.Div(
        [html.Span([html.I(style={"background": c}), t(f"urgency.{u}", lang)],
                   className="legend-item") for u, c in URGENCY_COLOURS.items()],
        className="dispatch-legend",
    )  # fmt: skip
    drawer = html.Div(
        [
            html.Div(drawer_view(None, lang, False), id=ids.DISPATCH_DRAWER),
            html.Div(
                [
                    dcc.Dropdown(id=ids.DISPATCH_ACTION, options=[],
                                 placeholder=t("dispatch.choose_action", lang),
                                 className="dispatch-input"),
                    html.Div(id=ids.DISPATCH_FIELDS, className="dispatch-fields"),
                    html.Button(t("dispatch.submit", lang), id=ids.DISPATCH_SUBMIT, n_clicks=0,
                                className="dispatch-button primary"),
                ],
                className="dispatch-actions",
                hidden=not auth.may("cases.act"),
            ),
        ],
        className="dispatch-drawer",
    )  # fmt: skip
    intake = (
        intake_form(types, lang)
        if auth.may("cases.intake")
        else html.Div(
            [dcc.Store(id=i) for i in INTAKE_INPUTS]
            + [html.Button(id=ids.DISPATCH_IN_SUBMIT, n_clicks=0, hidden=True),
               html.Div(id=ids.DISPATCH_IN_RESULT)]
        )
    )  # fmt: skip
    return html.Div(
        [
            html.Div(
                [
                    html.H2(t("dispatch.title", lang)),
                    account_box(auth.current_user(), lang, "/dispatch"),
                ],
                className="dispatch-header",
            ),  # fmt: skip
            dcc.Store(id=ids.DISPATCH_CASE, data=case if case.isdigit() else None),
            dcc.Store(id=ids.DISPATCH_VERSION),
            dcc.Store(id=ids.DISPATCH_PICKED),
            dcc.Store(id=ids.DISPATCH_REFRESH, data=0),
            html.Div(id=ids.DISPATCH_MESSAGE, className="dispatch-message", role="status"),
            intake,
            filters,
            html.Div(
                [
                    html.Div(
                        [
                            html.Div(id=ids.DISPATCH_TOTAL, className="dispatch-total"),
                            bulk,
                            queue,
                            html.Div(id=ids.DISPATCH_LOCKS),
                            html.Div([the_map, legend], className="dispatch-map-box"),
                        ],
                        className="dispatch-left",
                    ),  # fmt: skip
                    drawer,
                ],
                className="dispatch-body",
            ),
        ],
        className="dispatch-page",
    )

"""The performance page's layout: header, period and jurisdiction controls, the department
table, the bar chart and the mediation tables (filled by ``callbacks.show`` from the URL)."""

from __future__ import annotations

from urllib.parse import urlencode

from dash import dcc, html

from app import ids
from app.components.account import account_box
from app.components.performance import CHART_METRICS
from app.context import connection, scope
from app.pages.performance.state import lang_href, state_of
from app.web import auth
from domain.i18n import t
from geodata.read import performance
from layers.filters import PERIODS


def _header(search: str, lang: str) -> html.Header:
    other = "en" if lang == "zh" else "zh"
    return html.Header(
        [
            html.H1(t("perf.title", lang)),
            html.A(t("perf.to_map", lang), href="/", className="perf-nav"),
            html.A(
                t("lang.switch", lang),
                id=ids.PERF_LANG_LINK,
                href=lang_href(search, other),
                className="lang-switch",
            ),
            account_box(auth.current_user(), lang),
        ],
        lang="zh-CN" if lang == "zh" else "en",
    )


def _controls(state, choices: list[dict[str, str]], lang: str) -> html.Div:  # noqa: ANN001
    f = state.filters
    area_options = [{"label": c["name"], "value": c["code"]} for c in choices]
    return html.Div(
        [
            html.Label(t("filter.period", lang), htmlFor=ids.PERF_PERIOD),
            dcc.Dropdown(
                id=ids.PERF_PERIOD,
                options=[{"label": t(f"period.{p}", lang), "value": p} for p in PERIODS],
                value=f.period,
                clearable=False,
                className="perf-control",
            ),
            html.Label(t("filter.range", lang)),
            dcc.DatePickerRange(
                id=ids.PERF_RANGE,
                start_date=f.start.isoformat() if f.start else None,
                end_date=f.end.isoformat() if f.end else None,
                display_format="YYYY-MM-DD",
                start_date_placeholder_text=t("filter.from", lang),
                end_date_placeholder_text=t("filter.to", lang),
                first_day_of_week=1,
                clearable=True,
            ),
            # Always present (its callback needs it); shown to jurisdictions with areas below.
            html.Div(
                [
                    html.Label(t("perf.area", lang), htmlFor=ids.PERF_AREA),
                    dcc.Dropdown(
                        id=ids.PERF_AREA,
                        options=area_options,
                        value=state.area if state.area in {c["code"] for c in choices} else None,
                        placeholder=t("perf.area_all", lang),
                        className="perf-control",
                    ),
                ],
                className="perf-area",
                hidden=not choices,
            ),
            html.Label(t("perf.chart_metric", lang), htmlFor=ids.PERF_METRIC),
            dcc.Dropdown(
                id=ids.PERF_METRIC,
                options=[{"label": t(f"perf.col.{m}", lang), "value": m} for m in CHART_METRICS],
                value=state.metric,
                clearable=False,
                className="perf-control",
            ),
        ],
        className="perf-controls",
    )


def layout(**query: str) -> html.Div:
    """The page for the view in ``query`` (the URL's query keys, as Dash passes them)."""
    search = "?" + urlencode(query)
    state = state_of(search)
    lang = state.lang
    if not auth.may("performance.view"):
        return html.Div(
            [_header(search, lang), html.P(t("perf.forbidden", lang), className="perf-forbidden")],
            className="page-perf",
        )
    with connection() as conn:
        choices = performance.areas_within(conn, scope().areas)
    return html.Div(
        [
            dcc.Location(id=ids.PERF_LOCATION, refresh=False),
            _header(search, lang),
            html.Main(
                [
                    _controls(state, choices, lang),
                    html.P(id=ids.PERF_NOTE, className="perf-note"),
                    html.Section(
                        [html.H2(t("perf.departments", lang)), html.Div(id=ids.PERF_TABLE)],
                        className="perf-section",
                    ),
                    html.Section(
                        dcc.Graph(
                            id=ids.PERF_CHART,
                            config={"displayModeBar": False},
                            figure={"data": [], "layout": {"height": 220}},
                        ),
                        className="perf-section",
                    ),
                    html.Section(
                        [
                            html.H2(t("perf.rooms", lang)),
                            html.Div(id=ids.PERF_ROOMS),
                            html.H2(t("perf.mediators", lang)),
                            html.Div(id=ids.PERF_MEDIATORS),
                        ],
                        className="perf-section",
                    ),
                ]
            ),
        ],
        className="page-perf",
    )

"""The filter panel: period, date range, weekly timeline, dispute filters, metric and scheme.

Each control shows what the URL says; the page's callback writes the URL when one changes.
"""

from __future__ import annotations

from datetime import date

from dash import dcc, html

from app import ids
from domain.i18n import t
from layers import area_density
from layers.filters import PERIODS, RISKS, SOURCES, STATUSES, MapFilters

MARK_EVERY = 13  # weeks between slider labels (about a quarter)


def _multi(
    id_: str, options: list[dict[str, str]], value: tuple[str, ...], lang: str
) -> dcc.Dropdown:
    return dcc.Dropdown(
        id=id_, options=options, value=list(value), multi=True, placeholder=t("filter.all", lang)
    )


def filter_panel(
    filters: MapFilters,
    metric: str,
    scheme: str,
    types: list[dict[str, str]],
    weeks: list[date],
    week: int,
    lang: str,
) -> list:
    """The controls, set to ``filters``; the slider spans ``weeks`` (Mondays) and sits on ``week``.

    ``types`` are the dispute types ({"code", "name"}) to choose from.
    """
    f = filters
    marks = {i: weeks[i].strftime("%m-%d") for i in range(0, len(weeks), MARK_EVERY)}
    marks[len(weeks) - 1] = weeks[-1].strftime("%m-%d")
    return [
        html.Label(t("filter.period", lang)),
        dcc.Dropdown(
            id=ids.PERIOD,
            options=[{"label": t(f"period.{p}", lang), "value": p} for p in PERIODS],
            value=f.period,
            clearable=False,
        ),
        html.Label(t("filter.range", lang)),
        dcc.DatePickerRange(
            id=ids.RANGE,
            start_date=f.start.isoformat() if f.start else None,
            end_date=f.end.isoformat() if f.end else None,
            display_format="YYYY-MM-DD",
            start_date_placeholder_text=t("filter.from", lang),
            end_date_placeholder_text=t("filter.to", lang),
            first_day_of_week=1,
            clearable=True,
        ),
        html.Label(t("filter.week", lang)),
        html.Div(
            [
                html.Button(
                    [
                        html.Span(t("filter.play", lang), className="when-stopped"),
                        html.Span(t("filter.pause", lang), className="when-playing"),
                    ],
                    id=ids.PLAY,
                    n_clicks=0,
                    className="play",
                ),
                dcc.Slider(
                    id=ids.WEEK,
                    min=0,
                    max=len(weeks) - 1,
                    step=1,
                    value=week,
                    marks=marks,
                    updatemode="mouseup",
                    className="week-slider",
                ),
            ],
            className="timeline",
        ),
        dcc.Interval(id=ids.TICK, interval=1500, disabled=True),
        html.Label(t("filter.types", lang)),
        _multi(ids.TYPES, [{"label": x["name"], "value": x["code"]} for x in types], f.types, lang),
        html.Label(t("filter.sources", lang)),
        _multi(
            ids.SOURCES,
            [{"label": t(f"source.{s}", lang), "value": s} for s in SOURCES],
            f.sources,
            lang,
        ),
        html.Label(t("filter.statuses", lang)),
        _multi(
            ids.STATUSES,
            [{"label": t(f"status.{s}", lang), "value": s} for s in STATUSES],
            f.statuses,
            lang,
        ),
        html.Label(t("filter.risks", lang)),
        _multi(
            ids.RISKS, [{"label": t(f"risk.{s}", lang), "value": s} for s in RISKS], f.risks, lang
        ),
        html.Label(t("filter.metric", lang)),
        dcc.RadioItems(
            id=ids.METRIC,
            options=[{"label": t(f"metric.{m}", lang), "value": m} for m in area_density.METRICS],
            value=metric,
            inline=True,
        ),
        html.Label(t("filter.scheme", lang)),
        dcc.RadioItems(
            id=ids.SCHEME,
            options=[{"label": t(f"scheme.{s}", lang), "value": s} for s in area_density.SCHEMES],
            value=scheme,
            inline=True,
        ),
    ]

"""The performance page's parts (部门绩效, 调解): plain rows in, components out.

The rows are ``geodata.read.performance``'s; each rate cell shows its basis (n / of) on hover, so
a figure can be checked against the cases behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import html

from app import ids
from app.components.grid_panel import named
from domain.i18n import MESSAGES, t

# (column key, how to show it, the counts behind it for the hover: (numerator, denominator)).
PERCENT, DECIMAL1, DECIMAL2, COUNT, TEXT = "percent", "1", "2", "count", "text"
DEPARTMENT_COLUMNS: tuple[tuple[str, str, tuple[str, str] | None], ...] = (
    ("name", TEXT, None),
    ("cases_led", COUNT, None),
    ("on_time_rate", PERCENT, ("on_time", "on_time_of")),
    ("resolution_rate", PERCENT, ("resolved", "closed")),
    ("avg_days", DECIMAL1, ("days_sum", "handled")),
    ("avg_workdays", DECIMAL1, ("workdays_sum", "workdays_n")),
    ("satisfaction", DECIMAL2, ("satisfaction_sum", "rated")),
    ("satisfied_share", PERCENT, ("satisfied", "rated")),
    ("reopen_rate", PERCENT, ("reopened", "reached")),
    ("sign_rate", PERCENT, ("signed_on_time", "sign_of")),
    ("open_now", COUNT, None),
    ("overdue_now", COUNT, None),
    ("locks_held", COUNT, None),
)
SORT_KEYS = tuple(key for key, _, _ in DEPARTMENT_COLUMNS)
# What the bar chart may show (a figure per department).
CHART_METRICS = (
    "on_time_rate",
    "resolution_rate",
    "avg_days",
    "avg_workdays",
    "satisfaction",
    "satisfied_share",
    "reopen_rate",
    "sign_rate",
    "cases_led",
    "overdue_now",
)
ROOM_COLUMNS: tuple[tuple[str, str, tuple[str, str] | None], ...] = (
    ("room_name", TEXT, None),
    ("kind", TEXT, None),
    ("cases", COUNT, None),
    ("open", COUNT, None),
    ("success_rate", PERCENT, ("agreements", "closed")),
    ("avg_days", DECIMAL1, ("days_sum", "handled")),
    ("avg_workdays", DECIMAL1, ("workdays_sum", "workdays_n")),
    ("satisfaction", DECIMAL2, ("satisfaction_sum", "rated")),
)
MEDIATOR_COLUMNS: tuple[tuple[str, str, tuple[str, str] | None], ...] = (
    ("mediator_name", TEXT, None),
    ("room_name", TEXT, None),
    ("specialty", TEXT, None),
    *ROOM_COLUMNS[2:],
)
BAR_COLOR = "#1565c0"
OWN_COLOR = "#e65100"


def show(value: Any, how: str) -> str:
    """A figure as the table shows it ("—" when nothing counts yet)."""
    if value is None:
        return "—"
    if how == PERCENT:
        return f"{100 * value:.1f}%"
    if how in (DECIMAL1, DECIMAL2):
        return f"{value:.{how}f}"
    if how == COUNT:
        return f"{value:,}"
    return str(value)


def _basis(row: dict[str, Any], basis: tuple[str, str] | None, how: str) -> str | None:
    if basis is None:
        return None
    n, of = row[basis[0]], row[basis[1]]
    return f"{n:.1f} / {of}" if how in (DECIMAL1, DECIMAL2) else f"{n} / {of}"


def sort_rows(rows: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """``rows`` ordered by ``key``; rows without a value for it come last either way."""
    have = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    return sorted(have, key=lambda r: r[key], reverse=descending) + missing


def shown_departments(rows: list[dict[str, Any]], own: str | None) -> list[dict[str, Any]]:
    """The departments worth a row: any case led in the period, open now or a lock held — and
    the caller's own department always."""
    return [
        r for r in rows if r["cases_led"] or r["open_now"] or r["locks_held"] or r["code"] == own
    ]


def department_rows(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """``rows`` with each department's name in ``lang``."""
    return [{**r, "name": named("dept", r["code"], r["name"], lang)} for r in rows]


def _header(column: str, sort: str, descending: bool, lang: str) -> html.Th:
    arrow = ("▼" if descending else "▲") if column == sort else ""
    return html.Th(
        html.Button(
            [t(f"perf.col.{column}", lang), html.Span(arrow, className="perf-arrow")],
            id={"type": ids.PERF_SORT, "index": column},
            className="perf-sort" + (" sorted" if arrow else ""),
            title=t(f"perf.def.{column}", lang) if f"perf.def.{column}" in MESSAGES else None,
            n_clicks=0,
        ),
        **({"aria-sort": "descending" if descending else "ascending"} if arrow else {}),
    )


def _cells(row: dict[str, Any], columns, label: Callable[[str, Any], str] | None = None) -> list:  # noqa: ANN001
    cells = []
    for key, how, basis in columns:
        value = row.get(key)
        text_ = label(key, value) if label and how == TEXT else show(value, how)
        cells.append(
            html.Td(
                text_,
                title=_basis(row, basis, how),
                className="num" if how != TEXT else None,
                **{"data-key": key},
            )
        )
    return cells


def department_table(
    rows: list[dict[str, Any]], sort: str, descending: bool, own: str | None, lang: str
) -> html.Table:
    """The sortable league table; the caller's own department's row is marked ``perf-own``."""
    head = html.Thead(html.Tr([_header(key, sort, descending, lang) for key in SORT_KEYS]))
    body = html.Tbody(
        [
            html.Tr(
                _cells(r, DEPARTMENT_COLUMNS),
                className="perf-own" if r["code"] == own else None,
                **{"data-code": r["code"]},
            )
            for r in rows
        ]
        or [html.Tr(html.Td(t("perf.none", lang), colSpan=len(SORT_KEYS)))]
    )
    return html.Table([head, body], className="perf-table")


def _plain_table(rows, columns, lang: str, code_key: str) -> html.Table:  # noqa: ANN001
    def label(key: str, value: Any) -> str:
        if key == "kind" and value is not None:
            return t(f"mediation_kind.{value}", lang)
        return "—" if value is None else str(value)

    head = html.Thead(html.Tr([html.Th(t(f"perf.col.{key}", lang)) for key, _, _ in columns]))
    body = html.Tbody(
        [html.Tr(_cells(r, columns, label), **{"data-id": str(r[code_key])}) for r in rows]
        or [html.Tr(html.Td(t("perf.none", lang), colSpan=len(columns)))]
    )
    return html.Table([head, body], className="perf-table perf-mediation")


def room_table(rooms: list[dict[str, Any]], lang: str) -> html.Table:
    """Mediation rooms with cases in the period, busiest first."""
    busy = sorted((r for r in rooms if r["cases"]), key=lambda r: (-r["cases"], r["room_id"]))
    return _plain_table(busy, ROOM_COLUMNS, lang, "room_id")


def mediator_table(mediators: list[dict[str, Any]], lang: str) -> html.Table:
    """Mediators with cases in the period, busiest first."""
    busy = sorted(
        (m for m in mediators if m["cases"]), key=lambda m: (-m["cases"], m["mediator_id"])
    )
    return _plain_table(busy, MEDIATOR_COLUMNS, lang, "mediator_id")


def chart_figure(
    rows: list[dict[str, Any]], metric: str, own: str | None, lang: str
) -> dict[str, Any]:
    """A horizontal plotly bar chart (as a dict) of ``metric`` per department, best on top."""
    how = dict((k, h) for k, h, _ in DEPARTMENT_COLUMNS)[metric]
    have = sort_rows([r for r in rows if r.get(metric) is not None], metric, descending=False)
    scale = 100 if how == PERCENT else 1
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [r["name"] for r in have],
                "x": [r[metric] * scale for r in have],
                "text": [show(r[metric], how) for r in have],
                "textposition": "auto",
                "marker": {"color": [OWN_COLOR if r["code"] == own else BAR_COLOR for r in have]},
                "hovertemplate": "%{y}: %{text}<extra></extra>",
            }
        ],
        "layout": {
            "height": max(220, 28 * len(have) + 80),
            "margin": {"l": 8, "r": 16, "t": 30, "b": 36},
            "title": {"text": t(f"perf.col.{metric}", lang), "font": {"size": 14}},
            "xaxis": {
                "rangemode": "tozero",
                "ticksuffix": "%" if how == PERCENT else "",
                "fixedrange": True,
                "gridcolor": "#e3e8ef",
            },
            "yaxis": {"type": "category", "automargin": True, "fixedrange": True},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "showlegend": False,
        },
    }

"""网格详情 and 案件详情: the grid panel and the case view.

Render functions are pure (plain data + ``lang`` → Dash components); ``panel`` and ``case_panel``
fetch and render in one call for a callback. Recent-case items carry the pattern-matching id
``{"type": CASE_LINK, "index": <dispute id>}`` so a page can open the case on click.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dash import dcc, html
from sqlalchemy import Connection

from domain.i18n import MESSAGES, t
from geodata.read import grid_detail
from layers.filters import LOCAL_TZ, MapFilters

CASE_LINK = "case-link"
TREND_GRAPH = "grid-trend-graph"
PATROL_DAYS = 30
RECENT_CASES = 10
BAR_COLOR = "#12355b"
FONT_FAMILY = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif'
# Anomaly types arrive as the patrol app's Chinese labels; these are their catalogue keys.
ANOMALY_KEYS = {
    "安全隐患": "safety",
    "矛盾苗头": "conflict",
    "环境问题": "environment",
    "设施损坏": "facility",
    "人员异常": "person",
}


# ---------- small helpers ----------


def case_link_id(dispute_id: int) -> dict[str, Any]:
    """The pattern-matching id of one recent-case item."""
    return {"type": CASE_LINK, "index": int(dispute_id)}


def fmt_time(moment: datetime | None, lang: str = "zh") -> str:
    """``YYYY-MM-DD HH:MM`` in Asia/Shanghai; a dash when missing (naive times are taken as UTC)."""
    if moment is None:
        return t("gd.none", lang)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")


def code_label(kind: str, code: str | None, lang: str = "zh") -> str:
    """The catalogue label of a status/source/risk/action/occupancy/sub-status code."""
    if code is None:
        return t("gd.none", lang)
    # Status, source and risk labels are shared with the map's filters.
    key = f"{kind}.{code}" if kind in ("status", "source", "risk") else f"gd.{kind}.{code}"
    return t(key, lang) if key in MESSAGES else code


def named(kind: str, code: str | None, name: str | None, lang: str = "zh") -> str:
    """A catalogue name from the database (type, department); English from the catalogue if known."""
    # Status, source and risk labels are shared with the map's filters.
    key = f"{kind}.{code}" if kind in ("status", "source", "risk") else f"gd.{kind}.{code}"
    if lang != "zh" and key in MESSAGES:
        return t(key, lang)
    return name or code or t("gd.none", lang)


def anomaly_label(kind: str | None, lang: str = "zh") -> str:
    if kind is None:
        return t("gd.none", lang)
    key = ANOMALY_KEYS.get(kind)
    return t(f"gd.anomaly.{key}", lang) if key else kind


def month_label(month: str, lang: str = "zh") -> str:
    """``"2026-01"`` → ``2026年1月`` (zh) / ``2026-01`` (en)."""
    year, mon = (int(x) for x in month.split("-"))
    return t("gd.trend.month_label", lang).format(year=year, month=mon)


def _badge(text: str, kind: str) -> html.Span:
    return html.Span(text, className=f"badge {kind}")


def _section(title_key: str, children: list, lang: str, class_name: str) -> html.Section:
    return html.Section(
        [html.H4(t(title_key, lang)), *children], className=f"gp-section {class_name}"
    )


def _empty(message: str) -> html.Div:
    return html.Div(message, className="gp-empty")


# ---------- grid panel ----------


def header_view(profile: dict[str, Any], lang: str = "zh") -> html.Div:
    """Path (district › township › community › grid) and the grid workers."""
    crumbs: list[Any] = []
    for node in profile["path"]:
        crumbs += [
            html.Span(node["name"], className="gp-crumb"),
            html.Span(" › ", className="gp-sep"),
        ]
    crumbs.append(html.Span(profile["name"], className="gp-crumb current"))
    if profile["workers"]:
        workers = [
            html.Div(
                [
                    html.Span(w["name"], className="gp-worker-name"),
                    html.Span(f"（{w['code']}）" if lang == "zh" else f" ({w['code']})"),
                    html.Span(w["phone"] or t("gd.none", lang), className="gp-phone"),
                ],
                className="gp-worker",
            )
            for w in profile["workers"]
        ]
    else:
        workers = [html.Div(t("gd.no_worker", lang), className="gp-worker")]
    return html.Div(
        [
            html.Div(t("gd.title", lang), className="gp-kicker"),
            html.H3(crumbs, className="gp-path"),
            html.Div(profile["code"], className="gp-code"),
            html.Div([html.Span(t("gd.worker", lang), className="gp-label"), *workers]),
        ],
        className="gp-header",
    )


def figures_view(profile: dict[str, Any], disputes: dict[str, Any], lang: str = "zh") -> html.Div:
    """Key figure cards: people, buildings, units, area, disputes, open, high risk."""
    area = profile["area_km2"]
    figures = [
        ("residents", f"{profile['residents']:,}"),
        ("households", f"{profile['households']:,}"),
        ("buildings", f"{profile['buildings']:,}"),
        ("housing_units", f"{profile['housing_units']:,}"),
        ("area_km2", f"{area:.2f}" if area is not None else t("gd.none", lang)),
        ("disputes", f"{disputes['total']:,}"),
        ("open", f"{disputes['open']:,}"),
        ("high_risk", f"{disputes['by_risk'].get('high', 0):,}"),
    ]
    return html.Div(
        [
            html.Div(
                [html.Div(value, className="figure"), html.Div(t(f"gd.fig.{key}", lang))],
                className="gp-card",
                id=f"gp-fig-{key}",
            )
            for key, value in figures
        ],
        className="gp-figures",
    )


def _bar_rows(rows: list[tuple[str, int]], total: int, class_name: str) -> html.Div:
    """Label, a proportional bar and the count (with share) per row."""
    out = []
    for label, n in rows:
        share = n / total if total else 0.0
        out.append(
            html.Div(
                [
                    html.Span(label, className="gp-bar-label"),
                    html.Span(
                        html.Span(className="gp-bar-fill", style={"width": f"{share * 100:.1f}%"}),
                        className="gp-bar",
                    ),
                    html.Span(f"{n:,}（{share:.0%}）" if total else "0", className="gp-bar-value"),
                ],
                className="gp-bar-row",
            )
        )
    return html.Div(out, className=f"gp-bars {class_name}")


def occupancy_view(profile: dict[str, Any], lang: str = "zh") -> html.Section:
    """Housing units by occupancy (自住/出租/空置/其他)."""
    occupancy = profile["occupancy"]
    total = sum(occupancy.values())
    if total == 0:
        body = [_empty(t("gd.none", lang))]
    else:
        rows = [(code_label("occupancy", k, lang), n) for k, n in occupancy.items()]
        body = [_bar_rows(rows, total, "occupancy")]
    return _section("gd.occupancy", body, lang, "gp-occupancy")


def disputes_view(disputes: dict[str, Any], lang: str = "zh") -> list[html.Section]:
    """Counts by type (bars) and by status (chips); one empty message when there are none."""
    if disputes["total"] == 0:
        return [_section("gd.by_type", [_empty(t("gd.no_disputes", lang))], lang, "gp-by-type")]
    rows = [(named("type", e["code"], e["name"], lang), e["count"]) for e in disputes["by_type"]]
    chips = [
        html.Span(
            [html.Span(code_label("status", status, lang)), html.B(f"{n:,}")],
            className=f"gp-chip status-{status}",
        )
        for status, n in disputes["by_status"].items()
        if n
    ]
    return [
        _section("gd.by_type", [_bar_rows(rows, disputes["total"], "types")], lang, "gp-by-type"),
        _section("gd.by_status", [html.Div(chips, className="gp-chips")], lang, "gp-by-status"),
    ]


def trend_figure(trend: list[dict[str, Any]], lang: str = "zh") -> dict[str, Any]:
    """A plotly bar chart (as a dict) of disputes per month, labelled in ``lang``."""
    labels = [month_label(m["month"], lang) for m in trend]
    counts = [m["count"] for m in trend]
    yaxis: dict[str, Any] = {
        "title": {"text": t("gd.trend.count", lang)},
        "rangemode": "tozero",
        "tickformat": "d",
        "gridcolor": "#e3e8ef",
        "fixedrange": True,
        "automargin": True,
    }
    if not any(counts):
        yaxis["range"] = [0, 1]
    if max(counts, default=0) <= 5:
        yaxis["dtick"] = 1  # whole cases only: no repeated "1" ticks on a short axis
    return {
        "data": [
            {
                "type": "bar",
                "x": labels,
                "y": counts,
                "marker": {"color": BAR_COLOR},
                "hovertemplate": t("gd.trend.hover", lang) + "<extra></extra>",
            }
        ],
        "layout": {
            "height": 210,
            "margin": {"l": 40, "r": 8, "t": 8, "b": 40},
            "font": {"family": FONT_FAMILY, "size": 11, "color": "#1d2733"},
            "xaxis": {
                "title": {"text": t("gd.trend.month", lang)},
                "type": "category",
                "tickangle": -45,
                "fixedrange": True,
                "automargin": True,
            },
            "yaxis": yaxis,
            "bargap": 0.25,
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "showlegend": False,
        },
    }


def trend_view(trend: list[dict[str, Any]], lang: str = "zh") -> html.Section:
    graph = dcc.Graph(
        id=TREND_GRAPH,
        figure=trend_figure(trend, lang),
        config={"displayModeBar": False},
        className="gp-trend-graph",
    )
    return _section("gd.trend", [graph], lang, "gp-trend")


def case_item(case: dict[str, Any], lang: str = "zh") -> html.Li:
    """One clickable recent case (pattern-matching id ``case-link``)."""
    badges = [
        _badge(code_label("status", case["status"], lang), f"status-{case['status']}"),
        _badge(code_label("risk", case["risk_level"], lang), f"risk-{case['risk_level']}"),
    ]
    if case["overdue"]:
        badges.append(_badge(t("gd.overdue", lang), "overdue"))
    return html.Li(
        [
            html.Div(case["title"], className="gp-case-title"),
            html.Div(
                [
                    html.Span(named("type", case["type_code"], case["type_name"], lang)),
                    html.Span(fmt_time(case["reported_at"], lang), className="gp-case-time"),
                    *badges,
                ],
                className="gp-case-meta",
            ),
        ],
        id=case_link_id(case["id"]),
        n_clicks=0,
        role="button",
        tabIndex="0",
        title=case["source_ref"],
        className="gp-case" + (" overdue" if case["overdue"] else ""),
    )


def cases_view(cases: list[dict[str, Any]], lang: str = "zh") -> html.Section:
    body = (
        [html.Ul([case_item(c, lang) for c in cases], className="gp-cases")]
        if cases
        else [_empty(t("gd.no_disputes", lang))]
    )
    return _section("gd.recent", body, lang, "gp-recent")


def patrol_view(patrols: dict[str, Any], lang: str = "zh") -> list[html.Section]:
    """Visits and building coverage over the window, last visit, and recent anomalies."""
    days = patrols["days"]
    lookback = max(days, patrols["anomaly_days"])
    total, visited = patrols["buildings_total"], patrols["buildings_visited"]
    share = patrols["coverage"] or 0.0
    last = patrols["last_visit"]
    if last:
        last_text = f"{fmt_time(last['visited_at'], lang)}  {last['worker_name'] or ''}".strip()
    else:
        last_text = t("gd.patrol.no_visit", lang).format(days=lookback)
    coverage = html.Div(
        [
            html.Div(
                [
                    html.Span(t("gd.patrol.visits", lang).format(days=days), className="gp-label"),
                    html.B(f"{patrols['visits']:,}", id="gp-patrol-visits"),
                ]
            ),
            html.Div(
                [
                    html.Span(t("gd.patrol.coverage", lang), className="gp-label"),
                    html.B(
                        f"{visited:,} / {total:,}" + (f"（{share:.0%}）" if total else ""),
                        id="gp-patrol-coverage",
                    ),
                ]
            ),
            html.Span(
                html.Span(className="gp-bar-fill", style={"width": f"{share * 100:.1f}%"}),
                className="gp-bar gp-coverage-bar",
            ),
            html.Div(
                [html.Span(t("gd.patrol.last", lang), className="gp-label"), html.Span(last_text)]
            ),
        ],
        className="gp-patrol-figures",
    )
    in_period = t("gd.anomalies.in_period", lang).format(
        days=days, n=patrols["anomalies_in_period"]
    )
    if patrols["anomalies"]:
        items = html.Ul(
            [
                html.Li(
                    [
                        html.Span(fmt_time(a["at"], lang), className="gp-case-time"),
                        _badge(anomaly_label(a["type"], lang), "anomaly"),
                        html.Span(a["finding"] or ""),
                        html.Span(a["address"] or "", className="gp-muted"),
                    ],
                    className="gp-anomaly",
                )
                for a in patrols["anomalies"]
            ],
            className="gp-anomalies",
        )
    else:
        items = _empty(t("gd.anomalies.none", lang).format(days=patrols["anomaly_days"]))
    return [
        _section("gd.patrol", [coverage], lang, "gp-patrol"),
        _section(
            "gd.anomalies", [html.Div(in_period, className="gp-muted"), items], lang, "gp-anom"
        ),
    ]


def grid_panel_view(data: dict[str, Any] | None, lang: str = "zh") -> html.Div:
    """The whole grid panel from ``panel_data``'s plain data (an empty state when None)."""
    if data is None:
        return html.Div(_empty(t("gd.unknown_grid", lang)), className="grid-panel")
    profile, disputes = data["profile"], data["disputes"]
    return html.Div(
        [
            header_view(profile, lang),
            figures_view(profile, disputes, lang),
            occupancy_view(profile, lang),
            *disputes_view(disputes, lang),
            trend_view(data["trend"], lang),
            cases_view(data["cases"], lang),
            *patrol_view(data["patrols"], lang),
        ],
        className="grid-panel",
        **{"data-grid": profile["code"]},
    )


def panel_data(
    conn: Connection,
    grid_code: str,
    filters: MapFilters | None = None,
    cleared: bool = False,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """Everything the grid panel shows, as plain data; None for an unknown grid."""
    profile = grid_detail.grid_profile(conn, grid_code, cleared=cleared)
    if profile is None:
        return None
    now = now or datetime.now(LOCAL_TZ)
    flt = (filters or MapFilters()).dispute_filter(now)
    return {
        "profile": profile,
        "disputes": grid_detail.grid_disputes(conn, grid_code, flt),
        "trend": grid_detail.grid_monthly_trend(conn, grid_code, flt, now=now),
        "cases": grid_detail.grid_recent_cases(
            conn, grid_code, flt, RECENT_CASES, now=now, cleared=cleared
        ),
        "patrols": grid_detail.grid_patrols(conn, grid_code, PATROL_DAYS, now=now, cleared=cleared),
    }


def panel(
    conn: Connection,
    grid_code: str,
    filters: MapFilters | None = None,
    lang: str = "zh",
    cleared: bool = False,
    now: datetime | None = None,
) -> html.Div:
    """Fetch and render the grid panel (the one call a callback needs)."""
    return grid_panel_view(panel_data(conn, grid_code, filters, cleared, now), lang)


# ---------- case detail ----------


def _facts(detail: dict[str, Any], lang: str) -> html.Dl:
    none = t("gd.none", lang)
    place = " · ".join(x for x in (detail["district_name"], detail["grid_name"]) if x) or none
    satisfaction = detail["satisfaction"]
    rows = [
        ("source_ref", detail["source_ref"]),
        ("type", named("type", detail["type_code"], detail["type_name"], lang)),
        ("source", code_label("source", detail["source"], lang)),
        ("status", code_label("status", detail["status"], lang)),
        ("risk", code_label("risk", detail["risk_level"], lang)),
        (
            "lead_department",
            named("dept", detail["lead_department"], detail["lead_department_name"], lang),
        ),
        ("location", place),
        ("address", detail["address"] or none),
        ("parties", str(detail["parties"])),
        ("key_person", t("gd.case.yes" if detail["involves_key_person"] else "gd.case.no", lang)),
        ("reported_at", fmt_time(detail["reported_at"], lang)),
        ("due_at", fmt_time(detail["due_at"], lang)),
        ("resolved_at", fmt_time(detail["resolved_at"], lang)),
        ("outcome", detail["outcome"] or none),
        (
            "satisfaction",
            f"{'★' * satisfaction}{'☆' * (5 - satisfaction)}（{satisfaction}/5）"
            if satisfaction
            else none,
        ),
    ]
    children: list[Any] = []
    for key, value in rows:
        children += [html.Dt(t(f"gd.case.{key}", lang)), html.Dd(value, id=f"case-fact-{key}")]
    return html.Dl(children, className="case-facts")


def timeline_view(events: list[dict[str, Any]], lang: str = "zh") -> html.Section:
    """The event history, oldest first: time, action, actor, department, note."""
    if not events:
        body: list[Any] = [_empty(t("gd.case.no_events", lang))]
    else:
        body = [
            html.Ol(
                [
                    html.Li(
                        [
                            html.Span(fmt_time(e["at"], lang), className="tl-time"),
                            html.Span(
                                code_label("action", e["action"], lang),
                                className=f"tl-action action-{e['action']}",
                            ),
                            html.Span(e["actor"] or "", className="tl-actor"),
                            html.Span(
                                named("dept", e["department_code"], e["department_name"], lang)
                                if e["department_code"]
                                else "",
                                className="tl-dept",
                            ),
                            html.Div(e["note"] or "", className="tl-note"),
                        ],
                        className="tl-event",
                    )
                    for e in events
                ],
                className="case-tl",
            )
        ]
    return _section("gd.case.timeline", body, lang, "case-timeline")


def sub_cases_view(sub_cases: list[dict[str, Any]], lang: str = "zh") -> html.Section | None:
    """Parallel sub-cases (department, task, status, due); None when the case has none."""
    if not sub_cases:
        return None
    head = html.Tr(
        [html.Th(t(f"gd.case.{k}", lang)) for k in ("department", "task", "status", "due_at")]
    )
    rows = [
        html.Tr(
            [
                html.Td(named("dept", s["department_code"], s["department_name"], lang)),
                html.Td(s["task"]),
                html.Td(_badge(code_label("sub_status", s["status"], lang), f"sub-{s['status']}")),
                html.Td(fmt_time(s["due_at"], lang)),
            ]
        )
        for s in sub_cases
    ]
    table = html.Table([html.Thead(head), html.Tbody(rows)], className="case-subs")
    return _section("gd.case.sub_cases", [table], lang, "case-sub-cases")


def case_detail_view(detail: dict[str, Any] | None, lang: str = "zh") -> html.Div:
    """The body of the case modal/side panel: facts, description, timeline, sub-cases."""
    if detail is None:
        return html.Div(_empty(t("gd.case.unknown", lang)), className="case-detail")
    badges = [
        _badge(code_label("status", detail["status"], lang), f"status-{detail['status']}"),
        _badge(code_label("risk", detail["risk_level"], lang), f"risk-{detail['risk_level']}"),
    ]
    if detail.get("overdue"):
        badges.append(_badge(t("gd.overdue", lang), "overdue"))
    if detail["involves_key_person"]:
        badges.append(_badge(t("gd.case.key_person", lang), "key-person"))
    sections: list[Any] = [
        html.Div(
            [
                html.H3(detail["title"], className="case-title"),
                html.Div(badges, className="case-badges"),
            ],
            className="case-head",
        ),
        _facts(detail, lang),
    ]
    if detail["description"]:
        sections.append(
            _section(
                "gd.case.description",
                [html.P(detail["description"], className="case-description")],
                lang,
                "case-desc",
            )
        )
    sections.append(timeline_view(detail["events"], lang))
    subs = sub_cases_view(detail["sub_cases"], lang)
    if subs is not None:
        sections.append(subs)
    return html.Div(sections, className="case-detail", **{"data-case": str(detail["id"])})


def case_panel(
    conn: Connection,
    dispute_id: int,
    lang: str = "zh",
    cleared: bool = False,
    now: datetime | None = None,
) -> html.Div:
    """Fetch and render one case (the one call a case-link callback needs)."""
    return case_detail_view(grid_detail.case_detail(conn, dispute_id, cleared, now), lang)

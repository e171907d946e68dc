"""The wall's layout: a fixed grid in viewport units (1920×1080 and 3840×2160 alike, no
scrollbars), every panel empty until the first refresh fills it in place."""

from __future__ import annotations

import dash_leaflet as dl
from dash import dcc, html
from dash_extensions.javascript import Namespace

from app import ids
from app.context import settings
from app.web import auth
from domain.i18n import t

NS = Namespace("zongzhi", "map")
FIGURES = (
    "new_today", "open", "overdue", "supervised", "resolution_rate_30d", "satisfaction_30d",
    "visits_today", "anomalies_today", "open_whistles", "tasks_done_today",
)  # fmt: skip
HOHHOT = (40.75, 111.6)


def panel(title_key: str, body_id: str, lang: str, extra: str = "") -> html.Section:
    return html.Section([html.H3(t(title_key, lang)), html.Div(id=body_id, className="wall-body")],
                        className=f"wall-panel {extra}")  # fmt: skip


def layout(**_query: str) -> html.Div:
    s = settings()
    lang = s.language
    if not auth.may("wall.view"):
        return html.Div(t("auth.no_permission", lang), className="wall-denied")
    refresh_ms = max(s.wall_refresh_s, 1) * 1000
    return html.Div(
        [
            html.Header(
                [
                    html.H1(t("wall.title", lang), id=ids.WALL_TITLE),
                    html.Div(id=ids.WALL_STAMP, className="wall-stamp"),
                    html.Div(
                        t("wall.stale", lang),
                        id=ids.WALL_STALE,
                        className="wall-stale",
                        hidden=True,
                    ),
                ],
                className="wall-header",
            ),  # fmt: skip
            html.Div(id=ids.WALL_FIGURES, className="wall-figures"),
            html.Div(
                [
                    html.Div(
                        [
                            panel("wall.ticker", ids.WALL_TICKER, lang),
                            panel("wall.alerts", ids.WALL_ALERTS, lang),
                        ],
                        className="wall-col",
                    ),
                    html.Div(
                        dl.Map(
                            [
                                dl.TileLayer(
                                    url="/tiles/heat/disputes/{z}/{x}/{y}.png?period=30d",
                                    opacity=0.8,
                                    maxZoom=14,
                                ),
                                dl.GeoJSON(
                                    id=ids.WALL_AREAS,
                                    url="/api/geo/children/150100.pbf",
                                    format="geobuf",
                                    style=NS("areaStyle"),
                                    hideout={
                                        "values": {},
                                        "breaks": [],
                                        "colors": [],
                                        "empty": "#2b3245",
                                        "opacity": 0.35,
                                    },
                                ),
                            ],
                            id=ids.WALL_MAP,
                            center=HOHHOT,
                            zoom=8,
                            zoomControl=False,
                            dragging=False,
                            scrollWheelZoom=False,
                            doubleClickZoom=False,
                            attributionControl=False,
                            className="wall-map",
                        ),
                        className="wall-col wall-centre",
                    ),
                    html.Div(
                        [
                            panel("wall.trend", ids.WALL_TREND, lang),
                            panel("wall.top_grids", ids.WALL_TOP, lang),
                            panel("wall.leaderboard", ids.WALL_BOARD, lang),
                        ],
                        className="wall-col",
                    ),
                ],
                className="wall-main",
            ),  # fmt: skip
            dcc.Store(id=ids.WALL_ASOF),
            dcc.Interval(id=ids.WALL_TICK, interval=refresh_ms, n_intervals=0),
            dcc.Interval(id=ids.WALL_CLOCK, interval=5000),
            dcc.Interval(id=ids.WALL_RELOAD, interval=int(s.wall_reload_hours * 3600 * 1000)),
        ],
        className="wall",
        lang="zh-CN" if lang == "zh" else "en",
    )

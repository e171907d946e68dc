"""The /demands page: an area and a period, the concentrated demands found there (label terms,
count, trend, main type), and one demand's cases on a map and in a list."""

from __future__ import annotations

import dash_leaflet as dl
from dash import dcc, html
from sqlalchemy import text

from app import ids
from app.components.account import account_box
from app.components.map_layers import NS
from app.context import connection, scope, settings
from app.web import auth
from app.web.basemap import basemap_spec
from domain.i18n import t

PERIODS = (30, 90, 180, 365)
HOHHOT_CENTER = (40.82, 111.75)


def area_options() -> list[dict[str, str]]:
    """The caller's own area and the areas one level below it."""
    who = scope()
    area = who.areas[0] if who.areas else ""
    with connection() as conn:
        rows = conn.execute(
            text(
                "SELECT code, name FROM admin_area WHERE code = :a OR parent_code = :a"
                " ORDER BY (code = :a) DESC, code"
            ),
            {"a": area},
        ).all()
    return [{"label": name, "value": code} for code, name in rows]


def layout(**_query: str) -> html.Div:
    lang = settings().language
    if not auth.may("demands.view"):
        return html.Div([html.H2(t("demands.title", lang)), html.P(t("auth.no_permission", lang))],
                        className="demands-page")  # fmt: skip
    options = area_options()
    base = basemap_spec(settings())
    return html.Div(
        [
            html.Div(
                [
                    html.H2(t("demands.title", lang)),
                    account_box(auth.current_user(), lang, "/demands"),
                ],
                className="dispatch-header",
            ),  # fmt: skip
            html.P(t("demands.explain", lang), className="muted"),
            html.Div(
                [
                    dcc.Dropdown(
                        id=ids.DEMANDS_AREA,
                        options=options,
                        clearable=False,
                        value=options[0]["value"] if options else None,
                        className="dispatch-filter",
                    ),
                    dcc.RadioItems(
                        id=ids.DEMANDS_PERIOD,
                        value=90,
                        inline=True,
                        options=[
                            {"label": t("demands.days", lang).format(n=n), "value": n}
                            for n in PERIODS
                        ],
                    ),
                ],
                className="dispatch-filters",
            ),  # fmt: skip
            dcc.Store(id=ids.DEMANDS_STORE),
            html.Div(id=ids.DEMANDS_MESSAGE, className="dispatch-message", role="status"),
            html.Div(
                [
                    html.Div(id=ids.DEMANDS_LIST, className="demands-list"),
                    html.Div(
                        [
                            dl.Map(
                                [
                                    *[
                                        dl.TileLayer(
                                            url=b["url"],
                                            subdomains=b["subdomains"],
                                            attribution=b["attribution"],
                                            maxZoom=18,
                                        )
                                        for b in base["layers"]
                                    ],
                                    dl.GeoJSON(
                                        id=ids.DEMANDS_POINTS,
                                        pointToLayer=NS("pointToLayer"),
                                        onEachFeature=NS("popup"),
                                    ),
                                ],
                                center=HOHHOT_CENTER,
                                zoom=10,
                                className="dispatch-map",
                            ),
                            html.Div(id=ids.DEMANDS_DETAIL),
                        ],
                        className="demands-right",
                    ),  # fmt: skip
                ],
                className="dispatch-body",
            ),
        ],
        className="dispatch-page demands-page",
    )

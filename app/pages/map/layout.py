"""The map page's layout: header, filter panel and legends, the map with its layer control.

Everything shown comes from the URL query, so ``layout`` draws the same picture for a copied
link; the callbacks (``callbacks.py``) keep it up to date as the URL changes.
"""

from __future__ import annotations

from datetime import datetime

import dash_leaflet as dl
from dash import dcc, html

from app import ids
from app.components import map_layers
from app.components.account import account_box
from app.components.export import export_panel
from app.components.filters import filter_panel
from app.context import connection, settings
from app.pages.map.state import lang_href, state_of
from app.pages.map.timeline import timeline_weeks, week_index
from app.web import auth
from app.web.basemap import basemap_spec
from domain.i18n import t
from geodata.read import areas as queries
from layers import registry
from layers.filters import LOCAL_TZ
from layers.registry import MAP_LAYERS

HOHHOT_CENTER = (40.82, 111.75)


def visible_overlays() -> tuple[str, ...]:
    """The overlays the layer control offers to whoever is asking (registry permissions)."""
    return registry.offered(auth.may)


def layout(**query: str) -> html.Div:
    """The page for the view in ``query`` (the URL's query keys, as Dash passes them)."""
    search = "?" + "&".join(f"{k}={v}" for k, v in query.items())
    state = state_of(search)
    lang = state.lang
    base = basemap_spec(settings())
    with connection() as conn:
        types = queries.dispute_types(conn)
    weeks = timeline_weeks(datetime.now(LOCAL_TZ).date())
    base_layers = [
        dl.TileLayer(
            url=b["url"], subdomains=b["subdomains"], attribution=b["attribution"], maxZoom=18
        )
        for b in base["layers"]
    ]
    overlays = {m.id: map_layers.component(m, state.filters, base["frame"]) for m in MAP_LAYERS}
    offered = visible_overlays()
    # Always drawn: the drawn area's children outlined and named, whatever layers are on.
    # In a pane of their own that takes no pointer events: clicks reach the layers below.
    outlines = dl.Pane(
        dl.GeoJSON(
            id=ids.OUTLINES,
            format="geobuf",
            style=map_layers.NS("outlineStyle"),
            onEachFeature=map_layers.NS("areaLabel"),
        ),
        name="outlines",
        style={"zIndex": 450, "pointerEvents": "none"},
    )
    # A layer the role may not see stays out of the control (its callback returns nothing
    # for that role anyway); it is still on the map so its callback has a target.
    hidden = [layer for key, layer in overlays.items() if key not in offered]
    control = dl.LayersControl(
        [
            dl.Overlay(overlays[m.id], name=t(m.label_key, lang), checked=m.id in state.overlays)
            for m in MAP_LAYERS
            if m.id in offered
        ],
        id=ids.LAYERS_CONTROL,
        collapsed=False,
        position="topright",
    )
    other = "en" if lang == "zh" else "zh"
    return html.Div(
        [
            dcc.Location(id=ids.LOCATION, refresh=False),
            dcc.Store(id=ids.GEOMETRY_URL),
            dcc.Store(id=ids.AREA_STORE),
            html.Header(
                [
                    html.H1(t("title", lang)),
                    html.Nav(id=ids.BREADCRUMB, className="breadcrumb"),
                    html.A(
                        t("lang.switch", lang),
                        id=ids.LANG_LINK,
                        href=lang_href(search, other),
                        className="lang-switch",
                    ),
                    account_box(auth.current_user(), lang),
                ],
                lang="zh-CN" if lang == "zh" else "en",
            ),
            html.Main(
                [
                    html.Aside(
                        [
                            html.Div(id=ids.SUMMARY, className="summary"),
                            *export_panel(lang, auth.may("reports.export")),
                            *filter_panel(
                                state.filters,
                                state.metric,
                                state.scheme,
                                types,
                                weeks,
                                week_index(state.filters, weeks),
                                lang,
                            ),
                            html.Div(id=ids.STATUS_LINE, className="status-line"),
                        ],
                        className="sidebar",
                    ),
                    dcc.Loading(
                        [
                            dl.Map(
                                [*base_layers, control, *hidden, outlines],
                                id=ids.MAP,
                                center=HOHHOT_CENTER,
                                zoom=8,
                                zoomSnap=0.25,
                                crs=base["crs"],
                                className="map",
                                attributionControl=bool(base["layers"]),
                            ),
                            # Legends on the map, one per layer that is on (an off layer's is empty).
                            html.Div(
                                [
                                    html.Div(id=ids.legend(m.id), className="legend")
                                    for m in MAP_LAYERS
                                ],
                                id=ids.LEGENDS,
                                className="map-legends",
                            ),
                        ],
                        parent_className="map-wrap",
                        delay_show=300,
                        overlay_style={"visibility": "visible", "opacity": 0.6},
                    ),
                    html.Div(id=ids.DETAIL, className="detail-panel", hidden=True),
                ],
            ),
            html.Div(
                html.Div(
                    [
                        html.Button(
                            "×",
                            id=ids.CASE_CLOSE,
                            n_clicks=0,
                            className="modal-close",
                            title=t("close", lang),
                        ),
                        html.Div(id=ids.CASE_BODY),
                    ],
                    className="modal-card",
                ),
                id=ids.CASE_MODAL,
                className="modal",
                hidden=True,
            ),
        ],
        className="page-map",
        **{"data-lang": lang},
    )

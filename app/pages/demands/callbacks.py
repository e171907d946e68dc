"""The /demands page's callbacks: find the concentrated demands of the chosen area and period;
open one (its cases on the map and in a list); promote one to a coordinated action.

The area must be one the page offered the caller; the cases come through the scoped connection,
so a forged store of another jurisdiction's ids shows and groups nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
from dash import ALL, Input, Output, State, dcc, html

from app import ids
from app.context import connection, scope, settings
from app.pages.demands.layout import PERIODS, area_options
from app.recorder import Recorder
from app.web import auth
from classify import demands as clustering
from domain.clock import local, now
from domain.i18n import t
from domain.workflow import WorkflowError
from geodata.read import demands as reading
from geodata.read.areas import dispute_types
from geodata.write import demands as writing

_calls = Recorder()
callback = _calls.callback
register = _calls.register

EMPTY = {"type": "FeatureCollection", "features": []}


def _index(trigger: Any, kind: str, store: Any) -> dict[str, Any] | None:
    """The stored demand a pattern-matching button names (None for anything else)."""
    if not isinstance(trigger, dict) or trigger.get("type") != kind:
        return None
    k = trigger.get("index")
    if isinstance(k, bool) or not isinstance(k, int) or not isinstance(store, list):
        return None
    item = store[k] if 0 <= k < len(store) else None
    return item if isinstance(item, dict) else None


def _ids(item: dict[str, Any]) -> list[int]:
    raw = item.get("ids")
    if not isinstance(raw, list):
        return []
    return [i for i in raw if isinstance(i, int) and not isinstance(i, bool)][: reading.MAX_MEMBERS]


def _card(
    k: int, d: clustering.Demand, type_names: dict[str, str], lang: str, may_promote: bool
) -> html.Div:
    arrow = "↑" if d.recent > d.earlier else ("↓" if d.recent < d.earlier else "→")
    buttons = [html.Button(t("demands.open", lang), id={"type": ids.DEMANDS_OPEN, "index": k},
                           n_clicks=0, className="dispatch-button")]  # fmt: skip
    if may_promote:
        buttons.append(html.Button(t("demands.promote", lang), n_clicks=0,
                                   id={"type": ids.DEMANDS_PROMOTE, "index": k},
                                   className="dispatch-button primary"))  # fmt: skip
    return html.Div(
        [
            html.H4(d.label or t("demands.unlabelled", lang), className="demand-label"),
            html.Div(t("demands.figures", lang).format(
                n=d.size, recent=d.recent, earlier=d.earlier, arrow=arrow,
                type=type_names.get(d.main_type, d.main_type)), className="demand-figures"),
            html.Div(buttons, className="demand-buttons"),
        ],
        className="demand-card", id=f"demand-{k}",
    )  # fmt: skip


@callback(
    Output(ids.DEMANDS_LIST, "children"),
    Output(ids.DEMANDS_STORE, "data"),
    Output(ids.DEMANDS_POINTS, "data"),
    Output(ids.DEMANDS_DETAIL, "children"),
    Input(ids.DEMANDS_AREA, "value"),
    Input(ids.DEMANDS_PERIOD, "value"),
)
def find_demands(area, days):  # noqa: ANN001, ANN201
    """The concentrated demands of ``area`` over the last ``days`` days."""
    lang = settings().language
    if not auth.may("demands.view"):
        return html.P(t("auth.no_permission", lang)), [], EMPTY, None
    offered = [o["value"] for o in area_options()]
    if area not in offered or days not in PERIODS:
        return html.P(t("demands.pick", lang)), [], EMPTY, None
    end = now()
    start = end - timedelta(days=days)
    with connection() as conn:
        rows = reading.cases(conn, reading.area_prefix(conn, area), start, end)
        type_names = {t["code"]: t["name"] for t in dispute_types(conn)}
    found = clustering.find(
        [clustering.Case(r["id"], r["title"], r["reported_at"], r["type_code"]) for r in rows],
        split_at=start + (end - start) / 2,
    )
    if not found:
        return html.P(t("demands.none", lang).format(n=len(rows))), [], EMPTY, None
    may_promote = auth.may("cases.dispatch")
    cards = [_card(k, d, type_names, lang, may_promote) for k, d in enumerate(found)]
    store = [{"terms": list(d.terms), "ids": list(d.case_ids), "recent": d.recent,
              "earlier": d.earlier, "type": d.main_type} for d in found]  # fmt: skip
    head = html.P(t("demands.found", lang).format(groups=len(found), n=len(rows)))
    return [head, *cards], store, EMPTY, None


def _when(moment: Any) -> str:
    return f"{local(moment):%Y-%m-%d}"


@callback(
    Output(ids.DEMANDS_DETAIL, "children", allow_duplicate=True),
    Output(ids.DEMANDS_POINTS, "data", allow_duplicate=True),
    Input({"type": ids.DEMANDS_OPEN, "index": ALL}, "n_clicks"),
    State(ids.DEMANDS_STORE, "data"),
    prevent_initial_call=True,
)
def open_demand(clicks, store):  # noqa: ANN001, ANN201
    """One demand's cases: a list (titles redacted) and points on the map."""
    lang = settings().language
    item = _index(dash.ctx.triggered_id, ids.DEMANDS_OPEN, store)
    clicked = dash.ctx.triggered and dash.ctx.triggered[0].get("value")
    if item is None or not clicked or not auth.may("demands.view"):
        return dash.no_update, dash.no_update
    with connection() as conn:
        rows = reading.members(conn, _ids(item), auth.may("personal.unmask"))
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
         "properties": {"tooltip": f"{r['source_ref']} {_when(r['reported_at'])}",
                        "color": "#8e44ad", "radius": 6}}
        for r in rows if r["lon"] is not None
    ]  # fmt: skip
    table = html.Table(
        html.Tbody([html.Tr([html.Td(r["source_ref"]), html.Td(_when(r["reported_at"])),
                             html.Td(r["title"]), html.Td(t(f"status.{r['status']}", lang))])
                    for r in rows]),
        className="demand-members",
    )  # fmt: skip
    head = html.H4(t("demands.cases", lang).format(n=len(rows)))
    return [head, table], {"type": "FeatureCollection", "features": features}


@callback(
    Output(ids.DEMANDS_MESSAGE, "children"),
    Input({"type": ids.DEMANDS_PROMOTE, "index": ALL}, "n_clicks"),
    State(ids.DEMANDS_STORE, "data"),
    prevent_initial_call=True,
)
def promote(clicks, store):  # noqa: ANN001, ANN201
    """Promote the demand to a coordinated action: a parent case linked to its cases."""
    lang = settings().language
    item = _index(dash.ctx.triggered_id, ids.DEMANDS_PROMOTE, store)
    clicked = dash.ctx.triggered and dash.ctx.triggered[0].get("value")
    if item is None or not clicked:
        return dash.no_update
    if not auth.may("cases.dispatch"):
        return html.Div(t("dispatch.refused", lang), className="dispatch-note error")
    terms = item.get("terms")
    label = (
        "、".join(x for x in terms if isinstance(x, str))[:60] if isinstance(terms, list) else ""
    )
    try:
        with connection() as conn:
            case_id, made, n = writing.promote(conn, scope().actor(), _ids(item), label)
    except WorkflowError:
        return html.Div(t("demands.too_few", lang), className="dispatch-note error")
    key = "demands.promoted" if made else "demands.already"
    return html.Div([t(key, lang).format(n=n) + " ",
                     dcc.Link(t("demands.to_desk", lang), href=f"/dispatch?case={case_id}")],
                    className="dispatch-note ok")  # fmt: skip

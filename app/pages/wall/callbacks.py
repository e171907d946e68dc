"""The wall's refresh: one callback fills every panel in place from one snapshot, served from the
shared cache by settled data version (ten walls cost one query), never two at once (the interval
is off while a refresh runs). When the version or the minute moves, a refresh shows the area's
previous snapshot (its own "as of") while one thread per worker builds the next, so no wall waits
for a build except the first. The browser itself marks the data stale (数据延迟) when no refresh has
landed for a while — a database outage included — and reloads the page every few hours."""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime
from typing import Any

import dash
from dash import ClientsideFunction, Input, Output, State, html
from sqlalchemy.exc import OperationalError

from app import ids
from app.context import (
    connection,
    read_cache_scope,
    read_connection,
    read_engine,
    scope,
    scoped_transaction,
    settings,
)
from app.pages.wall.layout import FIGURES
from app.recorder import Recorder
from app.web import auth
from domain.clock import LOCAL_TZ
from domain.i18n import t
from geodata import cache
from geodata.read import wall as reading

_calls = Recorder()
register = _calls.register
DISTRICT_COLOURS = ("#1d3b6e", "#245a9c", "#2f7dc4", "#f39c12", "#e74c3c")


def rotation_area(districts: list[str], every_s: int, now: float) -> str | None:
    """The district on show in a tour (None: the whole city, or no tour)."""
    if every_s <= 0 or not districts:
        return None
    step = int(now // every_s) % (len(districts) + 1)
    return None if step == len(districts) else districts[step]


WALL_FAMILIES = ("disputes", "patrols", "people", "areas")
# A previous snapshot is shown while the next is built for at most this long past the settle
# window; older, the refresh builds it itself.
STALE_GRACE_S = 60.0
_log = logging.getLogger(__name__)
_wall_clock = time.time  # seconds; shared by every worker and machine (Redis)
_building: dict[str, threading.Thread] = {}
_building_lock = threading.Lock()


def snapshot(area: str | None) -> dict[str, Any]:
    """The wall's values, cached per scope, settled data versions, area and minute."""
    now = datetime.now(LOCAL_TZ).replace(second=0, microsecond=0)
    with read_connection() as conn:  # the replica when there is one; the stamp shows its lag
        key = cache.key(conn, "wall", WALL_FAMILIES, area, now, settle=True)
        hit = cache.peek(key)
        if hit is not None:
            return hit
        database, who = read_cache_scope()
        latest = cache.key_of(database, who, "wall_latest", 0, area)
        previous = cache.peek(latest) if cache.settle_s() > 0 else None
        if previous is not None:
            built_at, value = previous
            if _wall_clock() - built_at <= cache.settle_s() + STALE_GRACE_S:
                _build_in_background(key, latest, now, area)
                return value
        value = cache.build_and_store(key, lambda: reading.snapshot(conn, now, area))
        cache.put(latest, (_wall_clock(), value))
        return value


def _build_in_background(key: str, latest: str, now: datetime, area: str | None) -> None:
    """Build the snapshot under ``key`` in a thread of this worker (one per key), as the caller:
    the same engine and scope, so row-level security and the cache key are the request's."""
    eng, caller = read_engine(), scope()

    def build() -> None:
        try:
            with scoped_transaction(eng, caller) as conn:
                value = cache.build_and_store(key, lambda: reading.snapshot(conn, now, area))
            cache.put(latest, (_wall_clock(), value))
        except Exception:  # noqa: BLE001 — the next refresh tries again; the wall keeps its figures
            _log.warning("wall snapshot not rebuilt", exc_info=True)
        finally:
            with _building_lock:
                _building.pop(key, None)

    with _building_lock:
        if key in _building:
            return
        worker = threading.Thread(target=build, name="wall-snapshot", daemon=True)
        _building[key] = worker
    worker.start()


def wait_for_builds(timeout_s: float = 30.0) -> None:
    """Wait for this worker's background snapshot builds (tests, benches)."""
    with _building_lock:
        running = list(_building.values())
    for worker in running:
        worker.join(timeout_s)


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "resolution_rate_30d":
        return f"{100 * value:.1f}%"
    return f"{value:,}" if isinstance(value, int) else str(value)


def figures_view(f: dict[str, Any], lang: str) -> list:
    return [html.Div([html.Div(_fmt(k, f.get(k)), className="wall-number"),
                      html.Div(t(f"wall.fig.{k}", lang), className="wall-label")],
                     className=f"wall-figure wall-{k}") for k in FIGURES]  # fmt: skip


def ticker_view(rows: list[dict[str, Any]], lang: str) -> list:
    return [html.Div([html.Span(r["reported_at"][11:16], className="wall-time"),
                      html.Span(r["district"] or "", className="wall-where"),
                      html.Span(r["type"], className="wall-type"),
                      html.Span(r["title"], className="wall-text")],
                     className=f"wall-tick-row risk-{r.get('risk_colour') or 'none'}") for r in rows]  # fmt: skip


def list_view(rows: list[dict[str, Any]], fields: list[str]) -> html.Table:
    return html.Table(html.Tbody([html.Tr([html.Td("—" if r.get(f) is None else r[f]) for f in fields])
                                  for r in rows]), className="wall-table")  # fmt: skip


def trend_view(rows: list[dict[str, Any]]) -> html.Div:
    """A bar per day (CSS heights: no chart library to keep alive for days)."""
    top = max((r["cases"] for r in rows), default=0) or 1
    return html.Div([html.Div(html.Span(str(r["cases"])), className="wall-bar", title=r["day"],
                              style={"height": f"{100 * r['cases'] / top:.0f}%"}) for r in rows],
                    className="wall-bars")  # fmt: skip


def hideout(districts: dict[str, dict[str, int]]) -> dict[str, Any]:
    values = {c: v["cases_30d"] for c, v in districts.items()}
    ordered = sorted(values.values())
    breaks = (
        [
            ordered[min(len(ordered) - 1, round(len(ordered) * q) - 1)]
            for q in (0.2, 0.4, 0.6, 0.8, 1.0)
        ]
        if ordered
        else []
    )
    return {"values": values, "breaks": sorted(set(breaks)), "colors": list(DISTRICT_COLOURS[-len(set(breaks)):]) if breaks else [],
            "empty": "#2b3245", "opacity": 0.35, "unit": ""}  # fmt: skip


OUTPUTS = (ids.WALL_FIGURES, ids.WALL_TICKER, ids.WALL_ALERTS, ids.WALL_TOP, ids.WALL_BOARD,
           ids.WALL_TREND)  # fmt: skip


@_calls.callback(
    *[Output(i, "children") for i in OUTPUTS],
    Output(ids.WALL_AREAS, "hideout"),
    Output(ids.WALL_ASOF, "data"),
    Output(ids.WALL_STAMP, "children"),
    Input(ids.WALL_TICK, "n_intervals"),
    running=[(Output(ids.WALL_TICK, "disabled"), True, False)],
)
def refresh(_n):  # noqa: ANN001, ANN201
    """Every panel from one snapshot; when the database does not answer, nothing changes (the
    browser shows the data as stale until a refresh lands again)."""
    s = settings()
    lang = s.language
    if not auth.may("wall.view"):
        return (dash.no_update,) * (len(OUTPUTS) + 3)
    try:
        area = rotation_area(_districts(), s.wall_rotation_s, time.time())
        snap = snapshot(area)
    except OperationalError:
        return (dash.no_update,) * (len(OUTPUTS) + 3)
    stamp = t("wall.as_of", lang).format(at=snap["as_of"][:16].replace("T", " "))
    return (
        figures_view(snap["figures"], lang),
        ticker_view(snap["ticker"], lang),
        list_view(snap["alerts"], ["area", "type", "opened_on", "observed"]),
        list_view(snap["top_grids"], ["name", "score"]),
        list_view(snap["leaderboard"], ["department", "cases", "overdue_now", "rating"]),
        trend_view(snap["trend"]),
        hideout(snap["districts"]),
        {"as_of": snap["as_of"], "served": time.time()},
        stamp,
    )


def _districts() -> list[str]:
    from geodata.read.areas import district_codes

    with connection() as conn:
        return district_codes(conn)


_calls.clientside_callback(
    ClientsideFunction(namespace="zongzhi_wall", function_name="badgeHidden"),
    Output(ids.WALL_STALE, "hidden"),
    Input(ids.WALL_CLOCK, "n_intervals"),
    State(ids.WALL_ASOF, "data"),
    State(ids.WALL_TICK, "interval"),
)
_calls.clientside_callback(
    ClientsideFunction(namespace="zongzhi_wall", function_name="reload"),
    Output(ids.WALL_RELOAD, "disabled"),
    Input(ids.WALL_RELOAD, "n_intervals"),
    prevent_initial_call=True,
)

"""The attack suite's registry: every Dash callback, every Dash page and every Flask route, each
with the forged values that apply to it (tests/integration/test_attack.py).

A callback, page or route missing here fails ``test_atk001``; so does an entry for one that no
longer exists. Add the new endpoint with the kinds of foreign value it could be fooled with:

- ``area``: area codes of the foreign district B (district, township, community, grid);
- ``search``: URL query strings naming them (``?area=<B code>&period=all&layers=…``);
- ``case``, ``task``, ``whistle``, ``key_person``, ``alert``, ``export``: ids of B's rows (of
  another user's export job), as pattern-matching indexes and as plain values;
- ``case_ref``: references of B's cases (what the desk's search box and merge take);
- ``user``: the name of a user bound to B;
- ``store``: tampered store dicts naming B's rows (``{"code": B, "level": "district"}``,
  ``{"id": <foreign export>}`` …).

A callback is named ``<first output> <- <first input>``, a pattern-matching id as
``type{keys}`` (``case-link{index}.n_clicks``); a route as ``METHOD rule``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

# Map views that turn every overlay on (one choropleth at a time), over the whole period: the
# layers then have rows to leak. ``{v}`` is the forged area code.
MAP_LAYERS_ON = "dispute_points,hotspots,grid_risk,buildings,key_persons,heat_disputes,heat_patrols"
MAP_SEARCHES = (
    "?area={v}&period=all&layers=area_density," + MAP_LAYERS_ON,
    "?area={v}&period=all&layers=patrol_coverage",
)


@dataclass(frozen=True)
class CallbackCase:
    """How to forge one callback: the kinds of foreign value that apply, and the realistic
    values ("id.prop" → template, ``{v}`` the forged value) of a second variant, for callbacks
    that ignore a lone forged input (the map's layers need a view with the layers on)."""

    kinds: tuple[str, ...]
    realistic: tuple[dict[str, Any], ...] = ()
    actions: tuple[str, ...] = ()  # the ``action`` key of a pattern-matching id
    index: Any = None  # the pattern-matching index of the realistic variant (None: forged)
    note: str = ""


@dataclass(frozen=True)
class RouteCase:
    """How to forge one Flask route: concrete URLs (``{kind}`` placeholders filled with each
    forged value of that kind), or ``skip`` with the reason (no request is made)."""

    urls: tuple[str, ...] = ()
    body: dict[str, Any] | None = None  # POST JSON body (``{search}`` filled)
    form: dict[str, str] | None = None  # POST form (``{case_ref}`` … filled)
    skip: str = ""
    note: str = ""
    kinds: tuple[str, ...] = field(default=())


_DRILL = CallbackCase(("search",), note="client-side: the server has no function for it")
_CLIENT = CallbackCase((), note="client-side only: no data, the server must still not crash")

CALLBACKS: dict[str, CallbackCase] = {
    # Map page (app/pages/map/callbacks.py): the URL is the state; every layer reads it.
    "url.search <- filter-period.value": CallbackCase(
        ("search", "area"), note="writes the URL only; echoes no row"
    ),
    "areas-geometry-url.data <- url.search": CallbackCase(
        ("search", "store"),
        realistic=tuple({"url.search": s, "current-area.data": None} for s in MAP_SEARCHES),
        note="summary cards and breadcrumb of a foreign area: RLS counts nothing",
    ),
    "lang-switch.href <- url.search": CallbackCase(("search",)),
    "grid-detail.children <- url.search": CallbackCase(
        ("search",),
        realistic=tuple({"url.search": s} for s in MAP_SEARCHES),
        note="the grid panel of a foreign grid: workers, cases, findings",
    ),
    "case-body.children <- case-link{index}.n_clicks": CallbackCase(
        ("case", "search"),
        realistic=({"url.search": "?period=all"},),
        note="a foreign case's detail and history by id",
    ),
    "heat_disputes-layer.url <- url.search": CallbackCase(
        ("search",), realistic=tuple({"url.search": s} for s in MAP_SEARCHES)
    ),
    "heat_patrols-layer.url <- url.search": CallbackCase(
        ("search",), realistic=tuple({"url.search": s} for s in MAP_SEARCHES)
    ),
    "dispute_points-layer.data <- url.search": CallbackCase(
        ("search", "area"),
        realistic=tuple(
            {"url.search": s, "map.bounds": "{bounds}", "map.zoom": 15} for s in MAP_SEARCHES
        ),
        note="points in a foreign viewport",
    ),
    "hotspots-layer.data <- url.search": CallbackCase(
        ("search",), realistic=tuple({"url.search": s} for s in MAP_SEARCHES)
    ),
    "grid_risk-layer.data <- url.search": CallbackCase(
        ("search",), realistic=tuple({"url.search": s} for s in MAP_SEARCHES)
    ),
    "patrol_coverage-layer.url <- url.search": CallbackCase(
        ("search",), realistic=tuple({"url.search": s} for s in MAP_SEARCHES)
    ),
    "buildings-layer.data <- url.search": CallbackCase(
        ("search", "area"),
        realistic=tuple(
            {"url.search": s, "map.bounds": "{bounds}", "map.zoom": 17} for s in MAP_SEARCHES
        ),
        note="buildings are geography; housing units with residents are not shown",
    ),
    "key_persons-layer.data <- url.search": CallbackCase(
        ("search", "area"),
        realistic=tuple(
            {"url.search": s, "map.bounds": "{bounds}", "map.zoom": 15} for s in MAP_SEARCHES
        ),
        note="key persons in a foreign viewport: names, masked ID numbers",
    ),
    "export-job.data <- export-button{index}.n_clicks": CallbackCase(
        ("search",),
        realistic=({"url.search": "?area={v}&period=all"},),
        index="csv",
        note="queues an export of a foreign view: its file is checked by route",
    ),
    "export-status.children <- export-job.data": CallbackCase(
        ("export", "store"), note="another user's export job by id"
    ),
    "area_density-layer.url <- areas-geometry-url.data": _CLIENT,
    "url.search <- area_density-layer.clickData": _DRILL,
    "week-tick.disabled <- week-play.n_clicks": _CLIENT,
    "filter-week.value <- week-tick.n_intervals": _CLIENT,
    # Dash pages' router: each page's layout, with a foreign ?area= (see PAGES).
    "_pages_content.children <- _pages_location.pathname": CallbackCase(
        ("search",), note="every page of PAGES, with ?area=<B code>"
    ),
    "_pages_dummy.children <- _pages_store.data": _CLIENT,
    # Admin pages: users.manage / audit.view only (RLS: users of the whole city to the admin).
    "users-table.children <- users-role-filter.value": CallbackCase(("area", "user")),
    "user-new-area.options <- user-new-role.value": CallbackCase(
        ("area",), realistic=({"user-new-role.value": "district", "user-new-area.value": "{v}"},)
    ),
    "user-add-message.children <- user-add.n_clicks": CallbackCase(
        ("area", "user"),
        realistic=(
            {
                "user-add.n_clicks": 1,
                "user-new-name.value": "atk_new_{role}",
                "user-new-role.value": "district",
                "user-new-area.value": "{v}",
                "user-new-password.value": "attack-password-1",
                "user-new-generate.value": [],
            },
        ),
        note="adding a user bound to a foreign area: admin only",
    ),
    "users-message.children <- user-act{action,index}.n_clicks": CallbackCase(
        ("user",), actions=("disable", "enable"), note="disable/enable a foreign user"
    ),
    "user-reset-message.children <- user-reset.n_clicks": CallbackCase(
        ("user",),
        realistic=(
            {
                "user-reset.n_clicks": 1,
                "user-reset-name.value": "{v}",
                "user-reset-password.value": None,
                "user-reset-generate.value": ["generate"],
            },
        ),
        note="a generated password is shown once: admin only",
    ),
    "user-reset-name.value <- user-pick{index}.n_clicks": _CLIENT,
    "audit-table.children <- audit-search.n_clicks": CallbackCase(
        ("case", "user", "store"),
        realistic=({"audit-search.n_clicks": 1, "audit-object.value": "case:{v}"},),
    ),
    # Work pages.
    "tasks-list.children <- task-handled{index}.n_clicks": CallbackCase(
        ("task",), note="mark a foreign patrol task"
    ),
    "perf-url.search <- perf-period.value": CallbackCase(("area", "search")),
    "perf-url.search <- perf-sort{index}.n_clicks": CallbackCase(("search",)),
    "perf-table.children <- perf-url.search": CallbackCase(
        ("search",), realistic=({"perf-url.search": "?area={v}&period=all"},)
    ),
    "whistle-item.options <- whistle-class.value": CallbackCase(("area",)),
    "whistle-message.children <- whistle-raise.n_clicks": CallbackCase(
        ("area",),
        realistic=(
            {
                "whistle-raise.n_clicks": 1,
                "whistle-community.value": "{v}",
                "whistle-item.value": "{item}",
                "whistle-text.value": "attack",
            },
        ),
        note="吹哨 into a foreign community",
    ),
    "whistle-message.children <- whistle-act{action,index}.n_clicks": CallbackCase(
        ("whistle",), actions=("respond", "evaluate"), note="answer or rate a foreign whistle"
    ),
    "whistle-ranking.children <- whistle-assess.n_clicks": CallbackCase(("area",)),
    "kp-cases.children <- kp-open{index}.n_clicks": CallbackCase(
        ("key_person",), note="a foreign key person's bound cases"
    ),
    "alerts-list.children <- alert-act{action,index}.n_clicks": CallbackCase(
        ("alert",), actions=("acknowledge", "assign", "dismiss"), note="act on a foreign alert"
    ),
    "wall-figures.children <- wall-tick.n_intervals": CallbackCase(
        ("area",), note="no input names an area: the scope alone decides"
    ),
    "wall-stale.hidden <- wall-clock.n_intervals": _CLIENT,
    # 诉求 clusters (app/pages/demands/callbacks.py, added while this suite was written): the
    # area picker, and a cluster opened or promoted from a tampered store naming B's cases.
    "demands-list.children <- demands-area.value": CallbackCase(
        ("area",), realistic=({"demands-area.value": "{v}", "demands-period.value": 3650},)
    ),
    "demands-detail.children <- demands-open{index}.n_clicks": CallbackCase(
        ("store", "case"),
        realistic=({"demands-store.data": [{"ids": ["{v}"], "case_ids": ["{v}"]}]},),
        index=0,
        note="a cluster of the store: the store comes back from the client",
    ),
    "demands-message.children <- demands-promote{index}.n_clicks": CallbackCase(
        ("store", "case"),
        realistic=({"demands-store.data": [{"ids": ["{v}"], "case_ids": ["{v}"]}]},),
        index=0,
        note="promote a forged cluster of B's cases",
    ),
    # The dispatch desk (app/pages/dispatch/callbacks.py): a case by id, row, point or reference.
    "dispatch-queue.data <- dispatch-filter-status.value": CallbackCase(
        ("case_ref", "area"),
        realistic=({"dispatch-search.value": "{v}", "dispatch-filter-status.value": None},),
        note="the queue searched for a foreign case's reference",
    ),
    "dispatch-case.data <- dispatch-queue.active_cell": CallbackCase(
        ("case", "store"),
        realistic=(
            {"dispatch-queue.active_cell": {"row": 0, "column": 0, "row_id": "{v}"}},
            {"dispatch-points.clickData": {"properties": {"case": "{v}"}}},
        ),
        note="echoes an id only",
    ),
    "dispatch-drawer.children <- dispatch-case.data": CallbackCase(
        ("case", "store"), note="a foreign case's drawer: not found"
    ),
    "dispatch-fields.children <- dispatch-action.value": CallbackCase(
        ("case",),
        realistic=(
            {"dispatch-action.value": "assign", "dispatch-case.data": "{v}"},
            {"dispatch-action.value": "merge", "dispatch-case.data": "{v}"},
        ),
        note="an action's choices (departments, workers) for a foreign case",
    ),
    "dispatch-message.children <- dispatch-submit.n_clicks": CallbackCase(
        ("case",),
        realistic=(
            {
                "dispatch-submit.n_clicks": 1,
                "dispatch-action.value": "supervise",
                "dispatch-case.data": "{v}",
                "dispatch-version.data": None,
            },
            {
                "dispatch-submit.n_clicks": 1,
                "dispatch-action.value": "sign",
                "dispatch-case.data": "{v}",
                "dispatch-version.data": None,
            },
        ),  # fmt: skip
        note="act on a foreign case: refused without saying it exists",
    ),
    "dispatch-message.children <- dispatch-bulk-assign.n_clicks": CallbackCase(
        ("case",),
        realistic=(
            {
                "dispatch-bulk-assign.n_clicks": 1,
                "dispatch-queue.selected_rows": [0],
                "dispatch-queue.data": [{"id": "{v}"}],
                "dispatch-bulk-department.value": "{dept}",
            },
        ),  # fmt: skip
        note="bulk 交办 of a forged row naming a foreign case",
    ),
    "dispatch-phone.children <- dispatch-phone-show.n_clicks": CallbackCase(
        ("case", "store"),
        realistic=({"dispatch-phone-show.n_clicks": 1, "dispatch-case.data": "{v}"},),
        note="the reporter's phone of a foreign case (回访): never",
    ),
    "dispatch-in-lon.value <- dispatch-map.clickData": CallbackCase(
        ("store",),
        realistic=({"dispatch-map.clickData": {"latlng": {"lat": "{v}", "lng": "{v}"}}},),
        note="a click on the map fills the intake form's point: no rows",
    ),
    "dispatch-in-result.children <- dispatch-in-submit.n_clicks": CallbackCase(
        ("area", "store"),
        realistic=(
            {
                "dispatch-in-submit.n_clicks": 1,
                "dispatch-in-source.value": "walk_in",
                "dispatch-in-text.value": "来访人反映{v}小区楼道堆物",
                "dispatch-in-address.value": "{v}",
                "dispatch-in-type.value": "{v}",
            },
        ),  # fmt: skip
        note="登记来件 naming a foreign area: refused or located in the caller's own jurisdiction",
    ),
    "wall-reload.disabled <- wall-reload.n_intervals": _CLIENT,
    # 微治理 (app/pages/governance/callbacks.py): a foreign district, township, community or grid
    # is refused (outside the jurisdiction); the caller's own areas count only their own rows.
    "gov-body.children <- gov-area.value": CallbackCase(
        ("area",),
        realistic=({"gov-area.value": "{v}"},),
        note="a foreign area's chiefs, workers, compounds and reports: refused",
    ),
}

# Every registered Dash page: opened through the router callback with ?area=<B code>.
PAGES: dict[str, str] = {
    "/": "the map (its layout reads ?area= for the first view)",
    "/alerts": "alerts of the caller's jurisdiction",
    "/audit": "admin only",
    "/key-persons": "key persons (masked) of the caller's jurisdiction",
    "/performance": "department figures of the caller's jurisdiction",
    "/tasks": "patrol tasks of the caller's jurisdiction",
    "/admin/users": "admin only",
    "/demands": "诉求 clusters of the caller's cases",
    "/dispatch": "the dispatch desk (queue and map of the caller's cases)",
    "/wall": "the wall's layout (figures come by callback)",
    "/whistles": "whistles of the caller's jurisdiction",
    "/governance": "微治理 of the caller's jurisdiction (?area= outside it is ignored)",
}

_STATIC = RouteCase(skip="static files: no rows (bad_input covers odd paths)")

ROUTES: dict[str, RouteCase] = {
    "GET /static/<path:filename>": _STATIC,
    "GET /assets/<path:filename>": RouteCase(urls=("/assets/{area}.js", "/assets/../app/main.py")),
    "GET /_dash-component-suites/<string:package_name>/<path:fingerprinted_path>": _STATIC,
    "GET /_dash-layout": RouteCase(urls=("/_dash-layout?area={area}",)),
    "GET /_dash-dependencies": RouteCase(urls=("/_dash-dependencies?area={area}",)),
    "POST /_dash-update-component": RouteCase(skip="every callback is attacked one by one"),
    "GET /_reload-hash": RouteCase(urls=("/_reload-hash",)),
    "GET /_favicon.ico": RouteCase(urls=("/_favicon.ico",)),
    "GET /": RouteCase(urls=("/?area={area}&period=all",)),
    "GET /<path:path>": RouteCase(
        urls=("/key-persons?area={area}", "/tasks?area={area}", "/{area}")
    ),
    "GET /healthz": RouteCase(urls=("/healthz?area={area}",)),
    "GET /api/geo/children/<code>.pbf": RouteCase(
        urls=("/api/geo/children/{area}.pbf",),
        note="outlines and names of areas are not personal: every signed-in role sees them",
    ),
    "GET /tiles/heat/<kind>/<int:z>/<int:x>/<int:y>.png": RouteCase(
        urls=(
            "/tiles/heat/disputes/{tile}.png?period=all&area={area}",
            "/tiles/heat/patrols/{tile}.png?period=all&area={area}",
        ),
        note="a tile over B only: transparent for a role outside B (checked as pixels)",
    ),
    "GET /tiles/<layer>/<int:z>/<int:x>/<int:y>.pbf": RouteCase(
        urls=(
            "/tiles/disputes/{tile}.pbf?period=all&area={area}",
            "/tiles/grids/{tile}.pbf?period=all&area={area}",
        ),
        note="decoded: no B dispute, no B grid with a count",
    ),
    "GET /basemap/<int:z>/<int:x>/<int:y>.<ext>": RouteCase(urls=("/basemap/{tile}.png",)),
    "GET /basemap/<path:rest>": RouteCase(urls=("/basemap/{area}/x",)),
    "GET /tiles/<path:rest>": RouteCase(urls=("/tiles/{area}/x",)),
    "GET /login": RouteCase(urls=("/login?next=/%3Farea%3D{area}",)),
    "POST /exports": RouteCase(
        body={"format": "csv", "search": "?area={area}&period=all"},
        note="the queued file is fetched and checked too",
    ),
    "GET /exports/<int:job_id>": RouteCase(urls=("/exports/{export}",)),
    "GET /exports/<int:job_id>/file": RouteCase(urls=("/exports/{export}/file",)),
    "POST /audit/export.csv": RouteCase(
        form={"search": json.dumps({"object": "case:{case}"})}, note="admin only"
    ),
    "POST /auth/login": RouteCase(
        skip="sign-in: attacked in test_sessions/test_auth (lockout, origin); a forged sign-in"
        " here would end the role's session"
    ),
    "GET /auth/logout": RouteCase(urls=("/auth/logout",)),
    "POST /auth/logout": RouteCase(skip="ends the session: test_sessions replays it after logout"),
    # Open311 GeoReport v2 intake (app/web/open311.py): an API key, never a session, names the
    # caller; a signed-in user without one is refused, whatever ids it forges.
    "GET /open311/v2/services.json": RouteCase(urls=("/open311/v2/services.json?area={area}",)),
    "GET /open311/v2/requests.json": RouteCase(
        urls=(
            "/open311/v2/requests.json?service_request_id={case}",
            "/open311/v2/requests.json?service_request_id={case}&api_key=forged",
        )
    ),
    "GET /open311/v2/requests/<rid>.json": RouteCase(
        urls=("/open311/v2/requests/{case}.json", "/open311/v2/requests/{case}.json?api_key=x")
    ),
    "POST /open311/v2/requests.json": RouteCase(
        body={"service_code": "noise", "description": "attack {area}", "address_string": "{area}"},
        note="no key: refused before anything is written",
    ),
    "GET /open311/<path:_rest>": RouteCase(urls=("/open311/{area}", "/open311/v2/{case}.json")),
    "POST /open311/<path:_rest>": RouteCase(body={"area": "{area}"}),
    "GET /guide": RouteCase(urls=("/guide?ref={case_ref}",)),
    "GET /guide/lookup": RouteCase(urls=("/guide/lookup?ref={case_ref}&last4=0000",)),
    "POST /guide/lookup": RouteCase(
        form={"ref": "{case_ref}", "last4": "0000"}, note="public: a foreign ref, wrong digits"
    ),
}


def _pattern_name(cid: str) -> str:
    ident = json.loads(cid)
    keys = ",".join(sorted(k for k in ident if k != "type"))
    return f"{ident['type']}{{{keys}}}"


def _item_name(item: dict[str, str]) -> str:
    cid = item["id"]
    return f"{_pattern_name(cid) if cid.startswith('{') else cid}.{item['property']}"


def outputs_of(dep: dict[str, Any]) -> list[str]:
    """The "id.prop" outputs of a ``/_dash-dependencies`` entry (duplicate markers dropped)."""
    raw = re.sub(r"@[0-9a-f]+", "", dep["output"])
    if raw.startswith(".."):
        return [o for o in raw.strip(".").split("...") if o]
    return [raw]


def callback_name(dep: dict[str, Any]) -> str:
    """``<first output> <- <first input>``: stable across runs and hash-free."""
    first = outputs_of(dep)[0]
    if first.startswith("{"):
        cid, prop = first.rsplit(".", 1)
        first = f"{_pattern_name(cid)}.{prop}"
    return f"{first} <- {_item_name(dep['inputs'][0])}"


def route_name(rule: Any, method: str) -> str:  # noqa: ANN401 — a werkzeug Rule
    return f"{method} {rule.rule}"

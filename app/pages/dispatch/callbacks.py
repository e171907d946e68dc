"""The /dispatch page's callbacks: the queue and map follow the filters; a row or a point opens
the drawer; the drawer offers the actions the user may take now; a submitted action goes through
``geodata.write.cases.act`` with the version the drawer showed (a lost race says who won);
bulk assignment hands every selected case to one department; the reporter's phone is shown to
the desk on request, and each view is audited.

Every value arriving here may be forged: ids are parsed, the scoped connection means another
jurisdiction's case simply does not exist, and the workflow rules refuse what the role may not do.
"""

from __future__ import annotations

import math
import secrets
from typing import Any

import dash
from dash import ALL, Input, Output, State, html
from sqlalchemy.exc import DBAPIError

from app import ids
from app.components.case_drawer import action_fields, action_options, drawer_view
from app.context import connection, scope, settings
from app.pages.dispatch.forms import field_values, params_for
from app.pages.dispatch.layout import QUEUE_STATUSES, RISK_STROKES, URGENCY_COLOURS
from app.recorder import Recorder
from app.web import auth
from domain.clock import local, now
from domain.i18n import t
from domain.masking import redact
from domain.workflow import WorkflowError
from geodata.read import dispatch as desk
from geodata.write import cases, intake
from geodata.write.users import record_audit

_calls = Recorder()
callback = _calls.callback
register = _calls.register

MAX_BULK = 100


def case_id_of(value: Any) -> int | None:
    """A case id from a store, a row id or a map feature (anything else: None)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isdigit() and len(value) < 19:
        value = int(value)
    return value if isinstance(value, int) and 0 < value < 2**63 else None


def _strings(value: Any, limit: int = 50) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str) and 0 < len(v) <= 32)[:limit]


def _filter(
    statuses: Any, types: Any, risks: Any, urgency: Any, mine: Any, search: Any
) -> desk.QueueFilter:
    who = scope()
    chosen = tuple(s for s in _strings(statuses) if s in QUEUE_STATUSES) or QUEUE_STATUSES[:3]
    mine = _strings(mine)
    return desk.QueueFilter(
        statuses=chosen,
        types=_strings(types),
        risks=_strings(risks),
        urgency=urgency if isinstance(urgency, str) else "",
        department=(who.department or "") if "department" in mine else "",
        agent=(who.user or "") if "agent" in mine else "",
        unlocated="unlocated" in mine,
        search=search.strip()[:64] if isinstance(search, str) else "",
    )


def _when(moment: Any) -> str:
    return "" if moment is None else f"{local(moment):%m-%d %H:%M}"


def queue_rows(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The queue's rows as the table shows them (the id is the DataTable's row id)."""
    return [
        {
            "id": r["id"],
            "source_ref": r["source_ref"],
            "title": r["title"],
            "type_name": r["type_name"],
            "status_label": t(f"status.{r['status']}", lang),
            "risk_label": t(f"risk.{r['risk_level']}", lang),
            "supervision": t(f"supervision.{r['supervision_level']}", lang)
            if r["supervision_level"]
            else "",
            "lead_department_name": r["lead_department_name"] or "",
            "due": _when(r["due_at"]),
            "locks": r["open_locks"] or "",
            "urgency": r["urgency"],
        }
        for r in rows
    ]


def _points(rows: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {
                    "case": r["id"],
                    "color": URGENCY_COLOURS[r["urgency"]],
                    "stroke": RISK_STROKES.get(r["risk_colour"] or "", "#ffffff"),
                    "weight": 2 if r["risk_colour"] in ("red", "orange") else 1,
                    "radius": 7 if r["risk_level"] == "high" else 5,
                    "tooltip": f"{r['source_ref']} {r['type_name']} · {t('urgency.' + r['urgency'], lang)}",
                },
            }
            for r in rows
        ],
    }


def _locks_list(lang: str) -> Any:
    who = scope()
    if who.role != "department" or not who.department:
        return None
    with connection() as conn:
        rows = desk.department_locks(conn, who.department, auth.may("personal.unmask"))
    items = [
        html.Li(f"{r['source_ref']} #{r['id']} · {t('gd.sub_status.' + r['status'], lang)} · "
                f"{t('dispatch.due_at', lang).format(when=_when(r['due_at']))} · {r['task']}")
        for r in rows
    ]  # fmt: skip
    return [html.H4(t("dispatch.my_locks", lang)),
            html.Ul(items) if items else html.P(t("dispatch.no_locks", lang))]  # fmt: skip


@callback(
    Output(ids.DISPATCH_QUEUE, "data"),
    Output(ids.DISPATCH_QUEUE, "selected_rows"),
    Output(ids.DISPATCH_TOTAL, "children"),
    Output(ids.DISPATCH_POINTS, "data"),
    Output(ids.DISPATCH_LOCKS, "children"),
    Input(ids.DISPATCH_FILTER_STATUS, "value"),
    Input(ids.DISPATCH_FILTER_TYPES, "value"),
    Input(ids.DISPATCH_FILTER_RISK, "value"),
    Input(ids.DISPATCH_FILTER_URGENCY, "value"),
    Input(ids.DISPATCH_FILTER_MINE, "value"),
    Input(ids.DISPATCH_SEARCH, "value"),
    Input(ids.DISPATCH_REFRESH, "data"),
)
def refresh_queue(statuses, types, risks, urgency, mine, search, _refresh):  # noqa: ANN001, ANN201, PLR0913
    """The queue, its total, the map's open cases and a department's locks."""
    lang = settings().language
    if not auth.may("dispatch.view"):
        return (
            [],
            [],
            t("auth.no_permission", lang),
            {"type": "FeatureCollection", "features": []},
            None,
        )
    flt = _filter(statuses, types, risks, urgency, mine, search)
    with connection() as conn:
        found = desk.queue(conn, flt, auth.may("personal.unmask"))
        pts = desk.points(conn)
    total = t("dispatch.total", lang).format(shown=len(found["rows"]), total=found["total"])
    return queue_rows(found["rows"], lang), [], total, _points(pts, lang), _locks_list(lang)


@callback(
    Output(ids.DISPATCH_CASE, "data"),
    Input(ids.DISPATCH_QUEUE, "active_cell"),
    Input(ids.DISPATCH_POINTS, "clickData"),
    prevent_initial_call=True,
)
def pick_case(cell, feature):  # noqa: ANN001, ANN201
    """The case a clicked queue row or map point names."""
    trigger = dash.ctx.triggered_id
    if trigger == ids.DISPATCH_QUEUE and isinstance(cell, dict):
        picked = case_id_of(cell.get("row_id"))
    elif trigger == ids.DISPATCH_POINTS and isinstance(feature, dict):
        props = feature.get("properties")
        picked = case_id_of(props.get("case")) if isinstance(props, dict) else None
    else:
        picked = None
    return dash.no_update if picked is None else picked


@callback(
    Output(ids.DISPATCH_DRAWER, "children"),
    Output(ids.DISPATCH_VERSION, "data"),
    Output(ids.DISPATCH_ACTION, "options"),
    Output(ids.DISPATCH_ACTION, "value"),
    Input(ids.DISPATCH_CASE, "data"),
    Input(ids.DISPATCH_REFRESH, "data"),
)
def show_case(case, _refresh):  # noqa: ANN001, ANN201
    """The drawer for the chosen case and the actions the user may take on it now."""
    lang = settings().language
    case_id = case_id_of(case)
    if case_id is None or not auth.may("dispatch.view"):
        return drawer_view(None, lang, False), None, [], None
    who = scope()
    with connection() as conn:
        d = desk.drawer(conn, case_id, who.actor(), auth.may("personal.unmask"))
    if d is None:
        return [html.P(t("dispatch.not_found", lang), className="muted")], None, [], None
    options = action_options(d["actions"], lang) if auth.may("cases.act") else []
    return drawer_view(d, lang, auth.may("reporter.contact")), d["version"], options, None


@callback(
    Output(ids.DISPATCH_FIELDS, "children"),
    Input(ids.DISPATCH_ACTION, "value"),
    State(ids.DISPATCH_CASE, "data"),
    State(ids.DISPATCH_PICKED, "data"),
)
def show_fields(action, case, picked):  # noqa: ANN001, ANN201
    """The chosen action's inputs (choices from the database: departments, rooms, workers)."""
    lang = settings().language
    case_id = case_id_of(case)
    if case_id is None or not isinstance(action, str) or not auth.may("cases.act"):
        return []
    who = scope()
    with connection() as conn:
        d = desk.drawer(conn, case_id, who.actor(), auth.may("personal.unmask"), extras=False)
        if d is None or action not in d["actions"]:
            return []
        choices = desk.choices(conn, case_id)
    point = [_number(v) for v in picked] if isinstance(picked, list) and len(picked) == 2 else []
    choices["picked"] = point if len(point) == 2 and None not in point else []
    return action_fields(action, d, choices, lang)


def _resolve_into(conn: Any, value: Any) -> int | None:
    """A case the caller can see, named by its reference (or its id)."""
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        return None
    found = desk.case_by_reference(conn, value.strip())
    if found is None and value.strip().isdigit():
        found = case_id_of(value.strip())
    return found


def _outside(failed: DBAPIError, lang: str) -> html.Div:
    """The message for a write row-level security refused (a place outside the caller's
    jurisdiction); any other database error is a real fault and raised again."""
    if getattr(failed.orig, "sqlstate", None) != "42501":
        raise failed
    return _message("intake.desk.refused.jurisdiction", lang, "error")


def _bumped(refresh: Any) -> int:
    """The refresh counter after a write (anything but a count from the page starts at 1)."""
    return (refresh if isinstance(refresh, int) and not isinstance(refresh, bool) else 0) + 1


def _message(key: str, lang: str, kind: str = "ok", **values: Any) -> html.Div:
    return html.Div(t(key, lang).format(**values), className=f"dispatch-note {kind}")


@callback(
    Output(ids.DISPATCH_MESSAGE, "children"),
    Output(ids.DISPATCH_REFRESH, "data"),
    Input(ids.DISPATCH_SUBMIT, "n_clicks"),
    State(ids.DISPATCH_ACTION, "value"),
    State({"type": ids.DISPATCH_FIELD, "index": ALL}, "value"),
    State(ids.DISPATCH_CASE, "data"),
    State(ids.DISPATCH_VERSION, "data"),
    State(ids.DISPATCH_REFRESH, "data"),
    prevent_initial_call=True,
)
def submit(clicks, action, _values, case, version, refresh):  # noqa: ANN001, ANN201, PLR0913
    """Take the chosen action on the open case, as the drawer showed it (its version)."""
    lang = settings().language
    bump = _bumped(refresh)
    case_id = case_id_of(case)
    if not clicks or not auth.may("cases.act"):
        return _message("dispatch.refused", lang, "error"), dash.no_update
    if case_id is None or not isinstance(action, str):
        return _message("dispatch.pick_first", lang, "error"), dash.no_update
    states = dash.ctx.states_list[1] if len(dash.ctx.states_list) > 1 else []
    params = params_for(action, field_values(states))
    expected = version if isinstance(version, int) and not isinstance(version, bool) else None
    who = scope()
    try:
        with connection() as conn:
            if action == "merge":
                params["into"] = _resolve_into(conn, params.get("into"))
            if action == "locate":
                done = intake.locate(conn, who, case_id, params.get("lon"), params.get("lat"),
                                     expected_version=expected, note=params.get("note"))  # fmt: skip
            else:
                done = cases.act(conn, case_id, action, who.actor(), params,
                                 expected_version=expected)  # fmt: skip
    except cases.CaseNotFound:
        return _message("dispatch.not_found", lang, "error"), bump
    except cases.Conflict as lost:
        who_won = lost.last["actor"] if lost.last else "?"
        return _message("dispatch.conflict", lang, "error", who=who_won,
                        status=t(f"status.{lost.current['status']}", lang)), bump  # fmt: skip
    except WorkflowError as refused:
        return _message("dispatch.workflow_refused", lang, "error", why=redact(str(refused))), bump
    except intake.IntakeRefused as refused:
        return _message(f"intake.desk.refused.{refused.reason}", lang, "error"), bump
    except DBAPIError as failed:
        return _outside(failed, lang), bump
    return _message("dispatch.done", lang, action=t(f"gd.action.{action}", lang),
                    status=t(f"status.{done.status}", lang)), bump  # fmt: skip


@callback(
    Output(ids.DISPATCH_MESSAGE, "children", allow_duplicate=True),
    Output(ids.DISPATCH_REFRESH, "data", allow_duplicate=True),
    Input(ids.DISPATCH_BULK_ASSIGN, "n_clicks"),
    State(ids.DISPATCH_QUEUE, "selected_rows"),
    State(ids.DISPATCH_QUEUE, "data"),
    State(ids.DISPATCH_BULK_DEPARTMENT, "value"),
    State(ids.DISPATCH_REFRESH, "data"),
    prevent_initial_call=True,
)
def bulk_assign(clicks, selected, rows, department, refresh):  # noqa: ANN001, ANN201
    """Hand every selected case to one department (the type's time limit; one transaction each,
    so one refused case does not undo the others)."""
    lang = settings().language
    if not clicks or not auth.may("cases.dispatch"):
        return _message("dispatch.refused", lang, "error"), dash.no_update
    if not isinstance(department, str) or not department or len(department) > 16:
        return _message("dispatch.bulk_pick_department", lang, "error"), dash.no_update
    rows = rows if isinstance(rows, list) else []
    picked: list[int] = []
    for index in selected if isinstance(selected, list) else []:
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(rows):
            row = rows[index]
            case_id = case_id_of(row.get("id")) if isinstance(row, dict) else None
            if case_id is not None and case_id not in picked:
                picked.append(case_id)
    picked = picked[:MAX_BULK]
    if not picked:
        return _message("dispatch.bulk_none", lang, "error"), dash.no_update
    who = scope()
    ok, refused = 0, 0
    for case_id in picked:
        try:
            with connection() as conn:
                cases.act(conn, case_id, "assign", who.actor(), {"department": department})
            ok += 1
        except (cases.CaseNotFound, cases.Conflict, WorkflowError):
            refused += 1
    bump = _bumped(refresh)
    kind = "ok" if not refused else "error"
    return _message("dispatch.bulk_done", lang, kind, ok=ok, refused=refused), bump


@callback(
    Output(ids.DISPATCH_PHONE, "children"),
    Input(ids.DISPATCH_PHONE_SHOW, "n_clicks"),
    State(ids.DISPATCH_CASE, "data"),
    prevent_initial_call=True,
)
def show_phone(clicks, case):  # noqa: ANN001, ANN201
    """The reporter's phone for the return call (回访): the desk only, each view audited."""
    case_id = case_id_of(case)
    if not clicks or case_id is None or not auth.may("reporter.contact"):
        return dash.no_update
    who = scope()
    with connection() as conn:
        phone = desk.reporter_phone(conn, case_id)
        if phone is None:
            return dash.no_update
        record_audit(conn, who.user or "", who.role, "case.reporter_contact", f"dispute:{case_id}")
    return phone


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: Any, limit: int) -> str | None:
    return value.strip()[:limit] or None if isinstance(value, str) else None


def _classifier(conn: Any, body: str) -> list[tuple[str, str, float]]:
    from classify.active import ModelUnusable, classify

    try:
        return [tuple(g) for g in classify([body], 3, conn)[0]]  # type: ignore[misc]
    except ModelUnusable:
        return []


@callback(
    Output(ids.DISPATCH_IN_LON, "value"),
    Output(ids.DISPATCH_IN_LAT, "value"),
    Output(ids.DISPATCH_PICKED, "data"),
    Input(ids.DISPATCH_MAP, "clickData"),
    prevent_initial_call=True,
)
def pick_point(click):  # noqa: ANN001, ANN201
    """A click on the desk's map picks a point (WGS84, the map's CRS) for the intake form and
    for 定位 of the open case."""
    latlng = click.get("latlng") if isinstance(click, dict) else None
    lat = _number(latlng.get("lat")) if isinstance(latlng, dict) else None
    lon = _number(latlng.get("lng")) if isinstance(latlng, dict) else None
    if lat is None or lon is None:
        return dash.no_update, dash.no_update, dash.no_update
    return round(lon, 6), round(lat, 6), [round(lon, 6), round(lat, 6)]


@callback(
    Output(ids.DISPATCH_IN_RESULT, "children"),
    Output(ids.DISPATCH_CASE, "data", allow_duplicate=True),
    Output(ids.DISPATCH_REFRESH, "data", allow_duplicate=True),
    Input(ids.DISPATCH_IN_SUBMIT, "n_clicks"),
    State(ids.DISPATCH_IN_SOURCE, "value"),
    State(ids.DISPATCH_IN_TEXT, "value"),
    State(ids.DISPATCH_IN_ADDRESS, "value"),
    State(ids.DISPATCH_IN_LON, "value"),
    State(ids.DISPATCH_IN_LAT, "value"),
    State(ids.DISPATCH_IN_NAME, "value"),
    State(ids.DISPATCH_IN_PHONE, "value"),
    State(ids.DISPATCH_IN_TYPE, "value"),
    State(ids.DISPATCH_REFRESH, "data"),
    prevent_initial_call=True,
)
def register_case(clicks, source, body, address, lon, lat, name, phone, type_code, refresh):  # noqa: ANN001, ANN201, PLR0913
    """登记来件: register a walk-in or a call (``geodata.write.intake.submit``) under a reference
    the desk makes (nobody chooses one, so nothing can probe another jurisdiction's), then
    open it in the drawer."""
    lang = settings().language
    no = dash.no_update
    if not clicks or not auth.may("cases.intake"):
        return _message("dispatch.refused", lang, "error"), no, no
    source = source if source in ("walk_in", "other") else "walk_in"
    lon, lat = _number(lon), _number(lat)
    if (lon is None) != (lat is None):
        lon = lat = None
    reference = f"{'LF' if source == 'walk_in' else 'LD'}-{now():%Y%m%d}-{secrets.token_hex(4)}"
    who = scope()
    try:
        with connection() as conn:
            done = intake.submit(
                conn, who, source=source, source_ref=reference, text=_text(body, 4000) or "",
                type_code=type_code if isinstance(type_code, str) and type_code else None,
                lon=lon, lat=lat, address=_text(address, 200), reporter_name=_text(name, 40),
                reporter_phone=_text(phone, 20), classifier=_classifier,
            )  # fmt: skip
    except intake.IntakeRefused as refused:
        return _message(f"intake.desk.refused.{refused.reason}", lang, "error"), no, no
    except DBAPIError as failed:
        return _outside(failed, lang), no, no
    guesses = "、".join(f"{g[1]} {g[2]:.0%}" for g in done.guesses)
    said = [
        _message("intake.desk.done", lang, reference=done.reference),
        *([_message("intake.desk.guesses", lang, guesses=guesses)] if guesses else []),
        *([_message("intake.desk.duplicates", lang, "error", n=len(done.duplicates))]
          if done.duplicates else []),
        *([] if done.located else [_message("intake.desk.unlocated", lang, "error")]),
    ]  # fmt: skip
    bump = _bumped(refresh)
    return said, done.case_id, bump

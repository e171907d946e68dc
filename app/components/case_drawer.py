"""The dispatch desk's case drawer: header, the type's standard path as a flow with the current
step lit, every SLA clock, the reporter (masked), location, locks, possible duplicates, the
event timeline, the nearest grid workers, and the action form (only the actions the signed-in
user may take now; each action's fields in ``action_fields``).

Plain data in (``geodata.read.dispatch.drawer``), components out; the callbacks that use it are
in ``app/pages/dispatch/callbacks.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import dcc, html

from app import ids
from domain.clock import local
from domain.i18n import t
from domain.vocab import OUTCOMES, RISK_LEVELS

# The actions the desk offers as a form (``locate`` takes the point last clicked on the map).
FORM_ACTIONS = (
    "locate", "classify", "proxy", "assign", "return", "sign", "supervise", "consult", "split", "key",
    "unlock", "resolve", "evaluate", "reopen", "archive", "merge",
)  # fmt: skip
SPLIT_ROWS = 3


def _when(moment: datetime | None) -> str:
    return "—" if moment is None else f"{local(moment):%Y-%m-%d %H:%M}"


def _field(name: str) -> dict[str, str]:
    return {"type": ids.DISPATCH_FIELD, "index": name}


def flow(steps: list[str], current: list[int], done: list[int], lang: str) -> html.Div:
    """The type's standard path as boxes joined by arrows; done steps ticked, current lit."""
    items: list[Any] = []
    for i, step in enumerate(steps):
        if i:
            items.append(html.Span("→", className="flow-arrow"))
        cls = "flow-step"
        if i in current:
            cls += " current"
        elif i in done:
            cls += " done"
        items.append(
            html.Span(step, className=cls, title=t("dispatch.step_n", lang).format(n=i + 1))
        )
    return html.Div(items, className="flow", role="list")


def _clocks(clocks: list[dict[str, Any]], names: dict[str, str], lang: str) -> html.Table:
    head = html.Tr([html.Th(t(k, lang)) for k in (
        "dispatch.clock", "dispatch.started", "dispatch.due", "dispatch.stopped")])  # fmt: skip
    rows = []
    for c in clocks:
        label = t(f"clock.{c['kind']}", lang)
        if c["lock_id"] is not None:
            label += f" #{c['lock_id']}"
        if c["department"]:
            label += f"（{names.get(c['department'], c['department'])}）"
        rows.append(
            html.Tr(
                [
                    html.Td(label),
                    html.Td(_when(c["started"])),
                    html.Td(_when(c["due"])),
                    html.Td(_when(c["stopped"])),
                ],
                className=f"clock urgency-{c['urgency']}",
            )  # fmt: skip
        )
    if not rows:
        rows = [html.Tr(html.Td(t("dispatch.no_clocks", lang), colSpan=4))]
    return html.Table([html.Thead(head), html.Tbody(rows)], className="dispatch-clocks")


def _locks(locks: list[dict[str, Any]], names: dict[str, str], lang: str) -> html.Div:
    if not locks:
        return html.Div(t("dispatch.no_locks", lang), className="muted")
    return html.Ul(
        [
            html.Li(
                [
                    html.B(f"#{lk['id']} {names.get(lk['department_code'], lk['department_code'])}"),
                    html.Span(lk.get("task") or "", className="lock-task"),
                    html.Span(t(f"gd.sub_status.{lk['status']}", lang), className=f"lock-status {lk['status']}"),
                    html.Span(t("dispatch.due_at", lang).format(when=_when(lk.get("due_at")))),
                ],
                className="lock",
            )
            for lk in locks
        ],
        className="dispatch-locks",
    )  # fmt: skip


def _timeline(events: list[dict[str, Any]], lang: str) -> html.Ol:
    return html.Ol(
        [
            html.Li(
                [
                    html.Span(_when(e["at"]), className="ev-at"),
                    html.B(t(f"gd.action.{e['action']}", lang), className="ev-action"),
                    html.Span(e.get("department_name") or "", className="ev-dep"),
                    html.Span(e.get("actor") or "", className="ev-actor"),
                    html.Div(e.get("note") or "", className="ev-note"),
                ]
            )
            for e in events
        ],
        className="dispatch-timeline",
    )


def _duplicates(rows: list[dict[str, Any]], lang: str) -> html.Div:
    if not rows:
        return html.Div(t("dispatch.no_duplicates", lang), className="muted")
    return html.Ul(
        [
            html.Li(
                f"{r['source_ref']} · {t('link.' + r['kind'], lang)} · {t('status.' + r['status'], lang)}"
                + ("" if r["metres"] is None else f" · {r['metres']:.0f} m")
            )
            for r in rows
        ],
        className="dispatch-duplicates",
    )


def _workers(rows: list[dict[str, Any]], lang: str) -> html.Div:
    if not rows:
        return html.Div(t("dispatch.no_workers", lang), className="muted")
    return html.Table(
        html.Tbody(
            [
                html.Tr(
                    [html.Td(r["name"]), html.Td(r["grid_name"]), html.Td(f"{r['metres']:.0f} m"),
                     html.Td(t("dispatch.load", lang).format(cases=r["open_cases"], tasks=r["open_tasks"]))],
                    className="own-grid" if r["own_grid"] else "",
                )
                for r in rows
            ]
        ),
        className="dispatch-workers",
    )  # fmt: skip


def drawer_view(d: dict[str, Any] | None, lang: str, may_contact: bool) -> list[Any]:
    """The drawer's content for the case ``d`` (None: an empty state)."""
    if d is None:
        return [html.P(t("dispatch.pick_case", lang), className="muted")]
    level = d["supervision_level"]
    head = html.Div(
        [
            html.H3(f"{d['source_ref']} {d['title']}", className="case-title"),
            html.Span(t(f"status.{d['status']}", lang), className=f"badge status-{d['status']}"),
            html.Span(t(f"risk.{d['risk_level']}", lang), className=f"badge risk-{d['risk_level']}"),
            *([html.Span(t(f"supervision.{level}", lang), className=f"badge supervise-{level}")]
              if level else []),
            *([html.Span(t("dispatch.agent", lang).format(agent=d["agent"]), className="badge")]
              if d.get("agent") else []),
        ],
        className="case-head",
    )  # fmt: skip
    reporter = [
        html.Span(t("dispatch.reporter", lang).format(name=d.get("name_masked") or "—")),
        html.Span(d.get("phone_masked") or "", id=ids.DISPATCH_PHONE, className="phone"),
    ]
    if may_contact and d.get("has_phone"):
        reporter.append(
            html.Button(
                t("dispatch.show_phone", lang),
                id=ids.DISPATCH_PHONE_SHOW,
                n_clicks=0,
                className="link-button",
            )  # fmt: skip
        )
    place = " · ".join(
        x for x in (d.get("district_name"), d.get("grid_name"), d.get("address")) if x
    ) or t("dispatch.needs_location", lang)
    sections = [
        head,
        html.Div(d.get("description") or "", className="case-description"),
        html.H4(t("dispatch.path", lang).format(name=d["type_name"], days=d["time_limit_days"])),
        flow(d["steps"], d["current_steps"], d["done_steps"], lang),
        html.H4(t("dispatch.clocks", lang)),
        _clocks(d["clocks"], d["department_names"], lang),
        html.Div(reporter, className="case-reporter"),
        html.Div(place, className="case-place", id=ids.DISPATCH_LOCATION),
        html.H4(t("dispatch.locks", lang)),
        _locks(d["locks"], d["department_names"], lang),
        html.H4(t("dispatch.duplicates", lang)),
        _duplicates(d["duplicates"], lang),
        html.H4(t("dispatch.workers", lang)),
        _workers(d["workers"], lang),
        html.H4(t("dispatch.timeline", lang)),
        _timeline(d["events"], lang),
    ]
    return sections


def action_options(actions: list[str], lang: str) -> list[dict[str, str]]:
    return [{"label": t(f"gd.action.{a}", lang), "value": a} for a in FORM_ACTIONS if a in actions]


def _dropdown(name: str, options: list[dict[str, Any]], lang: str, multi: bool = False,
              value: Any = None) -> dcc.Dropdown:  # fmt: skip
    return dcc.Dropdown(
        id=_field(name), options=options, multi=multi, value=value,
        placeholder=t(f"field.{name}", lang), className="dispatch-input",
    )  # fmt: skip


def _text(name: str, lang: str, area: bool = False) -> Any:
    if area:
        return dcc.Textarea(id=_field(name), placeholder=t(f"field.{name}", lang),
                            className="dispatch-input", maxLength=4000)  # fmt: skip
    return dcc.Input(id=_field(name), type="text", placeholder=t(f"field.{name}", lang),
                     className="dispatch-input", maxLength=2000, debounce=False)  # fmt: skip


def _labelled(name: str, control: Any, lang: str) -> html.Label:
    return html.Label([html.Span(t(f"field.{name}", lang)), control], className="dispatch-field")


def action_fields(  # noqa: C901 — one branch per action's form
    action: str | None, d: dict[str, Any] | None, choices: dict[str, list[dict[str, Any]]],
    lang: str,
) -> list[Any]:  # fmt: skip
    """The inputs ``action`` needs, each with a pattern id naming its parameter."""
    if action not in FORM_ACTIONS or d is None:
        return []
    deps = [{"label": r["name"], "value": r["code"]} for r in choices.get("departments", [])]
    f: list[Any] = []
    if action == "locate":
        picked = choices.get("picked") or [None, None]
        f += [
            html.P(t("dispatch.locate_hint", lang), className="muted"),
            *[_labelled(n, dcc.Input(id=_field(n), type="number", value=v, className="dispatch-input"), lang)
              for n, v in zip(("lon", "lat"), picked, strict=True)],
        ]  # fmt: skip
    elif action == "classify":
        types = [{"label": r["name"], "value": r["code"]} for r in choices.get("types", [])]
        f += [_labelled("type_code", _dropdown("type_code", types, lang, value=d["type_code"]), lang),
              _labelled("risk_level", _dropdown("risk_level", [
                  {"label": t(f"risk.{r}", lang), "value": r} for r in RISK_LEVELS], lang,
                  value=d["risk_level"]), lang)]  # fmt: skip
    elif action == "proxy":
        f.append(_labelled("agent", _text("agent", lang), lang))
    elif action == "assign":
        kinds = [{"label": t(f"assignee.{k}", lang), "value": k}
                 for k in ("department", "mediation", "grid_worker")]  # fmt: skip
        rooms = [{"label": r["name"], "value": r["id"]} for r in choices.get("rooms", [])]
        mediators = [{"label": r["name"], "value": r["id"]} for r in choices.get("mediators", [])]
        workers = [{"label": r["name"], "value": r["id"]} for r in choices.get("workers", [])]
        f += [
            _labelled("kind", _dropdown("kind", kinds, lang, value="department"), lang),
            _labelled("department", _dropdown("department", deps, lang,
                                              value=d.get("lead_department") or d.get("type_lead")), lang),
            _labelled("cooperating", _dropdown("cooperating", deps, lang, multi=True,
                                               value=list(d.get("cooperating_departments") or [])), lang),
            _labelled("room_id", _dropdown("room_id", rooms, lang), lang),
            _labelled("mediator_id", _dropdown("mediator_id", mediators, lang), lang),
            _labelled("worker_id", _dropdown("worker_id", workers, lang), lang),
            _labelled("limit_days", dcc.Input(id=_field("limit_days"), type="number", min=1,
                                              max=365, step=1, value=d["time_limit_days"],
                                              className="dispatch-input"), lang),
        ]  # fmt: skip
    elif action == "supervise":
        levels = [{"label": t(f"supervision.{n}", lang), "value": n} for n in (1, 2, 3)
                  if n > d["supervision_level"]]  # fmt: skip
        f.append(_labelled("level", _dropdown("level", levels, lang), lang))
    elif action == "consult":
        f += [_labelled("departments", _dropdown("departments", deps, lang, multi=True), lang),
              _labelled("participants", _text("participants", lang), lang),
              _labelled("minutes", _text("minutes", lang, area=True), lang),
              _labelled("outcome", _text("outcome", lang), lang)]  # fmt: skip
    elif action == "split":
        for i in range(1, SPLIT_ROWS + 1):
            f.append(html.Div(
                [html.Span(t("dispatch.lock_n", lang).format(n=i), className="lock-n"),
                 _dropdown(f"lock_department_{i}", deps, lang),
                 _text(f"lock_task_{i}", lang),
                 dcc.Input(id=_field(f"lock_days_{i}"), type="number", min=1, max=365, step=1,
                           placeholder=t("field.lock_days", lang), className="dispatch-input")],
                className="dispatch-split-row"))  # fmt: skip
    elif action in ("key", "unlock"):
        wanted = ("open",) if action == "key" else ("planned", "open")
        names = d["department_names"]
        locks = [{"label": f"#{lk['id']} {names.get(lk['department_code'], '')}", "value": lk["id"]}
                 for lk in d["locks"] if lk["status"] in wanted]  # fmt: skip
        f.append(_labelled("lock_id", _dropdown("lock_id", locks, lang,
                                                value=locks[0]["value"] if locks else None), lang))  # fmt: skip
        if action == "key":
            f += [_labelled(n, _text(n, lang, area=True), lang) for n in ("facts", "law", "plan")]
        else:
            f.append(_labelled("success", _dropdown("success", [
                {"label": t("dispatch.settled", lang), "value": "yes"},
                {"label": t("dispatch.not_settled", lang), "value": "no"}], lang, value="yes"), lang))  # fmt: skip
    elif action == "resolve":
        f.append(_labelled("outcome_code", _dropdown("outcome_code", [
            {"label": t(f"outcome.{o}", lang), "value": o} for o in OUTCOMES], lang,
            value="agreement"), lang))  # fmt: skip
    elif action == "evaluate":
        f.append(_labelled("satisfaction", _dropdown("satisfaction", [
            {"label": t(f"satisfaction.{n}", lang), "value": n} for n in (5, 4, 3, 2, 1)], lang),
            lang))  # fmt: skip
    elif action == "archive":
        f.append(_labelled("unreachable", _dropdown("unreachable", [
            {"label": t("dispatch.unreachable", lang), "value": "yes"}], lang), lang))  # fmt: skip
    elif action == "merge":
        f.append(_labelled("into", _text("into", lang), lang))
    f.append(_labelled("note", _text("note", lang, area=True), lang))
    return f

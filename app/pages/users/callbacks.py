"""The /admin/users page's callbacks: list with filters, add a user, disable or enable one, reset
a password, and the areas a new user's role may be bound to. Administrators only: anyone else
gets an empty list and a refusal, never data; every change is audited by ``geodata.write.users``
under the action names the command line uses (user.add, user.disable, user.enable, user.passwd).
"""

from __future__ import annotations

from typing import Any

import dash
from dash import ALL, Input, Output, State, html

from app import ids
from app.context import connection, scope, settings
from app.pages.users.layout import MAX_DISPLAY, MAX_NAME, MAX_PASSWORD, listing
from app.recorder import Recorder
from app.web import auth
from domain.i18n import t
from domain.scope import ROLE_AREA_LEVEL, ROLES
from geodata.read import users as reading
from geodata.write import users as writes

_calls = Recorder()
register = _calls.register

PERMISSION = "users.manage"
FILTERS = (
    State(ids.USERS_ROLE_FILTER, "value"),
    State(ids.USERS_AREA_FILTER, "value"),
    State(ids.USERS_TEXT_FILTER, "value"),
)


class Refused(ValueError):
    """Input the page never sends (a forged or stale call)."""


def _text(value: Any, limit: int) -> str | None:
    """A typed value, stripped; None when empty; Refused when not text or too long."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise Refused(value)
    return value.strip() or None


def _code(value: Any, lengths: tuple[int, ...]) -> str | None:
    code = _text(value, 20)
    if code is not None and not (code.isdigit() and code.isascii() and len(code) in lengths):
        raise Refused(code)
    return code


def _role(value: Any) -> str | None:
    if value is not None and value not in ROLES:
        raise Refused(value)
    return value


def _ticked(value: Any) -> bool:
    return isinstance(value, list) and "generate" in value


def filters_of(role: Any, area: Any, contains: Any) -> tuple[str | None, str | None, str | None]:
    """The list's filters, checked (Refused when one is not what the page sends)."""
    return _role(role), _code(area, (6, 9, 12, 15)), _text(contains, MAX_NAME)


def _error(exc: writes.UserError, lang: str) -> str:
    """A refused change in the page's language (its levels and level named, not coded)."""
    params = dict(exc.params)
    if "levels" in params:
        params["levels"] = "、".join(t(f"level.{x}", lang) for x in params["levels"])
    if params.get("level"):
        params["level"] = t(f"level.{params['level']}", lang)
    if "role" in params:
        params["role"] = t(f"role.{params['role']}", lang)
    return t(f"users.error.{exc.code}", lang).format(**params)


def _password(typed: Any, generate: Any) -> tuple[str, bool]:
    """(the password, whether it was generated); UserError/Refused when there is none."""
    typed = _text(typed, MAX_PASSWORD)
    if _ticked(generate):
        if typed:
            raise writes.UserError("password_both", "type a password or generate one, not both")
        return writes.generate_password(), True
    if not typed:
        raise writes.UserError("need_password", "a password is needed")
    writes.check_password(typed)
    return typed, False


def _once(password: str, lang: str) -> html.P:
    return html.P([t("users.password_once", lang), " ", html.Code(password, className="secret")])


@_calls.callback(
    Output(ids.USERS_TABLE, "children"),
    Input(ids.USERS_ROLE_FILTER, "value"),
    Input(ids.USERS_AREA_FILTER, "value"),
    Input(ids.USERS_TEXT_FILTER, "value"),
)
def list_users(role, area, contains):  # noqa: ANN001, ANN201
    """The users matching the filters."""
    lang = settings().language
    if not auth.may(PERMISSION):
        return [html.P(t("auth.no_permission", lang))]
    try:
        return listing(*filters_of(role, area, contains), lang)
    except Refused:
        return [html.P(t("users.bad_request", lang))]


@_calls.callback(
    Output(ids.USER_NEW_AREA, "options"),
    Input(ids.USER_NEW_ROLE, "value"),
    Input(ids.USER_NEW_AREA, "search_value"),
    State(ids.USER_NEW_AREA, "value"),
)
def area_options(role, search, chosen):  # noqa: ANN001, ANN201
    """Areas of the new user's role's level whose code or name matches what is typed (the
    chosen one kept in the list)."""
    if not auth.may(PERMISSION) or role not in ROLES:
        return []
    if search is not None and (not isinstance(search, str) or len(search) > MAX_NAME):
        return dash.no_update
    with connection() as conn:
        rows = reading.jurisdiction_options(conn, ROLE_AREA_LEVEL[role], search or None)
        if (
            isinstance(chosen, str)
            and len(chosen) <= 20
            and chosen not in {r["code"] for r in rows}
        ):
            name = reading.area_name(conn, chosen)
            rows += [{"code": chosen, "name": name}] if name else []
    return [{"label": f"{r['name']} · {r['code']}", "value": r["code"]} for r in rows]


@_calls.callback(
    Output(ids.USER_ADD_MESSAGE, "children"),
    Output(ids.USERS_TABLE, "children", allow_duplicate=True),
    Output(ids.USER_NEW_PASSWORD, "value"),
    Input(ids.USER_ADD, "n_clicks"),
    State(ids.USER_NEW_NAME, "value"),
    State(ids.USER_NEW_DISPLAY, "value"),
    State(ids.USER_NEW_ROLE, "value"),
    State(ids.USER_NEW_AREA, "value"),
    State(ids.USER_NEW_DEPARTMENT, "value"),
    State(ids.USER_NEW_PASSWORD, "value"),
    State(ids.USER_NEW_GENERATE, "value"),
    *FILTERS,
    prevent_initial_call=True,
)
def add_user(clicks, name, display, role, area, department, typed, generate, *filters):  # noqa: ANN001, ANN201, PLR0913
    """Create the user of the form (its jurisdiction checked against its role), audited."""
    lang = settings().language
    if not auth.may(PERMISSION):
        return t("auth.no_permission", lang), [], ""
    if not clicks:
        return dash.no_update, dash.no_update, dash.no_update
    try:
        name, display, role = _text(name, MAX_NAME), _text(display, MAX_DISPLAY), _role(role)
        area, department = _code(area, (6, 9, 12, 15)), _text(department, 16)
        shown = filters_of(*filters)
        if name is None or role is None:
            return t("users.need_name_role", lang), dash.no_update, dash.no_update
        # The field the role does not use is ignored (it may be left over from another role).
        area, department = (None, department) if role == "department" else (area, None)
        password, generated = _password(typed, generate)
        with connection() as conn:
            made = writes.create_user(conn, name, password, role, display_name=display,
                                      area_code=area, department_code=department,
                                      by=scope().user or "")  # fmt: skip
    except Refused:
        return t("users.bad_request", lang), dash.no_update, dash.no_update
    except writes.UserError as exc:
        return _error(exc, lang), dash.no_update, dash.no_update
    where = made["department_code"] or made["area_code"]
    done = [html.P(t("users.added", lang).format(name=made["username"], where=where))]
    return done + ([_once(password, lang)] if generated else []), listing(*shown, lang), ""


@_calls.callback(
    Output(ids.USERS_MESSAGE, "children"),
    Output(ids.USERS_TABLE, "children", allow_duplicate=True),
    Input({"type": ids.USER_ACT, "index": ALL, "action": ALL}, "n_clicks"),
    *FILTERS,
    prevent_initial_call=True,
)
def toggle_user(_clicks, *filters):  # noqa: ANN001, ANN201
    """Disable (every session of the user ends) or enable the clicked user, audited."""
    lang = settings().language
    if not auth.may(PERMISSION):
        return t("auth.no_permission", lang), []
    trigger = dash.ctx.triggered_id
    clicked = dash.ctx.triggered and dash.ctx.triggered[0].get("value")
    if not isinstance(trigger, dict) or not clicked:
        return dash.no_update, dash.no_update
    name, action = trigger.get("index"), trigger.get("action")
    try:
        shown = filters_of(*filters)
        name = _text(name, MAX_NAME)
        if action not in ("disable", "enable") or name is None:
            raise Refused(action)
        with connection() as conn:
            ended = writes.set_active(conn, name, action == "enable", by=scope().user or "")
    except Refused:
        return t("users.bad_request", lang), dash.no_update
    except writes.UserError as exc:
        return _error(exc, lang), dash.no_update
    message = t(f"users.{action}d", lang).format(name=name, ended=ended)
    return message, listing(*shown, lang)


@_calls.callback(
    Output(ids.USER_RESET_MESSAGE, "children"),
    Output(ids.USER_RESET_PASSWORD, "value"),
    Input(ids.USER_RESET, "n_clicks"),
    State(ids.USER_RESET_NAME, "value"),
    State(ids.USER_RESET_PASSWORD, "value"),
    State(ids.USER_RESET_GENERATE, "value"),
    prevent_initial_call=True,
)
def reset_password(clicks, name, typed, generate):  # noqa: ANN001, ANN201
    """A new password for the user (typed or generated, shown once); their sessions end."""
    lang = settings().language
    if not auth.may(PERMISSION):
        return t("auth.no_permission", lang), ""
    if not clicks:
        return dash.no_update, dash.no_update
    try:
        name = _text(name, MAX_NAME)
        if name is None:
            return t("users.need_name", lang), dash.no_update
        if name == scope().user:
            return t("users.error.self_reset", lang), ""
        password, generated = _password(typed, generate)
        with connection() as conn:
            ended = writes.set_password(conn, name, password, by=scope().user or "")
    except Refused:
        return t("users.bad_request", lang), dash.no_update
    except writes.UserError as exc:
        return _error(exc, lang), dash.no_update
    done = [html.P(t("users.reset.done", lang).format(name=name, ended=ended))]
    return done + ([_once(password, lang)] if generated else []), ""


# A user's "reset password" button fills the reset form's name (in the browser: no data moves).
_calls.clientside_callback(
    """function (clicks) {
        const ctx = window.dash_clientside.callback_context;
        const id = ctx.triggered_id;
        if (!id || !ctx.triggered.length || !ctx.triggered[0].value) {
            return window.dash_clientside.no_update;
        }
        return id.index;
    }""",
    Output(ids.USER_RESET_NAME, "value"),
    Input({"type": ids.USER_PICK, "index": ALL}, "n_clicks"),
    prevent_initial_call=True,
)

"""The /admin/users page: the user list with its filters and each user's actions (disable or
enable, pick for a password reset), the form adding a user and the password-reset form."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import dcc, html

from app import ids
from app.components.account import account_box
from app.components.admin import no_permission, role_label
from app.context import connection, settings
from app.web import auth
from domain.clock import local
from domain.i18n import t
from domain.scope import ROLES
from geodata.read import users as reading

MAX_NAME = 64
MAX_DISPLAY = 100
MAX_PASSWORD = 256


def _when(moment: datetime | None, lang: str) -> str:
    return f"{local(moment):%Y-%m-%d %H:%M}" if moment else t("users.never", lang)


def role_options(lang: str) -> list[dict[str, str]]:
    return [{"label": f"{role_label(r, lang)} · {r}", "value": r} for r in ROLES]


def _where(r: dict[str, Any]) -> list[Any]:
    """A user's jurisdiction: the area (code and name), or the department."""
    if r["department_code"]:
        return [html.Span(r["department_code"], className="code"), " ", r["department_name"] or ""]
    if r["area_code"]:
        return [html.Span(r["area_code"], className="code"), " ", r["area_name"] or ""]
    return ["—"]


def _actions(r: dict[str, Any], me: str | None, lang: str) -> list[Any]:
    out: list[Any] = []
    if r["username"] == me:
        out.append(html.Span(t("users.self", lang), className="users-self"))
    else:
        action = "disable" if r["active"] else "enable"
        out.append(html.Button(t(f"users.do.{action}", lang), n_clicks=0, className="admin-button",
                               id={"type": ids.USER_ACT, "index": r["username"], "action": action}))  # fmt: skip
        out.append(html.Button(t("users.do.reset", lang), n_clicks=0, className="admin-button",
                               id={"type": ids.USER_PICK, "index": r["username"]}))  # fmt: skip
    return out


def user_table(rows: list[dict[str, Any]], total: int, me: str | None, lang: str) -> list[Any]:
    """The users (at most ``reading.LIST_LIMIT``) with a line saying how many match."""
    if not rows:
        return [html.P(t("users.none", lang), className="admin-empty")]
    cols = ("username", "display_name", "role", "jurisdiction", "active", "created",
            "last_sign_in", "actions")  # fmt: skip
    body = [
        html.Tr(
            [
                html.Td(r["username"], className="users-name"),
                html.Td(r["display_name"]),
                html.Td([role_label(r["role"], lang), " ", html.Span(r["role"], className="code")]),
                html.Td(_where(r)),
                html.Td(t("users.active" if r["active"] else "users.inactive", lang),
                        className="users-active" if r["active"] else "users-inactive"),
                html.Td(_when(r["created_at"], lang)),
                html.Td(_when(r["last_sign_in"], lang)),
                html.Td(_actions(r, me, lang), className="users-actions"),
            ],
            id=f"user-row-{r['username']}",
        )
        for r in rows
    ]  # fmt: skip
    key = "users.count" if total <= len(rows) else "users.count_capped"
    return [
        html.P(t(key, lang).format(total=total, shown=len(rows)), className="admin-status"),
        html.Table(
            [html.Thead(html.Tr([html.Th(t(f"users.col.{c}", lang)) for c in cols])),
             html.Tbody(body)],
            className="admin-table users-table",
        ),
    ]  # fmt: skip


def listing(role: str | None, area: str | None, contains: str | None, lang: str) -> list[Any]:
    """The user table for these filters, as the caller may see it (row-level security)."""
    with connection() as conn:
        rows, total = reading.search_users(conn, role=role, area=area, contains=contains)
    return user_table(rows, total, (auth.current_user() or {}).get("username"), lang)


def _filters(areas: list[dict[str, str]], lang: str) -> html.Div:
    return html.Div(
        [
            dcc.Dropdown(id=ids.USERS_ROLE_FILTER, options=role_options(lang),
                         placeholder=t("users.filter.role", lang), className="admin-dropdown"),
            dcc.Dropdown(id=ids.USERS_AREA_FILTER, placeholder=t("users.filter.area", lang),
                         options=[{"label": f"{a['name']} · {a['code']}", "value": a["code"]}
                                  for a in areas], className="admin-dropdown"),
            dcc.Input(id=ids.USERS_TEXT_FILTER, type="text", debounce=True, maxLength=MAX_NAME,
                      placeholder=t("users.filter.text", lang), className="admin-input"),
        ],
        className="admin-filters",
    )  # fmt: skip


def _field(label_key: str, control: Any, lang: str) -> html.Label:
    return html.Label([html.Span(t(label_key, lang)), control], className="admin-field")


def _add_form(departments: list[dict[str, str]], lang: str) -> html.Div:
    generate = [{"label": t("users.add.generate", lang), "value": "generate"}]
    return html.Div(
        [
            html.H3(t("users.add.title", lang)),
            _field("users.add.username", dcc.Input(id=ids.USER_NEW_NAME, type="text",
                   maxLength=MAX_NAME, autoComplete="off"), lang),
            _field("users.add.display_name", dcc.Input(id=ids.USER_NEW_DISPLAY, type="text",
                   maxLength=MAX_DISPLAY), lang),
            _field("users.add.role", dcc.Dropdown(id=ids.USER_NEW_ROLE, options=role_options(lang),
                   clearable=False), lang),
            _field("users.add.area", dcc.Dropdown(id=ids.USER_NEW_AREA, options=[],
                   searchable=True), lang),
            _field("users.add.department", dcc.Dropdown(id=ids.USER_NEW_DEPARTMENT, options=[
                   {"label": f"{d['name']} · {d['code']}", "value": d["code"]} for d in departments]),
                   lang),
            _field("users.add.password", dcc.Input(id=ids.USER_NEW_PASSWORD, type="password",
                   maxLength=MAX_PASSWORD, autoComplete="new-password"), lang),
            dcc.Checklist(id=ids.USER_NEW_GENERATE, options=generate, value=[]),
            html.Button(t("users.add.submit", lang), id=ids.USER_ADD, n_clicks=0,
                        className="admin-button"),
            html.Div(id=ids.USER_ADD_MESSAGE, role="status", className="admin-message"),
        ],
        className="admin-form",
    )  # fmt: skip


def _reset_form(lang: str) -> html.Div:
    generate = [{"label": t("users.add.generate", lang), "value": "generate"}]
    return html.Div(
        [
            html.H3(t("users.reset.title", lang)),
            _field("users.reset.username", dcc.Input(id=ids.USER_RESET_NAME, type="text",
                   maxLength=MAX_NAME, autoComplete="off"), lang),
            _field("users.reset.password", dcc.Input(id=ids.USER_RESET_PASSWORD, type="password",
                   maxLength=MAX_PASSWORD, autoComplete="new-password"), lang),
            dcc.Checklist(id=ids.USER_RESET_GENERATE, options=generate, value=[]),
            html.Button(t("users.reset.submit", lang), id=ids.USER_RESET, n_clicks=0,
                        className="admin-button"),
            html.Div(id=ids.USER_RESET_MESSAGE, role="status", className="admin-message"),
        ],
        className="admin-form",
    )  # fmt: skip


def layout(**_query: str) -> html.Div:
    lang = settings().language
    if not auth.may("users.manage"):
        return no_permission("users.title", lang)
    with connection() as conn:
        areas = reading.filter_areas(conn)
        departments = reading.departments(conn)
    return html.Div(
        [
            html.Div([html.H2(t("users.title", lang)), html.A(t("auth.back_to_map", lang), href="/"),
                      account_box(auth.current_user(), lang, "/admin/users")],
                     className="admin-header"),
            _filters(areas, lang),
            html.Div(id=ids.USERS_MESSAGE, role="status", className="admin-message"),
            html.Div(id=ids.USERS_TABLE),
            html.Div([_add_form(departments, lang), _reset_form(lang)], className="admin-forms"),
        ],
        className="admin-page",
    )  # fmt: skip

"""登录: the sign-in form. It posts to the Flask route ``/auth/login``, which sets the session."""

from __future__ import annotations

import dash
from dash import dcc, html

from app.context import settings
from app.web.auth import LOGIN_ERRORS, current_user, safe_next
from domain.i18n import t

dash.register_page(__name__, path="/login", title=t("auth.page_title"))


def signed_in_panel(user: dict, target: str, lang: str) -> html.Div:
    """What a signed-in user sees instead of the form."""
    return html.Div(
        [
            html.P(
                t("auth.signed_in_as", lang).format(
                    name=user["display_name"], role=t(f"role.{user['role']}", lang)
                )
            ),
            html.A(t("auth.back_to_map", lang), href=target, className="auth-link"),
            " · ",
            html.A(t("auth.logout", lang), href="/auth/logout", className="auth-link"),
        ],
        className="auth-signed-in",
    )


def login_form(target: str, error: str | None, lang: str) -> html.Form:
    """The form: user name, password, hidden ``next``; the error (if any) above it."""
    children: list = []
    if error in LOGIN_ERRORS:
        children.append(
            html.Div(t(f"auth.error.{error}", lang), className="auth-error", role="alert")
        )
    children += [
        html.Label(t("auth.username", lang), htmlFor="login-username"),
        dcc.Input(
            id="login-username",
            name="username",
            type="text",
            autoComplete="username",
            required=True,
            maxLength=64,
        ),
        html.Label(t("auth.password", lang), htmlFor="login-password"),
        dcc.Input(
            id="login-password",
            name="password",
            type="password",
            autoComplete="current-password",
            required=True,
        ),
        dcc.Input(id="login-next", name="next", type="hidden", value=target),
        html.Button(t("auth.submit", lang), type="submit", className="auth-submit"),
        html.P(t("auth.anonymous_hint", lang), className="auth-hint"),
    ]
    return html.Form(children, action="/auth/login", method="POST", className="auth-form")


def layout(**query: str) -> html.Div:
    lang = settings().language
    target = safe_next(query.get("next"))
    user = current_user()
    if user:
        body = [signed_in_panel(user, target, lang)]
    else:
        body = [
            login_form(target, query.get("error"), lang),
            html.A(t("auth.back_to_map", lang), href="/", className="auth-link"),
        ]
    return html.Div([html.H1(t("auth.heading", lang)), *body], className="page-login")

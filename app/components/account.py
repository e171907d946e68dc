"""Who is signed in, for a page header: name and role, links to the administrator's pages for
an administrator, and a sign-out button (a POST form)."""

from __future__ import annotations

from dash import html

from app import ids
from domain.i18n import t
from domain.scope import can

# The administrator's pages: (permission, path, label key).
ADMIN_PAGES = (
    ("users.manage", "/admin/users", "nav.users"),
    ("audit.view", "/audit", "nav.audit"),
)


def admin_links(role: str | None, lang: str) -> list[html.Nav]:
    """Links to the pages ``role`` may open among the administrator's (none for other roles)."""
    links = [
        html.A(t(label, lang), href=path, className="admin-link")
        for permission, path, label in ADMIN_PAGES
        if can(role, permission)
    ]
    return [html.Nav(links, id=ids.ADMIN_NAV, className="admin-nav")] if links else []


def account_box(user: dict | None, lang: str, here: str = "/") -> html.Div:
    """The signed-in user's name and role with a sign-out button (empty when nobody is)."""
    if not user:
        return html.Div(className="account")
    who = t("auth.signed_in_as", lang).format(
        name=user.get("display_name") or user["username"], role=t(f"role.{user['role']}", lang)
    )
    return html.Div(
        [
            html.Span(who, className="account-name"),
            *admin_links(user.get("role"), lang),
            html.Form(
                [
                    html.Button(t("auth.logout", lang), type="submit", className="auth-link"),
                ],
                action="/auth/logout?next=/login",
                method="post",
                className="auth-logout",
            ),
        ],
        className="account",
        id="account",
    )

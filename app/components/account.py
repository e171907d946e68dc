"""Who is signed in, for a page header: name and role, links to the administrator's pages for
an administrator, and a sign-out button (a POST form)."""

from __future__ import annotations

from dash import html

from app import ids
from domain.i18n import t
from domain.scope import can

# The centre's pages, in the order a desk works: (permission, path, label key).
CENTRE_PAGES = (
    ("map.view", "/", "nav.map"),
    ("dispatch.view", "/dispatch", "nav.dispatch"),
    ("alerts.view", "/alerts", "nav.alerts"),
    ("demands.view", "/demands", "nav.demands"),
    ("tasks.view", "/tasks", "nav.tasks"),
    ("whistles.view", "/whistles", "nav.whistles"),
    ("governance.view", "/governance", "nav.governance"),
    ("key_persons.view", "/key-persons", "nav.key_persons"),
    ("performance.view", "/performance", "nav.performance"),
    ("wall.view", "/wall", "nav.wall"),
)
# The administrator's pages: (permission, path, label key).
ADMIN_PAGES = (
    ("users.manage", "/admin/users", "nav.users"),
    ("audit.view", "/audit", "nav.audit"),
)


def page_links(role: str | None, lang: str, here: str = "") -> list[html.Nav]:
    """Links to the centre's pages ``role`` may open, but the one it is on."""
    links = [
        html.A(t(label, lang), href=path, className="page-link")
        for permission, path, label in CENTRE_PAGES
        if can(role, permission) and path != here
    ]
    return [html.Nav(links, id=ids.PAGE_NAV, className="page-nav")] if links else []


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
            *page_links(user.get("role"), lang, here),
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

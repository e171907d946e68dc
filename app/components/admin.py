"""Pieces the administrator's pages share: the no-permission page and role names."""

from __future__ import annotations

from dash import html

from domain.i18n import MESSAGES, t


def no_permission(title_key: str, lang: str) -> html.Div:
    """What a signed-in user without the page's permission sees: a friendly line, no data."""
    return html.Div(
        [
            html.H2(t(title_key, lang)),
            html.P(t("auth.no_permission", lang), className="no-permission"),
            html.A(t("auth.back_to_map", lang), href="/"),
        ],
        className="admin-page",
    )


def role_label(role: str, lang: str) -> str:
    """A role's name, or the raw value for one the catalogue does not know."""
    key = f"role.{role}"
    return t(key, lang) if key in MESSAGES else role

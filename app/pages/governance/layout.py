"""The /governance page: an area (the caller's own or one below it; ``?area=`` names one inside
the jurisdiction) and its 微治理 figures, filled by the callback."""

from __future__ import annotations

from dash import dcc, html

from app import ids
from app.components.account import account_box
from app.context import connection, scope, settings
from app.web import auth
from domain import governance as rules
from domain.i18n import t
from geodata.read import governance as reading


def allowed_area(conn, code: object) -> dict | None:  # noqa: ANN001
    """The area ``code`` names when it lies in the caller's jurisdiction, else None."""
    own = rules.home_area(scope().areas)
    mine = reading.area(conn, own) if own else None
    if not isinstance(code, str) or not code.isdigit() or mine is None:
        return None
    found = reading.area(conn, code)
    if found is None or not rules.within(code, own, mine["level"] == "city"):
        return None
    return found


def area_options(current: str | None = None) -> list[dict[str, str]]:
    """The caller's own area, the areas one level below it, and ``current`` when it is inside."""
    own = rules.home_area(scope().areas)
    with connection() as conn:
        options = reading.area_options(conn, own) if own else []
        extra = allowed_area(conn, current) if current else None
    if extra and extra["code"] not in {o["value"] for o in options}:
        options.append({"label": extra["name"], "value": extra["code"]})
    return options


def layout(area: str | None = None, **_query: str) -> html.Div:
    lang = settings().language
    if not auth.may("governance.view"):
        return html.Div([html.H2(t("gov.title", lang)), html.P(t("auth.no_permission", lang))],
                        className="governance-page")  # fmt: skip
    options = area_options(area)
    values = [o["value"] for o in options]
    value = area if area in values else (values[0] if values else None)
    return html.Div(
        [
            html.Div(
                [
                    html.H2(t("gov.title", lang)),
                    account_box(auth.current_user(), lang, "/governance"),
                ],
                className="dispatch-header",
            ),  # fmt: skip
            html.P(t("gov.explain", lang), className="muted"),
            dcc.Dropdown(
                id=ids.GOV_AREA,
                options=options,
                value=value,
                clearable=False,
                className="dispatch-filter",
            ),  # fmt: skip
            dcc.Loading(html.Div(id=ids.GOV_BODY, className="governance-body")),
        ],
        className="dispatch-page governance-page",
    )

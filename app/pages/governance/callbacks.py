"""The /governance page's callback: the chosen area's 微治理 figures.

The area must lie in the caller's jurisdiction; people and cases come through the scoped
connection (row-level security), names and phones masked unless the caller is cleared.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, dcc, html

from app import ids
from app.context import connection, settings
from app.pages.governance.layout import allowed_area
from app.recorder import Recorder
from app.web import auth
from domain.i18n import t
from geodata.read import governance as reading

_calls = Recorder()
callback = _calls.callback
register = _calls.register

# (row key, message key) of the roll-up table's columns after the area's name.
COLUMNS = (
    ("grid_workers", "gov.grid_workers"),
    ("building_chiefs", "gov.building_chiefs"),
    ("unit_chiefs", "gov.unit_chiefs"),
    ("compounds", "gov.compounds"),
    ("party_branches", "gov.party_branches"),
    ("party_groups", "gov.party_groups"),
    ("committees", "gov.committees"),
    ("party_led", "gov.party_led"),
    ("fee_rate", "gov.fee_rate"),
    ("fee_change", "gov.fee_change"),
    ("gold_rooms", "gov.gold_rooms"),
    ("legal_volunteers", "gov.legal_volunteers"),
    ("trainings", "gov.trainings"),
    ("consultations", "gov.consultations"),
    ("gold_resolved", "gov.gold_resolved"),
    ("chief_reports", "gov.chief_reports"),
    ("settled", "gov.settled"),
)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def cell(row: dict[str, Any], key: str) -> str:
    """One figure as shown (rates as percentages, the fee change as before → after)."""
    if key == "fee_rate":
        return _pct(row.get("fee_rate"))
    if key == "fee_change":
        if not row.get("fee_changed"):
            return "—"
        return f"{_pct(row['fee_before'])} → {_pct(row['fee_after'])} ({row['fee_changed']})"
    if key == "settled":
        return f"{row['chief_settled']}/{row['chief_closed']} {_pct(row['settled_share'])}"
    return f"{int(row.get(key) or 0):,}"


def _rollup_table(rows: list[dict[str, Any]], whole: dict[str, Any], name: str,
                  lang: str) -> html.Table:  # fmt: skip
    head = html.Tr([html.Th(t("gov.area", lang))] + [html.Th(t(k, lang)) for _, k in COLUMNS])
    body = [
        html.Tr([html.Td(dcc.Link(r["name"], href=f"/governance?area={r['code']}"))]
                + [html.Td(cell(r, key)) for key, _ in COLUMNS])
        for r in rows
    ]  # fmt: skip
    foot = html.Tr([html.Th(name)] + [html.Th(cell(whole, key)) for key, _ in COLUMNS])
    return html.Table([html.Thead(head), html.Tbody([*body, foot])], className="gov-table")


def _compound_table(rows: list[dict[str, Any]], lang: str) -> html.Table:
    keys = ("gov.compound", "gov.party_groups", "gov.committee", "gov.property_company",
            "gov.fee_rate", "gov.fee_change", "gov.building_chiefs", "gov.unit_chiefs",
            "gov.chief_reports", "gov.settled")  # fmt: skip
    head = html.Tr([html.Th(t(k, lang)) for k in keys])
    body = []
    for r in rows:
        committee = (t(f"gov.committee.{r['committee_kind']}", lang)
                     + (t("gov.party_led_mark", lang) if r["committee_party_led"] else "")
                     ) if r["committee_kind"] else "—"  # fmt: skip
        before = r["fee_collection_rate_before"]
        change = ("—" if before is None else
                  f"{_pct(before)} → {_pct(r['fee_collection_rate'])} ({r['fee_rate_changed_year']})")  # fmt: skip
        body.append(html.Tr([
            html.Td(r["name"]), html.Td(r["party_groups"]), html.Td(committee),
            html.Td(r["property_company"] or "—"), html.Td(_pct(r["fee_collection_rate"])),
            html.Td(change), html.Td(r["building_chiefs"]), html.Td(r["unit_chiefs"]),
            html.Td(r["chief_reports"]),
            html.Td(f"{r['chief_settled']}/{r['chief_closed']} {_pct(r['settled_share'])}"),
        ]))  # fmt: skip
    return html.Table([html.Thead(head), html.Tbody(body)], className="gov-table")


def _people_table(rows: list[dict[str, Any]], lang: str) -> html.Table:
    body = [
        html.Tr([html.Td(t(f"gov.role.{r['role']}", lang)), html.Td(r["name"]),
                 html.Td(r["phone"] or "—"), html.Td(r["address"] or r["grid_code"]),
                 html.Td(r["unit_no"] or "")])
        for r in rows
    ]  # fmt: skip
    return html.Table(html.Tbody(body), className="gov-table gov-people")


def panel(code: str, lang: str) -> list[Any]:
    """The panel of one area already checked to lie in the caller's jurisdiction."""
    with connection() as conn:
        found = reading.area(conn, code)
        if found is None:
            return [html.P(t("gov.pick", lang))]
        if found["level"] == "community":
            compounds = reading.compounds(conn, code)
            people = reading.people(conn, code, auth.may("personal.unmask"))
            return [html.H3(t("gov.compounds_of", lang).format(name=found["name"])),
                    _compound_table(compounds, lang),
                    html.H3(t("gov.people", lang)), _people_table(people, lang)]  # fmt: skip
        rows = reading.rollup(conn, code, found["level"])
    whole = reading.total(rows)
    share = whole["settled_share"]
    return [
        html.P(t("gov.settled_line", lang).format(
            settled=whole["chief_settled"], closed=whole["chief_closed"], share=_pct(share)),
            className="gov-headline"),
        _rollup_table(rows, whole, found["name"], lang),
    ]  # fmt: skip


@callback(Output(ids.GOV_BODY, "children"), Input(ids.GOV_AREA, "value"))
def show_area(area):  # noqa: ANN001, ANN201
    """The 微治理 figures of ``area`` (refused outside the caller's jurisdiction)."""
    lang = settings().language
    if not auth.may("governance.view"):
        return html.P(t("auth.no_permission", lang))
    with connection() as conn:
        found = allowed_area(conn, area)
    if found is None:
        return html.P(t("gov.pick", lang))
    return panel(found["code"], lang)

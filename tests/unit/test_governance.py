"""微治理: the 小事不出楼栋 rule, and the demo generator reaching the brief's figures (exactly at
full scale, in proportion at small scale)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from domain import governance as rules
from etl.demo import DemoConfig, generate
from etl.demo.config import BRIEF


def test_gov101_settled_in_building_rule() -> None:
    assert rules.settled_in_building("building_chief", "grid_worker", "agreement")
    assert rules.settled_in_building("building_chief", "grid_worker", "withdrawn")
    assert not rules.settled_in_building("building_chief", "department", "agreement")
    assert not rules.settled_in_building("building_chief", "mediation", "agreement")
    assert not rules.settled_in_building("building_chief", "grid_worker", "litigation")
    assert not rules.settled_in_building("grid_worker", "grid_worker", "agreement")
    assert rules.closed_report("building_chief", "not_resolved")
    assert not rules.closed_report("building_chief", None)
    assert rules.share(1, 4) == 0.25 and rules.share(0, 0) is None
    assert rules.within("150102001", "150102", False)
    assert not rules.within("150103001", "150102", False)
    assert rules.within("150103001", "150100", True)
    assert not rules.within("", "150100", True)
    assert rules.home_area(("150102001002003",)) == "150102001002"


def _figures(data) -> dict[str, float]:  # noqa: ANN001
    chiefs = data.extra["building_chief"]
    comp = data.extra["compound"]
    rooms = data.extra["mediation_room"]
    gold = rooms[rooms["kind"] == "gold"]
    fee = comp[comp["fee_collection_rate_before"].notna()]
    return {
        "buildings": len(data.kinds["buildings"]),
        "chiefs": len(chiefs),
        "unit_chiefs": int((chiefs["kind"] == "unit").sum()),
        "compounds": len(comp),
        "branches": int(comp["party_branch"].sum()),
        "groups": int(comp["party_groups"].sum()),
        "led": int(comp["committee_party_led"].sum()),
        "volunteers": int(gold["legal_volunteers"].sum()),
        "trainings": int(gold["trainings"].sum()),
        "consultations": int(gold["consultations"].sum()),
        "townships": int((data.kinds["areas"]["level"] == "township").sum()),
        "fee_before": float(fee["fee_collection_rate_before"].mean()),
        "fee_after": float(fee["fee_collection_rate"].mean()),
        "fee_districts": set(fee["community_code"].str[:6]),
        "chief_reports": int((data.kinds["disputes"]["source"] == "building_chief").sum()),
    }


def _common(f: dict, data) -> None:  # noqa: ANN001
    comp = data.extra["compound"]
    chiefs = data.extra["building_chief"]
    assert f["fee_districts"] <= {BRIEF.fee_district}
    assert abs(f["fee_before"] - BRIEF.fee_before) < 0.05
    assert abs(f["fee_after"] - BRIEF.fee_after) < 0.05
    # A party-led committee has a branch; the kind is set exactly where there is a committee.
    assert (comp["party_branch"] | ~comp["committee_party_led"]).all()
    assert (comp["owners_committee"] == comp["committee_kind"].notna()).all()
    # Unit chiefs: stairwells 1..n of buildings that have a building chief, no stairwell twice.
    units = chiefs[chiefs["kind"] == "unit"]
    assert set(units["building_code"]) <= set(
        chiefs.loc[chiefs["kind"] == "building", "building_code"]
    )
    assert not units.duplicated(["building_code", "unit_no"]).any()
    assert (units["unit_no"] >= 1).all() and chiefs.loc[
        chiefs["kind"] == "building", "unit_no"
    ].isna().all()
    assert f["chief_reports"] > 0


def test_gov102_full_scale_reaches_the_brief() -> None:
    data = generate(DemoConfig.for_scale("full", seed=42, as_of=date(2025, 6, 1)))
    f = _figures(data)
    assert f["chiefs"] == BRIEF.chiefs == f["buildings"]
    assert f["branches"] == BRIEF.compound_party_branches == f["compounds"]
    assert f["groups"] == BRIEF.party_groups
    assert f["led"] == BRIEF.party_led_committees
    assert (f["volunteers"], f["trainings"], f["consultations"]) == (
        BRIEF.legal_volunteers, BRIEF.trainings, BRIEF.consultations)  # fmt: skip
    _common(f, data)


@pytest.fixture(scope="module")
def small():  # noqa: ANN201
    return generate(DemoConfig.for_scale("small", 7, date(2025, 6, 1)))


def test_gov103_small_scale_in_proportion(small) -> None:  # noqa: ANN001
    f = _figures(small)
    assert f["chiefs"] == f["buildings"]  # one chief per building on average, as in the brief
    assert f["branches"] == f["compounds"]
    per = f["compounds"] / BRIEF.compound_party_branches
    assert f["groups"] == round(BRIEF.party_groups * per)
    assert f["led"] == round(BRIEF.party_led_committees * per)
    scale = f["townships"] / 84
    assert f["volunteers"] == round(BRIEF.legal_volunteers * scale)
    assert f["consultations"] == round(BRIEF.consultations * scale)
    _common(f, small)
    assert np.isclose(f["chief_reports"] / len(small.kinds["disputes"]), 0.08, atol=0.04)

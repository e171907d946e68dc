"""微治理 panel on the small demo: its figures against independent SQL counts, the 小事不出楼栋
share against the domain rule applied row by row, and the page's jurisdiction and masking."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.main import create_app
from domain import governance as rules
from geodata.read import governance as reading
from geodata.settings import Settings
from tests.integration.dash_calls import call, signed_in, strings

pytestmark = pytest.mark.db


def _one(conn, sql: str, **binds):  # noqa: ANN001, ANN202
    return conn.execute(text(sql), binds).scalar()


def test_gov001_city_rollup_equals_plain_counts(conn, demo_db) -> None:  # noqa: ANN001
    city = _one(conn, "SELECT code FROM admin_area WHERE level = 'city'")
    rows = reading.rollup(conn, city, "city")
    whole = reading.total(rows)
    assert len(rows) == _one(conn, "SELECT count(*) FROM admin_area WHERE level = 'district'")
    assert whole["grid_workers"] == _one(conn, "SELECT count(*) FROM grid_worker")
    assert whole["building_chiefs"] == _one(
        conn, "SELECT count(*) FROM building_chief WHERE kind = 'building'"
    )
    assert whole["unit_chiefs"] == _one(
        conn, "SELECT count(*) FROM building_chief WHERE kind = 'unit'"
    )
    assert whole["building_chiefs"] + whole["unit_chiefs"] == _one(
        conn, "SELECT count(*) FROM building"
    )
    assert (
        whole["compounds"] == whole["party_branches"] == _one(conn, "SELECT count(*) FROM compound")
    )
    assert whole["party_groups"] == _one(conn, "SELECT sum(party_groups) FROM compound")
    assert whole["party_led"] == _one(
        conn, "SELECT count(*) FROM compound WHERE committee_party_led"
    )
    assert whole["committees"] == _one(conn, "SELECT count(*) FROM compound WHERE owners_committee")
    assert whole["legal_volunteers"] == _one(
        conn, "SELECT sum(legal_volunteers) FROM mediation_room WHERE kind = 'gold'"
    )
    assert whole["gold_resolved"] == _one(
        conn,
        "SELECT count(*) FROM dispute d JOIN mediation_room r ON r.id = d.mediation_room_id"
        " WHERE r.kind = 'gold' AND d.status IN ('resolved', 'archived')"
        " AND d.outcome_code IN ('agreement', 'withdrawn')",
    )
    before, after = conn.execute(
        text("SELECT avg(fee_collection_rate_before), avg(fee_collection_rate) FROM compound"
             " WHERE fee_collection_rate_before IS NOT NULL")
    ).one()  # fmt: skip
    assert whole["fee_before"] == pytest.approx(float(before))
    assert whole["fee_after"] == pytest.approx(float(after))
    # 小事不出楼栋: the domain rule over every chief's report, row by row.
    reports = conn.execute(
        text(
            "SELECT source, assignee_kind, outcome_code FROM dispute WHERE source = 'building_chief'"
        )
    ).all()
    closed = sum(rules.closed_report(*r[::2]) for r in reports)
    settled = sum(rules.settled_in_building(*r) for r in reports)
    assert (whole["chief_reports"], whole["chief_closed"], whole["chief_settled"]) == (
        len(reports), closed, settled)  # fmt: skip
    assert 0 < settled < closed


def test_gov002_district_township_and_compounds_add_up(conn, demo_db) -> None:  # noqa: ANN001
    district, township = conn.execute(
        text("SELECT a.parent_code, a.code FROM admin_area a JOIN compound p"
             " ON left(p.community_code, 9) = a.code WHERE a.level = 'township'"
             " GROUP BY a.code ORDER BY count(*) DESC, a.code LIMIT 1")
    ).one()  # fmt: skip
    d = {r["code"]: r for r in reading.rollup(conn, district, "district")}[township]
    t = reading.total(reading.rollup(conn, township, "township"))
    for key in ("grid_workers", "building_chiefs", "unit_chiefs", "compounds", "party_groups",
                "chief_reports", "chief_settled"):  # fmt: skip
        assert d[key] == t[key], key
    community = _one(
        conn, "SELECT community_code FROM compound WHERE community_code LIKE :t || '%'"
        " ORDER BY community_code LIMIT 1", t=township,
    )  # fmt: skip
    comps = reading.compounds(conn, community)
    assert len(comps) == _one(conn, "SELECT count(*) FROM compound WHERE community_code = :c",
                              c=community)  # fmt: skip
    first = comps[0]
    assert first["building_chiefs"] + first["unit_chiefs"] == _one(
        conn,
        "SELECT count(*) FROM building_chief c JOIN building b ON b.id = c.building_id"
        " JOIN compound p ON ST_Within(b.centroid, p.geom) WHERE p.id = :i",
        i=first["id"],
    )


def _community_with_chiefs(engine):  # noqa: ANN001, ANN202
    with engine.connect() as c:
        return c.execute(
            text("SELECT left(b.grid_code, 12), c.name FROM building_chief c"
                 " JOIN building b ON b.id = c.building_id WHERE char_length(c.name) >= 2"
                 " AND left(c.name, 2) NOT IN ('欧阳', '司马') ORDER BY b.grid_code, c.id LIMIT 1")
        ).one()  # fmt: skip


def test_gov003_page_jurisdiction_and_masking(app_engine, engine, demo_db) -> None:  # noqa: ANN001
    community, name = _community_with_chiefs(engine)
    app = create_app(Settings(), engine=app_engine)
    app.server.test_client().get("/healthz")

    def panel(client, area: str) -> str:  # noqa: ANN001
        out = call(app, client, "gov-body.children", {"gov-area.value": area})
        return " ".join(strings(out))

    own = signed_in(app, engine, "gov_d", "district", area_code=community[:6], department_code=None)
    seen = panel(own, community)
    assert name not in seen and name[0] + "*" in seen  # masked for a district user
    with engine.connect() as c:
        other = _one(c, "SELECT code FROM admin_area WHERE level = 'district' AND code <> :d"
                     " ORDER BY code LIMIT 1", d=community[:6])  # fmt: skip
    far = signed_in(app, engine, "gov_far", "district", area_code=other, department_code=None)
    refused = panel(far, community)
    assert name[0] + "*" not in refused and "楼栋长" not in refused
    admin = signed_in(app, engine, "gov_admin", "admin")
    assert name in panel(admin, community)
    for role in ("analyst", "display", "department"):
        client = signed_in(app, engine, f"gov_{role}", role)
        assert name[0] + "*" not in panel(client, community)
    # The district's own roll-up names its townships; a foreign one is refused.
    assert "小事不出楼栋" in panel(own, community[:6]) or "Settled" in panel(own, community[:6])

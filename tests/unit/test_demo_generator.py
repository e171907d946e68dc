"""The demo generator without a database: determinism, shapes, plausibility, full-scale counts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import shapely
from pandas.testing import assert_frame_equal
from shapely.geometry import shape

from etl.demo import (
    URBAN_DISTRICTS,
    DemoConfig,
    DemoData,
    generate,
    plan_counts,
    plan_totals,
    read_districts,
)
from etl.idcard import id_check_digit, valid_id_number
from etl.load import KIND_FIELDS
from geodata.load.seed import DISPUTE_TYPES, WHISTLE_CLASSES

AS_OF = date(2026, 11, 28)
AS_OF_TS = pd.Timestamp(AS_OF, tz="Asia/Shanghai")

KIND_COLUMNS = {
    "areas": ["code", "name", "level", "parent_code"],
    "grids": ["code", "name", "community_code", "residents", "households"],
    "buildings": ["code", "grid_code", "address", "floors"],
    "housing-units": ["building_code", "unit_no", "floor", "residents", "occupancy"],
    "grid-workers": ["code", "name", "grid_code", "phone"],
    "key-persons": ["name", "id_number", "phone", "category", "grid_code", "risk_level"],
    "disputes": [
        "source_ref",
        "source",
        "type",
        "title",
        "description",
        "address",
        "reported_at",
        "parties",
        "status",
        "risk_level",
        "resolved_at",
        "outcome",
        "satisfaction",
        "involves_key_person",
    ],
    "patrols": ["worker_code", "visited_at", "building_code", "finding", "anomaly_type"],
    "whistles": [
        "source_ref",
        "community_code",
        "category",
        "item",
        "raised_at",
        "responding_department",
        "responded_at",
        "status",
        "evaluation",
    ],
}
EXTRA_COLUMNS = {
    "compound": [
        "name",
        "community_code",
        "party_branch",
        "owners_committee",
        "property_company",
        "fee_collection_rate",
    ],
    "mediation_room": ["name", "kind", "area_code"],
    "mediator": ["name", "room_name", "specialty"],
    "building_chief": ["building_code", "name", "phone"],
    "dispute_sub_case": [
        "source_ref",
        "seq",
        "department_code",
        "task",
        "status",
        "due_at",
        "resolved_at",
    ],
    "dispute_event": [
        "source_ref",
        "seq",
        "action",
        "actor",
        "department_code",
        "at",
        "note",
        "sub_case_seq",
    ],
    "patrol_task": ["grid_code", "worker_code", "due_on", "priority", "reason", "status"],
}
GEOMETRY_KINDS = {"areas", "grids", "buildings", "key-persons", "disputes", "patrols"}
GEOMETRY_EXTRA = {"compound", "mediation_room"}


def _one_district(seed: int = 3) -> DemoConfig:
    return replace(DemoConfig.for_scale("small", seed, AS_OF), districts=("150103",))


@pytest.fixture(scope="module")
def small() -> DemoData:
    """The small city (all nine districts), built once for the plausibility tests."""
    return generate(DemoConfig.for_scale("small", 7, AS_OF))


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Geometry as WKB, so frames compare byte for byte."""
    if "geometry" not in frame.columns:
        return frame
    out = pd.DataFrame(frame.drop(columns="geometry"))
    out["geometry"] = shapely.to_wkb(np.asarray(frame.geometry.values, dtype=object))
    return out


def _local_month_day(ts: pd.Series) -> pd.Series:
    local = ts.dt.tz_convert("Asia/Shanghai")
    return local.dt.month * 100 + local.dt.day


def test_gen001_same_seed_same_frames() -> None:
    a, b = generate(_one_district()), generate(_one_district())
    assert list(a.kinds) == list(b.kinds) and list(a.extra) == list(b.extra)
    for name in a.kinds:
        assert_frame_equal(_plain(a.kinds[name]), _plain(b.kinds[name]), obj=name)
    for name in a.extra:
        assert_frame_equal(_plain(a.extra[name]), _plain(b.extra[name]), obj=name)
    c = generate(_one_district(seed=4))
    assert not _plain(a.kinds["grids"]).equals(_plain(c.kinds["grids"]))
    assert not _plain(a.kinds["patrols"]).equals(_plain(c.kinds["patrols"]))


def test_gen002_districts_are_converted_from_gcj02() -> None:
    districts = read_districts()
    assert [d["code"] for d in districts][:2] == ["150100", "150102"]
    assert len(districts) == 10
    for d in districts:
        assert d["geom"].is_valid and d["geom"].geom_type == "MultiPolygon"
    # GCJ-02 is shifted north-east of WGS84 by a few hundred metres around Hohhot.
    raw = json.loads(
        (resources.files("geodata") / "data" / "hohhot_admin_gcj02.geojson").read_text("utf-8")
    )
    gcj = shape(raw["features"][1]["geometry"]).centroid
    wgs = districts[1]["geom"].centroid
    assert 0.002 < gcj.x - wgs.x < 0.01 and 0.0 < gcj.y - wgs.y < 0.005


def test_gen003_output_contract(small: DemoData) -> None:
    assert list(small.kinds) == list(KIND_COLUMNS)
    assert list(small.extra) == list(EXTRA_COLUMNS)
    for kind, frame in small.kinds.items():
        expected = KIND_COLUMNS[kind] + ["row_ref"]
        assert [c for c in frame.columns if c != "geometry"] == expected, kind
        assert frame["row_ref"].is_unique and frame["row_ref"].str.startswith("demo:").all()
        # Everything the loader accepts for the kind is there — except the grid of a point,
        # which the loader must find itself.
        accepted = {f.name for f in KIND_FIELDS[kind]} - {"grid_code"}
        if kind in ("key-persons", "buildings", "grid-workers"):
            accepted.add("grid_code")
        assert accepted <= set(frame.columns), kind
    assert "grid_code" not in small.kinds["disputes"].columns
    assert "grid_code" not in small.kinds["patrols"].columns
    for name, frame in small.extra.items():
        assert [c for c in frame.columns if c != "geometry"] == EXTRA_COLUMNS[name], name
    frames = {**small.kinds, **small.extra}
    for name, frame in frames.items():
        has_geometry = name in GEOMETRY_KINDS | GEOMETRY_EXTRA
        assert ("geometry" in frame.columns) == has_geometry, name
        if has_geometry:
            assert frame.crs is not None and frame.crs.to_epsg() == 4326, name
            assert not frame.geometry.is_empty.any() and frame.geometry.is_valid.all(), name
        for col in frame.columns:
            dtype = frame[col].dtype
            if col in ("reported_at", "resolved_at", "visited_at", "raised_at", "responded_at"):
                assert str(dtype) == "datetime64[ns, UTC]", (name, col)
            elif col in ("at", "due_at"):
                assert str(dtype) == "datetime64[ns, UTC]", (name, col)
            elif col in ("satisfaction", "evaluation", "sub_case_seq"):
                assert str(dtype) == "Int64", (name, col)
            elif col in ("residents", "households", "floors", "floor", "parties", "seq"):
                assert dtype == np.int64, (name, col)
            elif col != "geometry" and dtype.kind not in "bf":
                assert dtype.kind == "O", (name, col)
    types = {
        geom
        for name in ("key-persons", "disputes", "patrols")
        for geom in frames[name].geometry.geom_type.unique()
    }
    assert types == {"Point"}
    for name in ("areas", "grids", "buildings", "compound"):
        assert set(frames[name].geometry.geom_type) == {"MultiPolygon"}, name


def test_gen004_codes_follow_the_statistical_division_scheme(small: DemoData) -> None:
    areas = small.kinds["areas"]
    rank = {"city": 0, "district": 1, "township": 2, "community": 3}
    assert list(areas["level"].map(rank)) == sorted(areas["level"].map(rank))
    levels = dict(zip(areas["code"], areas["level"], strict=True))
    for code, level, parent in zip(
        areas["code"], areas["level"], areas["parent_code"], strict=True
    ):
        assert len(code) == {"city": 6, "district": 6, "township": 9, "community": 12}[level]
        if level == "city":
            assert parent is None
        elif level == "district":
            assert parent == "150100"
        else:
            assert code.startswith(parent) and len(code) == len(parent) + 3
    assert len({c[:6] for c in areas["code"]}) == 10  # city + all nine districts
    grids = small.kinds["grids"]
    for code, community in zip(grids["code"], grids["community_code"], strict=True):
        assert code.startswith(community) and len(code) == 15
        assert levels[community] == "community"
    buildings = small.kinds["buildings"]
    assert buildings["code"].is_unique
    assert all(
        b.startswith("B" + g)
        for b, g in zip(buildings["code"], buildings["grid_code"], strict=True)
    )
    workers = small.kinds["grid-workers"]
    assert list(workers["code"]) == ["W" + g for g in grids["code"]]


def test_gen005_people_and_buildings_are_plausible(small: DemoData) -> None:
    units = small.kinds["housing-units"]
    assert (units.loc[units["occupancy"] == "vacant", "residents"] == 0).all()
    assert set(units["occupancy"]) <= {"owner", "rented", "vacant", "other"}
    assert not units.duplicated(["building_code", "unit_no"]).any()
    grids = small.kinds["grids"]
    buildings = small.kinds["buildings"]
    assert grids["residents"].sum() == units["residents"].sum()
    unit_grid = units["building_code"].map(buildings.set_index("code")["grid_code"])
    per_grid = units.groupby(unit_grid)["residents"].sum()
    assert (grids.set_index("code")["residents"] == per_grid.reindex(grids["code"])).all()
    occupied = units[units["occupancy"] != "vacant"].groupby(unit_grid)["residents"].size()
    assert (grids.set_index("code")["households"] == occupied.reindex(grids["code"])).all()
    # Urban districts build high-rises, the rest low-rise.
    urban = buildings["grid_code"].str[:6].isin(URBAN_DISTRICTS)
    assert buildings.loc[urban, "floors"].between(6, 33).all()
    assert buildings.loc[~urban, "floors"].between(1, 3).all()
    # Footprints lie inside their grid.
    grid_geom = grids.set_index("code").geometry
    assert shapely.contains(
        np.asarray(grid_geom.loc[buildings["grid_code"]].values, dtype=object),
        np.asarray(buildings.geometry.values, dtype=object),
    ).all()
    key = small.kinds["key-persons"]
    assert key["id_number"].is_unique
    for id_number in key["id_number"]:
        assert valid_id_number(id_number)
        assert id_number[-1] == id_check_digit(id_number[:17])
    assert set(key["risk_level"]) <= {"low", "medium", "high"}


def test_gen006_patrols_stay_in_the_workers_grid(small: DemoData) -> None:
    patrols = small.kinds["patrols"]
    grids = small.kinds["grids"]
    assert len(patrols) == 6_000
    assert not patrols.duplicated(["worker_code", "visited_at"]).any()
    assert patrols["visited_at"].is_monotonic_increasing
    assert (patrols["visited_at"] < AS_OF_TS).all()
    assert (patrols["visited_at"] >= AS_OF_TS - pd.Timedelta(days=366)).all()
    geoms = np.asarray(grids.geometry.values, dtype=object)
    shapely.prepare(geoms)
    index = pd.Index(grids["code"]).get_indexer(patrols["worker_code"].str[1:])
    assert (index >= 0).all()
    xy = shapely.get_coordinates(np.asarray(patrols.geometry.values, dtype=object))
    assert shapely.contains_xy(geoms[index], xy[:, 0], xy[:, 1]).all()
    # The visited building belongs to the worker's grid.
    buildings = small.kinds["buildings"]
    b_grid = patrols["building_code"].map(buildings.set_index("code")["grid_code"])
    assert (b_grid == patrols["worker_code"].str[1:]).all()
    anomaly = patrols["anomaly_type"].notna()
    assert anomaly.sum() == round(6_000 * DemoConfig.for_scale("small", 7).anomaly_rate)
    assert (patrols.loc[~anomaly, "finding"] == "正常").all()


def test_gen007_disputes_are_plausible(small: DemoData) -> None:
    disputes = small.kinds["disputes"]
    assert len(disputes) == 600
    assert disputes["source_ref"].is_unique
    assert disputes["reported_at"].is_monotonic_increasing
    assert (disputes["reported_at"] < AS_OF_TS).all()
    assert set(disputes["type"]) <= {t[0] for t in DISPUTE_TYPES}
    assert set(disputes["source"]) <= {
        "hotline",
        "police",
        "court",
        "petition",
        "grid_worker",
        "walk_in",
        "other",
    }
    heating = _local_month_day(disputes.loc[disputes["type"] == "heating", "reported_at"])
    assert len(heating) > 0
    assert ((heating >= 1015) | (heating <= 415)).all()
    resolved = disputes["resolved_at"]
    assert (resolved.isna() | (resolved >= disputes["reported_at"])).all()
    assert (resolved.isna() | (resolved < AS_OF_TS)).all()
    status = disputes["status"]
    assert resolved[status == "resolved"].notna().all()
    assert resolved[status.isin(["received", "assigned", "in_progress", "unresolved"])].isna().all()
    closed = status.isin(["resolved", "unresolved", "archived"])
    success = resolved.notna().sum() / closed.sum()
    assert 0.65 < success < 0.85
    satisfaction = disputes["satisfaction"].dropna()
    assert satisfaction.between(1, 5).all()
    assert disputes["involves_key_person"].dtype == bool
    # Every dispute point lies in the grid of the building it is addressed to.
    grids = small.kinds["grids"]
    buildings = small.kinds["buildings"]
    grid_index = pd.Series(np.arange(len(grids)), index=grids["code"])
    grid_of = buildings.set_index("address")["grid_code"].map(grid_index)
    geoms = np.asarray(grids.geometry.values, dtype=object)
    index = disputes["address"].map(grid_of).to_numpy(dtype=np.int64)
    xy = shapely.get_coordinates(np.asarray(disputes.geometry.values, dtype=object))
    assert shapely.contains_xy(geoms[index], xy[:, 0], xy[:, 1]).all()


def test_gen008_dispute_histories_are_complete_and_ordered(small: DemoData) -> None:
    disputes = small.kinds["disputes"].set_index("source_ref")
    events = small.extra["dispute_event"]
    subs = small.extra["dispute_sub_case"]
    assert set(events["source_ref"]) == set(disputes.index)
    assert (events["at"] < AS_OF_TS).all()
    order = {a: i for i, a in enumerate(["accept", "proxy", "assign", "consult", "supervise"])}
    for ref, case in events.groupby("source_ref", sort=False):
        assert list(case["seq"]) == list(range(1, len(case) + 1)), ref
        assert case["at"].is_monotonic_increasing, ref
        actions = list(case["action"])
        assert actions[0] == "accept", ref
        assert case["at"].iloc[0] == disputes.at[ref, "reported_at"], ref
        early = [order[a] for a in actions if a in order]
        assert early == sorted(early), ref
        status = disputes.at[ref, "status"]
        closed = status in ("resolved", "unresolved", "archived")
        assert ("resolve" in actions) == closed, ref
        if closed:
            assert actions.index("assign") < actions.index("resolve"), ref
        if status == "archived":
            assert actions[-1] == "archive", ref
            assert actions.index("resolve") < actions.index("evaluate") < len(actions) - 1, ref
        resolved_at = disputes.at[ref, "resolved_at"]
        if pd.notna(resolved_at):
            assert case.loc[case["action"] == "resolve", "at"].iloc[0] == resolved_at, ref
    # Sub-cases: numbered per case; each is opened by one consult event that names it.
    assert set(subs["source_ref"]) <= set(disputes.index)
    assert not subs.duplicated(["source_ref", "seq"]).any()
    consult = events[events["action"] == "consult"]
    assert consult["sub_case_seq"].notna().all()
    assert events.loc[events["action"] != "consult", "sub_case_seq"].isna().all()
    pairs = set(zip(consult["source_ref"], consult["sub_case_seq"].astype(int), strict=True))
    assert pairs == set(zip(subs["source_ref"], subs["seq"], strict=True))
    assert set(subs["status"]) <= {"open", "done", "failed"}
    done = subs["status"] == "done"
    assert subs.loc[done, "resolved_at"].notna().all()
    assert subs.loc[~done, "resolved_at"].isna().all()
    multi = disputes.loc[subs["source_ref"].unique(), "parties"]
    assert (multi >= 6).all()


def test_gen009_whistles_compounds_and_rooms(small: DemoData) -> None:
    whistles = small.kinds["whistles"]
    assert len(whistles) == 300 and whistles["source_ref"].is_unique
    assert set(whistles["category"]) == {w[0] for w in WHISTLE_CLASSES}
    heating = _local_month_day(whistles.loc[whistles["category"] == "W07", "raised_at"])
    assert ((heating >= 1015) | (heating <= 415)).all()
    responded = whistles["responded_at"]
    assert (responded.isna() | (responded >= whistles["raised_at"])).all()
    assert (responded.isna() == (whistles["status"] == "raised")).all()
    assert (whistles["evaluation"].isna() == whistles["status"].isin(["raised", "responded"])).all()
    communities = small.kinds["areas"].query("level == 'community'")
    assert set(whistles["community_code"]) <= set(communities["code"])
    compounds = small.extra["compound"]
    assert len(compounds) == len(communities)  # small scale: one per community
    assert compounds["fee_collection_rate"].between(0, 1).all()
    rooms = small.extra["mediation_room"]
    assert rooms["name"].is_unique
    assert set(small.extra["mediator"]["room_name"]) <= set(rooms["name"])
    assert set(rooms["kind"]) <= {"gold", "expert", "people", "industry", "other"}
    chiefs = small.extra["building_chief"]
    assert set(chiefs["building_code"]) <= set(small.kinds["buildings"]["code"])
    tasks = small.extra["patrol_task"]
    assert (tasks["worker_code"] == "W" + tasks["grid_code"]).all()
    assert all(isinstance(d, date) and d >= AS_OF for d in tasks["due_on"])


def test_gen010_full_scale_plan_hits_hohhot_totals() -> None:
    cfg = DemoConfig.for_scale("full", 1, AS_OF)
    districts = read_districts()
    plans = plan_counts(cfg, districts)
    totals = plan_totals(plans)
    assert totals["districts"] == 9
    assert totals["townships"] == 84
    assert totals["communities"] == 1_415
    assert totals["grids"] == 6_158
    assert abs(totals["buildings"] - 74_000) <= 740
    assert abs(totals["housing_units"] - 2_116_000) <= 0.005 * 2_116_000
    assert abs(totals["residents"] - 3_400_000) <= 34_000
    for p in plans.values():
        assert (p.communities_per_township >= 1).all() and (p.grids_per_community >= 1).all()
        assert (p.buildings_per_grid >= 1).all()
        assert p.communities_per_township.sum() == p.communities
        assert p.grids_per_community.sum() == p.grids
        assert p.buildings_per_grid.sum() == p.buildings
        lo, hi = (6, 33) if p.urban else (1, 3)
        assert p.floors.min() >= lo and p.floors.max() <= hi
        if p.urban:
            assert p.units_per_floor.min() >= 2 and p.units_per_floor.max() <= 4
    # Urban districts are denser: more grids per km² and more people per grid than rural ones.
    area = {d["code"]: d["geom"].area for d in districts}
    density = {c: p.grids / area[c] for c, p in plans.items()}
    assert min(density[c] for c in URBAN_DISTRICTS) > max(
        density[c] for c in plans if c not in URBAN_DISTRICTS
    )
    # The plan is deterministic, and a district subset is a slice of the city plan.
    again = plan_counts(cfg, districts)
    subset = plan_counts(replace(cfg, districts=("150103", "150125")), districts)
    assert list(subset) == ["150103", "150125"]
    for code, p in subset.items():
        assert np.array_equal(p.floors, again[code].floors)
        assert np.array_equal(p.buildings_per_grid, plans[code].buildings_per_grid)
        assert p.residents == plans[code].residents


def test_gen011_small_plan_uses_the_ranges() -> None:
    cfg = DemoConfig.for_scale("small", 5, AS_OF)
    plans = plan_counts(cfg, read_districts())
    assert len(plans) == 9
    for p in plans.values():
        assert 3 <= p.townships <= 4
        assert p.communities_per_township.min() >= 3 and p.communities_per_township.max() <= 4
        assert p.grids_per_community.min() >= 3 and p.grids_per_community.max() <= 4
        assert p.buildings_per_grid.min() >= 3 and p.buildings_per_grid.max() <= 6
    data = generate(replace(cfg, districts=("150103",)))
    plan = plans["150103"]
    assert len(data.kinds["grids"]) == plan.grids
    assert len(data.kinds["buildings"]) == plan.buildings
    assert len(data.kinds["housing-units"]) == plan.housing_units
    assert data.kinds["housing-units"]["residents"].sum() == plan.residents


def test_gen012_id_check_digit_known_value() -> None:
    # The GB 11643 example number 11010519491231002X.
    assert id_check_digit("11010519491231002") == "X"

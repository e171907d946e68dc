"""The demo generator without a database: determinism, shapes, plausibility, full-scale counts."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import shapely
from pandas.testing import assert_frame_equal
from shapely.geometry import shape

from domain import sla, workdays, workflow
from domain.vocab import DISPUTE_STATUSES, OPEN_STATUSES, RESOLVING_OUTCOMES, UNSATISFIED_AT_MOST
from etl.demo import (
    URBAN_DISTRICTS,
    DemoConfig,
    DemoData,
    generate,
    plan_counts,
    plan_totals,
    read_districts,
)
from etl.demo.workflow import MIN_WAITING, EventLog, calendar
from etl.demo.workflow_text import DEPT_NAMES
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
        "reporter_name",
        "reporter_phone",
        "merged_into",
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
        "party_groups",
        "committee_kind",
        "committee_party_led",
        "fee_collection_rate_before",
        "fee_rate_changed_year",
    ],
    "mediation_room": [
        "name",
        "kind",
        "area_code",
        "legal_volunteers",
        "trainings",
        "consultations",
    ],
    "mediator": ["name", "room_name", "specialty"],
    "building_chief": ["building_code", "name", "phone", "kind", "unit_no"],
    "dispute_sub_case": [
        "source_ref",
        "seq",
        "department_code",
        "task",
        "status",
        "due_at",
        "resolved_at",
        "created_at",
        "time_limit_days",
        "facts",
        "law",
        "plan",
        "planned_at",
        "outcome",
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
        "detail",
        "room_name",
        "mediator_name",
        "worker_code",
        "into_ref",
    ],
    "consultation": [
        "source_ref",
        "held_at",
        "departments",
        "participants",
        "minutes",
        "outcome",
        "created_by",
    ],
    "dispute_link": ["source_ref", "other_ref", "kind", "score", "reason", "created_at"],
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


def _last_outcome(events: pd.DataFrame) -> pd.Series:
    """source_ref → the outcome code of the case's last 化解."""
    resolve = events[events["action"] == "resolve"].sort_values(["source_ref", "seq"])
    codes = resolve["detail"].map(lambda d: json.loads(d)["outcome"])
    return codes.groupby(resolve["source_ref"]).last()


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


NULLABLE_INTS = ("satisfaction", "evaluation", "sub_case_seq", "fee_rate_changed_year",
                 "legal_volunteers", "trainings", "consultations")  # fmt: skip


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
            # Only a case that waits for its location (定位) has no point.
            located = frame.geometry.notna()
            assert name == "disputes" or located.all(), name
            geoms = frame.geometry[located]
            assert not geoms.is_empty.any() and geoms.is_valid.all(), name
        for col in frame.columns:
            dtype = frame[col].dtype
            if col in ("reported_at", "resolved_at", "visited_at", "raised_at", "responded_at"):
                assert str(dtype) == "datetime64[ns, UTC]", (name, col)
            elif col in ("at", "due_at", "created_at", "planned_at", "held_at"):
                assert str(dtype) == "datetime64[ns, UTC]", (name, col)
            elif (name, col) == ("building_chief", "unit_no") or col in NULLABLE_INTS:
                assert str(dtype) == "Int64", (name, col)
            elif col in ("residents", "households", "floors", "floor", "parties", "seq",
                         "party_groups"):  # fmt: skip
                assert dtype == np.int64, (name, col)
            elif col in ("time_limit_days",):
                assert dtype == np.int64, (name, col)
            elif col != "geometry" and dtype.kind not in "bf":
                assert dtype.kind == "O", (name, col)
    types = {
        geom
        for name in ("key-persons", "disputes", "patrols")
        for geom in frames[name].geometry.dropna().geom_type.unique()
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
        "building_chief",
    }
    heating = _local_month_day(disputes.loc[disputes["type"] == "heating", "reported_at"])
    assert len(heating) > 0
    assert ((heating >= 1015) | (heating <= 415)).all()
    resolved = disputes["resolved_at"]
    assert (resolved.isna() | (resolved >= disputes["reported_at"])).all()
    assert (resolved.isna() | (resolved < AS_OF_TS)).all()
    status = disputes["status"]
    # 化解 records its time whatever the outcome (domain.workflow.decide); 重办 clears it.
    closed = status.isin(["resolved", "unresolved", "archived"])
    assert resolved[closed].notna().all() and resolved[~closed].isna().all()
    outcome = _last_outcome(small.extra["dispute_event"]).reindex(disputes["source_ref"])
    resolving = outcome.isin(RESOLVING_OUTCOMES).to_numpy()
    assert resolving[(status == "resolved").to_numpy()].all()
    assert not resolving[(status == "unresolved").to_numpy()].any()
    success = resolving[closed.to_numpy()].mean()
    assert 0.65 < success < 0.85
    satisfaction = disputes["satisfaction"].dropna()
    assert satisfaction.between(1, 5).all()
    assert disputes["involves_key_person"].dtype == bool
    # Every dispute point lies in the grid of the building it is addressed to; a case without a
    # point has an address no building has (it waits for its location).
    grids = small.kinds["grids"]
    buildings = small.kinds["buildings"]
    grid_index = pd.Series(np.arange(len(grids)), index=grids["code"])
    grid_of = buildings.set_index("address")["grid_code"].map(grid_index)
    geoms = np.asarray(grids.geometry.values, dtype=object)
    located = disputes[disputes.geometry.notna()]
    index = located["address"].map(grid_of).to_numpy(dtype=np.int64)
    xy = shapely.get_coordinates(np.asarray(located.geometry.values, dtype=object))
    assert shapely.contains_xy(geoms[index], xy[:, 0], xy[:, 1]).all()
    waiting = disputes[disputes.geometry.isna()]
    assert len(waiting) and (waiting["status"] == "received").all()
    assert (
        waiting["address"].notna().all() and not waiting["address"].isin(buildings["address"]).any()
    )


def test_gen008_dispute_histories_are_complete_and_ordered(small: DemoData) -> None:
    disputes = small.kinds["disputes"].set_index("source_ref")
    events = small.extra["dispute_event"]
    assert set(events["source_ref"]) == set(disputes.index)
    assert (events["at"] < AS_OF_TS).all()
    for ref, case in events.groupby("source_ref", sort=False):
        assert list(case["seq"]) == list(range(1, len(case) + 1)), ref
        assert case["at"].is_monotonic_increasing, ref
        actions = list(case["action"])
        assert actions[0] == "accept", ref
        assert case["at"].iloc[0] == disputes.at[ref, "reported_at"], ref
        # 定性, 定位 and 代办 come before the first 交办.
        if "assign" in actions:
            before = actions[: actions.index("assign")]
            assert all(a in before for a in ("classify", "locate", "proxy") if a in actions), ref
        # The department signs for (签收) a case before anyone works on it.
        work = [i for i, a in enumerate(actions) if a in ("consult", "split", "key", "resolve")]
        if work:
            assert "sign" in actions[: work[0]], ref
        status = disputes.at[ref, "status"]
        settled = "resolve" in actions and "reopen" not in _after_last(actions, "resolve")
        assert settled == (status in ("resolved", "unresolved", "archived")), ref
        assert ("merge" in actions) == (status == "merged"), ref
        if "resolve" in actions:
            assert actions.index("assign") < actions.index("resolve"), ref
        if status == "archived":
            assert actions[-1] == "archive", ref
            last = len(actions) - 1 - actions[::-1].index("resolve")
            unreachable = '"unreachable": true' in case["detail"].iloc[-1]
            assert unreachable or "evaluate" in actions[last:], ref
        resolved_at = disputes.at[ref, "resolved_at"]
        if pd.notna(resolved_at):
            assert case.loc[case["action"] == "resolve", "at"].iloc[-1] == resolved_at, ref


def test_gen016_locks_follow_their_events(small: DemoData) -> None:
    """Locks come from a 分锁, are keyed (给钥匙) and opened (开锁) by events that name them."""
    disputes = small.kinds["disputes"].set_index("source_ref")
    events = small.extra["dispute_event"]
    locks = small.extra["dispute_sub_case"]
    assert len(locks) and not locks.duplicated(["source_ref", "seq"]).any()
    assert set(locks["status"]) == {"open", "planned", "done", "failed"}
    on_lock = events["action"].isin(["key", "unlock"])
    assert events.loc[on_lock, "sub_case_seq"].notna().all()
    assert events.loc[~on_lock, "sub_case_seq"].isna().all()
    split = events[events["action"] == "split"].set_index("source_ref")
    assert set(locks["source_ref"]) == set(split.index) and split.index.is_unique
    assert (locks["created_at"].to_numpy() == split.loc[locks["source_ref"], "at"].to_numpy()).all()
    for detail, n in zip(
        split["detail"], locks.groupby("source_ref").size()[split.index], strict=True
    ):
        assert len(json.loads(detail)["locks"]) == n
    key = events[events["action"] == "key"].set_index(["source_ref", "sub_case_seq"])["at"]
    unlock = events[events["action"] == "unlock"].set_index(["source_ref", "sub_case_seq"])
    for row in locks.itertuples():
        k = (row.source_ref, row.seq)
        assert row.status != "open" or (k not in key.index and k not in unlock.index), k
        if row.status == "planned":
            assert key[k] == row.planned_at and k not in unlock.index, k
        if row.status in ("done", "failed"):
            assert unlock.at[k, "at"] == row.resolved_at, k
            assert json.loads(unlock.at[k, "detail"])["success"] == (row.status == "done"), k
            assert row.status == "failed" or key[k] == row.planned_at, k  # settled after a key
        assert pd.isna(row.facts) == (k not in key.index), k
    multi = disputes.loc[locks["source_ref"].unique(), "parties"]
    assert (multi >= 6).all()


def test_gen013_statuses_are_the_replayed_histories(small: DemoData) -> None:
    """Each case's status is what its events lead to under domain.workflow, outcome included."""
    disputes = small.kinds["disputes"].set_index("source_ref")
    events = small.extra["dispute_event"].sort_values(["source_ref", "seq"])
    histories = events.groupby("source_ref", sort=False)["action"].agg(list)
    # The outcome of the last 化解 (agreement or withdrawal resolve the case).
    success = (
        _last_outcome(events).isin(RESOLVING_OUTCOMES).reindex(disputes.index, fill_value=True)
    )
    replayed = {ref: workflow.replay(acts, success=success[ref]) for ref, acts in histories.items()}
    assert replayed == disputes["status"].to_dict()
    assert set(replayed.values()) == set(DISPUTE_STATUSES)


@pytest.mark.parametrize("seed", [1, 2])
def test_gen015_every_open_step_has_cases_waiting(seed: int) -> None:
    """Even a demo of a few hundred cases has cases waiting for 交办, for 签收 and for 化解."""
    cfg = replace(DemoConfig.for_scale("small", seed, AS_OF), districts=("150103",), disputes=200)
    data = generate(cfg)
    status = data.kinds["disputes"]["status"].value_counts()
    for open_status in OPEN_STATUSES:
        assert status.get(open_status, 0) >= max(1, MIN_WAITING), open_status
    events = data.extra["dispute_event"]
    waiting = data.kinds["disputes"].loc[lambda d: d["status"] == "assigned", "source_ref"]
    assert not events[events["source_ref"].isin(waiting) & (events["action"] == "sign")].size


def test_gen014_a_history_the_rules_refuse_raises() -> None:
    log = EventLog()
    two = np.arange(2)
    log.add(two, np.array([0, 0]), "accept", "综治中心受理窗口", "township", "接办登记")
    # Case 1 is archived without ever being resolved.
    log.add(two[1:], np.array([5]), "archive", "综治中心", "township", "结案归档")
    with pytest.raises(RuntimeError, match="R2.*archive"):
        log.statuses(np.array([False, False]), np.array(["R1", "R2"], dtype=object))
    fine = EventLog()
    fine.add(two, np.array([0, 0]), "accept", "综治中心受理窗口", "township", "接办登记")
    fine.add(two[:1], np.array([3]), "assign", "住房和城乡建设局", "housing", "交办")
    assert list(fine.statuses(np.array([False, False]), two)) == ["assigned", "received"]


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


# The desk at as_of, the deadlines, locks, duplicates, consultations and 督办, recomputed from
# the frames alone with domain.workdays / domain.sla / domain.workflow.decide.
WORKDAY_AS_OF = date(2026, 11, 27)  # a Friday: something can fall due within 24 h of it
FEW = 3  # "a few": the least a desk state, a kind of history … must have


def _detail(value: object) -> dict:
    return json.loads(value) if isinstance(value, str) else {}


def _after_last(actions: list[str], action: str) -> list[str]:
    """The actions from the last ``action`` on (empty without one)."""
    if action not in actions:
        return []
    return actions[len(actions) - 1 - actions[::-1].index(action) :]


def _case_state(case: pd.DataFrame) -> dict:
    """A case's workflow columns after ``case`` (its events, in order), as decide sets them."""
    row: dict = {"assigned_at": None, "sign_due_at": None, "signed_at": None, "due_at": None,
                 "resolved_at": None, "evaluated_at": None, "lead_department": None,
                 "level": 0, "kind": None, "returned": False, "reopened": False,
                 "consulted": False, "agent": False}  # fmt: skip
    for e in case.itertuples():
        d, t = _detail(e.detail), e.at.to_pydatetime()
        if e.action == "assign":
            row.update(assigned_at=t, sign_due_at=workdays.due_at(t, 1), signed_at=None,
                       due_at=workdays.due_at(t, d["limit_days"]), kind=d["kind"],
                       returned=False, lead_department=e.department_code)  # fmt: skip
        elif e.action == "return":
            row.update(assigned_at=None, sign_due_at=None, due_at=None, kind=None, returned=True)
        elif e.action == "sign":
            row["signed_at"] = t
        elif e.action == "supervise":
            row["level"] = max(row["level"], d["level"])
        elif e.action == "consult":
            row["consulted"] = True
        elif e.action == "proxy":
            row["agent"] = True
        elif e.action == "resolve":
            row.update(resolved_at=t, evaluated_at=None, reopened=False)
        elif e.action == "evaluate":
            row["evaluated_at"] = t
        elif e.action == "reopen":
            row.update(resolved_at=None, reopened=True)
    return row


def _locks_at(locks: pd.DataFrame, t: pd.Timestamp) -> list[dict]:
    """A case's locks as they stood at ``t`` (created, and settled only by then)."""
    out = []
    for lk in locks.itertuples():
        if lk.created_at > t:
            continue
        settled = pd.notna(lk.resolved_at) and lk.resolved_at <= t
        keyed = pd.notna(lk.planned_at) and lk.planned_at <= t
        out.append({"id": int(lk.seq), "department_code": lk.department_code,
                    "created_at": lk.created_at.to_pydatetime(), "due_at": lk.due_at.to_pydatetime(),
                    "resolved_at": lk.resolved_at.to_pydatetime() if settled else None,
                    "status": lk.status if settled else ("planned" if keyed else "open")})  # fmt: skip
    return out


def _desk(data: DemoData, as_of: date) -> dict[str, int]:
    """How many cases wait in each state of the desk at as_of (local midnight)."""
    now = pd.Timestamp(as_of, tz="Asia/Shanghai").to_pydatetime()
    disputes = data.kinds["disputes"].set_index("source_ref")
    events = data.extra["dispute_event"].sort_values(["source_ref", "seq"])
    locks = data.extra["dispute_sub_case"].groupby("source_ref")
    lock_refs = set(data.extra["dispute_sub_case"]["source_ref"])
    phone = re.compile(r"^1[3-9]\d{9}$")
    counts: dict[str, int] = {}

    def count(name: str, hit: bool) -> None:
        counts[name] = counts.get(name, 0) + int(hit)

    for ref, case in events.groupby("source_ref", sort=False):
        status = disputes.at[ref, "status"]
        row = _case_state(case)
        is_open = status in OPEN_STATUSES
        lks = _locks_at(locks.get_group(ref), pd.Timestamp(now)) if ref in lock_refs else []
        located = disputes.at[ref, "geometry"] is not None
        count("received", status == "received" and row["assigned_at"] is None
              and not row["returned"] and located)  # fmt: skip
        count("needs_location", status == "received" and not located)
        count("returned", status == "received" and row["returned"])
        count("assigned", status == "assigned" and row["sign_due_at"] > now)
        count("sign_overdue", status == "assigned" and row["sign_due_at"] <= now)
        if is_open and row["due_at"] is not None:
            count(sla.urgency(row["due_at"], now), True)
        for level in (1, 2, 3):
            count(f"level{level}", is_open and row["level"] == level)
        count("locks_open", status == "in_progress" and any(lk["status"] == "open" for lk in lks))
        count("locks_planned", status == "in_progress"
              and any(lk["status"] == "planned" for lk in lks))  # fmt: skip
        count("consulted", is_open and row["consulted"])
        count("mediation", is_open and row["kind"] == "mediation")
        count("grid_worker", is_open and row["kind"] == "grid_worker")
        count("agent", is_open and row["agent"])
        count("reopened", status == "in_progress" and row["reopened"])
        count("awaiting_return_call", status == "resolved" and row["evaluated_at"] is None)
        count("unresolved_awaiting", status == "unresolved" and row["evaluated_at"] is None)
        count("merged", status == "merged")
        count("reporter", is_open and bool(phone.match(disputes.at[ref, "reporter_phone"] or ""))
              and bool(disputes.at[ref, "reporter_name"]))  # fmt: skip
    return counts


DESK = ("received", "needs_location", "returned", "assigned", "sign_overdue", "on_time",
        "due_soon", "overdue", "level1", "level2", "level3", "locks_open", "locks_planned",
        "consulted", "mediation", "grid_worker", "agent", "reopened", "awaiting_return_call",
        "unresolved_awaiting", "merged", "reporter")  # fmt: skip


@pytest.mark.parametrize("as_of", [AS_OF, WORKDAY_AS_OF], ids=["saturday", "friday"])
def test_gen017_every_state_of_the_desk_waits_at_as_of(small: DemoData, as_of: date) -> None:
    """Even the small demo has open cases in every state a desk shows at as_of."""
    data = small if as_of == AS_OF else generate(DemoConfig.for_scale("small", 7, as_of))
    counts = _desk(data, as_of)
    short = {name: counts.get(name, 0) for name in DESK if counts.get(name, 0) < FEW}
    assert not short, f"too few cases waiting at {as_of}: {short}"


def test_gen018_deadlines_count_working_days(small: DemoData) -> None:
    """Due times are domain.workdays': across the Spring Festival and adjusted weekends too."""
    cfg = DemoConfig.for_scale("small", 7, date(2026, 6, 1))
    cal = calendar(cfg)
    rng = np.random.default_rng(3)
    # Every hour from mid-January to March 2026 (Spring Festival 15-23 Feb, worked 14 and 28 Feb).
    start = np.datetime64("2026-01-15T00:00", "ns").astype(np.int64)
    times = start + np.arange(0, 70 * 24) * 3_600 * 10**9 + rng.integers(0, 3_600, 70 * 24) * 10**9
    limits = rng.integers(1, 61, len(times))
    got = cal.due(times, limits)
    for t, n, due in zip(times.tolist(), limits.tolist(), got.tolist(), strict=True):
        moment = pd.Timestamp(t).tz_localize("Asia/Shanghai").to_pydatetime()
        assert pd.Timestamp(due).tz_localize("Asia/Shanghai") == workdays.due_at(moment, n)
    # Every lock's due time, and every 交办's limit, in the generated demo.
    locks = small.extra["dispute_sub_case"]
    for lk in locks.itertuples():
        assert lk.due_at == workdays.due_at(lk.created_at.to_pydatetime(), lk.time_limit_days)
    events = small.extra["dispute_event"]
    assign = events[events["action"] == "assign"]
    limits = assign["detail"].map(lambda d: json.loads(d)["limit_days"])
    assert limits.between(1, 60).all() and set(limits) > {5, 7, 15, 30}


def test_gen019_locks_are_all_opened_before_the_case_is_settled(small: DemoData) -> None:
    events = small.extra["dispute_event"]
    locks = small.extra["dispute_sub_case"]
    resolve = events[events["action"] == "resolve"].groupby("source_ref")["at"].min()
    settled = 0
    for ref, group in locks.groupby("source_ref"):
        if ref not in resolve.index:
            continue
        settled += 1
        assert group["status"].isin(["done", "failed"]).all(), ref
        assert (group["resolved_at"] < resolve[ref]).all(), ref
    assert settled >= FEW


def test_gen020_every_reopen_follows_an_unsatisfied_return_call(small: DemoData) -> None:
    events = small.extra["dispute_event"].sort_values(["source_ref", "seq"])
    before = events.groupby("source_ref").shift(1)
    reopen = events["action"] == "reopen"
    assert reopen.sum() >= FEW
    assert (before.loc[reopen, "action"] == "evaluate").all()
    assert (before.loc[reopen, "at"] == events.loc[reopen, "at"]).all()
    sat = before.loc[reopen, "detail"].map(lambda d: json.loads(d)["satisfaction"])
    assert (sat <= UNSATISFIED_AT_MOST).all()
    # … and every unsatisfied return call reopens.
    evaluate = events[events["action"] == "evaluate"]
    low = evaluate["detail"].map(lambda d: json.loads(d)["satisfaction"]) <= UNSATISFIED_AT_MOST
    after = events.groupby("source_ref").shift(-1).loc[evaluate.index[low], "action"]
    assert (after == "reopen").all()


def test_gen021_duplicates_repeat_a_nearby_case_of_the_same_type(small: DemoData) -> None:
    """Merged and flagged duplicates: same type, ≤ 100 m, ≤ 7 days; links both ways."""
    disputes = small.kinds["disputes"].set_index("source_ref")
    metres = disputes.geometry.to_crs(4546)
    links = small.extra["dispute_link"]
    pairs = set(zip(links["source_ref"], links["other_ref"], links["kind"], strict=True))
    assert all((b, a, k) in pairs for a, b, k in pairs)  # both ways
    merged = disputes[disputes["status"] == "merged"]
    assert len(merged) >= FEW and merged["merged_into"].notna().all()
    assert disputes.loc[disputes["status"] != "merged", "merged_into"].isna().all()
    events = small.extra["dispute_event"]
    merge = events[events["action"] == "merge"].set_index("source_ref")
    assert (merge.loc[merged.index, "into_ref"] == merged["merged_into"]).all()
    dup = links[links["kind"] == "duplicate"]
    assert len(dup) > 2 * len(merged)  # some only flagged
    for ref, other in zip(dup["source_ref"], dup["other_ref"], strict=True):
        a, b = disputes.loc[ref], disputes.loc[other]
        if a["reported_at"] < b["reported_at"]:
            continue  # each pair once, from the later case
        assert a["type"] == b["type"] and a["source"] == b["source"] == "hotline", ref
        assert a["reported_at"] - b["reported_at"] <= pd.Timedelta(days=7), ref
        assert metres[ref].distance(metres[other]) <= 100, ref
        assert b["status"] != "merged", ref
    for ref, into in merged["merged_into"].items():
        assert (ref, into, "merged") in pairs and (ref, into, "duplicate") in pairs, ref


def test_gen022_consultations_bring_departments_together(small: DemoData) -> None:
    events = small.extra["dispute_event"]
    consult = events[events["action"] == "consult"]
    rows = small.extra["consultation"]
    assert len(rows) == len(consult) >= FEW
    keyed = rows.set_index(["source_ref", "held_at"])
    assert keyed.index.is_unique
    for e in consult.itertuples():
        c = keyed.loc[(e.source_ref, e.at)]
        departments = list(c["departments"])
        assert len(departments) >= 2 and len(set(departments)) == len(departments)
        assert departments[0] == e.department_code
        assert json.loads(e.detail)["departments"] == departments
        assert all(DEPT_NAMES[d] in c["participants"] for d in departments)
        assert "会商意见" in c["minutes"] and c["outcome"] in c["minutes"]


def _called(events: pd.DataFrame, locks: pd.DataFrame | None, at: pd.Timestamp) -> int:
    """The 督办 level a case's clocks (domain.sla) call for at ``at``, after ``events``; the 回访
    clock of a settled case calls for nothing (the loop acts on open cases only)."""
    row = _case_state(events)
    lks = _locks_at(locks, at) if locks is not None else []
    clocks = [c for c in sla.case_clocks(row, lks, workdays.due_at) if c.kind != "evaluate"]
    return max((sla.level_for(c, at.to_pydatetime(), workdays.due_at) for c in clocks), default=0)


def test_gen023_automatic_supervision_comes_when_domain_sla_calls_for_it(small: DemoData) -> None:
    """Each 督办 by ``system`` is at the first tick of the escalation loop at which the case's
    clocks (domain.sla) call for its level, and none is missing at as_of; by hand, 督办 never
    lowers the level."""
    events = small.extra["dispute_event"].sort_values(["source_ref", "seq"])
    all_locks = small.extra["dispute_sub_case"]
    status = small.kinds["disputes"].set_index("source_ref")["status"]
    tick = pd.Timedelta(minutes=5)
    checked = {1: 0, 2: 0, 3: 0}
    behind = []
    for ref, case in events.groupby("source_ref", sort=False):
        locks = (
            all_locks[all_locks["source_ref"] == ref]
            if ref in set(all_locks["source_ref"])
            else None
        )
        for pos, e in enumerate(case.itertuples()):
            if e.action != "supervise":
                continue
            level = json.loads(e.detail)["level"]
            if e.actor != "system":
                assert level >= _case_state(case.iloc[:pos])["level"], ref
                continue
            assert _called(case.iloc[:pos], locks, e.at) == level, (ref, e.at)
            earlier = case.iloc[: int((case["at"] <= e.at - tick).sum())]
            assert _called(earlier, locks, e.at - tick) < level, (ref, e.at)
            checked[level] += 1
        # At as_of an open case is at least at the level called for at the loop's last tick.
        if status[ref] in OPEN_STATUSES:
            if _called(case, locks, AS_OF_TS - tick) > _case_state(case)["level"]:
                behind.append(ref)
    assert min(checked.values()) >= FEW, checked
    assert not behind, behind[:5]


def test_gen024_every_history_passes_the_rules_guards_included(small: DemoData) -> None:
    """Each case's events, replayed through domain.workflow.decide with their parameters (locks
    block 化解, 开锁 after 给钥匙, 归档 after 回访, 督办 only escalates …), end where the case is."""
    disputes = small.kinds["disputes"].set_index("source_ref")
    events = small.extra["dispute_event"].sort_values(["source_ref", "seq"])
    locks = small.extra["dispute_sub_case"].set_index(["source_ref", "seq"]).sort_index()
    consultations = small.extra["consultation"].set_index(["source_ref", "held_at"])
    ids = {ref: i for i, ref in enumerate(disputes.index, 1)}
    number = {name: i for i, name in enumerate(pd.concat([events["room_name"],
              events["mediator_name"], events["worker_code"]]).dropna().unique(), 1)}  # fmt: skip
    actor = workflow.Actor("demo", "city")
    for ref, case in events.groupby("source_ref", sort=False):
        state = workflow.CaseState(None, case_id=ids[ref])
        for e in case.itertuples():
            d = _detail(e.detail)
            if e.action == "reopen" and d.get("auto"):
                continue  # the second half of an unsatisfied 评价
            p: dict = {"note": e.note}
            if e.action == "classify":
                p.update(type_code=d["type_code"], risk_level=d["risk_level"])
            elif e.action == "proxy":
                p["agent"] = d["agent"]
            elif e.action == "assign":
                p.update(kind=d["kind"], department=e.department_code, limit_days=d["limit_days"],
                         cooperating=d["cooperating"], room_id=number.get(e.room_name),
                         mediator_id=number.get(e.mediator_name),
                         worker_id=number.get(e.worker_code))  # fmt: skip
            elif e.action == "supervise":
                p.update(level=d["level"], auto=d["auto"])
            elif e.action == "consult":
                c = consultations.loc[(ref, e.at)]
                p.update(departments=list(c["departments"]), participants=c["participants"],
                         minutes=c["minutes"], outcome=c["outcome"])  # fmt: skip
            elif e.action == "split":
                p["locks"] = [{"department": lk.department_code, "task": lk.task,
                               "limit_days": lk.time_limit_days}
                              for lk in locks.loc[ref].itertuples()]  # fmt: skip
            elif e.action == "key":
                lk = locks.loc[(ref, e.sub_case_seq)]
                p.update(lock_id=int(e.sub_case_seq), facts=lk["facts"], law=lk["law"],
                         plan=lk["plan"])  # fmt: skip
            elif e.action == "unlock":
                p.update(lock_id=int(e.sub_case_seq), success=d["success"])
            elif e.action == "resolve":
                p["outcome"] = d["outcome"]
            elif e.action == "evaluate":
                p["satisfaction"] = d["satisfaction"]
            elif e.action == "archive":
                p["unreachable"] = d["unreachable"]
            elif e.action == "merge":
                p["into"] = ids[e.into_ref]
            decision = workflow.decide(state, e.action, actor, e.at.to_pydatetime(), p,
                                       deadline=workdays.due_at)  # fmt: skip
            new = tuple(workflow.Lock(len(state.locks) + k + 1, lk.department, "open")
                        for k, lk in enumerate(decision.new_locks))  # fmt: skip
            changed = tuple(workflow.Lock(lk.id, lk.department, decision.lock_changes.get(
                lk.id, {}).get("status", lk.status)) for lk in state.locks)  # fmt: skip
            ch = decision.changes
            state = replace(
                state,
                status=decision.status,
                lead_department=ch.get("lead_department", state.lead_department),
                assignee_kind=ch.get("assignee_kind", state.assignee_kind),
                supervision_level=ch.get("supervision_level", state.supervision_level),
                evaluated=(state.evaluated or e.action == "evaluate") and e.action != "resolve",
                reopen_count=ch.get("reopen_count", state.reopen_count),
                locks=changed + new,
            )
        assert state.status == disputes.at[ref, "status"], ref
        if ref in locks.index:
            assert [lk.status for lk in state.locks] == list(locks.loc[ref, "status"]), ref

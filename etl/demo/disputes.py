"""Cases (矛盾纠纷) with hot spots and a seasonal heating mix, their full workflow histories
(``etl.demo.workflow``: locks, consultations, duplicates, a live desk at as_of), and whistles
(吹哨). Each case's status is its history replayed through ``domain.workflow``, so the demo and
the rules cannot disagree.
"""

from __future__ import annotations

from datetime import timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from etl.demo import people, surges, texts, workflow
from etl.demo.common import (
    M_PER_DEG_LAT,
    M_PER_DEG_LON,
    NAT,
    NS_DAY,
    NS_HOUR,
    daytime_ns,
    draw,
    int_or_null,
    local_midnight_ns,
    numbered,
    obj,
    pick_days,
    pick_within,
    stream,
    to_frame,
    utc,
    whole_seconds,
)
from etl.demo.config import DemoConfig
from etl.demo.geography import City
from geodata.load.seed import DISPUTE_TYPES, WHISTLE_CLASSES

DISPUTE_SOURCE_WEIGHTS = {
    "hotline": 0.38,
    "grid_worker": 0.22,
    "police": 0.14,
    "walk_in": 0.10,
    "petition": 0.08,
    "court": 0.05,
    "other": 0.03,
}
_SOURCE_REF_PREFIX = {
    "hotline": "12345",
    "grid_worker": "WG",
    "police": "110",
    "walk_in": "LF",
    "petition": "XF",
    "court": "FY",
    "other": "QT",
    "building_chief": "LD",
}
# Of the grid workers' reports from a building with a chief, this share the chief made (楼栋长
# 上报); those are small matters: at most three parties, rarely more than low risk.
CHIEF_SHARE_OF_GRID_REPORTS = 0.4
CHIEF_MEDIUM_RISK = 0.1
# Relative frequency of each dispute type (codes from the seed catalogue): (urban, rural).
DISPUTE_TYPE_WEIGHTS = {
    "property": (0.22, 0.05),
    "neighbour": (0.16, 0.20),
    "labour": (0.12, 0.11),
    "family": (0.09, 0.15),
    "heating": (0.09, 0.03),
    "consumer": (0.09, 0.04),
    "traffic": (0.07, 0.08),
    "demolition": (0.04, 0.08),
    "land": (0.01, 0.16),
    "medical": (0.04, 0.02),
    "administrative": (0.03, 0.03),
    "environment": (0.02, 0.03),
    "campus": (0.02, 0.02),
}
_WHISTLE_WEIGHTS = (8, 5, 6, 4, 6, 3, 6, 4, 3, 4, 4, 3, 2, 3, 6, 5, 3, 3, 2, 4, 2, 7, 3)


def _hotspot_weights(rng: np.random.Generator, c: City) -> np.ndarray:
    """Grid weights: residents times a few Gaussian hot spots, so Gi* finds real clusters."""
    cents = shapely.centroid(c.g_geom)
    x, y = shapely.get_x(cents), shapely.get_y(cents)
    w = c.g_residents.astype(float) + 1.0
    for k in draw(rng, w, 6):
        sigma = rng.uniform(1_200, 3_000)
        amp = rng.uniform(3, 8)
        d2 = ((x - x[k]) * M_PER_DEG_LON) ** 2 + ((y - y[k]) * M_PER_DEG_LAT) ** 2
        w *= 1 + amp * np.exp(-d2 / (2 * sigma**2))
    return w / w.sum()


def build(
    cfg: DemoConfig, c: City, rooms: pd.DataFrame, mediators: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, dict[str, pd.DataFrame], np.ndarray]:
    """Cases with hot spots and a seasonal heating mix, and their histories (``workflow``):
    the frames of the dependent tables (locks, events, consultations, links) by table."""
    rng = stream(cfg, 10)
    n = cfg.disputes
    span_days = round(cfg.dispute_months * 365 / 12)
    first_day = cfg.as_of - timedelta(days=span_days)
    types = {t[0]: t for t in DISPUTE_TYPES}
    type_codes = [code for code in DISPUTE_TYPE_WEIGHTS if code in types]
    tw = np.array([DISPUTE_TYPE_WEIGHTS[code] for code in type_codes])

    # Where and when: hot-spot-weighted grids, a building there, heating only in season; then
    # the planted surges (``etl.demo.surges``) on top, taken out of the same total.
    s_grid, s_type, s_day = surges.plant(
        cfg, surges.planted(cfg), c.g_code, c.g_residents, first_day
    )
    bg = n - len(s_grid)
    grid = draw(rng, _hotspot_weights(rng, c), bg)
    t_idx = np.where(c.g_urban[grid], draw(rng, tw[:, 0], bg), draw(rng, tw[:, 1], bg))
    heating = np.array([code == "heating" for code in type_codes])[t_idx]
    day = pick_days(rng, first_day, span_days, bg, heating)
    day = workflow.recent(cfg, day, span_days, heating)
    grid = np.concatenate([grid, s_grid])
    t_idx = np.concatenate([t_idx, [type_codes.index(t) for t in s_type]]).astype(np.int64)
    day = np.concatenate([day, s_day])
    planted = np.arange(n) >= bg
    reported = whole_seconds(local_midnight_ns(first_day) + day * NS_DAY + daytime_ns(rng, n))
    order = np.argsort(reported, kind="stable")
    grid, t_idx, reported, planted = grid[order], t_idx[order], reported[order], planted[order]
    building = pick_within(rng, c.b_start[grid], c.b_count[grid])
    x, y = c.near_buildings(rng, building, 12.0, 30.0)

    limit = np.array([types[t][6] for t in type_codes], dtype=np.int64)[t_idx]
    lead = obj([types[t][3] for t in type_codes])[t_idx]
    sources = list(DISPUTE_SOURCE_WEIGHTS)
    src = draw(rng, list(DISPUTE_SOURCE_WEIGHTS.values()), n)
    src[(t_idx == type_codes.index("traffic")) & (rng.random(n) < 0.5)] = sources.index("police")
    src[(t_idx == type_codes.index("administrative")) & (rng.random(n) < 0.3)] = sources.index(
        "petition"
    )
    parties = np.array([2, 2, 2, 3, 4, 6, 12, 30], dtype=np.int64)[rng.integers(0, 8, n)]
    key = rng.random(n) < 0.04
    risk = np.where(rng.random(n) < 0.3, 1, 0)
    # Building chiefs' reports (a stream of their own: no other draw moves).
    c_rng = stream(cfg, 10, 6)
    _, has_chief = people.chief_buildings(cfg, c)
    chief = (
        (src == sources.index("grid_worker"))
        & has_chief[building]
        & (c_rng.random(n) < CHIEF_SHARE_OF_GRID_REPORTS)
        & ~planted
    )
    parties[chief] = np.array([2, 2, 2, 3])[c_rng.integers(0, 4, n)][chief]
    key[chief] = False
    risk[chief] = np.where(c_rng.random(n) < CHIEF_MEDIUM_RISK, 1, 0)[chief]
    risk[(parties >= 12) | (key & (rng.random(n) < 0.5))] = 2

    year = (reported // NS_DAY).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    src_names = obj(sources)[src]
    src_names[chief] = "building_chief"
    source_ref = obj(
        [
            f"{_SOURCE_REF_PREFIX[s]}-{yy + 1970}-{i:07d}"
            for i, (s, yy) in enumerate(zip(src_names.tolist(), year.tolist(), strict=True), 1)
        ]
    )
    # Duplicates sit by the case they repeat; every history runs under the workflow rules.
    # A planted case is a distinct dispute: never a repeat call, never the call one repeats.
    dup = workflow.duplicates(
        cfg, reported, obj(type_codes)[t_idx], (src_names == "hotline") & ~planted
    )
    grid[dup.case], building[dup.case] = grid[dup.original], building[dup.original]
    x[dup.case], y[dup.case] = c.near_buildings(stream(cfg, 10, 4), building[dup.case], 12.0, 30.0)
    coop = obj([types[t][4] for t in type_codes])[t_idx]
    inputs = workflow.CaseInputs(reported, obj(type_codes)[t_idx], src_names, parties, risk, grid,
                                 c.b_address[building], x, y, limit, lead, coop)  # fmt: skip
    h = workflow.histories(cfg, c, inputs, dup, rooms, mediators, source_ref)
    status, outcome, satisfaction, evaluated = h.status, h.outcome, h.satisfaction, h.evaluated

    address = c.b_address[building]
    # What the caller said, from a stream of its own: the texts shift no other draw.
    # A duplicate is a repeat call about its original's problem (the intake and clustering
    # features see the same story twice).
    repeat_of = np.full(n, -1, dtype=np.int64)
    repeat_of[dup.case] = dup.original
    said = texts.compose(
        stream(cfg, 17), obj(type_codes)[t_idx], src_names, address,
        c.c_name[c.g_community[grid]], c.g_urban[grid], repeat_of=repeat_of,
    )  # fmt: skip
    disputes = to_frame(
        {
            "source_ref": source_ref,
            "source": src_names,
            "type": obj(type_codes)[t_idx],
            "title": said.title,
            "description": said.description,
            "address": address,
            "reported_at": utc(reported),
            "parties": parties,
            "status": status,
            "risk_level": obj(["low", "medium", "high"])[risk],
            "resolved_at": utc(h.resolved_at),
            "outcome": outcome,
            "satisfaction": int_or_null(satisfaction, evaluated),
            "involves_key_person": key,
            "row_ref": numbered("demo:", n),
        },
        geometry=shapely.points(x, y),
    )

    # A case whose address matched no building waits for its location (no point); some
    # reporters left a name and number; a merged duplicate names the case it went into.
    disputes.loc[h.unlocated, "address"] = h.vague_address[h.unlocated]
    disputes.loc[h.unlocated, "geometry"] = None
    into = np.where(h.merged_into >= 0, source_ref[np.maximum(h.merged_into, 0)], None)
    at = disputes.columns.get_loc("row_ref")
    for name, values in (("reporter_name", h.reporter_name), ("reporter_phone", h.reporter_phone),
                         ("merged_into", into)):  # fmt: skip
        disputes.insert(at, name, pd.Series(values, dtype=object))
        at += 1
    return disputes, h.frames(source_ref), np.bincount(grid, minlength=len(c.g_code))


def whistles(cfg: DemoConfig, c: City) -> pd.DataFrame:
    """吹哨 raised by communities over the last year, every class at least once, each at one
    stage of 吹哨 → 应哨 → 评价 → 评估."""
    rng = stream(cfg, 12)
    n = cfg.whistles
    end = local_midnight_ns(cfg.as_of)
    span_days = 365
    first_day = cfg.as_of - timedelta(days=span_days)
    comm_res = np.bincount(c.g_community, weights=c.g_residents, minlength=len(c.c_code))
    comm = draw(rng, comm_res + 1, n)
    # Every class appears: the first 23 draws cover them once, the rest follow the weights.
    cls = draw(rng, _WHISTLE_WEIGHTS, n)
    cls[: min(n, len(WHISTLE_CLASSES))] = np.arange(min(n, len(WHISTLE_CLASSES)))
    cls = cls[rng.permutation(n)]
    heating = np.array([w[0] == "W07" for w in WHISTLE_CLASSES])[cls]
    day = pick_days(rng, first_day, span_days, n, heating)
    day = workflow.recent(cfg, day, span_days, heating)
    raised = whole_seconds(local_midnight_ns(first_day) + day * NS_DAY + daytime_ns(rng, n))
    order = np.argsort(raised, kind="stable")
    comm, cls, raised = comm[order], cls[order], raised[order]
    stage = draw(rng, (0.1, 0.2, 0.3, 0.4), n)
    responded = whole_seconds(raised + (rng.uniform(0.5, 72, n) * NS_HOUR).astype(np.int64))
    stage[responded >= end] = 0
    evaluation = np.array([2, 3, 4, 5])[draw(rng, (0.05, 0.15, 0.35, 0.45), n)]
    year = (raised // NS_DAY).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    c_names = c.c_name[comm]
    w_names = obj([w[1] for w in WHISTLE_CLASSES])[cls]
    return to_frame(
        {
            "source_ref": obj([f"WH-{yy + 1970}-{i:07d}" for i, yy in enumerate(year.tolist(), 1)]),
            "community_code": c.c_code[comm],
            "category": obj([w[0] for w in WHISTLE_CLASSES])[cls],
            "item": obj(
                [f"{a}{b}问题吹哨" for a, b in zip(c_names.tolist(), w_names.tolist(), strict=True)]
            ),
            "raised_at": utc(raised),
            "responding_department": obj([w[2] for w in WHISTLE_CLASSES])[cls],
            "responded_at": utc(np.where(stage >= 1, responded, NAT)),
            "status": obj(["raised", "responded", "evaluated", "assessed"])[stage],
            "evaluation": int_or_null(evaluation, stage >= 2),
            "row_ref": numbered("demo:", n),
        }
    )

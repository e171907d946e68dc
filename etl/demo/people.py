"""People of the demo city: a grid worker per grid, 楼栋长, key persons (重点人员) near their
homes, mediation rooms and their mediators.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from etl.demo.common import (
    draw,
    int_or_null,
    numbered,
    obj,
    person_names,
    phone_numbers,
    pick_within,
    stream,
    to_frame,
)
from etl.demo.config import BRIEF, URBAN_DISTRICTS, CityTotals, DemoConfig
from etl.demo.geography import City
from etl.demo.plan import apportion
from etl.idcard import id_check_digit
from geodata.load.seed import DISPUTE_TYPES

KEY_PERSON_CATEGORIES = (
    "社区矫正人员",
    "刑满释放人员",
    "严重精神障碍患者",
    "重点信访人员",
    "吸毒人员",
)
KEY_PERSON_CATEGORY_WEIGHTS = (0.22, 0.30, 0.20, 0.18, 0.10)


def workers(cfg: DemoConfig, c: City) -> pd.DataFrame:
    """One grid worker (网格员) per grid."""
    rng = stream(cfg, 7)
    n = len(c.g_code)
    return to_frame(
        {
            "code": obj(["W" + g for g in c.g_code.tolist()]),
            "name": person_names(rng, n),
            "grid_code": c.g_code,
            "phone": phone_numbers(rng, n),
            "row_ref": numbered("demo:", n),
        }
    )


FLATS_PER_LANDING = 2  # 一梯两户: a stairwell (单元) serves two flats per floor


def chief_buildings(cfg: DemoConfig, c: City) -> tuple[np.random.Generator, np.ndarray]:
    """Which buildings have a 楼栋长 (every urban one, about a third of village ones), and the
    stream the chiefs' own draws continue from (the cases read the same mask)."""
    rng = stream(cfg, 8)
    return rng, c.g_urban[c.b_grid] | (rng.random(len(c.b_grid)) < 0.3)


def building_chiefs(cfg: DemoConfig, c: City) -> pd.DataFrame:
    """楼栋长 of the buildings that have one, and 单元长 for the stairwells of multi-stairwell
    buildings until there are as many chiefs as buildings (the brief: 74,000 building and unit
    chiefs for 74,000 buildings); whole buildings at a time, in a random order."""
    rng, has = chief_buildings(cfg, c)
    n = int(has.sum())
    chiefs = to_frame(
        {
            "building_code": c.b_code[has],
            "name": person_names(rng, n),
            "phone": phone_numbers(rng, n),
        }
    )
    chiefs["kind"] = "building"
    chiefs["unit_no"] = pd.array([pd.NA] * n, dtype="Int64")
    wanted = round(len(c.b_code) * BRIEF.chiefs / CityTotals().buildings) - n
    u_rng = stream(cfg, 8, 1)
    stairs = -(-c.b_per_floor // FLATS_PER_LANDING)
    multi = np.flatnonzero(has & (stairs >= 2))
    multi = multi[u_rng.permutation(len(multi))]
    take = np.cumsum(stairs[multi]) <= max(wanted, 0)
    building = multi[take]
    per = stairs[building]
    left = max(wanted, 0) - int(per.sum())
    if left > 0 and take.sum() < len(multi):  # part of the next building's stairwells
        building = np.append(building, multi[int(take.sum())])
        per = np.append(per, min(left, int(stairs[building[-1]])))
    b = np.repeat(building, per)
    unit_no = np.arange(len(b)) - np.repeat(np.cumsum(per) - per, per) + 1
    m = len(b)
    units = pd.DataFrame(
        {
            "building_code": c.b_code[b],
            "name": person_names(u_rng, m),
            "phone": phone_numbers(u_rng, m),
            "kind": "unit",
            "unit_no": pd.array(unit_no, dtype="Int64"),
        }
    )
    return pd.concat([chiefs, units], ignore_index=True)


def key_persons(cfg: DemoConfig, c: City) -> pd.DataFrame:
    """Key persons near a building of a populous grid, with valid unique ID numbers."""
    rng = stream(cfg, 9)
    n = cfg.key_persons
    grid = draw(rng, c.g_residents + 1, n)
    building = pick_within(rng, c.b_start[grid], c.b_count[grid])
    x, y = c.near_buildings(rng, building, 4.0, 10.0)
    dcodes = obj(c.district_codes)[c.g_district[grid]]
    # Unique, valid GB 11643 numbers: region = district code, birth date, sequence, check digit.
    first17 = np.empty(n, dtype=object)
    pending = np.arange(n)
    seen: set[str] = set()
    while len(pending):
        born = np.datetime64("1950-01-01") + rng.integers(0, 365 * 55, len(pending))
        seq = rng.integers(0, 1000, len(pending))
        drawn = [
            f"{d}{str(b).replace('-', '')}{s:03d}"
            for d, b, s in zip(dcodes[pending].tolist(), born.tolist(), seq.tolist(), strict=True)
        ]
        retry = []
        for i, value in zip(pending.tolist(), drawn, strict=True):
            if value in seen:
                retry.append(i)
            else:
                seen.add(value)
                first17[i] = value
        pending = np.array(retry, dtype=np.int64)
    cats = draw(rng, KEY_PERSON_CATEGORY_WEIGHTS, n)
    risk = draw(rng, (0.6, 0.3, 0.1), n)
    return to_frame(
        {
            "name": person_names(rng, n),
            "id_number": obj([f + id_check_digit(f) for f in first17.tolist()]),
            "phone": phone_numbers(rng, n),
            "category": obj(KEY_PERSON_CATEGORIES)[cats],
            "grid_code": c.g_code[grid],
            "risk_level": obj(["low", "medium", "high"])[risk],
            "row_ref": numbered("demo:", n),
        },
        geometry=shapely.points(x, y),
    )


GOLD_EVERY = 3  # outside the 街道, every third township's committee is a 金牌调解室


def _gold_activity(cfg: DemoConfig, kind: np.ndarray, n_townships: int) -> dict[str, Any]:
    """The brief's 金牌调解室 activity (legal volunteers, trainings, consultations) shared over
    the gold rooms (city totals at full scale, by townships at a smaller one); None elsewhere."""
    rng = stream(cfg, 15, 1)
    gold = np.flatnonzero(kind == "gold")
    scale = 1.0 if cfg.totals is not None else n_townships / CityTotals().townships
    out: dict[str, Any] = {}
    for column in ("legal_volunteers", "trainings", "consultations"):
        total = round(getattr(BRIEF, column) * scale)
        values = np.zeros(len(kind), dtype=np.int64)
        values[gold] = apportion(total, rng.uniform(0.5, 1.5, len(gold)))
        out[column] = int_or_null(values, kind == "gold")
    return out


def mediation(cfg: DemoConfig, c: City) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Mediation rooms (per township, per district) and their mediators."""
    rng = stream(cfg, 15)
    n_t = len(c.t_code)
    n_d = len(c.district_codes)
    # One people's mediation committee per township (a 金牌调解室 in every 街道 and every
    # GOLD_EVERY-th other township), and per district an industry committee for property
    # disputes and, in urban districts, a medical expert room.
    t_kind = np.where(c.t_street | (np.arange(n_t) % GOLD_EVERY == 0), "gold", "people").astype(
        object
    )
    t_label = np.where(t_kind == "gold", "金牌调解室", "人民调解委员会").astype(object)
    d_urban = np.array([code in URBAN_DISTRICTS for code in c.district_codes])
    d_names = obj(c.district_names)
    d_codes = obj(c.district_codes)
    ex = np.flatnonzero(d_urban)
    kind = np.concatenate([t_kind, obj(["industry"] * n_d), obj(["expert"] * len(ex))])
    name = np.concatenate(
        [
            obj([a + b for a, b in zip(c.t_name.tolist(), t_label.tolist(), strict=True)]),
            obj([d + "物业纠纷人民调解委员会" for d in d_names.tolist()]),
            obj([d + "医疗纠纷专家调解室" for d in d_names[ex].tolist()]),
        ]
    )
    area = np.concatenate([c.t_code, d_codes, d_codes[ex]])
    # Rooms sit at a building: of the township, or of the district's first township.
    d_first_t = np.searchsorted(c.t_district, np.arange(n_d))
    room_t = np.concatenate([np.arange(n_t), d_first_t, d_first_t[ex]])
    t_grids = c.c_township[c.g_community]
    g_first = np.searchsorted(t_grids, np.arange(n_t))
    g_count = np.bincount(t_grids, minlength=n_t)
    grid = pick_within(rng, g_first[room_t], g_count[room_t])
    building = pick_within(rng, c.b_start[grid], c.b_count[grid])
    x, y = c.near_buildings(rng, building, 3.0, 8.0)
    rooms = to_frame(
        {"name": name, "kind": kind, "area_code": area, **_gold_activity(cfg, kind, n_t)},
        geometry=shapely.points(x, y),
    )
    per_room = np.where(kind == "gold", 4, rng.integers(2, 4, len(kind)))
    room = np.repeat(np.arange(len(kind)), per_room)
    specialties = obj([t[1] for t in DISPUTE_TYPES])
    spec = specialties[rng.integers(0, len(specialties), len(room))]
    spec[np.flatnonzero(kind[room] == "expert")] = "医疗纠纷"
    spec[np.flatnonzero(kind[room] == "industry")] = "房产物业"
    mediators = to_frame(
        {"name": person_names(rng, len(room)), "room_name": name[room], "specialty": spec}
    )
    return rooms, mediators

"""The city on the real district boundaries: each district split into townships → communities →
grids that exactly tile it, buildings inside their grids, housing units and 小区 compounds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from etl.demo.common import (
    M_PER_DEG_LAT,
    M_PER_DEG_LON,
    PlaceNames,
    int_or_null,
    numbered,
    obj,
    pick_within,
    stream,
    to_frame,
)
from etl.demo.config import BRIEF, CITY_CODE, RURAL_STYLE, URBAN_STYLE, DemoConfig
from etl.demo.plan import DistrictPlan, apportion
from etl.subdivide import subdivide
from geodata.crs import gcj02_to_wgs84, transform_geometry

# Roughly 新华广场 (WGS84): the urban core, where areas are subdivided more finely.
CITY_CENTRE = (111.664, 40.815)
_OCCUPANCY = np.array(["owner", "rented", "vacant", "other"], dtype=object)
_VACANT = 2


def read_districts() -> list[dict[str, Any]]:
    """The packaged AMap boundaries converted from GCJ-02 to WGS84, city first."""
    path = resources.files("geodata") / "data" / "hohhot_admin_gcj02.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    out = []
    for feat in features:
        geom = transform_geometry(shape(feat["geometry"]), gcj02_to_wgs84)
        geom = as_multipolygon(shapely.make_valid(geom, method="structure"))
        props = feat["properties"]
        out.append(
            {"code": props["adcode"], "name": props["name"], "level": props["level"], "geom": geom}
        )
    out.sort(key=lambda d: (d["level"] != "city", d["code"]))
    return out


def as_multipolygon(geom: Any) -> MultiPolygon:
    """``geom`` as a MultiPolygon (its polygon parts; lines and points dropped)."""
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon | MultiPolygon)]
    flat: list[Polygon] = []
    for g in polys:
        flat.extend(g.geoms if isinstance(g, MultiPolygon) else [g])
    return MultiPolygon(flat)


def _density(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Subdivision weight: areas get finer towards the urban core."""
    dx = (lon - CITY_CENTRE[0]) * M_PER_DEG_LON
    dy = (lat - CITY_CENTRE[1]) * M_PER_DEG_LAT
    return 1.0 + 30.0 * np.exp(-(dx * dx + dy * dy) / (2 * 6_000.0**2))


def _sample_in(
    geoms: np.ndarray, which: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """One point strictly inside ``geoms[which[i]]`` for every i (vectorised rejection)."""
    n = len(which)
    x, y = np.empty(n), np.empty(n)
    bounds = shapely.bounds(geoms)
    pending = np.arange(n)
    for _ in range(500):
        if not len(pending):
            return x, y
        b = bounds[which[pending]]
        cx = b[:, 0] + rng.random(len(pending)) * (b[:, 2] - b[:, 0])
        cy = b[:, 1] + rng.random(len(pending)) * (b[:, 3] - b[:, 1])
        ok = shapely.contains_xy(geoms[which[pending]], cx, cy)
        x[pending[ok]], y[pending[ok]] = cx[ok], cy[ok]
        pending = pending[~ok]
    raise RuntimeError("could not sample points inside some areas")


@dataclass
class City:
    """Everything later steps need about the generated hierarchy and buildings."""

    district_codes: list[str]
    district_names: list[str]
    t_code: np.ndarray
    t_name: np.ndarray
    t_geom: np.ndarray
    t_district: np.ndarray
    t_street: np.ndarray  # 街道 (urban-style) township
    c_code: np.ndarray
    c_name: np.ndarray
    c_geom: np.ndarray
    c_township: np.ndarray
    g_code: np.ndarray
    g_name: np.ndarray
    g_geom: np.ndarray
    g_community: np.ndarray
    g_district: np.ndarray
    g_urban: np.ndarray
    b_grid: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    b_code: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    b_address: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    b_x: np.ndarray = field(default_factory=lambda: np.empty(0))
    b_y: np.ndarray = field(default_factory=lambda: np.empty(0))
    b_margin: np.ndarray = field(default_factory=lambda: np.empty(0))  # degrees to grid edge
    b_start: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # per grid
    b_count: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # per grid
    b_per_floor: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))  # flats
    g_residents: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    g_households: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))

    def near_buildings(
        self,
        rng: np.random.Generator,
        building: np.ndarray,
        sigma_m: float,
        clip_m: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Points jittered around building centres, strictly inside the building's grid."""
        n = len(building)
        x, y = self.b_x[building].copy(), self.b_y[building].copy()
        reach = float(np.hypot(clip_m / M_PER_DEG_LON, clip_m / M_PER_DEG_LAT)) * 1.001
        # Centres farther than the largest jitter from the grid edge cannot leave the grid.
        risky = self.b_margin[building] <= reach
        pending = np.arange(n)
        for _ in range(4):
            if not len(pending):
                break
            dx = np.clip(rng.normal(0, sigma_m, len(pending)), -clip_m, clip_m) / M_PER_DEG_LON
            dy = np.clip(rng.normal(0, sigma_m, len(pending)), -clip_m, clip_m) / M_PER_DEG_LAT
            px = self.b_x[building[pending]] + dx
            py = self.b_y[building[pending]] + dy
            ok = ~risky[pending]
            check = np.flatnonzero(~ok)
            if len(check):
                grid = self.b_grid[building[pending[check]]]
                ok[check] = shapely.contains_xy(self.g_geom[grid], px[check], py[check])
            x[pending[ok]], y[pending[ok]] = px[ok], py[ok]
            pending = pending[~ok]
        # Whatever still falls outside stays at the building centre (strictly inside its grid).
        x[pending], y[pending] = self.b_x[building[pending]], self.b_y[building[pending]]
        return x, y


def areas(
    cfg: DemoConfig, districts: list[dict[str, Any]], plans: dict[str, DistrictPlan]
) -> tuple[pd.DataFrame, City]:
    """City → districts → townships → communities → grids, each level tiling its parent."""
    by_code = {d["code"]: d for d in districts}
    city = next(d for d in districts if d["level"] == "city")
    names = PlaceNames(stream(cfg, 1))
    naming = stream(cfg, 2)
    d_rows: list[tuple[str, str]] = []
    towns: list[tuple[str, str, Any, int, bool]] = []
    comms: list[tuple[str, str, Any, int]] = []
    grids: list[tuple[str, str, Any, int, int, bool]] = []
    for di, (dcode, plan) in enumerate(plans.items()):
        area = by_code[dcode]
        d_rows.append((dcode, area["name"]))
        # Per-district streams: a district's geometry does not depend on which others are built.
        geo = np.random.default_rng([cfg.seed, 3, int(dcode)])
        t_parts = subdivide(area["geom"], plan.townships, geo, weights=_density)
        t_names = names.take(plan.townships)
        c_iter = iter(plan.grids_per_community.tolist())
        for ti, (t_geom, n_comm) in enumerate(
            zip(t_parts, plan.communities_per_township.tolist(), strict=True), start=1
        ):
            street = plan.urban or ti == 1
            suffix = "街道" if street else ("镇" if naming.random() < 0.6 else "乡")
            tcode = f"{dcode}{ti:03d}"
            towns.append((tcode, t_names[ti - 1] + suffix, t_geom, di, street))
            c_parts = subdivide(t_geom, n_comm, geo, weights=_density)
            c_names = names.take(n_comm)
            for ci, c_geom in enumerate(c_parts, start=1):
                ccode = f"{tcode}{ci:03d}"
                cname = c_names[ci - 1] + ("社区" if street else "村")
                comm_index = len(comms)
                comms.append((ccode, cname, c_geom, len(towns) - 1))
                n_grid = next(c_iter)
                for gi, g_geom in enumerate(subdivide(c_geom, n_grid, geo, weights=_density), 1):
                    grids.append(
                        (f"{ccode}{gi:03d}", f"{cname}第{gi}网格", g_geom, comm_index, di, street)
                    )

    def col(rows: list[tuple[Any, ...]], k: int, dtype: Any = object) -> np.ndarray:
        values = [r[k] for r in rows]
        return obj(values) if dtype is object else np.array(values, dtype=dtype)

    multi = np.vectorize(as_multipolygon, otypes=[object])
    c = City(
        district_codes=[r[0] for r in d_rows],
        district_names=[r[1] for r in d_rows],
        t_code=col(towns, 0),
        t_name=col(towns, 1),
        t_geom=multi(col(towns, 2)),
        t_district=col(towns, 3, np.int64),
        t_street=col(towns, 4, bool),
        c_code=col(comms, 0),
        c_name=col(comms, 1),
        c_geom=multi(col(comms, 2)),
        c_township=col(comms, 3, np.int64),
        g_code=col(grids, 0),
        g_name=col(grids, 1),
        g_geom=multi(col(grids, 2)),
        g_community=col(grids, 3, np.int64),
        g_district=col(grids, 4, np.int64),
        g_urban=np.array([plans[d_rows[r[4]][0]].urban for r in grids], dtype=bool),
    )
    for arr in (c.t_geom, c.c_geom, c.g_geom):
        shapely.prepare(arr)
    d_codes = obj(c.district_codes)
    codes = np.concatenate([obj([CITY_CODE]), d_codes, c.t_code, c.c_code])
    frame = to_frame(
        {
            "code": codes,
            "name": np.concatenate(
                [obj([city["name"]]), obj(c.district_names), c.t_name, c.c_name]
            ),
            "level": obj(
                ["city"]
                + ["district"] * len(d_codes)
                + ["township"] * len(c.t_code)
                + ["community"] * len(c.c_code)
            ),
            "parent_code": np.concatenate(
                [
                    obj([None]),
                    obj([CITY_CODE] * len(d_codes)),
                    d_codes[c.t_district],
                    c.t_code[c.c_township],
                ]
            ),
            "row_ref": numbered("demo:", len(codes)),
        },
        geometry=np.concatenate(
            [
                obj([city["geom"]]),
                obj([by_code[d]["geom"] for d in c.district_codes]),
                c.t_geom,
                c.c_geom,
            ]
        ),
    )
    return frame, c


def buildings(cfg: DemoConfig, plans: dict[str, DistrictPlan], c: City) -> pd.DataFrame:
    """Rotated-rectangle footprints inside their grid, with codes and road addresses."""
    rng = stream(cfg, 4)
    per_grid = np.concatenate([p.buildings_per_grid for p in plans.values()]).astype(np.int64)
    floors = np.concatenate([p.floors for p in plans.values()]).astype(np.int64)
    n = len(floors)
    bg = np.repeat(np.arange(len(per_grid)), per_grid)
    c.b_grid, c.b_count = bg, per_grid
    c.b_start = np.concatenate([[0], np.cumsum(per_grid)[:-1]]).astype(np.int64)
    urban = c.g_urban[bg]
    # Footprints: rotated rectangles, urban slabs larger than village houses.
    w_m = np.where(urban, rng.uniform(15, 60, n), rng.uniform(8, 25, n))
    h_m = np.where(urban, rng.uniform(10, 20, n), rng.uniform(6, 12, n))
    angle = rng.uniform(0, np.pi, n)
    x, y = _sample_in(c.g_geom, bg, rng)
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=float) / 2
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]

    def footprints(idx: np.ndarray, scale: float = 1.0) -> np.ndarray:
        lx = corners[None, :, 0] * w_m[idx, None] * scale
        ly = corners[None, :, 1] * h_m[idx, None] * scale
        rx = (lx * cos[idx] - ly * sin[idx]) / M_PER_DEG_LON + x[idx, None]
        ry = (lx * sin[idx] + ly * cos[idx]) / M_PER_DEG_LAT + y[idx, None]
        return shapely.polygons(np.stack([rx, ry], axis=-1))

    polys = footprints(np.arange(n))
    # Footprints must lie inside their grid: re-draw the centre a few times, then shrink.
    bad = np.flatnonzero(~shapely.contains(c.g_geom[bg], polys))
    for _ in range(5):
        if not len(bad):
            break
        x[bad], y[bad] = _sample_in(c.g_geom, bg[bad], rng)
        polys[bad] = footprints(bad)
        bad = bad[~shapely.contains(c.g_geom[bg[bad]], polys[bad])]
    scale = 1.0
    while len(bad):
        scale /= 2
        polys[bad] = footprints(bad, scale)
        bad = bad[~shapely.contains(c.g_geom[bg[bad]], polys[bad])]
        if scale < 1e-6:
            raise RuntimeError("building footprint does not fit its grid")
    c.b_x, c.b_y = x, y
    boundaries = shapely.boundary(c.g_geom)
    c.b_margin = shapely.distance(shapely.points(x, y), boundaries[bg])
    # Codes: "B" + grid code + 4-digit number within the grid.
    within = np.arange(n) - c.b_start[bg] + 1
    g_code = c.g_code[bg]
    c.b_code = obj([f"B{g}{k:04d}" for g, k in zip(g_code.tolist(), within.tolist(), strict=True)])
    # Addresses: each grid lies on a road of its district; numbers count up along the road.
    names = PlaceNames(stream(cfg, 5))
    road_names = np.array(
        [w + s for w, s in zip(names.take(400), ["路", "街", "大街", "巷"] * 100, strict=True)],
        dtype=object,
    )
    g_road = rng.integers(0, len(road_names), len(per_grid))
    road_key = c.g_district[bg] * len(road_names) + g_road[bg]
    order = np.lexsort((np.arange(n), road_key))
    number = np.empty(n, dtype=np.int64)
    sorted_key = road_key[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    number[order] = np.arange(n) - group_start + 1
    d_names = obj(c.district_names)[c.g_district[bg]]
    roads = road_names[g_road[bg]]
    c.b_address = obj(
        [
            f"{d}{r}{k}号"
            for d, r, k in zip(d_names.tolist(), roads.tolist(), number.tolist(), strict=True)
        ]
    )
    geoms = shapely.multipolygons(polys, indices=np.arange(n))
    return to_frame(
        {
            "code": c.b_code,
            "grid_code": g_code,
            "address": c.b_address,
            "floors": floors,
            "row_ref": numbered("demo:", n),
        },
        geometry=geoms,
    )


def housing_units(cfg: DemoConfig, plans: dict[str, DistrictPlan], c: City) -> pd.DataFrame:
    """Every building's units floor by floor, occupancy by district class, exact residents."""
    rng = stream(cfg, 6)
    floors = np.concatenate([p.floors for p in plans.values()]).astype(np.int64)
    per_floor = np.concatenate([p.units_per_floor for p in plans.values()]).astype(np.int64)
    c.b_per_floor = per_floor
    units = floors * per_floor
    n = int(units.sum())
    ub = np.repeat(np.arange(len(units)), units)
    u_start = np.concatenate([[0], np.cumsum(units)[:-1]])
    k = np.arange(n) - u_start[ub]
    pf = per_floor[ub]
    floor = k // pf + 1
    pos = k % pf + 1
    lookup = np.empty((int(floors.max(initial=1)) + 1, int(per_floor.max(initial=1)) + 1), object)
    for f in range(lookup.shape[0]):
        lookup[f] = [f"{f}-{p:02d}" for p in range(lookup.shape[1])]
    unit_no = lookup[floor, pos]
    u_grid = c.b_grid[ub]
    u_district = c.g_district[u_grid]
    u_urban = c.g_urban[u_grid]
    # Occupancy by district class, then residents: 1 + Poisson with the mean hitting the target.
    cdf = np.cumsum([URBAN_STYLE.occupancy, RURAL_STYLE.occupancy], axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(n)
    cls = np.where(u_urban, 0, 1)
    occ = (u[:, None] > cdf[cls, :3]).sum(axis=1)
    residents = np.zeros(n, dtype=np.int64)
    occupied = occ != _VACANT
    for di, plan in enumerate(plans.values()):
        idx = np.flatnonzero((u_district == di) & occupied)
        if not len(idx):
            continue
        lam = max(plan.residents / len(idx) - 1.0, 0.0)
        people = 1 + np.minimum(rng.poisson(lam, len(idx)), 11)
        # Exact district total: +1 / -1 on random occupied units.
        for _ in range(64):
            residual = plan.residents - int(people.sum())
            if residual == 0:
                break
            if residual > 0:
                people += np.bincount(rng.integers(0, len(idx), residual), minlength=len(idx))
            else:
                can = np.flatnonzero(people > 1)
                if not len(can):
                    break
                take = rng.choice(can, min(-residual, len(can)), replace=False)
                people[take] -= 1
        residents[idx] = people
    c.g_residents = np.bincount(u_grid, weights=residents, minlength=len(c.g_code)).astype(np.int64)
    c.g_households = np.bincount(u_grid, weights=occupied, minlength=len(c.g_code)).astype(np.int64)
    return to_frame(
        {
            "building_code": c.b_code[ub],
            "unit_no": unit_no,
            "floor": floor.astype(np.int64),
            "residents": residents,
            "occupancy": _OCCUPANCY[occ],
            "row_ref": numbered("demo:", n),
        }
    )


def grids(c: City) -> pd.DataFrame:
    """The grids with their residents and households (after the housing units)."""
    return to_frame(
        {
            "code": c.g_code,
            "name": c.g_name,
            "community_code": c.c_code[c.g_community],
            "residents": c.g_residents,
            "households": c.g_households,
            "row_ref": numbered("demo:", len(c.g_code)),
        },
        geometry=c.g_geom,
    )


def compounds(cfg: DemoConfig, c: City) -> gpd.GeoDataFrame:
    """小区: boxes around buildings of (mostly urban) communities, clipped to the community."""
    rng = stream(cfg, 13)
    n_comm = len(c.c_code)
    comm_res = np.bincount(c.g_community, weights=c.g_residents, minlength=n_comm)
    if cfg.totals is None:
        per_comm = np.ones(n_comm, dtype=np.int64)
    else:
        street = c.t_street[c.c_township]
        eligible = np.flatnonzero(street) if street.any() else np.arange(n_comm)
        total = cfg.totals.compounds
        minimum = 1 if total >= len(eligible) else 0
        per_comm = np.zeros(n_comm, dtype=np.int64)
        per_comm[eligible] = apportion(total, comm_res[eligible] + 1, minimum)
    comm = np.repeat(np.arange(n_comm), per_comm)
    n = len(comm)
    # A building of a random grid of the community is the compound's centre.
    g_first = np.searchsorted(c.g_community, np.arange(n_comm))
    g_count = np.bincount(c.g_community, minlength=n_comm)
    grid = pick_within(rng, g_first[comm], g_count[comm])
    building = pick_within(rng, c.b_start[grid], c.b_count[grid])
    bx, by = c.b_x[building], c.b_y[building]
    hx = rng.uniform(60, 180, n) / M_PER_DEG_LON
    hy = rng.uniform(60, 180, n) / M_PER_DEG_LAT
    boxes = shapely.box(bx - hx, by - hy, bx + hx, by + hy)
    clipped = shapely.intersection(boxes, c.c_geom[comm])
    geoms = obj([as_multipolygon(shapely.make_valid(g)) for g in clipped.tolist()])
    for i in np.flatnonzero(~shapely.is_valid(geoms)):
        # Pieces of an overlay can touch along an edge; dissolving them makes a valid shape.
        geoms[i] = as_multipolygon(shapely.union_all(shapely.get_parts(geoms[i])))
    names = PlaceNames(stream(cfg, 14))
    heads = names.take(n)
    suffix = np.array(["小区", "花园", "家园", "苑"], dtype=object)[rng.integers(0, 4, n)]
    companies = obj([f"{w}物业服务有限公司" for w in names.take(max(20, n // 8))])
    company = companies[rng.integers(0, len(companies), n)]
    rate = np.round(rng.uniform(0.55, 0.98, n), 3)
    gov = _micro_governance(cfg, c.c_code[comm], shapely.area(geoms))
    rate = np.where(gov["party_led_fee"], gov["fee_after"], rate)
    return to_frame(
        {
            "name": obj([h + s for h, s in zip(heads, suffix.tolist(), strict=True)]),
            "community_code": c.c_code[comm],
            "party_branch": np.ones(n, dtype=bool),  # the brief: 1,741 compound party branches
            "owners_committee": gov["has_committee"],
            "property_company": company,
            "fee_collection_rate": rate,
            "party_groups": gov["party_groups"],
            "committee_kind": gov["committee_kind"],
            "committee_party_led": gov["party_led"],
            "fee_collection_rate_before": gov["fee_before"],
            "fee_rate_changed_year": gov["changed_year"],
        },
        geometry=geoms,
    )


OTHER_COMMITTEE_SHARE = 0.03  # compounds whose 业委会/物管会 no party branch leads
MANAGEMENT_SHARE = 0.3  # of the committees, 物管会 (interim) rather than an elected 业委会
PARTY_LED_WEIGHT_IN_FEE_DISTRICT = 2.0  # 赛罕区 led the 党支部领导业委会 change


def _micro_governance(cfg: DemoConfig, community: np.ndarray, area: np.ndarray) -> dict[str, Any]:
    """A compound's 党小组, its 业委会/物管会 and whether the party branch leads it, and in the
    brief's district the fee-collection rate before and after that change (a stream of its own:
    the compounds' other columns do not move)."""
    rng = stream(cfg, 13, 1)
    n = len(community)
    full = cfg.totals is not None
    per = n / BRIEF.compound_party_branches
    n_groups = BRIEF.party_groups if full else round(BRIEF.party_groups * per)
    groups = apportion(n_groups, np.sqrt(area) + 1e-9, 1 if n_groups >= n else 0)
    n_led = min(n, BRIEF.party_led_committees if full else round(BRIEF.party_led_committees * per))
    in_fee = np.array([code[:6] == BRIEF.fee_district for code in community.tolist()], dtype=bool)
    w = np.where(in_fee, PARTY_LED_WEIGHT_IN_FEE_DISTRICT, 1.0)
    led = np.zeros(n, dtype=bool)
    led[rng.choice(n, n_led, replace=False, p=w / w.sum())] = True
    other = ~led & (rng.random(n) < OTHER_COMMITTEE_SHARE)
    kind = np.where(rng.random(n) < MANAGEMENT_SHARE, "management", "owners").astype(object)
    kind[~(led | other)] = None
    fee = led & in_fee
    before = np.clip(rng.normal(BRIEF.fee_before, 0.04, n), 0.25, 0.55).round(3)
    after = np.clip(rng.normal(BRIEF.fee_after, 0.025, n), 0.82, 0.98).round(3)
    year = cfg.as_of.year - rng.integers(1, 6, n)
    return {
        "party_groups": groups.astype(np.int64),
        "committee_kind": kind,
        "has_committee": led | other,
        "party_led": led,
        "party_led_fee": fee,
        "fee_after": after,
        "fee_before": np.where(fee, before, np.nan),
        "changed_year": int_or_null(year, fee),
    }

"""Deterministic demo data for Hohhot on the real district boundaries, generated column-wise.

``generate(cfg)`` returns a ``DemoData``: one (Geo)DataFrame per load kind, with the canonical
column names of ``etl.load.KIND_FIELDS``, plus the tables no load kind covers (``extra``, keyed
by table name, foreign keys given by natural key). Nothing here touches a database.

The hierarchy below the districts is synthetic: each real district is split into townships →
communities → grids that exactly tile it (``etl.subdivide``). ``plan_counts`` decides how many of
each there are: random ranges at the "small" scale, and at the "full" scale Hohhot's published
figures (84 townships, 1,415 communities, 6,158 grids, 74,000 buildings, 2,116,000 housing units,
3,400,000 residents) apportioned over the nine districts. Buildings, housing units, patrol visits,
disputes and their workflow histories are built with numpy/shapely array operations; only the
subdivision loops per area. Same ``(seed, as_of)`` → identical frames.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape

from domain.clock import LOCAL_TZ, TZ_NAME
from domain.vocab import ACTION_ORDER
from etl.idcard import id_check_digit
from etl.subdivide import subdivide
from geodata.crs import gcj02_to_wgs84, transform_geometry
from geodata.load.seed import DEPARTMENTS, DISPUTE_TYPES, WHISTLE_CLASSES

__all__ = [
    "CITY_CODE",
    "RURAL_STYLE",
    "URBAN_STYLE",
    "DEMO_EXTRA",
    "DEMO_KINDS",
    "DEMO_TABLES",
    "DISTRICT_PROFILES",
    "URBAN_DISTRICTS",
    "BuildingStyle",
    "CityTotals",
    "DemoConfig",
    "DemoData",
    "DistrictPlan",
    "DistrictProfile",
    "generate",
    "plan_counts",
    "plan_totals",
    "read_districts",
]

TZ = LOCAL_TZ
CITY_CODE = "150100"
URBAN_DISTRICTS = frozenset({"150102", "150103", "150104", "150105"})
# Metres per degree at Hohhot's latitude (40.8°N), for sizing footprints and jitter.
M_PER_DEG_LAT = 111_000.0
M_PER_DEG_LON = 111_000.0 * float(np.cos(np.radians(40.8)))
# Roughly 新华广场 (WGS84): the urban core, where areas are subdivided more finely.
CITY_CENTRE = (111.664, 40.815)
CRS = "EPSG:4326"

_NS_HOUR = 3_600 * 10**9
_NS_DAY = 24 * _NS_HOUR
_NAT = np.iinfo(np.int64).min

# Load kinds in load order (parents before children) and the extra tables.
DEMO_KINDS = (
    "areas",
    "grids",
    "buildings",
    "housing-units",
    "grid-workers",
    "key-persons",
    "disputes",
    "patrols",
    "whistles",
)
DEMO_EXTRA = (
    "compound",
    "mediation_room",
    "mediator",
    "building_chief",
    "dispute_sub_case",
    "dispute_event",
    "patrol_task",
)
# Every table a demo build fills (what a re-load empties first).
DEMO_TABLES = (
    "admin_area",
    "grid",
    "building",
    "building_chief",
    "housing_unit",
    "grid_worker",
    "compound",
    "mediation_room",
    "mediator",
    "key_person",
    "dispute",
    "dispute_sub_case",
    "dispute_event",
    "whistle",
    "patrol_visit",
    "patrol_task",
)

_NAME_HEADS = "东西南北中新光明安和兴富康华丰泰长青金银锦秀阳春晨辉宏通达永盛"
_NAME_TAILS = "苑园桥街路关门坊湖庄泉河岭山源林台城营堡"
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红建国志宏海波鹏飞宇浩然婷雪梅琳晨阳辉"
)
_PHONE_PREFIXES = ("133", "138", "139", "150", "152", "158", "177", "180", "186", "189")

KEY_PERSON_CATEGORIES = (
    "社区矫正人员",
    "刑满释放人员",
    "严重精神障碍患者",
    "重点信访人员",
    "吸毒人员",
)
KEY_PERSON_CATEGORY_WEIGHTS = (0.22, 0.30, 0.20, 0.18, 0.10)
ANOMALY_TYPES = ("安全隐患", "矛盾苗头", "环境问题", "设施损坏", "人员异常")
ANOMALY_WEIGHTS = (0.30, 0.20, 0.25, 0.15, 0.10)
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
}
_SOURCE_LABEL = {
    "hotline": "12345热线",
    "grid_worker": "网格员上报",
    "police": "110警情",
    "walk_in": "群众来访",
    "petition": "信访渠道",
    "court": "法院诉前调解",
    "other": "其他渠道",
}
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
RESOLVE_SHARE = 0.75  # mediation success among closed cases
_SUCCESS_OUTCOMES = ("调解成功，达成协议", "双方和解，签订人民调解协议书", "经协调问题已解决")
_FAILURE_OUTCOMES = ("调解不成，引导当事人依法诉讼", "调解不成，转仲裁程序")
_WHISTLE_WEIGHTS = (8, 5, 6, 4, 6, 3, 6, 4, 3, 4, 4, 3, 2, 3, 6, 5, 3, 3, 2, 4, 2, 7, 3)
_DEPT_NAMES = {code: name for code, name, _level, _res in DEPARTMENTS}
_OCCUPANCY = np.array(["owner", "rented", "vacant", "other"], dtype=object)
_VACANT = 2


@dataclass(frozen=True)
class BuildingStyle:
    """How one class of district builds: ranges per building and people per housing unit."""

    floors: tuple[int, int]
    units_per_floor: tuple[int, int]
    units_per_building: float  # typical size, for apportioning the city's buildings
    residents_per_unit: float  # including vacant units
    occupancy: tuple[float, float, float, float]  # owner, rented, vacant, other


URBAN_STYLE = BuildingStyle((6, 33), (2, 4), 50.0, 1.5, (0.62, 0.20, 0.13, 0.05))
RURAL_STYLE = BuildingStyle((1, 3), (2, 8), 8.0, 2.2, (0.74, 0.05, 0.16, 0.05))


@dataclass(frozen=True)
class DistrictProfile:
    """Weights for apportioning the city's totals (not counts; the totals are exact)."""

    population: float  # 万人, roughly the 2020 census
    townships: float
    communities: float
    grids: float


DISTRICT_PROFILES: dict[str, DistrictProfile] = {
    "150102": DistrictProfile(77.6, 10, 125, 1290),  # 新城区
    "150103": DistrictProfile(46.6, 8, 80, 760),  # 回民区
    "150104": DistrictProfile(42.9, 9, 90, 700),  # 玉泉区
    "150105": DistrictProfile(87.7, 12, 200, 1420),  # 赛罕区
    "150121": DistrictProfile(32.3, 13, 310, 600),  # 土默特左旗
    "150122": DistrictProfile(19.1, 7, 140, 350),  # 托克托县
    "150123": DistrictProfile(19.6, 8, 165, 400),  # 和林格尔县
    "150124": DistrictProfile(9.6, 8, 120, 290),  # 清水河县
    "150125": DistrictProfile(11.4, 9, 185, 350),  # 武川县
}
_DEFAULT_PROFILE = DistrictProfile(10.0, 8, 150, 350)


@dataclass(frozen=True)
class CityTotals:
    """Hohhot's published figures: the full-scale build reproduces them."""

    townships: int = 84
    communities: int = 1_415
    grids: int = 6_158
    buildings: int = 74_000
    housing_units: int = 2_116_000
    residents: int = 3_400_000
    compounds: int = 1_741


@dataclass(frozen=True)
class DemoConfig:
    """Sizes and randomness of one demo build.

    Without ``totals`` every district draws its townships, communities per township, grids per
    community and buildings per grid from the ranges; with ``totals`` (the "full" scale) the city
    totals are apportioned over the districts instead.
    """

    seed: int
    as_of: date
    townships_per_district: tuple[int, int]
    communities_per_township: tuple[int, int]
    grids_per_community: tuple[int, int]
    buildings_per_grid: tuple[int, int]
    disputes: int
    dispute_months: int
    patrol_visits: int
    key_persons: int
    whistles: int
    districts: tuple[str, ...] = field(default=())  # empty: all nine
    totals: CityTotals | None = None  # set: apportion these instead of the per-parent ranges
    patrol_months: int = 12
    anomaly_rate: float = 11_000 / 2_050_000

    @classmethod
    def for_scale(cls, scale: str, seed: int, as_of: date | None = None) -> DemoConfig:
        as_of = as_of or datetime.now(TZ).date()
        if scale == "small":
            return cls(
                seed=seed,
                as_of=as_of,
                townships_per_district=(3, 4),
                communities_per_township=(3, 4),
                grids_per_community=(3, 4),
                buildings_per_grid=(3, 6),
                disputes=600,
                dispute_months=24,
                patrol_visits=6_000,
                key_persons=60,
                whistles=300,
            )
        if scale == "full":
            # The per-parent ranges are not used when ``totals`` is set: the city's totals are
            # apportioned instead (see ``plan_counts``); they only document the typical spread.
            return cls(
                seed=seed,
                as_of=as_of,
                townships_per_district=(7, 13),
                communities_per_township=(8, 30),
                grids_per_community=(1, 12),
                buildings_per_grid=(1, 40),
                disputes=26_000,
                dispute_months=24,
                patrol_visits=2_050_000,
                key_persons=3_000,
                whistles=12_000,
                totals=CityTotals(),
            )
        raise ValueError(f"unknown scale {scale!r}")


@dataclass
class DemoData:
    """A demo build: frames per load kind (canonical columns) and per extra table."""

    kinds: dict[str, gpd.GeoDataFrame | pd.DataFrame]
    extra: dict[str, pd.DataFrame]

    def counts(self) -> dict[str, int]:
        """Rows per kind and per extra table."""
        return {name: len(frame) for name, frame in (*self.kinds.items(), *self.extra.items())}


@dataclass(frozen=True)
class DistrictPlan:
    """How many of everything one district gets; arrays are in code order."""

    code: str
    urban: bool
    communities_per_township: np.ndarray
    grids_per_community: np.ndarray
    buildings_per_grid: np.ndarray
    floors: np.ndarray  # per building
    units_per_floor: np.ndarray  # per building
    residents: int  # sum of the district's housing-unit residents

    @property
    def townships(self) -> int:
        return len(self.communities_per_township)

    @property
    def communities(self) -> int:
        return len(self.grids_per_community)

    @property
    def grids(self) -> int:
        return len(self.buildings_per_grid)

    @property
    def buildings(self) -> int:
        return len(self.floors)

    @property
    def housing_units(self) -> int:
        return int((self.floors * self.units_per_floor).sum())


# --------------------------------------------------------------------------------------------
# Districts


def read_districts() -> list[dict[str, Any]]:
    """The packaged AMap boundaries converted from GCJ-02 to WGS84, city first."""
    path = resources.files("geodata") / "data" / "hohhot_admin_gcj02.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    out = []
    for feat in features:
        geom = transform_geometry(shape(feat["geometry"]), gcj02_to_wgs84)
        geom = _as_multipolygon(shapely.make_valid(geom, method="structure"))
        props = feat["properties"]
        out.append(
            {"code": props["adcode"], "name": props["name"], "level": props["level"], "geom": geom}
        )
    out.sort(key=lambda d: (d["level"] != "city", d["code"]))
    return out


def _as_multipolygon(geom: Any) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon | MultiPolygon)]
    flat: list[Polygon] = []
    for g in polys:
        flat.extend(g.geoms if isinstance(g, MultiPolygon) else [g])
    return MultiPolygon(flat)


# --------------------------------------------------------------------------------------------
# Count planning


def _apportion(total: int, weights: Any, minimum: Any = 0) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights``, each at least ``minimum``.

    Parts whose share falls below their minimum get the minimum; the rest is shared by the others
    in proportion (largest remainder), so the sum is exact.
    """
    w = np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        w = np.ones_like(w)
    low = np.broadcast_to(np.asarray(minimum, dtype=np.int64), w.shape).copy()
    if int(low.sum()) > total:
        raise ValueError(f"cannot apportion {total} with minimums summing to {low.sum()}")
    fixed = np.zeros(len(w), dtype=bool)
    while True:
        rest = total - int(low[fixed].sum())
        free_w = np.where(fixed, 0.0, w)
        quota = rest * free_w / free_w.sum() if free_w.sum() > 0 else np.zeros_like(w)
        short = ~fixed & (quota < low)
        if not short.any():
            break
        fixed |= short
    out = np.where(fixed, low, np.floor(quota)).astype(np.int64)
    left = total - int(out.sum())
    remainder = np.where(fixed, -1.0, quota - np.floor(quota))
    out[np.argsort(-remainder, kind="stable")[:left]] += 1
    return out


def _split(rng: np.random.Generator, total: int, parts: int, shape: float = 3.0) -> np.ndarray:
    """Randomly split ``total`` into ``parts`` positive integers that sum exactly to it."""
    return _apportion(total, rng.gamma(shape, 1.0, parts), minimum=1)


def _fit_units(
    rng: np.random.Generator, n: int, target: int | None, style: BuildingStyle
) -> tuple[np.ndarray, np.ndarray]:
    """Floors and units per floor of ``n`` buildings; with a target, their units sum to ~it."""
    f_lo, f_hi = style.floors
    p_lo, p_hi = style.units_per_floor
    per_floor = rng.integers(p_lo, p_hi + 1, n)
    if target is None or n == 0:
        return rng.integers(f_lo, f_hi + 1, n), per_floor
    # Beta-distributed floors with the mean that makes the expected unit total hit the target.
    mean_floors = target / max(int(per_floor.sum()), 1)
    frac = float(np.clip((mean_floors - f_lo) / max(f_hi - f_lo, 1), 0.02, 0.98))
    floors = f_lo + np.rint(rng.beta(4 * frac, 4 * (1 - frac), n) * (f_hi - f_lo)).astype(np.int64)
    # Then add/remove whole floors on random buildings until no single floor fits the residual.
    for _ in range(64):
        residual = target - int((floors * per_floor).sum())
        if residual == 0:
            break
        room = (floors < f_hi) if residual > 0 else (floors > f_lo)
        room &= per_floor <= abs(residual)
        cand = rng.permutation(np.flatnonzero(room))
        k = int(np.searchsorted(np.cumsum(per_floor[cand]), abs(residual), side="right"))
        if k == 0:
            break
        floors[cand[:k]] += 1 if residual > 0 else -1
    return floors, per_floor


def plan_counts(cfg: DemoConfig, districts: Sequence[Mapping[str, Any]]) -> dict[str, DistrictPlan]:
    """How many townships/communities/grids/buildings/units/residents each district gets.

    At the full scale the city's totals are apportioned over all districts given (exact sums;
    units within a few of the target), then ``cfg.districts`` picks the ones to build.
    Deterministic for ``cfg.seed``; no geometry is touched, so it is fast.
    """
    codes = sorted(d["code"] for d in districts if d.get("level", "district") == "district")
    rng = np.random.default_rng([cfg.seed, 0])
    urban = np.array([c in URBAN_DISTRICTS for c in codes])
    styles = [URBAN_STYLE if u else RURAL_STYLE for u in urban]
    plans: dict[str, DistrictPlan] = {}
    if cfg.totals is not None:
        tot = cfg.totals
        prof = [DISTRICT_PROFILES.get(c, _DEFAULT_PROFILE) for c in codes]
        pop = np.array([p.population for p in prof])
        towns = _apportion(tot.townships, [p.townships for p in prof], minimum=1)
        comms = _apportion(tot.communities, [p.communities for p in prof], minimum=towns)
        grids = _apportion(tot.grids, [p.grids for p in prof], minimum=comms)
        units = _apportion(
            tot.housing_units, pop / np.array([s.residents_per_unit for s in styles])
        )
        residents = _apportion(tot.residents, pop)
        buildings = _apportion(
            tot.buildings,
            units / np.array([s.units_per_building for s in styles]),
            minimum=grids,
        )
        for i, code in enumerate(codes):
            cpt = _split(rng, int(comms[i]), int(towns[i]))
            gpc = _split(rng, int(grids[i]), int(comms[i]))
            bpg = _split(rng, int(buildings[i]), int(grids[i]))
            floors, per_floor = _fit_units(rng, int(buildings[i]), int(units[i]), styles[i])
            plans[code] = DistrictPlan(
                code, bool(urban[i]), cpt, gpc, bpg, floors, per_floor, int(residents[i])
            )
    else:

        def draw(bounds: tuple[int, int], n: int) -> np.ndarray:
            return rng.integers(bounds[0], bounds[1] + 1, n)

        for i, code in enumerate(codes):
            n_town = int(draw(cfg.townships_per_district, 1)[0])
            cpt = draw(cfg.communities_per_township, n_town)
            gpc = draw(cfg.grids_per_community, int(cpt.sum()))
            bpg = draw(cfg.buildings_per_grid, int(gpc.sum()))
            floors, per_floor = _fit_units(rng, int(bpg.sum()), None, styles[i])
            people = round(float((floors * per_floor).sum()) * styles[i].residents_per_unit)
            plans[code] = DistrictPlan(
                code, bool(urban[i]), cpt, gpc, bpg, floors, per_floor, int(people)
            )
    for p in plans.values():
        # Codes are the parent's code + 3 digits (buildings: grid code + 4 digits).
        widest = max(p.townships, p.communities_per_township.max(), p.grids_per_community.max())
        if widest > 999 or p.buildings_per_grid.max() > 9_999:
            raise ValueError(f"district {p.code}: too many children for the code scheme")
    if cfg.districts:
        plans = {c: p for c, p in plans.items() if c in cfg.districts}
    return plans


def plan_totals(plans: Mapping[str, DistrictPlan]) -> dict[str, int]:
    """City-wide sums of a plan."""
    return {
        "districts": len(plans),
        "townships": sum(p.townships for p in plans.values()),
        "communities": sum(p.communities for p in plans.values()),
        "grids": sum(p.grids for p in plans.values()),
        "buildings": sum(p.buildings for p in plans.values()),
        "housing_units": sum(p.housing_units for p in plans.values()),
        "residents": sum(p.residents for p in plans.values()),
    }


# --------------------------------------------------------------------------------------------
# Small helpers


def _rng(cfg: DemoConfig, *stream: int) -> np.random.Generator:
    """An independent random stream per component, so components do not shift each other."""
    return np.random.default_rng([cfg.seed, *stream])


class _Names:
    """Deterministic, non-repeating place names."""

    def __init__(self, rng: np.random.Generator):
        heads, tails = _NAME_HEADS, _NAME_TAILS
        words = [a + t for a in heads for t in tails]
        words += [a + b + t for a in heads for b in heads if a != b for t in tails]
        self._places = [words[i] for i in rng.permutation(len(words))]
        self._i = 0

    def take(self, n: int) -> list[str]:
        out = []
        for k in range(self._i, self._i + n):
            lap, pos = divmod(k, len(self._places))
            out.append(self._places[pos] + (str(lap + 1) if lap else ""))
        self._i += n
        return out


def _people(rng: np.random.Generator, n: int) -> np.ndarray:
    s = rng.integers(0, len(_SURNAMES), n)
    g1 = rng.integers(0, len(_GIVEN), n)
    g2 = rng.integers(0, len(_GIVEN), n)
    two = rng.random(n) < 0.6
    return _obj(
        [
            _SURNAMES[a] + _GIVEN[b] + (_GIVEN[c] if t else "")
            for a, b, c, t in zip(s.tolist(), g1.tolist(), g2.tolist(), two.tolist(), strict=True)
        ]
    )


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    prefix = rng.integers(0, len(_PHONE_PREFIXES), n)
    tail = rng.integers(0, 10**8, n)
    return _obj(
        [
            f"{_PHONE_PREFIXES[p]}{t:08d}"
            for p, t in zip(prefix.tolist(), tail.tolist(), strict=True)
        ]
    )


def _obj(values: Any) -> np.ndarray:
    """A 1-D object array (never a numpy/pandas string dtype)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _numbered(prefix: str, n: int, start: int = 1) -> np.ndarray:
    """``prefix + str(i)`` for i in start..start+n-1, as an object array, without a Python loop."""
    out = np.empty(n, dtype=object)
    pre = np.array([ord(c) for c in prefix], dtype=np.uint32)
    lo = start
    while lo < start + n:
        width = len(str(lo))
        hi = min(start + n, 10**width)
        nums = np.arange(lo, hi, dtype=np.int64)
        chars = np.empty((len(nums), len(pre) + width), dtype=np.uint32)
        chars[:, : len(pre)] = pre
        for k in range(width - 1, -1, -1):
            chars[:, len(pre) + k] = 48 + nums % 10
            nums //= 10
        out[lo - start : hi - start] = chars.view(f"<U{len(pre) + width}").ravel()
        lo = hi
    return out


def _draw(rng: np.random.Generator, weights: Any, n: int) -> np.ndarray:
    """``n`` indices drawn with probability proportional to ``weights`` (inverse CDF)."""
    cdf = np.cumsum(np.asarray(weights, dtype=float))
    idx = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return np.minimum(idx, len(cdf) - 1)


def _pick_within(rng: np.random.Generator, start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """One random member index of each group ``[start, start + count)``."""
    return start + np.minimum((rng.random(len(start)) * count).astype(np.int64), count - 1)


def _utc(local_ns: np.ndarray) -> pd.Series:
    """Naive Asia/Shanghai wall-clock nanoseconds (``_NAT`` = missing) → datetime64[ns, UTC]."""
    idx = pd.DatetimeIndex(np.asarray(local_ns, dtype=np.int64).view("datetime64[ns]"))
    return pd.Series(idx.tz_localize(TZ_NAME).tz_convert("UTC"))


def _local_midnight_ns(day: date) -> int:
    return int(np.datetime64(day, "ns").astype(np.int64))


def _day_of_year_fields(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(month 1-12, day of month) of a datetime64[D] array."""
    months = days.astype("datetime64[M]")
    return months.astype(np.int64) % 12 + 1, (days - months).astype(np.int64) + 1


def _heating_season(days: np.ndarray) -> np.ndarray:
    """True on 15 Oct – 15 Apr (local dates)."""
    month, dom = _day_of_year_fields(days)
    return (
        np.isin(month, (11, 12, 1, 2, 3))
        | ((month == 10) & (dom >= 15))
        | ((month == 4) & (dom <= 15))
    )


def _frame(columns: dict[str, Any], geometry: Any = None) -> pd.DataFrame:
    """A frame with object (not str) text columns; a GeoDataFrame in EPSG:4326 with geometry."""
    data = {}
    for name, values in columns.items():
        if isinstance(values, pd.Series | pd.api.extensions.ExtensionArray):
            data[name] = pd.Series(values).reset_index(drop=True)
        elif isinstance(values, np.ndarray) and values.dtype == object:
            data[name] = pd.Series(values, dtype=object)
        else:
            data[name] = pd.Series(values)
    frame = pd.DataFrame(data)
    if geometry is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=np.asarray(geometry, dtype=object), crs=CRS)


def _int_or_null(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
    """Nullable Int64: ``values`` where ``present``, else <NA>."""
    present = np.asarray(present, dtype=bool)
    return pd.arrays.IntegerArray(np.where(present, values, 0).astype(np.int64), ~present)


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


# --------------------------------------------------------------------------------------------
# Generation


@dataclass
class _City:
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


def _areas(
    cfg: DemoConfig, districts: list[dict[str, Any]], plans: dict[str, DistrictPlan]
) -> tuple[pd.DataFrame, _City]:
    """City → districts → townships → communities → grids, each level tiling its parent."""
    by_code = {d["code"]: d for d in districts}
    city = next(d for d in districts if d["level"] == "city")
    names = _Names(_rng(cfg, 1))
    naming = _rng(cfg, 2)
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
        return _obj(values) if dtype is object else np.array(values, dtype=dtype)

    multi = np.vectorize(_as_multipolygon, otypes=[object])
    c = _City(
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
    d_codes = _obj(c.district_codes)
    codes = np.concatenate([_obj([CITY_CODE]), d_codes, c.t_code, c.c_code])
    frame = _frame(
        {
            "code": codes,
            "name": np.concatenate(
                [_obj([city["name"]]), _obj(c.district_names), c.t_name, c.c_name]
            ),
            "level": _obj(
                ["city"]
                + ["district"] * len(d_codes)
                + ["township"] * len(c.t_code)
                + ["community"] * len(c.c_code)
            ),
            "parent_code": np.concatenate(
                [
                    _obj([None]),
                    _obj([CITY_CODE] * len(d_codes)),
                    d_codes[c.t_district],
                    c.t_code[c.c_township],
                ]
            ),
            "row_ref": _numbered("demo:", len(codes)),
        },
        geometry=np.concatenate(
            [
                _obj([city["geom"]]),
                _obj([by_code[d]["geom"] for d in c.district_codes]),
                c.t_geom,
                c.c_geom,
            ]
        ),
    )
    return frame, c


def _buildings(cfg: DemoConfig, plans: dict[str, DistrictPlan], c: _City) -> pd.DataFrame:
    rng = _rng(cfg, 4)
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
    c.b_code = _obj([f"B{g}{k:04d}" for g, k in zip(g_code.tolist(), within.tolist(), strict=True)])
    # Addresses: each grid lies on a road of its district; numbers count up along the road.
    names = _Names(_rng(cfg, 5))
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
    d_names = _obj(c.district_names)[c.g_district[bg]]
    roads = road_names[g_road[bg]]
    c.b_address = _obj(
        [
            f"{d}{r}{k}号"
            for d, r, k in zip(d_names.tolist(), roads.tolist(), number.tolist(), strict=True)
        ]
    )
    geoms = shapely.multipolygons(polys, indices=np.arange(n))
    return _frame(
        {
            "code": c.b_code,
            "grid_code": g_code,
            "address": c.b_address,
            "floors": floors,
            "row_ref": _numbered("demo:", n),
        },
        geometry=geoms,
    )


def _housing_units(cfg: DemoConfig, plans: dict[str, DistrictPlan], c: _City) -> pd.DataFrame:
    rng = _rng(cfg, 6)
    floors = np.concatenate([p.floors for p in plans.values()]).astype(np.int64)
    per_floor = np.concatenate([p.units_per_floor for p in plans.values()]).astype(np.int64)
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
    return _frame(
        {
            "building_code": c.b_code[ub],
            "unit_no": unit_no,
            "floor": floor.astype(np.int64),
            "residents": residents,
            "occupancy": _OCCUPANCY[occ],
            "row_ref": _numbered("demo:", n),
        }
    )


def _grids(c: _City) -> pd.DataFrame:
    return _frame(
        {
            "code": c.g_code,
            "name": c.g_name,
            "community_code": c.c_code[c.g_community],
            "residents": c.g_residents,
            "households": c.g_households,
            "row_ref": _numbered("demo:", len(c.g_code)),
        },
        geometry=c.g_geom,
    )


def _workers(cfg: DemoConfig, c: _City) -> pd.DataFrame:
    rng = _rng(cfg, 7)
    n = len(c.g_code)
    return _frame(
        {
            "code": _obj(["W" + g for g in c.g_code.tolist()]),
            "name": _people(rng, n),
            "grid_code": c.g_code,
            "phone": _phones(rng, n),
            "row_ref": _numbered("demo:", n),
        }
    )


def _building_chiefs(cfg: DemoConfig, c: _City) -> pd.DataFrame:
    rng = _rng(cfg, 8)
    # Every urban building has a 楼栋长; about a third of village buildings do.
    has = c.g_urban[c.b_grid] | (rng.random(len(c.b_grid)) < 0.3)
    n = int(has.sum())
    return _frame(
        {"building_code": c.b_code[has], "name": _people(rng, n), "phone": _phones(rng, n)}
    )


def _key_persons(cfg: DemoConfig, c: _City) -> pd.DataFrame:
    rng = _rng(cfg, 9)
    n = cfg.key_persons
    grid = _draw(rng, c.g_residents + 1, n)
    building = _pick_within(rng, c.b_start[grid], c.b_count[grid])
    x, y = c.near_buildings(rng, building, 4.0, 10.0)
    dcodes = _obj(c.district_codes)[c.g_district[grid]]
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
    cats = _draw(rng, KEY_PERSON_CATEGORY_WEIGHTS, n)
    risk = _draw(rng, (0.6, 0.3, 0.1), n)
    return _frame(
        {
            "name": _people(rng, n),
            "id_number": _obj([f + id_check_digit(f) for f in first17.tolist()]),
            "phone": _phones(rng, n),
            "category": _obj(KEY_PERSON_CATEGORIES)[cats],
            "grid_code": c.g_code[grid],
            "risk_level": _obj(["low", "medium", "high"])[risk],
            "row_ref": _numbered("demo:", n),
        },
        geometry=shapely.points(x, y),
    )


def _hotspot_weights(rng: np.random.Generator, c: _City) -> np.ndarray:
    """Grid weights: residents times a few Gaussian hot spots, so Gi* finds real clusters."""
    cents = shapely.centroid(c.g_geom)
    x, y = shapely.get_x(cents), shapely.get_y(cents)
    w = c.g_residents.astype(float) + 1.0
    for k in _draw(rng, w, 6):
        sigma = rng.uniform(1_200, 3_000)
        amp = rng.uniform(3, 8)
        d2 = ((x - x[k]) * M_PER_DEG_LON) ** 2 + ((y - y[k]) * M_PER_DEG_LAT) ** 2
        w *= 1 + amp * np.exp(-d2 / (2 * sigma**2))
    return w / w.sum()


def _daytime_ns(rng: np.random.Generator, n: int) -> np.ndarray:
    """Time of day: mostly office hours, some around the clock."""
    hours = np.where(rng.random(n) < 0.85, rng.uniform(8, 20, n), rng.uniform(0, 24, n))
    return (hours * _NS_HOUR).astype(np.int64)


def _pick_days(
    rng: np.random.Generator, first: date, n_days: int, n: int, seasonal: np.ndarray
) -> np.ndarray:
    """Day offsets from ``first``: uniform, but heating-season days only where ``seasonal``."""
    days = np.datetime64(first, "D") + np.arange(n_days)
    season_days = np.flatnonzero(_heating_season(days))
    out = rng.integers(0, n_days, n)
    k = int(seasonal.sum())
    if k:
        out[seasonal] = season_days[rng.integers(0, len(season_days), k)]
    return out


def _sec(ns: np.ndarray) -> np.ndarray:
    """Floor nanosecond timestamps to whole seconds (case systems record seconds)."""
    return ns - ns % 10**9


def _type_label(name: str) -> str:
    return name if name.endswith(("纠纷", "争议", "事故", "污染")) else name + "纠纷"


class _EventLog:
    """Collects workflow events column-wise, then orders them per case."""

    ACTIONS = ACTION_ORDER

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, ...]] = []

    def add(
        self,
        case: np.ndarray,
        at: np.ndarray,
        action: str,
        actor: Any,
        dept: Any,
        note: Any,
        sub: np.ndarray | None = None,
    ) -> None:
        m = len(case)
        full = [v if isinstance(v, np.ndarray) else _obj([v] * m) for v in (actor, dept, note)]
        rank = np.full(m, self.ACTIONS.index(action), dtype=np.int64)
        self._parts.append((case, at, rank, *full, np.zeros(m, np.int64) if sub is None else sub))

    def frame(self, source_ref: np.ndarray) -> pd.DataFrame:
        case, at, rank, actor, dept, note, sub = (
            np.concatenate([p[k] for p in self._parts]) for k in range(7)
        )
        # Per case by time; same-instant events in workflow order, sub-cases by their seq.
        order = np.lexsort((sub, rank, at, case))
        case, at, rank, sub = case[order], at[order], rank[order], sub[order]
        first = np.r_[True, case[1:] != case[:-1]]
        group_start = np.maximum.accumulate(np.where(first, np.arange(len(case)), 0))
        return _frame(
            {
                "source_ref": source_ref[case],
                "seq": np.arange(len(case)) - group_start + 1,
                "action": _obj(self.ACTIONS)[rank],
                "actor": actor[order],
                "department_code": dept[order],
                "at": _utc(at),
                "note": note[order],
                "sub_case_seq": _int_or_null(sub, sub > 0),
            }
        )


def _disputes(
    cfg: DemoConfig, c: _City
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Cases with hot spots and a seasonal heating mix, their sub-cases and full histories."""
    rng = _rng(cfg, 10)
    n = cfg.disputes
    end = _local_midnight_ns(cfg.as_of)
    span_days = round(cfg.dispute_months * 365 / 12)
    first_day = cfg.as_of - timedelta(days=span_days)
    types = {t[0]: t for t in DISPUTE_TYPES}
    type_codes = [code for code in DISPUTE_TYPE_WEIGHTS if code in types]
    tw = np.array([DISPUTE_TYPE_WEIGHTS[code] for code in type_codes])

    # Where and when: hot-spot-weighted grids, a building there, heating only in season.
    grid = _draw(rng, _hotspot_weights(rng, c), n)
    t_idx = np.where(c.g_urban[grid], _draw(rng, tw[:, 0], n), _draw(rng, tw[:, 1], n))
    heating = np.array([code == "heating" for code in type_codes])[t_idx]
    day = _pick_days(rng, first_day, span_days, n, heating)
    reported = _sec(_local_midnight_ns(first_day) + day * _NS_DAY + _daytime_ns(rng, n))
    order = np.argsort(reported, kind="stable")
    grid, t_idx, reported = grid[order], t_idx[order], reported[order]
    building = _pick_within(rng, c.b_start[grid], c.b_count[grid])
    x, y = c.near_buildings(rng, building, 12.0, 30.0)

    limit = np.array([types[t][6] for t in type_codes], dtype=np.int64)[t_idx]
    lead = _obj([types[t][3] for t in type_codes])[t_idx]
    label = _obj([_type_label(types[t][1]) for t in type_codes])[t_idx]
    sources = list(DISPUTE_SOURCE_WEIGHTS)
    src = _draw(rng, list(DISPUTE_SOURCE_WEIGHTS.values()), n)
    src[(t_idx == type_codes.index("traffic")) & (rng.random(n) < 0.5)] = sources.index("police")
    src[(t_idx == type_codes.index("administrative")) & (rng.random(n) < 0.3)] = sources.index(
        "petition"
    )
    parties = np.array([2, 2, 2, 3, 4, 6, 12, 30], dtype=np.int64)[rng.integers(0, 8, n)]
    key = rng.random(n) < 0.04
    risk = np.where(rng.random(n) < 0.3, 1, 0)
    risk[(parties >= 12) | (key & (rng.random(n) < 0.5))] = 2

    # Workflow timing (local ns). finish: when the case is (or, if still open, would be) closed.
    def hours(lo: float, hi: float) -> np.ndarray:
        return (rng.uniform(lo, hi, n) * _NS_HOUR).astype(np.int64)

    assign_at = _sec(reported + hours(0.5, 8))
    due = reported + limit * _NS_DAY
    work = np.maximum(rng.gamma(2.0, limit / 4.0) * _NS_DAY, 2 * _NS_HOUR).astype(np.int64)
    finish = _sec(assign_at + work)
    closed = finish < end
    success = closed & (rng.random(n) < RESOLVE_SHARE)
    failed = closed & ~success
    eval_at = _sec(finish + hours(12, 120))
    evaluated = closed & (eval_at < end)
    archive_at = _sec(finish + hours(20 * 24, 40 * 24))
    archived = success & evaluated & (archive_at < end)
    sup_at = _sec(due + hours(0, 12))
    supervised = sup_at < np.minimum(finish, end)
    proxy_at = _sec(reported + hours(5 / 60, 1))
    proxied = (src == sources.index("walk_in")) & (rng.random(n) < 0.3)
    proxied &= proxy_at < np.minimum(assign_at, end)

    # 商办 sub-cases for multi-party cases: 6 parties sometimes, 12+ always; one per department.
    coop = [types[t][4] for t in type_codes]
    coop_table = np.empty((len(coop), max(len(d) for d in coop)), dtype=object)
    for i, depts in enumerate(coop):
        coop_table[i, : len(depts)] = depts
    n_coop = np.array([len(d) for d in coop], dtype=np.int64)[t_idx]
    wanted = np.select(
        [parties >= 30, parties >= 12, (parties >= 6) & (rng.random(n) < 0.5)], [3, 2, 2], 0
    )
    n_sub = np.minimum(n_coop, wanted)
    s_case = np.repeat(np.arange(n), n_sub)
    s_seq = np.arange(len(s_case)) - np.repeat(np.cumsum(n_sub) - n_sub, n_sub) + 1
    offset = rng.integers(0, 1_000, n)
    s_dept = coop_table[t_idx[s_case], (offset[s_case] + s_seq - 1) % n_coop[s_case]]
    # Consultations follow the assignment in seq order, within the first 40% of the work.
    lag = (hours(1, 24)[s_case] + (s_seq - 1) * 2 * _NS_HOUR).astype(np.int64)
    cap = ((finish - assign_at) * 0.4).astype(np.int64)[s_case]
    s_consult = _sec(assign_at[s_case] + np.minimum(lag, cap))
    keep = s_consult < end
    s_case, s_seq, s_dept, s_consult = s_case[keep], s_seq[keep], s_dept[keep], s_consult[keep]
    share = rng.uniform(0.3, 0.95, len(s_case))
    s_done_at = _sec(s_consult + (share * (finish[s_case] - s_consult)).astype(np.int64))
    s_failed = failed[s_case]
    s_done = ~s_failed & (s_done_at < end)
    consulted = np.bincount(s_case, minlength=n) > 0

    status = np.full(n, "in_progress", dtype=object)
    status[~closed & (end < assign_at)] = "received"
    status[~closed & (end >= assign_at) & (end < assign_at + _NS_DAY) & ~consulted] = "assigned"
    status[success] = "resolved"
    status[archived] = "archived"
    status[failed] = "unresolved"
    outcome = np.full(n, None, dtype=object)
    pick = rng.integers(0, 6, n)
    outcome[success] = _obj(_SUCCESS_OUTCOMES)[pick[success] % len(_SUCCESS_OUTCOMES)]
    outcome[failed] = _obj(_FAILURE_OUTCOMES)[pick[failed] % len(_FAILURE_OUTCOMES)]
    satisfaction = np.where(
        success,
        np.array([3, 4, 4, 5, 5, 5])[rng.integers(0, 6, n)],
        np.array([1, 2, 2, 3])[rng.integers(0, 4, n)],
    )

    year = (reported // _NS_DAY).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    src_names = _obj(sources)[src]
    source_ref = _obj(
        [
            f"{_SOURCE_REF_PREFIX[s]}-{yy + 1970}-{i:07d}"
            for i, (s, yy) in enumerate(zip(src_names.tolist(), year.tolist(), strict=True), 1)
        ]
    )
    address = c.b_address[building]
    rows = list(
        zip(src_names.tolist(), address.tolist(), label.tolist(), parties.tolist(), strict=True)
    )
    disputes = _frame(
        {
            "source_ref": source_ref,
            "source": src_names,
            "type": _obj(type_codes)[t_idx],
            "title": _obj([f"{t}：{a}" for _s, a, t, _p in rows]),
            "description": _obj(
                [
                    f"{_SOURCE_LABEL[s]}反映：{a}发生{t}，涉及{p}方当事人，请求协调处理。"
                    for s, a, t, p in rows
                ]
            ),
            "address": address,
            "reported_at": _utc(reported),
            "parties": parties,
            "status": status,
            "risk_level": _obj(["low", "medium", "high"])[risk],
            "resolved_at": _utc(np.where(success, finish, _NAT)),
            "outcome": outcome,
            "satisfaction": _int_or_null(satisfaction, evaluated),
            "involves_key_person": key,
            "row_ref": _numbered("demo:", n),
        },
        geometry=shapely.points(x, y),
    )

    s_names = _obj([_DEPT_NAMES[d] for d in s_dept.tolist()])
    sub_cases = _frame(
        {
            "source_ref": source_ref[s_case],
            "seq": s_seq.astype(np.int64),
            "department_code": s_dept,
            "task": _obj(
                [
                    f"{d}协同处置{t}"
                    for d, t in zip(s_names.tolist(), label[s_case].tolist(), strict=True)
                ]
            ),
            "status": np.where(s_done, "done", np.where(s_failed, "failed", "open")).astype(object),
            "due_at": _utc(due[s_case]),
            "resolved_at": _utc(np.where(s_done, s_done_at, _NAT)),
        }
    )

    # History: 接办 → (代办) → 交办 → (商办) → (督办) → 化解 → 评价 → 归档, nothing after as_of.
    log = _EventLog()
    lead_names = _obj([_DEPT_NAMES[d] for d in lead.tolist()])
    log.add(np.arange(n), reported, "accept", "综治中心受理窗口", "township", "综治中心接办登记")
    p = np.flatnonzero(proxied)
    log.add(p, proxy_at[p], "proxy", "综治中心代办员", "township", "群众来访，代办员全程代办")
    a = np.flatnonzero(assign_at < end)
    notes = [
        f"交办{d}，限期{k}天"
        for d, k in zip(lead_names[a].tolist(), limit[a].tolist(), strict=True)
    ]
    log.add(a, assign_at[a], "assign", lead_names[a], lead[a], _obj(notes))
    notes = [
        f"多部门商办：{d}协同处置（子案件{k}）"
        for d, k in zip(s_names.tolist(), s_seq.tolist(), strict=True)
    ]
    log.add(s_case, s_consult, "consult", s_names, s_dept, _obj(notes), s_seq)
    s = np.flatnonzero(supervised)
    log.add(s, sup_at[s], "supervise", "综治中心", "township", "超期督办")
    r = np.flatnonzero(closed)
    log.add(r, finish[r], "resolve", lead_names[r], lead[r], outcome[r])
    e = np.flatnonzero(evaluated)
    notes = [f"回访评价：满意度{v}" for v in satisfaction[e].tolist()]
    log.add(e, eval_at[e], "evaluate", "当事人", None, _obj(notes))
    z = np.flatnonzero(archived)
    log.add(z, archive_at[z], "archive", "综治中心", "township", "结案归档")
    return disputes, sub_cases, log.frame(source_ref), np.bincount(grid, minlength=len(c.g_code))


def _patrols(cfg: DemoConfig, c: _City) -> gpd.GeoDataFrame:
    """Visits: each goes to a building of the worker's grid, jittered by metres inside the grid."""
    rng = _rng(cfg, 11)
    n = cfg.patrol_visits
    end = _local_midnight_ns(cfg.as_of)
    span_days = round(cfg.patrol_months * 365 / 12)
    start = end - span_days * _NS_DAY
    worker = rng.integers(0, len(c.g_code), n)
    day = rng.integers(0, span_days, n)
    # Working hours 08:00–18:00, to the microsecond.
    tod = rng.integers(8 * 3_600 * 10**6, 18 * 3_600 * 10**6, n) * 1_000
    at = start + day * _NS_DAY + tod
    # One visit per worker per instant: sorted by (time, worker), equal pairs are adjacent;
    # nudge them by a microsecond (rare) and sort again.
    n_workers = len(c.g_code)
    for _ in range(100):
        key = (at - start) // 1_000 * n_workers + worker  # microseconds: fits in int64
        order = np.argsort(key, kind="stable")
        key = key[order]
        dup = np.flatnonzero(key[1:] == key[:-1]) + 1
        worker, at = worker[order], at[order]
        if not len(dup):
            break
        at[dup] += 1_000
    building = _pick_within(rng, c.b_start[worker], c.b_count[worker])
    x, y = c.near_buildings(rng, building, 8.0, 25.0)
    kind = np.zeros(n, dtype=np.int64)
    n_anom = round(n * cfg.anomaly_rate)
    if n_anom:
        hit = rng.choice(n, n_anom, replace=False)
        kind[hit] = 1 + _draw(rng, ANOMALY_WEIGHTS, n_anom)
    w_codes = _obj(["W" + g for g in c.g_code.tolist()])
    return _frame(
        {
            "worker_code": w_codes[worker],
            "visited_at": _utc(at),
            "building_code": c.b_code[building],
            "finding": _obj(["正常", *("发现" + t for t in ANOMALY_TYPES)])[kind],
            "anomaly_type": _obj([None, *ANOMALY_TYPES])[kind],
            "row_ref": _numbered("demo:", n),
        },
        geometry=shapely.points(x, y),
    )


def _whistles(cfg: DemoConfig, c: _City) -> pd.DataFrame:
    rng = _rng(cfg, 12)
    n = cfg.whistles
    end = _local_midnight_ns(cfg.as_of)
    span_days = 365
    first_day = cfg.as_of - timedelta(days=span_days)
    comm_res = np.bincount(c.g_community, weights=c.g_residents, minlength=len(c.c_code))
    comm = _draw(rng, comm_res + 1, n)
    # Every class appears: the first 23 draws cover them once, the rest follow the weights.
    cls = _draw(rng, _WHISTLE_WEIGHTS, n)
    cls[: min(n, len(WHISTLE_CLASSES))] = np.arange(min(n, len(WHISTLE_CLASSES)))
    cls = cls[rng.permutation(n)]
    heating = np.array([w[0] == "W07" for w in WHISTLE_CLASSES])[cls]
    day = _pick_days(rng, first_day, span_days, n, heating)
    raised = _sec(_local_midnight_ns(first_day) + day * _NS_DAY + _daytime_ns(rng, n))
    order = np.argsort(raised, kind="stable")
    comm, cls, raised = comm[order], cls[order], raised[order]
    stage = _draw(rng, (0.1, 0.2, 0.3, 0.4), n)
    responded = _sec(raised + (rng.uniform(0.5, 72, n) * _NS_HOUR).astype(np.int64))
    stage[responded >= end] = 0
    evaluation = np.array([2, 3, 4, 5])[_draw(rng, (0.05, 0.15, 0.35, 0.45), n)]
    year = (raised // _NS_DAY).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    c_names = c.c_name[comm]
    w_names = _obj([w[1] for w in WHISTLE_CLASSES])[cls]
    return _frame(
        {
            "source_ref": _obj(
                [f"WH-{yy + 1970}-{i:07d}" for i, yy in enumerate(year.tolist(), 1)]
            ),
            "community_code": c.c_code[comm],
            "category": _obj([w[0] for w in WHISTLE_CLASSES])[cls],
            "item": _obj(
                [f"{a}{b}问题吹哨" for a, b in zip(c_names.tolist(), w_names.tolist(), strict=True)]
            ),
            "raised_at": _utc(raised),
            "responding_department": _obj([w[2] for w in WHISTLE_CLASSES])[cls],
            "responded_at": _utc(np.where(stage >= 1, responded, _NAT)),
            "status": _obj(["raised", "responded", "evaluated", "assessed"])[stage],
            "evaluation": _int_or_null(evaluation, stage >= 2),
            "row_ref": _numbered("demo:", n),
        }
    )


def _compounds(cfg: DemoConfig, c: _City) -> gpd.GeoDataFrame:
    """小区: boxes around buildings of (mostly urban) communities, clipped to the community."""
    rng = _rng(cfg, 13)
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
        per_comm[eligible] = _apportion(total, comm_res[eligible] + 1, minimum)
    comm = np.repeat(np.arange(n_comm), per_comm)
    n = len(comm)
    # A building of a random grid of the community is the compound's centre.
    g_first = np.searchsorted(c.g_community, np.arange(n_comm))
    g_count = np.bincount(c.g_community, minlength=n_comm)
    grid = _pick_within(rng, g_first[comm], g_count[comm])
    building = _pick_within(rng, c.b_start[grid], c.b_count[grid])
    bx, by = c.b_x[building], c.b_y[building]
    hx = rng.uniform(60, 180, n) / M_PER_DEG_LON
    hy = rng.uniform(60, 180, n) / M_PER_DEG_LAT
    boxes = shapely.box(bx - hx, by - hy, bx + hx, by + hy)
    clipped = shapely.intersection(boxes, c.c_geom[comm])
    geoms = _obj([_as_multipolygon(shapely.make_valid(g)) for g in clipped.tolist()])
    for i in np.flatnonzero(~shapely.is_valid(geoms)):
        # Pieces of an overlay can touch along an edge; dissolving them makes a valid shape.
        geoms[i] = _as_multipolygon(shapely.union_all(shapely.get_parts(geoms[i])))
    names = _Names(_rng(cfg, 14))
    heads = names.take(n)
    suffix = np.array(["小区", "花园", "家园", "苑"], dtype=object)[rng.integers(0, 4, n)]
    companies = _obj([f"{w}物业服务有限公司" for w in names.take(max(20, n // 8))])
    return _frame(
        {
            "name": _obj([h + s for h, s in zip(heads, suffix.tolist(), strict=True)]),
            "community_code": c.c_code[comm],
            "party_branch": rng.random(n) < 0.8,
            "owners_committee": rng.random(n) < 0.3,
            "property_company": companies[rng.integers(0, len(companies), n)],
            "fee_collection_rate": np.round(rng.uniform(0.55, 0.98, n), 3),
        },
        geometry=geoms,
    )


def _mediation(cfg: DemoConfig, c: _City) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    rng = _rng(cfg, 15)
    n_t = len(c.t_code)
    n_d = len(c.district_codes)
    # One people's mediation committee per township (every 7th a 金牌 room), and per district
    # an industry committee for property disputes and, in urban districts, a medical expert room.
    t_kind = np.where(np.arange(n_t) % 7 == 0, "gold", "people").astype(object)
    t_label = np.where(t_kind == "gold", "金牌调解室", "人民调解委员会").astype(object)
    d_urban = np.array([code in URBAN_DISTRICTS for code in c.district_codes])
    d_names = _obj(c.district_names)
    d_codes = _obj(c.district_codes)
    ex = np.flatnonzero(d_urban)
    kind = np.concatenate([t_kind, _obj(["industry"] * n_d), _obj(["expert"] * len(ex))])
    name = np.concatenate(
        [
            _obj([a + b for a, b in zip(c.t_name.tolist(), t_label.tolist(), strict=True)]),
            _obj([d + "物业纠纷人民调解委员会" for d in d_names.tolist()]),
            _obj([d + "医疗纠纷专家调解室" for d in d_names[ex].tolist()]),
        ]
    )
    area = np.concatenate([c.t_code, d_codes, d_codes[ex]])
    # Rooms sit at a building: of the township, or of the district's first township.
    d_first_t = np.searchsorted(c.t_district, np.arange(n_d))
    room_t = np.concatenate([np.arange(n_t), d_first_t, d_first_t[ex]])
    t_grids = c.c_township[c.g_community]
    g_first = np.searchsorted(t_grids, np.arange(n_t))
    g_count = np.bincount(t_grids, minlength=n_t)
    grid = _pick_within(rng, g_first[room_t], g_count[room_t])
    building = _pick_within(rng, c.b_start[grid], c.b_count[grid])
    x, y = c.near_buildings(rng, building, 3.0, 8.0)
    rooms = _frame({"name": name, "kind": kind, "area_code": area}, geometry=shapely.points(x, y))
    per_room = np.where(kind == "gold", 4, rng.integers(2, 4, len(kind)))
    room = np.repeat(np.arange(len(kind)), per_room)
    specialties = _obj([t[1] for t in DISPUTE_TYPES])
    spec = specialties[rng.integers(0, len(specialties), len(room))]
    spec[np.flatnonzero(kind[room] == "expert")] = "医疗纠纷"
    spec[np.flatnonzero(kind[room] == "industry")] = "房产物业"
    mediators = _frame(
        {"name": _people(rng, len(room)), "room_name": name[room], "specialty": spec}
    )
    return rooms, mediators


def _tasks(cfg: DemoConfig, c: _City, disputes_per_grid: np.ndarray) -> pd.DataFrame:
    rng = _rng(cfg, 16)
    g = len(c.g_code)
    n = min(g, max(10, g // 10))
    grid = rng.choice(
        g, n, replace=False, p=(disputes_per_grid + 1) / (disputes_per_grid + 1).sum()
    )
    grid.sort()
    reasons = _obj(["矛盾纠纷高发区域加密巡查", "重点人员走访", "异常情况复查", "安全隐患排查"])
    due = np.datetime64(cfg.as_of, "D") + rng.integers(0, 14, n)
    return _frame(
        {
            "grid_code": c.g_code[grid],
            "worker_code": _obj(["W" + code for code in c.g_code[grid].tolist()]),
            "due_on": _obj(due.astype(object).tolist()),
            "priority": _obj(["low", "normal", "high", "urgent"])[
                _draw(rng, (0.2, 0.5, 0.2, 0.1), n)
            ],
            "reason": reasons[rng.integers(0, len(reasons), n)],
            "status": _obj(["open"] * n),
        }
    )


def generate(cfg: DemoConfig) -> DemoData:
    """Build every demo frame in memory; same ``(seed, as_of)`` → identical frames."""
    districts = read_districts()
    plans = plan_counts(cfg, districts)
    areas, city = _areas(cfg, districts, plans)
    buildings = _buildings(cfg, plans, city)
    units = _housing_units(cfg, plans, city)
    disputes, sub_cases, events, per_grid = _disputes(cfg, city)
    rooms, mediators = _mediation(cfg, city)
    kinds: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {
        "areas": areas,
        "grids": _grids(city),
        "buildings": buildings,
        "housing-units": units,
        "grid-workers": _workers(cfg, city),
        "key-persons": _key_persons(cfg, city),
        "disputes": disputes,
        "patrols": _patrols(cfg, city),
        "whistles": _whistles(cfg, city),
    }
    extra: dict[str, pd.DataFrame] = {
        "compound": _compounds(cfg, city),
        "mediation_room": rooms,
        "mediator": mediators,
        "building_chief": _building_chiefs(cfg, city),
        "dispute_sub_case": sub_cases,
        "dispute_event": events,
        "patrol_task": _tasks(cfg, city, per_grid),
    }
    return DemoData(kinds=kinds, extra=extra)

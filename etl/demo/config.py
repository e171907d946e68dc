"""What a demo build is: its sizes and randomness (``DemoConfig``), Hohhot's published totals,
the district profiles and building styles they are apportioned by, the load kinds and tables a
build fills, and the ``DemoData`` it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime

import geopandas as gpd
import pandas as pd

from domain.clock import LOCAL_TZ

TZ = LOCAL_TZ
CITY_CODE = "150100"
URBAN_DISTRICTS = frozenset({"150102", "150103", "150104", "150105"})
# The "province" scale multiplies Hohhot's areas and grids, and its patrol visits, by these.
PROVINCE_GRIDS = 5
PROVINCE_PATROLS = 10

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
    "consultation",
    "dispute_link",
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
    "consultation",
    "dispute_link",
    "whistle",
    "patrol_visit",
    "patrol_task",
)


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
DEFAULT_PROFILE = DistrictProfile(10.0, 8, 150, 350)


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
class MicroGovernance:
    """The brief's 微治理 figures for the whole city. The full build reproduces them; a smaller
    one scales them by what they hang on (buildings, compounds, townships)."""

    chiefs: int = 74_000  # 楼栋长 and 单元长: one per building on average
    party_groups: int = 7_493  # 党小组
    compound_party_branches: int = 1_741  # 小区党支部: every compound has one
    party_led_committees: int = 459  # 党支部领导的业委会/物管会
    legal_volunteers: int = 413  # 金牌调解室 法律志愿者
    trainings: int = 1_005
    consultations: int = 3_565
    gold_resolved: int = 3_980  # disputes the 金牌调解室 resolved: derived from the cases
    # 赛罕区: fee collection before and after 党支部领导业委会.
    fee_district: str = "150105"
    fee_before: float = 0.40
    fee_after: float = 0.90


BRIEF = MicroGovernance()


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
        if scale == "province":
            # A province-scale synthetic run (issue 13): Hohhot's areas and grids ×5 on the same
            # districts (so every grid is a fifth of the size) and its patrol visits ×10; the
            # buildings, housing units, residents, cases, key persons and whistles stay Hohhot's.
            full = cls.for_scale("full", seed, as_of)
            hohhot = CityTotals()
            return replace(
                full,
                patrol_visits=full.patrol_visits * PROVINCE_PATROLS,
                totals=replace(
                    hohhot,
                    townships=hohhot.townships * PROVINCE_GRIDS,
                    communities=hohhot.communities * PROVINCE_GRIDS,
                    grids=hohhot.grids * PROVINCE_GRIDS,
                ),
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

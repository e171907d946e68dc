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

One module per concern: ``config`` (what a build is), ``plan`` (how many of each),
``geography`` (areas, grids, buildings, housing units, compounds), ``people`` (workers, 楼栋长,
key persons, mediators), ``disputes`` (cases and whistles) with ``workflow`` (their histories
replayed through ``domain.workflow``: locks, consultations, duplicates, the desk at as_of), ``patrols`` (visits, tasks); ``common`` holds the column-wise
helpers they share. ``etl.demo_load`` writes a build to the database.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from etl.demo import disputes, geography, patrols, people
from etl.demo.config import (
    CITY_CODE,
    DEMO_EXTRA,
    DEMO_KINDS,
    DEMO_TABLES,
    DISTRICT_PROFILES,
    RURAL_STYLE,
    URBAN_DISTRICTS,
    URBAN_STYLE,
    BuildingStyle,
    CityTotals,
    DemoConfig,
    DemoData,
    DistrictProfile,
)
from etl.demo.geography import read_districts
from etl.demo.plan import DistrictPlan, plan_counts, plan_totals

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


def generate(cfg: DemoConfig) -> DemoData:
    """Build every demo frame in memory; same ``(seed, as_of)`` → identical frames."""
    districts = read_districts()
    plans = plan_counts(cfg, districts)
    # Buildings, then housing units, fill in the city (building index, residents per grid).
    areas, city = geography.areas(cfg, districts, plans)
    buildings = geography.buildings(cfg, plans, city)
    units = geography.housing_units(cfg, plans, city)
    rooms, mediators = people.mediation(cfg, city)
    cases, histories, per_grid = disputes.build(cfg, city, rooms, mediators)
    kinds: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {
        "areas": areas,
        "grids": geography.grids(city),
        "buildings": buildings,
        "housing-units": units,
        "grid-workers": people.workers(cfg, city),
        "key-persons": people.key_persons(cfg, city),
        "disputes": cases,
        "patrols": patrols.visits(cfg, city),
        "whistles": disputes.whistles(cfg, city),
    }
    extra: dict[str, pd.DataFrame] = {
        "compound": geography.compounds(cfg, city),
        "mediation_room": rooms,
        "mediator": mediators,
        "building_chief": people.building_chiefs(cfg, city),
        **histories,  # dispute_sub_case, dispute_event, consultation, dispute_link
        "patrol_task": patrols.tasks(cfg, city, per_grid),
    }
    return DemoData(kinds=kinds, extra=extra)

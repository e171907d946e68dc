"""How many townships, communities, grids, buildings, housing units and residents each district
gets: per-parent ranges at the small scale, Hohhot's totals apportioned at the full scale.
No geometry is touched, so planning is fast.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from etl.demo.config import (
    DEFAULT_PROFILE,
    DISTRICT_PROFILES,
    RURAL_STYLE,
    URBAN_DISTRICTS,
    URBAN_STYLE,
    BuildingStyle,
    DemoConfig,
)


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


def apportion(total: int, weights: Any, minimum: Any = 0) -> np.ndarray:
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
    return apportion(total, rng.gamma(shape, 1.0, parts), minimum=1)


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
        prof = [DISTRICT_PROFILES.get(c, DEFAULT_PROFILE) for c in codes]
        pop = np.array([p.population for p in prof])
        towns = apportion(tot.townships, [p.townships for p in prof], minimum=1)
        comms = apportion(tot.communities, [p.communities for p in prof], minimum=towns)
        grids = apportion(tot.grids, [p.grids for p in prof], minimum=comms)
        units = apportion(tot.housing_units, pop / np.array([s.residents_per_unit for s in styles]))
        residents = apportion(tot.residents, pop)
        buildings = apportion(
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

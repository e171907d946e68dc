"""Planted surges: a few area × type rises with known onsets on top of the demo's background, so
the early warning (``domain.warning``) can be measured against a truth (bench/warnings.py,
tests/integration/test_demo_surges.py).

``planted(cfg)`` is that truth: the same list ``etl.demo.disputes.build`` plants, from the config
alone (the area codes follow the plan's code scheme, so nothing is generated or read from a
database). Each surge is a documented story from the brief's kind of 集中诉求 with a shape:

- ``step``: the extra cases arrive at a constant rate from the onset for ``days`` days;
- ``ramp``: the rate rises linearly from the onset to its peak on the last day.

``size`` is the number of extra cases over the whole surge; which day each falls on is drawn
from the shape with the demo's seed. The planted cases are ordinary cases (same text generator,
sources, workflow histories); they come out of ``cfg.disputes``, so the demo's totals do not
change, and they are never picked as repeat calls (a merged repeat would drop out of the counts
and move to its original's place). A community surge sits in one grid — one compound's
problem; a township surge spreads over the township's grids by residents.

Areas are drawn with the seed among the built districts (urban districts for urban problems),
every surge in a township of its own, so a township's series carries at most one surge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from etl.demo.common import stream
from etl.demo.config import URBAN_DISTRICTS, DemoConfig


@dataclass(frozen=True)
class PlantedSurge:
    """One planted surge: ``size`` extra cases of ``type_code`` in the area over ``days`` days
    from ``onset`` (local dates), shaped ``step`` or ``ramp``."""

    area_code: str
    level: str  # community | township
    type_code: str
    onset: date
    days: int
    shape: str
    size: int
    story: str

    @property
    def last_day(self) -> date:
        return self.onset + timedelta(days=self.days - 1)

    def weights(self) -> np.ndarray:
        """Relative rate per day of the surge (sums to 1)."""
        w = np.ones(self.days) if self.shape == "step" else np.arange(1.0, self.days + 1)
        return w / w.sum()


@dataclass(frozen=True)
class _Spec:
    level: str
    type_code: str
    onset: int | str  # days before as_of, or "heating": 1 December at least 60 days before
    days: int
    shape: str
    size: int
    urban: bool  # drawn in an urban district (when the build has one)
    story: str


# First in each list is the surge still running at as_of, so the live desk shows an open alert.
# Sizes: about one extra case a day for a step (a community sees a given type a few times a
# year), a ramp reaching two to three a day at its peak.
_FULL = (
    _Spec("community", "property", 21, 21, "step", 21, True, "顶楼房屋漏水，物业推诿"),
    _Spec("township", "labour", 300, 28, "ramp", 42, False, "工程项目拖欠农民工工资"),
    _Spec("community", "property", 400, 21, "step", 21, True, "老旧小区频繁停水停电"),
    _Spec("community", "heating", "heating", 14, "step", 14, True, "供热管网故障，室温不达标"),
    _Spec("township", "demolition", 150, 35, "ramp", 45, False, "征收补偿标准争议"),
    _Spec("community", "consumer", 90, 14, "step", 14, True, "预付卡商家闭店"),
)
_SMALL = (
    _Spec("community", "property", 21, 21, "step", 21, True, "顶楼房屋漏水，物业推诿"),
    _Spec("township", "labour", 300, 28, "ramp", 40, False, "工程项目拖欠农民工工资"),
    _Spec("community", "consumer", 150, 14, "step", 14, True, "预付卡商家闭店"),
)
# Planted cases never take more than this share of the build's cases (a tiny test build plants
# the first surges of its list only).
MAX_SHARE = 0.25


def _onset(spec: _Spec, as_of: date) -> date:
    if spec.onset == "heating":
        first = date(as_of.year, 12, 1)
        return first if first <= as_of - timedelta(days=60) else date(as_of.year - 1, 12, 1)
    assert isinstance(spec.onset, int)
    return as_of - timedelta(days=spec.onset)


def planted(cfg: DemoConfig) -> list[PlantedSurge]:
    """The surges a build of ``cfg`` plants (full-scale list when ``cfg.totals`` is set, the
    small one otherwise); same ``(seed, as_of, districts)`` → same list."""
    from etl.demo.geography import read_districts
    from etl.demo.plan import plan_counts

    plans = plan_counts(cfg, read_districts())
    rng = stream(cfg, 10, 8)
    used: set[str] = set()
    out: list[PlantedSurge] = []
    budget = int(cfg.disputes * MAX_SHARE)
    for spec in _FULL if cfg.totals is not None else _SMALL:
        if spec.size > budget:
            break
        codes = [d for d in plans if (d in URBAN_DISTRICTS) == spec.urban] or list(plans)
        towns = [
            f"{d}{t:03d}"
            for d in codes
            for t in range(1, plans[d].townships + 1)
            if f"{d}{t:03d}" not in used
        ]
        if not towns:
            break
        town = towns[int(rng.integers(0, len(towns)))]
        used.add(town)
        area = town
        if spec.level == "community":
            plan = plans[town[:6]]
            n = int(plan.communities_per_township[int(town[6:]) - 1])
            area = f"{town}{int(rng.integers(1, n + 1)):03d}"
        onset = _onset(spec, cfg.as_of)
        days = min(spec.days, (cfg.as_of - onset).days)  # cases stop the day before as_of
        out.append(
            PlantedSurge(area, spec.level, spec.type_code, onset, days, spec.shape, spec.size,
                         spec.story)
        )  # fmt: skip
        budget -= spec.size
    return out


def plant(
    cfg: DemoConfig,
    surges: list[PlantedSurge],
    grid_codes: np.ndarray,
    grid_residents: np.ndarray,
    first_day: date,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(grid index, type code, day offset from ``first_day``) of every planted case, surge by
    surge; a community's cases in its most populous grid, a township's over its grids by
    residents."""
    rng = stream(cfg, 10, 9)
    grids, types, days = [], [], []
    codes = grid_codes.astype(str)
    for s in surges:
        inside = np.flatnonzero(np.char.startswith(codes, s.area_code))
        if not len(inside):
            raise ValueError(f"planted surge in {s.area_code}: no such area in the build")
        weight = grid_residents[inside].astype(float) + 1.0
        if s.level == "community":
            grids.append(np.full(s.size, inside[np.argmax(weight)], dtype=np.int64))
        else:
            cdf = np.cumsum(weight)
            pick = np.searchsorted(cdf, rng.random(s.size) * cdf[-1], side="right")
            grids.append(inside[np.minimum(pick, len(inside) - 1)])
        start = (s.onset - first_day).days
        cdf = np.cumsum(s.weights())
        k = np.minimum(np.searchsorted(cdf, rng.random(s.size) * cdf[-1], side="right"), s.days - 1)
        days.append(start + k)
        types.extend([s.type_code] * s.size)
    if not surges:
        return np.empty(0, np.int64), np.empty(0, object), np.empty(0, np.int64)
    out_types = np.empty(len(types), dtype=object)
    out_types[:] = types
    return np.concatenate(grids), out_types, np.concatenate(days)

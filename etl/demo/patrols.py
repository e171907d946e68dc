"""Patrol visits (巡查) by each grid's worker, with the rare anomaly, and the patrol tasks that
send workers to where disputes concentrate.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from etl.demo.common import (
    NS_DAY,
    draw,
    local_midnight_ns,
    numbered,
    obj,
    pick_within,
    stream,
    to_frame,
    utc,
)
from etl.demo.config import DemoConfig
from etl.demo.geography import City

ANOMALY_TYPES = ("安全隐患", "矛盾苗头", "环境问题", "设施损坏", "人员异常")
ANOMALY_WEIGHTS = (0.30, 0.20, 0.25, 0.15, 0.10)


def visits(cfg: DemoConfig, c: City) -> gpd.GeoDataFrame:
    """Visits: each goes to a building of the worker's grid, jittered by metres inside the grid."""
    rng = stream(cfg, 11)
    n = cfg.patrol_visits
    end = local_midnight_ns(cfg.as_of)
    span_days = round(cfg.patrol_months * 365 / 12)
    start = end - span_days * NS_DAY
    worker = rng.integers(0, len(c.g_code), n)
    day = rng.integers(0, span_days, n)
    # Working hours 08:00–18:00, to the microsecond.
    tod = rng.integers(8 * 3_600 * 10**6, 18 * 3_600 * 10**6, n) * 1_000
    at = start + day * NS_DAY + tod
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
    building = pick_within(rng, c.b_start[worker], c.b_count[worker])
    x, y = c.near_buildings(rng, building, 8.0, 25.0)
    kind = np.zeros(n, dtype=np.int64)
    n_anom = round(n * cfg.anomaly_rate)
    if n_anom:
        hit = rng.choice(n, n_anom, replace=False)
        kind[hit] = 1 + draw(rng, ANOMALY_WEIGHTS, n_anom)
    w_codes = obj(["W" + g for g in c.g_code.tolist()])
    return to_frame(
        {
            "worker_code": w_codes[worker],
            "visited_at": utc(at),
            "building_code": c.b_code[building],
            "finding": obj(["正常", *("发现" + t for t in ANOMALY_TYPES)])[kind],
            "anomaly_type": obj([None, *ANOMALY_TYPES])[kind],
            "row_ref": numbered("demo:", n),
        },
        geometry=shapely.points(x, y),
    )


def tasks(cfg: DemoConfig, c: City, disputes_per_grid: np.ndarray) -> pd.DataFrame:
    """Open patrol tasks for about a tenth of the grids, weighted towards dispute-heavy ones."""
    rng = stream(cfg, 16)
    g = len(c.g_code)
    n = min(g, max(10, g // 10))
    grid = rng.choice(
        g, n, replace=False, p=(disputes_per_grid + 1) / (disputes_per_grid + 1).sum()
    )
    grid.sort()
    reasons = obj(["矛盾纠纷高发区域加密巡查", "重点人员走访", "异常情况复查", "安全隐患排查"])
    due = np.datetime64(cfg.as_of, "D") + rng.integers(0, 14, n)
    return to_frame(
        {
            "grid_code": c.g_code[grid],
            "worker_code": obj(["W" + code for code in c.g_code[grid].tolist()]),
            "due_on": obj(due.astype(object).tolist()),
            "priority": obj(["low", "normal", "high", "urgent"])[
                draw(rng, (0.2, 0.5, 0.2, 0.1), n)
            ],
            "reason": reasons[rng.integers(0, len(reasons), n)],
            "status": obj(["open"] * n),
        }
    )

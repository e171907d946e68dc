"""What the benches share: which database they measure."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from geodata.settings import Settings

# The map benches read this database; bench/map.py loads the full demo into it on first use.
MAP_BENCH_DATABASE = "zongzhi_map_bench"


def bench_url(database: str) -> str:
    """ZONGZHI_BENCH_DATABASE_URL, or ``database`` in the embedded cluster (created if missing)."""
    url = os.environ.get("ZONGZHI_BENCH_DATABASE_URL")
    if url:
        return url
    from geodata.db.embedded import EmbeddedCluster

    cluster = EmbeddedCluster(Settings())
    cluster.start()
    cluster.ensure_database(database)
    return cluster.url(database)


def timed(fn: Callable[[], Any], repeat: int, warm_up: bool = True) -> tuple[list[float], Any]:
    """Wall times in ms of ``repeat`` calls (after one warm-up call) and the last result."""
    result = fn() if warm_up else None
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return times, result


def pct(times: list[float]) -> dict[str, float]:
    """p50, p95 and max of wall times (ms)."""
    return {
        "p50": float(np.percentile(times, 50)),
        "p95": float(np.percentile(times, 95)),
        "max": float(max(times)),
    }

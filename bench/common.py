"""What the benches share: which database they measure, at which scale, and how they time."""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine

from geodata.settings import Settings

# The map benches read this database; each map bench loads the demo into it on first use.
MAP_BENCH_DATABASE = "zongzhi_map_bench"
# ``zongzhi demo load``'s default seed: the bench city is the demo city.
DEFAULT_SEED = 20261128
SCALES = ("small", "full")
# bench.audit's synthetic log per --scale (it has no demo): entries.
AUDIT_LOG_ROWS = {"small": 20_000, "full": 2_000_000}


def add_scale_arguments(ap: argparse.ArgumentParser) -> None:
    """--scale (full unless asked: the figures in bench/README.md are full scale) and --seed."""
    ap.add_argument(
        "--scale",
        choices=SCALES,
        default="full",
        help="demo scale to measure (small: a quick run that checks the bench works)",
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)


def ensure_demo(engine: Engine, scale: str, seed: int) -> None:
    """Migrate, and load the demo at ``scale`` when the database holds no areas yet.

    A fresh clone has an empty bench database: every map bench must be able to start there.
    A database that already holds data is measured as it is, whatever its scale.
    """
    from etl.demo import DemoConfig
    from etl.demo_load import already_loaded, load_demo
    from geodata.db import migrate

    migrate.upgrade(engine)
    if already_loaded(engine):
        return
    took = "about two minutes" if scale == "full" else "seconds"
    print(f"loading the {scale}-scale demo (seed {seed}) once ({took}) …", flush=True)
    load_demo(engine, DemoConfig.for_scale(scale, seed))


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


def bench_app_url(database: str) -> str:
    """The bench database as the app's own role (row-level security holds), as the app
    connects: ZONGZHI_BENCH_APP_DATABASE_URL, or the embedded cluster's app role."""
    from geodata.db.roles import APP_ROLE, as_role

    url = os.environ.get("ZONGZHI_BENCH_APP_DATABASE_URL")
    if url:
        return url
    return as_role(bench_url(database), APP_ROLE, Settings().resolved_home())


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


def stop_process(proc: subprocess.Popen, timeout_s: float = 30) -> None:
    """Stop a server the bench started: SIGTERM, then SIGKILL if it has not exited in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


BENCH_USER = "bench_viewer"


def bench_session(engine: Engine, role: str = "city") -> str:
    """A session token for a bench user of ``role`` (every endpoint needs a signed-in user),
    bound to the demo's busiest area of the role's level."""
    from datetime import timedelta

    from geodata.write import sessions, users

    name = BENCH_USER if role == "city" else f"{BENCH_USER}_{role}"
    with engine.begin() as conn:
        if users.get_user(conn, name) is None:
            where = users.demo_jurisdiction(conn, role)
            users.add_user(conn, name, "bench-" + os.urandom(8).hex(), role, **where)
        return sessions.start(conn, name, lifetime=timedelta(hours=12))


RESULTS_HEADER = "# Benchmark results\n\n"


def replace_section(current: str, section: str, begin: str, end: str) -> str:
    """``current`` with its part from ``begin`` to ``end`` (the markers included) replaced by
    ``section``, which carries the markers itself; appended after a blank line when ``current``
    has no such part. Whatever lies outside the markers stays as it is, other sections too."""
    if not (section.startswith(begin) and end in section):
        raise ValueError(f"the section must start with {begin} and hold {end}")
    at = current.find(begin)
    if at < 0:
        return current.rstrip("\n") + "\n\n" + section
    stop = current.find(end, at + len(begin))
    if stop < 0:
        # Appending would leave a second begin marker: better to stop than to guess.
        raise ValueError(f"{begin} without {end} after it: mend the file by hand")
    tail = current[stop + len(end) :].lstrip("\n")
    return current[:at] + section + ("\n" + tail if tail else "")


def write_section(path: Path, section: str, begin: str, end: str) -> None:
    """Replace (or append) one bench's section of a results file such as bench/RESULTS.md."""
    current = path.read_text(encoding="utf-8") if path.exists() else RESULTS_HEADER
    path.write_text(replace_section(current, section, begin, end), encoding="utf-8")

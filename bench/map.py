"""Map benchmark on the full-scale demo: what each drill step costs the server, and the payloads.

    python -m bench.map [--repeat 30] [--skip-tiles] [--skip-analysis]
                        [--scale full|small] [--seed N] [--tile-zooms 9-14] [--out-dir bench/out]
                        [--out <out-dir>/map.json]

1. Drill steps city → district → township → community → grid along the busiest path: the server
   work of one step (area lookup, path, filtered summary, per-child values) p50/p95, and the
   geometry a view downloads (geobuf bytes; every district, every township of the busiest district
   and a sample of communities).
2. bench.map_analysis: per-grid values for all 6,158 grids, Gi*, patrol coverage, and the naive
   geopandas read-all + sjoin baseline.
3. bench.map_tiles: heat tiles uncached/cached, vector tiles, and tipg serving the same table.

Figures only; nothing here asserts a time. The database is ZONGZHI_BENCH_DATABASE_URL or the
embedded cluster's ``zongzhi_map_bench``, loaded with the demo at ``--scale`` (full) on first use.
``--scale small`` with a small ``--repeat`` and one tile zoom is a quick run that only shows the
bench works (tests/integration/test_bench_smoke.py). --scale, --seed, --tile-zooms, --out-dir
and --repeat (when given) are passed on to the two benches it runs; it exits non-zero when one of
them fails. The figures of 1. go to ``--out`` (JSON, before the two benches run): the scale and
seed asked, the grids and disputes found, each drill step, the filtered city step and the
geometry per view.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geobuf
from sqlalchemy import Connection, text

from bench.common import MAP_BENCH_DATABASE, add_scale_arguments, bench_url, ensure_demo, pct, timed
from geodata.db.engine import make_engine
from geodata.read import areas as queries
from geodata.read.versions import data_version
from geodata.settings import Settings
from layers import area_density
from layers.filters import MapFilters


def p50_p95(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds over ``repeat`` calls (after one warm-up call)."""
    q = pct(timed(fn, repeat)[0])
    return q["p50"], q["p95"]


def busiest_path(conn: Connection) -> list[tuple[str, str]]:
    """(code, level) from the city down to the grid with the most disputes."""
    grid = conn.execute(
        text("SELECT grid_code FROM dispute GROUP BY grid_code ORDER BY count(*) DESC LIMIT 1")
    ).scalar()
    return [(n["code"], n["level"]) for n in queries.lineage(conn, grid)]


def step(conn: Connection, code: str, level: str, filters: MapFilters) -> None:
    """What the page's main callback does when a new area opens."""
    queries.level_of(conn, code)
    queries.lineage(conn, code)
    queries.area_summary(conn, code, level, filters.dispute_filter())
    data_version(conn, "areas")
    if level != "grid":
        params = area_density.Params(
            parent_code=code, parent_level=level, filters=filters, metric="per_1k"
        )
        area_density.render(area_density.fetch(conn, params), params)


def geometry_bytes(conn: Connection, code: str, level: str) -> int:
    return len(geobuf.encode(queries.children_geojson(conn, code, level)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    # Drill steps 30 runs; bench.map_analysis keeps its own default (20) unless this is given.
    ap.add_argument("--repeat", type=int, default=None, help="runs per figure (default 30)")
    ap.add_argument("--skip-tiles", action="store_true")
    ap.add_argument("--skip-analysis", action="store_true")
    ap.add_argument("--tile-zooms", default="9-14", help="bench.map_tiles --zooms")
    ap.add_argument("--out-dir", default="bench/out", help="where the two benches write JSON")
    ap.add_argument(
        "--out", default=None, help="the drill steps' JSON (default <out-dir>/map.json)"
    )
    add_scale_arguments(ap)
    args = ap.parse_args()

    url = bench_url(MAP_BENCH_DATABASE)
    engine = make_engine(Settings(), url)
    ensure_demo(engine, args.scale, args.seed)
    repeat = 30 if args.repeat is None else args.repeat
    figures: dict[str, Any] = {
        "scale": args.scale,
        "seed": args.seed,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "repeat": repeat,
    }

    with engine.connect() as conn:
        grids = conn.execute(text("SELECT count(*) FROM grid")).scalar()
        disputes = conn.execute(text("SELECT count(*) FROM dispute")).scalar()
        figures["sizes"] = {"grid": grids, "dispute": disputes}
        print(f"database: {grids:,} grids, {disputes:,} disputes")
        path = busiest_path(conn)
        print("\n1. drill steps (server work of one step; filters: last year, per 1,000 residents)")
        print(f"   {'level':<10} {'children':>8} {'p50 ms':>8} {'p95 ms':>8} {'geometry':>10}")
        steps: list[dict[str, Any]] = []
        figures["drill"] = steps
        for code, level in path:
            children = (
                0
                if level == "grid"
                else len(queries.child_area_stats(conn, code, level, queries.DisputeFilter()))
            )
            p50, p95 = p50_p95(lambda c=code, lv=level: step(conn, c, lv, MapFilters()), repeat)
            view = None if level == "grid" else geometry_bytes(conn, code, level)
            size = "—" if view is None else f"{view / 1024:.0f} KB"
            print(f"   {level:<10} {children:>8} {p50:>8.1f} {p95:>8.1f} {size:>10}")
            steps.append({"level": level, "code": code, "children": children, "p50": p50,
                          "p95": p95, "geometry_bytes": view})  # fmt: skip
        narrow = MapFilters(period="30d", risks=("high",), sources=("hotline", "police"))
        p50, p95 = p50_p95(lambda: step(conn, path[0][0], "city", narrow), repeat)
        figures["city_filtered"] = {"filters": "30d, high risk, hotline + police",
                                    "p50": p50, "p95": p95}  # fmt: skip
        print(
            f"   city step with 30d + high risk + two sources: p50 {p50:.1f} ms, p95 {p95:.1f} ms"
        )

        print("\n   geometry per view (geobuf bytes)")
        sizes: dict[str, list[int]] = {"city": [geometry_bytes(conn, path[0][0], "city")]}
        for level in ("district", "township"):
            codes = conn.execute(
                text("SELECT code FROM admin_area WHERE level = :l ORDER BY code"), {"l": level}
            ).scalars()
            sizes[level] = [geometry_bytes(conn, c, level) for c in codes]
        communities = conn.execute(
            text(
                "SELECT community_code FROM grid GROUP BY community_code"
                " ORDER BY count(*) DESC LIMIT 50"
            )
        ).scalars()
        sizes["community"] = [geometry_bytes(conn, c, "community") for c in communities]
        figures["geometry"] = {}
        for level, values in sizes.items():
            print(
                f"   {level:<10} views {len(values):>4}  median {statistics.median(values) / 1024:7.1f} KB"
                f"  max {max(values) / 1024:7.1f} KB"
            )
            figures["geometry"][level] = {"views": len(values),
                                          "median_bytes": statistics.median(values),
                                          "max_bytes": max(values)}  # fmt: skip
    engine.dispose()
    out = Path(args.out or os.path.join(args.out_dir, "map.json"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")

    env = {**os.environ, "ZONGZHI_BENCH_DATABASE_URL": url}
    common = ["--scale", args.scale, "--seed", str(args.seed)]
    failed = []
    for flag, module, extra in (
        (
            args.skip_analysis,
            "bench.map_analysis",
            [] if args.repeat is None else ["--repeat", str(args.repeat)],
        ),
        (args.skip_tiles, "bench.map_tiles", ["--zooms", args.tile_zooms]),
    ):
        if flag:
            continue
        print(f"\n== {module} ==", flush=True)
        out = os.path.join(args.out_dir, module.removeprefix("bench.") + ".json")
        cmd = [sys.executable, "-m", module, *common, *extra, "--out", out]
        # Both run even when the first fails; the exit code says whether either did.
        if subprocess.run(cmd, env=env, check=False).returncode != 0:
            failed.append(module)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()

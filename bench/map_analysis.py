"""Map analysis benchmark: per-grid values, Gi* and patrol coverage at full scale, and a baseline.

    python -m bench.map_analysis [--repeat 20] [--scale full|small] [--seed N]   (from the repo root)

On the full-scale database (``zongzhi_map_bench`` in the embedded cluster, or
ZONGZHI_BENCH_DATABASE_URL; read only once loaded: an empty database first gets the demo at
``--scale``, as bench/map.py does): p50/p95 of the per-grid queries for all 6,158 grids (dispute counts under a few
filters, patrol figures over 7/30/90 days), Gi* cold (contiguity built) and warm (cached), and,
in the same run, the naive geopandas path — ``read_postgis`` of every grid and the period's
disputes, ``sjoin``, count — against ours. Times are wall time of the Python call (server time
plus transfer), so they bound the server-side time from above. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
from sqlalchemy import text

from bench.common import MAP_BENCH_DATABASE, add_scale_arguments, bench_url, ensure_demo, pct, timed
from geodata.db.engine import make_engine
from geodata.read import analysis
from geodata.read import areas as queries
from geodata.settings import Settings
from layers import hotspots, patrol_coverage
from layers.filters import LOCAL_TZ, MapFilters


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--out", default="bench/out/map_analysis.json")
    add_scale_arguments(ap)
    args = ap.parse_args()
    n = args.repeat

    engine = make_engine(Settings(), bench_url(MAP_BENCH_DATABASE))
    ensure_demo(engine, args.scale, args.seed)
    figures: dict[str, Any] = {}
    with engine.connect() as conn:
        sizes = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()  # noqa: S608 — fixed names
            for t in ("grid", "building", "dispute", "patrol_visit")
        }
        invalid = conn.execute(
            text(
                "SELECT string_agg(indexrelid::regclass::text, ', ') FROM pg_index"
                " WHERE indrelid = 'patrol_visit'::regclass AND NOT indisvalid"
            )
        ).scalar()
        now = conn.execute(text("SELECT max(visited_at) FROM patrol_visit")).scalar()
        now = (now or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ)
        print(
            "database: "
            + ", ".join(f"{t} {c:,}" for t, c in sizes.items())
            + f"; 'now' = last visit {now:%Y-%m-%d %H:%M}"
        )
        if invalid:
            print(f"  note: invalid (unbuilt) partitioned indexes on patrol_visit: {invalid}")

        # Per-grid dispute counts, all grids, under a few filters.
        print(f"\nper-grid values for all {sizes['grid']:,} grids, {n} runs each (ms)")
        print(f"{'query':<44}{'p50':>8}{'p95':>8}{'max':>8}")
        filters = {
            "disputes, last 365 days": MapFilters(period="365d"),
            "disputes, last 30 days": MapFilters(period="30d"),
            "disputes, 365 d, 2 types": MapFilters(types=("heating", "property")),
            "disputes, all time, open statuses": MapFilters(
                period="all", statuses=("received", "assigned", "in_progress")
            ),
            "disputes, 90 d, high risk, hotline": MapFilters(
                period="90d", risks=("high",), sources=("hotline",)
            ),
        }
        rows: dict[str, dict[str, float]] = {}
        for name, mf in filters.items():
            flt = mf.dispute_filter(now)
            times, counts = timed(lambda flt=flt: analysis.grid_dispute_counts(conn, flt), n)
            assert len(counts) == sizes["grid"]
            rows[name] = pct(times)
        for days in (7, 30, 90):
            reps = n if days <= 30 else max(3, n // 4)
            times, _ = timed(lambda d=days: analysis.grid_patrol_figures(conn, d, now), reps)
            rows[f"patrol figures, last {days} days (SQL)"] = pct(times)
        end = now.replace(minute=0, second=0, microsecond=0)
        times, _ = timed(lambda: patrol_coverage.city_figures(conn, 30, end), n)
        rows["patrol figures, 30 days (layer, cached)"] = pct(times)
        times, _ = timed(lambda: analysis.grid_weekly_dispute_counts(conn, now, 16), n)
        rows["weekly dispute counts, 16 weeks"] = pct(times)
        for name, r in rows.items():
            print(f"{name:<44}{r['p50']:>8.1f}{r['p95']:>8.1f}{r['max']:>8.1f}")
        figures["per_grid_ms"] = rows

        # Gi*: cold (contiguity from PostGIS + weights) and warm (cached weights).
        city = queries.city_code(conn) or ""
        params = hotspots.Params(
            parent_code=city, parent_level="city", filters=MapFilters(period="365d"), now=now
        )
        hotspots.clear_cache()  # a cold start on purpose
        t0 = time.perf_counter()
        nbrs = analysis.grid_neighbours(conn)
        t_nbrs = time.perf_counter() - t0
        t0 = time.perf_counter()
        contiguity = hotspots.build_contiguity(nbrs)
        t_w = time.perf_counter() - t0
        hotspots.clear_cache()
        t0 = time.perf_counter()
        data = hotspots.fetch(conn, params)
        out = hotspots.render(data, params)
        t_cold = time.perf_counter() - t0
        warm, _ = timed(lambda: hotspots.render(hotspots.fetch(conn, params), params), n)
        y = np.array([0.0] * len(contiguity.codes))
        y[: len(y) // 3] = 1
        gi, _ = timed(lambda: hotspots.gi_star(y, contiguity), n)
        links = sum(map(len, nbrs.values()))
        isolated = sum(1 for v in nbrs.values() if not v)
        summary = out["summary"]
        print(
            f"\nGi* over {len(contiguity.codes):,} grids ({links:,} neighbour links, "
            f"{isolated} isolated), 365 days:"
        )
        print(f"  contiguity query (PostGIS, GiST) {t_nbrs * 1000:8.0f} ms")
        print(f"  libpysal W build                 {t_w * 1000:8.0f} ms")
        print(f"  cold: whole layer (fetch+render) {t_cold * 1000:8.0f} ms")
        print(
            f"  warm: whole layer p50/p95        {statistics.median(warm):8.0f} / "
            f"{np.percentile(warm, 95):.0f} ms (target ≤ 2,000 ms)"
        )
        print(f"  esda G_Local alone p50           {statistics.median(gi):8.1f} ms")
        hot = sum(summary[k] for k in ("hot_99", "hot_95", "hot_90"))
        cold = sum(summary[k] for k in ("cold_99", "cold_95", "cold_90"))
        print(
            f"  result: {hot} hot, {cold} cold, {summary['emerging']} emerging; "
            f"{len(out['geojson']['features'])} features drawn"
        )
        figures["gi_star"] = {
            "contiguity_ms": t_nbrs * 1000,
            "weights_ms": t_w * 1000,
            "cold_ms": t_cold * 1000,
            "warm_ms": pct(warm),
            "g_local_ms": pct(gi),
            "summary": summary,
        }

        # Baseline: read everything into geopandas, sjoin, count.
        flt = MapFilters(period="365d").dispute_filter(now)
        start = flt.start

        def naive() -> dict[str, int]:
            grids = gpd.read_postgis("SELECT code, geom FROM grid", conn, geom_col="geom")
            points = gpd.read_postgis(
                text("SELECT id, geom FROM dispute WHERE reported_at >= :s"),
                conn,
                geom_col="geom",
                params={"s": start},
            )
            joined = gpd.sjoin(points, grids, predicate="within", how="inner")
            per_grid = joined.groupby("code").size()
            return {c: int(per_grid.get(c, 0)) for c in grids["code"]}

        # Interleaved, so both sides see the same load on a shared machine.
        ours: list[float] = []
        base: list[float] = []
        our_counts, base_counts = analysis.grid_dispute_counts(conn, flt), naive()
        for _ in range(max(5, n // 2)):
            t, our_counts = timed(lambda: analysis.grid_dispute_counts(conn, flt), 1, False)
            ours += t
            t, base_counts = timed(naive, 1, False)
            base += t
        same = sum(our_counts[c] == base_counts.get(c) for c in our_counts)
        ratio = statistics.median(base) / statistics.median(ours)
        print("\nbaseline, dispute counts per grid for all grids, last 365 days:")
        print(f"  ours (grid_dispute_counts)            p50 {statistics.median(ours):8.1f} ms")
        print(f"  read_postgis(grids, disputes) + sjoin p50 {statistics.median(base):8.1f} ms")
        print(
            f"  ratio: {ratio:.0f}x (target ≥ 20x); counts agree on {same:,}/{len(our_counts):,} grids"
        )
        figures["baseline"] = {
            "ours_ms": pct(ours),
            "geopandas_ms": pct(base),
            "ratio": ratio,
            "agree": same,
        }

    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "scale": args.scale,
                "seed": args.seed,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "sizes": sizes,
                "now": now.isoformat(),
                **figures,
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"\nfigures written to {path}")


if __name__ == "__main__":
    main()

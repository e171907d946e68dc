"""Full-scale ETL benchmark: the whole Hohhot demo through the load path, and a baseline.

    python -m bench.etl [--seed N] [--baseline-rows 200000] [--scale full|small]   (from the repo root)

Prints figures (rows, seconds, rows/s per table; point→grid assignment for all patrols) and, in
the same run, our loader against ``GeoDataFrame.to_postgis`` on the same patrol rows. It asserts
nothing: targets are read by people, not enforced by tests. Uses its own database
``zongzhi_bench`` in the embedded cluster (or ZONGZHI_BENCH_DATABASE_URL), whose demo tables it
replaces. ``--scale small`` is a quick run that only shows the bench works; the baseline then
uses at most as many patrol rows as the small city has.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.common import add_scale_arguments, bench_url
from etl.demo import DemoConfig, generate
from etl.demo_load import load_data
from etl.load import load_table
from etl.readers import SourceTable
from geodata.db import migrate
from geodata.db.engine import make_engine
from geodata.load import copybin
from geodata.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--baseline-rows", type=int, default=200_000)
    ap.add_argument("--out", default="bench/out/etl.json")
    add_scale_arguments(ap)
    args = ap.parse_args()

    url = bench_url("zongzhi_bench")
    engine = make_engine(Settings(), url)
    migrate.upgrade(engine)
    cfg = DemoConfig.for_scale(args.scale, args.seed)

    t0 = time.perf_counter()
    data = generate(cfg)
    t_generate = time.perf_counter() - t0
    print(f"generate ({args.scale} scale, in memory): {t_generate:.1f} s")

    t0 = time.perf_counter()
    with engine.begin() as conn:
        report = load_data(conn, cfg, data)
    t_load = time.perf_counter() - t0

    rows = []
    for kind, summary in report["kinds"].items():
        secs = report["seconds"][kind]
        rows.append((kind, summary["read"], secs, summary["steps"]))
    for table, info in report["related"].items():
        rows.append((table, info["given"], report["seconds"][table], {}))
    print(f"\n{'table':<18}{'rows':>12}{'seconds':>10}{'rows/s':>12}  steps")
    for name, n, secs, steps in rows:
        rate = n / secs if secs else float("inf")
        detail = " ".join(f"{k}={v:.2f}" for k, v in steps.items())
        print(f"{name:<18}{n:>12,}{secs:>10.2f}{rate:>12,.0f}  {detail}")
    patrol_steps = report["kinds"]["patrols"]["steps"]
    print(
        f"case columns derived from the histories: {report['derived']:,} cases in "
        f"{report['seconds']['derive']:.2f} s"
    )
    print(f"\nwhole load (COPY, checks, assignment, upsert, indexes, ANALYZE): {t_load:.1f} s")
    print(f"generate + load: {t_generate + t_load:.1f} s (target ≤ 90 s for the load)")
    print(
        f"point→grid assignment + checks for {report['kinds']['patrols']['read']:,} patrols: "
        f"{patrol_steps['checks']:.1f} s"
    )

    # Baseline: the same patrol rows, our loader vs GeoDataFrame.to_postgis.
    sample = data.kinds["patrols"].iloc[: args.baseline_rows].copy()
    n = len(sample)
    with engine.connect() as conn:
        tx = conn.begin()
        conn.execute(text("TRUNCATE patrol_visit"))
        t0 = time.perf_counter()
        summary, _ = load_table(
            conn,
            "patrols",
            SourceTable(
                frame=sample,
                source_crs="EPSG:4326",
                encoding=None,
                layer=None,
                unmapped_columns=[],
                source_file="bench:patrols",
            ),
        )
        t_ours = time.perf_counter() - t0
        tx.rollback()
    # The write alone, like for like with to_postgis: our binary COPY of the same rows.
    with engine.connect() as conn:
        tx = conn.begin()
        conn.execute(
            text(
                "CREATE TEMP TABLE bench_copy (worker_code text, visited_at timestamptz,"
                " building_code text, finding text, anomaly_type text, row_ref text, geom geometry)"
            )
        )
        types = {
            "worker_code": "text",
            "visited_at": "timestamptz",
            "building_code": "text",
            "finding": "text",
            "anomaly_type": "text",
            "row_ref": "text",
        }
        t0 = time.perf_counter()
        copybin.copy_columns(
            conn,
            "bench_copy",
            {
                **{c: (t, sample[c]) for c, t in types.items()},
                "geom": ("geometry", sample.geometry),
            },
        )
        t_copy = time.perf_counter() - t0
        tx.rollback()
    plain = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    t0 = time.perf_counter()
    sample.to_postgis("bench_to_postgis", plain, if_exists="replace", index=False, chunksize=50_000)
    t_to_postgis = time.perf_counter() - t0
    with plain.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_to_postgis"))
    ours_rate = n / t_ours
    base_rate = n / t_to_postgis
    print(f"\nbaseline on {n:,} patrol rows:")
    print(
        f"  ours (validate + COPY + assign grids + upsert): {t_ours:6.2f} s  {ours_rate:>10,.0f} rows/s"
    )
    print(
        f"  GeoDataFrame.to_postgis (insert only):          {t_to_postgis:6.2f} s  {base_rate:>10,.0f} rows/s"
    )
    print(f"  ratio ours / to_postgis: {ours_rate / base_rate:.1f}x (target ≥ 5x)")
    copy_rate = n / t_copy
    print(
        f"  our binary COPY alone (the write, like for like): {t_copy:6.2f} s  "
        f"{copy_rate:>10,.0f} rows/s = {copy_rate / base_rate:.1f}x to_postgis"
    )

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "generate_s": t_generate,
                "load_s": t_load,
                "report": report,
                "baseline": {
                    "rows": n,
                    "ours_s": t_ours,
                    "to_postgis_s": t_to_postgis,
                    "ratio": ours_rate / base_rate,
                    "ours_steps": summary.steps,
                    "copy_only_s": t_copy,
                    "copy_ratio": copy_rate / base_rate,
                },
            },
            ensure_ascii=False,
            indent=2,
            default=str,
        )
    )
    print(f"\nfigures written to {out}")


if __name__ == "__main__":
    main()

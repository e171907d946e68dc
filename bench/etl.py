"""Full-scale ETL benchmark: the whole Hohhot demo through the load path, and a baseline.

    python -m bench.etl [--seed N] [--baseline-rows 200000] [--scale full|small]   (from the repo root)

Prints figures (rows, seconds, rows/s per table; point→grid assignment for all patrols) and, in
the same run, our loader against two baselines on the same patrol rows: ``GeoDataFrame.to_postgis``
alone (a plain insert), and a geopandas pipeline doing our loader's work (read the file,
reproject, look up workers and buildings, ``sjoin`` to the grid polygons, ``to_postgis`` into
staging, upsert into ``patrol_visit``) — both pipelines read the same GeoPackage. It asserts
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
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
from sqlalchemy import Connection, create_engine, text

from bench.common import add_scale_arguments, bench_url
from etl.demo import DemoConfig, generate
from etl.demo_load import load_data
from etl.load import load_table
from etl.readers import SourceTable, read_source
from geodata.db import migrate
from geodata.db.engine import make_engine
from geodata.load import copybin
from geodata.load.bulk import ensure_patrol_partitions
from geodata.settings import Settings

# The file both pipelines read: CGCS2000 / 3-degree Gauss-Kruger CM 111E, Hohhot's projected
# CRS, so both reproject every point to EPSG:4326 as a real source would need.
FILE_CRS = "EPSG:4546"
PATROL_COLUMNS = ("worker_id", "visited_at", "grid_code", "district_code", "building_id",
                  "finding", "anomaly_type")  # fmt: skip
GPD_STAGE = "bench_gpd_stage"


def write_patrol_file(sample: gpd.GeoDataFrame, folder: Path) -> Path:
    """The sample as a GeoPackage in ``FILE_CRS`` (set-up, not timed)."""
    path = folder / "patrols.gpkg"
    sample.to_crs(FILE_CRS).to_file(path, layer="patrols", engine="pyogrio")
    return path


def geopandas_pipeline(conn: Connection, path: Path) -> tuple[int, dict[str, float]]:
    """Our loader's work on patrols written with geopandas, inside ``conn``'s transaction:
    rows written and seconds per step. Like ours it rejects unknown worker and building codes
    and points outside every grid, keeps the last of in-file duplicates, gives a point on a
    shared edge to the grid with the smaller code, and upserts on (worker, time)."""
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = now - clock
        clock = now

    frame = gpd.read_file(path, layer="patrols", engine="pyogrio")
    step("read")
    frame = frame.to_crs("EPSG:4326")
    step("reproject")
    workers = pd.read_sql(
        text("SELECT code AS worker_code, id AS worker_id FROM grid_worker"), conn
    )
    buildings = pd.read_sql(
        text("SELECT code AS building_code, id AS building_id FROM building"), conn
    )
    frame = frame.merge(workers, how="left", on="worker_code").merge(
        buildings, how="left", on="building_code"
    )
    step("lookups")
    grids = gpd.read_postgis(
        text("SELECT code AS grid_code, district_code, geom FROM grid"), conn, geom_col="geom"
    )
    hit = gpd.sjoin(frame, grids, how="left", predicate="intersects")
    hit = hit.sort_values("grid_code", kind="stable")
    hit = hit[~hit.index.duplicated(keep="first")].sort_index()
    step("sjoin")
    known = hit["worker_id"].notna() & hit["grid_code"].notna()
    known &= hit["building_code"].isna() | hit["building_id"].notna()
    rows = hit[known].drop_duplicates(["worker_id", "visited_at"], keep="last")
    rows = gpd.GeoDataFrame(
        rows[list(PATROL_COLUMNS)].astype({"worker_id": "int64"}),
        geometry=rows.geometry,
        crs="EPSG:4326",
    ).rename_geometry("geom")
    step("checks")
    rows.to_postgis(GPD_STAGE, conn, if_exists="replace", index=False, chunksize=50_000)
    step("to_postgis")
    first, last = rows["visited_at"].min(), rows["visited_at"].max()
    ensure_patrol_partitions(conn, first.date(), last.date())
    cols = ", ".join(PATROL_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in (*PATROL_COLUMNS[2:], "geom"))
    # Identifiers are this module's constants.
    upsert = (
        f"INSERT INTO patrol_visit ({cols}, geom) SELECT {cols}, geom FROM {GPD_STAGE}"  # noqa: S608
        f" ON CONFLICT (worker_id, visited_at) DO UPDATE SET {updates}"
    )
    conn.execute(text(upsert))
    step("upsert")
    return len(rows), steps


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

    # The fair baseline: the same work from the same file, ours against the geopandas pipeline,
    # each into an empty patrol_visit inside a transaction that is rolled back.
    with tempfile.TemporaryDirectory(prefix="zongzhi-etl-") as folder:
        path = write_patrol_file(sample, Path(folder))
        with engine.connect() as conn:
            tx = conn.begin()
            conn.execute(text("TRUNCATE patrol_visit"))
            t0 = time.perf_counter()
            source = read_source(path, "patrols")
            t_read = time.perf_counter() - t0
            file_summary, _ = load_table(conn, "patrols", source)
            t_ours_file = time.perf_counter() - t0
            tx.rollback()
        with engine.connect() as conn:
            tx = conn.begin()
            conn.execute(text("TRUNCATE patrol_visit"))
            t0 = time.perf_counter()
            gpd_rows, gpd_steps = geopandas_pipeline(conn, path)
            t_gpd = time.perf_counter() - t0
            tx.rollback()
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
    gpd_ratio = t_gpd / t_ours_file
    print(
        f"  from the same GeoPackage ({FILE_CRS}), read + reproject + lookups + grid join + "
        f"staging + upsert:"
    )
    print(
        f"    ours (read_source + load_table):  {t_ours_file:6.2f} s  {n / t_ours_file:>10,.0f} rows/s"
        f"  (read {t_read:.2f} s; {file_summary.inserted + file_summary.updated:,} rows written)"
    )
    print(
        f"    geopandas pipeline (sjoin, to_postgis, upsert): {t_gpd:6.2f} s  {n / t_gpd:>10,.0f} rows/s"
        f"  ({gpd_rows:,} rows written; "
        + " ".join(f"{k}={v:.2f}" for k, v in gpd_steps.items())
        + ")"
    )
    print(f"  ratio ours / geopandas pipeline: {gpd_ratio:.1f}x (target ≥ 3x)")
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
                "scale": args.scale,
                "seed": args.seed,
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
                    "ours_from_file_s": t_ours_file,
                    "ours_from_file_steps": {"read": t_read, **file_summary.steps},
                    "geopandas_pipeline_s": t_gpd,
                    "geopandas_pipeline_steps": gpd_steps,
                    "geopandas_pipeline_rows": gpd_rows,
                    "ratio_vs_geopandas_pipeline": gpd_ratio,
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

"""Bulk-load throughput of patrol-visit-shaped rows: geodata.load.copybin vs psycopg and geopandas.

Run: ``python bench/copy_bench.py [--rows 500000] [--warm-up 10000]`` (also ``python -m
bench.copy_bench``). Database: ZONGZHI_BENCH_DATABASE_URL, else ZONGZHI_DATABASE_URL, else the
embedded cluster (started when it is not running). Only TEMP tables are written.
Prints figures only. Each method loads into its own fresh TEMP table, once, after a warm-up.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql
from sqlalchemy import Connection, create_engine, event

from geodata.db.engine import sqlalchemy_url
from geodata.load.copybin import copy_frame

ROWS = 500_000
WARM_UP = 10_000
CHUNK = 50_000

TYPES = {
    "id": "int8",
    "visited_at": "timestamptz",
    "worker_id": "int8",
    "grid_code": "text",
    "district": "text",
    "building_id": "int8",
    "geom": "geometry",
    "finding": "text",
    "anomaly": "text",
}
DDL = """
CREATE TEMP TABLE {} (
    id int8, visited_at timestamptz, worker_id int8, grid_code text, district text,
    building_id int8, geom geometry(Point, 4326), finding text, anomaly text
)
"""
COPY_COLUMNS = list(TYPES)


def make_frame(n: int, seed: int = 7) -> gpd.GeoDataFrame:
    """``n`` synthetic patrol visits around Hohhot; one in ten has an anomaly note."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-01", tz="Asia/Shanghai")
    seconds = pd.to_timedelta(rng.integers(0, 300 * 86_400, n), unit="s")
    micros = pd.to_timedelta(rng.integers(0, 1_000_000, n), unit="us")
    grid = np.char.add("150103004", np.char.zfill(rng.integers(0, 10**6, n).astype(str), 6))
    districts = np.array(["回民区", "新城区", "玉泉区", "赛罕区", "土默特左旗"], dtype=object)
    findings = np.array(["正常", "发现隐患已整改", "需跟进", "矛盾纠纷苗头"], dtype=object)
    anomaly = np.where(rng.random(n) < 0.1, "楼道堆放杂物，消防通道堵塞", None)
    return gpd.GeoDataFrame(
        {
            "id": np.arange(1, n + 1, dtype=np.int64),
            "visited_at": pd.Series(start + seconds + micros),
            "worker_id": rng.integers(1, 5_000, n),
            "grid_code": grid.astype(object),
            "district": districts[rng.integers(0, len(districts), n)],
            "building_id": rng.integers(1, 2_000_000, n),
            "finding": findings[rng.integers(0, len(findings), n)],
            "anomaly": anomaly,
        },
        geometry=shapely.points(rng.uniform(111.5, 111.9, n), rng.uniform(40.7, 41.0, n)),
        crs="EPSG:4326",
    ).rename_geometry("geom")


def libpq_url() -> str:
    url = os.environ.get("ZONGZHI_BENCH_DATABASE_URL") or os.environ.get("ZONGZHI_DATABASE_URL")
    if not url:
        # Not bench.common: this file also runs as a script, without the repository on sys.path.
        from geodata.db.embedded import EmbeddedCluster
        from geodata.settings import Settings

        cluster = EmbeddedCluster(Settings())
        cluster.start()
        url = cluster.libpq_url()
    for prefix in ("postgresql+psycopg://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def rows_of(frame: gpd.GeoDataFrame) -> list[tuple]:
    """Python row tuples for the per-row baselines (geometry as hex EWKB, read by both formats)."""
    ewkb = shapely.to_wkb(shapely.set_srid(frame.geometry.values, 4326), include_srid=True)
    # Missing values as None (pandas' string columns hold NaN, which psycopg cannot dump as text).
    cols = [
        frame[c].astype(object).where(frame[c].notna(), None).tolist()
        for c in COPY_COLUMNS
        if c != "geom"
    ]
    cols.insert(COPY_COLUMNS.index("geom"), list(ewkb))
    cols[COPY_COLUMNS.index("visited_at")] = list(frame["visited_at"].dt.to_pydatetime())
    return list(zip(*cols, strict=True))


def statement(table: str, fmt: str) -> sql.Composed:
    return sql.SQL("COPY {} ({}) FROM STDIN {}").format(
        sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(c) for c in COPY_COLUMNS),
        sql.SQL("(FORMAT binary)" if fmt == "binary" else ""),
    )


def load_copybin(ctx: Context, table: str, frame: gpd.GeoDataFrame) -> None:
    copy_frame(ctx.raw, table, frame, TYPES, chunk_rows=CHUNK)


def load_write_row_binary(ctx: Context, table: str, frame: gpd.GeoDataFrame) -> None:
    rows = ctx.rows[id(frame)]
    types = ["int8", "timestamptz", "int8", "text", "text", "int8", "bytea", "text", "text"]
    with ctx.raw.cursor() as cur, cur.copy(statement(table, "binary")) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def load_write_row_text(ctx: Context, table: str, frame: gpd.GeoDataFrame) -> None:
    rows = ctx.rows_hex[id(frame)]
    with ctx.raw.cursor() as cur, cur.copy(statement(table, "text")) as copy:
        for row in rows:
            copy.write_row(row)


def load_to_postgis(ctx: Context, table: str, frame: gpd.GeoDataFrame) -> None:
    # Schema pg_temp: to_postgis creates the TEMP table itself (it looks tables up by schema, so
    # it would not see one created beforehand) on this connection, then appends with COPY.
    frame.to_postgis(
        table, ctx.sa, schema="pg_temp", if_exists="append", index=False, chunksize=CHUNK
    )


@dataclass
class Context:
    sa: Connection
    raw: psycopg.Connection
    rows: dict[int, list[tuple]] = field(default_factory=dict)
    rows_hex: dict[int, list[tuple]] = field(default_factory=dict)


METHODS: dict[str, tuple[Callable[[Context, str, gpd.GeoDataFrame], None], bool]] = {
    # name: (loader, whether the TEMP table is created beforehand)
    "(a) copybin.copy_frame": (load_copybin, True),
    "(b) psycopg binary COPY, write_row": (load_write_row_binary, True),
    "(c) psycopg text COPY, write_row": (load_write_row_text, True),
    "(d) geopandas to_postgis": (load_to_postgis, False),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=ROWS)
    ap.add_argument("--warm-up", type=int, default=WARM_UP)
    args = ap.parse_args()
    n_rows, n_warm = args.rows, min(args.warm_up, args.rows)

    url = libpq_url()
    frame = make_frame(n_rows)
    warm = frame.iloc[:n_warm]
    print(f"database {url.split('@')[-1]}; {n_rows:,} patrol-visit rows, warm-up {n_warm:,} rows")
    t0 = time.perf_counter()
    rows = {id(frame): rows_of(frame), id(warm): rows_of(warm)}
    rows_hex = {
        key: [tuple(v.hex() if isinstance(v, bytes) else v for v in r) for r in value]
        for key, value in rows.items()
    }
    print(f"row tuples for (b)/(c) built beforehand, not timed: {time.perf_counter() - t0:.2f} s")

    engine = create_engine(sqlalchemy_url(url), pool_size=1, max_overflow=0)

    @event.listens_for(engine, "connect")
    def _no_timeout(dbapi_conn, _record):  # noqa: ANN001, ANN202
        dbapi_conn.execute("SET statement_timeout = 0")
        dbapi_conn.commit()

    rates: dict[str, float] = {}
    with engine.connect() as sa_conn:
        ctx = Context(sa_conn, sa_conn.connection.driver_connection, rows, rows_hex)
        for i, (name, (load, create)) in enumerate(METHODS.items()):
            for n, data in ((n_warm, warm), (n_rows, frame)):
                table = f"bench_visit_{i}_{n}"
                qualified = sql.Identifier("pg_temp", table)
                if create:
                    ctx.raw.execute(sql.SQL(DDL).format(sql.Identifier(table)))
                ctx.raw.commit()
                t0 = time.perf_counter()
                load(ctx, table, data)
                ctx.raw.commit()
                elapsed = time.perf_counter() - t0
                query = sql.SQL("SELECT count(*) FROM {}").format(qualified)
                count = ctx.raw.execute(query).fetchone()[0]
                ctx.raw.execute(sql.SQL("DROP TABLE {}").format(qualified))
                ctx.raw.commit()
            rates[name] = n_rows / elapsed
            print(f"{name:<36} {elapsed:7.2f} s {rates[name]:>11,.0f} rows/s  ({count:,} rows)")
    engine.dispose()
    ours = rates["(a) copybin.copy_frame"]
    for name, rate in rates.items():
        if name != "(a) copybin.copy_frame":
            print(f"(a) vs {name:<36} {ours / rate:5.1f}x")


if __name__ == "__main__":
    main()

"""Map tile benchmark at full scale: heat PNGs, vector tiles, and tipg as the baseline.

    python -m bench.map_tiles [--zooms 9-14] [--tipg-port 0] [--no-tipg]
                              [--scale full|small] [--seed N]               (from the repo root)

Tile set: every tile at the given zooms that touches the four urban districts (新城区, 回民区,
玉泉区, 赛罕区). Prints, per heat kind and filter (default 365d, and 30d), p50/p95 of uncached
and cached requests through the Flask route; MVT grid/dispute tile times and sizes; and the
same grid tiles over HTTP from tipg (uvicorn) and from ours (gunicorn), one worker each, in the
same run. It asserts nothing. Read-only on the database ``zongzhi_map_bench`` (full scale) or
ZONGZHI_BENCH_DATABASE_URL, once loaded: an empty database first gets the demo at ``--scale``, as
bench/map.py does. Without tipg installed (the ``bench`` extra) the baseline is skipped, and the
run says so.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path

import mercantile
import numpy as np
import shapely
from sqlalchemy import create_engine, text

from app.main import create_app
from app.web.sessions import COOKIE_NAME
from bench.common import (
    MAP_BENCH_DATABASE,
    add_scale_arguments,
    bench_app_url,
    bench_session,
    bench_url,
    ensure_demo,
)
from geodata.db.engine import make_engine, sqlalchemy_url
from geodata.read import tiles as geotiles
from geodata.settings import Settings
from layers import heat
from layers.filters import MapFilters

URBAN_DISTRICTS = ("150102", "150103", "150104", "150105")
FILTERS = {"365d (default)": "", "30d": "period=30d"}
ROOT = Path(__file__).resolve().parent.parent


def libpq_url(url: str) -> str:
    """The URL without SQLAlchemy's driver suffix (for tipg's asyncpg)."""
    return sqlalchemy_url(url).replace("postgresql+psycopg://", "postgresql://", 1)


def urban_tiles(engine, zooms: Iterable[int]) -> list[mercantile.Tile]:  # noqa: ANN001
    """Every tile at ``zooms`` whose bounds touch an urban district."""
    with engine.connect() as conn:
        wkb = conn.execute(
            text("SELECT ST_AsBinary(ST_Union(geom)) FROM admin_area WHERE code = ANY(:codes)"),
            {"codes": list(URBAN_DISTRICTS)},
        ).scalar()
    area = shapely.from_wkb(bytes(wkb))
    shapely.prepare(area)
    west, south, east, north = area.bounds
    out = []
    for z in zooms:
        candidates = list(mercantile.tiles(west, south, east, north, z))
        boxes = shapely.box(*np.array([tuple(mercantile.bounds(t)) for t in candidates]).T)
        out += [
            t for t, hit in zip(candidates, shapely.intersects(area, boxes), strict=True) if hit
        ]
    return out


def stats(ms: list[float]) -> str:
    a = np.asarray(ms)
    return (
        f"p50 {np.percentile(a, 50):7.1f}  p95 {np.percentile(a, 95):7.1f}  "
        f"max {a.max():8.1f} ms  (n={a.size})"
    )


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return (time.perf_counter() - t0) * 1000, out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10):
                return
        # A worker still booting on a busy machine may hold the accepted request past the read
        # timeout: not ready yet, like a refused connection.
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server for {url} did not start") from None
            time.sleep(0.3)


def http_get(url: str, cookie: str | None = None) -> tuple[float, int]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    t0 = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as resp:
        size = len(resp.read())
    return (time.perf_counter() - t0) * 1000, size


def bench_heat(client, tiles: list[mercantile.Tile]) -> dict:  # noqa: ANN001
    results: dict = {}
    for kind in geotiles.HEAT_KINDS:
        for label, query in FILTERS.items():
            urls = [f"/tiles/heat/{kind}/{t.z}/{t.x}/{t.y}.png?{query}" for t in tiles]
            cold, warm, sizes, per_zoom = [], [], [], {}
            for t, url in zip(tiles, urls, strict=True):
                ms, resp = timed(lambda url=url: client.get(url))
                assert resp.status_code == 200, (url, resp.status_code)
                cold.append(ms)
                sizes.append(len(resp.data))
                per_zoom.setdefault(t.z, []).append(ms)
            for url in urls:
                ms, _ = timed(lambda url=url: client.get(url))
                warm.append(ms)
            print(f"  heat {kind:<8} {label:<15} uncached {stats(cold)}")
            print(f"  {'':<29} cached   {stats(warm)}")
            zoom_p95 = "  ".join(
                f"z{z} {np.percentile(v, 95):.0f}" for z, v in sorted(per_zoom.items())
            )
            print(f"  {'':<29} uncached p95 by zoom (ms): {zoom_p95}")
            print(
                f"  {'':<29} PNG bytes: mean {np.mean(sizes):,.0f}, max {max(sizes):,}, "
                f"empty tiles {sum(s == len(heat.empty_png()) for s in sizes)}"
            )
            results[f"{kind} {label}"] = {"uncached_ms": cold, "cached_ms": warm, "bytes": sizes}
    return results


def bench_mvt(engine, tiles: list[mercantile.Tile]) -> dict:  # noqa: ANN001
    # Timed at the query function: the dispute layer's route needs a signed-in user, and this
    # benchmark only reads the database.
    flt = heat.tile_dispute_filter(MapFilters())
    results = {}
    with engine.connect() as conn:
        for layer in geotiles.MVT_LAYERS:
            ms_all, sizes, capped = [], [], 0
            for t in tiles:
                ms, tile = timed(
                    lambda t=t, layer=layer: geotiles.vector_tile(conn, layer, t.z, t.x, t.y, flt)
                )
                ms_all.append(ms)
                sizes.append(len(tile.body))
                capped += tile.capped_at is not None
            print(f"  mvt {layer:<9} {stats(ms_all)}")
            print(
                f"  {'':<13} bytes: mean {np.mean(sizes):,.0f}, p95 {np.percentile(sizes, 95):,.0f},"
                f" max {max(sizes):,}; capped tiles {capped}"
            )
            results[layer] = {"ms": ms_all, "bytes": sizes, "capped": capped}
    return results


def tipg_installed() -> bool:
    """tipg and uvicorn (the ``bench`` extra) are importable from this interpreter."""
    try:
        metadata.version("tipg")
        metadata.version("uvicorn")
    except metadata.PackageNotFoundError:
        return False
    return True


def bench_tipg(url: str, tiles: list[mercantile.Tile], port: int) -> dict:
    """The same grid tiles from tipg and from our app, each as its own single-worker server."""
    tipg_port, ours_port = port or free_port(), free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    workdir = tempfile.mkdtemp(prefix="bench-tiles-")  # no project .env for tipg to read
    tipg_env = {
        **os.environ,
        "DATABASE_URL": libpq_url(url),
        "TIPG_DB_SCHEMAS": '["public"]',
        "TIPG_DB_TABLES": '["public.grid"]',
        # Like ours: 64-unit buffer, 20,000 features per tile.
        "TIPG_TILE_BUFFER": "64",
        "TIPG_MAX_FEATURES_PER_TILE": "20000",
    }
    ours_env = {
        **os.environ,
        "ZONGZHI_DATABASE_URL": libpq_url(bench_app_url(MAP_BENCH_DATABASE)),
        "ZONGZHI_OWNER_DATABASE_URL": libpq_url(url),
        "ZONGZHI_SECRET_KEY": secrets.token_urlsafe(48),
        "PYTHONPATH": str(ROOT),
    }
    owner = create_engine(sqlalchemy_url(url))
    cookie = f"{COOKIE_NAME}={bench_session(owner)}"
    owner.dispose()
    bin_dir = Path(sys.executable).parent
    tipg = subprocess.Popen(
        [str(bin_dir / "uvicorn"), "tipg.main:app", "--port", str(tipg_port), "--workers", "1"],
        env=tipg_env,
        cwd=workdir,
        **quiet,
    )
    ours = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "app.main:server()",
            "--bind",
            f"127.0.0.1:{ours_port}",
            "--workers",
            "1",
            "--timeout",
            "120",
        ],
        env=ours_env,
        cwd=str(ROOT),
        **quiet,
    )
    try:
        tipg_base = f"http://127.0.0.1:{tipg_port}"
        ours_base = f"http://127.0.0.1:{ours_port}"
        wait_for(f"{tipg_base}/collections", tipg)
        wait_for(f"{ours_base}/healthz", ours)
        props = "properties=code,name,community_code,residents"
        tipg_ms, ours_ms, tipg_bytes, ours_bytes = [], [], [], []
        for i, t in enumerate(tiles):
            tipg_url = f"{tipg_base}/collections/public.grid/tiles/WebMercatorQuad/{t.z}/{t.x}/{t.y}?{props}"
            ours_url = f"{ours_base}/tiles/grids/{t.z}/{t.x}/{t.y}.pbf"
            # Alternate who goes first so neither always finds the other's pages in cache.
            pair = [(tipg_url, tipg_ms, tipg_bytes), (ours_url, ours_ms, ours_bytes)]
            for target, times, sizes in pair if i % 2 == 0 else reversed(pair):
                ms, size = http_get(target, cookie if target.startswith(ours_base) else None)
                times.append(ms)
                sizes.append(size)
        ours_cached = [
            http_get(f"{ours_base}/tiles/grids/{t.z}/{t.x}/{t.y}.pbf", cookie)[0] for t in tiles
        ]
    finally:
        for proc in (tipg, ours):
            proc.terminate()
            proc.wait(timeout=30)
    print(f"  tipg {metadata.version('tipg')} grid tiles   {stats(tipg_ms)}")
    print(f"  ours grid tiles (uncached) {stats(ours_ms)}")
    print(f"  ours grid tiles (cached)   {stats(ours_cached)}")
    p50 = np.percentile(tipg_ms, 50) / np.percentile(ours_ms, 50)
    p95 = np.percentile(tipg_ms, 95) / np.percentile(ours_ms, 95)
    print(f"  tipg time / ours (uncached): p50 {p50:.2f}x, p95 {p95:.2f}x  (>1 = ours faster)")
    print(
        f"  bytes mean: tipg {np.mean(tipg_bytes):,.0f}, ours {np.mean(ours_bytes):,.0f}"
        " (ours adds the dispute count per grid)"
    )
    return {
        "tipg_version": metadata.version("tipg"),
        "tipg_ms": tipg_ms,
        "ours_ms": ours_ms,
        "ours_cached_ms": ours_cached,
        "tipg_bytes": tipg_bytes,
        "ours_bytes": ours_bytes,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--zooms", default="9-14", help="inclusive range, e.g. 9-14")
    ap.add_argument("--tipg-port", type=int, default=0)
    ap.add_argument("--no-tipg", action="store_true")
    ap.add_argument("--out", default="bench/out/map_tiles.json")
    add_scale_arguments(ap)
    args = ap.parse_args()
    lo, _, hi = args.zooms.partition("-")
    lo, hi = int(lo), int(hi or lo)

    url = bench_url(MAP_BENCH_DATABASE)
    engine = make_engine(Settings(), url)
    ensure_demo(engine, args.scale, args.seed)
    with engine.connect() as conn:
        patrols = conn.execute(text("SELECT count(*) FROM patrol_visit")).scalar()
        disputes = conn.execute(text("SELECT count(*) FROM dispute")).scalar()
    tiles = urban_tiles(engine, range(lo, hi + 1))
    by_zoom = {z: sum(t.z == z for t in tiles) for z in range(lo, hi + 1)}
    print(f"database: {patrols:,} patrol visits, {disputes:,} disputes")
    print(f"tiles over the urban districts, z{lo}-{hi}: {len(tiles)} {by_zoom}")

    with engine.connect() as conn:
        ms, snap = timed(lambda: geotiles.patrol_snapshot(conn))
        print(f"\npatrol snapshot load ({len(snap):,} visits, once per data version): {ms:,.0f} ms")
        ms, _ = timed(lambda: snap.pixels("gcj02"))
        print(f"patrol snapshot GCJ-02 frame (first crs=gcj02 tile only): {ms:,.0f} ms")

    # Big enough that the cached pass finds every tile of every kind and filter.
    settings = Settings(tile_cache_items=len(tiles) * 8)
    app_engine = make_engine(Settings(), bench_app_url(MAP_BENCH_DATABASE))
    client = create_app(settings, engine=app_engine).server.test_client()
    client.set_cookie(COOKIE_NAME, bench_session(engine))
    print("\nheat tiles through the Flask route (uncached = first request, cached = second):")
    heat_results = bench_heat(client, tiles)
    print("\nvector tiles (default filter, query + encoding in PostGIS):")
    mvt_results = bench_mvt(engine, tiles)
    tipg_results = None
    print("\nbaseline: the same grid tiles over HTTP, tipg (uvicorn) vs ours (gunicorn):")
    if args.no_tipg:
        print("  skipped: --no-tipg")
    elif not tipg_installed():
        print("  skipped: tipg is not installed (pip install -e '.[bench]')")
    else:
        tipg_results = bench_tipg(url, tiles, args.tipg_port)

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "scale": args.scale,
                "seed": args.seed,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "cases": disputes,
                "patrol_visits": patrols,
                "tiles": len(tiles),
                "heat": heat_results,
                "mvt": mvt_results,
                "tipg": tipg_results,
            },
            indent=2,
        )
    )
    print(f"\nfigures written to {out}")


if __name__ == "__main__":
    main()

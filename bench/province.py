"""Province-scale synthetic run (issue 13 item 4): how cost grows with data.

    python -m bench.province [--hohhot-database zongzhi_full_bench] [--out bench/out/province.json]

Loads the demo at the ``province`` scale (``DemoConfig.for_scale("province")``: Hohhot's areas
and grids ×5 on the same districts, its patrol visits ×10 — about 30,800 grids and 20.5 M
visits; buildings, housing units, residents, cases, key persons and whistles stay Hohhot's) into
its own database ``zongzhi_province_bench`` (or ZONGZHI_PROVINCE_DATABASE_URL) through the real
load path, timed per kind; a database that already holds the city is measured as it is (the load
figures of the run that loaded it stay in ``--out``). Then, on the province and — same run — on a
Hohhot full-scale database (``--hohhot-database``, measured as it is, skipped when absent):

- per-grid values for all grids (``geodata.read.analysis``: dispute counts, patrol figures);
- the patrol snapshot's load time and size, and heat tiles (patrols and disputes) over the
  urban districts through the Flask route, uncached and cached;
- the wall's refresh as the display account, cold (shared cache cleared) and warm;
- the memory of an app worker: ``zongzhi serve`` (gunicorn, 2 workers) on the database, RSS
  and peak RSS of each worker after its patrol snapshot is warm (and after heat tiles).

It prints each figure next to Hohhot's with the ratio. Not in ``make bench``: generating and loading
the province took 14 minutes and 11.4 GB of memory on the 2-core VM (a 6.5 GB database), the
measurements another 5. ``--scale small`` only checks it works.
It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import mercantile
from sqlalchemy import Engine, text

from bench.common import DEFAULT_SEED, bench_session, bench_url, pct, stop_process, timed
from geodata.db.engine import make_engine
from geodata.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PROVINCE_DATABASE = "zongzhi_province_bench"
HOHHOT_DATABASE = "zongzhi_full_bench"


def _rss_mb(pid: int) -> dict[str, float]:
    """Resident and peak resident memory of a process (MB)."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return {"rss_mb": out["VmRSS"], "peak_mb": out["VmHWM"]}


def _children(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return sorted(pids)


def _url(database: str) -> str:
    if database == PROVINCE_DATABASE and os.environ.get("ZONGZHI_PROVINCE_DATABASE_URL"):
        return os.environ["ZONGZHI_PROVINCE_DATABASE_URL"]
    return bench_url(database)


def _app_url(database: str) -> str:
    from geodata.db.roles import APP_ROLE, as_role

    return as_role(_url(database), APP_ROLE, Settings().resolved_home())


# ------------------------------------------------------------------------------------ load


def load(engine: Engine, scale: str, seed: int) -> dict[str, Any] | None:
    """Generate and load the city at ``scale`` unless the database already holds one."""
    from etl.demo import DemoConfig, generate
    from etl.demo_load import already_loaded, load_data
    from geodata.db import migrate

    migrate.upgrade(engine)
    if already_loaded(engine):
        return None
    cfg = DemoConfig.for_scale(scale, seed)
    print(f"generating the {scale}-scale city ({cfg.patrol_visits:,} patrol visits) …", flush=True)
    t0 = time.perf_counter()
    data = generate(cfg)
    t_gen = time.perf_counter() - t0
    rss_gen = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  generated in {t_gen:.1f} s (peak RSS {rss_gen:,.0f} MB); loading …", flush=True)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        report = load_data(conn, cfg, data)
    t_load = time.perf_counter() - t0
    kinds = {
        k: {"rows": v["read"], "seconds": report["seconds"][k], "steps": v["steps"]}
        for k, v in report["kinds"].items()
    }
    related = {t: {"rows": v["given"], "seconds": report["seconds"][t]}
               for t, v in report["related"].items()}  # fmt: skip
    return {
        "scale": scale,
        "generate_s": t_gen,
        "load_s": t_load,
        "kinds": kinds,
        "related": related,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_rss_after_generate_mb": rss_gen,
    }


# --------------------------------------------------------------------------------- measure


def sizes(engine: Engine) -> dict[str, Any]:
    with engine.connect() as c:
        out = {
            t: c.execute(text(f"SELECT count(*) FROM {t}")).scalar()  # noqa: S608 — fixed names
            for t in ("grid", "building", "dispute", "patrol_visit")
        }
        out["database_mb"] = c.execute(
            text("SELECT pg_database_size(current_database()) / 1048576")
        ).scalar()
    return out


def per_grid(engine: Engine, repeat: int) -> dict[str, Any]:
    from domain.clock import LOCAL_TZ
    from geodata.read import analysis
    from layers import patrol_coverage
    from layers.filters import MapFilters

    out: dict[str, Any] = {}
    with engine.connect() as conn:
        now = conn.execute(text("SELECT max(visited_at) FROM patrol_visit")).scalar()
        now = (now or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ)
        for name, mf in {
            "disputes, 365 d": MapFilters(period="365d"),
            "disputes, 30 d": MapFilters(period="30d"),
            "disputes, all time, open": MapFilters(
                period="all", statuses=("received", "assigned", "in_progress")
            ),
        }.items():
            flt = mf.dispute_filter(now)
            times, _ = timed(lambda flt=flt: analysis.grid_dispute_counts(conn, flt), repeat)
            out[name] = pct(times)
        reps = max(3, repeat // 4)
        times, _ = timed(lambda: analysis.grid_patrol_figures(conn, 30, now), reps)
        out["patrol figures, 30 d (SQL)"] = pct(times)
        end = now.replace(minute=0, second=0, microsecond=0)
        times, _ = timed(lambda: patrol_coverage.city_figures(conn, 30, end), repeat)
        out["patrol figures, 30 d (layer, cached)"] = pct(times)
    return out


def heat(database: str, engine: Engine, zooms: list[int], per_zoom: int) -> dict[str, Any]:
    """Snapshot load, then patrol and dispute heat tiles through the Flask route (owner)."""
    from app.main import create_app
    from app.web.sessions import COOKIE_NAME
    from bench.map_tiles import urban_tiles
    from geodata import cache
    from geodata.read import tiles as geotiles

    out: dict[str, Any] = {}
    app_engine = make_engine(Settings(), _app_url(database))
    # The snapshot is per database and caller's scope: the owner's is the whole city's.
    with engine.connect() as conn:
        geotiles.drop_patrol_snapshots()
        t0 = time.perf_counter()
        snap = geotiles.patrol_snapshot(conn)
        out["snapshot_load_s"] = time.perf_counter() - t0
        out["snapshot_visits"] = len(snap)
        out["snapshot_mb"] = (snap.visited_us.nbytes + snap.gx.nbytes + snap.gy.nbytes) / 1048576
    chosen = []
    rng = random.Random(20261204)
    for z in zooms:
        at_z = urban_tiles(engine, [z])
        chosen += sorted(rng.sample(at_z, min(per_zoom, len(at_z))))
    out["tiles"] = len(chosen)
    app = create_app(Settings(tile_cache_items=len(chosen) * 8), engine=app_engine)
    client = app.server.test_client()
    client.set_cookie(COOKIE_NAME, bench_session(engine))
    for kind in ("patrols", "disputes"):
        for period in ("365d", "30d"):
            urls = [f"/tiles/heat/{kind}/{t.z}/{t.x}/{t.y}.png?period={period}" for t in chosen]
            cache.clear()  # the tiles' cache; the snapshot goes too: load it again, untimed
            first = chosen[0]
            client.get(f"/tiles/heat/patrols/{first.z}/{first.x}/{first.y}.png?period=90d")
            cold, warm = [], []
            for url in urls:
                t0 = time.perf_counter()
                resp = client.get(url)
                cold.append((time.perf_counter() - t0) * 1000)
                assert resp.status_code == 200, (url, resp.status_code)  # noqa: S101
            for url in urls:
                t0 = time.perf_counter()
                client.get(url)
                warm.append((time.perf_counter() - t0) * 1000)
            out[f"{kind} {period}"] = {"uncached": pct(cold), "cached": pct(warm)}
    return out


def wall(database: str, owner: Engine, repeat: int) -> dict[str, Any]:
    from app.main import create_app
    from app.web.sessions import COOKIE_NAME
    from bench.wall import HEADERS, refresh_body
    from geodata import cache

    app = create_app(Settings(), engine=make_engine(Settings(), _app_url(database)))
    client = app.server.test_client()
    client.set_cookie(COOKIE_NAME, bench_session(owner, role="display"))
    body = refresh_body(app)

    def refresh() -> None:
        resp = client.post("/_dash-update-component", json=body, headers=HEADERS)
        assert resp.status_code == 200, resp.status_code  # noqa: S101

    def cold() -> None:
        cache.clear()
        refresh()

    out = {}
    for name, fn in (("cold", cold), ("warm", refresh)):
        times, _ = timed(fn, repeat)
        out[name] = pct(times)
    return out


def worker_memory(database: str, owner: Engine, timeout_s: float = 900) -> dict[str, Any]:
    """RSS of each ``zongzhi serve`` worker: idle, after its snapshot warm-up, after tiles."""
    from app.web.sessions import COOKIE_NAME
    from bench.dispatch import _wait_healthy
    from bench.map_tiles import free_port, libpq_url

    port = free_port()
    env = {
        **os.environ,
        "ZONGZHI_DATABASE_URL": libpq_url(_app_url(database)),
        "ZONGZHI_OWNER_DATABASE_URL": libpq_url(_url(database)),
        "ZONGZHI_SECRET_KEY": secrets.token_urlsafe(48),
        "PYTHONPATH": str(ROOT),
    }
    log = Path(tempfile.mkdtemp(prefix="bench-province-")) / "serve.log"
    exe = Path(sys.executable).with_name("zongzhi")
    out: dict[str, Any] = {}
    with open(log, "wb") as fh:
        proc = subprocess.Popen(
            [str(exe), "serve", "--port", str(port), "--workers", "2"],
            env=env, cwd=str(ROOT), stdout=fh, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        t0 = time.perf_counter()
        _wait_healthy(port, proc, log, timeout_s=180)
        workers = _children(proc.pid)
        out["started"] = {p: _rss_mb(p) for p in workers}
        # The warm-up thread loads the snapshot at start: wait until each worker's RSS is steady.
        # (Under the app's role it runs with no caller's scope.) Steady: three samples in a row
        # within 1 MB.
        last = [_rss_mb(p)["rss_mb"] for p in workers]
        calm = 0
        while calm < 3 and time.perf_counter() - t0 < timeout_s:
            time.sleep(2)
            now = [_rss_mb(p)["rss_mb"] for p in workers]
            calm = calm + 1 if all(abs(a - b) < 1 for a, b in zip(now, last, strict=True)) else 0
            last = now
        out["warm_after_s"] = time.perf_counter() - t0
        out["warm"] = {p: _rss_mb(p) for p in workers}
        cookie = f"{COOKIE_NAME}={bench_session(owner)}"
        # Patrol heat tiles over the city centre as a city user, then as a district user: each
        # caller's scope gets its own snapshot in every worker that serves it.
        for role in ("city", "district"):
            cookie = f"{COOKIE_NAME}={bench_session(owner, role=role)}"
            t1 = time.perf_counter()
            for z in (9, 11, 13):
                tile = mercantile.tile(111.67, 40.82, z)
                for period in ("365d", "30d"):
                    for _ in range(4):  # both workers, likely
                        req = urllib.request.Request(
                            f"http://127.0.0.1:{port}/tiles/heat/patrols/{z}/{tile.x}/{tile.y}.png"
                            f"?period={period}",
                            headers={"Cookie": cookie},
                        )
                        with urllib.request.urlopen(req, timeout=600) as resp:  # noqa: S310
                            resp.read()
            out[f"tiles_as_{role}_s"] = time.perf_counter() - t1
            out[f"after_tiles_{role}"] = {p: _rss_mb(p) for p in workers}
    finally:
        stop_process(proc)
    return out


def measure(database: str, args: argparse.Namespace) -> dict[str, Any]:
    owner = make_engine(Settings(), _url(database))
    out: dict[str, Any] = {"sizes": sizes(owner)}
    print(f"\n== {database}: {out['sizes']}", flush=True)
    steps = (
        ("per_grid", lambda: per_grid(owner, args.repeat)),
        ("heat", lambda: heat(database, owner, args.zooms, args.tiles_per_zoom)),
        ("wall", lambda: wall(database, owner, args.repeat)),
        ("worker_memory", lambda: worker_memory(database, owner)),
    )
    for name, fn in steps:
        if name in args.skip:
            continue
        t0 = time.perf_counter()
        out[name] = fn()
        print(f"  {name} ({time.perf_counter() - t0:.0f} s): {json.dumps(out[name], default=str)}",
              flush=True)  # fmt: skip
    return out


def rows(m: dict[str, Any]) -> dict[str, float]:
    """The figures compared between the two cities, flat."""
    out: dict[str, float] = {}
    for name, r in m.get("per_grid", {}).items():
        out[f"per-grid {name}, p50 ms"] = r["p50"]
    h = m.get("heat", {})
    if h:
        out["patrol snapshot load, s"] = h["snapshot_load_s"]
        out["patrol snapshot arrays, MB"] = h["snapshot_mb"]
        for name, r in h.items():
            if isinstance(r, dict):
                out[f"heat {name} uncached p50 / p95 ms"] = (
                    r["uncached"]["p50"],
                    r["uncached"]["p95"],
                )
                out[f"heat {name} cached p50 ms"] = r["cached"]["p50"]
    for name, r in m.get("wall", {}).items():
        out[f"wall refresh {name} p50 / p95 ms"] = (r["p50"], r["p95"])
    w = m.get("worker_memory", {})
    for key, label in (("warm", "after warm-up"), ("after_tiles_city", "after city heat tiles"),
                       ("after_tiles_district", "after district heat tiles too")):  # fmt: skip
        if key in w:
            out[f"worker RSS {label}, max MB"] = max(v["rss_mb"] for v in w[key].values())
            out[f"worker peak RSS {label}, max MB"] = max(v["peak_mb"] for v in w[key].values())
    return out


def compare(hohhot: dict[str, Any], province: dict[str, Any]) -> None:
    def fmt(v: Any) -> str:
        return " / ".join(f"{x:,.1f}" for x in v) if isinstance(v, tuple) else f"{v:,.1f}"

    a, b = rows(hohhot), rows(province)
    print(f"\n{'figure':<58}{'Hohhot':>18}{'province':>18}{'ratio':>8}")
    for name, hv in a.items():
        pv = b.get(name)
        if pv is None:
            continue
        h0 = hv[0] if isinstance(hv, tuple) else hv
        p0 = pv[0] if isinstance(pv, tuple) else pv
        ratio = f"{p0 / h0:.1f}x" if h0 else "-"
        print(f"{name:<58}{fmt(hv):>18}{fmt(pv):>18}{ratio:>8}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", choices=("province", "small"), default="province")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--hohhot-database", default=HOHHOT_DATABASE)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--zooms", type=lambda s: [int(z) for z in s.split(",")], default=[9, 11, 13])
    ap.add_argument("--tiles-per-zoom", type=int, default=12)
    ap.add_argument("--skip", nargs="*", default=[], help="per_grid heat wall worker_memory")
    ap.add_argument("--load-only", action="store_true")
    ap.add_argument("--out", default="bench/out/province.json")
    args = ap.parse_args()

    out_path = Path(args.out)
    figures: dict[str, Any] = (
        json.loads(out_path.read_text(encoding="utf-8")) if out_path.exists() else {}
    )

    def save() -> None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text(json.dumps(figures, indent=2, default=str), encoding="utf-8")

    province = make_engine(Settings(), _url(PROVINCE_DATABASE))
    loaded = load(province, args.scale, args.seed)
    if loaded is not None:
        figures["load"] = loaded
        save()
        print(f"  loaded in {loaded['load_s']:.1f} s (peak RSS {loaded['peak_rss_mb']:,.0f} MB)")
        for kind, k in loaded["kinds"].items():
            steps = " ".join(f"{s}={v:.1f}" for s, v in k["steps"].items())
            print(f"  {kind:<16}{k['rows']:>12,}{k['seconds']:>9.1f} s  {steps}", flush=True)
    if args.load_only:
        return
    figures["province"] = measure(PROVINCE_DATABASE, args)
    save()
    if args.hohhot_database:
        figures["hohhot"] = measure(args.hohhot_database, args)
        save()
        compare(figures["hohhot"], figures["province"])


if __name__ == "__main__":
    main()

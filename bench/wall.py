"""Wall (大屏) refresh benchmark: what one refresh costs the server, and what it sends.

    python -m bench.wall [--repeat 30] [--scale full|small] [--seed N]   (from the repo root)

On the map benches' database (``zongzhi_map_bench``, or ZONGZHI_BENCH_DATABASE_URL; an empty
database first gets the demo at ``--scale``), through the Flask test client as the display
account (the app's role, row-level security on): p50/p95 of the wall's refresh callback
(``POST /_dash-update-component``, every panel from one snapshot) and the bytes of its response,
cold (shared cache cleared before each refresh: the snapshot is built) against warm (the shared
cache holds the snapshot: what every wall but the first pays) — the named baseline pair. Targets
at full scale: p95 ≤ 300 ms and ≤ 100 KB per refresh. Times are server time without the network.
It asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
from pathlib import Path
from typing import Any

from sqlalchemy import text

from app import ids
from app.main import create_app
from app.web.sessions import COOKIE_NAME
from bench.common import (
    MAP_BENCH_DATABASE,
    add_scale_arguments,
    bench_app_url,
    bench_session,
    bench_url,
    ensure_demo,
    pct,
    timed,
)
from geodata import cache
from geodata.db.engine import make_engine
from geodata.settings import Settings

# The browser's own request: same origin (the app refuses writes without one), gzip accepted.
HEADERS = {"Origin": "http://localhost", "Accept-Encoding": "gzip"}


def refresh_body(app) -> dict[str, Any]:  # noqa: ANN001
    """The request the wall's page sends on a tick: the callback that fills the figures."""
    app.server.test_client().get("/healthz")  # Dash registers the pages' callbacks on first use
    target = f"{ids.WALL_FIGURES}.children"
    key, spec = next((k, s) for k, s in app.callback_map.items() if target in k)
    return {
        "output": key,
        "outputs": [
            {"id": o.component_id, "property": o.component_property} for o in spec["output"]
        ],
        "inputs": [{"id": ids.WALL_TICK, "property": "n_intervals", "value": 1}],
        "state": [],
        "changedPropIds": [f"{ids.WALL_TICK}.n_intervals"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--out", default="bench/out/wall.json")
    add_scale_arguments(ap)
    args = ap.parse_args()

    owner = make_engine(Settings(), bench_url(MAP_BENCH_DATABASE))
    ensure_demo(owner, args.scale, args.seed)
    with owner.connect() as c:
        cases, visits = c.execute(
            text("SELECT (SELECT count(*) FROM dispute), (SELECT count(*) FROM patrol_visit)")
        ).one()
    print(f"database: {cases:,} cases, {visits:,} patrol visits; display account, app role")

    app = create_app(Settings(), engine=make_engine(Settings(), bench_app_url(MAP_BENCH_DATABASE)))
    client = app.server.test_client()
    client.set_cookie(COOKIE_NAME, bench_session(owner, role="display"))
    body = refresh_body(app)
    sizes: dict[str, tuple[int, int]] = {}

    def refresh() -> None:
        resp = client.post("/_dash-update-component", json=body, headers=HEADERS)
        assert resp.status_code == 200, resp.status_code  # noqa: S101 — a bench of a failing call means nothing
        wire = len(resp.data)
        raw = (
            len(gzip.decompress(resp.data))
            if resp.headers.get("Content-Encoding") == "gzip"
            else wire
        )
        sizes["last"] = (raw, wire)

    def cold() -> None:
        cache.clear()
        refresh()

    figures: dict[str, Any] = {
        "scale": args.scale,
        "seed": args.seed,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "cases": cases,
        "patrol_visits": visits,
    }
    print(
        f"\n{args.repeat} refreshes each (ms){'':<26}{'p50':>8}{'p95':>8}{'max':>8}{'bytes':>10}{'sent':>8}"
    )
    builds = cache.builds("wall")
    for name, fn in (("cold (cache cleared: snapshot built)", cold),
                     ("warm (shared cache hit)", refresh)):  # fmt: skip
        times, _ = timed(fn, args.repeat)
        stats = pct(times)
        raw, wire = sizes["last"]
        figures[name] = {**stats, "bytes": raw, "wire_bytes": wire}
        print(f"{name:<50}{stats['p50']:>8.1f}{stats['p95']:>8.1f}{stats['max']:>8.1f}"
              f"{raw:>10,}{wire:>8,}")  # fmt: skip
    built = cache.builds("wall") - builds
    figures["snapshots built"] = built
    ratio = (
        figures["cold (cache cleared: snapshot built)"]["p50"]
        / figures["warm (shared cache hit)"]["p50"]
    )
    figures["ratio cold / warm (p50)"] = ratio
    print(f"ratio cold / warm (p50): {ratio:.1f}x; snapshots built: {built}"
          f" for {2 * (args.repeat + 1)} refreshes")  # fmt: skip
    warm = figures["warm (shared cache hit)"]
    print(f"targets (full scale): p95 <= 300 ms, <= 100 KB per refresh; this run: cold p95"
          f" {figures['cold (cache cleared: snapshot built)']['p95']:.0f} ms, warm p95"
          f" {warm['p95']:.0f} ms, {warm['bytes'] / 1024:.1f} KB ({warm['wire_bytes'] / 1024:.1f} KB sent)")  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

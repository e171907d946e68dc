"""What row-level security costs: the map's heaviest reads as a district user under RLS (the app
role, ``zongzhi_app``, scoped as a request scopes it) against the owner without RLS, same run.

    python -m bench.rls [--repeat 20] [--scale full|small] [--seed N] [--out bench/out/rls.json]

Three reads, each p50/p95/max in ms and the ratio RLS / owner (issue 9's target: ≤ 1.2×):
1. per-grid dispute counts for all grids (the city choropleth's values), two filters;
2. heat tiles (disputes: binned in SQL; patrols: the in-process snapshot, warm) over the busiest
   district, every tile of it at z12 and z14 (at most 16 each), fetched and rendered;
3. the grid panel of the district's busiest grid (profile, counts, trend, recent cases).

The owner reads every row of the city where the district user reads its district's: the ratio is
what the same call costs a district caller, policies included, against the owner's plain read —
not the cost of reading equal rows. Figures only; nothing is asserted. The database is
ZONGZHI_BENCH_DATABASE_URL (its app role: ZONGZHI_BENCH_APP_DATABASE_URL) or the embedded
cluster's ``zongzhi_map_bench``, loaded with the demo at ``--scale`` on first use.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import mercantile
from sqlalchemy import Connection, Engine, text

from app.components import grid_panel
from app.context import scoped_transaction
from bench.common import (
    MAP_BENCH_DATABASE,
    add_scale_arguments,
    bench_app_url,
    bench_url,
    ensure_demo,
    pct,
    timed,
)
from domain.clock import LOCAL_TZ
from domain.scope import Scope
from geodata.db.engine import make_engine
from geodata.read import analysis
from geodata.settings import Settings
from layers import heat
from layers.filters import MapFilters

MAX_TILES = 16


def _district_and_grid(conn: Connection) -> tuple[str, str]:
    """The district with the most cases and its busiest grid."""
    district = conn.execute(
        text("SELECT district_code FROM dispute WHERE length(district_code) = 6"
             " AND district_code NOT IN (SELECT code FROM admin_area WHERE level = 'city')"
             " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    ).scalar_one()  # fmt: skip
    grid = conn.execute(
        text("SELECT grid_code FROM dispute WHERE district_code = :d AND grid_code IS NOT NULL"
             " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"), {"d": district}
    ).scalar_one()  # fmt: skip
    return district, grid


def _tiles(conn: Connection, district: str, zoom: int) -> list[tuple[int, int, int]]:
    """The tiles over ``district`` at ``zoom`` (at most MAX_TILES, the middle ones first)."""
    w, s, e, n = conn.execute(
        text("SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM"
             " (SELECT ST_Extent(geom) b FROM admin_area WHERE code = :d) q"), {"d": district}
    ).one()  # fmt: skip
    tiles = list(mercantile.tiles(w, s, e, n, zoom))
    mid_x, mid_y = (
        (min(t.x for t in tiles) + max(t.x for t in tiles)) / 2,
        (min(t.y for t in tiles) + max(t.y for t in tiles)) / 2,
    )
    tiles.sort(key=lambda t: (t.x - mid_x) ** 2 + (t.y - mid_y) ** 2)
    return [(t.z, t.x, t.y) for t in tiles[:MAX_TILES]]


@contextmanager
def _owner(engine: Engine) -> Iterator[Connection]:
    """The owner: no scope, no policy applies (BYPASSRLS)."""
    with engine.connect() as conn, conn.begin():
        yield conn


def _reads(
    grid: str, tiles: list[tuple[int, int, int]], now: datetime
) -> dict[str, Callable[[Connection], Any]]:
    """name → one read on a connection."""

    def heat_tiles(kind: str) -> Callable[[Connection], int]:
        def run(conn: Connection) -> int:
            size = 0
            for z, x, y in tiles:
                p = heat.Params(kind=kind, z=z, x=x, y=y, filters=MapFilters(period="all"), now=now)
                size += len(heat.render(heat.fetch(conn, p), p))
            return size

        return run

    year = MapFilters(period="365d").dispute_filter(now)
    every = MapFilters(period="all").dispute_filter(now)
    return {
        "per-grid dispute counts, 365 days": lambda c: analysis.grid_dispute_counts(c, year),
        "per-grid dispute counts, all time": lambda c: analysis.grid_dispute_counts(c, every),
        f"heat tiles, disputes ({len(tiles)} tiles)": heat_tiles("disputes"),
        f"heat tiles, patrols ({len(tiles)} tiles)": heat_tiles("patrols"),
        "grid panel": lambda c: grid_panel.panel_data(c, grid, MapFilters(period="all"), now=now),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--out", default="bench/out/rls.json")
    add_scale_arguments(ap)
    args = ap.parse_args()
    n = args.repeat

    owner = make_engine(Settings(), bench_url(MAP_BENCH_DATABASE))
    ensure_demo(owner, args.scale, args.seed)
    app = make_engine(Settings(), bench_app_url(MAP_BENCH_DATABASE))
    with owner.connect() as conn:
        district, grid = _district_and_grid(conn)
        tiles = _tiles(conn, district, 12) + _tiles(conn, district, 14)
        sizes = conn.execute(
            text("SELECT (SELECT count(*) FROM grid), (SELECT count(*) FROM dispute),"
                 " (SELECT count(*) FROM dispute WHERE district_code = :d),"
                 " (SELECT count(*) FROM patrol_visit)"), {"d": district}
        ).one()  # fmt: skip
        last = conn.execute(text("SELECT max(reported_at) FROM dispute")).scalar()
    now = (last or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ)
    who = Scope(user="bench_rls", role="district", areas=(district,))
    print(
        f"database: {sizes[0]:,} grids, {sizes[1]:,} cases ({sizes[2]:,} in district {district}),"
        f" {sizes[3]:,} patrol visits; district user of {district} under RLS (app role) against"
        f" the owner without RLS; grid {grid}; {n} runs each"
    )
    reads = _reads(grid, tiles, now)
    rows: dict[str, dict[str, Any]] = {}
    print(f"\n{'read (ms)':<40}{'RLS p50':>9}{'p95':>8}{'owner p50':>11}{'p95':>8}{'ratio':>8}")
    for name, read in reads.items():
        with scoped_transaction(app, who) as conn:
            rls, _ = timed(lambda read=read, conn=conn: read(conn), n)
        with _owner(owner) as conn:
            plain, _ = timed(lambda read=read, conn=conn: read(conn), n)
        r, o = pct(rls), pct(plain)
        ratio = r["p50"] / o["p50"] if o["p50"] else float("nan")
        rows[name] = {"rls": r, "owner": o, "ratio_p50": ratio}
        print(f"{name:<40}{r['p50']:>9.1f}{r['p95']:>8.1f}{o['p50']:>11.1f}{o['p95']:>8.1f}"
              f"{ratio:>7.2f}×")  # fmt: skip
    worst = max(rows.items(), key=lambda kv: kv[1]["ratio_p50"])
    print(f"\nratio RLS / owner (p50): worst {worst[1]['ratio_p50']:.2f}× ({worst[0]});"
          " target ≤ 1.2×")  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "scale": args.scale,
                "seed": args.seed,
                "grids": sizes[0],
                "cases": sizes[1],
                "district": district,
                "grid": grid,
                "tiles": len(tiles),
                "repeat": n,
                "reads": rows,
            },
            indent=2,
            ensure_ascii=False,
        ),  # fmt: skip
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()

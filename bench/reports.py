"""Area report benchmark: generation time per format for one district and for the whole city.

    python -m bench.reports [--repeat 3] [--scale full|small] [--seed N]   (from the repo root)

On the map benches' database (``zongzhi_map_bench``, or ZONGZHI_BENCH_DATABASE_URL; an empty
database first gets the demo at ``--scale``), as the app's role with a city-wide scope (row-level
security and masking on, as ``zongzhi report --as`` and the map's download buttons run it), the
period being the 365 days up to the newest case: ``reports.build.build`` to a file in each format
(pdf, xlsx, gpkg, csv) for the busiest district and for the city, each in a transaction that is
rolled back (no audit rows left). The named baselines, same run: reading the report's data alone —
the report's tables (``reports.data.gather``, what the PDF and the workbook are drawn from) and
the case rows (``geodata.read.reports.dispute_layer``, what the GeoPackage and the CSV write).
Targets at full scale: PDF ≤ 10 s for a district, ≤ 30 s for the city. The first call of each is
shown apart (fonts and templates load once per process). It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from bench.common import (
    MAP_BENCH_DATABASE,
    add_scale_arguments,
    bench_app_url,
    bench_url,
    ensure_demo,
    pct,
    timed,
)
from domain.scope import Scope
from geodata.db.engine import make_engine
from geodata.db.scope import apply_scope
from geodata.read import reports as reading
from geodata.settings import Settings
from reports.build import FORMATS, build
from reports.data import ReportRequest, area_of, gather

BUSIEST_DISTRICT = text(
    "SELECT a.code, a.name FROM admin_area a WHERE a.level = 'district'"
    " ORDER BY (SELECT count(*) FROM dispute d WHERE d.district_code = a.code) DESC, a.code LIMIT 1"
)
PERIOD_END = text("SELECT (max(timezone('Asia/Shanghai', reported_at)))::date FROM dispute")


def main() -> None:  # noqa: PLR0915 — one linear report
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default="bench/out/reports.json")
    add_scale_arguments(ap)
    args = ap.parse_args()

    owner = make_engine(Settings(), bench_url(MAP_BENCH_DATABASE))
    ensure_demo(owner, args.scale, args.seed)
    app = make_engine(Settings(), bench_app_url(MAP_BENCH_DATABASE))
    with owner.connect() as c:
        city, city_name = c.execute(
            text("SELECT code, name FROM admin_area WHERE level = 'city'")
        ).one()
        district, district_name = c.execute(BUSIEST_DISTRICT).one()
        end = c.execute(PERIOD_END).scalar()
    start = end - timedelta(days=364)
    scope = Scope(user="bench", role="city", areas=(city,))
    folder = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    print(f"period {start} .. {end}; app role, city-wide scope")

    def in_rolled_back(work: Callable[[Connection], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with app.connect() as conn:
                tx = conn.begin()
                try:
                    apply_scope(conn, scope)
                    return work(conn)
                finally:
                    tx.rollback()

        return run

    figures: dict[str, Any] = {
        "scale": args.scale,
        "seed": args.seed,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "period": [start.isoformat(), end.isoformat()],
        "cases in the period": {},
    }
    header = f"{'':<44}{'first':>9}{'p50':>9}{'p95':>9}{'size':>12}"
    for label, code, name in (("district", district, district_name), ("city", city, city_name)):
        request = ReportRequest(code, start, end)
        with app.connect() as conn, conn.begin():
            apply_scope(conn, scope)
            _, level = area_of(conn, code)
            cases = gather(conn, request).kpis["cases"]
        figures["cases in the period"][label] = cases
        print(f"\n{label}: {name} ({code}), {cases:,} cases in the period;"
              f" {args.repeat} runs each (ms)")  # fmt: skip
        print(header)
        prefix = reading.prefix_of(code, level)
        runs: dict[str, Callable[[], Any]] = {
            "baseline: read the report's tables (gather)": in_rolled_back(
                lambda conn, request=request: gather(conn, request)
            ),
            "baseline: read the case rows (dispute_layer)": in_rolled_back(
                lambda conn, prefix=prefix, request=request: reading.dispute_layer(
                    conn, prefix, request.dispute_filter()
                )
            ),
        }
        for fmt in FORMATS:
            path = str(folder / f"{label}.{fmt}")
            runs[fmt] = in_rolled_back(
                lambda conn, fmt=fmt, path=path, request=request: build(
                    conn, request, fmt, path, user="bench", role="city"
                )
            )
        for name_, fn in runs.items():
            t0 = time.perf_counter()
            fn()
            first = (time.perf_counter() - t0) * 1000
            times, _ = timed(fn, args.repeat, warm_up=False)
            stats = {**pct(times), "first": first}
            size = ""
            if name_ in FORMATS:
                stats["bytes"] = os.path.getsize(folder / f"{label}.{name_}")
                size = f"{stats['bytes']:,}"
            figures[f"{label}: {name_}"] = stats
            print(f"{name_:<44}{first:>9.0f}{stats['p50']:>9.0f}{stats['p95']:>9.0f}{size:>12}")
        read = figures[f"{label}: baseline: read the report's tables (gather)"]["p50"]
        rows = figures[f"{label}: baseline: read the case rows (dispute_layer)"]["p50"]
        ratios = {
            "pdf": figures[f"{label}: pdf"]["p50"] / read,
            "xlsx": figures[f"{label}: xlsx"]["p50"] / read,
            "gpkg": figures[f"{label}: gpkg"]["p50"] / rows,
            "csv": figures[f"{label}: csv"]["p50"] / rows,
        }
        figures[f"{label}: ratio format / its data read (p50)"] = ratios
        print("ratio format / reading its data alone (p50): "
              + ", ".join(f"{k} {v:.1f}x" for k, v in ratios.items()))  # fmt: skip
    pdf_d, pdf_c = figures["district: pdf"]["p95"], figures["city: pdf"]["p95"]
    print(f"\ntargets (full scale): PDF <= 10 s district, <= 30 s city; this run: district p95"
          f" {pdf_d / 1000:.1f} s, city p95 {pdf_c / 1000:.1f} s")  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

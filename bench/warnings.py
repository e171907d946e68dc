"""Early-warning benchmark: the demo's planted surges found, false alarms on quiet data, time.

    python -m bench.warnings [--repeat 10] [--scale full|small] [--seed N]   (from the repo root)

On its own database (``zongzhi_warning_bench`` in the embedded cluster, or
ZONGZHI_BENCH_DATABASE_URL; an empty database first gets the demo at ``--scale``), over the two
years of cases up to the demo's as_of (its seed and as_of are read back from the load's batch
record, the planted surges from ``etl.demo.surges.planted`` for that config):

(a) detection delay per planted surge: days from its onset to the first alert episode of its own
    area × type (and of the enclosing township for a community surge), or "missed"; each
    detection is checked on the live path too (``episodes_as_of`` on the day it opened);
(b) false alarms on quiet data: episodes of area × type pairs with no planted surge (a pair is
    not quiet when its area holds, or lies in, a surge's area for the same type), per district
    per week over the days the statistic can judge;
(c) whole-city time of what the daily job runs (``geodata.write.warnings.refresh``: read the
    daily counts, the statistic, store the episodes; rolled back), and of its parts, p50/p95,
    against a named baseline in the same run: reading the daily counts alone.

It prints the targets next to the figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from bench.common import add_scale_arguments, bench_url, ensure_demo, pct, timed
from domain import warning
from etl.demo import DemoConfig
from etl.demo.surges import PlantedSurge, planted
from geodata.db.engine import make_engine
from geodata.read import warnings as reading
from geodata.settings import Settings
from geodata.write import warnings as writing

WARNING_BENCH_DATABASE = "zongzhi_warning_bench"
DELAY_TARGET_DAYS = 14
FALSE_ALARM_TARGET = 0.1  # per district per week
TIME_TARGET_MS = 2_000


def demo_config(conn: Connection, scale: str) -> DemoConfig:
    """The config the demo in the database was built with: seed and as_of from the disputes'
    batch record; the scale whose case count matches (else ``scale``)."""
    opts = conn.execute(
        text(
            "SELECT options FROM etl_batch WHERE source_file = 'demo:disputes'"
            " ORDER BY id DESC LIMIT 1"
        )
    ).scalar()
    if not opts or "as_of" not in opts:
        raise SystemExit("the bench database holds no demo load record (etl_batch)")
    as_of = date.fromisoformat(opts["as_of"])
    cases = conn.execute(text("SELECT count(*) FROM dispute")).scalar()
    for name in ("full", "small"):
        cfg = DemoConfig.for_scale(name, int(opts["seed"]), as_of)
        if cfg.disputes == cases:
            return cfg
    return DemoConfig.for_scale(scale, int(opts["seed"]), as_of)


def _nested(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def attribute(
    series: reading.Series, found: list[warning.Episode], surges: list[PlantedSurge]
) -> tuple[list[dict[str, Any]], list[warning.Episode], list[warning.Episode]]:
    """(per surge: delays; episodes of quiet pairs; episodes of surge pairs outside the surge)."""
    close = warning.DEFAULT.close_after_days
    rows = []
    claimed: set[int] = set()
    for s in surges:
        row: dict[str, Any] = {
            "area_code": s.area_code, "level": s.level, "type_code": s.type_code,
            "onset": s.onset.isoformat(), "days": s.days, "shape": s.shape, "size": s.size,
            "story": s.story,
        }  # fmt: skip
        for label, match in (
            ("own", lambda code, s=s: code == s.area_code),
            ("township", lambda code, s=s: code == s.area_code[:9]),
        ):
            if label == "township" and s.level == "township":
                continue
            hits = [
                (k, e)
                for k, e in enumerate(found)
                if series.types[e.series] == s.type_code
                and match(series.areas[e.series])
                and s.onset <= e.last_alarm
                and e.opened <= s.last_day + timedelta(days=close)
            ]
            first = min((e for _k, e in hits), key=lambda e: e.opened, default=None)
            row[f"{label}_delay_days"] = None if first is None else (first.opened - s.onset).days
            if first is not None and label == "own":
                row["opened"] = first.opened.isoformat()
                row["method"] = first.method
                row["peak_observed"] = first.observed
                row["peak_expected"] = round(first.expected, 2)
        rows.append(row)
        # Every episode of the type in an area nested with the surge's, while it runs, is its.
        claimed.update(
            k
            for k, e in enumerate(found)
            if series.types[e.series] == s.type_code
            and _nested(series.areas[e.series], s.area_code)
            and s.onset <= e.last_alarm
            and e.opened <= s.last_day + timedelta(days=close)
        )
    quiet, outside = [], []
    for k, e in enumerate(found):
        if k in claimed:
            continue
        area, ty = series.areas[e.series], series.types[e.series]
        if any(ty == s.type_code and _nested(area, s.area_code) for s in surges):
            outside.append(e)
        else:
            quiet.append(e)
    return rows, quiet, outside


def main() -> None:  # noqa: PLR0915 — one linear report
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--out", default="bench/out/warnings.json")
    add_scale_arguments(ap)
    args = ap.parse_args()

    engine = make_engine(Settings(), bench_url(WARNING_BENCH_DATABASE))
    ensure_demo(engine, args.scale, args.seed)
    figures: dict[str, Any] = {"scale": args.scale, "seed": args.seed}
    with engine.connect() as conn:
        cfg = demo_config(conn, args.scale)
        as_of = cfg.as_of
        surges = planted(cfg)
        series = reading.daily_counts(conn, as_of)
        found = reading.detect(series)
        township = [k for k, lv in enumerate(series.levels) if lv == "township"]
        cases = int(series.counts[township].sum())
        districts = conn.execute(
            text("SELECT count(*) FROM admin_area WHERE level = 'district'")
        ).scalar()
        # The demo as found in the database (measured as it is, whatever --scale and --seed say).
        figures["demo"] = {"scale": "full" if cfg.totals else "small", "seed": cfg.seed,
                           "as_of": as_of.isoformat(), "districts": districts}  # fmt: skip
        print(
            f"demo seed {cfg.seed}, as_of {as_of} ({figures['demo']['scale']} scale):"
            f" {cases:,} cases (in township series of 5 or more) over {reading.HISTORY_DAYS}"
            f" days; {len(series.areas):,} area × type series (community and township);"
            f" {len(found)} episodes;"
            f" {len(surges)} planted surges"
        )

        # (a) detection delay per planted surge.
        rows, quiet, outside = attribute(series, found, surges)
        print(f"\n(a) detection delay (target: every surge within {DELAY_TARGET_DAYS} days)")
        print(f"{'area':<13}{'type':<12}{'shape':<6}{'size':>5}{'onset':>12}  {'delay':<8}"
              f"{'township':<9}{'method':<9}live")  # fmt: skip
        for row in rows:
            own, town = row["own_delay_days"], row.get("township_delay_days")
            live = None
            if own is not None:
                day = date.fromisoformat(row["opened"])
                live = any(
                    e["area_code"] == row["area_code"] and e["type_code"] == row["type_code"]
                    for e in reading.episodes_as_of(conn, day, row["area_code"])
                )
                row["live_check"] = live
            print(
                f"{row['area_code']:<13}{row['type_code']:<12}{row['shape']:<6}{row['size']:>5}"
                f"{row['onset']:>12}  {'missed' if own is None else f'{own} d':<8}"
                f"{'—' if row['level'] == 'township' else ('missed' if town is None else f'{town} d'):<9}"
                f"{row.get('method', '—'):<9}{'—' if live is None else ('yes' if live else 'NO')}"
            )
        delays = [r["own_delay_days"] for r in rows]
        met = bool(rows) and all(d is not None and d <= DELAY_TARGET_DAYS for d in delays)
        figures["surges"] = rows
        figures["delay_target_met"] = met
        print(f"  flagged {sum(d is not None for d in delays)} of {len(rows)};"
              f" within {DELAY_TARGET_DAYS} days: {met}")  # fmt: skip

        # (b) false alarms on quiet pairs, over the days the statistic judges.
        p = warning.DEFAULT
        judged_days = reading.HISTORY_DAYS - (p.window_days + p.guard_days + p.baseline_days - 1)
        weeks = judged_days / 7
        rate = len(quiet) / (districts * weeks) if districts and weeks > 0 else float("nan")
        by_level = {
            lv: sum(series.levels[e.series] == lv for e in quiet)
            for lv in ("community", "township")
        }
        by_method = {m: sum(e.method == m for e in quiet) for m in ("ears_c2", "nb_cusum")}
        by_type: dict[str, int] = {}
        for e in quiet:
            by_type[series.types[e.series]] = by_type.get(series.types[e.series], 0) + 1
        print(
            f"\n(b) false alarms on quiet pairs (target: ≤ {FALSE_ALARM_TARGET} per district per week)"
        )
        print(
            f"  {len(quiet)} episodes on quiet area × type pairs over {judged_days} judged days"
            f" ({weeks:.1f} weeks) × {districts} districts: {rate:.3f} per district per week"
        )
        print(f"  by level {by_level}; by method {by_method}")
        print(f"  by type {dict(sorted(by_type.items(), key=lambda kv: -kv[1]))}")
        print(f"  episodes on surge pairs outside their surge: {len(outside)}")
        figures["false_alarms"] = {
            "episodes": len(quiet), "judged_days": judged_days, "districts": districts,
            "per_district_per_week": rate, "target_met": rate <= FALSE_ALARM_TARGET,
            "by_level": by_level, "by_method": by_method, "by_type": by_type,
            "surge_pairs_outside_surge": len(outside),
        }  # fmt: skip
    # (c) time: what the daily job runs, its parts, and the baseline, in the same run.
    print(f"\n(c) whole city, {reading.HISTORY_DAYS} days (target: ≤ {TIME_TARGET_MS:,} ms);"
          f" {args.repeat} runs each (ms){'':<4}{'p50':>8}{'p95':>8}{'max':>8}")  # fmt: skip
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            runs = {
                "baseline: read the daily counts": lambda: reading.daily_counts(conn, as_of),
                "the statistic alone (detect)": lambda: reading.detect(series),
                "read + statistic": lambda: reading.detect(reading.daily_counts(conn, as_of)),
                "daily job (refresh: read, statistic, store)": lambda: writing.refresh(conn, as_of),
            }
            for name, fn in runs.items():
                times, _ = timed(fn, args.repeat)
                figures[name] = stats = pct(times)
                print(f"  {name:<56}{stats['p50']:>8.1f}{stats['p95']:>8.1f}{stats['max']:>8.1f}")
        finally:
            tx.rollback()
    base = figures["baseline: read the daily counts"]["p50"]
    job = figures["daily job (refresh: read, statistic, store)"]
    figures["ratio daily job / baseline (p50)"] = job["p50"] / base
    print(
        f"  ratio daily job / baseline (p50): {job['p50'] / base:.1f}x;"
        f" daily job p95 within {TIME_TARGET_MS:,} ms: {job['p95'] <= TIME_TARGET_MS}"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()

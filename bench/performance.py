"""Performance-page benchmark: department and mediation figures, and the guide's lookup.

    python -m bench.performance [--repeat 20] [--scale full|small] [--seed N]   (from the repo root)

On its own database (``zongzhi_perf_bench`` in the embedded cluster, or
ZONGZHI_BENCH_DATABASE_URL; an empty database first gets the demo at ``--scale``), as the app's
role with a city-wide scope (row-level security on): p50/p95 of
``geodata.read.performance.departments`` and ``.mediation`` over the last 30 days, the last 365
days and all time, against two baselines in the same run: counting the visible cases (the floor
any figure over them pays under row-level security), and the naive path — read every visible
case's columns into pandas and compute the department figures there (working days mapped through
the same calendar), checked to agree with ours. Then the guide's lookup (one exact match, one miss).
Times are wall time of the Python call. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from bench.common import add_scale_arguments, bench_app_url, bench_url, ensure_demo, pct, timed
from domain import workdays
from domain.clock import LOCAL_TZ
from domain.scope import Scope
from geodata.db.engine import make_engine
from geodata.db.scope import apply_scope
from geodata.read import guide, performance
from geodata.settings import Settings

PERF_BENCH_DATABASE = "zongzhi_perf_bench"
# What any figure over the caller's cases costs at least: counting them under row-level security.
COUNT = text(
    "SELECT count(*) FROM dispute WHERE status <> 'merged'"
    " AND (CAST(:start AS timestamptz) IS NULL OR assigned_at >= CAST(:start AS timestamptz))"
)
RAW = text(
    "SELECT lead_department, status, assigned_at, due_at, resolved_at, outcome_code, satisfaction"
    " FROM dispute WHERE status <> 'merged' AND lead_department IS NOT NULL"
    " AND assigned_at IS NOT NULL"
    " AND (CAST(:start AS timestamptz) IS NULL OR assigned_at >= CAST(:start AS timestamptz))"
)


def pandas_departments(conn: Connection, start: datetime | None, now: datetime) -> pd.DataFrame:
    """The baseline: every case of the period into pandas, then the same figures there."""
    df = pd.DataFrame(conn.execute(RAW, {"start": start}).mappings().all())
    if df.empty:
        return df
    for col in ("assigned_at", "due_at", "resolved_at"):
        df[col] = pd.to_datetime(df[col], utc=True)
    resolved = df["resolved_at"].notna()
    overdue = df["status"].isin(("assigned", "in_progress")) & (df["due_at"] < pd.Timestamp(now))
    df["on_time"] = resolved & (df["resolved_at"] <= df["due_at"])
    df["on_time_of"] = df["due_at"].notna() & (resolved | overdue)
    df["days"] = ((df["resolved_at"] - df["assigned_at"]).dt.total_seconds() / 86400).clip(lower=0)
    a_day = df["assigned_at"].dt.tz_convert(LOCAL_TZ).dt.date
    r_day = df["resolved_at"].dt.tz_convert(LOCAL_TZ).dt.date
    first = min(a_day.min(), now.date())
    last = max(r_day.dropna().max() if resolved.any() else first, now.date())
    ordinal = dict(workdays.workday_ordinals(first, last))
    df["workdays"] = (r_day.map(ordinal) - a_day.map(ordinal)).clip(lower=0)
    return df.groupby("lead_department").agg(
        cases_led=("status", "size"),
        on_time=("on_time", "sum"),
        on_time_of=("on_time_of", "sum"),
        avg_days=("days", "mean"),
        avg_workdays=("workdays", "mean"),
        satisfaction=("satisfaction", "mean"),
    )


def _agree(ours: list[dict], theirs: pd.DataFrame) -> bool:
    for row in ours:
        if not row["cases_led"]:
            continue
        other = theirs.loc[row["code"]]
        if (row["cases_led"], row["on_time"], row["on_time_of"]) != (
            other["cases_led"],
            other["on_time"],
            other["on_time_of"],
        ):
            return False
        for key in ("avg_days", "avg_workdays", "satisfaction"):
            a, b = row[key], other[key]
            if (a is None) != bool(pd.isna(b)) or (a is not None and not np.isclose(a, b)):
                return False
    return True


def main() -> None:  # noqa: PLR0915 — one linear report
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--out", default="bench/out/performance.json")
    add_scale_arguments(ap)
    args = ap.parse_args()
    n = args.repeat

    owner = make_engine(Settings(), bench_url(PERF_BENCH_DATABASE))
    ensure_demo(owner, args.scale, args.seed)
    app = make_engine(Settings(), bench_app_url(PERF_BENCH_DATABASE))
    figures: dict[str, Any] = {"scale": args.scale, "seed": args.seed}
    with owner.connect() as c:
        city = c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
        sizes = c.execute(
            text(
                "SELECT count(*), count(assigned_at), count(mediation_room_id),"
                " (SELECT count(*) FROM department), (SELECT count(*) FROM mediation_room)"
                " FROM dispute"
            )
        ).one()
        sample = c.execute(
            text(
                "SELECT source_ref, right(regexp_replace(reporter_phone, '[^0-9]', '', 'g'), 4)"
                " FROM dispute WHERE reporter_phone IS NOT NULL ORDER BY id LIMIT 1"
            )
        ).first()
    figures["cases"] = sizes[0]
    print(
        f"database: {sizes[0]:,} cases ({sizes[1]:,} handed over, {sizes[2]:,} to mediation),"
        f" {sizes[3]} departments, {sizes[4]} mediation rooms; city-wide scope, app role"
    )
    now = datetime.now(LOCAL_TZ)
    periods = {
        "30 days": now - timedelta(days=30),
        "365 days": now - timedelta(days=365),
        "all": None,
    }
    print(f"\n{n} runs each (ms){'':<26}{'p50':>8}{'p95':>8}{'max':>8}")
    with app.connect() as conn, conn.begin():
        apply_scope(conn, Scope(user="bench", role="city", areas=(city,)))
        for label, start in periods.items():
            rows = []

            def ours(start=start):  # noqa: ANN001, ANN202
                return performance.departments(conn, start=start, now=now)

            def baseline(start=start):  # noqa: ANN001, ANN202
                return pandas_departments(conn, start, now)

            def mediation(start=start):  # noqa: ANN001, ANN202
                return performance.mediation(conn, start=start, now=now)

            def floor(start=start):  # noqa: ANN001, ANN202
                return conn.execute(COUNT, {"start": start}).scalar()

            for name, fn in (
                ("visible-case count (floor)", floor),
                ("departments", ours),
                ("pandas baseline", baseline),
                ("mediation", mediation),
            ):
                times, result = timed(fn, n)
                stats = pct(times)
                figures[f"{name}, {label}"] = stats
                print(
                    f"{name + ', ' + label:<44}{stats['p50']:>8.1f}{stats['p95']:>8.1f}{stats['max']:>8.1f}"
                )
                if name != "visible-case count (floor)":
                    rows.append(result)
            ratio = (
                figures[f"pandas baseline, {label}"]["p50"]
                / figures[f"departments, {label}"]["p50"]
            )
            agree = rows[1].empty or _agree(rows[0], rows[1])
            figures[f"ratio baseline / ours, {label}"] = ratio
            floor_ratio = (
                figures[f"departments, {label}"]["p50"]
                / figures[f"visible-case count (floor), {label}"]["p50"]
            )
            figures[f"ratio ours / count floor, {label}"] = floor_ratio
            print(
                f"  ratio pandas / ours (p50): {ratio:.1f}x; ours / count floor: {floor_ratio:.1f}x;"
                f" figures agree: {agree}"
            )
        if sample:
            for label, last4 in (
                ("hit", sample[1]),
                ("miss", "0000" if sample[1] != "0000" else "1111"),
            ):
                times, _ = timed(lambda last4=last4: guide.lookup(conn, sample[0], last4), n)
                figures[f"guide lookup, {label}"] = stats = pct(times)
                print(
                    f"{'guide lookup, ' + label:<44}{stats['p50']:>8.1f}{stats['p95']:>8.1f}{stats['max']:>8.1f}"
                )
        else:
            print("guide lookup: skipped (no case has a reporter's phone)")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

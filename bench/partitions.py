"""Does partitioning disputes by time pay? The map's per-grid counts and the desk's queue on
the same rows, in a plain table and in one partitioned by year of ``reported_at``.

    python -m bench.partitions [--scale small|full] [--copies 10] [--repeat 20] [--out ...]

The demo's cases (two years) are copied ``--copies`` times, each copy two years further back
(ids offset; an older copy's open cases closed, as history would have them), into two schemas:
``bench_flat.dispute`` (a plain table) and ``bench_part.dispute`` (partitioned by year), both with
the non-unique indexes of ``public.dispute``. Then the real queries (``geodata.read.analysis.
grid_dispute_counts``, ``geodata.read.dispatch.queue``) run against each through
``search_path``, as the owner (row-level security adds the same to both). Uses its own database
``zongzhi_partition_bench`` (or ZONGZHI_BENCH_DATABASE_URL); asserts nothing.
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Connection, text

from bench.common import add_scale_arguments, bench_url, ensure_demo, pct, timed
from geodata.db.engine import make_engine
from geodata.read.analysis import grid_dispute_counts
from geodata.read.areas import DisputeFilter
from geodata.read.dispatch import QueueFilter, queue
from geodata.settings import Settings

SCHEMAS = ("bench_flat", "bench_part")
SPAN_YEARS = 2  # the demo's history


def build(conn: Connection, copies: int) -> dict[str, int]:
    """Both copies of the synthetic dispute table; rows and partitions made."""
    indexes = conn.execute(
        text(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'dispute'"
            " AND indexdef NOT LIKE 'CREATE UNIQUE%'"
        )
    ).scalars()
    indexes = list(indexes)
    for schema in SCHEMAS:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    conn.execute(text("CREATE TABLE bench_flat.dispute (LIKE public.dispute INCLUDING DEFAULTS)"))
    conn.execute(
        text(
            "CREATE TABLE bench_part.dispute (LIKE public.dispute INCLUDING DEFAULTS)"
            " PARTITION BY RANGE (reported_at)"
        )
    )
    first, last = conn.execute(
        text("SELECT min(reported_at), max(reported_at) FROM public.dispute")
    ).one()
    low = first.year - SPAN_YEARS * (copies - 1)
    for year in range(low, last.year + 1):
        conn.execute(
            text(
                f"CREATE TABLE bench_part.dispute_{year} PARTITION OF bench_part.dispute"
                f" FOR VALUES FROM ('{year}-01-01') TO ('{year + 1}-01-01')"
            )
        )
    cols = conn.execute(
        text(
            "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position)"
            " FROM information_schema.columns WHERE table_schema = 'public'"
            " AND table_name = 'dispute'"
        )
    ).scalar_one()
    shifted = {
        "id": "id + :k * 100000000",
        "reported_at": "reported_at - :k * interval '2 years'",
        "due_at": "due_at - :k * interval '2 years'",
        "resolved_at": "resolved_at - :k * interval '2 years'",
        "status": "CASE WHEN :k > 0 AND status IN ('received', 'assigned', 'in_progress')"
        " THEN 'archived' ELSE status END",
        "source_ref": "source_ref || CASE WHEN :k > 0 THEN '#' || :k ELSE '' END",
    }
    select = ", ".join(shifted.get(c.strip('"'), c) for c in cols.split(", "))
    for schema in SCHEMAS:
        for k in range(copies):
            conn.execute(
                text(
                    f"INSERT INTO {schema}.dispute ({cols}) SELECT {select} FROM public.dispute"  # noqa: S608
                ),
                {"k": k},
            )
        conn.execute(text(f"ALTER TABLE {schema}.dispute ADD PRIMARY KEY (id, reported_at)"))
        for ddl in indexes:  # index names live in the table's schema: no clash
            conn.execute(text(ddl.replace(" ON public.dispute ", f" ON {schema}.dispute ")))
        conn.execute(text(f"ANALYZE {schema}.dispute"))
    rows = conn.execute(text("SELECT count(*) FROM bench_flat.dispute")).scalar_one()
    return {"rows": int(rows), "partitions": last.year + 1 - low}


def measure(conn: Connection, schema: str, repeat: int) -> dict[str, dict[str, float]]:
    """p50/p95 of each query with ``dispute`` resolving to ``schema.dispute``."""
    conn.execute(text(f"SET search_path = {schema}, public"))
    now = conn.execute(text("SELECT max(reported_at) FROM dispute")).scalar_one()
    windows = {
        "grid counts, last 30 days": DisputeFilter(start=now - timedelta(days=30), end=now),
        "grid counts, last 365 days": DisputeFilter(start=now - timedelta(days=365), end=now),
        "grid counts, all time": DisputeFilter(),
    }
    out: dict[str, dict[str, float]] = {}
    results: dict[str, object] = {}
    for name, flt in windows.items():
        times, results[name] = timed(lambda f=flt: grid_dispute_counts(conn, f), repeat)
        out[name] = pct(times)
    times, results["queue"] = timed(lambda: queue(conn, QueueFilter(), now=now), repeat)
    out["desk queue (open cases)"] = pct(times)
    conn.execute(text("SET search_path = public"))
    out["_checksum"] = {
        k: hash(json.dumps(v, default=str, sort_keys=True)) for k, v in results.items()
    }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--out", default="bench/out/partitions.json")
    add_scale_arguments(ap)
    args = ap.parse_args()
    engine = make_engine(Settings(), bench_url("zongzhi_partition_bench"))
    ensure_demo(engine, args.scale, args.seed)
    with engine.begin() as conn:
        made = build(conn, args.copies)
    print(f"{made['rows']:,} disputes in each table; {made['partitions']} yearly partitions")
    figures: dict[str, dict] = {}
    with engine.connect() as conn:
        for schema in SCHEMAS:
            figures[schema] = measure(conn, schema, args.repeat)
            conn.rollback()
    same = figures["bench_flat"].pop("_checksum") == figures["bench_part"].pop("_checksum")
    print(f"\n{'query':<30}{'plain p50/p95 ms':>20}{'partitioned p50/p95 ms':>26}{'ratio':>8}")
    for name, flat in figures["bench_flat"].items():
        part = figures["bench_part"][name]
        print(
            f"{name:<30}{flat['p50']:>10.1f} /{flat['p95']:>7.1f}"
            f"{part['p50']:>16.1f} /{part['p95']:>7.1f}{part['p50'] / flat['p50']:>8.2f}"
        )
    print(f"same answers from both tables: {same}")
    with engine.begin() as conn:
        for schema in SCHEMAS:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "scale": args.scale,
                "seed": args.seed,
                "copies": args.copies,
                **made,
                "figures": figures,
                "same": same,
            },
            indent=2,
        )  # fmt: skip
    )
    print(f"figures written to {out}")


if __name__ == "__main__":
    main()

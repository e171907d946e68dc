"""Load generated demo data through the same path ``zongzhi load`` uses.

Each loadable kind goes through ``etl.load.load_table`` (validation, binary COPY into staging,
checks and grid assignment in PostGIS, upsert, batch accounting); the tables that hang off them
by natural key go through ``geodata.load.related``. One transaction: a failed demo load leaves the
previous data in place.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, Engine

from etl.demo import DEMO_EXTRA, DEMO_KINDS, DEMO_TABLES, DemoConfig, DemoData, generate
from etl.load import LoadSummary, Prepared, load_table, prepare
from etl.readers import SourceTable
from geodata.load import bulk, derive, related
from geodata.load.plans import TARGET_TABLE

# Parents before children: the load order of the generator's kinds and extra tables.
KIND_ORDER = DEMO_KINDS
RELATED_ORDER = DEMO_EXTRA

Progress = Callable[[str, float, int], None]


def already_loaded(engine: Engine) -> bool:
    """True when the database already holds areas (a previous demo load or a real import)."""
    with engine.connect() as conn:
        return bulk.has_rows(conn, "admin_area")


def _source(kind: str, frame: Any) -> SourceTable:
    return SourceTable(
        frame=frame,
        source_crs="EPSG:4326",
        encoding=None,
        layer=None,
        unmapped_columns=[],
        source_file=f"demo:{kind}",
    )


def _load_kinds(
    conn: Connection,
    cfg: DemoConfig,
    sources: dict[str, SourceTable],
    ahead: dict[str, Future[Prepared]],
    report: dict[str, Any],
    progress: Progress | None,
) -> None:
    for kind in KIND_ORDER:
        t0 = time.perf_counter()
        summary: LoadSummary
        summary, _ = load_table(
            conn,
            kind,
            sources[kind],
            options={"seed": cfg.seed, "as_of": cfg.as_of.isoformat()},
            prepared=ahead[kind].result(),
        )
        report["kinds"][kind] = summary.as_dict()
        report["seconds"][kind] = round(time.perf_counter() - t0, 3)
        if progress:
            progress(kind, report["seconds"][kind], summary.read)


def load_data(
    conn: Connection, cfg: DemoConfig, data: DemoData, progress: Progress | None = None
) -> dict[str, Any]:
    """Replace the demo tables with ``data`` inside the caller's transaction."""
    report: dict[str, Any] = {"kinds": {}, "related": {}, "seconds": {}}
    started = time.perf_counter()
    # dispute_event is append-only, so it is emptied by TRUNCATE (which fires no row trigger).
    bulk.truncate(conn, list(DEMO_TABLES))
    report["seconds"]["truncate"] = round(time.perf_counter() - started, 3)
    sources = {kind: _source(kind, data.kinds[kind]) for kind in KIND_ORDER}
    # Validation is pure Python: a worker thread validates the next kinds while this thread
    # waits on the database for the current one (the GIL is free during those waits).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="validate") as pool:
        ahead = {kind: pool.submit(prepare, kind, sources[kind]) for kind in KIND_ORDER}
        _load_kinds(conn, cfg, sources, ahead, report, progress)
    for table in RELATED_ORDER:
        t0 = time.perf_counter()
        given, inserted = related.load_related(conn, table, data.extra[table])
        report["related"][table] = {"given": given, "inserted": inserted}
        report["seconds"][table] = round(time.perf_counter() - t0, 3)
        if progress:
            progress(table, report["seconds"][table], given)
    t0 = time.perf_counter()
    # The case columns the histories decide (assignee, clocks, 督办 level, outcome …).
    report["derived"] = derive.case_columns(conn, rebuild_indexes=True)
    report["seconds"]["derive"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    # load_table analysed the tables of the kinds; the dependent tables still need statistics.
    bulk.analyze(conn, ["dispute", *RELATED_ORDER])
    report["seconds"]["analyze"] = round(time.perf_counter() - t0, 3)
    report["seconds"]["load_total"] = round(time.perf_counter() - started, 3)
    return report


def load_demo(engine: Engine, cfg: DemoConfig, progress: Progress | None = None) -> dict[str, Any]:
    """Generate and load the demo in one transaction; returns counts and timings."""
    t0 = time.perf_counter()
    data = generate(cfg)
    generated = round(time.perf_counter() - t0, 3)
    with engine.begin() as conn:
        report = load_data(conn, cfg, data, progress)
    report["seconds"]["generate"] = generated
    return report


def table_counts(report: dict[str, Any]) -> dict[str, int]:
    """Rows stored per table (for the CLI and tests)."""
    out = {
        TARGET_TABLE[k]: v["inserted"] + v["updated"] + v["unchanged"]
        for k, v in report["kinds"].items()
    }
    out.update({t: v["inserted"] for t, v in report["related"].items()})
    return out

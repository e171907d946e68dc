"""Case columns that follow from the history: after a load brings events (the demo; a re-load
of cases the desk has worked on), each case's workflow columns are set from its events in one
set-based UPDATE, as ``domain.workflow.decide`` would have set them event by event (assignee,
clocks, 督办 level, outcome code, 重办 count, version …). Rows that already agree are not
touched, so running it again changes nothing.

Due times count working days: the statement reads them from two temp tables filled here from
``domain.workdays`` (every day of the span with its running count of working days, and the
working days by that count), so SQL and Python agree on every holiday and adjusted workday.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, text

from domain import workdays
from domain.clock import TZ_NAME
from geodata.load.staging import STAGE
from geodata.sql import query

# Which cases: every case, or the cases of the batch being loaded (the staging table).
ALL = "SELECT id FROM dispute"
BATCH = (
    f"SELECT d.id FROM {STAGE} s JOIN dispute d"  # noqa: S608 — fixed names
    " ON d.source = s.source AND d.source_ref = s.source_ref WHERE s.reason IS NULL"
)
_SCOPES = (ALL, BATCH)


def _calendar(conn: Connection, first: date, last: date) -> None:
    """zz_workday(day, idx: working days up to and including it) and zz_nth(idx, day)."""
    days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    idx, count = [], 0
    work = []
    for day in days:
        if workdays.is_workday(day):
            count += 1
            work.append((count, day))
        idx.append(count)
    for ddl in (
        "DROP TABLE IF EXISTS zz_workday, zz_nth",
        "CREATE TEMP TABLE zz_workday (day date PRIMARY KEY, idx int NOT NULL) ON COMMIT DROP",
        "CREATE TEMP TABLE zz_nth (idx int PRIMARY KEY, day date NOT NULL) ON COMMIT DROP",
    ):
        conn.execute(text(ddl))
    conn.execute(
        text("INSERT INTO zz_workday SELECT * FROM unnest(CAST(:d AS date[]), CAST(:i AS int[]))"),
        {"d": days, "i": idx},
    )
    conn.execute(
        text("INSERT INTO zz_nth SELECT * FROM unnest(CAST(:i AS int[]), CAST(:d AS date[]))"),
        {"i": [i for i, _ in work], "d": [d for _, d in work]},
    )


def case_columns(conn: Connection, cases: str = ALL, *, rebuild_indexes: bool = False) -> int:
    """Set the workflow columns of ``cases`` (``ALL`` or ``BATCH``) from their events; returns
    how many cases changed. ``rebuild_indexes`` (a freshly loaded table, every case changing):
    drop the secondary indexes of ``dispute`` first and build them again after, one sorted
    build each instead of an entry per index per changed case."""
    if cases not in _SCOPES:
        raise ValueError("cases is ALL or BATCH")
    first, last, longest = conn.execute(
        text(query("load/derive_span").format(cases=cases)), {"tz": TZ_NAME}
    ).one()
    if first is None:
        if not conn.execute(
            text(f"SELECT EXISTS (SELECT 1 FROM dispute_event WHERE dispute_id IN ({cases}))")  # noqa: S608 — fixed scopes
        ).scalar():
            return 0
        first = last = date.today()
        longest = 1
    # Room for the longest limit in calendar days, holidays included.
    _calendar(conn, first - timedelta(days=1), last + timedelta(days=2 * int(longest) + 30))
    indexes = conn.execute(text(query("load/index_ddl")), {"t": "dispute"}).all()
    if rebuild_indexes:
        for drop, _create in indexes:
            conn.exec_driver_sql(drop)
    changed = conn.execute(
        text(query("load/derive_case_columns").format(cases=cases)), {"tz": TZ_NAME}
    ).rowcount
    if rebuild_indexes:
        for _drop, create in indexes:
            conn.exec_driver_sql(create)
    return changed

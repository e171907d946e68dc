"""Set-based load steps: a staging table per batch, checks in SQL, grid assignment, upsert.

The ETL layer describes *what* to load (a ``StageSpec``); this module is the only place that
turns it into SQL. Every identifier is checked against the models or the staging columns;
every value is a bound parameter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from psycopg import sql as psql
from sqlalchemy import Connection, text

from geodata.load import copybin
from geodata.load.bulk import check_names, has_rows
from geodata.sql import query

# Staging tables are UNLOGGED tables created and dropped inside the load's transaction (a failed
# load leaves none behind). Not TEMP: PostgreSQL never gives parallel workers a temp table, and
# the point→grid join runs ~4× faster with them. Two loads at once queue on the name.
STAGE = "zz_stage"
# Lookups (ids, codes, grids) land in a second temp table built in one pass, instead of UPDATEs
# of the staging table: updating millions of staged rows rewrites them and their indexes.
RESOLVED = "zz_resolved"


def grid_hit(where: str = "TRUE") -> str:
    """Subquery ``hit(rid, grid_code, district_code)``: the grid each staged point falls in.

    Driven from the polygons: one GiST probe of the staging index per grid, so the cost grows
    with the number of grids, not with points × grids, and each polygon is tested against its
    points one after another (PostGIS prepares it once). The ``OFFSET 0`` keeps the planner from
    flattening the per-grid subquery into a join it may drive from the points instead — one
    grid-index probe and one unprepared test per point: with 20.5 M staged points it chose that
    and took 298 s where this takes 61 s. A point on a shared edge goes to the grid with the
    smaller code, so the answer is deterministic. ``where`` is a fixed fragment over ``s2``.
    """
    return (
        "(SELECT DISTINCT ON (s2.rid) s2.rid, g.code AS grid_code, g.district_code"  # noqa: S608
        f" FROM grid g CROSS JOIN LATERAL (SELECT s2.rid FROM {STAGE} s2"
        f" WHERE ST_Intersects(g.geom, s2.geom) AND s2.reason IS NULL AND ({where})"
        " OFFSET 0) s2 ORDER BY s2.rid, g.code) hit"
    )


def resolve(conn: Connection, select_sql: str) -> None:
    """Build the lookup table from a fixed SELECT over the staging table (alias ``s``)."""
    raw = _raw(conn)
    raw.execute(psql.SQL("DROP TABLE IF EXISTS {}").format(_ident(RESOLVED)))
    conn.execute(text(f"CREATE UNLOGGED TABLE {RESOLVED} AS {select_sql}"))
    raw.execute(psql.SQL("CREATE UNIQUE INDEX ON {} (rid)").format(_ident(RESOLVED)))
    raw.execute(psql.SQL("ANALYZE {}").format(_ident(RESOLVED)))


def resolved_missing(column: str) -> str:
    """Condition for reject_where: the lookup found nothing for ``column``."""
    return f"s.rid IN (SELECT rid FROM {RESOLVED} WHERE {column} IS NULL)"  # noqa: S608


# Staging column types → PostgreSQL types; geometry arrives as EWKB and is cast on insert.
PG_TYPES = {
    "text": "text",
    "int4": "integer",
    "int8": "bigint",
    "float8": "double precision",
    "bool": "boolean",
    "timestamptz": "timestamptz",
    "date": "date",
    "geometry": "geometry",
    "jsonb": "jsonb",
}


@dataclass(frozen=True)
class StageSpec:
    """Columns of one batch's staging table; ``rid`` (row number in the file) is added."""

    columns: dict[str, str]  # name → staging type (keys of PG_TYPES)
    extra: dict[str, str] = field(default_factory=dict)  # filled by SQL steps, not by COPY


def _ident(name: str) -> psql.Identifier:
    return psql.Identifier(name)


def _raw(conn: Connection):  # noqa: ANN202
    return conn.connection.driver_connection


def tune_for_bulk(conn: Connection) -> None:
    """Session settings for one load transaction (SET LOCAL: they end with it).

    No statement timeout (the app's is for interactive pages); no JIT, whose compile time is
    paid again by every large statement of a load; room for sorts and index builds in memory.
    """
    for setting in (
        "SET LOCAL statement_timeout = 0",
        "SET LOCAL jit = off",
        "SET LOCAL work_mem = '256MB'",
        "SET LOCAL maintenance_work_mem = '1GB'",
        # Let the planner use both cores for the big joins even on small grid tables.
        "SET LOCAL parallel_setup_cost = 100",
        "SET LOCAL min_parallel_table_scan_size = 0",
    ):
        conn.execute(text(setting))


def drop_stage(conn: Connection) -> None:
    """Drop both staging tables (the end of every load; a rollback drops them too)."""
    raw = _raw(conn)
    for name in (RESOLVED, STAGE):
        raw.execute(psql.SQL("DROP TABLE IF EXISTS {}").format(_ident(name)))


def create_stage(conn: Connection, spec: StageSpec) -> None:
    """(Re)create the staging table with a reason column for rows rejected by SQL checks."""
    cols = {"rid": "int8", **spec.columns, **spec.extra}
    for t in cols.values():
        if t not in PG_TYPES:
            raise ValueError(f"unknown staging type {t!r}")
    body = psql.SQL(", ").join(
        psql.SQL("{} {}").format(_ident(name), psql.SQL(PG_TYPES[t])) for name, t in cols.items()
    )
    raw = _raw(conn)
    raw.execute(psql.SQL("DROP TABLE IF EXISTS {}").format(_ident(STAGE)))
    raw.execute(
        psql.SQL("CREATE UNLOGGED TABLE {} ({}, reason text, detail text)").format(
            _ident(STAGE), body
        )
    )


def _spread_bits(v: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """16-bit values with a zero bit put after each of their bits (Morton interleaving)."""
    v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
    v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
    v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
    return (v | (v << np.uint64(1))) & np.uint64(0x55555555)


def spatial_order(geoms: Any) -> npt.NDArray[np.intp]:
    """An order of ``geoms`` along a Z-order curve over their extent (by each one's bounding-box
    centre; missing or empty geometries first).

    Staging rows COPYed in this order lie on the heap near their neighbours, so the polygon-driven
    grid join reads each grid's points from a few pages instead of one page per point: with
    20 M staged points the table and its index outgrow ``shared_buffers`` and the random reads
    made the assignment grow 23–31× for 10× the points.
    """
    bounds = shapely.bounds(np.asarray(geoms, dtype=object))
    x = (bounds[:, 0] + bounds[:, 2]) / 2
    y = (bounds[:, 1] + bounds[:, 3]) / 2
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return np.arange(len(x))

    def cells(v: npt.NDArray[np.float64]) -> npt.NDArray[np.uint64]:
        lo, hi = v[ok].min(), v[ok].max()
        scaled = np.where(ok, (v - lo) / ((hi - lo) or 1.0) * 65535, 0)
        return np.clip(scaled, 0, 65535).astype(np.uint64)

    key = _spread_bits(cells(x)) | (_spread_bits(cells(y)) << np.uint64(1))
    key = np.where(ok, key + np.uint64(1), np.uint64(0))
    return np.argsort(key, kind="stable")


def fill_stage(conn: Connection, spec: StageSpec, frame: Any, rids: Any) -> int:
    """Binary-COPY the batch's accepted rows into staging; geometry as EWKB."""
    columns: dict[str, tuple[str, Any]] = {"rid": ("int8", rids)}
    for name, t in spec.columns.items():
        columns[name] = (t, frame[name])
    n = copybin.copy_columns(conn, STAGE, columns)
    raw = _raw(conn)
    if "geom" in spec.columns:
        # The polygon-driven joins below probe this index once per grid or area.
        raw.execute(psql.SQL("CREATE INDEX ON {} USING gist (geom)").format(_ident(STAGE)))
    raw.execute(psql.SQL("ANALYZE {}").format(_ident(STAGE)))
    return n


def reject_where(
    conn: Connection, reason: str, condition: str, detail_sql: str, **params: Any
) -> int:
    """Mark still-accepted staging rows matching ``condition`` with ``reason``.

    ``condition`` and ``detail_sql`` are fixed SQL fragments written in geodata (never input);
    values go in ``params``.
    """
    result = conn.execute(
        text(
            f"UPDATE {STAGE} s SET reason = :reason, detail = {detail_sql}"  # noqa: S608
            f" WHERE s.reason IS NULL AND ({condition})"
        ),
        {"reason": reason, **params},
    )
    return result.rowcount


def reject_unknown(
    conn: Connection, column: str, ref_table: str, ref_column: str, reason: str = "unknown_code"
) -> int:
    """Reject rows whose ``column`` is set but not found in ``ref_table.ref_column``."""
    check_names(ref_table, [ref_column])
    if column not in _stage_columns(conn):
        raise ValueError(f"no staging column {column!r}")
    condition = (
        f's."{column}" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "{ref_table}" r'  # noqa: S608
        f' WHERE r."{ref_column}" = s."{column}")'
    )
    return reject_where(
        conn, reason, condition, f"'{column}=' || s.\"{column}\" || ' 不存在 / not found'"
    )


def _stage_columns(conn: Connection) -> set[str]:
    rows = conn.execute(
        text(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:t)"
            " AND attnum > 0 AND NOT attisdropped"
        ),
        {"t": STAGE},
    ).scalars()
    return set(rows)


def rejects(conn: Connection) -> list[tuple[int, str, str]]:
    """(rid, reason, detail) of rows rejected by the SQL checks."""
    rows = conn.execute(
        text(f"SELECT rid, reason, detail FROM {STAGE} WHERE reason IS NOT NULL ORDER BY rid")  # noqa: S608
    ).all()
    return [(int(r), reason, detail or "") for r, reason, detail in rows]


@dataclass(frozen=True)
class Upsert:
    """How accepted staging rows become target rows."""

    table: str
    key: tuple[str, ...]
    # target column → SQL expression over staging alias ``s`` (fixed fragments from the ETL spec
    # tables, e.g. 's.code' or 'ST_Multi(s.geom)').
    columns: dict[str, str]
    joins: str = ""  # extra fixed JOIN clauses (e.g. to look up building ids)
    # Partitioned tables cannot return xmax, so new rows are counted before the insert instead.
    partitioned: bool = False


# ``alias.column`` references in an upsert expression ('s.code', 'r."grid_code"').
_REFERENCE = re.compile(r'\b([A-Za-z_]\w*)\."?([A-Za-z_]\w*)"?')


def _staged_inputs(expression: str) -> set[str] | None:
    """Staging columns an upsert expression reads, or None when it reads another alias."""
    refs = _REFERENCE.findall(expression)
    if any(alias != "s" for alias, _ in refs):
        return None
    return {column for _, column in refs}


def reject_constraint_violations(
    conn: Connection, spec: StageSpec, plan: Upsert, reason: str = "constraint_violation"
) -> int:
    """Mark staged rows that the target table's own constraints would refuse.

    The rules are read from the catalogue, so they are the table's: every CHECK constraint and
    every ``varchar(n)`` length, evaluated on the values the upsert would write (its column
    expressions over the staged row). Runs before the plan's checks, on target columns computed
    from copied staging columns alone; the lookups fill the others from the database. The
    detail names the constraint and shows the row's values. Returns the rows marked.
    """
    table = plan.table
    check_names(table, list(plan.columns))
    usable = {
        column: expression
        for column, expression in plan.columns.items()
        if (inputs := _staged_inputs(expression)) is not None and inputs <= set(spec.columns)
    }
    if not usable:
        return 0
    checks = conn.execute(text(query("load/check_constraints")), {"t": table}).all()
    columns = {
        name: (type_name, length)
        for name, type_name, length in conn.execute(
            text(query("load/column_types")), {"t": table}
        ).all()
    }
    # (label, condition over the computed row ``n``, columns it involves, what it requires)
    rules: list[tuple[str, str, list[str], str]] = []
    for name, expression, involved in checks:
        if involved and set(involved) <= set(usable):
            rules.append(
                (name, f"(({expression}) IS FALSE)", list(involved), f"CHECK ({expression})")
            )
    for column in usable:
        length = columns.get(column, (None, None))[1]
        if length:
            rules.append(
                (
                    f"{table}.{column} varchar({length})",
                    f'(length(CAST(n."{column}" AS text)) > {int(length)})',
                    [column],
                    f"at most {int(length)} characters",
                )
            )
    if not rules:
        return 0
    needed = sorted({c for _, _, involved, _ in rules for c in involved})
    # Values for the detail; geometries are left out (WKB says nothing to an operator).
    shown = [c for c in needed if not columns.get(c, ("",))[0].startswith("geometry")]
    computed = ", ".join(f'{usable[c]} AS "{c}"' for c in needed)
    which = " ".join(f"WHEN {cond} THEN {i}" for i, (_, cond, _, _) in enumerate(rules))
    values = "".join(f', CAST(n."{c}" AS text)' for c in shown)
    any_rule = " OR ".join(cond for _, cond, _, _ in rules)
    # Straight to the driver, with no parameters: the catalogue's expressions are SQL as they
    # stand ('::text', regular expressions, '%'), not for a bind-parameter parser to read.
    offenders = (
        _raw(conn)
        .execute(
            f"SELECT n.rid, CASE {which} END{values} FROM"  # noqa: S608 — catalogue and plan
            f" (SELECT s.rid, {computed} FROM {STAGE} s WHERE s.reason IS NULL) n"
            f" WHERE {any_rule} ORDER BY n.rid"
        )
        .fetchall()
    )
    if not offenders:
        return 0
    rids, details = [], []
    for rid, rule, *row in offenders:
        label, _, involved, requires = rules[rule]
        given = dict(zip(shown, row, strict=True))
        parts = [
            f"{c}={'NULL' if given[c] is None else repr(given[c][:60])}"
            for c in involved
            if c in given
        ]
        rids.append(int(rid))
        details.append(f"{label}: {requires}; " + (", ".join(parts) or "(geometry)"))
    conn.execute(
        text(
            f"UPDATE {STAGE} s SET reason = :reason, detail = d.detail"  # noqa: S608
            " FROM unnest(CAST(:rids AS bigint[]), CAST(:details AS text[])) AS d(rid, detail)"
            " WHERE s.rid = d.rid"
        ),
        {"reason": reason, "rids": rids, "details": details},
    )
    return len(rids)


def upsert(conn: Connection, plan: Upsert) -> tuple[int, int]:
    """INSERT … ON CONFLICT DO UPDATE only when something changed; returns (inserted, updated)."""
    check_names(plan.table, [*plan.columns, *plan.key])
    cols = list(plan.columns)
    target = ", ".join(f'"{c}"' for c in cols)
    select = ", ".join(plan.columns[c] for c in cols)
    changeable = [c for c in cols if c not in plan.key]
    sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in changeable)
    old = ", ".join(f't."{c}"' for c in changeable)
    new = ", ".join(f'EXCLUDED."{c}"' for c in changeable)
    conflict = ", ".join(f'"{k}"' for k in plan.key)
    accepted = accepted_count(conn)
    if accepted >= BULK_MIN_ROWS and not has_rows(conn, plan.table):
        return _bulk_insert(conn, plan, target, select), 0
    existing = 0
    if plan.partitioned:
        match = " AND ".join(f't."{k}" = {plan.columns[k]}' for k in plan.key)
        existing = int(
            conn.execute(
                text(
                    f"SELECT count(*) FROM {STAGE} s {plan.joins} WHERE s.reason IS NULL"  # noqa: S608
                    f' AND EXISTS (SELECT 1 FROM "{plan.table}" t WHERE {match})'
                )
            ).scalar()
        )
    returning = "TRUE" if plan.partitioned else "(xmax = 0)"
    # Identifiers checked against the models, expressions fixed in code.
    statement = query("load/upsert").format(  # noqa: S608
        table=plan.table,
        target=target,
        select=select,
        stage=STAGE,
        joins=plan.joins,
        conflict=conflict,
        sets=sets,
        old=old,
        new=new,
        returning=returning,
    )
    inserted, updated = conn.execute(text(statement)).one()
    if plan.partitioned:
        changed = int(inserted)
        inserted = accepted - existing
        updated = changed - inserted
    return int(inserted), int(updated)


# A first load of this many rows into an empty table takes the bulk path below.
BULK_MIN_ROWS = 50_000


def _bulk_insert(conn: Connection, plan: Upsert, target: str, select: str) -> int:
    """Into an empty table: drop foreign keys and secondary indexes, insert, then re-create them.

    Re-adding a foreign key checks all rows in one join and CREATE INDEX sorts once, where the
    row-by-row path pays a trigger and an index insertion per row. Primary keys and unique keys
    that others reference stay; the DDL comes from the catalogue itself and everything is inside
    the load's transaction.
    """
    table = plan.table
    fks = conn.execute(text(query("load/foreign_key_ddl")), {"t": table}).all()
    # Unique constraints nothing references are rebuilt too (one sorted, parallel btree build);
    # the batch was de-duplicated on its natural key, and a clash would still abort the load.
    uniques = conn.execute(text(query("load/unique_key_ddl")), {"t": table}).all()
    indexes = conn.execute(text(query("load/index_ddl")), {"t": table}).all()
    for drop, _ in [*fks, *uniques, *indexes]:
        conn.exec_driver_sql(drop)
    inserted = conn.execute(
        text(
            f'INSERT INTO "{table}" ({target}) SELECT {select} FROM {STAGE} s {plan.joins}'  # noqa: S608
            " WHERE s.reason IS NULL ORDER BY s.rid"
        )
    ).rowcount
    for _, create in [*indexes, *uniques, *fks]:
        conn.exec_driver_sql(create)
    return int(inserted)


def accepted_count(conn: Connection) -> int:
    return int(conn.execute(text(f"SELECT count(*) FROM {STAGE} WHERE reason IS NULL")).scalar())  # noqa: S608


def record_batch(
    conn: Connection,
    *,
    kind: str,
    source_file: str,
    sha256: str,
    options: dict[str, Any],
    status: str,
    counts: dict[str, int],
) -> int:
    """One etl_batch row; its check constraint enforces read = inserted+updated+unchanged+quarantined."""
    import json

    return int(
        conn.execute(
            text(query("load/record_batch")),
            {
                "kind": kind,
                "src": source_file,
                "sha": sha256,
                "opts": json.dumps(options, ensure_ascii=False, default=str),
                "status": status,
                "read": counts["read"],
                "ins": counts["inserted"],
                "upd": counts["updated"],
                "unch": counts["unchanged"],
                "quar": counts["quarantined"],
            },
        ).scalar()
    )


def record_quarantine(
    conn: Connection, batch_id: int, source_file: str, rows: Sequence[tuple[str, str, str, str]]
) -> int:
    """Quarantined rows: (row_ref, reason_code, detail, raw JSON text)."""
    if not rows:
        return 0
    raw = _raw(conn)
    with (
        raw.cursor() as cur,
        cur.copy(
            "COPY etl_quarantine (batch_id, source_file, row_ref, reason_code, detail, raw)"
            " FROM STDIN"
        ) as copy,
    ):
        for row_ref, reason, detail, raw_json in rows:
            copy.write_row((batch_id, source_file, row_ref, reason, detail, raw_json))
    return len(rows)

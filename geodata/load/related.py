"""Rows that hang off loaded rows by natural key (events of a case, chiefs of a building ...).

The generator or an import names the parent by its natural key (``source_ref``, building code);
the database turns that into the parent's id in one INSERT … SELECT per table. Each table's SQL
is fixed here and in ``sql/related_<table>.sql``; the rows arrive by binary COPY into a temp
table of the same shape.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql as psql
from sqlalchemy import Connection, text

from geodata.load import copybin
from geodata.load.staging import PG_TYPES
from geodata.sql import query

# table → (temp table, {column: staging type}, statements run after the COPY)
RELATED: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {
    "dispute_sub_case": (
        "zz_sub",
        {
            "source_ref": "text",
            "seq": "int4",
            "department_code": "text",
            "task": "text",
            "status": "text",
            "due_at": "timestamptz",
            "resolved_at": "timestamptz",
            "created_at": "timestamptz",
            "time_limit_days": "int4",
            "facts": "text",
            "law": "text",
            "plan": "text",
            "planned_at": "timestamptz",
            "outcome": "text",
        },
        (
            "ALTER TABLE zz_sub ADD COLUMN id bigint",
            "UPDATE zz_sub SET id = nextval(pg_get_serial_sequence('dispute_sub_case', 'id'))",
            query("load/related_dispute_sub_case"),
        ),
    ),
    # Needs zz_sub from dispute_sub_case in the same transaction (sub-case ids by case + seq).
    "dispute_event": (
        "zz_event",
        {
            "source_ref": "text",
            "seq": "int4",
            "action": "text",
            "actor": "text",
            "department_code": "text",
            "at": "timestamptz",
            "note": "text",
            "sub_case_seq": "int4",
            "detail": "jsonb",
            # What only the database can turn into ids for ``detail`` (room_id, mediator_id,
            # worker_id, into): names, a worker's code, the merged-into case's source_ref.
            "room_name": "text",
            "mediator_name": "text",
            "worker_code": "text",
            "into_ref": "text",
        },
        (query("load/related_dispute_event"),),
    ),
    "consultation": (
        "zz_consult",
        {
            "source_ref": "text",
            "held_at": "timestamptz",
            "departments": "jsonb",
            "participants": "text",
            "minutes": "text",
            "outcome": "text",
            "created_by": "text",
        },
        (query("load/related_consultation"),),
    ),
    # One row per direction, as geodata.write.cases.link stores them.
    "dispute_link": (
        "zz_link",
        {
            "source_ref": "text",
            "other_ref": "text",
            "kind": "text",
            "score": "float8",
            "reason": "text",
            "created_at": "timestamptz",
        },
        (query("load/related_dispute_link"),),
    ),
    "compound": (
        "zz_compound",
        {
            "name": "text",
            "community_code": "text",
            "party_branch": "bool",
            "owners_committee": "bool",
            "property_company": "text",
            "fee_collection_rate": "float8",
            "party_groups": "int4",
            "committee_kind": "text",
            "committee_party_led": "bool",
            "fee_collection_rate_before": "float8",
            "fee_rate_changed_year": "int4",
            "geom": "geometry",
        },
        (query("load/related_compound"),),
    ),
    "mediation_room": (
        "zz_room",
        {
            "name": "text",
            "kind": "text",
            "area_code": "text",
            "legal_volunteers": "int4",
            "trainings": "int4",
            "consultations": "int4",
            "geom": "geometry",
        },
        (query("load/related_mediation_room"),),
    ),
    "mediator": (
        "zz_mediator",
        {"name": "text", "room_name": "text", "specialty": "text"},
        (query("load/related_mediator"),),
    ),
    "building_chief": (
        "zz_chief",
        {
            "building_code": "text",
            "name": "text",
            "phone": "text",
            "kind": "text",
            "unit_no": "int4",
        },
        (query("load/related_building_chief"),),
    ),
    "patrol_task": (
        "zz_task",
        {
            "grid_code": "text",
            "worker_code": "text",
            "due_on": "date",
            "priority": "text",
            "reason": "text",
            "status": "text",
        },
        (query("load/related_patrol_task"),),
    ),
}


def load_related(conn: Connection, table: str, frame: Any) -> tuple[int, int]:
    """COPY ``frame`` into the table's temp stage and insert it; returns (rows given, inserted)."""
    if table not in RELATED:
        raise ValueError(f"no related-table plan for {table!r}")
    temp, columns, statements = RELATED[table]
    raw = conn.connection.driver_connection
    body = psql.SQL(", ").join(
        psql.SQL("{} {}").format(psql.Identifier(c), psql.SQL(PG_TYPES[t]))
        for c, t in columns.items()
    )
    raw.execute(psql.SQL("DROP TABLE IF EXISTS {}").format(psql.Identifier(temp)))
    raw.execute(
        psql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(psql.Identifier(temp), body)
    )
    source = {c: (t, frame["geometry"] if c == "geom" else frame[c]) for c, t in columns.items()}
    given = copybin.copy_columns(conn, temp, source)
    raw.execute(psql.SQL("ANALYZE {}").format(psql.Identifier(temp)))
    inserted = 0
    for statement in statements:
        result = conn.execute(text(statement))
        if statement.lstrip().upper().startswith("INSERT"):
            inserted = result.rowcount
    return given, inserted

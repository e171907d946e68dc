"""Rows that hang off loaded rows by natural key (events of a case, chiefs of a building ...).

The generator or an import names the parent by its natural key (``source_ref``, building code);
the database turns that into the parent's id in one INSERT … SELECT per table. Each table's SQL
is fixed here; the rows arrive by binary COPY into a temp table of the same shape.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql as psql
from sqlalchemy import Connection, text

from geodata.load import copybin
from geodata.load.staging import PG_TYPES

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
        },
        (
            "ALTER TABLE zz_sub ADD COLUMN id bigint",
            "UPDATE zz_sub SET id = nextval(pg_get_serial_sequence('dispute_sub_case', 'id'))",
            """INSERT INTO dispute_sub_case (id, dispute_id, district_code, department_code, task,
                                             status, due_at, resolved_at)
               SELECT s.id, d.id, d.district_code, s.department_code, s.task, s.status, s.due_at,
                      s.resolved_at
               FROM zz_sub s JOIN dispute d ON d.source_ref = s.source_ref""",
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
        },
        (
            """INSERT INTO dispute_event (dispute_id, sub_case_id, district_code, action, actor,
                                          department_code, at, note)
               SELECT d.id, sc.id, d.district_code, e.action, e.actor, e.department_code, e.at,
                      e.note
               FROM zz_event e JOIN dispute d ON d.source_ref = e.source_ref
               LEFT JOIN zz_sub sc ON sc.source_ref = e.source_ref AND sc.seq = e.sub_case_seq
               ORDER BY d.id, e.seq""",
        ),
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
            "geom": "geometry",
        },
        (
            """INSERT INTO compound (name, community_code, district_code, party_branch,
                                     owners_committee, property_company, fee_collection_rate, geom)
               SELECT s.name, s.community_code, a.district_code, s.party_branch,
                      s.owners_committee, s.property_company, round(s.fee_collection_rate::numeric, 3),
                      ST_Multi(ST_SetSRID(s.geom, 4326))
               FROM zz_compound s JOIN admin_area a ON a.code = s.community_code""",
        ),
    ),
    "mediation_room": (
        "zz_room",
        {"name": "text", "kind": "text", "area_code": "text", "geom": "geometry"},
        (
            """INSERT INTO mediation_room (name, kind, area_code, district_code, geom)
               SELECT s.name, s.kind, s.area_code, left(s.area_code, 6), ST_SetSRID(s.geom, 4326)
               FROM zz_room s JOIN admin_area a ON a.code = s.area_code""",
        ),
    ),
    "mediator": (
        "zz_mediator",
        {"name": "text", "room_name": "text", "specialty": "text"},
        (
            """INSERT INTO mediator (name, room_id, district_code, specialty)
               SELECT s.name, r.id, r.district_code, s.specialty
               FROM zz_mediator s JOIN mediation_room r ON r.name = s.room_name""",
        ),
    ),
    "building_chief": (
        "zz_chief",
        {"building_code": "text", "name": "text", "phone": "text"},
        (
            """INSERT INTO building_chief (building_id, district_code, name, phone)
               SELECT b.id, b.district_code, s.name, s.phone
               FROM zz_chief s JOIN building b ON b.code = s.building_code""",
        ),
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
        (
            """INSERT INTO patrol_task (grid_code, district_code, worker_id, due_on, priority,
                                        reason, status)
               SELECT s.grid_code, g.district_code, w.id, s.due_on, s.priority, s.reason, s.status
               FROM zz_task s JOIN grid g ON g.code = s.grid_code
               LEFT JOIN grid_worker w ON w.code = s.worker_code""",
        ),
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

"""Key persons with their dynamic assessment and bound cases, as the caller may see them: names,
ID numbers and phones masked in SQL unless the caller is cleared; case titles redacted."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from geodata.read.features import mask_id_sql, mask_name_sql, mask_phone_sql, redact_sql

_FIELDS = {
    True: "k.name, k.id_number, k.phone",
    False: f"{mask_name_sql('k.name')} AS name, {mask_id_sql('k.id_number')} AS id_number,"
    f" {mask_phone_sql('k.phone')} AS phone",
}


def listing(conn: Connection, *, unmask: bool = False, limit: int = 200) -> list[dict[str, Any]]:
    """Key persons, highest dynamic risk first, with the number of bound cases (open ones too)."""
    sql = (
        f"SELECT k.id, {_FIELDS[bool(unmask)]}, k.category, k.risk_level, k.dynamic_risk,"  # noqa: S608 — fixed fragments
        " k.dynamic_reasons, k.advice, k.grid_code, g.name AS grid_name,"
        " count(kc.dispute_id) AS cases,"
        " count(kc.dispute_id) FILTER (WHERE d.status IN ('received', 'assigned', 'in_progress'))"
        " AS open_cases FROM key_person k LEFT JOIN grid g ON g.code = k.grid_code"
        " LEFT JOIN key_person_case kc ON kc.key_person_id = k.id"
        " LEFT JOIN dispute d ON d.id = kc.dispute_id"
        " GROUP BY k.id, g.name"
        " ORDER BY array_position(ARRAY['high', 'medium', 'low'],"
        " coalesce(k.dynamic_risk, k.risk_level)::text), count(kc.dispute_id) DESC, k.id"
        " LIMIT :n"
    )
    return [dict(r) for r in conn.execute(text(sql), {"n": limit}).mappings()]


def bound_cases(conn: Connection, key_person_id: int) -> list[dict[str, Any]]:
    """The cases bound to one key person (titles redacted), newest first."""
    sql = (
        f"SELECT d.id, d.source_ref, {redact_sql('d.title')} AS title, d.status,"  # noqa: S608 — fixed fragments
        " d.risk_colour, d.reported_at, kc.reason FROM key_person_case kc"
        " JOIN dispute d ON d.id = kc.dispute_id WHERE kc.key_person_id = :k"
        " ORDER BY d.reported_at DESC LIMIT 50"
    )
    return [dict(r) for r in conn.execute(text(sql), {"k": key_person_id}).mappings()]

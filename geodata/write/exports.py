"""Background export jobs (``export_job``): queue one, move it along, read it back — always on
the asking user's scoped connection (a user sees only their own jobs)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text


def queue(conn: Connection, username: str, fmt: str, params: dict[str, Any]) -> int:
    return conn.execute(
        text("INSERT INTO export_job (username, format, params) VALUES (:u, :f, CAST(:p AS jsonb))"
             " RETURNING id"),
        {"u": username, "f": fmt, "p": json.dumps(params, ensure_ascii=False)},
    ).scalar()  # fmt: skip


def get(conn: Connection, job_id: int) -> dict[str, Any] | None:
    row = (
        conn.execute(text("SELECT * FROM export_job WHERE id = :i"), {"i": job_id})
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def update(conn: Connection, job_id: int, **values: Any) -> None:
    allowed = {"status", "progress", "stage", "file_name", "error", "finished_at"}
    if not values or set(values) - allowed:
        raise ValueError(f"not an export job column: {sorted(set(values) - allowed)}")
    sets = ", ".join(f"{k} = :{k}" for k in values)
    conn.execute(text(f"UPDATE export_job SET {sets} WHERE id = :i"), {"i": job_id, **values})  # noqa: S608 — whitelisted


def fail_stale(conn: Connection, minutes: int = 60) -> int:
    """Jobs left running or queued by a worker that went away: failed, so nobody waits forever."""
    return conn.execute(
        text("UPDATE export_job SET status = 'failed', error = 'interrupted', finished_at = now()"
             " WHERE status IN ('queued', 'running') AND created_at < now() - make_interval(mins => :m)"),
        {"m": minutes},
    ).rowcount  # fmt: skip

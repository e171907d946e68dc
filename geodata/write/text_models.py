"""Store a trained text model (``text_model``): the new one becomes the active model of its kind
in the same transaction that retires the old one. Audited."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, text

from geodata.write.users import record_audit


def store(
    conn: Connection, kind: str, metrics: dict[str, Any], model: bytes, *, by: str = "cli"
) -> int:
    """Insert ``model`` as the active model of ``kind`` (the previous one stays, inactive) and
    return its id."""
    conn.execute(
        text("UPDATE text_model SET active = false WHERE kind = :kind AND active"), {"kind": kind}
    )
    model_id = conn.execute(
        text(
            "INSERT INTO text_model (kind, metrics, model, active)"
            " VALUES (:kind, CAST(:metrics AS jsonb), :model, true) RETURNING id"
        ),
        {"kind": kind, "metrics": json.dumps(metrics, ensure_ascii=False), "model": model},
    ).scalar_one()
    summary = {k: metrics.get(k) for k in ("macro_f1", "top3_accuracy", "train_size")}
    record_audit(conn, by, "admin", "model.train", f"text_model:{model_id}", summary)
    return int(model_id)

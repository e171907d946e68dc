"""What text classification reads: the labelled cases (title, description, type), the type
catalogue, and the stored text models (``text_model``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

# Merged duplicates repeat the case they went into: counted once, or a held-out split would
# hold copies of its training texts.
_LABELLED = text(
    "SELECT title, description, type_code FROM dispute"
    " WHERE type_code IS NOT NULL AND merged_into IS NULL"
    " AND (coalesce(title, '') <> '' OR coalesce(description, '') <> '')"
    " ORDER BY id"
)


def labelled_texts(conn: Connection) -> list[tuple[str | None, str | None, str]]:
    """(title, description, type code) of every labelled case the caller may see, by id."""
    return [(r[0], r[1], r[2]) for r in conn.execute(_LABELLED).all()]


def type_catalogue(conn: Connection) -> list[tuple[str, str, str | None]]:
    """(code, name, lead department code) of every dispute type (类案标准化), by code."""
    rows = conn.execute(
        text("SELECT code, name, lead_department FROM dispute_type ORDER BY code")
    ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def active_text_model(conn: Connection, kind: str) -> dict[str, Any] | None:
    """The active model of ``kind``: id, trained_at and metrics (not the model), or None."""
    row = conn.execute(
        text(
            "SELECT id, trained_at, metrics FROM text_model WHERE kind = :kind AND active"
        ),
        {"kind": kind},
    ).mappings().first()  # fmt: skip
    return dict(row) if row else None


def text_model_bytes(conn: Connection, model_id: int) -> bytes | None:
    """The serialised model of stored model ``model_id``, or None."""
    data = conn.execute(
        text("SELECT model FROM text_model WHERE id = :id"), {"id": model_id}
    ).scalar()
    return bytes(data) if data is not None else None


def text_models(conn: Connection, kind: str) -> list[dict[str, Any]]:
    """Every stored model of ``kind``, newest first: id, trained_at, active, metrics."""
    rows = conn.execute(
        text(
            "SELECT id, trained_at, active, metrics FROM text_model WHERE kind = :kind"
            " ORDER BY trained_at DESC, id DESC"
        ),
        {"kind": kind},
    ).mappings().all()  # fmt: skip
    return [dict(r) for r in rows]

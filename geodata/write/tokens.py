"""API keys of the source systems that post cases (Open311 intake): made and revoked by the
owner (``zongzhi token``), checked by the app. Only a key's SHA-256 is stored: the key itself
is shown once, when it is made. Every add and revoke leaves an audit row."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import Connection, text

from domain.vocab import DISPUTE_SOURCES, synonyms
from geodata.write.users import record_audit

KEY_PREFIX = "zz_"
KEY_MAX = 200
# last_used_at is written at most this often per key (not one write per request).
TOUCH_EVERY_S = 60


def digest(key: str) -> str:
    """The stored form of a key: SHA-256, hex."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def source_code(value: str) -> str:
    """The source code a spelling names (``12345`` → hotline), or ValueError."""
    code = synonyms("source").get(value.strip().lower())
    if code is None or code not in DISPUTE_SOURCES:
        raise ValueError(f"unknown source {value!r}; one of {list(DISPUTE_SOURCES)}")
    return code


def add(
    conn: Connection, source: str, name: str | None = None, *, by: str = "cli"
) -> tuple[int, str]:
    """A new key for ``source``: (id, the key — shown once, never stored)."""
    code = source_code(source)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token_id = conn.execute(
        text(
            "INSERT INTO api_token (source, name, token_hash, created_by)"
            " VALUES (:s, :n, :h, :by) RETURNING id"
        ),
        {"s": code, "n": (name or code)[:200], "h": digest(key), "by": by},
    ).scalar_one()
    record_audit(conn, by, "admin", "token.add", f"api_token:{token_id}", {"source": code})
    return int(token_id), key


def list_tokens(conn: Connection) -> list[dict[str, Any]]:
    """Every key's id, source, name and dates (never the hash)."""
    rows = conn.execute(
        text(
            "SELECT id, source, name, created_at, created_by, revoked_at, last_used_at"
            " FROM api_token ORDER BY id"
        )
    ).mappings()
    return [dict(r) for r in rows]


def revoke(conn: Connection, token_id: int, *, by: str = "cli") -> None:
    """Revoke a key at once (ValueError when there is no such key or it is revoked already)."""
    done = conn.execute(
        text("UPDATE api_token SET revoked_at = now() WHERE id = :id AND revoked_at IS NULL"),
        {"id": token_id},
    ).rowcount
    if done != 1:
        raise ValueError(f"no active token {token_id}")
    record_audit(conn, by, "admin", "token.revoke", f"api_token:{token_id}", None)


def authenticate(conn: Connection, key: Any) -> dict[str, Any] | None:
    """The active key's (id, source), or None for a missing, malformed, unknown or revoked key."""
    if not isinstance(key, str) or not key or len(key) > KEY_MAX or not key.isprintable():
        return None
    row = (
        conn.execute(
            text("SELECT id, source FROM api_token WHERE token_hash = :h AND revoked_at IS NULL"),
            {"h": digest(key)},
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    conn.execute(
        text(
            "UPDATE api_token SET last_used_at = now() WHERE id = :id AND (last_used_at IS NULL"
            " OR last_used_at < now() - make_interval(secs => :every))"
        ),
        {"id": row["id"], "every": TOUCH_EVERY_S},
    )
    return dict(row)

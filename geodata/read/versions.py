"""Data versions: one per family (``domain.vocab.DATA_FAMILIES``), bumped by every write.

Statement triggers (migration 0007) bump a family's version in the same transaction as any
INSERT, UPDATE, DELETE, COPY or TRUNCATE on its tables — a load, a workflow action or
hand-written SQL alike — so a value cached under the versions it was built from is stale
exactly when its data changed, and a reader sees the new version when it sees the new rows.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from domain.vocab import DATA_FAMILIES

_READ = text("SELECT family, version FROM data_version")


def family_versions(conn: Connection) -> dict[str, int]:
    """Every family's current version (one primary-key scan of five rows)."""
    return {f: int(v) for f, v in conn.execute(_READ).all()}


def data_version(conn: Connection, *families: str) -> int:
    """One number that changes whenever any of ``families`` (default: all) is written.

    Versions come from one sequence and only grow, so their sum strictly increases with any
    write to one of the families (a maximum would not: a write committed later may hold a
    smaller value than another family's).
    """
    return versions_sum(family_versions(conn), families)


def versions_sum(current: dict[str, int], families: tuple[str, ...]) -> int:
    """``data_version`` from versions already read (``family_versions``)."""
    unknown = set(families) - set(DATA_FAMILIES)
    if unknown:
        raise ValueError(f"unknown data families {sorted(unknown)}")
    return sum(current.get(f, 0) for f in families or DATA_FAMILIES)

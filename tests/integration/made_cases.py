"""What tests that make cases share: a transaction of the app's role under a caller's scope (as
``app.context`` opens one), and removing the cases they made afterwards — events included, the
owner lifting the append-only guard for that one cleanup transaction — so the demo the other
tests read stays as loaded."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text

from domain.scope import Scope
from geodata.db.scope import apply_scope


@contextmanager
def scoped(app_engine: Engine, scope: Scope) -> Iterator[Connection]:
    """A committed transaction of the app's role with ``scope`` set, as a request has."""
    with app_engine.connect() as conn, conn.begin():
        apply_scope(conn, scope)
        yield conn


def remove_cases(engine: Engine, *prefixes: str) -> None:
    """Delete the cases whose source reference starts with one of ``prefixes`` (fixed test
    text), their events and links, as the owner."""
    ids = "SELECT id FROM dispute WHERE " + " OR ".join(f"source_ref LIKE '{p}%'" for p in prefixes)
    with engine.begin() as c:
        c.execute(text("ALTER TABLE dispute_event DISABLE TRIGGER dispute_event_append_only"))
        c.execute(text(f"DELETE FROM dispute_event WHERE dispute_id IN ({ids})"))
        c.execute(
            text(f"UPDATE dispute SET merged_into = NULL, status = 'received' WHERE id IN ({ids})")
        )
        c.execute(text(f"DELETE FROM dispute WHERE id IN ({ids})"))
        c.execute(text("ALTER TABLE dispute_event ENABLE TRIGGER dispute_event_append_only"))

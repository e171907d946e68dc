"""Old patrol months detached into the archive schema: gone from patrol_visit (and its caches),
kept whole in their own table, the newest months and the default partition untouched."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from geodata.read.versions import data_version
from geodata.write.archive import detach_patrol_months, old_patrol_months

pytestmark = pytest.mark.db


def test_arc001_old_months_leave_patrol_visit_for_the_archive(conn, demo_db) -> None:  # noqa: ANN001
    first, total = conn.execute(text("SELECT min(visited_at), count(*) FROM patrol_visit")).one()
    # The first two months of the demo's history go.
    before = date(first.year + (first.month + 1) // 12, (first.month + 1) % 12 + 1, 1)
    names = old_patrol_months(conn, before)
    assert f"patrol_visit_{first:%Y%m}" in names and f"patrol_visit_{before:%Y%m}" not in names
    assert "patrol_visit_default" not in names
    old = conn.execute(
        text("SELECT count(*) FROM patrol_visit WHERE visited_at < :b"), {"b": before}
    ).scalar_one()
    assert old > 0
    assert detach_patrol_months(conn, before, dry_run=True) == [
        {"partition": n, "rows": r} for n, r in zip(names, _rows(conn, names), strict=True)
    ]
    version = data_version(conn, "patrols")
    moved = detach_patrol_months(conn, before)
    assert sum(m["rows"] for m in moved) == old
    assert conn.execute(text("SELECT count(*) FROM patrol_visit")).scalar_one() == total - old
    busy = max(moved, key=lambda m: m["rows"])
    archived = conn.execute(
        text(f"SELECT count(*) FROM archive.{busy['partition']}")  # noqa: S608 — a partition name
    ).scalar_one()
    assert archived == busy["rows"] > 0
    assert data_version(conn, "patrols") != version  # caches let go of the archived rows
    assert old_patrol_months(conn, before) == []  # nothing left to move


def _rows(conn, names: list[str]) -> list[int]:  # noqa: ANN001
    return [
        conn.execute(text(f"SELECT count(*) FROM {n}")).scalar_one()  # noqa: S608
        for n in names
    ]

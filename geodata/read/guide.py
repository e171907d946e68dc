"""The public guide (/guide): the standard paths anyone may read, and the one case lookup.

The lookup goes through ``zongzhi_guide_lookup`` (migration 0018), a SECURITY DEFINER function
that answers an exact (reference, last four phone digits) match with the case's type, status,
whether it was merged into another case, and its next deadline as a date — nothing else. The
caller's scope is anonymous, so row-level security still shows it no case row at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from geodata.sql import query

_PATHS = query("read/guide_paths")
_LOOKUP = text("SELECT type_code, status, merged, next_due FROM zongzhi_guide_lookup(:ref, :last4)")


def standard_paths(conn: Connection) -> list[dict[str, Any]]:
    """Every dispute type's path: code, name, category, steps, time_limit_days (working days),
    lead_code, lead_name, cooperating [{code, name}]."""
    return [dict(r) for r in conn.execute(text(_PATHS)).mappings()]


def lookup(conn: Connection, ref: str, last4: str) -> dict[str, Any] | None:
    """The case with reference ``ref`` whose reporter's phone ends in ``last4``: type_code,
    status, merged, next_due (a date or None); None unless exactly one case matches."""
    row = conn.execute(_LOOKUP, {"ref": ref, "last4": last4}).mappings().first()
    return None if row is None else dict(row)

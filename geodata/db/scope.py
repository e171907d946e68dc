"""Record who is asking in the current transaction, for the row-level policies to read.

``set_config(..., true)`` is transaction-local, so a pooled connection never carries one
caller's scope into the next transaction.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from domain.scope import Scope

_SET_SCOPE = text(
    "SELECT set_config('zongzhi.user', :user, true), set_config('zongzhi.role', :role, true),"
    " set_config('zongzhi.areas', :areas, true), set_config('zongzhi.department', :department, true)"
)


def apply_scope(conn: Connection, scope: Scope) -> None:
    """Set the ``zongzhi.*`` settings of ``scope`` for the rest of ``conn``'s transaction."""
    conn.execute(_SET_SCOPE, scope.settings())

"""Indexes for searching the audit trail (the /audit page): by action and by object prefix,
newest first.

The app reads ``audit_log`` under row-level security, where PostgreSQL evaluates a caller's
condition before the policy only when its operator is leakproof: ``LIKE``/``ILIKE`` are not, so a
trigram index would never be used for the app's role. The byte-order comparisons of
``text_pattern_ops`` (``~>=~``, ``~<~``) are leakproof, so an object prefix is searched as a range
in byte order — for UTF-8 exactly the strings with that prefix, whatever the database's collation.
Both indexes end in ``at, id``: the page pages by keyset on (at, id).

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE INDEX ix_audit_log_action_at ON audit_log (action, at, id)")
    op.execute("CREATE INDEX ix_audit_log_object ON audit_log (object text_pattern_ops, at, id)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_audit_log_object")
    op.execute("DROP INDEX IF EXISTS ix_audit_log_action_at")

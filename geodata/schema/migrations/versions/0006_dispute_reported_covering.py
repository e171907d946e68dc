"""The time index on disputes also carries the map's filter columns, so per-grid counts under
any filter are answered from the index alone (index-only scan over the period's rows).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERED = ["grid_code", "type_code", "source", "status", "risk_level"]


def upgrade() -> None:
    op.drop_index("ix_dispute_reported", table_name="dispute")
    op.create_index("ix_dispute_reported", "dispute", ["reported_at"], postgresql_include=COVERED)


def downgrade() -> None:
    op.drop_index("ix_dispute_reported", table_name="dispute")
    op.create_index("ix_dispute_reported", "dispute", ["reported_at"])

"""Concentrated demands (集中诉求): a case promoted from a cluster of cases links each of them as
"grouped" (both ways, like the other links).

Revision ID: 0028
Revises: 0027
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("ck_dispute_link_kind", "dispute_link", type_="check")
    op.create_check_constraint(
        "ck_dispute_link_kind", "dispute_link", "kind IN ('duplicate', 'merged', 'grouped')"
    )


def downgrade() -> None:
    op.execute("DELETE FROM dispute_link WHERE kind = 'grouped'")
    op.drop_constraint("ck_dispute_link_kind", "dispute_link", type_="check")
    op.create_check_constraint(
        "ck_dispute_link_kind", "dispute_link", "kind IN ('duplicate', 'merged')"
    )

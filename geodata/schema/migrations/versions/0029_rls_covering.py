"""Row-level security keeps the map's counts index-only: the two covering indexes the per-grid
and per-area counts read also carry the columns the ``dispute`` read policy looks at
(district_code, lead_department, cooperating_departments, id). Without them, every row a
district user's count touches is fetched from the heap to evaluate the policy, which the owner
(no policy) never does.

Revision ID: 0029
Revises: 0028
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POLICY_COLUMNS = "district_code, lead_department, cooperating_departments, id"


def upgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_dispute_grid_reported")
    op.execute(
        "CREATE INDEX ix_dispute_grid_reported ON dispute (grid_code, reported_at)"
        f" INCLUDE ({POLICY_COLUMNS})"
    )
    op.execute("DROP INDEX IF EXISTS ix_dispute_reported")
    op.execute(
        "CREATE INDEX ix_dispute_reported ON dispute (reported_at) INCLUDE"
        f" (grid_code, type_code, source, status, risk_level, {POLICY_COLUMNS})"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_dispute_grid_reported")
    op.execute("CREATE INDEX ix_dispute_grid_reported ON dispute (grid_code, reported_at)")
    op.execute("DROP INDEX IF EXISTS ix_dispute_reported")
    op.execute(
        "CREATE INDEX ix_dispute_reported ON dispute (reported_at)"
        " INCLUDE (grid_code, type_code, source, status, risk_level)"
    )

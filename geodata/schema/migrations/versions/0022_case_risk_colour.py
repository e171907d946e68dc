"""Case risk colours 红/橙/黄/蓝 by the rules of ``domain.risk``: the colour, its points and the
rules that fired (with their reasons), kept on each case and refreshed by the app's jobs, after
each workflow action on the case, and by ``zongzhi risk refresh``.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLOURS = ("blue", "yellow", "orange", "red")


def upgrade() -> None:
    op.add_column("dispute", sa.Column("risk_colour", sa.String(6)))
    op.add_column("dispute", sa.Column("risk_points", sa.SmallInteger()))
    op.add_column("dispute", sa.Column("risk_rules", postgresql.JSONB()))
    op.add_column("dispute", sa.Column("risk_assessed_at", sa.DateTime(timezone=True)))
    op.create_check_constraint(
        "ck_dispute_risk_colour",
        "dispute",
        "risk_colour IS NULL OR risk_colour IN (" + ", ".join(f"'{c}'" for c in COLOURS) + ")",
    )
    # Repeat reports by the same person (重复来电) look cases up by the reporter's phone.
    op.create_index(
        "ix_dispute_reporter_phone",
        "dispute",
        ["reporter_phone", "reported_at"],
        postgresql_where=sa.text("reporter_phone IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_dispute_reporter_phone", table_name="dispute")
    op.drop_constraint("ck_dispute_risk_colour", "dispute", type_="check")
    for name in ("risk_colour", "risk_points", "risk_rules", "risk_assessed_at"):
        op.drop_column("dispute", name)

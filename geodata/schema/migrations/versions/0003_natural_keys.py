"""Natural keys for idempotent loads (worker 工号, whistle reference, key person ID, visit
instant) and the address a hotline case was reported at.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("dispute", sa.Column("address", sa.Text(), nullable=True))
    op.add_column("grid_worker", sa.Column("code", sa.String(length=32), nullable=True))
    op.execute("UPDATE grid_worker SET code = 'W' || id WHERE code IS NULL")
    op.alter_column("grid_worker", "code", nullable=False)
    op.create_unique_constraint("grid_worker_code_key", "grid_worker", ["code"])
    op.add_column("whistle", sa.Column("source_ref", sa.String(length=64), nullable=True))
    op.execute("UPDATE whistle SET source_ref = 'WH' || id WHERE source_ref IS NULL")
    op.alter_column("whistle", "source_ref", nullable=False)
    op.create_unique_constraint("whistle_source_ref_key", "whistle", ["source_ref"])
    op.create_unique_constraint("uq_key_person_id_number", "key_person", ["id_number"])
    op.create_unique_constraint(
        "uq_patrol_visit_worker_at", "patrol_visit", ["worker_id", "visited_at"]
    )


def downgrade() -> None:
    op.drop_constraint("uq_patrol_visit_worker_at", "patrol_visit", type_="unique")
    op.drop_constraint("uq_key_person_id_number", "key_person", type_="unique")
    op.drop_constraint("whistle_source_ref_key", "whistle", type_="unique")
    op.drop_column("whistle", "source_ref")
    op.drop_constraint("grid_worker_code_key", "grid_worker", type_="unique")
    op.drop_column("grid_worker", "code")
    op.drop_column("dispute", "address")

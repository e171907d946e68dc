"""Seed the code tables: departments, dispute types (类案标准化) and the 23 whistle classes.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY

from geodata.load.seed import DEPARTMENTS, DISPUTE_TYPES, WHISTLE_CLASSES

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_department = sa.table(
    "department",
    sa.column("code", sa.String),
    sa.column("name", sa.Text),
    sa.column("level", sa.String),
    sa.column("residency", sa.String),
)
_dispute_type = sa.table(
    "dispute_type",
    sa.column("code", sa.String),
    sa.column("name", sa.Text),
    sa.column("category", sa.Text),
    sa.column("lead_department", sa.String),
    sa.column("cooperating_departments", ARRAY(sa.String)),
    sa.column("steps", ARRAY(sa.Text)),
    sa.column("time_limit_days", sa.SmallInteger),
)
_whistle_class = sa.table(
    "whistle_class",
    sa.column("code", sa.String),
    sa.column("name", sa.Text),
    sa.column("default_department", sa.String),
)


def upgrade() -> None:
    op.bulk_insert(
        _department,
        [
            dict(zip(("code", "name", "level", "residency"), row, strict=True))
            for row in DEPARTMENTS
        ],
    )
    keys = (
        "code",
        "name",
        "category",
        "lead_department",
        "cooperating_departments",
        "steps",
        "time_limit_days",
    )
    op.bulk_insert(_dispute_type, [dict(zip(keys, row, strict=True)) for row in DISPUTE_TYPES])
    op.bulk_insert(
        _whistle_class,
        [
            dict(zip(("code", "name", "default_department"), row, strict=True))
            for row in WHISTLE_CLASSES
        ],
    )


def downgrade() -> None:
    op.execute("DELETE FROM whistle_class")
    op.execute("DELETE FROM dispute_type")
    op.execute("DELETE FROM department")

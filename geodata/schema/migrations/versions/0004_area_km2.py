"""Area in km² of every admin area and grid, kept by the database (per-km² density).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# On the spheroid (geography), so it is true area whatever the latitude.
AREA_KM2 = "ST_Area(geom::geography) / 1000000.0"


def upgrade() -> None:
    for table in ("admin_area", "grid"):
        op.add_column(
            table,
            sa.Column("area_km2", sa.Float(), sa.Computed(AREA_KM2, persisted=True), nullable=True),
        )


def downgrade() -> None:
    for table in ("grid", "admin_area"):
        op.drop_column(table, "area_km2")

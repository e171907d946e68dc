"""Intake (Open311 and the desk's form): trigram matching of addresses against buildings.

A case that arrives with an address and no point is located at the building whose address it
names (``geodata.write.intake``, rules in ``domain.intake``): ``pg_trgm`` similarity, found
through a GIN trigram index on ``building.address``. ``building`` has no row-level security,
so the app's role uses the index directly (under a policy only leakproof operators could).

``pg_trgm`` is a trusted extension (PostgreSQL ≥ 13): the owner role, which runs the
migrations and owns the database, may create it; no superuser is needed.

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_building_address_trgm ON building USING gin (address gin_trgm_ops)")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_building_address_trgm")
    # RESTRICT: refused, rather than cascading, should anything else have come to use it.
    op.execute("DROP EXTENSION IF EXISTS pg_trgm")

"""微治理: building and unit chiefs (楼栋长/单元长), a compound's party groups, 业委会/物管会 led by
its party branch and the fee-collection rate before that change, 金牌调解室 activity, and
building chiefs as an intake source (小事不出楼栋).

``source`` grows to 16 characters for ``building_chief`` (widening a varchar rewrites nothing).
No new table: the columns land on tables that already have their policies.

Revision ID: 0030
Revises: 0029
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_SOURCES = "'hotline', 'police', 'court', 'petition', 'grid_worker', 'walk_in', 'other'"
NEW_SOURCES = OLD_SOURCES + ", 'building_chief'"


def _sources(sources: str) -> None:
    for table, name in (("dispute", "ck_dispute_source"), ("api_token", "ck_api_token_source")):
        op.drop_constraint(name, table, type_="check")
        op.create_check_constraint(name, table, f"source IN ({sources})")


def upgrade() -> None:
    op.alter_column("dispute", "source", type_=sa.String(16))
    op.alter_column("api_token", "source", type_=sa.String(16))
    _sources(NEW_SOURCES)

    op.add_column(
        "building_chief",
        sa.Column("kind", sa.String(8), server_default="building", nullable=False),
    )
    op.add_column("building_chief", sa.Column("unit_no", sa.SmallInteger(), nullable=True))
    op.create_check_constraint(
        "ck_building_chief_kind", "building_chief", "kind IN ('building', 'unit')"
    )
    op.create_check_constraint(
        "ck_building_chief_unit",
        "building_chief",
        "(kind = 'unit') = (unit_no IS NOT NULL) AND (unit_no IS NULL OR unit_no >= 1)",
    )

    op.add_column(
        "compound",
        sa.Column("party_groups", sa.SmallInteger(), server_default="0", nullable=False),
    )
    op.add_column("compound", sa.Column("committee_kind", sa.String(10), nullable=True))
    op.add_column(
        "compound",
        sa.Column("committee_party_led", sa.Boolean(), server_default="false", nullable=False),
    )
    op.add_column(
        "compound", sa.Column("fee_collection_rate_before", sa.Numeric(4, 3), nullable=True)
    )
    op.add_column("compound", sa.Column("fee_rate_changed_year", sa.SmallInteger(), nullable=True))
    # Compounds loaded before: an owners' committee without a kind is an 业委会.
    op.execute("UPDATE compound SET committee_kind = 'owners' WHERE owners_committee")
    op.create_check_constraint("ck_compound_party_groups", "compound", "party_groups >= 0")
    op.create_check_constraint(
        "ck_compound_committee_kind",
        "compound",
        "committee_kind IS NULL OR committee_kind IN ('owners', 'management')",
    )
    op.create_check_constraint(
        "ck_compound_committee",
        "compound",
        "owners_committee = (committee_kind IS NOT NULL)"
        " AND (NOT committee_party_led OR (owners_committee AND party_branch))",
    )
    op.create_check_constraint(
        "ck_compound_fee_rate_before",
        "compound",
        "fee_collection_rate_before IS NULL OR fee_collection_rate_before BETWEEN 0 AND 1",
    )
    op.create_check_constraint(
        "ck_compound_fee_change",
        "compound",
        "(fee_collection_rate_before IS NULL) = (fee_rate_changed_year IS NULL)",
    )

    for column in ("legal_volunteers", "trainings", "consultations"):
        op.add_column("mediation_room", sa.Column(column, sa.Integer(), nullable=True))
    op.create_check_constraint(
        "ck_mediation_room_activity",
        "mediation_room",
        "legal_volunteers >= 0 AND trainings >= 0 AND consultations >= 0",
    )


def downgrade() -> None:
    op.drop_constraint("ck_mediation_room_activity", "mediation_room", type_="check")
    for column in ("legal_volunteers", "trainings", "consultations"):
        op.drop_column("mediation_room", column)
    for name in ("ck_compound_fee_change", "ck_compound_fee_rate_before",
                 "ck_compound_committee", "ck_compound_committee_kind",
                 "ck_compound_party_groups"):  # fmt: skip
        op.drop_constraint(name, "compound", type_="check")
    for column in ("fee_rate_changed_year", "fee_collection_rate_before", "committee_party_led",
                   "committee_kind", "party_groups"):  # fmt: skip
        op.drop_column("compound", column)
    op.drop_constraint("ck_building_chief_unit", "building_chief", type_="check")
    op.drop_constraint("ck_building_chief_kind", "building_chief", type_="check")
    op.execute("DELETE FROM building_chief WHERE kind = 'unit'")
    op.drop_column("building_chief", "unit_no")
    op.drop_column("building_chief", "kind")
    op.execute("DELETE FROM dispute WHERE source = 'building_chief'")
    op.execute("DELETE FROM api_token WHERE source = 'building_chief'")
    _sources(OLD_SOURCES)
    op.alter_column("dispute", "source", type_=sa.String(12))
    op.alter_column("api_token", "source", type_=sa.String(12))

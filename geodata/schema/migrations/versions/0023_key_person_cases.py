"""Key persons and the cases around them: the bindings (a party by phone, or nearby where the
person lives), and on each key person the dynamic risk, its reasons and the management advice
(``domain.keypersons``). Bindings are people's data: only the roles that see key persons see
them, within their jurisdiction.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zongzhi_app"
PEOPLE_ROLES = "('city', 'district', 'township', 'grid_worker', 'admin')"


def _s(name: str) -> str:
    return f"(SELECT zongzhi_scope_setting('{name}'))"


def area_rule(d: str, x: str) -> str:
    """As in 0013."""
    return (
        f"(SELECT zongzhi_scope_city()) OR {d} = ANY ((SELECT zongzhi_scope_level(6))::text[])"
        f" OR ({d} = ANY ((SELECT zongzhi_scope_districts())::text[])"
        f" AND (left({x}, 9) = ANY ((SELECT zongzhi_scope_level(9))::text[])"
        f" OR left({x}, 12) = ANY ((SELECT zongzhi_scope_level(12))::text[])"
        f" OR {x} = ANY ((SELECT zongzhi_scope_level(15))::text[])))"
    )


def upgrade() -> None:
    op.create_table(
        "key_person_case",
        sa.Column("key_person_id", sa.BigInteger(),
                  sa.ForeignKey("key_person.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("dispute_id", sa.BigInteger(), sa.ForeignKey("dispute.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("reason", sa.String(8), primary_key=True),
        sa.Column("grid_code", sa.String(20), nullable=False),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.CheckConstraint("reason IN ('party', 'nearby')", name="ck_key_person_case_reason"),
    )  # fmt: skip
    op.create_index("ix_key_person_case_dispute", "key_person_case", ["dispute_id"])
    op.create_index("ix_key_person_case_district", "key_person_case", ["district_code"])
    for column in (
        sa.Column("dynamic_risk", sa.String(8)),
        sa.Column("dynamic_reasons", postgresql.JSONB()),
        sa.Column("advice", postgresql.JSONB()),
        sa.Column("assessed_at", sa.DateTime(timezone=True)),
    ):
        op.add_column("key_person", column)
    op.create_check_constraint(
        "ck_key_person_dynamic_risk",
        "key_person",
        "dynamic_risk IS NULL OR dynamic_risk IN ('low', 'medium', 'high')",
    )
    op.execute(
        "CREATE TRIGGER key_person_case_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        " ON key_person_case FOR EACH STATEMENT EXECUTE FUNCTION zongzhi_bump_data_version('people')"
    )
    rule = f"{_s('role')} IN {PEOPLE_ROLES} AND ({area_rule('district_code', 'grid_code')})"
    # The app's jobs (city-wide, as the centre) keep the bindings and the dynamic assessment.
    op.execute(f"GRANT SELECT, INSERT, DELETE ON key_person_case TO {APP_ROLE}")
    op.execute("ALTER TABLE key_person_case ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE key_person_case FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY key_person_case_read ON key_person_case FOR SELECT USING ({rule})")
    op.execute(
        f"CREATE POLICY key_person_case_add ON key_person_case FOR INSERT WITH CHECK ({rule})"
    )
    op.execute(f"CREATE POLICY key_person_case_drop ON key_person_case FOR DELETE USING ({rule})")
    op.execute(
        f"GRANT UPDATE (dynamic_risk, dynamic_reasons, advice, assessed_at) ON key_person"
        f" TO {APP_ROLE}"
    )
    op.execute(
        f"CREATE POLICY key_person_assess ON key_person FOR UPDATE USING ({rule}) WITH CHECK ({rule})"
    )


def downgrade() -> None:
    op.execute("DROP POLICY IF EXISTS key_person_assess ON key_person")
    op.execute(f"REVOKE UPDATE ON key_person FROM {APP_ROLE}")
    op.drop_table("key_person_case")
    op.drop_constraint("ck_key_person_dynamic_risk", "key_person", type_="check")
    for name in ("dynamic_risk", "dynamic_reasons", "advice", "assessed_at"):
        op.drop_column("key_person", name)

"""吹哨 → 应哨 → 评价 → 评估 as a workflow: the catalogue of 637 items (each with its answering
department and limit in working days), and on each whistle its item, due time, the answer, the
rating's note, the assessment time, its 督办 level and an optimistic version. The app may raise
whistles within its caller's jurisdiction and answer, rate and assess the ones it may see.
Whistles loaded before this have no item; their due time is taken as three calendar days.

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from geodata.load.seed import WHISTLE_ITEMS

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zongzhi_app"
RAISERS = "('township', 'district', 'city', 'admin')"
ACTORS = "('township', 'district', 'city', 'admin', 'department')"
_item = sa.table(
    "whistle_item",
    sa.column("code", sa.String),
    sa.column("class_code", sa.String),
    sa.column("name", sa.Text),
    sa.column("department", sa.String),
    sa.column("limit_days", sa.SmallInteger),
)


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
        "whistle_item",
        sa.Column("code", sa.String(8), primary_key=True),
        sa.Column("class_code", sa.String(8), sa.ForeignKey("whistle_class.code"), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("department", sa.String(16), sa.ForeignKey("department.code"), nullable=False),
        sa.Column("limit_days", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("limit_days BETWEEN 1 AND 30", name="ck_whistle_item_limit"),
    )
    op.create_index("ix_whistle_item_class", "whistle_item", ["class_code"])
    op.bulk_insert(
        _item,
        [dict(zip(("code", "class_code", "name", "department", "limit_days"), row, strict=True))
         for row in WHISTLE_ITEMS],
    )  # fmt: skip
    ts = sa.DateTime(timezone=True)
    for column in (
        sa.Column("item_code", sa.String(8), sa.ForeignKey("whistle_item.code")),
        sa.Column("description", sa.Text()),
        sa.Column("raised_by", sa.Text()),
        sa.Column("due_at", ts),
        sa.Column("response", sa.Text()),
        sa.Column("evaluated_at", ts),
        sa.Column("evaluation_note", sa.Text()),
        sa.Column("assessed_at", ts),
        sa.Column("supervision_level", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
    ):
        op.add_column("whistle", column)
    op.execute("UPDATE whistle SET due_at = raised_at + interval '3 days'")
    op.create_check_constraint(
        "ck_whistle_supervision", "whistle", "supervision_level BETWEEN 0 AND 3"
    )
    op.create_index("ix_whistle_department_status", "whistle", ["responding_department", "status"])
    op.execute(
        "CREATE TRIGGER whistle_item_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        " ON whistle_item FOR EACH STATEMENT EXECUTE FUNCTION zongzhi_bump_data_version('catalogue')"
    )
    op.execute(f"GRANT SELECT ON whistle_item TO {APP_ROLE}")
    op.execute(f"GRANT INSERT, UPDATE ON whistle TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SEQUENCE whistle_id_seq TO {APP_ROLE}")
    area = area_rule("district_code", "community_code")
    op.execute(
        "CREATE POLICY whistle_add ON whistle FOR INSERT"
        f" WITH CHECK ({_s('role')} IN {RAISERS} AND ({area}))"
    )
    mine = f"({area}) OR responding_department = {_s('department')}"
    op.execute(
        "CREATE POLICY whistle_change ON whistle FOR UPDATE"
        f" USING ({_s('role')} IN {ACTORS} AND ({mine}))"
        f" WITH CHECK ({_s('role')} IN {ACTORS} AND ({mine}))"
    )


def downgrade() -> None:
    op.execute("DROP POLICY IF EXISTS whistle_add ON whistle")
    op.execute("DROP POLICY IF EXISTS whistle_change ON whistle")
    op.execute(f"REVOKE INSERT, UPDATE ON whistle FROM {APP_ROLE}")
    op.drop_index("ix_whistle_department_status", table_name="whistle")
    op.drop_constraint("ck_whistle_supervision", "whistle", type_="check")
    for name in ("item_code", "description", "raised_by", "due_at", "response", "evaluated_at",
                 "evaluation_note", "assessed_at", "supervision_level", "version"):  # fmt: skip
        op.drop_column("whistle", name)
    op.drop_table("whistle_item")

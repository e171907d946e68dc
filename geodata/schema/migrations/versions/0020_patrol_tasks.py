"""Risk-driven patrol tasks (巡查任务): what each task is about (a building not patrolled lately,
a case to verify on site, a key person due a visit, a high-risk grid), where, from when, and how
it closed (covered by a patrol visit, or marked handled / found by the worker). One open task per
target at a time. The app may create tasks and close them within its caller's jurisdiction.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zongzhi_app"
KINDS = ("risk", "coverage", "case", "key_person", "manual")
OUTCOMES = ("covered", "handled", "found", "expired")
WRITERS = "('city', 'district', 'township', 'grid_worker', 'admin')"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


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
    ts = sa.DateTime(timezone=True)
    for column in (
        sa.Column("kind", sa.String(12), server_default="manual", nullable=False),
        sa.Column("building_id", sa.BigInteger(), sa.ForeignKey("building.id")),
        sa.Column("dispute_id", sa.BigInteger(), sa.ForeignKey("dispute.id")),
        sa.Column("key_person_id", sa.BigInteger(), sa.ForeignKey("key_person.id")),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
        sa.Column("created_on", sa.Date(), server_default=sa.text("CURRENT_DATE"), nullable=False),
        sa.Column("closed_at", ts),
        sa.Column("closed_by", sa.Text()),
        sa.Column("outcome", sa.String(10)),
        sa.Column("note", sa.Text()),
    ):
        op.add_column("patrol_task", column)
    op.create_check_constraint("ck_patrol_task_kind", "patrol_task", _in("kind", KINDS))
    op.create_check_constraint(
        "ck_patrol_task_outcome", "patrol_task", "outcome IS NULL OR " + _in("outcome", OUTCOMES)
    )
    op.create_index(
        "uq_patrol_task_open_target",
        "patrol_task",
        ["grid_code", "kind", sa.text("coalesce(building_id, dispute_id, key_person_id, 0)")],
        unique=True,
        postgresql_where=sa.text("status = 'open' AND kind <> 'manual'"),
    )
    op.create_index("ix_patrol_task_grid_due", "patrol_task", ["grid_code", "due_on"])
    op.create_index("ix_patrol_task_geom", "patrol_task", ["geom"], postgresql_using="gist")
    rule = f"{_s('role')} IN {WRITERS} AND ({area_rule('district_code', 'grid_code')})"
    op.execute(f"GRANT INSERT, UPDATE ON patrol_task TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SEQUENCE patrol_task_id_seq TO {APP_ROLE}")
    op.execute(f"CREATE POLICY patrol_task_add ON patrol_task FOR INSERT WITH CHECK ({rule})")
    op.execute(
        f"CREATE POLICY patrol_task_change ON patrol_task FOR UPDATE USING ({rule})"
        f" WITH CHECK ({rule})"
    )


def downgrade() -> None:
    op.execute("DROP POLICY IF EXISTS patrol_task_add ON patrol_task")
    op.execute("DROP POLICY IF EXISTS patrol_task_change ON patrol_task")
    op.execute(f"REVOKE INSERT, UPDATE ON patrol_task FROM {APP_ROLE}")
    for name in ("uq_patrol_task_open_target", "ix_patrol_task_grid_due", "ix_patrol_task_geom"):
        op.drop_index(name, table_name="patrol_task")
    op.drop_constraint("ck_patrol_task_kind", "patrol_task", type_="check")
    op.drop_constraint("ck_patrol_task_outcome", "patrol_task", type_="check")
    for name in ("kind", "building_id", "dispute_id", "key_person_id", "geom", "created_on",
                 "closed_at", "closed_by", "outcome", "note"):  # fmt: skip
        op.drop_column("patrol_task", name)

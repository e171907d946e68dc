"""Early-warning alerts (研判预警): one row per episode of an area × dispute type — opened, updated
while it lasts, closed by the statistic — with what people did about it (acknowledged, assigned,
dismissed with a reason). Row-level security by the area's district and code.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zongzhi_app"
STATES = ("open", "acknowledged", "assigned", "dismissed", "closed")
WRITERS = "('city', 'district', 'township', 'admin')"


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
    op.create_table(
        "alert_episode",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("area_code", sa.String(12), sa.ForeignKey("admin_area.code"), nullable=False),
        sa.Column("area_level", sa.String(10), nullable=False),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("type_code", sa.String(16), sa.ForeignKey("dispute_type.code"), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("last_alarm_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date()),
        sa.Column("observed", sa.Float(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("statistic", sa.Float(), nullable=False),
        sa.Column("method", sa.String(10), nullable=False),
        sa.Column("state", sa.String(12), server_default="open", nullable=False),
        sa.Column("assignee", sa.Text()),
        sa.Column("reason", sa.Text()),
        sa.Column("updated_at", ts, server_default=sa.func.now(), nullable=False),
        sa.Column("updated_by", sa.Text()),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.CheckConstraint(_in("state", STATES), name="ck_alert_episode_state"),
        sa.CheckConstraint(
            _in("area_level", ("township", "community")), name="ck_alert_episode_level"
        ),
        sa.CheckConstraint(_in("method", ("ears_c2", "nb_cusum")), name="ck_alert_episode_method"),
        sa.UniqueConstraint("area_code", "type_code", "opened_on", name="uq_alert_episode"),
    )
    op.create_index("ix_alert_episode_district", "alert_episode", ["district_code", "state"])
    op.create_index("ix_alert_episode_open", "alert_episode", ["closed_on", "opened_on"])
    op.execute(
        "CREATE TRIGGER alert_episode_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        " ON alert_episode FOR EACH STATEMENT EXECUTE FUNCTION zongzhi_bump_data_version('disputes')"
    )
    rule = area_rule("district_code", "area_code")
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON alert_episode TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SEQUENCE alert_episode_id_seq TO {APP_ROLE}")
    op.execute("ALTER TABLE alert_episode ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE alert_episode FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY alert_episode_read ON alert_episode FOR SELECT USING ({rule})")
    op.execute(
        "CREATE POLICY alert_episode_add ON alert_episode FOR INSERT"
        f" WITH CHECK ({_s('role')} IN {WRITERS} AND ({rule}))"
    )
    op.execute(
        "CREATE POLICY alert_episode_change ON alert_episode FOR UPDATE"
        f" USING ({_s('role')} IN {WRITERS} AND ({rule}))"
        f" WITH CHECK ({_s('role')} IN {WRITERS} AND ({rule}))"
    )


def downgrade() -> None:
    op.drop_table("alert_episode")

"""Background exports (大文件导出): one row per requested report file — who asked, for what area,
period, filters and format, how far it has got, and where the file is. A user sees only their own
jobs (administrators all).

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zongzhi_app"


def _s(name: str) -> str:
    return f"(SELECT zongzhi_scope_setting('{name}'))"


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "export_job",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("format", sa.String(5), nullable=False),
        sa.Column("params", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.String(8), server_default="queued", nullable=False),
        sa.Column("progress", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("stage", sa.Text()),
        sa.Column("file_name", sa.Text()),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", ts, server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", ts),
        sa.CheckConstraint("format IN ('pdf', 'xlsx', 'gpkg', 'csv')", name="ck_export_job_format"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="ck_export_job_status"
        ),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="ck_export_job_progress"),
    )
    op.create_index("ix_export_job_user", "export_job", ["username", "created_at"])
    mine = f"username = {_s('user')} OR {_s('role')} = 'admin'"
    op.execute(f"GRANT SELECT, INSERT, UPDATE ON export_job TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON SEQUENCE export_job_id_seq TO {APP_ROLE}")
    op.execute("ALTER TABLE export_job ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE export_job FORCE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY export_job_read ON export_job FOR SELECT USING ({mine})")
    op.execute(
        f"CREATE POLICY export_job_add ON export_job FOR INSERT WITH CHECK (username = {_s('user')})"
    )
    op.execute(
        f"CREATE POLICY export_job_change ON export_job FOR UPDATE USING ({mine}) WITH CHECK ({mine})"
    )


def downgrade() -> None:
    op.drop_table("export_job")

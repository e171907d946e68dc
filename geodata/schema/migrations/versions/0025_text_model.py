"""Trained text models (``classify``): one row per training run — what it predicts (``kind``),
when, its held-out metrics and the serialised model — and at most one active model per kind.
No personal data (a model holds character n-gram weights): the app's role may read it, no
row-level security. Writes bump the catalogue's data version.

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zongzhi_app"


def upgrade() -> None:
    op.create_table(
        "text_model",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column(
            "trained_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("metrics", postgresql.JSONB(), nullable=False),
        sa.Column("model", sa.LargeBinary(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default="false", nullable=False),
        sa.CheckConstraint("kind ~ '^[a-z_]{1,32}$'", name="ck_text_model_kind"),
    )
    op.create_index(
        "uq_text_model_active",
        "text_model",
        ["kind"],
        unique=True,
        postgresql_where=sa.text("active"),
    )
    op.create_index("ix_text_model_kind_trained", "text_model", ["kind", "trained_at"])
    op.execute(
        "CREATE TRIGGER text_model_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
        " ON text_model FOR EACH STATEMENT EXECUTE FUNCTION zongzhi_bump_data_version('catalogue')"
    )
    op.execute(f"GRANT SELECT ON text_model TO {APP_ROLE}")


def downgrade() -> None:
    op.drop_table("text_model")

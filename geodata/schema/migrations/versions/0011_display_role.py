"""The wall display's role: ``display`` (city-wide aggregates, no personal data, long sessions).

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: a migration records the past.
BEFORE = ("viewer", "leader", "analyst", "admin")
AFTER = (*BEFORE, "display")


def _check(roles: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def upgrade() -> None:
    op.drop_constraint("ck_app_user_role", "app_user", type_="check")
    op.create_check_constraint("ck_app_user_role", "app_user", _check(AFTER))


def downgrade() -> None:
    op.execute("DELETE FROM app_user WHERE role = 'display'")
    op.drop_constraint("ck_app_user_role", "app_user", type_="check")
    op.create_check_constraint("ck_app_user_role", "app_user", _check(BEFORE))

"""签收 sign: a department signs for an assigned case (assigned → in_progress), a new action in
the workflow history, so the CHECK on ``dispute_event.action`` admits it.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (a migration must not change when the vocabulary does); test_dom004 and the
# schema tests check the models' CHECK, which is built from domain.vocab, against the database.
BEFORE = ("accept", "assign", "supervise", "proxy", "consult", "resolve", "evaluate", "archive")
AFTER = (
    "accept",
    "assign",
    "sign",
    "supervise",
    "proxy",
    "consult",
    "resolve",
    "evaluate",
    "archive",
)
NAME = "ck_dispute_event_action"


def _check(actions: tuple[str, ...]) -> str:
    return "action IN (" + ", ".join(f"'{a}'" for a in actions) + ")"


def upgrade() -> None:
    op.drop_constraint(NAME, "dispute_event", type_="check")
    op.create_check_constraint(NAME, "dispute_event", _check(AFTER))


def downgrade() -> None:
    # The history is append-only (a trigger refuses DELETE), so 签收 events cannot be removed.
    signed = op.get_bind().execute(
        sa.text("SELECT count(*) FROM dispute_event WHERE action = 'sign'")
    )
    if signed.scalar():
        raise RuntimeError("cannot downgrade below 0008: dispute_event holds 签收 (sign) events")
    op.drop_constraint(NAME, "dispute_event", type_="check")
    op.create_check_constraint(NAME, "dispute_event", _check(BEFORE))

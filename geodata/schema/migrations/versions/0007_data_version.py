"""Data versions driven by writes: a ``data_version`` row per family, bumped by statement
triggers on every table of the family (load, workflow or hand-written SQL alike).

Revision ID: 0007
Revises: 0006
"""

import re
from collections.abc import Sequence
from importlib import resources

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (a migration must not change when the models do); tests check that every table
# of the models is in one family.
FAMILY_TABLES = {
    "areas": ("admin_area", "grid", "building", "housing_unit", "compound"),
    "people": ("key_person", "grid_worker", "building_chief", "mediator"),
    "disputes": ("dispute", "dispute_sub_case", "dispute_event", "whistle"),
    "patrols": ("patrol_visit", "patrol_task"),
    "catalogue": ("dispute_type", "department", "mediation_room", "whistle_class"),
}


def _statements() -> list[str]:
    sql = (resources.files("geodata.schema") / "sql" / "0007_data_version.sql").read_text("utf-8")
    parts = [p.strip() for p in re.split(r"^-- statement$", sql, flags=re.MULTILINE)]
    return [p for p in parts if p and not all(ln.startswith("--") for ln in p.splitlines())]


def upgrade() -> None:
    for statement in _statements():
        op.execute(statement)
    for family, tables in FAMILY_TABLES.items():
        for table in tables:
            op.execute(
                f"CREATE TRIGGER {table}_data_version"
                " AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT"
                f" EXECUTE FUNCTION zongzhi_bump_data_version('{family}')"
            )


def downgrade() -> None:
    for tables in FAMILY_TABLES.values():
        for table in tables:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
    op.execute("DROP FUNCTION IF EXISTS zongzhi_bump_data_version()")
    op.execute("DROP TABLE IF EXISTS data_version")
    op.execute("DROP SEQUENCE IF EXISTS data_version_seq")

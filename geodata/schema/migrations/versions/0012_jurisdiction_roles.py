"""Roles by jurisdiction: 市级指挥中心 city, 区县 district, 乡镇街道 township, 网格员 grid_worker,
入驻部门 department, 分析规划 analyst, 大屏 display, 管理员 admin.

A user's jurisdiction is one area code of any level (``area_code``: the city's code for the
whole city; a code is the prefix of every code below it) and, for a department, its
``department_code``. Users of the old roles move over: a leader with a district becomes a
district user, one without a city user; a viewer a city user; the city's code goes to every
user that had no district.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here: a migration records the past.
BEFORE = ("viewer", "leader", "analyst", "admin", "display")
AFTER = ("city", "district", "township", "grid_worker", "department", "analyst", "display", "admin")


def _check(roles: tuple[str, ...]) -> str:
    return "role IN (" + ", ".join(f"'{r}'" for r in roles) + ")"


def upgrade() -> None:
    op.add_column("app_user", sa.Column("area_code", sa.String(15)))
    op.add_column(
        "app_user",
        sa.Column("department_code", sa.String(16), sa.ForeignKey("department.code")),
    )
    op.drop_constraint("ck_app_user_role", "app_user", type_="check")
    op.alter_column("app_user", "role", type_=sa.String(12))
    op.alter_column("audit_log", "role", type_=sa.String(20))
    op.execute(
        "UPDATE app_user SET area_code = coalesce(district_code,"
        " (SELECT code FROM admin_area WHERE level = 'city' ORDER BY code LIMIT 1)),"
        " role = CASE role WHEN 'leader' THEN CASE WHEN district_code IS NULL THEN 'city'"
        " ELSE 'district' END WHEN 'viewer' THEN 'city' ELSE role END"
    )
    op.drop_constraint("ck_app_user_district", "app_user", type_="check")
    op.drop_column("app_user", "district_code")
    op.create_check_constraint("ck_app_user_role", "app_user", _check(AFTER))
    op.create_check_constraint(
        "ck_app_user_area",
        "app_user",
        "area_code IS NULL OR area_code ~ '^[0-9]{6}([0-9]{3}){0,3}$'",
    )
    op.create_check_constraint(
        "ck_app_user_department",
        "app_user",
        "(role = 'department') = (department_code IS NOT NULL)",
    )


def downgrade() -> None:
    op.drop_constraint("ck_app_user_department", "app_user", type_="check")
    op.drop_constraint("ck_app_user_area", "app_user", type_="check")
    op.drop_constraint("ck_app_user_role", "app_user", type_="check")
    op.add_column("app_user", sa.Column("district_code", sa.String(6)))
    op.execute(
        "UPDATE app_user SET district_code = CASE WHEN length(area_code) >= 6"
        " AND role NOT IN ('city', 'display', 'admin') THEN left(area_code, 6) END,"
        " role = CASE WHEN role IN ('city', 'district', 'township', 'grid_worker', 'department')"
        " THEN 'leader' ELSE role END"
    )
    op.drop_column("app_user", "department_code")
    op.drop_column("app_user", "area_code")
    op.create_check_constraint("ck_app_user_role", "app_user", _check(BEFORE))
    op.create_check_constraint(
        "ck_app_user_district",
        "app_user",
        "district_code IS NULL OR district_code ~ '^[0-9]{6}$'",
    )

"""Row-level security on every table holding people or cases, for the app's own role.

The app connects as ``zongzhi_app``: no superuser, no owner, no BYPASSRLS (``serve`` refuses
otherwise). It may read what its caller's jurisdiction holds and write only sessions, audit rows
and (administrators) users. Migrations and loads run as the owner. Each table gets FORCE ROW
LEVEL SECURITY, so even its owner is held to the policies unless it has BYPASSRLS.

Revision ID: 0013
Revises: 0012
"""

import re
from collections.abc import Sequence
from importlib import resources

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zongzhi_app"


def _s(name: str) -> str:
    """A scope setting, read once per statement."""
    return f"(SELECT zongzhi_scope_setting('{name}'))"


def area_rule(d: str, x: str) -> str:
    """A row of district ``d`` whose finest area code is ``x`` lies in the caller's areas.

    ``ANY ((SELECT …)::text[])``: the cast makes the init plan an array expression; without it
    ``ANY ((SELECT …))`` would parse as a subquery compared row by row."""
    return (
        f"(SELECT zongzhi_scope_city()) OR {d} = ANY ((SELECT zongzhi_scope_level(6))::text[])"
        f" OR ({d} = ANY ((SELECT zongzhi_scope_districts())::text[])"
        f" AND (left({x}, 9) = ANY ((SELECT zongzhi_scope_level(9))::text[])"
        f" OR left({x}, 12) = ANY ((SELECT zongzhi_scope_level(12))::text[])"
        f" OR {x} = ANY ((SELECT zongzhi_scope_level(15))::text[])))"
    )


# An administrator holds the city: an admin role with a garbage or missing area sees nothing.
ADMIN = f"({_s('role')} = 'admin' AND (SELECT zongzhi_scope_city()))"
# People's records (key persons, workers, residents, patrols) are for these roles only.
PEOPLE_ROLES = "('city', 'district', 'township', 'grid_worker', 'admin')"
_BUILDING_GRID = "(SELECT b.grid_code FROM building b WHERE b.id = building_id)"
_CASE_GRID = "zongzhi_case_grid(dispute_id)"

# table → the rows its readers may see.
READ_POLICIES: dict[str, str] = {
    "dispute": (
        f"{area_rule('district_code', 'grid_code')}"  # noqa: S608 — constant SQL, values bound
        f" OR ({_s('department')} IS NOT NULL AND (lead_department = {_s('department')}"
        " OR EXISTS (SELECT 1 FROM dispute_type t WHERE t.code = type_code"
        f" AND {_s('department')} = ANY (t.cooperating_departments::text[]))"
        " OR EXISTS (SELECT 1 FROM dispute_sub_case s WHERE s.dispute_id = id"
        f" AND s.department_code = {_s('department')})))"
    ),
    "dispute_sub_case": (
        f"{area_rule('district_code', _CASE_GRID)}"
        f" OR ({_s('department')} IS NOT NULL"
        f" AND zongzhi_department_case(dispute_id, {_s('department')}))"
    ),
    "dispute_event": (
        f"{area_rule('district_code', _CASE_GRID)}"
        f" OR ({_s('department')} IS NOT NULL"
        f" AND zongzhi_department_case(dispute_id, {_s('department')}))"
    ),
    "whistle": (
        f"{area_rule('district_code', 'community_code')}"
        f" OR responding_department = {_s('department')}"
    ),
    "key_person": (
        f"{_s('role')} IN {PEOPLE_ROLES} AND ({area_rule('district_code', 'grid_code')})"
    ),
    "grid_worker": f"{area_rule('district_code', 'grid_code')}",
    "building_chief": (
        f"{_s('role')} IN {PEOPLE_ROLES} AND ({area_rule('district_code', _BUILDING_GRID)})"
    ),
    "housing_unit": area_rule("district_code", _BUILDING_GRID),
    "patrol_visit": area_rule("district_code", "grid_code"),
    "patrol_task": area_rule("district_code", "grid_code"),
    # Users: administrators all; anyone their own row; the account being signed in, and the
    # one whose session cookie is being looked up.
    "app_user": (
        f"{ADMIN} OR username = {_s('user')} OR username = {_s('signin')}"  # noqa: S608 — constant SQL, values bound
        " OR username = (SELECT s.username FROM app_session s"
        f" WHERE s.token_hash = {_s('session')})"
    ),
    "app_session": (
        f"{ADMIN} OR token_hash = {_s('session')} OR username = {_s('user')}"
        f" OR username = {_s('signin')}"
    ),
    # The audit trail: administrators; sign-in may count the failures of the account it checks.
    "audit_log": (f"{ADMIN} OR (action = 'auth.login_failed' AND user_name = {_s('signin')})"),
}
# The indexes the policies' columns need (the others exist already).
POLICY_INDEXES = {
    "ix_key_person_district": ("key_person", "district_code"),
    "ix_grid_worker_district": ("grid_worker", "district_code"),
    "ix_building_chief_district": ("building_chief", "district_code"),
    "ix_housing_unit_district": ("housing_unit", "district_code"),
    "ix_patrol_visit_district_at": ("patrol_visit", "district_code, visited_at"),
    "ix_patrol_task_district": ("patrol_task", "district_code"),
    "ix_whistle_district": ("whistle", "district_code"),
    "ix_dispute_sub_case_district": ("dispute_sub_case", "district_code"),
    "ix_dispute_sub_case_department": ("dispute_sub_case", "department_code, dispute_id"),
    "ix_dispute_event_district": ("dispute_event", "district_code"),
    "ix_dispute_lead_department": ("dispute", "lead_department"),
    "ix_audit_log_user_action": ("audit_log", "user_name, action, at"),
}
# What the app may write (it reads every table but the quarantine, whose raw rows are unmasked).
WRITES = {
    "app_session": "INSERT, UPDATE",
    "app_user": "INSERT, UPDATE",
    "audit_log": "INSERT",
}
WRITE_POLICIES = {
    "app_session": (
        f"{ADMIN} OR username = {_s('user')} OR username = {_s('signin')}",
        f"{ADMIN} OR token_hash = {_s('session')} OR username = {_s('user')}",
    ),
    "app_user": (ADMIN, ADMIN),
}
NOT_READ = ("etl_quarantine",)


def _statements() -> list[str]:
    sql = (resources.files("geodata.schema") / "sql" / "0013_row_security.sql").read_text("utf-8")
    parts = [p.strip() for p in re.split(r"^-- statement$", sql, flags=re.MULTILINE)]
    return [p for p in parts if p and not all(ln.startswith("--") for ln in p.splitlines())]


def upgrade() -> None:
    op.execute(
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}')"
        f" THEN CREATE ROLE {APP_ROLE} NOLOGIN; END IF; END $$"
    )
    for statement in _statements():
        op.execute(statement)
    for name, (table, columns) in POLICY_INDEXES.items():
        op.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({columns})")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    for table in NOT_READ:
        op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
    # A partition read directly would skip its parent's policies: the app reads the parent only
    # (partitions made later by loads get no grant).
    op.execute(
        "DO $$ DECLARE r record; BEGIN FOR r IN SELECT i.inhrelid::regclass AS part"  # noqa: S608 — constant SQL, values bound
        " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE c.relkind IN ('r', 'p') LOOP"
        f" EXECUTE format('REVOKE ALL ON %s FROM {APP_ROLE}', r.part); END LOOP; END $$"
    )
    for table, privileges in WRITES.items():
        op.execute(f"GRANT {privileges} ON {table} TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    for table, rule in READ_POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({rule})")
    op.execute("CREATE POLICY audit_log_append ON audit_log FOR INSERT WITH CHECK (true)")
    for table, (insert_check, update_using) in WRITE_POLICIES.items():
        op.execute(f"CREATE POLICY {table}_add ON {table} FOR INSERT WITH CHECK ({insert_check})")
        op.execute(
            f"CREATE POLICY {table}_change ON {table} FOR UPDATE"
            f" USING ({update_using}) WITH CHECK ({update_using})"
        )


def downgrade() -> None:
    for table in READ_POLICIES:
        for suffix in ("read", "add", "change", "append"):
            op.execute(f"DROP POLICY IF EXISTS {table}_{suffix} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
    for name in POLICY_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    for fn in (
        "zongzhi_department_case(bigint, text)",
        "zongzhi_case_grid(bigint)",
        "zongzhi_scope_setting(text)",
        "zongzhi_scope_districts()",
        "zongzhi_scope_level(integer)",
        "zongzhi_scope_city()",
        "zongzhi_scope_areas()",
    ):
        op.execute(f"DROP FUNCTION IF EXISTS {fn}")

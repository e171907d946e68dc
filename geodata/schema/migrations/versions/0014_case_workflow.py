"""The case workflow (调度台): what a case needs to be worked on — its optimistic version, the
assignee of 交办 (department, mediation room or grid worker) with cooperating departments, the
SLA clocks (签收, 化解), 督办 level, 代办 agent, outcome codes, 重办 count, merges — plus locks
with their plans (给钥匙), joint consultations (商办), links between cases, intake API tokens,
and the app role's right to write cases under row-level security.

A case may wait for its location (an address no building matched): it then has no point and
no grid, and carries the city's code as its district (only city-wide desks see it).

The department clause of the case policies now reads the case's own cooperating departments
(set at 交办 from the type's, editable), not the type's.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zongzhi_app"
# Frozen here: a migration records the past (the models' CHECKs are built from domain.vocab and
# compared with the database by the schema tests).
STATUSES_BEFORE = ("received", "assigned", "in_progress", "resolved", "unresolved", "archived")
STATUSES = (*STATUSES_BEFORE, "merged")
ACTIONS_BEFORE = (
    "accept", "assign", "sign", "supervise", "proxy", "consult", "resolve", "evaluate", "archive",
)  # fmt: skip
ACTIONS = (
    "accept", "classify", "locate", "proxy", "assign", "return", "sign", "supervise", "consult",
    "split", "key", "unlock", "resolve", "evaluate", "reopen", "archive", "merge",
)  # fmt: skip
LOCK_STATUSES_BEFORE = ("open", "done", "failed")
LOCK_STATUSES = ("open", "planned", "done", "failed")
OUTCOMES = ("agreement", "litigation", "withdrawn", "not_resolved")
ASSIGNEE_KINDS = ("department", "mediation", "grid_worker")
LINK_KINDS = ("duplicate", "merged")
SOURCES = ("hotline", "police", "court", "petition", "grid_worker", "walk_in", "other")
OPEN = "('received', 'assigned', 'in_progress')"
# Roles that may write cases at all (the rules in domain.workflow say which action each may take).
WRITERS = "('city', 'district', 'township', 'grid_worker', 'department', 'admin', 'intake')"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _s(name: str) -> str:
    return f"(SELECT zongzhi_scope_setting('{name}'))"


def area_rule(d: str, x: str) -> str:
    """As in 0013: a row of district ``d`` whose finest area code is ``x`` is in scope."""
    return (
        f"(SELECT zongzhi_scope_city()) OR {d} = ANY ((SELECT zongzhi_scope_level(6))::text[])"
        f" OR ({d} = ANY ((SELECT zongzhi_scope_districts())::text[])"
        f" AND (left({x}, 9) = ANY ((SELECT zongzhi_scope_level(9))::text[])"
        f" OR left({x}, 12) = ANY ((SELECT zongzhi_scope_level(12))::text[])"
        f" OR {x} = ANY ((SELECT zongzhi_scope_level(15))::text[])))"
    )


_CASE_GRID = "zongzhi_case_grid(dispute_id)"
_DEPT = _s("department")
DISPUTE_READ = (
    f"{area_rule('district_code', 'grid_code')}"  # noqa: S608 — constant SQL
    f" OR ({_DEPT} IS NOT NULL AND (lead_department = {_DEPT}"
    f" OR {_DEPT} = ANY (cooperating_departments::text[])"
    " OR EXISTS (SELECT 1 FROM dispute_sub_case s WHERE s.dispute_id = dispute.id"
    f" AND s.department_code = {_DEPT})))"
)
CHILD_READ = (
    f"{area_rule('district_code', _CASE_GRID)}"
    f" OR ({_DEPT} IS NOT NULL AND zongzhi_department_case(dispute_id, {_DEPT}))"
)
WRITER = f"{_s('role')} IN {WRITERS}"
# table → (read rule, may insert, may update) for the case tables the app now writes.
CASE_TABLES = {
    "dispute": (DISPUTE_READ, True, True),
    "dispute_sub_case": (CHILD_READ, True, True),
    "dispute_event": (CHILD_READ, True, False),
    "consultation": (CHILD_READ, True, False),
    "dispute_link": (CHILD_READ, True, False),
}
NEW_CASE_TABLES = ("consultation", "dispute_link")

DEPARTMENT_CASE = """
CREATE OR REPLACE FUNCTION zongzhi_department_case(case_id bigint, dept text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT dept IS NOT NULL AND EXISTS (
        SELECT 1 FROM dispute d
         WHERE d.id = case_id
           AND (d.lead_department = dept OR dept = ANY (d.cooperating_departments)
                OR EXISTS (SELECT 1 FROM dispute_sub_case s
                            WHERE s.dispute_id = case_id AND s.department_code = dept)))
$$
"""
DEPARTMENT_CASE_BEFORE = """
CREATE OR REPLACE FUNCTION zongzhi_department_case(case_id bigint, dept text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT dept IS NOT NULL AND EXISTS (
        SELECT 1 FROM dispute d JOIN dispute_type t ON t.code = d.type_code
         WHERE d.id = case_id
           AND (d.lead_department = dept OR dept = ANY (t.cooperating_departments)
                OR EXISTS (SELECT 1 FROM dispute_sub_case s
                            WHERE s.dispute_id = case_id AND s.department_code = dept)))
$$
"""


def _dispute_columns() -> list[sa.Column]:
    ts = sa.DateTime(timezone=True)
    return [
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("reporter_name", sa.Text()),
        sa.Column("reporter_phone", sa.String(20)),
        sa.Column(
            "cooperating_departments",
            postgresql.ARRAY(sa.String(16)),
            server_default="{}",
            nullable=False,
        ),
        sa.Column("assignee_kind", sa.String(12)),
        sa.Column("mediation_room_id", sa.BigInteger(), sa.ForeignKey("mediation_room.id")),
        sa.Column("mediator_id", sa.BigInteger(), sa.ForeignKey("mediator.id")),
        sa.Column("worker_id", sa.BigInteger(), sa.ForeignKey("grid_worker.id")),
        sa.Column("agent", sa.Text()),
        sa.Column("assigned_at", ts),
        sa.Column("sign_due_at", ts),
        sa.Column("signed_at", ts),
        sa.Column("supervision_level", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("outcome_code", sa.String(16)),
        sa.Column("evaluated_at", ts),
        sa.Column("reopen_count", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("archived_at", ts),
        sa.Column("merged_into", sa.BigInteger(), sa.ForeignKey("dispute.id")),
    ]


def _backfill() -> None:
    """What the existing histories already say, written into the new columns."""
    op.execute(
        "UPDATE dispute d SET cooperating_departments = t.cooperating_departments"
        " FROM dispute_type t WHERE t.code = d.type_code"
    )
    op.execute(
        "UPDATE dispute d SET assignee_kind = 'department', assigned_at = e.at"
        " FROM (SELECT dispute_id, max(at) AS at FROM dispute_event WHERE action = 'assign'"
        " GROUP BY 1) e WHERE e.dispute_id = d.id AND d.status <> 'received'"
    )
    op.execute(
        "UPDATE dispute d SET signed_at = e.at"
        " FROM (SELECT dispute_id, min(at) AS at FROM dispute_event WHERE action = 'sign'"
        " GROUP BY 1) e WHERE e.dispute_id = d.id"
    )
    op.execute(
        "UPDATE dispute d SET evaluated_at = e.at"
        " FROM (SELECT dispute_id, max(at) AS at FROM dispute_event WHERE action = 'evaluate'"
        " GROUP BY 1) e WHERE e.dispute_id = d.id"
    )
    op.execute(
        "UPDATE dispute d SET archived_at = e.at"
        " FROM (SELECT dispute_id, max(at) AS at FROM dispute_event WHERE action = 'archive'"
        " GROUP BY 1) e WHERE e.dispute_id = d.id"
    )
    op.execute(
        "UPDATE dispute d SET supervision_level = 2 WHERE EXISTS (SELECT 1 FROM dispute_event e"
        " WHERE e.dispute_id = d.id AND e.action = 'supervise')"
    )
    op.execute(
        "UPDATE dispute SET outcome_code = CASE status WHEN 'unresolved' THEN 'not_resolved'"
        " ELSE 'agreement' END WHERE resolved_at IS NOT NULL OR status = 'unresolved'"
    )
    op.execute(
        "UPDATE dispute_sub_case s SET created_at = coalesce("
        "(SELECT min(e.at) FROM dispute_event e WHERE e.sub_case_id = s.id),"
        " (SELECT d.reported_at FROM dispute d WHERE d.id = s.dispute_id))"
    )


def upgrade() -> None:
    for column in _dispute_columns():
        op.add_column("dispute", column)
    op.alter_column("dispute", "geom", nullable=True)
    op.drop_constraint("ck_dispute_status", "dispute", type_="check")
    op.create_check_constraint("ck_dispute_status", "dispute", _in("status", STATUSES))
    op.create_check_constraint(
        "ck_dispute_assignee_kind",
        "dispute",
        "assignee_kind IS NULL OR " + _in("assignee_kind", ASSIGNEE_KINDS),
    )
    op.create_check_constraint(
        "ck_dispute_outcome", "dispute", "outcome_code IS NULL OR " + _in("outcome_code", OUTCOMES)
    )
    op.create_check_constraint(
        "ck_dispute_supervision", "dispute", "supervision_level BETWEEN 0 AND 3"
    )
    op.create_check_constraint(
        "ck_dispute_merged", "dispute", "(status = 'merged') = (merged_into IS NOT NULL)"
    )
    op.create_check_constraint(
        "ck_dispute_located", "dispute", "geom IS NOT NULL OR grid_code IS NULL"
    )
    op.create_index(
        "ix_dispute_open_due", "dispute", ["due_at"], postgresql_where=sa.text(f"status IN {OPEN}")
    )
    op.create_index("ix_dispute_worker", "dispute", ["worker_id"])
    op.create_index(
        "ix_dispute_cooperating", "dispute", ["cooperating_departments"], postgresql_using="gin"
    )

    ts = sa.DateTime(timezone=True)
    for column in (
        sa.Column("created_at", ts),
        sa.Column("time_limit_days", sa.SmallInteger()),
        sa.Column("facts", sa.Text()),
        sa.Column("law", sa.Text()),
        sa.Column("plan", sa.Text()),
        sa.Column("planned_at", ts),
        sa.Column("outcome", sa.Text()),
    ):
        op.add_column("dispute_sub_case", column)
    op.drop_constraint("ck_dispute_sub_case_status", "dispute_sub_case", type_="check")
    op.create_check_constraint(
        "ck_dispute_sub_case_status", "dispute_sub_case", _in("status", LOCK_STATUSES)
    )
    op.add_column("dispute_event", sa.Column("detail", postgresql.JSONB()))
    _backfill()
    op.drop_constraint("ck_dispute_event_action", "dispute_event", type_="check")
    op.create_check_constraint("ck_dispute_event_action", "dispute_event", _in("action", ACTIONS))

    op.create_table(
        "consultation",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "dispute_id",
            sa.BigInteger(),
            sa.ForeignKey("dispute.id", ondelete="CASCADE"),
            nullable=False,
        ),  # fmt: skip
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("held_at", ts, nullable=False),
        sa.Column("departments", postgresql.ARRAY(sa.String(16)), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.CheckConstraint("cardinality(departments) >= 2", name="ck_consultation_departments"),
    )
    op.create_index("ix_consultation_dispute", "consultation", ["dispute_id"])
    op.create_index("ix_consultation_district", "consultation", ["district_code"])
    op.create_table(
        "dispute_link",
        sa.Column(
            "dispute_id",
            sa.BigInteger(),
            sa.ForeignKey("dispute.id", ondelete="CASCADE"),
            primary_key=True,
        ),  # fmt: skip
        sa.Column(
            "other_id",
            sa.BigInteger(),
            sa.ForeignKey("dispute.id", ondelete="CASCADE"),
            primary_key=True,
        ),  # fmt: skip
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("district_code", sa.String(6), nullable=False),
        sa.Column("score", sa.Float()),
        sa.Column("reason", sa.Text()),
        sa.Column("created_at", ts, server_default=sa.func.now(), nullable=False),
        sa.CheckConstraint(_in("kind", LINK_KINDS), name="ck_dispute_link_kind"),
        sa.CheckConstraint("dispute_id <> other_id", name="ck_dispute_link_other"),
    )
    op.create_index("ix_dispute_link_other", "dispute_link", ["other_id"])
    op.create_index("ix_dispute_link_district", "dispute_link", ["district_code"])
    op.create_table(
        "api_token",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", ts, server_default=sa.func.now(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("revoked_at", ts),
        sa.Column("last_used_at", ts),
        sa.CheckConstraint(_in("source", SOURCES), name="ck_api_token_source"),
        sa.CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="ck_api_token_hash"),
    )

    for table in NEW_CASE_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
            f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION zongzhi_bump_data_version('disputes')"
        )
    op.execute(DEPARTMENT_CASE)
    _policies()


def _policies() -> None:
    """The app may now write cases, within what it may read, by the roles that work on cases."""
    op.execute("DROP POLICY dispute_read ON dispute")
    op.execute(f"CREATE POLICY dispute_read ON dispute FOR SELECT USING ({DISPUTE_READ})")
    for table, (rule, may_insert, may_update) in CASE_TABLES.items():
        if table in NEW_CASE_TABLES:
            op.execute(f"GRANT SELECT ON {table} TO {APP_ROLE}")
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING ({rule})")
        if may_insert:
            op.execute(f"GRANT INSERT ON {table} TO {APP_ROLE}")
            op.execute(
                f"CREATE POLICY {table}_add ON {table} FOR INSERT WITH CHECK ({WRITER} AND ({rule}))"
            )
        if may_update:
            op.execute(f"GRANT UPDATE ON {table} TO {APP_ROLE}")
            op.execute(
                f"CREATE POLICY {table}_change ON {table} FOR UPDATE"
                f" USING ({WRITER} AND ({rule})) WITH CHECK ({WRITER} AND ({rule}))"
            )
    op.execute(f"GRANT SELECT, UPDATE (last_used_at) ON api_token TO {APP_ROLE}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")


def downgrade() -> None:
    bind = op.get_bind()
    for check, message in (
        ("SELECT count(*) FROM dispute WHERE status = 'merged' OR geom IS NULL",
         "merged or unlocated cases"),
        ("SELECT count(*) FROM dispute_event WHERE action NOT IN ("  # noqa: S608 — constant SQL
         + ", ".join(f"'{a}'" for a in ACTIONS_BEFORE) + ")", "events of the new actions"),
        ("SELECT count(*) FROM dispute_sub_case WHERE status = 'planned'", "planned locks"),
    ):  # fmt: skip
        if bind.execute(sa.text(check)).scalar():
            raise RuntimeError(f"cannot downgrade below 0014: the database holds {message}")
    for table in CASE_TABLES:
        for suffix in ("add", "change"):
            op.execute(f"DROP POLICY IF EXISTS {table}_{suffix} ON {table}")
        if table not in NEW_CASE_TABLES:
            op.execute(f"REVOKE INSERT, UPDATE ON {table} FROM {APP_ROLE}")
    op.execute(DEPARTMENT_CASE_BEFORE)
    op.drop_table("api_token")
    op.drop_table("dispute_link")
    op.drop_table("consultation")
    op.drop_constraint("ck_dispute_event_action", "dispute_event", type_="check")
    op.create_check_constraint(
        "ck_dispute_event_action", "dispute_event", _in("action", ACTIONS_BEFORE)
    )
    op.drop_column("dispute_event", "detail")
    op.drop_constraint("ck_dispute_sub_case_status", "dispute_sub_case", type_="check")
    op.create_check_constraint(
        "ck_dispute_sub_case_status", "dispute_sub_case", _in("status", LOCK_STATUSES_BEFORE)
    )
    for column in (
        "created_at",
        "time_limit_days",
        "facts",
        "law",
        "plan",
        "planned_at",
        "outcome",
    ):
        op.drop_column("dispute_sub_case", column)
    op.execute("DROP POLICY dispute_read ON dispute")
    for name in ("ix_dispute_open_due", "ix_dispute_worker", "ix_dispute_cooperating"):
        op.drop_index(name, table_name="dispute")
    for name in (
        "ck_dispute_assignee_kind", "ck_dispute_outcome", "ck_dispute_supervision",
        "ck_dispute_merged", "ck_dispute_located",
    ):  # fmt: skip
        op.drop_constraint(name, "dispute", type_="check")
    for column in reversed(_dispute_columns()):
        op.drop_column("dispute", column.name)
    op.alter_column("dispute", "geom", nullable=False)
    op.drop_constraint("ck_dispute_status", "dispute", type_="check")
    op.create_check_constraint("ck_dispute_status", "dispute", _in("status", STATUSES_BEFORE))
    # The policy of 0013 again: cooperation read from the type.
    op.execute(
        "CREATE POLICY dispute_read ON dispute FOR SELECT USING ("  # noqa: S608 — constant SQL
        f"{area_rule('district_code', 'grid_code')}"
        f" OR ({_DEPT} IS NOT NULL AND (lead_department = {_DEPT}"
        " OR EXISTS (SELECT 1 FROM dispute_type t WHERE t.code = type_code"
        f" AND {_DEPT} = ANY (t.cooperating_departments::text[]))"
        " OR EXISTS (SELECT 1 FROM dispute_sub_case s WHERE s.dispute_id = dispute.id"
        f" AND s.department_code = {_DEPT})))"
        ")"
    )

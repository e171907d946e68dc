"""The public guide's case lookup (/guide): one SECURITY DEFINER function that answers an exact
(case reference, last four digits of the reporter's phone) match with the case's type, status
and next deadline (a date) — nothing else — plus an index on the reference; and the indexes the
performance figures need.

Why a function and not a row-level policy for a "guide" scope: a policy decides which rows a
role sees, never which columns, and the app's role may read every column of a row it sees. A
scope that opened the matching row would hand the whole row (names, phone, address,
description) to whatever query ran under it. The function returns four fields for exactly one
match and nothing for zero or several matches; it takes the reference by equality (no pattern),
refuses a malformed last-four, and is executable by the app's role only (not PUBLIC). The app's
role still reads no case row under an anonymous scope: row-level security is unchanged.

The indexes on ``assigned_at`` and ``resolved_at`` serve geodata.read.performance: the span of
days a period's cases cover is then two index probes, not a scan of every visible case.

Revision ID: 0018
Revises: 0014
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "zongzhi_app"
SIGNATURE = "zongzhi_guide_lookup(text, text)"

# A merged duplicate stands where the case it was merged into stands (followed up to 8 links).
# The deadline shown is the calendar day the running clock ends on: a working-day due time is
# local midnight ending its last day (domain.workdays.due_at), hence the microsecond back.
LOOKUP = """
CREATE OR REPLACE FUNCTION zongzhi_guide_lookup(ref text, phone_last4 text)
RETURNS TABLE (type_code text, status text, merged boolean, next_due date)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    WITH RECURSIVE hit AS (
        SELECT d.id
          FROM dispute d
         WHERE length(ref) BETWEEN 1 AND 64
           AND phone_last4 ~ '^[0-9]{4}$'
           AND d.source_ref = ref
           AND right(regexp_replace(coalesce(d.reporter_phone, ''), '[^0-9]', '', 'g'), 4)
               = phone_last4
         LIMIT 2
    ),
    chain AS (
        SELECT d.id, d.type_code, d.status, d.merged_into, d.due_at, d.sign_due_at, 0 AS hop
          FROM dispute d JOIN hit h ON h.id = d.id
         WHERE (SELECT count(*) FROM hit) = 1
        UNION ALL
        SELECT d.id, d.type_code, d.status, d.merged_into, d.due_at, d.sign_due_at, c.hop + 1
          FROM chain c JOIN dispute d ON d.id = c.merged_into
         WHERE c.status = 'merged' AND c.hop < 8
    ),
    shown AS (
        SELECT c.type_code, c.status,
               CASE c.status WHEN 'assigned' THEN least(c.sign_due_at, c.due_at)
                             WHEN 'in_progress' THEN c.due_at END AS due,
               (SELECT max(hop) FROM chain) > 0 AS merged
          FROM chain c
         ORDER BY c.hop DESC
         LIMIT 1
    )
    SELECT CAST(s.type_code AS text), CAST(s.status AS text), s.merged,
           CAST((s.due - interval '1 microsecond') AT TIME ZONE 'Asia/Shanghai' AS date)
      FROM shown s
$$
"""


def upgrade() -> None:
    op.create_index("ix_dispute_source_ref", "dispute", ["source_ref"])
    # Department performance finds the days its period's cases span with one probe each.
    op.create_index("ix_dispute_assigned_at", "dispute", ["assigned_at"])
    op.create_index("ix_dispute_resolved_at", "dispute", ["resolved_at"])
    op.execute(LOOKUP)
    op.execute(f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION {SIGNATURE} TO {APP_ROLE}")


def downgrade() -> None:
    op.execute(f"DROP FUNCTION IF EXISTS {SIGNATURE}")
    for name in ("ix_dispute_resolved_at", "ix_dispute_assigned_at", "ix_dispute_source_ref"):
        op.drop_index(name, table_name="dispute")

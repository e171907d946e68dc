"""How this schema spreads over Citus (distributed PostgreSQL, keeps PostGIS) when one province's
data outgrow a machine — the plan, as data a test checks against the models so it cannot drift.

**Why by district.** Every table holding people or cases already carries ``district_code`` (the
row-level security key). A county is where almost every request stays: a district, township or
grid user, a grid panel, a heat tile at street zoom, a case and its history. Distributing by it
and co-locating every such table makes those *router queries* (one shard, full PostgreSQL
inside it, joins and PostGIS included). City- and province-wide views (the wall, Gi*, the
early-warning counts) become multi-shard aggregates run in parallel on the workers.

**Reference tables** (small, read everywhere, replicated to every node): the code tables and
the area hierarchy. ``admin_area`` holds a province's few thousand areas with their polygons;
replicated, a spatial join of points to areas stays local on every shard.

**Local tables** (coordinator only): sessions, users, the audit trail, ETL bookkeeping, data
versions, export jobs and API tokens — keyed by user or batch, never joined with case rows in
bulk, and the audit trail's append-only trigger stays as it is.

**What changes when it is done** (the DDL below does the schema part):

* *Keys.* Citus enforces a unique or primary key only when it contains the distribution column.
  Each distributed table's key becomes (``district_code``, its key): ``dispute`` (district_code,
  id), ``uq_dispute_source_ref`` becomes (district_code, source, source_ref) — a source
  reference is then unique within a county, and intake looks a repeat up by (source,
  source_ref) first, a multi-shard index scan, before inserting into the located county's shard.
  Foreign keys between co-located tables gain ``district_code`` on both sides (events → case,
  locks → case, visits → grid, housing units → building …); foreign keys to reference tables
  stay as they are.
* *A case's county is final once located.* Citus does not move a row between shards when its
  distribution column changes, so an unlocated case (today: the city's code as its district)
  waits in a local intake table and is inserted into its county's shard when it is located.
* *Row-level security.* Policies on distributed tables are propagated to the shards (Citus ≥
  11.3). The request's scope is set today with ``set_config(..., true)``, which Citus does not
  send to the workers; with ``citus.propagate_set_commands = 'local'`` the app sets it with
  ``SET LOCAL zongzhi.areas = '…'`` (values quoted with ``quote_literal``), which Citus repeats on
  every worker connection of the transaction. The SECURITY DEFINER helpers
  (``zongzhi_case_grid``, ``zongzhi_department_case``) must be distributed functions co-located
  with ``dispute`` so a policy never crosses shards.
* *Which queries become router queries:* everything filtered by a district, township, community
  or grid code (their first six digits are the district), a case by (district_code, id), the
  desk's queue of one county, a grid panel, a district's heat and vector tiles, a district
  report. Multi-shard: the city/province summaries, the wall, Gi* over every grid, early
  warning, a department user's queue (its cases span counties: cheap, it is a small index scan
  on every shard).
* *Partitions.* ``patrol_visit`` stays partitioned by month inside each shard (Citus distributes
  partitioned tables); detaching an old month detaches it everywhere.
* *Sequences.* ``bigserial`` ids come from the coordinator's sequences (Citus makes them
  ``bigint`` distributed sequences), unique across shards.
"""

from __future__ import annotations

DISTRIBUTION_COLUMN = "district_code"
# Replicated to every node.
REFERENCE = (
    "admin_area",
    "department",
    "dispute_type",
    "whistle_class",
    "whistle_item",
)
# Distributed by district_code, all in one co-location group with ``dispute``.
DISTRIBUTED = (
    "grid",
    "building",
    "housing_unit",
    "compound",
    "building_chief",
    "grid_worker",
    "key_person",
    "key_person_case",
    "mediation_room",
    "mediator",
    "dispute",
    "dispute_event",
    "dispute_sub_case",
    "consultation",
    "dispute_link",
    "whistle",
    "patrol_visit",
    "patrol_task",
    "alert_episode",
)
# Stay on the coordinator.
LOCAL = (
    "app_user",
    "app_session",
    "audit_log",
    "etl_batch",
    "etl_quarantine",
    "data_version",
    "export_job",
    "api_token",
    "text_model",  # a few MB, read once per process by the classifier
)
COLOCATE_WITH = "dispute"


def ddl() -> list[str]:
    """The statements that distribute an existing schema (after the key changes above)."""
    out = ["CREATE EXTENSION IF NOT EXISTS citus", "SET citus.propagate_set_commands = 'local'"]
    out += [f"SELECT create_reference_table('{t}')" for t in REFERENCE]
    out.append(f"SELECT create_distributed_table('{COLOCATE_WITH}', '{DISTRIBUTION_COLUMN}')")
    out += [
        f"SELECT create_distributed_table('{t}', '{DISTRIBUTION_COLUMN}',"
        f" colocate_with => '{COLOCATE_WITH}')"
        for t in DISTRIBUTED
        if t != COLOCATE_WITH
    ]
    out += [
        "SELECT create_distributed_function('zongzhi_case_grid(bigint)')",
        "SELECT create_distributed_function('zongzhi_department_case(bigint, text)')",
    ]
    return out

"""Whole data model: areas, grids, buildings, people, cases, workflow, patrols, ETL, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-28 06:03:15.767251
"""

from collections.abc import Sequence

import geoalchemy2
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_area",
        sa.Column("code", sa.String(length=12), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("parent_code", sa.String(length=12), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(level = 'city') = (parent_code IS NULL)", name="ck_admin_area_parent_unless_city"
        ),
        sa.CheckConstraint("code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'", name="ck_admin_area_code"),
        sa.CheckConstraint(
            "level IN ('city', 'district', 'township', 'community')", name="ck_admin_area_level"
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name="ck_admin_area_geom_valid"),
        sa.ForeignKeyConstraint(
            ["parent_code"],
            ["admin_area.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index(
        "ix_admin_area_geom", "admin_area", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_index("ix_admin_area_parent", "admin_area", ["parent_code"], unique=False)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("object", sa.Text(), nullable=True),
        sa.Column("detail", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_table(
        "department",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("residency", sa.String(length=10), nullable=False),
        sa.CheckConstraint("level IN ('city', 'district', 'township')", name="ck_department_level"),
        sa.CheckConstraint(
            "residency IN ('resident', 'rotating', 'on_call')", name="ck_department_residency"
        ),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "etl_batch",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "options",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column(
            "status", sa.String(length=10), server_default=sa.text("'running'"), nullable=False
        ),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.Integer(), server_default=sa.text("'0'"), nullable=False),
        sa.Column("rows_inserted", sa.Integer(), server_default=sa.text("'0'"), nullable=False),
        sa.Column("rows_updated", sa.Integer(), server_default=sa.text("'0'"), nullable=False),
        sa.Column("rows_unchanged", sa.Integer(), server_default=sa.text("'0'"), nullable=False),
        sa.Column("rows_quarantined", sa.Integer(), server_default=sa.text("'0'"), nullable=False),
        sa.CheckConstraint(
            "status <> 'committed' OR rows_read = rows_inserted + rows_updated + rows_unchanged + rows_quarantined",
            name="ck_etl_batch_rows_accounted",
        ),
        sa.CheckConstraint(
            "status IN ('running', 'committed', 'failed', 'dry_run')", name="ck_etl_batch_status"
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "compound",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("party_branch", sa.Boolean(), server_default=sa.text("'false'"), nullable=False),
        sa.Column(
            "owners_committee", sa.Boolean(), server_default=sa.text("'false'"), nullable=False
        ),
        sa.Column("property_company", sa.Text(), nullable=True),
        sa.Column("fee_collection_rate", sa.Numeric(precision=4, scale=3), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "fee_collection_rate IS NULL OR fee_collection_rate BETWEEN 0 AND 1",
            name="ck_compound_fee_rate",
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["admin_area.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_compound_geom", "compound", ["geom"], unique=False, postgresql_using="gist")
    op.create_table(
        "dispute_type",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("lead_department", sa.String(length=16), nullable=False),
        sa.Column(
            "cooperating_departments",
            postgresql.ARRAY(sa.String(length=16)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("steps", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("time_limit_days", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint("cardinality(steps) >= 1", name="ck_dispute_type_steps"),
        sa.CheckConstraint("time_limit_days BETWEEN 1 AND 365", name="ck_dispute_type_limit"),
        sa.ForeignKeyConstraint(
            ["lead_department"],
            ["department.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "etl_quarantine",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("batch_id", sa.BigInteger(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("row_ref", sa.Text(), nullable=False),
        sa.Column("reason_code", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("raw", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["etl_batch.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_etl_quarantine_batch", "etl_quarantine", ["batch_id"], unique=False)
    op.create_table(
        "grid",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("households", sa.Integer(), server_default=sa.text("'0'"), nullable=False),
        sa.Column("residents", sa.Integer(), server_default=sa.text("'0'"), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("ST_IsValid(geom)", name="ck_grid_geom_valid"),
        sa.CheckConstraint("households >= 0 AND residents >= 0", name="ck_grid_counts"),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["admin_area.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_index("ix_grid_community", "grid", ["community_code"], unique=False)
    op.create_index("ix_grid_district", "grid", ["district_code"], unique=False)
    op.create_index("ix_grid_geom", "grid", ["geom"], unique=False, postgresql_using="gist")
    op.create_table(
        "mediation_room",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind IN ('gold', 'expert', 'people', 'industry', 'other')",
            name="ck_mediation_room_kind",
        ),
        sa.ForeignKeyConstraint(
            ["area_code"],
            ["admin_area.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_mediation_room_geom", "mediation_room", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_table(
        "whistle_class",
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("default_department", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["default_department"],
            ["department.code"],
        ),
        sa.PrimaryKeyConstraint("code"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "building",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("grid_code", sa.String(length=20), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("floors", sa.SmallInteger(), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column(
            "centroid",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("floors BETWEEN 1 AND 200", name="ck_building_floors"),
        sa.ForeignKeyConstraint(
            ["grid_code"],
            ["grid.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_index(
        "ix_building_centroid", "building", ["centroid"], unique=False, postgresql_using="gist"
    )
    op.create_index("ix_building_geom", "building", ["geom"], unique=False, postgresql_using="gist")
    op.create_index("ix_building_grid", "building", ["grid_code"], unique=False)
    op.create_table(
        "dispute",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("source_ref", sa.String(length=64), nullable=False),
        sa.Column("type_code", sa.String(length=16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("grid_code", sa.String(length=20), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("parties", sa.SmallInteger(), server_default=sa.text("'2'"), nullable=False),
        sa.Column(
            "involves_key_person", sa.Boolean(), server_default=sa.text("'false'"), nullable=False
        ),
        sa.Column("risk_level", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("lead_department", sa.String(length=16), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("satisfaction", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint("risk_level IN ('low', 'medium', 'high')", name="ck_dispute_risk"),
        sa.CheckConstraint(
            "source IN ('hotline', 'police', 'court', 'petition', 'grid_worker', 'walk_in', 'other')",
            name="ck_dispute_source",
        ),
        sa.CheckConstraint(
            "status <> 'resolved' OR resolved_at IS NOT NULL", name="ck_dispute_resolved_has_time"
        ),
        sa.CheckConstraint(
            "status IN ('received', 'assigned', 'in_progress', 'resolved', 'unresolved', 'archived')",
            name="ck_dispute_status",
        ),
        sa.CheckConstraint("parties >= 1", name="ck_dispute_parties"),
        sa.CheckConstraint(
            "resolved_at IS NULL OR resolved_at >= reported_at", name="ck_dispute_resolved_after"
        ),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="ck_dispute_satisfaction"
        ),
        sa.ForeignKeyConstraint(
            ["grid_code"],
            ["grid.code"],
        ),
        sa.ForeignKeyConstraint(
            ["lead_department"],
            ["department.code"],
        ),
        sa.ForeignKeyConstraint(
            ["type_code"],
            ["dispute_type.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "source_ref", name="uq_dispute_source_ref"),
    )
    op.create_index("ix_dispute_district", "dispute", ["district_code"], unique=False)
    op.create_index("ix_dispute_geom", "dispute", ["geom"], unique=False, postgresql_using="gist")
    op.create_index(
        "ix_dispute_grid_reported", "dispute", ["grid_code", "reported_at"], unique=False
    )
    op.create_index("ix_dispute_reported", "dispute", ["reported_at"], unique=False)
    op.create_table(
        "grid_worker",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("grid_code", sa.String(length=20), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "phone IS NULL OR phone ~ '^[0-9+-]{5,20}$'", name="ck_grid_worker_phone"
        ),
        sa.ForeignKeyConstraint(
            ["grid_code"],
            ["grid.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_grid_worker_grid", "grid_worker", ["grid_code"], unique=False)
    op.create_table(
        "mediator",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("room_id", sa.BigInteger(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("specialty", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["mediation_room.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "whistle",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("community_code", sa.String(length=12), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("category", sa.String(length=8), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responding_department", sa.String(length=16), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("evaluation", sa.SmallInteger(), nullable=True),
        sa.CheckConstraint(
            "status IN ('raised', 'responded', 'evaluated', 'assessed')", name="ck_whistle_status"
        ),
        sa.CheckConstraint(
            "evaluation IS NULL OR evaluation BETWEEN 1 AND 5", name="ck_whistle_evaluation"
        ),
        sa.CheckConstraint(
            "responded_at IS NULL OR responded_at >= raised_at", name="ck_whistle_responded_after"
        ),
        sa.ForeignKeyConstraint(
            ["category"],
            ["whistle_class.code"],
        ),
        sa.ForeignKeyConstraint(
            ["community_code"],
            ["admin_area.code"],
        ),
        sa.ForeignKeyConstraint(
            ["responding_department"],
            ["department.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "building_chief",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("building_id", sa.BigInteger(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_building_chief_building", "building_chief", ["building_id"], unique=False)
    op.create_table(
        "dispute_sub_case",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("dispute_id", sa.BigInteger(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("department_code", sa.String(length=16), nullable=False),
        sa.Column("task", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=8), server_default=sa.text("'open'"), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'failed')", name="ck_dispute_sub_case_status"
        ),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["department.code"],
        ),
        sa.ForeignKeyConstraint(["dispute_id"], ["dispute.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dispute_sub_case_dispute", "dispute_sub_case", ["dispute_id"], unique=False)
    op.create_table(
        "housing_unit",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("building_id", sa.BigInteger(), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("unit_no", sa.String(length=16), nullable=False),
        sa.Column("floor", sa.SmallInteger(), nullable=False),
        sa.Column("residents", sa.SmallInteger(), server_default=sa.text("'0'"), nullable=False),
        sa.Column("occupancy", sa.String(length=8), nullable=False),
        sa.CheckConstraint(
            "occupancy <> 'vacant' OR residents = 0", name="ck_housing_unit_vacant_empty"
        ),
        sa.CheckConstraint(
            "occupancy IN ('owner', 'rented', 'vacant', 'other')", name="ck_housing_unit_occupancy"
        ),
        sa.CheckConstraint("residents >= 0", name="ck_housing_unit_residents"),
        sa.ForeignKeyConstraint(["building_id"], ["building.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("building_id", "unit_no", name="uq_housing_unit_building_unit"),
    )
    op.create_table(
        "patrol_task",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("grid_code", sa.String(length=20), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("worker_id", sa.BigInteger(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), server_default=sa.text("'open'"), nullable=False),
        sa.CheckConstraint(
            "priority IN ('low', 'normal', 'high', 'urgent')", name="ck_patrol_task_priority"
        ),
        sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name="ck_patrol_task_status"),
        sa.ForeignKeyConstraint(
            ["grid_code"],
            ["grid.code"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["grid_worker.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "patrol_visit",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("visited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("worker_id", sa.BigInteger(), nullable=False),
        sa.Column("grid_code", sa.String(length=20), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("building_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("anomaly_type", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["building.id"],
        ),
        sa.ForeignKeyConstraint(
            ["grid_code"],
            ["grid.code"],
        ),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["grid_worker.id"],
        ),
        sa.PrimaryKeyConstraint("id", "visited_at"),
        postgresql_partition_by="RANGE (visited_at)",
    )
    op.create_index(
        "ix_patrol_visit_geom", "patrol_visit", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_index(
        "ix_patrol_visit_grid_at", "patrol_visit", ["grid_code", "visited_at"], unique=False
    )
    op.create_table(
        "dispute_event",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("dispute_id", sa.BigInteger(), nullable=False),
        sa.Column("sub_case_id", sa.BigInteger(), nullable=True),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("department_code", sa.String(length=16), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "action IN ('accept', 'assign', 'supervise', 'proxy', 'consult', 'resolve', 'evaluate', 'archive')",
            name="ck_dispute_event_action",
        ),
        sa.ForeignKeyConstraint(
            ["department_code"],
            ["department.code"],
        ),
        sa.ForeignKeyConstraint(
            ["dispute_id"],
            ["dispute.id"],
        ),
        sa.ForeignKeyConstraint(
            ["sub_case_id"],
            ["dispute_sub_case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_dispute_event_dispute_at", "dispute_event", ["dispute_id", "at"], unique=False
    )
    op.create_table(
        "key_person",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("id_number", sa.String(length=18), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("grid_code", sa.String(length=20), nullable=False),
        sa.Column("district_code", sa.String(length=6), nullable=False),
        sa.Column("housing_unit_id", sa.BigInteger(), nullable=True),
        sa.Column("risk_level", sa.String(length=8), nullable=False),
        sa.Column(
            "geom",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
            ),
            nullable=True,
        ),
        sa.CheckConstraint(
            "id_number IS NULL OR id_number ~ '^[0-9]{17}[0-9X]$'", name="ck_key_person_id_number"
        ),
        sa.CheckConstraint("risk_level IN ('low', 'medium', 'high')", name="ck_key_person_risk"),
        sa.ForeignKeyConstraint(
            ["grid_code"],
            ["grid.code"],
        ),
        sa.ForeignKeyConstraint(
            ["housing_unit_id"],
            ["housing_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_key_person_geom", "key_person", ["geom"], unique=False, postgresql_using="gist"
    )
    op.create_index("ix_key_person_grid", "key_person", ["grid_code"], unique=False)
    for statement in _split_sql(_read_sql("0001_partitions_and_guards.sql")):
        op.execute(statement)


def _read_sql(name: str) -> str:
    from importlib import resources

    return (resources.files("geodata.schema") / "sql" / name).read_text(encoding="utf-8")


def _split_sql(text: str) -> list[str]:
    """Split on ``-- statement`` marker lines (function bodies contain semicolons)."""
    import re

    parts = [p.strip() for p in re.split(r"^-- statement$", text, flags=re.MULTILINE)]
    return [p for p in parts if p and not all(line.startswith("--") for line in p.splitlines())]


def downgrade() -> None:
    op.execute("DROP FUNCTION IF EXISTS zongzhi_ensure_patrol_partitions(date, date)")
    op.execute("DROP TRIGGER IF EXISTS dispute_event_append_only ON dispute_event")
    op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
    op.execute("DROP FUNCTION IF EXISTS zongzhi_refuse_change()")
    op.drop_index("ix_key_person_grid", table_name="key_person")
    op.drop_index("ix_key_person_geom", table_name="key_person", postgresql_using="gist")
    op.drop_table("key_person")
    op.drop_index("ix_dispute_event_dispute_at", table_name="dispute_event")
    op.drop_table("dispute_event")
    op.drop_index("ix_patrol_visit_grid_at", table_name="patrol_visit")
    op.drop_index("ix_patrol_visit_geom", table_name="patrol_visit", postgresql_using="gist")
    op.drop_table("patrol_visit")
    op.execute("DROP SEQUENCE IF EXISTS patrol_visit_id_seq")
    op.drop_table("patrol_task")
    op.drop_table("housing_unit")
    op.drop_index("ix_dispute_sub_case_dispute", table_name="dispute_sub_case")
    op.drop_table("dispute_sub_case")
    op.drop_index("ix_building_chief_building", table_name="building_chief")
    op.drop_table("building_chief")
    op.drop_table("whistle")
    op.drop_table("mediator")
    op.drop_index("ix_grid_worker_grid", table_name="grid_worker")
    op.drop_table("grid_worker")
    op.drop_index("ix_dispute_reported", table_name="dispute")
    op.drop_index("ix_dispute_grid_reported", table_name="dispute")
    op.drop_index("ix_dispute_geom", table_name="dispute", postgresql_using="gist")
    op.drop_index("ix_dispute_district", table_name="dispute")
    op.drop_table("dispute")
    op.drop_index("ix_building_grid", table_name="building")
    op.drop_index("ix_building_geom", table_name="building", postgresql_using="gist")
    op.drop_index("ix_building_centroid", table_name="building", postgresql_using="gist")
    op.drop_table("building")
    op.drop_table("whistle_class")
    op.drop_index("ix_mediation_room_geom", table_name="mediation_room", postgresql_using="gist")
    op.drop_table("mediation_room")
    op.drop_index("ix_grid_geom", table_name="grid", postgresql_using="gist")
    op.drop_index("ix_grid_district", table_name="grid")
    op.drop_index("ix_grid_community", table_name="grid")
    op.drop_table("grid")
    op.drop_index("ix_etl_quarantine_batch", table_name="etl_quarantine")
    op.drop_table("etl_quarantine")
    op.drop_table("dispute_type")
    op.drop_index("ix_compound_geom", table_name="compound", postgresql_using="gist")
    op.drop_table("compound")
    op.drop_table("etl_batch")
    op.drop_table("department")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_admin_area_parent", table_name="admin_area")
    op.drop_index("ix_admin_area_geom", table_name="admin_area", postgresql_using="gist")
    op.drop_table("admin_area")

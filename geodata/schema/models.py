"""GeoAlchemy2 models of the whole data model (GB/T 31000-2015 "9+X" spirit).

Geometries are SRID 4326 (CGCS2000 input is taken as numerically equal to WGS84). Every table with
people or cases carries ``district_code``: the jurisdiction key for row-level security.
Status-like columns hold short English codes; their Chinese labels live in the app's catalogue.
"""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SRID = 4326
# Kept by the database on the spheroid (migration 0004), for per-km² density.
AREA_KM2 = "ST_Area(geom::geography) / 1000000.0"

from domain.scope import ROLES as APP_ROLES  # noqa: E402
from domain.vocab import (  # noqa: E402
    AREA_LEVELS,
    BATCH_STATUSES,
    DEPARTMENT_LEVELS,
    DISPUTE_ACTIONS,
    DISPUTE_SOURCES,
    DISPUTE_STATUSES,
    MEDIATION_KINDS,
    OCCUPANCY,
    RESIDENCY,
    RISK_LEVELS,
    SUB_CASE_STATUSES,
    TASK_PRIORITIES,
    TASK_STATUSES,
    WHISTLE_STATUSES,
)


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def _geom(kind: str) -> Geometry:
    # spatial_index=False: indexes are declared explicitly below so migrations name them.
    return Geometry(kind, srid=SRID, spatial_index=False)


class Base(DeclarativeBase):
    pass


class AdminArea(Base):
    __tablename__ = "admin_area"
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("admin_area.code"))
    district_code: Mapped[str | None] = mapped_column(String(6))
    geom = mapped_column(_geom("MULTIPOLYGON"), nullable=False)
    area_km2: Mapped[float | None] = mapped_column(Float, Computed(AREA_KM2, persisted=True))
    __table_args__ = (
        CheckConstraint(_in("level", AREA_LEVELS), name="ck_admin_area_level"),
        CheckConstraint("code ~ '^[0-9]{6}([0-9]{3}([0-9]{3})?)?$'", name="ck_admin_area_code"),
        CheckConstraint("ST_IsValid(geom)", name="ck_admin_area_geom_valid"),
        CheckConstraint(
            "(level = 'city') = (parent_code IS NULL)", name="ck_admin_area_parent_unless_city"
        ),
        Index("ix_admin_area_geom", "geom", postgresql_using="gist"),
        Index("ix_admin_area_parent", "parent_code"),
    )


class Grid(Base):
    __tablename__ = "grid"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    community_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"))
    district_code: Mapped[str] = mapped_column(String(6))
    households: Mapped[int] = mapped_column(Integer, server_default="0")
    residents: Mapped[int] = mapped_column(Integer, server_default="0")
    geom = mapped_column(_geom("MULTIPOLYGON"), nullable=False)
    area_km2: Mapped[float | None] = mapped_column(Float, Computed(AREA_KM2, persisted=True))
    __table_args__ = (
        CheckConstraint("households >= 0 AND residents >= 0", name="ck_grid_counts"),
        CheckConstraint("ST_IsValid(geom)", name="ck_grid_geom_valid"),
        Index("ix_grid_geom", "geom", postgresql_using="gist"),
        Index("ix_grid_community", "community_code"),
        Index("ix_grid_district", "district_code"),
    )


class Building(Base):
    __tablename__ = "building"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    grid_code: Mapped[str] = mapped_column(ForeignKey("grid.code"))
    district_code: Mapped[str] = mapped_column(String(6))
    address: Mapped[str | None] = mapped_column(Text)
    floors: Mapped[int] = mapped_column(SmallInteger)
    geom = mapped_column(_geom("MULTIPOLYGON"), nullable=False)
    centroid = mapped_column(_geom("POINT"), nullable=False)
    __table_args__ = (
        CheckConstraint("floors BETWEEN 1 AND 200", name="ck_building_floors"),
        Index("ix_building_geom", "geom", postgresql_using="gist"),
        Index("ix_building_centroid", "centroid", postgresql_using="gist"),
        Index("ix_building_grid", "grid_code"),
    )


class BuildingChief(Base):
    """楼栋长: the resident who looks after one building."""

    __tablename__ = "building_chief"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    district_code: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    __table_args__ = (Index("ix_building_chief_building", "building_id"),)


class HousingUnit(Base):
    __tablename__ = "housing_unit"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    district_code: Mapped[str] = mapped_column(String(6))
    unit_no: Mapped[str] = mapped_column(String(16))
    floor: Mapped[int] = mapped_column(SmallInteger)
    residents: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    occupancy: Mapped[str] = mapped_column(String(8))
    __table_args__ = (
        UniqueConstraint("building_id", "unit_no", name="uq_housing_unit_building_unit"),
        CheckConstraint(_in("occupancy", OCCUPANCY), name="ck_housing_unit_occupancy"),
        CheckConstraint("residents >= 0", name="ck_housing_unit_residents"),
        CheckConstraint(
            "occupancy <> 'vacant' OR residents = 0", name="ck_housing_unit_vacant_empty"
        ),
    )


class Compound(Base):
    """小区: a residential compound with its party branch and owners' committee."""

    __tablename__ = "compound"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    community_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"))
    district_code: Mapped[str] = mapped_column(String(6))
    party_branch: Mapped[bool] = mapped_column(Boolean, server_default="false")
    owners_committee: Mapped[bool] = mapped_column(Boolean, server_default="false")
    property_company: Mapped[str | None] = mapped_column(Text)
    fee_collection_rate: Mapped[float | None] = mapped_column(Numeric(4, 3))
    geom = mapped_column(_geom("MULTIPOLYGON"), nullable=False)
    __table_args__ = (
        CheckConstraint(
            "fee_collection_rate IS NULL OR fee_collection_rate BETWEEN 0 AND 1",
            name="ck_compound_fee_rate",
        ),
        Index("ix_compound_geom", "geom", postgresql_using="gist"),
    )


class Department(Base):
    __tablename__ = "department"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    level: Mapped[str] = mapped_column(String(10))
    residency: Mapped[str] = mapped_column(String(10))
    __table_args__ = (
        CheckConstraint(_in("level", DEPARTMENT_LEVELS), name="ck_department_level"),
        CheckConstraint(_in("residency", RESIDENCY), name="ck_department_residency"),
    )


class MediationRoom(Base):
    __tablename__ = "mediation_room"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))
    area_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"))
    district_code: Mapped[str] = mapped_column(String(6))
    geom = mapped_column(_geom("POINT"), nullable=False)
    __table_args__ = (
        CheckConstraint(_in("kind", MEDIATION_KINDS), name="ck_mediation_room_kind"),
        Index("ix_mediation_room_geom", "geom", postgresql_using="gist"),
    )


class Mediator(Base):
    __tablename__ = "mediator"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    room_id: Mapped[int] = mapped_column(ForeignKey("mediation_room.id"))
    district_code: Mapped[str] = mapped_column(String(6))
    specialty: Mapped[str | None] = mapped_column(Text)


class GridWorker(Base):
    """网格员."""

    __tablename__ = "grid_worker"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # 工号: the natural key departmental files and the patrol app use.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    grid_code: Mapped[str] = mapped_column(ForeignKey("grid.code"))
    district_code: Mapped[str] = mapped_column(String(6))
    phone: Mapped[str | None] = mapped_column(String(20))
    __table_args__ = (
        CheckConstraint("phone IS NULL OR phone ~ '^[0-9+-]{5,20}$'", name="ck_grid_worker_phone"),
        Index("ix_grid_worker_grid", "grid_code"),
    )


class KeyPerson(Base):
    """重点人员 — sensitive: ID number and phone are masked for roles not cleared for them."""

    __tablename__ = "key_person"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(32))
    grid_code: Mapped[str] = mapped_column(ForeignKey("grid.code"))
    district_code: Mapped[str] = mapped_column(String(6))
    housing_unit_id: Mapped[int | None] = mapped_column(ForeignKey("housing_unit.id"))
    risk_level: Mapped[str] = mapped_column(String(8))
    geom = mapped_column(_geom("POINT"))
    __table_args__ = (
        CheckConstraint(_in("risk_level", RISK_LEVELS), name="ck_key_person_risk"),
        CheckConstraint(
            "id_number IS NULL OR id_number ~ '^[0-9]{17}[0-9X]$'", name="ck_key_person_id_number"
        ),
        UniqueConstraint("id_number", name="uq_key_person_id_number"),
        Index("ix_key_person_geom", "geom", postgresql_using="gist"),
        Index("ix_key_person_grid", "grid_code"),
    )


class DisputeType(Base):
    """类案标准化: one standard handling path per dispute type."""

    __tablename__ = "dispute_type"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    category: Mapped[str] = mapped_column(Text)
    lead_department: Mapped[str] = mapped_column(ForeignKey("department.code"))
    cooperating_departments: Mapped[list[str]] = mapped_column(
        ARRAY(String(16)), server_default="{}"
    )
    steps: Mapped[list[str]] = mapped_column(ARRAY(Text))
    time_limit_days: Mapped[int] = mapped_column(SmallInteger)
    __table_args__ = (
        CheckConstraint("time_limit_days BETWEEN 1 AND 365", name="ck_dispute_type_limit"),
        CheckConstraint("cardinality(steps) >= 1", name="ck_dispute_type_steps"),
    )


class Dispute(Base):
    __tablename__ = "dispute"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(String(12))
    source_ref: Mapped[str] = mapped_column(String(64))
    type_code: Mapped[str] = mapped_column(ForeignKey("dispute_type.code"))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    geom = mapped_column(_geom("POINT"), nullable=False)
    grid_code: Mapped[str | None] = mapped_column(ForeignKey("grid.code"))
    district_code: Mapped[str] = mapped_column(String(6))
    parties: Mapped[int] = mapped_column(SmallInteger, server_default="2")
    involves_key_person: Mapped[bool] = mapped_column(Boolean, server_default="false")
    risk_level: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12))
    lead_department: Mapped[str | None] = mapped_column(ForeignKey("department.code"))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(SmallInteger)
    __table_args__ = (
        UniqueConstraint("source", "source_ref", name="uq_dispute_source_ref"),
        CheckConstraint(_in("source", DISPUTE_SOURCES), name="ck_dispute_source"),
        CheckConstraint(_in("status", DISPUTE_STATUSES), name="ck_dispute_status"),
        CheckConstraint(_in("risk_level", RISK_LEVELS), name="ck_dispute_risk"),
        CheckConstraint("parties >= 1", name="ck_dispute_parties"),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="ck_dispute_satisfaction"
        ),
        CheckConstraint(
            "resolved_at IS NULL OR resolved_at >= reported_at", name="ck_dispute_resolved_after"
        ),
        CheckConstraint(
            "status <> 'resolved' OR resolved_at IS NOT NULL", name="ck_dispute_resolved_has_time"
        ),
        Index("ix_dispute_geom", "geom", postgresql_using="gist"),
        Index("ix_dispute_grid_reported", "grid_code", "reported_at"),
        # Covering: per-grid counts under the map's filters never touch the table (0006).
        Index(
            "ix_dispute_reported",
            "reported_at",
            postgresql_include=["grid_code", "type_code", "source", "status", "risk_level"],
        ),
        Index("ix_dispute_district", "district_code"),
    )


class DisputeSubCase(Base):
    """One parallel "lock" of a complex case, owned by its own department."""

    __tablename__ = "dispute_sub_case"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id", ondelete="CASCADE"))
    district_code: Mapped[str] = mapped_column(String(6))
    department_code: Mapped[str] = mapped_column(ForeignKey("department.code"))
    task: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), server_default="open")
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint(_in("status", SUB_CASE_STATUSES), name="ck_dispute_sub_case_status"),
        Index("ix_dispute_sub_case_dispute", "dispute_id"),
    )


class DisputeEvent(Base):
    """Append-only workflow history; a trigger refuses UPDATE and DELETE."""

    __tablename__ = "dispute_event"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id"))
    sub_case_id: Mapped[int | None] = mapped_column(ForeignKey("dispute_sub_case.id"))
    district_code: Mapped[str] = mapped_column(String(6))
    action: Mapped[str] = mapped_column(String(10))
    actor: Mapped[str] = mapped_column(Text)
    department_code: Mapped[str | None] = mapped_column(ForeignKey("department.code"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint(_in("action", DISPUTE_ACTIONS), name="ck_dispute_event_action"),
        Index("ix_dispute_event_dispute_at", "dispute_id", "at"),
    )


class WhistleClass(Base):
    """吹哨 classes (23 in the seed)."""

    __tablename__ = "whistle_class"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    default_department: Mapped[str | None] = mapped_column(ForeignKey("department.code"))


class Whistle(Base):
    """街乡吹哨、部门报到: raised → responded → evaluated → assessed."""

    __tablename__ = "whistle"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source_ref: Mapped[str] = mapped_column(String(64), unique=True)
    community_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"))
    district_code: Mapped[str] = mapped_column(String(6))
    category: Mapped[str] = mapped_column(ForeignKey("whistle_class.code"))
    item: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    responding_department: Mapped[str | None] = mapped_column(ForeignKey("department.code"))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(10))
    evaluation: Mapped[int | None] = mapped_column(SmallInteger)
    __table_args__ = (
        CheckConstraint(_in("status", WHISTLE_STATUSES), name="ck_whistle_status"),
        CheckConstraint(
            "evaluation IS NULL OR evaluation BETWEEN 1 AND 5", name="ck_whistle_evaluation"
        ),
        CheckConstraint(
            "responded_at IS NULL OR responded_at >= raised_at", name="ck_whistle_responded_after"
        ),
    )


class PatrolVisit(Base):
    """巡查走访: range-partitioned by month on ``visited_at`` (see migration)."""

    __tablename__ = "patrol_visit"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("grid_worker.id"))
    grid_code: Mapped[str | None] = mapped_column(ForeignKey("grid.code"))
    district_code: Mapped[str] = mapped_column(String(6))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    geom = mapped_column(_geom("POINT"), nullable=False)
    finding: Mapped[str | None] = mapped_column(Text)
    anomaly_type: Mapped[str | None] = mapped_column(String(16))
    __table_args__ = (
        # Re-loading a patrol log must not duplicate visits: one visit per worker per instant.
        UniqueConstraint("worker_id", "visited_at", name="uq_patrol_visit_worker_at"),
        Index("ix_patrol_visit_geom", "geom", postgresql_using="gist"),
        Index("ix_patrol_visit_grid_at", "grid_code", "visited_at"),
        {"postgresql_partition_by": "RANGE (visited_at)"},
    )


class PatrolTask(Base):
    __tablename__ = "patrol_task"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    grid_code: Mapped[str] = mapped_column(ForeignKey("grid.code"))
    district_code: Mapped[str] = mapped_column(String(6))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("grid_worker.id"))
    due_on: Mapped[date] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    __table_args__ = (
        CheckConstraint(_in("priority", TASK_PRIORITIES), name="ck_patrol_task_priority"),
        CheckConstraint(_in("status", TASK_STATUSES), name="ck_patrol_task_status"),
    )


class EtlBatch(Base):
    __tablename__ = "etl_batch"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    source_file: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    options: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    status: Mapped[str] = mapped_column(String(10), server_default="running")
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    rows_read: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_inserted: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_updated: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_unchanged: Mapped[int] = mapped_column(Integer, server_default="0")
    rows_quarantined: Mapped[int] = mapped_column(Integer, server_default="0")
    __table_args__ = (
        CheckConstraint(_in("status", BATCH_STATUSES), name="ck_etl_batch_status"),
        CheckConstraint(
            "status <> 'committed' OR rows_read = rows_inserted + rows_updated"
            " + rows_unchanged + rows_quarantined",
            name="ck_etl_batch_rows_accounted",
        ),
    )


class EtlQuarantine(Base):
    __tablename__ = "etl_quarantine"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("etl_batch.id", ondelete="CASCADE"))
    source_file: Mapped[str] = mapped_column(Text)
    row_ref: Mapped[str] = mapped_column(Text)
    reason_code: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict | None] = mapped_column(JSONB)
    __table_args__ = (Index("ix_etl_quarantine_batch", "batch_id"),)


class AuditLog(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    user_name: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    object: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict | None] = mapped_column(JSONB)
    __table_args__ = (Index("ix_audit_log_at", "at"),)


class AppUser(Base):
    """A person who signs in; ``district_code`` limits a leader to one county (NULL = whole city)."""

    __tablename__ = "app_user"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(Text)
    # werkzeug.security format, e.g. "scrypt:32768:8:1$salt$hash"; never a plain password.
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(10))
    district_code: Mapped[str | None] = mapped_column(String(6))
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    __table_args__ = (
        CheckConstraint(_in("role", APP_ROLES), name="ck_app_user_role"),
        CheckConstraint("username ~ '^[A-Za-z0-9_.@-]{2,64}$'", name="ck_app_user_username"),
        CheckConstraint(
            "district_code IS NULL OR district_code ~ '^[0-9]{6}$'", name="ck_app_user_district"
        ),
    )

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
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SRID = 4326
# Kept by the database on the spheroid (migration 0004), for per-km² density.
AREA_KM2 = "ST_Area(geom::geography) / 1000000.0"

from domain.risk import COLOURS as RISK_COLOURS  # noqa: E402
from domain.scope import ROLES as APP_ROLES  # noqa: E402
from domain.vocab import (  # noqa: E402
    AREA_LEVELS,
    ASSIGNEE_KINDS,
    BATCH_STATUSES,
    CHIEF_KINDS,
    COMMITTEE_KINDS,
    DEPARTMENT_LEVELS,
    DISPUTE_ACTIONS,
    DISPUTE_SOURCES,
    DISPUTE_STATUSES,
    LINK_KINDS,
    MEDIATION_KINDS,
    OCCUPANCY,
    OUTCOMES,
    RESIDENCY,
    RISK_LEVELS,
    SUB_CASE_STATUSES,
    TASK_KINDS,
    TASK_OUTCOMES,
    TASK_PRIORITIES,
    TASK_STATUSES,
    WHISTLE_STATUSES,
)
from domain.warning import EPISODE_STATES  # noqa: E402


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
        # Addresses matched by trigram similarity at intake (0027, domain.intake).
        Index(
            "ix_building_address_trgm",
            "address",
            postgresql_using="gin",
            postgresql_ops={"address": "gin_trgm_ops"},
        ),
    )


class BuildingChief(Base):
    """楼栋长: the resident who looks after one building."""

    __tablename__ = "building_chief"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("building.id", ondelete="CASCADE"))
    district_code: Mapped[str] = mapped_column(String(6))
    name: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(20))
    # 楼栋长 for the building, or 单元长 for one stairwell (``unit_no``) of it (0030).
    kind: Mapped[str] = mapped_column(String(8), server_default="building")
    unit_no: Mapped[int | None] = mapped_column(SmallInteger)
    __table_args__ = (
        Index("ix_building_chief_building", "building_id"),
        Index("ix_building_chief_district", "district_code"),
        CheckConstraint(_in("kind", CHIEF_KINDS), name="ck_building_chief_kind"),
        CheckConstraint(
            "(kind = 'unit') = (unit_no IS NOT NULL) AND (unit_no IS NULL OR unit_no >= 1)",
            name="ck_building_chief_unit",
        ),
    )


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
        Index("ix_housing_unit_district", "district_code"),
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
    # 微治理 (0030): 党小组 count, 业委会 or 物管会 and whether the party branch leads it
    # (党支部领导业委会), and the fee-collection rate before that change with its year.
    party_groups: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    committee_kind: Mapped[str | None] = mapped_column(String(10))
    committee_party_led: Mapped[bool] = mapped_column(Boolean, server_default="false")
    fee_collection_rate_before: Mapped[float | None] = mapped_column(Numeric(4, 3))
    fee_rate_changed_year: Mapped[int | None] = mapped_column(SmallInteger)
    __table_args__ = (
        CheckConstraint(
            "fee_collection_rate IS NULL OR fee_collection_rate BETWEEN 0 AND 1",
            name="ck_compound_fee_rate",
        ),
        CheckConstraint("party_groups >= 0", name="ck_compound_party_groups"),
        CheckConstraint(
            "committee_kind IS NULL OR " + _in("committee_kind", COMMITTEE_KINDS),
            name="ck_compound_committee_kind",
        ),
        CheckConstraint(
            "owners_committee = (committee_kind IS NOT NULL)"
            " AND (NOT committee_party_led OR (owners_committee AND party_branch))",
            name="ck_compound_committee",
        ),
        CheckConstraint(
            "fee_collection_rate_before IS NULL OR fee_collection_rate_before BETWEEN 0 AND 1",
            name="ck_compound_fee_rate_before",
        ),
        CheckConstraint(
            "(fee_collection_rate_before IS NULL) = (fee_rate_changed_year IS NULL)",
            name="ck_compound_fee_change",
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
    # 金牌调解室 activity to date (0030): 法律志愿者, trainings held, consultations given.
    legal_volunteers: Mapped[int | None] = mapped_column(Integer)
    trainings: Mapped[int | None] = mapped_column(Integer)
    consultations: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        CheckConstraint(_in("kind", MEDIATION_KINDS), name="ck_mediation_room_kind"),
        CheckConstraint(
            "legal_volunteers >= 0 AND trainings >= 0 AND consultations >= 0",
            name="ck_mediation_room_activity",
        ),
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
        Index("ix_grid_worker_district", "district_code"),
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
    dynamic_risk: Mapped[str | None] = mapped_column(String(8))
    dynamic_reasons: Mapped[list | None] = mapped_column(JSONB)
    advice: Mapped[list | None] = mapped_column(JSONB)
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint(
            "dynamic_risk IS NULL OR dynamic_risk IN ('low', 'medium', 'high')",
            name="ck_key_person_dynamic_risk",
        ),
        Index("ix_key_person_district", "district_code"),
        CheckConstraint(_in("risk_level", RISK_LEVELS), name="ck_key_person_risk"),
        CheckConstraint(
            "id_number IS NULL OR id_number ~ '^[0-9]{17}[0-9X]$'", name="ck_key_person_id_number"
        ),
        UniqueConstraint("id_number", name="uq_key_person_id_number"),
        Index("ix_key_person_geom", "geom", postgresql_using="gist"),
        Index("ix_key_person_grid", "grid_code"),
    )


class KeyPersonCase(Base):
    """A key person bound to a case: a party (by phone) or nearby where they live (0023)."""

    __tablename__ = "key_person_case"
    key_person_id: Mapped[int] = mapped_column(
        ForeignKey("key_person.id", ondelete="CASCADE"), primary_key=True
    )
    dispute_id: Mapped[int] = mapped_column(
        ForeignKey("dispute.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(8), primary_key=True)
    grid_code: Mapped[str] = mapped_column(String(20))
    district_code: Mapped[str] = mapped_column(String(6))
    __table_args__ = (
        CheckConstraint("reason IN ('party', 'nearby')", name="ck_key_person_case_reason"),
        Index("ix_key_person_case_dispute", "dispute_id"),
        Index("ix_key_person_case_district", "district_code"),
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


# The columns the dispute read policy evaluates (migration 0014's DISPUTE_READ).
RLS_POLICY_COLUMNS = ("district_code", "lead_department", "cooperating_departments", "id")


class Dispute(Base):
    """A case (矛盾纠纷). ``version`` guards every workflow write (optimistic: a lost race is a
    conflict, never a silent overwrite). A case with an address but no point waits in the
    "needs location" queue: no geometry, no grid, and the city's code as ``district_code``."""

    __tablename__ = "dispute"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    source_ref: Mapped[str] = mapped_column(String(64))
    type_code: Mapped[str] = mapped_column(ForeignKey("dispute_type.code"))
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    geom = mapped_column(_geom("POINT"), nullable=True)
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
    # The workflow (migration 0014).
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    reporter_name: Mapped[str | None] = mapped_column(Text)
    reporter_phone: Mapped[str | None] = mapped_column(String(20))
    cooperating_departments: Mapped[list[str]] = mapped_column(
        ARRAY(String(16)), server_default="{}"
    )
    assignee_kind: Mapped[str | None] = mapped_column(String(12))
    mediation_room_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_room.id"))
    mediator_id: Mapped[int | None] = mapped_column(ForeignKey("mediator.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("grid_worker.id"))
    agent: Mapped[str | None] = mapped_column(Text)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sign_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    supervision_level: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    outcome_code: Mapped[str | None] = mapped_column(String(16))
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopen_count: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("dispute.id"))
    # The risk rules' colour, points and fired rules (migration 0022, ``domain.risk``).
    risk_colour: Mapped[str | None] = mapped_column(String(6))
    risk_points: Mapped[int | None] = mapped_column(SmallInteger)
    risk_rules: Mapped[list | None] = mapped_column(JSONB)
    risk_assessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        Index("ix_dispute_lead_department", "lead_department"),
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
        CheckConstraint(
            "assignee_kind IS NULL OR " + _in("assignee_kind", ASSIGNEE_KINDS),
            name="ck_dispute_assignee_kind",
        ),
        CheckConstraint(
            "outcome_code IS NULL OR " + _in("outcome_code", OUTCOMES), name="ck_dispute_outcome"
        ),
        CheckConstraint("supervision_level BETWEEN 0 AND 3", name="ck_dispute_supervision"),
        CheckConstraint(
            "risk_colour IS NULL OR " + _in("risk_colour", RISK_COLOURS),
            name="ck_dispute_risk_colour",
        ),
        CheckConstraint(
            "(status = 'merged') = (merged_into IS NOT NULL)", name="ck_dispute_merged"
        ),
        CheckConstraint("geom IS NOT NULL OR grid_code IS NULL", name="ck_dispute_located"),
        Index("ix_dispute_geom", "geom", postgresql_using="gist"),
        # Covering, with the columns the read policy looks at: per-grid counts under the map's
        # filters never touch the table, row-level security or not (0006, 0029).
        Index(
            "ix_dispute_grid_reported",
            "grid_code",
            "reported_at",
            postgresql_include=list(RLS_POLICY_COLUMNS),
        ),
        Index(
            "ix_dispute_reported",
            "reported_at",
            postgresql_include=[
                "grid_code",
                "type_code",
                "source",
                "status",
                "risk_level",
                *RLS_POLICY_COLUMNS,
            ],
        ),  # fmt: skip
        Index("ix_dispute_district", "district_code"),
        # The desk's queue: open cases by due time (0014).
        Index(
            "ix_dispute_open_due",
            "due_at",
            postgresql_where="status IN ('received', 'assigned', 'in_progress')",
        ),
        Index("ix_dispute_worker", "worker_id"),
        Index("ix_dispute_cooperating", "cooperating_departments", postgresql_using="gin"),
        Index(
            "ix_dispute_reporter_phone",
            "reporter_phone",
            "reported_at",
            postgresql_where="reporter_phone IS NOT NULL",
        ),
        # The public guide looks a case up by its reference alone (0018).
        Index("ix_dispute_source_ref", "source_ref"),
        # The days a performance period's cases span: one index probe each (0018).
        Index("ix_dispute_assigned_at", "assigned_at"),
        Index("ix_dispute_resolved_at", "resolved_at"),
    )


class DisputeSubCase(Base):
    """One parallel "lock" (分锁) of a complex case, owned by its own department: open → planned
    (给钥匙: facts, law and plan) → done | failed (开锁)."""

    __tablename__ = "dispute_sub_case"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id", ondelete="CASCADE"))
    district_code: Mapped[str] = mapped_column(String(6))
    department_code: Mapped[str] = mapped_column(ForeignKey("department.code"))
    task: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(8), server_default="open")
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    time_limit_days: Mapped[int | None] = mapped_column(SmallInteger)
    facts: Mapped[str | None] = mapped_column(Text)
    law: Mapped[str | None] = mapped_column(Text)
    plan: Mapped[str | None] = mapped_column(Text)
    planned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        Index("ix_dispute_sub_case_district", "district_code"),
        Index("ix_dispute_sub_case_department", "department_code", "dispute_id"),
        CheckConstraint(_in("status", SUB_CASE_STATUSES), name="ck_dispute_sub_case_status"),
        Index("ix_dispute_sub_case_dispute", "dispute_id"),
    )


class Consultation(Base):
    """商办: a joint consultation of several departments on a case — who took part, the minutes
    and what was agreed."""

    __tablename__ = "consultation"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id", ondelete="CASCADE"))
    district_code: Mapped[str] = mapped_column(String(6))
    held_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    departments: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    participants: Mapped[str] = mapped_column(Text)
    minutes: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(Text)
    __table_args__ = (
        Index("ix_consultation_dispute", "dispute_id"),
        Index("ix_consultation_district", "district_code"),
        CheckConstraint("cardinality(departments) >= 2", name="ck_consultation_departments"),
    )


class DisputeLink(Base):
    """Two cases linked: a possible duplicate flagged at intake, or one merged into the other.
    Stored both ways (one row per direction), so either case lists the other."""

    __tablename__ = "dispute_link"
    dispute_id: Mapped[int] = mapped_column(
        ForeignKey("dispute.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("dispute.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    district_code: Mapped[str] = mapped_column(String(6))
    score: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    __table_args__ = (
        CheckConstraint(_in("kind", LINK_KINDS), name="ck_dispute_link_kind"),
        CheckConstraint("dispute_id <> other_id", name="ck_dispute_link_other"),
        Index("ix_dispute_link_other", "other_id"),
        Index("ix_dispute_link_district", "district_code"),
    )


class ApiToken(Base):
    """A source system's key for the intake API (Open311): only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    created_by: Mapped[str] = mapped_column(Text)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint(_in("source", DISPUTE_SOURCES), name="ck_api_token_source"),
        CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="ck_api_token_hash"),
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
    detail: Mapped[dict | None] = mapped_column(JSONB)
    __table_args__ = (
        Index("ix_dispute_event_district", "district_code"),
        CheckConstraint(_in("action", DISPUTE_ACTIONS), name="ck_dispute_event_action"),
        Index("ix_dispute_event_dispute_at", "dispute_id", "at"),
    )


class TextModel(Base):
    """A trained text model (``classify``): what it predicts (``kind``), its held-out metrics and
    the serialised model; at most one active per kind. No personal data."""

    __tablename__ = "text_model"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    trained_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    metrics: Mapped[dict] = mapped_column(JSONB)
    model: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, server_default="false")
    __table_args__ = (
        CheckConstraint("kind ~ '^[a-z_]{1,32}$'", name="ck_text_model_kind"),
        Index("uq_text_model_active", "kind", unique=True, postgresql_where=text("active")),
        Index("ix_text_model_kind_trained", "kind", "trained_at"),
    )


class AlertEpisode(Base):
    """An early-warning alert (研判预警): one episode of an area × dispute type, from the day the
    statistic first fired to the day it closed (``domain.warning``), and what people did."""

    __tablename__ = "alert_episode"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    area_code: Mapped[str] = mapped_column(ForeignKey("admin_area.code"))
    area_level: Mapped[str] = mapped_column(String(10))
    district_code: Mapped[str] = mapped_column(String(6))
    type_code: Mapped[str] = mapped_column(ForeignKey("dispute_type.code"))
    opened_on: Mapped[date] = mapped_column(Date)
    last_alarm_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    observed: Mapped[float] = mapped_column(Float)
    expected: Mapped[float] = mapped_column(Float)
    statistic: Mapped[float] = mapped_column(Float)
    method: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12), server_default="open")
    assignee: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_by: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __table_args__ = (
        CheckConstraint(_in("state", EPISODE_STATES), name="ck_alert_episode_state"),
        CheckConstraint(
            _in("area_level", ("township", "community")), name="ck_alert_episode_level"
        ),
        CheckConstraint(_in("method", ("ears_c2", "nb_cusum")), name="ck_alert_episode_method"),
        UniqueConstraint("area_code", "type_code", "opened_on", name="uq_alert_episode"),
        Index("ix_alert_episode_district", "district_code", "state"),
        Index("ix_alert_episode_open", "closed_on", "opened_on"),
    )


class WhistleClass(Base):
    """吹哨 classes (23 in the seed)."""

    __tablename__ = "whistle_class"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    default_department: Mapped[str | None] = mapped_column(ForeignKey("department.code"))


class WhistleItem(Base):
    """One item of the 吹哨 catalogue: its class, the county department that answers it and
    the answer's limit in working days (637 in the seed)."""

    __tablename__ = "whistle_item"
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    class_code: Mapped[str] = mapped_column(ForeignKey("whistle_class.code"))
    name: Mapped[str] = mapped_column(Text)
    department: Mapped[str] = mapped_column(ForeignKey("department.code"))
    limit_days: Mapped[int] = mapped_column(SmallInteger)
    __table_args__ = (
        CheckConstraint("limit_days BETWEEN 1 AND 30", name="ck_whistle_item_limit"),
        Index("ix_whistle_item_class", "class_code"),
    )


class Whistle(Base):
    """街乡吹哨、部门报到: raised → responded → evaluated → assessed (``domain.whistles``)."""

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
    item_code: Mapped[str | None] = mapped_column(ForeignKey("whistle_item.code"))
    description: Mapped[str | None] = mapped_column(Text)
    raised_by: Mapped[str | None] = mapped_column(Text)
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response: Mapped[str | None] = mapped_column(Text)
    evaluated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    evaluation_note: Mapped[str | None] = mapped_column(Text)
    assessed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    supervision_level: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    version: Mapped[int] = mapped_column(Integer, server_default="1")
    __table_args__ = (
        Index("ix_whistle_district", "district_code"),
        CheckConstraint(_in("status", WHISTLE_STATUSES), name="ck_whistle_status"),
        CheckConstraint(
            "evaluation IS NULL OR evaluation BETWEEN 1 AND 5", name="ck_whistle_evaluation"
        ),
        CheckConstraint(
            "responded_at IS NULL OR responded_at >= raised_at", name="ck_whistle_responded_after"
        ),
        CheckConstraint("supervision_level BETWEEN 0 AND 3", name="ck_whistle_supervision"),
        Index("ix_whistle_department_status", "responding_department", "status"),
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
        Index("ix_patrol_visit_district_at", "district_code", "visited_at"),
        # Re-loading a patrol log must not duplicate visits: one visit per worker per instant.
        UniqueConstraint("worker_id", "visited_at", name="uq_patrol_visit_worker_at"),
        Index("ix_patrol_visit_geom", "geom", postgresql_using="gist"),
        Index("ix_patrol_visit_grid_at", "grid_code", "visited_at"),
        {"postgresql_partition_by": "RANGE (visited_at)"},
    )


class PatrolTask(Base):
    """A patrol task (巡查任务) for a grid's worker: what it is about and where (migration 0020),
    closed when a patrol visit covers it or the worker marks it handled / found."""

    __tablename__ = "patrol_task"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    grid_code: Mapped[str] = mapped_column(ForeignKey("grid.code"))
    district_code: Mapped[str] = mapped_column(String(6))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("grid_worker.id"))
    due_on: Mapped[date] = mapped_column(Date)
    priority: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    kind: Mapped[str] = mapped_column(String(12), server_default="manual")
    building_id: Mapped[int | None] = mapped_column(ForeignKey("building.id"))
    dispute_id: Mapped[int | None] = mapped_column(ForeignKey("dispute.id"))
    key_person_id: Mapped[int | None] = mapped_column(ForeignKey("key_person.id"))
    geom = mapped_column(_geom("POINT"), nullable=True)
    created_on: Mapped[date] = mapped_column(Date, server_default=text("CURRENT_DATE"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        Index("ix_patrol_task_district", "district_code"),
        CheckConstraint(_in("priority", TASK_PRIORITIES), name="ck_patrol_task_priority"),
        CheckConstraint(_in("status", TASK_STATUSES), name="ck_patrol_task_status"),
        CheckConstraint(_in("kind", TASK_KINDS), name="ck_patrol_task_kind"),
        CheckConstraint(
            "outcome IS NULL OR " + _in("outcome", TASK_OUTCOMES), name="ck_patrol_task_outcome"
        ),
        Index(
            "uq_patrol_task_open_target",
            "grid_code",
            "kind",
            text("coalesce(building_id, dispute_id, key_person_id, 0)"),
            unique=True,
            postgresql_where=text("status = 'open' AND kind <> 'manual'"),
        ),
        Index("ix_patrol_task_grid_due", "grid_code", "due_on"),
        Index("ix_patrol_task_geom", "geom", postgresql_using="gist"),
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
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        Index("ix_audit_log_user_action", "user_name", "action", "at"),
        # Search (migration 0026): by action, and by object prefix as a byte-order range.
        Index("ix_audit_log_action_at", "action", "at", "id"),
        Index(
            "ix_audit_log_object",
            "object",
            "at",
            "id",
            postgresql_ops={"object": "text_pattern_ops"},
        ),
    )


class ExportJob(Base):
    """A report file made in the background (0024): who asked, for what, progress, the file."""

    __tablename__ = "export_job"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(5))
    params: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(8), server_default="queued")
    progress: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    stage: Mapped[str | None] = mapped_column(Text)
    file_name: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    __table_args__ = (
        CheckConstraint("format IN ('pdf', 'xlsx', 'gpkg', 'csv')", name="ck_export_job_format"),
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="ck_export_job_status"
        ),
        CheckConstraint("progress BETWEEN 0 AND 100", name="ck_export_job_progress"),
        Index("ix_export_job_user", "username", "created_at"),
    )


class DataVersion(Base):
    """One version per data family, bumped by statement triggers on the family's tables
    (migration 0007); cached values are keyed by the versions they were built from."""

    __tablename__ = "data_version"
    family: Mapped[str] = mapped_column(Text, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AppUser(Base):
    """A person who signs in. ``area_code`` is the jurisdiction (any level; the city's code for the
    whole city); ``department_code`` the department a department user works for."""

    __tablename__ = "app_user"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str] = mapped_column(Text)
    # werkzeug.security format, e.g. "scrypt:32768:8:1$salt$hash"; never a plain password.
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    area_code: Mapped[str | None] = mapped_column(String(15))
    department_code: Mapped[str | None] = mapped_column(ForeignKey("department.code"))
    __table_args__ = (
        CheckConstraint("username ~ '^[A-Za-z0-9_.@-]{2,64}$'", name="ck_app_user_username"),
        CheckConstraint(_in("role", APP_ROLES), name="ck_app_user_role"),
        CheckConstraint(
            "area_code IS NULL OR area_code ~ '^[0-9]{6}([0-9]{3}){0,3}$'", name="ck_app_user_area"
        ),
        CheckConstraint(
            "(role = 'department') = (department_code IS NOT NULL)", name="ck_app_user_department"
        ),
    )


class AppSession(Base):
    """A signed-in session: the cookie carries a random token, only its SHA-256 is stored, so a
    copy of this table signs nobody in. Revoked at sign-out, by idle and absolute timeouts, and
    when the user is disabled or changes password."""

    __tablename__ = "app_session"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(
        ForeignKey("app_user.username", ondelete="CASCADE", onupdate="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    client_ip: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (
        CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="ck_app_session_token_hash"),
        Index("ix_app_session_user", "username"),
    )

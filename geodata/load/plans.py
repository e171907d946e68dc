"""Per-kind SQL for ``zongzhi load``: staging columns, checks in the database, upsert.

The ETL layer validates values in Python first; what needs the database (codes that must exist,
points that must fall in a grid, the parent an area must lie in) happens here, set-based.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from geodata.load import derive, staging
from geodata.load.staging import RESOLVED, STAGE, StageSpec, Upsert
from geodata.sql import query


@dataclass(frozen=True)
class LoadPlan:
    stage: StageSpec
    key: tuple[str, ...]  # staging columns that identify a row (duplicates in a file)
    upsert: Upsert
    checks: tuple[Callable[[Connection], object], ...] = field(default=())
    # Run after the upsert, before the staging table goes (rows that need the new rows).
    after: tuple[Callable[[Connection], object], ...] = field(default=())


def _exec(sql: str) -> Callable[[Connection], object]:
    def run(conn: Connection) -> object:
        return conn.execute(text(sql))

    return run


def _resolve(select_sql: str) -> Callable[[Connection], object]:
    return lambda conn: staging.resolve(conn, select_sql)


def _missing(reason: str, column: str, detail: str) -> Callable[[Connection], object]:
    return lambda conn: staging.reject_where(conn, reason, staging.resolved_missing(column), detail)


_OUTSIDE = _missing(
    "outside_area",
    "grid_code",
    "'坐标不在任何网格内 / point outside every grid: ' || ST_AsText(s.geom)",
)


def _unknown(column: str, table: str, ref: str) -> Callable[[Connection], object]:
    return lambda conn: staging.reject_unknown(conn, column, table, ref)


def _district_from(column: str, table: str, ref: str) -> Callable[[Connection], object]:
    # Fixed fragments only: callers below pass literal names.
    return _exec(
        f'UPDATE {STAGE} s SET district_code = r.district_code FROM "{table}" r'  # noqa: S608
        f' WHERE r."{ref}" = s."{column}" AND s.reason IS NULL'
    )


_GEOM_POINT = "ST_SetSRID(s.geom, 4326)"
_GEOM_MULTI = "ST_Multi(ST_SetSRID(s.geom, 4326))"

PLANS: dict[str, LoadPlan] = {
    "areas": LoadPlan(
        stage=StageSpec(
            {
                "code": "text",
                "name": "text",
                "level": "text",
                "parent_code": "text",
                "geom": "geometry",
            }
        ),
        key=("code",),
        checks=(
            lambda conn: staging.reject_where(
                conn,
                "unknown_code",
                "s.parent_code IS NOT NULL"  # noqa: S608 — fixed fragment
                " AND NOT EXISTS (SELECT 1 FROM admin_area a WHERE a.code = s.parent_code)"
                f" AND NOT EXISTS (SELECT 1 FROM {STAGE} p WHERE p.code = s.parent_code"
                " AND p.reason IS NULL)",
                "'parent_code=' || s.parent_code || ' 不存在 / not found'",
            ),
        ),
        upsert=Upsert(
            "admin_area",
            ("code",),
            {
                "code": "s.code",
                "name": "s.name",
                "level": "s.level",
                "parent_code": "s.parent_code",
                "district_code": "CASE WHEN s.level = 'city' THEN NULL ELSE left(s.code, 6) END",
                "geom": _GEOM_MULTI,
            },
        ),
    ),
    "grids": LoadPlan(
        stage=StageSpec(
            {
                "code": "text",
                "name": "text",
                "community_code": "text",
                "residents": "int4",
                "households": "int4",
                "geom": "geometry",
            },
            extra={"district_code": "text"},
        ),
        key=("code",),
        checks=(
            lambda conn: staging.reject_where(
                conn,
                "unknown_code",
                "NOT EXISTS (SELECT 1 FROM admin_area a WHERE a.code = s.community_code"
                " AND a.level = 'community')",
                "'community_code=' || COALESCE(s.community_code, '') || ' 不是已知社区 / not a known community'",
            ),
            # A grid must lie in its community: its interior point inside the community.
            lambda conn: staging.reject_where(
                conn,
                "outside_parent",
                "NOT EXISTS (SELECT 1 FROM admin_area a WHERE a.code = s.community_code"
                " AND ST_Covers(a.geom, ST_PointOnSurface(s.geom)))",
                "'网格不在所属社区范围内 / grid lies outside community ' || s.community_code",
            ),
            _district_from("community_code", "admin_area", "code"),
        ),
        upsert=Upsert(
            "grid",
            ("code",),
            {
                "code": "s.code",
                "name": "s.name",
                "community_code": "s.community_code",
                "district_code": "s.district_code",
                "households": "COALESCE(s.households, 0)",
                "residents": "COALESCE(s.residents, 0)",
                "geom": _GEOM_MULTI,
            },
        ),
    ),
    "buildings": LoadPlan(
        stage=StageSpec(
            {
                "code": "text",
                "grid_code": "text",
                "address": "text",
                "floors": "int4",
                "geom": "geometry",
            },
            extra={"district_code": "text"},
        ),
        key=("code",),
        checks=(
            _unknown("grid_code", "grid", "code"),
            # Buildings without a grid code get the grid containing their interior point.
            _exec(
                f"""UPDATE {STAGE} s SET grid_code = g.code FROM grid g
                    WHERE s.grid_code IS NULL AND s.reason IS NULL
                    AND ST_Covers(g.geom, ST_PointOnSurface(s.geom))"""  # noqa: S608
            ),
            lambda conn: staging.reject_where(
                conn,
                "outside_area",
                "s.grid_code IS NULL",
                "'楼栋不在任何网格内 / building outside every grid'",
            ),
            _district_from("grid_code", "grid", "code"),
        ),
        upsert=Upsert(
            "building",
            ("code",),
            {
                "code": "s.code",
                "grid_code": "s.grid_code",
                "district_code": "s.district_code",
                "address": "s.address",
                "floors": "s.floors",
                "geom": _GEOM_MULTI,
                "centroid": "ST_PointOnSurface(ST_SetSRID(s.geom, 4326))",
            },
        ),
    ),
    "housing-units": LoadPlan(
        stage=StageSpec(
            {
                "building_code": "text",
                "unit_no": "text",
                "floor": "int4",
                "residents": "int4",
                "occupancy": "text",
            }
        ),
        key=("building_code", "unit_no"),
        checks=(
            _resolve(
                f"SELECT s.rid, b.id AS building_id, b.district_code FROM {STAGE} s"
                " LEFT JOIN building b ON b.code = s.building_code WHERE s.reason IS NULL"
            ),
            _missing(
                "unknown_code",
                "building_id",
                "'building_code=' || COALESCE(s.building_code, '') || ' 不存在 / not found'",
            ),
        ),
        upsert=Upsert(
            "housing_unit",
            ("building_id", "unit_no"),
            {
                "building_id": "r.building_id",
                "district_code": "r.district_code",
                "unit_no": "s.unit_no",
                "floor": "s.floor",
                "residents": "COALESCE(s.residents, 0)",
                "occupancy": "s.occupancy",
            },
            joins=f"JOIN {RESOLVED} r ON r.rid = s.rid",
        ),
    ),
    "grid-workers": LoadPlan(
        stage=StageSpec(
            {"code": "text", "name": "text", "grid_code": "text", "phone": "text"},
            extra={"district_code": "text"},
        ),
        key=("code",),
        checks=(
            _unknown("grid_code", "grid", "code"),
            _district_from("grid_code", "grid", "code"),
        ),
        upsert=Upsert(
            "grid_worker",
            ("code",),
            {
                "code": "s.code",
                "name": "s.name",
                "grid_code": "s.grid_code",
                "district_code": "s.district_code",
                "phone": "s.phone",
            },
        ),
    ),
    "key-persons": LoadPlan(
        stage=StageSpec(
            {
                "name": "text",
                "id_number": "text",
                "phone": "text",
                "category": "text",
                "grid_code": "text",
                "risk_level": "text",
                "geom": "geometry",
            },
            extra={"district_code": "text"},
        ),
        key=("id_number",),
        checks=(
            _unknown("grid_code", "grid", "code"),
            _exec(
                f"""UPDATE {STAGE} s SET grid_code = g.code FROM grid g
                    WHERE s.grid_code IS NULL AND s.reason IS NULL AND s.geom IS NOT NULL
                    AND ST_Covers(g.geom, s.geom)"""  # noqa: S608
            ),
            lambda conn: staging.reject_where(
                conn,
                "outside_area",
                "s.grid_code IS NULL",
                "'无所属网格且坐标不在任何网格内 / no grid code and no grid contains the point'",
            ),
            _district_from("grid_code", "grid", "code"),
        ),
        upsert=Upsert(
            "key_person",
            ("id_number",),
            {
                "name": "s.name",
                "id_number": "s.id_number",
                "phone": "s.phone",
                "category": "s.category",
                "grid_code": "s.grid_code",
                "district_code": "s.district_code",
                "risk_level": "s.risk_level",
                "geom": "ST_SetSRID(s.geom, 4326)",
            },
        ),
    ),
    "disputes": LoadPlan(
        stage=StageSpec(
            {
                "source": "text",
                "source_ref": "text",
                "type_code": "text",
                "title": "text",
                "description": "text",
                "address": "text",
                "reported_at": "timestamptz",
                "parties": "int4",
                "status": "text",
                "risk_level": "text",
                "resolved_at": "timestamptz",
                "grid_code": "text",
                "outcome": "text",
                "satisfaction": "int4",
                "involves_key_person": "text",
                "reporter_name": "text",
                "reporter_phone": "text",
                "merged_into": "text",
                "geom": "geometry",
            }
        ),
        key=("source", "source_ref"),
        checks=(
            # The type may be given by code (property) or by name (房产物业); a given grid code
            # must exist, otherwise the grid comes from the point.
            _resolve(
                query("load/resolve_disputes").format(
                    stage=STAGE, hit=staging.grid_hit("s2.grid_code IS NULL")
                )
            ),
            _missing(
                "unknown_code",
                "type_code",
                "'type=' || COALESCE(s.type_code, '') || ' 不在类案目录中 / not in the catalogue'",
            ),
            lambda conn: staging.reject_where(
                conn,
                "unknown_code",
                f"s.rid IN (SELECT rid FROM {RESOLVED} WHERE bad_grid)",
                "'grid_code=' || s.grid_code || ' 不存在 / not found'",
            ),
            # A point outside every grid; a case without a point waits for its location under
            # the city's code (refused only when there is no city to hold it).
            lambda conn: staging.reject_where(
                conn,
                "outside_area",
                f"s.rid IN (SELECT rid FROM {RESOLVED} WHERE grid_code IS NULL"
                " AND (located OR district_code IS NULL))",
                "CASE WHEN s.geom IS NULL THEN '没有坐标，且没有市级区划可挂靠 / no point and no "
                "city area to hold the case' ELSE '坐标不在任何网格内 / point outside every grid: '"
                " || ST_AsText(s.geom) END",
            ),
            # A merged case names one in the database or in the same file.
            lambda conn: staging.reject_where(
                conn,
                "unknown_code",
                f"s.merged_into IS NOT NULL AND s.rid IN (SELECT rid FROM {RESOLVED}"
                " WHERE merged_into IS NULL) AND NOT EXISTS (SELECT 1 FROM"
                f" {STAGE} s2 WHERE s2.reason IS NULL AND s2.source_ref = s.merged_into"
                " AND s2.rid <> s.rid)",
                "'merged_into=' || s.merged_into || ' 不存在 / not found'",
            ),
        ),
        upsert=Upsert(
            "dispute",
            ("source", "source_ref"),
            {
                "source": "s.source",
                "source_ref": "s.source_ref",
                "type_code": "r.type_code",
                "title": "s.title",
                "description": "s.description",
                "address": "s.address",
                "reported_at": "s.reported_at",
                "geom": _GEOM_POINT,
                "grid_code": "r.grid_code",
                "district_code": "r.district_code",
                "parties": "COALESCE(s.parties, 2)",
                "risk_level": "s.risk_level",
                # Merged into a case of the same file: merged by the step after the upsert.
                "status": "CASE WHEN s.status = 'merged' AND r.merged_into IS NULL"
                " THEN 'received' ELSE s.status END",
                "merged_into": "r.merged_into",
                # A case with a history keeps what its history decided (derive, after).
                "lead_department": "CASE WHEN r.history THEN r.lead_department"
                " ELSE t.lead_department END",
                "due_at": "CASE WHEN r.history THEN r.due_at"
                " ELSE s.reported_at + t.time_limit_days * interval '1 day' END",
                "resolved_at": "s.resolved_at",
                "outcome": "s.outcome",
                "satisfaction": "s.satisfaction",
                "involves_key_person": "COALESCE(s.involves_key_person::boolean, false)",
                "reporter_name": "s.reporter_name",
                "reporter_phone": "s.reporter_phone",
            },
            joins=f"JOIN {RESOLVED} r ON r.rid = s.rid JOIN dispute_type t ON t.code = r.type_code",
        ),
        after=(
            _exec(query("load/merge_in_file").format(stage=STAGE)),
            lambda conn: derive.case_columns(conn, derive.BATCH),
        ),
    ),
    "patrols": LoadPlan(
        stage=StageSpec(
            {
                "worker_code": "text",
                "visited_at": "timestamptz",
                "building_code": "text",
                "finding": "text",
                "anomaly_type": "text",
                "geom": "geometry",
            }
        ),
        key=("worker_code", "visited_at"),
        checks=(
            _resolve(query("load/resolve_patrols").format(stage=STAGE, hit=staging.grid_hit())),
            _missing(
                "unknown_code",
                "worker_id",
                "'worker_code=' || COALESCE(s.worker_code, '') || ' 不存在 / not found'",
            ),
            lambda conn: staging.reject_where(
                conn,
                "unknown_code",
                "s.building_code IS NOT NULL AND " + staging.resolved_missing("building_id"),
                "'building_code=' || s.building_code || ' 不存在 / not found'",
            ),
            _OUTSIDE,
        ),
        upsert=Upsert(
            "patrol_visit",
            ("worker_id", "visited_at"),
            {
                "worker_id": "r.worker_id",
                "visited_at": "s.visited_at",
                "grid_code": "r.grid_code",
                "district_code": "r.district_code",
                "building_id": "r.building_id",
                "geom": _GEOM_POINT,
                "finding": "s.finding",
                "anomaly_type": "s.anomaly_type",
            },
            joins=f"JOIN {RESOLVED} r ON r.rid = s.rid",
            partitioned=True,
        ),
    ),
    "whistles": LoadPlan(
        stage=StageSpec(
            {
                "source_ref": "text",
                "community_code": "text",
                "category": "text",
                "item": "text",
                "raised_at": "timestamptz",
                "responding_department": "text",
                "responded_at": "timestamptz",
                "status": "text",
                "evaluation": "int4",
            },
            extra={"district_code": "text"},
        ),
        key=("source_ref",),
        checks=(
            _exec(
                f"UPDATE {STAGE} s SET category = c.code FROM whistle_class c"  # noqa: S608
                " WHERE s.category = c.name"
            ),
            _unknown("category", "whistle_class", "code"),
            _exec(
                f"UPDATE {STAGE} s SET responding_department = d.code FROM department d"  # noqa: S608
                " WHERE s.responding_department = d.name"
            ),
            _unknown("responding_department", "department", "code"),
            _unknown("community_code", "admin_area", "code"),
            _district_from("community_code", "admin_area", "code"),
        ),
        upsert=Upsert(
            "whistle",
            ("source_ref",),
            {
                "source_ref": "s.source_ref",
                "community_code": "s.community_code",
                "district_code": "s.district_code",
                "category": "s.category",
                "item": "s.item",
                "raised_at": "s.raised_at",
                "responding_department": "s.responding_department",
                "responded_at": "s.responded_at",
                "status": "s.status",
                "evaluation": "s.evaluation",
            },
        ),
    ),
}

# Tables whose statistics change with each kind (ANALYZE after a load).
TARGET_TABLE = {kind: plan.upsert.table for kind, plan in PLANS.items()}

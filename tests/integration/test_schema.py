"""Migrations, constraints, indexes and partitions against a real PostGIS."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from geodata.db import migrate
from geodata.db.engine import make_engine
from geodata.db.migrate import alembic_config
from geodata.schema.models import Base
from geodata.settings import Settings

pytestmark = pytest.mark.db

MODEL_TABLES = set(Base.metadata.tables)
SQUARE = "SRID=4326;MULTIPOLYGON(((111.6 40.8,111.61 40.8,111.61 40.81,111.6 40.81,111.6 40.8)))"
BOWTIE = "SRID=4326;MULTIPOLYGON(((111.6 40.8,111.61 40.81,111.61 40.8,111.6 40.81,111.6 40.8)))"
POINT = "SRID=4326;POINT(111.605 40.805)"


@pytest.fixture()
def scratch_engine(db_url: str):  # noqa: ANN201
    """A second, empty database with PostGIS for up/down/up."""
    import psycopg
    from psycopg import sql

    base = db_url.replace("postgresql+psycopg://", "postgresql://")
    admin = base.rsplit("/", 1)[0] + "/postgres"
    # Named after this session's test database: concurrent sessions must not share it.
    name = db_url.rsplit("/", 1)[1] + "_migrations"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = db_url.rsplit("/", 1)[0] + "/" + name
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    yield make_engine(Settings(), url)
    eng.dispose()


def _tables(engine) -> set[str]:  # noqa: ANN001
    return set(inspect(engine).get_table_names()) - {"spatial_ref_sys", "alembic_version"}


def test_mig001_up_down_up(scratch_engine) -> None:  # noqa: ANN001
    migrate.upgrade(scratch_engine)
    head = ScriptDirectory.from_config(alembic_config(scratch_engine)).get_current_head()
    assert migrate.current(scratch_engine) == head
    assert MODEL_TABLES <= _tables(scratch_engine)
    migrate.downgrade(scratch_engine)
    assert migrate.current(scratch_engine) is None
    assert not (_tables(scratch_engine) & MODEL_TABLES)
    migrate.upgrade(scratch_engine)
    assert MODEL_TABLES <= _tables(scratch_engine)
    with scratch_engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM whistle_class")).scalar() == 23


def test_mig002_models_match_migrations(engine) -> None:  # noqa: ANN001
    command.check(alembic_config(engine))  # raises when autogenerate sees a difference


def test_mig003_every_model_table_exists(engine) -> None:  # noqa: ANN001
    expected = {
        "admin_area",
        "grid",
        "building",
        "building_chief",
        "housing_unit",
        "compound",
        "mediation_room",
        "mediator",
        "key_person",
        "department",
        "dispute_type",
        "dispute",
        "dispute_sub_case",
        "dispute_event",
        "consultation",
        "dispute_link",
        "api_token",
        "whistle_class",
        "whistle",
        "grid_worker",
        "patrol_visit",
        "patrol_task",
        "etl_batch",
        "etl_quarantine",
        "audit_log",
    }
    assert expected <= _tables(engine)


def test_mig004_seeded_code_tables(conn) -> None:  # noqa: ANN001
    names = set(conn.execute(text("SELECT name FROM dispute_type")).scalars())
    for required in (
        "房产物业",
        "拆迁征收",
        "劳资纠纷",
        "行政争议",
        "交通事故",
        "婚姻家庭",
        "邻里纠纷",
        "土地林地",
        "医疗纠纷",
        "消费纠纷",
    ):
        assert required in names
    assert any("供暖" in n for n in names)
    depts = set(conn.execute(text("SELECT name FROM department")).scalars())
    for required in ("公安局", "人民法院", "信访局", "司法局", "住房和城乡建设局", "民政局"):
        assert required in depts
    bad_paths = conn.execute(
        text(
            "SELECT code FROM dispute_type WHERE cardinality(steps) < 3"
            " OR NOT (cooperating_departments <@ (SELECT array_agg(code) FROM department))"
        )
    ).all()
    assert bad_paths == []
    assert conn.execute(text("SELECT count(*) FROM whistle_class")).scalar() == 23


def test_mig005_every_geometry_has_gist_index(conn) -> None:  # noqa: ANN001
    geometry_columns = conn.execute(
        text(
            "SELECT f_table_name, f_geometry_column FROM geometry_columns"
            " WHERE f_table_schema = 'public' AND f_table_name NOT LIKE 'patrol_visit\\_%'"
        )
    ).all()
    assert len(geometry_columns) >= 9
    for table, column in geometry_columns:
        indexed = conn.execute(
            text(
                "SELECT count(*) FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
                " JOIN pg_class ix ON ix.oid = i.indexrelid JOIN pg_am am ON am.oid = ix.relam"
                " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)"
                " WHERE t.relname = :t AND a.attname = :c AND am.amname = 'gist'"
            ),
            {"t": table, "c": column},
        ).scalar()
        assert indexed, f"{table}.{column} has no GiST index"


def _area(conn, code="150180", level="district", parent="150100", geom=SQUARE):  # noqa: ANN001
    if parent == "150100":
        conn.execute(
            text(
                "INSERT INTO admin_area (code, name, level, geom) VALUES ('150100', '市', 'city', :g)"
                " ON CONFLICT DO NOTHING"
            ),
            {"g": SQUARE},
        )
    conn.execute(
        text(
            "INSERT INTO admin_area (code, name, level, parent_code, district_code, geom)"
            " VALUES (:c, 'x', :l, :p, '150180', :g)"
        ),
        {"c": code, "l": level, "p": parent, "g": geom},
    )


@pytest.mark.parametrize(
    "statement, params",
    [
        (
            "INSERT INTO admin_area (code, name, level, parent_code, geom) VALUES"
            " ('150199', 'x', 'province', '150100', :sq)",
            {},
        ),
        (
            "INSERT INTO admin_area (code, name, level, parent_code, geom) VALUES"
            " ('15AB', 'x', 'district', '150100', :sq)",
            {},
        ),
        (
            "INSERT INTO admin_area (code, name, level, parent_code, geom) VALUES"
            " ('150199', 'x', 'district', '150100', :bowtie)",
            {},
        ),
        (
            "INSERT INTO grid (code, name, community_code, district_code, geom) VALUES"
            " ('G1', 'x', '999999999999', '150180', :sq)",
            {},
        ),
        (
            "INSERT INTO grid (code, name, community_code, district_code, residents, geom) VALUES"
            " ('G1', 'x', '150180', '150180', -3, :sq)",
            {},
        ),
        (
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
            " district_code, risk_level, status) VALUES ('hotline', 'r1', 'property', 't', now(),"
            " :pt, '150180', 'low', 'teleported')",
            {},
        ),
        (
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
            " district_code, risk_level, status) VALUES ('fax', 'r1', 'property', 't', now(),"
            " :pt, '150180', 'low', 'received')",
            {},
        ),
        (
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
            " district_code, risk_level, status) VALUES ('hotline', 'r1', 'property', 't', now(),"
            " :pt, '150180', 'extreme', 'received')",
            {},
        ),
        (
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
            " district_code, risk_level, status) VALUES ('hotline', 'r1', 'nosuchtype', 't', now(),"
            " :pt, '150180', 'low', 'received')",
            {},
        ),
        (
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
            " district_code, risk_level, status, satisfaction, resolved_at) VALUES ('hotline', 'r1',"
            " 'property', 't', now(), :pt, '150180', 'low', 'resolved', 9, now())",
            {},
        ),
        (
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
            " district_code, risk_level, status) VALUES ('hotline', 'r1', 'property', 't', now(),"
            " :pt, '150180', 'low', 'resolved')",
            {},
        ),
        (
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
            " district_code, risk_level, status, resolved_at) VALUES ('hotline', 'r1', 'property',"
            " 't', now(), :pt, '150180', 'low', 'resolved', now() - interval '1 day')",
            {},
        ),
        (
            "INSERT INTO dispute_type (code, name, category, lead_department, steps,"
            " time_limit_days) VALUES ('x', 'x', 'x', 'police', ARRAY['a'], 0)",
            {},
        ),
        (
            "INSERT INTO department (code, name, level, residency) VALUES"
            " ('x', 'x', 'district', 'sometimes')",
            {},
        ),
        (
            "INSERT INTO whistle (community_code, district_code, category, item, raised_at, status)"
            " VALUES ('150180', '150180', 'W99', 'x', now(), 'raised')",
            {},
        ),
        (
            "INSERT INTO etl_batch (kind, source_file, status, rows_read, rows_inserted)"
            " VALUES ('grids', 'f', 'committed', 10, 9)",
            {},
        ),
    ],
    ids=[
        "area-level",
        "area-code",
        "area-self-intersection",
        "grid-unknown-community",
        "grid-negative-residents",
        "dispute-status",
        "dispute-source",
        "dispute-risk",
        "dispute-unknown-type",
        "dispute-satisfaction",
        "resolved-without-time",
        "resolved-before-reported",
        "type-time-limit",
        "department-residency",
        "whistle-unknown-class",
        "batch-rows-unaccounted",
    ],
)
def test_con001_constraints_reject_bad_rows(conn, statement: str, params: dict) -> None:  # noqa: ANN001
    _area(conn)
    with pytest.raises((IntegrityError, DBAPIError)):
        with conn.begin_nested():
            conn.execute(text(statement), {"sq": SQUARE, "bowtie": BOWTIE, "pt": POINT, **params})


def test_con002_a_valid_row_is_accepted(conn) -> None:  # noqa: ANN001
    _area(conn)
    conn.execute(
        text(
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
            " district_code, risk_level, status) VALUES ('hotline', 'ok1', 'property', 't',"
            " now(), :pt, '150180', 'low', 'received')"
        ),
        {"pt": POINT},
    )
    assert conn.execute(text("SELECT count(*) FROM dispute WHERE source_ref = 'ok1'")).scalar() == 1


def test_con003_dispute_events_are_append_only(conn) -> None:  # noqa: ANN001
    _area(conn)
    did = conn.execute(
        text(
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
            " district_code, risk_level, status) VALUES ('hotline', 'ev1', 'property', 't',"
            " now(), :pt, '150180', 'low', 'received') RETURNING id"
        ),
        {"pt": POINT},
    ).scalar()
    conn.execute(
        text(
            "INSERT INTO dispute_event (dispute_id, district_code, action, actor, at)"
            " VALUES (:d, '150180', 'accept', '综治中心', now())"
        ),
        {"d": did},
    )
    for statement in ("UPDATE dispute_event SET note = 'changed'", "DELETE FROM dispute_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            with conn.begin_nested():
                conn.execute(text(statement))
    with pytest.raises(DBAPIError):
        with conn.begin_nested():
            conn.execute(
                text(
                    "INSERT INTO dispute_event (dispute_id, district_code, action, actor, at)"
                    " VALUES (:d, '150180', 'teleport', 'x', now())"
                ),
                {"d": did},
            )


def test_part001_patrol_visits_are_partitioned_by_month(conn) -> None:  # noqa: ANN001
    kind = conn.execute(
        text(
            "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'patrol_visit'::regclass"
        )
    ).scalar()
    assert kind == "r"
    _area(conn)
    _area(conn, code="150180001", level="township", parent="150180")
    _area(conn, code="150180001001", level="community", parent="150180001")
    conn.execute(
        text(
            "INSERT INTO grid (code, name, community_code, district_code, geom)"
            " VALUES ('G1', 'g', '150180001001', '150180', :sq)"
        ),
        {"sq": SQUARE},
    )
    wid = conn.execute(
        text(
            "INSERT INTO grid_worker (code, name, grid_code, district_code) VALUES ('W1', '王', 'G1', '150180')"
            " RETURNING id"
        )
    ).scalar()
    # A visit far in the future lands in the default partition (never lost) ...
    conn.execute(
        text(
            "INSERT INTO patrol_visit (visited_at, worker_id, grid_code, district_code, geom)"
            " VALUES ('2031-05-03 10:00+08', :w, 'G1', '150180', :pt)"
        ),
        {"w": wid, "pt": POINT},
    )
    where = "SELECT tableoid::regclass::text FROM patrol_visit WHERE grid_code = 'G1'"
    assert conn.execute(text(where)).scalar() == "patrol_visit_default"
    # ... and moves to its own month once the partition is created.
    created = conn.execute(
        text("SELECT zongzhi_ensure_patrol_partitions('2031-05-01', '2031-05-31')")
    ).scalar()
    assert created == 1
    assert conn.execute(text(where)).scalar() == "patrol_visit_203105"


def test_idx001_spatial_query_uses_gist_index(conn, demo_db) -> None:  # noqa: ANN001
    conn.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(
        conn.execute(
            text(
                "EXPLAIN SELECT code FROM grid"
                " WHERE ST_Intersects(geom, ST_MakeEnvelope(111.6, 40.7, 111.8, 40.9, 4326))"
            )
        ).scalars()
    )
    assert "ix_grid_geom" in plan, plan
    plan = "\n".join(
        conn.execute(
            text(
                "EXPLAIN SELECT g.code, count(*) FROM grid g JOIN dispute d"
                " ON ST_Contains(g.geom, d.geom) GROUP BY g.code"
            )
        ).scalars()
    )
    assert "ix_dispute_geom" in plan or "ix_grid_geom" in plan, plan


# Tables whose writes no cached value depends on: the ETL's own bookkeeping, the audit trail,
# accounts, and the version table itself.
_NOT_VERSIONED = {
    "etl_batch",
    "etl_quarantine",
    "audit_log",
    "app_user",
    "app_session",
    "data_version",
    # Intake API keys: only hashes, read per request, never cached.
    "api_token",
    # Background export jobs: bookkeeping of files, not data anything is computed from.
    "export_job",
}


def test_mig006_every_data_table_bumps_a_data_version(conn) -> None:  # noqa: ANN001
    """A new table must join a family (migration), or a cache would miss its writes."""
    from geodata.schema.models import Base

    with_trigger = dict(
        conn.execute(
            text(
                "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname LIKE '%\\_data\\_version' AND NOT t.tgisinternal"
            )
        ).all()
    )
    expected = set(Base.metadata.tables) - _NOT_VERSIONED
    assert set(with_trigger) == expected
    families = {f for (f,) in conn.execute(text("SELECT family FROM data_version")).all()}
    from domain.vocab import DATA_FAMILIES

    assert families == set(DATA_FAMILIES)


def test_con004_the_audit_log_cannot_be_rewritten_or_emptied(conn) -> None:  # noqa: ANN001
    conn.execute(
        text("INSERT INTO audit_log (user_name, role, action) VALUES ('t', 'admin', 'test.row')")
    )
    for statement in (
        "UPDATE audit_log SET action = 'changed'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            with conn.begin_nested():
                conn.execute(text(statement))
    assert (
        conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'test.row'")).scalar() == 1
    )

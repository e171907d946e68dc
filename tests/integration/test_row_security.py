"""Row-level security, in SQL, as the app's own role: fail closed, exact rows per jurisdiction,
and the privileges the role lacks. Counts are checked against the owner's plain SQL."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

import geodata

pytestmark = pytest.mark.db

_MIGRATION = Path(geodata.__file__).parent / "schema/migrations/versions/0013_row_security.py"
_spec = importlib.util.spec_from_file_location("rls0013", _MIGRATION)
rls = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rls)  # type: ignore[union-attr]
SECURED = tuple(rls.READ_POLICIES)
# Tables whose rows carry the district they belong to.
BY_DISTRICT = tuple(t for t in SECURED if not t.startswith(("app_", "audit")))


@contextmanager
def as_app(app_engine: Engine, **settings: str) -> Iterator[Connection]:
    """A transaction of the app's role with ``zongzhi.<key>`` settings, as a request sets them."""
    with app_engine.connect() as conn, conn.begin():
        for key, value in settings.items():
            conn.execute(
                text("SELECT set_config(:k, :v, true)"), {"k": f"zongzhi.{key}", "v": value}
            )
        yield conn


def _count(conn: Connection, table: str, where: str = "true", **params: str) -> int:
    return conn.execute(text(f"SELECT count(*) FROM {table} WHERE {where}"), params).scalar()  # noqa: S608 — fixed test fragments


@pytest.fixture(scope="module")
def places(engine, demo_db) -> dict[str, str]:  # noqa: ANN001
    """The city, the busiest district, a township and a grid in it (plain SQL)."""
    with engine.connect() as c:
        city = c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
        district = c.execute(
            text("SELECT district_code FROM dispute GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        ).scalar()
        township = c.execute(
            text(
                "SELECT left(grid_code, 9) FROM dispute WHERE district_code = :d"
                " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            {"d": district},
        ).scalar()
        grid = c.execute(
            text(
                "SELECT grid_code FROM key_person WHERE left(grid_code, 9) = :t"
                " GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
            ),
            {"t": township},
        ).scalar()
        department = c.execute(
            text(
                "SELECT department_code FROM dispute_sub_case GROUP BY 1"
                " ORDER BY count(*) DESC LIMIT 1"
            )
        ).scalar()
    assert city and district and township and grid and department
    return {"city": city, "district": district, "township": township, "grid": grid,
            "department": department}  # fmt: skip


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"areas": "", "role": "city"},
        {"areas": "*", "role": "admin"},
        {"areas": "150102' OR '1'='1", "role": "district"},
        {"areas": "150102;", "role": "district"},
        {"areas": "1501021", "role": "district"},
        {"areas": ",,,", "role": "district"},
        {"areas": "150102,", "role": "district"},
        {"department": "", "role": "department"},
    ],
    ids=["unset", "empty", "star", "quote", "semicolon", "7digits", "commas", "trailing", "dept"],
)
def test_rls001_an_unset_empty_or_garbage_scope_sees_no_row(
    app_engine, engine, demo_db, settings
) -> None:  # noqa: ANN001
    with as_app(app_engine, **settings) as conn:
        seen = {t: _count(conn, t) for t in SECURED}
    with engine.connect() as c:
        held = {t: _count(c, t) for t in BY_DISTRICT}
    assert all(held[t] > 0 for t in ("dispute", "key_person", "patrol_visit", "grid_worker"))
    assert seen == dict.fromkeys(SECURED, 0)


def test_rls002_a_district_sees_exactly_its_rows(app_engine, engine, places) -> None:  # noqa: ANN001
    d = places["district"]
    with as_app(app_engine, areas=d, role="district", user="rls_d") as conn:
        seen = {t: _count(conn, t) for t in BY_DISTRICT}
        foreign = {t: _count(conn, t, "district_code <> :d", d=d) for t in BY_DISTRICT}
    with engine.connect() as c:
        own = {t: _count(c, t, "district_code = :d", d=d) for t in BY_DISTRICT}
        total = _count(c, "dispute")
    assert seen == own and set(foreign.values()) == {0}
    assert 0 < own["dispute"] < total


def test_rls003_a_township_and_a_grid_see_only_theirs(app_engine, engine, places) -> None:  # noqa: ANN001
    t, g = places["township"], places["grid"]
    with as_app(app_engine, areas=t, role="township") as conn:
        disputes = _count(conn, "dispute")
        outside = _count(conn, "dispute", "coalesce(left(grid_code, 9), '') <> :t", t=t)
        visits = _count(conn, "patrol_visit")
    with as_app(app_engine, areas=g, role="grid_worker") as conn:
        people = _count(conn, "key_person")
        workers = _count(conn, "grid_worker")
        units = _count(conn, "housing_unit")
    with engine.connect() as c:
        assert disputes == _count(c, "dispute", "left(grid_code, 9) = :t", t=t) > 0
        assert visits == _count(c, "patrol_visit", "left(grid_code, 9) = :t", t=t) > 0
        assert people == _count(c, "key_person", "grid_code = :g", g=g) > 0
        assert workers == _count(c, "grid_worker", "grid_code = :g", g=g)
        assert units == _count(
            c, "housing_unit", "building_id IN (SELECT id FROM building WHERE grid_code = :g)", g=g
        )
        assert disputes < _count(c, "dispute", "district_code = :d", d=places["district"])
    assert outside == 0


def test_rls004_a_department_sees_the_cases_it_works_on(app_engine, engine, places) -> None:  # noqa: ANN001
    dept = places["department"]
    with as_app(app_engine, department=dept, role="department") as conn:
        cases = _count(conn, "dispute")
        subcases = _count(conn, "dispute_sub_case")
        people = _count(conn, "key_person")
    with engine.connect() as c:
        expected = _count(
            c,
            "dispute d",
            "d.lead_department = :p OR :p = ANY (d.cooperating_departments) OR EXISTS (SELECT 1"
            " FROM dispute_sub_case s WHERE s.dispute_id = d.id AND s.department_code = :p)",
            p=dept,
        )
        own_subcases = _count(
            c, "dispute_sub_case", "dispute_id IN (SELECT dispute_id FROM dispute_sub_case"
            " WHERE department_code = :p) OR dispute_id IN (SELECT id FROM dispute"
            " WHERE lead_department = :p OR :p = ANY (cooperating_departments))",
            p=dept,
        )  # fmt: skip
        total = _count(c, "dispute")
    assert 0 < cases == expected < total
    assert subcases == own_subcases > 0
    assert people == 0  # a department's reach is its cases, not residents


def test_rls005_the_city_sees_all_and_the_wall_and_planners_no_people(
    app_engine, engine, places
) -> None:  # noqa: ANN001
    city = places["city"]
    with engine.connect() as c:
        held = {t: _count(c, t) for t in BY_DISTRICT}
    with as_app(app_engine, areas=city, role="city") as conn:
        assert {t: _count(conn, t) for t in BY_DISTRICT} == held
    for role in ("display", "analyst"):
        with as_app(app_engine, areas=city, role=role) as conn:
            assert _count(conn, "key_person") == 0 and _count(conn, "building_chief") == 0
            assert _count(conn, "dispute") == held["dispute"]  # aggregates stay whole


def test_rls006_users_sessions_and_audit_by_who_is_asking(app_engine, engine, places) -> None:  # noqa: ANN001
    from datetime import timedelta

    from geodata.write import sessions, users

    with engine.begin() as c:
        c.execute(text("DELETE FROM app_user WHERE username LIKE 'rls\\_%'"))
        users.add_user(c, "rls_a", "rls-password-1", "city")
        users.add_user(c, "rls_b", "rls-password-1", "district", area_code=places["district"])
        token = sessions.start(c, "rls_a", lifetime=timedelta(hours=1))
        users.record_audit(c, "rls_b", "anonymous", "auth.login_failed", None, {"ip": "1"})
        every_user = _count(c, "app_user")
    with as_app(app_engine) as conn:
        assert _count(conn, "app_user") == _count(conn, "app_session") == 0
        assert sessions.lookup(conn, token, idle=timedelta(hours=1))["username"] == "rls_a"
        # Naming the cookie's hash shows that session and its user, nobody else.
        assert conn.execute(text("SELECT array_agg(username) FROM app_user")).scalar() == ["rls_a"]
    with as_app(app_engine, signin="rls_b") as conn:
        assert conn.execute(text("SELECT array_agg(username) FROM app_user")).scalar() == ["rls_b"]
        assert _count(conn, "audit_log") == _count(conn, "audit_log", "user_name = 'rls_b'") > 0
        assert _count(conn, "audit_log", "action <> 'auth.login_failed'") == 0
    with as_app(app_engine, user="rls_b", role="district", areas=places["district"]) as conn:
        assert _count(conn, "app_user") == 1 and _count(conn, "audit_log") == 0
        assert _count(conn, "app_session", "username = 'rls_a'") == 0
    with as_app(app_engine, user="rls_admin", role="admin", areas=places["city"]) as conn:
        assert _count(conn, "app_user") == every_user
        assert _count(conn, "audit_log") > 0


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "SELECT count(*) FROM etl_quarantine",
        "UPDATE dispute SET status = 'resolved'",
        "INSERT INTO key_person (name, category, grid_code, district_code, risk_level)"
        " SELECT 'x', 'x', code, district_code, 'low' FROM grid LIMIT 1",
        "DELETE FROM dispute_event",
        "SET row_security = off; SELECT count(*) FROM dispute",
        "ALTER TABLE dispute DISABLE ROW LEVEL SECURITY",
        "CREATE TABLE rls_probe (x int)",
    ],
)
def test_rls007_what_the_app_role_may_not_do(app_engine, places, statement: str) -> None:  # noqa: ANN001
    with pytest.raises(DBAPIError), as_app(app_engine, areas=places["city"], role="admin") as conn:
        for part in statement.split("; "):
            conn.execute(text(part))


def test_rls008_no_partition_is_readable_past_its_parent(app_engine, engine) -> None:  # noqa: ANN001
    with engine.connect() as c:
        parts = c.execute(
            text(
                "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                " WHERE i.inhparent = 'patrol_visit'::regclass"
            )
        ).scalars().all()  # fmt: skip
    assert parts
    for part in parts:
        with pytest.raises(DBAPIError), as_app(app_engine) as conn:
            conn.execute(text(f'SELECT 1 FROM "{part}" LIMIT 1'))  # noqa: S608 — catalogue names


def test_rls009_the_role_is_not_privileged_and_policies_are_forced(app_engine, engine) -> None:  # noqa: ANN001
    from geodata.db.roles import PrivilegedRoleError, check_app_role

    check_app_role(app_engine)  # passes: the app's role
    with pytest.raises(PrivilegedRoleError, match="superuser"):
        check_app_role(engine)
    with engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class"
                " WHERE relname = ANY(:t) AND relkind IN ('r', 'p')"
            ),
            {"t": list(SECURED)},
        ).all()
        # Each policy column is indexed: an index on the table leads with district_code.
        indexed = set(
            c.execute(
                text(
                    "SELECT tablename FROM pg_indexes WHERE tablename = ANY(:t)"
                    " AND indexdef ~ '\\(district_code[,)]'"
                ),
                {"t": list(BY_DISTRICT)},
            ).scalars()
        )
    assert {r[0] for r in rows} == set(SECURED) and all(r[1] and r[2] for r in rows)
    assert indexed == set(BY_DISTRICT)


def test_rls010_the_scope_is_read_once_per_statement(app_engine, places) -> None:  # noqa: ANN001
    with as_app(app_engine, areas=places["district"], role="district") as conn:
        plan = conn.execute(text("EXPLAIN (FORMAT JSON) SELECT count(*) FROM dispute")).scalar()
    text_plan = str(plan)
    # The settings are init plans, evaluated once; no per-row call of the scope functions.
    assert "InitPlan" in text_plan
    filters = _filters(plan)
    assert any("district_code" in f for f in filters), filters  # the policy is applied per row
    assert "zongzhi_scope" not in str(filters)


def _filters(node) -> list[str]:  # noqa: ANN001
    """Every per-row Filter / Index Cond of a JSON plan (init plans' own output excluded)."""
    out: list[str] = []
    if isinstance(node, list):
        for n in node:
            out += _filters(n)
    elif isinstance(node, dict):
        for key in ("Filter", "Index Cond", "Recheck Cond"):
            if key in node:
                out.append(node[key])
        for child in node.get("Plans", []) if "Plan" not in node else [node["Plan"]]:
            if child.get("Parent Relationship") != "InitPlan":
                out += _filters(child)
    return out


def test_rls011_in_process_values_are_kept_per_scope(app_engine, engine, places) -> None:  # noqa: ANN001
    """The patrol snapshot (one in-process copy) is the caller's: a district's never serves the
    city, nor the city's a district (the mistake a per-database copy would make)."""
    from app import context
    from app.main import create_app
    from domain.scope import Scope
    from geodata.read import tiles as geotiles
    from geodata.settings import Settings

    d = places["district"]
    app = create_app(Settings(), engine=app_engine)
    district = Scope(user="rls_d", role="district", areas=(d,))
    city = Scope(user="rls_c", role="city", areas=(places["city"],))
    with engine.connect() as c:
        own, total = _count(c, "patrol_visit", "district_code = :d", d=d), _count(c, "patrol_visit")
    geotiles.drop_patrol_snapshots()
    with app.server.test_request_context("/"):
        sizes = []
        for who in (district, city, district, city):
            with context.connection(who) as conn:
                sizes.append(len(geotiles.patrol_snapshot(conn)))
    assert sizes == [own, total, own, total] and own < total


# Tables added after 0013 that hold people or cases: each must be row-secured like the others.
LATER_SECURED = ("consultation", "dispute_link", "alert_episode", "key_person_case")


def test_rls010_every_row_secured_table_is_forced_and_fails_closed(
    app_engine, engine, demo_db
) -> None:  # noqa: ANN001
    with engine.connect() as c:
        secured = dict(
            c.execute(
                text("SELECT relname, relforcerowsecurity FROM pg_class WHERE relrowsecurity"
                     " AND relkind IN ('r', 'p') AND relnamespace = 'public'::regnamespace")
            ).all()
        )  # fmt: skip
    assert set(SECURED) | set(LATER_SECURED) <= set(secured)
    assert all(secured.values()), {t for t, forced in secured.items() if not forced}
    with as_app(app_engine) as conn:
        seen = {t: _count(conn, t) for t in secured}
    assert seen == dict.fromkeys(secured, 0)

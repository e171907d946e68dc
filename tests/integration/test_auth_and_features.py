"""Sign-in, roles and audit; key persons (masked in SQL), buildings and dispute points."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, time, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from app.cli import main as cli
from app.main import create_app
from geodata.read import features
from geodata.settings import Settings
from geodata.write import users
from layers import buildings, dispute_points, key_persons
from layers.filters import LOCAL_TZ, MapFilters
from tests.conftest import AS_OF
from tests.integration.dash_calls import SAME_ORIGIN

pytestmark = pytest.mark.db

PASSWORD = "correct horse battery"
NOW = datetime.combine(AS_OF, time(12), LOCAL_TZ)
ID_18 = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9])")
PHONE_11 = re.compile(r"(?<![0-9])1[0-9]{10}(?![0-9])")
# Test users live in app_user for this module only (the client signs in outside `conn`).
TEST_USERS = {
    "t_leader": "city",
    "t_analyst": "analyst",
    "t_admin": "admin",
    "t_off": "city",
    "t_lock": "city",
}


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    with engine.begin() as c:
        c.execute(text("DELETE FROM app_user WHERE username LIKE 't\\_%'"))
        for name, role in TEST_USERS.items():
            users.add_user(c, name, PASSWORD, role, display_name=f"测试{role}")
        c.execute(text("UPDATE app_user SET active = false WHERE username = 't_off'"))
    # Many sign-ins from one test address: the per-address limit has its own test.
    yield create_app(Settings(login_rate_limit="1000 per minute"), engine=app_engine)
    with engine.begin() as c:
        c.execute(text("DELETE FROM app_user WHERE username LIKE 't\\_%'"))


@pytest.fixture()
def client(app):  # noqa: ANN001, ANN201
    return app.server.test_client()


@pytest.fixture(scope="module")
def city_bbox(engine, demo_db) -> tuple[float, float, float, float]:  # noqa: ANN001
    with engine.connect() as c:
        row = c.execute(
            text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)"
                " FROM (SELECT ST_Extent(geom)::geometry AS e FROM grid) x"
            )
        ).one()
    return tuple(float(v) for v in row)


def _audit(engine, username: str, action: str) -> int:  # noqa: ANN001
    with engine.connect() as c:
        return c.execute(
            text("SELECT count(*) FROM audit_log WHERE user_name = :u AND action = :a"),
            {"u": username, "a": action},
        ).scalar()


def _login(client, username: str, password: str, ip: str = "127.0.0.1", **extra):  # noqa: ANN001, ANN003, ANN202
    return client.post(
        "/auth/login",
        data={"username": username, "password": password, **extra},
        headers=SAME_ORIGIN,
        environ_base={"REMOTE_ADDR": ip},
    )


# --- users, passwords, sign-in ------------------------------------------------------------------


def test_auth101_password_hashing(conn, demo_db) -> None:  # noqa: ANN001
    hashed = users.hash_password(PASSWORD)
    assert hashed.startswith("scrypt:") and PASSWORD not in hashed
    assert users.verify_password(hashed, PASSWORD)
    assert not users.verify_password(hashed, PASSWORD + "!")
    assert users.hash_password(PASSWORD) != hashed  # salted
    with pytest.raises(ValueError, match="at least 8"):
        users.hash_password("short")
    users.add_user(conn, "h_user", PASSWORD, "analyst")
    stored = conn.execute(text("SELECT password_hash FROM app_user WHERE username = 'h_user'"))
    assert users.verify_password(stored.scalar(), PASSWORD)
    assert "password_hash" not in users.get_user(conn, "h_user")


def test_auth102_user_rows_are_checked(conn, demo_db) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="unknown role"):
        users.add_user(conn, "x_user", PASSWORD, "superuser")
    with pytest.raises(ValueError, match="no area"):
        users.add_user(conn, "x_user", PASSWORD, "district", area_code="15")
    with pytest.raises(ValueError, match="no area"):
        users.add_user(conn, "x_user", PASSWORD, "district", area_code="159999")
    # A role is bound to an area of its own level, a department user to a department.
    with pytest.raises(ValueError, match="bound to a township"):
        users.add_user(conn, "x_user", PASSWORD, "township", area_code="150102")
    with pytest.raises(ValueError, match="needs --area"):
        users.add_user(conn, "x_user", PASSWORD, "grid_worker")
    with pytest.raises(ValueError, match="needs --department"):
        users.add_user(conn, "x_user", PASSWORD, "department")
    with pytest.raises(ValueError, match="no department"):
        users.add_user(conn, "x_user", PASSWORD, "department", department_code="NOPE")
    city = conn.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
    assert users.add_user(conn, "x_city", PASSWORD, "city")["area_code"] == city
    made = users.add_user(conn, "x_user", PASSWORD, "district", area_code="150102")
    assert (made["role"], made["area_code"], made["department_code"]) == (
        "district",
        "150102",
        None,
    )
    with pytest.raises(ValueError, match="already exists"):
        users.add_user(conn, "x_user", PASSWORD, "admin")
    # The database refuses a role outside the list even when the Python check is bypassed.
    with pytest.raises(Exception, match="ck_app_user_role"):
        with conn.begin_nested():
            conn.execute(
                text(
                    "INSERT INTO app_user (username, display_name, password_hash, role)"
                    " VALUES ('y_user', 'y', 'h', 'root')"
                )
            )


def test_auth103_sign_in_sets_the_session_and_redirects(app, client, engine) -> None:  # noqa: ANN001
    from app.web.auth import current_role, current_user

    before = _audit(engine, "t_leader", "auth.login")
    resp = _login(client, "t_leader", PASSWORD, next="/?area=150102&period=30d")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/?area=150102&period=30d"
    with client.session_transaction() as sess:
        assert sess["user"] == "t_leader"
    with client:
        client.get("/healthz")
        assert current_user()["display_name"] == "测试city"
        assert current_role() == "city"
    assert _audit(engine, "t_leader", "auth.login") == before + 1
    with engine.connect() as c:
        detail = c.execute(
            text(
                "SELECT detail FROM audit_log WHERE user_name = 't_leader'"
                " AND action = 'auth.login' ORDER BY id DESC LIMIT 1"
            )
        ).scalar()
    assert "ip" in detail and PASSWORD not in json.dumps(detail)


def test_auth104_anonymous_holds_nothing_and_reaches_only_the_sign_in_page(app, client) -> None:  # noqa: ANN001
    from app.web.auth import current_role, current_user, may

    with client:
        client.get("/healthz")
        assert current_user() is None and current_role() == "anonymous"
        assert not any(may(p) for p in users.PERMISSIONS)
    page = client.get("/?area=150102&period=30d")
    assert page.status_code == 303
    assert page.headers["Location"] == "/login?next=%2F%3Farea%3D150102%26period%3D30d"
    assert client.get("/login").status_code == 200


def test_auth105_failure_names_no_account_and_is_audited(client, engine) -> None:  # noqa: ANN001
    before_known = _audit(engine, "t_analyst", "auth.login_failed")
    before_unknown = _audit(engine, "nobody_here", "auth.login_failed")
    wrong = _login(client, "t_analyst", "wrong password")
    unknown = _login(client, "nobody_here", "wrong password")
    disabled = _login(client, "t_off", PASSWORD)  # right password, disabled account
    for resp in (wrong, unknown, disabled):
        assert resp.status_code == 303
        assert resp.headers["Location"] == "/login?error=bad_credentials"
    assert wrong.data == unknown.data == disabled.data
    with client.session_transaction() as sess:
        assert "user" not in sess
    assert _audit(engine, "t_analyst", "auth.login_failed") == before_known + 1
    assert _audit(engine, "nobody_here", "auth.login_failed") == before_unknown + 1
    with engine.connect() as c:
        reasons = c.execute(
            text(
                "SELECT detail->>'reason' FROM audit_log WHERE action = 'auth.login_failed'"
                " AND user_name IN ('t_analyst', 't_off') ORDER BY id DESC LIMIT 2"
            )
        ).scalars()
        assert set(reasons) == {"bad_credentials", "inactive"}


def test_auth106_open_redirect_is_refused(client) -> None:  # noqa: ANN001
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        resp = _login(client, "t_analyst", PASSWORD, next=target)
        assert resp.status_code == 303 and resp.headers["Location"] == "/", target
        failed = _login(client, "t_analyst", "nope nope", ip="10.0.1.6", next=target)
        assert "evil" not in failed.headers["Location"], target
    out = client.post("/auth/logout?next=//evil.example", headers=SAME_ORIGIN)
    assert out.headers["Location"] == "/"


def test_auth107_cross_site_post_is_refused(client) -> None:  # noqa: ANN001
    resp = client.post(
        "/auth/login",
        data={"username": "t_admin", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert resp.headers["Location"].startswith("/login?error=cross_site")
    with client.session_transaction() as sess:
        assert "user" not in sess
    same = client.post(
        "/auth/login",
        data={"username": "t_admin", "password": PASSWORD},
        headers={"Origin": "http://localhost"},
    )
    assert same.headers["Location"] == "/"


def test_auth108_sign_out_and_deactivation_end_the_session(client, engine) -> None:  # noqa: ANN001
    from app.web.auth import current_role

    _login(client, "t_analyst", PASSWORD)
    before = _audit(engine, "t_analyst", "auth.logout")
    resp = client.post("/auth/logout", headers=SAME_ORIGIN)
    assert resp.status_code == 303
    with client.session_transaction() as sess:
        assert "user" not in sess
    assert _audit(engine, "t_analyst", "auth.logout") == before + 1
    # A user disabled while signed in is a viewer from the next request on.
    _login(client, "t_admin", PASSWORD)
    with engine.begin() as c:
        c.execute(text("UPDATE app_user SET active = false WHERE username = 't_admin'"))
    try:
        with client:
            client.get("/healthz")
            assert current_role() == "anonymous"
    finally:
        with engine.begin() as c:
            c.execute(text("UPDATE app_user SET active = true WHERE username = 't_admin'"))


def test_auth109_failures_lock_that_address_out_of_that_account_only(client, engine) -> None:  # noqa: ANN001
    attacker, owner = "10.0.1.9", "10.0.2.9"
    for _ in range(users.FREE_FAILURES):
        _login(client, "t_lock", "wrong password", ip=attacker)
    resp = _login(client, "t_lock", PASSWORD, ip=attacker)
    assert resp.headers["Location"] == "/login?error=locked"
    with engine.connect() as c:
        reason = c.execute(
            text(
                "SELECT detail->>'reason' FROM audit_log WHERE user_name = 't_lock'"
                " ORDER BY id DESC LIMIT 1"
            )
        ).scalar()
    assert reason == "locked"
    # The owner, elsewhere, is not kept out by someone else's guesses.
    assert _login(client, "t_lock", PASSWORD, ip=owner).headers["Location"] == "/"


def test_auth120_the_wait_grows_with_each_failure_and_ends(conn) -> None:  # noqa: ANN001
    wait = users.lockout_wait
    assert [wait(n) for n in range(users.FREE_FAILURES)] == [timedelta(0)] * users.FREE_FAILURES
    base = users.BACKOFF_BASE
    assert wait(users.FREE_FAILURES) == base
    assert wait(users.FREE_FAILURES + 1) == 2 * base
    assert wait(users.FREE_FAILURES + 2) == 4 * base
    assert wait(users.FREE_FAILURES + 50) == users.BACKOFF_MAX
    users.add_user(conn, "t_wait", PASSWORD, "city")
    now = conn.execute(text("SELECT now()")).scalar()

    def fail_at(ago: timedelta) -> None:
        conn.execute(
            text(
                "INSERT INTO audit_log (at, user_name, role, action, detail)"
                " VALUES (:at, 't_wait', 'viewer', 'auth.login_failed', '{\"ip\": \"10.0.3.1\"}')"
            ),
            {"at": now - ago},
        )

    for _ in range(users.FREE_FAILURES):
        fail_at(2 * base)  # the wait (base) has passed since the last one
    assert users.authenticate(conn, "t_wait", PASSWORD, "10.0.3.1")[1] == "ok"
    fail_at(base / 2)  # one more, just now: 2 × base from now
    assert users.authenticate(conn, "t_wait", PASSWORD, "10.0.3.1")[1] == "locked"
    assert users.authenticate(conn, "t_wait", PASSWORD, "10.0.3.2")[1] == "ok"


def test_auth121_sign_in_is_rate_limited_per_address(engine, demo_db, app_engine) -> None:  # noqa: ANN001
    app = create_app(Settings(login_rate_limit="3 per minute"), engine=app_engine)
    client = app.server.test_client()
    for _ in range(3):
        assert (
            "rate_limited"
            not in _login(client, "nobody_here", "x", ip="10.0.4.1").headers["Location"]
        )
    limited = _login(client, "t_analyst", PASSWORD, ip="10.0.4.1")
    assert limited.status_code == 303
    assert limited.headers["Location"] == "/login?error=rate_limited"
    with client.session_transaction() as sess:
        assert "user" not in sess
    assert _login(client, "t_analyst", PASSWORD, ip="10.0.4.2").headers["Location"] == "/"


def test_auth122_writes_need_a_same_origin_request(client) -> None:  # noqa: ANN001
    body = {"output": "x.children", "outputs": {"id": "x", "property": "children"}, "inputs": []}
    url = "/_dash-update-component"
    refused = [
        {},
        {"Origin": "null"},
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/page"},
    ]
    for headers in refused:
        assert client.post(url, json=body, headers=headers).status_code == 403, headers
        resp = client.post(
            "/auth/login", data={"username": "t_admin", "password": PASSWORD}, headers=headers
        )
        assert resp.headers["Location"].startswith("/login?error=cross_site"), headers
        assert client.post("/auth/logout", headers=headers).status_code == 403, headers
    # A same-site Referer stands in for a missing Origin.
    ok = client.post(
        "/auth/login",
        data={"username": "t_admin", "password": PASSWORD},
        headers={"Referer": "http://localhost/login"},
    )
    assert ok.headers["Location"] == "/"


def test_auth123_sign_out_is_post_only(client) -> None:  # noqa: ANN001
    _login(client, "t_analyst", PASSWORD)
    assert client.get("/auth/logout").status_code == 405
    with client.session_transaction() as sess:
        assert sess.get("user") == "t_analyst"  # a link or an image signs nobody out


def test_auth124_security_headers_on_pages_and_routes(app, client) -> None:  # noqa: ANN001
    for url in ("/", "/login", "/healthz", "/_dash-layout"):
        resp = client.get(url)
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
        assert "'unsafe-eval'" not in csp and "script-src 'self' 'sha256-" in csp, url
        assert resp.headers["X-Frame-Options"] == "DENY"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"
    # Every inline script of the index page is allowed by its hash, nothing else inline.
    for h in app.csp_hashes():
        assert h in client.get("/").headers["Content-Security-Policy"]


def _page_text(component) -> str:  # noqa: ANN001
    from plotly.utils import PlotlyJSONEncoder

    return json.dumps(component, cls=PlotlyJSONEncoder, ensure_ascii=False)


def test_auth110_login_page(app, client) -> None:  # noqa: ANN001
    page = client.get("/login?next=/%3Farea%3D150102")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text_ = page.get_data(as_text=True)
    assert (
        'action="/auth/login"' in text_ and 'value="/?area=150102"' in text_ and "用户名" in text_
    )
    assert "用户名或密码错误" not in text_
    assert "用户名或密码错误" in client.get("/login?error=bad_credentials").get_data(as_text=True)
    assert "<script" not in client.get("/login?error=<script>").get_data(as_text=True)
    evil = client.get("/login?next=//evil.example").get_data(as_text=True)
    assert "evil.example" not in evil
    escaped = client.get('/login?next=/"><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert" not in escaped and "&lt;script&gt;" in escaped
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert "User name" in english or "Username" in english
    _login(client, "t_leader", PASSWORD)
    signed = client.get("/login").get_data(as_text=True)
    assert 'action="/auth/logout"' in signed and 'method="post"' in signed


def test_auth111_demo_users(conn, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv(users.DEMO_PASSWORD_ENV, raising=False)
    names = [u[0] for u in users.DEMO_USERS]
    conn.execute(text("DELETE FROM app_user WHERE username = ANY(:n)"), {"n": names})
    password = users.ensure_demo_users(conn)
    assert password and len(password) >= 12
    for name, _, role, _ in users.DEMO_USERS:
        user, reason = users.authenticate(conn, name, password)
        assert reason == "ok" and user["role"] == role
    # Each bound to the jurisdiction its role names, found in the data (independent SQL).
    bound = dict(
        conn.execute(
            text(
                "SELECT role, coalesce(area_code, department_code) FROM app_user"
                " WHERE username = ANY(:n) AND role <> 'analyst'"
            ),
            {"n": names},
        ).all()
    )
    city = conn.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
    assert bound["city"] == bound["admin"] == bound["display"] == city
    assert len(bound["district"]) == 6 and bound["township"].startswith(bound["district"])
    assert len(bound["grid_worker"]) == 15 and bound["grid_worker"].startswith(bound["township"])
    dept = text("SELECT 1 FROM department WHERE code = :d")
    assert conn.execute(dept, {"d": bound["department"]}).scalar() == 1
    assert users.ensure_demo_users(conn) is None  # already there: nothing created, nothing shown
    conn.execute(text("DELETE FROM app_user WHERE username = 'admin'"))
    monkeypatch.setenv(users.DEMO_PASSWORD_ENV, "demo-password-1")
    assert users.ensure_demo_users(conn) is None
    assert users.authenticate(conn, "admin", "demo-password-1")[1] == "ok"
    assert users.authenticate(conn, "district", password)[1] == "ok"  # left alone


# --- masking in SQL ------------------------------------------------------------------------------


def test_mask101_sql_fragments_match_the_python_reference(conn) -> None:  # noqa: ANN001
    rng = random.Random(7)
    values = [None, "", "1", "12345678901234", "150102199001011234", "欧阳明", "欧阳", "王", "王涛"]
    values += ["".join(rng.choice("0123456789X王欧阳") for _ in range(rng.randint(0, 22)))
               for _ in range(300)]  # fmt: skip
    sql = (
        f"SELECT v, {features.mask_id_sql('t.v')}, {features.mask_phone_sql('t.v')},"
        f" {features.mask_name_sql('t.v')} FROM unnest(CAST(:vals AS text[])) AS t(v)"
    )
    rows = conn.execute(text(sql), {"vals": values}).all()
    assert len(rows) == len(values)
    for value, masked_id, masked_phone, masked_name in rows:
        assert masked_id == features.mask_id_number(value), value
        assert masked_phone == features.mask_phone(value), value
        assert masked_name == features.mask_name(value), value


# --- key persons ---------------------------------------------------------------------------------


def test_kp001_viewer_is_refused(conn, city_bbox) -> None:  # noqa: ANN001
    with pytest.raises(PermissionError):
        key_persons.fetch(conn, key_persons.Params(bbox=city_bbox, role="display"))


def test_kp002_leader_gets_masked_values(conn, city_bbox, demo_db) -> None:  # noqa: ANN001
    data = key_persons.fetch(conn, key_persons.Params(bbox=city_bbox, role="city"))
    payload = json.dumps(data, ensure_ascii=False)
    assert data["masked"] and data["count"] > 0
    assert not ID_18.search(payload) and not PHONE_11.search(payload)
    raw = {
        r.id: r
        for r in conn.execute(text("SELECT id, name, id_number, phone FROM key_person")).all()
    }
    for feature in data["geojson"]["features"]:
        p = feature["properties"]
        assert re.fullmatch(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]", p["id_number"])
        assert re.fullmatch(r"[0-9]{3}\*{4}[0-9]{4}", p["phone"])
        assert p["name"].endswith("*") and p["name"] != raw[p["id"]].name
        assert p["id_number"] == features.mask_id_number(raw[p["id"]].id_number)
    rendered = key_persons.render(data, key_persons.Params(bbox=city_bbox, role="city"))
    assert not PHONE_11.search(json.dumps(rendered))
    assert {f["properties"]["color"] for f in rendered["geojson"]["features"]} <= set(
        key_persons.RISK_COLORS.values()
    )


def test_kp003_admin_gets_raw_values(conn, city_bbox) -> None:  # noqa: ANN001
    data = key_persons.fetch(conn, key_persons.Params(bbox=city_bbox, role="admin"))
    assert not data["masked"]
    raw = {
        r.id: r
        for r in conn.execute(text("SELECT id, name, id_number, phone FROM key_person")).all()
    }
    assert (
        data["count"]
        == conn.execute(text("SELECT count(*) FROM key_person WHERE geom IS NOT NULL")).scalar()
    )
    for feature in data["geojson"]["features"]:
        p = feature["properties"]
        assert (p["name"], p["id_number"], p["phone"]) == (
            raw[p["id"]].name,
            raw[p["id"]].id_number,
            raw[p["id"]].phone,
        )


def test_kp004_risk_filter_bbox_and_district(conn, city_bbox) -> None:  # noqa: ANN001
    params = key_persons.Params(
        bbox=city_bbox, role="city", filters=MapFilters(risks=("high", "medium"))
    )
    data = key_persons.fetch(conn, params)
    risks = {f["properties"]["risk_level"] for f in data["geojson"]["features"]}
    assert risks and risks <= {"high", "medium"}
    expected = conn.execute(
        text("SELECT count(*) FROM key_person WHERE risk_level IN ('high', 'medium')")
    ).scalar()
    assert data["count"] == expected
    # Half the box holds fewer, and only those inside it.
    west, south, east, north = city_bbox
    half = (west, south, (west + east) / 2, north)
    part = key_persons.fetch(conn, key_persons.Params(bbox=half, role="city"))
    assert part["count"] < key_persons.fetch(conn, params.model_copy(update={"filters": MapFilters()}))["count"]  # fmt: skip
    assert all(f["geometry"]["coordinates"][0] <= half[2] for f in part["geojson"]["features"])
    district = conn.execute(
        text("SELECT district_code FROM key_person GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    ).scalar()
    scoped = key_persons.fetch(
        conn, key_persons.Params(bbox=city_bbox, role="city", district_code=district)
    )
    assert scoped["count"] > 0
    assert {f["properties"]["district_code"] for f in scoped["geojson"]["features"]} == {district}
    # The cap keeps the highest risks.
    capped = key_persons.fetch(conn, key_persons.Params(bbox=city_bbox, role="admin", limit=3))
    assert capped["truncated"] and len(capped["geojson"]["features"]) == 3
    n_high = conn.execute(text("SELECT count(*) FROM key_person WHERE risk_level = 'high'"))
    if n_high.scalar() >= 3:
        assert {f["properties"]["risk_level"] for f in capped["geojson"]["features"]} == {"high"}


# --- buildings -----------------------------------------------------------------------------------


def _street_bbox(conn):  # noqa: ANN001, ANN202
    """A ~zoom-17 box around the building with the most housing units."""
    x, y = conn.execute(
        text(
            "SELECT ST_X(b.centroid), ST_Y(b.centroid) FROM building b"
            " JOIN housing_unit h ON h.building_id = b.id GROUP BY b.id"
            " ORDER BY count(*) DESC, b.id LIMIT 1"
        )
    ).one()
    return (x - 0.004, y - 0.003, x + 0.004, y + 0.003)


def test_bld001_nothing_below_min_zoom(conn, city_bbox) -> None:  # noqa: ANN001
    params = buildings.Params(bbox=city_bbox, zoom=buildings.MIN_ZOOM - 1)
    data = buildings.fetch(conn, params)
    assert data["zoomed_out"] and data["geojson"]["features"] == []
    assert buildings.render(data, params)["message_key"] == "buildings.zoom_in"


def test_bld002_footprints_with_units_and_residents(conn) -> None:  # noqa: ANN001
    bbox = _street_bbox(conn)
    params = buildings.Params(bbox=bbox, zoom=17)
    data = buildings.fetch(conn, params)
    assert data["count"] > 0 and not data["truncated"]
    expected = {
        r.id: r
        for r in conn.execute(
            text(
                "SELECT b.id, b.floors, count(h.id) AS units, COALESCE(sum(h.residents), 0) AS res"
                " FROM building b LEFT JOIN housing_unit h ON h.building_id = b.id"
                " WHERE b.geom && ST_MakeEnvelope(:w, :s, :e, :n, 4326) GROUP BY b.id"
            ),
            dict(zip("wsen", bbox, strict=True)),
        ).all()
    }
    assert {f["properties"]["id"] for f in data["geojson"]["features"]} == set(expected)
    assert any(f["properties"]["units"] > 0 for f in data["geojson"]["features"])
    for f in data["geojson"]["features"]:
        row = expected[f["properties"]["id"]]
        assert (
            f["properties"]["floors"],
            f["properties"]["units"],
            f["properties"]["residents"],
        ) == (
            row.floors,
            row.units,
            row.res,
        )
        assert f["geometry"]["type"] == "MultiPolygon"
    out = buildings.render(data, params)
    assert out["message_key"] is None and out["hideout"]["colors"] == list(buildings.FLOOR_COLORS)


def test_bld003_cap(conn, city_bbox) -> None:  # noqa: ANN001
    params = buildings.Params(bbox=city_bbox, zoom=16, limit=25)
    data = buildings.fetch(conn, params)
    assert data["truncated"] and len(data["geojson"]["features"]) == 25 == data["count"]
    assert buildings.render(data, params)["message_key"] == "buildings.truncated"
    with pytest.raises(ValueError):
        buildings.Params(bbox=city_bbox, zoom=16, limit=buildings.MAX_FEATURES + 1)


# --- dispute points ------------------------------------------------------------------------------


def test_dp001_viewer_is_refused(conn, city_bbox) -> None:  # noqa: ANN001
    with pytest.raises(PermissionError):
        dispute_points.fetch(conn, dispute_points.Params(bbox=city_bbox, role="display", now=NOW))


def test_dp002_too_many_gives_only_the_count(conn, city_bbox) -> None:  # noqa: ANN001
    total = conn.execute(
        text("SELECT count(*) FROM dispute WHERE reported_at >= :s AND geom IS NOT NULL"),
        {"s": MapFilters().window(NOW)[0]},
    ).scalar()
    assert total > 10
    params = dispute_points.Params(bbox=city_bbox, role="city", now=NOW, limit=10)
    data = dispute_points.fetch(conn, params)
    assert data == {"count": total, "too_many": True, "geojson": None}
    out = dispute_points.render(data, params)
    assert out["geojson"]["features"] == [] and out["message_key"] == "dispute_points.too_many"


def test_dp003_points_honour_every_filter(conn, city_bbox) -> None:  # noqa: ANN001
    type_code, status, risk, source = conn.execute(
        text(
            "SELECT type_code, status, risk_level, source FROM dispute"
            " GROUP BY 1, 2, 3, 4 ORDER BY count(*) DESC LIMIT 1"
        )
    ).one()
    flt = MapFilters(
        period="all", types=(type_code,), statuses=(status,), risks=(risk,), sources=(source,)
    )
    params = dispute_points.Params(bbox=city_bbox, role="analyst", filters=flt, now=NOW)
    data = dispute_points.fetch(conn, params)
    expected = conn.execute(
        text(
            "SELECT count(*) FROM dispute WHERE type_code = :t AND status = :st"
            " AND risk_level = :r AND source = :so"
        ),
        {"t": type_code, "st": status, "r": risk, "so": source},
    ).scalar()
    assert not data["too_many"] and data["count"] == expected > 0
    for f in data["geojson"]["features"]:
        p = f["properties"]
        assert (p["type_code"], p["status"], p["risk_level"], p["source"]) == (
            type_code,
            status,
            risk,
            source,
        )
        assert p["title"] and p["type_name"] and p["source_ref"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", p["reported_at"])
    # The period narrows it further: 30 days before AS_OF holds fewer than all time.
    recent = dispute_points.fetch(
        conn, params.model_copy(update={"filters": flt.model_copy(update={"period": "30d"})})
    )
    start = MapFilters(period="30d").window(NOW)[0]
    assert (
        recent["count"]
        == conn.execute(
            text(
                "SELECT count(*) FROM dispute WHERE type_code = :t AND status = :st"
                " AND risk_level = :r AND source = :so AND reported_at >= :start"
            ),
            {"t": type_code, "st": status, "r": risk, "so": source, "start": start},
        ).scalar()
    )
    assert recent["count"] < data["count"]
    rendered = dispute_points.render(data, params)
    assert len(rendered["geojson"]["features"]) == data["count"]


# --- CLI -----------------------------------------------------------------------------------------


def test_cli101_user_add_and_list(db_url, engine, demo_db) -> None:  # noqa: ANN001
    env = {"ZONGZHI_DATABASE_URL": db_url}
    runner = CliRunner()
    with engine.begin() as c:
        c.execute(text("DELETE FROM app_user WHERE username = 'cli_leader'"))
    try:
        added = runner.invoke(
            cli,
            ["user", "add", "cli_leader", "--role", "district", "--area", "150102",
             "--password-stdin"],
            input=PASSWORD + "\n",
            env=env,
        )  # fmt: skip
        assert added.exit_code == 0, added.output
        assert "cli_leader" in added.output and PASSWORD not in added.output
        with engine.connect() as c:
            user, reason = users.authenticate(c, "cli_leader", PASSWORD)
        assert reason == "ok" and user["area_code"] == "150102"
        again = runner.invoke(
            cli, ["user", "add", "cli_leader", "--role", "admin", "--password-stdin"],
            input=PASSWORD + "\n", env=env,
        )  # fmt: skip
        assert again.exit_code == 1 and "already exists" in again.output
        short = runner.invoke(
            cli, ["user", "add", "cli_other", "--role", "admin", "--password-stdin"],
            input="short\n", env=env,
        )  # fmt: skip
        assert short.exit_code == 1 and "at least 8" in short.output
        bad_role = runner.invoke(cli, ["user", "add", "cli_x", "--role", "root"], env=env)
        assert bad_role.exit_code == 2
        listed = runner.invoke(cli, ["user", "list"], env=env)
        assert listed.exit_code == 0 and "cli_leader" in listed.output
        assert "scrypt" not in listed.output
        rows = json.loads(runner.invoke(cli, ["user", "list", "--json"], env=env).output)
        mine = [r for r in rows if r["username"] == "cli_leader"]
        assert mine and mine[0]["role"] == "district" and "password_hash" not in mine[0]
    finally:
        with engine.begin() as c:
            c.execute(text("DELETE FROM app_user WHERE username = 'cli_leader'"))

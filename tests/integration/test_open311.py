"""Open311 GeoReport v2 intake (/open311/v2/) against the real app and PostGIS: the service list
is the type catalogue; a POST makes exactly one case, typed, located and in its grid, once per
(source, reference); keys are checked on every call; every bad payload class gets its own 4xx
in the Open311 shape; an omitted type is the classifier's best guess; an address is located at
its building or queued; near repeats are flagged; a source lists only its own cases, without
personal data. Also the ``zongzhi token`` commands and ``locate``/``merge``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from app.cli import main
from app.context import scoped_transaction
from app.main import create_app
from domain.masking import ID_PATTERN, PHONE_PATTERN
from domain.scope import Scope
from geodata.read import intake as reads
from geodata.settings import Settings
from geodata.write import intake, tokens
from tests.integration.made_cases import remove_cases

pytestmark = pytest.mark.db

REF = "O3T-"
PHONE = "13912345678"
NAME = ("测试", "王")  # first, last
HEATING = "家里暖气片一直不热，室温只有十二度，打了几次电话热力公司都没人来修"
URL = "/open311/v2/requests.json"


def _cleanup(engine) -> None:  # noqa: ANN001
    remove_cases(engine, REF)
    with engine.begin() as c:
        c.execute(text("DELETE FROM api_token WHERE name LIKE 'o3t%'"))


@pytest.fixture(scope="module")
def keys(engine, demo_db) -> Iterator[dict[str, str]]:  # noqa: ANN001
    """A trained classifier, and keys: hotline, police, and a revoked hotline one."""
    from classify.train import train
    from geodata.read.texts import active_text_model

    _cleanup(engine)
    with engine.connect() as c:
        if active_text_model(c, "dispute_type") is None:
            train(engine)
    with engine.begin() as c:
        _, hotline = tokens.add(c, "12345", "o3t hotline", by="test")
        _, police = tokens.add(c, "police", "o3t police", by="test")
        revoked_id, revoked = tokens.add(c, "hotline", "o3t revoked", by="test")
        tokens.revoke(c, revoked_id, by="test")
    yield {"hotline": hotline, "police": police, "revoked": revoked}
    _cleanup(engine)


@pytest.fixture(scope="module")
def app(app_engine, keys):  # noqa: ANN001, ANN201
    return create_app(Settings(open311_rate_limit="100000 per minute"), engine=app_engine)


@pytest.fixture(scope="module")
def client(app):  # noqa: ANN001, ANN201
    return app.server.test_client()  # an external system: no session, no Origin header


@pytest.fixture(scope="module")
def building(engine, demo_db) -> dict:  # noqa: ANN001
    """A building with its address, centroid and grid (checked independently of the app)."""
    with engine.connect() as c:
        row = c.execute(
            text(
                "SELECT b.id, b.address, ST_X(b.centroid) AS lon, ST_Y(b.centroid) AS lat,"
                " g.code AS grid FROM building b JOIN grid g ON ST_Contains(g.geom, b.centroid)"
                " WHERE b.address ~ '[0-9]+号$' ORDER BY b.id LIMIT 1 OFFSET 17"
            )
        ).mappings()
        return dict(row.one())


def _post(client, key: str, ref: str, **fields):  # noqa: ANN001, ANN003, ANN202
    data = {"api_key": key, "attribute[source_ref]": REF + ref, "description": HEATING, **fields}
    return client.post(URL, data={k: v for k, v in data.items() if v is not None})


def _case(engine, source: str, ref: str) -> list[dict]:  # noqa: ANN001
    with engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT id, type_code, grid_code, district_code, reporter_name, reporter_phone,"
                " ST_X(geom) AS lon, ST_Y(geom) AS lat, status FROM dispute"
                " WHERE source = :s AND source_ref = :r"
            ),
            {"s": source, "r": REF + ref},
        ).mappings()
        return [dict(r) for r in rows]


def _open311_error(resp, status: int) -> str:  # noqa: ANN001
    assert resp.status_code == status, (resp.status_code, resp.data[:300])
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}
    assert body[0]["code"] == status and body[0]["description"]
    assert b"Traceback" not in resp.data
    return body[0]["description"]


def test_o311001_services_are_the_type_catalogue(client, engine, keys) -> None:  # noqa: ANN001
    with engine.connect() as c:
        types = {
            r.code: (r.name, r.lead)
            for r in c.execute(
                text(
                    "SELECT t.code, t.name, d.name AS lead FROM dispute_type t"
                    " JOIN department d ON d.code = t.lead_department"
                )
            )
        }
    resp = client.get("/open311/v2/services.json")
    assert resp.status_code == 200
    services = resp.get_json()
    assert {s["service_code"]: (s["service_name"], s["group"]) for s in services} == types
    for s in services:
        assert s["metadata"] is False and s["type"] == "realtime"
        assert s["description"] and s["keywords"]


def test_o311002_a_post_makes_exactly_one_case_in_its_grid(client, keys, engine, building) -> None:  # noqa: ANN001, E501
    resp = _post(
        client, keys["hotline"], "one", service_code="heating", lat=building["lat"],
        long=building["lon"], first_name=NAME[0], last_name=NAME[1], phone=PHONE,
    )  # fmt: skip
    assert resp.status_code == 201, resp.data
    (answer,) = resp.get_json()
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    assert answer["account_id"] is None and answer["service_notice"]
    assert PHONE not in resp.get_data(as_text=True) and NAME[0] not in resp.get_data(as_text=True)
    (case,) = _case(engine, "hotline", "one")
    assert str(case["id"]) == answer["service_request_id"]
    assert case["type_code"] == "heating" and case["status"] == "received"
    assert case["grid_code"] == building["grid"]
    assert (case["reporter_name"], case["reporter_phone"]) == ("王测试", PHONE)
    with engine.connect() as c:
        events = c.execute(
            text("SELECT action, actor FROM dispute_event WHERE dispute_id = :i"),
            {"i": case["id"]},
        ).all()
    assert [tuple(e) for e in events] == [("accept", "api:hotline")]


def test_o311003_a_repeat_is_the_same_case(client, keys, engine, building) -> None:  # noqa: ANN001
    at = {"lat": building["lat"], "long": building["lon"]}
    first = _post(client, keys["hotline"], "rep", service_code="heating", **at)
    again = _post(client, keys["hotline"], "rep", service_code="heating", **at)
    as_json = client.post(
        URL,
        json={"api_key": keys["hotline"], "attribute": {"source_ref": REF + "rep"},
              "description": "另一种说法", **at},
    )  # fmt: skip
    assert (first.status_code, again.status_code, as_json.status_code) == (201, 200, 200)
    ids = {r.get_json()[0]["service_request_id"] for r in (first, again, as_json)}
    assert len(ids) == 1 and len(_case(engine, "hotline", "rep")) == 1
    other = _post(client, keys["police"], "rep", service_code="heating", **at)
    assert other.status_code == 201
    assert other.get_json()[0]["service_request_id"] not in ids
    assert len(_case(engine, "police", "rep")) == 1


@pytest.mark.parametrize("which", ["missing", "garbage", "revoked", "zero_width", "long"])
def test_o311004_no_active_key_no_access(client, keys, engine, building, which) -> None:  # noqa: ANN001
    key = {"missing": None, "garbage": "zz_nope", "revoked": keys["revoked"],
           "zero_width": "\u200b", "long": "k" * 5000}[which]  # fmt: skip
    resp = _post(client, key, "nokey", service_code="heating",
                 lat=building["lat"], long=building["lon"])  # fmt: skip
    _open311_error(resp, 403)
    assert _case(engine, "hotline", "nokey") == []
    listed = client.get(URL, query_string={"api_key": key} if key else {})
    _open311_error(listed, 403)
    _open311_error(client.get("/open311/v2/requests/1.json"), 403)


def _bad_cases(b: dict, keys: dict) -> list[tuple[str, dict, int, str | None]]:
    """(name, request kwargs, status, a word the description must carry)."""
    at = {"lat": b["lat"], "long": b["lon"]}
    form = {"api_key": keys["hotline"], "description": HEATING, "service_code": "heating"}

    def f(ref: str, **over) -> dict:  # noqa: ANN003
        data = {**form, "attribute[source_ref]": REF + ref, **at, **over}
        return {"data": {x: v for x, v in data.items() if v is not None}}

    def j(ref: str, **over) -> dict:  # noqa: ANN003
        return {"json": {**form, "attribute[source_ref]": REF + ref, **at, **over}}

    return [
        ("unknown_type", f("b1", service_code="no_such"), 400, "no_such"),
        ("no_location", f("b2", lat=None, long=None), 400, "address_string"),
        ("outside_city", f("b3", lat=39.9042, long=116.4074), 400, None),
        ("projected_metres", f("b4", lat=4_520_000.0, long=512_000.0), 400, "4546"),
        ("swapped", f("b5", lat=b["lon"], long=b["lat"]), 400, None),
        ("not_degrees", f("b6", lat=95.0, long=200.0), 400, None),
        ("non_numeric_lat", f("b7", lat="北纬40.8"), 400, "lat"),
        ("nan_lat", f("b8", lat="nan"), 400, "lat"),
        ("only_lat", f("b9", long=None), 400, None),
        ("lat_is_a_list", j("b10", lat=[40.8]), 400, "lat"),
        ("lat_is_bool", j("b11", lat=True), 400, "lat"),
        ("description_is_a_number", j("b12", description=12345), 400, "description"),
        ("no_description", f("b13", description=None), 400, "description"),
        ("no_source_ref", {"data": {**form, **at}}, 400, "source_ref"),
        ("source_ref_is_an_object", j("b14", **{"attribute[source_ref]": {"a": 1}}), 400, None),
        ("phone_with_letters", f("b15", phone="call me"), 400, "phone"),
        ("description_too_long", f("b16", description="很" * 5000), 400, None),
        ("nul_in_form", f("b17", description="暖气\x00不热"), 400, "NUL"),
        ("nul_in_json", j("b18", description="暖气\u0000不热"), 400, "NUL"),
        ("malformed_json", {"data": b'{"api_key": ', "content_type": "application/json"}, 400,
         "JSON"),
        ("json_array", {"json": [form]}, 400, "JSON"),
        ("json_nan", {"data": b'{"lat": NaN}', "content_type": "application/json"}, 400, "JSON"),
        ("oversize_body", f("b19", description="x" * 70_000), 413, None),
        ("plain_text_body", {"data": b"hello", "content_type": "text/plain"}, 415, None),
    ]  # fmt: skip


def test_o311005_every_bad_payload_class_has_its_4xx(client, keys, engine, building) -> None:  # noqa: ANN001
    for name, kwargs, status, word in _bad_cases(building, keys):
        resp = client.post(URL, **kwargs)
        description = _open311_error(resp, status)
        if word:
            assert word in description, (name, description)
    with engine.connect() as c:
        made = c.execute(
            text("SELECT count(*) FROM dispute WHERE source_ref ~ :p"), {"p": f"^{REF}b[0-9]+$"}
        ).scalar()
    assert made == 0
    _open311_error(client.put(URL, data={"api_key": keys["hotline"]}), 405)
    _open311_error(client.get("/open311/v2/nothing.json"), 404)
    _open311_error(client.get("/open311/v2/requests.xml"), 404)


def test_o311006_the_crs_rule_names_the_mistake(client, keys, building) -> None:  # noqa: ANN001
    def said(**at) -> str:  # noqa: ANN003
        return _open311_error(_post(client, keys["hotline"], "crs", **at), 400)

    swapped = said(lat=building["lon"], long=building["lat"])
    projected = said(lat=4_520_000, long=512_000)
    outside = said(lat=39.9042, long=116.4074)
    assert len({swapped, projected, outside}) == 3
    assert "颠倒" in swapped and "EPSG:4546" in projected and "范围" in outside


def test_o311007_without_a_service_code_the_text_is_classified(
    client, keys, engine, building
) -> None:  # noqa: ANN001, E501
    from classify.active import classify

    resp = _post(client, keys["hotline"], "clf", lat=building["lat"], long=building["lon"])
    assert resp.status_code == 201, resp.data
    with engine.connect() as c:
        best = classify([HEATING], 3, c)[0][0][0]
    (case,) = _case(engine, "hotline", "clf")
    assert case["type_code"] == best


def _desk(engine) -> Scope:  # noqa: ANN001
    with engine.connect() as c:
        city = c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
    return Scope(user="o3t_desk", role="city", areas=(city,))


def test_o311008_an_address_is_located_at_its_building_or_queued(
    client, keys, engine, app_engine, building
) -> None:  # noqa: ANN001
    resp = _post(client, keys["hotline"], "addr", service_code="heating",
                 address_string="呼和浩特市" + building["address"] + "3单元502")  # fmt: skip
    assert resp.status_code == 201, resp.data
    (case,) = _case(engine, "hotline", "addr")
    assert case["lon"] == pytest.approx(building["lon"], abs=1e-9)
    assert case["lat"] == pytest.approx(building["lat"], abs=1e-9)
    assert case["grid_code"] == building["grid"]
    queued = _post(client, keys["hotline"], "gibberish", service_code="heating",
                   address_string="阿斯顿发生地方乱七八糟")  # fmt: skip
    assert queued.status_code == 201
    assert "定位" in queued.get_json()[0]["service_notice"]
    (waiting,) = _case(engine, "hotline", "gibberish")
    assert waiting["grid_code"] is None and waiting["lon"] is None
    desk = _desk(engine)
    with scoped_transaction(app_engine, desk) as conn:
        assert waiting["id"] in {r["id"] for r in reads.needs_location(conn, 1000)}
        out = intake.locate(conn, desk, waiting["id"], building["lon"], building["lat"])
        assert out.status == "received"
        assert waiting["id"] not in {r["id"] for r in reads.needs_location(conn, 1000)}
    (located,) = _case(engine, "hotline", "gibberish")
    assert located["grid_code"] == building["grid"]
    assert located["district_code"] == building["grid"][:6]


def _offset(b: dict, metres_east: float) -> dict:
    import math

    east = metres_east / (111_320 * math.cos(math.radians(b["lat"])))
    return {"lat": b["lat"], "long": b["lon"] + east}


def test_o311009_a_near_repeat_is_flagged_a_far_one_is_not(
    client, keys, engine, app_engine, building
) -> None:  # noqa: ANN001
    k = keys["hotline"]
    first = _post(client, k, "dupA", service_code="environment", **_offset(building, 0))
    near = _post(client, k, "dupB", service_code="environment", **_offset(building, 40))
    far = _post(client, k, "dupC", service_code="environment", **_offset(building, 400))
    other_type = _post(client, k, "dupD", service_code="labour", **_offset(building, 10),
                       description="工地老板拖欠三个月工资不给")  # fmt: skip
    a, b, c_, d = (
        int(r.get_json()[0]["service_request_id"]) for r in (first, near, far, other_type)
    )
    with engine.connect() as c:
        links = set(
            c.execute(
                text("SELECT dispute_id, other_id FROM dispute_link WHERE kind = 'duplicate'")
            ).all()
        )
    assert {(a, b), (b, a)} <= {tuple(x) for x in links}
    assert not {(c_, a), (c_, b), (d, a), (d, b)} & {tuple(x) for x in links}
    assert "重复" in near.get_json()[0]["service_notice"]
    desk = _desk(engine)
    with scoped_transaction(app_engine, desk) as conn:
        out = intake.merge(conn, desk, a, b)
    assert out.status == "merged"
    with engine.connect() as c:
        merged = c.execute(
            text("SELECT status, merged_into, source_ref FROM dispute WHERE id = :b"), {"b": b}
        ).one()
        kinds = {
            tuple(x)
            for x in c.execute(
                text("SELECT dispute_id, other_id, kind FROM dispute_link WHERE dispute_id IN"
                     " (:a, :b) AND other_id IN (:a, :b)"), {"a": a, "b": b},
            )
        }  # fmt: skip
    assert tuple(merged) == ("merged", a, REF + "dupB")
    assert {(a, b, "merged"), (b, a, "merged"), (a, b, "duplicate"), (b, a, "duplicate")} <= kinds


def test_o311010_a_source_lists_only_its_own_cases_without_personal_data(
    client, keys, engine, building
) -> None:  # noqa: ANN001
    at = {"lat": building["lat"], "long": building["lon"]}
    mine = _post(client, keys["hotline"], "list", service_code="heating", phone=PHONE,
                 first_name=NAME[0], last_name=NAME[1],
                 description=f"楼上漏水，联系电话{PHONE}，身份证150102198001011234", **at)  # fmt: skip
    theirs = _post(client, keys["police"], "list", service_code="heating", **at)
    mine_id = mine.get_json()[0]["service_request_id"]
    theirs_id = theirs.get_json()[0]["service_request_id"]
    hot = {"api_key": keys["hotline"]}
    resp = client.get(URL, query_string=hot)
    assert resp.status_code == 200
    ids = {r["service_request_id"] for r in resp.get_json()}
    assert mine_id in ids and theirs_id not in ids
    with engine.connect() as c:
        sources = set(
            c.execute(
                text("SELECT DISTINCT source FROM dispute WHERE id = ANY(:i)"),
                {"i": [int(i) for i in ids]},
            ).scalars()
        )
    assert sources == {"hotline"}
    body = resp.get_data(as_text=True)
    assert not re.search(PHONE_PATTERN, body) and not re.search(ID_PATTERN, body)
    assert NAME[0] not in body and "reporter" not in body
    one = client.get(f"/open311/v2/requests/{mine_id}.json", query_string=hot)
    assert one.status_code == 200 and one.get_json()[0]["service_request_id"] == mine_id
    assert one.get_json()[0]["status"] == "open"
    _open311_error(client.get(f"/open311/v2/requests/{theirs_id}.json", query_string=hot), 404)
    both = f"{mine_id},{theirs_id}"
    picked = client.get(URL, query_string={**hot, "service_request_id": both})
    assert [r["service_request_id"] for r in picked.get_json()] == [mine_id]
    closed = client.get(URL, query_string={**hot, "status": "closed", "service_request_id": both})
    assert closed.get_json() == []
    for bad in ({"status": "pending"}, {"start_date": "yesterday"},
                {"service_request_id": "1;DROP"}):  # fmt: skip
        _open311_error(client.get(URL, query_string={**hot, **bad}), 400)


def test_o311011_each_key_has_its_own_rate_limit(app_engine, keys, building) -> None:  # noqa: ANN001
    tight = create_app(Settings(open311_rate_limit="3 per minute"), engine=app_engine)
    client = tight.server.test_client()
    q = {"api_key": keys["hotline"]}
    assert [client.get(URL, query_string=q).status_code for _ in range(3)] == [200] * 3
    _open311_error(client.get(URL, query_string=q), 429)
    assert client.get(URL, query_string={"api_key": keys["police"]}).status_code == 200


def test_o311012_token_commands(db_url, engine, keys) -> None:  # noqa: ANN001
    env = {"ZONGZHI_DATABASE_URL": db_url}
    made = CliRunner().invoke(main, ["token", "add", "--source", "法院", "--name", "o3t court"],
                              env=env)  # fmt: skip
    assert made.exit_code == 0, made.output
    key = made.stdout.strip().splitlines()[-1]
    token_id = int(made.stdout.split()[1])
    with engine.connect() as c:
        stored = c.execute(
            text("SELECT source, token_hash FROM api_token WHERE id = :i"), {"i": token_id}
        ).one()
        assert tuple(stored) == ("court", tokens.digest(key))
    listed = CliRunner().invoke(main, ["token", "list", "--json"], env=env)
    assert listed.exit_code == 0 and key not in listed.stdout and stored[1] not in listed.stdout
    assert token_id in {r["id"] for r in json.loads(listed.stdout)}
    gone = CliRunner().invoke(main, ["token", "revoke", str(token_id)], env=env)
    assert gone.exit_code == 0, gone.output
    again = CliRunner().invoke(main, ["token", "revoke", str(token_id)], env=env)
    assert again.exit_code == 1 and "Traceback" not in again.output
    bad = CliRunner().invoke(main, ["token", "add", "--source", "nobody"], env=env)
    assert bad.exit_code == 1
    with engine.connect() as c:
        audited = c.execute(
            text("SELECT action FROM audit_log WHERE object = :o ORDER BY id"),
            {"o": f"api_token:{token_id}"},
        ).scalars().all()  # fmt: skip
        assert audited == ["token.add", "token.revoke"]
        assert tokens.authenticate(c, key) is None

"""The /audit page over HTTP: the administrator searches by user, action, object prefix and local
dates, newest first, page by page (compared with plain SQL), and exports the search as CSV (the
same rows, UTF-8 with BOM, the export itself audited); viewing writes nothing; every other role
gets nothing; the indexes serve the filters under row-level security."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from app.main import create_app
from app.pages.audit.state import compact, local_time
from app.web.audit import cell
from domain.clock import LOCAL_TZ
from domain.i18n import t
from domain.scope import ROLES, Scope
from geodata.db.scope import apply_scope
from geodata.read import audit as reading
from geodata.settings import Settings
from geodata.write.users import city_code
from tests.integration.dash_calls import SAME_ORIGIN, call, components, signed_in, strings

pytestmark = pytest.mark.db

ADMIN = "aud_admin"
PLANT = "aud_plant"
ACTION = "test.audit_plant"
BASE = datetime(2025, 3, 1, 12, 0, tzinfo=LOCAL_TZ)
N = 130
OUTPUT = "audit-table.children"
EMPTY = {"audit-search.n_clicks": 0, "audit-user.value": None, "audit-action.value": None,
         "audit-object.value": None, "audit-range.start_date": None, "audit-range.end_date": None,
         "audit-newer.n_clicks": 0, "audit-older.n_clicks": 0, "audit-paging.data": None}  # fmt: skip


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    with engine.begin() as c:
        if not c.execute(
            text("SELECT 1 FROM audit_log WHERE user_name = :u"), {"u": PLANT}
        ).first():
            # Hourly back from BASE; every tenth hour holds two entries (the keyset's tie-break).
            for i in range(N):
                at = BASE - timedelta(hours=i - i % 10 // 9)
                c.execute(
                    text("INSERT INTO audit_log (at, user_name, role, action, object, detail)"
                         " VALUES (:at, :u, 'city', :a, :o, CAST(:d AS jsonb))"),
                    {"at": at, "u": PLANT, "a": ACTION if i % 3 else ACTION + ".other",
                     "o": f"plant:{i}", "d": json.dumps({"i": i, "备注": "测试"})},
                )  # fmt: skip
            c.execute(
                text("INSERT INTO audit_log (at, user_name, role, action, object) VALUES"
                     " (:at, '=HYPERLINK(\"http://x\")', 'anonymous', 'auth.login_failed', '-1')"),
                {"at": BASE + timedelta(minutes=1)},
            )  # fmt: skip
    return create_app(Settings(), engine=app_engine)


@pytest.fixture(scope="module")
def admin(app, engine):  # noqa: ANN001, ANN201
    return signed_in(app, engine, ADMIN, "admin")


def _expected(engine, where: str = "true", **params) -> list[int]:  # noqa: ANN001
    """Ids of the entries matching ``where``, newest first (independent plain SQL)."""
    with engine.connect() as c:
        return list(c.execute(text(f"SELECT id FROM audit_log WHERE {where}"  # noqa: S608
                                   " ORDER BY at DESC, id DESC"), params).scalars())  # fmt: skip


def _search(app, client, paging=None, step=None, **fields):  # noqa: ANN001, ANN202
    values = {**EMPTY, "audit-paging.data": paging}
    for k, v in fields.items():
        values["audit-range.start_date" if k == "start" else "audit-range.end_date" if k == "end"
               else f"audit-{k}.value"] = v  # fmt: skip
    trigger = f"audit-{step}.n_clicks" if step else "audit-search.n_clicks"
    if step:
        values[trigger] = 1
    return call(app, client, OUTPUT, values, changed=[trigger])


def _shown(out: dict) -> list[tuple]:
    """(time, user, role, action, object) of each row shown."""
    rows = [c for c in components(out[OUTPUT]) if c["type"] == "Tr"][1:]
    return [tuple(td["props"]["children"] for td in r["props"]["children"][:5]) for r in rows]


def _ids_of(engine, shown: list[tuple]) -> list[int]:  # noqa: ANN001
    """The ids of shown rows, by their unique object (planted rows only)."""
    with engine.connect() as c:
        return [c.execute(text("SELECT id FROM audit_log WHERE object = :o AND user_name = :u"),
                          {"o": r[4], "u": r[1]}).scalar() for r in shown]  # fmt: skip


def test_aud001_pages_walk_the_search_newest_first(app, admin, engine) -> None:  # noqa: ANN001
    expected = _expected(engine, "user_name = :u", u=PLANT)
    seen, paging, out = [], None, _search(app, admin, user=PLANT)
    assert out["audit-newer.disabled"] is True and out["audit-older.disabled"] is False
    pages = 1
    while True:
        seen += _ids_of(engine, _shown(out))
        assert f"第 {pages} 页" in out["audit-status.children"]
        assert f"共 {len(expected)} 条" in out["audit-status.children"]
        paging = out["audit-paging.data"]
        if out["audit-older.disabled"]:
            break
        out, pages = _search(app, admin, paging, "older", user=PLANT), pages + 1
    assert seen == expected and len(seen) == N and pages == 3
    # Newer steps back; a changed search starts over at the first page.
    back = _search(app, admin, paging, "newer", user=PLANT)
    assert _ids_of(engine, _shown(back)) == expected[reading.PAGE_SIZE : 2 * reading.PAGE_SIZE]
    over = _search(app, admin, paging, "older", user=PLANT, action=ACTION)
    assert (
        _ids_of(engine, _shown(over))
        == _expected(engine, "user_name = :u AND action = :a", u=PLANT, a=ACTION)[
            : reading.PAGE_SIZE
        ]
    )
    # Times in Beijing time, the detail as compact JSON.
    first = _shown(_search(app, admin, user=PLANT))[0]
    assert first[0] == "2025-03-01 12:00:00"
    detail = [c for c in components(_search(app, admin, user=PLANT)[OUTPUT]) if c["type"] == "Code"]
    assert detail[0]["props"]["children"] == '{"i":0,"备注":"测试"}'


def test_aud002_each_filter_equals_plain_sql(app, admin, engine) -> None:  # noqa: ANN001
    cases = [
        ({"action": ACTION + ".other"}, "action = :a", {"a": ACTION + ".other"}),
        ({"object": "plant:1"}, "object LIKE 'plant:1%'", {}),
        ({"object": "plant:12", "user": PLANT}, "object LIKE 'plant:12%' AND user_name = :u",
         {"u": PLANT}),
        ({"start": "2025-02-27", "end": "2025-02-28", "user": PLANT},
         "user_name = :u AND (at AT TIME ZONE 'Asia/Shanghai')::date"
         " BETWEEN '2025-02-27' AND '2025-02-28'", {"u": PLANT}),
        ({"start": "2025-03-01", "user": PLANT},
         "user_name = :u AND at >= '2025-03-01 00:00+08'", {"u": PLANT}),
        ({"user": "aud_nobody"}, "false", {}),
    ]  # fmt: skip
    for fields, where, params in cases:
        expected = _expected(engine, where, **params)
        out = _search(app, admin, **fields)
        shown = _shown(out)
        assert len(shown) == min(len(expected), reading.PAGE_SIZE), fields
        if shown and shown[0][1] == PLANT:
            assert _ids_of(engine, shown) == expected[: reading.PAGE_SIZE], fields
        assert f"共 {len(expected)} 条" in out["audit-status.children"], fields
    # The action list offers the actions present.
    page = call(app, admin, "_pages_content.children",
                {"_pages_location.pathname": "/audit", "_pages_location.search": ""})  # fmt: skip
    offered = next(c["props"]["options"] for c in components(page)
                   if c["props"].get("id") == "audit-action")  # fmt: skip
    with engine.connect() as c:
        present = list(
            c.execute(text("SELECT DISTINCT action FROM audit_log ORDER BY 1")).scalars()
        )
    assert [o["value"] for o in offered] == present and ACTION in present


def test_aud003_bad_searches_are_refused_not_widened(app, admin, engine) -> None:  # noqa: ANN001
    out = _search(app, admin, start="2025-03-02", end="2025-03-01")
    assert out[OUTPUT] == [] and "结束日期" in out["audit-status.children"]
    for garbage in ({"a": 1}, [1], "x" * 500, 7):
        out = _search(app, admin, user=garbage)
        assert out[OUTPUT] == [] and out["audit-export-search.value"] == "{}"
    out = _search(app, admin, start="9999-01-01")
    assert out[OUTPUT] == []
    # A tampered paging state starts over at the first page of the search.
    for paging in ({"search": {"user": PLANT}, "pages": [None, ["x", 1]], "next": None},
                   {"search": {"user": PLANT}, "pages": [None], "next": ["2025-01-01", True]},
                   {"search": {"user": PLANT}, "pages": "x", "next": 5}, [1], "x"):  # fmt: skip
        out = _search(app, admin, paging, "older", user=PLANT)
        assert _ids_of(engine, _shown(out)) == _expected(engine, "user_name = :u", u=PLANT)[:50]


def _export(client, search: dict | str):  # noqa: ANN001, ANN202
    value = search if isinstance(search, str) else json.dumps(search)
    return client.post("/audit/export.csv", data={"search": value}, headers=SAME_ORIGIN)


def test_aud004_the_csv_export_is_the_search_and_is_audited(app, admin, engine) -> None:  # noqa: ANN001
    out = _search(app, admin, user=PLANT, object="plant:1")
    search = json.loads(out["audit-export-search.value"])
    assert search == {"user": PLANT, "object": "plant:1"}
    resp = _export(admin, search)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert resp.data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0] == ["编号", "时间", "用户", "角色", "操作", "对象", "详情"]
    with engine.connect() as c:
        expected = c.execute(text(
            "SELECT id, at, user_name, role, action, object, detail FROM audit_log"
            " WHERE user_name = :u AND object LIKE 'plant:1%' ORDER BY at DESC, id DESC"),
            {"u": PLANT}).all()  # fmt: skip
    assert len(rows) - 1 == len(expected) > reading.PAGE_SIZE - 10
    for line, row in zip(rows[1:], expected, strict=True):
        assert line == [str(row.id), local_time(row.at), row.user_name, row.role, row.action,
                        row.object, compact(row.detail)]  # fmt: skip
        assert json.loads(line[6]) == row.detail
    with engine.connect() as c:
        logged = c.execute(text("SELECT user_name, role, detail FROM audit_log"
                                " WHERE action = 'audit.export' ORDER BY id DESC LIMIT 1")).one()  # fmt: skip
    assert logged == (ADMIN, "admin", {"search": search})
    # Every row when nothing is filtered, the export's own entry included; formulas defused.
    everything = list(csv.reader(io.StringIO(_export(admin, {}).data.decode("utf-8-sig"))))
    assert [int(r[0]) for r in everything[1:]] == _expected(engine)
    planted = next(r for r in everything if r[2].startswith("'="))
    assert planted[2] == cell('=HYPERLINK("http://x")') and planted[5] == "'-1"


def test_aud005_viewing_is_not_audited(app, admin, engine) -> None:  # noqa: ANN001
    before = _expected(engine)
    _search(app, admin, user=PLANT)
    _search(app, admin, object="plant:")
    call(app, admin, "_pages_content.children",
         {"_pages_location.pathname": "/audit", "_pages_location.search": ""})  # fmt: skip
    assert _expected(engine) == before


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_aud006_every_other_role_gets_nothing(app, engine, role) -> None:  # noqa: ANN001
    client = signed_in(app, engine, f"aud_as_{role}", role)
    before = _expected(engine)
    out = _search(app, client, user=PLANT)
    assert out[OUTPUT] == [] and PLANT not in " ".join(strings(out))
    assert out["audit-export-search.value"] == "{}"
    assert _export(client, {"user": PLANT}).status_code == 403
    page = call(app, client, "_pages_content.children",
                {"_pages_location.pathname": "/audit", "_pages_location.search": ""})  # fmt: skip
    assert t("auth.no_permission", "zh") in " ".join(strings(page))
    assert not any(c["props"].get("id") == "audit-action" for c in components(page))
    assert _expected(engine) == before  # nothing written, not even a refused export


def test_aud007_the_export_refuses_bad_requests(app, admin, engine) -> None:  # noqa: ANN001
    before = _expected(engine)
    for value in ("{not json", "[1]", json.dumps({"from": "2025-13-01"}), "[" * 3000,
                  json.dumps({"user": "x" * 5000})):  # fmt: skip
        resp = _export(admin, value)
        assert resp.status_code == 400, value[:20]
    anonymous = app.server.test_client()
    assert _export(anonymous, {}).status_code == 401
    assert admin.get("/audit/export.csv").mimetype != "text/csv"  # a link cannot start it
    resp = admin.post("/audit/export.csv", data={"search": "{}"})  # no Origin: another site
    assert resp.status_code == 403
    assert _expected(engine) == before


def _index_conds(node: dict) -> list[tuple[str, str]]:
    """(index, condition) of every index scan with a condition in a JSON plan."""
    found = [(node["Index Name"], node["Index Cond"])] if "Index Cond" in node else []
    for child in node.get("Plans", []):
        found += _index_conds(child)
    return found


def _plan(app_engine, engine, where: str, params: dict) -> list[tuple[str, str]]:  # noqa: ANN001
    """The index conditions of one page of a search as the app runs it (its role, an
    administrator's scope), index scans preferred: can an index serve the filter at all?"""
    from geodata.sql import query

    with engine.connect() as c:
        city = Scope(user=ADMIN, role="admin", areas=(city_code(c),))
    with app_engine.begin() as c:
        apply_scope(c, city)
        c.execute(text("SET LOCAL enable_seqscan = off"))
        sql = "EXPLAIN (FORMAT JSON) " + query("read/audit_page").format(where=where)
        return _index_conds(c.execute(text(sql), {**params, "limit": 51}).scalar()[0]["Plan"])


def test_aud008_the_filters_use_their_indexes_under_row_security(app_engine, engine, app) -> None:  # noqa: ANN001
    # Row-level security lets a condition reach an index only through leakproof operators: an
    # ILIKE on the object, say, would leave only a filter over every row of the log.
    for search, index, column in (
        (reading.AuditQuery(action=ACTION), "ix_audit_log_action_at", "action"),
        (reading.AuditQuery(object_prefix="plant:1"), "ix_audit_log_object", "object ~>=~"),
        (reading.AuditQuery(user=PLANT), "ix_audit_log_user_action", "user_name"),
    ):
        where, params = search.sql()
        conds = _plan(app_engine, engine, where, params)
        assert any(i == index and column in c for i, c in conds), (search, conds)

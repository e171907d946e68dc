"""The public guide (/guide) as an anonymous visitor: every type's standard path drawn, the case
lookup showing only where a case stands and its next deadline, one answer for every kind of
miss, the per-address rate limits and lockout answered with a 429 page, every lookup audited —
and the lookup function reading nothing but the four fields of one exact match."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html import unescape

import pytest
from sqlalchemy import text

from app.main import create_app
from domain.i18n import t
from geodata.settings import Settings
from tests.integration import perf_cases as pc
from tests.integration.dash_calls import SAME_ORIGIN, signed_in

pytestmark = pytest.mark.db
ROOMY = {
    "guide_rate_limit": "1000 per minute",
    "guide_lookup_rate_limit": "1000 per minute",
    "guide_lockout": "1000 per minute",
    "guide_lookup_floor_ms": 0,
}
LAST4 = pc.PHONE[-4:]


@pytest.fixture(scope="module")
def planted(engine, demo_db) -> Iterator[dict]:  # noqa: ANN001
    yield pc.plant(engine)
    pc.cleanup(engine)


@pytest.fixture(scope="module")
def app(app_engine, planted):  # noqa: ANN001, ANN201
    return create_app(Settings(**ROOMY), engine=app_engine)


def _lookup(client, ref: str, last4: str, lang: str = "zh", **headers):  # noqa: ANN001, ANN003, ANN202
    return client.post(
        "/guide/lookup",
        data={"ref": ref, "last4": last4, "lang": lang},
        headers={**SAME_ORIGIN, **headers},
    )


def _field(body: str, name: str) -> str | None:
    m = re.search(rf'class="guide-result-{name}">(.*?)</dd>', body, re.S)
    return unescape(m.group(1)).strip() if m else None


def _current_steps(body: str) -> list[str]:
    result = body.split('id="guide-result"', 1)[1].split("</section>", 1)[0]
    return re.findall(
        r'<li class="guide-step current"[^>]*>\s*<span class="guide-step-no">\d+</span>\s*'
        r'<span class="guide-step-name">(.*?)</span>',
        result,
    )


def test_guide001_every_type_drawn_for_anyone(app, engine) -> None:  # noqa: ANN001
    anonymous = app.server.test_client()
    with engine.connect() as c:
        types = c.execute(
            text(
                "SELECT t.code, t.steps, t.time_limit_days, lead.name,"
                " ARRAY(SELECT d.name FROM unnest(t.cooperating_departments) WITH ORDINALITY"
                " AS x(code, i) JOIN department d ON d.code = x.code ORDER BY x.i)"
                " FROM dispute_type t JOIN department lead ON lead.code = t.lead_department"
            )
        ).all()
    resp = anonymous.get("/guide")
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    body = resp.get_data(as_text=True)
    assert "<script" not in body  # CSP: no inline script, and none needed
    assert not re.search(r'(?:src|href)="(?:https?:)?//', body)  # nothing from elsewhere
    articles = dict(
        re.findall(r'<article class="guide-path" id="type-(\w+)"(.*?)</article>', body, re.S)
    )
    assert set(articles) == {code for code, *_ in types}
    for code, steps, limit, lead, cooperating in types:
        html = unescape(articles[code])
        drawn = re.findall(r'<span class="guide-step-name">(.*?)</span>', html)
        assert drawn == list(steps), code
        assert f"{limit}个工作日" in html and lead in html, code
        assert "、".join(cooperating) in html, code
    english = anonymous.get("/guide?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "working days" in english


def test_guide002_a_lookup_shows_only_the_step_and_the_deadline(app, planted) -> None:  # noqa: ANN001
    anonymous = app.server.test_client()
    # A5: handed over, not yet signed: the next deadline is the sign-for one (end of 15 June).
    body = _lookup(anonymous, pc.REF + "A5", LAST4).get_data(as_text=True)
    assert _field(body, "status") == t("status.assigned")
    assert _field(body, "type") == "婚姻家庭"
    assert _field(body, "step") == "入户了解" and _current_steps(body) == ["入户了解"]
    assert _field(body, "due") == "2026-06-15"
    # Nothing else of the case: no reporter, phone, title, description, address or id.
    for secret in ("测试反映人", pc.PHONE, "PFT案件", "秘密描述PFT", "秘密地址PFT"):
        assert secret not in body
    assert str(planted["ids"]["A5"]) not in re.sub(r"\d{4}-\d{2}-\d{2}", "", body)
    # A4: being worked on, due by the end of 11 June; every work step is current.
    # Typed with a Chinese input method: full-width reference and digits.
    body = _lookup(anonymous, "ＰＦＴ－Ａ４", " ９８７６").get_data(as_text=True)
    assert _field(body, "due") == "2026-06-11"
    assert _current_steps(body) == ["入户了解", "心理疏导", "人民调解", "协议履行"]
    # A1: archived, no deadline; A8 was merged into A1 and says so.
    body = _lookup(anonymous, pc.REF + "A1", LAST4).get_data(as_text=True)
    assert _field(body, "step") == t("guide.lookup.archived") and _current_steps(body) == []
    assert _field(body, "due") == t("guide.lookup.no_due")
    merged = _lookup(anonymous, pc.REF + "A8", LAST4).get_data(as_text=True)
    assert t("guide.lookup.merged") in merged
    assert _field(merged, "status") == t("status.archived")
    english = _lookup(anonymous, pc.REF + "A5", LAST4, lang="en").get_data(as_text=True)
    assert _field(english, "status") == t("status.assigned", "en")


def test_guide003_every_miss_gets_the_same_answer(app, engine, planted) -> None:  # noqa: ANN001
    anonymous = app.server.test_client()
    with engine.connect() as c:
        other = c.execute(
            text(
                "SELECT source_ref FROM dispute WHERE source_ref NOT LIKE 'PFT-%'"
                " AND (reporter_phone IS NULL OR right(reporter_phone, 4) <> :l) LIMIT 1"
            ),
            {"l": LAST4},
        ).scalar()
    misses = [
        _lookup(anonymous, pc.REF + "NOPE", LAST4),  # no such reference
        _lookup(anonymous, pc.REF + "A5", "0000"),  # wrong last four
        _lookup(anonymous, other, LAST4),  # someone else's case
        _lookup(anonymous, "PFT-%", LAST4),  # a pattern is not a reference
        _lookup(anonymous, pc.REF + "A5' OR '1'='1", LAST4),
    ]
    bodies = {m.get_data() for m in misses}
    assert [m.status_code for m in misses] == [200] * len(misses)
    assert len(bodies) == 1
    body = bodies.pop().decode()
    assert t("guide.lookup.not_found") in body and 'id="guide-result"' not in body
    for bad in (("", LAST4), (pc.REF + "A5", "98a6"), (pc.REF + "A5", "98765"), ("x" * 65, LAST4)):
        resp = _lookup(anonymous, *bad)
        assert resp.status_code == 200
        assert t("guide.lookup.invalid") in resp.get_data(as_text=True)
    for junk in ({}, {"ref": ["a", "b"]}, {"last4": "\u202e1234"}):
        assert anonymous.post("/guide/lookup", data=junk, headers=SAME_ORIGIN).status_code == 200


def test_guide004_the_lookup_reads_four_fields_of_one_exact_match(
    app_engine, engine, planted
) -> None:  # noqa: ANN001
    with engine.connect() as c:
        result, definer, acl, owner = c.execute(
            text(
                "SELECT pg_get_function_result(p.oid), p.prosecdef, p.proacl::text,"
                " pg_get_userbyid(p.proowner) FROM pg_proc p"
                " WHERE p.proname = 'zongzhi_guide_lookup'"
            )
        ).one()
        table_owner = c.execute(
            text("SELECT tableowner FROM pg_tables WHERE tablename = 'dispute'")
        ).scalar()
    assert result == "TABLE(type_code text, status text, merged boolean, next_due date)"
    assert definer and owner == table_owner
    assert not re.search(r"(^|[{,])=X", acl)  # not executable by PUBLIC
    with app_engine.connect() as c:  # the app's role, no scope at all: sees no case row
        assert c.execute(text("SELECT count(*) FROM dispute")).scalar() == 0

        def ask(ref, last4):  # noqa: ANN001, ANN202
            return c.execute(
                text("SELECT * FROM zongzhi_guide_lookup(:r, :l)"), {"r": ref, "l": last4}
            ).all()

        assert ask(pc.REF + "A5", LAST4) == [("family", "assigned", False, pc.at(6, 15).date())]
        for ref, last4 in (
            ("PFT-%", LAST4), (pc.REF + "A", LAST4), (None, LAST4), (pc.REF + "A5", None),
            (pc.REF + "A5", "876"), (pc.REF + "A5", "%"), (pc.REF + "A5", ""), ("", ""),
        ):  # fmt: skip
            assert ask(ref, last4) == [], (ref, last4)
    # Two cases under one reference (from two sources) with the same phone: neither is shown.
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO dispute (source, source_ref, type_code, title, reported_at,"
                " district_code, risk_level, status, reporter_phone)"
                " SELECT 'police', source_ref, type_code, title, reported_at, district_code,"
                " risk_level, status, reporter_phone FROM dispute WHERE source_ref = :r"
            ),
            {"r": pc.REF + "A6"},
        )
    with app_engine.connect() as c:
        got = c.execute(
            text("SELECT * FROM zongzhi_guide_lookup(:r, :l)"), {"r": pc.REF + "A6", "l": LAST4}
        ).all()
    assert got == []


def test_guide005_every_lookup_is_audited_without_the_digits(app, engine, planted) -> None:  # noqa: ANN001
    marker = "10.9.8.7"
    client = app.server.test_client()
    client.environ_base["REMOTE_ADDR"] = marker
    _lookup(client, pc.REF + "A5", LAST4)
    _lookup(client, pc.REF + "A5", "1111")
    _lookup(client, "", LAST4)
    signed = signed_in(app, engine, "pft_guide_city", "city")
    signed.environ_base["REMOTE_ADDR"] = marker
    _lookup(signed, pc.REF + "A1", LAST4)
    with engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT user_name, role, detail FROM audit_log WHERE action = 'guide.lookup'"
                " AND detail->>'ip' = :ip ORDER BY id"
            ),
            {"ip": marker},
        ).all()
    assert [(r.user_name, r.detail["found"], r.detail["reason"]) for r in rows] == [
        ("anonymous", True, "found"),
        ("anonymous", False, "not_found"),
        ("anonymous", False, "invalid"),
        ("pft_guide_city", True, "found"),
    ]
    assert rows[0].detail["ref"] == pc.REF + "A5"
    assert not any(LAST4 in str(r.detail) or "1111" in str(r.detail) for r in rows)


def test_guide006_rate_limits_and_lockout_answer_a_429_page(app_engine, planted) -> None:  # noqa: ANN001
    lookups = create_app(
        Settings(**{**ROOMY, "guide_lookup_rate_limit": "3 per minute"}), engine=app_engine
    )
    a = lookups.server.test_client()
    codes = [_lookup(a, pc.REF + "A5", LAST4).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    page = _lookup(a, pc.REF + "A5", LAST4)
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert t("guide.lookup.too_many") in page.get_data(as_text=True)
    assert 'class="guide-path"' in page.get_data(as_text=True)  # still the whole guide
    # Per address: another address is not held back.
    b = lookups.server.test_client()
    b.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert _lookup(b, pc.REF + "A5", LAST4).status_code == 200

    locking = create_app(Settings(**{**ROOMY, "guide_lockout": "2 per minute"}), engine=app_engine)
    c = locking.server.test_client()
    # Matches never count towards the lockout; two misses do, and then even a match waits.
    assert all(_lookup(c, pc.REF + "A5", LAST4).status_code == 200 for _ in range(5))
    assert [_lookup(c, pc.REF + "A5", "0000").status_code for _ in range(2)] == [200, 200]
    assert _lookup(c, pc.REF + "A5", LAST4).status_code == 429
    assert _lookup(c, pc.REF + "A5", "0000").status_code == 429

    pages = create_app(Settings(**{**ROOMY, "guide_rate_limit": "2 per minute"}), engine=app_engine)
    d = pages.server.test_client()
    assert [d.get("/guide").status_code for _ in range(3)] == [200, 200, 429]
    assert t("guide.lookup.too_many") in d.get("/guide?lang=zh").get_data(as_text=True)


def test_guide007_a_match_and_a_miss_take_at_least_the_floor(app_engine, planted) -> None:  # noqa: ANN001
    floor = 0.15
    slow = create_app(Settings(**{**ROOMY, "guide_lookup_floor_ms": 150}), engine=app_engine)
    client = slow.server.test_client()
    for last4 in (LAST4, "0000"):
        started = time.monotonic()
        assert _lookup(client, pc.REF + "A5", last4).status_code == 200
        assert time.monotonic() - started >= floor


def test_guide008_only_the_page_and_its_lookup_are_public(app) -> None:  # noqa: ANN001
    anonymous = app.server.test_client()
    assert anonymous.get("/guide/other").status_code == 303  # any other path: sign in first
    # The lookup is a POST; a GET goes back to the guide (never to the Dash page routes).
    again = anonymous.get("/guide/lookup?lang=en")
    assert again.status_code == 303 and again.headers["Location"] == "/guide?lang=en"
    assert (
        anonymous.post("/_dash-update-component", json={}, headers=SAME_ORIGIN).status_code == 401
    )
    # A lookup posted from another site is refused like every cross-site write.
    foreign = anonymous.post(
        "/guide/lookup",
        data={"ref": pc.REF + "A5", "last4": LAST4},
        headers={"Origin": "https://evil.example"},
    )
    assert foreign.status_code == 403 and b"guide-result" not in foreign.data

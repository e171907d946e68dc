"""The administrator's pages without a database: the audit search's inputs and paging, the
object prefix range, CSV cells, refusal messages in both languages, header links by role."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

import geodata.write.users as user_writes
from app.components.account import admin_links
from app.pages.audit import state
from app.pages.users import callbacks as user_callbacks
from app.web.audit import cell
from domain.clock import LOCAL_TZ
from domain.i18n import MESSAGES
from domain.scope import ROLES
from geodata.read.audit import AuditQuery, prefix_end


def test_adu001_dates_are_whole_beijing_days() -> None:
    query, applied = state.search_of({"from": "2025-03-01", "to": "2025-03-02T00:00:00"})
    assert query.start == datetime(2025, 3, 1, tzinfo=LOCAL_TZ)
    assert query.end == datetime(2025, 3, 3, tzinfo=LOCAL_TZ)
    assert query.start.utcoffset().total_seconds() == 8 * 3600
    assert applied == {"from": "2025-03-01", "to": "2025-03-02"}
    same_day, _ = state.search_of({"from": "2025-03-01", "to": "2025-03-01"})
    assert (same_day.end - same_day.start).days == 1


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ({"from": "2025-03-02", "to": "2025-03-01"}, "bad_dates"),
        ({"from": "2025-13-01"}, "bad_search"),
        ({"to": "1999-12-31"}, "bad_search"),
        ({"user": ["x"]}, "bad_search"),
        ({"object": "x" * 201}, "bad_search"),
        ({"action": "x" * 41}, "bad_search"),
        ([1], "bad_search"),
        (None, "bad_search"),
    ],
)
def test_adu002_unusable_searches_are_refused(raw, code: str) -> None:  # noqa: ANN001
    with pytest.raises(state.BadSearch) as caught:
        state.search_of(raw)
    assert caught.value.code == code
    assert MESSAGES[f"audit.error.{code}"]["zh"] and MESSAGES[f"audit.error.{code}"]["en"]


def test_adu003_empty_fields_match_everything() -> None:
    query, applied = state.search_of({"user": "  ", "action": "", "object": None, "from": ""})
    assert query == AuditQuery() and applied == {}
    assert query.sql() == ("true", {})


def test_adu004_paging_steps_and_tampered_states() -> None:
    applied = {"user": "u"}
    c1 = (datetime(2025, 3, 1, 10, tzinfo=LOCAL_TZ), 40)
    c2 = (datetime(2025, 3, 1, 9, tzinfo=LOCAL_TZ), 30)
    first = state.paging_state(applied, [None], c1)
    assert state.pages_of(first, applied, "older") == [None, c1]
    second = state.paging_state(applied, [None, c1], c2)
    assert state.pages_of(second, applied, "older") == [None, c1, c2]
    assert state.pages_of(second, applied, "newer") == [None]
    assert state.pages_of(first, applied, "newer") == [None]
    last = state.paging_state(applied, [None, c1], None)
    assert state.pages_of(last, applied, "older") == [None, c1]  # no page after the last
    assert state.pages_of(second, {"user": "v"}, "older") == [None]  # another search
    assert state.pages_of(second, applied, None) == [None]  # a new search
    for bad in (
        {**second, "pages": [None, ["2025-03-01T10:00:00", 40]]},  # no time zone
        {**second, "pages": [None, ["x", 40]]},
        {**second, "pages": [None, ["2025-03-01T10:00:00+08:00", True]]},
        {**second, "pages": [None, ["2025-03-01T10:00:00+08:00", 2**64]]},
        {**second, "pages": [c1]},
        {**second, "pages": [None] * (state.MAX_PAGES + 1)},
        "x",
        None,
    ):
        assert state.pages_of(bad, applied, "older") in ([None], [None, c2]), bad


def test_adu005_the_object_range_is_exactly_the_prefix() -> None:
    assert prefix_end("case:12") == "case:13"
    assert prefix_end("a\U0010ffff") == "b"
    assert prefix_end("\U0010ffff") is None
    assert prefix_end("\ud7ff") == "\ue000"  # past the surrogates
    words = ["case:1", "case:12", "case:129", "case:13", "case:2", "case:1\U0010ffff", "case;"]
    low, high = "case:1", prefix_end("case:1")
    inside = [w for w in words if low.encode() <= w.encode() < high.encode()]
    assert inside == [w for w in words if w.startswith("case:1")]


def test_adu006_csv_cells_never_start_a_formula() -> None:
    for danger in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert cell(danger) == "'" + danger
    assert cell("case:1") == "case:1" and cell(None) == "" and cell(5) == "5"
    assert cell('{"a":1}') == '{"a":1}'


def test_adu007_every_refusal_has_a_message_in_both_languages() -> None:
    sources = (Path(user_writes.__file__).read_text("utf-8"),
               Path(user_callbacks.__file__).read_text("utf-8"))  # fmt: skip
    codes = {c for s in sources for c in re.findall(r'UserError\(\s*"([a-z_]+)"', s)}
    assert {"no_area", "wrong_level", "self_disable", "password_both"} <= codes
    for code in codes | {"self_reset"}:
        entry = MESSAGES[f"users.error.{code}"]
        assert entry["zh"] and entry["en"], code
    # Each message fills in from what its error carries (levels and roles named, not coded).
    error = user_writes.UserError("wrong_level", "x", role="township", levels=("township",),
                                  level="district")  # fmt: skip
    text = user_callbacks._error(error, "zh")
    assert text == "乡镇街道角色须绑定乡镇街道辖区，不能绑定旗县区"
    assert "{" not in user_callbacks._error(user_writes.UserError("no_area", "x", code="1"), "en")


def test_adu008_only_the_administrator_gets_the_admin_links() -> None:
    for role in ROLES:
        links = admin_links(role, "zh")
        assert bool(links) == (role == "admin"), role
    assert [a.href for a in admin_links("admin", "zh")[0].children] == ["/admin/users", "/audit"]
    assert admin_links(None, "zh") == []


def test_adu009_filters_and_passwords_are_checked() -> None:
    assert user_callbacks.filters_of("district", "150102", " Ad ") == ("district", "150102", "Ad")
    for bad in (("root", None, None), (None, "15010", None), (None, "15010x", None),
                (None, None, "x" * 65), ([1], None, None)):  # fmt: skip
        with pytest.raises(user_callbacks.Refused):
            user_callbacks.filters_of(*bad)
    password, made = user_callbacks._password(None, ["generate"])
    assert made and len(password) >= user_writes.MIN_PASSWORD_LENGTH
    assert user_callbacks._password("long-enough-1", []) == ("long-enough-1", False)
    with pytest.raises(user_writes.UserError):
        user_callbacks._password("short", [])

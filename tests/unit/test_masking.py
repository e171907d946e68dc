"""Masking of personal data (Python reference), roles and the pure parts of the new layers.

The SQL fragments are checked against this reference in the integration tests.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.web.auth import safe_next
from etl import idcard
from geodata.read import features
from geodata.write import users
from layers import buildings, dispute_points, key_persons
from layers.registry import LAYERS


def test_mask001_id_number_keeps_first_6_and_last_4() -> None:
    assert features.mask_id_number("150102199001011234") == "150102********1234"
    assert features.mask_id_number("15010219900101123X") == "150102********123X"
    # A legacy 15-digit number keeps the same ends.
    assert features.mask_id_number("150102900101123") == "150102*****1123"
    assert features.mask_id_number("12345") == "*****"
    assert features.mask_id_number(None) is None


def test_mask002_phone_keeps_first_3_and_last_4() -> None:
    assert features.mask_phone("13812345678") == "138****5678"
    assert features.mask_phone("047169123456") == "047*****3456"
    assert features.mask_phone("6912345") == "*******"
    assert features.mask_phone(None) is None


def test_mask003_name_is_surname_and_one_star() -> None:
    assert features.mask_name("王涛") == "王*"
    assert features.mask_name("吴宏刚") == "吴*"
    assert features.mask_name("欧阳明") == "欧阳*"
    assert features.mask_name("欧阳") == "欧*"  # two characters: a surname and a given name
    assert features.mask_name("王") == "*"


@given(st.from_regex(r"\A[0-9]{17}[0-9X]\Z"), st.from_regex(r"\A1[3-9][0-9]{9}\Z"))
def test_mask004_masked_values_hide_the_middle(id_number: str, phone: str) -> None:
    masked_id = features.mask_id_number(id_number)
    masked_phone = features.mask_phone(phone)
    assert re.fullmatch(r"[0-9]{6}\*{8}[0-9]{3}[0-9X]", masked_id)
    assert masked_id[:6] == id_number[:6] and masked_id[-4:] == id_number[-4:]
    assert re.fullmatch(r"[0-9]{3}\*{4}[0-9]{4}", masked_phone)
    assert masked_phone[:3] == phone[:3] and masked_phone[-4:] == phone[-4:]


def test_mask006_quarantine_uses_the_one_rule() -> None:
    # Quarantine details and raw rows keep what the map shows: first 6 + last 4, short ones starred.
    assert idcard.mask_id_number("150102199001011234") == "150102********1234"
    assert idcard.mask_id_number("15010219900101123X") == "150102********123X"
    assert idcard.mask_id_number("1501021990") == "**********"
    assert idcard.mask_id_number("12345") == "*****"  # was 1232345: a short value showed whole
    assert idcard.mask_id_number(None) == "" and idcard.mask_id_number("") == ""


def test_mask007_id_number_validation_refuses_wrong_lengths_and_characters() -> None:
    valid = "11010519491231002X"  # the GB 11643 example
    assert idcard.valid_id_number(valid)
    for bad in (valid + "0", valid[:-1], "", "A" + valid[1:], valid[:-1] + "Y", valid[:-1] + "7"):
        assert not idcard.valid_id_number(bad), bad
    for wrong_length in ("1101051949123100", "110105194912310027"):
        with pytest.raises(ValueError):
            idcard.id_check_digit(wrong_length)


def test_mask008_name_fragment_lists_every_compound_surname() -> None:
    sql = features.mask_name_sql("kp.name")
    listed = re.search(r"left\(kp\.name, 2\) IN \(([^)]*)\)", sql)
    assert listed is not None, sql
    items = listed.group(1).split(", ")
    assert all(len(i) > 2 and i[0] == i[-1] == "'" for i in items), items
    assert tuple(i[1:-1] for i in items) == features.COMPOUND_SURNAMES


@pytest.mark.parametrize("bad", ["kp.name; DROP TABLE grid", "'x'", "kp.name||'a'", "1"])
def test_mask005_fragments_take_column_references_only(bad: str) -> None:
    for fragment in (features.mask_id_sql, features.mask_phone_sql, features.mask_name_sql):
        with pytest.raises(ValueError):
            fragment(bad)
    assert "kp.id_number" in features.mask_id_sql("kp.id_number")


def test_role001_permission_table() -> None:
    assert not users.can("display", "key_persons.view")
    assert not users.can("display", "dispute_points.view")
    assert not users.can("display", "cases.view")
    assert users.can("display", "buildings.view") and users.can("display", "map.view")
    for role in ("city", "district", "township", "grid_worker", "admin"):
        assert users.can(role, "key_persons.view")
    for role in ("analyst", "department"):
        assert not users.can(role, "key_persons.view") and users.can(role, "cases.view")
    assert [r for r in users.ROLES if users.can(r, "users.manage")] == ["admin"]
    assert [r for r in users.ROLES if users.can(r, "personal.unmask")] == ["admin"]
    assert not users.can(None, "map.view") and not users.can("root", "map.view")
    with pytest.raises(ValueError):
        users.can("admin", "no.such.permission")
    with pytest.raises(PermissionError):
        users.require("city", "personal.unmask")


def test_role002_layers_refuse_unknown_roles_and_bad_boxes() -> None:
    with pytest.raises(ValueError):
        key_persons.Params(bbox=(111, 40, 112, 41), role="root")
    with pytest.raises(ValueError):
        dispute_points.Params(bbox=(112, 40, 111, 41), role="admin")  # west > east
    with pytest.raises(ValueError):
        buildings.Params(bbox=(111, 40, 112, 95), zoom=17)
    assert {"key_persons", "buildings", "dispute_points"} <= set(LAYERS)
    assert LAYERS["key_persons"]["permission"] == "key_persons.view"


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/?area=150102", "/?area=150102"),
        ("/grid/1#x", "/grid/1#x"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("http:/evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("map", "/"),
    ],
)
def test_auth001_next_is_a_same_site_path(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_lay101_building_floor_classes() -> None:
    assert [buildings.floor_class(f) for f in (1, 3, 4, 6, 7, 11, 12, 40)] == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
        3,
    ]


def test_lay102_dispute_points_render_count_only_when_too_many() -> None:
    params = dispute_points.Params(bbox=(111, 40, 112, 41), role="analyst")
    out = dispute_points.render({"count": 2500, "too_many": True, "geojson": None}, params)
    assert out["too_many"] and out["count"] == 2500 and out["geojson"]["features"] == []
    assert out["message_key"] == "dispute_points.too_many"


def test_mask009_one_rule_for_short_x_ending_and_malformed_values() -> None:
    from domain import masking

    cases = {
        "150102199001011234": "150102********1234",
        "15010219900101123x": "150102********123x",
        "150102900101123": "150102*****1123",
        "15010219900101": "**************",  # 14: not an ID number, nothing shows
        "1501-0219 9001": "**************",
        "": "",
        "X": "*",
        "身份证号不详": "******",
    }
    for value, masked in cases.items():
        assert masking.mask_id(value) == masked, value
        assert idcard.mask_id_number(value) == masked, value
        assert features.mask_id_number(value) == masked, value
    assert masking.mask_phone("1381234567") == "**********"  # 10 digits: starred whole


def test_mask010_redaction_masks_ids_and_mobiles_in_free_text_only() -> None:
    from domain.masking import redact

    text = (
        "张三（身份证150102199001011234）称邻居李四15010219900101123X经常占道，"
        "旧证150102900101123，电话13812345678，座机0471-6912345，案件编号HX-2026-0001234，"
        "面积120平方米，工单号202611280001234567890"
    )
    out = redact(text)
    assert "150102********1234" in out and "150102********123X" in out
    assert "150102*****1123" in out and "138****5678" in out
    assert "0471-6912345" in out and "HX-2026-0001234" in out and "120平方米" in out
    assert "202611280001234567890" in out  # a 21-digit run is no ID number: left alone
    for raw in ("150102199001011234", "15010219900101123X", "150102900101123", "13812345678"):
        assert raw not in out
    assert redact(None) is None and redact("") == ""

"""Masking of personal data (Python reference), roles and the pure parts of the new layers.

The SQL fragments are checked against this reference in the integration tests.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.web.auth import safe_next
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


@pytest.mark.parametrize("bad", ["kp.name; DROP TABLE grid", "'x'", "kp.name||'a'", "1"])
def test_mask005_fragments_take_column_references_only(bad: str) -> None:
    for fragment in (features.mask_id_sql, features.mask_phone_sql, features.mask_name_sql):
        with pytest.raises(ValueError):
            fragment(bad)
    assert "kp.id_number" in features.mask_id_sql("kp.id_number")


def test_role001_permission_table() -> None:
    assert not users.can("viewer", "key_persons.view")
    assert not users.can("viewer", "dispute_points.view")
    assert users.can("viewer", "buildings.view") and users.can("viewer", "map.view")
    for role in ("leader", "analyst", "admin"):
        assert users.can(role, "key_persons.view")
    assert [r for r in users.ROLES if users.can(r, "personal.unmask")] == ["admin"]
    assert not users.can(None, "map.view") and not users.can("root", "map.view")
    with pytest.raises(ValueError):
        users.can("admin", "no.such.permission")
    with pytest.raises(PermissionError):
        users.require("leader", "personal.unmask")


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

"""The masking rule is one rule: PostgreSQL's fragments give exactly what ``domain.masking`` gives,
for hand-picked values and for generated ones (digits, X, separators and Chinese text mixed)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from domain import masking
from geodata.read import features

pytestmark = pytest.mark.db

_SQL = text(
    "SELECT {id}, {phone}, {name}, {redact} FROM (SELECT CAST(:v AS text) AS v) x".format(
        id=features.mask_id_sql("x.v"),
        phone=features.mask_phone_sql("x.v"),
        name=features.mask_name_sql("x.v"),
        redact=features.redact_sql("x.v"),
    )
)
HAND = [
    None,
    "",
    "12345",
    "150102199001011234",
    "15010219900101123X",
    "15010219900101123x",
    "150102900101123",
    "13812345678",
    "欧阳明",
    "王",
    "举报人13812345678说150102199001011234家漏水",
    "1381234567813812345678",  # 22 digits: no mobile inside a longer run
    "编号150102199001011234X5",
]
TEXTS = st.text(alphabet="0123456789Xx- 号电话身份证", max_size=60)


def _python(value: str | None) -> tuple:
    return (
        masking.mask_id(value),
        masking.mask_phone(value),
        masking.mask_name(value),
        masking.redact(value),
    )


def test_masksql001_hand_picked_values(conn) -> None:  # noqa: ANN001
    for value in HAND:
        assert tuple(conn.execute(_SQL, {"v": value}).one()) == _python(value), value


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=TEXTS)
def test_masksql002_generated_values(conn, value: str) -> None:  # noqa: ANN001
    assert tuple(conn.execute(_SQL, {"v": value}).one()) == _python(value), value

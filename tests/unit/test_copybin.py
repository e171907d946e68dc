"""Unit tests for geodata.load.copybin: byte-exact binary COPY tuples against struct.pack references."""

from __future__ import annotations

import json
import math
import struct
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from geodata.load.copybin import HEADER, TRAILER, TYPES, _ewkb_points, encode_rows

SHANGHAI = ZoneInfo("Asia/Shanghai")
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


# ---------------------------------------------------------------------------- reference encoder


def field(payload: bytes | None) -> bytes:
    """One field: int32 length (-1 for NULL) then the payload."""
    if payload is None:
        return struct.pack("!i", -1)
    return struct.pack("!i", len(payload)) + payload


def row(*payloads: bytes | None) -> bytes:
    """One tuple: int16 field count then the fields."""
    return struct.pack("!h", len(payloads)) + b"".join(field(p) for p in payloads)


def ewkb(geom: shapely.Geometry) -> bytes:
    return shapely.to_wkb(shapely.set_srid(geom, 4326), include_srid=True)


def ref_payload(pg_type: str, value: object) -> bytes | None:
    """The binary send format of one value, the slow obvious way."""
    if value is None:
        return None
    if pg_type == "bool":
        return b"\x01" if value else b"\x00"
    if pg_type in ("int2", "int4", "int8", "float8"):
        fmt = {"int2": "!h", "int4": "!i", "int8": "!q", "float8": "!d"}[pg_type]
        return struct.pack(fmt, value)
    if pg_type in ("text", "varchar"):
        return value.encode("utf-8")
    raise AssertionError(pg_type)


def ref_rows(columns: list[tuple[str, list[object]]]) -> bytes:
    """Per-row struct.pack reference for ``encode_rows``."""
    n = len(columns[0][1])
    return b"".join(
        row(*(ref_payload(pg_type, values[i]) for pg_type, values in columns)) for i in range(n)
    )


# ---------------------------------------------------------------------------- exact bytes


def test_cb001_header_and_trailer() -> None:
    assert HEADER == b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
    assert len(HEADER) == 19
    assert TRAILER == b"\xff\xff"


POINT = shapely.Point(111.6708, 40.8183)
MULTI = shapely.MultiPolygon([shapely.box(111.6, 40.7, 111.7, 40.8), shapely.box(112, 41, 113, 42)])

EXACT_CASES = {
    "bool": ([True, False, None], [b"\x01", b"\x00", None]),
    "int2": ([1, -32768, 32767, None], [b"\x00\x01", b"\x80\x00", b"\x7f\xff", None]),
    "int4": (
        [1, -2, 2**31 - 1, None],
        [struct.pack("!i", 1), struct.pack("!i", -2), b"\x7f\xff\xff\xff", None],
    ),
    "int8": (
        [0, -(2**63), 2**63 - 1, None],
        [bytes(8), b"\x80" + bytes(7), b"\x7f" + b"\xff" * 7, None],
    ),
    "float8": (
        [1.5, -0.0, math.inf, 1 / 3, None, math.nan],
        [struct.pack("!d", v) for v in (1.5, -0.0, math.inf, 1 / 3)] + [None, None],
    ),
    "text": (
        ["", "abc", "综治中心·回民区", None, "x\ty"],
        [b"", b"abc", "综治中心·回民区".encode(), None, b"x\ty"],
    ),
    "varchar": (["网格员", None], ["网格员".encode(), None]),
    "bytea": ([b"", b"\x00\xff\x00", None], [b"", b"\x00\xff\x00", None]),
    "geometry": (
        [POINT, None, MULTI],
        [struct.pack("<BIIdd", 1, 0x20000001, 4326, 111.6708, 40.8183), None, ewkb(MULTI)],
    ),
    "timestamptz": (
        [
            datetime(2000, 1, 1, tzinfo=UTC),
            datetime(2000, 1, 1, 0, 0, 0, 1),  # naive means UTC
            datetime(2000, 1, 1, 8, tzinfo=SHANGHAI),  # UTC+8, no DST
            datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
            datetime(2026, 11, 28, 9, 30, 0, 123456, tzinfo=SHANGHAI),
            None,
        ],
        [
            struct.pack("!q", 0),
            struct.pack("!q", 1),
            struct.pack("!q", 0),
            struct.pack("!q", -1_000_000),
            struct.pack(
                "!q",
                (datetime(2026, 11, 28, 1, 30, tzinfo=UTC) - PG_EPOCH) // timedelta(microseconds=1)
                + 123456,
            ),
            None,
        ],
    ),
    "date": (
        [date(2000, 1, 1), date(1999, 12, 31), date(2026, 11, 28), None],
        [
            struct.pack("!i", 0),
            struct.pack("!i", -1),
            struct.pack("!i", (date(2026, 11, 28) - date(2000, 1, 1)).days),
            None,
        ],
    ),
    "jsonb": (
        [{"名称": "回民区", "n": [1, 2.5, None]}, "[1, 2]", None, [], True],
        [
            b"\x01" + '{"名称":"回民区","n":[1,2.5,null]}'.encode(),
            b"\x01[1, 2]",
            None,
            b"\x01[]",
            b"\x01true",
        ],
    ),
}


def test_cb002_every_type_is_covered() -> None:
    assert set(EXACT_CASES) == set(TYPES)


@pytest.mark.parametrize("pg_type", sorted(EXACT_CASES))
def test_cb003_exact_bytes_per_type(pg_type: str) -> None:
    values, payloads = EXACT_CASES[pg_type]
    expected = b"".join(row(p) for p in payloads)
    assert encode_rows([(pg_type, values)]) == expected


def test_cb004_exact_bytes_of_a_multi_column_row() -> None:
    columns = [
        ("int8", [7, None]),
        ("text", ["通道街社区", None]),
        ("geometry", [POINT, None]),
        ("timestamptz", [datetime(2000, 1, 1, 0, 0, 1, tzinfo=UTC), None]),
        ("bool", [None, True]),
        ("float8", [2.0, None]),
    ]
    expected = row(
        struct.pack("!q", 7),
        "通道街社区".encode(),
        ewkb(POINT),
        struct.pack("!q", 1_000_000),
        None,
        struct.pack("!d", 2.0),
    ) + row(None, None, None, None, b"\x01", None)
    assert encode_rows(columns) == expected


def test_cb005_point_fast_path_matches_shapely_ewkb() -> None:
    rng = np.random.default_rng(3)
    points = shapely.points(rng.uniform(-180, 180, 500), rng.uniform(-90, 90, 500))
    points[::7] = None
    assert _ewkb_points(points, shapely.is_missing(points)) is not None  # the fast path is taken
    expected = b"".join(row(None if g is None else ewkb(g)) for g in points)
    assert encode_rows([("geometry", points)]) == expected
    # Other kinds, Z, M and empty points: the general to_wkb path, same bytes.
    for odd in (
        MULTI,
        shapely.Point(1, 2, 3),
        shapely.from_wkt("POINT M (1 2 3)"),
        shapely.Point(),
    ):
        mixed = np.array([POINT, odd, None], dtype=object)
        assert _ewkb_points(mixed, shapely.is_missing(mixed)) is None
        expected = b"".join(row(None if g is None else ewkb(g)) for g in mixed)
        assert encode_rows([("geometry", mixed)]) == expected


# ---------------------------------------------------------------------------- input flavours


def test_cb006_integer_inputs_nullable_and_float() -> None:
    expected = encode_rows([("int8", [1, None, -3])])
    assert encode_rows([("int8", pd.array([1, None, -3], dtype="Int64"))]) == expected
    assert encode_rows([("int8", pd.Series([1, None, -3], dtype="Int64"))]) == expected
    assert encode_rows([("int8", np.array([1.0, np.nan, -3.0]))]) == expected
    assert encode_rows([("int8", pd.Series([1, pd.NA, -3], dtype=object))]) == expected
    assert encode_rows([("int4", np.array([5, 6], dtype=np.int16))]) == row(
        struct.pack("!i", 5)
    ) + row(struct.pack("!i", 6))
    assert encode_rows([("bool", pd.array([True, None], dtype="boolean"))]) == row(b"\x01") + row(
        None
    )


def test_cb007_timestamp_inputs_agree() -> None:
    utc = pd.to_datetime(
        ["2024-03-10 01:02:03.456789", "1999-12-31 23:00:00.000000", None], utc=True
    )
    expected = encode_rows([("timestamptz", list(utc.to_pydatetime()))])
    flavours = [
        utc,  # DatetimeIndex, UTC
        pd.Series(utc).dt.tz_convert("Asia/Shanghai"),  # tz-aware Series
        utc.tz_localize(None),  # naive DatetimeIndex: UTC
        pd.Series(utc.tz_localize(None)).dt.as_unit("ns"),
        utc.tz_localize(None).to_numpy(),  # numpy datetime64
        [None if pd.isna(t) else t.tz_convert(SHANGHAI).to_pydatetime() for t in utc],
        [
            datetime(2024, 3, 10, 1, 2, 3, 456789),
            datetime(1999, 12, 31, 23, tzinfo=UTC),
            pd.NaT,
        ],
    ]
    for values in flavours:
        assert encode_rows([("timestamptz", values)]) == expected
    assert expected.endswith(row(None))


def test_cb008_date_inputs_agree() -> None:
    expected = encode_rows([("date", [date(2026, 11, 28), None, date(1970, 1, 1)])])
    flavours = [
        np.array(["2026-11-28", "NaT", "1970-01-01"], dtype="datetime64[D]"),
        pd.Series(pd.to_datetime(["2026-11-28 23:59", None, "1970-01-01 00:01"], format="ISO8601")),
        # tz-aware: the wall-clock date in that zone
        pd.Series(
            pd.to_datetime(["2026-11-28 00:30", None, "1970-01-01"], format="ISO8601")
        ).dt.tz_localize("Asia/Shanghai"),
        [datetime(2026, 11, 28, 12), None, date(1970, 1, 1)],
    ]
    for values in flavours:
        assert encode_rows([("date", values)]) == expected


def test_cb009_text_and_geometry_inputs_agree() -> None:
    text = ["甲", None, "", "b"]
    expected = encode_rows([("text", text)])
    assert encode_rows([("text", pd.Series(text))]) == expected
    assert encode_rows([("text", pd.Series(["甲", pd.NA, "", "b"], dtype="string"))]) == expected
    assert encode_rows([("text", np.array(["甲", np.nan, "", "b"], dtype=object))]) == expected

    geoms = [MULTI, None, POINT]
    expected = encode_rows([("geometry", geoms)])
    assert encode_rows([("geometry", gpd.GeoSeries(geoms, crs=4326))]) == expected
    assert encode_rows([("geometry", [shapely.to_wkb(MULTI), None, POINT.wkb])]) == expected
    assert encode_rows([("geometry", [MULTI.wkb_hex, None, POINT.wkb_hex])]) == expected
    # A different SRID on the way in is replaced: the database column is 4326.
    assert encode_rows([("geometry", shapely.set_srid(geoms, 4490))]) == expected


def test_cb010_jsonb_matches_json_dumps() -> None:
    values = [{"a": "纠纷", "b": {"c": [1, 2]}}, None, "null"]
    out = encode_rows([("jsonb", values)])
    expected = (
        row(b"\x01" + json.dumps(values[0], ensure_ascii=False, separators=(",", ":")).encode())
        + row(None)
        + row(b"\x01null")
    )
    assert out == expected


# ---------------------------------------------------------------------------- properties

optional_int = st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))
optional_int2 = st.one_of(st.none(), st.integers(-(2**15), 2**15 - 1))
optional_float = st.one_of(st.none(), st.floats(allow_nan=False))
optional_text = st.one_of(
    st.none(), st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
)
optional_bool = st.one_of(st.none(), st.booleans())
ROWS = st.lists(
    st.tuples(optional_int, optional_float, optional_text, optional_int2, optional_bool)
)


@settings(max_examples=300, deadline=None)
@given(ROWS)
def test_cb011_vectorised_equals_per_row_reference(rows: list[tuple]) -> None:
    types = ["int8", "float8", "text", "int2", "bool"]
    columns = [(t, [r[i] for r in rows]) for i, t in enumerate(types)]
    assert encode_rows(columns) == ref_rows(columns)


@settings(max_examples=200, deadline=None)
@given(ROWS, st.data())
def test_cb012_chunks_concatenate_to_the_whole(rows: list[tuple], data: st.DataObject) -> None:
    types = ["int8", "float8", "text", "int2", "bool"]
    columns = [(t, [r[i] for r in rows]) for i, t in enumerate(types)]
    n = len(rows)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=4)))
    bounds = [0, *cuts, n]
    parts = [encode_rows(columns, a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    assert b"".join(parts) == encode_rows(columns) == ref_rows(columns)


def test_cb013_chunks_slice_positions_not_labels() -> None:
    # A Series with a shuffled index (e.g. a filtered frame): start/stop are row positions.
    index = [30, 10, 20, 0]
    columns = [
        ("int4", pd.Series([1, 2, 3, 4], index=index)),
        ("text", pd.Series(["一", "二", None, "四"], index=index)),
        ("geometry", gpd.GeoSeries([POINT, None, MULTI, POINT], index=index)),
        ("timestamptz", pd.Series(pd.date_range("2026-01-01", periods=4, tz=SHANGHAI), index)),
    ]
    whole = encode_rows(columns)
    assert (
        encode_rows(columns, 0, 1) + encode_rows(columns, 1, 3) + encode_rows(columns, 3) == whole
    )
    assert encode_rows(columns, 0, 1) == row(
        struct.pack("!i", 1),
        "一".encode(),
        ewkb(POINT),
        struct.pack(
            "!q", (datetime(2025, 12, 31, 16, tzinfo=UTC) - PG_EPOCH) // timedelta(microseconds=1)
        ),
    )
    assert encode_rows(columns, 2, 2) == b""
    assert encode_rows(columns, 4, 10) == b""


def test_cb014_mixed_offsets_timezone_objects() -> None:
    plus8 = timezone(timedelta(hours=8))
    values = [datetime(2026, 5, 1, 8, tzinfo=plus8), datetime(2026, 5, 1, 0, tzinfo=UTC)]
    out = encode_rows([("timestamptz", values)])
    assert len(out) == 2 * (2 + 4 + 8)
    assert out[:14] == out[14:]


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ([("numeric", [1])], "unsupported type 'numeric'"),
        ([("int4", [1, 2]), ("text", ["a"])], "column 1 has 1 values, column 0 has 2"),
        ([], "at least one column"),
        ([("int2", [40_000])], r"column 0 \(int2\): values out of the int2 range"),
        ([("int4", [1.5])], "non-integral"),
        ([("int8", ["7"])], "expected numbers"),
        ([("text", ["a\x00b"])], "NUL"),
        ([("text", ["a", 3])], "non-string"),
        ([("bytea", ["text"])], "non-bytes"),
        ([("geometry", [b"not wkb"])], "nor WKB"),
        ([("timestamptz", ["not a time"])], "date/time"),
        ([("jsonb", [{"x": math.nan}])], "JSON"),
        ([("int4", [1])], None),  # control: valid
    ],
)
def test_cb015_bad_input_raises_value_error(columns: list, message: str | None) -> None:
    if message is None:
        encode_rows(columns)
        return
    with pytest.raises(ValueError, match=message):
        encode_rows(columns)

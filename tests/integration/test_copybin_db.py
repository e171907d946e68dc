"""geodata.load.copybin against a real PostGIS: binary COPY round-trips every supported type exactly."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import psycopg
import pytest
import shapely
from sqlalchemy import text

from geodata.load.copybin import copy_columns, copy_frame

pytestmark = pytest.mark.db

N = 10_000
SHANGHAI = ZoneInfo("Asia/Shanghai")
EVERY_TYPE_DDL = """
CREATE TEMP TABLE cb_roundtrip (
    id int8 PRIMARY KEY,
    flag bool,
    small int2,
    medium int4,
    big int8,
    ratio float8,
    note text,
    code varchar(40),
    blob bytea,
    pt geometry(Point, 4326),
    area geometry(MultiPolygon, 4326),
    at_mixed timestamptz,
    at_series timestamptz,
    day date,
    doc jsonb
)
"""
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "Zhāng", "O'Brien \\ \t tab", ""]


def _nullify(values: list, rng: np.random.Generator, share: float = 0.1) -> list:
    return [None if rng.random() < share else v for v in values]


def _dataset(n: int) -> dict[str, tuple[str, object]]:
    """``n`` rows of every type with about 10 % NULLs in each nullable column."""
    rng = np.random.default_rng(20261128)
    floats = rng.standard_normal(n) * 10.0 ** rng.integers(-300, 300, n)
    floats[:6] = [math.inf, -math.inf, -0.0, 5e-324, 1 / 3, 2.0**53 + 1]
    ratio = np.where(rng.random(n) < 0.1, np.nan, floats)  # NaN is NULL
    big = pd.array(rng.integers(-(2**63), 2**63 - 1, n, dtype=np.int64), dtype="Int64")
    big[rng.random(n) < 0.1] = pd.NA
    medium = rng.integers(-(2**31), 2**31 - 1, n).astype(float)
    medium[rng.random(n) < 0.1] = np.nan  # float column holding integers
    # Microsecond instants 1990..2040, some on either side of 2000-01-01 and midnight.
    micros = rng.integers(631_152_000_000_000, 2_208_988_800_000_000, n)
    instants = [datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(m)) for m in micros]
    mixed = [
        t.astimezone(SHANGHAI) if i % 3 == 0 else t if i % 3 == 1 else t.replace(tzinfo=None)
        for i, t in enumerate(instants)  # Shanghai, UTC, naive (= UTC)
    ]
    series = pd.Series(pd.to_datetime(micros, unit="us", utc=True)).dt.tz_convert("Asia/Shanghai")
    series[rng.random(n) < 0.1] = pd.NaT
    x, y = rng.uniform(111.5, 111.9, n), rng.uniform(40.7, 41.0, n)
    areas = [
        shapely.MultiPolygon(
            [shapely.box(a, b, a + 0.01, b + 0.01), shapely.box(a, b + 1, a + 1, b + 2)]
        )
        for a, b in zip(x, y, strict=True)
    ]
    return {
        "id": ("int8", np.arange(1, n + 1)),
        "flag": ("bool", _nullify(list(rng.random(n) < 0.5), rng)),
        "small": ("int2", _nullify(rng.integers(-32768, 32767, n).tolist(), rng)),
        "medium": ("int4", medium),
        "big": ("int8", big),
        "ratio": ("float8", ratio),
        "note": ("text", _nullify([f"{NAMES[i % 8]}·第{i}号网格" for i in range(n)], rng)),
        "code": ("varchar", _nullify([f"150103004{i:06d}" for i in range(n)], rng)),
        "blob": ("bytea", _nullify([bytes(rng.integers(0, 256, i % 17)) for i in range(n)], rng)),
        "pt": ("geometry", _nullify(list(shapely.points(x, y)), rng)),
        "area": ("geometry", _nullify(areas, rng)),
        "at_mixed": ("timestamptz", _nullify(mixed, rng)),
        "at_series": ("timestamptz", series),
        "day": (
            "date",
            _nullify([date(1990, 1, 1) + timedelta(days=int(d)) for d in micros % 18_000], rng),
        ),
        "doc": (
            "jsonb",
            _nullify(
                [{"事件": NAMES[i % 8], "级别": i % 3, "tags": [i, None]} for i in range(n)], rng
            ),
        ),
    }


def _expected(kind: str, value: object) -> object:
    """A Python value as psycopg reads it back, or None for a NULL."""
    if value is None or (not isinstance(value, list | dict | bytes) and pd.isna(value)):
        return None
    if kind == "timestamptz":
        ts = pd.Timestamp(value)
        return (ts.tz_localize("UTC") if ts.tzinfo is None else ts).to_pydatetime()
    if kind in ("int2", "int4", "int8"):
        return int(value)
    if kind == "bool":
        return bool(value)
    return value


def test_cbdb001_every_type_round_trips(conn) -> None:  # noqa: ANN001
    conn.execute(text(EVERY_TYPE_DDL))
    data = _dataset(N)
    assert copy_columns(conn, "pg_temp.cb_roundtrip", data, chunk_rows=3_000) == N

    raw = conn.connection.driver_connection
    cols = [c for c in data if c not in ("pt", "area")]
    with raw.cursor() as cur:
        cur.execute(
            "SELECT " + ", ".join(cols) + ", ST_AsBinary(pt), ST_SRID(pt), ST_AsBinary(area),"
            " ST_SRID(area), ratio::text FROM cb_roundtrip ORDER BY id"
        )
        back = cur.fetchall()
    assert len(back) == N

    for name in cols:
        kind, values = data[name]
        got = [r[cols.index(name)] for r in back]
        want = [_expected(kind, v) for v in values]
        mismatches = [(i, g, w) for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
        assert not mismatches, (name, mismatches[:3])
        assert (None in want) == (name != "id")  # every other column carries NULLs

    ratio = data["ratio"][1]
    got_ratio = [r[cols.index("ratio")] for r in back]
    # Exact floats: same bits (so -0.0 stays negative), and the server prints them the same.
    for value, got, as_text in zip(ratio, got_ratio, (r[-1] for r in back), strict=True):
        if math.isnan(value):
            assert got is None and as_text is None
        else:
            assert math.copysign(1, got) == math.copysign(1, value) and got == value
            assert float(as_text) == value

    off = len(cols)
    for name, wkb_col in (("pt", off), ("area", off + 2)):
        for geom, r in zip(data[name][1], back, strict=True):
            if geom is None:
                assert r[wkb_col] is None and r[wkb_col + 1] is None
            else:
                assert bytes(r[wkb_col]) == shapely.to_wkb(geom)  # identical coordinates
                assert r[wkb_col + 1] == 4326

    # Timestamps to the microsecond, independent of the session time zone and of the driver.
    with raw.cursor() as cur:
        cur.execute(
            "SELECT (extract(epoch FROM at_mixed) * 1000000)::int8,"
            " (at_series AT TIME ZONE 'Asia/Shanghai')::text FROM cb_roundtrip ORDER BY id"
        )
        epochs = cur.fetchall()
    instants = [_expected("timestamptz", v) for v in data["at_mixed"][1]]
    for want, (got_us, _) in zip(instants, epochs, strict=True):
        expected_us = (
            None
            if want is None
            else (want - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
        )
        assert got_us == expected_us
    local = data["at_series"][1].dt.strftime("%Y-%m-%d %H:%M:%S.%f").str.rstrip("0").str.rstrip(".")
    for want, (_, got) in zip(local, epochs, strict=True):
        assert got == (None if pd.isna(want) else want)


def test_cbdb002_failing_copy_raises_and_rolls_back(conn) -> None:  # noqa: ANN001
    conn.execute(text("CREATE TEMP TABLE cb_strict (id int8 NOT NULL, name text NOT NULL)"))
    conn.execute(text("INSERT INTO cb_strict VALUES (0, '已有')"))

    savepoint = conn.begin_nested()
    names = ["甲"] * 120_000
    names[100_123] = None  # in the third chunk: rows before it were already sent
    with pytest.raises(psycopg.errors.NotNullViolation):
        copy_columns(
            conn, "cb_strict", {"id": ("int8", np.arange(1, 120_001)), "name": ("text", names)}
        )
    savepoint.rollback()
    assert conn.execute(text("SELECT count(*), min(name) FROM cb_strict")).one() == (1, "已有")

    # A value Python cannot encode, found mid-stream, aborts the COPY the same way.
    savepoint = conn.begin_nested()
    ids: list[object] = list(range(1, 120_001))
    ids[110_000] = "x"
    with pytest.raises(ValueError, match=r"column 0 \(int8\)"):
        copy_columns(conn, "cb_strict", {"id": ("int8", ids), "name": ("text", ["乙"] * 120_000)})
    savepoint.rollback()
    assert conn.execute(text("SELECT count(*) FROM cb_strict")).scalar_one() == 1

    # Bad types or lengths are refused before any COPY starts: the transaction stays usable.
    with pytest.raises(ValueError, match="unsupported type"):
        copy_columns(conn, "cb_strict", {"id": ("serial", [1])})
    with pytest.raises(ValueError, match="column 1 has 2 values"):
        copy_columns(conn, "cb_strict", {"id": ("int8", [1]), "name": ("text", ["a", "b"])})
    assert conn.execute(text("SELECT count(*) FROM cb_strict")).scalar_one() == 1


def test_cbdb003_raw_psycopg_connection(engine) -> None:  # noqa: ANN001
    pooled = engine.raw_connection()
    try:
        raw = pooled.driver_connection
        assert isinstance(raw, psycopg.Connection)
        raw.execute("CREATE TEMP TABLE cb_raw (id int4 NOT NULL, at timestamptz)")
        at = pd.date_range("2026-11-28 08:00", periods=5, freq="min", tz="Asia/Shanghai")
        assert (
            copy_columns(raw, "cb_raw", {"id": ("int4", range(5)), "at": ("timestamptz", at)}) == 5
        )
        got = raw.execute("SELECT at FROM cb_raw ORDER BY id").fetchall()
        assert [r[0] for r in got] == list(at.to_pydatetime())
        with pytest.raises(psycopg.errors.NotNullViolation):
            copy_columns(raw, "cb_raw", {"id": ("int4", [1, None])})
        raw.rollback()
        assert raw.execute("SELECT 1").fetchone() == (1,)
        raw.rollback()
    finally:
        pooled.close()


def test_cbdb004_real_table_department_then_rolled_back(conn) -> None:  # noqa: ANN001
    before = conn.execute(text("SELECT count(*) FROM department")).scalar_one()
    savepoint = conn.begin_nested()
    codes = ["ZZCB01", "ZZCB02", "ZZCB03"]
    written = copy_columns(
        conn,
        "department",
        {
            "code": ("varchar", codes),
            "name": ("text", ["测试信访局", "测试司法局", "测试住建局"]),
            "level": ("varchar", ["city", "district", "township"]),
            "residency": ("varchar", ["resident", "rotating", "on_call"]),
        },
    )
    assert written == 3
    frame = pd.DataFrame(
        {"code": ["ZZCB04"], "name": ["测试应急局"], "level": ["city"], "residency": ["on_call"]}
    )
    types = {"code": "varchar", "name": "text", "level": "varchar", "residency": "varchar"}
    assert copy_frame(conn, "public.department", frame, types) == 1
    got = conn.execute(
        text("SELECT code, name, level FROM department WHERE code LIKE 'ZZCB%' ORDER BY code")
    ).all()
    assert [tuple(r) for r in got] == [
        ("ZZCB01", "测试信访局", "city"),
        ("ZZCB02", "测试司法局", "district"),
        ("ZZCB03", "测试住建局", "township"),
        ("ZZCB04", "测试应急局", "city"),
    ]
    assert conn.execute(text("SELECT count(*) FROM department")).scalar_one() == before + 4
    savepoint.rollback()
    assert conn.execute(text("SELECT count(*) FROM department")).scalar_one() == before
    assert not conn.execute(text("SELECT 1 FROM department WHERE code LIKE 'ZZCB%'")).all()

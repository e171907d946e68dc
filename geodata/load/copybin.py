"""Vectorised encoder of PostgreSQL's binary COPY format, and chunked COPY ... FROM STDIN.

Binary COPY stream (all integers big-endian, "network order"):

    header   b"PGCOPY\\n\\xff\\r\\n\\0" + int32 flags (0) + int32 header-extension length (0)
    tuple    int16 field count, then per field: int32 byte length (-1 = NULL) + payload
    trailer  int16 -1

Payloads are each type's binary "send" format; PostgreSQL's date/time epoch is 2000-01-01, not
1970-01-01. Rows are encoded from whole columns with numpy: per-row sizes -> offsets by cumsum ->
every byte is scattered into one preallocated buffer, so there is no Python loop over rows.

Column values per type:

* bool, int2, int4, int8, float8: numpy arrays, pandas Series (nullable ``Int64``/``boolean``
  too), lists; floats holding integers are accepted for the int types. NaN is NULL, also in
  float8 columns.
* text / varchar: str (UTF-8 on the wire); bytea: bytes-like.
* geometry: shapely geometries (array, list, GeoSeries) or WKB (bytes or hex str); sent as
  EWKB with SRID 4326, which the geometry type's binary receive accepts.
* timestamptz: numpy datetime64, pandas datetimes (tz-aware or naive), Python datetimes;
  naive means UTC. Sent as int64 microseconds since 2000-01-01 UTC (sub-microseconds dropped).
* date: numpy datetime64, pandas datetimes (wall-clock date), Python dates; int32 days since
  2000-01-01.
* jsonb: dicts, lists, numbers, bools (serialised with json.dumps) or str, taken as JSON text
  that is already serialised.

None, NaN, NaT and pd.NA are NULL in every column.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter

__all__ = ["HEADER", "TRAILER", "TYPES", "copy_columns", "copy_frame", "encode_rows"]

SRID = 4326
# 11-byte signature, int32 flags (no OIDs), int32 length of the (empty) header extension.
HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
# A field count of -1 marks the end of the tuples.
TRAILER = struct.pack("!h", -1)

# PostgreSQL counts timestamps and dates from 2000-01-01, Unix time from 1970-01-01.
_PG_EPOCH_DAYS = 10_957
_PG_EPOCH_US = _PG_EPOCH_DAYS * 86_400 * 1_000_000
# The binary jsonb format is a version byte followed by the JSON text.
_JSONB_VERSION = 1
_INT_BOUNDS = {
    "int2": (np.iinfo(np.int16).min, np.iinfo(np.int16).max),
    "int4": (np.iinfo(np.int32).min, np.iinfo(np.int32).max),
    "int8": (np.iinfo(np.int64).min, np.iinfo(np.int64).max),
}


@dataclass(frozen=True)
class _Fixed:
    """A fixed-width column: big-endian payload bytes for every row, plus the NULL rows."""

    payload: np.ndarray  # (n, width) uint8
    null: np.ndarray  # (n,) bool


@dataclass(frozen=True)
class _Var:
    """A variable-length column: per-row byte lengths (-1 NULL) and the non-NULL bytes, in order."""

    lengths: np.ndarray  # (n,) int64
    data: np.ndarray  # (sum of non-negative lengths,) uint8


# ---------------------------------------------------------------------------- value conversion


def _object_array(values: Any) -> np.ndarray:
    """A 1-d object array; nested lists (JSON values) stay one element each."""
    if isinstance(values, pd.Series | pd.Index):
        return values.to_numpy(dtype=object)
    if isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise ValueError(f"column values must be one-dimensional, got shape {values.shape}")
        return values.astype(object, copy=False)
    if hasattr(values, "__array__") and not isinstance(values, list | tuple):
        return np.asarray(values, dtype=object)  # e.g. a GeometryArray or ExtensionArray
    return np.fromiter(values, dtype=object, count=len(values))


def _numbers(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """A numeric (or bool) ndarray with NULL positions zero-filled, and the NULL mask."""
    if isinstance(values, pd.Series | pd.Index):
        values = values.array
    if isinstance(values, pd.api.extensions.ExtensionArray):
        null = np.asarray(pd.isna(values), dtype=bool)
        numpy_dtype = getattr(values.dtype, "numpy_dtype", None)  # Int64, Float64, boolean
        if numpy_dtype is not None and numpy_dtype.kind in "biuf":
            return values.to_numpy(dtype=numpy_dtype, na_value=0), null
        values = values.to_numpy(dtype=object)
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"column values must be one-dimensional, got shape {arr.shape}")
    if arr.dtype == object:
        null = np.asarray(pd.isna(arr), dtype=bool)
        filled = arr.copy()
        filled[null] = 0
        arr = np.asarray(filled.tolist()) if len(filled) else np.zeros(0, np.int64)
        if arr.dtype.kind not in "biuf" or arr.ndim != 1:
            raise ValueError("expected numbers or NULLs")
        return arr, null
    if arr.dtype.kind == "f":
        null = np.isnan(arr)
        return np.where(null, 0, arr), null
    if arr.dtype.kind in "biu":
        return arr, np.zeros(len(arr), dtype=bool)
    raise ValueError(f"expected numbers, got dtype {arr.dtype}")


def _fixed(arr: np.ndarray, be_dtype: str, null: np.ndarray) -> _Fixed:
    be = np.ascontiguousarray(arr, dtype=be_dtype)
    return _Fixed(be.view(np.uint8).reshape(len(be), be.dtype.itemsize), null)


def _enc_int(pg_type: str) -> Callable[[Any], _Fixed]:
    lo, hi = _INT_BOUNDS[pg_type]
    be_dtype = {"int2": ">i2", "int4": ">i4", "int8": ">i8"}[pg_type]

    def encode(values: Any) -> _Fixed:
        arr, null = _numbers(values)
        if arr.dtype.kind == "f":
            if not np.isfinite(arr).all() or (arr != np.trunc(arr)).any():
                raise ValueError("non-integral numbers")
            if len(arr) and (arr.min() < lo or arr.max() >= float(hi) + 1):
                raise ValueError(f"values out of the {pg_type} range")
        elif len(arr) and arr.dtype.kind in "iu" and (arr.min() < lo or arr.max() > hi):
            raise ValueError(f"values out of the {pg_type} range")
        return _fixed(arr, be_dtype, null)

    return encode


def _enc_float8(values: Any) -> _Fixed:
    arr, null = _numbers(values)
    return _fixed(arr, ">f8", null)


def _enc_bool(values: Any) -> _Fixed:
    arr, null = _numbers(values)
    return _fixed(arr.astype(bool), "u1", null)


def _var(null: np.ndarray, lengths: np.ndarray, data: np.ndarray) -> _Var:
    full = np.full(len(null), -1, dtype=np.int64)
    full[~null] = lengths
    return _Var(full, data)


def _enc_bytes_list(null: np.ndarray, items: list[Any]) -> _Var:
    lengths = np.fromiter(map(len, items), dtype=np.int64, count=len(items))
    return _var(null, lengths, np.frombuffer(b"".join(items), dtype=np.uint8))


def _utf8(null: np.ndarray, strings: list[str], joined: str | None = None) -> _Var:
    """UTF-8 of many strings in one encode call: join with NUL, then split on the NUL bytes."""
    if not strings:
        return _var(null, np.zeros(0, np.int64), np.zeros(0, np.uint8))
    try:
        if joined is None:
            joined = "\x00".join(strings)
        data = np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)
    except TypeError as exc:
        raise ValueError(f"a non-string value: {exc}") from None
    except UnicodeEncodeError as exc:
        raise ValueError(f"a string UTF-8 cannot encode: {exc}") from None
    # UTF-8 never produces a 0x00 byte inside a multi-byte character, so 0x00 is our separator.
    seps = np.flatnonzero(data == 0)
    if len(seps) != len(strings) - 1:
        raise ValueError("text values must not contain NUL characters (PostgreSQL rejects them)")
    bounds = np.concatenate(([-1], seps, [len(data)]))
    lengths = np.diff(bounds) - 1
    return _var(null, lengths, np.delete(data, seps))


def _enc_text(values: Any) -> _Var:
    if isinstance(values, np.ndarray) and values.dtype.kind in "US":
        values = values.astype(str).astype(object)
    arr = _object_array(values)
    strings = arr.tolist()
    try:
        # Optimistic: with no NULLs this join is all that is needed (NULL detection costs more).
        joined = "\x00".join(strings)
    except TypeError:
        null = np.asarray(pd.isna(arr), dtype=bool)
        return _utf8(null, arr[~null].tolist())
    return _utf8(np.zeros(len(arr), dtype=bool), strings, joined)


def _enc_bytea(values: Any) -> _Var:
    arr = _object_array(values)
    null = np.asarray(pd.isna(arr), dtype=bool)
    items = arr[~null].tolist()
    try:
        return _enc_bytes_list(null, items)
    except TypeError as exc:
        raise ValueError(f"a non-bytes value: {exc}") from None


def _enc_geometry(values: Any) -> _Fixed | _Var:
    arr = _object_array(values)
    if not shapely.is_valid_input(arr).all():  # not only geometries and None: WKB, NaN, pd.NA
        null = np.asarray(pd.isna(arr), dtype=bool)
        arr = np.where(null, None, arr)
        if not shapely.is_valid_input(arr).all():
            try:
                arr = shapely.from_wkb(arr)
            except (shapely.errors.ShapelyError, TypeError, ValueError) as exc:
                raise ValueError(f"values that are neither geometries nor WKB: {exc}") from None
    null = shapely.is_missing(arr)
    points = _ewkb_points(arr, null)
    if points is not None:
        return points
    wkb = shapely.to_wkb(shapely.set_srid(arr, SRID), include_srid=True)
    return _enc_bytes_list(null, wkb[~null].tolist())


# EWKB of a 2-D point: byte order 1 (little-endian), uint32 type 1 with the SRID flag set,
# uint32 SRID, float64 x, float64 y -- 25 bytes, so a column of points is fixed-width.
_EWKB_POINT_HEAD = np.frombuffer(struct.pack("<BII", 1, 1 | 0x20000000, SRID), dtype=np.uint8)


def _ewkb_points(geoms: np.ndarray, null: np.ndarray) -> _Fixed | None:
    """EWKB built from coordinates when every non-NULL value is a non-empty 2-D point."""
    if null.all() or not (
        ((shapely.get_type_id(geoms) == 0) | null).all()  # a missing value's type id is -1
        and ((shapely.get_coordinate_dimension(geoms) == 2) | null).all()  # no Z, no M
        and not shapely.is_empty(geoms).any()
    ):
        return None
    n = len(geoms)
    rows = np.empty((n, 25), dtype=np.uint8)
    rows[:, :9] = _EWKB_POINT_HEAD
    rows[:, 9:17] = shapely.get_x(geoms).astype("<f8").view(np.uint8).reshape(n, 8)
    rows[:, 17:] = shapely.get_y(geoms).astype("<f8").view(np.uint8).reshape(n, 8)
    return _Fixed(rows, null)


def _datetimes(values: Any, *, wall_clock: bool) -> np.ndarray:
    """datetime64[us] of the values: UTC instants, or (``wall_clock``) local wall-clock times."""
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return values.astype("datetime64[us]")
    if isinstance(values, pd.Series | pd.Index | pd.api.extensions.ExtensionArray) and (
        isinstance(values.dtype, pd.DatetimeTZDtype) or values.dtype.kind == "M"
    ):
        idx = pd.DatetimeIndex(values)
    else:
        arr = _object_array(values)
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(arr, utc=not wall_clock))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"cannot read date/time values: {exc}") from None
    if idx.tz is not None:
        idx = idx.tz_localize(None) if wall_clock else idx.tz_convert("UTC").tz_localize(None)
    return idx.to_numpy(dtype="datetime64[us]")


def _enc_timestamptz(values: Any) -> _Fixed:
    us = _datetimes(values, wall_clock=False)
    null = np.isnat(us)
    ticks = np.where(null, 0, us.view(np.int64) - _PG_EPOCH_US)
    return _fixed(ticks, ">i8", null)


def _enc_date(values: Any) -> _Fixed:
    days = _datetimes(values, wall_clock=True).astype("datetime64[D]")
    null = np.isnat(days)
    return _fixed(np.where(null, 0, days.view(np.int64) - _PG_EPOCH_DAYS), ">i4", null)


def _enc_jsonb(values: Any) -> _Var:
    arr = _object_array(values)
    # pd.isna on a dict/list element is False, so only scalar NULLs count.
    null = np.asarray(pd.isna(arr), dtype=bool)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
    # The version byte is sent as U+0001, whose UTF-8 is the single byte 0x01.
    version = chr(_JSONB_VERSION)
    try:
        texts = [version + (v if isinstance(v, str) else dumps(v)) for v in arr[~null].tolist()]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"a value JSON cannot encode: {exc}") from None
    return _utf8(null, texts)


_ENCODERS: dict[str, Callable[[Any], _Fixed | _Var]] = {
    "bool": _enc_bool,
    "int2": _enc_int("int2"),
    "int4": _enc_int("int4"),
    "int8": _enc_int("int8"),
    "float8": _enc_float8,
    "text": _enc_text,
    "varchar": _enc_text,
    "bytea": _enc_bytea,
    "geometry": _enc_geometry,
    "timestamptz": _enc_timestamptz,
    "date": _enc_date,
    "jsonb": _enc_jsonb,
}
TYPES = frozenset(_ENCODERS)


# ---------------------------------------------------------------------------- row assembly


def _row_count(columns: Sequence[tuple[str, Any]]) -> int:
    """Validate types and equal lengths; the common length."""
    if not columns:
        raise ValueError("at least one column is required")
    n: int | None = None
    for i, col in enumerate(columns):
        if not isinstance(col, tuple) or len(col) != 2:
            raise ValueError(f"column {i}: expected a (pg_type, values) pair")
        pg_type, values = col
        if pg_type not in _ENCODERS:
            known = ", ".join(sorted(_ENCODERS))
            raise ValueError(f"column {i}: unsupported type {pg_type!r} (supported: {known})")
        length = len(values)
        if n is None:
            n = length
        elif length != n:
            raise ValueError(f"column {i} has {length} values, column 0 has {n}")
    assert n is not None
    return n


def _slice(values: Any, start: int, stop: int) -> Any:
    if isinstance(values, pd.Series | pd.DataFrame):
        return values.iloc[start:stop]
    return values[start:stop]


def _scatter_bytes(buf: np.ndarray, pos: np.ndarray, columns: list[Any]) -> None:
    """Write byte column j (a constant or one byte per row) at ``pos + j``; advances ``pos``."""
    # One fancy assignment per byte offset moves n bytes at once, without building an (n, width)
    # index matrix; constants (field count, length words of NULL-free columns) are broadcast.
    for byte in columns:
        buf[pos] = byte
        pos += 1


def _scatter_var(buf: np.ndarray, pos: np.ndarray, col: _Var) -> None:
    """Write each row's slice of the concatenated ``col.data`` at ``pos`` (a vectorised memcpy)."""
    if not len(col.data):
        return
    lengths = np.maximum(col.lengths, 0)
    has = lengths > 0
    lens = lengths[has]
    src_starts = np.cumsum(lens) - lens
    # Byte j of the data, in row r, goes to pos[r] + (j - src_starts[r]).
    dest = np.repeat(pos[has] - src_starts, lens) + np.arange(len(col.data))
    buf[dest] = col.data


def encode_rows(
    columns: Sequence[tuple[str, Any]], start: int = 0, stop: int | None = None
) -> bytes:
    """Binary COPY tuples (no header or trailer) for rows [start, stop) of parallel columns."""
    n_all = _row_count(columns)
    start, stop, _ = slice(start, stop).indices(n_all)
    n = max(stop - start, 0)
    if n == 0:
        return b""
    encoded: list[_Fixed | _Var] = []
    for i, (pg_type, values) in enumerate(columns):
        part = values if (start, stop) == (0, n_all) else _slice(values, start, stop)
        try:
            encoded.append(_ENCODERS[pg_type](part))
        except ValueError as exc:
            raise ValueError(f"column {i} ({pg_type}): {exc}") from None

    # A row is runs of "byte columns" (one byte per row at a fixed distance from the previous
    # variable-length payload: the field count, length words, non-NULL fixed-width payloads),
    # separated by variable-length payloads. A fixed-width column with NULLs is turned into a
    # variable-length one, as a NULL field has no payload.
    segments: list[list[Any] | _Var] = []
    pending: list[Any] = list(struct.pack("!h", len(columns)))
    for col in encoded:
        if isinstance(col, _Fixed) and not col.null.any():
            pending += struct.pack("!i", col.payload.shape[1])  # constant length word
            pending += list(np.ascontiguousarray(col.payload.T))
            continue
        if isinstance(col, _Fixed):
            width = col.payload.shape[1]
            lengths = np.where(col.null, -1, width).astype(np.int64)
            col = _Var(lengths, col.payload[~col.null].ravel())
        pending += list(
            np.ascontiguousarray(col.lengths.astype(">i4").view(np.uint8).reshape(n, 4).T)
        )
        segments += [pending, col]
        pending = []
    if pending:
        segments.append(pending)

    sizes = np.zeros(n, dtype=np.int64)
    for seg in segments:
        sizes += np.maximum(seg.lengths, 0) if isinstance(seg, _Var) else len(seg)
    pos = np.cumsum(sizes) - sizes  # each row's start offset
    buf = np.empty(int(sizes.sum()), dtype=np.uint8)
    for seg in segments:
        if isinstance(seg, _Var):
            _scatter_var(buf, pos, seg)
            pos += np.maximum(seg.lengths, 0)
        else:
            _scatter_bytes(buf, pos, seg)
    return buf.tobytes()


# ---------------------------------------------------------------------------- COPY


def _driver_connection(conn: Any) -> psycopg.Connection[Any]:
    """The psycopg connection of a raw psycopg or a SQLAlchemy Connection."""
    if isinstance(conn, psycopg.Connection):
        return conn
    if hasattr(conn, "in_transaction") and not conn.in_transaction():
        # SQLAlchemy would autobegin on execute(); do the same so conn.commit() covers the COPY.
        conn.begin()
    raw = getattr(getattr(conn, "connection", None), "driver_connection", None)
    if not isinstance(raw, psycopg.Connection):
        raise TypeError(f"expected a psycopg or SQLAlchemy (psycopg) connection, got {conn!r}")
    return raw


def _table_identifier(table: str) -> sql.Identifier:
    parts = table.split(".")
    if not all(parts) or len(parts) > 3:
        raise ValueError(f"bad table name {table!r}")
    return sql.Identifier(*parts)


def copy_columns(
    conn: Any,
    table: str,
    columns: Mapping[str, tuple[str, Any]],
    *,
    chunk_rows: int = 50_000,
) -> int:
    """COPY parallel columns {name: (pg_type, values)} into ``table`` in binary; the row count."""
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be positive")
    names = list(columns)
    specs = [columns[name] for name in names]
    n = _row_count(specs)  # fail before the COPY starts on bad types or lengths
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT binary)").format(
        _table_identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in names)
    )
    raw = _driver_connection(conn)
    first = encode_rows(specs, 0, min(chunk_rows, n))  # most value errors surface before COPY
    with raw.cursor() as cur:
        # A queued writer sends from a worker thread, so encoding the next chunk overlaps with
        # the socket writes (and the server parsing what it already got).
        with cur.copy(statement, writer=QueuedLibpqWriter(cur)) as copy:
            copy.write(HEADER)
            copy.write(first)
            for start in range(chunk_rows, n, chunk_rows):
                copy.write(encode_rows(specs, start, min(start + chunk_rows, n)))
            copy.write(TRAILER)
    return n


def copy_frame(
    conn: Any,
    table: str,
    frame: pd.DataFrame,
    types: Mapping[str, str],
    *,
    chunk_rows: int = 50_000,
) -> int:
    """COPY the ``types`` columns {name: pg_type} of ``frame`` into ``table``; the row count."""
    missing = [c for c in types if c not in frame.columns]
    if missing:
        raise ValueError(f"frame has no columns {missing}")
    columns = {name: (pg_type, frame[name]) for name, pg_type in types.items()}
    return copy_columns(conn, table, columns, chunk_rows=chunk_rows)

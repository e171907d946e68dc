"""Map tiles from the database: per-pixel heat counts and Mapbox vector tiles (MVT).

Heat counts are binned in Web Mercator on the tile's 256×256 pixel grid plus a ``buffer`` of
pixels on every side, so a smoothing kernel sees the points just beyond the tile edge.

* disputes (~26k rows): binned by PostGIS per tile — one GROUP BY over the pixel index.
* patrol visits (~2M rows, monthly partitions): PostGIS needs ~1.8 s for a city-zoom tile on
  2 cores, so they are binned from an in-process columnar snapshot instead (numpy arrays sorted
  by visit time: a period is a slice, a tile is four comparisons and one ``bincount``). The
  snapshot is reloaded when the patrols' data version changes (~3 s for 2M visits), read one
  month at a time into arrays sized once, so loading it holds one month's rows beside it.

Mercator is computed from lon/lat with the spherical formulas (the same as EPSG:3857) rather
than ``ST_Transform``: per-row PROJ calls made the dispute binning ~20× slower.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import mercantile
import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, text

from geodata import cache, crs
from geodata.read import areas as queries
from geodata.read.versions import data_version
from geodata.sql import query

TILE_SIZE = 256
MAX_ZOOM = 20
# Global pixel coordinates are kept at zoom 20: 2**28 pixels across the world fit in uint32.
WORLD_ZOOM = 20
_WORLD_PX = TILE_SIZE << WORLD_ZOOM
_HALF_WORLD_M = 20037508.342789244
_EARTH_R = 6378137.0
_MAX_LAT = 85.0511287798066
# The GCJ-02 shift is below 0.01° anywhere in China: query that much further for the GCJ frame.
_GCJ_MARGIN_DEG = 0.01
# Reference density: counts per cell of 8×8 pixels at the tile's zoom (cell zoom = z - 3),
# computed no finer than cell zoom 10 (1.3k×1.3k cells over Hohhot) and scaled by 4 per zoom.
_REF_CELL_SHIFT = 3
_REF_MAX_CELL_ZOOM = 10
_REF_QUANTILE = 0.99
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# Points binned at a time into a heat tile (bounded temporaries, cache-sized masks).
_BIN_CHUNK = 1 << 20

HeatKind = Literal["disputes", "patrols"]
HEAT_KINDS: tuple[str, ...] = ("disputes", "patrols")
CRS_FRAMES: tuple[str, ...] = ("wgs84", "gcj02")

# MVT: at most this many features per tile; an encoded tile above the byte cap is rebuilt with
# half as many features until it fits.
MVT_LAYERS: tuple[str, ...] = ("grids", "disputes")
# The data families each vector layer is drawn from (grids carry their dispute counts).
MVT_FAMILIES = {"grids": ("areas", "disputes"), "disputes": ("disputes",)}
MVT_EXTENT = 4096
MVT_BUFFER = 64
MVT_MAX_FEATURES = 20_000
MVT_MAX_BYTES = 2 * 1024 * 1024


def tile_exists(z: int, x: int, y: int) -> bool:
    """True for a tile of the Web Mercator pyramid at zoom 0–20."""
    return 0 <= z <= MAX_ZOOM and 0 <= x < (1 << z) and 0 <= y < (1 << z)


def world_pixels(
    lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """Web Mercator pixel coordinates at zoom 20 (origin top-left) of lon/lat degrees."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.clip(np.asarray(lat, dtype=np.float64), -_MAX_LAT, _MAX_LAT)
    fx = (lon_a + 180.0) / 360.0
    fy = 0.5 - np.log(np.tan(np.pi / 4 + np.radians(lat_a) / 2)) / (2 * np.pi)
    gx = np.clip(np.floor(fx * _WORLD_PX), 0, _WORLD_PX - 1).astype(np.uint32)
    gy = np.clip(np.floor(fy * _WORLD_PX), 0, _WORLD_PX - 1).astype(np.uint32)
    return gx, gy


def _lonlat_of_world_pixels(
    gx: npt.NDArray[np.uint32], gy: npt.NDArray[np.uint32]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    # Pixel centres; a zoom-20 pixel is ≤ 0.15 m, far below anything a heat tile shows.
    fx = (gx.astype(np.float64) + 0.5) / _WORLD_PX
    fy = (gy.astype(np.float64) + 0.5) / _WORLD_PX
    lon = fx * 360.0 - 180.0
    lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * fy))))
    return lon, lat


def bin_world_pixels(
    gx: npt.NDArray[np.uint32],
    gy: npt.NDArray[np.uint32],
    z: int,
    x: int,
    y: int,
    buffer: int,
) -> npt.NDArray[np.int32]:
    """Counts per pixel of tile z/x/y plus ``buffer`` pixels each side, shape (256+2b, 256+2b)."""
    size = TILE_SIZE + 2 * buffer
    shift = WORLD_ZOOM - z
    ox, oy = x * TILE_SIZE - buffer, y * TILE_SIZE - buffer  # zoom-z pixels, may be < 0
    lo_x, hi_x = max(ox << shift, 0), min((ox + size) << shift, _WORLD_PX)
    lo_y, hi_y = max(oy << shift, 0), min((oy + size) << shift, _WORLD_PX)
    counts = np.zeros(size * size, dtype=np.int64)
    # A chunk at a time: a year of province patrols is 20 M points, whose masks and index
    # arrays at once took ~0.7 GB per tile in a worker (and were slower, out of cache).
    for i in range(0, gx.size, _BIN_CHUNK):
        cx, cy = gx[i : i + _BIN_CHUNK], gy[i : i + _BIN_CHUNK]
        inside = (cx >= lo_x) & (cx < hi_x) & (cy >= lo_y) & (cy < hi_y)
        if not inside.any():
            continue
        px = (cx[inside] >> shift).astype(np.intp) - ox
        py = (cy[inside] >> shift).astype(np.intp) - oy
        counts += np.bincount(py * size + px, minlength=size * size)
    return counts.reshape(size, size).astype(np.int32)


def _query_box(z: int, x: int, y: int, buffer: int, margin_deg: float = 0.0) -> dict[str, float]:
    """Lon/lat bounds of the buffered tile (clamped to the Mercator world) as bound values."""
    b = mercantile.xy_bounds(x, y, z)
    pad = (b.right - b.left) * buffer / TILE_SIZE
    west = max(b.left - pad, -_HALF_WORLD_M) / _HALF_WORLD_M * 180.0
    east = min(b.right + pad, _HALF_WORLD_M) / _HALF_WORLD_M * 180.0
    south = _merc_lat(max(b.bottom - pad, -_HALF_WORLD_M))
    north = _merc_lat(min(b.top + pad, _HALF_WORLD_M))
    return {
        "qw": max(west - margin_deg, -180.0),
        "qe": min(east + margin_deg, 180.0),
        "qs": max(south - margin_deg, -90.0),
        "qn": min(north + margin_deg, 90.0),
    }


def _merc_lat(my: float) -> float:
    return math.degrees(math.atan(math.sinh(my / _EARTH_R)))


def _pg_micros(dt: datetime | None) -> int | None:
    """PostgreSQL's binary timestamptz value: microseconds since 2000-01-01 UTC."""
    if dt is None:
        return None
    return (dt - _PG_EPOCH) // timedelta(microseconds=1)


# ---------------------------------------------------------------------------- disputes

# Pixel index of each dispute on the buffered tile grid, counted per pixel.
_DISPUTE_PIXELS = query("read/tile_dispute_pixels")

# Arrays, not rows: one value per column converts to numpy far faster than many Row objects.
_DISPUTE_POINTS = """
    SELECT array_agg(ST_X(d.geom)), array_agg(ST_Y(d.geom)) FROM dispute d
    WHERE d.grid_code = ANY (CAST((SELECT array_agg(g.code) FROM grid g
                                   WHERE g.geom && ST_MakeEnvelope(:qw, :qs, :qe, :qn, 4326))
                                  AS text[]))
      AND d.geom && ST_MakeEnvelope(:qw, :qs, :qe, :qn, 4326) {filter}
"""


def dispute_counts(
    conn: Connection,
    z: int,
    x: int,
    y: int,
    flt: queries.DisputeFilter,
    *,
    buffer: int,
    frame: str = "wgs84",
) -> npt.NDArray[np.int32]:
    """Disputes per pixel of the buffered tile; ``frame="gcj02"`` bins the GCJ-02-shifted points."""
    size = TILE_SIZE + 2 * buffer
    where, params = flt.sql("d")
    if frame == "gcj02":
        # The shift is non-linear, so it is applied to the points (in numpy), not to the grid.
        box = _query_box(z, x, y, buffer, _GCJ_MARGIN_DEG)
        sql = _DISPUTE_POINTS.format(filter=where)  # noqa: S608 — fixed fragments, bound values
        lon, lat = conn.execute(text(sql), {**box, **params}).one()
        if not lon:
            return np.zeros((size, size), dtype=np.int32)
        glon, glat = crs.wgs84_to_gcj02(np.asarray(lon), np.asarray(lat))
        gx, gy = world_pixels(glon, glat)
        return bin_world_pixels(gx, gy, z, x, y, buffer)
    if frame != "wgs84":
        raise ValueError(f"unknown frame {frame!r}")
    sql = _DISPUTE_PIXELS.format(
        filter=where, half=repr(_HALF_WORLD_M), r=repr(_EARTH_R), size=TILE_SIZE
    )  # noqa: S608 — fixed fragments and constants; values are bound
    cells, n = conn.execute(
        text(sql),
        {"z": z, "x": x, "y": y, "buf": buffer, "span": size, **_query_box(z, x, y, buffer)}
        | params,
    ).one()
    counts = np.zeros(size * size, dtype=np.int32)
    if cells:
        counts[np.asarray(cells, dtype=np.int64)] = n
    return counts.reshape(size, size)


_DISPUTE_REFERENCE = query("read/tile_dispute_reference")


# ---------------------------------------------------------------------------- patrol snapshot


@dataclass
class PatrolSnapshot:
    """Every patrol visit as columns sorted by time: zoom-20 pixels and PostgreSQL µs."""

    version: int
    visited_us: npt.NDArray[np.int64]
    gx: npt.NDArray[np.uint32]
    gy: npt.NDArray[np.uint32]
    _gcj: tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]] | None = field(
        default=None, repr=False
    )
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __len__(self) -> int:
        return int(self.visited_us.size)

    def window(self, start: datetime | None, end: datetime | None) -> slice:
        """Index range of the visits in [start, end)."""
        lo = 0 if start is None else int(np.searchsorted(self.visited_us, _pg_micros(start)))
        hi = len(self) if end is None else int(np.searchsorted(self.visited_us, _pg_micros(end)))
        return slice(lo, max(lo, hi))

    def pixels(self, frame: str) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
        """Zoom-20 pixels in the WGS84 frame or, computed on first use, the GCJ-02 frame."""
        if frame == "wgs84":
            return self.gx, self.gy
        if frame != "gcj02":
            raise ValueError(f"unknown frame {frame!r}")
        with self._lock:
            if self._gcj is None:
                cx = np.empty_like(self.gx)
                cy = np.empty_like(self.gy)
                for i in range(0, len(self), _GCJ_CHUNK):
                    part = slice(i, i + _GCJ_CHUNK)
                    lon, lat = _lonlat_of_world_pixels(self.gx[part], self.gy[part])
                    cx[part], cy[part] = world_pixels(*crs.wgs84_to_gcj02(lon, lat))
                self._gcj = (cx, cy)
            return self._gcj


_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
_COPY_ROW = np.dtype(
    [
        ("nfields", ">i2"),
        ("len_x", ">i4"),
        ("lon", ">f8"),
        ("len_y", ">i4"),
        ("lat", ">f8"),
        ("len_t", ">i4"),
        ("visited_us", ">i8"),
    ]
)
# The snapshot is read one calendar month at a time (one partition of patrol_visit, sorted on its
# own) and decoded a few MB of COPY rows at a time into arrays sized once from a count, so building
# it holds little beside the result: at province scale (20 M visits) reading everything at once
# peaked at 4.3 GB in a worker.
# Month starts in the session's time zone, as the partitions were made: one window, one partition.
_SPAN = text(
    """
    WITH s AS (SELECT min(visited_at) AS lo, max(visited_at) AS hi, count(*) AS n
               FROM patrol_visit)
    SELECT n, ARRAY(SELECT generate_series(date_trunc('month', lo), hi + interval '1 month',
                                           interval '1 month'))
    FROM s
    """
)
_MONTH_COPY = (
    "COPY (SELECT ST_X(geom), ST_Y(geom), visited_at FROM patrol_visit"
    " WHERE visited_at >= %s AND visited_at < %s) TO STDOUT (FORMAT binary)"
)
_COPY_HEADER = len(_COPY_SIGNATURE) + 8  # signature, flags, header extension length
_COPY_TRAILER = b"\xff\xff"
# COPY bytes decoded at a time, and pixels of the GCJ-02 frame computed at a time (visits).
_BATCH_BYTES = 8 << 20
_GCJ_CHUNK = 1 << 18


def _rows_of(buf: bytes) -> npt.NDArray[np.void]:
    rows = np.frombuffer(buf, dtype=_COPY_ROW)
    if rows.size and not (
        (rows["nfields"] == 3).all()
        and (rows["len_x"] == 8).all()
        and (rows["len_y"] == 8).all()
        and (rows["len_t"] == 8).all()
    ):
        raise RuntimeError("unexpected binary COPY layout for patrol_visit")
    return rows


def decode_copy_rows(chunks: Iterable[bytes]) -> Iterator[npt.NDArray[np.void]]:
    """Rows of a binary COPY of (lon, lat, visited_at) from its byte chunks, cut anywhere,
    a few MB at a time (numpy views); ``RuntimeError`` on any other layout."""
    # Binary COPY of three fixed-width columns parses with one numpy view: about half the time
    # of fetching rows through the driver.
    width = _COPY_ROW.itemsize
    pending: list[bytes] = []
    size = 0
    rest = b""
    header_seen = False

    def take(buf: bytes) -> bytes:
        nonlocal header_seen
        if header_seen:
            return buf
        if len(buf) < _COPY_HEADER or not buf.startswith(_COPY_SIGNATURE):
            raise RuntimeError("unexpected binary COPY layout for patrol_visit")
        header_seen = True
        return buf[_COPY_HEADER:]

    for chunk in chunks:
        pending.append(bytes(chunk))
        size += len(chunk)
        if size < _BATCH_BYTES:
            continue
        buf = take(rest + b"".join(pending))
        pending, size = [], 0
        whole = len(buf) // width * width
        rest = buf[whole:]
        yield _rows_of(buf[:whole])
    buf = take(rest + b"".join(pending))
    if not buf.endswith(_COPY_TRAILER) or (len(buf) - len(_COPY_TRAILER)) % width:
        raise RuntimeError("unexpected binary COPY layout for patrol_visit")
    yield _rows_of(buf[: len(buf) - len(_COPY_TRAILER)])


def _load_patrol_snapshot(conn: Connection, version: int) -> PatrolSnapshot:
    if not conn.in_transaction():
        conn.begin()
    total, months = conn.execute(_SPAN).one()
    visited = np.empty(total, dtype=np.int64)
    gx = np.empty(total, dtype=np.uint32)
    gy = np.empty(total, dtype=np.uint32)
    n = 0
    if total:
        raw = conn.connection.driver_connection
        for start, end in zip(months, months[1:], strict=False):
            first = n
            with raw.cursor() as cur, cur.copy(_MONTH_COPY, (start, end)) as copy:
                for rows in decode_copy_rows(copy):
                    k = rows.size
                    if n + k > visited.size:  # visits written since the count: grow in place
                        for a in (visited, gx, gy):
                            a.resize(n + k, refcheck=False)
                    visited[n : n + k] = rows["visited_us"]
                    gx[n : n + k], gy[n : n + k] = world_pixels(rows["lon"], rows["lat"])
                    n += k
            # Each month sorted alone: the months come in order, so the whole is sorted.
            order = np.argsort(visited[first:n], kind="stable")
            for a in (visited, gx, gy):
                a[first:n] = a[first:n][order]
    for a in (visited, gx, gy):
        if a.size != n:  # visits deleted since the count
            a.resize(n, refcheck=False)
    return PatrolSnapshot(version=version, visited_us=visited, gx=gx, gy=gy)


def patrol_snapshot(conn: Connection, version: int | None = None) -> PatrolSnapshot:
    """The patrol-visit snapshot of this connection's database at the patrols' data version.

    One per database and process (``geodata.cache.local``), reloaded when a write moves the
    version. ``version``: the patrols' version when the caller has just read it.
    """
    if version is None:
        version = data_version(conn, "patrols")
    return cache.local(
        conn, "patrol_snapshot", version, lambda: _load_patrol_snapshot(conn, version)
    )


def drop_patrol_snapshots() -> None:
    """Forget every cached value, snapshots included (tests, or to free memory)."""
    cache.clear()


def patrol_counts(
    conn: Connection,
    z: int,
    x: int,
    y: int,
    start: datetime | None,
    end: datetime | None,
    *,
    buffer: int,
    frame: str = "wgs84",
    version: int | None = None,
) -> npt.NDArray[np.int32]:
    """Patrol visits in [start, end) per pixel of the buffered tile."""
    snap = patrol_snapshot(conn, version)
    gx, gy = snap.pixels(frame)
    part = snap.window(start, end)
    return bin_world_pixels(gx[part], gy[part], z, x, y, buffer)


# ---------------------------------------------------------------------------- heat


def heat_counts(
    conn: Connection,
    kind: str,
    z: int,
    x: int,
    y: int,
    flt: queries.DisputeFilter,
    *,
    buffer: int,
    frame: str = "wgs84",
    version: int | None = None,
) -> npt.NDArray[np.int32]:
    """Counts per pixel of the buffered tile for ``kind`` (patrols honour only the period)."""
    if not tile_exists(z, x, y):
        raise ValueError(f"no tile {z}/{x}/{y}")
    if kind == "disputes":
        return dispute_counts(conn, z, x, y, flt, buffer=buffer, frame=frame)
    if kind == "patrols":
        return patrol_counts(
            conn, z, x, y, flt.start, flt.end, buffer=buffer, frame=frame, version=version
        )
    raise ValueError(f"unknown heat kind {kind!r}")


# Which data family each heat kind is drawn from (its cache keys follow that family's version).
HEAT_FAMILIES = {"disputes": ("disputes",), "patrols": ("patrols",)}


def heat_reference(
    conn: Connection,
    kind: str,
    z: int,
    flt: queries.DisputeFilter,
    version: int | None = None,
) -> float:
    """A high density (counts per zoom-z pixel) under the filter: the top of the colour ramp.

    The 99th percentile of non-empty 8×8-pixel cells over the whole data set, so every tile of
    one zoom and filter shares one scale and neighbours join without seams. The same value
    serves the GCJ-02 frame (the shift moves points by < 1 km; the distribution is the same).
    """
    if kind not in HEAT_FAMILIES:
        raise ValueError(f"unknown heat kind {kind!r}")
    if kind == "patrols":
        flt = queries.DisputeFilter(start=flt.start, end=flt.end)
    cell_zoom = max(min(z - _REF_CELL_SHIFT, _REF_MAX_CELL_ZOOM), 0)
    value = cache.cached(
        conn,
        "heat_reference",
        HEAT_FAMILIES[kind],
        (kind, flt, cell_zoom),
        lambda: _cell_quantile(conn, kind, cell_zoom, flt, version),
        settle=True,  # only tiles read it: display reads
    )
    # Counts per cell -> per pixel at the tile's zoom: a cell holds 4**(z - cell_zoom) pixels.
    return value / float(4 ** (z - cell_zoom))


def _cell_quantile(
    conn: Connection, kind: str, cell_zoom: int, flt: queries.DisputeFilter, version: int | None
) -> float:
    cells = TILE_SIZE << cell_zoom
    if kind == "disputes":
        where, params = flt.sql("d")
        sql = _DISPUTE_REFERENCE.format(filter=where)  # noqa: S608 — fixed fragments
        value = conn.execute(text(sql), {"q": _REF_QUANTILE, "cells": cells, **params}).scalar()
        return float(value or 0)
    if kind != "patrols":
        raise ValueError(f"unknown heat kind {kind!r}")
    snap = patrol_snapshot(conn, version)
    part = snap.window(flt.start, flt.end)
    return _occupied_cell_quantile(snap.gx[part], snap.gy[part], WORLD_ZOOM - cell_zoom)


def _occupied_cell_quantile(
    gx: npt.NDArray[np.uint32], gy: npt.NDArray[np.uint32], shift: int
) -> float:
    """The _REF_QUANTILE of the point counts of the non-empty cells of 2**shift world pixels."""
    if gx.size == 0:
        return 0.0
    x0, y0 = int(gx.min()) >> shift, int(gy.min()) >> shift
    width, height = (int(gx.max()) >> shift) - x0 + 1, (int(gy.max()) >> shift) - y0 + 1
    if width * height <= 8_000_000:
        # Counted a chunk at a time: a year of province patrols at once took ~0.6 GB.
        counts = np.zeros(width * height, dtype=np.int64)
        for i in range(0, gx.size, _BIN_CHUNK):
            cx = (gx[i : i + _BIN_CHUNK] >> shift).astype(np.intp) - x0
            cy = (gy[i : i + _BIN_CHUNK] >> shift).astype(np.intp) - y0
            counts += np.bincount(cy * width + cx, minlength=width * height)
        counts = counts[counts > 0]
    else:  # a very wide extent: sort instead of a dense array
        keys = ((gy >> shift).astype(np.int64) - y0) * width + ((gx >> shift).astype(np.int64) - x0)
        counts = np.unique(keys, return_counts=True)[1]
    return float(np.quantile(counts, _REF_QUANTILE, method="higher"))


# ---------------------------------------------------------------------------- vector tiles

# One statement per layer; identifiers are fixed, z/x/y and filter values are bound.
_MVT_SQL = {"grids": query("read/mvt_grids"), "disputes": query("read/mvt_disputes")}


@dataclass(frozen=True)
class VectorTile:
    """An encoded MVT, its feature count, and the feature limit it was cut to (None = complete)."""

    body: bytes
    features: int
    capped_at: int | None


def vector_tile(
    conn: Connection,
    layer: str,
    z: int,
    x: int,
    y: int,
    flt: queries.DisputeFilter,
    *,
    district_code: str | None = None,
    max_features: int = MVT_MAX_FEATURES,
    max_bytes: int = MVT_MAX_BYTES,
) -> VectorTile:
    """One MVT tile of ``layer`` (grids with dispute counts, or dispute points) under the filter.

    ``district_code`` limits the disputes (points and counts) to one district's jurisdiction.
    """
    if layer not in _MVT_SQL:
        raise ValueError(f"unknown vector layer {layer!r}")
    if not tile_exists(z, x, y):
        raise ValueError(f"no tile {z}/{x}/{y}")
    where, params = flt.sql("d")
    if district_code is not None:
        where += " AND d.district_code = :district"
        params["district"] = district_code
    sql = _MVT_SQL[layer].format(filter=where, extent=MVT_EXTENT, buffer=MVT_BUFFER)  # noqa: S608
    limit = max_features
    capped: int | None = None
    while True:
        body, count = conn.execute(
            text(sql),
            {"z": z, "x": x, "y": y, "margin": MVT_BUFFER / MVT_EXTENT, "limit": limit, **params},
        ).one()
        body = bytes(body or b"")
        if count >= limit:
            capped = limit
        if len(body) <= max_bytes or limit <= 1:
            return VectorTile(body=body, features=int(count), capped_at=capped)
        limit = max(min(limit, int(count)) // 2, 1)
        capped = limit

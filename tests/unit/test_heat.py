"""The pure parts of heat tiles: binning, colour ramp, smoothing, scale, keys, legend."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import mercantile
import numpy as np
import pytest
from PIL import Image
from pydantic import ValidationError

from domain.i18n import MESSAGES
from geodata.read import tiles as geotiles
from layers import heat
from layers.filters import LOCAL_TZ, MapFilters

B = heat.BUFFER_PX
SIZE = heat.TILE_SIZE + 2 * B


def _decode(png: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(png))
    assert image.size == (256, 256)
    return np.asarray(image.convert("RGBA"))


def _params(**kw) -> heat.Params:  # noqa: ANN003
    return heat.Params(**{"kind": "disputes", "z": 12, "x": 3318, "y": 1534, **kw})


def test_hea001_colour_ramp_is_monotone_from_transparent_yellow_to_red() -> None:
    table = heat.color_table().astype(int)
    assert table.shape == (256, 4)
    assert tuple(table[0]) == (0, 0, 0, 0)
    alpha, green = table[1:, 3], table[1:, 1]
    assert np.all(np.diff(alpha) >= 0) and alpha[-1] > alpha[0]
    assert np.all(np.diff(green) <= 0) and green[0] > 200 > 50 > green[-1]  # yellow → red
    assert table[-1, 0] > 150 and table[-1, 2] < 60
    # What a decoder shows follows the same order.
    rgba = heat.colorize(np.linspace(0, 1, 11))
    assert rgba[0, 3] == 0 and np.all(np.diff(rgba[:, 3].astype(int)) >= 0)


def test_hea002_zero_counts_give_the_transparent_tile() -> None:
    zeros = heat.HeatData(counts=np.zeros((SIZE, SIZE), dtype=np.int32), reference=3.0)
    png = heat.render(zeros, _params())
    assert png == heat.empty_png()
    assert len(png) < 1000
    assert not _decode(png)[..., 3].any()


def test_hea003_one_point_shows_as_a_soft_blob_where_it_is() -> None:
    counts = np.zeros((SIZE, SIZE), dtype=np.int32)
    counts[B + 100, B + 40] = 1  # row = y, column = x
    rgba = _decode(heat.render(heat.HeatData(counts, reference=0.0), _params()))
    alpha = rgba[..., 3]
    assert alpha[100, 40] == alpha.max() > 0
    assert alpha[100, 40 + 4 * int(heat.SIGMA_PX)] == 0 and alpha[0, 255] == 0
    # The reference floor keeps a lone point below the top of the ramp.
    assert alpha.max() < heat.color_table()[-1, 3]


def test_hea004_tiles_are_scaled_by_the_reference_not_their_own_maximum() -> None:
    cluster = np.zeros((SIZE, SIZE), dtype=np.int32)
    cluster[B + 60 : B + 70, B + 60 : B + 70] = 3
    busier = cluster.copy()
    busier[B + 200 : B + 210, B + 200 : B + 210] = 40  # a much hotter spot far away
    a = _decode(heat.render(heat.HeatData(cluster, reference=0.5), _params()))
    b = _decode(heat.render(heat.HeatData(busier, reference=0.5), _params()))
    # Same reference: the first cluster looks the same whatever else the tile holds.
    assert np.array_equal(a[40:90, 40:90], b[40:90, 40:90])
    # A higher reference (a busier zoom/filter) draws the same counts fainter.
    c = _decode(heat.render(heat.HeatData(cluster, reference=2.0), _params()))
    assert c[65, 65, 3] < a[65, 65, 3]


def test_hea005_points_in_the_buffer_count_and_the_rest_do_not() -> None:
    z, x, y = 14, 13270, 6135
    shift = geotiles.WORLD_ZOOM - z

    def at(px: int, py: int) -> tuple[int, int]:  # tile pixel -> zoom-20 world pixel
        return (x * 256 + px) << shift, (y * 256 + py) << shift

    points = [at(128, 100), at(258, 100), at(-3, 255), at(-B - 1, 100), at(100, 256 + B)]
    gx = np.array([p[0] for p in points], dtype=np.uint32)
    gy = np.array([p[1] for p in points], dtype=np.uint32)
    counts = geotiles.bin_world_pixels(gx, gy, z, x, y, B)
    assert counts.shape == (SIZE, SIZE)
    # Inside, just east, just west: counted; one pixel beyond the buffer on either side: not.
    assert counts.sum() == 3
    assert counts[B + 100, B + 128] == counts[B + 100, B + 258] == counts[B + 255, B - 3] == 1


def test_hea005b_binning_in_chunks_counts_what_one_pass_counts(monkeypatch) -> None:  # noqa: ANN001
    """Chunk edges lose or double nothing: counts equal a hand count of the same points."""
    rng = np.random.default_rng(11)
    z, x, y = 11, 1658, 766
    shift = geotiles.WORLD_ZOOM - z
    # Points over this tile, its buffer and beyond, many on the same pixels.
    gx = ((x * 256 + rng.integers(-40, 300, 5000)) << shift).astype(np.uint32)
    gy = ((y * 256 + rng.integers(-40, 300, 5000)) << shift).astype(np.uint32)
    want = np.zeros((SIZE, SIZE), dtype=np.int64)
    for px, py in zip((gx >> shift) - (x * 256 - B), (gy >> shift) - (y * 256 - B), strict=True):
        if 0 <= px < SIZE and 0 <= py < SIZE:
            want[int(py), int(px)] += 1
    monkeypatch.setattr(geotiles, "_BIN_CHUNK", 333)  # 16 chunks, the last one short
    got = geotiles.bin_world_pixels(gx, gy, z, x, y, B)
    assert 0 < want.sum() < 5000
    assert np.array_equal(got, want)


def test_hea006_world_pixels_agree_with_mercantile_tiles() -> None:
    rng = np.random.default_rng(3)
    lon, lat = rng.uniform(110.5, 112.3, 500), rng.uniform(39.6, 41.4, 500)
    gx, gy = geotiles.world_pixels(lon, lat)
    for z in (0, 9, 14, 20):
        shift = geotiles.WORLD_ZOOM + 8 - z
        for i in range(0, 500, 50):
            tile = mercantile.tile(lon[i], lat[i], z)
            assert (int(gx[i]) >> shift, int(gy[i]) >> shift) == (tile.x, tile.y)


def test_hea007_relative_periods_resolve_to_dates_for_the_cache() -> None:
    morning = datetime.combine(date(2026, 11, 28), time(8, 5), LOCAL_TZ)
    evening = morning.replace(hour=23, minute=59)
    next_day = morning + timedelta(days=1)
    key = {
        n: _params(filters=MapFilters(period="30d"), now=n).cache_key(7)
        for n in (morning, evening, next_day)
    }
    assert key[morning] == key[evening] != key[next_day]
    start, end = heat.day_window(MapFilters(period="30d"), evening)
    assert start == datetime.combine(date(2026, 10, 29), time(), LOCAL_TZ) and end is None
    assert _params(now=morning).cache_key(7) != _params(now=morning).cache_key(8)
    # Patrol tiles ignore the dispute-only filters, so they share one cache entry.
    patrol = {
        f: _params(kind="patrols", filters=f, now=morning).cache_key(7)
        for f in (MapFilters(), MapFilters(types=("T01",), risks=("high",)))
    }
    assert len(set(patrol.values())) == 1


def test_hea008_params_refuse_tiles_outside_the_pyramid() -> None:
    for z, x, y in ((21, 0, 0), (3, 8, 0), (3, 0, 8), (-1, 0, 0)):
        with pytest.raises(ValidationError):
            heat.Params(kind="disputes", z=z, x=x, y=y)
    with pytest.raises(ValidationError):
        heat.Params(kind="people", z=1, x=0, y=0)
    assert geotiles.tile_exists(20, 2**20 - 1, 0) and not geotiles.tile_exists(20, 2**20, 0)


def test_hea009_legend_stops_and_keys() -> None:
    for kind in geotiles.HEAT_KINDS:
        legend = heat.legend(kind)
        for key in (
            legend["label_key"],
            legend["low_key"],
            legend["high_key"],
            heat.SPEC["label_key"],
        ):
            assert MESSAGES[key]["zh"] and MESSAGES[key]["en"]
        at = [s["at"] for s in legend["stops"]]
        assert at[0] == 0 and at[-1] == 1 and at == sorted(at)
    with pytest.raises(ValueError):
        heat.legend("people")


def _copy_stream(rows: list[tuple[float, float, int]]) -> bytes:
    """A binary COPY of (float8, float8, timestamptz) rows, as PostgreSQL writes it."""
    import struct

    out = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
    for lon, lat, us in rows:
        out += struct.pack(">hididiq", 3, 8, lon, 8, lat, 8, us)
    return out + struct.pack(">h", -1)


def test_hea011_copy_rows_decode_however_the_bytes_are_cut(monkeypatch) -> None:  # noqa: ANN001
    rng = np.random.default_rng(5)
    rows = [(111 + rng.random(), 40 + rng.random(), int(i * 1_000_003)) for i in range(500)]
    stream = _copy_stream(rows)
    monkeypatch.setattr(geotiles, "_BATCH_BYTES", 100)  # many batches, rows cut across them
    for cut in (1, 7, 34, 35, 1000, len(stream)):
        chunks = [stream[i : i + cut] for i in range(0, len(stream), cut)]
        got = np.concatenate(list(geotiles.decode_copy_rows(chunks)))
        assert got.size == 500
        assert got["visited_us"].tolist() == [r[2] for r in rows]
        assert np.array_equal(got["lon"], [r[0] for r in rows])
        assert np.array_equal(got["lat"], [r[1] for r in rows])
    # No rows at all: the header and the trailer only.
    assert sum(b.size for b in geotiles.decode_copy_rows([_copy_stream([])])) == 0


def test_hea012_a_copy_of_another_layout_is_refused() -> None:
    good = _copy_stream([(111.5, 40.5, 7)])
    for bad in (
        good[:-2],  # no trailer
        good[:-3] + good[-2:],  # a row cut short
        b"NOTCOPY" + good[7:],  # no signature
        good.replace(b"\x00\x03\x00\x00\x00\x08", b"\x00\x02\x00\x00\x00\x08", 1),  # 2 fields
    ):
        with pytest.raises(RuntimeError, match="unexpected binary COPY layout"):
            list(geotiles.decode_copy_rows([bad]))


@pytest.mark.parametrize("spread", [3, 1 << 15])  # a dense grid of cells, and a sorted count
def test_hea013_reference_is_the_quantile_of_occupied_cells(monkeypatch, spread: int) -> None:  # noqa: ANN001
    """By hand: 199 cells with one point and one with 101 → the 99th percentile ("higher", of
    200 values: the 199th smallest) is 1; with ten cells of 101 it is 101. Chunk edges change
    nothing."""
    shift = 10
    monkeypatch.setattr(geotiles, "_BIN_CHUNK", 37)

    def points(cells: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray]:
        xs = [(cx * spread << shift) + k % 7 for cx, cy, n in cells for k in range(n)]
        ys = [(cy * spread << shift) + k % 5 for cx, cy, n in cells for k in range(n)]
        return np.array(xs, dtype=np.uint32), np.array(ys, dtype=np.uint32)

    few = [(i % 10, i // 10, 1) for i in range(199)] + [(30, 30, 101)]
    many = [(i % 10, i // 10, 1) for i in range(190)] + [(30 + i, 30, 101) for i in range(10)]
    assert geotiles._occupied_cell_quantile(*points(few), shift) == 1.0
    assert geotiles._occupied_cell_quantile(*points(many), shift) == 101.0
    empty = np.array([], dtype=np.uint32)
    assert geotiles._occupied_cell_quantile(empty, empty, shift) == 0.0

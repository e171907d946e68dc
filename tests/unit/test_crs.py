"""Tests for geodata.crs: GCJ-02 / BD-09 <-> WGS84 conversions."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod
from shapely.geometry import LineString, MultiPolygon, Point, Polygon

from geodata.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    transform_geometry,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")
MAX_ROUND_TRIP_M = 0.01

ALL_FUNCS = [
    wgs84_to_gcj02,
    gcj02_to_wgs84,
    gcj02_to_bd09,
    bd09_to_gcj02,
    wgs84_to_bd09,
    bd09_to_wgs84,
]

# Central Hohhot (Xincheng district), WGS84.
HOHHOT = (111.6708, 40.8183)

# Published WGS84 -> GCJ-02 pairs from the eviltransform test-suite; they are produced by
# the same public formula, so an independent implementation must agree to float precision.
EVILTRANSFORM_PAIRS = [
    # (wgs lon, wgs lat), (gcj lon, gcj lat)
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),  # Shanghai
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),  # Shenzhen
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),  # Beijing
]

# WGS84 / GCJ-02 / BD-09 triples from the gcoord fixtures (7 decimals, map-provider derived,
# so only ~1e-5 deg agreement with the formula is expected).
GCOORD_TRIPLES = [
    ((116.0414035, 43.9312805), (116.0482308, 43.9334573), (116.0546232, 43.9397782)),  # Xilinhot
    ((123.4253306, 41.8032629), (123.4314787, 41.8057023), (123.438095, 41.8114013)),  # Shenyang
    ((98.4937175, 39.7319946), (98.4943595, 39.7328234), (98.5008441, 39.7388949)),  # Jiuquan
]

OUTSIDE_CHINA = [
    (0.0, 0.0),
    (-74.006, 40.7128),  # New York
    (139.6917, 35.6895),  # Tokyo (east of the box)
    (71.9, 40.0),  # just west of the box
    (111.67, 56.0),  # just north of the box
]

china_lon = st.floats(min_value=73.0, max_value=135.0, allow_nan=False, allow_infinity=False)
china_lat = st.floats(min_value=18.0, max_value=53.0, allow_nan=False, allow_infinity=False)


def _dist_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    return np.asarray(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def test_crs001_tiananmen_published_pair() -> None:
    wgs = (116.391275, 39.906217)
    gcj = (116.397514, 39.907614)
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-5)
    assert gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=1e-5)


@pytest.mark.parametrize(("wgs", "gcj"), EVILTRANSFORM_PAIRS)
def test_crs002_formula_reference_pairs(wgs, gcj) -> None:
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)
    assert gcj02_to_wgs84(*gcj) == pytest.approx(wgs, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj", "bd"), GCOORD_TRIPLES)
def test_crs003_provider_reference_triples(wgs, gcj, bd) -> None:
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-5)
    assert gcj02_to_bd09(*gcj) == pytest.approx(bd, abs=1e-6)
    assert bd09_to_gcj02(*bd) == pytest.approx(gcj, abs=1e-6)
    assert bd09_to_wgs84(*bd) == pytest.approx(wgs, abs=1e-5)
    assert wgs84_to_bd09(*wgs) == pytest.approx(bd, abs=1e-5)


def test_crs004_hohhot_offsets_are_hundreds_of_metres() -> None:
    gcj = wgs84_to_gcj02(*HOHHOT)
    bd = wgs84_to_bd09(*HOHHOT)
    gcj_offset = float(_dist_m(*HOHHOT, *gcj))
    bd_offset = float(_dist_m(*HOHHOT, *bd))
    assert 300.0 < gcj_offset < 1000.0
    assert 800.0 < bd_offset < 2000.0
    # In Hohhot GCJ-02 is shifted north-east of WGS84.
    assert gcj[0] > HOHHOT[0]
    assert gcj[1] > HOHHOT[1]


@settings(deadline=None, max_examples=300)
@given(lon=china_lon, lat=china_lat)
def test_crs005_gcj02_round_trips(lon: float, lat: float) -> None:
    back = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert _dist_m(lon, lat, *back) <= MAX_ROUND_TRIP_M
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert _dist_m(lon, lat, *back) <= MAX_ROUND_TRIP_M


@settings(deadline=None, max_examples=300)
@given(lon=china_lon, lat=china_lat)
def test_crs006_bd09_round_trips(lon: float, lat: float) -> None:
    back = wgs84_to_bd09(*bd09_to_wgs84(lon, lat))
    assert _dist_m(lon, lat, *back) <= MAX_ROUND_TRIP_M
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert _dist_m(lon, lat, *back) <= MAX_ROUND_TRIP_M
    back = gcj02_to_bd09(*bd09_to_gcj02(lon, lat))
    assert _dist_m(lon, lat, *back) <= MAX_ROUND_TRIP_M


def test_crs007_vectorised_round_trip_on_dense_sample() -> None:
    rng = np.random.default_rng(20240601)
    lon = rng.uniform(73.0, 135.0, 100_000)
    lat = rng.uniform(18.0, 53.0, 100_000)
    # Include the sqrt(|lon - 105|) kink of the GCJ-02 polynomial exactly.
    lon[:3] = [105.0, np.nextafter(105.0, 106.0), np.nextafter(105.0, 104.0)]
    for inverse, forward in [(gcj02_to_wgs84, wgs84_to_gcj02), (bd09_to_wgs84, wgs84_to_bd09)]:
        x, y = inverse(lon, lat)
        assert x.shape == lon.shape
        err = _dist_m(lon, lat, *forward(x, y))
        assert err.max() <= 1e-6  # far below the 1 cm requirement


@pytest.mark.parametrize("func", ALL_FUNCS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("point", OUTSIDE_CHINA)
def test_crs008_outside_china_unchanged(func, point) -> None:
    assert func(*point) == point


@pytest.mark.parametrize("func", ALL_FUNCS, ids=lambda f: f.__name__)
def test_crs009_nan_passes_through(func) -> None:
    lon, lat = func(float("nan"), 40.0)
    assert math.isnan(lon)
    assert lat == 40.0
    lon, lat = func(np.array([np.nan, HOHHOT[0]]), np.array([np.nan, HOHHOT[1]]))
    assert np.isnan(lon[0]) and np.isnan(lat[0])
    assert np.isfinite(lon[1]) and lon[1] != HOHHOT[0]


@pytest.mark.parametrize("func", ALL_FUNCS, ids=lambda f: f.__name__)
def test_crs010_mixed_arrays_match_scalar_calls(func) -> None:
    points = [HOHHOT, *OUTSIDE_CHINA]
    lon = np.array([p[0] for p in points]).reshape(2, 3)
    lat = np.array([p[1] for p in points]).reshape(2, 3)
    out_lon, out_lat = func(lon, lat)
    assert out_lon.shape == out_lat.shape == (2, 3)
    for i, j in np.ndindex(lon.shape):
        scalar = func(float(lon[i, j]), float(lat[i, j]))
        assert isinstance(scalar[0], float)
        assert (out_lon[i, j], out_lat[i, j]) == pytest.approx(scalar, abs=1e-12)
    # Inputs are not modified in place.
    assert lon[0, 0] == HOHHOT[0]


def test_crs011_transform_polygon() -> None:
    x0, y0 = HOHHOT
    poly = Polygon([(x0, y0), (x0 + 0.01, y0), (x0 + 0.01, y0 + 0.01), (x0, y0 + 0.01)])
    moved = transform_geometry(poly, wgs84_to_gcj02)
    assert moved.is_valid
    assert moved.geom_type == "Polygon"
    assert shapely.get_num_coordinates(moved) == shapely.get_num_coordinates(poly)
    assert moved.centroid.distance(poly.centroid) > 0.005  # several hundred metres
    assert moved.area == pytest.approx(poly.area, rel=1e-2)  # shift is nearly rigid
    restored = transform_geometry(moved, gcj02_to_wgs84)
    assert shapely.equals_exact(restored, poly, tolerance=1e-10)


def test_crs012_transform_multipolygon_and_z() -> None:
    x0, y0 = HOHHOT
    shell = [(x0, y0), (x0 + 0.02, y0), (x0 + 0.02, y0 + 0.02), (x0, y0 + 0.02)]
    hole = [(x0 + 0.005, y0 + 0.005), (x0 + 0.01, y0 + 0.005), (x0 + 0.01, y0 + 0.01)]
    other = Polygon([(x0 + 0.1, y0), (x0 + 0.11, y0), (x0 + 0.11, y0 + 0.01)])
    multi = MultiPolygon([Polygon(shell, [hole]), other])
    moved = transform_geometry(multi, bd09_to_wgs84)
    assert moved.is_valid
    assert moved.geom_type == "MultiPolygon"
    assert len(moved.geoms) == 2
    assert len(moved.geoms[0].interiors) == 1
    assert shapely.get_num_coordinates(moved) == shapely.get_num_coordinates(multi)
    assert not shapely.equals_exact(moved, multi, tolerance=1e-4)

    line3d = LineString([(x0, y0, 1050.0), (x0 + 0.1, y0, 1060.0)])
    line = transform_geometry(line3d, wgs84_to_gcj02)
    assert line.has_z
    assert [c[2] for c in line.coords] == [1050.0, 1060.0]
    assert transform_geometry(Point(), gcj02_to_wgs84).is_empty


@pytest.mark.parametrize(
    ("source", "expected"),
    [("gcj02", gcj02_to_wgs84), ("GCJ02", gcj02_to_wgs84), ("Bd09", bd09_to_wgs84)],
)
def test_crs013_to_wgs84_dispatch(source, expected) -> None:
    assert to_wgs84(*HOHHOT, source) == expected(*HOHHOT)
    assert to_wgs84(*HOHHOT, "WGS84") == HOHHOT


@pytest.mark.parametrize("source", ["epsg:4326", "gcj-02", "", "bd09mc"])
def test_crs014_to_wgs84_rejects_unknown_source(source) -> None:
    with pytest.raises(ValueError, match="unknown coordinate system"):
        to_wgs84(*HOHHOT, source)

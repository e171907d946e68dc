"""Unit tests for etl.subdivide: exact tiling of (Multi)Polygons into n child parts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import shape

from etl.subdivide import _merge_fragments, assert_tiles, representative_points, subdivide

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_CANDIDATES = (
    REPO_ROOT / "geodata" / "data" / "hohhot_admin_gcj02.geojson",
    REPO_ROOT / ".." / "shared" / "geodata" / "hohhot_admin_gcj02.geojson",
)

SQUARE = shapely.box(0.0, 0.0, 1.0, 1.0)
L_SHAPE = shapely.Polygon([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)])
U_SHAPE = shapely.Polygon([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)])
# A comb: deep narrow teeth make Voronoi cells straddle gaps, the hard case for tidy parts.
COMB = shapely.union_all(
    [shapely.box(0, 0, 5, 0.5)] + [shapely.box(i + 0.2, 0.5, i + 0.8, 3) for i in range(5)]
)
WITH_HOLE = shapely.Polygon(
    [(0, 0), (4, 0), (4, 4), (0, 4)], holes=[[(1, 1), (3, 1), (3, 3), (1, 3)]]
)
# Lon/lat-like MultiPolygon near Hohhot: two blocks and a small detached island.
MULTI = shapely.MultiPolygon(
    [
        shapely.box(111.60, 40.80, 111.70, 40.88),
        shapely.box(111.75, 40.80, 111.80, 40.90),
        shapely.box(111.90, 40.95, 111.905, 40.954),
    ]
)


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _wkbs(parts: list) -> list[bytes]:
    return [shapely.to_wkb(p) for p in parts]


@pytest.fixture(scope="module")
def admin() -> dict[str, shapely.Geometry]:
    """Hohhot city/district geometries keyed by adcode (the packaged data file)."""
    path = next((p for p in ADMIN_CANDIDATES if p.is_file()), None)
    assert path is not None, "hohhot_admin_gcj02.geojson not found"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["adcode"]: shape(f["geometry"]) for f in data["features"]}


def test_sub001_n1_returns_input() -> None:
    assert subdivide(SQUARE, 1, _rng()) == [SQUARE]
    assert subdivide(MULTI, 1, _rng())[0] is MULTI


@pytest.mark.parametrize("n", [2, 3, 4, 7, 12, 20, 33, 40])
def test_sub002_square_tiles(n: int) -> None:
    parts = subdivide(SQUARE, n, _rng(n))
    assert len(parts) == n
    assert_tiles(SQUARE, parts)


@pytest.mark.parametrize("poly", [L_SHAPE, U_SHAPE, COMB], ids=["L", "U", "comb"])
@pytest.mark.parametrize("n", [2, 5, 13, 40])
def test_sub003_concave_tiles(poly: shapely.Polygon, n: int) -> None:
    assert poly.is_valid
    parts = subdivide(poly, n, _rng(n))
    assert len(parts) == n
    assert_tiles(poly, parts)


@pytest.mark.parametrize("n", [2, 3, 5, 17, 40])
def test_sub004_multipolygon_tiles(n: int) -> None:
    parts = subdivide(MULTI, n, _rng(n))
    assert len(parts) == n
    assert_tiles(MULTI, parts)
    # The tiny island must belong to exactly one child.
    island = MULTI.geoms[2]
    owners = [i for i, p in enumerate(parts) if p.intersection(island).area > 0]
    assert len(owners) >= 1
    assert sum(parts[i].intersection(island).area for i in owners) == pytest.approx(island.area)


@pytest.mark.parametrize("n", [2, 6, 25])
def test_sub005_polygon_with_hole(n: int) -> None:
    parts = subdivide(WITH_HOLE, n, _rng(n))
    assert_tiles(WITH_HOLE, parts)
    hole = shapely.box(1, 1, 3, 3)
    assert all(p.intersection(hole).area == pytest.approx(0.0, abs=1e-12) for p in parts)


@pytest.mark.parametrize("poly", [SQUARE, U_SHAPE, MULTI], ids=["square", "U", "multi"])
def test_sub006_deterministic_for_seed(poly: shapely.Geometry) -> None:
    assert _wkbs(subdivide(poly, 9, _rng(42))) == _wkbs(subdivide(poly, 9, _rng(42)))


def test_sub007_different_seed_differs() -> None:
    assert _wkbs(subdivide(U_SHAPE, 9, _rng(1))) != _wkbs(subdivide(U_SHAPE, 9, _rng(2)))


@pytest.mark.parametrize("n", [5, 12, 30])
def test_sub008_parts_have_similar_area(n: int) -> None:
    areas = shapely.area(subdivide(SQUARE, n, _rng(7)))
    # Centroidal Voronoi cells are not exactly equal, but no part should dwarf another.
    assert areas.max() / areas.min() < 3.0
    assert areas.std() / areas.mean() < 0.3


@pytest.mark.parametrize("poly", [L_SHAPE, U_SHAPE, COMB], ids=["L", "U", "comb"])
def test_sub009_no_tiny_fragments(poly: shapely.Polygon) -> None:
    threshold = 1e-6 * poly.area
    for seed in range(15):
        for n in (3, 11, 29):
            for part in subdivide(poly, n, _rng(seed)):
                # Connected parent: every secondary piece borders another child, so tiny
                # ones must have been merged away.
                piece_areas = np.sort(shapely.area(shapely.get_parts(part)))
                assert (piece_areas[:-1] >= threshold).all(), (seed, n, piece_areas)


def test_sub010_merge_fragments_moves_piece_to_neighbour() -> None:
    parent = shapely.box(0, 0, 2, 1)
    sliver = shapely.box(1.9999, 0.0, 2.0, 0.0001)
    left = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), sliver])
    right = shapely.box(1, 0, 2, 1).difference(sliver)
    merged = _merge_fragments([left, right], 1e-6 * parent.area)
    assert_tiles(parent, merged)
    assert merged[0].equals(shapely.box(0, 0, 1, 1))
    assert merged[1].geom_type == "Polygon"
    assert merged[1].area == pytest.approx(1.0)
    # A fragment above the threshold stays where it is.
    kept = _merge_fragments([left, right], 1e-12)
    assert kept[0].geom_type == "MultiPolygon"


def test_sub011_assert_tiles_detects_gap() -> None:
    parts = subdivide(SQUARE, 6, _rng(3))
    broken = [parts[0].difference(parts[0].centroid.buffer(0.01)), *parts[1:]]
    with pytest.raises(AssertionError, match="uncovered area"):
        assert_tiles(SQUARE, broken)


def test_sub012_assert_tiles_detects_overlap() -> None:
    parts = subdivide(SQUARE, 6, _rng(3))
    broken = [parts[0].buffer(0.01).intersection(SQUARE), *parts[1:]]
    with pytest.raises(AssertionError, match="overlap"):
        assert_tiles(SQUARE, broken)
    with pytest.raises(AssertionError, match="overlap"):
        assert_tiles(SQUARE, [*parts, parts[0]])


def test_sub013_assert_tiles_detects_bad_parts() -> None:
    parts = subdivide(SQUARE, 4, _rng(5))
    with pytest.raises(AssertionError, match="expected Polygon or MultiPolygon"):
        assert_tiles(SQUARE, [*parts, shapely.LineString([(0, 0), (1, 1)])])
    collection = shapely.GeometryCollection([parts[0], shapely.Point(0.5, 0.5)])
    with pytest.raises(AssertionError, match="expected Polygon or MultiPolygon"):
        assert_tiles(SQUARE, [collection, *parts[1:]])
    with pytest.raises(AssertionError, match="empty"):
        assert_tiles(SQUARE, [*parts, shapely.Polygon()])
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    with pytest.raises(AssertionError, match="invalid"):
        assert_tiles(SQUARE, [bowtie])
    with pytest.raises(AssertionError, match="no parts"):
        assert_tiles(SQUARE, [])


def test_sub014_assert_tiles_detects_excess_area() -> None:
    parts = subdivide(SQUARE, 4, _rng(5))
    with pytest.raises(AssertionError, match="outside parent"):
        assert_tiles(SQUARE, [*parts, shapely.box(1, 0, 1.1, 1)])
    assert_tiles(SQUARE, parts)


def test_sub015_weights_make_dense_parts_smaller() -> None:
    def density(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return np.where(x < 0.5, 20.0, 1.0)

    parts = subdivide(SQUARE, 20, _rng(11), weights=density)
    assert_tiles(SQUARE, parts)
    cx = shapely.get_coordinates(shapely.centroid(parts))[:, 0]
    areas = shapely.area(parts)
    assert areas[cx < 0.5].mean() < 0.5 * areas[cx >= 0.5].mean()


def test_sub016_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="n must be"):
        subdivide(SQUARE, 0, _rng())
    with pytest.raises(TypeError):
        subdivide(shapely.LineString([(0, 0), (1, 1)]), 3, _rng())
    with pytest.raises(TypeError):
        subdivide("POLYGON EMPTY", 3, _rng())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="empty"):
        subdivide(shapely.Polygon(), 3, _rng())
    with pytest.raises(ValueError, match="weights"):
        subdivide(SQUARE, 3, _rng(), weights=lambda x, y: -np.ones_like(x))
    with pytest.raises(ValueError, match="weights"):
        subdivide(SQUARE, 3, _rng(), weights=lambda x, y: np.zeros_like(x))


def test_sub017_invalid_parent_is_repaired() -> None:
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    parts = subdivide(bowtie, 6, _rng(2))
    assert len(parts) == 6
    assert_tiles(shapely.make_valid(bowtie), parts)


def test_sub018_representative_points_inside() -> None:
    pts = representative_points(U_SHAPE, 500, _rng(4))
    assert len(pts) == 500
    assert shapely.contains(U_SHAPE, pts).all()
    assert shapely.contains(MULTI, representative_points(MULTI, 50, _rng(4))).all()
    again = representative_points(U_SHAPE, 500, _rng(4))
    assert shapely.equals_exact(pts, again, tolerance=0).all()
    assert len(representative_points(U_SHAPE, 0, _rng(4))) == 0


def test_sub019_projected_coordinates() -> None:
    # Metre coordinates must not be treated as degrees (no cos(latitude) scaling).
    metric = shapely.box(500_000, 4_500_000, 503_000, 4_501_000)
    parts = subdivide(metric, 10, _rng(8))
    assert_tiles(metric, parts)


def test_sub020_input_not_modified() -> None:
    poly = shapely.Polygon(U_SHAPE.exterior.coords)
    before = shapely.to_wkb(poly)
    subdivide(poly, 8, _rng(1))
    assert shapely.to_wkb(poly) == before


@settings(max_examples=60, deadline=None)
@given(n=st.integers(min_value=1, max_value=40), seed=st.integers(0, 2**32 - 1))
def test_sub021_property_tiles_concave(n: int, seed: int) -> None:
    parts = subdivide(COMB, n, np.random.default_rng(seed))
    assert len(parts) == n
    assert_tiles(COMB, parts)


def test_sub022_real_district_two_levels(admin: dict[str, shapely.Geometry]) -> None:
    district = admin["150102"]
    rng = _rng(2024)
    townships = subdivide(district, 12, rng)
    assert len(townships) == 12
    assert_tiles(district, townships)
    for township in townships:
        communities = subdivide(township, 5, rng)
        assert len(communities) == 5
        assert_tiles(township, communities)


@pytest.mark.parametrize("adcode", ["150100", "150103", "150121", "150125"])
def test_sub023_real_polygons_tile(admin: dict[str, shapely.Geometry], adcode: str) -> None:
    parts = subdivide(admin[adcode], 20, _rng(3))
    assert_tiles(admin[adcode], parts)

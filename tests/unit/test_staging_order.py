"""The order staged rows are COPYed in: along a Z-order curve, neighbours together."""

from __future__ import annotations

import numpy as np
import shapely

from geodata.load.staging import _spread_bits, spatial_order


def test_stg001_four_corners_follow_the_z_curve() -> None:
    # Z-order over the extent: lower-left, lower-right, upper-left, upper-right.
    pts = shapely.points([(1, 1), (0, 1), (1, 0), (0, 0)])
    assert spatial_order(pts).tolist() == [3, 2, 1, 0]


def test_stg004_bits_interleave_exactly() -> None:
    got = _spread_bits(np.array([0b1011, 0xFFFF, 0x8001, 0], dtype=np.uint64)).tolist()
    assert got == [0b1000101, 0x55555555, 0x40000001, 0]


def test_stg005_a_missing_geometry_precedes_even_the_lowest_corner() -> None:
    assert spatial_order([shapely.Point(0, 0), None, shapely.Point(1, 1)]).tolist() == [1, 0, 2]


def test_stg002_clusters_come_out_whole_and_missing_first() -> None:
    rng = np.random.default_rng(7)
    centres = [(111.6, 40.8), (111.9, 40.8), (111.6, 40.9), (111.9, 40.9)]
    label = np.repeat(np.arange(4), 250)
    xy = np.array(centres)[label] + rng.normal(0, 0.005, (1000, 2))
    geoms = np.array(shapely.points(xy), dtype=object)
    shuffle = rng.permutation(1000)
    geoms, label = geoms[shuffle], label[shuffle]
    geoms[[5, 500]] = None
    geoms[7] = shapely.Point()  # empty
    order = spatial_order(geoms)
    assert sorted(order.tolist()) == list(range(1000))  # a permutation
    assert set(order[:3].tolist()) == {5, 7, 500}
    runs = label[order[3:]]
    # Each cluster is one run: the label changes exactly three times along the order.
    assert int(np.count_nonzero(np.diff(runs))) == 3


def test_stg003_polygons_order_by_their_centre() -> None:
    far = shapely.box(10, 10, 11, 11)
    near = shapely.box(0, 0, 1, 1)
    mid = shapely.box(4, 4, 6, 6)
    assert spatial_order([far, mid, near]).tolist() == [2, 1, 0]

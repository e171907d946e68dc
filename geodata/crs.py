"""Conversions between China's non-EPSG offset coordinate systems and WGS84.

GCJ-02 ("Mars coordinates") is the state-mandated obfuscated datum used by AMap/Tencent;
BD-09 is Baidu's additional offset on top of GCJ-02. Neither has an EPSG code, so pyproj
cannot handle them. All functions take longitude/latitude in degrees as scalars or
broadcastable numpy arrays and return a ``(lon, lat)`` tuple of the same shape
(plain floats for scalar input).

Points outside China's rough bounding box are returned unchanged (the offsets are only
applied to Chinese data), and NaN coordinates pass through as NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import shapely

__all__ = [
    "bd09_to_gcj02",
    "bd09_to_wgs84",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "in_china",
    "to_wgs84",
    "transform_geometry",
    "wgs84_to_bd09",
    "wgs84_to_gcj02",
]

Coord: TypeAlias = "float | npt.NDArray[np.float64]"
CoordFunc: TypeAlias = Callable[[npt.ArrayLike, npt.ArrayLike], tuple[Coord, Coord]]

# Krasovsky 1940 ellipsoid parameters used by the public GCJ-02 formula.
_A = 6378245.0
_EE = 0.00669342162296594323
# BD-09 works on a scaled angle ("x_pi") rather than plain radians.
_X_PI = np.pi * 3000.0 / 180.0

# Rough bounding box of China; the conventional test used by every GCJ-02 implementation.
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271

# Inverse iteration: both forward shifts vary slowly (derivative <= ~0.02), so each
# fixed-point step gains 2-3 digits and 1e-12 deg (~0.1 um) is reached in about five steps.
# The cap only guards against pathological input.
_TOL_DEG = 1e-12
_MAX_ITER = 30


def _as_arrays(
    lon: npt.ArrayLike, lat: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    lon_a, lat_a = np.broadcast_arrays(
        np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    )
    # Copies: broadcast_arrays returns read-only views and results are written in place.
    return lon_a.copy(), lat_a.copy()


def _out(lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]) -> tuple[Coord, Coord]:
    if lon.ndim == 0:
        return float(lon), float(lat)
    return lon, lat


def in_china(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Return True where a point lies inside China's rough bounding box (NaN gives False)."""
    lon_a, lat_a = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
    return (lon_a >= _LON_MIN) & (lon_a <= _LON_MAX) & (lat_a >= _LAT_MIN) & (lat_a <= _LAT_MAX)


def _gcj02_shift(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    # The published GCJ-02 obfuscation polynomials (a.k.a. transformlat/transformlon),
    # evaluated relative to (105E, 35N) and converted from metres to degrees on Krasovsky.
    x = lon - 105.0
    y = lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    sqrt_abs_x = np.sqrt(np.abs(x))

    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat += common
    dlat += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0

    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon += common
    dlon += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0

    radlat = np.radians(lat)
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(radlat) * np.pi)
    return dlon, dlat


def _wgs_to_gcj_raw(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    dlon, dlat = _gcj02_shift(lon, lat)
    return lon + dlon, lat + dlat


def _gcj_to_bd_raw(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    # Baidu's published forward formula: a small polar perturbation plus a constant offset.
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_approx(
    lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    # The commonly published "inverse" only flips the perturbation signs; it is off by up
    # to ~0.2 m, so it serves as the starting guess for the iteration below.
    x = lon - 0.0065
    y = lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(
    forward: Callable[
        [npt.NDArray[np.float64], npt.NDArray[np.float64]],
        tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    ],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    guess_lon: npt.NDArray[np.float64],
    guess_lat: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    # Neither forward map has a closed-form inverse (sin/sqrt terms of the input), but both
    # are identity plus a slowly varying shift, so the fixed-point step
    #   p <- p - (forward(p) - target)
    # converges fast. It is also robust at the sqrt(|lon - 105|) kink, where Newton's
    # Jacobian would blow up.
    for _ in range(_MAX_ITER):
        f_lon, f_lat = forward(guess_lon, guess_lat)
        err_lon = f_lon - lon
        err_lat = f_lat - lat
        guess_lon = guess_lon - err_lon
        guess_lat = guess_lat - err_lat
        if max(np.max(np.abs(err_lon)), np.max(np.abs(err_lat))) <= _TOL_DEG:
            break
    return guess_lon, guess_lat


def wgs84_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coord, Coord]:
    """Convert WGS84 lon/lat to GCJ-02."""
    lon_a, lat_a = _as_arrays(lon, lat)
    mask = in_china(lon_a, lat_a)
    if mask.any():
        lon_a[mask], lat_a[mask] = _wgs_to_gcj_raw(lon_a[mask], lat_a[mask])
    return _out(lon_a, lat_a)


def gcj02_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coord, Coord]:
    """Convert GCJ-02 lon/lat to WGS84 by iterating the forward formula (sub-mm accurate)."""
    lon_a, lat_a = _as_arrays(lon, lat)
    mask = in_china(lon_a, lat_a)
    if mask.any():
        g_lon, g_lat = lon_a[mask], lat_a[mask]
        # The shift varies slowly, so target - shift(target) is already within ~5 m.
        d_lon, d_lat = _gcj02_shift(g_lon, g_lat)
        lon_a[mask], lat_a[mask] = _invert(
            _wgs_to_gcj_raw, g_lon, g_lat, g_lon - d_lon, g_lat - d_lat
        )
    return _out(lon_a, lat_a)


def gcj02_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coord, Coord]:
    """Convert GCJ-02 lon/lat to Baidu BD-09."""
    lon_a, lat_a = _as_arrays(lon, lat)
    mask = in_china(lon_a, lat_a)
    if mask.any():
        lon_a[mask], lat_a[mask] = _gcj_to_bd_raw(lon_a[mask], lat_a[mask])
    return _out(lon_a, lat_a)


def bd09_to_gcj02(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coord, Coord]:
    """Convert Baidu BD-09 lon/lat to GCJ-02 (iterated to sub-mm accuracy)."""
    lon_a, lat_a = _as_arrays(lon, lat)
    mask = in_china(lon_a, lat_a)
    if mask.any():
        b_lon, b_lat = lon_a[mask], lat_a[mask]
        guess_lon, guess_lat = _bd_to_gcj_approx(b_lon, b_lat)
        lon_a[mask], lat_a[mask] = _invert(_gcj_to_bd_raw, b_lon, b_lat, guess_lon, guess_lat)
    return _out(lon_a, lat_a)


def wgs84_to_bd09(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coord, Coord]:
    """Convert WGS84 lon/lat to Baidu BD-09 (via GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coord, Coord]:
    """Convert Baidu BD-09 lon/lat to WGS84 (via GCJ-02)."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _identity(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[Coord, Coord]:
    return _out(*_as_arrays(lon, lat))


_TO_WGS84: dict[str, CoordFunc] = {
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
    "wgs84": _identity,
}


def to_wgs84(lon: npt.ArrayLike, lat: npt.ArrayLike, source: str) -> tuple[Coord, Coord]:
    """Convert lon/lat from ``source`` ("gcj02", "bd09" or "wgs84") to WGS84."""
    try:
        func = _TO_WGS84[source.strip().lower()]
    except (KeyError, AttributeError):
        raise ValueError(
            f"unknown coordinate system {source!r}; expected one of {sorted(_TO_WGS84)}"
        ) from None
    return func(lon, lat)


def transform_geometry(geom: shapely.Geometry, func: CoordFunc) -> shapely.Geometry:
    """Apply a lon/lat conversion to every coordinate of a shapely geometry (Z is kept)."""

    def _apply(
        x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], *z: npt.ArrayLike
    ) -> tuple[npt.ArrayLike, ...]:
        # shapely hands over 1-D arrays of all coordinates, so one vectorised call suffices;
        # np.asarray keeps a single-coordinate result an array rather than a float.
        new_x, new_y = func(x, y)
        return (np.asarray(new_x), np.asarray(new_y), *z)

    # include_z=None preserves each geometry's dimensionality instead of dropping Z.
    return shapely.transform(geom, _apply, include_z=None, interleaved=False)

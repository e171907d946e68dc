"""Split an administrative polygon into child polygons that exactly tile it (demo-data ETL)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["Weights", "assert_tiles", "representative_points", "subdivide"]

# Density callable: (lon, lat) arrays -> non-negative weights; larger weight gives smaller parts.
Weights = Callable[[np.ndarray, np.ndarray], np.ndarray]

_POLYGON = int(shapely.GeometryType.POLYGON)
_MULTIPOLYGON = int(shapely.GeometryType.MULTIPOLYGON)

# ~60 sample points per part keeps the k-means centroids stable while the whole split stays in the
# low-millisecond range; the cap bounds the (samples x parts) distance matrix for large n.
_SAMPLES_PER_PART = 60
_MIN_SAMPLES = 300
_MAX_SAMPLES = 8000
_LLOYD_ITERATIONS = 30
_MAX_SAMPLING_ROUNDS = 200
# Below this parent/bbox area ratio the jittered grid wastes too many points; sample at random.
_MIN_GRID_FILL = 0.02
_MAX_ATTEMPTS = 5
# Fragments of a child below this share of the parent area are merged into a neighbour.
_FRAGMENT_SHARE = 1e-6


def subdivide(
    polygon: BaseGeometry,
    n: int,
    rng: np.random.Generator,
    *,
    weights: Weights | None = None,
    fragment_share: float = _FRAGMENT_SHARE,
) -> list[BaseGeometry]:
    """Split a (Multi)Polygon into exactly ``n`` similar-area (Multi)Polygons that tile it."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if n == 1:
        return [polygon]
    parent = _clean_parent(polygon)
    if not shapely.is_prepared(parent):
        # Preparing only caches a spatial index; the geometry value is unchanged.
        shapely.prepare(parent)
    frame = _LocalFrame(parent)
    for _ in range(_MAX_ATTEMPTS):
        parts = _try_split(parent, n, rng, frame, weights)
        if parts is not None:
            return _merge_fragments(parts, fragment_share * parent.area)
    raise RuntimeError(f"could not split polygon into {n} non-empty parts")


def representative_points(polygon: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """Return an array of ``n`` shapely Points drawn uniformly from the polygon's interior."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    parent = _clean_parent(polygon)
    if not shapely.is_prepared(parent):
        shapely.prepare(parent)
    return shapely.points(_sample_xy(parent, n, rng))


def assert_tiles(parent: BaseGeometry, parts: Sequence[BaseGeometry], tol: float = 1e-9) -> None:
    """Raise AssertionError unless ``parts`` are valid polygons exactly tiling ``parent``."""
    assert len(parts) > 0, "no parts given"
    arr = np.asarray(list(parts), dtype=object)
    for i, g in enumerate(arr):
        assert isinstance(g, BaseGeometry), f"part {i} is not a shapely geometry: {type(g)!r}"
        assert shapely.get_type_id(g) in (_POLYGON, _MULTIPOLYGON), (
            f"part {i} is a {g.geom_type}, expected Polygon or MultiPolygon"
        )
        assert not g.is_empty, f"part {i} is empty"
        assert g.is_valid, f"part {i} is invalid: {shapely.is_valid_reason(g)}"
        assert g.area > 0, f"part {i} has zero area"
    parent_area = parent.area
    assert parent_area > 0, "parent has zero area"
    limit = tol * parent_area
    union = shapely.union_all(arr)
    # Sum of areas minus union area is the total double-covered area, so it bounds every overlap.
    overlap = float(shapely.area(arr).sum()) - union.area
    if overlap > limit:
        i, j, worst = _worst_overlap(arr)
        raise AssertionError(
            f"parts overlap: total overlap {overlap:.3e} > {limit:.3e} "
            f"(tol {tol:g} x parent area); worst pair ({i}, {j}) overlaps {worst:.3e}"
        )
    gap = shapely.difference(parent, union).area
    excess = shapely.difference(union, parent).area
    assert gap + excess <= limit, (
        f"parts do not tile parent: uncovered area {gap:.3e}, area outside parent {excess:.3e}, "
        f"limit {limit:.3e} (tol {tol:g} x parent area {parent_area:.3e})"
    )


class _LocalFrame:
    """Affine lon/lat <-> locally equal-area frame, so Voronoi cells are not stretched E-W."""

    def __init__(self, geom: BaseGeometry) -> None:
        xmin, ymin, xmax, ymax = geom.bounds
        self.x0 = (xmin + xmax) / 2.0
        self.y0 = (ymin + ymax) / 2.0
        looks_geographic = -180.0 <= xmin and xmax <= 360.0 and -90.0 <= ymin and ymax <= 90.0
        # Projected inputs (metres) are already equal-area enough: leave them unscaled.
        self.kx = max(math.cos(math.radians(self.y0)), 1e-6) if looks_geographic else 1.0

    def forward(self, xy: np.ndarray) -> np.ndarray:
        """Map (m, 2) lon/lat to the local frame (centred, to keep Voronoi numerics well scaled)."""
        return np.column_stack(((xy[:, 0] - self.x0) * self.kx, xy[:, 1] - self.y0))

    def inverse(self, xy: np.ndarray) -> np.ndarray:
        """Map (m, 2) local coordinates back to lon/lat."""
        return np.column_stack((xy[:, 0] / self.kx + self.x0, xy[:, 1] + self.y0))


def _clean_parent(polygon: BaseGeometry) -> BaseGeometry:
    """Validate the input and repair it with make_valid if needed."""
    if not isinstance(polygon, BaseGeometry):
        raise TypeError(f"expected a shapely geometry, got {type(polygon)!r}")
    if shapely.get_type_id(polygon) not in (_POLYGON, _MULTIPOLYGON):
        raise TypeError(f"expected Polygon or MultiPolygon, got {polygon.geom_type}")
    if not polygon.is_valid:
        polygon = _polygonal(shapely.make_valid(polygon))
    if polygon.is_empty or polygon.area <= 0:
        raise ValueError("polygon is empty or has zero area")
    return polygon


def _sample_xy(parent: BaseGeometry, m: int, rng: np.random.Generator) -> np.ndarray:
    """Rejection-sample (m, 2) lon/lat points strictly inside a prepared parent."""
    xmin, ymin, xmax, ymax = parent.bounds
    # Acceptance rate of bbox sampling; sizing batches by it makes one round usually suffice.
    fill = max(parent.area / ((xmax - xmin) * (ymax - ymin)), 1e-4)
    chunks: list[np.ndarray] = []
    got = 0
    for _ in range(_MAX_SAMPLING_ROUNDS):
        if got >= m:
            break
        batch = int((m - got) / fill * 1.2) + 16
        x = rng.uniform(xmin, xmax, batch)
        y = rng.uniform(ymin, ymax, batch)
        # contains (not covers) excludes boundary points, so every sample is strictly interior.
        inside = shapely.contains_xy(parent, x, y)
        chunks.append(np.column_stack((x[inside], y[inside])))
        got += int(inside.sum())
    if got < m:
        raise RuntimeError("rejection sampling failed; polygon is too thin for its bounding box")
    return np.concatenate(chunks)[:m] if chunks else np.empty((0, 2))


def _stratified_xy(
    parent: BaseGeometry, m: int, rng: np.random.Generator, frame: _LocalFrame
) -> np.ndarray:
    """Sample about m lon/lat points inside the parent on a jittered grid (square in local frame)."""
    xmin, ymin, xmax, ymax = parent.bounds
    fill = parent.area / ((xmax - xmin) * (ymax - ymin))
    if fill < _MIN_GRID_FILL:
        # A sparse bbox (e.g. far-apart islands) would need a huge grid; plain sampling is fine.
        return _sample_xy(parent, m, rng)
    # One jittered point per grid cell: area estimates from point counts then carry far less
    # noise than i.i.d. sampling, which is what keeps the k-means parts' areas balanced.
    step_y = math.sqrt(parent.area * frame.kx / m)
    step_x = step_y / frame.kx
    nx = max(int(math.ceil((xmax - xmin) / step_x)), 1)
    ny = max(int(math.ceil((ymax - ymin) / step_y)), 1)
    gx, gy = np.meshgrid(np.arange(nx, dtype=float), np.arange(ny, dtype=float))
    x = xmin + (gx.ravel() + rng.random(nx * ny)) * step_x
    y = ymin + (gy.ravel() + rng.random(nx * ny)) * step_y
    inside = shapely.contains_xy(parent, x, y)
    xy = np.column_stack((x[inside], y[inside]))
    if len(xy) < m // 2:
        # Thin or fragmented parents can fall between grid points; top up at random.
        xy = np.concatenate((xy, _sample_xy(parent, m - len(xy), rng)))
    return xy


def _sample_weights(xy: np.ndarray, weights: Weights | None) -> np.ndarray:
    """Evaluate the density callable on samples (uniform weights when none is given)."""
    if weights is None:
        return np.ones(len(xy))
    w = np.asarray(weights(xy[:, 0], xy[:, 1]), dtype=float)
    if w.shape != (len(xy),) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("weights must return one finite, non-negative value per point")
    if w.sum() <= 0:
        raise ValueError("weights are zero everywhere inside the polygon")
    return w


def _dist(z: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Return the (m, k) distance matrix between complex-encoded points and centers."""
    # Complex encoding turns the pairwise distance into two numpy ops, which is several times
    # faster than separate dx/dy temporaries at the (samples x parts) sizes used here.
    return np.abs(z[:, None] - centers[None, :])


def _kmeans_seeds(pts: np.ndarray, w: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Return indices of k distinct sample points near weighted k-means centroids."""
    m = len(pts)
    z = pts[:, 0] + 1j * pts[:, 1]
    # k-means++ initialisation: spreads the seeds, so few Lloyd iterations are needed.
    # Inverse-CDF draws via searchsorted are cheaper than Generator.choice(p=...).
    centers = np.empty(k, dtype=complex)
    centers[0] = z[_draw(w, rng)]
    d2 = np.abs(z - centers[0]) ** 2
    for c in range(1, k):
        centers[c] = z[_draw(w * d2, rng)]
        d2 = np.minimum(d2, np.abs(z - centers[c]) ** 2)

    wz = w * z
    labels = np.full(m, -1)
    for _ in range(_LLOYD_ITERATIONS):
        new_labels = _dist(z, centers).argmin(axis=1)
        if np.array_equal(new_labels, labels):
            break  # assignment is stable, so centroids would not move any more
        labels = new_labels
        sw = np.bincount(labels, weights=w, minlength=k)
        ok = sw > 0
        sums = np.bincount(labels, weights=wz.real, minlength=k) + 1j * np.bincount(
            labels, weights=wz.imag, minlength=k
        )
        centers[ok] = sums[ok] / sw[ok]
        # Re-seed clusters that lost all (weighted) points at the worst-served sample point.
        for c in np.flatnonzero(~ok):
            far = w * _dist(z, centers[ok]).min(axis=1)
            centers[c] = z[int(far.argmax())]
            ok[c] = True

    # Snap every centroid to its nearest member sample: such seeds lie strictly inside the
    # parent, so each seed's Voronoi cell is guaranteed to intersect it with positive area.
    d = _dist(z, centers)
    labels = d.argmin(axis=1)
    masked = np.where(labels[:, None] == np.arange(k)[None, :], d, np.inf)
    seeds = masked.argmin(axis=0)
    empty = ~np.isfinite(masked[seeds, np.arange(k)])
    if empty.any():
        unused = np.setdiff1d(np.arange(m), seeds[~empty])
        seeds[empty] = rng.choice(unused, size=int(empty.sum()), replace=False)
    return seeds


def _draw(p: np.ndarray, rng: np.random.Generator) -> int:
    """Draw one index with probability proportional to ``p`` (uniform if ``p`` sums to 0)."""
    cdf = np.cumsum(p)
    total = cdf[-1]
    if not total > 0:
        return int(rng.integers(len(p)))
    return min(int(np.searchsorted(cdf, rng.random() * total, side="right")), len(p) - 1)


def _voronoi_cells(seeds: np.ndarray, extent: BaseGeometry) -> np.ndarray:
    """Return Voronoi cells (local frame) ordered like ``seeds`` and covering ``extent``."""
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=extent, ordered=True)
    cells = shapely.get_parts(cells)
    inside = shapely.contains_xy(cells, seeds[:, 0], seeds[:, 1])
    if len(cells) != len(seeds) or not inside.all():
        # Defensive re-ordering should `ordered` ever be ignored: match cells to seeds.
        hit = shapely.contains_xy(cells[None, :], seeds[:, 0, None], seeds[:, 1, None])
        if len(cells) != len(seeds) or not (hit.sum(axis=1) == 1).all():
            raise RuntimeError("Voronoi cells do not match seeds one-to-one")
        cells = cells[hit.argmax(axis=1)]
    return cells


def _try_split(
    parent: BaseGeometry,
    n: int,
    rng: np.random.Generator,
    frame: _LocalFrame,
    weights: Weights | None,
) -> list[BaseGeometry] | None:
    """One sample -> k-means -> Voronoi -> clip attempt; None if a part came out empty."""
    m = min(max(_SAMPLES_PER_PART * n, _MIN_SAMPLES), max(_MAX_SAMPLES, 2 * n))
    xy = _stratified_xy(parent, m, rng, frame)
    w = _sample_weights(xy, weights)
    local = frame.forward(xy)
    seeds = local[_kmeans_seeds(local, w, n, rng)]
    if len(np.unique(seeds, axis=0)) != n:
        return None

    # Extent well beyond the parent so the clipped cells cover all of it.
    (xmin, ymin), (xmax, ymax) = frame.forward(np.reshape(parent.bounds, (2, 2)))
    pad = max(xmax - xmin, ymax - ymin)
    extent = shapely.box(xmin - pad, ymin - pad, xmax + pad, ymax + pad)
    cells = _voronoi_cells(seeds, extent)
    # Cells share vertices exactly and the affine inverse maps equal inputs to equal outputs,
    # so the back-projected cells still tile the plane without gaps or overlaps.
    cells = shapely.transform(cells, frame.inverse)
    parts = [_polygonal(g) for g in shapely.intersection(cells, parent)]
    if any(g.is_empty or g.area <= 0 for g in parts):
        return None
    return parts


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygonal pieces of an overlay result (drop lines/points, repair if needed)."""
    tid = shapely.get_type_id(geom)
    if tid in (_POLYGON, _MULTIPOLYGON) and geom.is_valid:
        return geom
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polys = [p for p in _flatten(geom) if not p.is_empty and p.area > 0]
    if not polys:
        return shapely.Polygon()
    out = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    if not out.is_valid:
        # Pieces of a collection may touch along edges; a union dissolves those.
        out = shapely.union_all(polys)
    return out


def _flatten(geom: BaseGeometry) -> list[BaseGeometry]:
    """Return the Polygon members of a (nested) geometry."""
    tid = shapely.get_type_id(geom)
    if tid == _POLYGON:
        return [geom]
    if tid == _MULTIPOLYGON or isinstance(geom, shapely.GeometryCollection):
        return [p for g in shapely.get_parts(geom) for p in _flatten(g)]
    return []


def _from_pieces(pieces: list[BaseGeometry]) -> BaseGeometry:
    """Rebuild a geometry from disjoint polygon pieces of one valid (Multi)Polygon."""
    return pieces[0] if len(pieces) == 1 else shapely.MultiPolygon(pieces)


def _merge_fragments(parts: list[BaseGeometry], min_area: float) -> list[BaseGeometry]:
    """Move tiny secondary pieces of each child into the neighbour sharing most boundary."""
    parts = list(parts)
    for _ in range(3):
        moved = False
        tree = shapely.STRtree(parts)
        for i in range(len(parts)):
            g = parts[i]
            if shapely.get_type_id(g) != _MULTIPOLYGON:
                continue
            pieces = list(shapely.get_parts(g))
            areas = shapely.area(pieces)
            main = int(areas.argmax())
            keep = [pieces[main]]
            for k, (piece, area) in enumerate(zip(pieces, areas, strict=True)):
                if k == main:
                    continue
                j = _best_neighbour(piece, i, parts, tree) if area < min_area else None
                if j is None:
                    keep.append(piece)
                    continue
                # Moving a whole piece between children keeps the tiling exact.
                parts[j] = _polygonal(shapely.union(parts[j], piece))
                moved = True
            parts[i] = _from_pieces(keep)
        if not moved:
            break
    return parts


def _best_neighbour(
    piece: BaseGeometry, own: int, parts: list[BaseGeometry], tree: shapely.STRtree
) -> int | None:
    """Return the index of the child sharing the longest boundary with ``piece`` (None if none)."""
    best, best_len = None, 0.0
    ring = piece.boundary
    for j in tree.query(piece):
        j = int(j)
        if j == own:
            continue
        # piece and parts[j] have disjoint interiors, so ring-within-parts[j] is their shared border.
        shared = shapely.intersection(ring, parts[j]).length
        if shared > best_len:
            best, best_len = j, shared
    return best


def _worst_overlap(parts: np.ndarray) -> tuple[int, int, float]:
    """Return (i, j, area) of the most-overlapping pair of parts."""
    tree = shapely.STRtree(parts)
    left, right = tree.query(parts, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    if len(left) == 0:
        return -1, -1, 0.0
    areas = shapely.area(shapely.intersection(parts[left], parts[right]))
    k = int(areas.argmax())
    return int(left[k]), int(right[k]), float(areas[k])

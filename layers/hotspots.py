"""Dispute hot and cold spots (Getis-Ord Gi*) and emerging grids.

Gi*
    Over the dispute count of every grid in the city under the map's filters (period, types,
    sources, statuses, risks), whatever area is viewed: the statistic needs the whole surface,
    and only the output is cut to the viewed area. ``esda.G_Local(star=True)``.
    Weights: queen contiguity of the grids (borders touching within ~1 mm, computed in PostGIS),
    **binary**, with each grid its own neighbour (weight 1) — the classical Gi*. Binary, not
    row-standardised, because esda's analytical moments assume Σw = Σw² (true only for binary
    weights); with equal weights in a row the z-score would be the same anyway. The weights
    are built once per database and areas' data version and kept in process (``geodata.cache``).
    p-values: **analytical** (standard normal on the Gi* z-score, two-sided), not permutations:
    deterministic (the same map for the same data, which matters when two people compare
    screens), fast enough for every filter change over 6,158 grids, and the z-score itself is
    what Gi* is read by. No multiple-testing correction (as ArcGIS's default): the classes are
    screening aids, not proofs.
    Classes: hot/cold at 99 % (p < 0.01), 95 % (p < 0.05), 90 % (p < 0.10) by the sign of z;
    otherwise not significant. A grid without neighbours (an island) is never classed: its
    "cluster" would be itself alone, so it gets z = 0, p = 1, not significant.
Emerging (新兴)
    Per grid, disputes under the same type/source/status/risk filters in the 16 seven-day weeks
    ending at the period's end (now for open periods); the period itself does not apply.
    recent = the last 4 weeks, baseline = the 12 weeks before them. Under a steady rate the
    recent count is Poisson with mean λ = 4 × (baseline + 0.5) / 12 (the 0.5 keeps a silent
    baseline from making a single case significant). A grid is **emerging** when
    recent ≥ 3 and P(X ≥ recent | λ) < 0.05 (one-sided Poisson test).
Output
    Only grids that are significant or emerging, inside the viewed area; RdBu colours.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import esda
import numpy as np
from libpysal.weights import W
from pydantic import BaseModel, Field
from scipy import stats
from sqlalchemy import Connection

from geodata import cache
from geodata.read import analysis
from geodata.read.versions import data_version
from layers.filters import LOCAL_TZ, MapFilters

# ColorBrewer RdBu (7 classes): reds hot, blues cold, the middle grey-white not significant.
CLASS_COLORS = {
    "hot_99": "#b2182b",
    "hot_95": "#ef8a62",
    "hot_90": "#fddbc7",
    "ns": "#f7f7f7",
    "cold_90": "#d1e5f0",
    "cold_95": "#67a9cf",
    "cold_99": "#2166ac",
}
CLASSES = tuple(CLASS_COLORS)
# Outline of emerging grids (ColorBrewer PuOr's darkest purple: apart from RdBu's reds and blues).
EMERGING_COLOR = "#542788"
# Two-sided p-value cuts, strictest first.
LEVELS = ((0.01, "99"), (0.05, "95"), (0.10, "90"))

RECENT_WEEKS = 4
BASELINE_WEEKS = 12
EMERGING_ALPHA = 0.05
EMERGING_MIN_RECENT = 3
BASELINE_PRIOR = 0.5


@dataclass
class Contiguity:
    """Queen weights of all grids, in a fixed code order, ready for Gi*."""

    codes: tuple[str, ...]
    index: dict[str, int]
    w: W
    islands: np.ndarray
    lock: threading.Lock = field(default_factory=threading.Lock)


def build_contiguity(neighbours: dict[str, list[str]]) -> Contiguity:
    """Binary weights with each unit its own neighbour (Gi*) from ``code → neighbour codes``."""
    codes = tuple(sorted(neighbours))
    nbrs = {c: [c, *sorted(set(neighbours[c]) - {c})] for c in codes}
    weights = {c: [1.0] * len(v) for c, v in nbrs.items()}
    w = W(nbrs, weights, id_order=list(codes), silence_warnings=True)
    w.transform = "B"
    islands = np.array([len(nbrs[c]) == 1 for c in codes], dtype=bool)
    return Contiguity(codes, {c: i for i, c in enumerate(codes)}, w, islands)


def gi_star(values: np.ndarray, contiguity: Contiguity) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-scores and two-sided analytical p-values, aligned with ``contiguity.codes``."""
    y = np.asarray(values, dtype=float)
    n = len(contiguity.codes)
    if y.shape != (n,):
        raise ValueError(f"{y.shape[0]} values for {n} grids")
    z = np.zeros(n)
    p = np.ones(n)
    if n < 3 or np.ptp(y) == 0:  # a flat surface has no clusters (and zero variance)
        return z, p
    with contiguity.lock, warnings.catch_warnings():  # G_Local resets the shared W's cache
        warnings.simplefilter("ignore", RuntimeWarning)
        g = esda.G_Local(y, contiguity.w, transform="B", permutations=0, star=True)
        z = np.nan_to_num(np.asarray(g.Zs, dtype=float))
    z[contiguity.islands] = 0.0
    p = 2 * stats.norm.sf(np.abs(z))
    return z, p


def classify(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Class per unit: hot_99/95/90, cold_99/95/90 by z's sign and p, else ``ns``."""
    out = np.full(len(z), "ns", dtype=object)
    for cut, label in reversed(LEVELS):  # loosest first, stricter cuts overwrite
        sig = p < cut
        out[sig & (z > 0)] = f"hot_{label}"
        out[sig & (z < 0)] = f"cold_{label}"
    return out


def emerging(
    weekly: np.ndarray,
    recent_weeks: int = RECENT_WEEKS,
    alpha: float = EMERGING_ALPHA,
    min_recent: int = EMERGING_MIN_RECENT,
) -> tuple[np.ndarray, np.ndarray]:
    """(flag, p) per row of weekly counts (oldest first): the rule in the module docstring."""
    weekly = np.atleast_2d(np.asarray(weekly, dtype=float))
    baseline_weeks = weekly.shape[1] - recent_weeks
    if baseline_weeks < 1:
        raise ValueError("need at least one baseline week")
    recent = weekly[:, -recent_weeks:].sum(axis=1)
    baseline = weekly[:, :-recent_weeks].sum(axis=1)
    lam = recent_weeks * (baseline + BASELINE_PRIOR) / baseline_weeks
    p = stats.poisson.sf(recent - 1, lam)  # P(X >= recent)
    return (recent >= min_recent) & (p < alpha), p


def contiguity_for(conn: Connection, refresh: bool = False) -> Contiguity:
    """The grid weights of this database at the areas' data version (built once per process)."""
    if refresh:
        cache.clear()
    version = data_version(conn, "areas")
    # Grid geometry only (no row-secured table): one copy for every caller.
    return cache.local(
        conn,
        "contiguity",
        version,
        lambda: build_contiguity(analysis.grid_neighbours(conn)),
        scoped=False,
    )


def clear_cache() -> None:
    """Forget every cached value, the contiguity included (benchmarks measure cold starts)."""
    cache.clear()


class Params(BaseModel):
    """Hot spots under the filters, shown for the grids inside ``parent_code``."""

    parent_code: str
    parent_level: Literal["city", "district", "township", "community"]
    filters: MapFilters = Field(default_factory=MapFilters)
    show_emerging: bool = True
    now: datetime | None = None

    def emerging_end(self) -> datetime:
        """End of the emerging weeks: the period's end, or now for open periods."""
        now = self.now or datetime.now(LOCAL_TZ)
        _, end = self.filters.window(now)
        return min(end, now) if end else now


def analyse(counts: dict[str, int], contiguity: Contiguity) -> dict[str, dict[str, Any]]:
    """Gi* per grid: code → count, z, p, class (codes missing from ``counts`` count 0)."""
    y = np.array([counts.get(c, 0) for c in contiguity.codes], dtype=float)
    z, p = gi_star(y, contiguity)
    classes = classify(z, p)
    return {
        code: {"count": int(y[i]), "z": float(z[i]), "p": float(p[i]), "class": str(classes[i])}
        for i, code in enumerate(contiguity.codes)
    }


def fetch(conn: Connection, params: Params) -> dict[str, Any]:
    """Gi* over all grids, emerging flags, and the polygons of the grids to show in the area."""
    now = params.now or datetime.now(LOCAL_TZ)
    flt = params.filters.dispute_filter(now)
    counts = analysis.grid_dispute_counts(conn, flt)
    contiguity = contiguity_for(conn)
    if set(contiguity.codes) != set(counts):  # grids changed without a new data version
        contiguity = contiguity_for(conn, refresh=True)
    result = analyse(counts, contiguity)

    flagged: dict[str, tuple[bool, float]] = {}
    if params.show_emerging:
        weekly = analysis.grid_weekly_dispute_counts(
            conn, params.emerging_end(), RECENT_WEEKS + BASELINE_WEEKS, flt
        )
        if weekly:
            codes = list(weekly)
            flags, ps = emerging(np.array([weekly[c] for c in codes]))
            flagged = {c: (bool(f), float(q)) for c, f, q in zip(codes, flags, ps, strict=True)}

    in_area = analysis.grids_in_area(conn, params.parent_code, params.parent_level)
    grids: dict[str, dict[str, Any]] = {}
    by_class = dict.fromkeys(CLASSES, 0)
    n_emerging = 0
    for code in in_area:
        row = result.get(code)
        if row is None:
            continue
        by_class[row["class"]] += 1
        is_emerging = flagged.get(code, (False, 1.0))[0]
        n_emerging += is_emerging
        if row["class"] != "ns" or is_emerging:
            grids[code] = {**row, "emerging": is_emerging}
    return {
        "grids": grids,
        "geojson": analysis.grids_geojson(conn, sorted(grids)),
        "summary": {"grids": len(in_area), "emerging": n_emerging, **by_class},
    }


def render(data: dict[str, Any], params: Params) -> dict[str, Any]:
    """The FeatureCollection to draw (code, name, class, z, p, emerging, color) and the legend."""
    features = []
    for feature in data["geojson"]["features"]:
        code = feature["properties"]["code"]
        g = data["grids"].get(code)
        if g is None:
            continue
        props = {
            "code": code,
            "name": feature["properties"].get("name", code),
            "class": g["class"],
            "z": round(g["z"], 3),
            "p": round(g["p"], 4),
            "count": g["count"],
            "emerging": bool(g["emerging"]),
            "color": CLASS_COLORS[g["class"]],
        }
        features.append({**feature, "properties": props})
    return {
        "geojson": {"type": "FeatureCollection", "features": features},
        "legend": legend_rows(params.show_emerging),
        "summary": data["summary"],
    }


def legend_rows(show_emerging: bool = True) -> list[tuple[str, str]]:
    """(colour, message key) per class, hottest first; the emerging outline last."""
    rows = [(color, f"hotspot.{cls}") for cls, color in CLASS_COLORS.items()]
    if show_emerging:
        rows.append((EMERGING_COLOR, "hotspot.emerging"))
    return rows


SPEC = {
    "id": "hotspots",
    "label_key": "layer.hotspots",
    "params": Params,
    "fetch": fetch,
    "render": render,
}

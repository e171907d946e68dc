"""Heat tiles: disputes or patrol visits per pixel, smoothed and coloured into 256×256 PNGs.

Every tile of one zoom and filter is scaled by the same reference density (a high percentile
over the whole data set, from ``geodata.read.tiles.heat_reference``), never by its own maximum, so
neighbouring tiles join without seams.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import datetime, time
from functools import cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from PIL import Image
from pydantic import BaseModel, Field, model_validator
from scipy import ndimage
from sqlalchemy import Connection

from geodata.read import areas as queries
from geodata.read import tiles as geotiles
from geodata.read.versions import data_version
from layers.filters import LOCAL_TZ, MapFilters

TILE_SIZE = geotiles.TILE_SIZE
# Gaussian kernel sigma in screen pixels (the same at every zoom, like a heat-map brush), cut at
# 3 sigma (99.7 % of its weight); the tile is binned with that many extra pixels on each side.
SIGMA_PX = 6.0
TRUNCATE = 3.0
BUFFER_PX = int(TRUNCATE * SIGMA_PX + 0.5)
# Peak of one isolated point after smoothing. The reference never goes below twice that, so a
# lone point shows as a faint-to-mid blob rather than the top colour.
SINGLE_POINT_PEAK = 1.0 / (2.0 * np.pi * SIGMA_PX**2)
MIN_REFERENCE = 2.0 * SINGLE_POINT_PEAK

# Transparent → yellow → red (ColorBrewer YlOrRd hues); alpha rises with the value.
# (value in 0..1, colour, alpha in 0..1)
STOPS: tuple[tuple[float, str, float], ...] = (
    (0.0, "#ffffb2", 0.0),
    (0.2, "#fed976", 0.55),
    (0.45, "#feb24c", 0.7),
    (0.7, "#f03b20", 0.8),
    (1.0, "#bd0026", 0.9),
)


class Params(BaseModel, frozen=True):
    """One heat tile: what (``kind``), where (z/x/y), under which filters, in which frame."""

    kind: Literal["disputes", "patrols"]
    z: int = Field(ge=0, le=geotiles.MAX_ZOOM)
    x: int = Field(ge=0)
    y: int = Field(ge=0)
    filters: MapFilters = Field(default_factory=MapFilters)
    # gcj02: the tile grid is the GCJ-02 frame of an AMap/Tencent basemap.
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    now: datetime | None = None

    @model_validator(mode="after")
    def _in_pyramid(self) -> Params:
        if not geotiles.tile_exists(self.z, self.x, self.y):
            raise ValueError(f"no tile {self.z}/{self.x}/{self.y}")
        return self

    def window(self) -> tuple[datetime | None, datetime | None]:
        """The period resolved to whole local days (see ``day_window``)."""
        return day_window(self.filters, self.now)

    def dispute_filter(self) -> queries.DisputeFilter:
        """The SQL filter with the day-resolved window (patrols use only its period)."""
        return tile_dispute_filter(self.filters, self.now)

    def cache_key(self, version: int) -> tuple[Any, ...]:
        """What the tile's pixels depend on; patrols ignore the dispute-only filters."""
        start, end = self.window()
        filter_key = self.filters.key() if self.kind == "disputes" else ""
        return (
            "heat",
            self.kind,
            filter_key,
            start.isoformat() if start else "",
            end.isoformat() if end else "",
            self.crs,
            version,
            self.z,
            self.x,
            self.y,
        )


def day_window(
    filters: MapFilters, now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """The filter's [start, end) with both ends floored to local midnight.

    Relative periods ("30d") would otherwise move every second and no tile could be cached:
    resolved to dates, a tile stays the same for the whole day.
    """
    start, end = filters.window(now)
    return _midnight(start), _midnight(end)


def tile_dispute_filter(filters: MapFilters, now: datetime | None = None) -> queries.DisputeFilter:
    """``filters.dispute_filter`` with the day-resolved window, for every cached tile."""
    start, end = day_window(filters, now)
    return replace(filters.dispute_filter(now), start=start, end=end)


def _midnight(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return datetime.combine(moment.astimezone(LOCAL_TZ).date(), time(), LOCAL_TZ)


@dataclass(frozen=True)
class HeatData:
    """Counts per pixel of the buffered tile and the density at the top of the colour ramp."""

    counts: npt.NDArray[np.int32]
    reference: float


def fetch(conn: Connection, params: Params) -> HeatData:
    """Binned counts (tile + buffer) and the per-zoom/per-filter reference."""
    flt = params.dispute_filter()
    # Read once: the patrol snapshot and the reference share it.
    version = data_version(conn, "patrols") if params.kind == "patrols" else None
    counts = geotiles.heat_counts(
        conn,
        params.kind,
        params.z,
        params.x,
        params.y,
        flt,
        buffer=BUFFER_PX,
        frame=params.crs,
        version=version,
    )
    if not counts.any():
        return HeatData(counts=counts, reference=0.0)
    reference = geotiles.heat_reference(conn, params.kind, params.z, flt, version)
    return HeatData(counts=counts, reference=reference)


@cache
def color_table() -> npt.NDArray[np.uint8]:
    """256 RGBA entries interpolated between ``STOPS``; entry 0 is fully transparent."""
    at = np.array([s[0] for s in STOPS])
    rgb = np.array([[int(s[1][i : i + 2], 16) for i in (1, 3, 5)] for s in STOPS], dtype=float)
    alpha = np.array([s[2] * 255 for s in STOPS])
    v = np.linspace(0.0, 1.0, 256)
    table = np.empty((256, 4), dtype=np.uint8)
    for channel in range(3):
        table[:, channel] = np.round(np.interp(v, at, rgb[:, channel]))
    table[:, 3] = np.round(np.interp(v, at, alpha))
    table[0] = 0
    return table


@cache
def empty_png() -> bytes:
    """A fully transparent 256×256 tile (well under 1 KB, built once)."""
    return _png(np.zeros((TILE_SIZE, TILE_SIZE), dtype=np.uint8))


def _png(index: npt.NDArray[np.uint8]) -> bytes:
    # A palette PNG whose tRNS chunk gives every entry its alpha: decoders expand it to RGBA.
    # One byte per pixel instead of four makes encoding ~15× faster and the file ~half the size.
    # Only the entries in use are written (a near-empty tile stays a few hundred bytes).
    image = Image.frombytes("P", (index.shape[1], index.shape[0]), index.tobytes())
    table = color_table()[: int(index.max()) + 1]
    image.putpalette(table[:, :3].tobytes())
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1, transparency=table[:, 3].tobytes())
    return out.getvalue()


def smooth(counts: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Gaussian-smoothed density (kernel sums to 1) cropped to the 256×256 tile."""
    density = ndimage.gaussian_filter(
        counts.astype(np.float32), sigma=SIGMA_PX, mode="constant", truncate=TRUNCATE
    )
    pad = (counts.shape[0] - TILE_SIZE) // 2
    return density[pad : pad + TILE_SIZE, pad : pad + TILE_SIZE]


def color_index(value: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """Palette entries (0..255) for values in 0..1 (clipped); entry 0 is transparent."""
    scaled = np.asarray(value, dtype=np.float32) * 255.0 + 0.5
    return np.clip(scaled, 0, 255).astype(np.uint8)


def colorize(value: npt.NDArray[Any]) -> npt.NDArray[np.uint8]:
    """RGBA pixels for values in 0..1, as a decoder shows the tile."""
    return color_table()[color_index(value)]


def render(data: HeatData, params: Params) -> bytes:
    """PNG bytes of the tile (pure: the same data and params give the same bytes)."""
    if not data.counts.any():
        return empty_png()
    density = smooth(data.counts)
    reference = max(float(data.reference), MIN_REFERENCE)
    index = color_index(density / reference)
    if not index.any():
        return empty_png()
    return _png(index)


def legend(kind: str) -> dict[str, Any]:
    """Colour stops and message keys for the heat legend (the app translates the keys)."""
    if kind not in geotiles.HEAT_KINDS:
        raise ValueError(f"unknown heat kind {kind!r}")
    return {
        "label_key": f"heat.legend.{kind}",
        "low_key": "heat.legend.low",
        "high_key": "heat.legend.high",
        "stops": [{"at": at, "color": color, "alpha": alpha} for at, color, alpha in STOPS],
    }


SPEC = {
    "id": "heat",
    "label_key": "heat.title",
    "params": Params,
    "fetch": fetch,
    "render": render,
}

"""Report pictures drawn here, from the report's own tables (no web tiles): the area map with its
legend, the monthly trend and the type and source bars, as PNG bytes with Chinese labels."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import geopandas as gpd
import matplotlib
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.patches import Patch

# ColorBrewer YlOrRd, 5 classes: few cases light, many dark.
CLASS_COLOURS = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "WenQuanYi Zen Hei")


@cache
def cjk_font() -> str | None:
    """A font family with Chinese glyphs (fonts-noto-cjk), or None."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in CJK_FONTS if n in names), None)


@contextmanager
def _figure(width: float, height: float) -> Iterator[tuple[Figure, object, io.BytesIO]]:
    """A figure (no pyplot: no global state, no display) drawn in the CJK font; the PNG bytes
    land in the yielded buffer when the block ends."""
    font = cjk_font()
    style = {"axes.unicode_minus": False, **({"font.family": [font]} if font else {})}
    out = io.BytesIO()
    with matplotlib.rc_context(style):
        fig = Figure(figsize=(width, height))
        ax = fig.subplots()
        yield fig, ax, out
        fig.savefig(out, format="png", dpi=150, bbox_inches="tight")


def breaks(values: list[float], k: int = 5) -> list[float]:
    """Upper bounds of up to ``k`` quantile classes over the positive values."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    cuts = sorted({positive[min(len(positive) - 1, round(len(positive) * (i + 1) / k) - 1)]
                   for i in range(k)})  # fmt: skip
    return cuts


def area_map(children: gpd.GeoDataFrame, title: str, legend_title: str) -> bytes:
    """The area's children coloured by case count (quantile classes) with a legend."""
    cuts = breaks(children["cases"].astype(float).tolist()) if not children.empty else []
    colours = list(CLASS_COLOURS[len(CLASS_COLOURS) - len(cuts) :])

    def colour(v: float) -> str:
        if v <= 0 or not cuts:
            return "#f0f0f0"
        return next((c for cut, c in zip(cuts, colours, strict=True) if v <= cut), colours[-1])

    with _figure(6.5, 5) as (_fig, ax, out):
        ax.set_axis_off()
        ax.set_title(title)
        if not children.empty:
            gdf = children.to_crs(4546)  # CGCS2000 / 3-degree GK CM 111E: Hohhot in metres
            gdf.plot(ax=ax, color=[colour(float(v)) for v in gdf["cases"]], edgecolor="#666",
                     linewidth=0.4)  # fmt: skip
            handles = [Patch(color="#f0f0f0", label="0")]
            lower = 0.0
            for cut, c in zip(cuts, colours, strict=True):
                handles.append(Patch(color=c, label=f"{lower:.0f}–{cut:.0f}"))
                lower = cut
            ax.legend(handles=handles, title=legend_title, loc="lower right", fontsize=8)
    return out.getvalue()


def trend(months: list[str], counts: list[int], title: str) -> bytes:
    with _figure(7, 2.8) as (_fig, ax, out):
        ax.plot(months, counts, marker="o", color="#1f4e9c")
        ax.set_title(title)
        ax.tick_params(axis="x", labelrotation=45, labelsize=7)
        ax.grid(alpha=0.3)
    return out.getvalue()


def bars(labels: list[str], counts: list[int], title: str) -> bytes:
    with _figure(7, 0.35 * max(len(labels), 3) + 0.8) as (_fig, ax, out):
        ax.barh(labels[::-1], counts[::-1], color="#2e86c1")
        ax.set_title(title)
        for y, v in enumerate(counts[::-1]):
            ax.text(v, y, f" {v}", va="center", fontsize=8)
    return out.getvalue()

"""Gi* classes sit on exactly the documented p cuts: hot/cold at p < 0.01 / 0.05 / 0.10.

Hand-made p values just below, at and just above each cut (either sign of z), then the same
rule checked on every grid of a real Gi* run.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from layers import hotspots

EPS = 1e-6


def _expected(z: float, p: float) -> str:
    """The documented rule, written out: strictest cut first, strict inequality."""
    if z == 0 or p >= 0.10:
        return "ns"
    side = "hot" if z > 0 else "cold"
    if p < 0.01:
        return f"{side}_99"
    if p < 0.05:
        return f"{side}_95"
    return f"{side}_90"


HAND_MADE = [
    # (p, class for z > 0)
    (0.0001, "hot_99"),
    (0.01 - EPS, "hot_99"),
    (0.01, "hot_95"),
    (0.01 + EPS, "hot_95"),
    (0.05 - EPS, "hot_95"),
    (0.05, "hot_90"),
    (0.05 + EPS, "hot_90"),
    (0.10 - EPS, "hot_90"),
    (0.10, "ns"),
    (0.10 + EPS, "ns"),
    (0.12, "ns"),
    (0.1499, "ns"),
    (0.5, "ns"),
    (1.0, "ns"),
]


@pytest.mark.parametrize("sign", [1, -1], ids=["hot", "cold"])
def test_beh_hot_classes_at_the_exact_cuts(sign: int) -> None:
    p = np.array([q for q, _ in HAND_MADE])
    z = sign * stats.norm.isf(p / 2)  # the z-score that gives this two-sided p
    z[p == 1.0] = sign * 1e-9  # z = 0 is "no sign"; keep the sign for p = 1
    expected = [c if sign > 0 else c.replace("hot", "cold") for _, c in HAND_MADE]
    assert list(hotspots.classify(z, p)) == expected


def test_beh_hot_zero_z_is_never_classed() -> None:
    p = np.array([0.001, 0.03, 0.08])
    assert list(hotspots.classify(np.zeros(3), p)) == ["ns", "ns", "ns"]


def _lattice(rows: int, cols: int) -> dict[str, list[str]]:
    return {
        f"{r}-{c}": [
            f"{r + dr}-{c + dc}"
            for dr in (-1, 0, 1)
            for dc in (-1, 0, 1)
            if (dr or dc) and 0 <= r + dr < rows and 0 <= c + dc < cols
        ]
        for r in range(rows)
        for c in range(cols)
    }


def test_beh_hot_analyse_applies_the_cuts_to_every_grid() -> None:
    contiguity = hotspots.build_contiguity(_lattice(30, 30))
    rng = np.random.default_rng(11)
    seen_bands = set()
    for _ in range(4):
        y = rng.poisson(3, (30, 30))
        y[5:9, 5:9] += rng.poisson(4, (4, 4))  # a mild hot patch: values near every cut
        y[20:24, 18:22] = 0  # and a cold one
        counts = {f"{r}-{c}": int(y[r, c]) for r in range(30) for c in range(30)}
        result = hotspots.analyse(counts, contiguity)
        for code, row in result.items():
            # Two-sided analytical p of the z-score, then the cuts.
            assert row["p"] == pytest.approx(2 * stats.norm.sf(abs(row["z"])), abs=1e-12)
            assert row["class"] == _expected(row["z"], row["p"]), (code, row)
            seen_bands.add(np.digitize(row["p"], [0.01, 0.05, 0.10, 0.15]))
    # p values fell in every band, including 0.10–0.15 (not significant at 90 %).
    assert seen_bands >= {0, 1, 2, 3, 4}

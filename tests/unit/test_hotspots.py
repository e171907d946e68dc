"""Gi* classes on synthetic lattices, the emerging rule, and the patrol coverage rule."""

from __future__ import annotations

import numpy as np
import pytest

from domain.i18n import MESSAGES
from layers import hotspots, patrol_coverage


def lattice(rows: int, cols: int) -> dict[str, list[str]]:
    """Queen neighbours of a rows × cols lattice of cells named "r-c"."""
    out = {}
    for r in range(rows):
        for c in range(cols):
            out[f"{r}-{c}"] = [
                f"{r + dr}-{c + dc}"
                for dr in (-1, 0, 1)
                for dc in (-1, 0, 1)
                if (dr or dc) and 0 <= r + dr < rows and 0 <= c + dc < cols
            ]
    return out


def field(rows: int, cols: int, values: np.ndarray) -> dict[str, int]:
    return {f"{r}-{c}": int(values[r, c]) for r in range(rows) for c in range(cols)}


def test_hot001_planted_cluster_is_hot_and_centre_is_99() -> None:
    rng = np.random.default_rng(1)
    y = rng.poisson(2, (20, 20))
    y[8:13, 8:13] = rng.poisson(12, (5, 5))
    result = hotspots.analyse(field(20, 20, y), hotspots.build_contiguity(lattice(20, 20)))
    block = [f"{r}-{c}" for r in range(8, 13) for c in range(8, 13)]
    assert result["10-10"]["class"] == "hot_99" and result["10-10"]["z"] > 2.576
    assert sum(result[k]["class"].startswith("hot") for k in block) >= 20
    far = [f"{r}-{c}" for r in range(0, 4) for c in range(0, 4)]
    assert not any(result[k]["class"].startswith("hot") for k in far)


def test_hot002_planted_hole_is_cold() -> None:
    rng = np.random.default_rng(2)
    y = rng.poisson(10, (20, 20))
    y[2:7, 12:17] = 0
    result = hotspots.analyse(field(20, 20, y), hotspots.build_contiguity(lattice(20, 20)))
    assert result["4-14"]["class"] == "cold_99" and result["4-14"]["z"] < -2.576
    cold = {k for k, v in result.items() if v["class"] == "cold_99"}
    block = {f"{r}-{c}" for r in range(2, 7) for c in range(12, 17)}
    assert len(cold & block) >= 20
    # Every strong cold spot touches the hole (its Gi* window overlaps it).
    assert all(
        abs(int(k.split("-")[0]) - 4) <= 3 and abs(int(k.split("-")[1]) - 14) <= 3 for k in cold
    )


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_hot003_random_field_is_mostly_not_significant(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.poisson(3, (30, 30))
    result = hotspots.analyse(field(30, 30, y), hotspots.build_contiguity(lattice(30, 30)))
    significant = sum(v["class"] != "ns" for v in result.values())
    strong = sum(v["class"].endswith("_99") for v in result.values())
    assert significant / 900 < 0.2
    assert strong / 900 < 0.03


def test_hot004_matches_the_textbook_gi_star_formula() -> None:
    """Getis & Ord (1995) Gi* with binary weights including self."""
    nbrs = lattice(6, 7)
    contiguity = hotspots.build_contiguity(nbrs)
    x = np.random.default_rng(6).poisson(4, len(contiguity.codes)).astype(float)
    z, p = hotspots.gi_star(x, contiguity)
    n = len(x)
    mean, s = x.mean(), np.sqrt((x**2).mean() - x.mean() ** 2)
    for i, code in enumerate(contiguity.codes):
        members = [contiguity.index[c] for c in [code, *nbrs[code]]]
        wsum = len(members)
        expected = (x[members].sum() - mean * wsum) / (s * np.sqrt((n * wsum - wsum**2) / (n - 1)))
        assert z[i] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert np.all((p > 0) & (p <= 1))


def test_hot005_islands_and_flat_fields_are_not_significant() -> None:
    nbrs = lattice(5, 5)
    nbrs["island"] = []
    contiguity = hotspots.build_contiguity(nbrs)
    counts = {code: 1 for code in nbrs} | {"island": 500, "2-2": 9}
    result = hotspots.analyse(counts, contiguity)
    assert result["island"] == {"count": 500, "z": 0.0, "p": 1.0, "class": "ns"}
    flat = hotspots.analyse(dict.fromkeys(nbrs, 4), contiguity)
    assert {v["class"] for v in flat.values()} == {"ns"}
    empty = hotspots.analyse({}, contiguity)
    assert {v["class"] for v in empty.values()} == {"ns"}


def test_hot006_classes_follow_the_p_value_cuts_and_sign() -> None:
    z = np.array([3.0, 2.0, 1.7, 1.0, -1.7, -2.0, -3.0, 0.0])
    p = 2 * (1 - __import__("scipy").stats.norm.cdf(np.abs(z)))
    assert list(hotspots.classify(z, p)) == [
        "hot_99",
        "hot_95",
        "hot_90",
        "ns",
        "cold_90",
        "cold_95",
        "cold_99",
        "ns",
    ]


def test_hot007_emerging_rule() -> None:
    weeks = np.array(
        [
            [0] * 12 + [1, 2, 2, 3],  # rising from nothing: emerging
            [1] * 16,  # flat: not emerging
            [0] * 12 + [0, 1, 0, 1],  # a couple of cases: below the minimum count
            [2] * 12 + [2, 3, 2, 3],  # busy but steady: not emerging
            [1] * 12 + [3, 3, 4, 4],  # 14 recent vs λ = 4.17: emerging
            [3] * 12 + [0, 0, 0, 0],  # falling: not emerging
        ]
    )
    flags, p = hotspots.emerging(weeks)
    assert list(flags) == [True, False, False, False, True, False]
    assert p[0] < 0.001 and p[1] > 0.5
    with pytest.raises(ValueError):
        hotspots.emerging(np.ones((2, 4)))


def test_hot008_render_keeps_fetched_grids_with_rdbu_colours() -> None:
    params = hotspots.Params(parent_code="150100", parent_level="city")
    geometry = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    data = {
        "grids": {
            "A": {"count": 9, "z": 3.1234567, "p": 0.0018, "class": "hot_99", "emerging": False},
            "B": {"count": 0, "z": 0.2, "p": 0.84, "class": "ns", "emerging": True},
        },
        "geojson": {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "id": c,
                    "properties": {"code": c, "name": c},
                    "geometry": geometry,
                }
                for c in ("A", "B", "C")
            ],
        },
        "summary": {"grids": 3},
    }
    out = hotspots.render(data, params)
    feats = {f["properties"]["code"]: f["properties"] for f in out["geojson"]["features"]}
    assert set(feats) == {"A", "B"}
    assert feats["A"] == {
        "code": "A",
        "name": "A",
        "class": "hot_99",
        "z": 3.123,
        "p": 0.0018,
        "count": 9,
        "emerging": False,
        "color": "#b2182b",
    }
    assert feats["B"]["emerging"] is True
    colours = dict((key, colour) for colour, key in out["legend"])
    assert colours["hotspot.hot_99"] == "#b2182b" and colours["hotspot.cold_99"] == "#2166ac"
    for _, key in out["legend"]:
        assert MESSAGES[key]["zh"] and MESSAGES[key]["en"]


def test_hot009_under_patrolled_rule() -> None:
    median = 3.0  # threshold: 1.0 visit per building
    assert patrol_coverage.is_under_patrolled(0, 5, median)
    assert patrol_coverage.is_under_patrolled(4, 5, median)  # 0.8 < 1.0
    assert not patrol_coverage.is_under_patrolled(5, 5, median)  # 1.0 is not below
    assert not patrol_coverage.is_under_patrolled(0, 0, median)  # no buildings, nothing to visit
    figures = {
        "g1": {"visits": 30, "buildings": 10, "anomalies": 1},
        "g2": {"visits": 2, "buildings": 10, "anomalies": 0},
        "g3": {"visits": 40, "buildings": 10, "anomalies": 2},
        "g4": {"visits": 0, "buildings": 0, "anomalies": 0},
    }
    assert patrol_coverage.city_median(figures) == 3.0
    children = patrol_coverage.child_figures(figures, {"g1": "c1", "g2": "c1", "g3": "c2"}, 3.0)
    assert children["c1"] == {
        "visits": 32,
        "buildings": 20,
        "anomalies": 1,
        "grids": 2,
        "under_grids": 1,
        "visits_per_building": 1.6,
        "under": False,
    }
    assert children["c2"]["under_grids"] == 0


def test_hot010_coverage_hideout_and_legend() -> None:
    params = patrol_coverage.Params(parent_code="c", parent_level="community", days=7)
    figures = {
        f"g{i}": {"visits": v, "buildings": 4, "anomalies": 0}
        for i, v in enumerate((0, 1, 8, 12, 20, 30))
    }
    data = {"figures": figures, "child_of": {g: g for g in figures}, "median": 2.5}
    hideout = patrol_coverage.render(data, params)
    assert hideout["values"]["g0"] == 0 and hideout["values"]["g5"] == 7.5
    assert hideout["under"] == ["g0", "g1"]  # 0 and 0.25 < 2.5 / 3
    assert hideout["breaks"][-1] == 7.5 and len(hideout["colors"]) == len(hideout["breaks"])
    assert hideout["child_level"] == "grid" and hideout["days"] == 7
    keys = [key for _, key, _ in hideout["legend"]]
    assert keys[0] == "coverage.none" and keys[-1] == "coverage.under"
    for key in set(keys):
        assert MESSAGES[key]["zh"] and MESSAGES[key]["en"]
    with pytest.raises(ValueError):
        patrol_coverage.Params(parent_code="c", parent_level="community", days=14)

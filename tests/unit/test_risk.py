"""``domain.risk``: each rule on its own, its thresholds, and the level bands (hand examples)."""

from __future__ import annotations

import pytest

from domain.risk import RULES, CaseFacts, assess, level_of


def _rules(**facts) -> dict[str, int]:  # noqa: ANN003
    return {f.rule: f.points for f in assess(CaseFacts(**facts)).fired}


def test_risk001_a_plain_case_is_blue_and_fires_nothing() -> None:
    a = assess(CaseFacts("neighbour"))
    assert (a.level, a.points, a.fired) == ("blue", 0, ())


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({"type_code": "demolition"}, {"severe_type": 2}),
        ({"type_code": "traffic"}, {"serious_type": 1}),
        ({"type_code": "neighbour", "parties": 5}, {}),
        ({"type_code": "neighbour", "parties": 6}, {"many_parties": 1}),
        ({"type_code": "neighbour", "parties": 12}, {"many_parties": 2}),
        ({"type_code": "neighbour", "parties": 30}, {"many_parties": 3}),
        ({"type_code": "neighbour", "involves_key_person": True}, {"key_person": 2}),
        ({"type_code": "neighbour", "same_place_recent": 2}, {}),
        ({"type_code": "neighbour", "same_place_recent": 3}, {"repeat_place": 1}),
        ({"type_code": "neighbour", "same_reporter_recent": 1}, {}),
        ({"type_code": "neighbour", "same_reporter_recent": 2}, {"repeat_reporter": 1}),
        ({"type_code": "neighbour", "same_reporter_recent": 3}, {"repeat_reporter": 2}),
        ({"type_code": "neighbour", "source": "petition"}, {"petition_or_court": 1}),
        ({"type_code": "neighbour", "source": "court"}, {"petition_or_court": 1}),
        ({"type_code": "neighbour", "source": "police"}, {}),
        ({"type_code": "neighbour", "overdue": True}, {"overdue": 1}),
        ({"type_code": "neighbour", "supervision_level": 1}, {}),
        ({"type_code": "neighbour", "supervision_level": 2}, {"supervised": 1}),
        ({"type_code": "neighbour", "supervision_level": 3}, {"supervised": 2}),
        ({"type_code": "neighbour", "reopen_count": 1}, {"reopened": 1}),
        ({"type_code": "neighbour", "assessed": "medium"}, {"assessed": 1}),
        ({"type_code": "neighbour", "assessed": "high"}, {"assessed": 2}),
    ],
)
def test_risk002_each_rule_and_its_threshold(facts: dict, expected: dict) -> None:
    assert _rules(**facts) == expected


def test_risk003_levels_by_points() -> None:
    assert [level_of(p) for p in range(8)] == [
        "blue", "blue", "yellow", "yellow", "orange", "orange", "red", "red"
    ]  # fmt: skip
    # A 30-party demolition petition with a key person: 2 + 3 + 2 + 1 = 8 → red.
    a = assess(CaseFacts("demolition", parties=30, involves_key_person=True, source="petition"))
    assert (a.level, a.points) == ("red", 8)
    assert [f.rule for f in a.fired] == ["severe_type", "many_parties", "key_person",
                                         "petition_or_court"]  # fmt: skip
    assert all(f.rule in RULES for f in a.fired)


def test_risk004_grid_scores_are_weighted_percentiles() -> None:
    from domain.risk import GRID_WEIGHTS, grid_class, grid_scores, percentile_below

    assert percentile_below([0, 0, 1, 5]) == [0.0, 0.0, 0.5, 0.75]
    comps = {
        "density": [0.0, 1.0, 2.0, 3.0],
        "trend": [1.0, 1.0, 1.0, 4.0],
        "open_high": [0, 0, 0, 2],
        "key_persons": [0, 3, 0, 0],
        "patrol_gap": [0.0, 0.5, 0.5, 1.0],
    }
    scores, points = grid_scores(comps)
    # Grid 3 tops every component but key persons: 30·0.75 + 20·0.75 + 20·0.75 + 0 + 15·0.75.
    assert points["density"] == [0.0, 7.5, 15.0, 22.5]
    assert scores[3] == 22.5 + 15.0 + 15.0 + 0.0 + 11.25
    # Grid 1: density 7.5, trend 0, open 0, key persons 15·0.75, patrol gap 15·0.25.
    assert scores[1] == 7.5 + 11.25 + 3.75
    assert set(points) == set(GRID_WEIGHTS) and scores[0] == 0.0
    assert [grid_class(s) for s in (0, 24.9, 25, 50, 74.9, 75, 100)] == [
        "blue", "blue", "yellow", "orange", "orange", "red", "red"
    ]  # fmt: skip

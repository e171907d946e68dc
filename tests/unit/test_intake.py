"""Intake rules (domain.intake): the coordinate mistakes named, which building an address names,
and the case title."""

from __future__ import annotations

import pytest

from domain.intake import (
    Candidate,
    Extent,
    coordinate_problem,
    house_numbers,
    normalise_address,
    pick_building,
    title_of,
)

HOHHOT = Extent(110.77, 39.58, 112.17, 41.45)


@pytest.mark.parametrize(
    ("lon", "lat", "problem"),
    [
        (111.65, 40.82, None),
        (40.82, 111.65, "swapped"),  # lat and long exchanged
        (512_000.0, 4_520_000.0, "projected"),  # EPSG:4546 metres
        (12_430_000.0, 4_980_000.0, "projected"),  # Web Mercator metres
        (116.40, 39.90, "outside"),  # Beijing
        (200.0, 95.0, "range"),
        (float("nan"), 40.0, "range"),
        (111.65, float("inf"), "range"),
    ],
)
def test_intake001_coordinate_problems(lon: float, lat: float, problem: str | None) -> None:
    assert coordinate_problem(lon, lat, HOHHOT) == problem


def test_intake002_addresses_are_normalised() -> None:
    assert normalise_address("内蒙古呼和浩特市 新城区康春林路１号") == "新城区康春林路1号"
    assert house_numbers("康春林路12号院3号楼") == {"12", "3"}


def _c(i: int, address: str, score: float) -> Candidate:
    return Candidate(i, address, score)


def test_intake003_a_building_is_picked_only_when_good_and_clear() -> None:
    q = "新城区康春林路1号院3单元"
    best = _c(1, "新城区康春林路1号", 1.0)
    assert pick_building(q, [best, _c(2, "新城区康春林路2号", 0.7)]) == best
    # Two districts with the same street: too close to call.
    assert pick_building("康春林路1号", [_c(1, "新城区康春林路1号", 0.5),
                                          _c(2, "清水河县康春林路1号", 0.45)]) is None  # fmt: skip
    assert pick_building(q, [_c(1, "新城区康春林路1号", 0.55)]) is None  # too weak
    assert pick_building(q, []) is None
    # A good score on the wrong house number is not a match.
    assert pick_building("新城区康春林路3号", [_c(2, "新城区康春林路2号", 0.7)]) is None
    assert pick_building("新城区康春林路12号", [_c(1, "新城区康春林路1号", 0.7)]) is None


def test_intake004_titles() -> None:
    assert title_of("暖气不热。已经三天了") == "暖气不热"
    assert len(title_of("很" * 100)) == 30

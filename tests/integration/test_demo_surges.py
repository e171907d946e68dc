"""The demo's planted surges (``etl.demo.surges``): each is in the loaded cases — counted here with
plain SQL, independently of the generator — and the early warning flags each within 14 days of
its onset, the one still running at as_of as an open alert."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from domain import warning
from etl.demo import DemoConfig
from etl.demo.surges import planted
from geodata.read import warnings as reading

pytestmark = pytest.mark.db

AS_OF = date(2026, 11, 28)  # the demo_db fixture's

DELAY_TARGET_DAYS = 14
# Cases of a type in an area between two local days (inclusive); merged repeats are not cases.
COUNT = text(
    "SELECT count(*) FROM dispute WHERE left(grid_code, :digits) = :area AND type_code = :type"
    " AND status <> 'merged'"
    " AND timezone('Asia/Shanghai', reported_at)::date BETWEEN :first AND :last"
)
# Cases of a type still waiting for a location (no point, so no grid, so no area).
UNLOCATED = text(
    "SELECT count(*) FROM dispute WHERE grid_code IS NULL AND type_code = :type"
    " AND timezone('Asia/Shanghai', reported_at)::date BETWEEN :first AND :last"
)


def test_surg001_the_list_is_documented_and_fits_the_build(demo_cfg) -> None:  # noqa: ANN001
    small = planted(demo_cfg)
    assert small == planted(demo_cfg)  # deterministic for the config
    full = planted(DemoConfig.for_scale("full", demo_cfg.seed, AS_OF))
    assert 2 <= len(small) <= 3 and 4 <= len(full) <= 6
    for surges in (small, full):
        assert {s.shape for s in surges} == {"step", "ramp"}
        assert any(s.onset >= AS_OF - timedelta(days=60) for s in surges)
        towns = [s.area_code[:9] for s in surges]
        assert len(set(towns)) == len(towns)  # one surge per township
        for s in surges:
            assert len(s.area_code) == {"community": 12, "township": 9}[s.level]
            assert AS_OF - timedelta(days=600) <= s.onset and s.last_day < AS_OF
    # A tiny build of one district plants only what fits in its cases, in that district.
    tiny = planted(replace(demo_cfg, districts=("150103",), disputes=200))
    assert tiny and all(s.area_code.startswith("150103") for s in tiny)
    assert sum(s.size for s in tiny) <= 50


def test_surg002_each_planted_surge_is_in_the_loaded_cases(conn, demo_db, demo_cfg) -> None:  # noqa: ANN001
    first_day = AS_OF - timedelta(days=reading.HISTORY_DAYS)
    for s in planted(demo_cfg):
        digits = len(s.area_code)

        def count(a, b, s=s, digits=digits):  # noqa: ANN001, ANN202
            args = {"digits": digits, "area": s.area_code, "type": s.type_code}
            return conn.execute(COUNT, {**args, "first": a, "last": b}).scalar()

        observed = count(s.onset, s.last_day)
        lost = conn.execute(
            UNLOCATED, {"type": s.type_code, "first": s.onset, "last": s.last_day}
        ).scalar()
        before = count(first_day, s.onset - timedelta(days=1))
        rate = before / (s.onset - first_day).days  # the background, per day
        expected = rate * s.days
        slack = 3 + 3 * math.sqrt(expected)
        # Every planted case is there (bar any still waiting for a location) …
        assert observed + lost >= s.size, (s, observed, lost)
        # … on top of a background no larger than the area's own history allows …
        assert observed - s.size <= expected + slack, (s, observed, expected)
        # … and the same span just before the onset is quiet.
        quiet = count(s.onset - timedelta(days=s.days), s.onset - timedelta(days=1))
        assert quiet <= expected + slack, (s, quiet, expected)
        # A ramp puts more of its cases in its second half than in its first.
        if s.shape == "ramp":
            half = s.onset + timedelta(days=s.days // 2)
            assert count(half, s.last_day) > count(s.onset, half - timedelta(days=1))


def test_surg003_each_planted_surge_is_flagged_within_14_days(conn, demo_db, demo_cfg) -> None:  # noqa: ANN001
    series = reading.daily_counts(conn, AS_OF)
    found = reading.detect(series)
    close = warning.DEFAULT.close_after_days
    for s in planted(demo_cfg):
        mine = [
            e
            for e in found
            if series.areas[e.series] == s.area_code
            and series.types[e.series] == s.type_code
            and s.onset <= e.last_alarm
            and e.opened <= s.last_day + timedelta(days=close)
        ]
        assert mine, f"missed: {s}"
        delay = (min(e.opened for e in mine) - s.onset).days
        assert 0 <= delay <= DELAY_TARGET_DAYS, (s, delay)
    # The surge still running at as_of is an open alert on the live desk's path.
    running = [s for s in planted(demo_cfg) if s.last_day >= AS_OF - timedelta(days=1)]
    assert running
    live = {(e["area_code"], e["type_code"]) for e in reading.episodes_as_of(conn, AS_OF)}
    for s in running:
        assert (s.area_code, s.type_code) in live

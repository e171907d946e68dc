"""Where a case stands on its type's standard path, and the day a deadline falls on (hand
examples), and the working-day ordinals the performance figures count with."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain import workdays
from domain.clock import LOCAL_TZ
from domain.paths import current_steps, last_day, steps_done

# 邻里纠纷: 受理登记 → 网格员核实 → 人民调解 → 达成协议 → 回访评价
FIVE = 5


@pytest.mark.parametrize(
    ("status", "current", "done"),
    [
        ("received", [0], []),
        ("assigned", [1], [0]),
        ("in_progress", [1, 2, 3], [0]),
        ("resolved", [4], [0, 1, 2, 3]),
        ("unresolved", [4], [0, 1, 2, 3]),
        ("archived", [], [0, 1, 2, 3, 4]),
        ("merged", [], []),
    ],
)
def test_path001_each_status_stands_on_its_steps(status: str, current: list, done: list) -> None:
    assert list(current_steps(status, FIVE)) == current
    assert list(steps_done(status, FIVE)) == done


def test_path002_short_paths_never_point_past_their_steps() -> None:
    assert list(current_steps("in_progress", 1)) == [0]
    assert list(current_steps("resolved", 1)) == [0]
    assert list(current_steps("assigned", 2)) == [1]
    assert list(current_steps("in_progress", 2)) == [1]
    assert list(current_steps("in_progress", 3)) == [1]
    assert list(current_steps("received", 0)) == []


def test_path003_a_deadline_is_read_as_its_last_day() -> None:
    # Due "by the end of Friday 12 June": stored as local midnight starting Saturday 13 June.
    assert last_day(datetime(2026, 6, 13, tzinfo=LOCAL_TZ)) == date(2026, 6, 12)
    assert last_day(datetime(2026, 6, 12, 15, 30, tzinfo=LOCAL_TZ)) == date(2026, 6, 12)
    # 16:30 UTC is 00:30 the next day in Shanghai.
    assert last_day(datetime(2026, 6, 12, 16, 30)) == date(2026, 6, 13)


def test_path004_workday_ordinals_count_like_working_days_between() -> None:
    # Around 端午节 2026 (19–21 June off) and a plain weekend.
    ordinals = dict(workdays.workday_ordinals(date(2026, 6, 5), date(2026, 6, 23)))
    assert len(ordinals) == 19
    for a in ordinals:
        for b in ordinals:
            if b >= a:
                assert ordinals[b] - ordinals[a] == workdays.working_days_between(a, b), (a, b)
    assert ordinals[date(2026, 6, 22)] - ordinals[date(2026, 6, 18)] == 1  # Thu → Mon
    assert workdays.workday_ordinals(date(2026, 6, 2), date(2026, 6, 1)) == []

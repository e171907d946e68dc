"""Working-day deadlines against the State Council's holiday notices (hand examples)."""

from __future__ import annotations

import logging
from datetime import date, datetime

import pytest

from domain import workdays
from domain.clock import LOCAL_TZ


def test_wd001_spring_festival_2026_and_its_adjusted_saturdays() -> None:
    # 2026 notice: 2月15日至23日放假调休，共9天；2月14日（周六）、2月28日（周六）上班。
    assert workdays.is_workday(date(2026, 2, 14))  # a Saturday worked
    assert not any(workdays.is_workday(date(2026, 2, d)) for d in range(15, 24))
    assert workdays.is_workday(date(2026, 2, 28))
    # Received Friday 13 Feb with 3 working days: Sat 14 (adjusted), then 24, 25 Feb.
    assert workdays.add_working_days(date(2026, 2, 13), 3) == date(2026, 2, 25)
    got = workdays.due_at(datetime(2026, 2, 13, 16, 30, tzinfo=LOCAL_TZ), 3)
    assert got == datetime(2026, 2, 26, tzinfo=LOCAL_TZ)


def test_wd002_national_day_2025_and_a_plain_week() -> None:
    # 2025 notice: 10月1日至8日放假调休，共8天；9月28日（周日）、10月11日（周六）上班。
    assert workdays.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert workdays.add_working_days(date(2025, 9, 27), 1) == date(2025, 9, 28)  # Sunday worked
    assert workdays.add_working_days(date(2025, 10, 10), 1) == date(2025, 10, 11)  # Saturday
    # An ordinary week: Thursday + 3 → Tuesday.
    assert workdays.add_working_days(date(2025, 11, 13), 3) == date(2025, 11, 18)
    assert workdays.working_days_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
    assert workdays.working_days_between(date(2025, 11, 18), date(2025, 11, 13)) == 0


def test_wd003_a_year_without_a_table_counts_weekdays_and_says_so(caplog) -> None:  # noqa: ANN001
    workdays._warned.discard(2031)
    with caplog.at_level(logging.WARNING, logger="domain.workdays"):
        # Friday 31 Jan 2031 + 2 → Tuesday 4 Feb (whatever the real holidays will be).
        assert workdays.add_working_days(date(2031, 1, 31), 2) == date(2031, 2, 4)
        workdays.is_workday(date(2031, 6, 1))
    assert [r.getMessage() for r in caplog.records].count(
        "no statutory holiday table for 2031: counting Monday to Friday as working days"
    ) == 1


def test_wd004_a_limit_counts_at_least_one_day() -> None:
    with pytest.raises(ValueError):
        workdays.add_working_days(date(2026, 3, 2), 0)

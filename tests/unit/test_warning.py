"""``domain.warning``: quiet series stay quiet, step and ramp surges are flagged within two weeks,
a heating season is expected rather than flagged, and alerts are episodes (hand examples)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from domain import warning as w

DAY0 = date(2024, 9, 1)
T = 730


def _quiet(rng: np.random.Generator, rates: np.ndarray, days: int = T) -> np.ndarray:
    # Over-dispersed (negative binomial, size 3) daily counts at each series' rate.
    return rng.poisson(rng.gamma(3.0, rates[:, None] / 3.0, (len(rates), days))).astype(float)


def _first_after(episodes: list[w.Episode], series: int, onset: int) -> int | None:
    days = [(e.opened - DAY0).days - onset for e in episodes if e.series == series]
    after = [d for d in days if d >= 0]
    return min(after) if after else None


def test_warn001_quiet_series_rarely_alarm() -> None:
    rng = np.random.default_rng(11)
    # Township-like and community-like rates: 0.5 to 0.003 cases a day.
    rates = np.repeat([0.5, 0.2, 0.08, 0.03, 0.01, 0.003], 200)
    found = w.detect(_quiet(rng, rates), DAY0)
    weeks = (T - 126) / 7  # judged once a baseline exists
    per_series_week = len(found) / (len(rates) * weeks)
    # About 2,000 township and 18,000 community series in a city of nine districts: at this
    # rate a district sees well under 0.1 false alarms a week (the busiest series dominate).
    assert per_series_week < 4e-4, per_series_week
    assert {e.method for e in found} <= {"ears_c2", "nb_cusum"}


def test_warn002_step_and_ramp_surges_are_flagged_within_14_days() -> None:
    rng = np.random.default_rng(5)
    n = 60
    rates = np.tile([0.03, 0.1, 0.2], n // 3)
    counts = _quiet(rng, rates)
    onset = rng.integers(150, T - 40, n)
    for i in range(n):
        if i % 2 == 0:  # step: 25 extra cases over 14 days
            counts[i, onset[i] : onset[i] + 14] += rng.multinomial(25, [1 / 14] * 14)
        else:  # ramp: 0.5 to 4 extra a day over 21 days (about 47 cases)
            extra = rng.poisson(np.linspace(0.5, 4.0, 21))
            counts[i, onset[i] : onset[i] + 21] += extra
    found = w.detect(counts, DAY0)
    delays = [_first_after(found, i, onset[i]) for i in range(n)]
    assert all(d is not None and d <= 14 for d in delays), delays
    steps = [d for i, d in enumerate(delays) if i % 2 == 0]
    assert np.median(steps) <= 7


def test_warn003_the_heating_season_is_expected_a_surge_in_it_is_not() -> None:
    rng = np.random.default_rng(3)
    days = np.array([DAY0 + timedelta(days=k) for k in range(T)])
    in_season = np.array([d.month in (11, 12, 1, 2, 3) for d in days])
    rate = np.where(in_season, 0.6, 0.03)
    n = 40
    counts = rng.poisson(rng.gamma(3.0, np.tile(rate, (n, 1)) / 3.0)).astype(float)
    seasonal = np.ones(n, bool)
    # The second season opens on 1 Nov 2025 (day 335): expected from last year, no alarm.
    found = w.detect(counts, DAY0, seasonal=seasonal, in_season=in_season)
    start = (date(2025, 11, 1) - DAY0).days
    at_opening = [e for e in found if start - 7 <= (e.opened - DAY0).days <= start + 28]
    assert len(at_opening) <= 1, at_opening  # at most one in forty seasons opening
    # Without the seasonal baseline the same opening floods the desk.
    plain = w.detect(counts, DAY0)
    assert sum(start - 7 <= (e.opened - DAY0).days <= start + 28 for e in plain) >= n // 2
    # A real surge inside the season (30 extra cases in 10 days) is still flagged.
    surge_at = (date(2026, 1, 10) - DAY0).days
    counts[0, surge_at : surge_at + 10] += 3
    found = w.detect(counts, DAY0, seasonal=seasonal, in_season=in_season)
    assert _first_after(found, 0, surge_at) is not None
    assert _first_after(found, 0, surge_at) <= 14


def test_warn004_alarm_days_become_episodes() -> None:
    alarm = np.zeros((2, 40), bool)
    alarm[0, [10, 11, 12, 15, 30]] = True  # 10–15 one episode; 30 a second (gap 15 > 7)
    alarm[1, 35] = True  # still open at the end
    stat = np.where(alarm, 1.0, 0.0)
    stat[0, 11] = 9.0
    observed = np.arange(80, dtype=float).reshape(2, 40)
    expected = np.full((2, 40), 2.0)
    found = w.episodes(alarm, stat, observed, expected, DAY0, cusum_from=25)
    assert [(e.series, (e.opened - DAY0).days, (e.last_alarm - DAY0).days) for e in found] == [
        (0, 10, 15), (0, 30, 30), (1, 35, 35)
    ]  # fmt: skip
    first = found[0]
    assert first.closed == DAY0 + timedelta(days=23) and not first.is_open
    assert (first.statistic, first.observed, first.method) == (9.0, 11.0, "ears_c2")
    assert found[1].method == "nb_cusum" and found[2].is_open


def test_warn005_ears_c2_by_hand() -> None:
    # A week of 6 cases against a baseline of 1 case a week: expected 1, σ floored to 1.
    counts = np.zeros((1, 140))
    counts[0, :126:7] = 1  # one case a week
    counts[0, 133:140] = [1, 1, 1, 1, 1, 1, 0]
    mean = w.baseline_mean(counts)
    alarm, stat, observed, expected = w.ears_c2(counts, mean)
    assert observed[0, 139] == 6 and abs(expected[0, 139] - 1.0) < 1e-9
    sigma = max(np.sqrt(1.0 * w.DEFAULT.overdispersion), w.DEFAULT.min_sigma)
    assert abs(stat[0, 139] - (6 - 1) / sigma) < 1e-9
    assert alarm[0, 139] == (stat[0, 139] >= w.DEFAULT.c2_threshold)
    assert np.isnan(mean[0, :125]).all()  # no alarm without a full baseline


def test_warn006_a_window_needs_min_count_cases_whatever_the_statistic() -> None:
    # EARS' customary cut of 3 over an empty baseline: three cases give C2 = 3, still no alarm.
    p = w.WarningParams(c2_threshold=3.0, min_count=5)
    counts = np.zeros((1, 140))
    counts[0, 137:140] = 1
    alarm, stat, observed, _ = w.ears_c2(counts, w.baseline_mean(counts, p), p)
    assert stat[0, 139] == 3.0 and observed[0, 139] == 3 and not alarm[0, 139]
    counts[0, 135:137] = 1  # five cases: now it is one
    alarm, stat, observed, _ = w.ears_c2(counts, w.baseline_mean(counts, p), p)
    assert observed[0, 139] == 5 and alarm[0, 139]

"""Early warning (研判预警) on daily case counts per area × dispute type, without alarm fatigue.

Counts per area and type are small: a community sees a given type of dispute a few times a year,
a township a few times a month. A daily statistic on such series either never fires or fires all
the time, so every series is judged on its **7-day moving sum** against what its own history
expects for those 7 days, and an alert is an **episode** (opened, updated while it lasts, closed
after a quiet spell), never a row per day.

Two statistics, by the history a series has (``method``):

- ``ears_c2`` — EARS C2 on the 7-day sums (CDC's Early Aberration Reporting System, C2 variant):
  the expected sum is 7 × the mean daily count over a baseline of ``baseline_days`` ending
  ``guard_days`` before the window (the guard keeps a rising surge out of its own baseline), the
  spread is the Poisson-with-overdispersion deviation of that expectation with a floor
  (``min_sigma``): ``C2 = (observed − expected) / max(σ, min_sigma)``. It fires when C2 ≥
  ``c2_threshold`` *and* the window holds at least ``min_count`` cases (three cases are never a
  surge, whatever the baseline).
- ``nb_cusum`` — a negative-binomial CUSUM on the daily counts, used once a series has a year of
  history: in-control mean μ₀ per day from the same baseline (seasonally adjusted, below), the
  shift it is tuned to detect μ₁ = ``cusum_shift`` × μ₀ (at least μ₀ + ``cusum_min_step``),
  dispersion r estimated per type from the history (method of moments, floored);
  S_t = max(0, S_{t−1} + log-likelihood ratio of x_t under μ₁ vs μ₀), alarm while S_t ≥ h.

**Seasonal types** (heating): once a series has a year of history, the baseline is the mean over
the in-season days of the last year when the day judged is in season, over the off-season days
when it is not — so the start of the heating season is expected, not flagged. Without a year of history a seasonal series uses only
``ears_c2`` on an in-season baseline (the guard and baseline stay inside the season's own days).

Everything is vectorised over series (rows) and days (columns) with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np


@dataclass(frozen=True)
class WarningParams:
    """The statistic's settings; the defaults are the documented ones (bench/ measures them)."""

    window_days: int = 7
    baseline_days: int = 112
    guard_days: int = 7
    min_sigma: float = 1.0
    # EARS' customary C2 cut is 3; on 20,000 area × type series that is dozens of false alarms a
    # week, so the cut is 5 and a window needs 5 cases (tests/unit/test_warning.py, bench/).
    c2_threshold: float = 5.0
    min_count: int = 5
    overdispersion: float = 1.5  # variance / mean of the 7-day sums, for C2's σ
    cusum_shift: float = 2.0
    cusum_min_step: float = 0.15  # cases per day: the smallest rise worth a CUSUM
    cusum_h: float = 8.0
    min_dispersion: float = 0.5
    history_for_cusum: int = 365
    close_after_days: int = 7  # an episode closes after this many days without an alarm


DEFAULT = WarningParams()


def moving_sum(counts: np.ndarray, days: int) -> np.ndarray:
    """Sums over the last ``days`` days ending at each day (fewer at the start)."""
    c = np.cumsum(counts, axis=1, dtype=np.float64)
    out = c.copy()
    out[:, days:] = c[:, days:] - c[:, :-days]
    return out


def baseline_mean(counts: np.ndarray, p: WarningParams = DEFAULT) -> np.ndarray:
    """Mean daily count over the baseline ending ``guard_days`` before each 7-day window
    (NaN where the series has not yet a full baseline)."""
    s, t = counts.shape
    lag = p.window_days + p.guard_days
    total = moving_sum(counts, p.baseline_days)
    out = np.full((s, t), np.nan)
    first = lag + p.baseline_days - 1
    if t > first:
        out[:, first:] = total[:, first - lag : t - lag] / p.baseline_days
    return out


def seasonal_mean(
    counts: np.ndarray, in_season: np.ndarray, p: WarningParams = DEFAULT
) -> np.ndarray:
    """Expected mean daily count for seasonal series: the mean over the in-season days (or the
    off-season days, matching the day judged) of the year that ends ``guard_days`` before the
    window — last season's level, from a whole season of counts rather than a few noisy weeks;
    NaN before a year of history. ``in_season``: bool per day."""
    s, t = counts.shape
    lag = p.window_days + p.guard_days
    out = np.full((s, t), np.nan)
    first = 365 + lag
    if t <= first:
        return out
    season = in_season.astype(np.float64)
    c_in = np.concatenate([np.zeros((s, 1)), np.cumsum(counts * season, axis=1)], axis=1)
    c_all = np.concatenate([np.zeros((s, 1)), np.cumsum(counts, axis=1)], axis=1)
    d_in = np.concatenate([[0.0], np.cumsum(season)])
    days = np.arange(first, t)
    end, start = days - lag + 1, days - lag + 1 - 365  # the year [start, end)
    n_in = d_in[end] - d_in[start]
    n_off = 365 - n_in
    total_in = c_in[:, end] - c_in[:, start]
    total_off = (c_all[:, end] - c_all[:, start]) - total_in
    with np.errstate(invalid="ignore", divide="ignore"):
        m_in = total_in / np.where(n_in > 0, n_in, np.nan)
        m_off = total_off / np.where(n_off > 0, n_off, np.nan)
    out[:, first:] = np.where(in_season[days][None, :], m_in, m_off)
    return out


def ears_c2(
    counts: np.ndarray, mean: np.ndarray, p: WarningParams = DEFAULT
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(alarm, statistic, observed, expected) per series and day for EARS C2 on 7-day sums."""
    observed = moving_sum(counts, p.window_days)
    expected = mean * p.window_days
    sigma = np.sqrt(np.maximum(expected, 0.0) * p.overdispersion)
    with np.errstate(invalid="ignore"):
        stat = (observed - expected) / np.maximum(sigma, p.min_sigma)
        alarm = (stat >= p.c2_threshold) & (observed >= p.min_count)
    alarm &= ~np.isnan(expected)
    return alarm, np.nan_to_num(stat, nan=0.0), observed, expected


def dispersion(counts: np.ndarray, p: WarningParams = DEFAULT) -> float:
    """The negative-binomial size r of daily counts pooled over series (method of moments on
    each series' mean and variance), floored at ``min_dispersion``; large r ≈ Poisson."""
    m = counts.mean(axis=1)
    v = counts.var(axis=1)
    keep = m > 0
    if not keep.any():
        return 1e6
    excess = float(np.sum(v[keep] - m[keep]))
    if excess <= 0:
        return 1e6
    return max(float(np.sum(m[keep] ** 2)) / excess, p.min_dispersion)


def nb_cusum(
    counts: np.ndarray, mean: np.ndarray, r: float, p: WarningParams = DEFAULT
) -> tuple[np.ndarray, np.ndarray]:
    """(alarm, S) per series and day: the negative-binomial CUSUM of daily counts against the
    in-control mean ``mean`` (per day), tuned to a rise to ``cusum_shift`` × μ₀."""
    s, t = counts.shape
    mu0 = np.where(np.isnan(mean), np.nan, np.maximum(mean, 1e-3))
    mu1 = np.maximum(mu0 * p.cusum_shift, mu0 + p.cusum_min_step)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.log(mu1 * (mu0 + r) / (mu0 * (mu1 + r)))
        b = r * np.log((mu0 + r) / (mu1 + r))
    llr = np.where(np.isnan(mu0), 0.0, counts * a + b)
    stat = np.zeros((s, t))
    run = np.zeros(s)
    for day in range(t):
        run = np.maximum(0.0, run + llr[:, day])
        run[np.isnan(mu0[:, day])] = 0.0
        stat[:, day] = run
    return stat >= p.cusum_h, stat


@dataclass(frozen=True)
class Episode:
    """One alert: a series' run of alarm days, closed after ``close_after_days`` quiet days."""

    series: int
    opened: date
    last_alarm: date
    closed: date | None
    observed: float  # the 7-day count on the peak day
    expected: float
    statistic: float  # the peak statistic
    method: str

    @property
    def is_open(self) -> bool:
        return self.closed is None


def episodes(
    alarm: np.ndarray,
    stat: np.ndarray,
    observed: np.ndarray,
    expected: np.ndarray,
    first_day: date,
    cusum_from: int,
    p: WarningParams = DEFAULT,
) -> list[Episode]:
    """Group each series' alarm days into episodes; an episode still running on the last day
    has ``closed`` None. ``cusum_from``: the first day judged by the CUSUM (method names)."""
    out: list[Episode] = []
    s_idx, d_idx = np.nonzero(alarm)
    if len(s_idx) == 0:
        return out
    t = alarm.shape[1]
    # np.nonzero is row-major: by series, then by day. A new episode starts where the series
    # changes or the gap since the last alarm day is longer than the quiet spell.
    gap = np.diff(d_idx, prepend=-(10**9))
    new = (np.diff(s_idx, prepend=-1) != 0) | (gap > p.close_after_days)
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:], len(s_idx)]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        series = int(s_idx[a])
        days = d_idx[a:b]
        peak = int(days[np.argmax(stat[series, days])])
        last = int(days[-1])
        closed_at = last + p.close_after_days + 1
        out.append(
            Episode(
                series=series,
                opened=first_day + timedelta(days=int(days[0])),
                last_alarm=first_day + timedelta(days=last),
                closed=None if closed_at >= t else first_day + timedelta(days=closed_at),
                observed=float(observed[series, peak]),
                expected=float(expected[series, peak]),
                statistic=float(stat[series, peak]),
                method="nb_cusum" if int(days[0]) >= cusum_from else "ears_c2",
            )
        )
    return out


def expected_mean(
    counts: np.ndarray,
    seasonal: np.ndarray,
    in_season: np.ndarray,
    p: WarningParams = DEFAULT,
) -> np.ndarray:
    """The in-control mean daily count per series and day: the plain baseline, or for seasonal
    series last year's level around the date (after a year of history) or an in-season
    baseline (before)."""
    mean = baseline_mean(counts, p)
    if not seasonal.any():
        return mean
    t = counts.shape[1]
    rows = counts[seasonal]
    season = seasonal_mean(rows, in_season, p)
    lag = p.window_days + p.guard_days
    days_in = moving_sum(in_season[None, :].astype(np.float64), p.baseline_days)[0]
    total_in = moving_sum(rows * in_season, p.baseline_days)
    in_mean = np.full_like(season, np.nan)
    if t > lag:
        with np.errstate(invalid="ignore", divide="ignore"):
            denominator = np.where(days_in[:-lag] >= p.window_days, days_in[:-lag], np.nan)
            in_mean[:, lag:] = total_in[:, :-lag] / denominator
    fallback = np.where(in_season[None, :], in_mean, mean[seasonal])
    mean[seasonal] = np.where(np.isnan(season), fallback, season)
    return mean


def detect(
    counts: np.ndarray,
    first_day: date,
    seasonal: np.ndarray | None = None,
    in_season: np.ndarray | None = None,
    p: WarningParams = DEFAULT,
) -> list[Episode]:
    """Episodes for every series (rows of daily ``counts`` from ``first_day``).

    ``seasonal``: bool per series (heating and the like); ``in_season``: bool per day. Days
    with a year of history before them are judged by the NB CUSUM (its alarms also need the
    7-day window to hold ``min_count`` cases), earlier days by EARS C2."""
    s, t = counts.shape
    counts = counts.astype(np.float64)
    seasonal = np.zeros(s, bool) if seasonal is None else np.asarray(seasonal, bool)
    in_season = np.zeros(t, bool) if in_season is None else np.asarray(in_season, bool)
    mean = expected_mean(counts, seasonal, in_season, p)
    alarm, stat, observed, expected = ears_c2(counts, mean, p)
    cusum_from = p.history_for_cusum
    if t > cusum_from:
        cu_alarm, cu_stat = nb_cusum(counts, mean, dispersion(counts, p), p)
        cu_alarm &= observed >= p.min_count
        # With a year of history the CUSUM leads (it sees a slow rise sooner); a sharp jump the
        # C2 catches still counts, its statistic shown in CUSUM units.
        later = slice(cusum_from, None)
        both = cu_alarm[:, later] | alarm[:, later]
        alarm[:, later] = both
        stat[:, later] = np.maximum(cu_stat[:, later], np.where(alarm[:, later], p.cusum_h, 0.0))
    return episodes(alarm, stat, observed, expected, first_day, cusum_from, p)


# An alert's life on the desk: the statistic opens and closes it; people acknowledge it, assign
# it to someone (a user or department) or dismiss it with a reason. A closed or dismissed alert
# takes no more actions.
EPISODE_STATES = ("open", "acknowledged", "assigned", "dismissed", "closed")
EPISODE_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({"open"}), "acknowledged"),
    "assign": (frozenset({"open", "acknowledged", "assigned"}), "assigned"),
    "dismiss": (frozenset({"open", "acknowledged", "assigned"}), "dismissed"),
}
# Seasonal dispute types and their season: Hohhot heats from 15 October to 15 April.
SEASONAL_TYPES = {"heating": ((10, 15), (4, 15))}


def in_season(day: date, season: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    """Whether ``day`` falls in a season that may run over the new year ((month, day) bounds)."""
    start, end = season
    md = (day.month, day.day)
    return (start <= md or md <= end) if start > end else (start <= md <= end)


def episode_after(state: str, action: str) -> str:
    """The state after a person's ``action`` on an alert; ValueError naming what is allowed."""
    if action not in EPISODE_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    sources, target = EPISODE_ACTIONS[action]
    if state not in sources:
        allowed = [a for a, (src, _t) in EPISODE_ACTIONS.items() if state in src]
        raise ValueError(
            f"action {action!r} is not allowed for an alert in state {state!r}; allowed: {allowed}"
        )
    return target

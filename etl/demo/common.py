"""Column-wise building blocks of the demo: random streams per component, names and phone
numbers, object arrays and frames, local wall-clock nanoseconds and seasonal days.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from domain.clock import TZ_NAME
from etl.demo.config import DemoConfig

# Metres per degree at Hohhot's latitude (40.8°N), for sizing footprints and jitter.
M_PER_DEG_LAT = 111_000.0
M_PER_DEG_LON = 111_000.0 * float(np.cos(np.radians(40.8)))
CRS = "EPSG:4326"

NS_HOUR = 3_600 * 10**9
NS_DAY = 24 * NS_HOUR
NAT = np.iinfo(np.int64).min

_NAME_HEADS = "东西南北中新光明安和兴富康华丰泰长青金银锦秀阳春晨辉宏通达永盛"
_NAME_TAILS = "苑园桥街路关门坊湖庄泉河岭山源林台城营堡"
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红建国志宏海波鹏飞宇浩然婷雪梅琳晨阳辉"
)
_PHONE_PREFIXES = ("133", "138", "139", "150", "152", "158", "177", "180", "186", "189")


def stream(cfg: DemoConfig, *ids: int) -> np.random.Generator:
    """An independent random stream per component, so components do not shift each other."""
    return np.random.default_rng([cfg.seed, *ids])


class PlaceNames:
    """Deterministic, non-repeating place names."""

    def __init__(self, rng: np.random.Generator):
        heads, tails = _NAME_HEADS, _NAME_TAILS
        words = [a + t for a in heads for t in tails]
        words += [a + b + t for a in heads for b in heads if a != b for t in tails]
        self._places = [words[i] for i in rng.permutation(len(words))]
        self._i = 0

    def take(self, n: int) -> list[str]:
        out = []
        for k in range(self._i, self._i + n):
            lap, pos = divmod(k, len(self._places))
            out.append(self._places[pos] + (str(lap + 1) if lap else ""))
        self._i += n
        return out


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` Chinese names: a surname and one or two given characters."""
    s = rng.integers(0, len(_SURNAMES), n)
    g1 = rng.integers(0, len(_GIVEN), n)
    g2 = rng.integers(0, len(_GIVEN), n)
    two = rng.random(n) < 0.6
    return obj(
        [
            _SURNAMES[a] + _GIVEN[b] + (_GIVEN[c] if t else "")
            for a, b, c, t in zip(s.tolist(), g1.tolist(), g2.tolist(), two.tolist(), strict=True)
        ]
    )


def phone_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` mainland mobile numbers (11 digits)."""
    prefix = rng.integers(0, len(_PHONE_PREFIXES), n)
    tail = rng.integers(0, 10**8, n)
    return obj(
        [
            f"{_PHONE_PREFIXES[p]}{t:08d}"
            for p, t in zip(prefix.tolist(), tail.tolist(), strict=True)
        ]
    )


def obj(values: Any) -> np.ndarray:
    """A 1-D object array (never a numpy/pandas string dtype)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def numbered(prefix: str, n: int, start: int = 1) -> np.ndarray:
    """``prefix + str(i)`` for i in start..start+n-1, as an object array, without a Python loop."""
    out = np.empty(n, dtype=object)
    pre = np.array([ord(c) for c in prefix], dtype=np.uint32)
    lo = start
    while lo < start + n:
        width = len(str(lo))
        hi = min(start + n, 10**width)
        nums = np.arange(lo, hi, dtype=np.int64)
        chars = np.empty((len(nums), len(pre) + width), dtype=np.uint32)
        chars[:, : len(pre)] = pre
        for k in range(width - 1, -1, -1):
            chars[:, len(pre) + k] = 48 + nums % 10
            nums //= 10
        out[lo - start : hi - start] = chars.view(f"<U{len(pre) + width}").ravel()
        lo = hi
    return out


def draw(rng: np.random.Generator, weights: Any, n: int) -> np.ndarray:
    """``n`` indices drawn with probability proportional to ``weights`` (inverse CDF)."""
    cdf = np.cumsum(np.asarray(weights, dtype=float))
    idx = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    return np.minimum(idx, len(cdf) - 1)


def pick_within(rng: np.random.Generator, start: np.ndarray, count: np.ndarray) -> np.ndarray:
    """One random member index of each group ``[start, start + count)``."""
    return start + np.minimum((rng.random(len(start)) * count).astype(np.int64), count - 1)


def utc(local_ns: np.ndarray) -> pd.Series:
    """Naive Asia/Shanghai wall-clock nanoseconds (``NAT`` = missing) → datetime64[ns, UTC]."""
    idx = pd.DatetimeIndex(np.asarray(local_ns, dtype=np.int64).view("datetime64[ns]"))
    return pd.Series(idx.tz_localize(TZ_NAME).tz_convert("UTC"))


def local_midnight_ns(day: date) -> int:
    """Naive Asia/Shanghai nanoseconds of ``day``'s midnight."""
    return int(np.datetime64(day, "ns").astype(np.int64))


def _day_of_year_fields(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(month 1-12, day of month) of a datetime64[D] array."""
    months = days.astype("datetime64[M]")
    return months.astype(np.int64) % 12 + 1, (days - months).astype(np.int64) + 1


def heating_season(days: np.ndarray) -> np.ndarray:
    """True on 15 Oct – 15 Apr (local dates)."""
    month, dom = _day_of_year_fields(days)
    return (
        np.isin(month, (11, 12, 1, 2, 3))
        | ((month == 10) & (dom >= 15))
        | ((month == 4) & (dom <= 15))
    )


def to_frame(columns: dict[str, Any], geometry: Any = None) -> pd.DataFrame:
    """A frame with object (not str) text columns; a GeoDataFrame in EPSG:4326 with geometry."""
    data = {}
    for name, values in columns.items():
        if isinstance(values, pd.Series | pd.api.extensions.ExtensionArray):
            data[name] = pd.Series(values).reset_index(drop=True)
        elif isinstance(values, np.ndarray) and values.dtype == object:
            data[name] = pd.Series(values, dtype=object)
        else:
            data[name] = pd.Series(values)
    frame = pd.DataFrame(data)
    if geometry is None:
        return frame
    return gpd.GeoDataFrame(frame, geometry=np.asarray(geometry, dtype=object), crs=CRS)


def int_or_null(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
    """Nullable Int64: ``values`` where ``present``, else <NA>."""
    present = np.asarray(present, dtype=bool)
    return pd.arrays.IntegerArray(np.where(present, values, 0).astype(np.int64), ~present)


def whole_seconds(ns: np.ndarray) -> np.ndarray:
    """Floor nanosecond timestamps to whole seconds (case systems record seconds)."""
    return ns - ns % 10**9


def daytime_ns(rng: np.random.Generator, n: int) -> np.ndarray:
    """Time of day: mostly office hours, some around the clock."""
    hours = np.where(rng.random(n) < 0.85, rng.uniform(8, 20, n), rng.uniform(0, 24, n))
    return (hours * NS_HOUR).astype(np.int64)


def pick_days(
    rng: np.random.Generator, first: date, n_days: int, n: int, seasonal: np.ndarray
) -> np.ndarray:
    """Day offsets from ``first``: uniform, but heating-season days only where ``seasonal``."""
    days = np.datetime64(first, "D") + np.arange(n_days)
    season_days = np.flatnonzero(heating_season(days))
    out = rng.integers(0, n_days, n)
    k = int(seasonal.sum())
    if k:
        out[seasonal] = season_days[rng.integers(0, len(season_days), k)]
    return out

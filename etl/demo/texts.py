"""Complaint texts (诉求内容) and titles for the demo's cases, the way an operator types what a
caller said: the channel's opening, the place from the case's own address, what happened with
amounts and durations, what the caller adds and asks for, and the noise of real records (typos,
fillers, a text typed without punctuation).

Most texts speak of one problem of the case's type. ``AMBIGUOUS_SHARE`` of them also touch a
neighbouring type in its own words (物业 and 暖气, 邻里 and 噪音, 工资 and 车祸 …) and
``MULTI_SHARE`` carry two problems and two demands: so a classifier trained on them is good, not
perfect. A few problems recur city-wide, more often in a few communities (``phrases.THEMES``:
杂物堵塞消防通道, 老旧小区频繁停水停电, 顶楼房屋漏水). No text names its type the way the
catalogue does. Deterministic for a random stream; the decisions are drawn column-wise, each text
then fills its slots from a stream of its own.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import numpy as np

from etl.demo import phrases as ph
from etl.demo.common import obj

AMBIGUOUS_SHARE = 0.12
MULTI_SHARE = 0.05
# Of the ambiguous texts, those mostly about the other type (with this type's touch).
HARD_SHARE = 0.5
# The second type of an ambiguous or multi-issue text: a neighbouring type, else any other.
NEAR_SHARE = 0.8
NO_PUNCTUATION_SHARE = 0.1
TYPO_SHARE = 0.2
FILLER_SHARE = 0.1
# Recurring problems: the share of a theme's types that speak of it, in the few communities where
# it concentrates and elsewhere.
THEME_HOT_SHARE = 0.4
THEME_BASE_SHARE = 0.02
THEME_HOT_COMMUNITIES = 0.03  # of the communities with cases, at least one per theme
REPEAT_TITLE_MARK = "（重复来电）"

KINDS = ("plain", "ambiguous", "multi", "repeat")
_DIGITS = "零一二三四五六七八九"
_PUNCTUATION = re.compile(r"[，。：；！？、,.;:]")
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Texts:
    """Per case: ``title``, ``description``, ``kind`` (one of ``KINDS``), the ``second`` type an
    ambiguous or multi-issue text touches (else None) and its recurring ``theme`` (else None)."""

    title: np.ndarray
    description: np.ndarray
    kind: np.ndarray
    second: np.ndarray
    theme: np.ndarray


def _cn(k: int) -> str:
    """1–99 as a caller says it roughly: 三, 十几, 二十多."""
    if k < 10:
        return "两" if k == 2 else _DIGITS[k]
    if k < 20:
        return "十几"
    return _DIGITS[k // 10] + "十多"


def _money(r: random.Random, lo: int, hi: int) -> str:
    v = r.randint(lo, hi)
    style = r.random()
    if style < 0.4:
        return f"{round(v, -2 if v < 100_000 else -3)}元"
    if style < 0.65 and v >= 10_000:
        return f"{v / 10_000:.1f}万元".replace(".0万", "万")
    if style < 0.85:
        if v >= 10_000:
            return _cn(v // 10_000) + "万多" if v < 1_000_000 else _cn(v // 1_000_000) + "百多万"
        return _cn(max(v // 1_000, 1)) + "千多块"
    return f"{round(v, -1)}块钱"


_WHO_TAILS = ("女士", "先生", "大爷", "阿姨", "师傅", "大姐", "大哥")
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐韩冯邓曹彭田董袁蒋于杜叶程魏苏吕丁任崔白孟秦薛闫侯史郝"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华玉兰萍红建国志宏海波鹏飞"
_BRANDS = (
    "鑫源", "宏达", "金泰", "瑞丰", "恒通", "万嘉", "嘉禾", "福顺", "德隆", "兴旺", "锦程",
    "昌盛", "润泽", "天诚", "博远", "众鑫", "聚源", "祥和", "永康", "盛世", "华宇", "顺达",
)  # fmt: skip
_CARS = (
    "电动车", "小轿车", "出租车", "外卖电动车", "三轮车", "货车", "网约车", "面包车", "越野车",
    "私家车", "渣土车", "摩托车",
)  # fmt: skip
_HOSPITALS = (
    "市第一医院", "区人民医院", "社区卫生服务中心", "一家私人诊所", "一家口腔诊所", "中医院",
    "妇幼保健院", "一家民营医院", "市医院", "乡镇卫生院", "附近的诊所",
)  # fmt: skip
_SCHOOL_KINDS = ("小学", "中学", "实验小学", "幼儿园", "第二中学", "民族小学")
_GRADES = (
    "一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三", "高一",
    "大班", "中班",
)  # fmt: skip
_DEPTS = (
    "区城管局", "街道办事处", "市场监管所", "区人社局", "不动产登记中心", "派出所", "税务分局",
    "交警大队", "区住建局", "自然资源分局", "镇政府", "区民政局", "区消防大队", "执法队",
)  # fmt: skip
_SHOPS = (
    "饭店", "烧烤店", "火锅店", "超市", "理发店", "洗车店", "汽修店", "KTV", "棋牌室",
    "麻辣烫店", "羊肉馆", "早点铺",
)  # fmt: skip
_DUR = (
    "三天", "一个礼拜", "半个多月", "二十多天", "一个多月", "两个月", "三个多月", "小半年",
    "半年多", "大半年", "一年多", "两年多", "三年",
)  # fmt: skip
_SHORT = ("两三天", "好几天", "一个礼拜", "十来天", "这几天", "这一周", "半个月", "一个月")
_WHEN = (
    "昨天晚上", "前天下午", "上周六", "上个月中旬", "本月初", "去年年底", "今年春节前",
    "前几天", "上礼拜", "{m}月{d}号", "{m}月{d}日上午",
)  # fmt: skip
_HOURS = (
    "晚上十一点多",
    "半夜十二点以后",
    "凌晨一两点",
    "早上五点多",
    "中午午休时间",
    "晚上十点以后",
)
_TIMES = ("两次", "三四次", "好几次", "七八次", "十几次", "无数次", "好多次")
_COMPOUND = ("小区", "花园", "家园", "苑", "嘉园", "新村", "佳苑", "华府")


def _stem(community: str) -> str:
    for tail in ("社区", "村", "嘎查"):
        if community.endswith(tail) and len(community) > len(tail):
            return community[: -len(tail)]
    return community


class _Slots(dict):
    """One text's slot values, drawn on first use from the text's own stream, so a slot says the
    same thing wherever it recurs in the text and its title."""

    def __init__(self, r: random.Random, address: str, community: str, urban: bool) -> None:
        super().__init__(addr=address, comm=community)
        self.r, self.urban = r, urban

    def __missing__(self, key: str) -> str:
        value = self._draw(key)
        self[key] = value
        return value

    def _draw(self, key: str) -> str:  # noqa: C901 — one branch per slot
        r = self.r
        if key == "xq":
            stem = _stem(self["comm"])
            return stem + r.choice(_COMPOUND) if self.urban else self["comm"]
        if key == "who":
            return r.choice(_SURNAMES) + r.choice(_WHO_TAILS)
        if key == "wname":
            return r.choice(_SURNAMES) + "".join(r.sample(_GIVEN, r.choice((1, 2))))
        if key == "lou":
            return f"{r.randint(1, 28)}号楼"
        if key == "dy":
            return f"{r.randint(1, 6)}单元"
        if key == "room":
            return f"{r.randint(1, 18)}0{r.randint(1, 4)}"
        if key == "zu":
            return _DIGITS[r.randint(1, 8)] + "组"
        if key == "co":
            return r.choice(_BRANDS)
        if key == "car":
            return r.choice(_CARS)
        if key == "hosp":
            return r.choice(_HOSPITALS)
        if key == "school":
            return _stem(self["comm"]) + r.choice(_SCHOOL_KINDS)
        if key == "grade":
            return r.choice(_GRADES)
        if key == "dept":
            return r.choice(_DEPTS)
        if key == "shop":
            return r.choice(_SHOPS)
        if key == "dur":
            return r.choice(_DUR)
        if key == "short":
            return r.choice(_SHORT)
        if key == "when":
            return r.choice(_WHEN).format(m=r.randint(1, 12), d=r.randint(1, 28))
        if key == "hour":
            return r.choice(_HOURS)
        if key == "times":
            return r.choice(_TIMES)
        if key == "age":
            return str(r.randint(62, 89))
        if key == "n":
            return _DIGITS[r.randint(2, 9)] if r.random() < 0.5 else str(r.randint(2, 9))
        if key == "n_ppl":
            k = r.randint(6, 60)
            return _cn(k) if r.random() < 0.5 else str(k)
        if key == "area":
            return f"{r.randint(45, 160)}{r.choice(('平米', '平方米', '平'))}"
        if key == "mu":
            k = r.randint(2, 40)
            return f"{k}亩" if r.random() < 0.6 else _cn(k) + "亩"
        if key == "price":
            return f"{r.randint(25, 90) * 100}元"
        if key == "temp":
            t = r.randint(11, 17)
            return r.choice((f"{t}度", f"{t}℃", _cn(t)[:1] + _DIGITS[t - 10] + "度"))
        if key == "money_s":
            return _money(r, 200, 5_000)
        if key == "money_m":
            return _money(r, 5_000, 90_000)
        if key == "money_l":
            return _money(r, 100_000, 2_000_000)
        raise KeyError(key)


def _fill(template: str, slots: _Slots) -> str:
    return _SLOT.sub(lambda m: slots[m.group(1)], template)


def _clause(r: random.Random, own: tuple[str, ...], shared: tuple[str, ...], p_own: float) -> str:
    return r.choice(own if r.random() < p_own else shared)


def _themes(rng: np.random.Generator, types: np.ndarray, communities: np.ndarray) -> np.ndarray:
    """Each case's recurring problem (a ``phrases.THEMES`` key) or None."""
    n = len(types)
    out = np.full(n, None, dtype=object)
    places = np.unique(communities.astype(str)) if n else np.empty(0, dtype=str)
    for name, (theme_types, _facts) in ph.THEMES.items():
        k = max(1, round(THEME_HOT_COMMUNITIES * len(places)))
        hot = rng.choice(places, size=min(k, len(places)), replace=False) if len(places) else []
        share = np.where(np.isin(communities.astype(str), hot), THEME_HOT_SHARE, THEME_BASE_SHARE)
        take = np.isin(types, theme_types) & (rng.random(n) < share) & (out == None)  # noqa: E711
        out[take] = name
    return out


def compose(
    rng: np.random.Generator,
    types: np.ndarray,
    sources: np.ndarray,
    addresses: np.ndarray,
    communities: np.ndarray,
    urban: np.ndarray,
    repeat_of: np.ndarray | None = None,
) -> Texts:
    """Title and description for each case of type ``types[i]`` reported through ``sources[i]``
    at ``addresses[i]`` in community ``communities[i]`` (``urban[i]``: a 小区, else a village).
    ``repeat_of[i] >= 0`` makes case i a repeat call about the problem of that case."""
    n = len(types)
    types = np.asarray(types, dtype=object)
    codes = list(ph.FACTS)
    u = rng.random(n)
    kind = np.where(u < AMBIGUOUS_SHARE, 1, np.where(u < AMBIGUOUS_SHARE + MULTI_SHARE, 2, 0))
    near = rng.random(n) < NEAR_SHARE
    pick_near = rng.integers(0, 1 << 30, n)
    pick_any = rng.integers(0, len(codes) - 1, n)
    theme = _themes(rng, types, np.asarray(communities, dtype=object))
    seeds = rng.integers(0, np.iinfo(np.int64).max, n)
    second = np.full(n, None, dtype=object)
    for i in np.flatnonzero(kind > 0).tolist():
        t = types[i]
        if near[i]:
            second[i] = ph.NEAR[t][pick_near[i] % len(ph.NEAR[t])]
        else:
            others = [c for c in codes if c != t]
            second[i] = others[pick_any[i] % len(others)]
    titles: list[str] = []
    descriptions: list[str] = []
    cores: list[str] = []
    for i in range(n):
        r = random.Random(int(seeds[i]))
        slots = _Slots(r, str(addresses[i]), str(communities[i]), bool(urban[i]))
        title, core = _one(r, slots, types[i], int(kind[i]), second[i], theme[i])
        frame = _fill(r.choice(ph.FRAMES.get(str(sources[i]), ph.FRAMES["other"])), slots)
        if r.random() < FILLER_SHARE:
            frame += r.choice(ph.FILLERS)
        end = r.choice(("。", "。", "。", "！", ""))
        tail = r.choice(ph.CHANNEL_TAILS.get(str(sources[i]), ("",)))
        titles.append(title)
        cores.append(core + (end or "。"))
        descriptions.append(_noise(r, frame + core + (end or (" " if tail else "")) + tail))
    kinds = obj([KINDS[k] for k in kind.tolist()])
    if repeat_of is not None:
        for i in np.flatnonzero(np.asarray(repeat_of) >= 0).tolist():
            j = int(repeat_of[i])
            r = random.Random(int(seeds[i]) ^ 0x5EED)
            titles[i] = titles[j] + (REPEAT_TITLE_MARK if r.random() < 0.4 else "")
            descriptions[i] = _noise(r, r.choice(ph.REPEAT_FRAMES) + cores[j])
            kinds[i], second[i], theme[i] = "repeat", second[j], theme[j]
    return Texts(obj(titles), obj(descriptions), kinds, second, theme)


def _one(
    r: random.Random, s: _Slots, t: str, kind: int, second: str | None, theme: str | None
) -> tuple[str, str]:
    """(title, the text after the channel's opening) of one case."""
    fact, title, *asked = r.choice(ph.THEMES[theme][1] if theme else ph.FACTS[t])
    told = t  # whose words the details are in
    if kind == 1 and second and r.random() < HARD_SHARE:
        # The other type's problem, filed under this one for what the caller also said: a
        # reader could file it either way.
        fact, title, *asked = r.choice(ph.FACTS[second])
        told, second = second, t
    places = ph.URBAN_PLACES if s.urban else ph.RURAL_PLACES
    place = r.choice(places) if r.random() < 0.85 else ""
    if place and not place.endswith("，") and r.random() < 0.7:
        place += "，"
    pool = ph.DETAILS[told] + ph.DETAILS_SHARED
    parts = [fact, *r.sample(pool, r.choice((0, 1, 1, 2)))]
    if kind == 1 and second:  # ambiguous: a touch of the second type in its own words
        parts.insert(r.randint(1, len(parts)), r.choice(ph.CONTEXT[second]))
    body = "，".join(parts)
    if asked and r.random() < 0.7:
        demand = asked[0]
    else:
        demand = _clause(r, ph.DEMANDS[t], ph.DEMANDS_SHARED, 0.75)
    if kind == 2 and second:  # two problems, two demands
        other, _title, *other_asked = r.choice(ph.FACTS[second])
        body = r.choice(ph.MULTI_OPENERS).format(a=body, b=other)
        demand += "，" + r.choice(("同时", "另外", "也"))
        demand += other_asked[0] if other_asked else r.choice(ph.DEMANDS[second])
        title = title + r.choice(("等问题", "等两个问题", "", "等"))
    if r.random() < 0.35:
        body += "，" + r.choice(ph.EMOTIONS)
    core = place + body + "，" + demand
    if r.random() < 0.2 and not title.startswith("{"):
        title = r.choice(("{xq}", "{comm}")) + title if s.urban else "{comm}" + title
    return _fill(title, s), _fill(core, s)


def _noise(r: random.Random, text: str) -> str:
    """Typos, and now and then a text typed without punctuation."""
    if r.random() < TYPO_SHARE:
        present = [pair for pair in ph.TYPOS if pair[0] in text]
        if present:
            right, wrong = r.choice(present)
            text = text.replace(right, wrong, 1)
    if r.random() < NO_PUNCTUATION_SHARE:
        text = _PUNCTUATION.sub(r.choice(("", " ")), text).strip()
    return text

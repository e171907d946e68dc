"""Concentrated-demand clustering on synthetic titles: planted groups are found whole, one-off
complaints stay out, the labels name the planted problem, and the trend splits by time."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from classify.demands import Case, find
from domain.clock import LOCAL_TZ

START = datetime(2026, 9, 1, tzinfo=LOCAL_TZ)
PLANTED = {
    "fire": ["违建堵塞消防通道", "小区违建堵塞消防通道", "违建占用消防通道", "楼下违建堵塞消防通道",
             "违章建筑堵塞消防通道", "违建堵了消防通道"],
    "water": ["老旧小区频繁停水停电", "小区频繁停水停电", "老旧小区经常停水停电", "频繁停水停电没人管",
              "老小区频繁停水停电", "小区又停水停电"],
    "roof": ["顶楼房屋漏水", "顶楼漏水没人修", "顶楼房屋屋面漏水", "顶楼房屋漏水严重",
             "顶层房屋漏水", "顶楼房屋又漏水"],
}  # fmt: skip
NOISE = ["预付卡余额不退", "邻居停车堵门", "边户暖气不热", "夫妻因子女教育发生冲突", "邻居树木越界",
         "公交急刹乘客摔伤", "针灸断针致伤", "企业停工只发生活费", "干洗店洗坏衣物", "医疗鉴定争议",
         "宅基地界址纠纷", "网购退货商家拒收", "装修噪音扰民", "宠物狗咬伤邻居", "物业费上涨争议"]  # fmt: skip


def _cases(seed: int = 7) -> tuple[list[Case], dict[str, set[int]]]:
    rng = random.Random(seed)
    cases, groups, n = [], {}, 0
    for name, titles in PLANTED.items():
        groups[name] = set()
        for title in titles:
            n += 1
            # The later ones come in the second half: the planted demands are rising.
            day = rng.randint(0, 29) if len(groups[name]) < 2 else rng.randint(30, 59)
            cases.append(Case(n, title, START + timedelta(days=day), name))
            groups[name].add(n)
    for title in NOISE:
        n += 1
        cases.append(Case(n, title, START + timedelta(days=rng.randint(0, 59)), "other"))
    rng.shuffle(cases)
    return cases, groups


def test_dem001_planted_groups_are_found_whole_and_noise_stays_out() -> None:
    cases, groups = _cases()
    found = find(cases, split_at=START + timedelta(days=30))
    assert sorted(set(d.case_ids) for d in found) == sorted(groups.values(), key=sorted)
    by_type = {d.main_type: d for d in found}
    assert set(by_type) == set(PLANTED)
    assert {d.recent for d in found} == {4} and {d.earlier for d in found} == {2}


def test_dem002_labels_name_the_planted_problem() -> None:
    cases, _ = _cases()
    labels = {d.main_type: d.label for d in find(cases, split_at=START + timedelta(days=30))}
    assert "消防" in labels["fire"] and "漏水" in labels["roof"] and "停水" in labels["water"]


def test_dem003_too_few_or_unrelated_cases_make_no_group() -> None:
    assert find([Case(i, t, START, "x") for i, t in enumerate(NOISE)], split_at=START) == []
    assert find([Case(1, "顶楼房屋漏水", START, "x")], split_at=START) == []

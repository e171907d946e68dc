"""Case risk levels 红/橙/黄/蓝 by explainable rules: each rule that fires adds points and says
why, and the sum gives the level. The same rules run for every case (in the database's batch
and for a single case on the desk), so the desk can show *which rules fired*.

| rule | points | fires when |
|---|---:|---|
| severe_type | 2 | 拆迁征收, 土地林地, 劳资纠纷, 行政争议: types that turn collective or go to petition |
| serious_type | 1 | 医疗纠纷, 交通事故: injury or money at stake |
| many_parties | 1 / 2 / 3 | 6+ / 12+ / 30+ parties (30+: 群体性) |
| key_person | 2 | a key person (重点人员) is a party |
| repeat_place | 1 | 3+ cases of the same type within 200 m in the last 30 days |
| repeat_reporter | 1 / 2 | the same reporter's 2nd / 3rd+ case in 90 days (重复来电) |
| petition_or_court | 1 | came through 信访 or the court's pre-litigation referral |
| overdue | 1 | open past its resolution deadline |
| supervised | 1 / 2 | under 督办 / 挂牌督办 |
| reopened | 1 | reopened after an unsatisfied return call (重办) |
| assessed | 1 / 2 | the intake desk judged it medium / high risk (接办研判) |

Levels by total points: 红 red ≥ 6, 橙 orange 4–5, 黄 yellow 2–3, 蓝 blue 0–1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

COLOURS = ("blue", "yellow", "orange", "red")  # 蓝 / 黄 / 橙 / 红, lowest first
LEVEL_FLOORS = {"red": 6, "orange": 4, "yellow": 2, "blue": 0}
SEVERE_TYPES = frozenset({"demolition", "land", "labour", "administrative"})
SERIOUS_TYPES = frozenset({"medical", "traffic"})
RULES = (
    "severe_type",
    "serious_type",
    "many_parties",
    "key_person",
    "repeat_place",
    "repeat_reporter",
    "petition_or_court",
    "overdue",
    "supervised",
    "reopened",
    "assessed",
)


@dataclass(frozen=True)
class CaseFacts:
    """What the rules look at for one case (the database counts the repeats)."""

    type_code: str
    parties: int = 2
    involves_key_person: bool = False
    source: str = "hotline"
    same_place_recent: int = 0  # cases of the same type within 200 m in 30 days, this one too
    same_reporter_recent: int = 0  # this reporter's cases in 90 days, this one too
    overdue: bool = False
    supervision_level: int = 0
    reopen_count: int = 0
    assessed: str = "low"  # the intake desk's judgement (dispute.risk_level)


@dataclass(frozen=True)
class Fired:
    rule: str
    points: int
    detail: str


@dataclass(frozen=True)
class Assessment:
    level: str
    points: int
    fired: tuple[Fired, ...] = field(default_factory=tuple)


def level_of(points: int) -> str:
    """The colour for a total of ``points``."""
    for colour in reversed(COLOURS):
        if points >= LEVEL_FLOORS[colour]:
            return colour
    return "blue"


def assess(f: CaseFacts) -> Assessment:
    """The level of one case and the rules that fired, in rule order."""
    fired: list[Fired] = []
    if f.type_code in SEVERE_TYPES:
        fired.append(Fired("severe_type", 2, f.type_code))
    elif f.type_code in SERIOUS_TYPES:
        fired.append(Fired("serious_type", 1, f.type_code))
    if f.parties >= 6:
        fired.append(Fired("many_parties", 3 if f.parties >= 30 else 2 if f.parties >= 12 else 1,
                           str(f.parties)))  # fmt: skip
    if f.involves_key_person:
        fired.append(Fired("key_person", 2, ""))
    if f.same_place_recent >= 3:
        fired.append(Fired("repeat_place", 1, str(f.same_place_recent)))
    if f.same_reporter_recent >= 2:
        fired.append(Fired("repeat_reporter", 2 if f.same_reporter_recent >= 3 else 1,
                           str(f.same_reporter_recent)))  # fmt: skip
    if f.source in ("petition", "court"):
        fired.append(Fired("petition_or_court", 1, f.source))
    if f.overdue:
        fired.append(Fired("overdue", 1, ""))
    if f.supervision_level >= 2:
        fired.append(Fired("supervised", 2 if f.supervision_level >= 3 else 1,
                           str(f.supervision_level)))  # fmt: skip
    if f.reopen_count > 0:
        fired.append(Fired("reopened", 1, str(f.reopen_count)))
    if f.assessed in ("medium", "high"):
        fired.append(Fired("assessed", 2 if f.assessed == "high" else 1, f.assessed))
    points = sum(x.points for x in fired)
    return Assessment(level_of(points), points, tuple(fired))


# A grid's risk score (0–100): each component's percentile among the city's grids (the share of
# grids with a smaller value, so a zero scores nothing) times its weight.
GRID_WEIGHTS = {
    "density": 30.0,  # cases in the last 30 days per 1,000 residents
    "trend": 20.0,  # last 30 days against the 90 before, (recent + 1) / (before / 3 + 1)
    "open_high": 20.0,  # open high-risk cases
    "key_persons": 15.0,  # key persons, high-risk ones twice
    "patrol_gap": 15.0,  # share of buildings without a patrol visit in 30 days
}
GRID_CLASSES = (("red", 75.0), ("orange", 50.0), ("yellow", 25.0), ("blue", 0.0))


def percentile_below(values: list[float]) -> list[float]:
    """For each value, the share of all values strictly below it (0 for the smallest)."""
    n = len(values)
    if n == 0:
        return []
    order = sorted(values)
    from bisect import bisect_left

    return [bisect_left(order, v) / n for v in values]


def grid_scores(components: dict[str, list[float]]) -> tuple[list[float], dict[str, list[float]]]:
    """Scores of grids (aligned lists per component of ``GRID_WEIGHTS``) and each component's
    points, so a grid shows why it scores what it does."""
    points = {
        name: [weight * p for p in percentile_below(components[name])]
        for name, weight in GRID_WEIGHTS.items()
    }
    n = len(next(iter(components.values()), []))
    scores = [sum(points[name][i] for name in GRID_WEIGHTS) for i in range(n)]
    return scores, points


def grid_class(score: float) -> str:
    """The colour of a grid score."""
    return next(colour for colour, floor in GRID_CLASSES if score >= floor)

"""Key persons (重点人员) and the cases around them: who is bound to which case, a dynamic risk
re-evaluated from the recent cases, and rule-based management advice (管控建议).

Bound (``BIND_REASONS``): a **party** — the case's reporter phone is the person's; **nearby** —
the case happened within ``BIND_RADIUS_M`` of where the person lives (their building or unit),
in the last year.

Dynamic risk: the registered level, raised one step (at most to high) for each of: two or more
bound cases in the last 90 days; an open bound case coloured 红 or 橙; being a party to two or more
cases in 90 days (repeat reporter); a bound case from 信访 or the court in 90 days.

Advice follows the dynamic level (visit every 7 / 14 / 30 days; daily phone contact when high)
and adds what the recent cases call for (follow an open case, petition watch, a visit within
72 hours after a new case).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.tasks import KEY_PERSON_INTERVAL

BIND_RADIUS_M = 30.0
BIND_REASONS = ("party", "nearby")
LEVELS = ("low", "medium", "high")


@dataclass(frozen=True)
class BoundCase:
    reason: str
    reported_on: date
    open: bool
    colour: str | None  # the case's risk colour
    source: str
    source_ref: str


@dataclass(frozen=True)
class Assessment:
    level: str
    reasons: tuple[str, ...]
    advice: tuple[str, ...]


def assess(base: str, cases: list[BoundCase], today: date) -> Assessment:
    """The dynamic level, why, and the advice for a person of registered level ``base``."""
    recent = [c for c in cases if (today - c.reported_on).days <= 90]
    reasons = []
    if len(recent) >= 2:
        reasons.append(f"近90天关联案件{len(recent)}件")
    hot = [c for c in cases if c.open and c.colour in ("red", "orange")]
    if hot:
        reasons.append(f"关联高风险在办案件{len(hot)}件")
    as_party = [c for c in recent if c.reason == "party"]
    if len(as_party) >= 2:
        reasons.append(f"近90天本人反映{len(as_party)}次（重复来电）")
    petitions = [c for c in recent if c.source in ("petition", "court")]
    if petitions:
        reasons.append("近90天涉信访或诉讼")
    start = LEVELS.index(base) if base in LEVELS else 0
    level = LEVELS[min(start + len(reasons), len(LEVELS) - 1)]
    interval = KEY_PERSON_INTERVAL[level]
    advice = [f"每{interval}天上门走访一次"]
    if level == "high":
        advice.append("每日电话联系，掌握动态")
    for c in [c for c in cases if c.open][:3]:
        advice.append(f"跟进案件{c.source_ref}办理，参与化解")
    if petitions:
        advice.append("做好信访稳控，提前研判诉求")
    newest = max((c.reported_on for c in cases), default=None)
    if newest is not None and (today - newest).days <= 3:
        advice.append("新发案件72小时内上门了解诉求")
    return Assessment(level, tuple(reasons), tuple(advice))

"""微治理 (micro-governance): what the panel counts, as rules a product owner would recognise.

小事不出楼栋 — a case reported by a building or unit chief (source ``building_chief``) is *settled
at building level* when the workflow handed it (交办) to the grid's own worker — never to a
department or a mediation room — and its 化解 ended in agreement or withdrawal. The share is taken
over the chiefs' reports that have reached 化解 (an outcome recorded); open cases and merged
duplicates are not in it. ``geodata.read.governance`` counts the same rule in SQL from these names.
"""

from __future__ import annotations

from domain.vocab import RESOLVING_OUTCOMES

CHIEF_SOURCE = "building_chief"
# Who works a case that stays in the building: the grid's worker (assignee kind at 交办).
BUILDING_LEVEL_ASSIGNEES = ("grid_worker",)
SETTLING_OUTCOMES = RESOLVING_OUTCOMES


def settled_in_building(source: str, assignee_kind: str | None, outcome_code: str | None) -> bool:
    """Whether a case is a chief's report settled at building level (小事不出楼栋)."""
    return (
        source == CHIEF_SOURCE
        and assignee_kind in BUILDING_LEVEL_ASSIGNEES
        and outcome_code in SETTLING_OUTCOMES
    )


def closed_report(source: str, outcome_code: str | None) -> bool:
    """Whether a case counts in the share's denominator: a chief's report that reached 化解."""
    return source == CHIEF_SOURCE and outcome_code is not None


def share(part: int, whole: int) -> float | None:
    """``part / whole``, None when there is nothing to divide (no closed report yet)."""
    return part / whole if whole else None


def within(code: str, own: str, own_is_city: bool) -> bool:
    """Whether area ``code`` lies in the caller's own area ``own`` (codes nest by prefix; the
    city's code holds every area)."""
    return bool(code) and bool(own) and (own_is_city or code.startswith(own))


def home_area(areas: tuple[str, ...]) -> str:
    """The area the panel opens on: the caller's own (a grid worker's: their grid's community)."""
    own = areas[0] if areas else ""
    return own[:12] if len(own) == 15 else own

"""Risk-driven patrol tasks (巡查任务): every morning a reasoned list per grid for its worker.

What goes on the list, in priority order, at most ``MAX_PER_GRID`` a day per grid:

| kind | when | priority | due |
|---|---|---|---|
| case | an open case in the grid waits for an on-site check (not yet signed for, or handed to the grid's worker) | urgent for a high-risk case, high otherwise | today |
| key_person | a key person has had no patrol visit within 50 m for longer than their risk allows (high 7 days, medium 14, low 30) | urgent (high), high (medium), normal (low) | today |
| risk | the grid's risk score is 红 (≥ 75) | high | today |
| coverage | a building of the grid had no patrol visit in 30 days (the two longest unvisited) | normal | in 3 days |

A task closes by itself when a patrol visit of its grid covers it inside its window (from the day
it was made to its due day): the same building, or within ``COVER_RADIUS_M`` of its point; a
grid-wide task by any visit in the grid. The worker can also mark it handled or found (发现问题).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

MAX_PER_GRID = 5
COVER_RADIUS_M = 50.0
COVERAGE_DAYS = 30
COVERAGE_PER_GRID = 2
# How far back the database looks for a covering visit (None beyond it).
LOOKBACK_DAYS = 60
KEY_PERSON_INTERVAL = {"high": 7, "medium": 14, "low": 30}
PRIORITY_ORDER = ("urgent", "high", "normal", "low")


@dataclass(frozen=True)
class Candidate:
    """Something a grid's worker might go and see (the database finds them)."""

    kind: str  # case | key_person | risk | coverage
    grid_code: str
    target_id: int | None = None  # case, key person or building id
    risk: str | None = None  # the case's or key person's risk level
    days_since: int | None = None  # days since the last covering visit (key persons, buildings)
    label: str = ""  # what to name in the reason (a building address, a case title, a name)
    score: float | None = None  # the grid's risk score (risk kind)


@dataclass(frozen=True)
class PlannedTask:
    kind: str
    grid_code: str
    target_id: int | None
    priority: str
    due_on: date
    reason: str


def plan(candidate: Candidate, today: date) -> PlannedTask | None:
    """The task for one candidate, or None when it does not call for one today."""
    c = candidate
    if c.kind == "case":
        priority = "urgent" if c.risk == "high" else "high"
        return PlannedTask("case", c.grid_code, c.target_id, priority, today,
                           f"现场核实案件：{c.label}")  # fmt: skip
    if c.kind == "key_person":
        interval = KEY_PERSON_INTERVAL.get(c.risk or "low", 30)
        if c.days_since is not None and c.days_since < interval:
            return None
        priority = {"high": "urgent", "medium": "high"}.get(c.risk or "low", "normal")
        since = (
            f"{LOOKBACK_DAYS}天内未走访" if c.days_since is None else f"已{c.days_since}天未走访"
        )
        return PlannedTask("key_person", c.grid_code, c.target_id, priority, today,
                           f"重点人员走访（{since}，应每{interval}天一次）")  # fmt: skip
    if c.kind == "risk":
        if c.score is None or c.score < 75:
            return None
        return PlannedTask("risk", c.grid_code, None, "high", today,
                           f"高风险网格加密巡查（风险分{c.score:.0f}）")  # fmt: skip
    if c.kind == "coverage":
        if c.days_since is not None and c.days_since < COVERAGE_DAYS:
            return None
        since = f"{LOOKBACK_DAYS}天内未巡查" if c.days_since is None else f"{c.days_since}天未巡查"
        return PlannedTask("coverage", c.grid_code, c.target_id, "normal",
                           today + timedelta(days=3), f"巡查空白楼栋：{c.label}（{since}）")  # fmt: skip
    raise ValueError(f"unknown task kind {c.kind!r}")


def plan_day(candidates: list[Candidate], today: date) -> list[PlannedTask]:
    """The day's tasks: per grid at most ``MAX_PER_GRID``, most urgent first (cases, then key
    persons, then the grid, then buildings; ties by how long since the last visit)."""
    kinds = ("case", "key_person", "risk", "coverage")
    by_grid: dict[str, list[tuple[tuple, PlannedTask]]] = {}
    for c in candidates:
        task = plan(c, today)
        if task is None:
            continue
        rank = (PRIORITY_ORDER.index(task.priority), kinds.index(task.kind),
                -(c.days_since if c.days_since is not None else 10**6), task.target_id or 0)  # fmt: skip
        by_grid.setdefault(c.grid_code, []).append((rank, task))
    out: list[PlannedTask] = []
    for grid in sorted(by_grid):
        ranked = sorted(by_grid[grid], key=lambda x: x[0])
        out.extend(task for _rank, task in ranked[:MAX_PER_GRID])
    return out


def completion_rate(done: int, total: int) -> float | None:
    """Share of tasks done (None when there were none)."""
    return None if total == 0 else done / total

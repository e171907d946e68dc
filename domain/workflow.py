"""The case workflow as a transition table: which action moves a case from which status to which.

接办 accept → received; 交办 assign → assigned; 商办 consult / 督办 supervise → in_progress;
化解 resolve → resolved or unresolved (by the outcome); 评价 evaluate keeps the status;
归档 archive → archived (only a resolved case). 代办 proxy attaches an agent and keeps the status.
The demo generator replays these rules to derive every case's status from its history, so the
demo and the rules cannot disagree. A sub-case (lock) is open → done | failed; a whistle moves
吹哨 raised → 应哨 responded → 评价 evaluated → 评估 assessed.
"""

from __future__ import annotations

from collections.abc import Iterable

from domain.vocab import DISPUTE_ACTIONS, DISPUTE_STATUSES, OPEN_STATUSES

_ANY_OPEN = frozenset(OPEN_STATUSES)
# action → (statuses it may be taken from, status after it; None keeps the status).
# ``resolve`` goes to "resolved" or "unresolved" by its outcome (see ``after``).
CASE_TRANSITIONS: dict[str, tuple[frozenset[str | None], str | None]] = {
    "accept": (frozenset({None}), "received"),
    "proxy": (_ANY_OPEN, None),
    "assign": (frozenset({"received", "assigned"}), "assigned"),
    "consult": (frozenset({"assigned", "in_progress"}), "in_progress"),
    "supervise": (_ANY_OPEN, None),
    "resolve": (frozenset({"assigned", "in_progress"}), "resolved"),
    "evaluate": (frozenset({"resolved", "unresolved"}), None),
    "archive": (frozenset({"resolved"}), "archived"),
}
SUB_CASE_TRANSITIONS = {
    "open": frozenset({"done", "failed"}),
    "done": frozenset(),
    "failed": frozenset(),
}
WHISTLE_ORDER = ("raised", "responded", "evaluated", "assessed")

assert set(CASE_TRANSITIONS) == set(DISPUTE_ACTIONS)


class TransitionError(ValueError):
    """An action that the case's status does not allow."""

    def __init__(self, status: str | None, action: str) -> None:
        super().__init__(f"action {action!r} is not allowed in status {status!r}")
        self.status = status
        self.action = action


def allowed(status: str | None) -> tuple[str, ...]:
    """The actions a case in ``status`` (None: not yet registered) may take, in action order."""
    return tuple(a for a in DISPUTE_ACTIONS if status in CASE_TRANSITIONS[a][0])


def after(status: str | None, action: str, *, success: bool = True) -> str:
    """The status after ``action``; TransitionError when ``status`` does not allow it.

    Supervision of an assigned case starts the work (督办 puts it in progress)."""
    if action not in CASE_TRANSITIONS:
        raise ValueError(f"unknown action {action!r}")
    sources, target = CASE_TRANSITIONS[action]
    if status not in sources:
        raise TransitionError(status, action)
    if action == "resolve":
        return "resolved" if success else "unresolved"
    if action == "supervise" and status == "assigned":
        return "in_progress"
    if target is None:
        assert status is not None
        return status
    return target


def replay(actions: Iterable[str], *, success: bool = True) -> str:
    """The status a case reaches through ``actions`` in order (``success``: the resolve outcome)."""
    status: str | None = None
    for action in actions:
        status = after(status, action, success=success)
    if status is None:
        raise ValueError("a case history starts with accept")
    assert status in DISPUTE_STATUSES
    return status


def is_open(status: str) -> bool:
    """Whether a case in ``status`` is still being worked on (在办)."""
    return status in _ANY_OPEN


def sub_case_after(status: str, new: str) -> str:
    """A lock's next status; TransitionError unless open → done | failed."""
    if new not in SUB_CASE_TRANSITIONS.get(status, ()):
        raise TransitionError(status, new)
    return new


def whistle_after(status: str | None) -> str:
    """A whistle's next stage (None → raised); TransitionError after the last."""
    if status is None:
        return WHISTLE_ORDER[0]
    i = WHISTLE_ORDER.index(status)
    if i + 1 >= len(WHISTLE_ORDER):
        raise TransitionError(status, "next")
    return WHISTLE_ORDER[i + 1]

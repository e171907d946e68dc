"""吹哨 → 应哨 → 评价 → 评估: a community raises a problem it cannot solve (吹哨), the county
department the catalogue names answers within the item's limit in working days (应哨), the
community rates the answer (评价, 1–5), and a periodic assessment (评估) ranks the departments
and closes the round. Refusals name the stage and what is allowed, like the case rules.

Who: the raising side (乡镇街道, 区县, 市级 and the administrator) raises and rates; the named
department (or a district or city desk on its behalf) answers; district and city assess. An
unanswered whistle past its limit is supervised like a case (``domain.sla``).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.workflow import Actor, ForbiddenAction, GuardError, TransitionError

STAGES = ("raised", "responded", "evaluated", "assessed")
ACTIONS = {"respond": ("raised", "responded"), "evaluate": ("responded", "evaluated"),
           "assess": ("evaluated", "assessed")}  # fmt: skip
RAISERS = frozenset({"township", "district", "city", "admin"})
ASSESSORS = frozenset({"district", "city", "admin"})


@dataclass(frozen=True)
class WhistleState:
    status: str
    responding_department: str | None = None


def may(actor: Actor, action: str, whistle: WhistleState | None = None) -> bool:
    """Whether ``actor`` may take ``action`` (raise, respond, evaluate, assess)."""
    if action in ("raise", "evaluate"):
        return actor.role in RAISERS
    if action == "assess":
        return actor.role in ASSESSORS
    if action == "respond":
        if actor.role in ASSESSORS:
            return True
        return (
            actor.role == "department"
            and whistle is not None
            and actor.department is not None
            and actor.department == whistle.responding_department
        )
    return False


def after(whistle: WhistleState, action: str, actor: Actor, params: dict) -> tuple[str, dict]:
    """(next stage, checked values) for ``action``; TransitionError / GuardError /
    ForbiddenAction otherwise."""
    if action not in ACTIONS:
        raise GuardError(f"unknown whistle action {action!r}")
    source, target = ACTIONS[action]
    if whistle.status != source:
        allowed = [a for a, (src, _t) in ACTIONS.items() if src == whistle.status]
        err = TransitionError(whistle.status, action)
        err.args = (
            f"action {action!r} is not allowed for a whistle that is {whistle.status!r};"
            f" allowed: {', '.join(allowed) or 'none'}",
        )
        raise err
    if not may(actor, action, whistle):
        raise ForbiddenAction(f"role {actor.role!r} may not {action} this whistle")
    values: dict = {}
    if action == "respond":
        text = params.get("response")
        if not isinstance(text, str) or not text.strip():
            raise GuardError("应哨 needs the department's answer (response)")
        values["response"] = text.strip()[:4000]
    elif action == "evaluate":
        score = params.get("evaluation")
        if isinstance(score, bool) or score not in (1, 2, 3, 4, 5):
            raise GuardError("evaluation is 1 (very unsatisfied) to 5 (very satisfied)")
        values["evaluation"] = score
        note = params.get("note")
        values["evaluation_note"] = (
            note.strip()[:2000] if isinstance(note, str) and note.strip() else None
        )
    return target, values

"""The desk's action form → the workflow's parameters (``domain.workflow.decide``).

The form's inputs arrive as {parameter name: value} from pattern-matching ids; anything a
browser (or a forger) could send is checked here for shape only — the rules and the database
check meaning. A value of the wrong shape is dropped, so the rules name what is missing.
"""

from __future__ import annotations

from typing import Any

from app.components.case_drawer import SPLIT_ROWS

_TEXT = ("note", "agent", "participants", "minutes", "outcome", "facts", "law", "plan",
         "type_code", "risk_level", "department", "kind")  # fmt: skip
_INTS = ("room_id", "mediator_id", "worker_id", "level", "lock_id", "satisfaction")


def field_values(states: Any) -> dict[str, Any]:
    """{name: value} from Dash's ``states_list`` entry for ALL pattern-matching fields."""
    out: dict[str, Any] = {}
    for item in states if isinstance(states, list) else []:
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, dict) and isinstance(ident.get("index"), str):
            out[ident["index"]] = item.get("value")
    return out


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**31:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 10:
        return int(value.strip())
    return None


def _codes(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str) and v][:20] if isinstance(value, list) else []


def params_for(action: str, values: dict[str, Any]) -> dict[str, Any]:
    """The workflow parameters for ``action`` from the form's values (``merge``'s ``into`` stays
    text: the caller resolves a case reference to an id it can see)."""
    p: dict[str, Any] = {}
    for name in _TEXT:
        if isinstance(values.get(name), str) and values[name].strip():
            p[name] = values[name]
    for name in _INTS:
        number = _int(values.get(name))
        if number is not None:
            p[name] = number
    if action == "assign":
        p["cooperating"] = _codes(values.get("cooperating"))
        days = _int(values.get("limit_days"))
        if days is not None:
            p["limit_days"] = days
    elif action == "consult":
        p["departments"] = _codes(values.get("departments"))
    elif action == "split":
        locks = []
        for i in range(1, SPLIT_ROWS + 1):
            dep, task = values.get(f"lock_department_{i}"), values.get(f"lock_task_{i}")
            if not dep and not task:
                continue
            locks.append({"department": dep, "task": task,
                          "limit_days": _int(values.get(f"lock_days_{i}"))})  # fmt: skip
        p["locks"] = locks
    elif action == "unlock":
        p["success"] = {"yes": True, "no": False}.get(values.get("success"))
    elif action == "resolve":
        p["outcome"] = values.get("outcome_code")
    elif action == "archive":
        p["unreachable"] = values.get("unreachable") == "yes"
    elif action == "locate":
        for name in ("lon", "lat"):
            value = values.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                p[name] = float(value)
    elif action == "merge":
        p["into"] = values.get("into") if isinstance(values.get("into"), str) else None
    return p

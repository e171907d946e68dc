"""微治理 (micro-governance) figures: per child area of an area (district/city roll-ups for the
leader), per compound of a community, and a community's grid workers and chiefs (masked).

Row-level security decides which people and cases are counted; compounds and mediation rooms are
not personal and are filtered by the area asked for. 小事不出楼栋 follows ``domain.governance``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

from domain import governance
from domain.vocab import AREA_LEVELS
from geodata.read import features
from geodata.sql import query

# Child code length per level of the area asked for (a community shows its compounds instead).
CHILD_LENGTH = {"city": 6, "district": 9, "township": 12}
MAX_PEOPLE = 300
GOLD = "gold"

_ROLLUP = text(query("read/governance_rollup"))
_COMPOUNDS = text(query("read/governance_compounds"))


def _masked(kind: str, column: str) -> str:
    mask = features.mask_name_sql if kind == "name" else features.mask_phone_sql
    return f"CASE WHEN :cleared THEN {column} ELSE {mask(column)} END"


_PEOPLE = text(
    query("read/governance_people").format(
        w_name=_masked("name", "w.name"),
        w_phone=_masked("phone", "w.phone"),
        c_name=_masked("name", "c.name"),
        c_phone=_masked("phone", "c.phone"),
    )  # fmt: skip
)


def _rule() -> dict[str, Any]:
    return {
        "chief": governance.CHIEF_SOURCE,
        "assignees": list(governance.BUILDING_LEVEL_ASSIGNEES),
        "settling": list(governance.SETTLING_OUTCOMES),
    }


def area(conn: Connection, code: str) -> dict[str, Any] | None:
    """The area's code, name and level (None for an unknown code)."""
    row = conn.execute(
        text("SELECT code, name, level FROM admin_area WHERE code = :c"), {"c": code}
    ).mappings().first()  # fmt: skip
    return dict(row) if row and row["level"] in AREA_LEVELS else None


def rollup(conn: Connection, code: str, level: str) -> list[dict[str, Any]]:
    """Per child area of ``code`` (a city, district or township): the panel's figures."""
    length = CHILD_LENGTH[level]
    prefix = "" if level == "city" else code
    rows = conn.execute(_ROLLUP, {"parent": code, "prefix": prefix, "len": length,
                                  "gold": GOLD, **_rule()}).mappings()  # fmt: skip
    return [_with_share(dict(r)) for r in rows]


def compounds(conn: Connection, community: str) -> list[dict[str, Any]]:
    """The compounds of one community with their figures."""
    rows = conn.execute(_COMPOUNDS, {"community": community, **_rule()}).mappings()
    return [_with_share({**r, "id": int(r["id"])}) for r in rows]


def people(conn: Connection, community: str, cleared: bool) -> list[dict[str, Any]]:
    """A community's grid workers and chiefs (at most ``MAX_PEOPLE`` of each), masked unless
    ``cleared``."""
    rows = conn.execute(
        _PEOPLE, {"community": community, "limit": MAX_PEOPLE, "cleared": cleared}
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The roll-up of child rows: sums, the fee rate weighted by compounds, the share again."""
    out: dict[str, Any] = {}
    for key in ("grid_workers", "building_chiefs", "unit_chiefs", "compounds", "party_branches",
                "party_groups", "committees", "party_led", "fee_changed", "gold_rooms",
                "legal_volunteers", "trainings", "consultations", "gold_resolved",
                "chief_reports", "chief_closed", "chief_settled"):  # fmt: skip
        out[key] = sum(int(r.get(key) or 0) for r in rows)
    out["fee_rate"] = _weighted(rows, "fee_rate", "compounds")
    out["fee_before"] = _weighted(rows, "fee_before", "fee_changed")
    out["fee_after"] = _weighted(rows, "fee_after", "fee_changed")
    return _with_share(out)


def _weighted(rows: list[dict[str, Any]], key: str, weight: str) -> float | None:
    pairs = [(float(r[key]), int(r[weight])) for r in rows if r.get(key) is not None]
    n = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / n if n else None


def _with_share(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("fee_rate", "fee_before", "fee_after", "fee_collection_rate",
                "fee_collection_rate_before"):  # fmt: skip
        if row.get(key) is not None:
            row[key] = float(row[key])
    row["settled_share"] = governance.share(int(row["chief_settled"]), int(row["chief_closed"]))
    return row


def area_options(conn: Connection, code: str) -> list[dict[str, str]]:
    """The caller's own area and the areas one level below it (what the panel offers)."""
    rows = conn.execute(
        text(
            "SELECT code, name FROM admin_area WHERE code = :a OR parent_code = :a"
            " ORDER BY (code = :a) DESC, code"
        ),
        {"a": code},
    ).all()
    return [{"label": name, "value": c} for c, name in rows]

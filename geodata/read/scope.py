"""Which grids lie inside an area, and which child area a grid falls in, by the area's level.

Written once here; every query that scopes grids to an area (summaries, per-grid figures,
children) takes its fragment from :func:`grid_scope`. Fragments are fixed SQL over the grid alias
``g``; the area's code is always a bound value.
"""

from __future__ import annotations

from typing import Any

# A grid row carries its community and its district; a township is the parent of its
# communities, so its grids are found through them. The city holds every grid.
_GRID_SCOPE = {
    "city": "TRUE",
    "district": "g.district_code = :area_code",
    "township": "g.community_code IN (SELECT code FROM admin_area WHERE parent_code = :area_code)",
    "community": "g.community_code = :area_code",
    "grid": "g.code = :area_code",
}
SCOPE_LEVELS: tuple[str, ...] = tuple(_GRID_SCOPE)

# The child area (one level below the parent) a grid falls in: an expression over ``g`` and the
# join it needs (``c``: the grid's community, whose parent is the township).
_CHILD_OF_GRID = {
    "city": ("g.district_code", ""),
    "district": ("c.parent_code", "JOIN admin_area c ON c.code = g.community_code"),
    "township": ("g.community_code", ""),
    "community": ("g.code", ""),
}


def grid_scope(level: str, code: str) -> tuple[str, dict[str, Any]]:
    """``WHERE`` fragment over ``g`` for the grids inside area ``code`` of ``level``, and its values."""
    if level not in _GRID_SCOPE:
        raise ValueError(f"unknown level {level!r}")
    if level == "city":
        return _GRID_SCOPE[level], {}
    return _GRID_SCOPE[level], {"area_code": code}


def grid_child_key(parent_level: str) -> tuple[str, str]:
    """(expression over ``g``, join it needs): the child area of ``parent_level`` holding a grid."""
    if parent_level not in _CHILD_OF_GRID:
        raise ValueError(f"level {parent_level!r} has no children")
    return _CHILD_OF_GRID[parent_level]

"""The level→grid scope (``geodata.read.scope``) against the hierarchy walked in plain SQL.

On the small demo: for every area of every level, the grids its fragment selects are those whose
community lies under the area by ``parent_code``; every grid's child-area key is its ancestor one
level below the parent. And no other module writes the scope again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text

import geodata
from geodata.read import scope
from geodata.read.areas import CHILD_LEVEL

pytestmark = pytest.mark.db

# Every grid with each of its areas (itself included), by walking up parent_code from its
# community: written without the grid table's district_code, independent of the fragments.
_ANCESTORS = """
    WITH RECURSIVE up AS (
        SELECT g.code AS grid, a.code, a.level::text AS level, a.parent_code
        FROM grid g JOIN admin_area a ON a.code = g.community_code
        UNION ALL
        SELECT up.grid, a.code, a.level::text, a.parent_code
        FROM up JOIN admin_area a ON a.code = up.parent_code)
    SELECT grid, level, code FROM up
    UNION ALL SELECT code, 'grid', code FROM grid
"""


def _grids_under(conn) -> dict[tuple[str, str], set[str]]:  # noqa: ANN001
    """(level, area code) → codes of the grids under it, from the walk."""
    out: dict[tuple[str, str], set[str]] = {}
    for grid, level, code in conn.execute(text(_ANCESTORS)).all():
        out.setdefault((level, code), set()).add(grid)
    return out


@pytest.mark.parametrize("level", scope.SCOPE_LEVELS)
def test_scope001_fragment_selects_the_grids_under_each_area(conn, demo_db, level: str) -> None:  # noqa: ANN001
    under = _grids_under(conn)
    areas = sorted(code for lvl, code in under if lvl == level)
    assert areas, level
    all_grids = set(conn.execute(text("SELECT code FROM grid")).scalars())
    covered: list[str] = []
    for code in areas:
        fragment, params = scope.grid_scope(level, code)
        selected = list(
            conn.execute(text(f"SELECT g.code FROM grid g WHERE {fragment}"), params).scalars()  # noqa: S608
        )
        expected = under[(level, code)]
        assert len(selected) == len(expected) and set(selected) == expected, (level, code)
        covered += selected
    # The areas of one level share out every grid, each exactly once.
    assert sorted(covered) == sorted(all_grids), level


def test_scope002_unknown_level_is_refused_and_values_are_bound(conn, demo_db) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="unknown level"):
        scope.grid_scope("province", "15")
    for level in scope.SCOPE_LEVELS:
        fragment, params = scope.grid_scope(level, "150102' OR TRUE --")
        assert "150102" not in fragment
        n = conn.execute(text(f"SELECT count(*) FROM grid g WHERE {fragment}"), params).scalar()  # noqa: S608
        assert n == (demo_db["grid"] if level == "city" else 0), level


@pytest.mark.parametrize("parent_level", list(CHILD_LEVEL))
def test_scope003_child_key_is_the_ancestor_one_level_below(conn, demo_db, parent_level) -> None:  # noqa: ANN001
    child = CHILD_LEVEL[parent_level]
    expected = {
        grid: code for grid, level, code in conn.execute(text(_ANCESTORS)).all() if level == child
    }
    key, join = scope.grid_child_key(parent_level)
    rows = dict(conn.execute(text(f"SELECT g.code, {key} FROM grid g {join}")).all())  # noqa: S608
    assert rows == expected and len(rows) == demo_db["grid"], parent_level
    with pytest.raises(ValueError, match="has no children"):
        scope.grid_child_key("grid")


# The scope's fragments, in any module or statement file of geodata other than scope.py.
_SCOPE_WRITTEN = re.compile(
    r"g\.district_code\s*=\s*:|g\.community_code\s*=\s*:|community_code\s+IN\s*\(\s*SELECT",
    re.IGNORECASE,
)


def test_scope004_no_other_module_writes_the_scope() -> None:
    root = Path(geodata.__file__).parent
    again = [
        str(path.relative_to(root))
        for path in sorted([*root.rglob("*.py"), *root.rglob("*.sql")])
        if path.name != "scope.py"
        and "schema" not in path.parts
        and _SCOPE_WRITTEN.search(path.read_text(encoding="utf-8"))
    ]
    assert not again, f"the level→grid scope is written again in {again}; use scope.grid_scope"

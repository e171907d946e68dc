"""The packaged ``.sql`` files and the ``query("...")`` names in geodata match one to one.

Every file is used, every name resolves, and every header tells the truth about what the
statement binds and which fixed fragments it is filled with.
"""

from __future__ import annotations

import re
import string
from importlib import resources
from pathlib import Path

import pytest
from sqlalchemy import text

import geodata
from geodata.sql import PACKAGES, query, split_header

# Every module of geodata but the loader itself (its docstring shows an example name).
SOURCES = sorted(p for p in Path(geodata.__file__).parent.rglob("*.py") if p.name != "sql.py")
_CALL = re.compile(r"\bquery\(")
_NAMED_CALL = re.compile(r'\bquery\(\s*"([^"]*)"\s*\)')
_FIELD = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")


def _files() -> dict[str, str]:
    """Statement name → file text, for every file in every package's ``sql/`` folder."""
    out = {}
    for package in PACKAGES:
        for entry in (resources.files(f"geodata.{package}") / "sql").iterdir():
            assert entry.name.endswith(".sql"), f"not a statement file: {package}/sql/{entry.name}"
            out[f"{package}/{entry.name[: -len('.sql')]}"] = entry.read_text(encoding="utf-8")
    return out


def _names_used() -> dict[str, list[str]]:
    """Statement name → modules naming it in ``query("...")``."""
    used: dict[str, list[str]] = {}
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        names = _NAMED_CALL.findall(source)
        calls = len(_CALL.findall(source))
        # A name built at run time would make an unused file look used (or a missing one pass).
        assert calls == len(names), f"{path.name}: query() called without a literal name"
        for name in names:
            used.setdefault(name, []).append(path.name)
    return used


FILES = _files()


def test_sql001_every_file_is_used_by_some_module() -> None:
    unused = sorted(set(FILES) - set(_names_used()))
    assert FILES and not unused, f"no module runs {unused}"


def test_sql002_every_name_resolves_to_a_file() -> None:
    missing = sorted(set(_names_used()) - set(FILES))
    assert not missing, f"no file for {missing}"
    for name in _names_used():
        assert query(name).strip(), name


def _header(name: str) -> dict[str, str]:
    lines, _ = split_header(FILES[name])
    fields: dict[str, str] = {}
    current = None  # a line without a key continues the one above
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key in ("Returns", "Binds", "Fills"):
            current, fields[key] = key, value.strip()
        elif current is not None:
            fields[current] += " " + line
    return fields


@pytest.mark.parametrize("name", sorted(FILES))
def test_sql003_header_says_what_it_returns_binds_and_fills(name: str) -> None:
    header = _header(name)
    body = query(name)
    assert header.get("Returns"), f"{name}: no '-- Returns:' line"
    assert "Binds" in header, f"{name}: no '-- Binds:' line"
    fills = set(re.findall(r"\{([a-z_]+)\}", header.get("Fills", "")))
    fields = {f for _, f, _, _ in string.Formatter().parse(body) if f} if fills else set()
    assert fields == fills, f"{name}: fills {sorted(fields)}, header says {sorted(fills)}"
    if not fills:
        assert not _FIELD.findall(body), f"{name}: a template without a '-- Fills:' line"
    # What the statement binds once filled (fragments bring their own values, named in Fills).
    bare = _FIELD.sub("TRUE", body) if fills else body
    binds = set(text(bare).compile().params)
    declared = set(re.findall(r":([a-z_]+)", header["Binds"]))
    assert binds == declared, f"{name}: binds {sorted(binds)}, header says {sorted(declared)}"

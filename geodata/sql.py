"""Packaged SQL: one statement per ``.sql`` file in the ``sql/`` folder of the package running it.

``query("read/area_summary")`` is ``geodata/read/sql/area_summary.sql``. Every file opens with a
header of ``--`` lines: what the statement returns (``-- Returns:``), its bound parameters
(``-- Binds:``) and, for a template, the fixed fragments ``.format`` fills in (``-- Fills:``).
The header is cut off on loading, so nothing in it is read as a bind parameter or a field.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

# The packages that keep statements in a ``sql/`` folder of their own.
PACKAGES = ("read", "load", "write")
_NAME = re.compile(r"^(?P<package>[a-z]+)/(?P<file>[a-z0-9_]+)$")


def sql_file(name: str) -> Traversable:
    """The packaged file behind ``name`` ("<package>/<file>", without ``.sql``)."""
    match = _NAME.match(name)
    if match is None or match["package"] not in PACKAGES:
        raise ValueError(f"bad statement name {name!r}: expected one of {PACKAGES} / file")
    return resources.files(f"geodata.{match['package']}") / "sql" / f"{match['file']}.sql"


def split_header(source: str) -> tuple[list[str], str]:
    """The leading ``--`` comment lines (without ``--``) and the statement below them."""
    lines = source.splitlines(keepends=True)
    header: list[str] = []
    while lines and lines[0].lstrip().startswith("--"):
        header.append(lines.pop(0).strip()[2:].strip())
    return header, "".join(lines)


@cache
def query(name: str) -> str:
    """The statement named ``name`` ("read/area_summary"), its header cut off."""
    return split_header(sql_file(name).read_text(encoding="utf-8"))[1]

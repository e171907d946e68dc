"""The map's view state lives in the URL query, so a copied link reopens the same picture."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

FILTER_KEYS = ("period", "types")


def parse_search(search: str | None) -> dict[str, str]:
    """Query string → view state (area code, period, types)."""
    raw = parse_qs((search or "").lstrip("?"))
    return {k: v[-1] for k, v in raw.items() if v}


def search_for(area: str, state: dict[str, str]) -> str:
    """The query string that reopens ``area`` with the same filters."""
    keep = {k: v for k, v in state.items() if k in FILTER_KEYS and v}
    return "?" + urlencode({"area": area, **keep})

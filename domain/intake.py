"""Intake rules (登记/接办 from every channel): which coordinates are plausible, which building an
address names, and when a new case may repeat an open one. Pure: ``geodata.write.intake``
applies them with the database's candidates.

Coordinates are WGS84 decimal degrees (CGCS2000 / EPSG:4490 is taken as numerically equal).
A sender in another system is told which mistake it made, not just "outside the city":

* ``projected`` — a value beyond ±180 / ±90 that is ≥ 1,000 in size: metres of a projected CRS
  (EPSG:4546 Gauss-Krüger gives x ≈ 300,000–700,000, y ≈ 4.4 M; Web Mercator x ≈ 12.3 M);
* ``swapped`` — the pair is not in the city as given but is with lat and long exchanged (for
  Hohhot, lat ≈ 40–42 and long ≈ 110–113, so a swapped pair always has lat > 90);
* ``range`` — neither, and not valid degrees;
* ``outside`` — valid degrees that are not in the city's extent (the caller then checks the
  city's boundary itself, a polygon the extent only bounds).

GCJ-02 (AMap) and BD-09 (Baidu) points are a few hundred metres off WGS84 and cannot be told
apart from it by value: senders convert before posting.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# A possible duplicate (重复件): an open case of the same type within this distance and time of
# the new one (the centre's rule: one problem reported by neighbours the same week) …
DUPLICATE_RADIUS_M = 100.0
DUPLICATE_DAYS = 7
# … or an open case in the same community whose text is this similar (pg_trgm similarity,
# 0–1). Measured on the demo's complaint texts: different problems in one community stay below
# 0.35; the same caller's repeat (a few words changed) is above 0.6.
DUPLICATE_TEXT_SIMILARITY = 0.6

# Geocoding an address against building addresses (pg_trgm). The score is how much of a
# building's address the text contains (``word_similarity(building, text)``), so "…1号院3单元701"
# still finds "…1号". A match must score this much …
GEOCODE_MIN_SCORE = 0.6
# … and beat the runner-up by this margin: the same street name exists in several districts,
# and "康春林路1号" alone is two buildings, not one (better queued than put in the wrong place).
GEOCODE_MARGIN = 0.1
# Candidates are found with the symmetric ``%`` operator (trigram index) at this floor first.
GEOCODE_CANDIDATE_FLOOR = 0.15

# Prefixes every address in the city may carry and no building address does.
_CITY_PREFIXES = ("内蒙古自治区", "内蒙古", "呼和浩特市", "呼和浩特", "呼市")
_HOUSE_NUMBER = re.compile(r"(?<![0-9])([0-9]+)号")
PROJECTED_AT_LEAST = 1000.0


@dataclass(frozen=True)
class Extent:
    """A bounding box in WGS84 degrees."""

    west: float
    south: float
    east: float
    north: float

    def contains(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north


def coordinate_problem(lon: float, lat: float, city: Extent) -> str | None:
    """None when (lon, lat) may be in the city, else ``projected`` / ``swapped`` / ``range`` /
    ``outside`` (see the module's docstring)."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return "range"
    if city.contains(lon, lat):
        return None
    if city.contains(lat, lon):
        return "swapped"
    if abs(lon) <= 180 and abs(lat) <= 90:
        return "outside"
    if max(abs(lon), abs(lat)) >= PROJECTED_AT_LEAST:
        return "projected"
    return "range"


def normalise_address(text: str) -> str:
    """The address as building addresses are written: full-width folded (NFKC), no spaces, no
    province or city prefix."""
    out = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))
    changed = True
    while changed:
        changed = False
        for prefix in _CITY_PREFIXES:
            if out.startswith(prefix):
                out = out[len(prefix) :]
                changed = True
    return out


def house_numbers(text: str) -> set[str]:
    """The house numbers (``12号`` → "12") a text names."""
    return {m.group(1).lstrip("0") or "0" for m in _HOUSE_NUMBER.finditer(text)}


@dataclass(frozen=True)
class Candidate:
    """A building an address might name, with its score (0–1)."""

    building_id: int
    address: str
    score: float


def pick_building(query: str, candidates: Sequence[Candidate]) -> Candidate | None:
    """The one building ``query`` names, or None when no candidate is good and clear enough.

    Best score ≥ ``GEOCODE_MIN_SCORE``, ahead of the next by ``GEOCODE_MARGIN``, and the
    building's house number among the query's (so 12号 never lands on 1号)."""
    ranked = sorted(candidates, key=lambda c: -c.score)
    if not ranked or ranked[0].score < GEOCODE_MIN_SCORE:
        return None
    best = ranked[0]
    if len(ranked) > 1 and best.score - ranked[1].score < GEOCODE_MARGIN:
        return None
    wanted = house_numbers(best.address)
    if wanted and not wanted <= house_numbers(query):
        return None
    return best


def title_of(text: str, limit: int = 30) -> str:
    """A case title from its complaint text: the first sentence, at most ``limit`` characters."""
    first = re.split(r"[。！？!?；;\n]", text.strip(), maxsplit=1)[0].strip() or text.strip()
    return first if len(first) <= limit else first[: limit - 1] + "…"

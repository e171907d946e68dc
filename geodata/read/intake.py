"""What intake reads: the city's extent and boundary, building candidates for an address,
possible duplicates of a case, the "needs location" queue, and the Open311 views of the
catalogue and of one source's cases. Every function takes the caller's scoped connection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from domain.intake import (
    DUPLICATE_DAYS,
    DUPLICATE_RADIUS_M,
    DUPLICATE_TEXT_SIMILARITY,
    GEOCODE_CANDIDATE_FLOOR,
    Candidate,
    Extent,
)
from geodata.sql import query


def city(conn: Connection) -> tuple[str, Extent] | None:
    """The city's code and its boundary's extent (None before any area is loaded)."""
    row = conn.execute(
        text(
            "SELECT code, ST_XMin(geom), ST_YMin(geom), ST_XMax(geom), ST_YMax(geom)"
            " FROM admin_area WHERE level = 'city' ORDER BY code LIMIT 1"
        )
    ).first()
    if row is None or row[1] is None:
        return None
    return row[0], Extent(*(float(v) for v in row[1:]))


def in_city(conn: Connection, lon: float, lat: float) -> bool:
    """Whether the WGS84 point lies in (or on) the city's boundary."""
    return bool(
        conn.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM admin_area WHERE level = 'city' AND ST_Covers(geom,"
                " ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326)))"
            ),
            {"lon": lon, "lat": lat},
        ).scalar()
    )


def address_candidates(conn: Connection, address: str) -> list[tuple[Candidate, float, float]]:
    """Buildings the (normalised) address may name, best first, each with its centroid."""
    rows = conn.execute(
        text(query("read/intake_geocode")), {"q": address, "floor": GEOCODE_CANDIDATE_FLOOR}
    ).all()
    return [(Candidate(r.id, r.address, float(r.score)), r.lon, r.lat) for r in rows]


def duplicate_candidates(conn: Connection, case_id: int, limit: int = 5) -> list[dict[str, Any]]:
    """Open cases the case may repeat (``domain.intake`` thresholds): id, why, score."""
    rows = conn.execute(
        text(query("read/intake_duplicates")),
        {"id": case_id, "radius_m": DUPLICATE_RADIUS_M, "days": DUPLICATE_DAYS,
         "text_min": DUPLICATE_TEXT_SIMILARITY, "limit": limit},
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]


def needs_location(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    """The "needs location" queue (待定位), oldest first, as far as the caller may see."""
    rows = conn.execute(text(query("read/needs_location")), {"limit": max(1, min(limit, 1000))})
    return [dict(r) for r in rows.mappings()]


def open311_services(conn: Connection) -> list[dict[str, Any]]:
    """The dispute types with their lead department's name, steps and time limit."""
    return [dict(r) for r in conn.execute(text(query("read/open311_services"))).mappings()]


def open311_requests(
    conn: Connection,
    source: str,
    *,
    ids: list[int] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    closed: bool | None = None,
    type_code: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """One source's cases (newest first) as Open311 lists them; no personal data."""
    rows = conn.execute(
        text(query("read/open311_requests")),
        {"source": source, "ids": ids, "start": start, "end": end, "closed": closed,
         "type": type_code, "limit": limit},
    ).mappings()  # fmt: skip
    return [dict(r) for r in rows]

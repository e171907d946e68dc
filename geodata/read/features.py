"""Point and footprint features in a map view: key persons, buildings, dispute points.

Every query is driven by the view's bounding box (``geom && envelope``, served by the GiST
indexes) and the database renders the GeoJSON. Personal data is masked *in SQL*, so raw ID
numbers and phones never leave the database for a role not cleared to see them.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, text

from domain import masking
from domain.masking import COMPOUND_SURNAMES
from geodata.read.areas import DisputeFilter
from geodata.sql import query

Bbox = tuple[float, float, float, float]  # west, south, east, north (degrees, EPSG:4326)
# Kept whole when a name starts with one of them (欧阳明 → 欧阳*), else one character is kept.
_COLUMN = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")


# --- masking: one SQL fragment per kind of value, and its Python reference -------------------


def _column(expr: str) -> str:
    # Fragments take a column reference only (alias.column), never a value.
    if not _COLUMN.match(expr):
        raise ValueError(f"not a column reference: {expr!r}")
    return expr


def mask_id_sql(column: str) -> str:
    """SQL masking an ID number: first 6 and last 4 kept (150102********1234); short ones all ``*``."""
    c = _column(column)
    return (
        f"CASE WHEN {c} IS NULL THEN NULL WHEN char_length({c}) >= 15"
        f" THEN left({c}, 6) || repeat('*', char_length({c}) - 10) || right({c}, 4)"
        f" ELSE repeat('*', char_length({c})) END"
    )


def mask_phone_sql(column: str) -> str:
    """SQL masking a phone: first 3 and last 4 kept (138****5678); short ones all ``*``."""
    c = _column(column)
    return (
        f"CASE WHEN {c} IS NULL THEN NULL WHEN char_length({c}) >= 11"
        f" THEN left({c}, 3) || repeat('*', char_length({c}) - 7) || right({c}, 4)"
        f" ELSE repeat('*', char_length({c})) END"
    )


def mask_name_sql(column: str) -> str:
    """SQL masking a person's name to surname + ``*`` (one star, so the length is hidden too)."""
    c = _column(column)
    compound = ", ".join(f"'{s}'" for s in COMPOUND_SURNAMES)
    return (
        f"CASE WHEN {c} IS NULL THEN NULL"
        f" WHEN char_length({c}) >= 3 AND left({c}, 2) IN ({compound}) THEN left({c}, 2) || '*'"
        f" WHEN char_length({c}) >= 2 THEN left({c}, 1) || '*' ELSE '*' END"
    )


def redact_sql(column: str) -> str:
    """SQL for free text with ID- and mobile-shaped runs masked (``domain.masking.redact``)."""
    expr = _column(column)
    for pattern, stars in (
        (masking.ID_PATTERN, 8),
        (masking.OLD_ID_PATTERN, 5),
        (masking.PHONE_PATTERN, 4),
    ):
        expr = f"regexp_replace({expr}, '{pattern}', '\\1{'*' * stars}\\3', 'g')"
    return expr


# The Python side of the rule is domain.masking; these names are what the SQL mirrors.
mask_id_number = masking.mask_id
mask_phone = masking.mask_phone
mask_name = masking.mask_name
redact = masking.redact


# --- bounding boxes ----------------------------------------------------------------------------


def check_bbox(bbox: Bbox) -> Bbox:
    """``bbox`` as floats when it is a real west < east, south < north box in degrees."""
    west, south, east, north = (float(v) for v in bbox)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValueError(f"bad bbox {bbox!r}: expected west < east, south < north in degrees")
    return west, south, east, north


def _envelope(bbox: Bbox) -> dict[str, float]:
    west, south, east, north = check_bbox(bbox)
    return {"w": west, "s": south, "e": east, "n": north}


ENVELOPE = "ST_MakeEnvelope(:w, :s, :e, :n, 4326)"
# The grids meeting the envelope, as an array: rows are picked by grid code first because under
# row-level security only leakproof conditions (text equality, not PostGIS's &&) may use an index
# ahead of the policy; every located case and key person lies inside its grid.
GRIDS_IN_ENVELOPE = (
    f"CAST((SELECT array_agg(g.code) FROM grid g WHERE g.geom && {ENVELOPE}) AS text[])"  # noqa: S608
)


def _collection(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {"type": "FeatureCollection", "features": []}
    return {"type": "FeatureCollection", "features": list(raw)}


# --- key persons -------------------------------------------------------------------------------

# Two fixed projections: the raw values are selected only when the caller may unmask them.
_KEY_PERSON_FIELDS = {
    True: "kp.name AS name, kp.id_number AS id_number, kp.phone AS phone",
    False: (
        f"{mask_name_sql('kp.name')} AS name, {mask_id_sql('kp.id_number')} AS id_number,"
        f" {mask_phone_sql('kp.phone')} AS phone"
    ),
}


def key_persons_geojson(
    conn: Connection,
    bbox: Bbox,
    *,
    unmask: bool = False,
    risks: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
    district_code: str | None = None,
    limit: int = 5000,
) -> dict[str, Any]:
    """Key persons located in ``bbox`` (highest risk first, at most ``limit``).

    Returns ``{"geojson", "count", "truncated", "masked"}``; name, ID number and phone are masked
    in SQL unless ``unmask``.
    """
    where = [f"kp.grid_code = ANY ({GRIDS_IN_ENVELOPE})", f"kp.geom && {ENVELOPE}"]
    params: dict[str, Any] = {**_envelope(bbox), "lim": int(limit)}
    if risks:
        where.append("kp.risk_level = ANY(:risks)")
        params["risks"] = list(risks)
    if categories:
        where.append("kp.category = ANY(:cats)")
        params["cats"] = list(categories)
    if district_code:
        where.append("kp.district_code = :district")
        params["district"] = district_code
    sql = query("read/key_persons_geojson").format(  # noqa: S608 — fixed fragments only
        fields=_KEY_PERSON_FIELDS[bool(unmask)], where=" AND ".join(where)
    )
    total, features = conn.execute(text(sql), params).one()
    count = int(total or 0)
    return {
        "geojson": _collection(features),
        "count": count,
        "truncated": count > limit,
        "masked": not unmask,
    }


# --- buildings ---------------------------------------------------------------------------------


def buildings_geojson(conn: Connection, bbox: Bbox, *, limit: int = 3000) -> dict[str, Any]:
    """Building footprints in ``bbox`` with floors, housing units and residents (at most ``limit``).

    Returns ``{"geojson", "count", "truncated"}``; ``count`` stops at ``limit + 1``.
    """
    sql = query("read/buildings_geojson").format(envelope=ENVELOPE)  # noqa: S608 — fixed
    params = {**_envelope(bbox), "lim": int(limit), "lim_plus": int(limit) + 1}
    count, features = conn.execute(text(sql), params).one()
    return {
        "geojson": _collection(features),
        "count": min(int(count or 0), limit),
        "truncated": int(count or 0) > limit,
    }


# --- dispute points ----------------------------------------------------------------------------


def _dispute_where(
    bbox: Bbox, flt: DisputeFilter | None, district_code: str | None
) -> tuple[str, dict[str, Any]]:
    extra, params = (flt or DisputeFilter()).sql("d")
    where = f"d.grid_code = ANY ({GRIDS_IN_ENVELOPE}) AND d.geom && {ENVELOPE}{extra}"
    if district_code:
        where += " AND d.district_code = :district"
        params["district"] = district_code
    return where, {**params, **_envelope(bbox)}


def dispute_count(
    conn: Connection,
    bbox: Bbox,
    flt: DisputeFilter | None = None,
    *,
    district_code: str | None = None,
) -> int:
    """Disputes in ``bbox`` under the filter."""
    where, params = _dispute_where(bbox, flt, district_code)
    sql = f"SELECT count(*) FROM dispute d WHERE {where}"  # noqa: S608 — fixed fragments only
    return int(conn.execute(text(sql), params).scalar())


def dispute_points_geojson(
    conn: Connection,
    bbox: Bbox,
    flt: DisputeFilter | None = None,
    *,
    district_code: str | None = None,
    limit: int = 2000,
    cleared: bool = False,
) -> dict[str, Any]:
    """Dispute points in ``bbox`` under the filter, or only their count when over ``limit``.

    Returns ``{"count", "too_many", "geojson"}``; ``geojson`` is None when ``too_many``. Titles
    have ID and mobile numbers masked unless ``cleared``.
    """
    count = dispute_count(conn, bbox, flt, district_code=district_code)
    if count > limit:
        return {"count": count, "too_many": True, "geojson": None}
    where, params = _dispute_where(bbox, flt, district_code)
    title = "d.title" if cleared else redact_sql("d.title")
    sql = query("read/dispute_points_geojson").format(where=where, title=title)  # noqa: S608 — fixed fragments
    features = conn.execute(text(sql), params).scalar()
    collection = _collection(features)
    return {"count": len(collection["features"]), "too_many": False, "geojson": collection}

"""Intake (登记/接办) from every channel — the Open311 API, the desk's walk-in and phone form —
into the one case model, idempotent by (source, source reference).

``submit`` checks what a sender gave, types the case (the type given, or the classifier's best
guess), locates it (the point given, or the building its address names by trigram similarity;
otherwise it waits in the "needs location" queue), registers it (``cases.register``: 接办
event, audit row, data version) and flags open cases it may repeat as possible duplicates
(``dispute_link`` kind ``duplicate``, both ways). ``locate`` gives a queued case its point;
``merge`` folds a duplicate into the case it repeats (the workflow's 合并). The rules —
plausible coordinates, which building an address names, what counts as a duplicate — are
``domain.intake``; every write runs on the caller's scoped connection, so row-level security
holds (an intake system is ``Scope.intake``: city-wide, cases only).

The classifier is passed in (``classifier(conn, text)`` → [(code, name, p)], best first):
``geodata`` does not import ``classify``; the app hands in ``classify.active.classify``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import text as sql

from domain.clock import now as local_now
from domain.intake import coordinate_problem, normalise_address, pick_building, title_of
from domain.scope import Scope
from domain.vocab import DISPUTE_SOURCES
from domain.workflow import decide
from geodata.read import intake as reads
from geodata.write import cases
from geodata.write.users import record_audit

Guess = tuple[str, str, float]
Classifier = Callable[[Connection, str], Sequence[Guess]]
SOURCE_REF_MAX = 64  # dispute.source_ref is varchar(64)
TEXT_MAX = 4000
ADDRESS_MAX = 300
NAME_MAX = 60
PHONE_MAX = 20  # dispute.reporter_phone is varchar(20)
_PHONE_CHARS = frozenset("0123456789+-() ")


class IntakeRefused(ValueError):
    """What a sender gave cannot become a case; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        assert reason in REASONS, reason
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


# Why a submission is refused (the API answers each with its own message).
REASONS = (
    "source", "source_ref", "text", "type", "no_model", "no_location", "coordinates",
    "projected", "swapped", "range", "outside", "no_grid", "address", "name", "phone",
    "ref_in_use",
)  # fmt: skip


@dataclass(frozen=True)
class IntakeResult:
    """What ``submit`` did: the case (id, its reference = the source's own), whether this call
    made it (False: the same (source, reference) came before), whether it has a point, its
    type and grid, the open cases it may repeat, and the classifier's top 3 (code, name, p)."""

    case_id: int
    reference: str
    created: bool
    located: bool
    type_code: str
    grid_code: str | None
    status: str
    duplicates: tuple[int, ...] = ()
    guesses: tuple[Guess, ...] = ()


def _clean(value: Any, reason: str, limit: int, *, required: bool = False) -> str | None:
    """``value`` as a trimmed printable string (NFKC-folded), None when empty and optional."""
    if value is None:
        if required:
            raise IntakeRefused(reason, "missing")
        return None
    if not isinstance(value, str):
        raise IntakeRefused(reason, "not text")
    out = unicodedata.normalize("NFKC", value).strip()
    if not out:
        if required:
            raise IntakeRefused(reason, "empty")
        return None
    if len(out) > limit:
        raise IntakeRefused(reason, f"longer than {limit} characters")
    if "\x00" in out or not all(c.isprintable() or c in "\n\r\t" for c in out):
        raise IntakeRefused(reason, "control characters")
    return out


def _existing(conn: Connection, source: str, source_ref: str) -> dict[str, Any] | None:
    row = conn.execute(
        sql(
            "SELECT d.id, d.status, d.type_code, d.grid_code, d.geom IS NOT NULL AS located,"
            " ARRAY(SELECT l.other_id FROM dispute_link l WHERE l.dispute_id = d.id"
            " AND l.kind = 'duplicate' ORDER BY l.other_id) AS duplicates"
            " FROM dispute d WHERE d.source = :s AND d.source_ref = :r"
        ),
        {"s": source, "r": source_ref},
    ).mappings()
    first = row.first()
    return None if first is None else dict(first)


def _repeat(found: dict[str, Any], source_ref: str) -> IntakeResult:
    return IntakeResult(
        case_id=found["id"], reference=source_ref, created=False, located=found["located"],
        type_code=found["type_code"], grid_code=found["grid_code"], status=found["status"],
        duplicates=tuple(found["duplicates"]),
    )  # fmt: skip


def check_point(conn: Connection, lon: Any, lat: Any) -> tuple[float, float]:
    """(lon, lat) as WGS84 degrees inside the city, or ``IntakeRefused`` naming the mistake
    (``domain.intake.coordinate_problem``; then the city's boundary itself)."""
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in (lon, lat)):
        raise IntakeRefused("coordinates", "lon and lat are numbers")
    where = reads.city(conn)
    if where is None:
        raise IntakeRefused("outside", "no city boundary loaded")
    problem = coordinate_problem(float(lon), float(lat), where[1])
    if problem is not None:
        raise IntakeRefused(problem, f"lon={lon} lat={lat}")
    if not reads.in_city(conn, float(lon), float(lat)):
        raise IntakeRefused("outside", f"lon={lon} lat={lat}")
    return float(lon), float(lat)


def geocode(conn: Connection, address: str) -> tuple[float, float, int] | None:
    """(lon, lat, building id) of the one building ``address`` names, or None
    (``domain.intake.pick_building``)."""
    q = normalise_address(address)
    if not q:
        return None
    found = reads.address_candidates(conn, q)
    best = pick_building(q, [c for c, _, _ in found])
    if best is None:
        return None
    _, lon, lat = next(f for f in found if f[0].building_id == best.building_id)
    return lon, lat, best.building_id


def submit(  # noqa: PLR0913 — the fields of a new case, each optional by the sender's channel
    conn: Connection,
    scope: Scope,
    *,
    source: str,
    source_ref: str,
    text: str,
    type_code: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    address: str | None = None,
    reporter_name: str | None = None,
    reporter_phone: str | None = None,
    received_at: datetime | None = None,
    classifier: Classifier | None = None,
) -> IntakeResult:
    """Register one case from ``source`` (idempotent by (source, source_ref)); see the module.

    ``text`` is the complaint (诉求内容); ``lon``/``lat`` WGS84 degrees, or ``address`` to be
    matched against the buildings. Raises ``IntakeRefused`` (nothing written) or the
    workflow's errors (``cases.register``)."""
    if source not in DISPUTE_SOURCES:
        raise IntakeRefused("source", f"one of {list(DISPUTE_SOURCES)}")
    ref = _clean(source_ref, "source_ref", SOURCE_REF_MAX, required=True)
    body = _clean(text, "text", TEXT_MAX, required=True)
    assert ref is not None and body is not None
    place = _clean(address, "address", ADDRESS_MAX)
    name = _clean(reporter_name, "name", NAME_MAX)
    phone = _clean(reporter_phone, "phone", PHONE_MAX)
    if phone is not None and not set(phone) <= _PHONE_CHARS:
        raise IntakeRefused("phone", "digits, spaces, + - ( ) only")
    found = _existing(conn, source, ref)
    if found is not None:
        return _repeat(found, ref)
    if lon is not None or lat is not None:
        lon, lat = check_point(conn, lon, lat)
    elif place is None:
        raise IntakeRefused("no_location", "neither coordinates nor an address")
    guesses = tuple(classifier(conn, body)) if classifier is not None else ()
    if type_code is None:
        if not guesses:
            raise IntakeRefused("no_model", "no type given and no trained classifier")
        type_code = guesses[0][0]
    elif conn.execute(
        sql("SELECT 1 FROM dispute_type WHERE code = :t"), {"t": type_code}
    ).first() is None:  # fmt: skip
        raise IntakeRefused("type", repr(type_code))
    if lon is None and place is not None:
        hit = geocode(conn, place)
        if hit is not None:
            lon, lat, _ = hit
    moment = received_at or local_now()
    outcome, created = cases.register(
        conn,
        scope.actor(),
        {"source": source, "source_ref": ref, "type_code": type_code, "title": title_of(body),
         "description": body, "address": place, "reported_at": moment,
         "reporter_name": name, "reporter_phone": phone},
        lon=lon, lat=lat, now=local_now(),
    )  # fmt: skip
    if not created:  # a concurrent sender won the race with the same reference
        again = _existing(conn, source, ref)
        if again is None:
            raise IntakeRefused("ref_in_use")
        return _repeat(again, ref)
    row = conn.execute(
        sql("SELECT grid_code, geom IS NOT NULL FROM dispute WHERE id = :id"),
        {"id": outcome.case_id},
    ).one()
    duplicates = flag_duplicates(conn, scope, outcome.case_id)
    return IntakeResult(
        case_id=outcome.case_id, reference=ref, created=True, located=bool(row[1]),
        type_code=type_code, grid_code=row[0], status=outcome.status,
        duplicates=duplicates, guesses=guesses[:3],
    )  # fmt: skip


def flag_duplicates(conn: Connection, scope: Scope, case_id: int) -> tuple[int, ...]:
    """Link the case both ways to each open case it may repeat (``duplicate``); their ids."""
    found = reads.duplicate_candidates(conn, case_id)
    for cand in found:
        reason = "≤100米·≤7天·同类" if cand["why"] == "near" else "诉求内容高度相似·同社区"
        cases.link(conn, case_id, cand["id"], "duplicate", round(float(cand["score"]), 3), reason)
    if found:
        record_audit(
            conn, scope.user or "", scope.role, "case.flag_duplicate", f"dispute:{case_id}",
            {"candidates": [{"id": c["id"], "why": c["why"]} for c in found]},
        )  # fmt: skip
    return tuple(c["id"] for c in found)


def locate(
    conn: Connection,
    scope: Scope,
    case_id: int,
    lon: float,
    lat: float,
    *,
    expected_version: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> cases.Outcome:
    """定位: give a case (typically from the "needs location" queue) its point and so its grid
    and district; then flag the open cases it may repeat. ``CaseNotFound``, ``Conflict``,
    ``IntakeRefused`` or a workflow error; nothing is written then."""
    moment = now or local_now()
    row = cases.case_row(conn, case_id)
    if row is None:
        raise cases.CaseNotFound(f"no case {case_id}")
    if expected_version is not None and row["version"] != expected_version:
        raise cases.Conflict(case_id, row, cases.last_event(conn, case_id))
    lon, lat = check_point(conn, lon, lat)
    grid = conn.execute(
        sql(
            "SELECT code, district_code FROM grid WHERE ST_Intersects(geom,"
            " ST_SetSRID(ST_MakePoint(CAST(:lon AS float8), CAST(:lat AS float8)), 4326))"
            " ORDER BY code LIMIT 1"
        ),
        {"lon": lon, "lat": lat},
    ).first()
    if grid is None:
        raise IntakeRefused("no_grid", f"lon={lon} lat={lat}")
    actor = scope.actor()
    decision = decide(cases.state_of(row), "locate", actor, moment, {"note": note or "定位"})
    decision = replace(
        decision,
        changes={**decision.changes, "geom": f"SRID=4326;POINT({lon!r} {lat!r})",
                 "grid_code": grid[0], "district_code": grid[1]},
    )  # fmt: skip
    out = cases.apply(conn, row, decision, actor, moment, "locate")
    flag_duplicates(conn, scope, case_id)
    return out


def merge(
    conn: Connection,
    scope: Scope,
    keep_id: int,
    other_id: int,
    *,
    note: str | None = None,
    expected_version: int | None = None,
) -> cases.Outcome:
    """合并: ``other_id`` is a duplicate of ``keep_id``. Both keep their references; they are
    linked both ways (``duplicate`` and, by the workflow's merge, ``merged``) and the other
    case ends as merged into the one kept (``domain.workflow``: any open case, the desk only)."""
    out = cases.act(
        conn, other_id, "merge", scope.actor(),
        {"into": keep_id, "note": note or f"与案件{keep_id}重复，合并办理"},
        expected_version=expected_version,
    )  # fmt: skip
    cases.link(conn, keep_id, other_id, "duplicate", None, "合并")
    return out

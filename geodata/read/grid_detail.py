"""One grid in detail (profile, disputes, trend, recent cases, patrols) and one case in detail.

Functions take a connection and return plain data; values are bound parameters. Phones are masked
in SQL unless the caller is cleared, so unmasked numbers never leave the database otherwise.
Times come back as aware datetimes; months are calendar months in Asia/Shanghai, the centre's clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, text

from domain.clock import LOCAL_TZ
from domain.vocab import OPEN_STATUSES
from geodata.read import features
from geodata.read.areas import DisputeFilter
from geodata.schema import models

# A period longer than this shows only its latest months in the trend.
MAX_TREND_MONTHS = 60
# Anomalies are rare (~0.5 % of visits): the list looks back further than the visit counts.
ANOMALY_DAYS = 365


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ)


def _masked_phone(column: str) -> str:
    """SQL for a phone masked by the project's rule (``features.mask_phone_sql``) unless ``:cleared``."""
    return f"CASE WHEN :cleared THEN {column} ELSE {features.mask_phone_sql(column)} END"


# Free text (descriptions, notes) may quote an ID number or a mobile number: masked unless cleared.
# ID numbers first (18 characters), so the phone pattern never bites into one.
_ID_RE = r"(?<![0-9])([0-9]{6})[0-9]{8}([0-9]{3}[0-9Xx])(?![0-9])"
_PHONE_RE = r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])"


def _redacted(column: str) -> str:
    """SQL for free text with ID numbers and mobile numbers masked unless ``:cleared``."""
    inner = f"regexp_replace({column}, '{_ID_RE}', '\\1********\\2', 'g')"
    return f"CASE WHEN :cleared THEN {column} ELSE regexp_replace({inner}, '{_PHONE_RE}', '\\1****\\2', 'g') END"


_GRID = """
    SELECT g.code, g.name, g.residents, g.households, g.area_km2,
           c.code AS community_code, c.name AS community_name,
           t.code AS township_code, t.name AS township_name,
           d.code AS district_code, d.name AS district_name
    FROM grid g
    LEFT JOIN admin_area c ON c.code = g.community_code
    LEFT JOIN admin_area t ON t.code = c.parent_code
    LEFT JOIN admin_area d ON d.code = g.district_code
    WHERE g.code = :code
"""

_WORKERS = f"""
    SELECT w.id, w.code, w.name, {_masked_phone("w.phone")} AS phone
    FROM grid_worker w WHERE w.grid_code = :code ORDER BY w.code
"""  # noqa: S608 — the mask is fixed SQL; values are bound

# Buildings first (occupancy NULL), then housing units per occupancy: one round trip.
_HOUSING = """
    SELECT NULL AS occupancy, count(*) AS n FROM building WHERE grid_code = :code
    UNION ALL
    SELECT h.occupancy, count(*) FROM building b JOIN housing_unit h ON h.building_id = b.id
    WHERE b.grid_code = :code GROUP BY h.occupancy
"""


def grid_profile(conn: Connection, code: str, cleared: bool = False) -> dict[str, Any] | None:
    """Name, path, workers (phones masked unless cleared), people, buildings, occupancy, km²."""
    row = conn.execute(text(_GRID), {"code": code}).mappings().first()
    if row is None:
        return None
    workers = conn.execute(text(_WORKERS), {"code": code, "cleared": cleared}).mappings().all()
    occupancy = dict.fromkeys(models.OCCUPANCY, 0)
    buildings = 0
    for occ, n in conn.execute(text(_HOUSING), {"code": code}).all():
        if occ is None:
            buildings = int(n)
        else:
            occupancy[occ] = int(n)
    path = [
        {"level": level, "code": row[f"{level}_code"], "name": row[f"{level}_name"]}
        for level in ("district", "township", "community")
        if row[f"{level}_code"] is not None
    ]
    return {
        "code": row["code"],
        "name": row["name"],
        "path": path,
        "district": row["district_name"],
        "township": row["township_name"],
        "community": row["community_name"],
        "workers": [
            {"id": int(w["id"]), "code": w["code"], "name": w["name"], "phone": w["phone"]}
            for w in workers
        ],
        "residents": int(row["residents"]),
        "households": int(row["households"]),
        "buildings": buildings,
        "housing_units": sum(occupancy.values()),
        "occupancy": occupancy,
        "area_km2": float(row["area_km2"]) if row["area_km2"] is not None else None,
    }


def grid_disputes(conn: Connection, code: str, flt: DisputeFilter | None = None) -> dict[str, Any]:
    """Dispute counts of one grid under the filters: total, open, by type, by status, by risk."""
    where, params = (flt or DisputeFilter()).sql("d")
    sql = f"""
        SELECT d.type_code, t.name AS type_name, d.status, d.risk_level, count(*) AS n
        FROM dispute d JOIN dispute_type t ON t.code = d.type_code
        WHERE d.grid_code = :code {where}
        GROUP BY d.type_code, t.name, d.status, d.risk_level
    """  # noqa: S608 — ``where`` is DisputeFilter's fixed fragment; values are bound
    rows = conn.execute(text(sql), {"code": code, **params}).mappings().all()
    by_type: dict[str, dict[str, Any]] = {}
    by_status = dict.fromkeys(models.DISPUTE_STATUSES, 0)
    by_risk = dict.fromkeys(models.RISK_LEVELS, 0)
    for r in rows:
        n = int(r["n"])
        entry = by_type.setdefault(
            r["type_code"], {"code": r["type_code"], "name": r["type_name"], "count": 0}
        )
        entry["count"] += n
        by_status[r["status"]] = by_status.get(r["status"], 0) + n
        by_risk[r["risk_level"]] = by_risk.get(r["risk_level"], 0) + n
    total = sum(by_status.values())
    return {
        "total": total,
        "open": sum(by_status[s] for s in OPEN_STATUSES),
        "by_type": sorted(by_type.values(), key=lambda e: (-e["count"], e["code"])),
        "by_status": by_status,
        "by_risk": by_risk,
    }


def _month_start(moment: datetime) -> datetime:
    local = moment.astimezone(LOCAL_TZ)
    return datetime(local.year, local.month, 1, tzinfo=LOCAL_TZ)


def _add_months(month: datetime, k: int) -> datetime:
    year, index = divmod(month.year * 12 + month.month - 1 + k, 12)
    return datetime(year, index + 1, 1, tzinfo=LOCAL_TZ)


def trend_months(
    flt: DisputeFilter | None, months: int = 12, now: datetime | None = None
) -> list[datetime]:
    """Month starts the trend shows: the period's months when it has a start, else the last N."""
    flt = flt or DisputeFilter()
    now = _now(now)
    end = min(flt.end, now) if flt.end is not None else now
    last = _month_start(end - timedelta(microseconds=1))
    if flt.start is not None:
        first = _month_start(flt.start)
    else:
        first = _add_months(last, -(max(months, 1) - 1))
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    if count <= 0:
        return []
    count = min(count, MAX_TREND_MONTHS)
    return [_add_months(last, -i) for i in range(count - 1, -1, -1)]


def grid_monthly_trend(
    conn: Connection,
    code: str,
    flt: DisputeFilter | None = None,
    months: int = 12,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Disputes per calendar month (zeros included), oldest first: ``{"month": "2026-01", "count"}``.

    Types, sources, statuses and risks filter the counts; the period only picks the months, and
    each month is counted whole (the current one up to ``now``).
    """
    now = _now(now)
    month_starts = trend_months(flt, months, now)
    if not month_starts:
        return []
    where, params = replace(flt or DisputeFilter(), start=None, end=None).sql("d")
    sql = f"""
        SELECT to_char(d.reported_at AT TIME ZONE :tz, 'YYYY-MM') AS month, count(*) AS n
        FROM dispute d
        WHERE d.grid_code = :code AND d.reported_at >= :lo AND d.reported_at < :hi {where}
        GROUP BY 1
    """  # noqa: S608 — ``where`` is DisputeFilter's fixed fragment; values are bound
    hi = min(_add_months(month_starts[-1], 1), now)
    counts = dict(
        conn.execute(
            text(sql),
            {"code": code, "tz": str(LOCAL_TZ), "lo": month_starts[0], "hi": hi, **params},
        ).all()
    )
    out = []
    for m in month_starts:
        key = f"{m.year:04d}-{m.month:02d}"
        out.append({"month": key, "count": int(counts.get(key, 0))})
    return out


def grid_recent_cases(
    conn: Connection,
    code: str,
    flt: DisputeFilter | None = None,
    limit: int = 10,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """The newest disputes of one grid under the filters; overdue = still open past its due time."""
    where, params = (flt or DisputeFilter()).sql("d")
    sql = f"""
        SELECT d.id, d.source, d.source_ref, d.title, d.type_code, t.name AS type_name,
               d.status, d.risk_level, d.reported_at, d.due_at, d.resolved_at,
               (d.status = ANY(:open_statuses) AND d.due_at < :now) AS overdue
        FROM dispute d JOIN dispute_type t ON t.code = d.type_code
        WHERE d.grid_code = :code {where}
        ORDER BY d.reported_at DESC, d.id DESC
        LIMIT :limit
    """  # noqa: S608 — ``where`` is DisputeFilter's fixed fragment; values are bound
    rows = conn.execute(
        text(sql),
        {
            "code": code,
            "limit": max(int(limit), 0),
            "now": _now(now),
            "open_statuses": list(OPEN_STATUSES),
            **params,
        },
    ).mappings()
    return [{**r, "id": int(r["id"]), "overdue": bool(r["overdue"])} for r in rows]


# patrol_visit is partitioned by month on visited_at: the one scan bounds visited_at on both sides
# with bound values, so only the months in range are touched (and, per month, the grid's index range).
_PATROLS = """
    WITH v AS MATERIALIZED (
        SELECT p.visited_at, p.worker_id, p.building_id, p.anomaly_type, p.finding
        FROM patrol_visit p
        WHERE p.grid_code = :code AND p.visited_at >= :lookback AND p.visited_at < :now
    ),
    recent AS (SELECT * FROM v WHERE v.visited_at >= :since),
    last AS (SELECT v.visited_at, v.worker_id FROM v ORDER BY v.visited_at DESC LIMIT 1),
    anomaly AS (
        SELECT v.visited_at, v.anomaly_type, v.finding, w.name AS worker_name, b.address
        FROM v
        LEFT JOIN grid_worker w ON w.id = v.worker_id
        LEFT JOIN building b ON b.id = v.building_id
        WHERE v.anomaly_type IS NOT NULL AND v.visited_at >= :anomaly_since
        ORDER BY v.visited_at DESC LIMIT :limit
    )
    SELECT (SELECT count(*) FROM recent) AS visits,
           (SELECT count(DISTINCT r.building_id) FROM recent r
              JOIN building b ON b.id = r.building_id AND b.grid_code = :code) AS buildings_visited,
           (SELECT count(*) FROM building b WHERE b.grid_code = :code) AS buildings_total,
           (SELECT count(*) FROM recent WHERE recent.anomaly_type IS NOT NULL) AS anomalies_in_period,
           (SELECT last.visited_at FROM last) AS last_at,
           (SELECT w.name FROM last JOIN grid_worker w ON w.id = last.worker_id) AS last_worker_name,
           (SELECT w.code FROM last JOIN grid_worker w ON w.id = last.worker_id) AS last_worker_code,
           ARRAY(SELECT a.visited_at FROM anomaly a ORDER BY a.visited_at DESC) AS a_at,
           ARRAY(SELECT a.anomaly_type FROM anomaly a ORDER BY a.visited_at DESC) AS a_type,
           ARRAY(SELECT a.finding FROM anomaly a ORDER BY a.visited_at DESC) AS a_finding,
           ARRAY(SELECT a.worker_name FROM anomaly a ORDER BY a.visited_at DESC) AS a_worker,
           ARRAY(SELECT a.address FROM anomaly a ORDER BY a.visited_at DESC) AS a_address
"""


def grid_patrols(
    conn: Connection,
    code: str,
    days: int = 30,
    now: datetime | None = None,
    anomaly_days: int = ANOMALY_DAYS,
    anomaly_limit: int = 5,
) -> dict[str, Any]:
    """Patrol coverage over the last ``days``: visits, buildings visited / total, last visit, anomalies.

    Anomalies are rare, so the list looks back ``anomaly_days``; the last visit is the latest within
    that look-back too. ``anomalies_in_period`` counts those within ``days``. One statement, one scan.
    """
    now = _now(now)
    since = now - timedelta(days=days)
    anomaly_since = now - timedelta(days=anomaly_days)
    row = (
        conn.execute(
            text(_PATROLS),
            {
                "code": code,
                "now": now,
                "since": since,
                "anomaly_since": anomaly_since,
                "lookback": min(since, anomaly_since),
                "limit": max(int(anomaly_limit), 0),
            },
        )
        .mappings()
        .one()
    )
    total = int(row["buildings_total"])
    visited = int(row["buildings_visited"])
    last = None
    if row["last_at"] is not None:
        last = {
            "visited_at": row["last_at"],
            "worker_name": row["last_worker_name"],
            "worker_code": row["last_worker_code"],
        }
    anomalies = [
        {"at": at, "type": kind, "finding": finding, "worker_name": worker, "address": address}
        for at, kind, finding, worker, address in zip(
            row["a_at"],
            row["a_type"],
            row["a_finding"],
            row["a_worker"],
            row["a_address"],
            strict=True,
        )
    ]
    return {
        "days": days,
        "since": since,
        "until": now,
        "visits": int(row["visits"]),
        "buildings_visited": visited,
        "buildings_total": total,
        "coverage": visited / total if total else None,
        "last_visit": last,
        "anomalies_in_period": int(row["anomalies_in_period"]),
        "anomaly_days": anomaly_days,
        "anomalies": anomalies,
    }


_CASE = f"""
    SELECT d.id, d.source, d.source_ref, {_redacted("d.title")} AS title,
           {_redacted("d.description")} AS description, d.address,
           d.type_code, t.name AS type_name, d.lead_department,
           dep.name AS lead_department_name, d.grid_code, g.name AS grid_name,
           d.district_code, a.name AS district_name, d.status, d.risk_level, d.parties,
           d.involves_key_person, d.reported_at, d.due_at, d.resolved_at,
           {_redacted("d.outcome")} AS outcome, d.satisfaction,
           (d.status = ANY(:open_statuses) AND d.due_at < :now) AS overdue
    FROM dispute d
    JOIN dispute_type t ON t.code = d.type_code
    LEFT JOIN department dep ON dep.code = d.lead_department
    LEFT JOIN grid g ON g.code = d.grid_code
    LEFT JOIN admin_area a ON a.code = d.district_code
    WHERE d.id = :id
"""  # noqa: S608 — fixed SQL fragments only; values are bound

_EVENTS = f"""
    SELECT e.id, e.at, e.action, {_redacted("e.actor")} AS actor, e.department_code,
           dep.name AS department_name, {_redacted("e.note")} AS note, e.sub_case_id
    FROM dispute_event e LEFT JOIN department dep ON dep.code = e.department_code
    WHERE e.dispute_id = :id
    ORDER BY e.at, e.id
"""  # noqa: S608 — fixed SQL fragments only; values are bound

_SUB_CASES = f"""
    SELECT s.id, s.department_code, dep.name AS department_name,
           {_redacted("s.task")} AS task, s.status, s.due_at, s.resolved_at
    FROM dispute_sub_case s LEFT JOIN department dep ON dep.code = s.department_code
    WHERE s.dispute_id = :id
    ORDER BY s.id
"""  # noqa: S608 — fixed SQL fragments only; values are bound


def case_detail(
    conn: Connection, dispute_id: int, cleared: bool = False, now: datetime | None = None
) -> dict[str, Any] | None:
    """One dispute with names, its event history (by time) and sub-cases; None when unknown.

    For callers not cleared, ID numbers and mobile numbers quoted in free text are masked.
    """
    try:
        dispute_id = int(dispute_id)
    except (TypeError, ValueError):
        return None
    params = {
        "id": dispute_id,
        "cleared": cleared,
        "now": _now(now),
        "open_statuses": list(OPEN_STATUSES),
    }
    row = conn.execute(text(_CASE), params).mappings().first()
    if row is None:
        return None
    ids = {"id": dispute_id, "cleared": cleared}
    events = conn.execute(text(_EVENTS), ids).mappings().all()
    sub_cases = conn.execute(text(_SUB_CASES), ids).mappings().all()
    return {
        **row,
        "id": int(row["id"]),
        "overdue": bool(row["overdue"]),
        "events": [{**e, "id": int(e["id"])} for e in events],
        "sub_cases": [{**s, "id": int(s["id"])} for s in sub_cases],
    }

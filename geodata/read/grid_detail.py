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
from geodata.sql import query

# A period longer than this shows only its latest months in the trend.
MAX_TREND_MONTHS = 60
# Anomalies are rare (~0.5 % of visits): the list looks back further than the visit counts.
ANOMALY_DAYS = 365


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ)


def _masked_phone(column: str) -> str:
    """SQL for a phone masked by the project's rule (``features.mask_phone_sql``) unless ``:cleared``."""
    return f"CASE WHEN :cleared THEN {column} ELSE {features.mask_phone_sql(column)} END"


def _redacted(column: str) -> str:
    """SQL for free text with ID and mobile numbers masked unless ``:cleared`` (one rule:
    ``domain.masking.redact``, mirrored by ``features.redact_sql``)."""
    return f"CASE WHEN :cleared THEN {column} ELSE {features.redact_sql(column)} END"


_GRID = query("read/grid_profile")

_WORKERS = f"""
    SELECT w.id, w.code, w.name, {_masked_phone("w.phone")} AS phone
    FROM grid_worker w WHERE w.grid_code = :code ORDER BY w.code
"""  # noqa: S608 — the mask is fixed SQL; values are bound

_HOUSING = query("read/grid_housing")


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
    sql = query("read/grid_disputes").format(filter=where)  # noqa: S608 — DisputeFilter's fixed fragment
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
    sql = query("read/grid_monthly_trend").format(filter=where)  # noqa: S608 — DisputeFilter's fixed fragment
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
    cleared: bool = False,
) -> list[dict[str, Any]]:
    """The newest disputes of one grid under the filters; overdue = still open past its due time.

    Titles quote what callers said: ID and mobile numbers in them are masked unless cleared."""
    where, params = (flt or DisputeFilter()).sql("d")
    sql = query("read/grid_recent_cases").format(filter=where, title=_redacted("d.title"))  # noqa: S608 — fixed fragments
    rows = conn.execute(
        text(sql),
        {
            "cleared": cleared,
            "code": code,
            "limit": max(int(limit), 0),
            "now": _now(now),
            "open_statuses": list(OPEN_STATUSES),
            **params,
        },
    ).mappings()
    return [{**r, "id": int(r["id"]), "overdue": bool(r["overdue"])} for r in rows]


_PATROLS = query("read/grid_patrols").format(finding=_redacted("v.finding"))  # noqa: S608 — fixed fragment


def grid_patrols(
    conn: Connection,
    code: str,
    days: int = 30,
    now: datetime | None = None,
    anomaly_days: int = ANOMALY_DAYS,
    anomaly_limit: int = 5,
    cleared: bool = False,
) -> dict[str, Any]:
    """Patrol coverage over the last ``days``: visits, buildings visited / total, last visit, anomalies.

    Anomalies are rare, so the list looks back ``anomaly_days``; the last visit is the latest within
    that look-back too. ``anomalies_in_period`` counts those within ``days``. One statement, one scan.
    Findings are free text: ID and mobile numbers in them are masked unless ``cleared``.
    """
    now = _now(now)
    since = now - timedelta(days=days)
    anomaly_since = now - timedelta(days=anomaly_days)
    row = (
        conn.execute(
            text(_PATROLS),
            {
                "cleared": cleared,
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


_CASE = query("read/case_detail").format(  # noqa: S608 — fixed SQL fragments only
    title=_redacted("d.title"),
    description=_redacted("d.description"),
    outcome=_redacted("d.outcome"),
)

_EVENTS = query("read/case_events").format(  # noqa: S608 — fixed SQL fragments only
    actor=_redacted("e.actor"), note=_redacted("e.note")
)

_SUB_CASES = query("read/case_sub_cases").format(task=_redacted("s.task"))  # noqa: S608 — fixed


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

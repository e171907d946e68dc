"""Department performance (部门绩效) and mediation (调解室, 调解员), derived from the cases.

Plain functions taking a connection and returning plain data, so the /performance page, the
wall and the reports show the same figures. Row-level security decides which cases count: every
figure is over the cases the caller may see. A period is ``[start, end)`` on ``assigned_at``
(when the case was handed over, 交办); ``area`` narrows to one district, township, community or
grid (None: everything the caller sees).

Definitions (the README's "Department performance" section says the same in prose):

* cases led — cases handed to the department as lead in the period (merged duplicates never
  count anywhere);
* on-time rate — of the led cases whose resolve clock has stopped (``resolved_at`` set) plus those
  still open past ``due_at`` now (late already, whatever happens next): the share resolved at or
  before ``due_at``. Open cases not yet due are left out: they can still go either way;
* resolution rate — of the led cases with an outcome recorded (化解 done and not reopened since):
  the share whose outcome resolves the dispute (agreement or withdrawn, ``RESOLVING_OUTCOMES``);
* average handling days — ``assigned_at`` → ``resolved_at`` over the led cases with a resolve time,
  in calendar days and in working days (``domain.workdays``: working days after the day of
  assignment up to and including the day of resolution);
* satisfaction — the mean return-call score (1–5) and the share scoring 4 or 5;
* reopen rate — of the led cases that reached 化解 at least once, the share reopened (重办);
* sign on-time rate — of the led cases signed for (签收) or unsigned past ``sign_due_at``, the
  share signed at or before ``sign_due_at``;
* open now, overdue now — cases the department leads that are assigned or in progress right now
  (handed over in any period), and of those the ones past ``due_at``;
* locks held — open or planned locks (分锁) the department holds right now.

Mediation, per room and per mediator (the current assignee; a case handed on elsewhere leaves):
cases handed over in the period, those still open, success rate = agreements among the cases
with an outcome, average handling days as above, and mean satisfaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

from domain import workdays
from domain.clock import LOCAL_TZ, local
from domain.vocab import OPEN_STATUSES, RESOLVING_OUTCOMES, SUB_CASE_STATUSES
from domain.workflow import OPEN_LOCK_STATUSES
from geodata.sql import query

# Assigned or in progress: a case in the assignee's hands (received ones wait for 交办).
HANDED_STATUSES = ("assigned", "in_progress")
OPEN_LOCKS = tuple(s for s in SUB_CASE_STATUSES if s in OPEN_LOCK_STATUSES)
# A return-call score of at least this counts as satisfied (满意率).
SATISFIED_FROM = 4
AREA_LENGTHS = (6, 9, 12, 15)

_DEPARTMENTS = query("read/performance_departments")
_MEDIATION = query("read/performance_mediation")
# The days a period's cases were assigned and resolved on lie within these two; each is one
# probe of its index (0018), not a scan of every visible case.
_SPAN = text(
    "SELECT (SELECT min(assigned_at) FROM dispute"
    " WHERE CAST(:start AS timestamptz) IS NULL OR assigned_at >= CAST(:start AS timestamptz)),"
    " (SELECT max(resolved_at) FROM dispute"
    " WHERE CAST(:start AS timestamptz) IS NULL OR resolved_at >= CAST(:start AS timestamptz))"
)


def ratio(n: float, of: float) -> float | None:
    """``n / of``, or None when there is nothing to divide by."""
    return n / of if of else None


def check_area(area: str | None) -> str | None:
    """``area`` when it is None or an area code of a district or below, else ValueError."""
    if area is None:
        return None
    if not (isinstance(area, str) and area.isascii() and area.isdigit()):
        raise ValueError(f"not an area code: {area!r}")
    if len(area) not in AREA_LENGTHS:
        raise ValueError(f"not a district, township, community or grid code: {area!r}")
    return area


def _calendar(
    conn: Connection, start: datetime | None, end: datetime | None, now: datetime
) -> dict[str, list]:
    """Working-day ordinals for every day a case of the period was assigned or resolved on."""
    first, last = conn.execute(_SPAN, {"start": start}).one()
    days: list[date] = [d for d in (start, first) if d is not None]  # type: ignore[misc]
    lo = min(local(d).date() for d in days) if days else local(now).date()
    hi = max(local(d).date() for d in (now, last) if d is not None)
    ordinals = workdays.workday_ordinals(lo, max(lo, hi))
    return {"cal_days": [d for d, _ in ordinals], "cal_n": [n for _, n in ordinals]}


def _window(start: datetime | None, end: datetime | None, now: datetime | None) -> dict:
    return {"start": start, "end": end, "now": now or datetime.now(LOCAL_TZ)}


def departments(
    conn: Connection,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
    area: str | None = None,
) -> list[dict[str, Any]]:
    """Every department's figures (see the module docstring), in code order.

    Each row: code, name, the counts behind each figure (``performance_departments.sql``) and
    on_time_rate, resolution_rate, avg_days, avg_workdays, satisfaction, satisfied_share,
    reopen_rate, sign_rate (None where nothing counts yet)."""
    params = _window(start, end, now)
    params |= {
        "area": check_area(area),
        "resolving": list(RESOLVING_OUTCOMES),
        "handed": list(HANDED_STATUSES),
        "open_locks": list(OPEN_LOCKS),
        "satisfied_from": SATISFIED_FROM,
        **_calendar(conn, start, end, params["now"]),
    }
    out = []
    for row in conn.execute(text(_DEPARTMENTS), params).mappings():
        r = {k: (float(v) if k in ("days_sum",) else v) for k, v in row.items()}
        r.update(
            on_time_rate=ratio(r["on_time"], r["on_time_of"]),
            resolution_rate=ratio(r["resolved"], r["closed"]),
            avg_days=ratio(r["days_sum"], r["handled"]),
            avg_workdays=ratio(r["workdays_sum"], r["workdays_n"]),
            satisfaction=ratio(r["satisfaction_sum"], r["rated"]),
            satisfied_share=ratio(r["satisfied"], r["rated"]),
            reopen_rate=ratio(r["reopened"], r["reached"]),
            sign_rate=ratio(r["signed_on_time"], r["sign_of"]),
        )
        out.append(r)
    return out


def mediation(
    conn: Connection,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    now: datetime | None = None,
    area: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Rooms and mediators with their figures: {"rooms": [...], "mediators": [...]}.

    Each row: room_id, room_name, kind, area_code (mediators also mediator_id, mediator_name,
    specialty), cases, open, closed, agreements, handled and success_rate, avg_days,
    avg_workdays, satisfaction (None where nothing counts yet)."""
    params = _window(start, end, now)
    params |= {"area": check_area(area), "open": list(OPEN_STATUSES)}
    params |= _calendar(conn, start, end, params["now"])
    del params["now"]
    rooms: list[dict[str, Any]] = []
    mediators: list[dict[str, Any]] = []
    for row in conn.execute(text(_MEDIATION), params).mappings():
        r = dict(row)
        r["days_sum"] = float(r["days_sum"])
        r.update(
            success_rate=ratio(r["agreements"], r["closed"]),
            avg_days=ratio(r["days_sum"], r["handled"]),
            avg_workdays=ratio(r["workdays_sum"], r["workdays_n"]),
            satisfaction=ratio(r["satisfaction_sum"], r["rated"]),
        )
        level = r.pop("level")
        if level == "room":
            for key in ("mediator_id", "mediator_name", "specialty"):
                r.pop(key)
            rooms.append(r)
        else:
            mediators.append(r)
    return {"rooms": rooms, "mediators": mediators}


def areas_within(conn: Connection, codes: tuple[str, ...]) -> list[dict[str, str]]:
    """The areas one level below ``codes`` (the city's districts, a district's townships …):
    what a jurisdiction may narrow the figures to."""
    rows = conn.execute(
        text(
            "SELECT code, name FROM admin_area WHERE parent_code = ANY(CAST(:codes AS text[]))"
            " ORDER BY code"
        ),
        {"codes": list(codes)},
    ).all()
    return [{"code": c, "name": n} for c, n in rows]

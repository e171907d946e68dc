"""Store the early-warning episodes (``alert_episode``) and what people do about them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from domain import warning
from geodata.read import warnings as reading
from geodata.write.users import record_audit

_UPSERT = text(
    "INSERT INTO alert_episode (area_code, area_level, district_code, type_code, opened_on,"
    " last_alarm_on, closed_on, observed, expected, statistic, method, state)"
    " VALUES (CAST(:area AS text), :level, left(CAST(:area AS text), 6), :type, :opened, :last, CAST(:closed AS date), :observed, :expected,"
    " :statistic, :method, CASE WHEN CAST(:closed AS date) IS NULL THEN 'open' ELSE 'closed' END)"
    " ON CONFLICT (area_code, type_code, opened_on) DO UPDATE SET"
    " last_alarm_on = excluded.last_alarm_on, closed_on = excluded.closed_on,"
    " observed = excluded.observed, expected = excluded.expected,"
    " statistic = excluded.statistic, method = excluded.method,"
    " state = CASE WHEN excluded.closed_on IS NOT NULL"
    " AND alert_episode.state IN ('open', 'acknowledged', 'assigned') THEN 'closed'"
    " ELSE alert_episode.state END, updated_at = now()"
    " WHERE (alert_episode.last_alarm_on, alert_episode.closed_on, alert_episode.statistic)"
    " IS DISTINCT FROM (excluded.last_alarm_on, excluded.closed_on, excluded.statistic)"
)


def refresh(conn: Connection, as_of: date) -> dict[str, int]:
    """Run the statistic over the cases up to ``as_of`` and store its episodes: new ones open,
    running ones updated, finished ones closed (an acknowledged or assigned alert closes too; a
    dismissed one keeps its dismissal). Idempotent for the same data."""
    series = reading.daily_counts(conn, as_of)
    found = reading.detect(series)
    for e in found:
        conn.execute(
            _UPSERT,
            {"area": series.areas[e.series], "level": series.levels[e.series],
             "type": series.types[e.series], "opened": e.opened, "last": e.last_alarm,
             "closed": e.closed, "observed": e.observed, "expected": e.expected,
             "statistic": e.statistic, "method": e.method},
        )  # fmt: skip
    return {"series": len(series.areas), "episodes": len(found),
            "open": sum(e.is_open for e in found)}  # fmt: skip


def act(
    conn: Connection,
    episode_id: int,
    action: str,
    user: str,
    role: str,
    *,
    assignee: str | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Acknowledge, assign (to ``assignee``) or dismiss (with a ``reason``) an alert the caller
    can see; ValueError for a refused action, LookupError for an unknown or foreign alert."""
    row = (
        conn.execute(
            text("SELECT id, state, version FROM alert_episode WHERE id = :id"), {"id": episode_id}
        )
        .mappings()
        .first()
    )
    if row is None:
        raise LookupError(f"no alert {episode_id}")
    if expected_version is not None and row["version"] != expected_version:
        raise ValueError("the alert was changed meanwhile; reload it")
    state = warning.episode_after(row["state"], action)
    if action == "assign" and not (assignee and assignee.strip()):
        raise ValueError("assign names who takes the alert")
    if action == "dismiss" and not (reason and reason.strip()):
        raise ValueError("dismiss needs a reason")
    done = conn.execute(
        text(
            "UPDATE alert_episode SET state = :state, assignee = coalesce(:assignee, assignee),"
            " reason = coalesce(:reason, reason), updated_at = now(), updated_by = :user,"
            " version = version + 1 WHERE id = :id AND version = :version RETURNING version"
        ),
        {"state": state, "assignee": assignee, "reason": reason, "user": user, "id": episode_id,
         "version": row["version"]},
    ).scalar()  # fmt: skip
    if done is None:
        raise ValueError("the alert was changed meanwhile; reload it")
    record_audit(conn, user, role, f"alert.{action}", f"alert:{episode_id}",
                 {"state": state, "assignee": assignee, "reason": reason})  # fmt: skip
    return {"id": episode_id, "state": state, "version": done}

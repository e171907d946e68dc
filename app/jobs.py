"""Work the app does on its own, every ``escalation_interval_s`` seconds: automatic 督办, closing
patrol tasks that visits covered, and once a day from 06:00 the morning's patrol tasks and the
early-warning episodes.

Every gunicorn worker runs the loop, and one at a time does the work: a transaction-scoped
advisory lock lets the first worker in and the others skip that round. The job acts as the
centre (``SYSTEM_ACTOR``) under a city-wide scope, through the app's own role, so row-level
security and the audit trail apply to it like to anyone.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy import Engine, text

from app.context import scoped_transaction
from domain.clock import now as local_now
from domain.scope import Scope
from geodata.settings import Settings
from geodata.write import cases, users
from geodata.write import keypersons as key_person_writes
from geodata.write import risk as risk_writes
from geodata.write import tasks as task_writes
from geodata.write import warnings as warning_writes
from geodata.write import whistles as whistle_writes

log = logging.getLogger(__name__)
# pg_try_advisory_xact_lock key: "督办" as a number, the same in every worker and machine.
LOCK_KEY = 0x7F63_529E


def _centre(engine: Engine) -> Scope | None:
    """The centre's own city-wide scope (None before any area is loaded)."""
    with scoped_transaction(engine, Scope.anonymous()) as conn:
        city = users.city_code(conn)
    return None if city is None else Scope(user=cases.SYSTEM_ACTOR.user, role="city", areas=(city,))


def escalate_once(engine: Engine, settings: Settings) -> int | None:
    """One round: the number of cases escalated, or None when another worker holds the lock."""
    centre = _centre(engine)
    if centre is None:
        return 0
    with scoped_transaction(engine, centre) as conn:
        if not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}).scalar():
            return None
        done = cases.escalate(conn, cases.SYSTEM_ACTOR, thresholds=settings.sla_thresholds())
        whistled = whistle_writes.supervise_overdue(conn)
    return len(done) + whistled


DAILY_FROM_HOUR = 6
_daily_done: set[str] = set()


def daily_once(engine: Engine, now: datetime | None = None) -> dict | None:
    """Once a day (from 06:00, one worker): the morning's patrol tasks and the stored alerts;
    every round: close tasks covered by visits. None when another worker holds the lock."""
    moment = now or local_now()
    centre = _centre(engine)
    if centre is None:
        return {}
    with scoped_transaction(engine, centre) as conn:
        if not conn.execute(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY + 1}
        ).scalar():
            return None
        out: dict = {"covered": task_writes.close_covered(conn, moment)}
        day = moment.date().isoformat()
        if moment.hour >= DAILY_FROM_HOUR and day not in _daily_done:
            out["risk"] = risk_writes.refresh(conn, now=moment)
            out["tasks"] = task_writes.generate(conn, moment.date(), moment)
            out["alerts"] = warning_writes.refresh(conn, moment.date())
            out["key_persons"] = key_person_writes.refresh(conn, moment.date())
            _daily_done.add(day)
    return out


def start(engine: Engine, settings: Settings) -> threading.Thread | None:
    """Start the escalation loop in a daemon thread (None when the interval is 0)."""
    if settings.escalation_interval_s <= 0:
        return None
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(settings.escalation_interval_s):
            try:
                count = escalate_once(engine, settings)
                if count:
                    log.info("automatic 督办: %d case(s) escalated", count)
                daily = daily_once(engine)
                if daily:
                    log.info("scheduled work: %s", daily)
            except Exception:  # noqa: BLE001 — a failed round is logged; the next one retries
                log.exception("scheduled work failed")

    thread = threading.Thread(target=loop, name="zongzhi-escalation", daemon=True)
    thread.start()
    return thread

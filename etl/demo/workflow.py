"""Case histories under the workflow rules, column-wise, with a live desk at ``as_of``.

Every case runs the same course in time: 接办 (sometimes 定性 when the type was wrong, 定位 when
the caller gave no usable address, 代办 for walk-ins), 交办 to the lead department with the type's
cooperating departments — or to a mediation room and mediator, or to the grid's worker for a
simple case — with due times in working days (``domain.workdays``), sometimes 退回 and 交办
again, 签收 (some late), 商办, 分锁 → 给钥匙 → 开锁 for complex multi-party cases, 化解 with an
outcome code once every lock is opened, 评价 (an unsatisfied return call reopens the case: 重办),
归档; a few hotline cases are duplicates, merged into the case they repeat or only flagged.
督办 is what ``domain.sla`` would have raised, at the times the escalation loop would have raised
it (actor ``system``), plus some by hand.

Nothing happens at or after ``as_of`` (local midnight): the cases still open then are the desk.
``MIN_WAITING`` makes sure even a small demo has a few cases in every state a desk shows (waiting
for 交办, for 签收, on time / due soon / overdue, under each 督办 level, with open or planned
locks, in 商办, awaiting the return call, needs location …): when too few are there by chance,
cases are held at that step (their later steps have not happened yet).

Statuses are the events replayed through ``domain.workflow.replay``; a history the rules refuse
is a generator bug and raises. ``tests/unit/test_demo_generator.py`` also replays every history
through ``domain.workflow.decide``, guards included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from domain import workdays
from domain.sla import DEFAULT as SLA
from domain.vocab import (
    ACTION_ORDER,
    ASSIGNEE_KINDS,
    DISPUTE_STATUSES,
    OPEN_STATUSES,
    OUTCOMES,
    RESOLVING_OUTCOMES,
)
from domain.workflow import replay
from etl.demo import workflow_text as txt
from etl.demo.common import (
    M_PER_DEG_LAT,
    M_PER_DEG_LON,
    NAT,
    NS_DAY,
    NS_HOUR,
    int_or_null,
    obj,
    person_names,
    phone_numbers,
    stream,
    to_frame,
    utc,
)
from etl.demo.config import DemoConfig
from etl.demo.geography import City

NS_MIN = 60 * 10**9
NEVER = np.iinfo(np.int64).max  # a clock that has not stopped
# The automatic 督办 loop runs every five minutes (Settings.escalation_interval_s).
TICK = 5 * NS_MIN
# Even a small demo has at least this many cases in each state the desk shows at as_of.
MIN_WAITING = 3
RECENT_DAYS, RECENT_MIN = 7, 30  # at least this many cases in the last days before as_of

REVIEW_SHARE = 0.06  # cases the centre holds for joint review (研判) before 交办
CLASSIFY_SHARE = 0.08  # 定性: the type given at intake was wrong
LOCATE_SHARE = 0.04  # 定位: located by a call back (an address no building matched)
PROXY_SHARE = 0.4  # walk-ins with a 代办员
RETURN_SHARE = 0.05  # 退回 by the department first handed the case, then 交办 again
LATE_SIGN_SHARE = 0.08  # 签收 after its one-working-day limit
CONSULT_SHARE = 0.08  # 商办 (more for multi-party cases)
MANUAL_SUPERVISION_SHARE = 0.03  # 督办 by hand
RESOLVE_SHARE = 0.75  # 化解 that ends in agreement or withdrawal
UNREACHABLE_SHARE = 0.03  # 回访 never reached the resident: archived with a note
DUPLICATE_SHARE = 0.015  # hotline cases that repeat another one (≤ 100 m, ≤ 7 days, same type)
MERGED_SHARE = 0.5  # of those, merged (合并); the rest only flagged
# 交办 to a mediation room for these types (family, neighbour … about one case in four), and to
# the grid's worker for simple two-party low-risk cases of these types.
# (Raised with the 金牌调解室 in every 街道, so their resolved cases reach the brief's 3,980.)
MEDIATION_SHARE = {"family": 0.75, "neighbour": 0.55, "property": 0.12, "medical": 0.4,
                   "consumer": 0.3, "labour": 0.25, "traffic": 0.2, "land": 0.3}  # fmt: skip
GRID_WORKER_SHARE = {"neighbour": 0.9, "environment": 0.9, "property": 0.7, "heating": 0.7,
                     "consumer": 0.5}  # fmt: skip
GRID_WORKER_LIMIT = 5  # working days for a simple case
LOCK_LIMITS = (5, 7, 10, 15)
# Who leaves a name and number (the reporter), by source.
_REPORTER_SHARE = {"hotline": 0.9, "walk_in": 1.0, "petition": 1.0, "court": 1.0, "police": 0.7,
                   "other": 0.5, "grid_worker": 0.2, "building_chief": 1.0}  # fmt: skip
# 小事不出楼栋: a building chief's report goes to the grid's worker far more often, to a mediation
# room less (the chief and the worker settle it in the building first).
CHIEF_MEDIATION_FACTOR = 0.3
CHIEF_GRID_WORKER_SHARE = 0.85
_ADDRESS_ONLY = ("hotline", "walk_in", "petition", "other", "police")
KIND_NAMES = ASSIGNEE_KINDS  # tl.kind 0, 1, 2
_S = {s: i for i, s in enumerate(DISPUTE_STATUSES)}
_OPEN = np.array([_S[s] for s in OPEN_STATUSES])
_SUCCESS = np.array([o in RESOLVING_OUTCOMES for o in OUTCOMES])


class WorkCalendar:
    """``domain.workdays`` as arrays over a span of days: due times for many cases at once."""

    def __init__(self, first: date, last: date) -> None:
        days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
        work = np.fromiter(
            (workdays.is_workday(d) for d in days.astype(object)), dtype=bool, count=len(days)
        )
        self._day0 = int(days[0].astype(np.int64))
        self._cum = np.cumsum(work)  # working days up to and including each day
        self._work = np.flatnonzero(work)  # positions of the working days

    def _pos(self, local_ns: np.ndarray) -> np.ndarray:
        pos = local_ns // NS_DAY - self._day0
        if len(pos) and (pos.min() < 0 or pos.max() >= len(self._cum)):
            raise ValueError("a time outside the demo's calendar")
        return pos

    def due(self, local_ns: np.ndarray, days: Any) -> np.ndarray:
        """``domain.workdays.due_at`` (local ns; NAT stays NAT): midnight ending the ``days``-th
        working day after the day of ``local_ns``."""
        t = np.asarray(local_ns, dtype=np.int64)
        n = np.broadcast_to(np.asarray(days, dtype=np.int64), t.shape)
        out = np.full(t.shape, NAT, dtype=np.int64)
        ok = t != NAT
        last = self._work[self._cum[self._pos(t[ok])] + n[ok] - 1]
        out[ok] = (self._day0 + last + 1) * NS_DAY
        return out

    def listed(self, due: np.ndarray) -> np.ndarray:
        """When a clock due at ``due`` calls for 挂牌督办 (``domain.sla.level_for``)."""
        return self.due(np.where(due == NAT, NAT, due - 1), SLA.list_after_working_days)

    def is_workday(self, local_ns: int) -> bool:
        """Whether the day of ``local_ns`` is a working day."""
        pos = self._pos(np.array([local_ns]))[0]
        return bool(self._cum[pos] - (self._cum[pos - 1] if pos else 0))

    def working_day_end(self, end_ns: int, back: int) -> int:
        """Midnight ending the ``back``-th working day before the day of ``end_ns``."""
        pos = self._pos(np.array([end_ns - 1]))[0]
        return (self._day0 + int(self._work[self._cum[pos] - back]) + 1) * NS_DAY

    def working_days(self, after_ns: np.ndarray, last_day_ns: int) -> np.ndarray:
        """Working days after the day of ``after_ns`` up to and including the day of
        ``last_day_ns`` (a time limit that ends there)."""
        return self._cum[self._pos(np.array([last_day_ns]))[0]] - self._cum[self._pos(after_ns)]


class EventLog:
    """Collects workflow events column-wise, orders them per case and replays them.

    ``detail`` is the event's JSON (``dispute_event.detail``); the loader adds what only the
    database knows from ``room``, ``mediator``, ``worker`` and ``into`` (names, codes, the
    source reference of the case a duplicate is merged into)."""

    ACTIONS = ACTION_ORDER
    _OPTIONAL = ("detail", "room", "mediator", "worker", "into")

    def __init__(self) -> None:
        self._parts: list[dict[str, np.ndarray]] = []
        self._sorted: dict[str, np.ndarray] | None = None

    def add(
        self,
        case: np.ndarray,
        at: np.ndarray,
        action: str,
        actor: Any,
        dept: Any,
        note: Any,
        sub: np.ndarray | None = None,
        **optional: Any,
    ) -> None:
        if self._sorted is not None:
            raise RuntimeError("events added after the log was read")
        unknown = set(optional) - set(self._OPTIONAL)
        if unknown:
            raise ValueError(f"unknown event columns {sorted(unknown)}")
        m = len(case)

        def column(v: Any) -> np.ndarray:
            return v if isinstance(v, np.ndarray) else np.full(m, v, dtype=object)

        part = {
            "case": np.asarray(case, dtype=np.int64),
            "at": np.asarray(at, dtype=np.int64),
            "rank": np.full(m, self.ACTIONS.index(action), dtype=np.int64),
            "actor": column(actor),
            "dept": column(dept),
            "note": column(note),
            "sub": np.zeros(m, np.int64) if sub is None else np.asarray(sub, dtype=np.int64),
        }
        for name in self._OPTIONAL:
            part[name] = column(optional.get(name))
        self._parts.append(part)

    def _columns(self) -> dict[str, np.ndarray]:
        """Per case by time; same-instant events in workflow order, locks by their seq."""
        if self._sorted is None:
            names = list(self._parts[0]) if self._parts else []
            cols = {k: np.concatenate([p[k] for p in self._parts]) for k in names}
            order = np.lexsort((cols["sub"], cols["rank"], cols["at"], cols["case"]))
            self._sorted = {k: v[order] for k, v in cols.items()}
        return self._sorted

    def statuses(self, success: np.ndarray, source_ref: np.ndarray) -> np.ndarray:
        """Each case's status: its history replayed through ``domain.workflow`` (``success``:
        the outcome of its last 化解). A history the rules refuse is a generator bug and raises."""
        cols = self._columns()
        case, rank = cols["case"], cols["rank"]
        n = len(success)
        # One row per case: the outcome, then its actions (rank + 1, 0 past the end). Histories
        # repeat (a few hundred shapes for any number of cases), so each shape is replayed once.
        count = np.bincount(case, minlength=n)
        pos = np.arange(len(case)) - (np.cumsum(count) - count)[case]
        rows = np.zeros((n, int(count.max(initial=0)) + 1), dtype=np.uint8)
        rows[:, 0] = success
        rows[case, pos + 1] = rank + 1
        # Group identical rows through a void view: much faster than np.unique(axis=0).
        keys = rows.view(np.dtype((np.void, rows.shape[1]))).ravel()
        shapes, which = np.unique(keys, return_inverse=True)
        which = which.reshape(-1)
        replayed = []
        for k, key in enumerate(shapes.tolist()):
            row = list(key)
            actions = [self.ACTIONS[r - 1] for r in row[1:] if r]
            try:
                replayed.append(replay(actions, success=bool(row[0])))
            except ValueError as exc:  # TransitionError, or a history without 接办
                ref = source_ref[np.flatnonzero(which == k)[0]]
                raise RuntimeError(
                    f"demo case {ref}: the workflow refuses {actions}: {exc}"
                ) from exc
        return obj(replayed)[which]

    def frame(self, source_ref: np.ndarray) -> pd.DataFrame:
        c = self._columns()
        case = c["case"]
        first = np.r_[True, case[1:] != case[:-1]]
        group_start = np.maximum.accumulate(np.where(first, np.arange(len(case)), 0))
        sub = c["sub"]
        return to_frame(
            {
                "source_ref": source_ref[case],
                "seq": np.arange(len(case)) - group_start + 1,
                "action": obj(self.ACTIONS)[c["rank"]],
                "actor": c["actor"],
                "department_code": c["dept"],
                "at": utc(c["at"]),
                "note": c["note"],
                "sub_case_seq": int_or_null(sub, sub > 0),
                "detail": c["detail"],
                "room_name": c["room"],
                "mediator_name": c["mediator"],
                "worker_code": c["worker"],
                "into_ref": c["into"],
            }
        )


@dataclass(frozen=True)
class Duplicates:
    """Hotline cases that repeat an earlier one: ``case[k]`` repeats ``original[k]``."""

    case: np.ndarray
    original: np.ndarray
    merged: np.ndarray  # merged (合并) rather than only flagged


def recent(cfg: DemoConfig, day: np.ndarray, span_days: int, seasonal: np.ndarray) -> np.ndarray:
    """Day offsets (``etl.demo.common.pick_days``) with at least ``RECENT_MIN`` cases in the
    last ``RECENT_DAYS`` days: a small demo has too few by chance for every state of the desk.
    Seasonal (heating) cases keep their days; at full scale nothing moves."""
    rng = stream(cfg, 10, 5)
    last = span_days - RECENT_DAYS
    short = RECENT_MIN - int((day >= last).sum())
    movable = np.flatnonzero((day < last) & ~seasonal)
    if short <= 0 or not len(movable):
        return day
    pick = rng.choice(movable, size=min(short, len(movable)), replace=False)
    out = day.copy()
    out[pick] = last + rng.integers(0, RECENT_DAYS, len(pick))
    return out


def duplicates(
    cfg: DemoConfig, reported: np.ndarray, type_idx: np.ndarray, hotline: np.ndarray
) -> Duplicates:
    """Pick ~``DUPLICATE_SHARE`` of the hotline cases that follow a hotline case of the same
    type within 7 days (the caller moves each to its original's building); at least
    ``MIN_WAITING`` of them merged and as many only flagged, when there are enough."""
    rng = stream(cfg, 10, 1)
    end = _end(cfg)
    idx = np.flatnonzero(hotline)
    s = idx[np.lexsort((reported[idx], type_idx[idx]))]
    prev = np.r_[-1, s[:-1]]
    gap = reported[s] - reported[np.maximum(prev, 0)]
    ok = (prev >= 0) & (type_idx[s] == type_idx[np.maximum(prev, 0)])
    ok &= (gap > 10 * NS_MIN) & (gap < 7 * NS_DAY - NS_HOUR) & (reported[s] < end - NS_DAY)
    cand, orig = s[ok], prev[ok]
    want = max(2 * MIN_WAITING, round(DUPLICATE_SHARE * len(idx)))
    pick = rng.permutation(len(cand))[:want]
    case, original = cand[pick], orig[pick]
    keep = ~np.isin(original, case)  # an original is never itself a duplicate
    case, original = case[keep], original[keep]
    order = np.argsort(case)
    case, original = case[order], original[order]
    merged = rng.random(len(case)) < MERGED_SHARE
    k = min(MIN_WAITING, len(case) // 2)
    merged[rng.permutation(len(case))[:k]] = True
    flagged = np.flatnonzero(~merged)
    if len(flagged) < k:
        merged[np.flatnonzero(merged)[: k - len(flagged)]] = False
    return Duplicates(case, original, merged)


@dataclass(frozen=True)
class CaseInputs:
    """What the histories need of the cases (in report order)."""

    reported: np.ndarray  # local ns
    type_code: np.ndarray
    source: np.ndarray
    parties: np.ndarray
    risk: np.ndarray  # index into RISK_LEVELS
    grid: np.ndarray  # index into the city's grids
    address: np.ndarray
    x: np.ndarray
    y: np.ndarray
    limit: np.ndarray  # the type's time limit (working days)
    lead: np.ndarray
    cooperating: np.ndarray  # the type's cooperating departments (lists)


@dataclass
class _Timeline:
    """When each step of each case happens (local ns; NAT: never). Locks are rows of their own
    (``l_*``, ``l_case`` the case)."""

    reported: np.ndarray
    kind: np.ndarray
    dept: np.ndarray  # the department of the (last) 交办
    dept1: np.ndarray  # the first 交办's department (another one when it was returned)
    wrong: np.ndarray  # a department a case may be handed to by mistake (returned), or None
    limit: np.ndarray
    classify_at: np.ndarray
    locate_at: np.ndarray
    proxy_at: np.ndarray
    assign1_at: np.ndarray
    return_at: np.ndarray
    assign2_at: np.ndarray
    sign_at: np.ndarray
    consult_at: np.ndarray
    split_at: np.ndarray
    resolve1_at: np.ndarray
    outcome1: np.ndarray  # index into OUTCOMES
    evaluate1_at: np.ndarray
    sat1: np.ndarray
    resolve2_at: np.ndarray
    outcome2: np.ndarray
    evaluate2_at: np.ndarray
    sat2: np.ndarray
    archive_at: np.ndarray
    manual_at: np.ndarray
    manual_level: np.ndarray
    merge_at: np.ndarray
    cut: np.ndarray  # nothing at or after this (a case held at a step for the desk)
    unlocated: np.ndarray
    locked: np.ndarray  # held for one of the desk's states: not held for another
    l_case: np.ndarray
    l_seq: np.ndarray
    l_dept: np.ndarray
    l_limit: np.ndarray
    l_key: np.ndarray
    l_unlock: np.ndarray
    l_success: np.ndarray

    def copy(self) -> _Timeline:
        return replace(self, **{f.name: getattr(self, f.name).copy() for f in fields(self)})

    def take(self, other: _Timeline, rows: np.ndarray) -> None:
        """Adopt ``other``'s case columns for ``rows`` (locks keep their times)."""
        for f in fields(self):
            if not f.name.startswith("l_") and f.name != "reported":
                getattr(self, f.name)[rows] = getattr(other, f.name)[rows]
        locks = np.isin(self.l_case, rows)
        self.l_limit[locks] = other.l_limit[locks]


@dataclass
class _State:
    """Where each case stands at as_of (under a timeline and its cuts)."""

    status: np.ndarray
    due: np.ndarray  # the resolve clock's due time (NAT: not assigned)
    listed: np.ndarray  # when that clock calls for 挂牌督办 (NEVER: no clock)
    sign_due: np.ndarray
    level: np.ndarray  # 督办 level reached
    assigned: np.ndarray  # ever handed over (交办)
    returned: np.ndarray  # handed back (退回) and not handed over again
    reopened: np.ndarray
    evaluated: np.ndarray  # a return call since the last 化解
    success: np.ndarray  # the last 化解 ended in agreement or withdrawal
    consulted: np.ndarray
    proxied: np.ndarray
    lock_status: np.ndarray  # per lock row: "", open, planned, done, failed
    open_lock: np.ndarray  # per case
    planned_lock: np.ndarray

    @property
    def open(self) -> np.ndarray:
        return np.isin(self.status, _OPEN)


@dataclass
class Histories:
    """A build's case histories and what they leave on the cases."""

    status: np.ndarray
    resolved_at: np.ndarray  # local ns (NAT: not resolved or reopened since)
    outcome: np.ndarray
    satisfaction: np.ndarray
    evaluated: np.ndarray  # has a satisfaction
    unlocated: np.ndarray
    merged_into: np.ndarray  # index of the case a duplicate was merged into, or -1
    reporter_name: np.ndarray
    reporter_phone: np.ndarray
    vague_address: np.ndarray  # the address of a case that waits for its location
    log: EventLog
    locks: dict[str, Any]
    consultations: dict[str, Any]
    links: dict[str, Any] = field(default_factory=dict)

    def frames(self, source_ref: np.ndarray) -> dict[str, pd.DataFrame]:
        """The dependent tables by source reference: locks, events, consultations, links."""
        lk = self.locks
        locks = to_frame(
            {
                "source_ref": source_ref[lk["case"]],
                "seq": lk["seq"],
                "department_code": lk["dept"],
                "task": lk["task"],
                "status": lk["status"],
                "due_at": utc(lk["due"]),
                "resolved_at": utc(lk["resolved"]),
                "created_at": utc(lk["created"]),
                "time_limit_days": lk["limit"],
                "facts": lk["facts"],
                "law": lk["law"],
                "plan": lk["plan"],
                "planned_at": utc(lk["planned"]),
                "outcome": lk["outcome"],
            }
        )
        co = self.consultations
        consultations = to_frame(
            {
                "source_ref": source_ref[co["case"]],
                "held_at": utc(co["at"]),
                "departments": co["departments"],
                "participants": co["participants"],
                "minutes": co["minutes"],
                "outcome": co["outcome"],
                "created_by": obj([txt.DISPATCH_DESK] * len(co["case"])),
            }
        )
        li = self.links
        links = to_frame(
            {
                "source_ref": source_ref[li["case"]],
                "other_ref": source_ref[li["other"]],
                "kind": li["kind"],
                "score": li["score"],
                "reason": li["reason"],
                "created_at": utc(li["at"]),
            }
        )
        return {
            "dispute_sub_case": locks,
            "dispute_event": self.log.frame(source_ref),
            "consultation": consultations,
            "dispute_link": links,
        }


def _end(cfg: DemoConfig) -> int:
    return int(np.datetime64(cfg.as_of, "ns").astype(np.int64))


def calendar(cfg: DemoConfig) -> WorkCalendar:
    """The working days from before the first case to well after as_of."""
    span = round(cfg.dispute_months * 365 / 12)
    return WorkCalendar(cfg.as_of - timedelta(days=span + 15), cfg.as_of + timedelta(days=200))


def _happened(t: np.ndarray, h: np.ndarray) -> np.ndarray:
    return (t != NAT) & (t < h)


def _later(t: np.ndarray, ok: np.ndarray, delta: np.ndarray) -> np.ndarray:
    return np.where(ok & (t != NAT), t + delta, NAT)


def _office_hours(local_ns: np.ndarray, jitter: np.ndarray) -> np.ndarray:
    """Times outside 08:30–18:00 moved to the next opening, plus ``jitter`` (ns)."""
    midnight = local_ns - local_ns % NS_DAY
    opening = int(8.5 * NS_HOUR)
    tod = local_ns - midnight
    next_open = midnight + opening + np.where(tod >= 18 * NS_HOUR, NS_DAY, 0) + jitter
    out = np.where((tod < opening) | (tod >= 18 * NS_HOUR), next_open, local_ns)
    return np.where(local_ns == NAT, NAT, out)


def _seconds(ns: np.ndarray) -> np.ndarray:
    return np.where(ns == NAT, NAT, ns - ns % 10**9)


def _natural(
    rng: np.random.Generator, cal: WorkCalendar, k: CaseInputs, dup: Duplicates
) -> _Timeline:
    """Every case's course as it would run with nothing held back for the desk."""
    n = len(k.reported)
    rep = k.reported

    def hours(lo: float, hi: float, m: int = n) -> np.ndarray:
        return (rng.uniform(lo, hi, m) * NS_HOUR).astype(np.int64)

    def share(p: Any) -> np.ndarray:
        return rng.random(n) < p

    types = k.type_code.tolist()
    n_coop = np.array([len(c) for c in k.cooperating.tolist()], dtype=np.int64)
    # Who the case is handed to (交办).
    kind = np.zeros(n, dtype=np.int64)
    chief = k.source == "building_chief"
    p_med = np.array([MEDIATION_SHARE.get(t, 0.0) for t in types])
    kind[share(np.where(chief, p_med * CHIEF_MEDIATION_FACTOR, p_med))] = 1
    simple = (k.parties <= 3) & (k.risk == 0) & (kind == 0)
    p_grid = np.array([GRID_WORKER_SHARE.get(t, 0.0) for t in types])
    kind[simple & share(np.where(chief, CHIEF_GRID_WORKER_SHARE, p_grid))] = 2
    dept = np.where(kind == 1, "justice", np.where(kind == 2, "township", k.lead)).astype(object)
    limit = np.where(kind == 2, np.minimum(k.limit, GRID_WORKER_LIMIT), k.limit)
    reviewed = share(REVIEW_SHARE)
    assign1 = _seconds(rep + np.where(reviewed, hours(20, 72), hours(0.5, 8)))
    # Steps before 交办 happen in the time before it.
    wait = assign1 - rep
    classify = np.where(share(CLASSIFY_SHARE), rep + wait // 4, NAT)
    locate = np.where(share(LOCATE_SHARE) & np.isin(k.source, _ADDRESS_ONLY), rep + wait // 3, NAT)
    proxy = np.where(share(PROXY_SHARE) & (k.source == "walk_in"), rep + wait // 5, NAT)
    # 退回: first handed to a cooperating department, which hands it back.
    returned = share(RETURN_SHARE) & (kind == 0) & (n_coop > 0)
    wrong = obj([c[0] if c else None for c in k.cooperating.tolist()])
    dept1 = np.where(returned, wrong, dept).astype(object)
    ret = np.where(returned, _seconds(assign1 + hours(1, 20)), NAT)
    assign2 = np.where(returned, _seconds(ret + hours(0.5, 6)), NAT)
    final = np.where(returned, assign2, assign1)
    # 签收 in office hours, within hours; some only after the one-working-day limit.
    late = share(LATE_SIGN_SHARE)
    sign_due = cal.due(final, 1)
    sign = np.where(late, sign_due + hours(1, 30), final + hours(0.25, 6))
    sign = _seconds(_office_hours(sign, hours(0, 1.5)))
    work = np.maximum(rng.gamma(2.0, limit / 4.0) * NS_DAY, 2 * NS_HOUR).astype(np.int64)
    # 商办: departments sit together on a case that needs several of them.
    consulted = (kind == 0) & (n_coop > 0) & share(np.where(k.parties >= 3, 0.2, CONSULT_SHARE))
    consult = np.where(consulted, _seconds(sign + np.minimum(hours(4, 72), work // 3)), NAT)
    # 分锁 for complex multi-party cases: 2-3 locks, each a cooperating department.
    complex_ = share(np.where(k.parties >= 30, 0.6, np.where(k.parties >= 12, 0.3, 0.1)))
    split = (kind == 0) & (n_coop >= 2) & (k.parties >= 6) & complex_
    split_at = np.where(split, _seconds(np.maximum(sign + hours(2, 48), consult + NS_HOUR)), NAT)
    n_locks = np.where(split, np.minimum(n_coop, np.where(k.parties >= 30, 3, 2)), 0)
    l_case = np.repeat(np.arange(n), n_locks)
    l_seq = np.arange(len(l_case)) - np.repeat(np.cumsum(n_locks) - n_locks, n_locks) + 1
    offset = rng.integers(0, 1_000, n)[l_case]
    l_dept = obj(
        [c[(o + s - 1) % len(c)] for c, o, s in
         zip(k.cooperating[l_case].tolist(), offset.tolist(), l_seq.tolist(), strict=True)]
    )  # fmt: skip
    m = len(l_case)
    l_limit = np.minimum(np.array(LOCK_LIMITS)[rng.integers(0, len(LOCK_LIMITS), m)], limit[l_case])
    l_start = split_at[l_case]
    l_due = cal.due(l_start, l_limit)
    # 给钥匙 within the lock's limit (some late); 开锁 a few days later, settled or failed.
    l_key = l_start + (rng.uniform(0.2, 0.9, m) * (l_due - l_start)).astype(np.int64)
    l_key = np.where(rng.random(m) < 0.08, l_due + hours(2, 72, m), l_key)
    l_unlock = l_key + hours(4, 96, m)
    no_key = rng.random(m) < 0.04
    l_key = _seconds(np.where(no_key, NAT, l_key))
    l_unlock = _seconds(np.where(no_key, l_start + hours(24, 200, m), l_unlock))
    l_success = ~no_key & (rng.random(m) < 0.88)
    last_unlock = np.full(n, NAT, dtype=np.int64)
    np.maximum.at(last_unlock, l_case, l_unlock)
    failed_lock = np.zeros(n, dtype=bool)
    failed_lock[l_case[~l_success]] = True
    # 化解 once the work is done and every lock is opened.
    resolve1 = _seconds(np.maximum(sign + work, np.where(split, last_unlock + hours(2, 48), NAT)))
    p_success = np.where(failed_lock, 0.45, RESOLVE_SHARE)
    outcome1 = np.where(
        share(p_success), np.where(share(0.85), 0, 2), np.where(share(0.55), 1, 3)
    )  # agreement, withdrawn | litigation, not_resolved (OUTCOMES order)
    # 回访 a day or few later; 1-2 (unsatisfied) reopens the case (重办) once.
    unreachable = share(UNREACHABLE_SHARE)
    evaluate1 = np.where(unreachable, NAT, _seconds(resolve1 + hours(12, 100)))
    # Return calls of 1-2 (重办): a few after an agreement, more after a failed 化解.
    sat_good = rng.choice(np.arange(1, 6), n, p=[0.01, 0.02, 0.12, 0.30, 0.55])
    sat_bad = rng.choice(np.arange(1, 6), n, p=[0.05, 0.10, 0.40, 0.30, 0.15])
    sat1 = np.where(_SUCCESS[outcome1], sat_good, sat_bad)
    reopen = ~unreachable & (sat1 <= 2)
    resolve2 = np.where(
        reopen,
        _seconds(evaluate1 + np.maximum(rng.gamma(2.0, limit / 8.0) * NS_DAY, 4 * NS_HOUR)),
        NAT,
    ).astype(np.int64)
    outcome2 = np.where(share(0.85), 0, 1)
    evaluate2 = np.where(reopen, _seconds(resolve2 + hours(12, 96)), NAT)
    sat2 = np.array([3, 4, 4, 5, 5])[rng.integers(0, 5, n)]
    last_eval = np.where(reopen, evaluate2, evaluate1)
    archive = np.where(
        unreachable, resolve1 + hours(5 * 24, 12 * 24), last_eval + hours(24, 20 * 24)
    )
    archive = _seconds(archive)
    manual = share(MANUAL_SUPERVISION_SHARE)
    manual_at = np.where(
        manual, _seconds(sign + (rng.uniform(0.2, 0.8, n) * (resolve1 - sign)).astype(np.int64)),
        NAT,
    )  # fmt: skip
    manual_level = np.where(share(0.7), 2, 3)
    # A merged duplicate is merged within hours of its 接办 and takes no other step.
    merge_at = np.full(n, NAT, dtype=np.int64)
    dm = dup.case[dup.merged]
    merge_at[dm] = _seconds(rep[dm] + hours(10 / 60, 3, len(dm)))
    gone = merge_at != NAT
    for t in (locate, proxy, assign1, ret, assign2, sign, consult, split_at, resolve1,
              evaluate1, resolve2, evaluate2, archive, manual_at):  # fmt: skip
        t[gone] = NAT
    classify[gone] = np.minimum(classify[gone], merge_at[gone] - NS_MIN)
    lock_gone = gone[l_case]
    return _Timeline(
        reported=rep,
        kind=kind,
        dept=dept,
        dept1=dept1,
        wrong=wrong,
        limit=limit.astype(np.int64),
        classify_at=_seconds(classify),
        locate_at=_seconds(locate),
        proxy_at=_seconds(proxy),
        assign1_at=assign1,
        return_at=ret,
        assign2_at=assign2,
        sign_at=sign,
        consult_at=consult,
        split_at=split_at,
        resolve1_at=resolve1,
        outcome1=outcome1.astype(np.int64),
        evaluate1_at=evaluate1,
        sat1=sat1.astype(np.int64),
        resolve2_at=resolve2,
        outcome2=outcome2.astype(np.int64),
        evaluate2_at=evaluate2,
        sat2=sat2.astype(np.int64),
        archive_at=archive,
        manual_at=manual_at,
        manual_level=manual_level.astype(np.int64),
        merge_at=merge_at,
        cut=np.full(n, NEVER, dtype=np.int64),
        unlocated=np.zeros(n, dtype=bool),
        locked=gone.copy(),
        l_case=l_case[~lock_gone],
        l_seq=l_seq[~lock_gone].astype(np.int64),
        l_dept=l_dept[~lock_gone],
        l_limit=l_limit[~lock_gone].astype(np.int64),
        l_key=l_key[~lock_gone],
        l_unlock=l_unlock[~lock_gone],
        l_success=l_success[~lock_gone],
    )


@dataclass
class _Supervision:
    """督办 events (one row each) and the level each case reached by as_of."""

    case: np.ndarray
    at: np.ndarray
    level: np.ndarray
    auto: np.ndarray
    clock: np.ndarray  # sign | resolve | lock ("" by hand)
    due: np.ndarray
    dept: np.ndarray  # a lock's department
    reached: np.ndarray  # per case


def _assignment(tl: _Timeline, h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(whether the case is handed over at h, the time of that 交办, whether it was returned)."""
    a1, ret, a2 = (_happened(t, h) for t in (tl.assign1_at, tl.return_at, tl.assign2_at))
    active = (a1 & ~ret) | a2
    at = np.where(a2, tl.assign2_at, np.where(active, tl.assign1_at, NAT))
    return active, at, ret & ~a2


def _supervision(tl: _Timeline, cal: WorkCalendar, end: int) -> _Supervision:
    """What the escalation loop (every ``TICK``, ``domain.sla.level_for`` over every running
    clock) and the desk by hand raised before ``end``, given the timeline's cuts."""
    n = len(tl.reported)
    h = np.minimum(tl.cut, end)

    def stop(t: np.ndarray, hh: np.ndarray) -> np.ndarray:
        return np.where(_happened(t, hh), t, NEVER)

    a1 = _happened(tl.assign1_at, h)
    ret = _happened(tl.return_at, h)
    a2 = _happened(tl.assign2_at, h)
    e1 = _happened(tl.evaluate1_at, h)
    reopened = e1 & (tl.resolve2_at != NAT)
    sign_stop, res1_stop = stop(tl.sign_at, h), stop(tl.resolve1_at, h)
    first_stop = np.where(ret, tl.return_at, NEVER)
    final_at = np.where(a2, tl.assign2_at, tl.assign1_at)
    final_due = cal.due(np.where(a1 | a2, final_at, NAT), tl.limit)
    idx = np.arange(n)
    # Clocks as intervals: (case, started, due, stopped, kind, department).
    parts = [
        (idx, tl.assign1_at, cal.due(np.where(a1, tl.assign1_at, NAT), 1),
         np.minimum(first_stop, sign_stop), a1, "sign"),
        (idx, tl.assign1_at, cal.due(np.where(a1, tl.assign1_at, NAT), tl.limit),
         np.minimum(first_stop, res1_stop), a1, "resolve"),
        (idx, tl.assign2_at, cal.due(np.where(a2, tl.assign2_at, NAT), 1), sign_stop, a2, "sign"),
        (idx, tl.assign2_at, final_due, res1_stop, a2, "resolve"),
        (idx, tl.evaluate1_at, final_due, stop(tl.resolve2_at, h), reopened, "resolve"),
    ]  # fmt: skip
    lh = h[tl.l_case]
    made = _happened(tl.split_at[tl.l_case], lh)
    l_start = tl.split_at[tl.l_case]
    parts.append(
        (tl.l_case, l_start, cal.due(np.where(made, l_start, NAT), tl.l_limit),
         stop(tl.l_unlock, lh), made, "lock")
    )  # fmt: skip
    case = np.concatenate([p[0][p[4]] for p in parts])
    start = np.concatenate([p[1][p[4]] for p in parts])
    due = np.concatenate([p[2][p[4]] for p in parts])
    stopped = np.concatenate([p[3][p[4]] for p in parts])
    kind = np.concatenate([obj([p[5]] * int(p[4].sum())) for p in parts])
    dept = np.concatenate([obj([None] * int(p[4].sum())) for p in parts[:-1]] + [tl.l_dept[made]])
    # The first tick after a clock starts, and the ticks at which each level is called for.
    after_start = start - start % TICK + TICK
    remind = due - int(SLA.remind_before.total_seconds() * 10**9)
    first = [
        np.maximum(after_start, remind + (-remind) % TICK),
        np.maximum(after_start, due + TICK),
        np.maximum(after_start, cal.listed(due)),
    ]
    # A case held at a step stays open until as_of: its running clocks run on until then.
    horizon = np.minimum(stopped, end)
    when = np.full((n, 4), NEVER, dtype=np.int64)
    level = np.tile(np.array([1, 2, 3, 0], dtype=np.int64), (n, 1))
    which = np.full((n, 3), -1, dtype=np.int64)
    for k, b in enumerate(first):
        ok = np.flatnonzero(b < horizon)
        order = ok[np.lexsort((b[ok], case[ok]))]
        lead = order[np.r_[True, case[order][1:] != case[order][:-1]]] if len(order) else order
        when[case[lead], k] = b[lead]
        which[case[lead], k] = lead
    # The loop raises straight to the highest level called for at a tick.
    same12, same23 = when[:, 0] == when[:, 1], when[:, 1] == when[:, 2]
    when[same12 & (when[:, 0] != NEVER), 0] = NEVER
    when[same23 & (when[:, 1] != NEVER), 1] = NEVER
    manual = _happened(tl.manual_at, np.minimum(h, stop(tl.resolve1_at, h)))
    when[manual, 3] = tl.manual_at[manual]
    level[:, 3] = tl.manual_level
    order = np.argsort(when, axis=1, kind="stable")
    rows = np.arange(n)
    cur = np.zeros(n, dtype=np.int64)
    out: list[tuple[np.ndarray, ...]] = []
    for j in range(4):
        col = order[:, j]
        t, lv = when[rows, col], level[rows, col]
        auto = col < 3
        emit = (t != NEVER) & np.where(auto, lv > cur, lv >= cur)
        e = np.flatnonzero(emit)
        src = which[e, np.minimum(col[e], 2)]
        src = np.where(auto[e], src, -1)
        out.append((e, t[e], lv[e], auto[e], src))
        cur[e] = np.maximum(cur[e], lv[e])
    ev = [np.concatenate([o[i] for o in out]) for i in range(5)]
    src = ev[4]
    has = src >= 0
    return _Supervision(
        case=ev[0],
        at=ev[1],
        level=ev[2],
        auto=ev[3],
        clock=np.where(has, kind[np.maximum(src, 0)], "").astype(object),
        due=np.where(has, due[np.maximum(src, 0)], NAT),
        dept=np.where(has, dept[np.maximum(src, 0)], None).astype(object),
        reached=cur,
    )


def _state(tl: _Timeline, cal: WorkCalendar, end: int) -> _State:
    """Where every case stands at ``end`` under ``tl``."""
    n = len(tl.reported)
    h = np.minimum(tl.cut, end)
    active, final_at, returned = _assignment(tl, h)
    signed = _happened(tl.sign_at, h)
    r1, e1 = _happened(tl.resolve1_at, h), _happened(tl.evaluate1_at, h)
    reopened = e1 & (tl.resolve2_at != NAT)
    r2, e2 = _happened(tl.resolve2_at, h), _happened(tl.evaluate2_at, h)
    status = np.full(n, _S["received"], dtype=np.int64)
    status[active] = _S["assigned"]
    status[signed] = _S["in_progress"]
    success = np.where(r2, _SUCCESS[tl.outcome2], _SUCCESS[tl.outcome1])
    closed = (r1 & ~reopened) | r2
    status[closed] = np.where(success, _S["resolved"], _S["unresolved"])[closed]
    status[reopened & ~r2] = _S["in_progress"]
    status[_happened(tl.archive_at, h)] = _S["archived"]
    status[_happened(tl.merge_at, h)] = _S["merged"]
    lh = h[tl.l_case]
    made = _happened(tl.split_at[tl.l_case], lh)
    keyed, unlocked = _happened(tl.l_key, lh), _happened(tl.l_unlock, lh)
    lock_status = np.where(
        unlocked, np.where(tl.l_success, "done", "failed"), np.where(keyed, "planned", "open")
    ).astype(object)
    lock_status[~made] = ""
    open_lock = np.zeros(n, dtype=bool)
    open_lock[tl.l_case[lock_status == "open"]] = True
    planned_lock = np.zeros(n, dtype=bool)
    planned_lock[tl.l_case[lock_status == "planned"]] = True
    due = cal.due(final_at, tl.limit)
    listed = cal.listed(due)
    return _State(
        status=status,
        due=due,
        listed=np.where(listed == NAT, NEVER, listed),
        sign_due=cal.due(final_at, 1),
        level=_supervision(tl, cal, end).reached,
        assigned=active,
        returned=returned,
        reopened=reopened & ~r2,
        evaluated=np.where(r2, e2, e1 & ~reopened),
        success=success,
        consulted=_happened(tl.consult_at, h),
        proxied=_happened(tl.proxy_at, h),
        lock_status=lock_status,
        open_lock=open_lock,
        planned_lock=planned_lock,
    )


# The desk at as_of: for each state it shows, which cases count, and how a case is held there
# (its later steps not happened yet); a hold returns the cases it could hold and a preference.
_Want = Callable[[_Timeline, _State, int], np.ndarray]
_Hold = Callable[[_Timeline, np.ndarray, int, WorkCalendar], tuple[np.ndarray, np.ndarray]]


def _cut(tl: _Timeline, rows: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Hold ``rows`` before ``at`` (NAT: nothing to hold back); returns the rows held."""
    rows = rows[at != NAT]
    tl.cut[rows] = np.minimum(tl.cut[rows], at[at != NAT])
    return rows


def _before(step: str) -> _Hold:
    def hold(tl: _Timeline, rows: np.ndarray, end: int, cal: WorkCalendar) -> tuple[Any, Any]:
        held = _cut(tl, rows, getattr(tl, step)[rows])
        return held, tl.reported[held]

    return hold


def _hold_unlocated(tl: _Timeline, rows: np.ndarray, end: int, cal: WorkCalendar) -> Any:
    """A recent case whose address matched no building: it waits for its location."""
    rows = rows[tl.reported[rows] >= end - 3 * NS_DAY]
    tl.unlocated[rows] = True
    tl.locate_at[rows] = NAT
    return _before("assign1_at")(tl, rows, end, cal)


def _hold_returned(tl: _Timeline, rows: np.ndarray, end: int, cal: WorkCalendar) -> Any:
    """Handed back (退回) by the department first handed it, not handed over again yet."""
    rows = rows[(tl.kind[rows] == 0) & (tl.wrong[rows] != None)]  # noqa: E711 — object array
    rows = rows[(tl.assign1_at[rows] != NAT) & (tl.assign1_at[rows] < end - 2 * NS_HOUR)]
    tl.dept1[rows] = tl.wrong[rows]
    tl.return_at[rows] = _seconds(
        tl.assign1_at[rows] + np.minimum(3 * NS_HOUR, (end - tl.assign1_at[rows]) // 2)
    )
    tl.assign2_at[rows] = np.maximum(tl.assign2_at[rows], end)
    held = _cut(tl, rows, tl.return_at[rows] + 10**9)
    return held, tl.reported[held]


def _hold_unsigned(tl: _Timeline, rows: np.ndarray, end: int, cal: WorkCalendar) -> Any:
    """Handed over on the last working day before as_of (after 研判 when it came earlier), not
    signed for yet: its 签收 is due on the next working day."""
    day = cal.working_day_end(end, 1) - NS_DAY
    slot = day + 9 * NS_HOUR + (rows % 29) * 15 * NS_MIN
    late = np.where(tl.assign1_at[rows] >= day, tl.assign1_at[rows], slot)
    ok = (tl.assign1_at[rows] != NAT) & (tl.return_at[rows] == NAT) & (late < end - NS_HOUR)
    ok &= tl.reported[rows] < late - NS_HOUR
    # Moving the handover later must not put it after the case's 签收.
    ok &= (tl.sign_at[rows] == NAT) | (tl.sign_at[rows] > late)
    rows, late = rows[ok], late[ok]
    tl.assign1_at[rows] = _seconds(late)
    held = _cut(tl, rows, tl.assign1_at[rows] + 10**9)
    return held, tl.reported[held]


def _hold_due(target: Callable[[WorkCalendar, int], int | None]) -> _Hold:
    """Held before 化解, due at ``target``: with the type's limit when it falls there, else with
    a shorter limit the dispatcher set at 交办 (preferred the closer it is to the type's)."""

    def hold(tl: _Timeline, rows: np.ndarray, end: int, cal: WorkCalendar) -> tuple[Any, Any]:
        due = target(cal, end)
        at = np.where(tl.assign2_at[rows] != NAT, tl.assign2_at[rows], tl.assign1_at[rows])
        ok = (due is not None) & (at != NAT) & (at < end)
        rows, at = rows[ok], at[ok]
        days = cal.working_days(at, (due or end) - NS_DAY)
        ok = (days >= 3) & (days <= tl.limit[rows])
        rows, days = rows[ok], days[ok]
        prefer = days - tl.limit[rows]
        tl.limit[rows] = days
        locks = np.isin(tl.l_case, rows)
        tl.l_limit[locks] = np.minimum(tl.l_limit[locks], tl.limit[tl.l_case[locks]])
        held = _cut(tl, rows, tl.resolve1_at[rows])
        return held, prefer[np.isin(rows, held)]

    return hold


def _due_soon(cal: WorkCalendar, end: int) -> int | None:
    """A due time within 24 h of as_of: the end of as_of or of the day before, if working."""
    for due in (end + NS_DAY, end):
        if cal.is_workday(due - NS_DAY):
            return due
    return None


def _overdue(cal: WorkCalendar, end: int) -> int | None:
    """Due two working days before as_of: overdue (督办), not yet listed (挂牌督办)."""
    return cal.working_day_end(end, 2)


def _hold_locks(planned: bool) -> _Hold:
    """Held while its locks are open (before the first 给钥匙) or planned (before 开锁)."""

    def hold(tl: _Timeline, rows: np.ndarray, end: int, cal: WorkCalendar) -> tuple[Any, Any]:
        if planned:
            step = np.where(tl.l_key == NAT, NEVER, tl.l_unlock)
        else:
            step = np.where(tl.l_key == NAT, tl.l_unlock, tl.l_key)
        first = np.full(len(tl.reported), NEVER, dtype=np.int64)
        np.minimum.at(first, tl.l_case, step)
        held = _cut(tl, rows, np.where(first[rows] == NEVER, NAT, first[rows]))
        return held, tl.reported[held]

    return hold


def _desk() -> list[tuple[str, _Want, _Hold]]:
    """The desk's states, in the order they are filled (the newest cases go to the first)."""

    def is_(name: str) -> _Want:
        return lambda tl, s, e: s.status == _S[name]

    def open_(tl: _Timeline, s: _State, e: int) -> np.ndarray:
        return s.open

    def both(a: _Want, b: _Want) -> _Want:
        return lambda tl, s, e: a(tl, s, e) & b(tl, s, e)

    resolve = _before("resolve1_at")
    return [
        ("received", both(is_("received"), lambda tl, s, e: ~s.returned & ~tl.unlocated),
         _before("assign1_at")),
        ("assigned", both(is_("assigned"), lambda tl, s, e: s.sign_due > e), _hold_unsigned),
        ("needs_location", both(is_("received"), lambda tl, s, e: tl.unlocated),
         _hold_unlocated),
        ("returned", both(is_("received"), lambda tl, s, e: s.returned), _hold_returned),
        ("sign_overdue", both(is_("assigned"), lambda tl, s, e: (s.sign_due <= e)
                              & (s.sign_due > e - 15 * NS_DAY)), _before("sign_at")),
        ("on_time", both(is_("in_progress"), lambda tl, s, e: s.due > e + NS_DAY), resolve),
        ("due_soon", both(open_, lambda tl, s, e: (s.due >= e) & (s.due <= e + NS_DAY)),
         _hold_due(_due_soon)),
        ("overdue", both(open_, lambda tl, s, e: (s.due != NAT) & (s.due < e) & (s.listed > e)),
         _hold_due(_overdue)),
        ("listed", both(open_, lambda tl, s, e: s.listed <= e), resolve),
        ("level1", both(open_, lambda tl, s, e: s.level == 1), resolve),
        ("level2", both(open_, lambda tl, s, e: s.level == 2), resolve),
        ("level3", both(open_, lambda tl, s, e: s.level == 3), resolve),
        ("locks_open", both(is_("in_progress"), lambda tl, s, e: s.open_lock),
         _hold_locks(planned=False)),
        ("locks_planned", both(is_("in_progress"), lambda tl, s, e: s.planned_lock),
         _hold_locks(planned=True)),
        ("consulted", both(open_, lambda tl, s, e: s.consulted), resolve),
        ("mediation", both(open_, lambda tl, s, e: s.assigned & (tl.kind == 1)), resolve),
        ("grid_worker", both(open_, lambda tl, s, e: s.assigned & (tl.kind == 2)), resolve),
        ("agent", both(open_, lambda tl, s, e: s.proxied), resolve),
        ("reopened", both(is_("in_progress"), lambda tl, s, e: s.reopened),
         _before("resolve2_at")),
        ("awaiting_return_call", both(is_("resolved"), lambda tl, s, e: ~s.evaluated),
         _before("evaluate1_at")),
        ("unresolved_awaiting", both(is_("unresolved"), lambda tl, s, e: ~s.evaluated),
         _before("evaluate1_at")),
    ]  # fmt: skip


DESK_STATES = tuple(name for name, _want, _hold in _desk())


def desk_counts(tl: _Timeline, cal: WorkCalendar, end: int) -> dict[str, int]:
    """How many cases are in each of the desk's states at ``end``."""
    st = _state(tl, cal, end)
    return {name: int(want(tl, st, end).sum()) for name, want, _hold in _desk()}


def _hold_for_desk(tl: _Timeline, cal: WorkCalendar, end: int) -> None:
    """Hold cases back where fewer than ``MIN_WAITING`` wait in a state the desk shows, never
    taking a case another state needs to keep its own minimum."""
    desk = _desk()
    st = _state(tl, cal, end)
    for _ in range(2):  # a later state may have changed an earlier one's cases: look again
        for k, (_name, want, hold) in enumerate(desk):
            members = [w(tl, st, end) for _n, w, _h in desk]
            short = MIN_WAITING - int(members[k].sum())
            if short <= 0:
                continue
            needed = np.zeros(len(tl.reported), dtype=bool)
            for j, m in enumerate(members):
                if j != k and m.sum() <= MIN_WAITING:
                    needed |= m
            trial = tl.copy()
            free = ~tl.locked & ~needed & ~members[k] & (tl.reported < end - 15 * NS_MIN)
            free = np.flatnonzero(free)
            held, prefer = hold(trial, free, end, cal)
            fits = want(trial, _state(trial, cal, end), end)[held]
            held, prefer = held[fits], prefer[fits]
            chosen = held[np.lexsort((-tl.reported[held], -prefer))][:short]
            if len(chosen):
                tl.take(trial, chosen)
                tl.locked[chosen] = True
                st = _state(tl, cal, end)


def histories(
    cfg: DemoConfig,
    c: City,
    k: CaseInputs,
    dup: Duplicates,
    rooms: pd.DataFrame,
    mediators: pd.DataFrame,
    source_ref: np.ndarray,
) -> Histories:
    """Every case's history up to as_of, with the desk held open, and what it leaves."""
    end = _end(cfg)
    cal = calendar(cfg)
    tl = _natural(stream(cfg, 10, 2), cal, k, dup)
    _hold_for_desk(tl, cal, end)
    return _write(stream(cfg, 10, 3), cal, end, tl, c, k, dup, rooms, mediators, source_ref)


def _json(rows: list[dict[str, Any]]) -> np.ndarray:
    return obj([json.dumps(r, ensure_ascii=False) for r in rows])


def _codes(codes: list[str]) -> str:
    """A JSON list of plain codes (faster than json.dumps for the many 交办 details)."""
    return '["' + '", "'.join(codes) + '"]' if codes else "[]"


def _names(codes: np.ndarray) -> np.ndarray:
    return obj([txt.DEPT_NAMES.get(d, d) for d in codes.tolist()])


def _day_words(local_ns: np.ndarray) -> np.ndarray:
    days = (local_ns // NS_DAY).astype("datetime64[D]").astype(object)
    return obj([f"{d:%m月%d日}" for d in days])


def _assignees(
    rng: np.random.Generator,
    c: City,
    k: CaseInputs,
    tl: _Timeline,
    rooms: pd.DataFrame,
    mediators: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(room name, mediator name, worker code, who signs) per case: a mediation case goes to its
    township's committee, a property case to the district's property committee, a medical one to
    the district's expert room where there is one; a simple case to the grid's worker."""
    n = len(k.reported)
    township = c.t_code[c.c_township[c.g_community[k.grid]]]
    district = obj(c.district_codes)[c.g_district[k.grid]]
    by = {(kind, area): name for name, kind, area in
          zip(rooms["name"], rooms["kind"], rooms["area_code"], strict=True)}  # fmt: skip
    local = {area: name for (kind, area), name in by.items() if kind in ("gold", "people")}
    room = np.full(n, None, dtype=object)
    med = np.flatnonzero(tl.kind == 1)
    for i, t, d, tc in zip(med.tolist(), k.type_code[med].tolist(), district[med].tolist(),
                           township[med].tolist(), strict=True):  # fmt: skip
        special = {"property": "industry", "medical": "expert"}.get(t)
        room[i] = by.get((special, d)) or local[tc]
    staff: dict[str, list[str]] = {}
    for name, r in zip(mediators["name"], mediators["room_name"], strict=True):
        staff.setdefault(r, []).append(name)
    pick = rng.integers(0, 1_000, n)
    mediator = obj([None if r is None else staff[r][p % len(staff[r])]
                    for r, p in zip(room.tolist(), pick.tolist(), strict=True)])  # fmt: skip
    worker = np.where(tl.kind == 2, obj(["W" + g for g in c.g_code[k.grid].tolist()]), None)
    signer = np.where(
        tl.kind == 1, room,
        np.where(tl.kind == 2, obj([f"{g}网格员" for g in c.g_name[k.grid].tolist()]),
                 _names(tl.dept)),
    ).astype(object)  # fmt: skip
    return room, mediator, worker.astype(object), signer


def _write(  # noqa: PLR0915 — one history, step by step
    rng: np.random.Generator,
    cal: WorkCalendar,
    end: int,
    tl: _Timeline,
    c: City,
    k: CaseInputs,
    dup: Duplicates,
    rooms: pd.DataFrame,
    mediators: pd.DataFrame,
    source_ref: np.ndarray,
) -> Histories:
    """The events of the final timeline, and the rows and columns they leave."""
    n = len(tl.reported)
    h = np.minimum(tl.cut, end)
    st = _state(tl, cal, end)
    log = EventLog()
    room, mediator, worker, signer = _assignees(rng, c, k, tl, rooms, mediators)
    type_names = obj([txt.TYPE_NAMES[t] for t in k.type_code.tolist()])

    def rows(t: np.ndarray) -> np.ndarray:
        return np.flatnonzero(_happened(t, h))

    everyone = np.arange(n)
    log.add(everyone, tl.reported, "accept", txt.INTAKE_DESK, "township", "综治中心接办登记",
            detail=obj([f'{{"source": "{s}"}}' for s in k.source.tolist()]))  # fmt: skip
    r = rows(tl.classify_at)
    risk_words = obj(["low", "medium", "high"])[k.risk[r]]
    log.add(r, tl.classify_at[r], "classify", txt.DISPATCH_DESK, "township",
            obj([txt.CLASSIFY_NOTE.format(label=t) for t in type_names[r].tolist()]),
            detail=obj([f'{{"type_code": "{t}", "risk_level": "{v}"}}' for t, v in
                        zip(k.type_code[r].tolist(), risk_words.tolist(), strict=True)]))  # fmt: skip
    r = rows(tl.locate_at)
    log.add(r, tl.locate_at[r], "locate", txt.DISPATCH_DESK, "township",
            txt.pick(rng, txt.LOCATE_NOTES, len(r)))  # fmt: skip
    r = rows(tl.proxy_at)
    agent = np.full(n, None, dtype=object)
    agent[r] = person_names(rng, len(r))
    log.add(r, tl.proxy_at[r], "proxy", txt.INTAKE_DESK, "township",
            obj([f"群众来访，代办员{a}全程代办" for a in agent[r].tolist()]),
            detail=_json([{"agent": a} for a in agent[r].tolist()]))  # fmt: skip

    # 交办 (and 退回, 交办 again), each with its department, assignee and time limit.
    def assign(r: np.ndarray, at: np.ndarray, dept: np.ndarray, notes: np.ndarray) -> None:
        kinds = tl.kind[r]
        coop = [[d for d in cs if d != dp] if kd != 2 else [] for cs, dp, kd in
                zip(k.cooperating[r].tolist(), dept.tolist(), kinds.tolist(), strict=True)]  # fmt: skip
        detail = obj([f'{{"kind": "{KIND_NAMES[kd]}", "limit_days": {lim}, "cooperating": '
                      + _codes(cs) + "}" for kd, lim, cs in
                      zip(kinds.tolist(), tl.limit[r].tolist(), coop, strict=True)])  # fmt: skip
        log.add(r, at, "assign", txt.DISPATCH_DESK, dept, notes, detail=detail,
                room=room[r], mediator=mediator[r], worker=worker[r])  # fmt: skip

    r = rows(tl.assign1_at)
    reviewed = (tl.assign1_at[r] - tl.reported[r]) > 20 * NS_HOUR
    to = np.where(tl.kind[r] == 2, obj([f"{g}网格员" for g in c.g_name[k.grid[r]].tolist()]),
                  np.where(tl.kind[r] == 1, room[r], _names(tl.dept1[r])))  # fmt: skip
    assign(r, tl.assign1_at[r], tl.dept1[r],
           obj([f"{'经综治中心研判，' if v else ''}交{t}{'调解' if kd == 1 else '办理'}，"
                f"限期{d}个工作日" for v, t, kd, d in
                zip(reviewed.tolist(), to.tolist(), tl.kind[r].tolist(), tl.limit[r].tolist(),
                    strict=True)]))  # fmt: skip
    r = rows(tl.return_at)
    log.add(r, tl.return_at[r], "return", _names(tl.dept1[r]), tl.dept1[r],
            txt.fill(txt.pick(rng, txt.RETURN_NOTES, len(r)), lead=_names(tl.dept[r])))  # fmt: skip
    r = rows(tl.assign2_at)
    assign(r, tl.assign2_at[r], tl.dept[r],
           txt.fill(obj([txt.REASSIGN_NOTES] * len(r)), dept=_names(tl.dept1[r]),
                    lead=_names(tl.dept[r]), days=tl.limit[r]))  # fmt: skip
    r = rows(tl.sign_at)
    final = np.where(tl.assign2_at[r] != NAT, tl.assign2_at[r], tl.assign1_at[r])
    late = tl.sign_at[r] > cal.due(final, 1)
    notes = np.where(late, txt.pick(rng, txt.LATE_SIGN_NOTES, len(r)),
                     txt.pick(rng, txt.SIGN_NOTES, len(r)))  # fmt: skip
    log.add(r, tl.sign_at[r], "sign", signer[r], tl.dept[r],
            txt.fill(notes, who=person_names(rng, len(r))))  # fmt: skip

    # 商办: a record of the consultation, and its event.
    r = rows(tl.consult_at)
    held = (tl.consult_at[r] // 10**9).astype("datetime64[s]").astype(object)
    depts = []
    for i in r.tolist():
        others = [d for d in k.cooperating[i] if d != tl.dept[i]]
        depts.append([tl.dept[i], *rng.permutation(others)[: int(rng.integers(1, 4))].tolist()])
    who, minutes, outcome = txt.consultations(
        rng, k.type_code[r], depts, [f"{t:%Y年%m月%d日 %H:%M}" for t in held], k.address[r]
    )
    consultations = {"case": r, "at": tl.consult_at[r], "departments": obj(depts),
                     "participants": who, "minutes": minutes, "outcome": outcome}  # fmt: skip
    log.add(r, tl.consult_at[r], "consult", txt.DISPATCH_DESK, tl.dept[r], outcome,
            detail=_json([{"departments": d} for d in depts]))  # fmt: skip

    # 分锁 → 给钥匙 → 开锁.
    lh = h[tl.l_case]
    made = _happened(tl.split_at[tl.l_case], lh)
    lc = tl.l_case[made]
    l_seq, l_dept, l_limit = tl.l_seq[made], tl.l_dept[made], tl.l_limit[made]
    task, facts, law, plan = txt.locks(rng, k.type_code[lc], l_dept, l_limit)
    r = rows(tl.split_at)
    split_detail = {i: [] for i in r.tolist()}
    for i, d, t in zip(lc.tolist(), l_dept.tolist(), task.tolist(), strict=True):
        split_detail[i].append({"department": d, "task": t})
    log.add(r, tl.split_at[r], "split", txt.DISPATCH_DESK, tl.dept[r],
            obj([f"分锁：{len(split_detail[i])}把锁并联办理" for i in r.tolist()]),
            detail=_json([{"locks": split_detail[i]} for i in r.tolist()]))  # fmt: skip
    keyed = _happened(tl.l_key[made], lh[made])
    unlocked = _happened(tl.l_unlock[made], lh[made])
    success = tl.l_success[made]
    q = np.flatnonzero(keyed)
    log.add(lc[q], tl.l_key[made][q], "key", _names(l_dept[q]), l_dept[q],
            "给钥匙：提交事实认定、法律依据和化解方案", sub=l_seq[q])  # fmt: skip
    q = np.flatnonzero(unlocked)
    unlock_note = np.where(
        success[q],
        obj([f"开锁：{d}方案已落实，当事人签字确认" for d in _names(l_dept[q]).tolist()]),
        obj([f"开锁未果：{d}方案未获当事人认可" for d in _names(l_dept[q]).tolist()]),
    ).astype(object)
    log.add(lc[q], tl.l_unlock[made][q], "unlock", txt.DISPATCH_DESK, l_dept[q], unlock_note,
            sub=l_seq[q], detail=obj(np.where(success[q], '{"success": true}',
                                               '{"success": false}').tolist()))  # fmt: skip
    l_outcome = np.full(len(lc), None, dtype=object)
    l_outcome[q] = unlock_note
    locks = {
        "case": lc, "seq": l_seq, "dept": l_dept, "task": task,
        "status": st.lock_status[made], "limit": l_limit,
        "due": cal.due(tl.split_at[lc], l_limit), "created": tl.split_at[lc],
        "resolved": np.where(unlocked, tl.l_unlock[made], NAT),
        "planned": np.where(keyed, tl.l_key[made], NAT),
        "facts": np.where(keyed, facts, None), "law": np.where(keyed, law, None),
        "plan": np.where(keyed, plan, None), "outcome": l_outcome,
    }  # fmt: skip

    # 督办: automatic (system) and by hand.
    sv = _supervision(tl, cal, end)
    auto = sv.auto
    notes = obj(
        [txt.supervision_note(lv, ck, dd, dp) if a else m for lv, ck, dd, dp, a, m in
         zip(sv.level.tolist(), sv.clock.tolist(), _day_words(np.where(auto, sv.due, 0)).tolist(),
             sv.dept.tolist(), auto.tolist(),
             txt.pick(rng, txt.MANUAL_SUPERVISION_NOTES, len(auto)).tolist(), strict=True)]
    )  # fmt: skip
    log.add(sv.case, sv.at, "supervise", np.where(auto, txt.SYSTEM, txt.INSPECTION).astype(object),
            np.where(auto, None, "township").astype(object), notes,
            detail=obj([f'{{"level": {lv}, "auto": {"true" if a else "false"}}}' for lv, a in
                        zip(sv.level.tolist(), auto.tolist(), strict=True)]))  # fmt: skip

    # 化解, 评价 (重办 when unsatisfied), and again; 归档.
    def resolve(t: np.ndarray, outcome: np.ndarray) -> np.ndarray:
        r = rows(t)
        notes = obj([txt.OUTCOME_NOTES[OUTCOMES[o]][p % len(txt.OUTCOME_NOTES[OUTCOMES[o]])]
                     for o, p in zip(outcome[r].tolist(), rng.integers(0, 1_000, len(r)).tolist(),
                                     strict=True)])  # fmt: skip
        log.add(
            r,
            t[r],
            "resolve",
            signer[r],
            tl.dept[r],
            notes,
            detail=obj([f'{{"outcome": "{OUTCOMES[o]}"}}' for o in outcome[r].tolist()]),
        )
        out = np.full(n, None, dtype=object)
        out[r] = notes
        return out

    def evaluate(t: np.ndarray, sat: np.ndarray) -> None:
        r = rows(t)
        log.add(r, t[r], "evaluate", "综治中心回访专员", None,
                obj([txt.EVALUATE_NOTES[v] for v in sat[r].tolist()]),
                detail=obj([f'{{"satisfaction": {v}}}' for v in sat[r].tolist()]))  # fmt: skip

    note1 = resolve(tl.resolve1_at, tl.outcome1)
    evaluate(tl.evaluate1_at, tl.sat1)
    r = rows(tl.evaluate1_at)
    r = r[tl.resolve2_at[r] != NAT]
    log.add(r, tl.evaluate1_at[r], "reopen", "综治中心回访专员", None, "回访不满意，重新办理",
            detail='{"auto": true}')  # fmt: skip
    note2 = resolve(tl.resolve2_at, tl.outcome2)
    evaluate(tl.evaluate2_at, tl.sat2)
    r = rows(tl.archive_at)
    away = tl.evaluate1_at[r] == NAT
    log.add(r, tl.archive_at[r], "archive", txt.DISPATCH_DESK, "township",
            np.where(away, txt.UNREACHABLE_NOTE, txt.ARCHIVE_NOTE).astype(object),
            detail=obj(np.where(away, '{"unreachable": true}', '{"unreachable": false}').tolist()))  # fmt: skip

    # Duplicates: flagged at intake, and merged (合并) for some.
    into = np.full(n, -1, dtype=np.int64)
    into[dup.case] = dup.original
    r = rows(tl.merge_at)
    log.add(r, tl.merge_at[r], "merge", txt.DISPATCH_DESK, "township",
            obj([txt.MERGE_NOTE.format(ref=source_ref[i]) for i in into[r].tolist()]),
            into=source_ref[into[r]])  # fmt: skip
    merged_into = np.where(_happened(tl.merge_at, h), into, -1)
    links = _links(k, dup, tl, h)

    r1, r2 = _happened(tl.resolve1_at, h), _happened(tl.resolve2_at, h)
    e1, e2 = _happened(tl.evaluate1_at, h), _happened(tl.evaluate2_at, h)
    status = log.statuses(st.success, source_ref)
    if (obj(DISPUTE_STATUSES)[st.status] != status).any():
        raise RuntimeError("demo histories disagree with the timeline they were written from")
    reporter = rng.random(n) < np.array([_REPORTER_SHARE[s] for s in k.source.tolist()])
    vague = np.full(n, None, dtype=object)
    u = np.flatnonzero(tl.unlocated)
    vague[u] = txt.fill(txt.pick(rng, txt.VAGUE_ADDRESSES, len(u)),
                        road=obj([re.sub(r"\d+号$", "", a) for a in k.address[u].tolist()]))  # fmt: skip
    return Histories(
        status=status,
        resolved_at=np.where(r2, tl.resolve2_at, np.where(r1 & ~st.reopened, tl.resolve1_at, NAT)),
        outcome=np.where(r2, note2, note1).astype(object),
        satisfaction=np.where(e2, tl.sat2, tl.sat1),
        evaluated=e1 | e2,
        unlocated=tl.unlocated,
        merged_into=merged_into,
        reporter_name=np.where(reporter, person_names(rng, n), None).astype(object),
        reporter_phone=np.where(reporter, phone_numbers(rng, n), None).astype(object),
        vague_address=vague,
        log=log,
        locks=locks,
        consultations=consultations,
        links=links,
    )


def _links(k: CaseInputs, dup: Duplicates, tl: _Timeline, h: np.ndarray) -> dict[str, Any]:
    """Both ways: every duplicate flagged at its 接办, and merged where it was merged."""
    j, i = dup.case, dup.original
    metres = np.hypot((k.x[j] - k.x[i]) * M_PER_DEG_LON, (k.y[j] - k.y[i]) * M_PER_DEG_LAT)
    hours = (k.reported[j] - k.reported[i]) / NS_HOUR
    score = np.round(np.clip(1 - metres / 200 - hours / (7 * 24 * 4), 0.5, 0.99), 2)
    reason = obj([f"同类型诉求，相距{m:.0f}米，间隔{t:.0f}小时" for m, t in
                  zip(metres.tolist(), hours.tolist(), strict=True)])  # fmt: skip
    merged = _happened(tl.merge_at[j], h[j])
    parts = []
    for kind, sel, at in (("duplicate", np.ones(len(j), bool), k.reported[j] + 10**9),
                          ("merged", merged, tl.merge_at[j])):  # fmt: skip
        for a, b in ((j, i), (i, j)):
            parts.append((a[sel], b[sel], obj([kind] * int(sel.sum())), score[sel], reason[sel],
                          at[sel]))  # fmt: skip
    names = ("case", "other", "kind", "score", "reason", "at")
    return {name: np.concatenate([p[q] for p in parts]) for q, name in enumerate(names)}

"""``domain.workflow.decide`` and ``domain.sla``: every action's changes and events, every refusal
with its message, who may act, and the clocks and 督办 levels (hand examples, working days)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain import sla, workdays
from domain.clock import LOCAL_TZ
from domain.workflow import (
    Actor,
    CaseState,
    ForbiddenAction,
    GuardError,
    Lock,
    TransitionError,
    decide,
    may_act,
)

NOW = datetime(2026, 2, 13, 16, 30, tzinfo=LOCAL_TZ)  # Friday before the Spring Festival
DESK = Actor("desk1", "township")
HOUSING = Actor("clerk", "department", department="housing")
JUSTICE = Actor("clerk2", "department", department="justice")
ANALYST = Actor("ana", "analyst")
WALL = Actor("wall", "display")
WORKER = Actor("gw", "grid_worker", grid="150102001001001")


def _go(case: CaseState, action: str, actor: Actor = DESK, **params):  # noqa: ANN003, ANN202
    return decide(case, action, actor, NOW, params, deadline=workdays.due_at)


def test_wf001_assign_sets_working_day_deadlines_across_the_spring_festival() -> None:
    case = CaseState("received")
    d = _go(case, "assign", department="housing", cooperating=["urban", "housing", "urban"],
            limit_days=3)  # fmt: skip
    assert d.status == "assigned"
    # Friday 13 Feb + 3 working days: Sat 14 (adjusted workday), then 24 and 25 Feb.
    assert d.changes["due_at"] == datetime(2026, 2, 26, tzinfo=LOCAL_TZ)
    # 签收 within one working day: Saturday 14 Feb is worked, so due at its end.
    assert d.changes["sign_due_at"] == datetime(2026, 2, 15, tzinfo=LOCAL_TZ)
    assert d.changes["cooperating_departments"] == ["urban"]  # lead and repeats dropped
    assert d.changes["lead_department"] == "housing" and d.changes["assignee_kind"] == "department"
    assert [e.action for e in d.events] == ["assign"]
    assert d.events[0].department == "housing" and d.events[0].detail["limit_days"] == 3


def test_wf002_mediation_and_grid_worker_assignments_name_their_assignee() -> None:
    case = CaseState("received")
    with pytest.raises(GuardError, match="mediation room"):
        _go(case, "assign", kind="mediation", department="justice", limit_days=5)
    d = _go(case, "assign", kind="mediation", department="justice", room_id=7, mediator_id=9,
            limit_days=5)  # fmt: skip
    assert (d.changes["mediation_room_id"], d.changes["mediator_id"]) == (7, 9)
    with pytest.raises(GuardError, match="worker"):
        _go(case, "assign", kind="grid_worker", department="township", limit_days=2)
    d = _go(case, "assign", kind="grid_worker", department="township", worker_id=3, limit_days=2)
    assert d.changes["worker_id"] == 3 and d.changes["mediation_room_id"] is None
    with pytest.raises(GuardError, match="kind"):
        _go(case, "assign", kind="mayor", department="x", limit_days=2)
    for bad in (0, -1, "3", True, None):
        with pytest.raises(GuardError, match="limit_days"):
            _go(case, "assign", department="housing", limit_days=bad)


def test_wf003_refusals_name_the_status_and_what_is_allowed() -> None:
    with pytest.raises(TransitionError) as err:
        _go(CaseState("received"), "sign")
    message = str(err.value)
    assert "'sign'" in message and "'received'" in message and "assign" in message
    with pytest.raises(TransitionError, match="allowed: none"):
        _go(CaseState("archived"), "reopen", note="x")
    with pytest.raises(TransitionError):
        _go(CaseState(None), "assign", department="housing", limit_days=3)


def test_wf004_locks_block_the_parent_until_every_one_is_opened() -> None:
    working = CaseState("in_progress", lead_department="housing", assignee_kind="department")
    d = _go(working, "split", locks=[
        {"department": "housing", "task": "物业费争议核实", "limit_days": 5},
        {"department": "urban", "task": "违建拆除", "limit_days": 10},
    ])  # fmt: skip
    assert [lk.department for lk in d.new_locks] == ["housing", "urban"]
    assert [lk.limit_days for lk in d.new_locks] == [5, 10] and d.status == "in_progress"
    locks = (Lock(1, "housing", "open"), Lock(2, "urban", "planned"))
    case = CaseState("in_progress", lead_department="housing", assignee_kind="department",
                     locks=locks)  # fmt: skip
    with pytest.raises(GuardError, match=r"2 lock\(s\) still open"):
        _go(case, "resolve", outcome="agreement")
    # 开锁 needs the plan first (给钥匙); 给钥匙 needs facts, law and a plan.
    with pytest.raises(GuardError, match="only after its plan"):
        _go(case, "unlock", lock_id=1, success=True)
    with pytest.raises(GuardError, match="law"):
        _go(case, "key", HOUSING, lock_id=1, facts="f", plan="p")
    d = _go(case, "key", HOUSING, lock_id=1, facts="事实", law="物业管理条例", plan="方案")
    assert d.lock_changes[1]["status"] == "planned" and d.lock_changes[1]["plan"] == "方案"
    assert d.events[0].lock_id == 1 and d.events[0].action == "key"
    # A department keys only its own locks.
    with pytest.raises(ForbiddenAction):
        _go(case, "key", HOUSING, lock_id=2, facts="f", law="l", plan="p")
    d = _go(case, "unlock", lock_id=2, success=True)
    assert d.lock_changes[2]["status"] == "done"
    d = _go(case, "unlock", lock_id=1, success=False, note="对方拒不配合")
    assert d.lock_changes[1]["status"] == "failed"
    with pytest.raises(GuardError, match="not one of"):
        _go(case, "unlock", lock_id=99, success=True)
    settled = CaseState("in_progress", lead_department="housing", assignee_kind="department",
                        locks=(Lock(1, "housing", "done"), Lock(2, "urban", "failed")))  # fmt: skip
    assert _go(settled, "resolve", outcome="agreement").status == "resolved"
    with pytest.raises(GuardError, match="at least one lock"):
        _go(working, "split", locks=[])


def test_wf005_outcomes_evaluation_reopen_and_archive() -> None:
    case = CaseState("in_progress", lead_department="housing", assignee_kind="department")
    assert _go(case, "resolve", outcome="agreement").status == "resolved"
    assert _go(case, "resolve", outcome="withdrawn").status == "resolved"
    with pytest.raises(GuardError, match="reason"):
        _go(case, "resolve", outcome="litigation")
    d = _go(case, "resolve", outcome="litigation", note="引导起诉")
    assert d.status == "unresolved" and d.changes["outcome_code"] == "litigation"
    with pytest.raises(GuardError, match="outcome"):
        _go(case, "resolve", outcome="magic")
    done = CaseState("resolved", reopen_count=1)
    happy = _go(done, "evaluate", satisfaction=4)
    assert happy.status == "resolved" and [e.action for e in happy.events] == ["evaluate"]
    # 重办: an unsatisfied return call reopens the case instead of letting it be archived.
    for score in (1, 2):
        sad = _go(done, "evaluate", satisfaction=score)
        assert sad.status == "in_progress"
        assert [e.action for e in sad.events] == ["evaluate", "reopen"]
        assert sad.changes["reopen_count"] == 2 and sad.changes["resolved_at"] is None
    assert _go(done, "evaluate", satisfaction=3).status == "resolved"
    for bad in (0, 6, "5", True, None):
        with pytest.raises(GuardError, match="satisfaction"):
            _go(done, "evaluate", satisfaction=bad)
    with pytest.raises(GuardError, match="return call"):
        _go(done, "archive")
    assert _go(CaseState("resolved", evaluated=True), "archive").status == "archived"
    assert _go(done, "archive", unreachable=True, note="三次回访未接通").status == "archived"
    with pytest.raises(GuardError, match="note is required"):
        _go(done, "reopen")


def test_wf006_supervision_only_escalates_and_auto_never_repeats() -> None:
    case = CaseState("in_progress", supervision_level=1)
    assert _go(case, "supervise", level=2).changes["supervision_level"] == 2
    assert _go(case, "supervise", level=1).changes["supervision_level"] == 1  # by hand: again
    with pytest.raises(GuardError, match="only escalates"):
        _go(case, "supervise", level=1, auto=True)
    with pytest.raises(GuardError, match="only escalates"):
        _go(CaseState("in_progress", supervision_level=3), "supervise", level=2)
    with pytest.raises(GuardError, match="level"):
        _go(case, "supervise", level=4)


def test_wf007_who_may_act() -> None:
    assigned = CaseState("assigned", lead_department="housing", assignee_kind="department")
    assert _go(assigned, "sign", HOUSING).status == "in_progress"
    with pytest.raises(ForbiddenAction):
        _go(assigned, "sign", JUSTICE)  # not the lead department
    for actor in (ANALYST, WALL, HOUSING):
        with pytest.raises(ForbiddenAction):
            _go(assigned, "assign", actor, department="urban", limit_days=3)
    with pytest.raises(ForbiddenAction):
        _go(assigned, "sign", WORKER)  # handed to a department, not to the worker
    simple = CaseState("assigned", lead_department="township", assignee_kind="grid_worker",
                       worker_grid="150102001001001")  # fmt: skip
    assert _go(simple, "sign", WORKER).status == "in_progress"
    other = CaseState("assigned", assignee_kind="grid_worker", worker_grid="150102001001002")
    with pytest.raises(ForbiddenAction):
        _go(other, "sign", WORKER)
    assert may_act(WORKER, "accept", CaseState(None))
    assert not may_act(ANALYST, "accept", CaseState(None))
    assert may_act(Actor("api:12345", "intake"), "accept", CaseState(None))
    assert not may_act(Actor("api:12345", "intake"), "assign", assigned)
    # A department returns a case it cannot handle, with a reason.
    back = _go(assigned, "return", HOUSING, note="不属于本部门职责")
    assert back.status == "received" and back.changes["assignee_kind"] is None
    with pytest.raises(GuardError, match="note"):
        _go(assigned, "return", HOUSING)


def test_wf008_consult_merge_proxy_classify() -> None:
    case = CaseState("assigned", case_id=10)
    with pytest.raises(GuardError, match="at least two"):
        _go(case, "consult", departments=["housing"], participants="a", minutes="m", outcome="o")
    d = _go(case, "consult", departments=["housing", "urban", "housing"],
            participants="住建局张三、城管局李四", minutes="会议纪要", outcome="分工处置")  # fmt: skip
    assert d.consultation["departments"] == ["housing", "urban"] and d.status == "in_progress"
    with pytest.raises(GuardError, match="minutes"):
        _go(case, "consult", departments=["a", "b"], participants="p", outcome="o")
    m = _go(case, "merge", into=11, note="与11号重复")
    assert m.status == "merged" and m.changes["merged_into"] == 11
    for bad in (10, None, "11", True):
        with pytest.raises(GuardError, match="another case"):
            _go(case, "merge", into=bad, note="x")
    assert _go(case, "proxy", agent="代办员王芳").changes["agent"] == "代办员王芳"
    c = _go(case, "classify", type_code="heating", risk_level="high")
    assert c.changes == {"type_code": "heating", "risk_level": "high"}
    with pytest.raises(GuardError, match="risk_level"):
        _go(case, "classify", type_code="heating", risk_level="red")
    with pytest.raises(GuardError, match="note"):
        _go(case, "merge", into=11, note="x" * 5000)


def _clocks(**case):  # noqa: ANN003, ANN202
    return sla.case_clocks(case, [], workdays.due_at)


def test_sla001_every_clock_is_listed_with_its_state() -> None:
    assigned = datetime(2026, 3, 2, 9, tzinfo=LOCAL_TZ)  # Monday
    locks = [{"id": 5, "department_code": "urban", "created_at": assigned,
              "due_at": datetime(2026, 3, 4, tzinfo=LOCAL_TZ), "resolved_at": None}]  # fmt: skip
    case = {
        "assigned_at": assigned,
        "sign_due_at": datetime(2026, 3, 3, tzinfo=LOCAL_TZ),
        "signed_at": datetime(2026, 3, 3, 10, tzinfo=LOCAL_TZ),  # signed late
        "due_at": datetime(2026, 3, 10, tzinfo=LOCAL_TZ),
        "resolved_at": None,
        "lead_department": "housing",
    }
    clocks = sla.case_clocks(case, locks, workdays.due_at)
    now = datetime(2026, 3, 5, 12, tzinfo=LOCAL_TZ)
    assert [(c.kind, c.state(now)) for c in clocks] == [
        ("sign", "late"), ("resolve", "running"), ("lock", "overdue")
    ]  # fmt: skip
    assert clocks[2].lock_id == 5 and clocks[2].remaining(now) == timedelta(hours=-36)
    # After 化解 the 回访 clock runs: three working days.
    resolved = {**case, "resolved_at": datetime(2026, 3, 6, 15, tzinfo=LOCAL_TZ)}
    evaluate = sla.case_clocks(resolved, [], workdays.due_at)[-1]
    assert evaluate.kind == "evaluate" and evaluate.due == datetime(2026, 3, 12, tzinfo=LOCAL_TZ)


def test_sla002_levels_remind_supervise_list() -> None:
    due = datetime(2026, 3, 10, tzinfo=LOCAL_TZ)  # end of Monday 9 March
    clock = sla.Clock("resolve", due - timedelta(days=7), due)
    at = lambda *a: datetime(*a, tzinfo=LOCAL_TZ)  # noqa: E731
    assert sla.level_for(clock, at(2026, 3, 8, 12), workdays.due_at) == 0
    assert sla.level_for(clock, at(2026, 3, 9, 1), workdays.due_at) == sla.REMIND
    assert sla.level_for(clock, at(2026, 3, 10, 0, 1), workdays.due_at) == sla.SUPERVISE
    # Listed once overdue by five working days: 10–16 March are Tue–Mon, listed from 17 March.
    assert sla.level_for(clock, at(2026, 3, 16, 23), workdays.due_at) == sla.SUPERVISE
    assert sla.level_for(clock, at(2026, 3, 17, 0), workdays.due_at) == sla.LISTED
    stopped = sla.Clock("resolve", clock.started, due, stopped=at(2026, 3, 20))
    assert sla.level_for(stopped, at(2026, 3, 30), workdays.due_at) == 0
    level, which = sla.supervision_due([stopped, clock], at(2026, 3, 11), workdays.due_at)
    assert (level, which) == (sla.SUPERVISE, clock)
    assert sla.urgency(due, at(2026, 3, 9, 1)) == "due_soon"
    assert sla.urgency(due, at(2026, 3, 10, 1)) == "overdue"
    assert sla.urgency(due, at(2026, 3, 1)) == "on_time" and sla.urgency(None, due) == "none"
    _ = _clocks  # the helper above keeps the single-case form short where it is used


WORKING = CaseState("in_progress", lead_department="housing", assignee_kind="department",
                    case_id=10, locks=(Lock(7, "housing", "open"), Lock(8, "justice", "planned")))  # fmt: skip


@pytest.mark.parametrize(
    ("case", "action", "params", "events"),
    [
        (CaseState(None), "accept", {}, [("accept", "登记接办", None, None, {})]),
        (
            WORKING,
            "classify",
            {"type_code": "heating", "risk_level": "high"},
            [("classify", None, None, None, {"type_code": "heating", "risk_level": "high"})],
        ),
        (WORKING, "locate", {"note": "定位到楼"}, [("locate", "定位到楼", None, None, {})]),
        (
            WORKING,
            "proxy",
            {"agent": "王芳"},
            [("proxy", "代办员王芳全程代办", None, None, {"agent": "王芳"})],
        ),
        (
            CaseState("received", case_id=10),
            "assign",
            {"kind": "grid_worker", "department": "housing", "worker_id": 5, "limit_days": 3},
            [
                (
                    "assign",
                    None,
                    "housing",
                    None,
                    {"kind": "grid_worker", "limit_days": 3, "cooperating": [], "worker_id": 5},
                )
            ],
        ),
        (
            CaseState("received", case_id=10),
            "assign",
            {
                "kind": "mediation",
                "department": "justice",
                "room_id": 2,
                "mediator_id": 9,
                "limit_days": 4,
                "cooperating": ["housing"],
            },
            [
                (
                    "assign",
                    None,
                    "justice",
                    None,
                    {
                        "kind": "mediation",
                        "limit_days": 4,
                        "cooperating": ["housing"],
                        "room_id": 2,
                        "mediator_id": 9,
                    },
                )
            ],
        ),
        (
            CaseState("assigned", lead_department="housing", case_id=10),
            "return",
            {"note": "不属本部门"},
            [("return", "不属本部门", "housing", None, {})],
        ),
        (
            CaseState("assigned", lead_department="housing", case_id=10),
            "sign",
            {},
            [("sign", "已签收", "housing", None, {})],
        ),
        (
            WORKING,
            "supervise",
            {"level": 2},
            [("supervise", None, None, None, {"level": 2, "auto": False})],
        ),
        (
            WORKING,
            "consult",
            {
                "departments": ["housing", "urban"],
                "participants": "p",
                "minutes": "m",
                "outcome": "分工处置",
            },
            [("consult", "分工处置", None, None, {"departments": ["housing", "urban"]})],
        ),
        (
            WORKING,
            "split",
            {"locks": [{"department": "urban", "task": "清理", "limit_days": 2}]},
            [
                (
                    "split",
                    "分锁：1把锁并联办理",
                    None,
                    None,
                    {"locks": [{"department": "urban", "task": "清理"}]},
                )
            ],
        ),
        (
            WORKING,
            "key",
            {"lock_id": 7, "facts": "f", "law": "l", "plan": "p"},
            [("key", "给钥匙：提交化解方案", "housing", 7, {})],
        ),
        (
            WORKING,
            "unlock",
            {"lock_id": 8, "success": True},
            [("unlock", "开锁：方案落实", "justice", 8, {"success": True})],
        ),
        (
            WORKING,
            "unlock",
            {"lock_id": 8, "success": False},
            [("unlock", "开锁未果", "justice", 8, {"success": False})],
        ),
        (
            CaseState("in_progress", lead_department="housing", case_id=10),
            "resolve",
            {"outcome": "agreement"},
            [("resolve", None, "housing", None, {"outcome": "agreement"})],
        ),
        (
            CaseState("resolved", case_id=10),
            "evaluate",
            {"satisfaction": 1},
            [
                ("evaluate", None, None, None, {"satisfaction": 1}),
                ("reopen", "回访不满意，重新办理", None, None, {"auto": True}),
            ],
        ),
        (
            CaseState("resolved", case_id=10),
            "reopen",
            {"note": "复查"},
            [("reopen", "复查", None, None, {})],
        ),
        (
            CaseState("resolved", evaluated=True, case_id=10),
            "archive",
            {},
            [("archive", "结案归档", None, None, {"unreachable": False})],
        ),
        (
            WORKING,
            "merge",
            {"into": 11, "note": "重复"},
            [("merge", "重复", None, None, {"into": 11})],
        ),
    ],
)
def test_wf009_every_action_appends_its_named_events(case, action, params, events) -> None:  # noqa: ANN001
    """The event log is what the desk, the wall and the reports count: each action's events by
    name, note, department, lock and detail, exactly."""
    d = _go(case, action, **params)
    got = [(e.action, e.note, e.department, e.lock_id, e.detail) for e in d.events]
    assert got == [tuple(e) for e in events]

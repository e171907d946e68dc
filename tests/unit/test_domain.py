"""The pure rules in ``domain``: workflow transitions, vocabulary, scope, clock, messages."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from itertools import product

import pytest

from domain import clock, i18n, vocab, workflow
from domain.i18n import MESSAGES, t
from domain.scope import ANONYMOUS_ROLE, INTAKE_ROLE, PERMISSIONS, ROLES, Scope, can, require
from geodata.schema import models


def test_dom001_every_status_action_pair_is_decided():
    """Exhaustive: each (status, action) either moves to a known status or is refused."""
    open_ = ("received", "assigned", "in_progress")
    expected_ok = {
        (None, "accept"): "received",
        ("received", "assign"): "assigned",
        ("assigned", "assign"): "assigned",
        ("assigned", "return"): "received",
        ("assigned", "sign"): "in_progress",
        ("assigned", "consult"): "in_progress",
        ("in_progress", "consult"): "in_progress",
        ("assigned", "split"): "in_progress",
        ("in_progress", "split"): "in_progress",
        ("in_progress", "key"): "in_progress",
        ("in_progress", "unlock"): "in_progress",
        ("assigned", "resolve"): "resolved",
        ("in_progress", "resolve"): "resolved",
        ("resolved", "evaluate"): "resolved",
        ("unresolved", "evaluate"): "unresolved",
        ("resolved", "reopen"): "in_progress",
        ("unresolved", "reopen"): "in_progress",
        ("resolved", "archive"): "archived",
        ("unresolved", "archive"): "archived",
        **{(s, a): s for s in open_ for a in ("classify", "locate", "proxy", "supervise")},
        **{(s, "merge"): "merged" for s in open_},
    }
    for status, action in product((None, *vocab.DISPUTE_STATUSES), vocab.DISPUTE_ACTIONS):
        if (status, action) in expected_ok:
            assert workflow.after(status, action) == expected_ok[status, action]
            assert action in workflow.allowed(status)
        else:
            with pytest.raises(workflow.TransitionError):
                workflow.after(status, action)
            assert action not in workflow.allowed(status)
    # The final statuses allow nothing.
    assert workflow.allowed("archived") == workflow.allowed("merged") == ()


def test_dom002_replay_and_failed_resolution():
    path = ["accept", "proxy", "assign", "sign", "supervise", "consult", "resolve", "evaluate",
            "archive"]  # fmt: skip
    assert [a for a in vocab.ACTION_ORDER if a in path] == path
    assert set(vocab.ACTION_ORDER) == set(vocab.DISPUTE_ACTIONS)
    assert workflow.replay(path) == "archived"
    assert workflow.replay(["accept", "assign", "sign"]) == "in_progress"
    assert workflow.replay(["accept", "assign", "assign", "sign", "resolve"]) == "resolved"
    # 签收 once, and before the work starts: never again, never after a consult.
    for late in (["sign", "sign"], ["consult", "sign"], ["split", "sign"]):
        with pytest.raises(workflow.TransitionError):
            workflow.replay(["accept", "assign", *late])
    assert workflow.replay(["accept", "assign", "resolve"], success=False) == "unresolved"
    # 重办: a reopened case is worked on again and may be resolved again.
    again = ["accept", "assign", "sign", "resolve", "evaluate", "reopen", "resolve"]
    assert workflow.replay(again) == "resolved"
    with pytest.raises(workflow.TransitionError):
        workflow.replay(["accept", "assign", "resolve", "archive", "reopen"])
    with pytest.raises(workflow.TransitionError):
        workflow.replay(["assign"])
    with pytest.raises(ValueError):
        workflow.after("received", "teleport")
    assert [workflow.is_open(s) for s in vocab.DISPUTE_STATUSES] == [
        True, True, True, False, False, False, False
    ]  # fmt: skip


def test_dom003_locks_and_whistles():
    assert workflow.sub_case_after("open", "planned") == "planned"
    assert workflow.sub_case_after("planned", "done") == "done"
    assert workflow.sub_case_after("planned", "open") == "open"
    assert workflow.sub_case_after("open", "failed") == "failed"
    for status, new in (("open", "done"), ("done", "open"), ("failed", "planned")):
        with pytest.raises(workflow.TransitionError):
            workflow.sub_case_after(status, new)
    stages = [workflow.whistle_after(None)]
    while stages[-1] != "assessed":
        stages.append(workflow.whistle_after(stages[-1]))
    assert tuple(stages) == vocab.WHISTLE_STATUSES
    with pytest.raises(workflow.TransitionError):
        workflow.whistle_after("assessed")


def test_dom004_models_checks_come_from_the_vocabulary():
    checks = {
        c.name: str(c.sqltext)
        for table in models.Base.metadata.tables.values()
        for c in table.constraints
        if c.__class__.__name__ == "CheckConstraint"
    }
    assert checks["ck_dispute_status"] == vocab.check_in(vocab.DISPUTE_STATUSES, "status")
    assert checks["ck_dispute_event_action"] == vocab.check_in(vocab.DISPUTE_ACTIONS, "action")
    assert vocab.synonyms("status")["已交办"] == "assigned"
    assert vocab.synonyms("source")["12345"] == "hotline"
    with pytest.raises(ValueError):
        vocab.check_in(("a'; drop",), "x")


def test_dom005_every_code_has_both_labels():
    families = {
        "status": vocab.DISPUTE_STATUSES,
        "source": vocab.DISPUTE_SOURCES,
        "risk": vocab.RISK_LEVELS,
        "role": ROLES,
    }
    for family, codes in families.items():
        for code in codes:
            assert MESSAGES[f"{family}.{code}"]["zh"] and MESSAGES[f"{family}.{code}"]["en"]
    for action in vocab.DISPUTE_ACTIONS:
        assert MESSAGES[f"gd.action.{action}"]["zh"] and MESSAGES[f"gd.action.{action}"]["en"]
    assert t("gd.action.sign") == "签收" and t("gd.action.sign", "en") == "Signed for"
    assert t("reason.unknown_code") == "编码不存在"
    assert t("reason.unknown_code", "en") == "unknown code"
    assert t("no.such.key", "en") == "no.such.key"


def test_dom006_scope_and_permissions():
    assert Scope.anonymous().settings() == {
        "user": "",
        "role": "anonymous",
        "areas": "",
        "department": "",
    }
    s = Scope.of_user({"username": "li", "role": "district", "area_code": "150102"})
    assert s.settings() == {"user": "li", "role": "district", "areas": "150102", "department": ""}
    assert s.may("dispute_points.view") and not s.may("personal.unmask")
    assert Scope(role="display").cache_key() != s.cache_key()
    assert {r for r in ROLES if can(r, "personal.unmask")} == {"admin"}
    # Every permission goes to signed-in roles, and the intake API's systems take cases only.
    assert all(perms - {INTAKE_ROLE} <= set(ROLES) for perms in PERMISSIONS.values())
    assert [p for p, perms in PERMISSIONS.items() if INTAKE_ROLE in perms] == ["cases.intake"]
    # Nobody signed in holds nothing, not even the map.
    assert not any(can(ANONYMOUS_ROLE, p) for p in PERMISSIONS) and ANONYMOUS_ROLE not in ROLES


def test_dom007_clock_windows_are_local():
    moment = datetime(2026, 3, 1, 17, 30, tzinfo=clock.LOCAL_TZ)  # a Sunday
    assert clock.week_start(moment) == datetime(2026, 2, 23, tzinfo=clock.LOCAL_TZ)
    assert clock.month_start(moment) == datetime(2026, 3, 1, tzinfo=clock.LOCAL_TZ)
    assert clock.year_start(moment) == datetime(2026, 1, 1, tzinfo=clock.LOCAL_TZ)
    # 16:30 UTC on 28 Feb is already 1 March 00:30 in Hohhot.
    assert clock.day_start(datetime(2026, 2, 28, 16, 30)).day == 1
    assert clock.add_months(datetime(2026, 11, 1, tzinfo=clock.LOCAL_TZ), 3).month == 2
    assert clock.add_months(datetime(2026, 1, 1, tzinfo=clock.LOCAL_TZ), -1).year == 2025


# The cases below were found by `make mutate`: each fails on a mutant the tests above let live.


def test_dom008_synonyms_take_the_code_itself_and_lower_case_spellings():
    status = vocab.synonyms("status")
    assert {code: status[code] for code in vocab.DISPUTE_STATUSES} == {
        code: code for code in vocab.DISPUTE_STATUSES
    }
    yes_no = vocab.synonyms("yes_no")  # callers look up value.lower()
    assert (yes_no["yes"], yes_no["y"], yes_no["no"], yes_no["n"]) == (
        "true",
        "true",
        "false",
        "false",
    )


def test_dom009_calendar_starts_from_any_day_of_the_month():
    tz = clock.LOCAL_TZ
    moment = datetime(2026, 3, 18, 9, 45, tzinfo=tz)
    assert clock.year_start(moment) == datetime(2026, 1, 1, tzinfo=tz)
    assert clock.month_start(moment) == datetime(2026, 3, 1, tzinfo=tz)
    assert clock.add_months(datetime(2026, 11, 1, tzinfo=tz), 3) == datetime(2027, 2, 1, tzinfo=tz)
    # Always the first of the month, even from the 31st into February.
    assert clock.add_months(datetime(2026, 1, 31, tzinfo=tz), 1) == datetime(2026, 2, 1, tzinfo=tz)


def test_dom010_naive_times_are_utc_whatever_the_machine_zone(monkeypatch):
    # A server in China may run with TZ=Asia/Shanghai: naive database times are still UTC.
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        expected = datetime(2026, 3, 1, 0, 30, tzinfo=clock.LOCAL_TZ)
        assert clock.local(datetime(2026, 2, 28, 16, 30)) == expected
    finally:
        monkeypatch.undo()
        time.tzset()


def test_dom011_scope_keeps_department_and_every_area():
    s = Scope.of_user(
        {"username": "zhao", "role": "department", "area_code": None, "department_code": "D07"}
    )
    assert (s.areas, s.department) == ((), "D07")
    assert s.settings()["department"] == "D07"
    two = Scope(role="district", areas=("150102", "150103"))
    assert two.settings()["areas"] == "150102,150103"  # row-level policies split on ','
    assert two.cache_key() != Scope(role="district", areas=("150102",)).cache_key()
    keys = {Scope(role="analyst", department=d).cache_key() for d in (None, "D01", "D02")}
    assert len(keys) == 3
    require("admin", "personal.unmask")  # held: no error


def test_dom012_refusals_name_the_status_and_the_action():
    refusals = [
        (lambda: workflow.after("archived", "assign"), "archived", "assign"),
        (lambda: workflow.sub_case_after("done", "open"), "done", "open"),
        (lambda: workflow.whistle_after("assessed"), "assessed", "next"),
    ]
    for refuse, status, action in refusals:
        with pytest.raises(workflow.TransitionError) as err:
            refuse()
        assert (err.value.status, err.value.action) == (status, action)
        assert repr(status) in str(err.value) and repr(action) in str(err.value)
    with pytest.raises(workflow.TransitionError):  # not a TypeError
        workflow.sub_case_after("no_such_status", "done")


def test_dom013_messages_fall_back_to_chinese_then_to_the_key(monkeypatch):
    monkeypatch.setitem(i18n.MESSAGES, "test.zh_only", {"zh": "仅中文", "en": ""})
    monkeypatch.setitem(i18n.MESSAGES, "test.blank", {"zh": "", "en": ""})
    assert t("test.zh_only", "en") == "仅中文"
    assert t("test.blank", "en") == "test.blank"
    assert t("reason.unknown_code", "fr") == "编码不存在"


def test_dom014_now_is_aware_local_time():
    now = clock.now()
    assert now.tzinfo == clock.LOCAL_TZ and now.utcoffset() == timedelta(hours=8)

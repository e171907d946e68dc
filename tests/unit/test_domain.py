"""The pure rules in ``domain``: workflow transitions, vocabulary, scope, clock, messages."""

from __future__ import annotations

from datetime import datetime
from itertools import product

import pytest

from domain import clock, vocab, workflow
from domain.i18n import MESSAGES, t
from domain.scope import PERMISSIONS, ROLES, Scope, can
from geodata.schema import models


def test_dom001_every_status_action_pair_is_decided():
    """Exhaustive: each (status, action) either moves to a known status or is refused."""
    expected_ok = {
        (None, "accept"): "received",
        ("received", "assign"): "assigned",
        ("assigned", "assign"): "assigned",
        ("assigned", "consult"): "in_progress",
        ("in_progress", "consult"): "in_progress",
        ("assigned", "supervise"): "in_progress",
        ("received", "supervise"): "received",
        ("in_progress", "supervise"): "in_progress",
        ("received", "proxy"): "received",
        ("assigned", "proxy"): "assigned",
        ("in_progress", "proxy"): "in_progress",
        ("assigned", "resolve"): "resolved",
        ("in_progress", "resolve"): "resolved",
        ("resolved", "evaluate"): "resolved",
        ("unresolved", "evaluate"): "unresolved",
        ("resolved", "archive"): "archived",
    }
    for status, action in product((None, *vocab.DISPUTE_STATUSES), vocab.DISPUTE_ACTIONS):
        if (status, action) in expected_ok:
            assert workflow.after(status, action) == expected_ok[status, action]
            assert action in workflow.allowed(status)
        else:
            with pytest.raises(workflow.TransitionError):
                workflow.after(status, action)
            assert action not in workflow.allowed(status)


def test_dom002_replay_and_failed_resolution():
    path = ["accept", "proxy", "assign", "consult", "supervise", "resolve", "evaluate", "archive"]
    assert workflow.replay(path) == "archived"
    assert workflow.replay(["accept", "assign", "resolve"], success=False) == "unresolved"
    with pytest.raises(workflow.TransitionError):
        workflow.replay(["accept", "assign", "resolve", "archive"], success=False)
    with pytest.raises(workflow.TransitionError):
        workflow.replay(["assign"])
    with pytest.raises(ValueError):
        workflow.after("received", "teleport")
    assert [workflow.is_open(s) for s in vocab.DISPUTE_STATUSES] == [
        True, True, True, False, False, False
    ]  # fmt: skip


def test_dom003_locks_and_whistles():
    assert workflow.sub_case_after("open", "done") == "done"
    assert workflow.sub_case_after("open", "failed") == "failed"
    with pytest.raises(workflow.TransitionError):
        workflow.sub_case_after("done", "open")
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
    assert t("reason.unknown_code") == "编码不存在"
    assert t("reason.unknown_code", "en") == "unknown code"
    assert t("no.such.key", "en") == "no.such.key"


def test_dom006_scope_and_permissions():
    assert Scope.anonymous().settings() == {
        "user": "",
        "role": "viewer",
        "areas": "",
        "department": "",
    }
    s = Scope.of_user({"username": "li", "role": "leader", "district_code": "150102"})
    assert s.settings() == {"user": "li", "role": "leader", "areas": "150102", "department": ""}
    assert s.district == "150102" and s.may("dispute_points.view") and not s.may("personal.unmask")
    assert Scope(role="viewer").cache_key() != s.cache_key()
    assert {r for r in ROLES if can(r, "personal.unmask")} == {"admin"}
    assert all(perms <= set(ROLES) for perms in PERMISSIONS.values())


def test_dom007_clock_windows_are_local():
    moment = datetime(2026, 3, 1, 17, 30, tzinfo=clock.LOCAL_TZ)  # a Sunday
    assert clock.week_start(moment) == datetime(2026, 2, 23, tzinfo=clock.LOCAL_TZ)
    assert clock.month_start(moment) == datetime(2026, 3, 1, tzinfo=clock.LOCAL_TZ)
    assert clock.year_start(moment) == datetime(2026, 1, 1, tzinfo=clock.LOCAL_TZ)
    # 16:30 UTC on 28 Feb is already 1 March 00:30 in Hohhot.
    assert clock.day_start(datetime(2026, 2, 28, 16, 30)).day == 1
    assert clock.add_months(datetime(2026, 11, 1, tzinfo=clock.LOCAL_TZ), 3).month == 2
    assert clock.add_months(datetime(2026, 1, 1, tzinfo=clock.LOCAL_TZ), -1).year == 2025

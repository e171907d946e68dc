"""``domain.keypersons``: the dynamic level steps up once per reason and the advice follows it."""

from __future__ import annotations

from datetime import date, timedelta

from domain.keypersons import BoundCase, assess

TODAY = date(2026, 11, 28)


def _case(days: int, *, reason: str = "nearby", open_: bool = False, colour: str | None = None,
          source: str = "hotline", ref: str = "R") -> BoundCase:  # fmt: skip
    return BoundCase(reason, TODAY - timedelta(days=days), open_, colour, source, ref)


def test_kp001_no_cases_keeps_the_registered_level() -> None:
    a = assess("low", [], TODAY)
    assert (a.level, a.reasons, a.advice) == ("low", (), ("每30天上门走访一次",))


def test_kp002_each_reason_raises_one_step_up_to_high() -> None:
    two_recent = [_case(10), _case(200)]
    assert assess("low", two_recent, TODAY).level == "low"  # one recent case only
    cases = [_case(10), _case(20)]
    assert assess("low", cases, TODAY).level == "medium"
    cases = [_case(10, reason="party", open_=True, colour="red", source="petition", ref="XF-1"),
             _case(20, reason="party")]  # fmt: skip
    a = assess("low", cases, TODAY)
    assert a.level == "high" and len(a.reasons) == 4
    assert "跟进案件XF-1办理，参与化解" in a.advice and "每日电话联系，掌握动态" in a.advice
    assert "做好信访稳控，提前研判诉求" in a.advice
    assert assess("high", [], TODAY).level == "high"


def test_kp003_a_new_case_calls_for_a_visit_within_72_hours() -> None:
    assert "新发案件72小时内上门了解诉求" in assess("medium", [_case(2)], TODAY).advice
    assert "新发案件72小时内上门了解诉求" not in assess("medium", [_case(4)], TODAY).advice
    assert assess("medium", [], TODAY).advice[0] == "每14天上门走访一次"

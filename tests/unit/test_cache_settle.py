"""Display reads take up a newer data version at most once per settle window."""

from __future__ import annotations

import pytest

from geodata import cache


@pytest.fixture()
def clock(monkeypatch):  # noqa: ANN201, ANN001
    now = [1000.0]
    monkeypatch.setattr(cache, "_clock", lambda: now[0])
    cache.configure(None, settle_s=10)
    cache.clear()
    yield now
    cache.configure(None, settle_s=0)
    cache.clear()


def test_cst001_a_newer_version_waits_for_the_window(clock) -> None:  # noqa: ANN001
    fam = ("disputes",)
    assert cache.settled_version("db", fam, 5) == 5  # first seen: taken up
    clock[0] += 9.9
    assert cache.settled_version("db", fam, 6) == 5  # newer, inside the window: the old one
    assert cache.settled_version("db", fam, 7) == 5
    clock[0] += 0.1
    assert cache.settled_version("db", fam, 7) == 7  # window over: the newest, a new window
    clock[0] += 5
    assert cache.settled_version("db", fam, 8) == 7
    assert cache.settled_version("db", fam, 7) == 7


def test_cst002_windows_are_per_database_and_families(clock) -> None:  # noqa: ANN001
    assert cache.settled_version("db", ("disputes",), 5) == 5
    assert cache.settled_version("db", ("patrols",), 9) == 9
    assert cache.settled_version("other", ("disputes",), 6) == 6
    clock[0] += 1
    assert cache.settled_version("db", ("disputes",), 6) == 5
    assert cache.settled_version("db", ("patrols",), 10) == 9
    assert cache.settled_version("other", ("disputes",), 7) == 6


def test_cst003_an_older_version_is_taken_up_at_once(clock) -> None:  # noqa: ANN001
    assert cache.settled_version("db", ("disputes",), 50) == 50
    clock[0] += 1
    assert cache.settled_version("db", ("disputes",), 3) == 3  # a reloaded database


def test_cst004_no_window_and_clear_forget_the_version_in_use(clock) -> None:  # noqa: ANN001
    assert cache.settled_version("db", ("disputes",), 5) == 5
    cache.clear()
    assert cache.settled_version("db", ("disputes",), 6) == 6
    cache.configure(None, settle_s=0)
    assert cache.settled_version("db", ("disputes",), 7) == 7
    assert cache.settled_version("db", ("disputes",), 8) == 8

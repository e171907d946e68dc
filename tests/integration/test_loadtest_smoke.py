"""`make loadtest` runs tiny on an empty database (bench/loadtest.py), so it cannot rot.

Four users (one of each kind: leader, wall, desk, source system) for a few seconds, no drills,
against its own fresh database (``ZONGZHI_BENCH_DATABASE_URL``: the load test then uses no cluster
of its own). Nothing here reads a time; it checks that every kind of request was made and answered
and that what the clients were told matches the event log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.integration.test_bench_smoke import ROOT, _drop_database, _fresh_database

pytestmark = pytest.mark.db

ACTIONS = (
    "wall: refresh",
    "map: drill (update_map)",
    "tile: heat disputes",
    "desk: queue refresh",
    "open311: POST request",
)


def test_load001_the_load_test_runs_tiny_on_an_empty_database(db_url, tmp_path) -> None:  # noqa: ANN001
    url = _fresh_database(db_url, "loadtest")
    out = tmp_path / "load.json"
    env = {k: v for k, v in os.environ.items() if k != "ZONGZHI_DATABASE_URL"}
    env["ZONGZHI_BENCH_DATABASE_URL"] = url
    argv = ["-m", "bench.loadtest", "--scale", "small", "--users", "4", "--seconds", "4",
            "--workers", "1", "--no-drills", "--results", "", "--out", str(out)]  # fmt: skip
    try:
        proc = subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip
    finally:
        _drop_database(url)
    said = proc.stdout + proc.stderr
    assert proc.returncode == 0, said[-4000:]
    assert "Traceback" not in said, said[-4000:]
    assert "loading the small-scale demo" in said and "loadtest:begin" in said, said[-4000:]
    figures = json.loads(out.read_text(encoding="utf-8"))
    for action in ACTIONS:
        assert figures["actions"].get(action, {}).get("requests"), (action, figures["actions"])
    assert figures["totals"]["error_rate"] == 0, figures["actions"]
    checks = figures["verify"]
    assert checks["open311"]["told_success"] >= 1 and not checks["open311"]["lost"], checks
    assert not checks["open311"]["duplicated"] and not checks["desk_supervise"]["lost"], checks
    assert figures["drills"] == []

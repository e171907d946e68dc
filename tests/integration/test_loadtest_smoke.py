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
    # Where the CPU went: the client and the server both worked, and the parts add up.
    cpu = figures["cpu"]
    assert cpu["client_s"] > 0 and cpu["server_s"] > 0, cpu
    assert abs(cpu["client_s"] + cpu["server_s"] + cpu["rest_s"] - max(
        cpu["machine_s"], cpu["client_s"] + cpu["server_s"])) < 1e-6, cpu  # fmt: skip
    assert "CPU during the" in said, said[-4000:]


def test_load002_cpu_split_by_hand() -> None:
    from bench.loadtest import cpu_split

    got = cpu_split({"machine": 100.0, "client": 1.0, "server": 2.0},
                    {"machine": 340.0, "client": 61.0, "server": 102.0}, 120.0, 8000)  # fmt: skip
    cores = os.cpu_count() or 1
    assert got["machine_s"] == 240.0 and got["client_s"] == 60.0 and got["server_s"] == 100.0
    assert got["rest_s"] == 80.0 and got["busy_share"] == 240.0 / (120.0 * cores)
    assert got["client_ms_per_request"] == 7.5 and got["server_ms_per_request"] == 12.5
    assert got["rest_ms_per_request"] == 10.0

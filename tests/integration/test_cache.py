"""The one cache module: shared through Redis across processes, keyed by scope and version,
in-process when no Redis is configured, and never an error when Redis does not answer."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from app import context
from app.main import create_app
from domain.scope import Scope
from geodata import cache
from geodata.settings import Settings

pytestmark = pytest.mark.db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A private Redis server on a free port (nothing kept on disk), stopped afterwards."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/system-deps.sh test installs it)")
    port = _free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture()
def in_process() -> Iterator[None]:
    """Back to the in-process backend after a test that switched it."""
    yield
    cache.configure(None)


_OTHER_WORKER = """
import sys
from geodata import cache
cache.configure(sys.argv[1])
built = []
value = cache.get_or_build(sys.argv[2], lambda: built.append(1) or {"tile": b"png-bytes", "n": 7})
print(len(built), value["n"])
"""


def test_cache001_another_process_gets_what_one_built_through_redis(redis_url, in_process) -> None:
    key = f"test:{uuid.uuid4().hex}"
    cache.configure(redis_url)
    first = subprocess.run(
        [sys.executable, "-c", _OTHER_WORKER, redis_url, key],
        capture_output=True,
        text=True,
        check=True,
    )
    assert first.stdout.split() == ["1", "7"]  # that worker built it
    again = subprocess.run(
        [sys.executable, "-c", _OTHER_WORKER, redis_url, key],
        capture_output=True,
        text=True,
        check=True,
    )
    assert again.stdout.split() == ["0", "7"]  # a second worker found it built
    # And this process too, without building.
    assert cache.get_or_build(key, lambda: pytest.fail("built again")) == {
        "tile": b"png-bytes",
        "n": 7,
    }


def test_cache002_a_redis_that_does_not_answer_costs_a_rebuild_not_an_error(in_process) -> None:
    cache.configure(f"redis://127.0.0.1:{_free_port()}/0")  # nothing listens there
    calls: list[int] = []
    for _ in range(2):
        assert cache.get_or_build("test:down", lambda: calls.append(1) or 42) == 42
    assert len(calls) == 2


def test_cache003_without_redis_values_stay_in_process(in_process) -> None:
    cache.configure(None)
    key = f"test:{uuid.uuid4().hex}"
    calls: list[int] = []
    assert cache.get_or_build(key, lambda: calls.append(1) or "v") == "v"
    assert cache.get_or_build(key, lambda: calls.append(1) or "w") == "v"
    assert len(calls) == 1
    cache.clear()
    assert cache.get_or_build(key, lambda: calls.append(1) or "w") == "w"


def test_cache004_keys_differ_by_scope_and_by_version(engine, app_engine) -> None:
    app = create_app(Settings(), app_engine)
    east = Scope(user="a", role="district", areas=("150102",))
    east_other_user = Scope(user="b", role="district", areas=("150102",))
    west = Scope(user="c", role="district", areas=("150103",))
    with app.server.test_request_context("/"):
        keys = {}
        for name, who in (("east", east), ("east2", east_other_user), ("west", west)):
            with context.connection(who) as conn:
                keys[name] = cache.key(conn, "t", ("disputes",), 1)
        # A write (by the owner: the app's role may not write cases) moves the version.
        with engine.begin() as owner:
            owner.execute(text("UPDATE dispute SET parties = parties WHERE false"))
        with context.connection(east) as conn:
            bumped = cache.key(conn, "t", ("disputes",), 1)
        with context.connection(east) as conn:
            other_family = cache.key(conn, "t", ("patrols",), 1)
            other_params = cache.key(conn, "t", ("disputes",), 2)
    # One jurisdiction shares values (ten walls, one query); another never sees them.
    assert keys["east"] == keys["east2"] != keys["west"]
    assert len({keys["east"], bumped, other_family, other_params}) == 4
    with engine.connect() as conn:  # outside a request: its own, unscoped key
        assert cache.key(conn, "t", ("disputes",), 1) not in keys.values()


def test_cache005_local_values_are_built_once_per_version(engine) -> None:
    calls: list[int] = []

    def slow() -> list[int]:
        time.sleep(0.2)
        calls.append(1)
        return [len(calls)]

    name = f"test_{uuid.uuid4().hex}"
    with engine.connect() as conn:
        got: list[list[int]] = []
        threads = [
            threading.Thread(target=lambda: got.append(cache.local(conn, name, 1, slow)))
            for _ in range(6)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(calls) == 1 and got == [[1]] * 6  # concurrent callers waited for one build
        assert cache.local(conn, name, 1, slow) == [1]
        assert cache.local(conn, name, 2, slow) == [2]  # a new version: built again
        assert len(calls) == 2

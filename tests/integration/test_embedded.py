"""The private PostGIS cluster: create, start, reuse, stop — as root and as an ordinary user."""

from __future__ import annotations

import multiprocessing
import os
import pwd
import socket
from pathlib import Path

import psycopg
import pytest

from geodata.db.embedded import SERVICE_USER, EmbeddedCluster
from geodata.settings import Settings

pytestmark = pytest.mark.db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _lifecycle(home: Path, port: int) -> dict[str, object]:
    """Start twice (the second reuses), query PostGIS, stop; returns what was observed."""
    cluster = EmbeddedCluster(Settings(home=home, embedded_port=port))
    seen: dict[str, object] = {"euid": os.geteuid()}
    cluster.start()
    seen["running"] = cluster.running()
    with psycopg.connect(cluster.libpq_url()) as conn:
        seen["postgis"] = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
    seen["owner"] = pwd.getpwuid(cluster.data_dir.stat().st_uid).pw_name
    cluster.stop()
    seen["stopped"] = not cluster.running()
    cluster.start()  # reuse: no second initdb
    seen["restarted"] = cluster.running()
    cluster.destroy()
    seen["destroyed"] = not cluster.initialised()
    return seen


def _check(seen: dict[str, object]) -> None:
    assert seen["running"] and seen["stopped"] and seen["restarted"] and seen["destroyed"]
    assert str(seen["postgis"]).startswith("3.")


def test_emb001_lifecycle_as_the_current_user(tmp_path: Path) -> None:
    seen = _lifecycle(tmp_path / "home", _free_port())
    _check(seen)
    if os.geteuid() == 0:
        # As root the server runs as the unprivileged service user, which owns the data.
        assert seen["owner"] == SERVICE_USER


def _as_unprivileged(home: str, port: int, queue) -> None:  # noqa: ANN001
    user = pwd.getpwnam(SERVICE_USER)
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    os.environ["HOME"] = home
    try:
        queue.put(_lifecycle(Path(home) / "home", port))
    except Exception as exc:  # report to the parent instead of dying silently
        queue.put({"error": repr(exc)})


def test_emb002_lifecycle_as_an_ordinary_user(tmp_path_factory) -> None:  # noqa: ANN001
    if os.geteuid() != 0:
        # Already unprivileged: test_emb001 covered this path.
        seen = _lifecycle(tmp_path_factory.mktemp("plain") / "home", _free_port())
        _check(seen)
        return
    base = Path("/tmp") / f"zongzhi-emb-{os.getpid()}"
    base.mkdir(mode=0o755, exist_ok=True)
    user = pwd.getpwnam(SERVICE_USER)
    os.chown(base, user.pw_uid, user.pw_gid)
    # fork: the child keeps every module already imported, then drops root for good.
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_as_unprivileged, args=(str(base), _free_port(), queue))
    proc.start()
    seen = queue.get(timeout=120)
    proc.join(timeout=30)
    assert "error" not in seen, seen
    assert seen["euid"] == user.pw_uid
    assert seen["owner"] == SERVICE_USER
    _check(seen)


def test_emb003_a_lost_pointer_file_reuses_the_cluster(tmp_path: Path) -> None:
    """As root with an unreachable home the data lives under /var/lib/zongzhi; losing the
    pointer to it (a fresh checkout in the same place) must not make initdb fail there."""
    cluster = EmbeddedCluster(Settings(home=tmp_path / "home", embedded_port=_free_port()))
    cluster.start()
    data_dir = cluster.data_dir
    cluster.stop()
    (tmp_path / "home" / "pgdata.path").unlink(missing_ok=True)
    try:
        cluster.start()
        assert cluster.running()
        assert cluster.data_dir == data_dir
    finally:
        cluster.destroy()

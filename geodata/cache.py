"""The one cache module: values keyed by (database, name, caller's scope, data version, params).

Two tiers:

* **shared** — small, serialisable values (tile bytes, per-grid figures, reference densities).
  Redis when ``ZONGZHI_REDIS_URL`` is set (``cachelib.RedisCache``), so every worker and machine
  agrees and ten walls cost one query; otherwise an in-process LRU with expiry that keeps the
  values themselves (``cachelib.SimpleCache`` pickles every value on every get: 3–4 ms for the
  city's patrol figures). Cached values are shared: callers must not change them. A Redis that
  does not answer costs a rebuild, never an error.
* **local** — large in-process structures that must not be serialised per request (the patrol
  snapshot's numpy columns, the contiguity weights): one current value per (database, name),
  replaced when its data version moves.

Freshness comes from the key, not from expiry: the version part (``geodata.read.versions``) is
bumped by every write, so the next request after a write builds from the new data. Expiry
(``cache_max_age_s``) only bounds memory. Display reads (heat and vector tiles, the wall) key by
``settled_version`` instead: a newer version is taken up at most once per ``settle_s`` seconds
per process, so under a stream of writes (the load test's Open311 sources write a case a
quarter-second) they rebuild once per window rather than on every request, and show data at
most ``settle_s`` old. The scope part (``scope_key``) is the caller's
``Scope.cache_key()``, recorded on the connection by ``app.context.connection``, so values built
under one jurisdiction's row-level policies never serve another.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from cachelib import BaseCache, RedisCache
from cachetools import TTLCache
from sqlalchemy import Connection, Engine

from geodata.read.versions import data_version

log = logging.getLogger(__name__)
T = TypeVar("T")

SCOPE_INFO_KEY = "zongzhi.scope"
UNSCOPED = "-"  # connections opened outside a request (CLI, loads, benches)
KEY_PREFIX = "zongzhi:"

_lock = threading.Lock()
_shared: BaseCache | None = None
_timeout = 3600
# (database, name, scope) → (version, value), least recently used first. Row-level security
# makes a value drawn from people or cases differ by who asks, so each scope has its own; at
# most LOCAL_SLOTS are kept per process (a city-wide one and the few districts in use).
LOCAL_SLOTS = 8
_local: OrderedDict[tuple[str, str, str], tuple[Any, Any]] = OrderedDict()
_local_locks: dict[tuple[str, str, str], threading.Lock] = {}
_builds: dict[str, int] = {}
# settled_version: (database, families) → (version in use, when it was taken up).
_settle_s = 0.0
_settled: dict[tuple[str, tuple[str, ...]], tuple[int, float]] = {}
_clock = time.monotonic


def configure(
    redis_url: str | None = None,
    *,
    items: int = 4096,
    timeout_s: int = 3600,
    settle_s: float = 0.0,
) -> None:
    """Choose the shared backend (call once at start-up; tests call it to switch backends) and
    how long display reads may keep a version after a newer one arrives (``settled_version``)."""
    global _shared, _timeout, _settle_s
    _timeout = max(int(timeout_s), 1)
    _settle_s = max(float(settle_s), 0.0)
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        backend: BaseCache = RedisCache(
            host=client, default_timeout=_timeout, key_prefix=KEY_PREFIX
        )
    else:
        backend = InProcessCache(max(int(items), 1), _timeout)
    with _lock:
        _shared = backend


class InProcessCache(BaseCache):
    """cachelib's interface over a thread-safe ``cachetools.TTLCache`` that stores values as they
    are (no serialisation): the shared tier of a single process."""

    def __init__(self, items: int, timeout_s: int) -> None:
        super().__init__(default_timeout=timeout_s)
        self._items = TTLCache(maxsize=items, ttl=timeout_s)
        self._guard = threading.Lock()

    def get(self, key: str) -> Any:
        with self._guard:
            return self._items.get(key)

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        with self._guard:
            self._items[key] = value
        return True

    def delete(self, key: str) -> bool:
        with self._guard:
            return self._items.pop(key, None) is not None

    def clear(self) -> bool:
        with self._guard:
            self._items.clear()
        return True


def shared_backend() -> BaseCache:
    """The shared backend (an in-process one when ``configure`` was never called)."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = InProcessCache(4096, _timeout)
        return _shared


def clear() -> None:
    """Forget every cached value of both tiers (tests and cold-start benchmarks)."""
    backend = shared_backend()
    try:
        backend.clear()
    except Exception:  # noqa: BLE001 — an unreachable Redis has nothing to clear
        log.warning("shared cache not cleared", exc_info=True)
    with _lock:
        _local.clear()
        _settled.clear()


def database_of(conn: Connection) -> str:
    """Which database a value came from (URL without password)."""
    return database_of_engine(conn.engine)


def database_of_engine(engine: Engine) -> str:
    """``database_of`` for an engine."""
    return engine.url.render_as_string(hide_password=True)


def scope_key(conn: Connection) -> str:
    """The caller's scope as recorded on the connection by ``app.context.connection``."""
    return str(conn.info.get(SCOPE_INFO_KEY, UNSCOPED))


def key(
    conn: Connection, name: str, families: tuple[str, ...], *params: Any, settle: bool = False
) -> str:
    """The key of ``name`` under this database, scope and the versions of ``families``
    (``settle``: the settled version, for display reads)."""
    version = data_version(conn, *families)
    database = database_of(conn)
    if settle:
        version = settled_version(database, families, version)
    return key_of(database, scope_key(conn), name, version, *params)


def settled_version(database: str, families: tuple[str, ...], version: int) -> int:
    """The version a display read keys its value by: ``version``, unless this process took up
    another one for ``families`` less than ``settle_s`` seconds ago — then that one.

    A lower version than the one in use (a reloaded database) is taken up at once.
    """
    if _settle_s <= 0:
        return version
    now = _clock()
    slot = (database, tuple(families))
    with _lock:
        held = _settled.get(slot)
        if held is not None and (
            held[0] == version or (version > held[0] and now - held[1] < _settle_s)
        ):
            return held[0]
        _settled[slot] = (version, now)
        return version


def key_of(database: str, scope: str, name: str, version: int, *params: Any) -> str:
    """The key itself, from its parts (for a caller that holds no connection yet)."""
    parts = (database, name, scope, version, params)
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"{name}:{digest}"


def peek(cache_key: str) -> Any | None:
    """The shared value under ``cache_key`` if present (None otherwise; never builds)."""
    try:
        return shared_backend().get(cache_key)
    except Exception:  # noqa: BLE001 — a cache that does not answer is a miss
        log.warning("shared cache get failed", exc_info=True)
        return None


def get_or_build(cache_key: str, build: Callable[[], T], timeout_s: int | None = None) -> T:
    """The shared value under ``cache_key``, built (and stored) when absent."""
    hit = peek(cache_key)
    if hit is not None:
        return hit
    return build_and_store(cache_key, build, timeout_s)


def put(cache_key: str, value: Any, timeout_s: int | None = None) -> None:
    """Store ``value`` under ``cache_key`` (a value built elsewhere; a failed store keeps nothing)."""
    try:
        shared_backend().set(cache_key, value, timeout=timeout_s or _timeout)
    except Exception:  # noqa: BLE001 — a cache that does not answer keeps nothing
        log.warning("shared cache set failed", exc_info=True)


def settle_s() -> float:
    """How long display reads keep a data version after a newer one (0: not at all)."""
    return _settle_s


def build_and_store(cache_key: str, build: Callable[[], T], timeout_s: int | None = None) -> T:
    """Build the value and store it under ``cache_key`` (after a ``peek`` that missed)."""
    value = build()
    _count(cache_key.split(":", 1)[0])
    put(cache_key, value, timeout_s)
    return value


def cached(
    conn: Connection,
    name: str,
    families: tuple[str, ...],
    params: tuple[Any, ...],
    build: Callable[[], T],
    timeout_s: int | None = None,
    *,
    settle: bool = False,
) -> T:
    """``get_or_build`` under ``key(conn, name, families, *params, settle=settle)``."""
    return get_or_build(key(conn, name, families, *params, settle=settle), build, timeout_s)


def local(
    conn: Connection, name: str, version: int, build: Callable[[], T], *, scoped: bool = True
) -> T:
    """The in-process value ``name`` of this database at ``version``, rebuilt when it moved.

    One value per (database, name, caller's scope) is kept — ``scoped=False`` for a value that
    reads no row-secured table (geometry), shared by every caller: the old one is dropped when
    the new one is built, and beyond ``LOCAL_SLOTS`` the least recently used goes. Concurrent
    callers wait for one build instead of building it each.
    """
    slot = (database_of(conn), name, scope_key(conn) if scoped else UNSCOPED)
    held = _local.get(slot)
    if held is not None and held[0] == version:
        with _lock:
            if slot in _local:
                _local.move_to_end(slot)
        return held[1]
    with _lock:
        slot_lock = _local_locks.setdefault(slot, threading.Lock())
    with slot_lock:
        held = _local.get(slot)
        if held is not None and held[0] == version:
            return held[1]
        value = build()
        _count(name)
        with _lock:
            _local[slot] = (version, value)
            _local.move_to_end(slot)
            while len(_local) > LOCAL_SLOTS:
                dropped, _ = _local.popitem(last=False)
                _local_locks.pop(dropped, None)
        return value


def _count(name: str) -> None:
    with _lock:
        _builds[name] = _builds.get(name, 0) + 1


def builds(name: str) -> int:
    """How many times this process built ``name`` (a cache miss): tests and benches read it."""
    with _lock:
        return _builds.get(name, 0)

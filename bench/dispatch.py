"""Dispatch-desk benchmark (调度台): the queue, one workflow transition, Open311 intake over HTTP
and batch classification, each against a baseline measured in the same run.

    python -m bench.dispatch [--scale full|small] [--repeat 30] [--cases 20] [--seconds 10]
                             [--clients 8] [--workers 2]   (from the repo root)

On its own database (``zongzhi_dispatch_bench`` in the embedded cluster, or
ZONGZHI_BENCH_DATABASE_URL; an empty database first gets the demo at ``--scale``), as the app's
role so row-level security holds:

1. ``geodata.read.dispatch.queue`` of the open cases under a city, a district and a department
   scope (the department's "my queue") against counting the open cases under the same scope.
2. One committed transition (``cases.act``: 督办 level 1 → 2 → 3 on cases registered here),
   event + audit + data version, against a bare one-row ``UPDATE dispute SET version = version``
   committed on the same role, interleaved with it.
3. ``POST /open311/v2/requests.json`` to the real server (``zongzhi serve``, gunicorn) from
   ``--clients`` loopback clients for ``--seconds``, half without ``service_code`` (so the text
   is classified), each at a random point inside a grid, against ``GET /healthz`` from the same
   clients (the server's floor: routing, a session-less request and one query): requests/s,
   latency, and the CPU each answered request cost in the server's processes, in the PostgreSQL
   backends serving it and in the clients (CPU, unlike wall time, holds on a shared machine).
   The per-key rate limit is lifted for the run (the shipped 600 per minute is 10/s a key).
4. The active text model over the demo's texts in batches (``bench.classify`` measures it in
   full, with its baselines; this is the same figure on this database, for the table).

Cases made here carry ``source_ref`` "BENCH-" and are deleted at the end, with their events and
links (the append-only trigger on the event log is lifted by the owner for that); their audit
rows stay, as audit rows do. Times are wall time of the Python call or HTTP request. It asserts
nothing.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import platform
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

from bench.classify import _rate
from bench.common import (
    add_scale_arguments,
    bench_app_url,
    bench_url,
    ensure_demo,
    pct,
    stop_process,
    timed,
)
from bench.map_tiles import free_port, libpq_url
from classify import active
from classify.model import case_text
from classify.train import train
from domain.scope import Scope
from domain.vocab import OPEN_STATUSES
from geodata.db.engine import make_engine
from geodata.db.roles import APP_ROLE
from geodata.db.scope import apply_scope
from geodata.read import dispatch as desk
from geodata.read.texts import labelled_texts
from geodata.settings import Settings
from geodata.write import cases, tokens

DISPATCH_BENCH_DATABASE = "zongzhi_dispatch_bench"
ROOT = Path(__file__).resolve().parents[1]
REF = "BENCH-"
BENCH_USER = "bench_dispatcher"
# The floor of any queue: counting the open cases the caller may see (row-level security).
OPEN_COUNT = text("SELECT count(*) FROM dispute WHERE status = ANY(:statuses)")
# The PostgreSQL backends that serve the app's role on this database (the server's pools).
BACKENDS = text(
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND usename = :role"
)
TOUCH = text("UPDATE dispute SET version = version WHERE id = :id")
# Random points inside the grids (PostGIS's own generator, seeded): where the posted cases are.
GRID_POINTS = text(
    "SELECT ST_X(p.geom), ST_Y(p.geom) FROM grid g,"
    " LATERAL ST_Dump(ST_GeneratePoints(g.geom, :k, :seed)) p ORDER BY g.code"
)
BATCH = 10_000
POST_PATH = "/open311/v2/requests.json"
# Events, tasks, then the cases (their links and key-person rows go by cascade).
CLEANUP = (
    "DELETE FROM dispute_event WHERE dispute_id IN"
    " (SELECT id FROM dispute WHERE source_ref LIKE :ref)",
    "DELETE FROM patrol_task WHERE dispute_id IN"
    " (SELECT id FROM dispute WHERE source_ref LIKE :ref)",
    "DELETE FROM dispute WHERE source_ref LIKE :ref",
)
# Lifted for the run only: the shipped per-key limit (600 per minute) would be measured instead.
BENCH_RATE_LIMIT = "1000000 per minute"


def cleanup(owner: Engine) -> int:
    """Delete the cases this bench made (and a crashed run's); how many."""
    with owner.begin() as c:
        c.execute(text("ALTER TABLE dispute_event DISABLE TRIGGER dispute_event_append_only"))
        for statement in CLEANUP[:-1]:
            c.execute(text(statement), {"ref": REF + "%"})
        gone = c.execute(text(CLEANUP[-1]), {"ref": REF + "%"}).rowcount
        c.execute(text("ALTER TABLE dispute_event ENABLE TRIGGER dispute_event_append_only"))
    return gone


def _row(name: str, stats: dict[str, float]) -> str:
    return f"{name:<58}{stats['p50']:>8.1f}{stats['p95']:>8.1f}{stats['max']:>8.1f}"


@contextmanager
def _scoped(engine: Engine, scope: Scope) -> Iterator[Connection]:
    """A connection in a transaction under ``scope``, committed on leaving, as a request's."""
    with engine.connect() as conn, conn.begin():
        apply_scope(conn, scope)
        yield conn


# -- 1. the queue ------------------------------------------------------------------------------


def bench_queue(app: Engine, scopes: dict[str, tuple[Scope, desk.QueueFilter]], n: int) -> dict:
    figures: dict[str, Any] = {}
    print(f"\n1. queue of open cases, {n} runs each (ms){'':<17}{'p50':>8}{'p95':>8}{'max':>8}")
    for label, (scope, flt) in scopes.items():
        with app.connect() as conn, conn.begin():
            apply_scope(conn, scope)
            count_t, count = timed(
                lambda conn=conn: conn.execute(OPEN_COUNT, {"statuses": list(OPEN_STATUSES)})
                .scalar(), n,
            )  # fmt: skip
            queue_t, got = timed(lambda conn=conn, flt=flt: desk.queue(conn, flt), n)
        ours, floor = pct(queue_t), pct(count_t)
        ratio = ours["p50"] / max(floor["p50"], 1e-9)
        figures[label] = {"queue": ours, "count_floor": floor, "open_visible": count,
                          "rows": len(got["rows"]), "total": got["total"],
                          "ratio_queue_over_count_p50": ratio}  # fmt: skip
        print(_row(f"count of open cases (floor), {label}", floor))
        print(_row(f"queue, {label} ({got['total']:,} cases, {len(got['rows'])} rows)", ours))
        print(f"  ratio queue / count floor (p50): {ratio:.1f}x; target p95 <= 50 ms")
    return figures


# -- 2. one transition -------------------------------------------------------------------------


def bench_transitions(app: Engine, scope: Scope, point: tuple[float, float], n_cases: int) -> dict:
    actor = scope.actor()
    register_t, act_t, touch_t = [], [], []
    run = secrets.token_hex(3)
    for i in range(n_cases + 1):  # the first case is the warm-up
        fields = {"source": "hotline", "source_ref": f"{REF}T-{run}-{i}", "type_code": "property",
                  "title": "楼上漏水物业不管", "description": "来电人称楼上卫生间漏水，找物业多次没人管"}  # fmt: skip
        t0 = time.perf_counter()
        with _scoped(app, scope) as conn:
            out, _ = cases.register(conn, actor, fields, lon=point[0], lat=point[1])
        ms = (time.perf_counter() - t0) * 1000
        if i:
            register_t.append(ms)
        version = out.version
        for level in (1, 2, 3):
            t0 = time.perf_counter()
            with _scoped(app, scope) as conn:
                version = cases.act(
                    conn, out.case_id, "supervise", actor, {"level": level, "note": "bench"},
                    expected_version=version,
                ).version  # fmt: skip
            ms = (time.perf_counter() - t0) * 1000
            t0 = time.perf_counter()
            with _scoped(app, scope) as conn:
                conn.execute(TOUCH, {"id": out.case_id})
            base = (time.perf_counter() - t0) * 1000
            if i:
                act_t.append(ms)
                touch_t.append(base)
    ours, floor, reg = pct(act_t), pct(touch_t), pct(register_t)
    ratio = ours["p50"] / max(floor["p50"], 1e-9)
    print(
        f"\n2. one committed transition, {len(act_t)} runs (ms){'':<12}{'p50':>8}{'p95':>8}{'max':>8}"
    )
    print(_row("bare one-row UPDATE + commit (baseline)", floor))
    print(_row("transition: supervise 1→2→3 (event + audit + version)", ours))
    print(_row(f"register (接办, {len(register_t)} cases)", reg))
    print(f"  ratio transition / bare UPDATE (p50): {ratio:.1f}x; target p95 <= 20 ms")
    return {"transition": ours, "bare_update": floor, "register": reg,
            "ratio_transition_over_update_p50": ratio}  # fmt: skip


# -- 3. Open311 over HTTP ----------------------------------------------------------------------


def _drive(port: int, clients: int, seconds: float, make: Any) -> dict[str, Any]:
    """``clients`` threads, each on its own keep-alive connection, sending ``make(client, i)``
    — (method, path, body, headers) — until ``seconds`` have passed."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    statuses: list[dict[int, int]] = [{} for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start.wait()
        i = 0
        while time.perf_counter() < stop_at[0]:
            method, path, body, headers = make(k, i)
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            latencies[k].append((time.perf_counter() - t0) * 1000)
            statuses[k][status] = statuses[k].get(status, 0) + 1
            i += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    stop_at[0] = time.perf_counter() + seconds
    w0 = time.perf_counter()
    start.wait()
    for th in threads:
        th.join()
    wall = time.perf_counter() - w0
    times = [ms for per in latencies for ms in per]
    counts: dict[int, int] = {}
    for per in statuses:
        for status, c in per.items():
            counts[status] = counts.get(status, 0) + c
    ok = sum(c for s, c in counts.items() if 200 <= s < 300)
    return {"requests": len(times), "ok": ok, "statuses": counts, "seconds": round(wall, 2),
            "ok_per_s": ok / wall, **(pct(times) if times else {})}  # fmt: skip


def _cpu_ticks(pids: list[int]) -> dict[int, int]:
    """User + system CPU of each process (clock ticks, from /proc), the gone ones left out."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        out[pid] = int(fields[11]) + int(fields[12])
    return out


def _server_pids(master: int) -> list[int]:
    """gunicorn's master and its workers."""
    pids = [master]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return pids


def _measured(owner: Engine, master: int, run: Any) -> dict[str, Any]:
    """``run()``'s figures with the CPU it cost per answered request: in the server's
    processes, in the PostgreSQL backends serving the app's role, and in this (client) process.
    CPU, unlike wall time, does not grow with what else the machine runs."""
    with owner.connect() as c:
        backends = list(c.execute(BACKENDS, {"role": APP_ROLE}).scalars())
    pids = {"server": _server_pids(master), "postgres": backends}
    before = {k: _cpu_ticks(v) for k, v in pids.items()}
    c0 = time.process_time()
    figures = run()
    client_s = time.process_time() - c0
    tick = os.sysconf("SC_CLK_TCK")
    cpu = {"client": client_s}
    for kind, pid_list in pids.items():
        after = _cpu_ticks(pid_list)
        cpu[kind] = sum(after[p] - t for p, t in before[kind].items() if p in after) / tick
    done = max(figures["ok"], 1)
    figures["cpu_ms_per_request"] = {k: v * 1000 / done for k, v in cpu.items()}
    figures["processes"] = {k: len(v) for k, v in pids.items()}
    return figures


def _wait_healthy(port: int, proc: subprocess.Popen, log: Path, timeout_s: float = 120) -> None:
    """Until the server answers /healthz (gunicorn binds before its workers can answer)."""
    deadline = time.monotonic() + timeout_s
    while True:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        finally:
            conn.close()
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"zongzhi serve did not start:\n{tail}")
        time.sleep(0.3)


def bench_open311(  # noqa: PLR0913 — the run's knobs
    owner: Engine,
    texts: list[tuple[str, str]],
    points: list[tuple[float, float]],
    clients: int,
    seconds: float,
    workers: int,
) -> dict[str, Any]:
    with owner.begin() as c:
        token_id, key = tokens.add(c, "12345", "bench.dispatch", by="bench")
    port = free_port()
    env = {
        **os.environ,
        "ZONGZHI_DATABASE_URL": libpq_url(bench_app_url(DISPATCH_BENCH_DATABASE)),
        "ZONGZHI_OWNER_DATABASE_URL": libpq_url(bench_url(DISPATCH_BENCH_DATABASE)),
        "ZONGZHI_SECRET_KEY": secrets.token_urlsafe(48),
        "ZONGZHI_OPEN311_RATE_LIMIT": BENCH_RATE_LIMIT,
        "PYTHONPATH": str(ROOT),
    }
    exe = Path(sys.executable).with_name("zongzhi")
    log = Path(tempfile.mkdtemp(prefix="bench-dispatch-")) / "serve.log"
    run = secrets.token_hex(3)
    rng = random.Random(20261205)
    refs = itertools.count()  # one reference per request over every phase, warm-up included
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    def post(k: int, i: int) -> tuple[str, str, str, dict[str, str]]:
        description, code = texts[rng.randrange(len(texts))]
        lon, lat = points[rng.randrange(len(points))]
        fields = {"api_key": key, "description": description, "lat": f"{lat:.6f}",
                  "long": f"{lon:.6f}", "attribute[source_ref]": f"{REF}O-{run}-{next(refs)}",
                  "last_name": "张", "phone": f"139{rng.randrange(10**8):08d}"}  # fmt: skip
        if i % 2:  # half name their type; the other half are classified
            fields["service_code"] = code
        return "POST", POST_PATH, urllib.parse.urlencode(fields), headers

    def health(_k: int, _i: int) -> tuple[str, str, None, dict[str, str]]:
        return "GET", "/healthz", None, {}

    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(exe), "serve", "--port", str(port), "--workers", str(workers)],
            env=env, cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    figures: dict[str, Any] = {"workers": workers, "threads_per_worker": 4, "clients": clients,
                               "rate_limit": BENCH_RATE_LIMIT}  # fmt: skip
    try:
        _wait_healthy(port, proc, log)
        # Warm-up: every worker loads the model and fills its pool.
        _drive(port, clients, 2.0, post)
        _drive(port, clients, 1.0, health)
        for name, make in (("healthz", health), ("post", post)):
            figures[name] = _measured(
                owner, proc.pid, lambda make=make: _drive(port, clients, seconds, make)
            )
    finally:
        stop_process(proc)
        with owner.begin() as c:
            tokens.revoke(c, token_id, by="bench")
    with owner.connect() as c:
        made, flagged = c.execute(
            text(
                "SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM dispute_link l"
                " WHERE l.dispute_id = d.id AND l.kind = 'duplicate')) FROM dispute d"
                " WHERE source_ref LIKE :r"
            ),
            {"r": f"{REF}O-{run}-%"},
        ).one()
    figures["cases_made"], figures["flagged_duplicate"] = made, flagged
    h, p = figures["healthz"], figures["post"]
    print(
        f"\n3. Open311 over HTTP: zongzhi serve ({workers} gunicorn workers x 4 threads),"
        f" {clients} loopback clients, {seconds:g} s each, per-key limit lifted"
    )
    print(f"{'':<40}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}  answers")
    for name, r in (("GET /healthz (baseline)", h), (f"POST {POST_PATH}", p)):
        if "p50" not in r:
            print(f"{name:<40}  no request finished: {r['statuses']}")
            continue
        print(
            f"{name:<40}{r['ok_per_s']:>9.1f}{r['p50']:>9.1f}{r['p95']:>9.1f}{r['max']:>9.1f}"
            f"  {dict(sorted(r['statuses'].items()))}"
        )
    print(f"{'CPU ms per answered request':<40}{'server':>9}{'postgres':>9}{'client':>9}")
    for name, r in (("GET /healthz (baseline)", h), (f"POST {POST_PATH}", p)):
        c = r["cpu_ms_per_request"]
        print(f"{name:<40}{c['server']:>9.2f}{c['postgres']:>9.2f}{c['client']:>9.2f}")
    per_post = p["cpu_ms_per_request"]["server"] + p["cpu_ms_per_request"]["postgres"]
    if p.get("ok"):
        ceiling = (os.cpu_count() or 1) * 1000 / max(per_post, 1e-9)
        figures["post_ceiling_per_s"] = ceiling
        print(
            f"  server + PostgreSQL CPU per POST {per_post:.1f} ms: at most {ceiling:,.0f} POST/s"
            f" on {os.cpu_count()} idle cores, clients elsewhere"
        )
    print(f"  cases made {made:,}, flagged as possible duplicates {flagged:,}")
    if h.get("ok_per_s") and p.get("ok_per_s"):
        ratio = h["ok_per_s"] / p["ok_per_s"]
        figures["ratio_healthz_over_post_rate"] = ratio
        print(f"  ratio healthz / POST (req/s): {ratio:.1f}x; target >= 200 req/s, p95 <= 100 ms")
    if not p.get("ok"):
        print("  server log (last lines):\n" + log.read_text(errors="replace")[-2000:])
    return figures


# -- 4. classification -------------------------------------------------------------------------


def bench_classification(owner: Engine, texts: list[str], repeat: int) -> dict[str, Any]:
    with owner.connect() as conn:
        model = active.load_active(conn)
    assert model is not None
    pool = (texts * (1 + BATCH // max(len(texts), 1)))[:BATCH]
    batch = _rate(lambda c: model.top(c, 3), pool, BATCH, repeat)
    one = _rate(lambda c: model.top(c, 3), pool[:400], 1, repeat)
    ratio = batch["wall_texts_per_s"] / one["wall_texts_per_s"]
    print(f"\n4. classification (top 3) of the demo's texts, best of {repeat}")
    print(f"{'how':<40}{'texts':>8}{'wall /s':>11}{'CPU /s':>11}")
    for name, r in ((f"batch {BATCH:,}", batch), ("batch 1 (baseline)", one)):
        print(
            f"{name:<40}{r['texts']:>8,}{r['wall_texts_per_s']:>11,.0f}{r['cpu_texts_per_s']:>11,.0f}"
        )
    print(f"  ratio batch / single-text (wall): {ratio:.1f}x; target >= 2,000 texts/s")
    return {"batch": batch, "single": one, "ratio_batch_over_single": ratio}


# -- the run -----------------------------------------------------------------------------------


def _place(owner: Engine) -> dict[str, Any]:
    """The city, the busiest district, the department with most open cases, a grid point."""
    with owner.connect() as c:
        city = c.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
        district = c.execute(
            text(
                "SELECT a.code FROM admin_area a LEFT JOIN dispute d ON d.district_code = a.code"
                " AND d.status = ANY(:s) WHERE a.level = 'district' GROUP BY 1"
                " ORDER BY count(d.id) DESC, 1 LIMIT 1"
            ),
            {"s": list(OPEN_STATUSES)},
        ).scalar()
        department = c.execute(
            text(
                "SELECT lead_department FROM dispute WHERE status = ANY(:s)"
                " AND lead_department IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
            ),
            {"s": list(OPEN_STATUSES)},
        ).scalar()
        point = c.execute(
            text("SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid"
                 " ORDER BY code LIMIT 1")
        ).one()  # fmt: skip
        grids = c.execute(text("SELECT count(*) FROM grid")).scalar() or 1
        # About 20,000 points whatever the scale: repeats within 100 m stay rare.
        k = max(1, 20_000 // grids)
        points = [(x, y) for x, y in c.execute(GRID_POINTS, {"k": k, "seed": 7})]
        sizes = c.execute(
            text("SELECT count(*), count(*) FILTER (WHERE status = ANY(:s)) FROM dispute"),
            {"s": list(OPEN_STATUSES)},
        ).one()
    return {"city": city, "district": district, "department": department,
            "point": (point[0], point[1]), "points": points, "cases": sizes[0],
            "open": sizes[1], "grids": grids}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=30, help="runs per queue figure")
    ap.add_argument("--cases", type=int, default=20, help="cases registered for 3 transitions each")
    ap.add_argument("--seconds", type=float, default=10.0, help="HTTP load per figure")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument(
        "--workers", type=int, default=2, help="gunicorn workers (zongzhi serve's default)"
    )
    ap.add_argument("--classify-repeat", type=int, default=3)
    ap.add_argument("--out", default="bench/out/dispatch.json")
    add_scale_arguments(ap)
    args = ap.parse_args()

    owner = make_engine(Settings(), bench_url(DISPATCH_BENCH_DATABASE))
    ensure_demo(owner, args.scale, args.seed)
    app = make_engine(Settings(), bench_app_url(DISPATCH_BENCH_DATABASE))
    cleanup(owner)
    with owner.connect() as c:
        if active.load_active(c) is None:
            print("training the text model once (as `zongzhi classify train`) …", flush=True)
            c.close()
            train(owner, by="bench")
    with owner.connect() as c:
        rows = labelled_texts(c)
    place = _place(owner)
    load = os.getloadavg()
    figures: dict[str, Any] = {
        "scale": args.scale, "seed": args.seed, "machine": platform.platform(),
        "cpus": os.cpu_count(), "load_average_at_start": [round(x, 2) for x in load],
        "cases": place["cases"], "open_cases": place["open"], "grids": place["grids"],
    }  # fmt: skip
    print(
        f"machine: {os.cpu_count()} cores, load average {load[0]:.1f}; {args.scale}-scale demo:"
        f" {place['cases']:,} cases, {place['open']:,} open, {place['grids']:,} grids;"
        " app role under row-level security"
    )
    city = Scope(user=BENCH_USER, role="city", areas=(place["city"],))
    scopes = {
        "city": (city, desk.QueueFilter()),
        f"district {place['district']}": (
            Scope(user=BENCH_USER, role="district", areas=(place["district"],)),
            desk.QueueFilter(),
        ),
        f"department {place['department']} (my queue)": (
            Scope(user=BENCH_USER, role="department", department=place["department"]),
            desk.QueueFilter(department=place["department"]),
        ),
    }
    try:
        figures["queue"] = bench_queue(app, scopes, args.repeat)
        figures["transition"] = bench_transitions(app, city, place["point"], args.cases)
        texts = [(b or a or "", code) for a, b, code in rows]
        figures["open311"] = bench_open311(
            owner, texts, place["points"], args.clients, args.seconds, args.workers
        )
        figures["classification"] = bench_classification(
            owner, [case_text(a, b) for a, b, _ in rows], args.classify_repeat
        )
    finally:
        gone = cleanup(owner)
        print(f"\nremoved the {gone:,} cases this run made")
    figures["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    print(f"figures written to {out}")


if __name__ == "__main__":
    main()

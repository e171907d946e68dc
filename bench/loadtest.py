"""Load test with fault drills (issue 13): ``make loadtest``.

    python -m bench.loadtest [--scale full|small] [--users 50] [--seconds 120] [--workers 4]
                             [--drills restart,kill,lock | --no-drills] [--think 1.0]

Starts the real server (``zongzhi serve``: gunicorn, ``--workers`` processes × 4 threads) on
loopback against its own database, ``zongzhi_load_bench`` (``_small`` at small scale), in a
PostgreSQL cluster of its own (``<ZONGZHI_HOME>/loadtest``, port 54339: the restart drill must
never restart the database you work with), made and loaded with the demo on first use and stopped
at the end. ``ZONGZHI_BENCH_DATABASE_URL`` points it at another database instead (then it cannot
restart that database, and says so).

Then ``--users`` simulated users (``bench.load_users``: walls, leaders on the map with their heat
tiles, dispatch desks, Open311 source systems) for ``--seconds``, while the drills run in turn:

* restart: the cluster is stopped (fast shutdown) for ``--down-seconds`` and started again;
  once it has been back 10 s, no request may answer 5xx or go unanswered;
* kill: one gunicorn worker (never the master) gets SIGKILL; the master starts another and the
  requests after it succeed; the few in flight on that worker are counted;
* lock: an owner connection holds ``LOCK TABLE dispute IN ACCESS EXCLUSIVE MODE`` for
  ``--lock-seconds``; requests that need the table answer 503 (lock timeout) or 504 (statement
  timeout) by themselves, none 500, none left hanging (the client gives up after 60 s).

Afterwards every answer the clients were told was a success is checked against the database:
each Open311 ``service_request_id`` is the case of its ``source_ref`` with exactly one 接办 event,
and each 督办 the desk was told was done is one ``supervise`` event — none lost, none twice.
Latency figures per action are from the requests outside the drills' windows; errors are counted
everywhere. Figures go to ``--out`` (JSON) and to the load-test section of ``bench/RESULTS.md``.
The Open311 cases it made are deleted at the end (their audit rows stay); the 督办 events stay
(the event log is append-only), on this bench's own database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import mercantile
import numpy as np
import psycopg
from sqlalchemy import Engine, text

from bench.common import (
    DEFAULT_SEED,
    SCALES,
    bench_session,
    ensure_demo,
    stop_process,
    write_section,
)
from bench.load_users import NO_ANSWER, TIMED_OUT, Callbacks, Plan, Record, request, run_users
from geodata.db.engine import make_engine, sqlalchemy_url
from geodata.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "zongzhi_load_bench"
CLUSTER_PORT = 54339
DRILLS = ("restart", "kill", "lock")
# When each drill starts, as a share of the run; the windows after them do not overlap.
DRILL_AT = {"restart": 0.15, "kill": 0.45, "lock": 0.70}
# Requests from a drill's start to this long after its end are the drill's; the rest are quiet.
GRACE_S = {"restart": 10.0, "kill": 5.0, "lock": 2.0}
SOURCES = ("12345", "110", "court", "petition")
REF = "LOAD-"
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN, END = "<!-- loadtest:begin -->", "<!-- loadtest:end -->"
TARGETS_MS = {"callback": 300.0, "tile": 100.0}
GRID_POINTS = text(
    "SELECT ST_X(p.geom), ST_Y(p.geom) FROM (SELECT geom FROM grid ORDER BY code LIMIT 400) g,"
    " LATERAL ST_Dump(ST_GeneratePoints(g.geom, 5, 7)) p"
)
CLEANUP = (
    "DELETE FROM dispute_event WHERE dispute_id IN (SELECT id FROM dispute WHERE source_ref LIKE :r)",
    "DELETE FROM patrol_task WHERE dispute_id IN (SELECT id FROM dispute WHERE source_ref LIKE :r)",
    "DELETE FROM dispute WHERE source_ref LIKE :r",
)


# -- the database and the server ---------------------------------------------------------------


def load_cluster(home: Path, port: int) -> Any:
    """The load test's own embedded cluster (started; made on first use)."""
    from geodata.db.embedded import EmbeddedCluster

    cluster = EmbeddedCluster(Settings(home=home, embedded_port=port), port=port)
    cluster.start()
    return cluster


def database_urls(cluster: Any, database: str) -> tuple[str, str]:
    """(owner, app role) URLs: ZONGZHI_BENCH_DATABASE_URL's, else the cluster's."""
    from geodata.db.roles import APP_ROLE, as_role

    url = os.environ.get("ZONGZHI_BENCH_DATABASE_URL")
    if url:
        app = os.environ.get("ZONGZHI_BENCH_APP_DATABASE_URL") or as_role(
            url, APP_ROLE, Settings().resolved_home()
        )
        return sqlalchemy_url(url), sqlalchemy_url(app)
    from geodata.db.roles import OWNER_ROLE

    cluster.ensure_database(database)
    return cluster.url(database, role=OWNER_ROLE), cluster.url(database, role=APP_ROLE)


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(owner_url: str, app_url: str, workers: int, log: Path) -> tuple:
    """``zongzhi serve`` on a free loopback port; (process, port) once /healthz answers."""
    port = free_port()
    env = {**os.environ, "ZONGZHI_DATABASE_URL": libpq(app_url),
           "ZONGZHI_OWNER_DATABASE_URL": libpq(owner_url),
           "ZONGZHI_SECRET_KEY": secrets.token_urlsafe(48), "PYTHONPATH": str(ROOT)}  # fmt: skip
    exe = Path(sys.executable).with_name("zongzhi")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(exe), "serve", "--port", str(port), "--workers", str(workers)],
            env=env, cwd=str(ROOT), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    deadline = time.monotonic() + 180
    while request(port, "GET", "/healthz")[0] != 200:
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_process(proc, timeout_s=40)
            raise RuntimeError(
                "zongzhi serve did not start:\n" + log.read_text(errors="replace")[-3000:]
            )
        time.sleep(0.3)
    return proc, port


def workers_of(master: int) -> list[int]:
    """The pids whose parent is ``master`` (gunicorn's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            found.append(int(entry.name))
    return sorted(found)


# -- what the users need -------------------------------------------------------------------------


def _view_tiles(conn: Any, code: str, table: str) -> list[tuple[int, int, int]]:
    """The heat tiles a browser shows for ``code``'s extent: the deepest zoom with at most 12."""
    box = conn.execute(
        text(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT"  # noqa: S608
            f" ST_Extent(ST_Transform(geom, 4326)) e FROM {table} WHERE code = :c) s"
        ),  # fmt: skip
        {"c": code},
    ).one()
    if box[0] is None:
        return []
    for z in range(16, 8, -1):
        tiles = list(mercantile.tiles(*box, zooms=z))
        if len(tiles) <= 12 or z == 9:
            return [(t.z, t.x, t.y) for t in tiles[:12]]
    return []


def leader_areas(conn: Any, root: str) -> list[str]:
    """``root``, its children and grandchildren (at most 30) and a few of its grids."""
    codes = [root]
    level = [root]
    for _ in range(2):
        level = list(conn.execute(text("SELECT code FROM admin_area WHERE parent_code = ANY(:p)"
                                       " ORDER BY code LIMIT 30"), {"p": level}).scalars())  # fmt: skip
        codes += level
    grids = conn.execute(text("SELECT code FROM grid WHERE code LIKE :p ORDER BY code LIMIT 6"),
                         {"p": root + "%"}).scalars()  # fmt: skip
    return codes[:30] + list(grids)


def plan_for(
    owner: Engine, port: int, run: str, users: int, think: float
) -> tuple[Plan, list[int]]:
    """Sessions per role, the leaders' areas and tiles, API keys, texts and points; and the
    ids of the keys (revoked at the end)."""
    from app.web.sessions import COOKIE_NAME
    from geodata.write import tokens
    from geodata.write import users as accounts

    per_role = max(1, users // 4)
    sessions = {
        "display": [bench_session(owner, "display") for _ in range(per_role)],
        "district": [bench_session(owner, "district") for _ in range(per_role)],
        "township": [bench_session(owner, "township") for _ in range(per_role)],
    }
    sessions["desk"] = sessions["district"]  # the district's 调度台 user works the queue
    areas: dict[str, list[str]] = {}
    tiles: dict[str, list[tuple[int, int, int]]] = {}
    key_ids, keys = [], []
    with owner.begin() as conn:
        for role in ("district", "township"):
            name = f"bench_viewer_{role}"
            root = accounts.get_user(conn, name)["area_code"]
            areas[role] = leader_areas(conn, root)
            for code in areas[role]:
                tiles[code] = _view_tiles(conn, code, "grid" if len(code) > 12 else "admin_area")
        for source in SOURCES:
            token_id, key = tokens.add(conn, source, f"bench.loadtest {run}", by="bench")
            key_ids.append(token_id)
            keys.append(key)
        texts = [(d, c) for d, c in conn.execute(text(
            "SELECT description, type_code FROM dispute WHERE length(description) BETWEEN 20 AND 400"
            " AND type_code IS NOT NULL ORDER BY id LIMIT 400"))]  # fmt: skip
        points = [(x, y) for x, y in conn.execute(GRID_POINTS)]
    deps = json.loads(request(port, "GET", "/_dash-dependencies",
                              headers={"Cookie": f"{COOKIE_NAME}={sessions['district'][0]}"})[1])  # fmt: skip
    plan = Plan(port=port, callbacks=Callbacks(deps), sessions=sessions, areas=areas, tiles=tiles,
                api_keys=keys, texts=texts, points=points, run=run, think=think,
                cookie_name=COOKIE_NAME)  # fmt: skip
    return plan, key_ids


# -- the drills ----------------------------------------------------------------------------------


@dataclass
class Drill:
    """One fault, when it started and ended (s since the load began) and what was seen."""

    name: str
    start: float = 0.0
    end: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)


def drill_restart(cluster: Any, record: Record, down_s: float) -> Drill:
    d = Drill("restart", start=record.now())
    cluster.stop()
    d.facts["stopped_after_s"] = round(record.now() - d.start, 2)
    time.sleep(down_s)
    cluster.start()
    d.end = record.now()
    d.facts["database_back_at_s"] = round(d.end, 2)
    return d


def drill_kill(master: int, record: Record) -> Drill:
    before = workers_of(master)
    victim = before[len(before) // 2]
    d = Drill("kill", start=record.now(), facts={"workers_before": len(before), "killed": victim})
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = workers_of(master)
        if len(now) >= len(before) and victim not in now:
            break
        time.sleep(0.1)
    d.end = record.now()
    d.facts["replaced_after_s"] = round(d.end - d.start, 2)
    d.facts["workers_after"] = len(workers_of(master))
    return d


def drill_lock(owner_url: str, record: Record, hold_s: float) -> Drill:
    with psycopg.connect(libpq(owner_url)) as conn:
        d = Drill("lock", start=record.now())
        conn.execute("LOCK TABLE dispute IN ACCESS EXCLUSIVE MODE")
        d.facts["granted_after_s"] = round(record.now() - d.start, 2)
        time.sleep(hold_s)
        conn.rollback()
    d.end = record.now()
    return d


def run_drills(
    names: list[str], seconds: float, record: Record, ctx: dict[str, Any], out: list[Drill]
) -> None:
    """Each drill at its share of the run, in turn (a thread beside the users)."""
    for name in names:
        wait = DRILL_AT[name] * seconds - record.now()
        if wait > 0:
            time.sleep(wait)
        print(f"  [{record.now():6.1f} s] drill: {name}", flush=True)
        if name == "restart":
            out.append(drill_restart(ctx["cluster"], record, ctx["down_s"]))
        elif name == "kill":
            out.append(drill_kill(ctx["master"], record))
        else:
            out.append(drill_lock(ctx["owner_url"], record, ctx["lock_s"]))
        print(f"  [{record.now():6.1f} s] drill {name} done: {out[-1].facts}", flush=True)


# -- figures -------------------------------------------------------------------------------------


def failed(status: int) -> bool:
    return status in (NO_ANSWER, TIMED_OUT) or status >= 400


def percentiles(ms: list[float]) -> dict[str, float]:
    if not ms:
        return {}
    p = np.percentile(ms, [50, 95, 99])
    return {"p50": float(p[0]), "p95": float(p[1]), "p99": float(p[2]), "max": float(max(ms))}


def in_drill(s: Any, drills: list[Drill]) -> bool:
    """Whether request ``s`` overlaps a drill's window (its start to its end + grace)."""
    return any(s.at <= d.end + GRACE_S[d.name] and s.at + s.ms / 1000 >= d.start for d in drills)


def action_figures(record: Record, drills: list[Drill], seconds: float) -> dict[str, Any]:
    """Per action: requests, rate, p50/p95/p99 of the quiet requests, errors quiet and overall."""
    out: dict[str, Any] = {}
    for action in sorted({s.action for s in record.samples}):
        mine = [s for s in record.samples if s.action == action]
        quiet = [s for s in mine if not in_drill(s, drills)]
        out[action] = {
            "requests": len(mine),
            "per_s": len(mine) / seconds,
            "quiet": {
                "requests": len(quiet),
                **percentiles([s.ms for s in quiet]),
                "errors": sum(failed(s.status) for s in quiet),
            },  # fmt: skip
            "errors": sum(failed(s.status) for s in mine),
            "statuses": _histogram(mine),
        }
    return out


def _histogram(samples: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in samples:
        key = {NO_ANSWER: "no answer", TIMED_OUT: "client timeout"}.get(s.status, str(s.status))
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def _overlaps(s: Any, start: float, end: float) -> bool:
    return s.at <= end and s.at + s.ms / 1000 >= start


def drill_outcomes(record: Record, drills: list[Drill], seconds: float) -> list[dict[str, Any]]:
    """What each drill did to the requests, judged against its rule. "During": every request
    that overlaps the drill's window (its start to its end + grace); "after": those that start
    after that and end before the next drill begins."""
    out = []
    for i, d in enumerate(drills):
        later = drills[i + 1].start if i + 1 < len(drills) else seconds + 60
        settled = d.end + GRACE_S[d.name]
        during = [s for s in record.samples if _overlaps(s, d.start, settled)]
        after = [s for s in record.samples if s.at > settled and s.at + s.ms / 1000 < later]
        facts = {**d.facts, "window_s": [round(d.start, 1), round(d.end, 1)],
                 "during": _histogram(during),
                 "during_max_ms": round(max((s.ms for s in during), default=0)),
                 "after": _histogram(after), "after_errors": sum(failed(s.status) for s in after)}  # fmt: skip
        if d.name == "restart":
            late = [s for s in record.samples if s.at >= d.end + 10 and s.at + s.ms / 1000 < later]
            bad = [s for s in late if s.status in (NO_ANSWER, TIMED_OUT) or s.status >= 500]
            facts["rule"] = "no 5xx or unanswered request once the database has been back 10 s"
            facts["violations"] = len(bad)
            ok_after = [s.at + s.ms / 1000 for s in record.samples if s.at >= d.end
                        and not failed(s.status) and not s.action.startswith("tile")]  # fmt: skip
            facts["first_db_success_after_back_s"] = (
                round(min(ok_after) - d.end, 2) if ok_after else None
            )
        elif d.name == "kill":
            facts["rule"] = "requests keep succeeding (those in flight on the killed worker fail)"
            facts["unanswered_in_flight"] = sum(s.status == NO_ANSWER for s in during)
            facts["violations"] = facts["after_errors"]
        else:
            bad = [s for s in during if s.status in (500, NO_ANSWER, TIMED_OUT)]
            facts["rule"] = "only 2xx, 503 or 504 while the lock is held; no 500, nothing hung"
            facts["violations"] = len(bad) + facts["after_errors"]
        out.append(facts)
    return out


# -- checking what the clients were told ---------------------------------------------------------


def verify(owner: Engine, record: Record, run: str, since: datetime) -> dict[str, Any]:
    """Every success the clients were told against the event log: lost, duplicated, extra."""
    with owner.connect() as conn:
        rows = conn.execute(text(
            "SELECT d.source_ref, d.id, (SELECT count(*) FROM dispute_event e WHERE e.dispute_id = d.id"
            " AND e.action = 'accept') FROM dispute d WHERE d.source_ref LIKE :r"),
            {"r": f"{REF}{run}-%"}).all()  # fmt: skip
        events = dict(conn.execute(text(
            "SELECT dispute_id, count(*) FROM dispute_event WHERE action = 'supervise'"
            " AND actor = 'bench_viewer_district' AND at >= :since AND note = :note GROUP BY 1"),
            {"since": since, "note": f"load test {run}"}).all())  # fmt: skip
    stored = {ref: (case_id, accepts) for ref, case_id, accepts in rows}
    told = record.posted
    lost = [ref for ref, cid in told.items() if stored.get(ref, (None,))[0] != cid]
    doubled = [ref for ref, (_, accepts) in stored.items() if accepts != 1]
    unconfirmed = [ref for ref in stored if ref not in told]
    said: dict[int, int] = {}
    for case_id in record.supervised:
        said[case_id] = said.get(case_id, 0) + 1
    doubt: dict[int, int] = {}
    for case_id in record.doubtful:
        doubt[case_id] = doubt.get(case_id, 0) + 1
    desk_lost = [c for c, n in said.items() if events.get(c, 0) < n]
    desk_extra = {c: n - said.get(c, 0) for c, n in events.items() if n > said.get(c, 0)}
    desk_doubled = [c for c, n in desk_extra.items() if n > doubt.get(c, 0)]
    return {
        "open311": {"told_success": len(told), "cases_in_db": len(stored), "lost": lost,
                    "duplicated": doubled, "in_db_never_confirmed": unconfirmed,
                    "never_answered": record.unanswered, "answered_differently": record.reanswered},
        "desk_supervise": {"told_done": len(record.supervised), "events_in_db": sum(events.values()),
                           "lost": desk_lost, "duplicated": desk_doubled,
                           "committed_though_unanswered": sum(desk_extra.values()),
                           "left_in_doubt": len(record.doubtful)},
    }  # fmt: skip


def cleanup(owner: Engine, run: str | None = None) -> int:
    """Delete the Open311 cases of this run (or of every run) with their events."""
    ref = f"{REF}{run}-%" if run else f"{REF}%"
    with owner.begin() as c:
        c.execute(text("ALTER TABLE dispute_event DISABLE TRIGGER dispute_event_append_only"))
        for statement in CLEANUP[:-1]:
            c.execute(text(statement), {"r": ref})
        gone = c.execute(text(CLEANUP[-1]), {"r": ref}).rowcount
        c.execute(text("ALTER TABLE dispute_event ENABLE TRIGGER dispute_event_append_only"))
    return gone


# -- the report ----------------------------------------------------------------------------------


def _kind(action: str) -> str:
    return (
        "tile"
        if action.startswith("tile")
        else "http"
        if action.startswith("open311")
        else "callback"
    )


def markdown(f: dict[str, Any]) -> str:
    """The load test's section of bench/RESULTS.md."""
    lines = [
        BEGIN,
        f"## Load test with fault drills (`make loadtest`) — {f['date']}",
        "",
        f"`python -m bench.loadtest {f['argv']}`: {f['users']} simulated users for {f['seconds']:g} s"
        f" against `zongzhi serve` ({f['workers']} gunicorn workers × 4 threads) on loopback;"
        f" {f['scale']}-scale demo ({f['data']['cases']:,} cases, {f['data']['grids']:,} grids);"
        f" machine: {f['cores']} cores, load average {f['load_average'][0]:.1f} at the start and"
        f" {f['load_average_at_end'][0]:.1f} at the end"
        f" (the client, the server and PostgreSQL share them). Users: {f['user_kinds']}.",
        "",
        "Latency of the requests outside the drills' windows (drill start to its end + grace);"
        " errors (no answer, or HTTP ≥ 400) over the whole run:",
        "",
        "| action | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | errors quiet | errors all |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for action, a in f["actions"].items():
        q = a["quiet"]
        lines.append(
            f"| {action} | {a['requests']:,} | {a['per_s']:.1f} | {q.get('p50', 0):.0f} |"
            f" {q.get('p95', 0):.0f} | {q.get('p99', 0):.0f} | {q.get('max', 0):.0f} |"
            f" {q['errors']} | {a['errors']} |"
        )
    t = f["totals"]
    lines += [
        "",
        f"All: {t['requests']:,} requests, error rate {100 * t['error_rate_quiet']:.2f} % outside"
        f" the drills, {100 * t['error_rate']:.2f} % overall. Targets: callbacks p95 ≤ 300 ms —"
        f" {t['callbacks_target']}; tiles p95 ≤ 100 ms — {t['tiles_target']}; no errors —"
        f" {t['errors_target']}.",
        "",
    ]
    if f["drills"]:
        lines += ["| drill | what happened | answers during (+ grace) | answers after | rule | met |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for d in f["drills"]:
            what = "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in d.items() if k not in
                             ("name", "during", "after", "rule", "violations", "after_errors"))  # fmt: skip
            lines.append(f"| {d['name']} | {what} | {_answers(d['during'])} | {_answers(d['after'])} | {d['rule']} |"
                         f" {'yes' if d['violations'] == 0 else 'no (' + str(d['violations']) + ')'} |")  # fmt: skip
        lines.append("")
    else:
        lines += ["No drills in this run.", ""]
    c = f.get("cpu")
    if c:
        lines += [
            f"CPU during the {c['seconds']:.0f} s: the machine was busy {100 * c['busy_share']:.0f} %"
            f" of its {c['cores']} cores ({c['machine_s']:.0f} CPU-s). The client (simulated users"
            f" and drills, this process) {c['client_s']:.0f} s, the server (gunicorn and its"
            f" workers) {c['server_s']:.0f} s, PostgreSQL and the rest {c['rest_s']:.0f} s; per"
            f" request: client {c['client_ms_per_request']:.1f} ms, server"
            f" {c['server_ms_per_request']:.1f} ms, PostgreSQL and the rest"
            f" {c['rest_ms_per_request']:.1f} ms.",
            "",
        ]
    for note in f["notes"]:
        lines.append(f"- {note}")
    v = f["verify"]
    o, k = v["open311"], v["desk_supervise"]
    lines += [
        "",
        f"Event log against what the clients were told: Open311 {o['told_success']:,} cases"
        f" confirmed, {len(o['lost'])} lost, {len(o['duplicated'])} with other than one 接办 event,"
        f" {len(o['in_db_never_confirmed'])} stored but never confirmed to the client,"
        f" {len(o['never_answered'])} never answered; desk 督办 {k['told_done']:,} told done,"
        f" {len(k['lost'])} lost, {len(k['duplicated'])} duplicated,"
        f" {k['committed_though_unanswered']} committed though the answer was lost.",
        END,
    ]
    return "\n".join(lines) + "\n"


def _answers(counts: dict[str, int]) -> str:
    return ", ".join(f"{status}: {n:,}" for status, n in counts.items()) or "—"


# -- the run -------------------------------------------------------------------------------------


def _args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--scale", choices=SCALES, default="full")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    ap.add_argument("--think", type=float, default=1.0, help="scales every user's pauses")
    ap.add_argument("--drills", default=",".join(DRILLS), help="comma-separated, in this order")
    ap.add_argument("--no-drills", action="store_true")
    ap.add_argument("--down-seconds", type=float, default=5.0, help="restart drill: time down")
    ap.add_argument("--lock-seconds", type=float, default=15.0, help="lock drill: time held")
    ap.add_argument("--cluster-home", type=Path, default=None,
                    help="the load test's own cluster (default <ZONGZHI_HOME>/loadtest)")  # fmt: skip
    ap.add_argument("--cluster-port", type=int, default=CLUSTER_PORT)
    ap.add_argument("--out", default="bench/out/loadtest.json")
    ap.add_argument("--results", default=str(RESULTS), help="markdown file to update ('' = none)")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    drills = [] if args.no_drills else [d for d in args.drills.split(",") if d]
    unknown = set(drills) - set(DRILLS)
    if unknown:
        raise SystemExit(f"unknown drills: {sorted(unknown)}; choose from {DRILLS}")
    external = bool(os.environ.get("ZONGZHI_BENCH_DATABASE_URL"))
    notes = []
    home = args.cluster_home or Settings().resolved_home() / "loadtest"
    cluster = None
    if not external:
        print(f"load-test cluster: {home} (port {args.cluster_port}) …", flush=True)
        cluster = load_cluster(home, args.cluster_port)
    elif "restart" in drills:
        drills.remove("restart")
        notes.append("restart drill skipped: ZONGZHI_BENCH_DATABASE_URL names a database this"
                     " bench did not start and must not restart")  # fmt: skip
    database = DATABASE if args.scale == "full" else f"{DATABASE}_{args.scale}"
    owner_url, app_url = database_urls(cluster, database)
    owner = make_engine(Settings(), owner_url)
    server = None
    key_ids: list[int] = []
    run = secrets.token_hex(3)
    try:
        ensure_demo(owner, args.scale, args.seed)
        cleanup(owner)  # a crashed run's cases
        with owner.connect() as c:
            data = dict(zip(("cases", "grids"), c.execute(text(
                "SELECT (SELECT count(*) FROM dispute), (SELECT count(*) FROM grid)")).one(), strict=True))  # fmt: skip
            since = c.execute(text("SELECT now()")).scalar()
        log = Path(os.environ.get("TMPDIR", "/tmp")) / f"loadtest-{run}-serve.log"
        server, port = start_server(owner_url, app_url, args.workers, log)
        cpu_start = {"machine": _machine_busy_s(), "client": _cpu_s(resource.RUSAGE_SELF),
                     "server": _cpu_s(resource.RUSAGE_CHILDREN)}  # fmt: skip
        run_started = time.monotonic()
        plan, key_ids = plan_for(owner, port, run, args.users, args.think)
        record = Record()
        done: list[Drill] = []
        ctx = {"cluster": cluster, "master": server.pid, "owner_url": owner_url,
               "down_s": args.down_seconds, "lock_s": args.lock_seconds}  # fmt: skip
        load = os.getloadavg()
        print(f"{args.users} users for {args.seconds:g} s against {port} ({args.workers} workers);"
              f" drills: {drills or 'none'}", flush=True)  # fmt: skip
        driller = threading.Thread(
            target=run_drills, args=(drills, args.seconds, record, ctx, done)
        )
        users = threading.Thread(target=run_users,
                                 args=(plan, record, args.users, args.seconds, args.seed))  # fmt: skip
        users.start()
        time.sleep(0.05)  # the users' clock starts first
        driller.start()
        users.join()
        driller.join()
        cpu_end = {"machine": _machine_busy_s(), "client": _cpu_s(resource.RUSAGE_SELF)}
        run_seconds = time.monotonic() - run_started
        time.sleep(1.0)
        checks = verify(owner, record, run, since)
    finally:
        if server is not None:
            stop_process(
                server, timeout_s=40
            )  # its workers' CPU reaches RUSAGE_CHILDREN once it has exited
        try:
            if key_ids:
                from geodata.write import tokens

                with owner.begin() as c:
                    for token_id in key_ids:
                        tokens.revoke(c, token_id, by="bench")
            cleanup(owner, run)
        finally:
            owner.dispose()
            if cluster is not None:
                cluster.stop()
    figures = report(args, record, done, checks, data, load, notes, drills)
    # Server CPU counts up to its exit (a little after the run; its start-up is before cpu_start).
    cpu_end["server"] = _cpu_s(resource.RUSAGE_CHILDREN)
    figures["cpu"] = cpu_split(cpu_start, cpu_end, run_seconds, figures["totals"]["requests"])
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    with open(out.with_suffix(".samples.csv"), "w", encoding="utf-8") as fh:
        fh.write("action,at_s,ms,status,user\n")
        for x in record.samples:
            fh.write(f"{x.action},{x.at:.3f},{x.ms:.1f},{x.status},{x.user}\n")
    section = markdown(figures)
    print(section)
    if args.results:
        # Only the load test's section is replaced: bench.summary's section stays as it is.
        write_section(Path(args.results), section, BEGIN, END)
        print(f"written to {args.results} and {out}")
    return 0


def _machine_busy_s() -> float:
    """CPU seconds the whole machine has spent busy since boot (/proc/stat, all cores)."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _cpu_s(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def cpu_split(start: dict[str, float], end: dict[str, float], seconds: float,
              requests: int) -> dict[str, float]:  # fmt: skip
    """Where the machine's CPU went during the run: the client (this process: the simulated
    users and the drills), the server (``zongzhi serve``: gunicorn and its workers, counted when
    they exit) and the rest (PostgreSQL, mostly) — seconds, share of all cores, ms per request."""
    machine = end["machine"] - start["machine"]
    client = end["client"] - start["client"]
    server = end["server"] - start["server"]
    rest = max(machine - client - server, 0.0)
    cores = os.cpu_count() or 1
    out = {"seconds": seconds, "cores": cores, "machine_s": machine, "client_s": client,
           "server_s": server, "rest_s": rest}  # fmt: skip
    out["busy_share"] = machine / (seconds * cores) if seconds else 0.0
    for part in ("client", "server", "rest"):
        out[f"{part}_ms_per_request"] = 1000 * out[f"{part}_s"] / max(1, requests)
    return out


def report(args: argparse.Namespace, record: Record, done: list[Drill], checks: dict[str, Any],
           data: dict[str, int], load: tuple[float, ...], notes: list[str],
           drills: list[str]) -> dict[str, Any]:  # fmt: skip
    """Every figure of the run, as written to JSON and to bench/RESULTS.md."""
    from bench.load_users import kinds_for

    actions = action_figures(record, done, args.seconds)
    samples = record.samples
    quiet = [s for s in samples if not in_drill(s, done)]

    def target(kind: str) -> str:
        p95s = [(a, f["quiet"].get("p95", 0)) for a, f in actions.items() if _kind(a) == kind]
        worst = max(p95s, key=lambda p: p[1], default=("—", 0.0))
        met = worst[1] <= TARGETS_MS[kind]
        return f"{'met' if met else 'not met'} (worst p95 {worst[1]:.0f} ms, {worst[0]})"

    errors_all = sum(failed(s.status) for s in samples)
    errors_quiet = sum(failed(s.status) for s in quiet)
    kinds = kinds_for(args.users)
    argv = " ".join(args.argv) or "(defaults)"
    if len(drills) < len(DRILLS) and not args.no_drills:
        notes.append(f"drills run: {', '.join(drills) or 'none'}")
    notes.append("each request on a new connection (no keep-alive): a browser's silent resend on a"
                 " closed keep-alive connection would hide the failures the drills look for")  # fmt: skip
    served = Settings()  # the server's environment is this process's
    notes.append(
        "server caches: shared tier "
        + ("Redis (ZONGZHI_REDIS_URL)" if served.redis_url else "in-process, one per worker")
        + f"; display reads (tiles, wall) settle window {served.display_settle_s:g} s"
        " (ZONGZHI_DISPLAY_SETTLE_S): the Open311 sources and desks write several times a second,"
        " so a cache keyed by the exact data version would miss on nearly every request"
    )
    return {
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "argv": argv,
        "machine": platform.platform(),
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in load],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "scale": args.scale,
        "data": data,
        "users": args.users,
        "user_kinds": {k: kinds.count(k) for k in dict.fromkeys(kinds)},
        "seconds": args.seconds,
        "workers": args.workers,
        "think": args.think,
        "actions": actions,
        "totals": {
            "requests": len(samples),
            "error_rate": errors_all / max(1, len(samples)),
            "error_rate_quiet": errors_quiet / max(1, len(quiet)),
            "callbacks_target": target("callback"),
            "tiles_target": target("tile"),
            "errors_target": "met"
            if errors_quiet == 0
            else f"not met ({errors_quiet} outside drills)",
        },
        "drills": [
            {"name": d.name, **f}
            for d, f in zip(done, drill_outcomes(record, done, args.seconds), strict=True)
        ],
        "drill_record": [asdict(d) for d in done],
        "verify": checks,
        "notes": notes,
    }


if __name__ == "__main__":
    raise SystemExit(main())

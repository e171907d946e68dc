"""The simulated users of ``bench.loadtest``: walls, leaders on the map, the dispatch desk and the
source systems posting through Open311, each a thread sending what its browser (or system) sends.

Each request goes on a new loopback connection (``Connection: close``): a browser would keep the
connection alive and silently resend on one the server had closed, which would hide exactly the
failures the fault drills look for. Dash callbacks are POSTed to ``/_dash-update-component`` with
bodies built from the server's own ``/_dash-dependencies``, so the load follows the pages' ids.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DASH_CALLBACK = "/_dash-update-component"
OPEN311_POST = "/open311/v2/requests.json"
CLIENT_TIMEOUT_S = 60.0
# Status of a request that got no HTTP answer: the connection failed, or the client gave up.
NO_ANSWER, TIMED_OUT = 0, -1
# What each kind of user waits between steps (seconds, before ``think`` scales it). A wall
# refreshes every 5 s here, six times the shipped 30 s: eight load-test walls ask what about
# fifty real ones would.
PAUSES = {"wall": (5.0, 5.0), "leader": (1.0, 3.0), "desk": (2.0, 4.0), "open311": (1.0, 3.0)}
# Out of every 25 users (after the first of each kind): 12 leaders, 4 walls, 4 desks, 5 sources.
WEIGHTS = (("leader", 12), ("wall", 4), ("desk", 4), ("open311", 5))
LEADER_ROLES = ("district", "township")
PERIODS = ("30d", "90d", "365d", "year", "month")
# Attempts at one Open311 post: a source system resends the same reference until it is answered.
POST_ATTEMPTS = 6


def kinds_for(users: int) -> list[str]:
    """The kind of each simulated user: one of each first, then by ``WEIGHTS``."""
    order = [k for k, _ in WEIGHTS]
    out = order[:users]
    total = sum(w for _, w in WEIGHTS)
    while len(out) < users:
        have = {k: out.count(k) for k in order}
        out.append(max(order, key=lambda k: dict(WEIGHTS)[k] / total - have[k] / (len(out) + 1)))
    return out


@dataclass
class Sample:
    """One request: what for, when it started (s since the load began), how long, its status."""

    action: str
    at: float
    ms: float
    status: int
    user: int


@dataclass
class Record:
    """Everything the users saw, appended from many threads (list.append is atomic)."""

    started: float = field(default_factory=time.perf_counter)
    samples: list[Sample] = field(default_factory=list)
    # Open311: source_ref → the service_request_id the client was told; refs never answered.
    posted: dict[str, int] = field(default_factory=dict)
    unanswered: list[str] = field(default_factory=list)
    reanswered: list[tuple[str, int, int]] = field(default_factory=list)
    # Desk: case ids of every supervise the desk was told was done, and of those left in doubt
    # (no answer, or a 5xx: it may have committed).
    supervised: list[int] = field(default_factory=list)
    doubtful: list[int] = field(default_factory=list)

    def now(self) -> float:
        return time.perf_counter() - self.started


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One request on its own connection: (status, body); NO_ANSWER or TIMED_OUT without one."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=CLIENT_TIMEOUT_S)
    try:
        conn.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        resp = conn.getresponse()
        return resp.status, resp.read()
    except TimeoutError:
        return TIMED_OUT, b""
    except (OSError, http.client.HTTPException):
        return NO_ANSWER, b""
    finally:
        conn.close()


class Callbacks:
    """Request bodies for the app's Dash callbacks, found by an output they write (and, when
    several write it, an input that triggers the one meant) in ``/_dash-dependencies``."""

    def __init__(self, dependencies: list[dict[str, Any]]) -> None:
        self.dependencies = [d for d in dependencies if not d.get("clientside_function")]

    @staticmethod
    def outputs(spec: dict[str, Any]) -> list[tuple[str, str]]:
        out = spec["output"]
        parts = out[2:-2].split("...") if out.startswith("..") else [out]
        return [tuple(p.rsplit(".", 1)) for p in parts]  # type: ignore[misc]

    def find(self, output: str, trigger: str | None = None) -> dict[str, Any]:
        hits = [
            d
            for d in self.dependencies
            if any(f"{i}.{p.split('@')[0]}" == output for i, p in self.outputs(d))
            and (
                trigger is None or any(f"{i['id']}.{i['property']}" == trigger for i in d["inputs"])
            )
        ]
        if len(hits) != 1:
            raise LookupError(f"{len(hits)} callbacks write {output} (trigger {trigger})")
        return hits[0]

    def body(
        self,
        output: str,
        values: dict[str, Any],
        trigger: str | None = None,
        changed: list[str] | None = None,
    ) -> bytes:
        """The JSON body the browser sends: ``values`` maps "id.prop" to a value; a pattern-
        matching ALL item takes "type.prop" → {index: value}."""
        spec = self.find(output, trigger)
        outs = self.outputs(spec)
        listed = [{"id": i, "property": p} for i, p in outs]

        def arg(item: dict[str, str]) -> Any:
            cid, prop = item["id"], item["property"]
            if cid.startswith("{"):
                kind = json.loads(cid)["type"]
                return [
                    {"id": {"index": k, "type": kind}, "property": prop, "value": v}
                    for k, v in values.get(f"{kind}.{prop}", {}).items()
                ]
            return {"id": cid, "property": prop, "value": values.get(f"{cid}.{prop}")}

        return json.dumps(
            {
                "output": spec["output"],
                "outputs": listed if spec["output"].startswith("..") else listed[0],
                "inputs": [arg(i) for i in spec["inputs"]],
                "state": [arg(s) for s in spec.get("state", [])],
                "changedPropIds": changed
                if changed is not None
                else [f"{i['id']}.{i['property']}" for i in spec["inputs"]],
            },
            ensure_ascii=False,
        ).encode("utf-8")


def response_values(body: bytes) -> dict[str, Any]:
    """ "id.prop" → value of a callback's answer (empty for 204 or an unreadable body)."""
    try:
        answer = json.loads(body)["response"]
    except (ValueError, KeyError, TypeError):
        return {}
    return {f"{cid}.{p}": v for cid, props in answer.items() for p, v in props.items()}


@dataclass
class Plan:
    """What the users need to know about the server and the data."""

    port: int
    callbacks: Callbacks
    sessions: dict[str, list[str]]  # role → session tokens (one per user of that role)
    areas: dict[str, list[str]]  # leader role → the areas a leader of it drills through
    tiles: dict[str, list[tuple[int, int, int]]]  # area → the heat tiles its view shows
    api_keys: list[str]  # one per source system
    texts: list[tuple[str, str]]  # (description, service_code)
    points: list[tuple[float, float]]  # (lon, lat) inside the grids
    run: str  # this run's tag in every source_ref
    think: float = 1.0
    cookie_name: str = "zongzhi_session"

    def browser(self, token: str) -> dict[str, str]:
        return {
            "Cookie": f"{self.cookie_name}={token}",
            "Origin": f"http://127.0.0.1:{self.port}",
            "Content-Type": "application/json",
        }


class User:
    """One simulated user: ``step`` once per turn until ``stop`` is set."""

    def __init__(self, index: int, plan: Plan, record: Record, rng: random.Random) -> None:
        self.index, self.plan, self.record, self.rng = index, plan, record, rng

    def send(
        self, action: str, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        at = self.record.now()
        t0 = time.perf_counter()
        status, data = request(self.plan.port, method, path, body, headers)
        ms = (time.perf_counter() - t0) * 1000
        self.record.samples.append(Sample(action, at, ms, status, self.index))
        return status, data

    def pause(self, kind: str) -> float:
        low, high = PAUSES[kind]
        return self.rng.uniform(low, high) * self.plan.think

    def run(self, stop: threading.Event) -> None:
        stop.wait(self.rng.uniform(0, 1.0) * self.plan.think)  # not all in the same instant
        while not stop.is_set():
            stop.wait(self.step())

    def step(self) -> float:
        raise NotImplementedError


class Wall(User):
    """A wall display (大屏): the refresh callback, on its timer."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        tokens = self.plan.sessions["display"]
        self.headers = self.plan.browser(tokens[self.index % len(tokens)])

    def step(self) -> float:
        body = self.plan.callbacks.body("wall-figures.children", {"wall-tick.n_intervals": 1})
        self.send("wall: refresh", "POST", DASH_CALLBACK, body, self.headers)
        return self.pause("wall")


class Leader(User):
    """A district or township leader on the map: drills into areas and changes the period, and
    the map fetches the heat tiles of each view."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.role = LEADER_ROLES[self.index % len(LEADER_ROLES)]
        tokens = self.plan.sessions[self.role]
        self.headers = self.plan.browser(tokens[self.index % len(tokens)])
        self.area = self.plan.areas[self.role][0]
        self.period = "365d"
        self.shown: dict[str, str] | None = None

    def _search(self) -> str:
        query = {"area": self.area}
        if self.period != "365d":
            query["period"] = self.period
        return "?" + urllib.parse.urlencode(query)

    def _tiles(self) -> None:
        query = "" if self.period == "365d" else f"?period={self.period}"
        headers = {"Cookie": self.headers["Cookie"]}
        for z, x, y in self.plan.tiles.get(self.area, [])[:12]:
            path = f"/tiles/heat/disputes/{z}/{x}/{y}.png{query}"
            self.send("tile: heat disputes", "GET", path, None, headers)

    def _update_map(self, action: str) -> None:
        body = self.plan.callbacks.body(
            "areas-geometry-url.data",
            {"url.search": self._search(), "current-area.data": self.shown},
        )
        status, data = self.send(action, "POST", DASH_CALLBACK, body, self.headers)
        stored = response_values(data).get("current-area.data") if status == 200 else None
        if isinstance(stored, dict):
            self.shown = stored

    def step(self) -> float:
        if self.shown is None or self.rng.random() < 0.6:
            areas = self.plan.areas[self.role]
            self.area = self.rng.choice(areas)
            self._update_map("map: drill (update_map)")
        else:
            self.period = self.rng.choice([p for p in PERIODS if p != self.period])
            body = self.plan.callbacks.body(
                "url.search",
                {"filter-period.value": self.period, "url.search": self._search()},
                trigger="filter-period.value",
                changed=["filter-period.value"],
            )
            self.send("map: filter (controls_to_url)", "POST", DASH_CALLBACK, body, self.headers)
            self._update_map("map: filter (update_map)")
        self._tiles()
        return self.pause("leader")


class Desk(User):
    """The dispatch desk (调度台): refresh the queue, open a case, 督办 it (supervise, level 3:
    a repeat of 挂牌督办 is allowed, a lower level after it is not)."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        tokens = self.plan.sessions["desk"]
        self.headers = self.plan.browser(tokens[self.index % len(tokens)])
        self.refresh = 0

    def step(self) -> float:
        cb = self.plan.callbacks
        body = cb.body("dispatch-queue.data", {"dispatch-refresh.data": self.refresh})
        status, data = self.send("desk: queue refresh", "POST", DASH_CALLBACK, body, self.headers)
        rows = response_values(data).get("dispatch-queue.data") if status == 200 else None
        if not rows:
            return self.pause("desk")
        case_id = self.rng.choice(rows)["id"]
        body = cb.body("dispatch-drawer.children",
                       {"dispatch-case.data": case_id, "dispatch-refresh.data": self.refresh})  # fmt: skip
        status, data = self.send("desk: open case", "POST", DASH_CALLBACK, body, self.headers)
        drawer = response_values(data) if status == 200 else {}
        actions = [o.get("value") for o in drawer.get("dispatch-action.options") or []]
        if "supervise" not in actions:
            return self.pause("desk")
        values = {
            "dispatch-submit.n_clicks": 1,
            "dispatch-action.value": "supervise",
            "dispatch-field.value": {"level": 3, "note": f"load test {self.plan.run}"},
            "dispatch-case.data": case_id,
            "dispatch-version.data": drawer.get("dispatch-version.data"),
            "dispatch-refresh.data": self.refresh,
        }
        body = cb.body("dispatch-message.children", values, trigger="dispatch-submit.n_clicks",
                       changed=["dispatch-submit.n_clicks"])  # fmt: skip
        status, data = self.send(
            "desk: supervise (submit)", "POST", DASH_CALLBACK, body, self.headers
        )
        self.refresh += 1
        if status == 200 and b"dispatch-note ok" in data:
            self.record.supervised.append(case_id)
        elif status == NO_ANSWER or status == TIMED_OUT or status >= 500:
            self.record.doubtful.append(case_id)
        return self.pause("desk")


class Source(User):
    """A source system (12345 hotline, 110 …) posting cases with its own key and references;
    a post left unanswered is sent again with the same reference, as such systems do."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.key = self.plan.api_keys[self.index % len(self.plan.api_keys)]
        self.count = 0

    def step(self) -> float:
        description, code = self.rng.choice(self.plan.texts)
        lon, lat = self.rng.choice(self.plan.points)
        ref = f"LOAD-{self.plan.run}-{self.index}-{self.count}"
        self.count += 1
        fields = {"api_key": self.key, "service_code": code, "description": description,
                  "lat": f"{lat:.6f}", "long": f"{lon:.6f}", "attribute[source_ref]": ref,
                  "last_name": "张", "phone": f"139{self.rng.randrange(10**8):08d}"}  # fmt: skip
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        for attempt in range(POST_ATTEMPTS):
            status, data = self.send("open311: POST request", "POST", OPEN311_POST, body, headers)
            if status in (200, 201):
                got = int(json.loads(data)[0]["service_request_id"])
                told = self.record.posted.setdefault(ref, got)
                if attempt and told != got:
                    self.record.reanswered.append((ref, told, got))
                return self.pause("open311")
            if 400 <= status < 500:  # refused as sent: resending the same would not help
                return self.pause("open311")
            time.sleep(min(2.0, 0.25 * 2**attempt))
        self.record.unanswered.append(ref)
        return self.pause("open311")


KINDS: dict[str, Callable[..., User]] = {"wall": Wall, "leader": Leader, "desk": Desk,
                                         "open311": Source}  # fmt: skip


def run_users(plan: Plan, record: Record, users: int, seconds: float, seed: int) -> None:
    """``users`` simulated users for ``seconds``; returns when every one has finished its step."""
    stop = threading.Event()
    threads = []
    for i, kind in enumerate(kinds_for(users)):
        user = KINDS[kind](i, plan, record, random.Random(seed + i))
        threads.append(threading.Thread(target=user.run, args=(stop,), name=f"{kind}-{i}"))
    record.started = time.perf_counter()
    for th in threads:
        th.start()
    stop.wait(seconds)
    stop.set()
    for th in threads:
        th.join()

"""Wall (大屏) endurance: the page kept open with an accelerated refresh, its memory watched.

    python -m bench.wall_endurance [--minutes 10] [--refresh-s 1] [--every-s 60]
                                   [--scale full|small] [--seed N]               (from the repo root)

Starts ``zongzhi serve`` (gunicorn, one worker) on the map benches' database
(``zongzhi_map_bench``, or ZONGZHI_BENCH_DATABASE_URL / ZONGZHI_BENCH_APP_DATABASE_URL; an empty
database first gets the demo at ``--scale``) with the wall refreshing every ``--refresh-s``
seconds, opens /wall in headless system Chromium as the display account at 1920×1080, and after
a forced garbage collection (DevTools ``HeapProfiler.collectGarbage``) samples the JS heap in use,
the DOM nodes alive (attached or not: ``Performance.getMetrics``), the elements in the document
and the event listeners — at the start, every ``--every-s`` seconds, and at the end. The baseline
is the first sample. It asserts nothing (tests/browser/test_wall_browser.py runs the same
sampler for two minutes and does).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.common import (
    MAP_BENCH_DATABASE,
    add_scale_arguments,
    bench_app_url,
    bench_session,
    bench_url,
    ensure_demo,
    stop_process,
)
from geodata.db.engine import make_engine
from geodata.settings import Settings

CHROMIUM = os.environ.get("ZONGZHI_CHROMIUM", "/usr/bin/chromium")
REFRESH_PATH = "/_dash-update-component"
ATTACHED = """() => { const walk = document.createTreeWalker(document, NodeFilter.SHOW_ALL);
    let n = 1; while (walk.nextNode()) { n++; } return n; }"""


def sample(page, cdp) -> dict[str, float]:  # noqa: ANN001
    """Memory of a page after a full garbage collection: JS heap in use (bytes), DOM nodes alive
    (``nodes``), nodes and elements in the document (``attached``, ``elements``), event
    listeners. ``nodes - attached`` are detached nodes still held: what a DOM leak leaves."""
    cdp.send("HeapProfiler.collectGarbage")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {
        "heap": metrics["JSHeapUsedSize"],
        "nodes": metrics["Nodes"],
        "attached": page.evaluate(ATTACHED),
        "elements": page.evaluate("document.getElementsByTagName('*').length"),
        "listeners": metrics["JSEventListeners"],
    }


def watch(page, cdp) -> dict[str, Any]:  # noqa: ANN001
    """Start watching a page: DevTools metrics on, its refreshes counted (``refreshes``)."""
    cdp.send("Performance.enable")
    cdp.send("HeapProfiler.enable")
    counts = {"refreshes": 0, "failed": 0}

    def on_response(resp) -> None:  # noqa: ANN001
        if resp.url.endswith(REFRESH_PATH):
            counts["refreshes" if resp.status == 200 else "failed"] += 1

    page.on("response", on_response)
    return counts


def endure(page, cdp, seconds: float, every_s: float,  # noqa: ANN001
           report: Callable[[float, dict[str, float]], None] = lambda _t, _s: None,
           ) -> list[tuple[float, dict[str, float]]]:  # fmt: skip
    """Samples at the start, every ``every_s`` and after ``seconds``, as (elapsed s, sample)."""
    started = time.monotonic()
    samples = []
    while True:
        elapsed = time.monotonic() - started
        samples.append((elapsed, sample(page, cdp)))
        report(*samples[-1])
        if elapsed >= seconds:
            return samples
        page.wait_for_timeout(1000 * min(every_s, max(0.0, seconds - elapsed)))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def _server(refresh_s: int) -> Iterator[str]:
    port = _free_port()
    log = Path(tempfile.mkdtemp(prefix="bench-wall-")) / "serve.log"
    env = {**os.environ, "ZONGZHI_DATABASE_URL": bench_app_url(MAP_BENCH_DATABASE),
           "ZONGZHI_OWNER_DATABASE_URL": bench_url(MAP_BENCH_DATABASE),
           "ZONGZHI_SECRET_KEY": secrets.token_urlsafe(48),
           "ZONGZHI_WALL_REFRESH_S": str(refresh_s)}  # fmt: skip
    exe = Path(sys.executable).with_name("zongzhi")
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(exe), "serve", "--port", str(port), "--workers", "1"],
                                env=env, stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2):
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("zongzhi serve did not start:\n"
                                       + log.read_text(errors="replace")[-2000:]) from None  # fmt: skip
                time.sleep(0.3)
        yield base
    finally:
        stop_process(proc, timeout_s=10)


def _line(elapsed: float, s: dict[str, float]) -> None:
    print(f"{elapsed:>8.0f}{s['heap'] / 2**20:>12.2f}{s['nodes']:>10,.0f}"
          f"{s['nodes'] - s['attached']:>10,.0f}{s['elements']:>10,.0f}{s['listeners']:>11,.0f}",
          flush=True)  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--refresh-s", type=int, default=1)
    ap.add_argument("--every-s", type=float, default=60)
    ap.add_argument("--out", default="bench/out/wall_endurance.json")
    add_scale_arguments(ap)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from app.web.sessions import COOKIE_NAME

    owner = make_engine(Settings(), bench_url(MAP_BENCH_DATABASE))
    ensure_demo(owner, args.scale, args.seed)
    token = bench_session(owner, role="display")
    with _server(args.refresh_s) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
        context.add_cookies([{"name": COOKIE_NAME, "value": token, "url": base}])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        counts = watch(page, cdp)
        page.goto(f"{base}/wall")
        page.wait_for_selector(".wall-tick-row", timeout=120_000)
        page.wait_for_timeout(10_000)  # the map's tiles and the first refreshes settle
        print(f"/wall open, refresh every {args.refresh_s} s, for {args.minutes:g} minutes")
        print(
            f"{'seconds':>8}{'heap MiB':>12}{'nodes':>10}{'detached':>10}{'elements':>10}{'listeners':>11}"
        )
        samples = endure(page, cdp, args.minutes * 60, args.every_s, _line)
        browser.close()
    (_, first), (elapsed, last) = samples[0], samples[-1]
    change = {k: last[k] - first[k] for k in first}
    print(f"refreshes landed: {counts['refreshes']:,} ({counts['refreshes'] / elapsed:.2f}/s),"
          f" failed: {counts['failed']}")  # fmt: skip
    print(f"end vs start (baseline): heap {change['heap'] / 2**20:+.2f} MiB"
          f" ({100 * change['heap'] / first['heap']:+.1f} %), nodes {change['nodes']:+,.0f},"
          f" elements {change['elements']:+,.0f}, listeners {change['listeners']:+,.0f}")  # fmt: skip
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "scale": args.scale, "seed": args.seed,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "refresh_s": args.refresh_s, "seconds": elapsed, "refreshes": counts["refreshes"],
        "failed": counts["failed"], "samples": samples, "change": change,
    }, indent=2), encoding="utf-8")  # fmt: skip


if __name__ == "__main__":
    main()

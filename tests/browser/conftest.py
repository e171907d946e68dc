"""A live server on a free port against the test database, and headless system Chromium."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("ZONGZHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[str]:
    """``zongzhi serve`` (gunicorn, one worker) on a free port with ``env`` on top of ours: its
    base URL once /healthz answers; stopped on exit."""
    port = _free_port()
    exe = Path(sys.executable).with_name("zongzhi")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(exe), "serve", "--port", str(port), "--workers", "1"],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as resp:
                if resp.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("server did not start:\n" + log.read_text(errors="replace")[-3000:])
        time.sleep(0.3)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def server_env(db_url: str, app_db_url: str) -> dict[str, str]:
    """A real deployment: an external database URL (the app's own role; migrations, already
    done, as the owner) and a key of its own."""
    return {
        "ZONGZHI_DATABASE_URL": app_db_url,
        "ZONGZHI_OWNER_DATABASE_URL": db_url,
        "ZONGZHI_SECRET_KEY": secrets.token_urlsafe(48),
    }


@pytest.fixture(scope="session")
def live_server(db_url: str, app_db_url: str, demo_db, tmp_path_factory) -> Iterator[str]:  # noqa: ANN001
    """``zongzhi serve`` (gunicorn) as a user would run it, pointed at the test database."""
    log = tmp_path_factory.mktemp("server") / "serve.log"
    with serve(server_env(db_url, app_db_url), log) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        pytest.skip(f"system Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class PageWatch:
    """A page that records console errors, page errors and every request URL."""

    def __init__(self, page) -> None:  # noqa: ANN001
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))


VIEWER = "b_city"


def viewer_session(engine) -> str:  # noqa: ANN001
    """A live session of the browser tests' viewer (created when missing)."""
    from datetime import timedelta

    from geodata.write import sessions, users

    with engine.begin() as conn:
        if users.get_user(conn, VIEWER) is None:
            users.add_user(
                conn, VIEWER, "browser-viewer-password", "city", display_name="测试值班员"
            )
        return sessions.start(conn, VIEWER, lifetime=timedelta(hours=2))


@pytest.fixture()
def anonymous_page(browser) -> Iterator[PageWatch]:  # noqa: ANN001
    """A browser tab nobody is signed in on."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    watch = PageWatch(context.new_page())
    yield watch
    context.close()


@pytest.fixture()
def page(browser, live_server, engine) -> Iterator[PageWatch]:  # noqa: ANN001
    """A browser tab signed in as a viewer (every page needs a signed-in user)."""
    from app.web.sessions import COOKIE_NAME

    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    context.add_cookies(
        [{"name": COOKIE_NAME, "value": viewer_session(engine), "url": live_server}]
    )
    watch = PageWatch(context.new_page())
    watch.token = context.cookies()[0]["value"]
    yield watch
    context.close()

"""Large exports in the background: a request queues a job and returns at once; a small pool of
threads per worker makes the file under the asking user's scope (row-level security and masking
as for the page), telling the job row how far it has got, so a page reload still shows the bar
and other users are never blocked. Files live in the private home folder (``exports/``)."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from app.context import scoped_transaction
from domain.clock import now as local_now
from domain.scope import Scope
from geodata.settings import Settings
from geodata.write import exports as jobs
from geodata.write.users import get_user
from reports.build import build
from reports.data import ReportRequest

log = logging.getLogger(__name__)
EXTENSIONS = {"pdf": "pdf", "xlsx": "xlsx", "gpkg": "gpkg", "csv": "csv"}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv; charset=utf-8",
}
_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="zongzhi-export")


def folder(settings: Settings) -> Path:
    """The private folder exports are written to (created 0700)."""
    path = settings.resolved_home() / "exports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def request_of(params: dict[str, Any]) -> ReportRequest:
    return ReportRequest(
        params["area"], date.fromisoformat(params["start"]), date.fromisoformat(params["end"]),
        tuple(params.get("types") or ()), tuple(params.get("sources") or ()),
        tuple(params.get("statuses") or ()), tuple(params.get("risks") or ()),
    )  # fmt: skip


def run(engine: Engine, settings: Settings, job_id: int, username: str, lang: str) -> None:
    """Make the file of one job (in a pool thread)."""
    with scoped_transaction(engine, Scope.anonymous()) as conn:
        conn.execute(_signin(username))
        user = get_user(conn, username)
    if user is None or not user["active"]:
        return
    who = Scope.of_user(user)
    with scoped_transaction(engine, who) as conn:
        job = jobs.get(conn, job_id)
        jobs.update(conn, job_id, status="running", progress=1, stage="start")
    if job is None:
        return
    name = f"{job_id}.{EXTENSIONS[job['format']]}"
    path = folder(settings) / name

    def progress(percent: int, stage: str) -> None:
        with scoped_transaction(engine, who) as c:
            jobs.update(c, job_id, progress=percent, stage=stage)

    try:
        with scoped_transaction(engine, who) as conn:
            build(conn, request_of(job["params"]), job["format"], str(path), user=who.user or "",
                  role=who.role, lang=lang, progress=progress)  # fmt: skip
        os.chmod(path, 0o600)
        with scoped_transaction(engine, who) as conn:
            jobs.update(conn, job_id, status="done", progress=100, stage="done", file_name=name,
                        finished_at=local_now())  # fmt: skip
    except Exception as exc:  # noqa: BLE001 — the job says it failed; the log has the trace
        log.exception("export %s failed", job_id)
        with scoped_transaction(engine, who) as conn:
            jobs.update(
                conn, job_id, status="failed", error=str(exc)[:500], finished_at=local_now()
            )


def _signin(username: str):  # noqa: ANN202
    from sqlalchemy import text

    return text("SELECT set_config('zongzhi.signin', :u, true)").bindparams(u=username[:64])


def submit(engine: Engine, settings: Settings, job_id: int, username: str, lang: str) -> None:
    """Hand a queued job to the pool."""
    _pool.submit(run, engine, settings, job_id, username, lang)

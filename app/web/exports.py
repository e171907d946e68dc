"""Report downloads: queue a background export of the map's current view, ask how far it is,
fetch the file. Signed-in users with ``reports.export`` only; a job is its owner's alone (row-level
security), so another user's job id is simply not found."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request, send_file

from app import exports
from app.context import connection, engine, scope, settings
from app.pages.map.state import state_of
from domain.clock import LOCAL_TZ
from geodata.write import exports as jobs
from geodata.write.users import city_code

blueprint = Blueprint("exports", __name__)
EARLIEST = date(2000, 1, 1)


def _refuse(status: int, message: str) -> Response:
    return Response(f'{{"error": "{message}"}}\n', status=status, mimetype="application/json")


def params_of(search: str, city: str) -> dict[str, Any]:
    """The report parameters of a map view (its URL query): area, whole local days, filters."""
    view = state_of(search)
    now = datetime.now(LOCAL_TZ)
    start, end = view.filters.window(now)
    first = start.date() if start else EARLIEST
    # The window is [start, end); a window ending at midnight ends with the day before.
    if end is None:
        last = now.date()
    elif end.time() == end.time().min:
        last = date.fromordinal(end.date().toordinal() - 1)
    else:
        last = end.date()
    f = view.filters
    return {"area": view.area or city, "start": first.isoformat(), "end": max(last, first).isoformat(),
            "types": list(f.types), "sources": list(f.sources), "statuses": list(f.statuses),
            "risks": list(f.risks)}  # fmt: skip


def queue_export(fmt: str, search: str) -> int:
    """Queue a job for the caller and hand it to the pool; its id."""
    who = scope()
    with connection() as conn:
        params = params_of(search, city_code(conn) or "")
        job_id = jobs.queue(conn, who.user or "", fmt, params)
    exports.submit(engine(), settings(), job_id, who.user or "", settings().language)
    return job_id


@blueprint.post("/exports")
def create() -> Response:
    if not scope().may("reports.export"):
        return _refuse(403, "forbidden")
    body = request.get_json(silent=True)
    fmt = body.get("format") if isinstance(body, dict) else None
    search = body.get("search", "") if isinstance(body, dict) else ""
    if fmt not in exports.EXTENSIONS or not isinstance(search, str) or len(search) > 4000:
        return _refuse(400, "bad_request")
    return jsonify({"id": queue_export(fmt, search)})


@blueprint.get("/exports/<int:job_id>")
def status(job_id: int) -> Response:
    with connection() as conn:
        job = jobs.get(conn, job_id)
    if job is None:
        return _refuse(404, "not_found")
    keys = ("id", "format", "status", "progress", "stage", "error")
    return jsonify({k: job[k] for k in keys})


@blueprint.get("/exports/<int:job_id>/file")
def download(job_id: int) -> Response:
    with connection() as conn:
        job = jobs.get(conn, job_id)
    if job is None or job["status"] != "done" or not job["file_name"]:
        return _refuse(404, "not_found")
    path = exports.folder(settings()) / job["file_name"]
    if not path.is_file():
        return _refuse(410, "gone")
    name = f"zongzhi-{job['params']['area']}-{job['params']['start']}-{job['params']['end']}.{job['format']}"
    return send_file(path, mimetype=exports.MEDIA_TYPES[job["format"]], as_attachment=True,
                     download_name=name)  # fmt: skip

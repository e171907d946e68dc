"""The audit trail as CSV: the /audit page's current search, every matching row, newest first.

A POST from the page's form (the same-origin check holds, and a link or an image cannot start
it), administrators only. The export is itself audited (``audit.export``, with the search) in
its own transaction before the first byte goes out, so an export broken off midway is on record
too; the rows are then read under the caller's row-level security and streamed a batch at a time.
UTF-8 with a byte-order mark, so Excel opens the Chinese correctly. A cell that would start a
formula in a spreadsheet (``= + - @``, tab, CR: user names come from the sign-in form) gets a
leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, Response, request, stream_with_context

from app.context import connection, scope, settings
from app.pages.audit.state import compact, local_time, search_of
from domain.clock import now
from domain.i18n import t
from geodata.read import audit as reading
from geodata.write.users import record_audit

blueprint = Blueprint("audit", __name__)
COLUMNS = ("id", "at", "user", "role", "action", "object", "detail")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BATCH_ROWS = 1000
MAX_FORM = 4000


def _plain(status: int, message: str) -> Response:
    resp = Response(message + "\n", status=status, mimetype="text/plain")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def cell(value: Any) -> str:
    """A value as a CSV cell that no spreadsheet runs as a formula."""
    out = "" if value is None else str(value)
    return "'" + out if out.startswith(FORMULA_START) else out


def csv_line(values: list[Any]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerow([cell(v) for v in values])
    return buf.getvalue()


def entry_line(row: dict[str, Any]) -> str:
    """One audit entry as a CSV line (time in Beijing time, detail as compact JSON)."""
    return csv_line([row["id"], local_time(row["at"]), row["user_name"], row["role"],
                     row["action"], row["object"], compact(row["detail"])])  # fmt: skip


@blueprint.post("/audit/export.csv")
def export_csv() -> Response:
    who = scope()
    if not who.may("audit.view"):
        return _plain(403, "forbidden")
    form = request.form.get("search") or "{}"
    try:
        if len(form) > MAX_FORM:
            raise ValueError(form[:40])
        search, applied = search_of(json.loads(form))
    except (ValueError, RecursionError):  # a search the page never sends, or no JSON at all
        return _plain(400, "bad search")
    with connection() as conn:
        record_audit(conn, who.user or "", who.role, "audit.export", None, {"search": applied})
    lang = settings().language

    def lines() -> Iterator[str]:
        yield "\ufeff" + csv_line([t(f"audit.col.{c}", lang) for c in COLUMNS])
        batch: list[str] = []
        with connection(who) as conn:
            for row in reading.rows(conn, search, BATCH_ROWS):
                batch.append(entry_line(row))
                if len(batch) >= BATCH_ROWS:
                    yield "".join(batch)
                    batch = []
        yield "".join(batch)

    name = f"audit-{now():%Y%m%d-%H%M%S}.csv"
    resp = Response(stream_with_context(lines()), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["Cache-Control"] = "no-store"
    return resp

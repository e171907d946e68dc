"""Bad input never crashes a request: what the guard refuses up front, and what becomes of an
error that still happens.

* A NUL character anywhere in the path, the query string, a form or a JSON body (PostgreSQL text
  cannot hold one; no real value contains one) → 400 before any work.
* A database that does not answer → 503 with one plain line; a statement over its timeout → 504
  and a lock that was not granted in time → 503, each saying what to do.
* Any other error while handling a Dash callback: its inputs come from the client (a forged or
  stale payload, a callback id that is not a server callback, a wrongly typed value), so it is
  answered 400 with one plain line; the stack trace goes to the log, never to the client.
* Any other error elsewhere: 500 with one plain line (the log has the trace), never a trace page.
"""

from __future__ import annotations

import logging

import psycopg
from flask import Flask, Response, request
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
DASH_CALLBACK = "/_dash-update-component"


def _plain(status: int, text: str) -> Response:
    resp = Response(text + "\n", status=status, mimetype="text/plain")
    resp.headers["Cache-Control"] = "no-store"
    return resp


def has_nul() -> bool:
    """Whether the request carries a NUL character anywhere we read."""
    if "\x00" in request.path or b"\x00" in request.query_string or b"%00" in request.query_string:
        return True
    if request.method in ("POST", "PUT", "PATCH"):
        body = request.get_data(cache=True)
        if b"\x00" in body or b"\\u0000" in body or b"%00" in body:
            return True
    return False


def _refuse_nul() -> Response | None:
    if has_nul():
        return _plain(400, "bad request: NUL character")
    return None


def _on_error(error: Exception) -> Response:
    if isinstance(error, HTTPException):
        return error  # type: ignore[return-value] — 404, 405 … keep their own answer
    cause = getattr(error, "orig", None)
    if isinstance(cause, psycopg.errors.QueryCanceled):
        log.warning("query timed out for %s %s", request.method, request.path)
        return _plain(504, "query took too long; narrow the area or the period and try again")
    if isinstance(cause, psycopg.errors.LockNotAvailable):
        log.warning("lock timeout for %s %s", request.method, request.path)
        return _plain(503, "the data is busy being updated; try again in a moment")
    if isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        log.warning("database unavailable for %s %s: %s", request.method, request.path, error)
        return _plain(503, "database unavailable")
    log.exception("request failed: %s %s", request.method, request.path)
    if request.path == DASH_CALLBACK:
        return _plain(400, "bad request: the callback could not use its inputs")
    return _plain(500, "internal error (logged)")


def init_app(server: Flask) -> None:
    """Install the guard on ``server`` (first in line, before sign-in)."""
    server.before_request_funcs.setdefault(None, []).insert(0, _refuse_nul)
    server.register_error_handler(Exception, _on_error)

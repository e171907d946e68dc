"""Conditional responses shared by the geometry and tile routes: ETag, 304 and Cache-Control.

Every response is ``private``: each is behind sign-in and most depend on who asks (row-level
security), so no shared cache between the browser and us may keep one.
"""

from __future__ import annotations

from flask import Response, request


def respond(
    body: bytes | None, mimetype: str, etag: str, max_age: int, scope: str = "private"
) -> Response:
    """200 with the body, or 304 when ``body`` is None; both carry the ETag and max-age."""
    resp = Response(status=304) if body is None else Response(body, mimetype=mimetype)
    resp.set_etag(etag)
    resp.headers["Cache-Control"] = f"{scope}, max-age={max_age}"
    return resp


def not_modified(etag: str, max_age: int, scope: str = "private") -> Response | None:
    """304 when the browser already holds this ETag (checked before anything is built)."""
    if request.if_none_match and etag in request.if_none_match:
        return respond(None, "", etag, max_age, scope)
    return None

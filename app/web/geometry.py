"""Flask routes beside the Dash pages: area geometry as geobuf, and the health check."""

from __future__ import annotations

import geobuf
from flask import Blueprint, Response, abort, jsonify

from app.context import engine, read_connection, settings
from app.web import auth
from app.web.httpcache import not_modified, respond
from geodata.read import areas as queries
from geodata.read.versions import data_version

blueprint = Blueprint("zongzhi", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    """200 when the database answers, 503 otherwise; details only for a signed-in user."""
    db = queries.health(engine())
    ok = db["database"] == "ok"
    body = {"status": "ok" if ok else "not ok"}
    if ok and auth.current_user() is not None:
        body.update({"app": "ok", **db})
    return jsonify(body), 200 if ok else 503


@blueprint.get("/api/geo/children/<code>.pbf")
def children_geobuf(code: str) -> Response:
    """Simplified child polygons of one area, geobuf-encoded, cacheable by the browser."""
    with read_connection() as conn:
        level = queries.level_of(conn, code)
        if level is None or level == "grid":
            abort(404)
        # Geometry changes only with a write to the areas, so (area, areas' version) names it: a browser that
        # already has it gets 304 before anything is built.
        etag = f"{code}-{data_version(conn, 'areas')}"
        max_age = settings().cache_max_age_s
        early = not_modified(etag, max_age)
        if early is not None:
            return early
        body = geobuf.encode(queries.children_geojson(conn, code, level))
    # The URL carries the data version (?v=), so a long max-age cannot serve stale geometry.
    return respond(body, "application/x-protobuf", etag, max_age)

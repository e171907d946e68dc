"""Flask routes beside the Dash pages: area geometry as geobuf, and the health check."""

from __future__ import annotations

import geobuf
from flask import Blueprint, Response, abort, jsonify

from app.context import connection, engine, settings
from app.web.httpcache import not_modified, respond
from geodata.read import areas as queries

blueprint = Blueprint("zongzhi", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    """200 with details when the database answers, 503 otherwise."""
    db = queries.health(engine())
    status = 200 if db["database"] == "ok" else 503
    return jsonify({"app": "ok", **db}), status


@blueprint.get("/api/geo/children/<code>.pbf")
def children_geobuf(code: str) -> Response:
    """Simplified child polygons of one area, geobuf-encoded, cacheable by the browser."""
    with connection() as conn:
        level = queries.level_of(conn, code)
        if level is None or level == "grid":
            abort(404)
        # Geometry changes only with a load, so (area, data version) names it: a browser that
        # already has it gets 304 before anything is built.
        etag = f"{code}-{queries.data_version(conn)}"
        max_age = settings().cache_max_age_s
        early = not_modified(etag, max_age)
        if early is not None:
            return early
        body = geobuf.encode(queries.children_geojson(conn, code, level))
    # The URL carries the data version (?v=), so a long max-age cannot serve stale geometry.
    return respond(body, "application/x-protobuf", etag, max_age)

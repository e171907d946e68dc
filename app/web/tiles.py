"""Tile routes: heat PNGs, Mapbox vector tiles, and a local basemap folder.

Heat and vector tiles are cached in the shared cache (``geodata.cache``: Redis when configured)
under everything their bytes depend on — kind/layer, filters with the period resolved to dates,
frame, the caller's scope, the data version of the families drawn, z/x/y — and carry an ETag
built from the same key, so a browser revalidating gets 304 before anything is drawn. The
version is read on every request (one primary-key lookup) and settled (``cache.settled_version``):
a write shows within ``display_settle_s`` seconds (on the next tile when that is 0).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, request, send_file

# Tiles only read: from the read replica when there is one, keyed by the versions it holds.
from app.context import read_cache_scope as cache_scope
from app.context import read_connection as connection
from app.context import read_data_version as data_version
from app.context import settings
from app.web import auth
from app.web.httpcache import not_modified, respond
from geodata import cache
from geodata.read import tiles as geotiles
from layers import heat
from layers.filters import LOCAL_TZ, MapFilters

blueprint = Blueprint("tiles", __name__)

MVT_MIMETYPE = "application/vnd.mapbox-vector-tile"
BASEMAP_MIMETYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def _etag(key: tuple[Any, ...]) -> str:
    return hashlib.sha1(repr(key).encode(), usedforsecurity=False).hexdigest()[:20]


def _settled_version(database: str, families: tuple[str, ...]) -> int:
    """The families' data version as this request's tiles are keyed by (``cache.settled_version``)."""
    return cache.settled_version(database, families, data_version(*families))


def _max_age(filters: MapFilters, now: datetime) -> int:
    """The configured max-age, cut at local midnight when the period is relative to today."""
    configured = settings().cache_max_age_s
    if filters.period == "all" or (filters.period == "custom" and filters.end is not None):
        return configured
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
    return max(0, min(configured, int((midnight - now).total_seconds())))


@blueprint.get("/tiles/heat/<kind>/<int:z>/<int:x>/<int:y>.png")
def heat_tile(kind: str, z: int, x: int, y: int) -> Response:
    """A 256×256 heat tile (palette PNG with per-entry alpha) of disputes or patrol visits."""
    if kind not in geotiles.HEAT_KINDS or not geotiles.tile_exists(z, x, y):
        abort(404)
    frame = request.args.get("crs", "wgs84")
    if frame not in geotiles.CRS_FRAMES:
        abort(400)
    now = datetime.now(LOCAL_TZ)
    filters = MapFilters.from_query(request.args)
    params = heat.Params(kind=kind, z=z, x=x, y=y, filters=filters, crs=frame, now=now)
    max_age = _max_age(filters, now)
    database, who = cache_scope()
    version = _settled_version(database, geotiles.HEAT_FAMILIES[kind])
    key = cache.key_of(database, who, "heat_tile", version, params.cache_key(version))
    etag = _etag(key)
    early = not_modified(etag, max_age)
    if early is not None:
        return early
    body = cache.peek(key)  # a hit needs no database connection at all
    if body is None:
        with connection() as conn:
            body = cache.build_and_store(key, lambda: heat.render(heat.fetch(conn, params), params))
    return respond(body, "image/png", etag, max_age)


@blueprint.get("/tiles/<layer>/<int:z>/<int:x>/<int:y>.pbf")
def vector_tile(layer: str, z: int, x: int, y: int) -> Response:
    """An MVT tile of grids (with dispute counts) or dispute points under the map filters.

    Dispute points need ``dispute_points.view`` (403 otherwise); points and counts are the
    caller's jurisdiction only (row-level security). A tile holds at most ``MVT_MAX_FEATURES`` features (newest
    disputes first) and ``MVT_MAX_BYTES``; a cut tile says so in ``X-Tile-Capped`` (the
    feature limit applied).
    """
    if layer not in geotiles.MVT_LAYERS or not geotiles.tile_exists(z, x, y):
        abort(404)
    if layer == "disputes" and not auth.may("dispute_points.view"):
        abort(403)
    now = datetime.now(LOCAL_TZ)
    filters = MapFilters.from_query(request.args)
    start, end = heat.day_window(filters, now)
    max_age = _max_age(filters, now)
    params = (
        layer,
        filters.key(),
        start.isoformat() if start else "",
        end.isoformat() if end else "",
        z,
        x,
        y,
    )
    database, who = cache_scope()
    version = _settled_version(database, geotiles.MVT_FAMILIES[layer])
    key = cache.key_of(database, who, "vector_tile", version, *params)
    etag = _etag(key)
    early = not_modified(etag, max_age)
    if early is not None:
        return early
    tile = cache.peek(key)
    if tile is None:
        flt = heat.tile_dispute_filter(filters, now)
        with connection() as conn:
            tile = cache.build_and_store(
                key,
                lambda: geotiles.vector_tile(conn, layer, z, x, y, flt),
            )
    resp = respond(tile.body, MVT_MIMETYPE, etag, max_age)
    if tile.capped_at is not None:
        resp.headers["X-Tile-Capped"] = str(tile.capped_at)
    return resp


@blueprint.get("/basemap/<int:z>/<int:x>/<int:y>.<ext>")
def basemap_tile(z: int, x: int, y: int, ext: str) -> Response:
    """A tile from the local XYZ folder ``basemap_dir``; 404 when absent or not configured."""
    folder = settings().basemap_dir
    if folder is None or ext not in BASEMAP_MIMETYPES or not geotiles.tile_exists(z, x, y):
        abort(404)
    # Only integers and a whitelisted extension reach the path: nothing can climb out.
    path = folder.expanduser().resolve() / str(z) / str(x) / f"{y}.{ext}"
    if not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype=BASEMAP_MIMETYPES[ext],
        max_age=settings().cache_max_age_s,
        conditional=True,
        etag=True,
    )


@blueprint.get("/tiles/<path:rest>")
@blueprint.get("/basemap/<path:rest>")
def no_such_tile(rest: str) -> Response:
    """404 for any other path under the tile prefixes (not the Dash page's catch-all)."""
    abort(404)

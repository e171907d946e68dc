"""Tile routes: heat PNGs, Mapbox vector tiles, and a local basemap folder.

Heat and vector tiles are cached in-process (LRU) by everything their bytes depend on —
kind/layer, filters with the period resolved to dates, frame, data version, z/x/y — and carry
an ETag built from the same key, so a browser revalidating gets 304 before anything is drawn.
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from datetime import datetime, timedelta
from typing import Any

from cachetools import TTLCache
from flask import Blueprint, Response, abort, current_app, request, send_file
from sqlalchemy import Engine

from app.context import connection, engine, settings
from app.web import auth
from app.web.httpcache import not_modified, respond
from geodata.read import areas as queries
from geodata.read import tiles as geotiles
from layers import heat
from layers.filters import LOCAL_TZ, MapFilters

blueprint = Blueprint("tiles", __name__)

MVT_MIMETYPE = "application/vnd.mapbox-vector-tile"
BASEMAP_MIMETYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
_EXTENSION = "zongzhi_tiles"
_SETUP_LOCK = threading.Lock()


def _tile_cache() -> tuple[TTLCache[tuple[Any, ...], Any], threading.Lock]:
    """This app's tile cache (made on first use, sized by ``tile_cache_items``).

    LRU with entries expiring after ``cache_max_age_s``: the data version changes only with a
    load, so a status changed by the workflow shows on the map within that time at most.
    """
    state = current_app.extensions.get(_EXTENSION)
    if state is None:
        with _SETUP_LOCK:
            state = current_app.extensions.get(_EXTENSION)
            if state is None:
                cache: TTLCache[tuple[Any, ...], Any] = TTLCache(
                    maxsize=max(settings().tile_cache_items, 1),
                    ttl=max(settings().cache_max_age_s, 1),
                )
                state = (cache, threading.Lock())
                current_app.extensions[_EXTENSION] = state
    return state


# A map view asks for ~20 tiles at once: the data version is read from the database at most
# once per this many seconds per engine, so a cached tile needs no database round trip.
VERSION_TTL_S = 2.0
_VERSIONS: weakref.WeakKeyDictionary[Engine, tuple[float, int]] = weakref.WeakKeyDictionary()


def _data_version() -> int:
    """The data version (``queries.data_version``), re-read after ``VERSION_TTL_S``."""
    eng = engine()
    now = time.monotonic()
    seen = _VERSIONS.get(eng)
    if seen is not None and now - seen[0] < VERSION_TTL_S:
        return seen[1]
    with connection() as conn:
        version = queries.data_version(conn)
    _VERSIONS[eng] = (now, version)
    return version


def _etag(key: tuple[Any, ...]) -> str:
    return hashlib.sha1(repr(key).encode(), usedforsecurity=False).hexdigest()[:20]


def _max_age(filters: MapFilters, now: datetime) -> int:
    """The configured max-age, cut at local midnight when the period is relative to today."""
    configured = settings().cache_max_age_s
    if filters.period == "all" or (filters.period == "custom" and filters.end is not None):
        return configured
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), LOCAL_TZ)
    return max(0, min(configured, int((midnight - now).total_seconds())))


def _cached(key: tuple[Any, ...], build: Any) -> Any:
    cache, lock = _tile_cache()
    with lock:
        hit = cache.get(key)
    if hit is not None:
        return hit
    value = build()
    with lock:
        cache[key] = value
    return value


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
    key = params.cache_key(_data_version())
    etag = _etag(key)
    early = not_modified(etag, max_age)
    if early is not None:
        return early

    def build() -> bytes:
        with connection() as conn:
            return heat.render(heat.fetch(conn, params), params)

    return respond(_cached(key, build), "image/png", etag, max_age)


@blueprint.get("/tiles/<layer>/<int:z>/<int:x>/<int:y>.pbf")
def vector_tile(layer: str, z: int, x: int, y: int) -> Response:
    """An MVT tile of grids (with dispute counts) or dispute points under the map filters.

    Dispute points need ``dispute_points.view`` (403 otherwise) and are limited to the user's
    district when the user has one. A tile holds at most ``MVT_MAX_FEATURES`` features (newest
    disputes first) and ``MVT_MAX_BYTES``; a cut tile says so in ``X-Tile-Capped`` (the
    feature limit applied).
    """
    if layer not in geotiles.MVT_LAYERS or not geotiles.tile_exists(z, x, y):
        abort(404)
    district: str | None = None
    if layer == "disputes":
        if not auth.may("dispute_points.view"):
            abort(403)
        user = auth.current_user()
        district = user.get("district_code") if user else None
    now = datetime.now(LOCAL_TZ)
    filters = MapFilters.from_query(request.args)
    start, end = heat.day_window(filters, now)
    max_age = _max_age(filters, now)
    key = (
        "mvt",
        layer,
        district or "",
        filters.key(),
        start.isoformat() if start else "",
        end.isoformat() if end else "",
        _data_version(),
        z,
        x,
        y,
    )
    etag = _etag(key)
    # Points are for signed-in roles only: no shared cache may keep them.
    scope = "private" if layer == "disputes" else "public"
    early = not_modified(etag, max_age, scope)
    if early is not None:
        return early

    def build() -> geotiles.VectorTile:
        flt = heat.tile_dispute_filter(filters, now)
        with connection() as conn:
            return geotiles.vector_tile(conn, layer, z, x, y, flt, district_code=district)

    tile = _cached(key, build)
    resp = respond(tile.body, MVT_MIMETYPE, etag, max_age, scope)
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

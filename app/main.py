"""The Dash app factory; nothing happens at import time."""

from __future__ import annotations

import threading
from pathlib import Path

import dash
from dash import _callback
from sqlalchemy import Engine

from geodata.settings import Settings

HERE = Path(__file__).parent


def create_app(
    settings: Settings, engine: Engine | None = None, read_engine: Engine | None = None
) -> dash.Dash:
    """Build the dashboard: Flask routes, Dash pages, one engine shared by every request (and
    one on the read replica for read-only pages and tiles, when configured)."""
    from app.web import audit, auth, guard, guide, headers, login, open311, secret, tiles
    from app.web import exports as export_routes
    from app.web import geometry as routes
    from geodata import cache
    from geodata.db.engine import make_engine, make_read_engine
    from geodata.db.roles import check_app_role

    # Dash keeps the callbacks its page imports declare in module-level lists until the app
    # takes its first request. An app built earlier in this process and never set up (tests,
    # a factory called twice) left its own there: they would be set up a second time in this
    # one, so every callback would be listed twice. Ours are declared again by the page imports.
    _callback.GLOBAL_CALLBACK_LIST.clear()
    _callback.GLOBAL_CALLBACK_MAP.clear()
    _callback.GLOBAL_INLINE_SCRIPTS.clear()
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        title="呼和浩特市综治中心",
        update_title=None,
        suppress_callback_exceptions=True,
        # Offline: Dash serves its own JS/CSS bundles, never a CDN.
        serve_locally=True,
    )
    app.server.config["SECRET_KEY"] = secret.resolve(settings)
    engine = engine or make_engine(settings)
    # Row-level security holds only for a role that is not superuser, owner or BYPASSRLS.
    check_app_role(engine)
    read_engine = read_engine or make_read_engine(settings)
    if read_engine is not None:
        check_app_role(read_engine)  # the replica's copy of the app role: the same rule
    app.server.extensions["zongzhi"] = {
        "settings": settings,
        "engine": engine,
        "read_engine": read_engine,
    }
    cache.configure(
        settings.redis_url,
        items=settings.tile_cache_items,
        timeout_s=settings.cache_max_age_s,
        settle_s=settings.display_settle_s,
    )
    app.server.register_blueprint(routes.blueprint)
    app.server.register_blueprint(tiles.blueprint)
    app.server.register_blueprint(login.blueprint)
    app.server.register_blueprint(export_routes.blueprint)
    app.server.register_blueprint(audit.blueprint)
    auth.init_app(app.server, settings)  # sign-in routes, cookie, same-origin writes, rate limit
    guide.init_app(app.server, settings)  # the public guide, its own per-address limits
    headers.init_app(app, settings)  # CSP with Dash's inline-script hashes, no framing
    guard.init_app(app.server)  # NUL refused up front; errors answered in one line, never a trace
    open311.init_app(app.server, settings)  # intake API by key; its own checks ahead of guard's
    app.layout = dash.html.Div(
        [dash.page_container], lang="zh-CN" if settings.language == "zh" else "en"
    )
    app.index_string = app.index_string.replace("<html>", '<html lang="zh-CN">')
    return app


def server():  # noqa: ANN201 — gunicorn factory: ``gunicorn 'app.main:server()'``
    """The WSGI app built from environment settings, set up before it takes traffic."""
    flask_app = create_app(Settings()).server
    # Dash fills its registry of JS bundles on the first request, and a second request arriving
    # meanwhile (gthread workers) is refused "not a registered library" (plotly/dash#3971).
    # One request here, before gunicorn hands the worker any traffic, closes that window.
    flask_app.test_client().get("/")
    threading.Thread(target=_warm_patrol_snapshot, args=(flask_app,), daemon=True).start()
    from app import jobs

    zz = flask_app.extensions["zongzhi"]
    jobs.start(zz["engine"], zz["settings"])
    return flask_app


def _warm_patrol_snapshot(flask_app) -> None:  # noqa: ANN001
    """Load the in-memory patrol points (seconds at full scale) before the first heat tile asks."""
    from sqlalchemy import text

    from app.context import scoped_transaction
    from domain.scope import Scope
    from geodata.read import tiles

    try:
        zz = flask_app.extensions["zongzhi"]
        # Heat tiles read the replica when there is one: warm the snapshot they will use. The
        # snapshot is kept per scope (row-level security decides its rows): warm the city-wide
        # one the wall and the city desk use; other scopes build theirs on first use.
        engine = zz["read_engine"] or zz["engine"]
        with engine.connect() as conn:
            city = conn.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
        if city is None:
            return
        with scoped_transaction(engine, Scope(user="system", role="city", areas=(city,))) as conn:
            tiles.patrol_snapshot(conn)
    except Exception:  # noqa: BLE001 — a cold snapshot is loaded on first use instead
        flask_app.logger.exception("patrol snapshot warm-up failed")

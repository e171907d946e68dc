"""Security headers on every response, with a Content-Security-Policy built for this app.

Scripts: our own files plus the sha256 hashes of the inline scripts Dash writes into its index
page (``Dash.csp_hashes``, computed once the app is set up). Styles allow inline ones (Leaflet
and React set element styles; no script can come in that way). Images also from the configured
basemap's tile host, nothing else from anywhere. No framing (``frame-ancestors 'none'`` and
``X-Frame-Options: DENY``); ``Referrer-Policy: same-origin`` keeps ``Origin`` a real origin on our
own POSTs, which the same-origin check needs.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import dash
from flask import Response

from app.web.basemap import basemap_spec
from geodata.settings import Settings


def tile_hosts(settings: Settings) -> list[str]:
    """CSP sources for the basemap's tiles ('{s}' subdomains become a wildcard)."""
    try:
        layers = basemap_spec(settings)["layers"]
    except ValueError:
        return []
    hosts: set[str] = set()
    for layer in layers:
        parts = urlsplit(layer["url"])
        if not parts.scheme or not parts.netloc:
            continue  # our own /basemap/ route: 'self'
        host = re.sub(r"^[^.]*\{s\}[^.]*\.", "*.", parts.netloc)
        hosts.add(f"{parts.scheme}://{host}")
    return sorted(hosts)


def policy(app: dash.Dash, settings: Settings) -> str:
    """The Content-Security-Policy value for this app."""
    scripts = " ".join(["'self'", *app.csp_hashes()])
    images = " ".join(["'self'", "data:", "blob:", *tile_hosts(settings)])
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {scripts}",
            "style-src 'self' 'unsafe-inline'",
            f"img-src {images}",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app: dash.Dash, settings: Settings) -> None:
    """Add the headers to every response of ``app``'s server."""
    built: list[str] = []

    def add(resp: Response) -> Response:
        if not built:  # after the first request every page and callback is registered
            built.append(policy(app, settings))
        resp.headers.setdefault("Content-Security-Policy", built[0])
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return resp

    app.server.after_request(add)

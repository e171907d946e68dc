"""The breadcrumb from the city down to the viewed area; every ancestor is a link.

The links are plain anchors (open in a new tab, copy): a plain click is taken in-page by
``assets/map.js``, which writes the map's own URL the way a click on the map does. A
``dcc.Link`` would also tell Dash's page router, which then rebuilds the whole page while the
map callbacks answer for the old one, and whichever lands last wins.
"""

from __future__ import annotations

from typing import Any

from dash import html


def breadcrumb(path: list[dict[str, str]]) -> list:
    """Crumbs for ``path`` (city first; each node's code, name, level, and href but the last)."""
    crumbs: list[Any] = []
    for i, node in enumerate(path):
        if i:
            crumbs.append(html.Span(" › ", className="crumb-sep"))
        if i == len(path) - 1:
            crumbs.append(
                html.Span(node["name"], className="crumb current", **{"data-level": node["level"]})
            )
        else:
            crumbs.append(html.A(node["name"], href=node["href"], className="crumb"))
    return crumbs

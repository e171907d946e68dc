"""What a layer says, in the user's language: messages, popups and tooltips (HTML-escaped).

Layers name catalogue keys (``layers.presentation``); here they become text, and each feature's
``popup`` / ``tooltip`` becomes the HTML string assets/map.js binds. Every value from the
database is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from domain.i18n import t
from layers.presentation import Msg, Popup, Text


def translate(value: Any, lang: str) -> Any:
    """``value`` with every message and text in it (through dicts and lists) in ``lang``."""
    if isinstance(value, Msg):
        words = t(value.key, lang)
        return words.format(**value.args) if value.args else words
    if isinstance(value, Text):
        return " ".join(translate(part, lang) for part in value.parts)
    if isinstance(value, Popup):
        return popup_html(value, lang)
    if isinstance(value, dict):
        return {k: translate(v, lang) for k, v in value.items()}
    if isinstance(value, list):
        return [translate(v, lang) for v in value]
    return value


def popup_html(popup: Popup, lang: str) -> str:
    """The popup as a titled table; titles, labels and values escaped."""
    rows = "".join(
        f"<tr><th>{escape(translate(label, lang))}</th>"
        f"<td>{escape(str(_value(value, lang)))}</td></tr>"
        for label, value in popup.rows
    )
    title = escape(translate(popup.title, lang))
    return f"<div class='map-popup'><b>{title}</b><table>{rows}</table></div>"


def _value(value: Any, lang: str) -> Any:
    return "—" if value is None else translate(value, lang)


def with_popups(geojson: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    """The collection with each feature's ``popup`` and ``tooltip`` as escaped HTML in ``lang``."""
    if geojson is None:
        return None
    features = []
    for feature in geojson.get("features", []):
        p = dict(feature["properties"])
        if "popup" in p:
            p["popup"] = popup_html(p["popup"], lang)
        if "tooltip" in p:
            p["tooltip"] = escape(translate(p["tooltip"], lang))
        features.append({**feature, "properties": p})
    return {"type": "FeatureCollection", "features": features}

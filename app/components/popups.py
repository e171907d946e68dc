"""Popups, tooltips and legends for the point and footprint overlays (translated, HTML-escaped).

Layers return plain GeoJSON with codes; here each feature gets a ``popup`` / ``tooltip`` property
in the user's language that assets/map.js binds. Every value from the database is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from domain.i18n import t
from layers import buildings, key_persons


def _rows(pairs: list[tuple[str, Any]]) -> str:
    return "".join(
        f"<tr><th>{escape(label)}</th><td>{escape(str(value if value is not None else '—'))}</td></tr>"
        for label, value in pairs
    )


def _popup(title: str, pairs: list[tuple[str, Any]]) -> str:
    return f"<div class='map-popup'><b>{escape(title)}</b><table>{_rows(pairs)}</table></div>"


def with_popups(kind: str, geojson: dict[str, Any], lang: str) -> dict[str, Any]:
    """The collection with translated ``popup`` and ``tooltip`` on each feature."""
    features = []
    for feature in geojson.get("features", []):
        p = dict(feature["properties"])
        if kind == "points":
            p["popup"] = _popup(
                p.get("title") or "",
                [
                    (t("dispute_points.type", lang), p.get("type_name")),
                    (t("dispute_points.status", lang), t(f"status.{p.get('status')}", lang)),
                    (t("key_persons.risk", lang), t(f"risk.{p.get('risk_level')}", lang)),
                    (t("filter.sources", lang), t(f"source.{p.get('source')}", lang)),
                    (t("dispute_points.reported_at", lang), p.get("reported_at")),
                    (t("dispute_points.source_ref", lang), p.get("source_ref")),
                ],
            )
        elif kind == "key_persons":
            # A dark ring tells a person from a dispute point of the same risk colour.
            p.update(stroke="#222", weight=2, radius=7)
            p["popup"] = _popup(
                p.get("name") or "",
                [
                    (t("key_persons.category", lang), p.get("category")),
                    (t("key_persons.risk", lang), t(f"risk.{p.get('risk_level')}", lang)),
                    (t("key_persons.id_number", lang), p.get("id_number")),
                    (t("key_persons.phone", lang), p.get("phone")),
                    (t("key_persons.grid", lang), p.get("grid_name")),
                ],
            )
        elif kind == "buildings":
            p["tooltip"] = escape(
                f"{p.get('address') or p.get('code')} · {p.get('floors')} "
                f"{t('buildings.floors', lang)} · {p.get('units') or 0} {t('buildings.units', lang)}"
            )
        features.append({**feature, "properties": p})
    return {"type": "FeatureCollection", "features": features}


def risk_legend(lang: str) -> list[tuple[str, str]]:
    return [(color, t(f"risk.{risk}", lang)) for risk, color in key_persons.RISK_COLORS.items()]


def floors_legend(lang: str) -> list[tuple[str, str]]:
    bounds = [1, *(b + 1 for b in buildings.FLOOR_BREAKS)]
    labels = []
    for i, color in enumerate(buildings.FLOOR_COLORS):
        low = bounds[i]
        high = buildings.FLOOR_BREAKS[i] if i < len(buildings.FLOOR_BREAKS) else None
        span = f"{low}–{high}" if high else f"≥{low}"
        labels.append((color, f"{span} {t('buildings.floors', lang)}"))
    return labels

"""Legend blocks of the map's layers: colour swatches with labels, or a colour ramp."""

from __future__ import annotations

from typing import Any

from dash import html

from app.components.popups import translate
from layers.presentation import Legend, RampLegend


def legend_block(title: str, rows: list[tuple[str, str]], note: str = "") -> html.Div:
    """A title, one (colour swatch, label) row each, and an optional note below."""
    children: list[Any] = [html.Div(title, className="legend-title")]
    for color, label in rows:
        children.append(
            html.Div(
                [html.Span(className="swatch", style={"background": color}), html.Span(label)],
                className="legend-row",
            )
        )
    if note:
        children.append(html.Div(note, className="legend-note"))
    return html.Div(children, className="legend-block")


def ramp_block(
    title: str, stops: list[tuple[float, str]], low: str, high: str, note: str = ""
) -> html.Div:
    """A colour ramp from ``low`` to ``high``; ``stops`` are (position 0..1, colour)."""
    gradient = ", ".join(f"{color} {at * 100:.0f}%" for at, color in stops)
    return html.Div(
        [
            html.Div(title, className="legend-title"),
            html.Div(
                className="heat-ramp", style={"background": f"linear-gradient(90deg, {gradient})"}
            ),
            html.Div([html.Span(low), html.Span(high)], className="heat-ends"),
            html.Div(note, className="legend-note") if note else None,
        ],
        className="legend-block",
    )


def legend(spec: Legend | RampLegend | None, lang: str) -> html.Div | list:
    """A layer's legend in ``lang`` (nothing for a layer without one)."""
    if spec is None:
        return []
    note = translate(spec.note, lang) if spec.note is not None else ""
    if isinstance(spec, RampLegend):
        return ramp_block(
            translate(spec.title, lang),
            list(spec.stops),
            translate(spec.low, lang),
            translate(spec.high, lang),
            note,
        )
    rows = [(color, translate(label, lang)) for color, label in spec.rows]
    return legend_block(translate(spec.title, lang), rows, note)

"""Summary cards over the map: the level of the viewed area and its headline figures."""

from __future__ import annotations

from dash import html

from domain.i18n import t

FIGURES = ("grids", "residents", "disputes", "open_disputes")


def summary_cards(summary: dict[str, int], level: str, lang: str = "zh") -> list:
    """A level tag, then one card per figure of ``summary`` (id ``summary-<figure>``)."""
    cards = [html.Div(t(f"level.{level}", lang), className="level-tag")]
    for key in FIGURES:
        cards.append(
            html.Div(
                [
                    html.Div(f"{summary[key]:,}", className="figure"),
                    html.Div(t(f"summary.{key}", lang)),
                ],
                className="card",
                id=f"summary-{key}",
            )
        )
    return cards

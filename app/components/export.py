"""The map's report export: one button per format, a progress bar and the finished file's link.
The job runs in the background; its id is kept in the browser's local storage, so the bar picks
up again after a reload."""

from __future__ import annotations

from dash import dcc, html

from app import ids
from domain.i18n import t

FORMATS = ("pdf", "xlsx", "gpkg", "csv")


def export_panel(lang: str, allowed: bool) -> list:
    """The panel (nothing for a role that may not export)."""
    if not allowed:
        return []
    return [
        html.Label(t("export.title", lang)),
        html.Div(
            [
                html.Button(
                    t(f"export.{f}", lang),
                    n_clicks=0,
                    className="export-button",
                    id={"type": ids.EXPORT_BUTTON, "index": f},
                )
                for f in FORMATS
            ],
            className="export-buttons",
        ),  # fmt: skip
        html.Div(id=ids.EXPORT_STATUS, className="export-status", role="status"),
        dcc.Store(id=ids.EXPORT_JOB, storage_type="local"),
        dcc.Interval(id=ids.EXPORT_POLL, interval=1000, disabled=True),
    ]


def status_view(job: dict | None, lang: str) -> list:
    """What the panel shows for a job: its progress, the link when done, or why it failed."""
    if not job:
        return []
    if job["status"] == "done":
        return [html.A(t("export.download", lang).format(fmt=job["format"].upper()),
                       href=f"/exports/{job['id']}/file", className="export-link")]  # fmt: skip
    if job["status"] == "failed":
        return [html.Span(t("export.failed", lang), className="export-failed")]
    return [
        html.Progress(value=str(job["progress"]), max="100", className="export-progress"),
        html.Span(t("export.working", lang).format(percent=job["progress"])),
    ]

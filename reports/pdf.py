"""The PDF report (WeasyPrint): HTML from a packaged template, pictures drawn from the report's
tables, Noto Sans CJK embedded and subsetted by WeasyPrint, so the Chinese text is real text that
can be searched and copied."""

from __future__ import annotations

import base64
from importlib import resources

from jinja2 import Environment, select_autoescape

from domain.i18n import t
from reports import charts
from reports.data import ReportData
from reports.tables import kpi_items, tables


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def html(d: ReportData, lang: str = "zh") -> str:
    """The report as one HTML document (pictures inline)."""
    source = (resources.files("reports") / "templates" / "report.html").read_text("utf-8")
    env = Environment(autoescape=select_autoescape(default=True), keep_trailing_newline=True)
    r = d.request
    title = t("report.title", lang).format(area=d.area_name)
    filters = [", ".join(v) for v in (r.types, r.sources, r.statuses, r.risks) if v]
    images = {
        "map": _data_uri(charts.area_map(d.children, d.area_name, t("report.cases", lang))),
        "trend": _data_uri(charts.trend([m["month"] for m in d.monthly],
                                        [m["cases"] for m in d.monthly], t("report.trend", lang))),
        "types": _data_uri(charts.bars([x["label"] for x in d.types], [x["cases"] for x in d.types],
                                       t("report.types", lang))),
        "sources": _data_uri(charts.bars([t(f"source.{x['code']}", lang) for x in d.sources],
                                         [x["cases"] for x in d.sources], t("report.sources", lang))),
    }  # fmt: skip
    labels = {
        k: t(f"report.{k}", lang)
        for k in ("kpis", "map", "trend", "types", "sources", "none", "masked")
    }
    return env.from_string(source).render(
        lang_tag="zh-CN" if lang == "zh" else "en",
        title=title,
        period_line=t("report.period", lang).format(start=r.start.isoformat(), end=r.end.isoformat()),
        generated_line=t("report.generated", lang).format(at=f"{d.generated_at:%Y-%m-%d %H:%M}"),
        filters_line=" · ".join(filters),
        kpis=[{"label": label, "value": "—" if value is None else value} for label, value in kpi_items(d, lang)],
        images=images,
        labels=labels,
        tables=[tb for tb in tables(d, lang) if tb.key not in ("kpis", "monthly", "types", "sources")],
    )  # fmt: skip


def write(d: ReportData, path: str, lang: str = "zh") -> None:
    """Render the PDF to ``path``."""
    from weasyprint import HTML  # imported here: loading Pango is the slow part of a start-up

    HTML(string=html(d, lang)).write_pdf(path)

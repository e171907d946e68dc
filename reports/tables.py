"""The report's tables as (title, headers, rows) in the reader's language: one list shared by
the PDF and the workbook, so both show the same figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.i18n import t
from reports.data import ReportData


@dataclass(frozen=True)
class Table:
    key: str  # the workbook's sheet name stem
    title: str
    headers: list[str]
    rows: list[list[Any]]


def _pct(v: float | None) -> str | None:
    return None if v is None else f"{100 * v:.1f}%"


def kpi_items(d: ReportData, lang: str) -> list[tuple[str, Any]]:
    k = d.kpis
    return [
        (t("report.kpi.cases", lang), k["cases"]),
        (t("report.kpi.open", lang), k["open"]),
        (t("report.kpi.overdue", lang), k["overdue"]),
        (t("report.kpi.supervised", lang), k["supervised"]),
        (t("report.kpi.resolution_rate", lang), _pct(k["resolution_rate"])),
        (t("report.kpi.satisfaction", lang), k["satisfaction"]),
        (t("report.kpi.patrol_visits", lang), k["patrol_visits"]),
        (t("report.kpi.anomalies", lang), k["anomalies"]),
        (t("report.kpi.open_whistles", lang), k["open_whistles"]),
        (t("report.kpi.tasks_done", lang), k["tasks_done"]),
    ]


def tables(d: ReportData, lang: str) -> list[Table]:
    """Every table of the report, in reading order."""
    h = lambda *keys: [t(f"report.col.{k}", lang) for k in keys]  # noqa: E731
    return [
        Table("kpis", t("report.kpis", lang), h("figure", "value"),
              [[label, value] for label, value in kpi_items(d, lang)]),
        Table("monthly", t("report.trend", lang), h("month", "cases"),
              [[r["month"], r["cases"]] for r in d.monthly]),
        Table("types", t("report.types", lang), h("type", "cases"),
              [[r["label"], r["cases"]] for r in d.types]),
        Table("sources", t("report.sources", lang), h("source", "cases"),
              [[t(f"source.{r['code']}", lang), r["cases"]] for r in d.sources]),
        Table("top_grids", t("report.top_grids", lang), h("grid", "code", "residents", "cases", "per_1000"),
              [[r["name"], r["code"], r["residents"], r["cases"],
                None if r["per_1000"] is None else float(r["per_1000"])] for r in d.top_grids]),
        Table("overdue", t("report.overdue", lang),
              h("reference", "title", "type", "status", "department", "due", "supervision"),
              [[r["source_ref"], r["title"], r["type"], t(f"status.{r['status']}", lang),
                r["department"], r["due_at"], t(f"supervision.{r['supervision_level']}", lang)]
               for r in d.overdue]),
        Table("departments", t("report.departments", lang),
              h("department", "cases", "closed", "on_time_rate", "mean_days", "rating", "overdue_now"),
              [[r["department"], r["cases"], r["closed"], _pct(r["on_time_rate"]),
                None if r["mean_days"] is None else float(r["mean_days"]),
                None if r["rating"] is None else float(r["rating"]), r["overdue_now"]]
               for r in d.departments]),
        Table("alerts", t("report.alerts", lang),
              h("area", "type", "opened", "observed", "expected", "statistic", "method"),
              [[r["area"], r["type"], r["opened_on"], r["observed"], round(r["expected"], 2),
                round(r["statistic"], 2), t(f"alert_method.{r['method']}", lang)] for r in d.alerts]),
    ]  # fmt: skip

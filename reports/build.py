"""One entry point for every format: gather under the caller's connection, write the file, and
leave an audit row (who exported what area, period and format)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from geodata.write.users import record_audit
from reports import csvfile, gpkg, pdf, xlsx
from reports.data import ReportRequest, gather

FORMATS = ("pdf", "xlsx", "gpkg", "csv")


def build(
    conn: Connection, request: ReportRequest, fmt: str, path: str, *, user: str, role: str,
    lang: str = "zh", progress: Callable[[int, str], None] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Write the report in ``fmt`` to ``path``; what was written. ``progress(percent, stage)``
    hears how far it has got."""
    tell = progress or (lambda _p, _s: None)
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {list(FORMATS)}")
    if request.end < request.start:
        raise ValueError("the period ends before it starts")
    tell(5, "gather")
    if fmt in ("pdf", "xlsx"):
        data = gather(conn, request)
        tell(50, "render")
        (pdf if fmt == "pdf" else xlsx).write(data, path, lang)
        out: dict[str, Any] = {"cases": data.kpis["cases"]}
    elif fmt == "gpkg":
        out = gpkg.write(conn, request, path)
    else:
        out = {"rows": csvfile.write(conn, request, path)}
    tell(95, "audit")
    record_audit(conn, user, role, "report.export", f"area:{request.area_code}",
                 {"format": fmt, "start": request.start.isoformat(), "end": request.end.isoformat(),
                  "types": list(request.types), "sources": list(request.sources), **out})  # fmt: skip
    return {"format": fmt, "path": path, **out}

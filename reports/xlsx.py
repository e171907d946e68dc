"""The workbook (XlsxWriter): one sheet per report table, typed cells (numbers as numbers, days
as dates), a frozen header row and columns as wide as their content (Chinese counts double)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

import xlsxwriter

from reports.data import ReportData
from reports.tables import tables


def display_width(value: Any) -> int:
    """Characters a cell shows, East Asian wide ones counted twice."""
    text = str(value) if value is not None else ""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def write(d: ReportData, path: str, lang: str = "zh") -> None:
    book = xlsxwriter.Workbook(path, {"remove_timezone": True})
    head = book.add_format({"bold": True, "bg_color": "#F2F5FA", "border": 1})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for table in tables(d, lang):
        sheet = book.add_worksheet(table.title[:31])
        widths = [display_width(h) for h in table.headers]
        for col, header in enumerate(table.headers):
            sheet.write_string(0, col, header, head)
        for r, row in enumerate(table.rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    sheet.write_blank(r, c, None)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(r, c, value.replace(tzinfo=None), stamp)
                elif isinstance(value, date):
                    sheet.write_datetime(r, c, datetime.combine(value, datetime.min.time()), day)
                else:
                    sheet.write_string(r, c, str(value))
                widths[c] = max(widths[c], display_width(value if not isinstance(value, datetime)
                                                         else f"{value:%Y-%m-%d %H:%M}"))  # fmt: skip
        for c, w in enumerate(widths):
            sheet.set_column(c, c, min(max(w + 2, 6), 60))
        sheet.freeze_panes(1, 0)
    book.close()

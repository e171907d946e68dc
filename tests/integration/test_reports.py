"""Area reports in every format, built as a district user under row-level security: the figures
equal plain SQL, the PDF's Chinese is real embedded subsetted text, the workbook is typed with a
frozen header, the GeoPackage opens with its CRS and layers, the CSV has its BOM — and another
district's report holds none of its cases; every export leaves an audit row."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from datetime import date

import numpy as np
import openpyxl
import pyogrio
import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import text

from domain.scope import Scope
from geodata.db.scope import apply_scope
from reports.build import build
from reports.data import ReportRequest

pytestmark = pytest.mark.db
START, END = date(2026, 1, 1), date(2026, 11, 28)
PHONE_OR_ID = re.compile(r"(?<![0-9])(1[3-9][0-9]{9}|[0-9]{17}[0-9Xx])(?![0-9])")


@pytest.fixture(scope="module")
def district(engine, demo_db) -> dict:  # noqa: ANN001
    with engine.connect() as c:
        code, name = c.execute(
            text("SELECT a.code, a.name FROM admin_area a WHERE a.level = 'district' ORDER BY"
                 " (SELECT count(*) FROM dispute d WHERE d.district_code = a.code) DESC LIMIT 1")
        ).one()  # fmt: skip
        other = c.execute(text("SELECT code FROM admin_area WHERE level = 'district' AND code <> :c"
                               " ORDER BY code LIMIT 1"), {"c": code}).scalar()  # fmt: skip
        cases = c.execute(
            text("SELECT count(*) FROM dispute WHERE grid_code LIKE :p || '%' AND status <> 'merged'"
                 " AND timezone('Asia/Shanghai', reported_at)::date BETWEEN :a AND :b"),
            {"p": code, "a": START, "b": END},
        ).scalar()  # fmt: skip
    return {"code": code, "name": name, "other": other, "cases": cases}


def _build(app_engine, area: str, as_area: str, fmt: str, path: str) -> dict:  # noqa: ANN001
    with app_engine.connect() as conn, conn.begin():
        apply_scope(conn, Scope(user="rep_d", role="district", areas=(as_area,)))
        return build(
            conn, ReportRequest(area, START, END), fmt, path, user="rep_d", role="district"
        )


def test_rep001_pdf_has_real_chinese_text_and_embedded_subset_fonts(
    app_engine, district, tmp_path
) -> None:  # noqa: ANN001
    path = str(tmp_path / "r.pdf")
    out = _build(app_engine, district["code"], district["code"], "pdf", path)
    assert out["cases"] == district["cases"] > 0
    reader = PdfReader(path)
    first = reader.pages[0].extract_text()
    assert f"{district['name']}矛盾纠纷态势报告" in first and "案件总数" in first
    assert str(district["cases"]) in first
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            f = font.get_object()
            descriptor = (
                f.get("/FontDescriptor") or f["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            )
            fonts[f["/BaseFont"]] = any(
                k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
    assert fonts and all(fonts.values())  # embedded
    assert all(re.match(r"^/[A-Z]{6}\+", name) for name in fonts)  # subsetted
    assert any("CJK" in name for name in fonts)
    text_all = "".join(p.extract_text() for p in reader.pages)
    assert not PHONE_OR_ID.search(text_all)


def test_rep002_workbook_is_typed_with_frozen_headers(app_engine, district, tmp_path) -> None:  # noqa: ANN001
    path = str(tmp_path / "r.xlsx")
    _build(app_engine, district["code"], district["code"], "xlsx", path)
    book = openpyxl.load_workbook(path)
    assert len(book.sheetnames) == 8
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(c.font.bold for c in sheet[1] if c.value)
    kpis = book.worksheets[0]
    assert kpis["A2"].value == "案件总数" and kpis["B2"].value == district["cases"]
    assert kpis["B2"].data_type == "n"
    months = book.worksheets[1]
    assert sum(row[1].value for row in months.iter_rows(min_row=2)) == district["cases"]
    assert book.worksheets[4].column_dimensions["A"].width >= 6


def test_rep003_geopackage_layers_crs_and_masking(app_engine, district, tmp_path) -> None:  # noqa: ANN001
    path = str(tmp_path / "r.gpkg")
    _build(app_engine, district["code"], district["code"], "gpkg", path)
    layers = {name for name, _kind in pyogrio.list_layers(path)}
    assert layers == {"grids", "disputes", "patrols"}
    for layer in layers:
        assert pyogrio.read_info(path, layer=layer)["crs"] == "EPSG:4326"
    cases = pyogrio.read_dataframe(path, layer="disputes")
    assert len(cases) <= district["cases"] and len(cases) > 0
    assert cases["grid_code"].str.startswith(district["code"]).all()
    for column in cases.columns:
        if cases[column].dtype == object:
            assert not cases[column].astype(str).str.contains(PHONE_OR_ID).any(), column


def test_rep004_csv_and_foreign_areas(app_engine, engine, district, tmp_path) -> None:  # noqa: ANN001
    path = str(tmp_path / "r.csv")
    _build(app_engine, district["code"], district["code"], "csv", path)
    raw = open(path, "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    with engine.connect() as c:
        located = c.execute(
            text("SELECT count(*) FROM dispute WHERE grid_code LIKE :p || '%' AND status <> 'merged'"
                 " AND geom IS NOT NULL AND timezone('Asia/Shanghai', reported_at)::date"
                 " BETWEEN :a AND :b"), {"p": district["code"], "a": START, "b": END},
        ).scalar()  # fmt: skip
    assert len(rows) == located
    # The same district user asking for another district: none of its cases.
    foreign = str(tmp_path / "f.csv")
    _build(app_engine, district["other"], district["code"], "csv", foreign)
    with open(foreign, encoding="utf-8-sig") as f:
        assert list(csv.DictReader(f)) == []
    with engine.connect() as c:
        audited = c.execute(
            text(
                "SELECT count(*) FROM audit_log WHERE user_name = 'rep_d' AND action = 'report.export'"
            )
        ).scalar()
    assert audited >= 2


def _run(*argv: str) -> str:
    """Standard output of a command-line tool (Poppler, GDAL) that must succeed."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, f"{argv[0]} exited {done.returncode}: {done.stderr[-2000:]}"
    return done.stdout


def test_rep005_poppler_renders_the_pdf_with_embedded_fonts_and_chinese_text(
    app_engine, district, tmp_path
) -> None:  # noqa: ANN001
    """As a PDF reader sees the file: Poppler's own tools (installed by system-deps.sh test)."""
    path = str(tmp_path / "r.pdf")
    _build(app_engine, district["code"], district["code"], "pdf", path)
    # First page at 50 dpi, grey: a page with a title, figures and a map is far from blank.
    _run("pdftoppm", "-f", "1", "-l", "1", "-r", "50", "-gray", "-png", "-singlefile", path,
         str(tmp_path / "page"))  # fmt: skip
    with Image.open(tmp_path / "page.png") as png:
        pixels = np.asarray(png.convert("L"), dtype=float)
    assert pixels.shape[0] > 300 and pixels.shape[1] > 200, pixels.shape
    inked = float((pixels < 200).mean())
    assert pixels.std() > 10 and inked > 0.01, (pixels.std(), inked)
    # pdffonts: name, type (may hold spaces), encoding, then emb sub uni and the object id.
    table = _run("pdffonts", path).splitlines()
    rule = next(i for i, line in enumerate(table) if line.startswith("---"))
    rows = [line.split() for line in table[rule + 1 :] if line.strip()]
    assert rows, table
    for row in rows:
        emb, sub = row[-5], row[-4]
        assert (emb, sub) == ("yes", "yes"), row
        assert re.match(r"^[A-Z]{6}\+", row[0]), row
    assert any("CJK" in row[0] for row in rows), rows
    extracted = _run("pdftotext", "-enc", "UTF-8", path, "-")
    assert district["name"] in extracted and "矛盾纠纷态势报告" in extracted
    assert str(district["cases"]) in extracted


def test_rep006_ogrinfo_opens_the_geopackage(app_engine, district, tmp_path) -> None:  # noqa: ANN001
    """GDAL's own reader (the one QGIS uses): the layers, their CRS and counts as pyogrio sees them."""
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo not installed (apt-get install gdal-bin; system-deps.sh test does)")
    path = str(tmp_path / "r.gpkg")
    _build(app_engine, district["code"], district["code"], "gpkg", path)
    listing = _run("ogrinfo", "-ro", "-q", path)
    assert set(re.findall(r"^\s*\d+: (\w+)", listing, re.M)) == {"grids", "disputes", "patrols"}
    for layer in ("grids", "disputes", "patrols"):
        summary = _run("ogrinfo", "-ro", "-so", path, layer)
        count = int(re.search(r"^Feature Count: (\d+)", summary, re.M).group(1))
        assert count == pyogrio.read_info(path, layer=layer)["features"], summary
        assert re.search(r'ID\["EPSG",\s*4326\]\]\s*$', summary, re.M), summary
    assert count > 0

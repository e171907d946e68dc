"""``zongzhi load`` on files the database would refuse: one clear line or a quarantined row, never a
traceback, and never half a batch."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import box
from sqlalchemy import text

from app.cli import main
from etl import load as loader
from etl.readers import read_source

pytestmark = pytest.mark.db

ROOT = Path(__file__).resolve().parents[2]


def _shapefile(path: Path, columns: dict[str, list], n: int) -> Path:
    """A Shapefile in CGCS2000 as a department's GIS writes it (pyogrio via geopandas)."""
    boxes = [box(111.60 + 0.01 * i, 40.75, 111.61 + 0.01 * i, 40.76) for i in range(n)]
    frame = gpd.GeoDataFrame(columns, geometry=boxes, crs="EPSG:4490")
    with warnings.catch_warnings():
        # DBF field names are at most 10 characters: GDAL cuts longer ones and says so.
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        frame.to_file(path, engine="pyogrio", encoding="utf-8")
    return path


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess:
    """The command as an operator runs it: its own process, so a traceback would show."""
    env = {**os.environ, "ZONGZHI_DATABASE_URL": db_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def _grids_with_unknown_headers(directory: Path) -> Path:
    # WGBH is nobody's alias for the grid code, and community_code comes back as "community_".
    return _shapefile(
        directory / "grids_unknown.shp",
        {
            "WGBH": ["G1", "G2"],
            "WGMC": ["一网格", "二网格"],
            "community_code": ["150102001", "150102001"],
        },
        2,
    )


def _areas_with_cut_parent_header(directory: Path) -> Path:
    # The report's file: "parent_code" is cut to "parent_cod", so no area has a parent and
    # the districts used to end in a CheckViolation (ck_admin_area_parent_unless_city).
    return _shapefile(
        directory / "areas_cut.shp",
        {
            "code": ["159800", "159801"],
            "name": ["测试市", "测试区"],
            "level": ["city", "district"],
            "parent_code": [None, "159800"],
        },
        2,
    )


@pytest.mark.parametrize(
    "make, kind, missing, seen",
    [
        (_grids_with_unknown_headers, "grids", ["code", "community_code"], ["WGBH", "community_"]),
        (_areas_with_cut_parent_header, "areas", ["parent_code"], ["parent_cod"]),
    ],
    ids=["grids-unknown-headers", "areas-cut-parent-header"],
)
def test_defect001_unrecognised_headers_are_one_clear_line(
    db_url, engine, tmp_path, make, kind, missing, seen
) -> None:  # noqa: ANN001
    path = make(tmp_path)
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM etl_batch")).scalar()
    result = _cli(db_url, "load", kind, str(path))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1, output
    line = lines[0]
    assert path.name in line
    for name in missing:
        assert name in line.split("headers seen")[0], line
    for header in seen:
        assert header in line.split("headers seen")[1], line
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM etl_batch")).scalar() == before
        assert not conn.execute(
            text("SELECT count(*) FROM admin_area WHERE code LIKE '1598%'")
        ).scalar()


# One city, and districts of which two break a CHECK of admin_area (0001_whole_data_model):
# a code that is not 6/9/12 digits (ck_admin_area_code) and a district without a parent
# (ck_admin_area_parent_unless_city). The township under the second has no valid parent left.
AREA_ROWS = {
    "code": ["159900", "159901", "15990X", "159903", "159903001"],
    "name": ["测试市", "一区", "坏编码区", "无上级区", "街道"],
    "level": ["city", "district", "district", "district", "township"],
    "parent_code": [None, "159900", "159900", None, "159903"],
}


def _areas_breaking_checks(directory: Path) -> Path:
    # "parent" is an alias of parent_code that fits a DBF field name.
    columns = {**AREA_ROWS, "parent": AREA_ROWS["parent_code"]}
    del columns["parent_code"]
    return _shapefile(directory / "areas_checks.shp", columns, len(AREA_ROWS["code"]))


def test_defect002_rows_breaking_a_check_are_quarantined_the_rest_loads(conn, tmp_path) -> None:  # noqa: ANN001
    table = read_source(_areas_breaking_checks(tmp_path), "areas")
    summary, quarantine = loader.load_table(conn, "areas", table)
    assert summary.balanced()
    assert (summary.read, summary.inserted, summary.quarantined) == (5, 2, 3)
    reasons = {ref: (reason, detail) for ref, reason, detail, _ in quarantine}
    assert {ref: r for ref, (r, _) in reasons.items()} == {
        "feature 2": "constraint_violation",
        "feature 3": "constraint_violation",
        "feature 4": "unknown_code",  # its parent 159903 was quarantined, not loaded
    }
    assert "ck_admin_area_code" in reasons["feature 2"][1]
    assert "15990X" in reasons["feature 2"][1]
    assert "ck_admin_area_parent_unless_city" in reasons["feature 3"][1]
    loaded = conn.execute(
        text("SELECT code FROM admin_area WHERE code LIKE '1599%' ORDER BY code")
    ).scalars()
    assert list(loaded) == ["159900", "159901"]
    stored = conn.execute(
        text(
            "SELECT b.status, b.rows_read, b.rows_inserted, b.rows_quarantined,"
            " array_agg(q.reason_code ORDER BY q.row_ref)"
            " FROM etl_batch b JOIN etl_quarantine q ON q.batch_id = b.id WHERE b.id = :b"
            " GROUP BY b.id"
        ),
        {"b": summary.batch_id},
    ).one()
    assert tuple(stored) == (
        "committed",
        5,
        2,
        3,
        ["constraint_violation", "constraint_violation", "unknown_code"],
    )
    assert "constraint_violation" in loader.REASONS


def test_defect003_a_phone_or_a_code_the_table_refuses(conn, demo_db, tmp_path) -> None:  # noqa: ANN001
    grid = conn.execute(text("SELECT code FROM grid ORDER BY code LIMIT 1")).scalar()
    path = tmp_path / "workers.csv"
    path.write_text(
        "工号,姓名,网格编码,联系电话\n"
        f"T101,张三,{grid},13900000001\n"
        f"T102,李四,{grid},139 0000 0002\n"  # spaces: ck_grid_worker_phone
        f"{'T' * 40},王五,{grid},13900000003\n",  # longer than grid_worker.code varchar(32)
        encoding="utf-8",
    )
    summary, quarantine = loader.load_table(conn, "grid-workers", read_source(path, "grid-workers"))
    assert summary.balanced()
    assert (summary.inserted, summary.quarantined) == (1, 2)
    details = {ref: (reason, detail) for ref, reason, detail, _ in quarantine}
    assert details["第3行"][0] == "constraint_violation"
    assert "ck_grid_worker_phone" in details["第3行"][1]
    assert details["第4行"][0] == "constraint_violation"
    assert "varchar(32)" in details["第4行"][1]
    assert conn.execute(text("SELECT count(*) FROM grid_worker WHERE code = 'T101'")).scalar() == 1


def test_defect004_an_unforeseen_refusal_is_one_line_and_a_failed_batch(
    db_url, engine, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    """Last resort: were a row to get past the checks, the load stops cleanly."""
    monkeypatch.setattr(loader.staging, "reject_constraint_violations", lambda *a, **k: 0)
    path = _areas_breaking_checks(tmp_path)
    result = CliRunner().invoke(
        main, ["load", "areas", str(path)], env={"ZONGZHI_DATABASE_URL": db_url}
    )
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # not a raw IntegrityError
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert "ck_admin_area_code" in lines[0] and "failed" in lines[0]
    with engine.connect() as c:
        assert not c.execute(
            text("SELECT count(*) FROM admin_area WHERE code LIKE '1599%'")
        ).scalar()
        batch = c.execute(
            text(
                "SELECT status, rows_read, rows_inserted, options->>'error' FROM etl_batch"
                " WHERE source_file = :f ORDER BY id DESC LIMIT 1"
            ),
            {"f": str(path)},
        ).one()
        assert tuple(batch[:3]) == ("failed", 5, 0)
        assert "ck_admin_area_code" in batch[3]
        assert not c.execute(
            text(
                "SELECT count(*) FROM etl_quarantine q JOIN etl_batch b ON b.id = q.batch_id"
                " WHERE b.source_file = :f"
            ),
            {"f": str(path)},
        ).scalar()
        assert c.execute(
            text("SELECT to_regclass('zz_stage'), to_regclass('zz_resolved')")
        ).one() == (None, None)

"""``zongzhi load`` behaviour: changed files update rows, quarantine counts and masked raw rows.

Every expectation is written out by hand from the file the test writes (or read back with plain
SQL), never taken from the loader's own summary alone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from app.cli import main as cli
from etl.load import load_table
from etl.readers import read_source

pytestmark = pytest.mark.db

# GB 11643 weights, written out here so the test IDs are checked independently of etl.idcard.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _check_char(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


# Valid ID numbers whose check character is X, one valid ID ending in a digit, and an invalid
# one ending in X (its check character should be 8).
VALID_X_1 = "15010219850612018X"
VALID_X_2 = "15010519920304008X"
VALID_DIGIT = "150123197701010004"
INVALID_X = "15012319770101000X"


def test_beh_load_ids_are_what_the_tests_claim() -> None:
    for number in (VALID_X_1, VALID_X_2, VALID_DIGIT):
        assert _check_char(number[:17]) == number[17], number
    assert _check_char(INVALID_X[:17]) != "X"


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _load(conn, kind: str, path: Path, **opts):  # noqa: ANN001, ANN202
    summary, quarantine = load_table(conn, kind, read_source(path, kind, **opts))
    return summary, quarantine


def _batch(conn, batch_id: int) -> tuple[int, int, int, int, int]:  # noqa: ANN001
    return tuple(
        conn.execute(
            text(
                "SELECT rows_read, rows_inserted, rows_updated, rows_unchanged, rows_quarantined"
                " FROM etl_batch WHERE id = :b"
            ),
            {"b": batch_id},
        ).one()
    )


@pytest.fixture()
def two_grids(conn, demo_db) -> list[tuple[str, float, float]]:  # noqa: ANN001
    """Two demo grids (code, lon, lat of a point inside)."""
    rows = conn.execute(
        text(
            "SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))"
            " FROM grid ORDER BY code LIMIT 2"
        )
    ).all()
    return [(c, float(x), float(y)) for c, x, y in rows]


# --- re-loading a changed file ------------------------------------------------------------------


def test_beh_load_changed_grid_workers_file_updates_the_rows(conn, two_grids, tmp_path) -> None:  # noqa: ANN001
    (g1, _, _), (g2, _, _) = two_grids
    header = "工号,姓名,网格编码,联系电话"
    first = _write(
        tmp_path / "workers_v1.csv",
        header,
        [f"BT-W01,赵一,{g1},13900000001", f"BT-W02,钱二,{g1},13900000002",
         f"BT-W03,孙三,{g1},13900000003"],
    )  # fmt: skip
    s1, _ = _load(conn, "grid-workers", first)
    assert (s1.read, s1.inserted, s1.updated, s1.unchanged) == (3, 3, 0, 0)
    # Version 2 of the file: W02 renamed, W03 has a new phone and a new grid, W01 is the same.
    second = _write(
        tmp_path / "workers_v2.csv",
        header,
        [f"BT-W01,赵一,{g1},13900000001", f"BT-W02,钱二改,{g1},13900000002",
         f"BT-W03,孙三,{g2},13900000099"],
    )  # fmt: skip
    s2, _ = _load(conn, "grid-workers", second)
    stored = {
        r.code: (r.name, r.grid_code, r.phone)
        for r in conn.execute(
            text("SELECT code, name, grid_code, phone FROM grid_worker WHERE code LIKE 'BT-W%'")
        ).all()
    }
    assert stored == {
        "BT-W01": ("赵一", g1, "13900000001"),
        "BT-W02": ("钱二改", g1, "13900000002"),
        "BT-W03": ("孙三", g2, "13900000099"),
    }
    assert (s2.inserted, s2.updated, s2.unchanged, s2.quarantined) == (0, 2, 1, 0)
    assert _batch(conn, s2.batch_id) == (3, 0, 2, 1, 0)
    # The same version again: nothing to write.
    s3, _ = _load(conn, "grid-workers", second)
    assert (s3.inserted, s3.updated, s3.unchanged) == (0, 0, 3)


def test_beh_load_changed_patrol_file_updates_the_partitioned_rows(
    conn, two_grids, tmp_path
) -> None:  # noqa: ANN001
    (g1, x, y), _ = two_grids
    conn.execute(
        text(
            "INSERT INTO grid_worker (code, name, grid_code, district_code)"
            " SELECT 'BT-P01', '巡查员', code, district_code FROM grid WHERE code = :g"
        ),
        {"g": g1},
    )
    header = "网格员编号,巡查时间,经度,纬度,巡查情况,异常类型"
    v1 = [
        f"BT-P01,2026-11-20 09:00:00,{x!r},{y!r},正常,",
        f"BT-P01,2026-11-21 09:00:00,{x!r},{y!r},正常,",
        f"BT-P01,2026-11-22 09:00:00,{x!r},{y!r},正常,",
    ]
    s1, rejected = _load(conn, "patrols", _write(tmp_path / "p1.csv", header, v1), crs="wgs84")
    assert (s1.inserted, s1.quarantined) == (3, 0), rejected
    v2 = [v1[0], f"BT-P01,2026-11-21 09:00:00,{x!r},{y!r},楼道堆放杂物,消防隐患", v1[2]]
    s2, _ = _load(conn, "patrols", _write(tmp_path / "p2.csv", header, v2), crs="wgs84")
    stored = conn.execute(
        text(
            "SELECT to_char(p.visited_at AT TIME ZONE 'Asia/Shanghai', 'MM-DD'), p.finding,"
            " p.anomaly_type FROM patrol_visit p JOIN grid_worker w ON w.id = p.worker_id"
            " WHERE w.code = 'BT-P01' ORDER BY p.visited_at"
        )
    ).all()
    assert [tuple(r) for r in stored] == [
        ("11-20", "正常", None),
        ("11-21", "楼道堆放杂物", "消防隐患"),
        ("11-22", "正常", None),
    ]
    assert (s2.inserted, s2.updated, s2.unchanged) == (0, 1, 2)
    assert _batch(conn, s2.batch_id) == (3, 0, 1, 2, 0)


def test_beh_load_changed_hotline_file_updates_status_and_title(conn, two_grids, tmp_path) -> None:  # noqa: ANN001
    (_, x, y), _ = two_grids
    header = "工单编号,来源,事件类型,诉求标题,来电时间,经度,纬度,办理状态,办结时间"
    v1 = [
        f"BT-12345-01,市民热线,邻里纠纷,楼上漏水,2026-11-03 08:15:00,{x!r},{y!r},办理中,",
        f"BT-12345-02,市民热线,物业纠纷,物业费争议,2026-11-04 10:00:00,{x!r},{y!r},办理中,",
    ]
    s1, rejected = _load(conn, "disputes", _write(tmp_path / "h1.csv", header, v1), crs="wgs84")
    assert s1.inserted == 2, rejected
    v2 = [
        f"BT-12345-01,市民热线,邻里纠纷,楼上漏水,2026-11-03 08:15:00,{x!r},{y!r},已办结,"
        "2026-11-05 16:00:00",
        f"BT-12345-02,市民热线,物业纠纷,物业费争议（已补充）,2026-11-04 10:00:00,{x!r},{y!r},"
        "办理中,",
    ]
    s2, rejected = _load(conn, "disputes", _write(tmp_path / "h2.csv", header, v2), crs="wgs84")
    stored = conn.execute(
        text(
            "SELECT source_ref, title, status,"
            " to_char(resolved_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI')"
            " FROM dispute WHERE source_ref LIKE 'BT-12345-%' ORDER BY source_ref"
        )
    ).all()
    assert [tuple(r) for r in stored] == [
        ("BT-12345-01", "楼上漏水", "resolved", "2026-11-05 16:00"),
        ("BT-12345-02", "物业费争议（已补充）", "in_progress", None),
    ]
    assert (s2.inserted, s2.updated, s2.unchanged, s2.quarantined) == (0, 2, 0, 0), rejected
    assert _batch(conn, s2.batch_id) == (2, 0, 2, 0, 0)


# --- quarantine counts per reason ---------------------------------------------------------------

UNITS_HEADER = "楼栋编码,房号,所在楼层,居住人数,居住状态"


def _units_rows(building: str) -> tuple[list[str], dict[str, int]]:
    rows = [
        # accepted
        f"{building},BT-201,1,3,自住",
        f"{building},BT-202,2,2,出租",
        f"{building},BT-203,3,0,空置",
        # unparseable_number ×4
        f"{building},BT-301,一楼,2,自住",
        f"{building},BT-302,二层,2,自住",
        f"{building},BT-303,1,2.5,出租",
        f"{building},BT-304,1,三,自住",
        # invalid_value ×3 (unknown occupancy twice, a vacant unit with residents)
        f"{building},BT-401,1,2,度假",
        f"{building},BT-402,1,2,租售",
        f"{building},BT-403,1,4,空置",
        # unknown_code ×2
        "NO-SUCH-BUILDING-1,BT-501,1,1,自住",
        "NO-SUCH-BUILDING-2,BT-502,1,1,自住",
        # missing_required ×2 (no unit number, no building)
        f"{building},,1,1,自住",
        ",BT-602,1,1,自住",
        # duplicate_in_file ×3
        f"{building},BT-201,4,1,自住",
        f"{building},BT-201,5,1,自住",
        f"{building},BT-202,6,1,出租",
    ]
    expected = {
        "unparseable_number": 4,
        "invalid_value": 3,
        "unknown_code": 2,
        "missing_required": 2,
        "duplicate_in_file": 3,
    }
    return rows, expected


def test_beh_load_quarantine_counts_per_reason(conn, demo_db, tmp_path) -> None:  # noqa: ANN001
    building = conn.execute(text("SELECT code FROM building ORDER BY code LIMIT 1")).scalar()
    rows, expected = _units_rows(building)
    summary, quarantine = _load(
        conn, "housing-units", _write(tmp_path / "units.csv", UNITS_HEADER, rows)
    )
    assert summary.by_reason == expected
    assert (summary.read, summary.inserted, summary.quarantined) == (17, 3, 14)
    returned: dict[str, int] = {}
    for _, reason, _, _ in quarantine:
        returned[reason] = returned.get(reason, 0) + 1
    assert returned == expected
    stored = dict(
        conn.execute(
            text(
                "SELECT reason_code, count(*) FROM etl_quarantine WHERE batch_id = :b"
                " GROUP BY reason_code"
            ),
            {"b": summary.batch_id},
        ).all()
    )
    assert stored == expected
    assert _batch(conn, summary.batch_id) == (17, 3, 0, 0, 14)
    units = conn.execute(
        text(
            "SELECT h.unit_no FROM housing_unit h JOIN building b ON b.id = h.building_id"
            " WHERE h.unit_no LIKE 'BT-%' ORDER BY 1"
        )
    ).scalars()
    assert list(units) == ["BT-201", "BT-202", "BT-203"]


def test_beh_load_cli_dry_run_reports_counts_per_reason(db_url, engine, demo_db, tmp_path) -> None:  # noqa: ANN001
    with engine.connect() as c:
        building = c.execute(text("SELECT code FROM building ORDER BY code LIMIT 1")).scalar()
    rows, expected = _units_rows(building)
    path = _write(tmp_path / "units.csv", UNITS_HEADER, rows)
    result = CliRunner().invoke(
        cli,
        ["load", "housing-units", str(path), "--dry-run", "--json"],
        env={"ZONGZHI_DATABASE_URL": db_url},
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["by_reason"] == expected
    assert (out["read"], out["inserted"], out["quarantined"]) == (17, 3, 14)


# --- the raw row a quarantine keeps -------------------------------------------------------------


def _etl_mask(number: str) -> str:
    """The project's one rule, written out again: first 6 and last 4 of 15+ characters, else all."""
    if len(number) < 15:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def test_beh_load_quarantined_person_rows_keep_masked_id_numbers(conn, two_grids, tmp_path) -> None:  # noqa: ANN001
    (grid, _, _), _ = two_grids
    header = "姓名,身份证号,联系电话,人员类别,网格编码,风险等级"
    rows = [
        f"周一,{VALID_X_1},13911110001,社区矫正,{grid},高",  # accepted
        f"吴二,{INVALID_X},13911110002,社区矫正,{grid},中",  # invalid_id_number
        f"郑三,{VALID_X_2},13911110003,信访重点,NO-SUCH-GRID,低",  # unknown_code
        f"王四,{VALID_DIGIT},13911110004,,{grid},低",  # missing_required (category)
        f"冯五,{VALID_X_1},13911110005,信访重点,{grid},低",  # duplicate_in_file
    ]
    summary, quarantine = _load(conn, "key-persons", _write(tmp_path / "kp.csv", header, rows))
    by_name = {json.loads(raw)["name"]: (reason, raw) for _, reason, _, raw in quarantine}
    expected = {
        "吴二": ("invalid_id_number", INVALID_X),
        "郑三": ("unknown_code", VALID_X_2),
        "王四": ("missing_required", VALID_DIGIT),
        "冯五": ("duplicate_in_file", VALID_X_1),
    }
    assert {k: v[0] for k, v in by_name.items()} == {k: v[0] for k, v in expected.items()}
    assert summary.inserted == 1
    stored = {
        json.loads(raw)["name"]: (reason, raw, detail)
        for reason, raw, detail in conn.execute(
            text("SELECT reason_code, raw::text, detail FROM etl_quarantine WHERE batch_id = :b"),
            {"b": summary.batch_id},
        ).all()
    }
    assert set(stored) == set(expected)
    for name, (reason, number) in expected.items():
        kept = json.loads(stored[name][1])
        assert stored[name][0] == reason
        assert kept["id_number"] == _etl_mask(number), name
        assert json.loads(by_name[name][1])["id_number"] == _etl_mask(number), name
        assert kept["name"] == name  # the rest of the row is kept
        for raw_number in (VALID_X_1, VALID_X_2, VALID_DIGIT, INVALID_X):
            assert raw_number not in stored[name][1], name
            assert raw_number not in by_name[name][1], name
    # The invalid number's detail names the column with the number masked, not the number.
    assert stored["吴二"][2] == f"id_number={_etl_mask(INVALID_X)}"

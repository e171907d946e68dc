"""``zongzhi load`` against a real PostGIS: every row is accounted for, re-loads change nothing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from app.cli import main
from etl import load as loader
from etl.readers import ReadError, read_source
from tests.fixtures import etl_files as fx

pytestmark = pytest.mark.db

COMMUNITY_BOX = (
    "SRID=4326;MULTIPOLYGON(((111.60 40.75,111.75 40.75,111.75 40.87,111.60 40.87,111.60 40.75)))"
)


def _load(conn, kind: str, path: Path, **read_opts):  # noqa: ANN001, ANN202
    table = read_source(path, kind, **read_opts)
    summary, quarantine = loader.load_table(conn, kind, table)
    assert summary.balanced()
    return summary, {ref: reason for ref, reason, _, _ in quarantine}


@pytest.fixture()
def fresh_areas(conn):  # noqa: ANN001, ANN201
    """Only the hierarchy the grid fixtures need (the demo is truncated inside the rollback)."""
    conn.execute(text("TRUNCATE admin_area, dispute, patrol_visit RESTART IDENTITY CASCADE"))
    rows = [
        ("150100", "呼和浩特市", "city", None),
        ("150102", "新城区", "district", "150100"),
        ("150103", "回民区", "district", "150100"),
        ("150105", "赛罕区", "district", "150100"),
        ("150102001", "海东路社区", "community", "150102"),
        ("150103004", "通道街社区", "community", "150103"),
        ("150105002", "昭乌达路社区", "community", "150105"),
    ]
    for code, name, level, parent in rows:
        conn.execute(
            text(
                "INSERT INTO admin_area (code, name, level, parent_code, district_code, geom)"
                " VALUES (:c, :n, :l, :p, :d, :g)"
            ),
            {
                "c": code,
                "n": name,
                "l": level,
                "p": parent,
                "d": None if level == "city" else code[:6],
                "g": COMMUNITY_BOX,
            },
        )
    return conn


def test_load001_gbk_shapefile_without_cpg_loads_then_reloads_unchanged(
    fresh_areas, tmp_path
) -> None:  # noqa: ANN001
    conn = fresh_areas
    path = fx.grids_shp_gbk_no_cpg(tmp_path)
    first, rejected = _load(conn, "grids", path)
    assert (first.read, first.inserted, first.quarantined) == (3, 3, 0), rejected
    assert first.source_crs == "EPSG:4490"
    names = set(conn.execute(text("SELECT name FROM grid")).scalars())
    assert names == {row["name"] for row in fx.GRID_ROWS}
    districts = set(conn.execute(text("SELECT district_code FROM grid")).scalars())
    assert districts == {"150102", "150103", "150105"}
    again, _ = _load(conn, "grids", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    batches = conn.execute(
        text(
            "SELECT rows_read, rows_inserted, rows_unchanged FROM etl_batch"
            " WHERE kind = 'grids' ORDER BY id DESC LIMIT 2"
        )
    ).all()
    assert batches == [(3, 0, 3), (3, 3, 0)]


def test_load002_projected_cgcs2000_lands_where_it_should(fresh_areas, tmp_path) -> None:  # noqa: ANN001
    conn = fresh_areas
    summary, rejected = _load(conn, "grids", fx.grids_projected_4546(tmp_path))
    assert summary.inserted == 3, rejected
    # The first grid's box corner comes back within a metre of its lon/lat.
    far = conn.execute(
        text(
            "SELECT max(ST_Distance(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1)::geography,"
            " ST_ClosestPoint(ST_Boundary(ST_MakeEnvelope(:a, :b, :c, :d, 4326)),"
            " ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1))::geography))"
            " FROM grid WHERE code = :code"
        ),
        {
            "a": fx.GRID_BOXES[0][0],
            "b": fx.GRID_BOXES[0][1],
            "c": fx.GRID_BOXES[0][2],
            "d": fx.GRID_BOXES[0][3],
            "code": fx.GRID_ROWS[0]["code"],
        },
    ).scalar()
    assert far < 1.0


def test_load003_missing_crs_is_refused_and_nothing_is_written(engine, tmp_path) -> None:  # noqa: ANN001
    with engine.connect() as c:
        before = c.execute(text("SELECT count(*) FROM etl_batch")).scalar()
    with pytest.raises(ReadError, match="--crs"):
        loader.load_file(engine, "grids", fx.grids_shp_no_crs(tmp_path))
    with engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM etl_batch")).scalar() == before


@pytest.mark.parametrize(
    "make, expected",
    [
        (fx.grids_with_self_intersection, {"repaired": 1}),
        (fx.grids_with_invalid_ring, {"invalid_geometry": 1}),
        (fx.grids_with_empty_geometry, {"empty_geometry": 1}),
        (fx.grids_with_wrong_geometry_type, {"wrong_geometry_type": 1}),
    ],
    ids=["self-intersection", "invalid-ring", "empty", "wrong-type"],
)
def test_load004_bad_geometries(fresh_areas, tmp_path, make, expected) -> None:  # noqa: ANN001
    summary, rejected = _load(fresh_areas, "grids", make(tmp_path))
    if "repaired" in expected:
        assert summary.repaired == 1 and summary.quarantined == 0, rejected
        assert fresh_areas.execute(text("SELECT bool_and(ST_IsValid(geom)) FROM grid")).scalar()
    else:
        assert summary.by_reason == expected, rejected
    assert summary.read == summary.inserted + summary.quarantined


def _hotline_expectations(refs: list[str]) -> dict[str, str]:
    return {
        refs[1]: "unparseable_date",
        refs[2]: "invalid_geometry",  # 东经111.65: coordinates, not numbers
        refs[4]: "outside_area",
        refs[5]: "unknown_code",
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_load005_hotline_export_every_row_accounted(conn, demo_db, tmp_path, fmt) -> None:  # noqa: ANN001
    if fmt == "csv":
        path = fx.hotline_csv_gbk(tmp_path)
        refs = [f"第{n}行" for n in fx.HOTLINE_CSV_LINES]
    else:
        path = fx.hotline_xlsx_merged_header(tmp_path)
        refs = [f"第{n}行" for n in fx.HOTLINE_XLSX_ROWS]
    summary, rejected = _load(conn, "disputes", path, crs="wgs84")
    expected = _hotline_expectations(refs)
    assert {_norm(k): v for k, v in rejected.items()} == {_norm(k): v for k, v in expected.items()}
    assert (summary.read, summary.inserted, summary.quarantined) == (7, 3, 4)
    stored = conn.execute(
        text(
            "SELECT source_ref, type_code, status, source FROM dispute"
            " WHERE source_ref LIKE '12345-2026110%' ORDER BY source_ref"
        )
    ).all()
    assert [r[0] for r in stored] == ["12345-2026110001", "12345-2026110002", "12345-2026110007"]
    assert stored[1][1] == "property"  # 物业纠纷 → 房产物业
    assert stored[2][2] == "resolved"
    again, _ = _load(conn, "disputes", path, crs="wgs84")
    assert (again.inserted, again.updated, again.unchanged, again.quarantined) == (0, 0, 3, 4)
    quarantined = conn.execute(
        text("SELECT count(*) FROM etl_quarantine WHERE batch_id = :b"), {"b": again.batch_id}
    ).scalar()
    assert quarantined == 4


def _norm(ref: str) -> str:
    return "".join(ch for ch in ref if ch.isdigit())


def test_load006_patrols_in_gcj02_come_back_within_a_centimetre(conn, demo_db, tmp_path) -> None:  # noqa: ANN001
    grid = conn.execute(text("SELECT code, district_code FROM grid ORDER BY code LIMIT 1")).one()
    for code in sorted(set(fx.PATROL_WORKERS)):
        conn.execute(
            text(
                "INSERT INTO grid_worker (code, name, grid_code, district_code)"
                " VALUES (:c, '测试网格员', :g, :d)"
            ),
            {"c": code, "g": grid.code, "d": grid.district_code},
        )
    for i in range(len(fx.PATROL_WGS84)):
        conn.execute(
            text(
                "INSERT INTO building (code, grid_code, district_code, floors, geom, centroid)"
                " SELECT :c, code, :d, 6, geom, ST_PointOnSurface(geom) FROM grid WHERE code = :g"
            ),
            {"c": f"15010200100100{i:02d}", "g": grid.code, "d": grid.district_code},
        )
    summary, rejected = _load(conn, "patrols", fx.patrols_csv_gcj02(tmp_path), crs="gcj02")
    assert summary.inserted == len(fx.PATROL_WGS84), rejected
    for lon, lat in fx.PATROL_WGS84:
        d = conn.execute(
            text(
                "SELECT min(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography))"
                " FROM patrol_visit WHERE visited_at >= '2026-11-10' AND visited_at < '2026-11-20'"
            ),
            {"x": lon, "y": lat},
        ).scalar()
        assert d < 0.01
    assigned = conn.execute(
        text(
            "SELECT count(*) FROM patrol_visit p JOIN grid g ON g.code = p.grid_code"
            " JOIN grid_worker w ON w.id = p.worker_id"
            " WHERE ST_Covers(g.geom, p.geom) AND w.code = ANY(:codes)"
        ),
        {"codes": sorted(set(fx.PATROL_WORKERS))},
    ).scalar()
    assert assigned == len(fx.PATROL_WGS84)


def test_load007_duplicate_keys_and_unknown_codes(conn, demo_db, tmp_path) -> None:  # noqa: ANN001
    grid = conn.execute(text("SELECT code FROM grid ORDER BY code LIMIT 1")).scalar()
    path = tmp_path / "workers.csv"
    path.write_text(
        "工号,姓名,网格编码,联系电话\n"
        f"T001,张三,{grid},13900000001\n"
        f"T001,张三（重复）,{grid},13900000001\n"
        "T002,李四,NO-SUCH-GRID,13900000002\n"
        f"T003,,{grid},13900000003\n",
        encoding="utf-8",
    )
    summary, rejected = _load(conn, "grid-workers", path)
    assert summary.inserted == 1
    assert sorted(rejected.values()) == ["duplicate_in_file", "missing_required", "unknown_code"]


def test_load008_malformed_dates_and_numbers(conn, demo_db, tmp_path) -> None:  # noqa: ANN001
    building = conn.execute(text("SELECT code FROM building ORDER BY code LIMIT 1")).scalar()
    path = tmp_path / "units.csv"
    path.write_text(
        "楼栋编码,房号,所在楼层,居住人数,居住状态\n"
        f"{building},T-101,1,3,自住\n"
        f"{building},T-102,一楼,2,自住\n"
        f"{building},T-103,1,2.5,出租\n"
        f"{building},T-104,1,4,空置\n"
        f"{building},T-105,1,0,度假\n",
        encoding="utf-8",
    )
    summary, rejected = _load(conn, "housing-units", path)
    assert summary.inserted == 1
    assert sorted(rejected.values()) == [
        "invalid_value",
        "invalid_value",
        "unparseable_number",
        "unparseable_number",
    ]


def test_load009_crash_mid_batch_leaves_nothing(engine, demo_db, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    path = fx.hotline_csv_gbk(tmp_path)
    with engine.connect() as c:
        before = c.execute(
            text("SELECT count(*), (SELECT count(*) FROM etl_batch) FROM dispute")
        ).one()

    def crash(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("simulated crash after the upsert")

    monkeypatch.setattr(loader.staging, "record_quarantine", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        loader.load_file(engine, "disputes", path, crs="wgs84")
    with engine.connect() as c:
        after = c.execute(
            text("SELECT count(*), (SELECT count(*) FROM etl_batch) FROM dispute")
        ).one()
    assert after == before
    with engine.connect() as c:
        leftovers = c.execute(
            text("SELECT to_regclass('zz_stage'), to_regclass('zz_resolved')")
        ).one()
    assert leftovers == (None, None)


def test_load010_cli_dry_run_json_and_quarantine_csv(db_url, demo_db, tmp_path) -> None:  # noqa: ANN001
    path = fx.hotline_csv_gbk(tmp_path)
    out = tmp_path / "q.csv"
    env = {"ZONGZHI_DATABASE_URL": db_url}
    result = CliRunner().invoke(
        main,
        [
            "load",
            "disputes",
            str(path),
            "--crs",
            "wgs84",
            "--dry-run",
            "--json",
            "--quarantine-out",
            str(out),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["read"] == 7 and summary["dry_run"] is True
    assert (
        summary["read"]
        == summary["inserted"] + summary["updated"] + summary["unchanged"] + summary["quarantined"]
    )
    with open(out, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == summary["quarantined"] == 4
    assert {r["reason_code"] for r in rows} == {
        "unparseable_date",
        "invalid_geometry",
        "outside_area",
        "unknown_code",
    }
    assert all(r["raw"].startswith("{") for r in rows)


def test_load011_cli_bad_input_is_one_clear_line(db_url, tmp_path) -> None:  # noqa: ANN001
    env = {"ZONGZHI_DATABASE_URL": db_url}
    runner = CliRunner()
    missing = runner.invoke(main, ["load", "grids", str(tmp_path / "nope.shp")], env=env)
    assert missing.exit_code == 1 and "nope.shp" in missing.output
    no_crs = runner.invoke(main, ["load", "grids", str(fx.grids_shp_no_crs(tmp_path))], env=env)
    assert no_crs.exit_code == 1 and "--crs" in no_crs.output
    assert len([ln for ln in no_crs.output.splitlines() if ln.strip()]) == 1
    bad_kind = runner.invoke(main, ["load", "spaceships", "x.csv"], env=env)
    assert bad_kind.exit_code == 2


def _schema_of(conn, table: str) -> set[str]:  # noqa: ANN001
    rows = conn.execute(
        text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = CAST(:t AS regclass)"
            " UNION ALL SELECT pg_get_indexdef(indexrelid) FROM pg_index"
            " WHERE indrelid = CAST(:t AS regclass)"
        ),
        {"t": table},
    ).scalars()
    return set(rows)


def test_load012_bulk_first_load_restores_keys_and_indexes(conn, demo_db) -> None:  # noqa: ANN001
    import pandas as pd

    from etl.readers import SourceTable
    from geodata.load.staging import BULK_MIN_ROWS

    before = _schema_of(conn, "housing_unit")
    conn.execute(text("TRUNCATE housing_unit CASCADE"))
    buildings = (
        conn.execute(text("SELECT code FROM building ORDER BY code LIMIT 200")).scalars().all()
    )
    n = BULK_MIN_ROWS + 1000
    frame = pd.DataFrame(
        {
            "building_code": [buildings[i % len(buildings)] for i in range(n)],
            "unit_no": [f"B-{i}" for i in range(n)],
            "floor": [1 + i % 30 for i in range(n)],
            "residents": [i % 4 for i in range(n)],
            "occupancy": ["owner"] * n,
            "row_ref": [f"row {i}" for i in range(n)],
        }
    )
    frame.loc[5, "building_code"] = "NO-SUCH-BUILDING"
    table = SourceTable(
        frame=frame,
        source_crs=None,
        encoding=None,
        layer=None,
        unmapped_columns=[],
        source_file="bulk-test",
    )
    summary, quarantine = loader.load_table(conn, "housing-units", table)
    assert (summary.inserted, summary.quarantined) == (n - 1, 1)
    assert quarantine[0][1] == "unknown_code"
    assert _schema_of(conn, "housing_unit") == before
    assert conn.execute(text("SELECT count(*) FROM housing_unit")).scalar() == n - 1
    # The restored foreign key is enforced again.
    with pytest.raises(Exception, match="foreign key"):
        with conn.begin_nested():
            conn.execute(
                text(
                    "INSERT INTO housing_unit (building_id, district_code, unit_no,"
                    " floor, occupancy) VALUES (-1, '150102', 'x', 1, 'owner')"
                )
            )


def _load_patrol_points(conn, workers: list[str], points: list[tuple[float, float]], start,  # noqa: ANN001
                        minutes: int, source: str) -> tuple:  # fmt: skip
    """Load patrol visits (worker i % len, a visit every ``minutes`` from ``start``) in EPSG:4326."""
    import geopandas as gpd
    import pandas as pd
    from shapely import Point

    from etl.readers import SourceTable

    n = len(points)
    frame = gpd.GeoDataFrame(
        {
            "worker_code": [workers[i % len(workers)] for i in range(n)],
            "visited_at": [start + pd.Timedelta(minutes=minutes * i) for i in range(n)],
            "row_ref": [f"{source} {i}" for i in range(n)],
        },
        geometry=[Point(x, y) for x, y in points],
        crs="EPSG:4326",
    )
    table = SourceTable(frame=frame, source_crs="EPSG:4326", encoding=None, layer=None,
                        unmapped_columns=[], source_file=source)  # fmt: skip
    return loader.load_table(conn, "patrols", table)


def test_load013_bulk_load_into_partitioned_table_keeps_partition_indexes(conn, demo_db) -> None:  # noqa: ANN001
    """The monthly partitions of patrol_visit get their indexes back, and every index is valid."""
    import pandas as pd

    from geodata.load.staging import BULK_MIN_ROWS

    def partition_indexes() -> dict[str, int]:
        return dict(
            conn.execute(
                text(
                    "SELECT c.relname, count(i.indexrelid) FROM pg_inherits h"
                    " JOIN pg_class c ON c.oid = h.inhrelid"
                    " LEFT JOIN pg_index i ON i.indrelid = c.oid"
                    " WHERE h.inhparent = 'patrol_visit'::regclass GROUP BY c.relname"
                )
            ).all()
        )

    before = _schema_of(conn, "patrol_visit")
    per_partition = partition_indexes()
    workers = conn.execute(
        text(
            "SELECT w.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))"
            " FROM grid_worker w JOIN grid g ON g.code = w.grid_code ORDER BY w.code LIMIT 50"
        )
    ).all()
    conn.execute(text("TRUNCATE patrol_visit"))
    n = BULK_MIN_ROWS + 500
    start = pd.Timestamp("2026-06-01T08:00:00+08:00")
    points = [(workers[i % len(workers)][1], workers[i % len(workers)][2]) for i in range(n)]
    codes = [w[0] for w in workers]
    summary, _ = _load_patrol_points(conn, codes, points, start, 7, "bulk-patrols")
    assert summary.inserted == n
    assert _schema_of(conn, "patrol_visit") == before
    invalid = conn.execute(
        text(
            "SELECT count(*) FROM pg_index i JOIN pg_inherits h ON h.inhrelid = i.indrelid"
            " OR i.indrelid = h.inhparent WHERE h.inhparent = 'patrol_visit'::regclass"
            " AND NOT i.indisvalid"
        )
    ).scalar()
    assert invalid == 0
    after = partition_indexes()
    assert all(after[p] >= per_partition[p] for p in per_partition)
    assert min(after.values()) >= 4  # pkey, unique, geometry, (grid, time)


def test_load014_prepared_ahead_gives_the_same_result(conn, demo_db, tmp_path) -> None:  # noqa: ANN001
    """Validation run ahead (as the demo load does in a worker thread) changes nothing."""
    table = read_source(fx.hotline_csv_gbk(tmp_path), "disputes", crs="wgs84")
    ahead = loader.prepare("disputes", table)
    with conn.begin_nested() as sp:
        plain, q_plain = loader.load_table(conn, "disputes", table)
        sp.rollback()
    summary, quarantine = loader.load_table(conn, "disputes", table, prepared=ahead)
    assert summary.balanced() and summary.read > 0
    for field in ("read", "inserted", "updated", "unchanged", "quarantined", "by_reason"):
        assert getattr(summary, field) == getattr(plain, field)
    assert [q[:2] for q in quarantine] == [q[:2] for q in q_plain]
    other = read_source(fx.hotline_csv_gbk(tmp_path), "disputes", crs="wgs84")
    with pytest.raises(ValueError, match="another load"):
        loader.load_table(conn, "disputes", other, prepared=ahead)


def _hotline_file(path: Path, rows: list[list[object]]) -> Path:
    headers = ["工单编号", "来源", "事件类型", "诉求标题", "来电时间", "事发地址", "办理状态",
               "经度", "纬度", "来电人", "来电号码", "合并至"]  # fmt: skip
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def test_load015_address_only_merged_and_reporter_rows(conn, demo_db, tmp_path) -> None:  # noqa: ANN001
    """A case with an address and no point waits for its location (no grid, the city's code);
    a case merged into another of the same file, or of the database, is stored merged; the
    reporter's name and number are kept; rows that cannot be cases say why; again, unchanged."""
    lon, lat = conn.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM grid"
            " ORDER BY code LIMIT 1) g"
        )  # fmt: skip
    ).one()
    city = conn.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
    case = ["市民热线", "邻里纠纷"]
    path = _hotline_file(
        tmp_path / "t15.csv",
        [
            ["T15-A", *case, "楼上漏水", "2026-11-20 09:00:00", "某路1号", "待受理", lon, lat,
             "张三", "13912345678", ""],
            ["T15-B", *case, "夜间噪音", "2026-11-20 10:00:00", "大学西路附近小区", "待受理",
             "", "", "李四", "13800001111", ""],
            ["T15-C", *case, "楼上漏水（重复来电）", "2026-11-21 09:00:00", "某路1号", "已合并",
             lon, lat, "", "", "T15-A"],
            ["T15-D", *case, "没有地址也没有坐标", "2026-11-21 09:30:00", "", "待受理", "", "",
             "", "", ""],
            ["T15-E", *case, "合并到不存在的工单", "2026-11-21 10:00:00", "某路1号", "已合并",
             lon, lat, "", "", "T15-NOPE"],
            ["T15-F", *case, "不是合并件却有主件编号", "2026-11-21 11:00:00", "某路1号",
             "处理中", lon, lat, "", "", "T15-A"],
            ["T15-G", *case, "合并件缺主件编号", "2026-11-21 12:00:00", "某路1号", "已合并",
             lon, lat, "", "", ""],
        ],
    )  # fmt: skip
    summary, rejected = _load(conn, "disputes", path, crs="wgs84")
    assert (summary.inserted, summary.quarantined) == (3, 4)
    assert {_norm(k): v for k, v in rejected.items()} == {
        _norm(f"第{line}行"): reason
        for line, reason in (
            (5, "empty_geometry"),
            (6, "unknown_code"),
            (7, "invalid_value"),
            (8, "missing_required"),
        )
    }
    stored = {
        r.source_ref: r
        for r in conn.execute(
            text(
                "SELECT id, source_ref, status, merged_into, geom IS NULL AS unlocated,"
                " grid_code, district_code, reporter_name, reporter_phone FROM dispute"
                " WHERE source_ref LIKE 'T15-%'"
            )
        )
    }
    waiting = stored["T15-B"]
    assert waiting.unlocated and waiting.grid_code is None and waiting.district_code == city
    assert stored["T15-C"].status == "merged" and stored["T15-C"].merged_into == stored["T15-A"].id
    assert stored["T15-A"].status == "received" and stored["T15-A"].merged_into is None
    assert (stored["T15-A"].reporter_name, stored["T15-A"].reporter_phone) == (
        "张三",
        "13912345678",
    )
    again, _ = _load(conn, "disputes", path, crs="wgs84")
    assert (again.inserted, again.updated, again.unchanged, again.quarantined) == (0, 0, 3, 4)
    # A later file merges into a case the database already holds.
    later = _hotline_file(
        tmp_path / "t15b.csv",
        [["T15-H", *case, "又一次来电", "2026-11-22 09:00:00", "某路1号", "已合并", lon, lat,
          "", "", "T15-A"]],
    )  # fmt: skip
    third, _ = _load(conn, "disputes", later, crs="wgs84")
    assert third.inserted == 1
    merged = conn.execute(
        text("SELECT status, merged_into FROM dispute WHERE source_ref = 'T15-H'")
    ).one()
    assert tuple(merged) == ("merged", stored["T15-A"].id)


def test_load016_points_go_to_the_grid_they_fall_in_and_shared_vertices_to_the_smaller_code(
    conn,  # noqa: ANN001
    demo_db,  # noqa: ANN001
) -> None:
    """Each staged patrol point gets the grid SQL says contains it; a point on a vertex two grids
    share (it intersects both) goes to the smaller code — whatever order the rows come in."""
    import pandas as pd

    shared = conn.execute(
        text(
            "SELECT a.code, b.code, ST_X(p.geom), ST_Y(p.geom) FROM grid a"
            " JOIN grid b ON a.code < b.code AND a.geom && b.geom"
            " CROSS JOIN LATERAL ST_DumpPoints(a.geom) p"
            " WHERE ST_Intersects(b.geom, p.geom) AND ST_Intersects(a.geom, p.geom)"
            " ORDER BY a.code, b.code LIMIT 3"
        )
    ).all()
    assert len(shared) == 3
    inside = conn.execute(
        text(
            "SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid"
            " ORDER BY code DESC LIMIT 40"
        )
    ).all()
    worker = conn.execute(text("SELECT code FROM grid_worker ORDER BY code LIMIT 1")).scalar()
    points = [(x, y) for _, _, x, y in shared] + [(x, y) for _, x, y in inside]
    want = [a for a, _, _, _ in shared] + [c for c, _, _ in inside]
    start = pd.Timestamp("2031-03-01T08:00:00+08:00")  # a month of its own
    # The smaller code's point not first.
    summary, _ = _load_patrol_points(conn, [worker], points[::-1], start, 1, "edge-patrols")
    assert summary.inserted == len(points)
    got = (
        conn.execute(
            text("SELECT grid_code FROM patrol_visit WHERE visited_at >= :s ORDER BY visited_at"),
            {"s": start.to_pydatetime()},
        )
        .scalars()
        .all()
    )
    assert got == list(reversed(want))

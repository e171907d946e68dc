"""RD-001: reading departmental source files for ``zongzhi load`` (etl.readers, etl.aliases)."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

from etl.aliases import (
    ALIASES,
    GEOMETRY_KINDS,
    KINDS,
    Mapping,
    canonical_columns,
    normalise_header,
    resolve_headers,
)
from etl.readers import ReadError, SourceTable, load_mapping, parse_crs, read_source
from geodata.crs import gcj02_to_wgs84, transform_geometry, wgs84_to_bd09
from tests.fixtures import etl_files as F

GEOD = Geod(ellps="WGS84")
GRID_NAMES = [row["name"] for row in F.GRID_ROWS]
GRID_CODES = [row["code"] for row in F.GRID_ROWS]


def _vertex_distances_m(geom: shapely.Geometry, expected: shapely.Geometry) -> np.ndarray:
    # Shapefile writers re-orient rings, so compare in shapely's canonical vertex order.
    got = shapely.get_coordinates(shapely.normalize(geom))
    want = shapely.get_coordinates(shapely.normalize(expected))
    assert got.shape == want.shape
    return GEOD.inv(got[:, 0], got[:, 1], want[:, 0], want[:, 1])[2]


def _point_distances_m(frame: gpd.GeoDataFrame, points: list[tuple[float, float]]) -> np.ndarray:
    want = np.array(points)
    return GEOD.inv(
        frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy(), want[:, 0], want[:, 1]
    )[2]


def _assert_grid_boxes_exact(table: SourceTable) -> None:
    for geom, b in zip(table.frame.geometry, F.GRID_BOXES, strict=True):
        assert shapely.equals_exact(
            shapely.normalize(geom), shapely.normalize(shapely.box(*b)), tolerance=0
        )


def _write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --- shapefile encodings ------------------------------------------------------------------


def test_rd001_gbk_shapefile_without_cpg_is_detected(tmp_path: Path) -> None:
    path = F.grids_shp_gbk_no_cpg(tmp_path)
    assert not path.with_suffix(".cpg").exists()
    table = read_source(path, "grids")
    assert table.encoding == "gb18030"
    assert table.frame["name"].tolist() == GRID_NAMES
    assert table.frame["code"].tolist() == GRID_CODES
    assert table.frame["residents"].tolist() == [row["residents"] for row in F.GRID_ROWS]
    assert table.column_map["网格名称"] == "name"
    assert table.unmapped_columns == []


def test_rd001_utf8_shapefile_honours_cpg_and_keeps_unmapped(tmp_path: Path) -> None:
    table = read_source(F.grids_shp_utf8_with_cpg(tmp_path), "grids")
    assert table.encoding == "utf-8"
    assert table.frame["name"].tolist() == GRID_NAMES
    assert table.unmapped_columns == ["RKS", "HS"]
    assert table.frame["RKS"].tolist() == [row["residents"] for row in F.GRID_ROWS]
    assert table.layer == "grids_utf8"
    assert table.source_file.endswith("grids_utf8.shp")


def test_rd001_explicit_encoding_wins_over_detection(tmp_path: Path) -> None:
    table = read_source(F.grids_shp_gbk_no_cpg(tmp_path), "grids", encoding="gbk")
    assert table.encoding == "gbk"
    assert table.frame["name"].tolist() == GRID_NAMES


def test_rd001_explicit_encoding_wins_over_cpg(tmp_path: Path) -> None:
    table = read_source(F.grids_shp_utf8_with_cpg(tmp_path), "grids", encoding="latin-1")
    assert table.encoding == "latin-1"
    # Operator asked for latin-1, so latin-1 it is, even though the .cpg says UTF-8.
    assert table.frame["name"].tolist() == [n.encode("utf-8").decode("latin-1") for n in GRID_NAMES]


def test_rd001_explicit_encoding_that_cannot_decode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="utf-8"):
        read_source(F.grids_shp_gbk_no_cpg(tmp_path), "grids", encoding="utf-8")
    with pytest.raises(ReadError, match=r"not valid utf-8 \(line 1\)"):
        read_source(F.hotline_csv_gbk(tmp_path), "disputes", crs="wgs84", encoding="utf-8")


def test_rd001_unknown_encoding_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="--encoding"):
        read_source(F.hotline_csv_gbk(tmp_path), "disputes", crs="wgs84", encoding="klingon")


def test_rd001_undecodable_csv_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_bytes("工单编号,经度,纬度\n".encode() + b"\x80\xff\xfe,1,2\n")
    with pytest.raises(ReadError, match=r"utf-8 or gb18030 \(line 2\).*--encoding"):
        read_source(path, "disputes", crs="wgs84")


def test_rd001_zipped_gbk_shapefile(tmp_path: Path) -> None:
    shp = F.grids_shp_gbk_no_cpg(tmp_path)
    archive = tmp_path / "grids.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in shp.parent.glob(f"{shp.stem}.*"):
            zf.write(part, part.name)
    table = read_source(archive, "grids")
    assert table.encoding == "gb18030"
    assert table.frame["name"].tolist() == GRID_NAMES
    assert table.source_crs == "EPSG:4490"


# --- CRS handling -------------------------------------------------------------------------


def test_rd001_cgcs2000_is_numerically_unchanged(tmp_path: Path) -> None:
    table = read_source(F.grids_shp_gbk_no_cpg(tmp_path), "grids")
    assert table.source_crs == "EPSG:4490"
    assert table.frame.crs.to_epsg() == 4326
    _assert_grid_boxes_exact(table)


def test_rd001_projected_4546_lands_within_1m(tmp_path: Path) -> None:
    table = read_source(F.grids_projected_4546(tmp_path), "grids")
    assert table.source_crs == "EPSG:4546"
    assert table.frame.crs.to_epsg() == 4326
    for geom, b in zip(table.frame.geometry, F.GRID_BOXES, strict=True):
        assert _vertex_distances_m(geom, shapely.box(*b)).max() < 1.0


def test_rd001_shapefile_without_crs_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="--crs") as err:
        read_source(F.grids_shp_no_crs(tmp_path), "grids")
    assert "grids_no_crs.shp" in str(err.value)
    assert "\n" not in str(err.value)


def test_rd001_crs_argument_supplies_missing_crs(tmp_path: Path) -> None:
    table = read_source(F.grids_shp_no_crs(tmp_path), "grids", crs="cgcs2000")
    assert table.source_crs == "EPSG:4490"
    _assert_grid_boxes_exact(table)


def test_rd001_crs_argument_overrides_the_file(tmp_path: Path) -> None:
    # The .prj says CGCS2000, the operator knows the coordinates are really AMap GCJ-02.
    table = read_source(F.grids_shp_utf8_with_cpg(tmp_path), "grids", crs="gcj02")
    assert table.source_crs == "gcj02"
    for geom, b in zip(table.frame.geometry, F.GRID_BOXES, strict=True):
        want = transform_geometry(shapely.box(*b), gcj02_to_wgs84)
        assert _vertex_distances_m(geom, want).max() < 1e-6
        # and the shift is real: GCJ-02 offsets are hundreds of metres in Hohhot
        assert _vertex_distances_m(geom, shapely.box(*b)).min() > 100


def test_rd001_epsg_override_reprojects(tmp_path: Path) -> None:
    # A projected file whose .prj is missing: --crs 4546 makes the metres usable.
    path = F.grids_projected_4546(tmp_path)
    path.with_suffix(".prj").unlink()
    table = read_source(path, "grids", crs="EPSG:4546")
    for geom, b in zip(table.frame.geometry, F.GRID_BOXES, strict=True):
        assert _vertex_distances_m(geom, shapely.box(*b)).max() < 1.0


def test_rd001_gcj02_patrols_come_back_within_1cm(tmp_path: Path) -> None:
    table = read_source(F.patrols_csv_gcj02(tmp_path), "patrols", crs="gcj02")
    assert table.source_crs == "gcj02"
    assert table.encoding == "utf-8"
    assert len(table.frame) == len(F.PATROL_WGS84)
    assert _point_distances_m(table.frame, F.PATROL_WGS84).max() < 0.01
    assert table.frame["worker_code"].tolist() == F.PATROL_WORKERS  # leading zeros kept
    assert table.frame["row_ref"].tolist() == [f"第{n}行" for n in range(2, 7)]


def test_rd001_bd09_points_come_back_within_1cm(tmp_path: Path) -> None:
    lines = ["工号,时间,lng,lat"]
    for i, (lon, lat) in enumerate(F.PATROL_WGS84):
        b_lon, b_lat = wgs84_to_bd09(lon, lat)
        lines.append(f"w{i},2026-11-20 10:00,{b_lon!r},{b_lat!r}")
    path = _write_csv(tmp_path / "baidu.csv", "\n".join(lines) + "\n")
    table = read_source(path, "patrols", crs="BD09")
    assert table.source_crs == "bd09"
    assert _point_distances_m(table.frame, F.PATROL_WGS84).max() < 0.01


def test_rd001_geojson_without_crs_member_is_wgs84(tmp_path: Path) -> None:
    table = read_source(F.grids_with_self_intersection(tmp_path), "grids")
    assert table.source_crs == "EPSG:4326"
    assert table.encoding is None


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("EPSG:4490", "EPSG:4490"),
        ("epsg:4546", "EPSG:4546"),
        ("4326", "EPSG:4326"),
        ("wgs84", "EPSG:4326"),
        ("CGCS2000", "EPSG:4490"),
        ("gcj02", "gcj02"),
        ("GCJ-02", "gcj02"),
        ("bd09", "bd09"),
    ],
)
def test_rd001_parse_crs_accepts_documented_forms(text: str, label: str) -> None:
    assert parse_crs(text)[0] == label


@pytest.mark.parametrize("text", ["EPSG:99999", "mars", "", "+proj=longlat"])
def test_rd001_unknown_crs_value_is_refused(text: str, tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="--crs"):
        parse_crs(text)
    with pytest.raises(ReadError, match="--crs"):
        read_source(F.patrols_csv_gcj02(tmp_path), "patrols", crs=text)


def test_rd001_tabular_coordinates_without_crs_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="--crs.*--mapping"):
        read_source(F.hotline_csv_gbk(tmp_path), "disputes")
    with pytest.raises(ReadError, match="--crs"):
        read_source(F.hotline_xlsx_merged_header(tmp_path), "disputes")


def test_rd001_ewkt_srid_supplies_the_crs(tmp_path: Path) -> None:
    text = '事件编号,WKT\nA1,"SRID=4490;POINT (111.67 40.81)"\nA2,\n'
    table = read_source(_write_csv(tmp_path / "ewkt.csv", text), "disputes")
    assert table.source_crs == "EPSG:4490"
    assert table.frame.geometry.iloc[0].equals(shapely.Point(111.67, 40.81))
    assert table.frame.geometry.iloc[1] is None


# --- tabular: rows are never dropped ------------------------------------------------------


def test_rd001_hotline_csv_gbk_keeps_every_row(tmp_path: Path) -> None:
    table = read_source(F.hotline_csv_gbk(tmp_path), "disputes", crs="wgs84")
    frame = table.frame
    assert table.encoding == "gb18030"
    assert table.source_crs == "EPSG:4326"
    assert isinstance(frame, gpd.GeoDataFrame)
    assert len(frame) == len(F.HOTLINE_ROWS)
    assert frame["row_ref"].tolist() == [f"第{n}行" for n in F.HOTLINE_CSV_LINES]
    assert frame["source_ref"].tolist() == [r[0] for r in F.HOTLINE_ROWS]
    assert frame["title"].tolist() == [r[3] for r in F.HOTLINE_ROWS]
    assert frame["description"].iloc[5] == "夜间有强光\n疑似无人机"
    # Bad values are passed through for the validator, not fixed or dropped.
    assert frame["reported_at"].iloc[F.HOTLINE_MALFORMED_DATE_ROW] == "2026-13-45 25:61"
    assert np.isnan(frame["lon"].iloc[F.HOTLINE_BAD_LON_ROW])
    assert frame.geometry.iloc[F.HOTLINE_BAD_LON_ROW] is None
    assert frame["lat"].iloc[F.HOTLINE_BAD_LON_ROW] == pytest.approx(40.8231)
    first, second = F.HOTLINE_DUPLICATE_ROWS
    assert frame["source_ref"].iloc[first] == frame["source_ref"].iloc[second]
    beijing = frame.geometry.iloc[F.HOTLINE_BEIJING_ROW]
    assert (beijing.x, beijing.y) == (116.4, 39.9)
    assert frame["type"].iloc[F.HOTLINE_UNKNOWN_TYPE_ROW] == "外星人投诉"
    # 来电号码 is the reporter's number (personal data, masked in the app); leading zero kept.
    assert frame["reporter_phone"].iloc[0] == "04716661234"
    assert table.unmapped_columns == []
    # 东经111.65 is no number: an error for the row, not a row without a location.
    assert "东经111.65" in table.geometry_errors[F.HOTLINE_BAD_LON_ROW]
    assert list(frame.columns[:2]) == ["row_ref", "source_ref"]


def test_rd001_xlsx_header_found_under_merged_title(tmp_path: Path) -> None:
    table = read_source(F.hotline_xlsx_merged_header(tmp_path), "disputes", crs="wgs84")
    frame = table.frame
    assert table.layer == F.HOTLINE_XLSX_SHEET
    assert table.encoding is None
    assert len(frame) == len(F.HOTLINE_ROWS)
    assert frame["row_ref"].tolist() == [f"第{n}行" for n in F.HOTLINE_XLSX_ROWS]
    assert frame["source_ref"].tolist() == [r[0] for r in F.HOTLINE_ROWS]
    assert F.HOTLINE_XLSX_TITLE not in frame.columns
    assert frame["reported_at"].iloc[0] == datetime(2026, 11, 3, 8, 15)
    assert frame["reported_at"].iloc[F.HOTLINE_MALFORMED_DATE_ROW] == "2026-13-45 25:61"
    assert frame["lon"].iloc[0] == 111.6712
    assert frame.geometry.iloc[F.HOTLINE_BAD_LON_ROW] is None
    assert frame["reporter_phone"].iloc[0] == "04716661234"
    assert frame["parties"].iloc[1] == "15"


def test_rd001_xlsx_unknown_sheet_lists_sheets(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="工单明细, 说明"):
        read_source(F.hotline_xlsx_merged_header(tmp_path), "disputes", crs="wgs84", layer="汇总")


def test_rd001_wkt_disputes_keep_unparseable_rows(tmp_path: Path) -> None:
    table = read_source(F.disputes_wkt_csv(tmp_path), "disputes", crs="EPSG:4326")
    frame = table.frame
    assert len(frame) == len(F.DISPUTE_WKT_ROWS)
    assert frame["source_ref"].tolist() == [r[0] for r in F.DISPUTE_WKT_ROWS]
    assert frame.geometry.iloc[0].equals(shapely.Point(111.6712, 40.8179))
    assert frame.geometry.iloc[1] is None and frame.geometry.iloc[2] is None
    assert set(table.geometry_errors) == {1}
    assert frame["wkt"].iloc[1] == "POINT (111.70 40.79"


def test_rd001_tab_separated_utf16_text_export(tmp_path: Path) -> None:
    text = "网格员编号\t姓名\t所属网格\t手机号\r\n0471001\t乌兰\t150102001001\t13800000001\r\n"
    path = tmp_path / "workers.txt"
    path.write_bytes(text.encode("utf-16"))
    table = read_source(path, "grid-workers")
    assert table.encoding == "utf-16"
    assert not isinstance(table.frame, gpd.GeoDataFrame)
    assert table.source_crs is None
    assert table.frame[["code", "name", "grid_code", "phone"]].iloc[0].tolist() == [
        "0471001",
        "乌兰",
        "150102001001",
        "13800000001",
    ]


def test_rd001_blank_lines_are_not_rows_but_keep_numbering(tmp_path: Path) -> None:
    text = "姓名,身份证号\n\n张三,150102199001011234\n,\n李四,\n"
    table = read_source(_write_csv(tmp_path / "kp.csv", text), "key-persons")
    assert table.frame["row_ref"].tolist() == ["第3行", "第5行"]
    assert table.frame["id_number"].iloc[0] == "150102199001011234"
    assert pd.isna(table.frame["id_number"].iloc[1])


def test_rd001_spatial_kind_without_geometry_columns_is_refused(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "no_xy.csv", "事件编号,标题\nA1,争吵\n")
    with pytest.raises(ReadError, match="lon/lat"):
        read_source(path, "disputes", crs="wgs84")


# --- vector geometry problems are passed on -----------------------------------------------


@pytest.mark.parametrize(
    "writer",
    [
        F.grids_with_invalid_ring,
        F.grids_with_self_intersection,
        F.grids_with_empty_geometry,
        F.grids_with_wrong_geometry_type,
    ],
)
def test_rd001_bad_geometries_keep_their_rows(writer, tmp_path: Path) -> None:  # noqa: ANN001
    table = read_source(writer(tmp_path), "grids")
    frame = table.frame
    assert len(frame) == len(F.GRID_ROWS)
    assert frame["code"].tolist() == GRID_CODES
    assert frame["name"].tolist() == GRID_NAMES
    assert frame["row_ref"].tolist() == ["feature 0", "feature 1", "feature 2"]
    for i in (0, 2):
        assert shapely.is_valid(frame.geometry.iloc[i])


def test_rd001_geometry_problem_details(tmp_path: Path) -> None:
    unclosed = read_source(F.grids_with_invalid_ring(tmp_path), "grids")
    assert unclosed.frame.geometry.iloc[1] is None
    assert "closed" in unclosed.geometry_errors[1]

    bowtie = read_source(F.grids_with_self_intersection(tmp_path), "grids")
    assert not shapely.is_valid(bowtie.frame.geometry.iloc[1])
    assert bowtie.geometry_errors == {}

    empty = read_source(F.grids_with_empty_geometry(tmp_path), "grids")
    assert empty.frame.geometry.iloc[1] is None
    assert empty.geometry_errors == {}

    line = read_source(F.grids_with_wrong_geometry_type(tmp_path), "grids")
    assert line.frame.geometry.iloc[1].geom_type == "LineString"


# --- layers and files ---------------------------------------------------------------------


def test_rd001_gpkg_picks_the_kind_layer(tmp_path: Path) -> None:
    table = read_source(F.buildings_gpkg(tmp_path), "buildings")
    assert table.layer == F.BUILDINGS_LAYER
    assert table.source_crs == "EPSG:4490"
    assert table.frame["address"].tolist() == [r["地址"] for r in F.BUILDING_ROWS]
    assert table.frame["code"].tolist() == [r["楼栋编码"] for r in F.BUILDING_ROWS]
    assert table.frame["row_ref"].tolist() == ["feature 1", "feature 2", "feature 3"]  # GPKG fids


def test_rd001_explicit_layer_is_read(tmp_path: Path) -> None:
    table = read_source(F.buildings_gpkg(tmp_path), "buildings", layer="entrances")
    assert table.layer == "entrances"
    assert len(table.frame) == 1
    assert table.unmapped_columns == ["说明"]


def test_rd001_unknown_layer_lists_available(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="buildings, entrances"):
        read_source(F.buildings_gpkg(tmp_path), "buildings", layer="楼栋")


def test_rd001_ambiguous_layers_need_layer(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="--layer"):
        read_source(F.buildings_gpkg(tmp_path), "grids")


def test_rd001_csv_has_no_layers(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="--layer"):
        read_source(F.patrols_csv_gcj02(tmp_path), "patrols", crs="gcj02", layer="x")


@pytest.mark.parametrize("name", ["grids.docx", "grids.xls", "grids"])
def test_rd001_unsupported_extension(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(b"not really")
    with pytest.raises(ReadError, match="not supported|unsupported"):
        read_source(path, "grids")


def test_rd001_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="not found"):
        read_source(tmp_path / "nope.shp", "grids")


@pytest.mark.parametrize("name", ["broken.gpkg", "broken.geojson", "broken.xlsx"])
def test_rd001_unreadable_file(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(b"\x00\x01garbage")
    with pytest.raises(ReadError, match="cannot read"):
        read_source(path, "grids")


def test_rd001_empty_csv(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="no header"):
        read_source(_write_csv(tmp_path / "empty.csv", "\n\n"), "grid-workers")


def test_rd001_unknown_kind(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="unknown kind"):
        read_source(F.patrols_csv_gcj02(tmp_path), "patrol")


# --- mapping files ------------------------------------------------------------------------


def test_rd001_mapping_columns_crs_and_values_applied(tmp_path: Path) -> None:
    mapping = F.hotline_mapping_yaml(tmp_path)
    table = read_source(F.hotline_xlsx_merged_header(tmp_path), "disputes", mapping=mapping)
    frame = table.frame
    assert table.source_crs == "EPSG:4326"  # from the mapping's crs: entry
    assert table.column_map["诉求内容"] == "title"  # mapping beats the alias
    assert "诉求标题" in table.unmapped_columns
    assert frame["title"].iloc[0] == F.HOTLINE_ROWS[0][4]
    assert "description" not in frame.columns
    assert frame["source"].tolist() == ["hotline"] * 5 + ["web", "hotline"]
    # Unknown values are left for the validator.
    assert frame["status"].tolist() == [
        "pending",
        "in_progress",
        "pending",
        "in_progress",
        "已办结",
        "pending",
        "已办结",
    ]
    assert len(frame) == len(F.HOTLINE_ROWS)


def test_rd001_crs_argument_beats_mapping_crs(tmp_path: Path) -> None:
    mapping = load_mapping(F.hotline_mapping_yaml(tmp_path), "disputes")
    assert mapping.crs == "EPSG:4326"
    table = read_source(F.hotline_csv_gbk(tmp_path), "disputes", mapping=mapping, crs="gcj02")
    assert table.source_crs == "gcj02"


def test_rd001_malformed_mapping_yaml(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="malformed YAML"):
        load_mapping(F.malformed_mapping_yaml(tmp_path))
    with pytest.raises(ReadError, match="malformed YAML"):
        read_source(
            F.hotline_csv_gbk(tmp_path),
            "disputes",
            crs="wgs84",
            mapping=F.malformed_mapping_yaml(tmp_path),
        )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("columns:\n  工单编号: ticket_no\n", "ticket_no"),
        ("- a\n- b\n", "top level"),
        ("colums:\n  a: title\n", "colums"),
        ("columns: [a, b]\n", "columns"),
        ("crs: mars\n", "--crs"),
        ("values:\n  source: hotline\n", "values"),
        ("values:\n  channel: {a: b}\n", "channel"),
    ],
)
def test_rd001_bad_mapping_content(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReadError, match=message):
        load_mapping(path, "disputes")


def test_rd001_mapping_checked_against_kind(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text("columns:\n  网格编码: community_code\n", encoding="utf-8")
    assert load_mapping(path).columns == {"网格编码": "community_code"}  # valid for grids
    with pytest.raises(ReadError, match="community_code"):
        read_source(F.hotline_csv_gbk(tmp_path), "disputes", crs="wgs84", mapping=path)


def test_rd001_mapping_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="mapping"):
        load_mapping(tmp_path / "absent.yaml")


# --- aliases ------------------------------------------------------------------------------


def test_rd001_aliases_resolve_common_headers() -> None:
    headers = ["事件编号", " 经度 ", "纬度", "事件类型", "来电时间", "备注"]
    assert resolve_headers(headers, "disputes") == {
        "事件编号": "source_ref",
        " 经度 ": "lon",
        "纬度": "lat",
        "事件类型": "type",
        "来电时间": "reported_at",
    }
    assert resolve_headers(["LONGITUDE", "Latitude", "x"], "patrols") == {
        "LONGITUDE": "lon",
        "Latitude": "lat",
    }
    assert resolve_headers(["wgbm", "*网格名称", "ＳＱＢＭ"], "grids") == {
        "wgbm": "code",
        "*网格名称": "name",
        "ＳＱＢＭ": "community_code",
    }


def test_rd001_earlier_alias_wins_and_loser_stays_unmapped() -> None:
    assert resolve_headers(["登记时间", "发生时间"], "disputes") == {"发生时间": "reported_at"}
    assert resolve_headers(["经度", "X"], "disputes") == {"经度": "lon"}


def test_rd001_mapping_beats_alias_and_ignores_paren_width() -> None:
    mapping = Mapping(columns={"人口(人)": "residents", "网格名": "code"})
    got = resolve_headers(["网格名", "人口（人）", "网格编码"], "grids", mapping)
    assert got == {"网格名": "code", "人口（人）": "residents"}
    assert normalise_header("赛罕区（南）") == normalise_header(" 赛罕区(南) ")


def test_rd001_alias_tables_are_unambiguous() -> None:
    for kind in KINDS:
        seen: dict[str, str] = {}
        for canonical, aliases in ALIASES[kind].items():
            for alias in (canonical, *aliases):
                key = normalise_header(alias)
                assert seen.setdefault(key, canonical) == canonical, (kind, alias)
    assert GEOMETRY_KINDS <= set(KINDS)
    assert canonical_columns("grids")[:2] == ("code", "name")

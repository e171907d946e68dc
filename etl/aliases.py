"""Canonical column names per load kind and the header aliases departments actually use.

A departmental export names the same field many ways (网格编码 / 网格编号 / WGBM ...). The
reader renames every recognised header to one canonical name so validation and upsert code
only ever sees ``code``, ``name``, ``lon`` ... Headers that match nothing keep their original
name so quarantined rows still carry everything the source had.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ALIASES",
    "GEOMETRY_KINDS",
    "KINDS",
    "POINT_KINDS",
    "Mapping",
    "all_canonical_columns",
    "canonical_columns",
    "normalise_header",
    "resolve_headers",
]

# Coordinates: X/Y follow the GIS export convention (X = easting = longitude), not the
# surveying one, because hotline and patrol exports come from GIS/web tools.
_LON = ("经度", "lng", "lon", "longitude", "X", "POINT_X", "经度坐标")
_LAT = ("纬度", "lat", "latitude", "Y", "POINT_Y", "纬度坐标")
_WKT = ("WKT", "geometry", "geom", "the_geom", "shape", "几何", "空间信息", "坐标串")

# Within one kind the order matters twice: the first canonical column claiming an alias
# owns it, and when two headers alias the same column the one earlier in the list wins.
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "areas": {
        "code": (
            "区划代码",
            "行政区划代码",
            "区划编码",
            "编码",
            "代码",
            "XZQDM",
            "XZQHDM",
            "area_code",
        ),
        "name": ("区划名称", "行政区划名称", "名称", "XZQMC", "area_name"),
        "level": ("级别", "层级", "区划级别", "行政级别"),
        "parent_code": ("上级代码", "上级区划代码", "上级编码", "父级代码", "parent"),
        "wkt": _WKT,
    },
    "grids": {
        "code": ("网格编码", "网格编号", "网格代码", "WGBM", "grid_code"),
        "name": ("网格名称", "网格名", "WGMC", "grid_name"),
        "community_code": ("所属社区", "社区编码", "所属社区编码", "社区代码", "SQBM"),
        "residents": ("常住人口", "实有人口", "人口数", "人口"),
        "households": ("户数", "总户数", "实有户数"),
        "wkt": _WKT,
    },
    "buildings": {
        "code": ("楼栋编码", "建筑编码", "楼栋编号", "建筑物编码", "LDBM", "building_code"),
        "grid_code": ("所属网格", "网格编码", "所属网格编码", "WGBM"),
        "address": ("地址", "楼栋地址", "详细地址"),
        "floors": ("层数", "楼层数", "地上层数", "总层数"),
        "wkt": _WKT,
    },
    "housing-units": {
        "building_code": ("楼栋编码", "所属楼栋", "建筑编码", "楼栋编号"),
        "unit_no": ("房号", "门牌号", "户号", "房间号"),
        "floor": ("所在楼层", "楼层", "层"),
        "residents": ("居住人数", "常住人数", "人数", "实有人口"),
        "occupancy": ("居住状态", "房屋用途", "使用状态"),
    },
    "grid-workers": {
        "code": ("工号", "网格员编号", "人员编号"),
        "name": ("姓名", "网格员", "网格员姓名"),
        "grid_code": ("网格编码", "所属网格", "负责网格"),
        "phone": ("联系电话", "手机号", "手机号码", "电话"),
    },
    "key-persons": {
        "name": ("姓名",),
        "id_number": ("身份证号", "公民身份号码", "身份证号码", "证件号码"),
        "phone": ("联系电话", "手机号", "手机号码", "电话"),
        "category": ("人员类别", "类别", "人员类型"),
        "grid_code": ("网格编码", "所属网格"),
        "risk_level": ("风险等级", "风险级别"),
        "lon": _LON,
        "lat": _LAT,
        "wkt": _WKT,
    },
    "disputes": {
        "source_ref": ("事件编号", "工单编号", "案件编号", "工单号"),
        "source": ("来源", "事件来源", "来源渠道"),
        "type": ("事件类型", "纠纷类型", "类别", "诉求类型"),
        "title": ("标题", "事件标题", "诉求标题"),
        "description": ("描述", "诉求内容", "事件描述", "内容"),
        "reported_at": ("发生时间", "登记时间", "受理时间", "来电时间"),
        "address": ("地址", "事发地址", "事发地点"),
        "parties": ("当事人数", "涉及人数"),
        "status": ("办理状态", "状态"),
        "resolved_at": ("办结时间", "结案时间", "化解时间"),
        "outcome": ("办理结果", "化解结果", "处理结果"),
        "satisfaction": ("满意度", "群众评价"),
        "involves_key_person": ("涉及重点人员", "是否涉及重点人员"),
        "risk_level": ("风险等级",),
        "reporter_name": ("来电人", "反映人", "诉求人", "联系人"),
        "reporter_phone": ("来电号码", "联系电话", "联系方式", "手机号"),
        "merged_into": ("合并至", "主件编号", "合并到"),
        "lon": _LON,
        "lat": _LAT,
        "grid_code": ("网格编码", "所属网格"),
        "wkt": _WKT,
    },
    "patrols": {
        "worker_code": ("网格员编号", "工号"),
        "visited_at": ("巡查时间", "走访时间", "时间"),
        "lon": _LON,
        "lat": _LAT,
        "building_code": ("楼栋编码",),
        "grid_code": ("网格编码",),
        "finding": ("巡查情况", "发现问题"),
        "anomaly_type": ("异常类型",),
        "wkt": _WKT,
    },
    "whistles": {
        "source_ref": ("吹哨编号", "编号"),
        "community_code": ("社区编码", "所属社区", "吹哨社区"),
        "category": ("吹哨类别",),
        "item": ("吹哨事项",),
        "raised_at": ("吹哨时间",),
        "responding_department": ("应哨部门",),
        "responded_at": ("应哨时间", "响应时间"),
        "status": ("状态", "办理状态"),
        "evaluation": ("评价", "满意度"),
    },
}

KINDS: tuple[str, ...] = tuple(ALIASES)
# Kinds whose rows are useless without a location; key-persons carry an optional point.
GEOMETRY_KINDS: frozenset[str] = frozenset({"areas", "grids", "buildings", "disputes", "patrols"})
POINT_KINDS: frozenset[str] = frozenset({"disputes", "patrols", "key-persons"})


@dataclass(frozen=True)
class Mapping:
    """An operator's per-source overrides: header renames, default CRS and value maps."""

    columns: dict[str, str] = field(default_factory=dict)
    crs: str | None = None
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    source_file: str | None = None


def normalise_header(header: object) -> str:
    """Fold a header for matching: NFKC (full-width -> half-width), casefold, trim, drop '*'."""
    text = unicodedata.normalize("NFKC", str(header)).strip()
    # Government templates star required columns ("*网格编码"); the star is not part of it.
    return text.lstrip("*").strip().casefold()


def canonical_columns(kind: str) -> tuple[str, ...]:
    """Canonical column names for ``kind`` (KeyError for an unknown kind)."""
    return tuple(ALIASES[kind])


def all_canonical_columns() -> frozenset[str]:
    """Every canonical column name of every kind."""
    return frozenset(c for cols in ALIASES.values() for c in cols)


def _alias_table(kind: str) -> dict[str, tuple[str, int]]:
    table: dict[str, tuple[str, int]] = {}
    for canonical, aliases in ALIASES[kind].items():
        # The canonical name is always its own first alias.
        for priority, alias in enumerate((canonical, *aliases)):
            table.setdefault(normalise_header(alias), (canonical, priority))
    return table


def resolve_headers(
    headers: Iterable[object],
    kind: str,
    mapping: Mapping | dict[str, str] | None = None,
) -> dict[str, str]:
    """Map source headers to canonical names: mapping columns first, then built-in aliases.

    Each canonical name is claimed by at most one header; losers stay unmapped. The result
    keeps source-header order and only contains mapped headers.
    """
    headers = [str(h) for h in headers]
    explicit = mapping.columns if isinstance(mapping, Mapping) else (mapping or {})
    explicit_norm = {normalise_header(k): v for k, v in explicit.items()}
    table = _alias_table(kind)

    resolved: dict[str, str] = {}
    taken: set[str] = set()
    for header in headers:
        target = explicit_norm.get(normalise_header(header))
        if target is not None and target not in taken and header not in resolved:
            resolved[header] = target
            taken.add(target)

    candidates = sorted(
        (table[norm][1], position, header, table[norm][0])
        for position, header in enumerate(headers)
        if header not in resolved and (norm := normalise_header(header)) in table
    )
    for _priority, _position, header, canonical in candidates:
        if canonical in taken or header in resolved:
            continue
        resolved[header] = canonical
        taken.add(canonical)

    return {h: resolved[h] for h in headers if h in resolved}

"""``zongzhi load``: every input row is loaded, updated, left unchanged or quarantined — never lost.

Python validates values column by column (vectorised); the database checks what needs the
database (codes, grids, parents) in a staging table; one set-based upsert writes the target.
All of it is one transaction: a failure leaves nothing of the batch behind.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DataError, IntegrityError

from domain import vocab
from domain.clock import TZ_NAME
from domain.i18n import t
from etl.idcard import mask_id_number, valid_id_number
from etl.readers import SourceTable, read_source
from geodata.load import bulk, staging
from geodata.load import plans as load_plans

TZ = TZ_NAME

# Reason codes for quarantined rows; their messages are ``reason.<code>`` in domain.i18n.
REASON_CODES = (
    "missing_required",
    "unparseable_date",
    "unparseable_number",
    "invalid_value",
    "invalid_id_number",
    "empty_geometry",
    "invalid_geometry",
    "wrong_geometry_type",
    "outside_area",
    "outside_parent",
    "unknown_code",
    "duplicate_in_file",
    "constraint_violation",
)
REASONS: dict[str, tuple[str, str]] = {
    code: (t(f"reason.{code}", "zh"), t(f"reason.{code}", "en")) for code in REASON_CODES
}


class LoadError(Exception):
    """The load cannot run (bad option, unknown kind); one line for the operator."""


@dataclass(frozen=True)
class Field:
    """One canonical input column: how to parse it and whether it must be present."""

    name: str
    type: str = "text"  # text | int | datetime | choice
    required: bool = False
    choices: dict[str, str] | None = None  # accepted spellings → stored code
    default: Any = None
    minimum: int | None = None
    maximum: int | None = None


LEVELS = vocab.synonyms("level")
RISK = vocab.synonyms("risk")
OCCUPANCY = vocab.synonyms("occupancy")
SOURCES = vocab.synonyms("source")
DISPUTE_STATUS = vocab.synonyms("status")
WHISTLE_STATUS = vocab.synonyms("whistle_status")

YES_NO = vocab.synonyms("yes_no")

# Names other systems give the catalogue's dispute types (the catalogue's own names and codes
# are matched in the database).
TYPE_SYNONYMS = {
    "物业纠纷": "property",
    "物业": "property",
    "房产纠纷": "property",
    "征地拆迁": "demolition",
    "拆迁纠纷": "demolition",
    "欠薪": "labour",
    "拖欠工资": "labour",
    "劳动争议": "labour",
    "交通事故纠纷": "traffic",
    "婚姻家庭纠纷": "family",
    "家庭纠纷": "family",
    "邻里矛盾": "neighbour",
    "土地纠纷": "land",
    "林地纠纷": "land",
    "供暖": "heating",
    "供热": "heating",
    "供热纠纷": "heating",
    "医患纠纷": "medical",
    "消费者纠纷": "consumer",
}

# Kinds: canonical fields (beyond geometry), geometry expectation, and the plan's staging names.
KIND_FIELDS: dict[str, tuple[Field, ...]] = {
    "areas": (
        Field("code", required=True),
        Field("name", required=True),
        Field("level", "choice", required=True, choices=LEVELS),
        Field("parent_code"),
    ),
    "grids": (
        Field("code", required=True),
        Field("name", required=True),
        Field("community_code", required=True),
        Field("residents", "int", minimum=0),
        Field("households", "int", minimum=0),
    ),
    "buildings": (
        Field("code", required=True),
        Field("grid_code"),
        Field("address"),
        Field("floors", "int", required=True, minimum=1, maximum=200),
    ),
    "housing-units": (
        Field("building_code", required=True),
        Field("unit_no", required=True),
        Field("floor", "int", required=True, minimum=-5, maximum=200),
        Field("residents", "int", minimum=0, default=0),
        Field("occupancy", "choice", choices=OCCUPANCY, default="other"),
    ),
    "grid-workers": (
        Field("code", required=True),
        Field("name", required=True),
        Field("grid_code", required=True),
        Field("phone"),
    ),
    "key-persons": (
        Field("name", required=True),
        Field("id_number", required=True),
        Field("phone"),
        Field("category", required=True),
        Field("grid_code"),
        Field("risk_level", "choice", choices=RISK, default="low"),
    ),
    "disputes": (
        Field("source_ref", required=True),
        Field("source", "choice", choices=SOURCES, default="hotline"),
        Field("type", required=True),
        Field("title"),
        Field("description"),
        Field("address"),
        Field("reported_at", "datetime", required=True),
        Field("parties", "int", minimum=1, default=2),
        Field("status", "choice", choices=DISPUTE_STATUS, default="received"),
        Field("risk_level", "choice", choices=RISK, default="low"),
        Field("resolved_at", "datetime"),
        Field("grid_code"),
        Field("outcome"),
        Field("satisfaction", "int", minimum=1, maximum=5),
        Field("involves_key_person", "choice", choices=YES_NO, default="false"),
        Field("reporter_name"),
        Field("reporter_phone"),
        # The source reference of the case a duplicate was merged into (status merged).
        Field("merged_into"),
    ),
    "patrols": (
        Field("worker_code", required=True),
        Field("visited_at", "datetime", required=True),
        Field("building_code"),
        Field("finding"),
        Field("anomaly_type"),
    ),
    "whistles": (
        Field("source_ref", required=True),
        Field("community_code", required=True),
        Field("category", required=True),
        Field("item", required=True),
        Field("raised_at", "datetime", required=True),
        Field("responding_department"),
        Field("responded_at", "datetime"),
        Field("status", "choice", choices=WHISTLE_STATUS, default="raised"),
        Field("evaluation", "int", minimum=1, maximum=5),
    ),
}
# What geometry a kind needs: (allowed geometry types, required?).
KIND_GEOMETRY: dict[str, tuple[tuple[str, ...], bool]] = {
    "areas": (("Polygon", "MultiPolygon"), True),
    "grids": (("Polygon", "MultiPolygon"), True),
    "buildings": (("Polygon", "MultiPolygon"), True),
    # A case without a point but with an address waits for its location (see _kind_rules).
    "disputes": (("Point",), False),
    "patrols": (("Point",), True),
    "key-persons": (("Point",), False),
}
# Canonical input name → staging column, where they differ.
STAGE_NAMES = {"disputes": {"type": "type_code"}}


def _below_city(frame: pd.DataFrame) -> bool:
    """Some row is an area below the city level."""
    if "level" not in frame.columns:
        return False
    levels = _text(frame["level"]).map(lambda v: LEVELS.get(v.lower()) if v else None)
    return bool((levels.notna() & (levels != "city")).any())


# Optional fields a file still needs a column for, and when: the database requires a parent
# for every area below the city (ck_admin_area_parent_unless_city).
NEEDED_WHEN: dict[str, dict[str, tuple[str, Callable[[pd.DataFrame], bool]]]] = {
    "areas": {"parent_code": ("rows below city level need it", _below_city)},
}


def missing_fields(kind: str, frame: pd.DataFrame) -> dict[str, str]:
    """Fields of ``kind`` the source has no column for although its rows need them → why."""
    missing = {
        f.name: "required" for f in KIND_FIELDS[kind] if f.required and f.name not in frame.columns
    }
    for name, (why, needed) in NEEDED_WHEN.get(kind, {}).items():
        if name not in frame.columns and needed(frame):
            missing[name] = why
    return missing


def source_headers(table: SourceTable) -> list[str]:
    """The file's own headers, in file order (as read, before renaming to canonical names)."""
    original = {canonical: header for header, canonical in table.column_map.items()}
    geometry = table.frame.geometry.name if isinstance(table.frame, gpd.GeoDataFrame) else None
    return [
        original.get(str(c), str(c)) for c in table.frame.columns if c not in ("row_ref", geometry)
    ]


def check_fields(kind: str, table: SourceTable) -> None:
    """Refuse, in one line, a source that lacks a column every row of it would need."""
    missing = missing_fields(kind, table.frame)
    if not missing:
        return
    fields = ", ".join(n if why == "required" else f"{n} ({why})" for n, why in missing.items())
    headers = source_headers(table)
    recognised = ", ".join(h if h == c else f"{h}→{c}" for h, c in table.column_map.items())
    raise LoadError(
        f"缺少必填字段 / {Path(table.source_file).name} has no column for {kind} field(s) "
        f"{fields}; headers seen: {', '.join(headers) or '(none)'}"
        + (f" (recognised: {recognised})" if recognised else "")
        + "; rename the headers or map them with --mapping (columns: {HEADER: FIELD})"
    )


@dataclass
class LoadSummary:
    """What happened to every row of one file."""

    kind: str
    source_file: str
    batch_id: int | None = None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    repaired: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    seconds: float = 0.0
    encoding: str | None = None
    source_crs: str | None = None
    steps: dict[str, float] = field(default_factory=dict)  # seconds per stage, for bench/

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def balanced(self) -> bool:
        return self.read == self.inserted + self.updated + self.unchanged + self.quarantined


Detail = str | Callable[[pd.Index], Any]


@dataclass
class _Verdicts:
    """First failure per row (positional), with a detail naming the column and value."""

    n: int
    reason: np.ndarray = field(init=False)
    detail: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.reason = np.full(self.n, None, dtype=object)
        self.detail = np.full(self.n, None, dtype=object)

    def mark(self, mask: Any, reason: str, detail: Detail) -> None:
        """Flag rows in ``mask`` not flagged yet; details are built only for those rows."""
        fresh = np.asarray(mask, dtype=bool) & self.ok
        if not fresh.any():
            return
        where = np.flatnonzero(fresh)
        self.reason[where] = reason
        if isinstance(detail, str):
            self.detail[where] = detail
        else:
            self.detail[where] = np.asarray(list(detail(pd.Index(where))), dtype=object)

    @property
    def ok(self) -> np.ndarray:
        return pd.isna(self.reason)


def _shows(name: str, values: pd.Series) -> Callable[[pd.Index], Any]:
    """Detail builder: 'column=value' for the flagged positions."""
    return lambda where: [f"{name}={values.iloc[i]!r}" for i in where]


def _text(series: pd.Series) -> pd.Series:
    """Stripped strings; empty and missing become None."""
    if not (pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series)):
        series = (
            series.astype(object)
            .where(series.notna(), None)
            .map(lambda v: v if v is None else str(v))
        )
    s = series.astype("string").str.strip()
    s = s.where(s != "", None)
    return s.astype(object).where(s.notna(), None)


_DATE_SEPARATORS = {"年": "-", "月": "-", "日": " ", "/": "-"}


def _localise(ts: pd.Series) -> pd.Series:
    if ts.dt.tz is None:
        return ts.dt.tz_localize(TZ, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
    return ts.dt.tz_convert("UTC")


def _parse_datetime(series: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(UTC timestamps, unparseable mask). Local Asia/Shanghai unless the value says otherwise."""
    if pd.api.types.is_datetime64_any_dtype(series):
        return _localise(series), np.zeros(len(series), dtype=bool)
    text = _text(series)
    present = text.notna().to_numpy()
    cleaned = text.astype("string")
    for old, new in _DATE_SEPARATORS.items():
        cleaned = cleaned.str.replace(old, new, regex=False)
    cleaned = cleaned.str.strip()
    parsed = pd.to_datetime(cleaned, errors="coerce", format="mixed")
    if pd.api.types.is_datetime64_any_dtype(parsed):
        out = _localise(parsed)
    else:  # mixed offsets in one column: element by element
        out = pd.Series(
            [pd.NaT if pd.isna(x) else _one_timestamp(x) for x in cleaned], index=series.index
        )
        out = pd.to_datetime(out, utc=True)
    bad = present & out.isna().to_numpy()
    return out, bad


def _one_timestamp(value: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError):
        return pd.NaT
    return ts.tz_localize(TZ) if ts.tzinfo is None else ts


def _validate(table: SourceTable, kind: str) -> tuple[pd.DataFrame, _Verdicts, int]:
    """Parse every canonical column; returns (clean frame, verdicts, geometries repaired)."""
    frame = table.frame
    n = len(frame)
    v = _Verdicts(n)
    clean: dict[str, Any] = {}
    for f in KIND_FIELDS[kind]:
        raw = frame[f.name] if f.name in frame.columns else pd.Series([None] * n, index=frame.index)
        if f.type == "datetime":
            ts, bad = _parse_datetime(raw)
            if pd.api.types.is_datetime64_any_dtype(raw):
                missing = raw.isna().to_numpy()
            else:
                missing = _text(raw).isna().to_numpy()
            if f.required:
                v.mark(missing, "missing_required", f"{f.name} 为空 / {f.name} is empty")
            v.mark(bad, "unparseable_date", _shows(f.name, raw))
            clean[f.name] = ts.where(~bad, pd.NaT)
            continue
        if f.type == "int" and pd.api.types.is_numeric_dtype(raw):
            num = raw.astype("Float64")
            missing = num.isna().to_numpy()
            bad = np.zeros(n, dtype=bool) | ((~missing) & (num.fillna(0) % 1 != 0).to_numpy(bool))
        else:
            text = _text(raw)
            missing = text.isna().to_numpy()
            if f.type == "int":
                num = pd.to_numeric(text, errors="coerce").astype("Float64")
                bad = (~missing) & (num.isna().to_numpy() | (num.fillna(0) % 1 != 0).to_numpy(bool))
        if f.required:
            v.mark(missing, "missing_required", f"{f.name} 为空 / {f.name} is empty")
        if f.type == "int":
            v.mark(bad, "unparseable_number", _shows(f.name, raw))
            out_of_range = np.zeros(n, dtype=bool)
            if f.minimum is not None:
                out_of_range |= (num < f.minimum).fillna(False).to_numpy(bool)
            if f.maximum is not None:
                out_of_range |= (num > f.maximum).fillna(False).to_numpy(bool)
            v.mark(out_of_range, "invalid_value", _shows(f.name, raw))
            values = num.mask(bad)
            if f.default is not None:
                values = values.fillna(f.default)
            clean[f.name] = values.round().astype("Int64")
        elif f.type == "choice":
            assert f.choices is not None
            mapped = text.astype("string").str.lower().map(f.choices)
            bad = (~missing) & mapped.isna().to_numpy()
            v.mark(bad, "invalid_value", _shows(f.name, raw))
            if f.default is not None:
                mapped = mapped.where(~missing, f.default)
            clean[f.name] = mapped.astype(object).where(mapped.notna(), None)
        else:
            clean[f.name] = text
    repaired = _validate_geometry(table, kind, v, clean)
    _kind_rules(kind, clean, v)
    return pd.DataFrame(clean, index=frame.index), v, repaired


def _validate_geometry(table: SourceTable, kind: str, v: _Verdicts, clean: dict[str, Any]) -> int:
    if kind not in KIND_GEOMETRY:
        return 0
    allowed, required = KIND_GEOMETRY[kind]
    frame = table.frame
    n = len(frame)
    if "geometry" in frame.columns:
        geoms = np.asarray(frame.geometry.values, dtype=object).copy()
    else:
        geoms = np.full(n, None, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    broken = np.zeros(n, dtype=bool)
    for pos in table.geometry_errors:
        broken[pos] = True
    v.mark(broken, "invalid_geometry", lambda where: [table.geometry_errors[i] for i in where])
    if required:
        v.mark(missing & ~broken, "empty_geometry", "没有几何 / no geometry")
    type_ids = shapely.get_type_id(geoms)
    allowed_ids = [int(getattr(shapely.GeometryType, t.upper())) for t in allowed]
    wrong = ~missing & ~np.isin(type_ids, allowed_ids)
    v.mark(
        wrong,
        "wrong_geometry_type",
        lambda where: [f"{geoms[i].geom_type}, expected {'/'.join(allowed)}" for i in where],
    )
    repaired = 0
    if "Polygon" in allowed:
        invalid = ~missing & ~wrong & ~shapely.is_valid(geoms)
        for i in np.flatnonzero(invalid):
            fixed = shapely.make_valid(geoms[i], method="structure", keep_collapsed=False)
            polys = [
                p for p in shapely.get_parts(fixed) if p.geom_type in ("Polygon", "MultiPolygon")
            ]
            if polys and shapely.union_all(polys).area > 0:
                geoms[i] = shapely.union_all(polys)
                repaired += 1
            else:
                v.mark(
                    np.arange(n) == i,
                    "invalid_geometry",
                    "修复后为空 / nothing polygonal left after repair",
                )
    clean["geom"] = geoms
    return repaired


def _kind_rules(kind: str, clean: dict[str, Any], v: _Verdicts) -> None:
    """Rules across columns."""
    if kind == "key-persons":
        ids = clean["id_number"]
        bad = np.array([x is not None and not valid_id_number(str(x)) for x in ids], dtype=bool)
        v.mark(
            bad,
            "invalid_id_number",
            lambda where: [f"id_number={mask_id_number(ids.iloc[i])}" for i in where],
        )
    if kind == "housing-units":
        vacant_with_people = (clean["occupancy"] == "vacant").to_numpy(dtype=bool) & (
            pd.Series(clean["residents"]).fillna(0) > 0
        ).to_numpy(dtype=bool)
        v.mark(
            vacant_with_people,
            "invalid_value",
            "空置房屋登记了居住人数 / vacant unit with residents",
        )
    if kind == "disputes":
        clean["type"] = clean["type"].map(lambda x: TYPE_SYNONYMS.get(x, x) if x else x)
        resolved = (clean["status"] == "resolved").to_numpy(dtype=bool)
        no_time = pd.Series(clean["resolved_at"]).isna().to_numpy(dtype=bool)
        v.mark(
            resolved & no_time,
            "missing_required",
            "办结但无办结时间 / resolved without resolved_at",
        )
        title = clean["title"]
        desc = clean["description"]
        fill = title.isna() & desc.notna()
        clean["title"] = title.where(~fill, desc.map(lambda d: d[:40] if d else d))
        v.mark(
            clean["title"].isna().to_numpy(dtype=bool),
            "missing_required",
            "标题和描述均为空 / title and description are empty",
        )
        before = pd.Series(clean["resolved_at"]) < pd.Series(clean["reported_at"])
        v.mark(
            before.fillna(False).to_numpy(dtype=bool),
            "invalid_value",
            "办结早于登记 / resolved before reported",
        )
        _dispute_location_and_merge(clean, v)


def _dispute_location_and_merge(clean: dict[str, Any], v: _Verdicts) -> None:
    """A case without a point needs an address (it waits for its location: no grid, the city's
    code as its district); a merged case names the case it was merged into, and only it does."""
    no_point = shapely.is_missing(np.asarray(clean["geom"], dtype=object))
    v.mark(
        no_point & (clean["address"].isna() | clean["grid_code"].notna()).to_numpy(dtype=bool),
        "empty_geometry",
        "没有坐标：只有地址（且无网格编码）的案件进入待定位 / no point: a case without one needs "
        "an address (and no grid code) to wait for its location",
    )
    merged = (clean["status"] == "merged").to_numpy(dtype=bool)
    into = clean["merged_into"]
    v.mark(
        merged & into.isna().to_numpy(dtype=bool),
        "missing_required",
        "已合并但无主件编号 / merged without merged_into",
    )
    v.mark(
        ~merged & into.notna().to_numpy(dtype=bool),
        "invalid_value",
        "有主件编号但未合并 / merged_into given for a case that is not merged",
    )
    v.mark(
        (into == clean["source_ref"]).to_numpy(dtype=bool),
        "invalid_value",
        "合并到自身 / merged into itself",
    )


def _mark_duplicates(clean: pd.DataFrame, key: list[str], v: _Verdicts) -> None:
    """Later rows with the natural key of an earlier valid row are duplicates within the file."""
    ok = v.ok
    keys = clean.loc[ok, key]
    later = keys.duplicated(keep="first").to_numpy()
    mask = np.zeros(len(clean), dtype=bool)
    mask[np.flatnonzero(ok)[later]] = True
    v.mark(
        mask,
        "duplicate_in_file",
        lambda where: [
            "与前面的行重复 / duplicate of an earlier row: "
            + ",".join(str(clean[k].iloc[i]) for k in key)
            for i in where
        ],
    )


def _raw_json(frame: pd.DataFrame, pos: int) -> str:
    row = frame.iloc[pos]
    out: dict[str, Any] = {}
    for col, val in row.items():
        if col == "geometry":
            out[col] = val.wkt if val is not None and not getattr(val, "is_empty", True) else None
        elif val is None or (isinstance(val, float) and np.isnan(val)):
            out[col] = None
        else:
            out[col] = str(val)
    if "id_number" in out and out["id_number"]:
        out["id_number"] = mask_id_number(out["id_number"])
    return json.dumps(out, ensure_ascii=False)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_file(
    engine: Engine,
    kind: str,
    path: str | Path,
    *,
    crs: str | None = None,
    encoding: str = "auto",
    mapping: str | Path | None = None,
    layer: str | None = None,
    dry_run: bool = False,
    quarantine_out: str | Path | None = None,
) -> LoadSummary:
    """Read, validate and load one file as one batch (one transaction)."""
    if kind not in load_plans.PLANS:
        raise LoadError(
            f"未知数据类型 / unknown kind {kind!r}; expected one of {', '.join(load_plans.PLANS)}"
        )
    started = time.perf_counter()
    table = read_source(path, kind, crs=crs, encoding=encoding, mapping=mapping, layer=layer)
    options = {
        "crs": crs,
        "encoding": encoding,
        "mapping": str(mapping) if mapping else None,
        "layer": layer,
        "source_crs": table.source_crs,
        "used_encoding": table.encoding,
    }
    sha256 = _sha256(Path(path))
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            summary, quarantine = load_table(
                conn, kind, table, sha256=sha256, options=options, dry_run=dry_run
            )
        except (IntegrityError, DataError) as exc:
            # The checks before the upsert should have quarantined the row; this is the last
            # resort: nothing of the batch is kept, the batch is recorded as failed, and the
            # operator gets one line instead of a traceback.
            tx.rollback()
            reason = _database_refusal(exc)
            with conn.begin():
                batch = staging.record_batch(
                    conn,
                    kind=kind,
                    source_file=table.source_file,
                    sha256=sha256,
                    options={**options, "error": reason},
                    status="failed",
                    counts={
                        "read": len(table.frame),
                        "inserted": 0,
                        "updated": 0,
                        "unchanged": 0,
                        "quarantined": 0,
                    },
                )
            raise LoadError(
                f"数据库拒绝写入 / the database refused {Path(path).name}: {reason}; "
                f"nothing was loaded (batch {batch} recorded as failed)"
            ) from exc
        except BaseException:
            tx.rollback()
            raise
        if dry_run:
            tx.rollback()
        else:
            tx.commit()
    if quarantine_out:
        write_quarantine_csv(quarantine_out, quarantine)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _database_refusal(exc: IntegrityError | DataError) -> str:
    """One line on what PostgreSQL refused: its message and the constraint, table and column."""
    diag = getattr(exc.orig, "diag", None)
    message = (getattr(diag, "message_primary", None) or str(exc.orig)).strip().splitlines()[0]
    where = [
        f"{label} {value}"
        for label, value in (
            ("constraint", getattr(diag, "constraint_name", None)),
            ("table", getattr(diag, "table_name", None)),
            ("column", getattr(diag, "column_name", None)),
        )
        if value and value not in message
    ]
    return message + (f" ({', '.join(where)})" if where else "")


@dataclass
class Prepared:
    """A source validated in Python, ready for the database part of a load (no connection used)."""

    kind: str
    table: SourceTable
    clean: pd.DataFrame
    verdicts: _Verdicts
    accepted: np.ndarray
    repaired: int
    seconds: float


def prepare(kind: str, table: SourceTable) -> Prepared:
    """Validation and in-file duplicates: pure Python, so it can run ahead of the database work."""
    plan = load_plans.PLANS[kind]
    started = time.perf_counter()
    check_fields(kind, table)
    clean, verdicts, repaired = _validate(table, kind)
    clean = clean.rename(columns=STAGE_NAMES.get(kind, {}))
    _mark_duplicates(clean, list(plan.key), verdicts)
    accepted = np.flatnonzero(verdicts.ok)
    return Prepared(kind, table, clean, verdicts, accepted, repaired, time.perf_counter() - started)


def load_table(
    conn: Connection,
    kind: str,
    table: SourceTable,
    *,
    sha256: str = "",
    options: dict[str, Any] | None = None,
    dry_run: bool = False,
    prepared: Prepared | None = None,
) -> tuple[LoadSummary, list[tuple[str, str, str, str]]]:
    """Load a read source inside the caller's transaction; returns the summary and quarantine.

    ``prepared`` is :func:`prepare` of the same (kind, table), when the caller ran it ahead.
    """
    plan = load_plans.PLANS[kind]
    frame = table.frame
    summary = LoadSummary(
        kind=kind,
        source_file=table.source_file,
        read=len(frame),
        dry_run=dry_run,
        encoding=table.encoding,
        source_crs=table.source_crs,
    )
    staging.tune_for_bulk(conn)
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        summary.steps[name] = round(now - clock, 3)
        clock = now

    if prepared is None:
        prepared = prepare(kind, table)
        step("validate")
    else:
        if prepared.kind != kind or prepared.table is not table:
            raise ValueError("prepared data belongs to another load")
        summary.steps["validate"] = round(prepared.seconds, 3)  # ran ahead, off this clock
    clean, verdicts, accepted = prepared.clean, prepared.verdicts, prepared.accepted
    summary.repaired = prepared.repaired
    staging.create_stage(conn, plan.stage)
    # Staged in space-filling-curve order (rids keep the file's order for everything after).
    staged = accepted
    if "geom" in plan.stage.columns and len(accepted):
        staged = accepted[staging.spatial_order(np.asarray(clean["geom"])[accepted])]
    stage_frame = clean.iloc[staged]
    if kind == "patrols" and len(accepted):
        times = stage_frame["visited_at"]
        bulk.ensure_patrol_partitions(conn, times.min().date(), times.max().date())
    staging.fill_stage(conn, plan.stage, stage_frame, staged.astype(np.int64))
    step("copy")
    # First the target table's own CHECKs and lengths, so that the plan's checks (a parent area
    # later in the same file, say) already see those rows as quarantined.
    staging.reject_constraint_violations(conn, plan.stage, plan.upsert)
    for check in plan.checks:
        check(conn)
    step("checks")
    db_rejects = staging.rejects(conn)
    for rid, reason, detail in db_rejects:
        verdicts.reason[rid] = reason
        verdicts.detail[rid] = detail
    summary.inserted, summary.updated = staging.upsert(conn, plan.upsert)
    for after in plan.after:
        after(conn)
    step("upsert")
    accepted_after = int(verdicts.ok.sum())
    summary.unchanged = accepted_after - summary.inserted - summary.updated
    quarantine = [
        (
            str(frame["row_ref"].iloc[i]),
            str(verdicts.reason[i]),
            str(verdicts.detail[i] or ""),
            _raw_json(frame, i),
        )
        for i in np.flatnonzero(~verdicts.ok)
    ]
    summary.quarantined = len(quarantine)
    for _, reason, _, _ in quarantine:
        summary.by_reason[reason] = summary.by_reason.get(reason, 0) + 1
    if not summary.balanced():  # a bug, not bad input: refuse to commit a batch that lost rows
        raise RuntimeError(f"row accounting failed: {summary}")
    summary.batch_id = staging.record_batch(
        conn,
        kind=kind,
        source_file=table.source_file,
        sha256=sha256,
        options=options or {},
        status="dry_run" if dry_run else "committed",
        counts={
            "read": summary.read,
            "inserted": summary.inserted,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "quarantined": summary.quarantined,
        },
    )
    staging.record_quarantine(conn, summary.batch_id, table.source_file, quarantine)
    staging.drop_stage(conn)
    if summary.inserted or summary.updated:
        bulk.analyze(conn, [plan.upsert.table])
    step("record")
    return summary, quarantine


def write_quarantine_csv(path: str | Path, rows: list[tuple[str, str, str, str]]) -> None:
    """Quarantined rows for the operator, Excel-friendly (UTF-8 with BOM)."""
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["row_ref", "reason_code", "reason", "detail", "raw"])
        for row_ref, reason, detail, raw in rows:
            zh, en = REASONS.get(reason, (reason, reason))
            w.writerow([row_ref, reason, f"{zh} / {en}", detail, raw])

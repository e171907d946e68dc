"""Read departmental source files into canonical WGS84 tables: the reading half of ``zongzhi load``.

Inputs are whatever the departments export: Shapefiles in CGCS2000 with GBK attribute tables
(often without a .cpg), GeoPackages, GeoJSON, 12345-hotline / police CSV and XLSX with Chinese
headers and title rows, and grid-worker patrol logs in GCJ-02. ``read_source`` turns any of
them into a :class:`SourceTable` whose frame has canonical column names, a ``row_ref`` column
pointing back into the source, and geometries in EPSG:4326.

The reader never drops, reorders or repairs rows: bad values and bad geometries are passed on
unchanged (unparseable ones as None/NaN) for the validator to quarantine with a reason.
Only problems that make the whole file unusable raise :class:`ReadError`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
import yaml

from etl.aliases import (
    GEOMETRY_KINDS,
    KINDS,
    Mapping,
    all_canonical_columns,
    canonical_columns,
    resolve_headers,
)
from geodata.crs import bd09_to_wgs84, gcj02_to_wgs84, transform_geometry

__all__ = [
    "CRS_HELP",
    "Mapping",
    "ReadError",
    "SourceTable",
    "load_mapping",
    "parse_crs",
    "read_source",
]

VECTOR_SUFFIXES = frozenset({".shp", ".zip", ".gpkg", ".geojson", ".json", ".fgb"})
CSV_SUFFIXES = frozenset({".csv", ".txt"})
EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})
# Title rows above the real header are at most a few lines; ten leaves margin without
# letting a data row that happens to contain header words win.
HEADER_SCAN_ROWS = 10
CRS_HELP = "EPSG:4490 / cgcs2000, wgs84, gcj02, bd09, EPSG:4546 ..."

_OFFSET_FUNCS = {"gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_CRS_NAMES = {
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "wgs84": "epsg:4326",
    "wgs-84": "epsg:4326",
    "cgcs2000": "epsg:4490",
}
_EPSG_RE = re.compile(r"^(?:epsg:)?(\d{4,6})$")
_EWKT_RE = re.compile(r"^\s*SRID=(\d+);", re.IGNORECASE)
_RESERVED = ("row_ref", "geometry")
_MAPPING_KEYS = frozenset({"columns", "crs", "values"})


class ReadError(Exception):
    """The source file cannot be read at all; ``str(err)`` is one line for the operator."""


@dataclass
class SourceTable:
    """A source file read into canonical columns.

    ``frame`` is a GeoDataFrame in EPSG:4326 when the source has (or is given) geometry,
    else a DataFrame. ``lon``/``lat`` columns, when present, hold the parsed source values
    in ``source_crs``; the geometry column holds the WGS84 location. Empty geometries are None.
    ``unmapped_columns`` are frame columns kept under their source header (``.1`` is appended
    only if that header collides with a canonical name). ``geometry_errors`` maps the
    positional row index to why a present geometry could not be parsed.
    """

    frame: pd.DataFrame
    source_crs: str | None
    encoding: str | None
    layer: str | None
    unmapped_columns: list[str]
    source_file: str
    column_map: dict[str, str] = field(default_factory=dict)
    geometry_errors: dict[int, str] = field(default_factory=dict)


CrsSpec = tuple[str, pyproj.CRS | None]


def parse_crs(value: str) -> CrsSpec:
    """Normalise a --crs value to ``(label, pyproj CRS)``; gcj02/bd09 give ``(name, None)``."""
    text = str(value).strip().lower().replace(" ", "")
    text = _CRS_NAMES.get(text, text)
    if text in _OFFSET_FUNCS:
        return text, None
    match = _EPSG_RE.match(text)
    if match:
        code = int(match.group(1))
        try:
            return f"EPSG:{code}", pyproj.CRS.from_epsg(code)
        except pyproj.exceptions.CRSError:
            pass
    raise ReadError(f"无法识别的坐标系 / unknown --crs {value!r}: use one of {CRS_HELP}")


def load_mapping(path: str | Path, kind: str | None = None) -> Mapping:
    """Load a --mapping YAML file (columns / crs / values) and check its canonical names."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise ReadError(f"无法读取映射文件 / cannot read mapping {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise ReadError(f"映射文件须为 UTF-8 / mapping {path.name} is not UTF-8") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise ReadError(f"映射文件格式错误 / malformed YAML in {path.name}{line}") from exc

    def bad(what: str) -> ReadError:
        return ReadError(f"映射文件内容错误 / bad mapping {path.name}: {what}")

    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise bad("top level must be a mapping with columns / crs / values")
    unknown_keys = sorted(set(map(str, raw)) - _MAPPING_KEYS)
    if unknown_keys:
        raise bad(f"unknown key(s) {', '.join(unknown_keys)}; allowed: columns, crs, values")
    allowed = set(canonical_columns(kind)) if kind else set(all_canonical_columns())

    columns = raw.get("columns") or {}
    if not isinstance(columns, dict):
        raise bad("columns must map source header -> canonical name")
    columns = {str(k).strip(): str(v).strip() for k, v in columns.items()}
    unknown = sorted({v for v in columns.values() if v not in allowed})
    if unknown:
        raise bad(
            f"unknown canonical column(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )

    crs = raw.get("crs")
    if crs is not None:
        crs = parse_crs(str(crs))[0]

    values = raw.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise bad("values must map canonical column -> {source value: replacement}")
    unknown = sorted({str(k) for k in values if str(k) not in allowed})
    if unknown:
        raise bad(f"values for unknown canonical column(s) {', '.join(unknown)}")
    # YAML turns 1 / yes into int / bool keys; cells are text, so match on text.
    values = {
        str(col): {str(k).strip(): v for k, v in table.items()} for col, table in values.items()
    }
    return Mapping(columns=columns, crs=crs, values=values, source_file=str(path))


def read_source(
    path: str | Path,
    kind: str,
    *,
    crs: str | None = None,
    encoding: str = "auto",
    mapping: Mapping | str | Path | None = None,
    layer: str | None = None,
) -> SourceTable:
    """Read one source file for ``kind`` into a :class:`SourceTable` (see module docstring)."""
    if kind not in KINDS:
        raise ReadError(f"未知数据类型 / unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    path = Path(path)
    if not path.is_file():
        raise ReadError(f"文件不存在 / file not found: {path}")
    if mapping is not None and not isinstance(mapping, Mapping):
        mapping = load_mapping(mapping, kind)
    elif mapping is not None:
        _check_mapping_kind(mapping, kind)
    # --crs beats the mapping's default, and either beats what the file declares.
    crs_text = crs if crs is not None else (mapping.crs if mapping else None)
    crs_spec = parse_crs(crs_text) if crs_text is not None else None
    encoding = (encoding or "auto").strip().lower()
    if encoding != "auto":
        _check_codec(encoding)

    suffix = path.suffix.lower()
    if suffix in VECTOR_SUFFIXES:
        return _read_vector(path, kind, crs_spec, encoding, mapping, layer)
    if suffix in CSV_SUFFIXES:
        if layer is not None:
            raise ReadError(
                f"CSV 文件没有图层 / {path.name} is a CSV and has no layers: drop --layer"
            )
        text, used = _decode_text(path, encoding)
        rows = _csv_rows(text, path.name)
        return _read_table(path, kind, rows, crs_spec, used, mapping, None)
    if suffix in EXCEL_SUFFIXES:
        rows, sheet = _xlsx_rows(path, layer)
        return _read_table(path, kind, rows, crs_spec, None, mapping, sheet)
    if suffix == ".xls":
        raise ReadError(
            f"不支持旧版 .xls / {path.name}: Excel 97-2003 .xls is not supported, save it as .xlsx"
        )
    supported = ", ".join(sorted(VECTOR_SUFFIXES | CSV_SUFFIXES | EXCEL_SUFFIXES))
    raise ReadError(
        f"不支持的文件类型 / unsupported file type {suffix or '(none)'} for {path.name}; supported: {supported}"
    )


# --- shared helpers ---------------------------------------------------------------------


def _check_mapping_kind(mapping: Mapping, kind: str) -> None:
    allowed = set(canonical_columns(kind))
    unknown = sorted({*mapping.columns.values(), *mapping.values} - allowed)
    if unknown:
        name = Path(mapping.source_file).name if mapping.source_file else "mapping"
        raise ReadError(
            f"映射文件内容错误 / bad mapping {name}: {', '.join(unknown)} not a {kind} column"
        )


def _check_codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ReadError(
            f"未知编码 / unknown --encoding {encoding!r}: use auto, utf-8, gbk or gb18030"
        ) from None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _crs_label(crs: pyproj.CRS) -> str:
    authority = crs.to_authority()
    return ":".join(authority) if authority else crs.name


def _wgs84_like(crs: pyproj.CRS) -> bool:
    # CGCS2000 and WGS84 realisations differ by centimetres, far below what grid polygons,
    # building footprints or a phone GPS fix resolve, so CGCS2000 lon/lat is relabelled as
    # EPSG:4326 rather than pushed through a (non-existent, ballpark) datum transformation.
    if not crs.is_geographic or crs.datum is None:
        return False
    datum = crs.datum.name.lower().replace("_", " ")
    return "china 2000" in datum or "world geodetic system 1984" in datum or "wgs 1984" in datum


def _to_wgs84(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    crs = geoms.crs
    if not crs.is_geographic:
        # Undo the projection on its own datum first; that step is exact.
        geodetic = crs.geodetic_crs
        geoms = geoms.to_crs(geodetic)
        crs = geodetic
    if _wgs84_like(crs):
        return geoms.set_crs(4326, allow_override=True)
    return geoms.to_crs(4326)


def _reproject(geoms: np.ndarray, index: pd.Index, spec: CrsSpec) -> gpd.GeoSeries:
    label, crs = spec
    if crs is None:
        # GCJ-02 / BD-09 have no EPSG code; one vectorised call over all coordinates.
        moved = transform_geometry(geoms, _OFFSET_FUNCS[label])
        return gpd.GeoSeries(moved, index=index, crs=4326)
    return _to_wgs84(gpd.GeoSeries(geoms, index=index, crs=crs))


def _blank_empty(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    values = np.asarray(geoms.array, dtype=object)
    empty = shapely.is_empty(values) & ~shapely.is_missing(values)
    if empty.any():
        values = values.copy()
        values[empty] = None
        return gpd.GeoSeries(values, index=geoms.index, crs=geoms.crs)
    return geoms


def _finish(
    frame: pd.DataFrame,
    kind: str,
    mapping: Mapping | None,
    row_refs: Sequence[str],
    geometry: gpd.GeoSeries | None,
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Rename to canonical names, apply value maps, add row_ref and geometry."""
    headers = [str(c) for c in frame.columns]
    frame.columns = headers
    column_map = resolve_headers(headers, kind, mapping)
    taken = set(column_map.values()) | set(_RESERVED)
    names: list[str] = []
    unmapped: list[str] = []
    for header in headers:
        if header in column_map:
            names.append(column_map[header])
            continue
        name, n = header, 0
        while name in taken:
            n += 1
            name = f"{header}.{n}"
        taken.add(name)
        names.append(name)
        unmapped.append(name)
    frame.columns = names
    if mapping is not None:
        for column, table in mapping.values.items():
            if column in frame.columns and table:
                frame[column] = frame[column].map(
                    lambda v, t=table: v if _is_missing(v) else t.get(str(v).strip(), v)
                )
    frame.insert(0, "row_ref", pd.Series(list(row_refs), index=frame.index, dtype=str))
    if geometry is not None:
        frame = gpd.GeoDataFrame(frame, geometry=geometry.set_axis(frame.index), crs=4326)
    return frame, column_map, unmapped


# --- vector files ---------------------------------------------------------------------------


def _read_vector(
    path: Path,
    kind: str,
    crs_spec: CrsSpec | None,
    encoding: str,
    mapping: Mapping | None,
    layer: str | None,
) -> SourceTable:
    try:
        layers = pyogrio.list_layers(path)
    except Exception as exc:  # pyogrio raises several DataSource* errors; all mean unreadable.
        raise ReadError(f"无法读取文件 / cannot read {path.name}: {_first_line(exc)}") from exc
    chosen = _choose_layer([str(n) for n in layers[:, 0]], layer, kind, path)
    used = _vector_encoding(path, chosen, encoding)

    with warnings.catch_warnings():
        # GDAL reports unclosed rings, lossy recoding etc. as warnings; geometry problems are
        # the validator's business and decoding is checked strictly beforehand.
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            df = pyogrio.read_dataframe(
                path,
                layer=chosen,
                encoding=_gdal_encoding(used),
                fid_as_index=True,
                on_invalid="ignore",
            )
        except UnicodeDecodeError as exc:
            raise ReadError(
                f"文件编码无法解码 / cannot decode {path.name} as {used or 'its declared encoding'}: check --encoding (auto, utf-8, gbk, gb18030)"
            ) from exc
        except Exception as exc:
            raise ReadError(f"无法读取文件 / cannot read {path.name}: {_first_line(exc)}") from exc

    row_refs = [f"feature {fid}" for fid in df.index]
    df = df.reset_index(drop=True)
    errors: dict[int, str] = {}
    if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns:
        geoms = _blank_empty(df.geometry)
        errors = _vector_geometry_errors(path, chosen, used, geoms)
        if crs_spec is not None:
            label = crs_spec[0]
            geoms = _reproject(np.asarray(geoms.array, dtype=object), geoms.index, crs_spec)
        elif df.crs is not None:
            label = _crs_label(df.crs)
            geoms = _to_wgs84(geoms)
        else:
            raise ReadError(f"文件缺少坐标系 / no CRS in {path.name}: pass --crs ({CRS_HELP})")
        attrs = pd.DataFrame(df.drop(columns=df.geometry.name))
        frame, column_map, unmapped = _finish(attrs, kind, mapping, row_refs, geoms)
    else:
        # A layer without geometry (e.g. a GeoPackage attribute table) is handled like a sheet.
        frame, column_map, unmapped, label, errors = _table_with_geometry(
            pd.DataFrame(df), kind, mapping, row_refs, crs_spec, path.name
        )
    return SourceTable(
        frame=frame,
        source_crs=label,
        encoding=used,
        layer=chosen,
        unmapped_columns=unmapped,
        source_file=str(path),
        column_map=column_map,
        geometry_errors=errors,
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _choose_layer(names: list[str], layer: str | None, kind: str, path: Path) -> str:
    if layer is not None:
        if layer in names:
            return layer
        raise ReadError(
            f"图层不存在 / no layer {layer!r} in {path.name}; available layers: {', '.join(names)}"
        )
    if len(names) == 1:
        return names[0]
    if not names:
        raise ReadError(f"文件中没有图层 / no layers in {path.name}")
    snake = kind.replace("-", "_")
    wanted = {kind, snake, kind.removesuffix("s"), snake.removesuffix("s")}
    matches = [n for n in names if n.lower() in wanted]
    if len(matches) == 1:
        return matches[0]
    # Guessing among several layers could load the wrong data without anyone noticing.
    raise ReadError(
        f"文件含多个图层 / {path.name} has several layers ({', '.join(names)}): pass --layer NAME"
    )


def _shapefile_sidecars(path: Path, layer: str) -> tuple[bytes | None, bytes | None]:
    """Return the raw .dbf and .cpg bytes of shapefile ``layer`` (None when absent)."""
    suffix = path.suffix.lower()
    if suffix == ".shp":
        siblings = {p.name.lower(): p for p in path.parent.iterdir() if p.stem == path.stem}
        dbf, cpg = (
            siblings.get(f"{path.stem.lower()}.dbf"),
            siblings.get(f"{path.stem.lower()}.cpg"),
        )
        return (dbf.read_bytes() if dbf else None, cpg.read_bytes() if cpg else None)
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                members = {Path(n).name.lower(): n for n in archive.namelist()}
                dbf, cpg = members.get(f"{layer.lower()}.dbf"), members.get(f"{layer.lower()}.cpg")
                return (archive.read(dbf) if dbf else None, archive.read(cpg) if cpg else None)
        except (zipfile.BadZipFile, OSError) as exc:
            raise ReadError(f"无法读取压缩包 / cannot read zip {path.name}: {exc}") from exc
    return None, None


def _gdal_encoding(encoding: str | None) -> str | None:
    """Spell a Python codec the way GDAL's iconv recoder expects it."""
    if encoding is None:
        return None
    # GDAL silently ignores names iconv does not know (e.g. "latin-1"), which would read the
    # attributes in the wrong encoding without any error.
    name = codecs.lookup(encoding).name
    if name.startswith("iso8859-"):
        return "ISO-8859-" + name.removeprefix("iso8859-")
    return name.upper()


def _codec_from_cpg(raw: bytes) -> str | None:
    text = raw.decode("ascii", errors="ignore").strip().upper().removeprefix("ANSI").strip()
    if text.isdigit():
        text = {"65001": "utf-8", "88591": "latin-1"}.get(text, f"cp{text}")
    try:
        name = codecs.lookup(text).name
    except LookupError:
        return None
    # GB18030 is a strict superset of GBK/GB2312, and files labelled GBK regularly contain
    # characters only GB18030 encodes (rare surnames, place names).
    return "gb18030" if name in {"gbk", "gb2312", "cp936"} else name


def _dbf_text_values(data: bytes) -> list[bytes]:
    """Field names and distinct character-field values of a dBASE file, as raw bytes."""
    if len(data) < 32:
        return []
    records = int.from_bytes(data[4:8], "little")
    header_len = int.from_bytes(data[8:10], "little")
    record_len = int.from_bytes(data[10:12], "little")
    names: list[bytes] = []
    fields: list[tuple[int, int]] = []
    offset, pos = 1, 32  # each record starts with a one-byte deletion flag
    while pos + 32 <= min(header_len, len(data)) and data[pos] != 0x0D:
        desc = data[pos : pos + 32]
        width = desc[16]
        if chr(desc[11]) == "C":
            # Character fields wider than 255 keep the high byte in the "decimals" slot.
            width += desc[17] * 256
            fields.append((offset, width))
        names.append(desc[:11].split(b"\0", 1)[0])
        offset += width
        pos += 32
    if record_len <= 0:
        return names
    records = min(records, max(0, len(data) - header_len) // record_len)
    if records == 0:
        return names
    block = np.frombuffer(data, dtype=np.uint8, count=records * record_len, offset=header_len)
    table = block.reshape(records, record_len)
    values = list(names)
    for start, width in fields:
        if start + width > record_len:
            continue
        column = np.ascontiguousarray(table[:, start : start + width]).view(f"S{width}").ravel()
        values.extend(v.rstrip(b" ") for v in np.unique(column))
    return values


def _decodes(values: list[bytes], codec: str) -> bool:
    for value in values:
        try:
            value.decode(codec)
        except UnicodeDecodeError as exc:
            # Fixed-width fields may cut the last multi-byte character; that is not a
            # sign of the wrong encoding.
            truncated = exc.reason in {"unexpected end of data", "incomplete multibyte sequence"}
            if truncated and exc.end == len(value):
                continue
            return False
    return True


def _vector_encoding(path: Path, layer: str, encoding: str) -> str | None:
    dbf, cpg = _shapefile_sidecars(path, layer)
    if encoding != "auto":
        if dbf is not None and not _decodes(_dbf_text_values(dbf), _check_codec(encoding)):
            raise ReadError(
                f"文件编码无法解码 / {path.name} attribute table is not valid {encoding}: try --encoding auto"
            )
        return encoding
    if dbf is None:
        # GeoPackage, GeoJSON and FlatGeobuf are UTF-8 by specification.
        return None
    if cpg is not None:
        codec = _codec_from_cpg(cpg)
        if codec is not None:
            return codec
    values = _dbf_text_values(dbf)
    if all(v.isascii() for v in values) or _decodes(values, "utf-8"):
        return "utf-8"
    if _decodes(values, "gb18030"):
        return "gb18030"
    raise ReadError(
        f"无法识别文件编码 / {path.name} attribute table is neither utf-8 nor gb18030: pass --encoding"
    )


def _vector_geometry_errors(
    path: Path, layer: str, encoding: str | None, geoms: gpd.GeoSeries
) -> dict[int, str]:
    """Explain geometries that were present in the file but could not be parsed."""
    missing = np.flatnonzero(shapely.is_missing(np.asarray(geoms.array, dtype=object)))
    if len(missing) == 0:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # Second, geometry-only read: only paid for when some geometry is missing.
        wkb = pyogrio.raw.read(path, layer=layer, encoding=_gdal_encoding(encoding), columns=[])[2]
    errors: dict[int, str] = {}
    for i in missing:
        if wkb[i] is None:
            continue
        try:
            shapely.from_wkb(wkb[i])
        except shapely.errors.GEOSException as exc:
            errors[int(i)] = _first_line(exc)
    return errors


# --- tabular files --------------------------------------------------------------------------


def _decode_text(path: Path, encoding: str) -> tuple[str, str]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"无法读取文件 / cannot read {path.name}: {exc.strerror}") from exc
    if encoding == "auto":
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            # Excel's "Unicode text" export.
            candidates = ["utf-16"]
        else:
            # utf-8-sig also strips the BOM Excel puts on "CSV UTF-8"; GBK exports are
            # almost never valid UTF-8, so trying UTF-8 strictly first is safe.
            candidates = ["utf-8-sig", "gb18030"]
        for codec in candidates:
            try:
                return data.decode(codec), codec.removesuffix("-sig")
            except UnicodeDecodeError as exc:
                last = exc
        raise ReadError(
            f"无法识别文件编码 / cannot decode {path.name} as utf-8 or gb18030 (line {_line_of(data, last.start)}): pass --encoding"
        )
    codec = "utf-8-sig" if _check_codec(encoding) == "utf-8" else encoding
    try:
        return data.decode(codec), encoding
    except UnicodeDecodeError as exc:
        raise ReadError(
            f"文件编码无法解码 / {path.name} is not valid {encoding} (line {_line_of(data, exc.start)}): try --encoding auto"
        ) from exc


def _sniff_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:50] if line.strip()][:20]
    best, best_count = ",", 0
    for delimiter in (",", "\t", ";", "|"):
        counts = sorted(line.count(delimiter) for line in lines)
        median = counts[len(counts) // 2] if counts else 0
        if median > best_count:
            best, best_count = delimiter, median
    return best


def _csv_rows(text: str, name: str) -> list[tuple[int, list[Any]]]:
    """Parse CSV text into (physical line number, cells) for every non-blank record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    rows: list[tuple[int, list[Any]]] = []
    next_line = 1
    try:
        for cells in reader:
            # line_num counts physical lines, so quoted multi-line cells keep numbering true.
            start, next_line = next_line, reader.line_num + 1
            if any(c.strip() for c in cells):
                rows.append((start, [c if c != "" else None for c in cells]))
    except csv.Error as exc:
        raise ReadError(
            f"CSV 格式错误 / malformed CSV {name} near line {reader.line_num}: {exc}"
        ) from exc
    return rows


def _excel_value(value: Any) -> Any:
    # Text stays text so codes keep leading zeros; numbers become text for the same dtype
    # as CSV; dates and times stay Python objects (the validator parses both).
    if value is None or isinstance(value, datetime | date | time | timedelta):
        return value
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _xlsx_rows(path: Path, layer: str | None) -> tuple[list[tuple[int, list[Any]]], str]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError(
            f"无法读取 Excel 文件 / cannot read {path.name}: {_first_line(exc)}"
        ) from exc
    try:
        if layer is None:
            sheet = book.worksheets[0]
        elif layer in book.sheetnames:
            sheet = book[layer]
        else:
            raise ReadError(
                f"工作表不存在 / no sheet {layer!r} in {path.name}; available sheets: {', '.join(book.sheetnames)}"
            )
        # Some exporters write a wrong <dimension>, which makes read-only mode truncate rows.
        sheet.reset_dimensions()
        rows: list[tuple[int, list[Any]]] = []
        for number, row in enumerate(sheet.iter_rows(min_row=1), start=1):
            cells = [_excel_value(c.value) for c in row]
            if any(v is not None for v in cells):
                real = next((c.row for c in row if getattr(c, "row", None)), number)
                rows.append((real, cells))
        return rows, sheet.title
    finally:
        book.close()


def _header_names(cells: list[Any], width: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for i in range(width):
        cell = cells[i] if i < len(cells) else None
        base = str(cell).strip() if cell is not None and str(cell).strip() else f"column_{i + 1}"
        name, n = base, 0
        while name in seen:
            n += 1
            name = f"{base}.{n}"
        seen.add(name)
        names.append(name)
    return names


def _read_table(
    path: Path,
    kind: str,
    rows: list[tuple[int, list[Any]]],
    crs_spec: CrsSpec | None,
    encoding: str | None,
    mapping: Mapping | None,
    sheet: str | None,
) -> SourceTable:
    if not rows:
        raise ReadError(f"文件为空 / {path.name} has no header row or data")

    def score(cells: list[Any]) -> int:
        return len(resolve_headers([str(c) for c in cells if c is not None], kind, mapping))

    scan = rows[:HEADER_SCAN_ROWS]
    # Most alias hits wins; ties go to the earliest row. Title rows score zero.
    header_at = max(range(len(scan)), key=lambda i: (score(scan[i][1]), -i))
    header_cells = rows[header_at][1]
    data = rows[header_at + 1 :]
    width = max([len(header_cells), *(len(cells) for _, cells in data)])
    headers = _header_names(header_cells, width)
    records = [cells + [None] * (width - len(cells)) for _, cells in data]
    frame = pd.DataFrame(records, columns=headers) if records else pd.DataFrame(columns=headers)
    # Formatting-only columns (no header, no values) carry nothing worth keeping.
    blank = [
        h
        for i, h in enumerate(headers)
        if (i >= len(header_cells) or header_cells[i] is None) and frame[h].isna().all()
    ]
    frame = frame.drop(columns=blank)
    row_refs = [f"第{number}行" for number, _ in data]
    frame, column_map, unmapped, label, errors = _table_with_geometry(
        frame, kind, mapping, row_refs, crs_spec, path.name
    )
    return SourceTable(
        frame=frame,
        source_crs=label,
        encoding=encoding,
        layer=sheet,
        unmapped_columns=unmapped,
        source_file=str(path),
        column_map=column_map,
        geometry_errors=errors,
    )


def _to_float(series: pd.Series) -> np.ndarray:
    text = series.map(
        lambda v: None if _is_missing(v) else unicodedata.normalize("NFKC", str(v)).strip()
    )
    numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan, copy=True)
    numbers[~np.isfinite(numbers)] = np.nan
    return numbers


def _table_with_geometry(
    frame: pd.DataFrame,
    kind: str,
    mapping: Mapping | None,
    row_refs: Sequence[str],
    crs_spec: CrsSpec | None,
    name: str,
) -> tuple[pd.DataFrame, dict[str, str], list[str], str | None, dict[int, str]]:
    """Canonicalise a table and build point/WKT geometry from its columns when present."""
    frame = frame.reset_index(drop=True)
    frame, column_map, unmapped = _finish(frame, kind, mapping, row_refs, None)
    has_points = "lon" in frame.columns and "lat" in frame.columns
    has_wkt = "wkt" in frame.columns
    if not (has_points or has_wkt):
        if kind in GEOMETRY_KINDS:
            raise ReadError(
                f"缺少坐标列 / {name} has no lon/lat (经度/纬度) or WKT column for {kind}: rename them or map them with --mapping"
            )
        return frame, column_map, unmapped, None, {}

    n = len(frame)
    geoms = np.full(n, None, dtype=object)
    errors: dict[int, str] = {}
    srids: set[int] = set()
    if has_wkt:
        texts = np.array(
            [None if _is_missing(v) or not str(v).strip() else str(v) for v in frame["wkt"]],
            dtype=object,
        )
        for i, text in enumerate(texts):
            if text is not None and (m := _EWKT_RE.match(text)):
                srids.add(int(m.group(1)))
                texts[i] = text[m.end() :]
        geoms = shapely.from_wkt(texts, on_invalid="ignore")
        present = np.array([t is not None for t in texts], dtype=bool)
        for i in np.flatnonzero(present & shapely.is_missing(geoms)):
            try:
                shapely.from_wkt(texts[i])
            except shapely.errors.GEOSException as exc:
                errors[int(i)] = _first_line(exc)
    if has_points:
        raw_lon, raw_lat = frame["lon"], frame["lat"]
        lon, lat = _to_float(raw_lon), _to_float(raw_lat)
        frame["lon"], frame["lat"] = lon, lat
        # WKT wins where it parsed; coordinates fill the rest.
        fill = shapely.is_missing(geoms) & np.isfinite(lon) & np.isfinite(lat)
        geoms[fill] = shapely.points(lon[fill], lat[fill])
        for i in np.flatnonzero(fill):
            errors.pop(int(i), None)
        # Coordinates given but not numbers are an error, not a row without a location.
        given = ~(raw_lon.map(_is_missing).to_numpy(bool) & raw_lat.map(_is_missing).to_numpy(bool))
        for i in np.flatnonzero(given & shapely.is_missing(geoms)):
            errors.setdefault(
                int(i),
                f"经纬度无法识别 / coordinates are not numbers: lon={raw_lon.iloc[i]!r}, "
                f"lat={raw_lat.iloc[i]!r}",
            )

    if crs_spec is None:
        if len(srids) == 1:
            crs_spec = parse_crs(str(srids.pop()))
        else:
            raise ReadError(
                f"表格未说明坐标系 / no CRS for the coordinates in {name}: pass --crs ({CRS_HELP}) or set crs: in the --mapping file"
            )
    geometry = _blank_empty(_reproject(geoms, frame.index, crs_spec))
    frame = gpd.GeoDataFrame(frame, geometry=geometry, crs=4326)
    return frame, column_map, unmapped, crs_spec[0], errors

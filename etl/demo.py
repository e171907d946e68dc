"""Deterministic demo data for Hohhot on the real district boundaries.

The generator builds plain column arrays (one ``Table`` per database table) from a seed and an
``as_of`` date, then loads them with COPY in one transaction. The hierarchy below the districts is
synthetic: each district is split into townships → communities → grids that exactly tile it.
Sizes come from ``DemoConfig`` so the same code produces the small and (later) full city.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, shape
from sqlalchemy import Connection, Engine

from etl.crs import gcj02_to_wgs84, transform_geometry
from etl.idcard import id_check_digit
from etl.subdivide import representative_points, subdivide
from geodata import bulk
from geodata.seed import DISPUTE_TYPES, WHISTLE_CLASSES

TZ = ZoneInfo("Asia/Shanghai")
CITY_CODE = "150100"
URBAN_DISTRICTS = {"150102", "150103", "150104", "150105"}
# Metres per degree at Hohhot's latitude (40.8°N), for sizing footprints and jitter.
M_PER_DEG_LAT = 111_000.0
M_PER_DEG_LON = 111_000.0 * np.cos(np.radians(40.8))

_NAME_HEADS = "东西南北中新光明安和兴富康华丰泰长青金银锦秀阳春晨辉宏通达永盛"
_NAME_TAILS = "苑园桥街路关门坊湖庄泉河岭山源林台城营堡"
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马胡朱郭何罗高林郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红建国志宏海波鹏飞宇浩然婷雪梅琳晨阳辉"
)

KEY_PERSON_CATEGORIES = (
    "社区矫正人员",
    "刑满释放人员",
    "严重精神障碍患者",
    "重点信访人员",
    "吸毒人员",
)
ANOMALY_TYPES = ("安全隐患", "矛盾苗头", "环境问题", "设施损坏", "人员异常")
DISPUTE_SOURCE_WEIGHTS = {
    "hotline": 0.38,
    "grid_worker": 0.22,
    "police": 0.14,
    "walk_in": 0.10,
    "petition": 0.08,
    "court": 0.05,
    "other": 0.03,
}
# Relative frequency of each dispute type (codes from the seed catalogue).
DISPUTE_TYPE_WEIGHTS = {
    "property": 0.20,
    "neighbour": 0.17,
    "labour": 0.12,
    "family": 0.10,
    "heating": 0.08,
    "consumer": 0.08,
    "traffic": 0.07,
    "demolition": 0.05,
    "land": 0.04,
    "medical": 0.03,
    "administrative": 0.03,
    "environment": 0.02,
    "campus": 0.01,
}
RESOLVE_SHARE = 0.75


@dataclass(frozen=True)
class DemoConfig:
    """Sizes and randomness of one demo build."""

    seed: int
    as_of: date
    townships_per_district: tuple[int, int]
    communities_per_township: tuple[int, int]
    grids_per_community: tuple[int, int]
    buildings_per_grid: tuple[int, int]
    disputes: int
    dispute_months: int
    patrol_visits: int
    key_persons: int
    whistles: int
    districts: tuple[str, ...] = field(default=())  # empty: all nine

    @classmethod
    def for_scale(cls, scale: str, seed: int, as_of: date | None = None) -> DemoConfig:
        as_of = as_of or datetime.now(TZ).date()
        if scale == "small":
            return cls(
                seed=seed,
                as_of=as_of,
                townships_per_district=(3, 4),
                communities_per_township=(3, 4),
                grids_per_community=(3, 4),
                buildings_per_grid=(3, 6),
                disputes=600,
                dispute_months=24,
                patrol_visits=6000,
                key_persons=60,
                whistles=300,
            )
        raise ValueError(f"unknown scale {scale!r}")


@dataclass
class Table:
    """Rows for one table, as parallel columns."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


def read_districts() -> list[dict[str, Any]]:
    """The packaged AMap boundaries converted from GCJ-02 to WGS84, city first."""
    path = resources.files("geodata") / "data" / "hohhot_admin_gcj02.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    out = []
    for feat in features:
        geom = transform_geometry(shape(feat["geometry"]), gcj02_to_wgs84)
        geom = _as_multipolygon(shapely.make_valid(geom, method="structure"))
        props = feat["properties"]
        out.append(
            {"code": props["adcode"], "name": props["name"], "level": props["level"], "geom": geom}
        )
    out.sort(key=lambda d: (d["level"] != "city", d["code"]))
    return out


def _as_multipolygon(geom: Any) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon | MultiPolygon)]
    flat: list[Polygon] = []
    for g in polys:
        flat.extend(g.geoms if isinstance(g, MultiPolygon) else [g])
    return MultiPolygon(flat)


class _Names:
    """Deterministic, non-repeating place and person names."""

    def __init__(self, rng: np.random.Generator):
        words = [a + b for a in _NAME_HEADS for b in _NAME_TAILS]
        self._places = [words[i] for i in rng.permutation(len(words))]
        self._i = 0
        self._rng = rng

    def place(self) -> str:
        name = self._places[self._i % len(self._places)]
        self._i += 1
        return name

    def people(self, n: int) -> list[str]:
        s = self._rng.integers(0, len(_SURNAMES), n)
        g1 = self._rng.integers(0, len(_GIVEN), n)
        g2 = self._rng.integers(0, len(_GIVEN), n)
        two = self._rng.random(n) < 0.6
        return [
            _SURNAMES[a] + _GIVEN[b] + (_GIVEN[c] if t else "")
            for a, b, c, t in zip(s, g1, g2, two, strict=True)
        ]


def _phones(rng: np.random.Generator, n: int) -> list[str]:
    prefix = rng.choice(["133", "138", "139", "150", "152", "158", "177", "180", "186", "189"], n)
    tail = rng.integers(0, 10**8, n)
    return [f"{p}{t:08d}" for p, t in zip(prefix, tail, strict=True)]


def _hex(geoms: Any) -> list[str | None]:
    return bulk.ewkb_hex(geoms)


def generate(cfg: DemoConfig) -> list[Table]:
    """Build every demo table in memory; same config → same rows."""
    rng = np.random.default_rng(cfg.seed)
    names = _Names(rng)
    areas = Table("admin_area", ("code", "name", "level", "parent_code", "district_code", "geom"))
    grids_t = Table(
        "grid",
        ("code", "name", "community_code", "district_code", "households", "residents", "geom"),
    )
    grid_geoms: list[Any] = []
    grid_meta: list[tuple[str, str, bool]] = []  # (code, district_code, urban)
    community_rows: list[tuple[str, str, Any]] = []  # (code, district, geom)
    township_rows: list[tuple[str, str, Any]] = []

    for area in read_districts():
        if area["level"] == "city":
            areas.rows.append((area["code"], area["name"], "city", None, None, area["geom"]))
            continue
        dcode = area["code"]
        if cfg.districts and dcode not in cfg.districts:
            continue
        urban = dcode in URBAN_DISTRICTS
        areas.rows.append((dcode, area["name"], "district", CITY_CODE, dcode, area["geom"]))
        n_town = int(rng.integers(cfg.townships_per_district[0], cfg.townships_per_district[1] + 1))
        for ti, town_geom in enumerate(subdivide(area["geom"], n_town, rng), start=1):
            tcode = f"{dcode}{ti:03d}"
            suffix = "街道" if urban or ti == 1 else rng.choice(["镇", "乡"])
            areas.rows.append(
                (
                    tcode,
                    names.place() + suffix,
                    "township",
                    dcode,
                    dcode,
                    _as_multipolygon(town_geom),
                )
            )
            township_rows.append((tcode, dcode, town_geom))
            lo, hi = cfg.communities_per_township
            n_comm = int(rng.integers(lo, hi + 1))
            for ci, comm_geom in enumerate(subdivide(town_geom, n_comm, rng), start=1):
                ccode = f"{tcode}{ci:03d}"
                cname = names.place() + ("社区" if urban or suffix == "街道" else "村")
                areas.rows.append(
                    (ccode, cname, "community", tcode, dcode, _as_multipolygon(comm_geom))
                )
                community_rows.append((ccode, dcode, comm_geom))
                n_grid = int(
                    rng.integers(cfg.grids_per_community[0], cfg.grids_per_community[1] + 1)
                )
                for gi, grid_geom in enumerate(subdivide(comm_geom, n_grid, rng), start=1):
                    gcode = f"{ccode}{gi:03d}"
                    grid_meta.append((gcode, dcode, urban))
                    grid_geoms.append(_as_multipolygon(grid_geom))
                    grids_t.rows.append([gcode, f"{cname}第{gi}网格", ccode, dcode, 0, 0, None])

    buildings, units, chiefs, grid_people, bld_index = _buildings(
        cfg, rng, names, grid_meta, grid_geoms
    )
    for row, geom in zip(grids_t.rows, grid_geoms, strict=True):
        households, residents = grid_people.get(row[0], (0, 0))
        row[4], row[5], row[6] = households, residents, geom
    grids_t.rows = [tuple(r) for r in grids_t.rows]

    workers = Table("grid_worker", ("id", "code", "name", "grid_code", "district_code", "phone"))
    worker_names = names.people(len(grid_meta))
    worker_phones = _phones(rng, len(grid_meta))
    for i, (gcode, dcode, _urban) in enumerate(grid_meta):
        workers.rows.append((i + 1, f"W{gcode}", worker_names[i], gcode, dcode, worker_phones[i]))

    disputes, subcases, events = _disputes(cfg, rng, grid_meta, grid_geoms, grid_people)
    patrols = _patrols(cfg, rng, grid_meta, bld_index)
    key_persons = _key_persons(cfg, rng, names, grid_meta, units, bld_index)
    rooms, mediators = _mediation(rng, names, township_rows, areas)
    compounds = _compounds(rng, names, community_rows)
    whistles = _whistles(cfg, rng, community_rows)
    tasks = _tasks(rng, cfg, grid_meta)

    tables = [areas, grids_t, buildings, chiefs, units, workers, compounds, rooms, mediators]
    tables += [key_persons, disputes, subcases, events, whistles, patrols, tasks]
    for t in tables:
        geo_cols = [i for i, c in enumerate(t.columns) if c in ("geom", "centroid")]
        if geo_cols and t.rows:
            cols = list(zip(*t.rows, strict=True))
            for i in geo_cols:
                cols[i] = tuple(_hex(np.asarray(cols[i], dtype=object)))
            t.rows = list(zip(*cols, strict=True))
    return tables


def _buildings(cfg, rng, names, grid_meta, grid_geoms):  # noqa: ANN001, ANN202
    buildings = Table(
        "building",
        ("id", "code", "grid_code", "district_code", "address", "floors", "geom", "centroid"),
    )
    units = Table(
        "housing_unit",
        ("id", "building_id", "district_code", "unit_no", "floor", "residents", "occupancy"),
    )
    chiefs = Table("building_chief", ("id", "building_id", "district_code", "name", "phone"))
    grid_people: dict[str, tuple[int, int]] = {}
    bld_index: dict[str, list[tuple[int, float, float]]] = {}
    bid = 0
    uid = 0
    occupancy = np.array(["owner", "rented", "vacant", "other"])
    for (gcode, dcode, urban), geom in zip(grid_meta, grid_geoms, strict=True):
        lo, hi = cfg.buildings_per_grid
        n = int(rng.integers(lo, hi + 1))
        pts = representative_points(geom, n, rng)
        xs, ys = shapely.get_x(pts), shapely.get_y(pts)
        households = residents = 0
        for x, y in zip(xs, ys, strict=True):
            bid += 1
            floors = int(rng.integers(6, 34)) if urban else int(rng.integers(1, 4))
            w_m, h_m = rng.uniform(15, 60), rng.uniform(10, 20)
            angle = rng.uniform(0, np.pi)
            corners = np.array([[-w_m, -h_m], [w_m, -h_m], [w_m, h_m], [-w_m, h_m]]) / 2
            rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
            c = corners @ rot.T
            ring = np.column_stack([x + c[:, 0] / M_PER_DEG_LON, y + c[:, 1] / M_PER_DEG_LAT])
            footprint = MultiPolygon([Polygon(ring)])
            buildings.rows.append(
                (
                    bid,
                    f"B{gcode}{bid:06d}",
                    gcode,
                    dcode,
                    f"{names.place()}路{bid}号",
                    floors,
                    footprint,
                    shapely.Point(x, y),
                )
            )
            bld_index.setdefault(gcode, []).append((bid, x, y))
            per_floor = int(rng.integers(2, 5)) if urban else 1
            n_units = floors * per_floor
            occ = occupancy[rng.choice(4, n_units, p=[0.70, 0.15, 0.10, 0.05])]
            people = np.where(occ == "vacant", 0, rng.integers(1, 6, n_units))
            for k in range(n_units):
                uid += 1
                floor = k // per_floor + 1
                units.rows.append(
                    (
                        uid,
                        bid,
                        dcode,
                        f"{floor}-{k % per_floor + 1:02d}",
                        floor,
                        int(people[k]),
                        str(occ[k]),
                    )
                )
            households += int((occ != "vacant").sum())
            residents += int(people.sum())
            if urban:
                chiefs.rows.append((bid, bid, dcode, names.people(1)[0], _phones(rng, 1)[0]))
        grid_people[gcode] = (households, residents)
    return buildings, units, chiefs, grid_people, bld_index


def _hotspot_weights(rng, grid_geoms, grid_people):  # noqa: ANN001, ANN202
    """Grid weights: residents times a few Gaussian hot spots, so Gi* finds real clusters."""
    cents = shapely.centroid(np.asarray(grid_geoms, dtype=object))
    x, y = shapely.get_x(cents), shapely.get_y(cents)
    residents = np.array(
        [max(grid_people.get(i, (0, 0))[1], 1) for i in range(len(grid_geoms))], float
    )
    w = residents.copy()
    for _ in range(5):
        k = int(rng.integers(0, len(grid_geoms)))
        d2 = ((x - x[k]) * M_PER_DEG_LON) ** 2 + ((y - y[k]) * M_PER_DEG_LAT) ** 2
        w *= 1 + 6 * np.exp(-d2 / (2 * 2500.0**2))
    return w / w.sum()


def _disputes(cfg, rng, grid_meta, grid_geoms, grid_people):  # noqa: ANN001, ANN202
    disputes = Table(
        "dispute",
        (
            "id",
            "source",
            "source_ref",
            "type_code",
            "title",
            "description",
            "reported_at",
            "geom",
            "grid_code",
            "district_code",
            "parties",
            "involves_key_person",
            "risk_level",
            "status",
            "lead_department",
            "due_at",
            "resolved_at",
            "outcome",
            "satisfaction",
        ),
    )
    subcases = Table(
        "dispute_sub_case",
        (
            "id",
            "dispute_id",
            "district_code",
            "department_code",
            "task",
            "status",
            "due_at",
            "resolved_at",
        ),
    )
    events = Table(
        "dispute_event",
        (
            "id",
            "dispute_id",
            "sub_case_id",
            "district_code",
            "action",
            "actor",
            "department_code",
            "at",
            "note",
        ),
    )
    by_index = {g[0]: i for i, g in enumerate(grid_meta)}
    people_by_index = {by_index[k]: v for k, v in grid_people.items()}
    weights = _hotspot_weights(rng, grid_geoms, people_by_index)
    types = {t[0]: t for t in DISPUTE_TYPES}
    type_codes = list(DISPUTE_TYPE_WEIGHTS)
    type_p = np.array(list(DISPUTE_TYPE_WEIGHTS.values()))
    type_p /= type_p.sum()
    sources = list(DISPUTE_SOURCE_WEIGHTS)
    source_p = np.array(list(DISPUTE_SOURCE_WEIGHTS.values()))
    source_p /= source_p.sum()

    end = datetime.combine(cfg.as_of, datetime.min.time(), TZ)
    span_days = cfg.dispute_months * 30.4
    n = cfg.disputes
    grid_idx = rng.choice(len(grid_meta), n, p=weights)
    tcodes = np.array(type_codes)[rng.choice(len(type_codes), n, p=type_p)]
    ages = rng.uniform(0, span_days, n)
    # Heating disputes only happen in the heating season (Oct 15 – Apr 15); re-draw their dates.
    for i in np.flatnonzero(tcodes == "heating"):
        for _ in range(50):
            when = end - timedelta(days=float(ages[i]))
            if when.month in (11, 12, 1, 2, 3) or (when.month in (10, 4) and when.day >= 15):
                break
            ages[i] = rng.uniform(0, span_days)
    order = np.argsort(ages)[::-1]  # oldest first, so ids grow with time
    ages, tcodes, grid_idx = ages[order], tcodes[order], grid_idx[order]
    src = np.array(sources)[rng.choice(len(sources), n, p=source_p)]
    eid = 0
    sid = 0
    for i in range(n):
        did = i + 1
        gcode, dcode, _urban = grid_meta[grid_idx[i]]
        pt = representative_points(grid_geoms[grid_idx[i]], 1, rng)[0]
        t = types[str(tcodes[i])]
        reported = end - timedelta(days=float(ages[i]))
        due = reported + timedelta(days=t[6])
        parties = int(rng.choice([2, 2, 2, 3, 4, 6, 12, 30]))
        risk = "high" if parties >= 12 else str(rng.choice(["low", "medium"], p=[0.7, 0.3]))
        key = bool(rng.random() < 0.05)
        age_days = (end - reported).days
        done_days = float(rng.gamma(2.0, t[6] / 4))
        closed = done_days < age_days
        success = rng.random() < RESOLVE_SHARE
        resolved_at = reported + timedelta(days=done_days) if closed and success else None
        if not closed:
            status = "received" if age_days < 1 else ("assigned" if age_days < 3 else "in_progress")
        elif success:
            status = "archived" if age_days - done_days > 30 else "resolved"
        else:
            status = "unresolved"
        outcome = None
        satisfaction = None
        if closed:
            outcome = "调解成功，达成协议" if success else "调解不成，引导当事人依法诉讼"
            satisfaction = int(rng.choice([3, 4, 5, 5])) if success else int(rng.choice([1, 2, 3]))
        title = f"{t[1]}：{grid_meta[grid_idx[i]][0][-6:]}网格居民反映问题"
        disputes.rows.append(
            (
                did,
                str(src[i]),
                f"{src[i].upper()}-{cfg.as_of:%Y}-{did:07d}",
                t[0],
                title,
                f"{t[1]}，涉及{parties}方当事人。",
                reported,
                pt,
                gcode,
                dcode,
                parties,
                key,
                risk,
                status,
                t[3],
                due,
                resolved_at,
                outcome,
                satisfaction,
            )
        )
        # Workflow history: 接办 → 交办 → (商办 / 督办) → 化解 → 评价 → 归档.
        steps: list[tuple[str, str | None, datetime, str, int | None]] = [
            ("accept", "township", reported, "综治中心接办登记", None),
        ]
        if age_days >= 1 or closed:
            steps.append(
                ("assign", t[3], reported + timedelta(hours=4), f"交办{t[3]}，限期{t[6]}天", None)
            )
        if parties >= 6 and t[4]:
            for dept in t[4][:2]:
                sid += 1
                sub_done = resolved_at is not None
                subcases.rows.append(
                    (
                        sid,
                        did,
                        dcode,
                        dept,
                        f"{t[1]}协同处置",
                        "done" if sub_done else "open",
                        due,
                        resolved_at,
                    )
                )
                steps.append(("consult", dept, reported + timedelta(hours=8), "多部门商办", sid))
        if closed and done_days > t[6] or (not closed and age_days > t[6]):
            steps.append(("supervise", "township", due, "超期督办", None))
        if closed:
            finish = reported + timedelta(days=done_days)
            steps.append(("resolve", t[3], finish, outcome or "", None))
            steps.append(
                ("evaluate", None, finish + timedelta(days=2), f"满意度{satisfaction}", None)
            )
            if status == "archived":
                steps.append(("archive", "township", finish + timedelta(days=30), "结案归档", None))
        for action, dept, at, note, sub in sorted(steps, key=lambda s: s[2]):
            eid += 1
            events.rows.append(
                (eid, did, sub, dcode, action, "综治中心" if dept is None else dept, dept, at, note)
            )
    return disputes, subcases, events


def _patrols(cfg, rng, grid_meta, bld_index):  # noqa: ANN001, ANN202
    """Visits, vectorised: each goes to a building of the worker's grid, jittered by metres."""
    patrols = Table(
        "patrol_visit",
        (
            "id",
            "visited_at",
            "worker_id",
            "grid_code",
            "district_code",
            "building_id",
            "geom",
            "finding",
            "anomaly_type",
        ),
    )
    n = cfg.patrol_visits
    g = rng.integers(0, len(grid_meta), n)
    end = datetime.combine(cfg.as_of, datetime.min.time(), TZ)
    seconds = np.sort(rng.uniform(0, 365 * 86400, n))[::-1]
    anomalies = rng.random(n) < 0.0055
    kinds = rng.integers(0, len(ANOMALY_TYPES), n)
    pick = rng.random(n)
    jx = rng.normal(0, 8, n) / M_PER_DEG_LON
    jy = rng.normal(0, 8, n) / M_PER_DEG_LAT
    for i in range(n):
        gcode, dcode, _ = grid_meta[g[i]]
        blds = bld_index[gcode]
        bid, x, y = blds[int(pick[i] * len(blds))]
        anomaly = ANOMALY_TYPES[kinds[i]] if anomalies[i] else None
        patrols.rows.append(
            (
                i + 1,
                end - timedelta(seconds=float(seconds[i])),
                int(g[i]) + 1,
                gcode,
                dcode,
                bid,
                shapely.Point(x + jx[i], y + jy[i]),
                "发现" + anomaly if anomaly else "正常",
                anomaly,
            )
        )
    return patrols


def _key_persons(cfg, rng, names, grid_meta, units, bld_index):  # noqa: ANN001, ANN202
    table = Table(
        "key_person",
        (
            "id",
            "name",
            "id_number",
            "phone",
            "category",
            "grid_code",
            "district_code",
            "housing_unit_id",
            "risk_level",
            "geom",
        ),
    )
    unit_by_building: dict[int, int] = {}
    for row in units.rows:
        unit_by_building.setdefault(row[1], row[0])
    person_names = names.people(cfg.key_persons)
    phones = _phones(rng, cfg.key_persons)
    for i in range(cfg.key_persons):
        gcode, dcode, _ = grid_meta[int(rng.integers(0, len(grid_meta)))]
        bid, x, y = bld_index[gcode][0]
        born = date(1950, 1, 1) + timedelta(days=int(rng.integers(0, 365 * 55)))
        first17 = f"{dcode}{born:%Y%m%d}{int(rng.integers(0, 1000)):03d}"
        table.rows.append(
            (
                i + 1,
                person_names[i],
                first17 + id_check_digit(first17),
                phones[i],
                str(rng.choice(KEY_PERSON_CATEGORIES)),
                gcode,
                dcode,
                unit_by_building.get(bid),
                str(rng.choice(["low", "medium", "high"], p=[0.6, 0.3, 0.1])),
                shapely.Point(x, y),
            )
        )
    return table


def _mediation(rng, names, township_rows, areas):  # noqa: ANN001, ANN202
    rooms = Table("mediation_room", ("id", "name", "kind", "area_code", "district_code", "geom"))
    mediators = Table("mediator", ("id", "name", "room_id", "district_code", "specialty"))
    town_names = {r[0]: r[1] for r in areas.rows}
    specialties = [t[1] for t in DISPUTE_TYPES]
    for i, (tcode, dcode, geom) in enumerate(township_rows, start=1):
        kind = "gold" if i % 7 == 1 else "people"
        label = "金牌调解室" if kind == "gold" else "人民调解委员会"
        pt = representative_points(geom, 1, rng)[0]
        rooms.rows.append((i, f"{town_names[tcode]}{label}", kind, tcode, dcode, pt))
        for _ in range(2):
            mediators.rows.append(
                (
                    len(mediators.rows) + 1,
                    names.people(1)[0],
                    i,
                    dcode,
                    str(rng.choice(specialties)),
                )
            )
    return rooms, mediators


def _compounds(rng, names, community_rows):  # noqa: ANN001, ANN202
    table = Table(
        "compound",
        (
            "id",
            "name",
            "community_code",
            "district_code",
            "party_branch",
            "owners_committee",
            "property_company",
            "fee_collection_rate",
            "geom",
        ),
    )
    for i, (ccode, dcode, geom) in enumerate(community_rows, start=1):
        pt = representative_points(geom, 1, rng)[0]
        half = 150 / M_PER_DEG_LAT
        box = shapely.box(pt.x - half * 1.3, pt.y - half, pt.x + half * 1.3, pt.y + half)
        area = _as_multipolygon(shapely.make_valid(shapely.intersection(box, geom)))
        if area.is_empty:
            continue
        table.rows.append(
            (
                i,
                f"{names.place()}小区",
                ccode,
                dcode,
                bool(rng.random() < 0.8),
                bool(rng.random() < 0.3),
                f"{names.place()}物业服务有限公司",
                round(float(rng.uniform(0.55, 0.98)), 3),
                area,
            )
        )
    return table


def _whistles(cfg, rng, community_rows):  # noqa: ANN001, ANN202
    table = Table(
        "whistle",
        (
            "id",
            "source_ref",
            "community_code",
            "district_code",
            "category",
            "item",
            "raised_at",
            "responding_department",
            "responded_at",
            "status",
            "evaluation",
        ),
    )
    end = datetime.combine(cfg.as_of, datetime.min.time(), TZ)
    for i in range(1, cfg.whistles + 1):
        ccode, dcode, _ = community_rows[int(rng.integers(0, len(community_rows)))]
        code, name, dept = WHISTLE_CLASSES[int(rng.integers(0, len(WHISTLE_CLASSES)))]
        raised = end - timedelta(days=float(rng.uniform(0, 365)))
        stage = int(rng.choice(4, p=[0.1, 0.2, 0.3, 0.4]))
        responded = raised + timedelta(hours=float(rng.uniform(1, 72))) if stage >= 1 else None
        table.rows.append(
            (
                i,
                f"WH-{cfg.as_of:%Y}-{i:07d}",
                ccode,
                dcode,
                code,
                f"{name}问题吹哨",
                raised,
                dept,
                responded,
                ("raised", "responded", "evaluated", "assessed")[stage],
                int(rng.integers(2, 6)) if stage >= 2 else None,
            )
        )
    return table


def _tasks(rng, cfg, grid_meta):  # noqa: ANN001, ANN202
    table = Table(
        "patrol_task",
        ("id", "grid_code", "district_code", "worker_id", "due_on", "priority", "reason", "status"),
    )
    for i in range(1, max(10, len(grid_meta) // 10) + 1):
        k = int(rng.integers(0, len(grid_meta)))
        gcode, dcode, _ = grid_meta[k]
        table.rows.append(
            (
                i,
                gcode,
                dcode,
                k + 1,
                cfg.as_of + timedelta(days=int(rng.integers(0, 14))),
                str(rng.choice(["low", "normal", "high", "urgent"], p=[0.2, 0.5, 0.2, 0.1])),
                "重点区域加密巡查",
                "open",
            )
        )
    return table


DEMO_TABLES = (
    "admin_area",
    "grid",
    "building",
    "building_chief",
    "housing_unit",
    "grid_worker",
    "compound",
    "mediation_room",
    "mediator",
    "key_person",
    "dispute",
    "dispute_sub_case",
    "dispute_event",
    "whistle",
    "patrol_visit",
    "patrol_task",
)


def already_loaded(engine: Engine) -> bool:
    """True when the database already holds areas (a previous demo load or a real import)."""
    with engine.connect() as conn:
        return bulk.has_rows(conn, "admin_area")


def load_demo(engine: Engine, cfg: DemoConfig) -> dict[str, int]:
    """Replace all demo tables with a fresh build, in one transaction; returns rows per table."""
    tables = generate(cfg)
    with engine.begin() as conn:
        return load_tables(conn, cfg, tables)


def load_tables(conn: Connection, cfg: DemoConfig, tables: list[Table]) -> dict[str, int]:
    """COPY generated tables into the database inside the caller's transaction."""
    counts: dict[str, int] = {}
    # dispute_event is append-only, so it is emptied by TRUNCATE (which fires no row trigger).
    bulk.truncate(conn, list(DEMO_TABLES))
    bulk.ensure_patrol_partitions(conn, cfg.as_of - timedelta(days=400), cfg.as_of)
    for t in tables:
        counts[t.name] = bulk.copy_rows(conn, t.name, t.columns, t.rows)
        if "id" in t.columns and t.name != "patrol_visit":
            bulk.sync_sequence(conn, t.name)
    bulk.sync_patrol_sequence(conn)
    options = {"seed": cfg.seed, "as_of": cfg.as_of.isoformat()}
    bulk.record_batch(conn, "demo", "demo-generator", options, sum(counts.values()))
    bulk.analyze(conn, list(DEMO_TABLES))
    return counts

"""The demo generator without a database: determinism, shapes, plausibility."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import shapely

from etl.demo import DemoConfig, generate, read_districts
from etl.idcard import id_check_digit

AS_OF = date(2026, 11, 28)


def _small(seed: int = 3) -> DemoConfig:
    return replace(DemoConfig.for_scale("small", seed, AS_OF), districts=("150103",))


def test_gen001_same_seed_same_rows() -> None:
    a, b = generate(_small()), generate(_small())
    assert [(t.name, t.rows) for t in a] == [(t.name, t.rows) for t in b]
    c = generate(_small(seed=4))
    assert [t.rows for t in a if t.name == "grid"] != [t.rows for t in c if t.name == "grid"]


def test_gen002_districts_are_converted_from_gcj02() -> None:
    districts = read_districts()
    assert [d["code"] for d in districts][:2] == ["150100", "150102"]
    assert len(districts) == 10
    for d in districts:
        assert d["geom"].is_valid and d["geom"].geom_type == "MultiPolygon"
    # GCJ-02 is shifted north-east of WGS84 by a few hundred metres around Hohhot.
    import json
    from importlib import resources

    from shapely.geometry import shape

    raw = json.loads(
        (resources.files("geodata") / "data" / "hohhot_admin_gcj02.geojson").read_text("utf-8")
    )
    gcj = shape(raw["features"][1]["geometry"]).centroid
    wgs = districts[1]["geom"].centroid
    assert 0.002 < gcj.x - wgs.x < 0.01 and 0.0 < gcj.y - wgs.y < 0.005


def test_gen003_codes_follow_the_statistical_division_scheme() -> None:
    tables = {t.name: t for t in generate(_small())}
    levels = {row[0]: row[2] for row in tables["admin_area"].rows}
    for code, level in levels.items():
        assert len(code) == {"city": 6, "district": 6, "township": 9, "community": 12}[level]
    for row in tables["grid"].rows:
        assert row[0].startswith(row[2]) and levels[row[2]] == "community"


def test_gen004_people_and_cases_are_plausible() -> None:
    tables = {t.name: t for t in generate(_small())}
    units = tables["housing_unit"].rows
    assert all(r[5] == 0 for r in units if r[6] == "vacant")
    grids = tables["grid"].rows
    assert sum(r[5] for r in grids) == sum(r[5] for r in units)
    for row in tables["key_person"].rows:
        id_number = row[2]
        assert len(id_number) == 18 and id_number[-1] == id_check_digit(id_number[:17])
    disputes = tables["dispute"].rows
    assert [r[6] for r in disputes] == sorted(r[6] for r in disputes)
    heating_months = {r[6].month for r in disputes if r[3] == "heating"}
    assert heating_months <= {10, 11, 12, 1, 2, 3, 4}
    geoms = [shapely.from_wkb(r[7]) for r in disputes]
    assert all(g.geom_type == "Point" for g in geoms)


def test_gen005_id_check_digit_known_value() -> None:
    # The GB 11643 example number 11010519491231002X.
    assert id_check_digit("11010519491231002") == "X"

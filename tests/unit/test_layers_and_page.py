"""Pure pieces of the map: class breaks, legend, URL state, messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.i18n import MESSAGES, t
from app.urlstate import parse_search, search_for
from layers import area_density
from layers.registry import LAYERS


def test_lay001_breaks_are_ascending_and_cover_the_maximum() -> None:
    values = [0, 1, 2, 3, 5, 8, 13, 21, 34, 55]
    breaks = area_density.class_breaks(values)
    assert breaks == sorted(set(breaks))
    assert breaks[-1] == 55
    assert len(breaks) <= len(area_density.COLORS)


def test_lay002_no_positive_values_means_no_classes() -> None:
    assert area_density.class_breaks([]) == []
    assert area_density.class_breaks([0, 0]) == []
    params = area_density.Params(parent_code="150100", parent_level="city")
    hideout = area_density.render({"150102": 0}, params)
    assert hideout["breaks"] == [] and hideout["colors"] == []
    assert area_density.legend_rows(hideout) == [(area_density.EMPTY_COLOR, "0")]


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=300))
def test_lay003_every_value_falls_in_exactly_one_legend_class(values: list[int]) -> None:
    params = area_density.Params(parent_code="150100", parent_level="city")
    hideout = area_density.render({str(i): v for i, v in enumerate(values)}, params)
    rows = area_density.legend_rows(hideout)
    assert len(rows) == len(hideout["breaks"]) + 1
    assert len(hideout["colors"]) == len(hideout["breaks"])
    for v in values:
        if v == 0:
            continue
        classes = [b for b in hideout["breaks"] if v <= b]
        assert classes, f"{v} above the last break {hideout['breaks']}"
    assert hideout["total"] == sum(values)


def test_lay004_period_filter() -> None:
    now = datetime(2026, 11, 28, tzinfo=UTC)
    p = area_density.Params(parent_code="1", parent_level="city", period="30d", now=now)
    assert p.dispute_filter().start == datetime(2026, 10, 29, tzinfo=UTC)
    assert (
        area_density.Params(parent_code="1", parent_level="city", period="all")
        .dispute_filter()
        .start
        is None
    )
    with pytest.raises(ValueError):
        area_density.Params(parent_code="1", parent_level="grid")


def test_lay005_registry_lists_layer_modules() -> None:
    spec = LAYERS["area_density"]
    assert spec["fetch"] is area_density.fetch and spec["render"] is area_density.render


def test_page001_url_state_round_trip() -> None:
    search = search_for("150102001", {"period": "30d", "types": "heating,property", "x": "y"})
    state = parse_search(search)
    assert state == {"area": "150102001", "period": "30d", "types": "heating,property"}
    assert parse_search(None) == {} and parse_search("") == {}


def test_i18n001_catalogue_is_complete() -> None:
    for key, entry in MESSAGES.items():
        assert entry.get("zh"), key
        assert "en" in entry, key
    assert t("title") == MESSAGES["title"]["zh"]
    assert t("title", "en") == MESSAGES["title"]["en"]
    assert t("no.such.key") == "no.such.key"


def test_dispute_filter_sql_uses_bound_parameters() -> None:
    from geodata.queries import DisputeFilter

    flt = DisputeFilter(
        start=datetime(2026, 1, 1, tzinfo=UTC), type_codes=("x'; DROP TABLE grid; --",)
    )
    sql, params = flt.sql()
    assert "DROP" not in sql and ":types" in sql and ":start" in sql
    assert params["types"] == ["x'; DROP TABLE grid; --"]

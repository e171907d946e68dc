"""Pure pieces of the map: class breaks, legend, URL state, messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app import ids
from app.pages.map.state import ViewState, parse_search, search_for
from domain.i18n import MESSAGES, t
from layers import area_density
from layers.filters import LOCAL_TZ, MapFilters
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
    hideout = area_density.render(_stats({"150102": 0}), params)
    assert hideout["breaks"] == [] and hideout["colors"] == []
    assert area_density.legend_rows(hideout) == [(area_density.EMPTY_COLOR, "0")]


def _stats(counts: dict[str, int], residents: int = 2000, km2: float = 4.0) -> dict:
    return {c: {"count": n, "residents": residents, "km2": km2} for c, n in counts.items()}


@given(
    st.lists(st.integers(min_value=0, max_value=10_000), max_size=300),
    st.sampled_from(area_density.METRICS),
    st.sampled_from(area_density.SCHEMES),
)
def test_lay003_every_value_falls_in_exactly_one_legend_class(
    values: list[int], metric: str, scheme: str
) -> None:
    params = area_density.Params(
        parent_code="150100", parent_level="city", metric=metric, scheme=scheme
    )
    hideout = area_density.render(_stats({str(i): v for i, v in enumerate(values)}), params)
    rows = area_density.legend_rows(hideout)
    assert len(rows) == len(hideout["breaks"]) + 1
    assert len(hideout["colors"]) == len(hideout["breaks"])
    assert hideout["breaks"] == sorted(set(hideout["breaks"]))
    for v in hideout["values"].values():
        if v == 0:
            continue
        classes = [b for b in hideout["breaks"] if v <= b]
        assert classes, f"{v} above the last break {hideout['breaks']}"
    assert hideout["total"] == sum(values)


def test_lay004_metrics_are_rates_of_residents_and_area() -> None:
    stats = {
        "a": {"count": 30, "residents": 6000, "km2": 2.0},
        "b": {"count": 5, "residents": 0, "km2": 0.0},
    }
    assert area_density.metric_values(stats, "count") == {"a": 30, "b": 5}
    assert area_density.metric_values(stats, "per_1k") == {"a": 5.0, "b": 0.0}
    assert area_density.metric_values(stats, "per_km2") == {"a": 15.0, "b": 0.0}
    # Natural breaks separate a clear gap; quantiles split by rank.
    values = [1, 2, 2, 3, 3, 50, 52, 55, 200, 210]
    natural = area_density.class_breaks(values, k=3, scheme="natural_breaks")
    assert natural == [3, 55, 210]
    quant = area_density.class_breaks(values, k=2, scheme="quantiles")
    assert quant[-1] == 210 and quant[0] < 50
    with pytest.raises(ValueError):
        area_density.Params(parent_code="1", parent_level="grid")


def test_lay005_registry_lists_layer_modules() -> None:
    spec = LAYERS["area_density"]
    assert spec["fetch"] is area_density.fetch and spec["render"] is area_density.render


def test_page001_url_state_round_trip() -> None:
    state = ViewState(
        area="150102001",
        filters=MapFilters(
            period="custom",
            start=date(2026, 1, 5),
            end=date(2026, 1, 11),
            types=("heating", "property"),
            risks=("high",),
        ),
        metric="per_km2",
        overlays=("area_density", "heat_disputes"),
        lang="en",
    )
    search = state.to_search()
    assert ViewState.from_search(search) == state
    assert "types=heating,property" in search and "lang=en" in search
    assert ViewState.from_search(None) == ViewState() == ViewState.from_search("")
    # Garbage is dropped, never an error page.
    bad = ViewState.from_search(
        "?metric=evil&risk=extreme&period=x&layers=nope,dispute_points&from=zz"
    )
    assert (
        bad.metric == "count"
        and bad.filters == MapFilters()
        and bad.overlays == ("dispute_points",)
    )
    kept = search_for("150102", "?period=30d&types=heating&area=1501")
    assert parse_search(kept) == {"area": "150102", "period": "30d", "types": "heating"}


def test_page002_filter_windows_in_local_time() -> None:
    now = datetime(2026, 11, 28, 9, 30, tzinfo=LOCAL_TZ)  # a Saturday
    assert MapFilters(period="today").window(now) == (datetime(2026, 11, 28, tzinfo=LOCAL_TZ), None)
    assert MapFilters(period="week").window(now)[0] == datetime(2026, 11, 23, tzinfo=LOCAL_TZ)
    assert MapFilters(period="month").window(now)[0] == datetime(2026, 11, 1, tzinfo=LOCAL_TZ)
    assert MapFilters(period="year").window(now)[0] == datetime(2026, 1, 1, tzinfo=LOCAL_TZ)
    assert MapFilters(period="30d").window(now)[0] == now - timedelta(days=30)
    assert MapFilters(period="all").window(now) == (None, None)
    custom = MapFilters(period="custom", start=date(2026, 3, 2), end=date(2026, 3, 8))
    assert custom.window(now) == (
        datetime(2026, 3, 2, tzinfo=LOCAL_TZ),
        datetime(2026, 3, 9, tzinfo=LOCAL_TZ),
    )
    flt = MapFilters(period="all", sources=("police",), statuses=("resolved",)).dispute_filter(now)
    sql, params = flt.sql()
    assert ":sources" in sql and ":statuses" in sql and params["sources"] == ["police"]
    with pytest.raises(ValueError):
        MapFilters(risks=("extreme",))


def test_page003_controls_make_filters() -> None:
    from app.pages.map import timeline as page

    today = date(2026, 11, 28)
    weeks = page.timeline_weeks(today)
    assert len(weeks) == page.TIMELINE_WEEKS and weeks[-1] == date(2026, 11, 23)
    assert all(w.weekday() == 0 for w in weeks)
    lists = {"types": ["heating"], "sources": [], "statuses": None, "risks": ["high"]}
    week = page.filters_from_controls(ids.WEEK, MapFilters(), "365d", None, None, 50, lists, today)
    assert (week.period, week.start, week.end) == ("custom", date(2026, 11, 16), date(2026, 11, 22))
    assert week.types == ("heating",) and week.risks == ("high",)
    assert page.week_index(week, weeks) == 50
    preset = page.filters_from_controls(ids.PERIOD, week, "month", None, None, 50, lists, today)
    assert preset.period == "month"
    span = page.filters_from_controls(
        ids.RANGE, preset, "month", "2026-01-01", "2026-02-01", 50, lists, today
    )
    assert (span.period, span.start, span.end) == ("custom", date(2026, 1, 1), date(2026, 2, 1))
    assert page.week_index(span, weeks) == len(weeks) - 1


def test_page004_basemaps() -> None:
    from app.web.basemap import basemap_spec
    from geodata.settings import Settings

    assert basemap_spec(Settings(basemap="none"))["layers"] == []
    amap = basemap_spec(Settings(basemap="amap"))
    assert amap["crs"] == "GCJ02" and amap["frame"] == "gcj02"
    tdt = basemap_spec(Settings(basemap="tianditu", tianditu_key="k123"))
    assert len(tdt["layers"]) == 2 and all("tk=k123" in b["url"] for b in tdt["layers"])
    with pytest.raises(ValueError):
        basemap_spec(Settings(basemap="tianditu", tianditu_key=None))
    local = basemap_spec(Settings(basemap="local"))
    assert local["layers"][0]["url"].startswith("/basemap/")


def test_i18n001_catalogue_is_complete() -> None:
    for key, entry in MESSAGES.items():
        assert entry.get("zh"), key
        assert "en" in entry, key
    assert t("title") == MESSAGES["title"]["zh"]
    assert t("title", "en") == MESSAGES["title"]["en"]
    assert t("no.such.key") == "no.such.key"


def test_dispute_filter_sql_uses_bound_parameters() -> None:
    from geodata.read.areas import DisputeFilter

    flt = DisputeFilter(
        start=datetime(2026, 1, 1, tzinfo=UTC), type_codes=("x'; DROP TABLE grid; --",)
    )
    sql, params = flt.sql()
    assert "DROP" not in sql and ":types" in sql and ":start" in sql
    assert params["types"] == ["x'; DROP TABLE grid; --"]


def test_page005_old_layer_keys_open_the_same_layers_and_are_written_back_new() -> None:
    old = ViewState.from_search("?layers=points,coverage,hotspots&period=30d")
    new = ViewState.from_search("?layers=dispute_points,patrol_coverage,hotspots&period=30d")
    assert old == new
    assert old.overlays == ("dispute_points", "hotspots", "patrol_coverage")
    written = parse_search(old.to_search())
    assert written["layers"] == "dispute_points,hotspots,patrol_coverage"
    # Density and coverage colour the same areas: a link naming both opens the first only.
    both = ViewState.from_search("?layers=density,coverage,hotspots")
    assert both.overlays == ("area_density", "hotspots")
    # An old link to the default layer alone is the default view: no ``layers`` written.
    assert ViewState.from_search("?layers=density").to_search() == "?"
    assert parse_search(search_for("150102", "?layers=coverage"))["layers"] == "patrol_coverage"


def test_page006_only_page_modules_mention_page_registration() -> None:
    """Dash runs every file under app/pages whose text names its page-registering call.

    A page's layout.py and callbacks.py must not: Dash would run a second copy of them.
    """
    from pathlib import Path

    import app

    root = Path(app.__file__).parent / "pages"
    pages = sorted(
        str(f.relative_to(root)) for f in root.rglob("*.py") if "register_page" in f.read_text()
    )
    # One page.py per page package; the sign-in page is a plain Flask route (app/web/login.py).
    assert {"map/page.py", "tasks/page.py", "performance/page.py"} <= set(pages)
    assert all(p.count("/") == 1 and p.endswith("/page.py") for p in pages), pages


def test_page010_choropleths_are_exclusive() -> None:
    """Density and patrol coverage colour the same areas: the one just turned on wins."""
    from app.pages.map.callbacks import CHOROPLETHS, exclusive

    assert set(CHOROPLETHS) == {"area_density", "patrol_coverage"}
    before = ("area_density", "hotspots")
    assert exclusive(before, ("area_density", "hotspots", "patrol_coverage")) == (
        "hotspots", "patrol_coverage")  # fmt: skip
    assert exclusive(("patrol_coverage",), ("area_density", "patrol_coverage")) == ("area_density",)
    assert exclusive(before, ("area_density", "hotspots")) == ("area_density", "hotspots")
    assert exclusive((), ()) == ()

"""Grid detail queries, the grid panel and the case view against the small demo."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from dash import dcc
from dash.development.base_component import Component
from sqlalchemy import text

from app.components import grid_panel
from domain.i18n import t
from geodata.read import grid_detail
from geodata.read.areas import DisputeFilter
from layers.filters import LOCAL_TZ, MapFilters
from tests.conftest import AS_OF

pytestmark = pytest.mark.db

NOW = datetime.combine(AS_OF, time(), LOCAL_TZ)
YEAR = DisputeFilter(start=NOW - timedelta(days=365))
MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


# ---------- helpers ----------


def walk(component: Any) -> Iterator[Component]:
    """Every component in a Dash tree, depth first."""
    if isinstance(component, list | tuple):
        for c in component:
            yield from walk(c)
        return
    if not isinstance(component, Component):
        return
    yield component
    yield from walk(getattr(component, "children", None))


def texts(component: Any) -> list[str]:
    out = []
    for c in walk(component):
        children = getattr(c, "children", None)
        for child in children if isinstance(children, list | tuple) else [children]:
            if isinstance(child, str):
                out.append(child)
    return out


def strings(value: Any) -> Iterator[str]:
    """Every string inside plain data (dicts, lists)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from strings(v)


def count(conn, sql: str, **params: Any) -> int:  # noqa: ANN001
    return int(conn.execute(text(sql), params).scalar())


@pytest.fixture()
def busy_grid(conn, demo_db) -> str:  # noqa: ANN001
    """The grid with the most disputes in the last year (ties: lowest code) among those with
    older ones too (a grid of a planted surge may have only recent cases: no period to tell)."""
    return conn.execute(
        text(
            "SELECT grid_code FROM dispute WHERE reported_at < :now GROUP BY grid_code"
            " HAVING min(reported_at) < :start"
            " ORDER BY count(*) FILTER (WHERE reported_at >= :start) DESC, grid_code LIMIT 1"
        ),
        {"start": YEAR.start, "now": NOW},
    ).scalar_one()


@pytest.fixture()
def quiet_grid(conn, demo_db) -> str:  # noqa: ANN001
    """A grid without any dispute (the small demo leaves many)."""
    return conn.execute(
        text(
            "SELECT g.code FROM grid g WHERE NOT EXISTS"
            " (SELECT 1 FROM dispute d WHERE d.grid_code = g.code) ORDER BY g.code LIMIT 1"
        )
    ).scalar_one()


# ---------- queries ----------


def test_gd001_profile_agrees_with_sql(conn, busy_grid) -> None:  # noqa: ANN001
    p = grid_detail.grid_profile(conn, busy_grid)
    assert p is not None and p["code"] == busy_grid
    g = conn.execute(
        text("SELECT name, residents, households, area_km2 FROM grid WHERE code = :c"),
        {"c": busy_grid},
    ).one()
    assert (p["name"], p["residents"], p["households"]) == (g.name, g.residents, g.households)
    assert p["area_km2"] == pytest.approx(g.area_km2) and p["area_km2"] > 0
    assert p["buildings"] == count(
        conn, "SELECT count(*) FROM building WHERE grid_code = :c", c=busy_grid
    )
    units = dict(
        conn.execute(
            text(
                "SELECT h.occupancy, count(*) FROM housing_unit h JOIN building b"
                " ON b.id = h.building_id WHERE b.grid_code = :c GROUP BY 1"
            ),
            {"c": busy_grid},
        ).all()
    )
    assert p["occupancy"] == {k: units.get(k, 0) for k in ("owner", "rented", "vacant", "other")}
    assert p["housing_units"] == sum(units.values()) > 0
    assert [n["level"] for n in p["path"]] == ["district", "township", "community"]
    community = conn.execute(
        text(
            "SELECT a.name FROM grid g JOIN admin_area a ON a.code = g.community_code WHERE g.code = :c"
        ),
        {"c": busy_grid},
    ).scalar()
    assert p["community"] == community == p["path"][-1]["name"]
    workers = conn.execute(
        text("SELECT code, name FROM grid_worker WHERE grid_code = :c ORDER BY code"),
        {"c": busy_grid},
    ).all()
    assert [(w["code"], w["name"]) for w in p["workers"]] == [tuple(w) for w in workers]
    assert grid_detail.grid_profile(conn, "no-such-grid") is None


def test_gd002_phones_masked_unless_cleared(conn, busy_grid) -> None:  # noqa: ANN001
    raw = dict(
        conn.execute(
            text("SELECT code, phone FROM grid_worker WHERE grid_code = :c"), {"c": busy_grid}
        ).all()
    )
    assert raw and all(raw.values())
    masked = grid_detail.grid_profile(conn, busy_grid)["workers"]
    cleared = grid_detail.grid_profile(conn, busy_grid, cleared=True)["workers"]
    for w in masked:
        phone = raw[w["code"]]
        assert w["phone"] == phone[:3] + "****" + phone[-4:]
        assert re.fullmatch(r"[0-9]{3}\*{4}[0-9]{4}", w["phone"])
        assert phone not in str(masked)
    assert {w["code"]: w["phone"] for w in cleared} == raw


def test_gd003_dispute_counts_agree_with_sql_and_follow_filters(conn, busy_grid) -> None:  # noqa: ANN001
    d = grid_detail.grid_disputes(conn, busy_grid, YEAR)
    sql_total = count(
        conn,
        "SELECT count(*) FROM dispute WHERE grid_code = :c AND reported_at >= :s",
        c=busy_grid,
        s=YEAR.start,
    )
    assert d["total"] == sql_total > 0
    assert sum(e["count"] for e in d["by_type"]) == sum(d["by_status"].values()) == sql_total
    by_status = dict(
        conn.execute(
            text(
                "SELECT status, count(*) FROM dispute WHERE grid_code = :c AND reported_at >= :s"
                " GROUP BY 1"
            ),
            {"c": busy_grid, "s": YEAR.start},
        ).all()
    )
    assert {k: v for k, v in d["by_status"].items() if v} == by_status
    assert d["open"] == sum(by_status.get(s, 0) for s in ("received", "assigned", "in_progress"))
    names = dict(conn.execute(text("SELECT code, name FROM dispute_type")).all())
    assert all(e["name"] == names[e["code"]] for e in d["by_type"])
    counts = [e["count"] for e in d["by_type"]]
    assert counts == sorted(counts, reverse=True)

    # Each filter narrows the numbers the same way SQL does.
    top = d["by_type"][0]
    only_top = grid_detail.grid_disputes(
        conn, busy_grid, DisputeFilter(start=YEAR.start, type_codes=(top["code"],))
    )
    assert only_top["total"] == top["count"] < d["total"] or len(d["by_type"]) == 1
    status = max(by_status, key=by_status.get)
    only_status = grid_detail.grid_disputes(
        conn, busy_grid, DisputeFilter(start=YEAR.start, statuses=(status,))
    )
    assert only_status["total"] == by_status[status]
    all_time = grid_detail.grid_disputes(conn, busy_grid, DisputeFilter())
    assert all_time["total"] == count(
        conn, "SELECT count(*) FROM dispute WHERE grid_code = :c", c=busy_grid
    )
    assert all_time["total"] > d["total"]  # two years of cases, one year in the filter
    month = MapFilters(period="30d").dispute_filter(NOW)
    assert grid_detail.grid_disputes(conn, busy_grid, month)["total"] == count(
        conn,
        "SELECT count(*) FROM dispute WHERE grid_code = :c AND reported_at >= :s",
        c=busy_grid,
        s=month.start,
    )


def test_gd004_trend_has_every_month_with_zeros(conn, busy_grid, quiet_grid) -> None:  # noqa: ANN001
    trend = grid_detail.grid_monthly_trend(conn, busy_grid, DisputeFilter(), now=NOW)
    assert len(trend) == 12
    months = [m["month"] for m in trend]
    expected, y, mo = [], NOW.year, NOW.month
    for _ in range(12):
        expected.append(f"{y:04d}-{mo:02d}")
        y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
    assert months == expected[::-1]
    first = datetime(int(months[0][:4]), int(months[0][5:]), 1, tzinfo=LOCAL_TZ)
    assert sum(m["count"] for m in trend) == count(
        conn,
        "SELECT count(*) FROM dispute WHERE grid_code = :c AND reported_at >= :s AND reported_at < :n",
        c=busy_grid,
        s=first,
        n=NOW,
    )
    per_month = dict(
        conn.execute(
            text(
                "SELECT to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM'), count(*)"
                " FROM dispute WHERE grid_code = :c AND reported_at >= :s AND reported_at < :n GROUP BY 1"
            ),
            {"c": busy_grid, "s": first, "n": NOW},
        ).all()
    )
    assert {m["month"]: m["count"] for m in trend} == {k: per_month.get(k, 0) for k in months}

    quiet = grid_detail.grid_monthly_trend(conn, quiet_grid, DisputeFilter(), now=NOW)
    assert len(quiet) == 12 and all(m["count"] == 0 for m in quiet)

    # A custom period shows its own months; non-period filters narrow the counts.
    custom = MapFilters(period="custom", start=date(2026, 3, 10), end=date(2026, 8, 20))
    months6 = grid_detail.grid_monthly_trend(conn, busy_grid, custom.dispute_filter(NOW), now=NOW)
    assert [m["month"] for m in months6] == [f"2026-{m:02d}" for m in range(3, 9)]
    top_type = grid_detail.grid_disputes(conn, busy_grid, YEAR)["by_type"][0]["code"]
    narrowed = grid_detail.grid_monthly_trend(
        conn, busy_grid, DisputeFilter(type_codes=(top_type,)), now=NOW
    )
    assert [m["month"] for m in narrowed] == months
    assert all(n["count"] <= a["count"] for n, a in zip(narrowed, trend, strict=True))
    assert sum(m["count"] for m in narrowed) == count(
        conn,
        "SELECT count(*) FROM dispute WHERE grid_code = :c AND type_code = :t"
        " AND reported_at >= :s AND reported_at < :n",
        c=busy_grid,
        t=top_type,
        s=first,
        n=NOW,
    )


def test_gd005_trend_months_follow_the_period() -> None:
    now = datetime(2026, 11, 28, 15, tzinfo=LOCAL_TZ)
    assert len(grid_detail.trend_months(DisputeFilter(), 12, now)) == 12
    today = MapFilters(period="today").dispute_filter(now)
    assert [m.month for m in grid_detail.trend_months(today, 12, now)] == [11]
    year = MapFilters(period="365d").dispute_filter(now)
    assert len(grid_detail.trend_months(year, 12, now)) == 13  # the period touches 13 months
    old = DisputeFilter(start=datetime(2010, 1, 1, tzinfo=LOCAL_TZ))
    assert len(grid_detail.trend_months(old, 12, now)) == grid_detail.MAX_TREND_MONTHS
    assert grid_detail.trend_months(DisputeFilter(start=now + timedelta(days=40)), 12, now) == []


def test_gd006_recent_cases_newest_first(conn, busy_grid) -> None:  # noqa: ANN001
    cases = grid_detail.grid_recent_cases(conn, busy_grid, YEAR, limit=5, now=NOW)
    assert 0 < len(cases) <= 5
    stamps = [c["reported_at"] for c in cases]
    assert stamps == sorted(stamps, reverse=True)
    newest = (
        conn.execute(
            text(
                "SELECT id FROM dispute WHERE grid_code = :c AND reported_at >= :s"
                " ORDER BY reported_at DESC, id DESC LIMIT 5"
            ),
            {"c": busy_grid, "s": YEAR.start},
        )
        .scalars()
        .all()
    )
    assert [c["id"] for c in cases] == newest
    for c in cases:
        assert set(c) >= {
            "id",
            "source_ref",
            "title",
            "type_name",
            "status",
            "risk_level",
            "reported_at",
            "due_at",
            "overdue",
        }
        open_case = c["status"] in ("received", "assigned", "in_progress")
        assert c["overdue"] == (open_case and c["due_at"] < NOW)
    overdue_sql = count(
        conn,
        "SELECT count(*) FROM dispute WHERE grid_code = :c AND status IN ('received','assigned','in_progress')"
        " AND due_at < :n",
        c=busy_grid,
        n=NOW,
    )
    every = grid_detail.grid_recent_cases(conn, busy_grid, DisputeFilter(), limit=10_000, now=NOW)
    assert sum(c["overdue"] for c in every) == overdue_sql
    status = cases[0]["status"]
    filtered = grid_detail.grid_recent_cases(
        conn, busy_grid, DisputeFilter(statuses=(status,)), now=NOW
    )
    assert filtered and all(c["status"] == status for c in filtered)


def test_gd007_patrols_agree_with_sql(conn, busy_grid) -> None:  # noqa: ANN001
    p = grid_detail.grid_patrols(conn, busy_grid, days=30, now=NOW)
    since = NOW - timedelta(days=30)
    window = "grid_code = :c AND visited_at >= :s AND visited_at < :n"
    assert p["visits"] == count(
        conn, f"SELECT count(*) FROM patrol_visit WHERE {window}", c=busy_grid, s=since, n=NOW
    )
    assert p["buildings_total"] == count(
        conn, "SELECT count(*) FROM building WHERE grid_code = :c", c=busy_grid
    )
    assert p["buildings_visited"] == count(
        conn,
        f"SELECT count(DISTINCT building_id) FROM patrol_visit WHERE {window}"
        " AND building_id IN (SELECT id FROM building WHERE grid_code = :c)",
        c=busy_grid,
        s=since,
        n=NOW,
    )
    assert 0 <= p["buildings_visited"] <= p["buildings_total"]
    last = conn.execute(
        text(
            "SELECT p.visited_at, w.name FROM patrol_visit p JOIN grid_worker w ON w.id = p.worker_id"
            " WHERE p.grid_code = :c AND p.visited_at < :n ORDER BY p.visited_at DESC LIMIT 1"
        ),
        {"c": busy_grid, "n": NOW},
    ).one()
    assert p["last_visit"]["visited_at"] == last.visited_at
    assert p["last_visit"]["worker_name"] == last.name
    year_anomalies = count(
        conn,
        "SELECT count(*) FROM patrol_visit WHERE grid_code = :c AND visited_at >= :s"
        " AND visited_at < :n AND anomaly_type IS NOT NULL",
        c=busy_grid,
        s=NOW - timedelta(days=365),
        n=NOW,
    )
    assert len(p["anomalies"]) == min(year_anomalies, 5)
    assert [a["at"] for a in p["anomalies"]] == sorted(
        (a["at"] for a in p["anomalies"]), reverse=True
    )
    assert all(a["type"] and a["finding"] for a in p["anomalies"])
    assert p["anomalies_in_period"] == count(
        conn,
        f"SELECT count(*) FROM patrol_visit WHERE {window} AND anomaly_type IS NOT NULL",
        c=busy_grid,
        s=since,
        n=NOW,
    )
    # The whole city has anomalies in the demo year: some grid lists them.
    anomalous = conn.execute(
        text(
            "SELECT grid_code FROM patrol_visit WHERE anomaly_type IS NOT NULL AND visited_at < :n LIMIT 1"
        ),
        {"n": NOW},
    ).scalar_one()
    assert grid_detail.grid_patrols(conn, anomalous, now=NOW)["anomalies"]


def test_gd008_patrol_scan_prunes_partitions(conn, busy_grid) -> None:  # noqa: ANN001
    params = {
        "code": busy_grid,
        "now": NOW,
        "since": NOW - timedelta(days=30),
        "anomaly_since": NOW - timedelta(days=90),
        "lookback": NOW - timedelta(days=90),
        "limit": 5,
        "cleared": False,
    }
    plan = "\n".join(
        conn.execute(text("EXPLAIN (COSTS OFF) " + grid_detail._PATROLS), params).scalars()
    )
    scanned = set(re.findall(r"patrol_visit_(\d{6}|default)", plan))
    wanted = {f"{d.year:04d}{d.month:02d}" for d in (NOW - timedelta(days=k) for k in range(0, 91))}
    assert scanned and scanned <= wanted, plan


def test_gd009_case_detail_history_in_time_order(conn, busy_grid) -> None:  # noqa: ANN001
    dispute_id = conn.execute(
        text(
            "SELECT d.id FROM dispute d JOIN dispute_sub_case s ON s.dispute_id = d.id"
            " GROUP BY d.id ORDER BY count(*) DESC, d.id LIMIT 1"
        )
    ).scalar_one()
    detail = grid_detail.case_detail(conn, dispute_id, now=NOW)
    assert detail is not None and detail["id"] == dispute_id
    row = conn.execute(
        text(
            "SELECT d.status, t.name AS type_name, dep.name AS dept, a.name AS district"
            " FROM dispute d JOIN dispute_type t ON t.code = d.type_code"
            " JOIN department dep ON dep.code = d.lead_department"
            " JOIN admin_area a ON a.code = d.district_code WHERE d.id = :i"
        ),
        {"i": dispute_id},
    ).one()
    assert (detail["status"], detail["type_name"]) == (row.status, row.type_name)
    assert (detail["lead_department_name"], detail["district_name"]) == (row.dept, row.district)
    events = detail["events"]
    assert len(events) == count(
        conn, "SELECT count(*) FROM dispute_event WHERE dispute_id = :i", i=dispute_id
    )
    assert events[0]["action"] == "accept"
    assert [e["at"] for e in events] == sorted(e["at"] for e in events)
    assert all(e["department_name"] for e in events if e["department_code"])
    assert (
        len(detail["sub_cases"])
        == count(conn, "SELECT count(*) FROM dispute_sub_case WHERE dispute_id = :i", i=dispute_id)
        > 0
    )
    assert all(s["department_name"] and s["task"] for s in detail["sub_cases"])
    assert grid_detail.case_detail(conn, 10**12) is None
    assert grid_detail.case_detail(conn, "not-a-number") is None  # type: ignore[arg-type]


def test_gd010_case_detail_masks_numbers_in_free_text(conn, busy_grid) -> None:  # noqa: ANN001
    dispute_id, district = conn.execute(
        text("SELECT id, district_code FROM dispute WHERE grid_code = :c ORDER BY id LIMIT 1"),
        {"c": busy_grid},
    ).one()
    phone, id_number = "13812345678", "150102199001011234"
    # Rolled back with the test's transaction (the event log is append-only, inserts are allowed).
    conn.execute(
        text(
            "INSERT INTO dispute_event (dispute_id, district_code, action, actor, at, note)"
            " VALUES (:i, :d, 'supervise', :actor, :at, :note)"
        ),
        {
            "i": dispute_id,
            "d": district,
            "actor": f"回访员 {phone}",
            "at": NOW - timedelta(minutes=1),
            "note": f"当事人电话{phone}，身份证号{id_number}，另一号码+86 13900001111",
        },
    )
    hidden = grid_detail.case_detail(conn, dispute_id, now=NOW)
    flat = " ".join(strings(hidden))
    assert phone not in flat and id_number not in flat and not MOBILE.search(flat)
    assert "138****5678" in flat and "150102********1234" in flat and "139****1111" in flat
    shown = grid_detail.case_detail(conn, dispute_id, cleared=True, now=NOW)
    flat = " ".join(strings(shown))
    assert phone in flat and id_number in flat


# ---------- rendering ----------


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gd011_panel_renders(conn, busy_grid, lang: str) -> None:  # noqa: ANN001
    filters = MapFilters(period="365d")
    data = grid_panel.panel_data(conn, busy_grid, filters, now=NOW)
    view = grid_panel.grid_panel_view(data, lang)
    words = texts(view)
    joined = " ".join(words)
    profile = data["profile"]
    assert t("gd.title", lang) in words and profile["name"] in words
    assert all(n["name"] in words for n in profile["path"])
    assert all(w["phone"] in words and "****" in w["phone"] for w in profile["workers"])
    assert not MOBILE.search(joined)
    for key in ("gd.by_type", "gd.by_status", "gd.trend", "gd.recent", "gd.patrol", "gd.anomalies"):
        assert t(key, lang) in words, key
    assert t("gd.occupancy.rented", lang) in words
    assert f"{data['disputes']['total']:,}" in words
    link_ids = [c.id["index"] for c in walk(view) if isinstance(getattr(c, "id", None), dict)]
    assert link_ids == [c["id"] for c in data["cases"]] and link_ids
    assert all(
        c.id["type"] == grid_panel.CASE_LINK
        for c in walk(view)
        if isinstance(getattr(c, "id", None), dict)
    )
    graphs = [c for c in walk(view) if isinstance(c, dcc.Graph)]
    assert len(graphs) == 1 and graphs[0].config == {"displayModeBar": False}
    fig = graphs[0].figure
    assert fig["data"][0]["type"] == "bar"
    assert fig["data"][0]["y"] == [m["count"] for m in data["trend"]]
    assert fig["layout"]["yaxis"]["title"]["text"] == t("gd.trend.count", lang)
    first = data["trend"][0]["month"]
    label = fig["data"][0]["x"][0]
    assert label == (f"{int(first[:4])}年{int(first[5:])}月" if lang == "zh" else first)
    # Status labels are translated, dates are local YYYY-MM-DD HH:MM.
    case = data["cases"][0]
    assert t(f"status.{case['status']}", lang) in words
    assert grid_panel.fmt_time(case["reported_at"]) in words
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", grid_panel.fmt_time(case["reported_at"]))
    if lang == "en":
        assert not any(t(f"status.{s}", "zh") in words for s in ("received", "archived"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gd012_empty_states_render(conn, quiet_grid, lang: str) -> None:  # noqa: ANN001
    view = grid_panel.panel(conn, quiet_grid, MapFilters(period="all"), lang, now=NOW)
    words = texts(view)
    assert t("gd.no_disputes", lang) in words
    assert not [c for c in walk(view) if isinstance(getattr(c, "id", None), dict)]
    graph = next(c for c in walk(view) if isinstance(c, dcc.Graph))
    assert set(graph.figure["data"][0]["y"]) == {0} and graph.figure["layout"]["yaxis"][
        "range"
    ] == [0, 1]
    unknown = grid_panel.panel(conn, "no-such-grid", None, lang)
    assert texts(unknown) == [t("gd.unknown_grid", lang)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gd013_case_view_renders_timeline(conn, busy_grid, lang: str) -> None:  # noqa: ANN001
    dispute_id = conn.execute(
        text(
            "SELECT d.id FROM dispute d WHERE d.status = 'archived' AND EXISTS"
            " (SELECT 1 FROM dispute_sub_case s WHERE s.dispute_id = d.id) ORDER BY d.id LIMIT 1"
        )
    ).scalar_one()
    detail = grid_detail.case_detail(conn, dispute_id, now=NOW)
    view = grid_panel.case_detail_view(detail, lang)
    words = texts(view)
    events = [c for c in walk(view) if "tl-event" in (getattr(c, "className", "") or "")]
    assert len(events) == len(detail["events"])
    actions = [c.children for c in walk(view) if "tl-action" in (getattr(c, "className", "") or "")]
    assert actions == [t(f"gd.action.{e['action']}", lang) for e in detail["events"]]
    expected = {
        "zh": ("接办", "交办", "化解", "评价", "归档"),
        "en": ("Accepted", "Assigned", "Archived"),
    }
    assert set(expected[lang]) <= set(actions)
    assert detail["title"] in words and t("gd.case.timeline", lang) in words
    assert t("gd.case.sub_cases", lang) in words
    assert t(f"status.{detail['status']}", lang) in words
    assert grid_panel.fmt_time(detail["events"][0]["at"]) in words
    if lang == "en":
        assert t(f"gd.type.{detail['type_code']}", "en") in words
    assert texts(grid_panel.case_detail_view(None, lang)) == [t("gd.case.unknown", lang)]
    assert texts(grid_panel.case_panel(conn, 10**12, lang)) == [t("gd.case.unknown", lang)]


def test_gd014_local_time_format() -> None:
    from datetime import UTC

    moment = datetime(2026, 1, 31, 17, 5, tzinfo=UTC)
    assert grid_panel.fmt_time(moment) == "2026-02-01 01:05"
    assert grid_panel.fmt_time(None, "en") == t("gd.none", "en")
    assert grid_panel.case_link_id(7) == {"type": "case-link", "index": 7}

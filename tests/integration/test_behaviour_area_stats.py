"""Per-child area stats against direct SQL: residents and km² summed over the grids, and dispute
counts over exactly the window of each period.

Windows are written out by hand for a fixed "now" (2026-11-28 12:00 Asia/Shanghai, a Saturday),
so a period that covers the wrong days fails whatever the code computes.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from geodata.read import areas as queries
from layers import area_density
from layers.filters import MapFilters
from tests.conftest import AS_OF

pytestmark = pytest.mark.db

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 12, 0, tzinfo=TZ)
assert NOW.date().isoformat() == "2026-11-28" and NOW.weekday() == 5  # the windows below rely on it

WINDOWS: dict[str, tuple[datetime, datetime | None]] = {
    "today": (datetime(2026, 11, 28, tzinfo=TZ), None),
    "week": (datetime(2026, 11, 23, tzinfo=TZ), None),  # Monday
    "month": (datetime(2026, 11, 1, tzinfo=TZ), None),
    "year": (datetime(2026, 1, 1, tzinfo=TZ), None),
    "30d": (datetime(2026, 10, 29, 12, 0, tzinfo=TZ), None),
    "90d": (datetime(2026, 8, 30, 12, 0, tzinfo=TZ), None),
    "365d": (datetime(2025, 11, 28, 12, 0, tzinfo=TZ), None),
}
CUSTOM = (
    "2026-03-01",
    "2026-03-31",
    datetime(2026, 3, 1, tzinfo=TZ),
    datetime(2026, 4, 1, tzinfo=TZ),
)

# Child key of a grid, per level of the parent (how the hierarchy is stored, in plain SQL).
GRID_TO_CHILD = {
    "city": ("g.district_code", "", "TRUE"),
    "district": (
        "c.parent_code",
        "JOIN admin_area c ON c.code = g.community_code",
        "g.district_code = :p",
    ),
    "township": (
        "g.community_code",
        "JOIN admin_area c ON c.code = g.community_code",
        "c.parent_code = :p",
    ),
    "community": ("g.code", "", "g.community_code = :p"),
}


def _chain(conn) -> list[tuple[str, str]]:  # noqa: ANN001
    """(code, level) of the city, then of the child with the most grids, down to a community."""
    city = conn.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
    chain = [(city, "city")]
    for parent_level, child in (
        ("city", "district"),
        ("district", "township"),
        ("township", "community"),
    ):
        key, join, scope = GRID_TO_CHILD[parent_level]
        code = conn.execute(
            text(
                f"SELECT {key} FROM grid g {join} WHERE {scope}"  # noqa: S608 — fixed test SQL
                f" GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
            ),
            {"p": chain[-1][0]},
        ).scalar()
        chain.append((code, child))
    return chain


def _per_child(conn, parent: str, level: str, value_sql: str, where: str = "TRUE", **params):  # noqa: ANN001, ANN003, ANN202
    key, join, scope = GRID_TO_CHILD[level]
    rows = conn.execute(
        text(
            f"SELECT {key} AS kid, {value_sql} FROM grid g {join}"  # noqa: S608 — fixed test SQL
            f" LEFT JOIN dispute d ON d.grid_code = g.code AND {where}"
            f" WHERE {scope} GROUP BY 1"
        ),
        {"p": parent, **params},
    ).all()
    return {kid: value for kid, value in rows}


def _residents(conn, parent: str, level: str) -> dict[str, int]:  # noqa: ANN001
    key, join, scope = GRID_TO_CHILD[level]
    rows = conn.execute(
        text(
            f"SELECT {key}, sum(g.residents) FROM grid g {join} WHERE {scope} GROUP BY 1"  # noqa: S608
        ),
        {"p": parent},
    ).all()
    return {kid: int(n) for kid, n in rows}


def _counts(conn, parent: str, level: str, start, end) -> dict[str, int]:  # noqa: ANN001
    where = "d.reported_at >= :start" + (" AND d.reported_at < :end" if end else "")
    got = _per_child(conn, parent, level, "count(d.id)", where, start=start, end=end)
    return {kid: int(n) for kid, n in got.items()}


def test_beh_stats_several_grids_per_child(conn, demo_db) -> None:  # noqa: ANN001
    """The fixture the sums below need: every child above the grid level has several grids."""
    for parent, level in _chain(conn)[:-1]:
        key, join, scope = GRID_TO_CHILD[level]
        per_child = conn.execute(
            text(f"SELECT count(*) FROM grid g {join} WHERE {scope} GROUP BY {key}"),  # noqa: S608
            {"p": parent},
        ).scalars()
        assert min(per_child) >= 2, (parent, level)


def test_beh_stats_residents_and_km2_are_sums_over_the_grids(conn, demo_db) -> None:  # noqa: ANN001
    for parent, level in _chain(conn):
        stats = area_density.fetch(
            conn, area_density.Params(parent_code=parent, parent_level=level, now=NOW)
        )
        expected = _residents(conn, parent, level)
        assert {k: v["residents"] for k, v in stats.items()} == expected, (parent, level)
        # km² on the spheroid: the child's own polygon. Its grids tile it exactly in the plane;
        # on the spheroid their shorter edges bend differently, so their sum is within 0.1 %.
        table = "grid" if level == "community" else "admin_area"
        parent_col = "community_code" if level == "community" else "parent_code"
        areas = dict(
            conn.execute(
                text(
                    f"SELECT code, ST_Area(geom::geography) / 1e6 FROM {table}"  # noqa: S608
                    f" WHERE {parent_col} = :p"
                ),
                {"p": parent},
            ).all()
        )
        assert set(stats) == set(areas)
        for code, km2 in areas.items():
            assert stats[code]["km2"] == pytest.approx(km2, rel=1e-9), (level, code)
        key, join, scope = GRID_TO_CHILD[level]
        grid_km2 = dict(
            conn.execute(
                text(
                    f"SELECT {key}, sum(ST_Area(g.geom::geography)) / 1e6"  # noqa: S608
                    f" FROM grid g {join} WHERE {scope} GROUP BY 1"
                ),
                {"p": parent},
            ).all()
        )
        for code, km2 in grid_km2.items():
            assert stats[code]["km2"] == pytest.approx(km2, rel=1e-3), (level, code)


def test_beh_stats_area_summary_residents_and_grids(conn, demo_db) -> None:  # noqa: ANN001
    chain = _chain(conn)
    grid = conn.execute(
        text("SELECT code FROM grid WHERE community_code = :c ORDER BY code LIMIT 1"),
        {"c": chain[-1][0]},
    ).scalar()
    scopes = {
        "city": "TRUE",
        "district": "g.district_code = :c",
        "township": "g.community_code IN (SELECT code FROM admin_area WHERE parent_code = :c)",
        "community": "g.community_code = :c",
        "grid": "g.code = :c",
    }
    for code, level in [*chain, (grid, "grid")]:
        grids, residents = conn.execute(
            text(f"SELECT count(*), sum(g.residents) FROM grid g WHERE {scopes[level]}"),  # noqa: S608
            {"c": code},
        ).one()
        summary = queries.area_summary(conn, code, level)
        assert (summary["grids"], summary["residents"]) == (grids, residents), level


@pytest.fixture()
def edge_disputes(conn, demo_db) -> None:  # noqa: ANN001
    """Disputes exactly at the start of every window and a second before it (and at its end)."""
    moments = [m for start, _ in WINDOWS.values() for m in (start, start - timedelta(seconds=1))]
    moments += [CUSTOM[2], CUSTOM[2] - timedelta(seconds=1), CUSTOM[3] - timedelta(seconds=1)]
    moments += [CUSTOM[3]]
    for i, at in enumerate(moments):
        conn.execute(
            text(
                "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
                " grid_code, district_code, risk_level, status)"
                " SELECT source, :ref, type_code, title, :at, geom, grid_code, district_code,"
                " risk_level, 'received' FROM dispute WHERE grid_code IS NOT NULL"
                # In the district the tests drill into (the one with the most grids, as _chain).
                " AND district_code = (SELECT district_code FROM grid GROUP BY 1"
                " ORDER BY count(*) DESC, 1 LIMIT 1) ORDER BY id LIMIT 1"
            ),
            {"ref": f"BT-EDGE-{i}", "at": at},
        )


PERIODS = [*WINDOWS, "custom"]


def _filters(period: str) -> tuple[MapFilters, datetime, datetime | None]:
    if period == "custom":
        return MapFilters(period="custom", start=CUSTOM[0], end=CUSTOM[1]), CUSTOM[2], CUSTOM[3]
    return MapFilters(period=period), *WINDOWS[period]


@pytest.mark.parametrize("period", PERIODS)
def test_beh_stats_period_counts_per_child_match_sql(conn, edge_disputes, period: str) -> None:  # noqa: ANN001
    filters, start, end = _filters(period)
    for parent, level in _chain(conn)[:2]:
        expected = _counts(conn, parent, level, start, end)
        flt = filters.dispute_filter(NOW)
        assert queries.child_dispute_counts(conn, parent, level, flt) == expected, (period, level)
        stats = area_density.fetch(
            conn,
            area_density.Params(parent_code=parent, parent_level=level, filters=filters, now=NOW),
        )
        assert {k: v["count"] for k, v in stats.items()} == expected, (period, level)
        summary = queries.area_summary(conn, parent, level, flt)
        assert summary["disputes"] == sum(expected.values()), (period, level)
    assert sum(expected.values()) > 0, period


def test_beh_stats_periods_really_differ(conn, edge_disputes) -> None:  # noqa: ANN001
    """The windows above are told apart by the data (else a swapped period would pass)."""
    city = conn.execute(text("SELECT code FROM admin_area WHERE level = 'city'")).scalar()
    totals = {p: sum(_counts(conn, city, "city", *_filters(p)[1:]).values()) for p in PERIODS}
    assert totals["month"] < totals["30d"] < totals["90d"] < totals["365d"]
    assert totals["365d"] != totals["year"] and totals["custom"] > 0
    assert len(set(totals.values())) == len(totals), totals

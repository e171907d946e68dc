"""Grid risk on the demo: each grid's components equal plain SQL counts, the scores follow the
percentile rule, and the layer draws the viewed area's grids with their reasons."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from domain import risk
from domain.clock import LOCAL_TZ
from geodata.read import risk as reading
from layers import grid_risk

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 28, tzinfo=LOCAL_TZ)


def test_risk101_components_equal_plain_sql(conn, demo_db) -> None:  # noqa: ANN001
    rows = {r["code"]: r for r in reading.grid_components(conn, NOW)}
    busiest = conn.execute(
        text(
            "SELECT grid_code FROM dispute WHERE reported_at >= :a AND reported_at < :n"
            " GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
        ),
        {"a": NOW - timedelta(days=30), "n": NOW},
    ).scalar()
    r = rows[busiest]
    recent = conn.execute(
        text("SELECT count(*) FROM dispute WHERE grid_code = :g AND status <> 'merged'"
             " AND reported_at >= :a AND reported_at < :n"),
        {"g": busiest, "a": NOW - timedelta(days=30), "n": NOW},
    ).scalar()  # fmt: skip
    before = conn.execute(
        text("SELECT count(*) FROM dispute WHERE grid_code = :g AND status <> 'merged'"
             " AND reported_at >= :a AND reported_at < :b"),
        {"g": busiest, "a": NOW - timedelta(days=120), "b": NOW - timedelta(days=30)},
    ).scalar()  # fmt: skip
    residents, buildings = conn.execute(
        text("SELECT residents, (SELECT count(*) FROM building WHERE grid_code = :g)"
             " FROM grid WHERE code = :g"), {"g": busiest}
    ).one()  # fmt: skip
    visited = conn.execute(
        text("SELECT count(DISTINCT building_id) FROM patrol_visit WHERE grid_code = :g"
             " AND visited_at >= :a AND visited_at < :n"),
        {"g": busiest, "a": NOW - timedelta(days=30), "n": NOW},
    ).scalar()  # fmt: skip
    assert (r["recent"], r["before"]) == (recent, before) and recent > 0
    assert r["density"] == pytest.approx(1000 * recent / max(residents, 1))
    assert r["trend"] == pytest.approx((recent + 1) / (before / 3 + 1))
    assert r["patrol_gap"] == pytest.approx(1 - visited / buildings if buildings else 0.0)
    assert len(rows) == conn.execute(text("SELECT count(*) FROM grid")).scalar()


def test_risk102_scores_and_the_layer(conn, demo_db) -> None:  # noqa: ANN001
    scored = reading.grid_risk(conn, NOW)
    rows = reading.grid_components(conn, NOW)
    # Independent: the density points of one grid are 30 × the share of grids below it.
    densities = [r["density"] for r in rows]
    top = max(rows, key=lambda r: r["density"])
    below = sum(d < top["density"] for d in densities) / len(densities)
    assert scored[top["code"]]["points"]["density"] == round(30 * below, 1)
    assert all(0 <= s["score"] <= 100 for s in scored.values())
    assert {s["class"] for s in scored.values()} <= {c for c, _ in risk.GRID_CLASSES}
    district = top["code"][:6]
    params = grid_risk.Params(parent_code=district, parent_level="district", now=NOW)
    out = grid_risk.render(grid_risk.fetch(conn, params), params)
    codes = [f["properties"]["code"] for f in out["geojson"]["features"]]
    in_district = conn.execute(
        text("SELECT count(*) FROM grid WHERE district_code = :d"), {"d": district}
    ).scalar()
    assert len(codes) == in_district and all(c.startswith(district) for c in codes)
    assert out["top"][0]["score"] == max(scored[c]["score"] for c in codes)

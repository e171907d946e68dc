"""Case risk colours on the database (rolled back): the facts the rules read equal plain SQL,
planted repeats fire their rules, colours are stored only where they change, and a workflow
action (督办) moves a case's colour at once."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from domain.clock import LOCAL_TZ
from domain.workflow import Actor
from geodata.write import cases
from geodata.write import risk as risk_writes

pytestmark = pytest.mark.db

NOW = datetime(2026, 11, 28, 12, tzinfo=LOCAL_TZ)


def _case(conn, ref: str, grid: str, lon: float, lat: float, at: datetime, **extra) -> int:  # noqa: ANN001, ANN003
    values = {"type": "environment", "phone": None, "parties": 2, "source": "hotline", **extra}
    return conn.execute(
        text(
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom, grid_code,"
            " district_code, risk_level, status, parties, reporter_phone) VALUES (:source, :ref,"
            " :type, '测试', :at, ST_SetSRID(ST_MakePoint(:x, :y), 4326), :g, :d, 'low',"
            " 'received', :parties, :phone) RETURNING id"
        ),
        {"ref": ref, "g": grid, "d": grid[:6], "x": lon, "y": lat, "at": at, **values},
    ).scalar()


@pytest.fixture()
def spot(conn, demo_db):  # noqa: ANN001, ANN201
    return conn.execute(
        text("SELECT code, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid"
             " ORDER BY code LIMIT 1")
    ).one()  # fmt: skip


def test_crisk001_repeats_fire_and_colours_are_stored_once(conn, spot) -> None:  # noqa: ANN001
    grid, lon, lat = spot
    ids = [
        _case(conn, f"CR-{k}", grid, lon + 0.0005 * k, lat, NOW - timedelta(days=k),
              phone="13800001111")
        for k in range(3)
    ]  # fmt: skip
    far = _case(conn, "CR-far", grid, lon + 0.01, lat, NOW, phone="13800002222")
    rows = {r["id"]: r for r in conn.execute(
        risk_writes._MANY, {"now": NOW, "all": False}
    ).mappings()}  # fmt: skip
    newest = rows[ids[0]]
    # Independent: cases of the type within 200 m in the 30 days up to the newest one.
    near = conn.execute(
        text("SELECT count(*) FROM dispute o, dispute d WHERE d.id = :i AND o.type_code = d.type_code"
             " AND o.status <> 'merged' AND ST_DWithin(o.geom::geography, d.geom::geography, 200)"
             " AND o.reported_at > d.reported_at - interval '30 days'"
             " AND o.reported_at <= d.reported_at"), {"i": ids[0]}
    ).scalar()  # fmt: skip
    assert newest["same_place"] == near >= 3 and newest["same_reporter"] == 3
    assert rows[far]["same_reporter"] == 1
    changed = risk_writes.refresh(conn, now=NOW)
    stored = conn.execute(
        text("SELECT risk_colour, risk_points, risk_rules FROM dispute WHERE id = :i"),
        {"i": ids[0]},
    ).one()
    fired = {r["rule"]: r["points"] for r in stored.risk_rules}
    assert fired == {"repeat_place": 1, "repeat_reporter": 2} and stored.risk_points == 3
    assert stored.risk_colour == "yellow"
    assert changed >= 4 and risk_writes.refresh(conn, now=NOW) == 0  # nothing changed: no write


def test_crisk002_supervision_moves_the_colour_at_once(conn, spot) -> None:  # noqa: ANN001
    grid, lon, lat = spot
    case = _case(conn, "CR-sup", grid, lon, lat, NOW - timedelta(days=1), type="demolition",
                 parties=30)  # fmt: skip
    risk_writes.refresh(conn, case_id=case, now=NOW)
    before = conn.execute(text("SELECT risk_points, risk_colour FROM dispute WHERE id = :i"),
                          {"i": case}).one()  # fmt: skip
    assert tuple(before) == (5, "orange")  # severe type 2 + 30 parties 3
    cases.act(conn, case, "supervise", Actor("t", "city"), {"level": 3}, now=NOW)
    after = conn.execute(text("SELECT risk_points, risk_colour FROM dispute WHERE id = :i"),
                         {"i": case}).one()  # fmt: skip
    assert tuple(after) == (7, "red")  # 挂牌督办 +2

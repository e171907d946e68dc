"""The workflow rules in the database and in the loaded demo: every stored history replays."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from domain import sla, vocab, workdays, workflow
from domain.clock import LOCAL_TZ
from etl.demo import generate
from etl.load import load_table
from etl.readers import SourceTable
from geodata.db.migrate import alembic_config
from geodata.load import derive
from geodata.schema.models import Dispute

pytestmark = pytest.mark.db

SQUARE = "SRID=4326;MULTIPOLYGON(((111.6 40.8,111.61 40.8,111.61 40.81,111.6 40.81,111.6 40.8)))"
POINT = "SRID=4326;POINT(111.605 40.805)"


def _case(conn) -> int:  # noqa: ANN001
    conn.execute(
        text(
            "INSERT INTO admin_area (code, name, level, parent_code, district_code, geom) VALUES"
            " ('150100', '市', 'city', NULL, NULL, :g), ('150180', '区', 'district', '150100',"
            " '150180', :g) ON CONFLICT DO NOTHING"
        ),
        {"g": SQUARE},
    )
    return conn.execute(
        text(
            "INSERT INTO dispute (source, source_ref, type_code, title, reported_at, geom,"
            " district_code, risk_level, status) VALUES ('hotline', 'wf1', 'property', 't',"
            " now(), :pt, '150180', 'low', 'in_progress') RETURNING id"
        ),
        {"pt": POINT},
    ).scalar_one()


INSERT_EVENT = text(
    "INSERT INTO dispute_event (dispute_id, district_code, action, actor, at)"
    " VALUES (:d, '150180', :a, '住房和城乡建设局', now())"
)


def test_wf001_event_check_admits_exactly_the_vocabulary(conn) -> None:  # noqa: ANN001
    """The migrated CHECK on dispute_event.action lists the vocabulary's actions, no more."""
    definition = conn.execute(
        text(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conname = 'ck_dispute_event_action'"
            " AND conrelid = 'dispute_event'::regclass"
        )
    ).scalar_one()
    assert set(re.findall(r"'(\w+)'", definition)) == set(vocab.DISPUTE_ACTIONS)
    case = _case(conn)
    for action in vocab.DISPUTE_ACTIONS:
        conn.execute(INSERT_EVENT, {"d": case, "a": action})
    with pytest.raises(IntegrityError), conn.begin_nested():
        conn.execute(INSERT_EVENT, {"d": case, "a": "signed"})


def test_wf002_downgrade_below_sign_refused_while_signed_events_exist(engine, conn) -> None:  # noqa: ANN001
    """The history is append-only: 0008 cannot be undone once a case was signed for."""
    # Only this case (in the test's transaction): the demo's merged and unlocated cases and its
    # new actions would stop the downgrade at 0014 already.
    conn.execute(text("TRUNCATE dispute, dispute_event, dispute_sub_case CASCADE"))
    conn.execute(INSERT_EVENT, {"d": _case(conn), "a": "sign"})
    cfg = alembic_config(engine)
    cfg.attributes["connection"] = conn  # inside the test's transaction, rolled back after
    with pytest.raises(RuntimeError, match="签收"):
        command.downgrade(cfg, "0007")


def test_wf003_every_stored_history_replays_to_its_status(conn, demo_db) -> None:  # noqa: ANN001
    """Each loaded case's events, in stored order, lead to its stored status under the rules."""
    out_of_order = conn.execute(
        text(
            "SELECT count(*) FROM (SELECT at < lag(at) OVER (PARTITION BY dispute_id ORDER BY id)"
            " AS back FROM dispute_event) e WHERE back"
        )
    ).scalar_one()
    assert out_of_order == 0  # the stored order (id, as loaded by seq) is the order in time
    cases = conn.execute(
        text(
            "SELECT d.source_ref, d.status,"
            " coalesce(d.outcome_code = ANY(:resolving), true) AS success,"
            " array_remove(array_agg(e.action ORDER BY e.id), NULL) AS actions"
            " FROM dispute d LEFT JOIN dispute_event e ON e.dispute_id = d.id"
            " GROUP BY d.id ORDER BY d.id"
        ),
        {"resolving": list(vocab.RESOLVING_OUTCOMES)},
    ).all()
    assert len(cases) == demo_db["dispute"]
    wrong = []
    for case in cases:
        # The outcome of the last 化解 (agreement or withdrawal resolve the case).
        try:
            replayed = workflow.replay(case.actions, success=case.success)
        except ValueError as exc:  # TransitionError, or no 接办
            replayed = f"refused: {exc}"
        if replayed != case.status:
            wrong.append((case.source_ref, case.actions, case.status, replayed))
    assert not wrong, f"{len(wrong)} histories disagree with their status, e.g. {wrong[:3]}"
    assert {case.status for case in cases} == set(vocab.DISPUTE_STATUSES)
    signed = sum("sign" in case.actions for case in cases)
    assert signed > len(cases) / 2


# The loaded demo: what the load derives from the events, and the desk at as_of.
TICK = timedelta(minutes=5)
DERIVED = (
    "version", "lead_department", "cooperating_departments", "assignee_kind",
    "mediation_room_id", "mediator_id", "worker_id", "agent", "assigned_at", "sign_due_at",
    "signed_at", "due_at", "supervision_level", "outcome_code", "evaluated_at", "reopen_count",
    "archived_at", "merged_into",
)  # fmt: skip
# Per case, what its events say, each by a plain query of its own (no window, no aggregate
# shared with the load's statement).
FROM_EVENTS = """
SELECT d.id, d.source_ref, d.status, d.grid_code, {derived},
       (SELECT min(at) FROM dispute_event e WHERE e.dispute_id = d.id AND e.action = 'sign')
           AS x_signed_at,
       (SELECT max(at) FROM dispute_event e WHERE e.dispute_id = d.id AND e.action = 'archive')
           AS x_archived_at,
       (SELECT count(*) FROM dispute_event e WHERE e.dispute_id = d.id AND e.action = 'reopen')
           AS x_reopen_count,
       (SELECT coalesce(max((e.detail ->> 'level')::int), 0) FROM dispute_event e
         WHERE e.dispute_id = d.id AND e.action = 'supervise') AS x_supervision_level,
       (SELECT (e.detail ->> 'into')::bigint FROM dispute_event e
         WHERE e.dispute_id = d.id AND e.action = 'merge') AS x_merged_into,
       (SELECT count(*) FROM dispute_event e WHERE e.dispute_id = d.id
           AND NOT (e.action = 'reopen' AND e.detail @> '{{"auto": true}}')) AS x_version,
       (SELECT e.detail ->> 'agent' FROM dispute_event e WHERE e.dispute_id = d.id
           AND e.action = 'proxy' ORDER BY e.at DESC, e.id DESC LIMIT 1) AS x_agent,
       (SELECT max(at) FROM dispute_event e WHERE e.dispute_id = d.id AND e.action = 'return')
           AS return_at,
       (SELECT max(at) FROM dispute_event e WHERE e.dispute_id = d.id AND e.action = 'reopen')
           AS reopen_at,
       (SELECT max(at) FROM dispute_event e WHERE e.dispute_id = d.id AND e.action = 'evaluate')
           AS evaluate_at,
       a.at AS assign_at, a.detail AS assign, a.department_code AS assign_department,
       r.at AS resolve_at, r.detail ->> 'outcome' AS outcome
FROM dispute d
LEFT JOIN LATERAL (SELECT e.at, e.detail, e.department_code FROM dispute_event e
                    WHERE e.dispute_id = d.id AND e.action = 'assign'
                    ORDER BY e.at DESC, e.id DESC LIMIT 1) a ON TRUE
LEFT JOIN LATERAL (SELECT e.at, e.detail FROM dispute_event e
                    WHERE e.dispute_id = d.id AND e.action = 'resolve'
                    ORDER BY e.at DESC, e.id DESC LIMIT 1) r ON TRUE
ORDER BY d.id
""".format(derived=", ".join(f"d.{c}" for c in DERIVED))


def _expected(c) -> dict:  # noqa: ANN001
    """The derived columns of one case, from what its events say."""
    assign = c.assign or {}
    assigned = c.assign_at is not None and (c.return_at is None or c.return_at < c.assign_at)
    settled = c.resolve_at is not None and (c.reopen_at is None or c.reopen_at < c.resolve_at)
    limit = assign.get("limit_days")
    return {
        "version": c.x_version,
        "lead_department": c.assign_department if c.assign_at else c.lead_department,
        "cooperating_departments": assign.get("cooperating", c.cooperating_departments),
        "assignee_kind": assign.get("kind") if assigned else None,
        "mediation_room_id": assign.get("room_id"),
        "mediator_id": assign.get("mediator_id"),
        "worker_id": assign.get("worker_id"),
        "agent": c.x_agent,
        "assigned_at": c.assign_at if assigned else None,
        "sign_due_at": workdays.due_at(c.assign_at, 1) if assigned else None,
        "signed_at": c.x_signed_at,
        "due_at": workdays.due_at(c.assign_at, limit) if assigned else None,
        "supervision_level": c.x_supervision_level,
        "outcome_code": c.outcome if settled else None,
        "evaluated_at": c.evaluate_at
        if c.evaluate_at and c.resolve_at and c.evaluate_at >= c.resolve_at
        else None,
        "reopen_count": c.x_reopen_count,
        "archived_at": c.x_archived_at,
        "merged_into": c.x_merged_into,
    }


def test_wf004_derived_columns_are_what_the_events_say(conn, demo_db) -> None:  # noqa: ANN001
    """Every loaded case's workflow columns equal what plain SQL over its events gives."""
    cases = conn.execute(text(FROM_EVENTS)).all()
    assert len(cases) == demo_db["dispute"]
    wrong: dict[str, list[str]] = {}
    for c in cases:
        want = _expected(c)
        for column in DERIVED:
            if getattr(c, column) != want[column]:
                wrong.setdefault(column, []).append(c.source_ref)
    assert not wrong, {k: (len(v), v[:3]) for k, v in wrong.items()}
    # The histories exercise every branch of the derivation.
    kinds = {c.assignee_kind for c in cases}
    assert kinds == {"department", "mediation", "grid_worker", None}
    assert any(c.return_at for c in cases) and any(c.x_reopen_count for c in cases)
    assert any(c.x_merged_into for c in cases) and any(c.x_agent for c in cases)
    # Ids in the events' details name real rows: the room's own mediator, the case grid's worker.
    bad = conn.execute(
        text(
            "SELECT count(*) FILTER (WHERE d.mediation_room_id IS NOT NULL AND NOT EXISTS"
            " (SELECT 1 FROM mediator m WHERE m.id = d.mediator_id"
            "  AND m.room_id = d.mediation_room_id)),"
            " count(*) FILTER (WHERE d.worker_id IS NOT NULL AND NOT EXISTS"
            " (SELECT 1 FROM grid_worker w WHERE w.id = d.worker_id AND w.grid_code = d.grid_code))"
            " FROM dispute d"
        )
    ).one()
    assert tuple(bad) == (0, 0)


def test_wf005_locks_are_what_their_events_say(conn, demo_db) -> None:  # noqa: ANN001
    locks = conn.execute(
        text(
            "SELECT s.id, s.status, s.created_at, s.due_at, s.time_limit_days, s.planned_at,"
            " s.resolved_at, s.facts,"
            " (SELECT max(at) FROM dispute_event e WHERE e.sub_case_id = s.id"
            "  AND e.action = 'key') AS keyed,"
            " (SELECT max(at) FROM dispute_event e WHERE e.sub_case_id = s.id"
            "  AND e.action = 'unlock') AS unlocked,"
            " (SELECT (e.detail ->> 'success')::boolean FROM dispute_event e"
            "  WHERE e.sub_case_id = s.id AND e.action = 'unlock') AS success,"
            " (SELECT e.at FROM dispute_event e WHERE e.dispute_id = s.dispute_id"
            "  AND e.action = 'split' AND e.detail -> 'lock_ids' @> to_jsonb(s.id)) AS split_at"
            " FROM dispute_sub_case s ORDER BY s.id"
        )
    ).all()
    assert {lk.status for lk in locks} == {"open", "planned", "done", "failed"}
    for lk in locks:
        settled = {True: "done", False: "failed"}.get(lk.success)
        assert lk.status == (settled or ("planned" if lk.keyed else "open")), lk.id
        assert (lk.planned_at, lk.resolved_at, lk.created_at) == (lk.keyed, lk.unlocked,
                                                                  lk.split_at), lk.id  # fmt: skip
        assert lk.due_at == workdays.due_at(lk.created_at, lk.time_limit_days), lk.id
        assert (lk.facts is not None) == (lk.keyed is not None), lk.id


def _clocks(conn, now: datetime) -> list[tuple]:  # noqa: ANN001
    """(case row, its SLA clocks) for every open case, as the desk reads them."""
    rows = conn.execute(
        text(
            "SELECT d.id, d.status, d.assigned_at, d.sign_due_at, d.signed_at, d.due_at,"
            " d.resolved_at, d.evaluated_at, d.lead_department, d.supervision_level,"
            " d.geom IS NULL AS unlocated, d.grid_code, d.district_code, d.reporter_phone,"
            " coalesce((SELECT json_agg(json_build_object('id', s.id, 'department_code',"
            "  s.department_code, 'status', s.status, 'created_at', s.created_at, 'due_at',"
            "  s.due_at, 'resolved_at', s.resolved_at)) FROM dispute_sub_case s"
            "  WHERE s.dispute_id = d.id), '[]') AS locks"
            " FROM dispute d WHERE d.status = ANY(:open) ORDER BY d.id"
        ),
        {"open": list(vocab.OPEN_STATUSES)},
    ).mappings()
    out = []
    for row in rows:
        locks = [
            {k: datetime.fromisoformat(v) if k.endswith("_at") and v else v for k, v in lk.items()}
            for lk in row["locks"]
        ]
        out.append((row, sla.case_clocks(dict(row), locks, workdays.due_at)))
    return out


def test_wf006_the_desk_at_as_of(conn, demo_db, demo_cfg) -> None:  # noqa: ANN001
    """At as_of the loaded demo has open cases overdue, due within 24 h and on time, under each
    督办 level, with open locks, waiting for their location; and the automatic 督办 has caught
    up with every clock (domain.sla) up to the escalation loop's last tick before as_of."""
    now = datetime.combine(demo_cfg.as_of, time(), LOCAL_TZ)
    cases = _clocks(conn, now)
    urgency = Counter(
        sla.urgency(c.due, now) for _row, clocks in cases for c in clocks if c.kind == "resolve"
    )
    levels = Counter(row["supervision_level"] for row, _clocks in cases)
    running = Counter(
        c.state(now) for _row, clocks in cases for c in clocks if c.kind == "lock" and not c.stopped
    )
    least = 3  # "a few" (etl.demo.workflow.MIN_WAITING holds that many back when short)
    assert min(urgency["overdue"], urgency["due_soon"], urgency["on_time"]) >= least, urgency
    assert min(levels[1], levels[2], levels[3]) >= least, levels
    assert min(running["running"], running["overdue"]) >= 1, running
    behind = [
        row["id"]
        for row, clocks in cases
        if sla.supervision_due(clocks, now - TICK, workdays.due_at)[0] > row["supervision_level"]
    ]
    assert not behind, f"督办 behind its clocks at as_of: {behind[:5]}"
    waiting = [row for row, _clocks in cases if row["unlocated"]]
    assert len(waiting) >= least
    assert all(r["grid_code"] is None and r["district_code"] == "150100" for r in waiting)
    assert sum(bool(row["reporter_phone"]) for row, _clocks in cases) >= least
    small = conn.execute(
        text("SELECT count(*), min(cardinality(departments)) FROM consultation")
    ).one()
    assert small[0] >= least and small[1] >= 2


def test_wf007_loading_the_cases_again_changes_nothing(conn, demo_db, demo_cfg) -> None:  # noqa: ANN001
    """Derivation is idempotent, and re-loading the demo's case file (through the same path as
    ``zongzhi load disputes``) leaves every case as it was: the history keeps what it decided."""
    columns = ", ".join(("status", "geom", "grid_code", "district_code", *DERIVED))
    before = conn.execute(text(f"SELECT id, {columns} FROM dispute ORDER BY id")).all()  # noqa: S608
    assert derive.case_columns(conn) == 0
    cases = generate(demo_cfg).kinds["disputes"]
    table = SourceTable(cases, "EPSG:4326", None, None, [], "demo:disputes")
    summary, quarantine = load_table(conn, "disputes", table)
    assert not quarantine
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 0, len(cases))
    after = conn.execute(text(f"SELECT id, {columns} FROM dispute ORDER BY id")).all()  # noqa: S608
    assert after == before


def test_wf008_the_demo_load_leaves_every_index_of_the_cases(conn, demo_db) -> None:  # noqa: ANN001
    """The demo load rebuilds the case table's secondary indexes around the derivation: they
    are all back, and valid."""
    indexes = dict(
        conn.execute(
            text(
                "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c"
                " ON c.oid = i.indexrelid WHERE i.indrelid = 'dispute'::regclass"
            )
        ).all()
    )
    expected = {ix.name for ix in Dispute.__table__.indexes}
    assert expected <= set(indexes) and all(indexes.values())

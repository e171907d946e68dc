"""The /tasks page over HTTP: a grid worker sees and marks their own grid's tasks only; a forged
mark of another grid's task, a role without the permission and garbage change nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from app.main import create_app
from geodata.settings import Settings
from tests.integration.dash_calls import SAME_ORIGIN, signed_in, strings

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    return create_app(Settings(), engine=app_engine)


@pytest.fixture(scope="module")
def two_tasks(engine, demo_db):  # noqa: ANN001, ANN201
    """An open task in the worker's grid and one in another district (removed afterwards)."""
    with engine.begin() as c:
        grid = c.execute(text("SELECT code FROM grid ORDER BY code LIMIT 1")).scalar()
        far = c.execute(
            text("SELECT code FROM grid WHERE district_code <> left(:g, 6) ORDER BY code LIMIT 1"),
            {"g": grid},
        ).scalar()
        made = []
        for g, reason in ((grid, "页面测试：本网格任务"), (far, "页面测试：外区任务")):
            made.append(
                c.execute(
                    text(
                        "INSERT INTO patrol_task (grid_code, district_code, due_on, priority,"
                        " reason, kind) VALUES (:g, :d, :due, 'high', :r, 'manual') RETURNING id"
                    ),
                    {"g": g, "d": g[:6], "due": date(2026, 11, 28), "r": reason},
                ).scalar()
            )
    yield {"grid": grid, "own": made[0], "far": made[1]}
    with engine.begin() as c:
        c.execute(text("DELETE FROM patrol_task WHERE reason LIKE '页面测试%'"))


def _mark(client, task_id: int, kind: str = "task-handled"):  # noqa: ANN001, ANN202
    body = {
        "output": "..tasks-list.children...tasks-message.children..",
        "outputs": [{"id": "tasks-list", "property": "children"},
                    {"id": "tasks-message", "property": "children"}],
        "inputs": [
            [{"id": {"index": task_id, "type": "task-handled"}, "property": "n_clicks",
              "value": 1 if kind == "task-handled" else 0}],
            [{"id": {"index": task_id, "type": "task-found"}, "property": "n_clicks",
              "value": 1 if kind == "task-found" else 0}],
        ],
        "state": [[{"id": {"index": task_id, "type": "task-note"}, "property": "value",
                    "value": "现场已处理"}]],
        "changedPropIds": [f'{{"index":{task_id},"type":"{kind}"}}.n_clicks'],
    }  # fmt: skip
    return client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)


def _status(engine, task_id: int) -> str:  # noqa: ANN001
    with engine.connect() as c:
        return c.execute(
            text("SELECT status FROM patrol_task WHERE id = :i"), {"i": task_id}
        ).scalar()


def test_tp001_a_worker_sees_and_marks_only_their_grid(app, engine, two_tasks) -> None:  # noqa: ANN001
    worker = signed_in(app, engine, "tp_worker", "grid_worker", area_code=two_tasks["grid"],
                       department_code=None)  # fmt: skip
    page = worker.get("/tasks")
    assert page.status_code == 200
    layout = worker.get("/_dash-layout").get_json()
    assert layout is not None
    # The forged mark of another district's task: refused, the task stays open.
    resp = _mark(worker, two_tasks["far"])
    assert resp.status_code < 500 and _status(engine, two_tasks["far"]) == "open"
    resp = _mark(worker, two_tasks["own"])
    assert resp.status_code == 200 and _status(engine, two_tasks["own"]) == "done"
    listed = " ".join(strings(resp.get_json()))
    assert "外区任务" not in listed
    with engine.connect() as c:
        note, outcome = c.execute(text("SELECT note, outcome FROM patrol_task WHERE id = :i"),
                                  {"i": two_tasks["own"]}).one()  # fmt: skip
    assert (note, outcome) == ("现场已处理", "handled")


def test_tp002_roles_without_the_permission_change_nothing(app, engine, two_tasks) -> None:  # noqa: ANN001
    for name, role in (
        ("tp_analyst", "analyst"),
        ("tp_wall", "display"),
        ("tp_dept", "department"),
    ):
        client = signed_in(app, engine, name, role)
        resp = _mark(client, two_tasks["far"], "task-found")
        assert resp.status_code < 500
        assert _status(engine, two_tasks["far"]) == "open"
    worker = signed_in(app, engine, "tp_worker", "grid_worker", area_code=two_tasks["grid"],
                       department_code=None)  # fmt: skip
    for bad in (0, -5, "x", None):
        assert _mark(worker, bad).status_code < 500  # type: ignore[arg-type]

"""Background exports from the map over HTTP: queued by a role that may export, made under that
user's jurisdiction with progress in the job row, downloaded by its owner only; refused for roles
without the permission and for other users' jobs."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from app.main import create_app
from geodata.settings import Settings
from tests.integration.dash_calls import SAME_ORIGIN, signed_in

pytestmark = pytest.mark.db


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine, tmp_path_factory):  # noqa: ANN001, ANN201
    home = tmp_path_factory.mktemp("home")
    settings = Settings(home=home)
    return create_app(settings, engine=app_engine)


def _wait(client, job_id: int, seconds: float = 120) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = client.get(f"/exports/{job_id}").get_json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.3)
    raise AssertionError("export did not finish")


def test_exp001_queue_wait_download(app, engine) -> None:  # noqa: ANN001
    with engine.connect() as c:
        district = c.execute(text("SELECT code FROM admin_area WHERE level = 'district' ORDER BY code"
                                  " LIMIT 1")).scalar()  # fmt: skip
    leader = signed_in(app, engine, "exp_d", "district", area_code=district, department_code=None)
    resp = leader.post("/exports", json={"format": "csv", "search": f"?area={district}&period=365d"},
                       headers=SAME_ORIGIN)  # fmt: skip
    assert resp.status_code == 200
    job_id = resp.get_json()["id"]
    state = _wait(leader, job_id)
    assert state["status"] == "done" and state["progress"] == 100
    file = leader.get(f"/exports/{job_id}/file")
    assert file.status_code == 200 and file.data.startswith(b"\xef\xbb\xbf")
    rows = file.data.decode("utf-8-sig").strip().splitlines()[1:]
    assert all(f",{district}" in r for r in rows)
    # Another user, even an administrator-less colleague of the same district, cannot see it.
    other = signed_in(app, engine, "exp_d2", "district", area_code=district, department_code=None)
    assert other.get(f"/exports/{job_id}").status_code == 404
    assert other.get(f"/exports/{job_id}/file").status_code == 404


def test_exp002_refusals(app, engine) -> None:  # noqa: ANN001
    for name, role in (
        ("exp_wall", "display"),
        ("exp_gw", "grid_worker"),
        ("exp_dep", "department"),
    ):
        client = signed_in(app, engine, name, role)
        resp = client.post("/exports", json={"format": "pdf", "search": ""}, headers=SAME_ORIGIN)
        assert resp.status_code == 403
    leader = signed_in(app, engine, "exp_d", "district")
    for body in (
        {"format": "exe"},
        {"format": "pdf", "search": 5},
        [],
        {"format": "pdf", "search": "x" * 5000},
    ):
        assert leader.post("/exports", json=body, headers=SAME_ORIGIN).status_code == 400
    assert leader.post("/exports", json={"format": "pdf"}).status_code == 403  # no Origin
    assert leader.get("/exports/999999999").status_code == 404

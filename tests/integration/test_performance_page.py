"""The /performance page over HTTP as each role, the way the browser calls it: who may see it,
every shown cell against geodata.read.performance under the same scope, the caller's own
department marked, the jurisdiction filter held to the caller's areas, and the controls and
column headers writing the URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, text

from app import ids
from app.components import performance as parts
from app.main import create_app
from domain.clock import LOCAL_TZ
from domain.i18n import t
from domain.scope import Scope
from geodata.read import performance
from geodata.settings import Settings
from tests.integration import perf_cases as pc
from tests.integration.dash_calls import SAME_ORIGIN, call, components, signed_in, strings

pytestmark = pytest.mark.db
JUNE = "?period=custom&from=2026-06-01&to=2026-06-30"


@pytest.fixture(scope="module")
def planted(engine, demo_db) -> Iterator[dict]:  # noqa: ANN001
    yield pc.plant(engine)
    pc.cleanup(engine)


@pytest.fixture(scope="module")
def app(app_engine, planted):  # noqa: ANN001, ANN201
    return create_app(Settings(), engine=app_engine)


def _client(app, engine: Engine, role: str, **where: Any):  # noqa: ANN001, ANN202
    name = f"pft_{role}_{'_'.join(str(v) for v in where.values()) or 'demo'}"[:60]
    return signed_in(app, engine, name, role, **where)


def _show(app, client, search: str) -> dict[str, Any]:  # noqa: ANN001
    return call(app, client, f"{ids.PERF_TABLE}.children", {f"{ids.PERF_LOCATION}.search": search})


def _table(tree: Any) -> dict[str, dict[str, str]]:
    """department code → {column: cell text} of the department table."""
    rows = {}
    for c in components(tree):
        if c["type"] == "Tr" and "data-code" in c["props"]:
            cells = {
                td["props"]["data-key"]: td["props"]["children"]
                for td in c["props"]["children"]
                if td["type"] == "Td"
            }
            rows[c["props"]["data-code"]] = {**cells, "_class": c["props"].get("className")}
    return rows


def _expected(app_engine: Engine, scope: Scope, area: str | None = None) -> dict[str, dict]:
    with app_engine.connect() as conn, conn.begin():
        for key, value in scope.settings().items():
            conn.execute(
                text("SELECT set_config(:k, :v, true)"), {"k": f"zongzhi.{key}", "v": value}
            )
        rows = performance.departments(
            conn, start=pc.JUNE[0], end=pc.JUNE[1], now=datetime.now(LOCAL_TZ), area=area
        )
    return {r["code"]: r for r in rows}


def _assert_cells(table: dict[str, dict], expected: dict[str, dict]) -> None:
    assert table
    for code, cells in table.items():
        for key, how, _ in parts.DEPARTMENT_COLUMNS:
            if key != "name":
                assert cells[key] == parts.show(expected[code][key], how), (code, key)
    # Every department with a case, an open case or a lock has its row.
    active = {c for c, r in expected.items() if r["cases_led"] or r["open_now"] or r["locks_held"]}
    assert active <= set(table)


@pytest.mark.parametrize("role", ["city", "analyst", "display", "admin"])
def test_perfpage001_city_wide_roles_see_every_figure(
    app, engine, app_engine, planted, role
) -> None:  # noqa: ANN001
    client = _client(app, engine, role)
    out = _show(app, client, JUNE)
    table = _table(out[f"{ids.PERF_TABLE}.children"])
    scope = Scope(user="x", role=role, areas=(planted["city"],))
    _assert_cells(table, _expected(app_engine, scope))
    assert table[pc.DEPT_A]["cases_led"] == "7"
    assert table[pc.DEPT_A]["_class"] is None  # nobody's own department here
    room = [
        c
        for c in components(out[f"{ids.PERF_ROOMS}.children"])
        if c["props"].get("data-id") == str(planted["room"])
    ]
    assert room and "33.3%" in list(strings(room[0]))  # one agreement of three closed
    figure = out[f"{ids.PERF_CHART}.figure"]
    assert figure["data"][0]["type"] == "bar" and len(figure["data"][0]["y"]) >= 2


def test_perfpage002_a_grid_worker_may_not(app, engine, planted) -> None:  # noqa: ANN001
    client = _client(app, engine, "grid_worker")
    out = _show(app, client, JUNE)
    assert out[f"{ids.PERF_TABLE}.children"] == []
    assert out[f"{ids.PERF_ROOMS}.children"] == [] and out[f"{ids.PERF_MEDIATORS}.children"] == []
    assert out[f"{ids.PERF_NOTE}.children"] == t("perf.forbidden")
    page = call(
        app,
        client,
        "_pages_content.children",
        {"_pages_location.pathname": "/performance", "_pages_location.search": JUNE},
    )
    shown = list(strings(page["_pages_content.children"]))
    assert t("perf.forbidden") in shown and not any(
        c["props"].get("id") == ids.PERF_TABLE for c in components(page["_pages_content.children"])
    )


def test_perfpage003_a_department_sees_its_own_row_marked(app, engine, app_engine, planted) -> None:  # noqa: ANN001
    client = _client(app, engine, "department", department_code=pc.DEPT_A)
    out = _show(app, client, JUNE + "&sort=on_time_rate")
    table = _table(out[f"{ids.PERF_TABLE}.children"])
    _assert_cells(
        table, _expected(app_engine, Scope(user="x", role="department", department=pc.DEPT_A))
    )
    assert table[pc.DEPT_A]["_class"] == "perf-own"
    assert [c for c, r in table.items() if r["_class"] == "perf-own"] == [pc.DEPT_A]
    assert table[pc.DEPT_B]["cases_led"] == "1"  # only B1, where it holds a lock
    colours = out[f"{ids.PERF_CHART}.figure"]["data"][0]["marker"]["color"]
    assert colours.count(parts.OWN_COLOR) == 1


def test_perfpage004_the_area_filter_stays_within_the_jurisdiction(
    app, engine, app_engine, planted
) -> None:  # noqa: ANN001
    city = _client(app, engine, "city")
    far = _table(_show(app, city, JUNE + f"&area={planted['far']}")[f"{ids.PERF_TABLE}.children"])
    assert far[pc.DEPT_A]["cases_led"] == "1"  # A9 only
    district = _client(app, engine, "district", area_code=planted["home"])
    own = _table(_show(app, district, JUNE)[f"{ids.PERF_TABLE}.children"])
    scope = Scope(user="x", role="district", areas=(planted["home"],))
    _assert_cells(own, _expected(app_engine, scope))
    assert own[pc.DEPT_A]["cases_led"] == "6"
    # A forged area outside the district (another district, the city, garbage) means all of it.
    for forged in (planted["far"], planted["city"], "15", "x' OR 1=1"):
        got = _table(_show(app, district, JUNE + f"&area={forged}")[f"{ids.PERF_TABLE}.children"])
        assert got == own, forged
    # A township of its own narrows the figures.
    township = planted["home_grid"][:9]
    narrowed = _table(
        _show(app, district, JUNE + f"&area={township}")[f"{ids.PERF_TABLE}.children"]
    )
    _assert_cells(narrowed, _expected(app_engine, scope, area=township))


def _url_writer(app, first_input: str) -> str:  # noqa: ANN001
    """The key of the callback writing the page's URL whose first input is ``first_input``."""
    app.server.test_client().get("/healthz")
    return next(
        k
        for k, spec in app.callback_map.items()
        if k.startswith(f"{ids.PERF_LOCATION}.search")
        and spec["inputs"][0]["id"].startswith(first_input)
    )


def _answer(client, body: dict) -> str | None:  # noqa: ANN001
    resp = client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)
    assert resp.status_code in (200, 204), resp.data[:300]
    if resp.status_code == 204:
        return None
    answer = resp.get_json()["response"]
    assert set(answer) <= {ids.PERF_LOCATION}, answer
    return answer[ids.PERF_LOCATION]["search"] if answer else None


def _click(app, client, column: Any, search: str, clicks: int = 1) -> str | None:  # noqa: ANN001
    sort_id = {"index": column, "type": ids.PERF_SORT}
    body = {
        "output": _url_writer(app, "{"),
        "outputs": {"id": ids.PERF_LOCATION, "property": "search"},
        "inputs": [[{"id": sort_id, "property": "n_clicks", "value": clicks}]],
        "state": [{"id": ids.PERF_LOCATION, "property": "search", "value": search}],
        "changedPropIds": [
            json.dumps(sort_id, separators=(",", ":"), sort_keys=True) + ".n_clicks"
        ],
    }
    return _answer(client, body)


def _controls(app, client, changed: str, values: dict[str, Any], search: str = "") -> str | None:  # noqa: ANN001
    """Post the period/range/area/metric controls as the browser does when ``changed`` moved."""
    names = [
        (ids.PERF_PERIOD, "value"), (ids.PERF_RANGE, "start_date"), (ids.PERF_RANGE, "end_date"),
        (ids.PERF_AREA, "value"), (ids.PERF_METRIC, "value"),
    ]  # fmt: skip
    body = {
        "output": _url_writer(app, ids.PERF_PERIOD),
        "outputs": {"id": ids.PERF_LOCATION, "property": "search"},
        "inputs": [{"id": i, "property": p, "value": values.get(f"{i}.{p}")} for i, p in names],
        "state": [{"id": ids.PERF_LOCATION, "property": "search", "value": search}],
        "changedPropIds": [changed],
    }
    return _answer(client, body)


def test_perfpage005_headers_and_controls_write_the_url(app, engine, planted) -> None:  # noqa: ANN001
    client = _client(app, engine, "city")
    first = _click(app, client, "on_time_rate", JUNE)
    assert first is not None and "sort=on_time_rate" in first and "order=asc" not in first
    assert "order=asc" in _click(app, client, "on_time_rate", first)
    assert _click(app, client, "no_such_column", JUNE) is None
    assert _click(app, client, "on_time_rate", JUNE, clicks=0) is None  # appeared, not clicked
    # The sorted table: rates descending, departments without one last.
    table = _show(app, client, first)[f"{ids.PERF_TABLE}.children"]
    order = [c["props"]["data-code"] for c in components(table) if "data-code" in c["props"]]
    rates = [r for r in _table(table).values()]
    values = [float(r["on_time_rate"].rstrip("%")) for r in rates if r["on_time_rate"] != "—"]
    assert values == sorted(values, reverse=True) and len(order) == len(rates)
    # A grid worker's click changes nothing.
    worker = _client(app, engine, "grid_worker")
    assert _click(app, worker, "on_time_rate", JUNE) is None
    # The period and area controls.
    picked = _controls(
        app,
        client,
        f"{ids.PERF_RANGE}.start_date",
        {
            f"{ids.PERF_PERIOD}.value": "365d",
            f"{ids.PERF_RANGE}.start_date": "2026-06-01",
            f"{ids.PERF_RANGE}.end_date": "2026-06-30",
            f"{ids.PERF_AREA}.value": planted["home"],
            f"{ids.PERF_METRIC}.value": "sign_rate",
        },
        "?sort=name",
    )
    assert picked is not None
    for part in (
        "period=custom",
        "from=2026-06-01",
        "to=2026-06-30",
        "sort=name",
        "metric=sign_rate",
    ):
        assert part in picked, part
    assert f"area={planted['home']}" in picked
    preset = _controls(
        app, client, f"{ids.PERF_PERIOD}.value", {f"{ids.PERF_PERIOD}.value": "month"}, picked
    )
    assert preset is not None and "period=month" in preset and "from=" not in preset
    # Garbage in every control: a URL of defaults, never an error.
    junk = _controls(app, client, f"{ids.PERF_RANGE}.start_date", {
        f"{ids.PERF_PERIOD}.value": {"a": 1}, f"{ids.PERF_RANGE}.start_date": "9999-99-99",
        f"{ids.PERF_AREA}.value": [1], f"{ids.PERF_METRIC}.value": "drop table",
    })  # fmt: skip
    assert junk is None or "drop" not in junk
    assert (
        _controls(app, worker, f"{ids.PERF_PERIOD}.value", {f"{ids.PERF_PERIOD}.value": "month"})
        is None
    )

"""Bad input never crashes: every callback and route, fed garbage, answers 4xx or a handled
state — never a 5xx and never a stack trace; and no endpoint but the public ones serves an
anonymous caller."""

from __future__ import annotations

import re

import pytest

from app.main import create_app
from app.web.auth import KEY_PREFIXES, PUBLIC_PATHS
from geodata.settings import Settings
from tests.integration.dash_calls import SAME_ORIGIN, signed_in

pytestmark = pytest.mark.db

GARBAGE = [
    None,
    1,
    -1,
    1e308,
    "x",
    "",
    {"a": 1},
    [1, 2],
    [[1, "a"], [None]],
    "?area=\u4e00&to=9999-12-31",
]


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    return create_app(Settings(), engine=app_engine)


@pytest.fixture(scope="module")
def client(app, engine):  # noqa: ANN001, ANN201
    return signed_in(app, engine, "bad_viewer", "city")


def _body(key: str, spec: dict, value: object) -> dict:
    outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    return {
        "output": key,
        "outputs": [{"id": o.component_id, "property": o.component_property} for o in outputs],
        "inputs": [
            {"id": i["id"], "property": i["property"], "value": value} for i in spec["inputs"]
        ],
        "state": [
            {"id": i["id"], "property": i["property"], "value": value}
            for i in spec.get("state", [])
        ],
        "changedPropIds": [f"{i['id']}.{i['property']}" for i in spec["inputs"]],
    }


def _clean(resp) -> None:  # noqa: ANN001
    assert resp.status_code < 500, (resp.status_code, resp.data[:300])
    assert b"Traceback" not in resp.data and b'File "' not in resp.data


def test_bad001_every_callback_survives_garbage(app, client) -> None:  # noqa: ANN001
    client.get("/healthz")
    assert len(app.callback_map) >= 10  # the map page's callbacks are all there
    for key, spec in app.callback_map.items():
        for value in GARBAGE:
            _clean(
                client.post(
                    "/_dash-update-component", json=_body(key, spec, value), headers=SAME_ORIGIN
                )
            )
    for junk in ({}, {"output": "no-such.prop", "outputs": [], "inputs": []}, []):
        _clean(client.post("/_dash-update-component", json=junk, headers=SAME_ORIGIN))
    resp = client.post(
        "/_dash-update-component",
        data=b"{not json",
        headers={**SAME_ORIGIN, "Content-Type": "application/json"},
    )
    _clean(resp)


@pytest.mark.parametrize(
    "url",
    [
        "/?area=%00",
        "/api/geo/children/%00.pbf",
        "/tiles/heat/disputes/10/828/384.png?period=custom&from=0001-01-01&to=9999-12-31",
        "/tiles/grids/10/828/384.pbf?types=%00",
        "/tiles/heat/patrols/10/828/384.png?period=custom&from=2026-13-45",
        "/tiles/grids/99/1/1.pbf",
        "/api/geo/children/" + "9" * 500 + ".pbf",
        "/login?next=%00",
    ],
)
def test_bad002_routes_refuse_or_ignore_bad_values(client, url: str) -> None:  # noqa: ANN001
    _clean(client.get(url))


def test_bad003_nul_bytes_are_refused_up_front(client) -> None:  # noqa: ANN001
    assert client.get("/tiles/grids/10/828/384.pbf?types=%00").status_code == 400
    body = {
        "output": "x.y",
        "outputs": [],
        "inputs": [{"id": "url", "property": "search", "value": "?area=\x00"}],
    }
    assert client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN).status_code == 400


def test_bad004_out_of_range_dates_fall_back_to_the_default_period() -> None:
    from layers.filters import MapFilters

    f = MapFilters.from_query({"period": "custom", "from": "0001-01-01", "to": "9999-12-31"})
    assert f.start is None and f.end is None
    assert MapFilters.from_query({"period": "custom", "to": "2026-11-30"}).end is not None


def _concrete(rule: str) -> str:
    """A URL for a Flask rule, with each variable filled by a plausible value."""
    return re.sub(
        r"<(?:[a-z]+:)?([a-z_]+)>",
        lambda m: {"z": "10", "x": "828", "y": "384"}.get(m.group(1), "150100"),
        rule,
    )


def test_bad005_no_endpoint_serves_an_anonymous_caller(app) -> None:  # noqa: ANN001
    anonymous = app.server.test_client()
    rules = [r for r in app.server.url_map.iter_rules() if "GET" in r.methods]
    assert any(r.rule.startswith("/tiles/") for r in rules) and any(
        r.rule.startswith("/api/") for r in rules
    )
    for rule in rules:
        url = _concrete(rule.rule)
        if url in PUBLIC_PATHS or url.startswith(
            ("/assets/", "/_dash-component-suites/", "/_favicon")
        ):
            continue
        resp = anonymous.get(url)
        if url.startswith(KEY_PREFIXES):  # an API key, not a session: 403 without one
            assert resp.status_code in (403, 404), (rule.rule, resp.status_code)
            continue
        assert resp.status_code in (303, 401, 404, 405), (rule.rule, resp.status_code)
        if resp.status_code == 303:
            assert resp.headers["Location"].startswith("/login?"), rule.rule
    for url in ("/_dash-layout", "/_dash-dependencies", "/tiles/heat/disputes/10/828/384.png"):
        assert anonymous.get(url).status_code == 401, url
    post = anonymous.post("/_dash-update-component", json={}, headers=SAME_ORIGIN)
    assert post.status_code == 401

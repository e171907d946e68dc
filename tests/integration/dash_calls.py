"""Call the map page's Dash callbacks over HTTP, as the browser does (``/_dash-update-component``).

Callbacks are found by the component ids and properties they write, so the tests depend on the
page's ids (the contract with the browser), not on the Python functions behind them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

# The Flask test client's host is "localhost".
SAME_ORIGIN = {"Origin": "http://localhost"}


def _spec(app, output: str, trigger: str | None = None) -> tuple[str, dict[str, Any]]:  # noqa: ANN001
    """The callback writing ``output`` ("id.property") — and, when several do, the one with
    ``trigger`` ("id.property") among its inputs; the app is set up by its first request."""
    app.server.test_client().get("/healthz")
    hits = [
        (key, spec)
        for key, spec in app.callback_map.items()
        if any(
            f"{o.component_id}.{o.component_property}".split("@")[0] == output
            for o in (spec["output"] if isinstance(spec["output"], list) else [spec["output"]])
        )
        and (
            trigger is None or any(f"{i['id']}.{i['property']}" == trigger for i in spec["inputs"])
        )
    ]
    assert len(hits) == 1, f"{len(hits)} callbacks write {output}"
    return hits[0]


def _arg(item: dict[str, str], values: dict[str, Any]) -> dict[str, Any] | list[dict[str, Any]]:
    cid, prop = item["id"], item["property"]
    if cid.startswith("{"):  # pattern-matching ALL: values["<type>.<prop>"] = {index: value}
        kind = json.loads(cid)["type"]
        return [
            {"id": {"index": index, "type": kind}, "property": prop, "value": value}
            for index, value in values.get(f"{kind}.{prop}", {}).items()
        ]
    return {"id": cid, "property": prop, "value": values.get(f"{cid}.{prop}")}


def pattern_id(kind: str, index: int) -> str:
    """The id string Dash uses for a pattern-matching component (keys sorted, no spaces)."""
    return json.dumps({"index": index, "type": kind}, separators=(",", ":"), sort_keys=True)


def call(
    app,  # noqa: ANN001
    client,  # noqa: ANN001
    output: str,
    values: dict[str, Any],
    changed: list[str] | None = None,
    trigger: str | None = None,
) -> dict[str, Any]:
    """Run the callback that writes ``output`` with ``values`` ("id.prop" → value); ``trigger``
    picks it among several that write ``output`` (an input of the one meant).

    Returns "id.prop" → new value for every output the callback set (no_update ones are absent).
    """
    key, spec = _spec(app, output, trigger)
    outputs = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    body = {
        "output": key,
        "outputs": [{"id": o.component_id, "property": o.component_property} for o in outputs]
        if isinstance(spec["output"], list)
        else {"id": outputs[0].component_id, "property": outputs[0].component_property},
        "inputs": [_arg(i, values) for i in spec["inputs"]],
        "state": [_arg(s, values) for s in spec["state"]],
        "changedPropIds": changed
        if changed is not None
        else [f"{i['id']}.{i['property']}" for i in spec["inputs"] if not i["id"].startswith("{")],
    }
    # As the browser sends it: a same-origin POST (the app refuses writes without one).
    resp = client.post("/_dash-update-component", json=body, headers=SAME_ORIGIN)
    if resp.status_code == 204:
        return {}
    assert resp.status_code == 200, resp.data[:500]
    out: dict[str, Any] = {}
    for cid, props in resp.get_json()["response"].items():
        for prop, value in props.items():
            out[f"{cid}.{prop}"] = value
    return out


def components(tree: Any) -> Iterator[dict[str, Any]]:
    """Every serialised component ({"type", "namespace", "props"}) in a callback's output."""
    if isinstance(tree, list):
        for item in tree:
            yield from components(item)
    elif isinstance(tree, dict):
        if "props" in tree and "type" in tree:
            yield tree
            yield from components(tree["props"].get("children"))
        else:
            for value in tree.values():
                yield from components(value)


def strings(tree: Any) -> Iterator[str]:
    """Every string anywhere in a callback's output."""
    if isinstance(tree, str):
        yield tree
    elif isinstance(tree, dict):
        for value in tree.values():
            yield from strings(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from strings(value)


def signed_in(app, engine, username: str = "t_city", role: str = "city", **user: Any):  # noqa: ANN001, ANN201
    """A test client signed in as ``username`` (created with ``role`` when missing).

    Every endpoint but the sign-in page needs a signed-in user; the session is a real one
    (a row in app_session, its token in the cookie), started as a sign-in would.
    """
    from geodata.write import users

    with engine.begin() as conn:
        if users.get_user(conn, username) is None:
            where = user or users.demo_jurisdiction(conn, role)
            users.add_user(conn, username, "test-password-" + username, role, **where)
    client = app.server.test_client()
    with client.session_transaction() as session:
        session["user"] = username
    return client

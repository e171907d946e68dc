"""Call the map page's Dash callbacks over HTTP, as the browser does (``/_dash-update-component``).

Callbacks are found by the component ids and properties they write, so the tests depend on the
page's ids (the contract with the browser), not on the Python functions behind them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


def _spec(app, output: str) -> tuple[str, dict[str, Any]]:  # noqa: ANN001
    """The callback writing ``output`` ("id.property"); the app is set up by its first request."""
    app.server.test_client().get("/healthz")
    hits = [
        (key, spec)
        for key, spec in app.callback_map.items()
        if any(
            f"{o.component_id}.{o.component_property}" == output
            for o in (spec["output"] if isinstance(spec["output"], list) else [spec["output"]])
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
) -> dict[str, Any]:
    """Run the callback that writes ``output`` with ``values`` ("id.prop" → value).

    Returns "id.prop" → new value for every output the callback set (no_update ones are absent).
    """
    key, spec = _spec(app, output)
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
    resp = client.post("/_dash-update-component", json=body)
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

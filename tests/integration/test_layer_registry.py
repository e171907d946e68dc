"""The registry drives the map page: its layer control, legends and callbacks, per role.

The page is fetched over HTTP as the browser fetches it (Dash's page-routing callback), signed
in as each role; the layer control must list exactly the layers that role may see.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app import ids
from app.main import create_app
from domain.i18n import t
from domain.scope import ROLES, can
from geodata.settings import Settings
from geodata.write import users
from layers.registry import MAP_LAYERS
from tests.integration.dash_calls import SAME_ORIGIN, call, components

# Roles that see aggregates only (no dispute points, no key persons).
AGGREGATES_ONLY = ("display",)

pytestmark = pytest.mark.db

PASSWORD = "reg-password-123"
SIGNED_IN = {f"reg_{role}": role for role in ROLES}


@pytest.fixture(scope="module")
def app(engine, demo_db, app_engine):  # noqa: ANN001, ANN201
    with engine.begin() as c:
        c.execute(text("DELETE FROM app_user WHERE username LIKE 'reg\\_%'"))
        for name, role in SIGNED_IN.items():
            where = users.demo_jurisdiction(c, role)
            users.add_user(c, name, PASSWORD, role, display_name=name, **where)
    yield create_app(Settings(login_rate_limit="1000 per minute"), engine=app_engine)
    with engine.begin() as c:
        c.execute(text("DELETE FROM app_user WHERE username LIKE 'reg\\_%'"))


def _client(app, role: str):  # noqa: ANN001, ANN202
    """A browser session as ``role``."""
    client = app.server.test_client()
    resp = client.post(
        "/auth/login",
        data={"username": f"reg_{role}", "password": PASSWORD},
        headers=SAME_ORIGIN,
    )
    assert resp.status_code == 303 and resp.headers["Location"] == "/", resp.headers
    return client


def _page(app, client, search: str) -> list[dict]:  # noqa: ANN001
    out = call(
        app,
        client,
        "_pages_content.children",
        {"_pages_location.pathname": "/", "_pages_location.search": search},
    )
    return list(components(out["_pages_content.children"]))


def _control(page: list[dict]) -> list[tuple[str, bool, str]]:
    """(name, checked, component id) of each layer-control entry, in order."""
    control = next(c for c in page if c["props"].get("id") == ids.LAYERS_CONTROL)
    entries = [c for c in components(control["props"]["children"]) if c["type"] == "Overlay"]
    return [
        (e["props"]["name"], bool(e["props"].get("checked")), e["props"]["children"]["props"]["id"])
        for e in entries
    ]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_reg010_every_layer_is_in_the_control_with_its_label(app, lang: str) -> None:  # noqa: ANN001
    everything = ",".join(m.id for m in MAP_LAYERS)
    page = _page(app, _client(app, "admin"), f"?layers={everything}&lang={lang}")
    # Every layer is offered and on, but one choropleth: density and coverage are exclusive and
    # a link naming both opens the first.
    assert _control(page) == [
        (t(m.label_key, lang), m.id != "patrol_coverage", ids.layer(m.id)) for m in MAP_LAYERS
    ]
    present = {i for c in page if isinstance(i := c["props"].get("id"), str)}
    for m in MAP_LAYERS:
        assert ids.legend(m.id) in present, m.id
    # Only the layers on by default are ticked on a bare link.
    default = _control(_page(app, _client(app, "admin"), f"?lang={lang}"))
    assert [name for name, on, _ in default if on] == [
        t(m.label_key, lang) for m in MAP_LAYERS if m.on_by_default
    ]


def test_reg011_each_layer_has_one_callback_writing_its_legend(app) -> None:  # noqa: ANN001
    app.server.test_client().get("/healthz")
    for m in MAP_LAYERS:
        writers = [
            key
            for key, spec in app.callback_map.items()
            if any(
                o.component_id == ids.legend(m.id)
                for o in (spec["output"] if isinstance(spec["output"], list) else [spec["output"]])
            )
        ]
        assert len(writers) == 1, (m.id, writers)


@pytest.mark.parametrize("role", ROLES)
def test_reg012_gated_layers_are_absent_for_roles_without_the_permission(app, role: str) -> None:  # noqa: ANN001
    everything = ",".join(m.id for m in MAP_LAYERS)
    client = _client(app, role)
    page = _page(app, client, f"?layers={everything}")
    listed = [cid for _, _, cid in _control(page)]
    allowed = [m for m in MAP_LAYERS if m.permission is None or can(role, m.permission)]
    assert listed == [ids.layer(m.id) for m in allowed]
    # A gated layer the role may not see is still on the map (its callback's target) but its
    # callback sends it nothing, even when the URL asks for it.
    bounds = [[40.3, 111.2], [41.3, 112.4]]
    for m in MAP_LAYERS:
        if m.permission is None or can(role, m.permission):
            continue
        assert ids.layer(m.id) not in listed
        assert ids.layer(m.id) in {i for c in page if isinstance(i := c["props"].get("id"), str)}
        out = call(
            app,
            client,
            f"{ids.legend(m.id)}.children",
            {"url.search": f"?layers={m.id}", "map.bounds": bounds, "map.zoom": 12},
        )
        assert out[f"{ids.legend(m.id)}.children"] == [], (role, m.id)
        assert all(v in (None, []) for v in out.values()), (role, m.id, out)
    # The wall, planners and departments lack a permission some layer needs (key persons, and
    # for the wall dispute points): for them the loop above checked those layers.
    assert (role in (*AGGREGATES_ONLY, "analyst", "department")) == any(
        m.permission and not can(role, m.permission) for m in MAP_LAYERS
    )

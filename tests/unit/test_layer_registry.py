"""The layer registry: one name per layer, a label in both languages, permissions by role."""

from __future__ import annotations

import pytest

from app import ids
from app.components import map_layers
from app.components.popups import popup_html, translate, with_popups
from app.pages.map.state import DEFAULT_OVERLAYS, OVERLAYS
from domain.i18n import MESSAGES, t
from domain.scope import PERMISSIONS, ROLES, can
from layers.presentation import Popup, Text, msg
from layers.registry import BY_ID, MAP_LAYERS, offered

# Roles that see aggregates only (no dispute points, no key persons).
AGGREGATES_ONLY = ("display",)


def test_reg001_every_layer_has_a_label_in_both_languages() -> None:
    for lang in ("zh", "en"):
        labels = [t(m.label_key, lang) for m in MAP_LAYERS]
        for m, label in zip(MAP_LAYERS, labels, strict=True):
            assert m.label_key == f"layer.{m.id}"
            assert MESSAGES[m.label_key][lang], (m.id, lang)
            assert label != m.label_key
        # The layer control reports ticked layers by label: each label names one layer.
        assert len(set(labels)) == len(labels), (lang, labels)


def test_reg002_one_name_per_layer() -> None:
    names = [m.id for m in MAP_LAYERS]
    assert len(set(names)) == len(names)
    assert OVERLAYS == tuple(names) and BY_ID.keys() == set(names)
    assert DEFAULT_OVERLAYS == ("area_density",)
    # The page feeds one layer with the drill-down's area change (update_map).
    assert [m.id for m in MAP_LAYERS if m.feed == "drill"] == ["area_density"]
    for m in MAP_LAYERS:
        assert ids.layer(m.id) == f"{m.id}-layer" and ids.legend(m.id) == f"legend-{m.id}"
        assert m.component in map_layers.PROPS
        assert m.permission is None or m.permission in PERMISSIONS
        # A module's own SPEC and its map layers agree on the permission it checks.
        assert m.module.SPEC.get("permission") in (None, m.permission), m.id
    assert [m.kind for m in MAP_LAYERS if m.module is BY_ID["heat_disputes"].module] == [
        "disputes",
        "patrols",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_reg003_a_role_is_offered_exactly_the_layers_it_may_see(role: str) -> None:
    shown = offered(lambda permission: can(role, permission))
    assert shown == tuple(
        m.id for m in MAP_LAYERS if m.permission is None or can(role, m.permission)
    )
    for m in MAP_LAYERS:
        if m.permission is not None and not can(role, m.permission):
            assert m.id not in shown, (role, m.id)
    assert ("dispute_points" in shown) == (role not in AGGREGATES_ONLY)
    # People's records: the desks of an area and the administrator; not planners, not a
    # department (its reach is its cases), not the wall.
    people = {"city", "district", "township", "grid_worker", "admin"}
    assert ("key_persons" in shown) == (role in people)


def test_pop001_layer_words_are_translated_and_escaped() -> None:
    feature = {
        "type": "Feature",
        "geometry": None,
        "properties": {
            "code": "1",
            "popup": Popup(
                "<b>标题</b>",
                ((msg("dispute_points.status"), msg("status.received")), (msg("gd.none"), None)),
            ),
            "tooltip": Text("<i>名</i>", "·", msg("hotspot.count"), "3"),
        },
    }
    out = with_popups({"type": "FeatureCollection", "features": [feature]}, "en")
    props = out["features"][0]["properties"]
    assert "<b>标题</b>" not in props["popup"] and "&lt;b&gt;标题&lt;/b&gt;" in props["popup"]
    assert t("status.received", "en") in props["popup"] and "<td>—</td>" in props["popup"]
    assert props["tooltip"] == f"&lt;i&gt;名&lt;/i&gt; · {t('hotspot.count', 'en')} 3"
    assert (
        popup_html(Popup("x", ()), "zh") == "<div class='map-popup'><b>x</b><table></table></div>"
    )
    note = translate({"n": [msg("dispute_points.too_many", count=2500)]}, "zh")
    assert note == {"n": [t("dispute_points.too_many", "zh").format(count=2500)]}
    assert "2500" in note["n"][0]

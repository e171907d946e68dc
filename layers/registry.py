"""Every map layer, listed explicitly."""

from __future__ import annotations

from layers import (
    area_density,
    buildings,
    dispute_points,
    heat,
    hotspots,
    key_persons,
    patrol_coverage,
)

LAYERS = {
    spec["id"]: spec
    for spec in (
        area_density.SPEC,
        key_persons.SPEC,
        buildings.SPEC,
        dispute_points.SPEC,
        heat.SPEC,
        hotspots.SPEC,
        patrol_coverage.SPEC,
    )
}

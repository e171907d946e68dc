"""Every map layer, listed explicitly."""

from __future__ import annotations

from layers import area_density

LAYERS = {spec["id"]: spec for spec in (area_density.SPEC,)}

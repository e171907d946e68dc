"""Heat tiles join without a seam: across every edge of a busy tile, at the zooms the map and
the wall use, the pixels on both sides differ no more than neighbouring columns inside a tile
(the kernel sees the neighbours' points through the tile's buffer)."""

from __future__ import annotations

import io

import mercantile
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import text

from layers import heat
from layers.filters import MapFilters

pytestmark = pytest.mark.db


def _alpha(conn, kind: str, z: int, x: int, y: int) -> np.ndarray:  # noqa: ANN001
    p = heat.Params(kind=kind, z=z, x=x, y=y, filters=MapFilters(period="all"))
    png = heat.render(heat.fetch(conn, p), p)
    return np.array(Image.open(io.BytesIO(png)).convert("RGBA"))[:, :, 3].astype(float)


@pytest.mark.parametrize("kind", ["disputes", "patrols"])
def test_seam001_tiles_join_without_a_seam(conn, demo_db, kind: str) -> None:  # noqa: ANN001
    table = "dispute" if kind == "disputes" else "patrol_visit"
    lon, lat = conn.execute(
        text(f"SELECT avg(ST_X(geom)), avg(ST_Y(geom)) FROM {table} WHERE district_code ="  # noqa: S608 — fixed
             f" (SELECT district_code FROM {table} GROUP BY 1 ORDER BY count(*) DESC LIMIT 1)")
    ).one()  # fmt: skip
    checked = 0
    for z in (10, 11):
        t = mercantile.tile(lon, lat, z)
        here = _alpha(conn, kind, z, t.x, t.y)
        right = _alpha(conn, kind, z, t.x + 1, t.y)
        below = _alpha(conn, kind, z, t.x, t.y + 1)
        for edge, inner in (
            (np.abs(here[:, 255] - right[:, 0]).mean(), np.abs(here[:, 254] - here[:, 255]).mean()),
            (np.abs(here[255, :] - below[0, :]).mean(), np.abs(here[254, :] - here[255, :]).mean()),
        ):
            assert edge <= 1.5 * inner + 0.5, (z, edge, inner)
            checked += edge > 0
    assert checked > 0  # the busy tile has heat along its edges

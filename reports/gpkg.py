"""The GeoPackage (pyogrio): grids with their figures, the period's cases as points (titles
redacted, no reporter), and the patrol summary per grid — layers GDAL and QGIS open in
EPSG:4326 (WGS 84; CGCS2000 input is taken as equal)."""

from __future__ import annotations

from datetime import datetime

import geopandas as gpd
from sqlalchemy import Connection

from geodata.read import reports as reading
from reports.data import ReportRequest, area_of


def _naive(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for column in gdf.columns:
        if str(gdf[column].dtype).startswith("datetime64") and getattr(gdf[column].dt, "tz", None):
            gdf[column] = gdf[column].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    return gdf


def write(conn: Connection, request: ReportRequest, path: str) -> dict[str, int]:
    """Write the three layers; the number of features of each."""
    _name, level = area_of(conn, request.area_code)
    prefix = reading.prefix_of(request.area_code, level)
    start, end = request.window()
    flt = request.dispute_filter()
    grids = reading.grid_layer(conn, prefix, flt, start, end).set_crs(4326, allow_override=True)
    cases = _naive(reading.dispute_layer(conn, prefix, flt).set_crs(4326, allow_override=True))
    patrols = grids[["code", "name", "patrol_visits", "anomalies", "geom"]].copy()
    patrols["geom"] = patrols.geometry.representative_point()
    patrols = gpd.GeoDataFrame(patrols, geometry="geom", crs=4326)
    patrols["period_start"] = start.date().isoformat()
    patrols["period_end"] = request.end.isoformat()
    for layer, frame in (("grids", grids), ("disputes", cases), ("patrols", patrols)):
        frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
    return {"grids": len(grids), "disputes": len(cases), "patrols": len(patrols),
            "written_at": int(datetime.now().timestamp())}  # fmt: skip

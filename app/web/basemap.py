"""Which basemap the map draws under the overlays, from settings.

``none`` (the default) makes no external request. Tianditu's ``_w`` services are Web Mercator on
CGCS2000 (metres from WGS84), so overlays need no shift. AMap tiles are GCJ-02: the map then uses
the ``GCJ02`` CRS from assets/gcj02.js, and server-drawn heat tiles are asked for in that frame.
"""

from __future__ import annotations

from typing import Any

from geodata.settings import Settings

TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
    "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"


def basemap_spec(settings: Settings) -> dict[str, Any]:
    """Tile layers (url, subdomains, attribution), the Leaflet CRS name and the overlay frame."""
    kind = settings.basemap
    if kind == "none" and settings.basemap_url:
        kind = "url"
    if kind == "tianditu":
        if not settings.tianditu_key:
            raise ValueError("ZONGZHI_BASEMAP=tianditu needs ZONGZHI_TIANDITU_KEY")
        key = settings.tianditu_key
        layers = [
            {
                "url": TIANDITU.replace("{layer}", layer).replace("{key}", key),
                "subdomains": "01234567",
                "attribution": "© 天地图",
            }
            for layer in ("vec", "cva")  # roads, then Chinese labels on top
        ]
        return {"kind": kind, "layers": layers, "crs": "EPSG3857", "frame": "wgs84"}
    if kind == "amap":
        layers = [{"url": AMAP, "subdomains": "1234", "attribution": "© 高德地图"}]
        return {"kind": kind, "layers": layers, "crs": "GCJ02", "frame": "gcj02"}
    if kind == "local":
        layers = [{"url": "/basemap/{z}/{x}/{y}.png", "subdomains": "", "attribution": ""}]
        return {"kind": kind, "layers": layers, "crs": "EPSG3857", "frame": "wgs84"}
    if kind == "url":
        if not settings.basemap_url:
            raise ValueError("ZONGZHI_BASEMAP=url needs ZONGZHI_BASEMAP_URL")
        layers = [
            {
                "url": settings.basemap_url,
                "subdomains": "abc",
                "attribution": settings.basemap_attribution,
            }
        ]
        return {"kind": kind, "layers": layers, "crs": "EPSG3857", "frame": "wgs84"}
    return {"kind": "none", "layers": [], "crs": "EPSG3857", "frame": "wgs84"}

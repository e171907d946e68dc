// A Leaflet CRS for GCJ-02 basemaps (AMap): our data is WGS84, AMap tiles are drawn in GCJ-02.
// Projecting every lat/lng through WGS84 → GCJ-02 before Web Mercator puts each overlay where
// the AMap tiles draw it; unproject iterates the inverse (error < 1e-9 degree after a few steps).
// The formula mirrors geodata/crs.py (the published GCJ-02 polynomials on Krasovsky 1940).
(function () {
    const A = 6378245.0;
    const EE = 0.00669342162296594323;

    function inChina(lng, lat) {
        return lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
    }

    function shift(lng, lat) {
        const x = lng - 105.0;
        const y = lat - 35.0;
        const pi = Math.PI;
        const common = (20 * Math.sin(6 * x * pi) + 20 * Math.sin(2 * x * pi)) * 2 / 3;
        const s = Math.sqrt(Math.abs(x));
        let dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * s + common;
        dlat += (20 * Math.sin(y * pi) + 40 * Math.sin(y / 3 * pi)) * 2 / 3;
        dlat += (160 * Math.sin(y / 12 * pi) + 320 * Math.sin(y * pi / 30)) * 2 / 3;
        let dlng = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * s + common;
        dlng += (20 * Math.sin(x * pi) + 40 * Math.sin(x / 3 * pi)) * 2 / 3;
        dlng += (150 * Math.sin(x / 12 * pi) + 300 * Math.sin(x / 30 * pi)) * 2 / 3;
        const radlat = lat / 180 * pi;
        const magic = 1 - EE * Math.sin(radlat) * Math.sin(radlat);
        const sqrtMagic = Math.sqrt(magic);
        dlat = (dlat * 180) / ((A * (1 - EE)) / (magic * sqrtMagic) * pi);
        dlng = (dlng * 180) / (A / sqrtMagic * Math.cos(radlat) * pi);
        return [dlng, dlat];
    }

    function wgsToGcj(lng, lat) {
        if (!inChina(lng, lat)) { return [lng, lat]; }
        const d = shift(lng, lat);
        return [lng + d[0], lat + d[1]];
    }

    function gcjToWgs(lng, lat) {
        if (!inChina(lng, lat)) { return [lng, lat]; }
        let wlng = lng, wlat = lat;
        for (let i = 0; i < 30; i++) {
            const g = wgsToGcj(wlng, wlat);
            const elng = g[0] - lng, elat = g[1] - lat;
            wlng -= elng; wlat -= elat;
            if (Math.abs(elng) < 1e-12 && Math.abs(elat) < 1e-12) { break; }
        }
        return [wlng, wlat];
    }

    window.zongzhiGcj02 = {wgsToGcj: wgsToGcj, gcjToWgs: gcjToWgs};

    if (window.L && window.L.CRS && !window.L.CRS.GCJ02) {
        const L = window.L;
        const merc = L.Projection.SphericalMercator;
        const projection = {
            bounds: merc.bounds,
            project: function (latlng) {
                const g = wgsToGcj(latlng.lng, latlng.lat);
                return merc.project(L.latLng(g[1], g[0]));
            },
            unproject: function (point) {
                const gcj = merc.unproject(point);
                const w = gcjToWgs(gcj.lng, gcj.lat);
                return L.latLng(w[1], w[0]);
            },
        };
        L.CRS.GCJ02 = L.extend({}, L.CRS.EPSG3857, {code: "GCJ02", projection: projection});
    }
})();

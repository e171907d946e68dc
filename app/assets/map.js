// Per-feature map styling, fed by the GeoJSON component's `hideout` (values only, never geometry).
// Names come from loaded files: whatever goes into tooltip HTML is escaped first.
function zongzhiEscape(text) {
    return String(text === undefined || text === null ? "" : text).replace(/[&<>"']/g, function (c) {
        return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
}

window.zongzhi = Object.assign({}, window.zongzhi, {
    map: {
        escape: zongzhiEscape,
        colorFor: function (value, hideout) {
            if (!value) { return hideout.empty; }
            const breaks = hideout.breaks || [];
            for (let i = 0; i < breaks.length; i++) {
                if (value <= breaks[i]) { return hideout.colors[i]; }
            }
            return hideout.colors[hideout.colors.length - 1] || hideout.empty;
        },
        areaStyle: function (feature, context) {
            const hideout = context.hideout || {values: {}};
            const value = (hideout.values || {})[feature.properties.code] || 0;
            const code = feature.properties.code;
            const flagged = (hideout.flagged || []).indexOf(code) >= 0;
            if (hideout.selected && hideout.selected === code) {
                return {fillColor: window.zongzhi.map.colorFor(value, hideout), fillOpacity: 0.85,
                        color: "#1f4e9c", weight: 4};
            }
            return {
                fillColor: window.zongzhi.map.colorFor(value, hideout),
                fillOpacity: hideout.opacity || 0.75,
                color: flagged ? "#6a1b9a" : "#5a5a5a",
                dashArray: flagged ? "4 3" : null,
                weight: flagged ? 2.5 : (feature.properties.level === "grid" ? 0.8 : 1.4),
            };
        },
        hoverStyle: function () {
            return {weight: 3, color: "#1f4e9c", fillOpacity: 0.85};
        },
        areaTooltip: function (feature, layer, context) {
            // A function so the tooltip reads the current hideout each time it opens.
            layer.bindTooltip(function () {
                const hideout = context.hideout || {values: {}};
                const value = (hideout.values || {})[feature.properties.code] || 0;
                const unit = hideout.unit || "";
                return "<b>" + zongzhiEscape(feature.properties.name) + "</b><br>" +
                    zongzhiEscape(value) + " " + zongzhiEscape(unit);
            }, {sticky: true, className: "area-tooltip"});
        },
        outlineStyle: function () {
            return {fill: false, color: "#34495e", weight: 1.2, opacity: 0.9};
        },
        areaLabel: function (feature, layer) {
            // Grids are named by their number (the last three digits); areas by their name.
            // Drawn, never clicked: the layers below take the clicks (set before it is added).
            layer.options.interactive = false;
            const p = feature.properties || {};
            const code = String(p.code || "");
            const text = code.length === 15 ? code.slice(-3) : (p.name || code);
            layer.bindTooltip(zongzhiEscape(text), {
                permanent: true, direction: "center", className: "area-label", interactive: false,
            });
        },
        featureStyle: function (feature) {
            const p = feature.properties || {};
            return {
                fillColor: p.color || "#888", color: p.stroke || p.color || "#555",
                weight: p.weight || 1, fillOpacity: p.fillOpacity === undefined ? 0.6 : p.fillOpacity,
                dashArray: p.dashArray || null,
            };
        },
        pointToLayer: function (feature, latlng) {
            const p = feature.properties || {};
            return L.circleMarker(latlng, {
                radius: p.radius || 6, color: p.stroke || "#fff", weight: p.weight || 1,
                fillColor: p.color || "#c0392b", fillOpacity: 0.9,
            });
        },
        popup: function (feature, layer) {
            const p = feature.properties || {};
            if (p.popup) { layer.bindPopup(p.popup); }
            if (p.tooltip) { layer.bindTooltip(p.tooltip, {sticky: true}); }
        },
    },
});

// A plain click on a breadcrumb link opens that area in-page: it sets the map's own URL (the
// store every layer reads), as a click on the map does. Modified clicks (new tab, new window)
// and other buttons keep the browser's own behaviour.
document.addEventListener("click", function (e) {
    const a = e.target.closest && e.target.closest("#breadcrumb a.crumb");
    if (!a || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) { return; }
    const url = new URL(a.href, window.location.href);
    if (url.origin !== window.location.origin || url.pathname !== window.location.pathname) {
        return;
    }
    e.preventDefault();
    window.dash_clientside.set_props("url", {search: url.search});
});

// Drill-down on click, play/pause of the timeline. The URL is the state.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    zongzhi_cb: {
        drill: function () {
            // Arguments: the clickData of every area layer, then the search. The layer clicked
            // last carries the area to open (all of them draw the same child areas).
            const search = arguments[arguments.length - 1];
            const trigger = (window.dash_clientside.callback_context.triggered || [])[0] || {};
            const feature = trigger.value;
            const code = feature && feature.properties && feature.properties.code;
            if (!code) { return window.dash_clientside.no_update; }
            const q = new URLSearchParams(search || "");
            q.set("area", code);
            return "?" + q.toString().replace(/%2C/g, ",");
        },
        togglePlay: function (clicks, disabled) {
            const playing = disabled;  // it was stopped: start it
            return [!playing, playing ? "play playing" : "play"];
        },
        step: function (n, value, max) {
            if (value === undefined || value === null || value >= max) { return 0; }
            return value + 1;
        },
    },
});

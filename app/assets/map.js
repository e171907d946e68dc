// Per-feature map styling, fed by the GeoJSON component's `hideout` (values only, never geometry).
window.zongzhi = Object.assign({}, window.zongzhi, {
    map: {
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
                return "<b>" + feature.properties.name + "</b><br>" + value + " " + unit;
            }, {sticky: true, className: "area-tooltip"});
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

// Drill-down on click, play/pause of the timeline. The URL is the state.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    zongzhi_cb: {
        drill: function (areaClick, coverageClick, search) {
            // Whichever layer was clicked last (both carry the same child areas).
            const trigger = (window.dash_clientside.callback_context.triggered || [])[0] || {};
            const feature = String(trigger.prop_id || "").indexOf("coverage") === 0
                ? coverageClick : areaClick;
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

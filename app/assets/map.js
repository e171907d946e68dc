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
            return {
                fillColor: window.zongzhi.map.colorFor(value, hideout),
                fillOpacity: 0.75,
                color: "#5a5a5a",
                weight: feature.properties.level === "grid" ? 0.8 : 1.4,
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
    },
});

// Drill-down on click: the URL is the state, so a copied link reopens the same view.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    zongzhi_cb: {
        drill: function (feature, period, types) {
            const code = feature && feature.properties && feature.properties.code;
            if (!code) { return window.dash_clientside.no_update; }
            const q = new URLSearchParams({area: code});
            if (period) { q.set("period", period); }
            if (types && types.length) { q.set("types", types.join(",")); }
            return "?" + q.toString();
        },
    },
});

// The wall display: data marked stale (数据延迟) when no refresh has landed for two and a half
// refresh intervals (the server unreachable, the database down), and a full reload every few
// hours as a safety net for a tab that runs for days.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
    zongzhi_wall: {
        badgeHidden: function (_tick, asOf, interval) {
            if (!asOf || !asOf.served) { return true; }  // nothing shown yet: nothing to call stale
            const age = Date.now() / 1000 - asOf.served;
            return age < 2.5 * (interval || 30000) / 1000;
        },
        reload: function (n) {
            if (n) { window.location.reload(); }
            return false;
        },
    },
});

"""The UI message catalogue: zh-CN first, English second. Every UI string lives here."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "title": {
        "zh": "呼和浩特市综治中心 · 矛盾纠纷态势图",
        "en": "Hohhot Governance Centre · Dispute Map",
    },
    "city": {"zh": "呼和浩特市", "en": "Hohhot"},
    "level.city": {"zh": "市", "en": "City"},
    "level.district": {"zh": "旗县区", "en": "District"},
    "level.township": {"zh": "乡镇街道", "en": "Township"},
    "level.community": {"zh": "村社区", "en": "Community"},
    "level.grid": {"zh": "网格", "en": "Grid"},
    "summary.grids": {"zh": "网格数", "en": "Grids"},
    "summary.residents": {"zh": "实有人口", "en": "Residents"},
    "summary.disputes": {"zh": "矛盾纠纷（件）", "en": "Disputes"},
    "summary.open_disputes": {"zh": "在办（件）", "en": "Open"},
    "legend.title": {"zh": "矛盾纠纷数量（件）", "en": "Disputes (count)"},
    "legend.none": {"zh": "无", "en": "none"},
    "filter.period": {"zh": "时间范围", "en": "Period"},
    "filter.types": {"zh": "纠纷类型", "en": "Dispute type"},
    "filter.types.all": {"zh": "全部类型", "en": "All types"},
    "period.30d": {"zh": "近30天", "en": "Last 30 days"},
    "period.90d": {"zh": "近90天", "en": "Last 90 days"},
    "period.365d": {"zh": "近一年", "en": "Last year"},
    "period.all": {"zh": "全部", "en": "All time"},
    "hint.drill": {
        "zh": "点击区域逐级下钻；点击上方路径返回上级",
        "en": "Click an area to drill down; use the path above to go back",
    },
    "hint.grid": {"zh": "已到达网格层级", "en": "Grid level reached"},
    "error.unknown_area": {
        "zh": "未找到该区域，已返回全市",
        "en": "Area not found; showing the city",
    },
    "error.no_data": {
        "zh": "尚未加载数据：请运行 zongzhi demo load",
        "en": "No data loaded yet: run zongzhi demo load",
    },
    "unit.count": {"zh": "件", "en": ""},
    # --- map page ---
    # --- tiles and heat ---
    # --- hot spots and patrol coverage ---
    # --- grid detail and case detail ---
    # --- sign-in, key persons, buildings, dispute points ---
}


def t(key: str, lang: str = "zh") -> str:
    """The message for ``key`` in ``lang`` (falls back to Chinese, then to the key itself)."""
    entry = MESSAGES.get(key)
    if entry is None:
        return key
    return entry.get(lang) or entry.get("zh") or key

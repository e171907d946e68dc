"""Code tables every centre starts with: departments, the 类案标准化 catalogue, whistle classes.

Migration 0002 inserts these; they are data, not code, so a centre can edit rows afterwards.
"""

from __future__ import annotations

# (code, name, level, residency)  residency: 常驻 resident / 轮驻 rotating / 随驻 on_call
DEPARTMENTS: list[tuple[str, str, str, str]] = [
    ("police", "公安局", "district", "resident"),
    ("court", "人民法院", "district", "resident"),
    ("procurator", "人民检察院", "district", "rotating"),
    ("petition", "信访局", "district", "resident"),
    ("justice", "司法局", "district", "resident"),
    ("hrss", "人力资源和社会保障局", "district", "resident"),
    ("housing", "住房和城乡建设局", "district", "resident"),
    ("civil", "民政局", "district", "rotating"),
    ("natres", "自然资源局", "district", "rotating"),
    ("market", "市场监督管理局", "district", "rotating"),
    ("health", "卫生健康委员会", "district", "rotating"),
    ("education", "教育局", "district", "on_call"),
    ("urban", "城市管理综合执法局", "district", "rotating"),
    ("transport", "交通运输局", "district", "on_call"),
    ("ecology", "生态环境局", "district", "on_call"),
    ("agri", "农牧局", "district", "on_call"),
    ("forestry", "林业和草原局", "district", "on_call"),
    ("emergency", "应急管理局", "district", "on_call"),
    ("women", "妇女联合会", "district", "rotating"),
    ("union", "总工会", "district", "rotating"),
    ("heating", "供热管理办公室", "city", "on_call"),
    ("water", "水务局", "district", "on_call"),
    ("fire", "消防救援大队", "district", "on_call"),
    ("township", "街道办事处/乡镇人民政府", "township", "resident"),
]

# (code, name, category, lead, cooperating, standard steps, time limit in days)
DISPUTE_TYPES: list[tuple[str, str, str, str, list[str], list[str], int]] = [
    (
        "property",
        "房产物业",
        "城市管理",
        "housing",
        ["urban", "market", "justice", "township"],
        ["受理登记", "现场核查", "约谈物业企业", "业主协商调解", "达成协议", "回访评价"],
        30,
    ),
    (
        "demolition",
        "拆迁征收",
        "城乡建设",
        "natres",
        ["housing", "justice", "petition", "court", "township"],
        ["受理登记", "政策解释", "评估复核", "多方会商", "协议签订", "司法确认", "回访评价"],
        60,
    ),
    (
        "labour",
        "劳资纠纷",
        "劳动保障",
        "hrss",
        ["union", "justice", "police", "court"],
        ["受理登记", "欠薪核实", "约谈用人单位", "劳动仲裁调解", "支付到位", "回访评价"],
        30,
    ),
    (
        "administrative",
        "行政争议",
        "行政执法",
        "justice",
        ["court", "petition", "procurator"],
        ["受理登记", "材料审查", "行政复议调解", "协调化解", "结果告知", "回访评价"],
        60,
    ),
    (
        "traffic",
        "交通事故",
        "公共安全",
        "police",
        ["transport", "justice", "court"],
        ["受理登记", "事故认定", "保险理赔协调", "人民调解", "司法确认", "回访评价"],
        30,
    ),
    (
        "family",
        "婚姻家庭",
        "家庭关系",
        "justice",
        ["women", "civil", "court", "police"],
        ["受理登记", "入户了解", "心理疏导", "人民调解", "协议履行", "回访评价"],
        30,
    ),
    (
        "neighbour",
        "邻里纠纷",
        "基层治理",
        "justice",
        ["township", "police", "urban"],
        ["受理登记", "网格员核实", "人民调解", "达成协议", "回访评价"],
        15,
    ),
    (
        "land",
        "土地林地",
        "自然资源",
        "natres",
        ["forestry", "agri", "justice", "township"],
        ["受理登记", "权属核查", "现场勘界", "调解仲裁", "确权登记", "回访评价"],
        60,
    ),
    (
        "heating",
        "供暖纠纷",
        "城市管理",
        "heating",
        ["housing", "market", "urban"],
        ["受理登记", "入户测温", "督促供热企业", "整改复测", "回访评价"],
        7,
    ),
    (
        "medical",
        "医疗纠纷",
        "卫生健康",
        "health",
        ["justice", "police", "court"],
        ["受理登记", "病历封存", "医疗鉴定", "医调委调解", "赔偿履行", "回访评价"],
        45,
    ),
    (
        "consumer",
        "消费纠纷",
        "市场监管",
        "market",
        ["justice", "court"],
        ["受理登记", "核查经营者", "消费调解", "退赔履行", "回访评价"],
        15,
    ),
    (
        "environment",
        "环境污染",
        "生态环境",
        "ecology",
        ["urban", "health", "township"],
        ["受理登记", "现场监测", "责令整改", "复查", "回访评价"],
        20,
    ),
    (
        "campus",
        "校园纠纷",
        "教育",
        "education",
        ["police", "justice", "women"],
        ["受理登记", "家校沟通", "人民调解", "协议履行", "回访评价"],
        15,
    ),
]

# 23 吹哨 classes: (code, name, default responding department)
WHISTLE_CLASSES: list[tuple[str, str, str]] = [
    ("W01", "环境卫生", "urban"),
    ("W02", "违法建设", "urban"),
    ("W03", "占道经营", "urban"),
    ("W04", "私搭乱建", "urban"),
    ("W05", "噪音扰民", "ecology"),
    ("W06", "油烟污染", "ecology"),
    ("W07", "供热不热", "heating"),
    ("W08", "供水停水", "water"),
    ("W09", "燃气安全", "emergency"),
    ("W10", "消防通道占用", "fire"),
    ("W11", "道路破损", "transport"),
    ("W12", "路灯故障", "urban"),
    ("W13", "井盖缺失", "urban"),
    ("W14", "绿化养护", "urban"),
    ("W15", "垃圾清运", "urban"),
    ("W16", "违规停车", "police"),
    ("W17", "群租房", "housing"),
    ("W18", "食品安全", "market"),
    ("W19", "安全生产隐患", "emergency"),
    ("W20", "电动车违规充电", "fire"),
    ("W21", "流浪动物", "agri"),
    ("W22", "物业服务", "housing"),
    ("W23", "房屋安全隐患", "housing"),
]

# The whistle catalogue (吹哨事项清单): 637 items under the 23 classes, each with the county
# department that answers it (应哨) and its response limit in working days. Each class lists
# where a problem is and what it is; an item is one place × one problem, in catalogue order.
_WHISTLE_PLACES_PROBLEMS: dict[str, tuple[tuple[str, ...], tuple[str, ...], int]] = {
    "W01": (("小区公共区域", "背街小巷", "农贸市场周边", "城中村", "公厕", "河道沿岸"),
            ("垃圾堆积无人清理", "污水外溢", "卫生死角长期存在", "蚊蝇滋生", "小广告乱贴乱画"), 2),
    "W02": (("楼顶", "小区绿地", "临街商铺", "居民院落", "地下室", "公共通道"),
            ("违规加盖建筑", "私自扩建", "圈占公共空间搭建", "违规改变房屋结构", "新增违建未拆除"), 5),
    "W03": (("学校门口", "地铁站口", "医院周边", "市场周边", "主干道两侧", "小区出入口"),
            ("流动摊贩占道", "店外经营", "夜市摊点扰民", "早点摊占用人行道", "车辆占道售卖"), 2),
    "W04": (("楼道", "车棚", "院墙外", "绿化带", "屋顶平台", "公共空地"),
            ("私搭乱建棚房", "违规搭建彩钢房", "乱搭晾衣架", "私设围栏圈地", "堆放建筑材料"), 3),
    "W05": (("夜间施工工地", "临街商铺", "广场舞场地", "娱乐场所", "装修住户", "早市"),
            ("噪音持续扰民", "夜间施工噪声超标", "音响声过大", "机械设备噪声", "叫卖声扰民"), 2),
    "W06": (("临街餐馆", "小区底商", "烧烤摊点", "食堂", "农家乐", "夜市"),
            ("油烟直排", "未安装油烟净化设施", "油烟净化设施不运行", "露天烧烤", "异味扰民"), 3),
    "W07": (("老旧小区", "供热末端住户", "顶层住户", "新接网小区", "独立供暖楼栋", "公建"),
            ("室温不达标", "暖气片不热", "管道漏水", "供热中断", "阀门故障无人维修"), 1),
    "W08": (("老旧小区", "城中村", "高层住宅", "农村集中供水点", "商业楼宇", "学校"),
            ("频繁停水", "水压不足", "水质浑浊", "管网漏损", "二次供水设施故障"), 1),
    "W09": (("餐饮商户", "老旧小区管道", "液化气供应点", "居民家中", "地下管网", "市场"),
            ("燃气泄漏隐患", "违规使用液化气罐", "燃气管道老化", "报警装置缺失", "私改燃气设施"), 1),
    "W10": (("小区消防通道", "楼道", "商业街", "地下车库", "城中村巷道", "学校周边"),
            ("被杂物堵塞", "被车辆占用", "违规设置障碍", "消防设施损坏", "疏散通道不畅"), 1),
    "W11": (("小区主路", "背街小巷", "人行道", "乡村道路", "桥梁", "公交站台"),
            ("路面坑洼破损", "塌陷隐患", "积水严重", "路沿石损坏", "盲道被占损坏"), 5),
    "W12": (("小区", "背街小巷", "主干道", "公园", "地下通道", "村道"),
            ("路灯不亮", "路灯杆倾斜", "照明线路裸露", "路灯白天常亮", "照明设施缺失"), 3),
    "W13": (("人行道", "机动车道", "小区", "绿化带", "学校周边", "广场"),
            ("井盖缺失", "井盖破损", "井盖松动异响", "井盖下沉", "雨水箅子丢失"), 1),
    "W14": (("小区绿地", "道路绿化带", "公园", "河道绿化", "广场", "单位附属绿地"),
            ("树木枯死未补植", "树枝遮挡窗户", "杂草丛生", "绿地被毁种菜", "病虫害未防治"), 5),
    "W15": (("小区垃圾站", "农贸市场", "村口", "建筑工地", "背街小巷", "学校周边"),
            ("垃圾清运不及时", "垃圾桶破损满溢", "建筑垃圾乱倒", "大件垃圾堆放", "垃圾分类设施缺失"), 2),
    "W16": (("小区门口", "学校周边", "医院门口", "消防通道", "人行道", "公交站"),
            ("乱停乱放车辆", "僵尸车长期占位", "违规停车堵路", "电动车乱停", "共享单车堆积"), 2),
    "W17": (("住宅小区", "城中村出租屋", "地下室", "商住楼", "老旧楼栋", "厂区宿舍"),
            ("群租隔断", "人员频繁进出", "消防隐患突出", "违规改建出租", "租户信息未登记"), 3),
    "W18": (("校园周边小店", "农贸市场", "小餐饮店", "网络订餐后厨", "流动摊贩", "食品作坊"),
            ("食品过期售卖", "无证经营", "卫生条件差", "来源不明", "违规添加"), 2),
    "W19": (("建筑工地", "小作坊", "仓库", "加油站周边", "老旧厂房", "农村自建房"),
            ("安全防护缺失", "违规动火作业", "危化品存放不当", "用电线路私拉乱接", "结构安全隐患"), 1),
    "W20": (("楼道", "地下室", "居民家中", "车棚", "商铺门前", "电梯"),
            ("电动车违规充电", "飞线充电", "电瓶入户充电", "充电设施缺失", "电动车进电梯"), 1),
    "W21": (("小区", "学校周边", "公园", "菜市场", "村庄", "广场"),
            ("流浪狗聚集伤人隐患", "流浪猫扰民", "犬只未拴绳", "动物尸体无人处理", "饲养烈性犬"), 3),
    "W22": (("老旧小区", "商品房小区", "安置小区", "单位家属院", "商住楼", "别墅区"),
            ("物业服务不到位", "物业费收缴纠纷", "电梯故障维修慢", "公共收益不公开", "物业撤离无人管"), 3),
    "W23": (("老旧楼房", "危房", "外墙", "阳台", "楼梯", "屋面"),
            ("墙体开裂", "外墙皮脱落", "阳台护栏松动", "楼梯损坏", "顶楼渗水漏水"), 2),
}  # fmt: skip
WHISTLE_ITEM_TOTAL = 637


def _whistle_items() -> list[tuple[str, str, str, str, int]]:
    """(code, class, name, department, response limit in working days), 637 in all: classes
    W01–W14 have 28 items, W15–W23 have 27."""
    departments = {code: dept for code, _name, dept in WHISTLE_CLASSES}
    items = []
    for k, (cls, (places, problems, limit)) in enumerate(_WHISTLE_PLACES_PROBLEMS.items()):
        quota = 28 if k < WHISTLE_ITEM_TOTAL - 27 * len(_WHISTLE_PLACES_PROBLEMS) else 27
        combos = [f"{p}{q}" for q in problems for p in places][:quota]
        items += [(f"{cls}-{i:02d}", cls, name, departments[cls], limit)
                  for i, name in enumerate(combos, 1)]  # fmt: skip
    return items


WHISTLE_ITEMS = _whistle_items()
assert len(WHISTLE_ITEMS) == WHISTLE_ITEM_TOTAL

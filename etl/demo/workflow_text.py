"""What the people working a demo case write: 签收 and 退回 notes, 商办 minutes, the tasks, facts,
law and plans of locks (分锁 / 给钥匙), 化解 outcomes and 督办 notes — in the clipped style of a
case system, per dispute type and department. Pure text; ``etl.demo.workflow`` picks from it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from etl.demo.common import obj, person_names
from geodata.load.seed import DEPARTMENTS, DISPUTE_TYPES

DEPT_NAMES = {code: name for code, name, _level, _res in DEPARTMENTS}
TYPE_NAMES = {t[0]: t[1] for t in DISPUTE_TYPES}
CENTRE = "综治中心"
# Who acts for the centre in the history (actor of 接办, 交办, 督办 by hand, 归档 …).
INTAKE_DESK = "综治中心受理窗口"
DISPATCH_DESK = "综治中心调度台"
INSPECTION = "综治中心督查室"
SYSTEM = "system"  # the automatic 督办 (domain.sla), as geodata.write.cases.SYSTEM_ACTOR

SIGN_NOTES = (
    "已签收，承办人{who}",
    "收到，已安排{who}跟进",
    "已签收，今天联系当事人",
    "签收。{who}负责，明天上门核实情况",
    "已签收 正在联系双方当事人",
    "收到，马上安排人员处理",
    "已签收，转{who}承办",
)
LATE_SIGN_NOTES = (
    "消息未及时查看，现已签收，马上安排办理",
    "补签收，已安排{who}跟进",
    "前两天外出未及时签收，今日补签，承办人{who}",
)
RETURN_NOTES = (
    "该事项不属于我单位职责范围，建议交{lead}办理",
    "经核实诉求主要涉及{lead}职能，退回重新交办",
    "我单位无执法权限，请转{lead}牵头处理",
)
REASSIGN_NOTES = "{dept}退回，改交{lead}牵头办理，限期{days}个工作日"
LOCATE_NOTES = ("电话回访来电人核实地址，已定位", "网格员现场核实位置，已定位")
CLASSIFY_NOTE = "经核实，诉求属{label}，改定类型"
MERGE_NOTE = "与{ref}反映同一事项，合并办理"
# Where a caller says it happened when no building address can be made of it (定位 pending).
VAGUE_ADDRESSES = (
    "{road}附近（来电人说不清楼号）",
    "{road}一带，具体位置不详",
    "{road}附近小区，未说明门牌号",
)
UNREACHABLE_NOTE = "回访电话三次未接通，按规定归档"
ARCHIVE_NOTE = "结案归档"

# 化解 notes by outcome code.
OUTCOME_NOTES = {
    "agreement": (
        "调解成功，达成协议",
        "双方和解，签订人民调解协议书",
        "经协调问题已解决，当事人认可",
        "达成调解协议，已当场履行",
        "经调解双方达成一致，申请司法确认",
    ),
    "withdrawn": (
        "问题已自行解决，当事人撤回诉求",
        "经释法说理，当事人表示理解并撤回",
    ),
    "litigation": (
        "调解不成，引导当事人依法诉讼",
        "双方分歧较大，已告知向人民法院起诉",
        "调解不成，转劳动仲裁程序",
    ),
    "not_resolved": (
        "当事人诉求超出政策规定，经释法说理仍不接受，未能化解",
        "对方当事人下落不明，无法组织调解，暂未化解",
        "涉及历史遗留问题，需上级统筹研究，暂未化解",
    ),
}
EVALUATE_NOTES = {
    1: "回访：当事人对处理结果很不满意",
    2: "回访：当事人认为问题没有解决",
    3: "回访：当事人基本满意",
    4: "回访：当事人表示满意",
    5: "回访：当事人非常满意，对办理效率表示感谢",
}
MANUAL_SUPERVISION_NOTES = (
    "群众多次来电催办，请加快办理并于明日前反馈进展",
    "该件已列入周调度会重点督办事项，请主要负责同志亲自过问",
    "办理进度滞后，请说明原因并提出整改措施",
)
_LEVEL_WORDS = {1: "提醒", 2: "督办", 3: "挂牌督办"}
_CLOCK_WORDS = {"sign": "签收", "resolve": "办理", "lock": "分锁"}

# 商办 and 分锁: what each department says, is asked to do, and the rules it cites.
DEPT_OPINION = {
    "police": "做好现场秩序维护，对故意滋事的依法处置，防止矛盾激化",
    "court": "派员提供诉前调解指导，达成协议的可申请司法确认",
    "procurator": "对涉及行政机关的部分开展法律监督",
    "petition": "做好信访人接谈和政策解释，防止越级上访",
    "justice": "派驻人民调解员全程参与调解，提供法律援助",
    "hrss": "核实欠薪人数和金额，约谈用人单位限期支付",
    "housing": "约谈物业企业和建设单位负责人，督促履行合同义务",
    "civil": "对困难当事人落实临时救助，做好社会面稳定工作",
    "natres": "调取权属档案，组织现场勘界，依法确定四至",
    "market": "核查收费和经营行为，对价格违法行为立案调查",
    "health": "组织病历封存和医疗损害鉴定，督促医疗机构依规处理",
    "education": "约谈学校负责人，做好家校沟通",
    "urban": "对违规搭建、占道等行为依法查处，限期整改",
    "transport": "协调保险公司和运输企业，核定损失",
    "ecology": "开展现场监测，对超标排放责令整改",
    "agri": "核实承包合同和补贴发放情况",
    "forestry": "核查林地权属和林木采伐手续",
    "emergency": "排查安全隐患，督促落实整改",
    "women": "开展心理疏导，维护妇女儿童合法权益",
    "union": "协助职工依法维权，参与劳资协商",
    "heating": "督促供热企业入户测温，限期整改不达标问题",
    "water": "核查供水管网，协调恢复正常供水",
    "fire": "检查消防通道和设施，依法处理占用行为",
    "township": "做好属地稳控和当事人思想工作，落实包案责任人",
}
DEPT_TASK = {
    "police": "维护现场秩序，调查是否存在违法行为",
    "court": "对调解协议进行司法确认指导",
    "procurator": "审查涉案行政行为的合法性",
    "petition": "接谈信访人，做好政策解释",
    "justice": "组织人民调解，提供法律援助",
    "hrss": "核实欠薪事实，督促支付",
    "housing": "核查物业服务和房屋质量问题，约谈责任企业",
    "civil": "核实困难情况，落实救助",
    "natres": "核查土地房屋权属，测量勘界",
    "market": "核查经营者收费和合同履行情况",
    "health": "核查诊疗过程，组织医疗损害鉴定",
    "education": "约谈学校，核实事件经过",
    "urban": "查处违规搭建和占道行为",
    "transport": "核定车辆损失，协调理赔",
    "ecology": "现场监测，核查排放情况",
    "agri": "核查承包合同和补贴",
    "forestry": "核查林地权属",
    "emergency": "排查安全隐患",
    "women": "开展家庭关系调适和心理疏导",
    "union": "代表职工参与协商",
    "heating": "入户测温，督促供热整改",
    "water": "排查管网，恢复供水",
    "fire": "清理消防通道",
    "township": "落实属地包案和当事人稳控",
}
TYPE_LAW = {
    "property": "《民法典》物业服务合同编、《物业管理条例》",
    "demolition": "《国有土地上房屋征收与补偿条例》",
    "labour": "《劳动合同法》《保障农民工工资支付条例》",
    "administrative": "《行政复议法》《行政诉讼法》",
    "traffic": "《道路交通安全法》及其实施条例",
    "family": "《民法典》婚姻家庭编、《反家庭暴力法》",
    "neighbour": "《民法典》相邻关系相关规定",
    "land": "《土地管理法》《农村土地承包法》",
    "heating": "《内蒙古自治区城镇供热条例》",
    "medical": "《医疗纠纷预防和处理条例》",
    "consumer": "《消费者权益保护法》",
    "environment": "《环境保护法》《噪声污染防治法》",
    "campus": "《未成年人保护法》《学生伤害事故处理办法》",
}
TYPE_ISSUE = {
    "property": "物业服务质量和收费问题引发业主不满",
    "demolition": "征收补偿标准和安置方案存在分歧",
    "labour": "用人单位拖欠工资，劳动者多次讨要未果",
    "administrative": "当事人对行政处理决定不服",
    "traffic": "事故责任和赔偿金额双方意见不一",
    "family": "家庭成员之间因财产和抚养问题矛盾激化",
    "neighbour": "相邻住户因噪音、漏水、占用公共部位产生矛盾",
    "land": "土地承包经营权和地界存在争议",
    "heating": "室温长期不达标，居民要求退费",
    "medical": "患方对诊疗结果有异议，要求赔偿",
    "consumer": "经营者拒绝退款，消费者权益受损",
    "environment": "周边经营场所噪声和油烟扰民",
    "campus": "学生在校受伤，家长与学校就责任产生分歧",
}
ROOMS = ("综治中心三楼会商室", "综治中心调解大厅", "街道综治中心会议室", "社区党群服务中心")


def pick(rng: np.random.Generator, options: Sequence[str], n: int) -> np.ndarray:
    """``n`` choices from ``options`` (an object array)."""
    return obj(list(options))[rng.integers(0, len(options), n)]


def fill(templates: np.ndarray, **columns: np.ndarray) -> np.ndarray:
    """Each template formatted with the same row of ``columns``."""
    keys = list(columns)
    rows = zip(*(columns[k].tolist() for k in keys), strict=True)
    return obj(
        [
            t.format(**dict(zip(keys, row, strict=True)))
            for t, row in zip(templates, rows, strict=True)
        ]
    )


def supervision_note(level: int, kind: str, due_day: str, dept: str | None = None) -> str:
    """The automatic 督办 note, worded as ``geodata.write.cases`` words it (``due_day``: 11月28日)."""
    what = _CLOCK_WORDS[kind] + (f"（{DEPT_NAMES.get(dept, dept)}）" if dept else "")
    when = "即将到期" if level == 1 else "已超期"
    return f"系统自动{_LEVEL_WORDS[level]}：{what}时限{when}（{due_day}）"


def consultations(
    rng: np.random.Generator,
    type_codes: np.ndarray,
    departments: list[list[str]],
    held: list[str],
    addresses: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(participants, minutes, outcome) of each 商办, written like a meeting record."""
    m = len(departments)
    chairs = person_names(rng, m).tolist()
    people = person_names(rng, sum(len(d) + 2 for d in departments)).tolist()
    rooms = rng.integers(0, len(ROOMS), m).tolist()
    days = rng.choice([3, 5, 7, 10], m).tolist()
    who, minutes, outcomes = [], [], []
    at = 0
    for t, depts, moment, address, chair, room, limit in zip(
        type_codes.tolist(),
        departments,
        held,
        addresses.tolist(),
        chairs,
        rooms,
        days,
        strict=True,
    ):
        names = people[at : at + len(depts) + 2]
        at += len(depts) + 2
        lead, others = depts[0], depts[1:]
        who.append(
            "；".join(
                [f"{CENTRE}：{chair}（主持）"]
                + [f"{DEPT_NAMES[d]}：{p}" for d, p in zip(depts, names, strict=False)]
                + [f"当事人代表：{names[-2][0]}某、{names[-1][0]}某"]
            )
        )
        opinions = "；".join(f"{DEPT_NAMES[d]}：{DEPT_OPINION[d]}" for d in depts)
        outcome = (
            f"明确由{DEPT_NAMES[lead]}牵头，"
            + "、".join(DEPT_NAMES[d] for d in others)
            + f"配合，{limit}个工作日内拿出化解方案并反馈综治中心"
        )
        outcomes.append(outcome)
        minutes.append(
            f"时间：{moment}\n地点：{ROOMS[room]}\n主持人：{chair}\n"
            f"议题：{address}{TYPE_ISSUE[t]}的联合会商\n"
            f"一、情况通报：{DEPT_NAMES[lead]}通报前期核查情况，{TYPE_ISSUE[t]}，"
            f"当事人情绪较为激动。\n二、各部门意见：{opinions}。\n"
            f"三、会商意见：{outcome}；{CENTRE}跟踪督办，逾期未办结的提请挂牌督办。"
        )
    return obj(who), obj(minutes), obj(outcomes)


_PLAN_ENDINGS = (
    "方案经当事人确认后在平台公示，综治中心跟踪落实",
    "约定分期履行，首期款项一周内到位",
    "组织双方见面协商，形成书面协议",
)


def locks(
    rng: np.random.Generator, type_codes: np.ndarray, depts: np.ndarray, limits: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(task, facts, law, plan) of each lock: what 分锁 asks of its department, and the key
    (给钥匙) it hands in."""
    m = len(depts)
    papers = rng.integers(3, 12, m).tolist()
    people = rng.integers(2, 6, m).tolist()
    ending = rng.integers(0, len(_PLAN_ENDINGS), m).tolist()
    rows = list(zip(type_codes.tolist(), depts.tolist(), strict=True))
    task = obj([f"{DEPT_TASK[d]}（限{k}个工作日）" for d, k in
                zip(depts.tolist(), limits.tolist(), strict=True)])  # fmt: skip
    facts = obj([f"经{DEPT_NAMES[d]}核查：{TYPE_ISSUE[t]}，已调取相关材料{a}份，询问当事人{b}人次，"
                 "基本事实清楚" for (t, d), a, b in zip(rows, papers, people, strict=True)])  # fmt: skip
    law = obj([f"依据{TYPE_LAW[t]}相关规定" for t, _d in rows])
    plan = obj([f"由{DEPT_NAMES[d]}{DEPT_OPINION[d]}，{_PLAN_ENDINGS[e]}" for (_t, d), e in
                zip(rows, ending, strict=True)])  # fmt: skip
    return task, facts, law, plan

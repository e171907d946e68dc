"""The one vocabulary: area levels, dispute sources, statuses, actions, risk levels, and the
spellings other systems use for them (the ETL's synonyms are built from ``SPELLINGS``).

Stored codes are English; labels are in the message catalogue (``domain.i18n``) under
``<family>.<code>``, e.g. ``status.assigned`` → 已交办.
"""

from __future__ import annotations

AREA_LEVELS = ("city", "district", "township", "community")
# The map drills one more level: a community's grids.
MAP_LEVELS = (*AREA_LEVELS, "grid")
RISK_LEVELS = ("low", "medium", "high")
DISPUTE_SOURCES = (
    "hotline",
    "police",
    "court",
    "petition",
    "grid_worker",
    "walk_in",
    "other",
    "building_chief",  # 楼栋长/单元长上报 (0030)
)
DISPUTE_STATUSES = (
    "received",
    "assigned",
    "in_progress",
    "resolved",
    "unresolved",
    "archived",
    "merged",
)
# Cases still being worked on (counted as 在办).
OPEN_STATUSES = ("received", "assigned", "in_progress")
# Where a case's history ends: archived (归档), or merged into another case as its duplicate.
FINAL_STATUSES = ("archived", "merged")
# The centre's actions on a case (五办 and the steps around them):
#   accept 接办/登记 · classify 定性 (type, risk) · locate 定位 · proxy 代办 (an agent follows the
#   case) · assign 交办 (department, mediation room or grid worker, with a deadline) · return 退回
#   (the assignee sends it back) · sign 签收 (the assignee starts the work) · supervise 督办
#   (提醒 → 督办 → 挂牌督办) · consult 商办 (a joint consultation of several departments) ·
#   split 分锁 (parallel locks, each with its department) · key 给钥匙 (a lock's facts, law and
#   plan) · unlock 开锁 (a lock settled or failed) · resolve 化解 (with an outcome) · evaluate 评价
#   (the resident's return call) · reopen 重办 (after an unsatisfied evaluation) · archive 归档 ·
#   merge 合并 (a duplicate into its case).
DISPUTE_ACTIONS = (
    "accept",
    "classify",
    "locate",
    "proxy",
    "assign",
    "return",
    "sign",
    "supervise",
    "consult",
    "split",
    "key",
    "unlock",
    "resolve",
    "evaluate",
    "reopen",
    "archive",
    "merge",
)
# The order a case's same-instant events are written in (代办 comes right after 接办).
ACTION_ORDER = DISPUTE_ACTIONS
# 化解 outcomes: mediated agreement, referred to litigation, withdrawn by the reporter, not
# resolved (with a reason). Agreement and withdrawal close the case as resolved.
OUTCOMES = ("agreement", "litigation", "withdrawn", "not_resolved")
RESOLVING_OUTCOMES = ("agreement", "withdrawn")
# 督办 levels: 0 none, 1 提醒 remind, 2 督办 supervise, 3 挂牌督办 listed supervision.
SUPERVISION_LEVELS = (0, 1, 2, 3)
# Who a case is handed to at 交办: a department (lead + cooperating), a mediation room (and
# mediator), or the grid's worker for a simple case.
ASSIGNEE_KINDS = ("department", "mediation", "grid_worker")
# Satisfaction from the return call (回访), 1–5; at or below this the case is done again (重办).
UNSATISFIED_AT_MOST = 2
# How two cases are linked: a possible duplicate flagged at intake, or merged into it.
LINK_KINDS = ("duplicate", "merged", "grouped")  # grouped: a concentrated demand (0028)
# A lock (分锁): open → planned (给钥匙: facts, law and plan in) → done | failed (开锁).
SUB_CASE_STATUSES = ("open", "planned", "done", "failed")
WHISTLE_STATUSES = ("raised", "responded", "evaluated", "assessed")  # 吹哨→应哨→评价→评估
OCCUPANCY = ("owner", "rented", "vacant", "other")  # 自住 / 出租 / 空置 / 其他
RESIDENCY = ("resident", "rotating", "on_call")  # 常驻 / 轮驻 / 随驻
DEPARTMENT_LEVELS = ("city", "district", "township")
MEDIATION_KINDS = ("gold", "expert", "people", "industry", "other")
# 楼栋长 (one per building) and 单元长 (one per stairwell of a multi-stairwell building) (0030).
CHIEF_KINDS = ("building", "unit")
# A compound's 业委会 (elected owners' committee) or 物管会 (interim property-management committee).
COMMITTEE_KINDS = ("owners", "management")
TASK_STATUSES = ("open", "done", "cancelled")
TASK_PRIORITIES = ("low", "normal", "high", "urgent")
# What a patrol task is about: a high-risk grid, a building not patrolled lately, a case to
# verify on site, a key person due a visit, or one set by hand; and how it ended.
TASK_KINDS = ("risk", "coverage", "case", "key_person", "manual")
TASK_OUTCOMES = ("covered", "handled", "found", "expired")
BATCH_STATUSES = ("running", "committed", "failed", "dry_run")
# What cached values depend on, one version each, bumped by every write to the family's tables:
# geography (areas, grids, buildings, housing), people (key persons, workers, chiefs, mediators),
# cases (disputes, sub-cases, events, whistles), patrols (visits, tasks), catalogue (types,
# departments, rooms, whistle classes).
DATA_FAMILIES = ("areas", "people", "disputes", "patrols", "catalogue")

# Spellings found in departmental files → stored code, per family (matched case-insensitively;
# the code itself is always accepted).
SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "level": {
        "city": ("市", "地级市"),
        "district": ("区", "县", "旗", "区县", "旗县区", "县级"),
        "township": ("乡镇", "街道", "乡", "镇", "苏木", "乡镇街道"),
        "community": ("社区", "村", "嘎查", "村社区", "居委会", "村委会"),
    },
    "risk": {
        "low": ("低", "一般", "低风险"),
        "medium": ("中", "较高", "中风险"),
        "high": ("高", "重大", "高风险"),
    },
    "occupancy": {
        "owner": ("自住",),
        "rented": ("出租",),
        "vacant": ("空置",),
        "other": ("其他", "其它"),
    },
    "source": {
        "hotline": ("12345", "12345热线", "市民热线", "热线"),
        "police": ("110", "公安", "公安110", "派出所"),
        "court": ("法院", "诉前调解"),
        "petition": ("信访", "来信", "网上信访", "网络问政"),
        "grid_worker": ("网格员", "网格员上报", "网格"),
        "walk_in": ("来访", "群众来访", "走访"),
        "other": ("其他", "其它"),
        "building_chief": ("楼栋长", "楼栋长上报", "楼长", "单元长", "单元长上报", "楼栋"),
    },
    "status": {
        "received": ("待受理", "已受理", "新建", "受理"),
        "assigned": ("已交办", "交办", "已派单", "派单"),
        "in_progress": ("处理中", "办理中", "在办"),
        "resolved": ("已办结", "办结", "已化解", "化解"),
        "unresolved": ("未化解", "化解不成"),
        "archived": ("已归档", "归档"),
        "merged": ("已合并", "合并", "重复件"),
    },
    "yes_no": {"true": ("是", "有", "1", "y", "yes"), "false": ("否", "无", "0", "n", "no")},
    "whistle_status": {
        "raised": ("已吹哨", "吹哨"),
        "responded": ("已应哨", "应哨"),
        "evaluated": ("已评价", "评价"),
        "assessed": ("已评估", "评估"),
    },
}


def synonyms(family: str) -> dict[str, str]:
    """Lower-cased spelling (and code) → stored code for one family of ``SPELLINGS``."""
    out: dict[str, str] = {}
    for code, spellings in SPELLINGS[family].items():
        out[code.lower()] = code
        for s in spellings:
            out[s.lower()] = code
    return out


def check_in(values: tuple[str, ...], column: str) -> str:
    """SQL CHECK text ``column IN ('a', 'b')`` for a tuple of codes (codes are ours, never input)."""
    if not all(v.replace("_", "").isalnum() and v.isascii() for v in values):
        raise ValueError(f"codes must be plain identifiers: {values}")
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"

"""Component ids, one constant each, so pages, callbacks and tests agree.

A map layer's components are named after its registry id (``layers.registry``): the map
component ``layer(id)`` and its legend ``legend(id)``, so a new layer needs no constant here.
"""


def layer(layer_id: str) -> str:
    """The id of a map layer's component (``hotspots`` → ``hotspots-layer``)."""
    return f"{layer_id}-layer"


def legend(layer_id: str) -> str:
    """The id of a map layer's legend (``hotspots`` → ``legend-hotspots``)."""
    return f"legend-{layer_id}"


LOCATION = "url"
MAP = "map"
LAYERS_CONTROL = "layers-control"
GEOMETRY_URL = "areas-geometry-url"
AREA_STORE = "current-area"
BREADCRUMB = "breadcrumb"
SUMMARY = "area-summary"
PERIOD = "filter-period"
RANGE = "filter-range"
WEEK = "filter-week"
PLAY = "week-play"
TICK = "week-tick"
TYPES = "filter-types"
SOURCES = "filter-sources"
STATUSES = "filter-statuses"
RISKS = "filter-risks"
METRIC = "density-metric"
SCHEME = "density-scheme"
STATUS_LINE = "status-line"
LANG = "lang"
LANG_LINK = "lang-switch"
DETAIL = "grid-detail"
CASE_MODAL = "case-modal"
CASE_BODY = "case-body"
CASE_CLOSE = "case-close"

# /tasks (巡查任务)
TASKS_LIST = "tasks-list"
TASKS_MESSAGE = "tasks-message"
TASKS_REFRESH = "tasks-refresh"
TASKS_RATES = "tasks-rates"
TASK_HANDLED = "task-handled"  # pattern-matching: {"type": TASK_HANDLED, "index": task id}
TASK_FOUND = "task-found"
TASK_NOTE = "task-note"

# /whistles (吹哨 → 应哨 → 评价 → 评估)
WHISTLE_COMMUNITY = "whistle-community"
WHISTLE_CLASS = "whistle-class"
WHISTLE_ITEM = "whistle-item"
WHISTLE_TEXT = "whistle-text"
WHISTLE_RAISE = "whistle-raise"
WHISTLE_MESSAGE = "whistle-message"
WHISTLE_LIST = "whistle-list"
WHISTLE_ASSESS = "whistle-assess"
WHISTLE_RANKING = "whistle-ranking"
WHISTLE_ACT = "whistle-act"  # pattern-matching: {"type": WHISTLE_ACT, "index": id, "action": a}
WHISTLE_INPUT = "whistle-input"  # {"type": WHISTLE_INPUT, "index": id}: answer text or rating

# /alerts (研判预警)
ALERTS_LIST = "alerts-list"
ALERTS_MESSAGE = "alerts-message"
ALERT_ACT = "alert-act"  # pattern-matching: {"type": ALERT_ACT, "index": id, "action": a}
ALERT_INPUT = "alert-input"  # {"type": ALERT_INPUT, "index": id}: assignee or reason

# /key-persons (重点人员)
KP_LIST = "kp-list"
KP_CASES = "kp-cases"
KP_OPEN = "kp-open"  # pattern-matching: {"type": KP_OPEN, "index": key person id}

# The administrator's pages: /admin/users (用户管理) and /audit (审计日志)
ADMIN_NAV = "admin-nav"
USERS_ROLE_FILTER = "users-role-filter"
USERS_AREA_FILTER = "users-area-filter"
USERS_TEXT_FILTER = "users-text-filter"
USERS_TABLE = "users-table"
USERS_MESSAGE = "users-message"
USER_ACT = "user-act"  # pattern-matching: {"type": USER_ACT, "index": user name, "action": a}
USER_PICK = "user-pick"  # {"type": USER_PICK, "index": user name}: fills the reset form
USER_NEW_NAME = "user-new-name"
USER_NEW_DISPLAY = "user-new-display"
USER_NEW_ROLE = "user-new-role"
USER_NEW_AREA = "user-new-area"
USER_NEW_DEPARTMENT = "user-new-department"
USER_NEW_PASSWORD = "user-new-password"
USER_NEW_GENERATE = "user-new-generate"
USER_ADD = "user-add"
USER_ADD_MESSAGE = "user-add-message"
USER_RESET_NAME = "user-reset-name"
USER_RESET_PASSWORD = "user-reset-password"
USER_RESET_GENERATE = "user-reset-generate"
USER_RESET = "user-reset"
USER_RESET_MESSAGE = "user-reset-message"
AUDIT_USER = "audit-user"
AUDIT_ACTION = "audit-action"
AUDIT_OBJECT = "audit-object"
AUDIT_RANGE = "audit-range"
AUDIT_SEARCH = "audit-search"
AUDIT_NEWER = "audit-newer"
AUDIT_OLDER = "audit-older"
AUDIT_PAGING = "audit-paging"
AUDIT_STATUS = "audit-status"
AUDIT_TABLE = "audit-table"
AUDIT_EXPORT_SEARCH = "audit-export-search"
AUDIT_EXPORT = "audit-export"

# The map's report export (background job; the job id survives a reload in local storage)
EXPORT_BUTTON = "export-button"  # pattern-matching: {"type": EXPORT_BUTTON, "index": format}
EXPORT_JOB = "export-job"
EXPORT_POLL = "export-poll"
EXPORT_STATUS = "export-status"
NAV = "site-nav"

# /wall (大屏)
WALL_TICK = "wall-tick"
WALL_CLOCK = "wall-clock"
WALL_RELOAD = "wall-reload"
WALL_ASOF = "wall-asof"
WALL_STAMP = "wall-stamp"
WALL_STALE = "wall-stale"
WALL_FIGURES = "wall-figures"
WALL_TICKER = "wall-ticker"
WALL_ALERTS = "wall-alerts"
WALL_TOP = "wall-top"
WALL_BOARD = "wall-board"
WALL_TREND = "wall-trend"
WALL_MAP = "wall-map"
WALL_AREAS = "wall-areas"
WALL_TITLE = "wall-title"

# The map's always-on outlines and labels of the drawn area's children
OUTLINES = "area-outlines"
LEGENDS = "map-legends"
# The performance page (部门绩效, /performance).
PERF_LOCATION = "perf-url"
PERF_PERIOD = "perf-period"
PERF_RANGE = "perf-range"
PERF_AREA = "perf-area"
PERF_METRIC = "perf-metric"
PERF_TABLE = "perf-table"
PERF_CHART = "perf-chart"
PERF_ROOMS = "perf-rooms"
PERF_MEDIATORS = "perf-mediators"
PERF_NOTE = "perf-note"
PERF_LANG_LINK = "perf-lang"
PERF_SORT = "perf-sort"  # pattern-matching: {"type": PERF_SORT, "index": <column>}

# The dispatch desk (/dispatch).
DISPATCH_FILTER_STATUS = "dispatch-filter-status"
DISPATCH_FILTER_TYPES = "dispatch-filter-types"
DISPATCH_FILTER_RISK = "dispatch-filter-risk"
DISPATCH_FILTER_URGENCY = "dispatch-filter-urgency"
DISPATCH_FILTER_MINE = "dispatch-filter-mine"
DISPATCH_SEARCH = "dispatch-search"
DISPATCH_QUEUE = "dispatch-queue"
DISPATCH_TOTAL = "dispatch-total"
DISPATCH_MAP = "dispatch-map"
DISPATCH_POINTS = "dispatch-points"
DISPATCH_LOCKS = "dispatch-locks"
DISPATCH_CASE = "dispatch-case"  # store: the open case's id
DISPATCH_VERSION = "dispatch-version"  # store: the version the drawer shows
DISPATCH_REFRESH = "dispatch-refresh"  # store: bumped after every write
DISPATCH_DRAWER = "dispatch-drawer"
DISPATCH_ACTION = "dispatch-action"
DISPATCH_FIELDS = "dispatch-fields"
DISPATCH_FIELD = "dispatch-field"  # pattern-matching: {"type": DISPATCH_FIELD, "index": name}
DISPATCH_SUBMIT = "dispatch-submit"
DISPATCH_MESSAGE = "dispatch-message"
DISPATCH_BULK_DEPARTMENT = "dispatch-bulk-department"
DISPATCH_BULK_ASSIGN = "dispatch-bulk-assign"
DISPATCH_PHONE = "dispatch-phone"
DISPATCH_PHONE_SHOW = "dispatch-phone-show"
DISPATCH_LOCATION = "dispatch-location"
PAGE_NAV = "page-nav"

# Concentrated demands (/demands).
DEMANDS_AREA = "demands-area"
DEMANDS_PERIOD = "demands-period"
DEMANDS_LIST = "demands-list"
DEMANDS_STORE = "demands-store"  # the clusters found: [{terms, ids, recent, earlier, type}]
DEMANDS_OPEN = "demands-open"  # pattern-matching: {"type": DEMANDS_OPEN, "index": k}
DEMANDS_PROMOTE = "demands-promote"  # pattern-matching: {"type": DEMANDS_PROMOTE, "index": k}
DEMANDS_DETAIL = "demands-detail"
DEMANDS_POINTS = "demands-points"
DEMANDS_MESSAGE = "demands-message"
# 微治理 panel (/governance)
GOV_AREA = "gov-area"
GOV_BODY = "gov-body"
# The desk's intake form (登记来件).
DISPATCH_IN_SOURCE = "dispatch-in-source"
DISPATCH_IN_TEXT = "dispatch-in-text"
DISPATCH_IN_ADDRESS = "dispatch-in-address"
DISPATCH_IN_LON = "dispatch-in-lon"
DISPATCH_IN_LAT = "dispatch-in-lat"
DISPATCH_IN_NAME = "dispatch-in-name"
DISPATCH_IN_PHONE = "dispatch-in-phone"
DISPATCH_IN_TYPE = "dispatch-in-type"
DISPATCH_IN_SUBMIT = "dispatch-in-submit"
DISPATCH_IN_RESULT = "dispatch-in-result"
DISPATCH_PICKED = "dispatch-picked"  # store: [lon, lat] last clicked on the desk map

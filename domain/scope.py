"""Who is asking: roles, what each role may do, and the ``Scope`` a request carries to SQL.

The scope is resolved once per request from the signed-in user and recorded in the request's
transaction (``zongzhi.*`` settings) so row-level policies can read it; the permission table
is checked by pages and layers alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.workflow import Actor

# 市级指挥中心, 区县, 乡镇街道, 网格员, 入驻部门, 分析规划, 大屏, 管理员.
ROLES: tuple[str, ...] = (
    "city",
    "district",
    "township",
    "grid_worker",
    "department",
    "analyst",
    "display",
    "admin",
)
ROLE_NAMES: dict[str, str] = {
    "city": "市级指挥中心",
    "district": "区县",
    "township": "乡镇街道",
    "grid_worker": "网格员",
    "department": "入驻部门",
    "analyst": "分析规划",
    "display": "大屏",
    "admin": "管理员",
}
# Nobody signed in: holds no permission (the app lets such a caller reach only the sign-in page).
ANONYMOUS_ROLE = "anonymous"
_ALL = frozenset(ROLES)
# The wall display (大屏): signed in for days, city-wide aggregates only, never personal data.
LONG_SESSION_ROLES = frozenset({"display"})
# The jurisdiction each role is bound to: the level of its one area code (an area's code is the
# prefix of every code below it: district 6 digits, township 9, community 12, grid 15). "city"
# roles hold the city's own code; a department's reach is its cases, by department code.
ROLE_AREA_LEVEL: dict[str, tuple[str, ...]] = {
    "city": ("city",),
    "district": ("district",),
    "township": ("township",),
    "grid_worker": ("grid",),
    "department": (),
    "analyst": ("city", "district", "township"),
    "display": ("city",),
    "admin": ("city",),
}
_DESK = frozenset({"city", "district", "township", "grid_worker", "department", "analyst", "admin"})
_PEOPLE = frozenset({"city", "district", "township", "grid_worker", "admin"})
# The centre's dispatch desk (调度台): 市/区县/乡镇 and the administrator take every action there.
_DISPATCH = frozenset({"city", "district", "township", "admin"})
# A source system posting cases through the intake API (its own token, never a user).
INTAKE_ROLE = "intake"
# role → permission, in one place. Every desk role works within its jurisdiction (enforced by
# row-level security in PostGIS); only the administrator sees ID numbers and phones unmasked.
PERMISSIONS: dict[str, frozenset[str]] = {
    "map.view": _ALL,
    "buildings.view": _ALL,
    # The grid panel and case histories name workers and parties: people at a desk, not a wall.
    "cases.view": _DESK,
    "dispute_points.view": _DESK,
    "key_persons.view": _PEOPLE,
    "personal.unmask": frozenset({"admin"}),
    "reports.export": frozenset({"city", "district", "township", "analyst", "admin"}),
    "users.manage": frozenset({"admin"}),
    "audit.view": frozenset({"admin"}),
    # The case workflow (domain.workflow says which action each acting role may take).
    "dispatch.view": _DISPATCH | {"department", "grid_worker"},
    "cases.act": _DISPATCH | {"department", "grid_worker"},
    "cases.dispatch": _DISPATCH,
    "cases.intake": _DISPATCH | {"grid_worker", INTAKE_ROLE},
    # The reporter's phone, shown to the desk for the return call (回访), each view audited.
    "reporter.contact": _DISPATCH,
    "performance.view": _DISPATCH | {"department", "analyst", "display"},
    # Patrol tasks (巡查任务): the grid's worker works their list; the desk follows it.
    "tasks.view": _DISPATCH | {"grid_worker"},
    "tasks.mark": _DISPATCH | {"grid_worker"},
    # 吹哨: raised and rated by the communities' side, answered by departments (domain.whistles).
    "whistles.view": _DISPATCH | {"department"},
    # Early-warning alerts (研判预警): the desk works them; planners and the wall read them.
    "alerts.view": _DISPATCH | {"analyst", "display"},
    "alerts.act": _DISPATCH,
    # Concentrated demands (集中诉求): the desk and planners read them; the desk promotes one.
    "demands.view": _DISPATCH | {"analyst"},
    # 微治理: chiefs, workers, compounds and mediation rooms of the caller's jurisdiction (the
    # people roles: row-level security shows chiefs to them only).
    "governance.view": _PEOPLE,
    # The wall display (大屏): aggregates only, for the display account and the desk.
    "wall.view": _DISPATCH | {"display", "analyst"},
}


def area_level(code: str | None) -> str | None:
    """The level an area code names by its length (the city's is told apart by the caller)."""
    if not code or not code.isdigit():
        return None
    return {6: "district", 9: "township", 12: "community", 15: "grid"}.get(len(code))


def check_role(role: str) -> str:
    """``role`` when it is one of ROLES, else ValueError."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; expected one of {list(ROLES)}")
    return role


def can(role: str | None, permission: str) -> bool:
    """Whether ``role`` holds ``permission`` (unknown roles hold nothing; unknown permissions raise)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    return role in PERMISSIONS[permission]


def require(role: str | None, permission: str) -> None:
    """Raise PermissionError unless ``role`` holds ``permission``."""
    if not can(role, permission):
        raise PermissionError(f"role {role!r} lacks {permission!r}")


@dataclass(frozen=True)
class Scope:
    """The caller of one request: user, role, jurisdiction (area codes: the city's code for the
    whole city) and department. Nobody signed in has no role, no area and sees no row."""

    user: str | None = None
    role: str = ANONYMOUS_ROLE
    areas: tuple[str, ...] = ()
    department: str | None = None

    @classmethod
    def anonymous(cls) -> Scope:
        return cls()

    @classmethod
    def of_user(cls, user: dict | None) -> Scope:
        """The scope of a user record (username, role, area_code, department_code)."""
        if not user:
            return cls()
        area = user.get("area_code")
        return cls(
            user=user["username"],
            role=user["role"],
            areas=(area,) if area else (),
            department=user.get("department_code"),
        )

    @classmethod
    def intake(cls, source: str, city_code: str) -> Scope:
        """A source system posting through the intake API: city-wide, cases only."""
        return cls(user=f"api:{source}", role=INTAKE_ROLE, areas=(city_code,))

    def may(self, permission: str) -> bool:
        return can(self.role, permission)

    def actor(self) -> Actor:
        """Who acts in the workflow rules (a grid worker's area is their grid)."""
        grid = self.areas[0] if self.role == "grid_worker" and self.areas else None
        return Actor(self.user or "", self.role, self.department, grid)

    def settings(self) -> dict[str, str]:
        """The transaction settings row-level policies read (``zongzhi.<key>``); '' = unset."""
        return {
            "user": self.user or "",
            "role": self.role,
            "areas": ",".join(self.areas),
            "department": self.department or "",
        }

    def cache_key(self) -> str:
        """A stable text naming everything that can change what this caller sees."""
        return f"{self.role}|{','.join(self.areas)}|{self.department or ''}"

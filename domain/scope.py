"""Who is asking: roles, what each role may do, and the ``Scope`` a request carries to SQL.

The scope is resolved once per request from the signed-in user and recorded in the request's
transaction (``zongzhi.*`` settings) so row-level policies can read it; the permission table
is checked by pages and layers alike.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES: tuple[str, ...] = ("viewer", "leader", "analyst", "admin")
# An anonymous visitor uses the map as a viewer: aggregates only.
ANONYMOUS_ROLE = "viewer"
_ALL = frozenset(ROLES)
# role → permission, in one place. viewer: aggregates only; leader: township/district leaders,
# personal data masked; analyst: planners, masked data plus exports; admin: unmasked, users.
PERMISSIONS: dict[str, frozenset[str]] = {
    "map.view": _ALL,
    "buildings.view": _ALL,
    "dispute_points.view": frozenset({"leader", "analyst", "admin"}),
    "key_persons.view": frozenset({"leader", "analyst", "admin"}),
    "personal.unmask": frozenset({"admin"}),
    "reports.export": frozenset({"analyst", "admin"}),
    "users.manage": frozenset({"admin"}),
}


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
    """The caller of one request: user, role, jurisdiction (area codes; empty = whole city),
    department. Anonymous callers are viewers with no user."""

    user: str | None = None
    role: str = ANONYMOUS_ROLE
    areas: tuple[str, ...] = ()
    department: str | None = None

    @classmethod
    def anonymous(cls) -> Scope:
        return cls()

    @classmethod
    def of_user(cls, user: dict | None) -> Scope:
        """The scope of a user record (username, role, district_code, department_code)."""
        if not user:
            return cls()
        district = user.get("district_code")
        return cls(
            user=user["username"],
            role=user["role"],
            areas=(district,) if district else (),
            department=user.get("department_code"),
        )

    def may(self, permission: str) -> bool:
        return can(self.role, permission)

    @property
    def district(self) -> str | None:
        """The one district a district-bound user is limited to, else None."""
        return self.areas[0] if len(self.areas) == 1 and len(self.areas[0]) == 6 else None

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

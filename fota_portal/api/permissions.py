"""Roles on every endpoint: viewer reads, operator runs campaigns and manages devices, admin manages accounts."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from fota_portal.roles import RANK, Role, user_role


def required_role(request, view) -> Role:
    """The role a request needs: the view's ``action_roles`` for its action, else ``read_role`` or ``write_role``."""
    action_roles = getattr(view, "action_roles", {}) or {}
    action = getattr(view, "action", None)
    if action in action_roles:
        return action_roles[action]
    if request.method in SAFE_METHODS:
        return getattr(view, "read_role", Role.VIEWER)
    return getattr(view, "write_role", Role.OPERATOR)


class HasRole(BasePermission):
    """Anonymous requests get 401 and users without the role 403, with a message naming the role needed."""

    message = "You do not have permission to perform this action."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        needed = required_role(request, view)
        held = user_role(request.user)
        if held is not None and RANK[held] >= RANK[needed]:
            return True
        self.message = (
            f"This needs the {needed.label.lower()} role; you "
            + (f"are {'an' if held == Role.ADMIN else 'a'} {held.label.lower()}." if held else "have no role.")
        )
        return False

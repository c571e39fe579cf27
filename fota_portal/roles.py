"""The three roles (viewer, operator, admin), the Django permissions each carries, and role checks.

Roles are Django groups, so the admin site, the dashboard and the API agree on who may do what. A higher role
includes everything a lower one may do.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.db.models import TextChoices


class Role(TextChoices):
    VIEWER = "viewer", "Viewer"
    OPERATOR = "operator", "Operator"
    ADMIN = "admin", "Admin"


RANK = {Role.VIEWER: 1, Role.OPERATOR: 2, Role.ADMIN: 3}

# app_label -> models each role may view / change. "view" covers every portal model for every role.
_PORTAL_APPS = ("vendors", "devices", "campaigns", "fota_portal")
_OPERATOR_MANAGES = {
    "devices": ("device", "fleet", "firmware", "label"),
    "campaigns": ("campaign", "campaignfirmware", "wave"),
}
_ADMIN_MANAGES = {
    "vendors": ("vendoraccount",),
    "auth": ("user", "group"),
}


def _role_permissions(role: Role) -> list[Permission]:
    perms = Permission.objects.filter(content_type__app_label__in=_PORTAL_APPS, codename__startswith="view_")
    selected = list(perms)
    manages: dict[str, tuple[str, ...]] = {}
    if RANK[role] >= RANK[Role.OPERATOR]:
        manages.update(_OPERATOR_MANAGES)
        selected += list(Permission.objects.filter(content_type__app_label="campaigns", codename="run_campaign"))
    if RANK[role] >= RANK[Role.ADMIN]:
        manages.update(_ADMIN_MANAGES)
        selected += list(Permission.objects.filter(content_type__app_label="auth", codename__startswith="view_"))
    for app_label, models in manages.items():
        selected += list(Permission.objects.filter(content_type__app_label=app_label, content_type__model__in=models))
    return selected


def roles_sync() -> None:
    """Create the role groups and give each its permissions. Safe to run any number of times."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        group.permissions.set(_role_permissions(role))


def user_role(user: AbstractBaseUser | AnonymousUser | None) -> Role | None:
    """The highest role a user holds; superusers are admins. ``None`` for anonymous users and outsiders."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    if not hasattr(user, "_fota_role"):
        # Cached on the user object: a page asks several times, the database answers once.
        names = set(user.groups.values_list("name", flat=True))
        held = [role for role in Role if role.value in names]
        user._fota_role = max(held, key=RANK.__getitem__) if held else None
    return user._fota_role


def user_has_role(user: AbstractBaseUser | AnonymousUser | None, role: Role) -> bool:
    held = user_role(user)
    return held is not None and RANK[held] >= RANK[role]


def user_set_role(*, user: AbstractBaseUser, role: Role) -> None:
    """Give a user exactly one role; admins also get the admin site."""
    if not Group.objects.filter(name=role.value).exists():
        roles_sync()
    user.groups.remove(*Group.objects.filter(name__in=[r.value for r in Role]))
    user.groups.add(Group.objects.get(name=role.value))
    user.is_staff = role in (Role.OPERATOR, Role.ADMIN)
    user.save(update_fields=["is_staff"])
    user.__dict__.pop("_fota_role", None)

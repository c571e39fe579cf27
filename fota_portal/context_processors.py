"""Template context shared by every dashboard page."""

from __future__ import annotations

from django.conf import settings

from fota_portal.roles import user_role


def portal(request) -> dict:
    return {
        "portal_role": user_role(request.user) if hasattr(request, "user") else None,
        "simulators_enabled": settings.SIMULATORS_ENABLED,
    }

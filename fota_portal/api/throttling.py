"""Per-token throttling, so one runaway tool cannot starve the others (rate from ``API_THROTTLE_RATE``)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from fota_portal.models import APIToken


class TokenRateThrottle(SimpleRateThrottle):
    """One bucket per API token; browser sessions get one per user and anonymous callers one per address."""

    scope = "api"

    def get_rate(self) -> str | None:
        # Read at each request, not at import, so the rate can be changed by settings (and in tests).
        return getattr(settings, "API_THROTTLE_RATE", "") or None

    def get_cache_key(self, request, view) -> str:
        if isinstance(request.auth, APIToken):
            ident = f"token:{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"api-throttle:{ident}"

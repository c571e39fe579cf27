"""Project-level views (home, health probe) and the small helpers every dashboard view shares: role checks, HTMX
fragment detection and progress bars built from the maintained counters."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaigns.choices import CampaignState, WaveState
from campaigns.models import Campaign, CampaignEvent, ProgressCounter, Wave
from campaigns.services.progress import progress_summary
from devices.models import Device
from fota_portal.roles import Role, user_has_role
from vendors.models import VendorAccount

LIVE_STATES = (CampaignState.RUNNING, CampaignState.SCHEDULED, CampaignState.PAUSED)


def role_required(role: Role) -> Callable:
    """Let a view through only for users holding ``role`` (or a higher one); anonymous visitors go to log in."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_has_role(request.user, role):
                raise PermissionDenied(f"This needs the {role.label.lower()} role.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def htmx_target(request: HttpRequest) -> str:
    """The id of the element an HTMX request will swap, or "" for an ordinary page request (one view, page or
    fragment, as in NetBox's ``htmx_partial``)."""
    if request.headers.get("HX-Request") != "true" or request.headers.get("HX-Boosted"):
        return ""
    return request.headers.get("HX-Target", "")


def progress_bar(shares: dict) -> dict:
    """Widths (percent of eligible devices) of the succeeded / failed / in-flight / waiting bar segments."""
    eligible = shares.get("eligible") or 0

    def pct(n: int) -> str:
        return f"{100 * n / eligible:.2f}" if eligible else "0"

    return {
        "succeeded": pct(shares.get("succeeded", 0)),
        "failed": pct(shares.get("failed", 0)),
        "in_flight": pct(shares.get("in_flight", 0)),
        "waiting": pct(shares.get("waiting", 0)),
        "done_percent": round(100 * (shares.get("succeeded", 0) + shares.get("failed", 0)) / eligible)
        if eligible else 0,
        "success_percent": f"{100 * shares.get('success_share', 0):.1f}",
        "failure_percent": f"{100 * shares.get('failure_share', 0):.1f}",
    }


def campaigns_progress(campaigns: Iterable[Campaign]) -> list[Campaign]:
    """Attach ``progress`` (shares) and ``bar`` to each campaign from the counters, in one query for all of them."""
    campaigns = list(campaigns)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        ProgressCounter.objects.filter(campaign_id__in=[c.pk for c in campaigns])
        .values_list("campaign_id", "state").annotate(n=Sum("count")).order_by()
    )
    for campaign_id, state, n in rows:
        counts[campaign_id][state] = n
    for campaign in campaigns:
        campaign.progress = progress_summary(counts.get(campaign.pk, {}))
        campaign.bar = progress_bar(campaign.progress)
    return campaigns


def campaigns_health(campaigns: list[Campaign]) -> None:
    """Attach a one-line ``health`` to live campaigns: on track, gated (a wave awaits approval), paused with why."""
    waiting = dict(
        Wave.objects.filter(campaign__in=[c for c in campaigns if c.state == CampaignState.RUNNING],
                            state=WaveState.AWAITING_APPROVAL).values_list("campaign_id", "number")
    )
    for campaign in campaigns:
        if campaign.state == CampaignState.PAUSED:
            campaign.health, campaign.health_kind = campaign.state_reason or "Paused.", "paused"
        elif campaign.state == CampaignState.SCHEDULED:
            campaign.health, campaign.health_kind = campaign.state_reason or "Waiting for its schedule.", "scheduled"
        elif campaign.pk in waiting:
            campaign.health = f"Gated: wave {waiting[campaign.pk]} passed and waits for an operator's approval."
            campaign.health_kind = "gated"
        else:
            campaign.health, campaign.health_kind = "On track.", "ok"


def account_rate_use(account: VendorAccount) -> int | None:
    """Calls made in the current rate-limit period, read from the shared limiter (``None`` if unreadable).

    Reads the sliding-window log that ``vendors.shared_state.RateLimiter`` keeps; it has no read method yet, so this
    knows its key and layout.
    """
    from vendors.http import account_rate_limiter

    limiter = account_rate_limiter(account)
    since = time.time() - account.rate_limit_period_seconds
    try:
        if settings.REDIS_URL:
            from vendors.shared_state import _redis

            return int(_redis().zcount(f"fota:rl:{limiter.key}", int(since * 1_000_000), "+inf"))
        path = settings.VAR_DIR / "vendor-state" / "ratelimit" / f"{limiter.key}.json"
        calls = json.loads(path.read_text()).get("calls", []) if path.exists() else []
        return sum(1 for t in calls if t > since)
    except Exception:  # noqa: BLE001 - a dashboard number must never break the page
        return None


# Fleet-wide device totals read every device row; a minute-old answer is good enough for an overview.
FLEET_TOTALS_CACHE_KEY = "fota:dashboard:fleet-totals"
FLEET_TOTALS_SECONDS = 60


def fleet_totals() -> dict:
    """Devices per account and per (vendor, firmware version), from one GROUP BY, cached for a minute."""

    def compute() -> dict:
        per_account: dict[int, int] = defaultdict(int)
        per_kind: dict[str, dict] = {}
        rows = (Device.objects.values_list("account_id", "account__kind", "firmware_version")
                .annotate(n=Count("id")).order_by())
        for account_id, kind, version, n in rows:
            per_account[account_id] += n
            entry = per_kind.setdefault(kind, {"kind": kind, "devices": 0, "versions": defaultdict(int)})
            entry["devices"] += n
            entry["versions"][version or "unknown"] += n
        kinds = dict(VendorAccount._meta.get_field("kind").choices)
        vendors = []
        for kind, entry in sorted(per_kind.items()):
            versions = sorted(entry["versions"].items(), key=lambda item: -item[1])
            vendors.append({"kind": kind, "label": kinds.get(kind, kind), "devices": entry["devices"],
                            "top": versions[:6], "others": sum(n for _, n in versions[6:])})
        return {"per_account": dict(per_account), "vendors": vendors}

    return cache.get_or_set(FLEET_TOTALS_CACHE_KEY, compute, FLEET_TOTALS_SECONDS)


@role_required(Role.VIEWER)
def home(request: HttpRequest) -> HttpResponse:
    live = list(Campaign.objects.filter(state__in=LIVE_STATES).select_related("fleet")
                .order_by("state", "-started_at")[:12])
    recent = list(Campaign.objects.exclude(state__in=LIVE_STATES).order_by("-updated_at")[:6])
    campaigns_progress(live + recent)
    campaigns_health(live)
    totals = fleet_totals()
    accounts = list(VendorAccount.objects.order_by("name"))
    for account in accounts:
        account.device_count = totals["per_account"].get(account.pk, 0)
        account.rate_use = account_rate_use(account)
    context = {
        "live": live,
        "recent": recent,
        "state_counts": dict(Campaign.objects.values_list("state").annotate(n=Count("id")).order_by()),
        "events": CampaignEvent.objects.select_related("campaign").order_by("-created_at", "-id")[:8],
        "accounts": accounts,
        "fleet_totals": totals["vendors"],
        "device_total": sum(t["devices"] for t in totals["vendors"]),
    }
    return render(request, "home.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the test that the embedded default boots."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})

"""Project-level views: the home page and a health probe."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaigns.models import Campaign
from devices.models import Device
from vendors.models import VendorAccount


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "campaigns": Campaign.objects.order_by("-created_at")[:20],
        "accounts": VendorAccount.objects.all(),
        "device_count": Device.objects.count(),
    }
    return render(request, "home.html", context)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the test that the embedded default boots."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})

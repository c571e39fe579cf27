"""Device and fleet pages: device search and detail, fleets with static members and a saved filter previewed live,
and the CSV import with its progress bar and per-row error report."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from campaigns.models import Assignment, Campaign
from devices.forms import (
    DeviceFilterForm,
    DeviceImportForm,
    FleetForm,
    FleetMembersForm,
    saved_filter_described,
)
from devices.imports import ImportRejected, device_import_create
from devices.models import Device, DeviceImport, Fleet
from devices.selectors import SavedFilterError
from devices.services_fleets import (
    fleet_create,
    fleet_device_count,
    fleet_members_add,
    fleet_members_remove,
    fleet_update,
    saved_filter_count,
)
from fota_portal.roles import Role, user_has_role
from fota_portal.views import htmx_target, role_required
from vendors.models import VendorAccount

PAGE_SIZE = 50
DEVICE_HISTORY_SHOWN = 100
IMPORT_POLL_SECONDS = 1
DEFAULT_IMPORT_MAX_BYTES = 50 * 1024 * 1024


def _keyset_page(queryset, after: int) -> tuple[list, int | None]:
    """One page ordered by id after ``after``, and the id to continue from (no OFFSET, no COUNT)."""
    rows = list(queryset.filter(id__gt=after or 0).order_by("id")[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].pk if more else None)


# --- devices -----------------------------------------------------------------------------------------------------


@role_required(Role.VIEWER)
def device_list(request: HttpRequest) -> HttpResponse:
    filters = DeviceFilterForm(request.GET)
    after = (filters.cleaned_data.get("after") if filters.is_valid() else None) or 0
    rows, next_after = _keyset_page(filters.apply(Device.objects.select_related("account")), after)
    context = {
        "filters": filters,
        "rows": rows,
        "next_query": urlencode({**filters.active, "after": next_after}) if next_after else "",
        "first_query": urlencode(filters.active),
        "show_first": bool(after),
    }
    if htmx_target(request) == "device-list":
        return render(request, "devices/_device_list.html", context)
    return render(request, "devices/list.html", context)


@role_required(Role.VIEWER)
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(Device.objects.select_related("account"), pk=pk)
    assignments = list(
        Assignment.objects.filter(device=device)
        .select_related("campaign", "firmware", "wave", "error_entry")
        .order_by("-created_at", "-id")[:DEVICE_HISTORY_SHOWN]
    )
    history = [a for a in assignments if a.state == "succeeded" and a.firmware_id]
    context = {
        "device": device,
        "labels": list(device.labels.all()),
        "fleets": list(device.fleets.all()),
        "assignments": assignments,
        "history": history,
    }
    return render(request, "devices/detail.html", context)


# --- fleets ------------------------------------------------------------------------------------------------------


@role_required(Role.VIEWER)
def fleet_list(request: HttpRequest) -> HttpResponse:
    fleets = list(Fleet.objects.annotate(member_count=Count("members", distinct=True),
                                         campaign_count=Count("campaign", distinct=True)).order_by("name"))
    accounts = dict(VendorAccount.objects.values_list("id", "name"))
    for fleet in fleets:
        fleet.filter_words = saved_filter_described(fleet.saved_filter, accounts)
    return render(request, "devices/fleets.html", {"fleets": fleets})


@role_required(Role.VIEWER)
def fleet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fleet = get_object_or_404(Fleet, pk=pk)
    after = int(request.GET["after"]) if request.GET.get("after", "").isdigit() else 0
    members, next_after = _keyset_page(fleet.members.select_related("account"), after)
    try:
        total = fleet_device_count(fleet=fleet)
        filter_error = ""
    except SavedFilterError as exc:
        total, filter_error = None, str(exc)
    accounts = dict(VendorAccount.objects.values_list("id", "name"))
    fleet.filter_words = saved_filter_described(fleet.saved_filter, accounts)
    context = {
        "fleet": fleet,
        "total": total,
        "filter_error": filter_error,
        "members": members,
        "next_after": next_after,
        "show_first": bool(after),
        "campaigns": Campaign.objects.filter(fleet=fleet).order_by("-created_at")[:20],
        "members_form": FleetMembersForm(),
        "can_change": user_has_role(request.user, Role.OPERATOR),
    }
    return render(request, "devices/fleet_detail.html", context)


def _fleet_form(request: HttpRequest, fleet: Fleet | None) -> HttpResponse:
    """Create and edit share one view; the "filter-preview" fragment counts what the saved filter matches now."""
    form = FleetForm(request.POST or None, instance=fleet)
    if request.method == "POST":
        if htmx_target(request) == "filter-preview":
            count = saved_filter_count(saved_filter=form.saved_filter()) if form.is_valid() else None
            return render(request, "devices/_filter_preview.html", {"count": count, "form": form})
        if form.is_valid():
            data = form.cleaned_data
            try:
                if fleet is None:
                    fleet = fleet_create(name=data["name"], description=data["description"],
                                         saved_filter=form.saved_filter(), actor=request.user)
                else:
                    fleet = fleet_update(fleet_id=fleet.pk, name=data["name"], description=data["description"],
                                         saved_filter=form.saved_filter())
            except (SavedFilterError, IntegrityError) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Fleet “{fleet.name}” saved.")
                return redirect("devices:fleet", fleet.pk)
    preview = None
    if fleet is not None and fleet.saved_filter:
        preview = saved_filter_count(saved_filter=fleet.saved_filter)
    return render(request, "devices/fleet_form.html", {"form": form, "fleet": fleet, "count": preview})


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def fleet_create_view(request: HttpRequest) -> HttpResponse:
    return _fleet_form(request, None)


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def fleet_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _fleet_form(request, get_object_or_404(Fleet, pk=pk))


@role_required(Role.OPERATOR)
@require_POST
def fleet_members(request: HttpRequest, pk: int) -> HttpResponse:
    """Add static members by device id, or remove the ticked ones."""
    fleet = get_object_or_404(Fleet, pk=pk)
    if "remove" in request.POST:
        ids = [int(i) for i in request.POST.getlist("device") if i.isdigit()]
        removed = fleet_members_remove(fleet_id=fleet.pk, device_ids=ids)
        messages.success(request, f"{removed} static member{'s' if removed != 1 else ''} removed.")
        return redirect("devices:fleet", fleet.pk)
    form = FleetMembersForm(request.POST)
    if form.is_valid():
        account = form.cleaned_data["account"]
        change = fleet_members_add(fleet_id=fleet.pk, external_ids=form.ids(),
                                   account_id=account.pk if account else None)
        messages.success(request, f"{change.changed} device{'s' if change.changed != 1 else ''} added.")
        if change.not_found:
            messages.warning(request, f"No device has the id {', '.join(change.not_found[:20])}"
                             + (f" and {len(change.not_found) - 20} more" if len(change.not_found) > 20 else "") + ".")
        if change.ambiguous:
            messages.warning(request, f"{', '.join(change.ambiguous[:20])} exist on several accounts: choose the "
                             "vendor account and add them again.")
    else:
        messages.error(request, "Give at least one device id.")
    return redirect("devices:fleet", fleet.pk)


# --- CSV import --------------------------------------------------------------------------------------------------


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def device_import(request: HttpRequest) -> HttpResponse:
    form = DeviceImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        limit = getattr(settings, "DEVICE_IMPORT_MAX_BYTES", DEFAULT_IMPORT_MAX_BYTES)
        if upload.size > limit:
            form.add_error("file", f"The file is larger than {limit // (1024 * 1024)} MB; split it into parts.")
        else:
            try:
                job = device_import_create(content=upload.read(), filename=upload.name, user=request.user)
            except ImportRejected as exc:
                form.add_error("file", str(exc))
            else:
                return redirect("devices:import_detail", job.pk)
    imports = DeviceImport.objects.select_related("created_by").defer("content")[:10]
    return render(request, "devices/import.html", {"form": form, "imports": imports})


@role_required(Role.OPERATOR)
def device_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(DeviceImport.objects.defer("content"), pk=pk)
    live = job.state in (DeviceImport.State.QUEUED, DeviceImport.State.RUNNING)
    percent = round(100 * job.processed_rows / job.total_rows) if job.total_rows else (100 if not live else 0)
    context = {"job": job, "live": live, "percent": percent, "poll_seconds": IMPORT_POLL_SECONDS,
               "errors": job.errors[:500]}
    if htmx_target(request) == "import-status":
        return render(request, "devices/_import_status.html", context)
    return render(request, "devices/import_detail.html", context)

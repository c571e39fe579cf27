"""Campaign pages: the list, the draft form with live rule checks and plan, the detail page that updates itself while
the campaign runs, the device table with its CSV export, and the lifecycle actions with their confirmations.

Views are thin: the plan, the lifecycle, progress and decoded errors all come from ``campaigns.services``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from campaigns.choices import CampaignState, WaveState
from campaigns.exports import assignments_csv
from campaigns.forms import (
    ActionForm,
    CampaignFilterForm,
    CampaignForm,
    DeviceTableFilterForm,
    firmware_map_current,
    firmware_map_formset,
    vendor_option_forms,
    vendor_options_of,
)
from campaigns.models import Assignment, Campaign, CampaignFirmware, ProgressSnapshot
from campaigns.services import lifecycle
from campaigns.services.drafts import campaign_draft_create, campaign_draft_preview, campaign_draft_update
from campaigns.services.errors import CampaignRuleViolation, CampaignTransitionError
from campaigns.services.gates import top_errors
from campaigns.services.plan import campaign_plan
from campaigns.services.progress import campaign_progress
from devices.models import Fleet
from fota_portal.roles import Role, user_has_role
from fota_portal.views import campaigns_progress, htmx_target, progress_bar, role_required
from vendors.choices import VendorKind

DEVICE_PAGE_SIZE = 50
CHART_POINTS = 240
# The chart reads at most this many recent snapshots (about three days at the default 15 s tick) and thins them.
CHART_SOURCE_POINTS = 20_000
EVENTS_SHOWN = 30
POLL_SECONDS = 3


# --- list --------------------------------------------------------------------------------------------------------


@role_required(Role.VIEWER)
def campaign_list(request: HttpRequest) -> HttpResponse:
    filters = CampaignFilterForm(request.GET or None)
    queryset = filters.apply(Campaign.objects.select_related("fleet").order_by("-created_at"))
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    maps = Prefetch("firmware_map", queryset=CampaignFirmware.objects.select_related("account", "firmware"))
    campaigns = campaigns_progress(Campaign.objects.filter(pk__in=[c.pk for c in page]).select_related("fleet")
                                   .prefetch_related(maps).order_by("-created_at"))
    for campaign in campaigns:
        lines = list(campaign.firmware_map.all())
        campaign.vendor_labels = sorted({line.account.get_kind_display() for line in lines})
        campaign.versions = sorted({line.firmware.version for line in lines})
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filters": filters, "page": page, "campaigns": campaigns, "query": query.urlencode()}
    if htmx_target(request) == "campaign-table":
        return render(request, "campaigns/_list_table.html", context)
    return render(request, "campaigns/list.html", context)


# --- create / edit -----------------------------------------------------------------------------------------------


def _posted_fleet(request: HttpRequest) -> Fleet | None:
    value = request.POST.get("fleet") if request.method == "POST" else request.GET.get("fleet")
    if value and str(value).isdigit():
        return Fleet.objects.filter(pk=int(value)).first()
    return None


def _campaign_form(request: HttpRequest, campaign: Campaign | None) -> HttpResponse:
    """Create and edit share one view: the page, the firmware-map rows for a fleet, or the live check."""
    target = htmx_target(request)
    if request.method == "POST":
        form = CampaignForm(request.POST, instance=campaign)
        fleet = _posted_fleet(request)
        if target == "firmware-map":
            # The fleet changed: redraw its rows, keeping choices already made for the same account and model.
            formset = firmware_map_formset(fleet=fleet, current=firmware_map_current(request.POST))
            response = render(request, "campaigns/_firmware_map.html", {"formset": formset, "fleet": fleet})
            response["HX-Trigger"] = "campaign-form-changed"
            return response
        formset = firmware_map_formset(fleet=fleet, data=request.POST)
        vendor_forms = vendor_option_forms(data=request.POST)
        # Every form is validated (no short-circuit), so all their errors show at once.
        valid = form.is_valid() & formset.is_valid() & all([f.is_valid() for f in vendor_forms])
        if target == "form-check":
            plan = None
            if valid:
                plan = campaign_draft_preview(
                    fields=form.draft_fields(vendor_options_of(vendor_forms)), firmware_map=formset.lines(),
                    campaign_id=campaign.pk if campaign else None,
                )
            return render(request, "campaigns/_form_check.html",
                          {"form": form, "formset": formset, "vendor_forms": vendor_forms, "plan": plan,
                           "vendor_forms_invalid": any(f.errors for f in vendor_forms)})
        if valid:
            fields = form.draft_fields(vendor_options_of(vendor_forms))
            try:
                if campaign is None:
                    campaign = campaign_draft_create(fields=fields, firmware_map=formset.lines(), actor=request.user)
                else:
                    campaign = campaign_draft_update(campaign_id=campaign.pk, fields=fields,
                                                     firmware_map=formset.lines(), actor=request.user)
            except CampaignTransitionError as exc:
                messages.error(request, str(exc))
                return redirect("campaigns:detail", campaign.pk)
            messages.success(request, f"Draft “{campaign.name}” saved. Check its plan below, then start it.")
            return redirect("campaigns:detail", campaign.pk)
    else:
        form = CampaignForm(instance=campaign, initial={"fleet": _posted_fleet(request)} if campaign is None else None)
        fleet = campaign.fleet if campaign else _posted_fleet(request)
        current = {}
        if campaign is not None:
            current = {(line.account_id, line.model): line.firmware_id for line in campaign.firmware_map.all()}
        formset = firmware_map_formset(fleet=fleet, current=current)
        vendor_forms = vendor_option_forms(options=campaign.vendor_options if campaign else {})
    kinds = formset.vendor_kinds()
    for vendor_form in vendor_forms:
        vendor_form.open = vendor_form.kind in kinds or vendor_form.used
    context = {"form": form, "formset": formset, "vendor_forms": vendor_forms, "campaign": campaign, "fleet": fleet}
    return render(request, "campaigns/form.html", context)


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    return _campaign_form(request, None)


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    if campaign.state != CampaignState.DRAFT:
        state = campaign.get_state_display().lower()
        messages.error(request, f"Only a draft can be edited; “{campaign.name}” is {state}.")
        return redirect("campaigns:detail", campaign.pk)
    return _campaign_form(request, campaign)


# --- actions -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A lifecycle action as the dashboard offers it: which states show it, how it looks, which service runs it."""

    name: str
    label: str
    states: tuple[str, ...]
    style: str
    takes_reason: bool = False

    def run(self, campaign: Campaign, actor, reason: str) -> str:
        """Run the service; returns the message for the user (services raise for refusals)."""
        if self.name == "start":
            started = lifecycle.campaign_start(campaign_id=campaign.pk, actor=actor)
            if started.state == CampaignState.SCHEDULED:
                return f"“{started.name}” is scheduled. {started.state_reason}"
            return f"Started “{started.name}”: wave 1 is being pushed to the vendors."
        if self.name == "pause":
            lifecycle.campaign_pause(campaign_id=campaign.pk, actor=actor, reason=reason)
            return "Paused. Nothing new is pushed; devices already at the vendors are still followed."
        if self.name == "resume":
            lifecycle.campaign_resume(campaign_id=campaign.pk, actor=actor)
            return "Resumed: pushing continues."
        if self.name == "cancel":
            lifecycle.campaign_cancel(campaign_id=campaign.pk, actor=actor, reason=reason)
            return "Cancelled. Waiting devices were cancelled; devices at the vendors are withdrawn where possible."
        if self.name == "retry":
            queued = lifecycle.campaign_retry_failed(campaign_id=campaign.pk, actor=actor)
            return f"{queued} failed devices queued again."
        if self.name == "approve":
            wave = lifecycle.campaign_approve_wave(campaign_id=campaign.pk, actor=actor)
            return f"Wave {wave.number} approved; the next wave is opening."
        raise Http404(self.name)


# Which states show each action. The services decide what is legal; this only keeps pointless buttons away.
ACTIONS = {
    a.name: a for a in (
        Action("start", "Start", (CampaignState.DRAFT,), "primary"),
        Action("approve", "Approve next wave", (CampaignState.RUNNING,), "primary"),
        Action("resume", "Resume", (CampaignState.PAUSED,), "primary"),
        Action("pause", "Pause", (CampaignState.RUNNING, CampaignState.SCHEDULED), "warn", takes_reason=True),
        Action("retry", "Retry failed", (CampaignState.RUNNING, CampaignState.PAUSED, CampaignState.COMPLETED), ""),
        Action("cancel", "Cancel campaign",
               (CampaignState.DRAFT, CampaignState.SCHEDULED, CampaignState.RUNNING, CampaignState.PAUSED), "danger",
               takes_reason=True),
    )
}


def _available_actions(campaign: Campaign, progress: dict, user) -> list[Action]:
    if not user_has_role(user, Role.OPERATOR):
        return []
    awaiting = any(w["state"] == WaveState.AWAITING_APPROVAL for w in progress.get("waves", []))
    available = []
    for action in ACTIONS.values():
        if campaign.state not in action.states:
            continue
        if action.name == "retry" and not progress.get("failed"):
            continue
        if action.name == "approve" and not awaiting:
            continue
        available.append(action)
    return available


def _consequence(action: Action, campaign: Campaign, progress: dict) -> tuple[str, list]:
    """What the action will do, in words, with the numbers; and any problem that stops it (start's preflight)."""
    if action.name == "start":
        plan = campaign_plan(campaign=campaign)
        if plan.problems:
            return "It cannot start yet. Fix these first:", plan.problems
        sizes = ", ".join(str(w["devices"]) for w in plan.waves)
        skipped = plan.total - plan.eligible
        timing = f" At the vendors' rate limits the pushes take at least {plan.shortest_push_seconds:.0f} s."
        when = (f"It waits for its schedule ({campaign.schedule_start:%Y-%m-%d %H:%M %Z}), then wave 1 opens."
                if campaign.schedule_start and campaign.schedule_start > timezone.now()
                else "Wave 1 is pushed to the vendors right away.")
        return (f"{plan.eligible} devices are snapshotted into {len(plan.waves)} waves ({sizes}); {skipped} are "
                f"skipped. {when}{timing if plan.eligible else ''}"), []
    if action.name == "pause":
        return (f"No new device is pushed until someone resumes. The {progress['in_flight']} devices already at the "
                "vendors carry on and are still followed."), []
    if action.name == "resume":
        return (f"Pushing continues where it stopped. The {progress['failed']} failures so far count as acknowledged, "
                "so the failure threshold measures only new ones."), []
    if action.name == "cancel":
        return (f"The campaign ends for good. {progress['waiting']} waiting devices are cancelled; the "
                f"{progress['in_flight']} at the vendors are withdrawn where the vendor allows it (Huawei IoDM "
                "v1.5.0 cannot stop a task: those finish and are still followed)."), []
    if action.name == "retry":
        return (f"The {progress['failed']} failed devices are queued and pushed again, except those that have used "
                f"all {campaign.max_attempts} attempts. Devices in waves not yet open wait for their wave."), []
    if action.name == "approve":
        waiting = next((w for w in progress["waves"] if w["state"] == WaveState.AWAITING_APPROVAL), None)
        following = next((w for w in progress["waves"] if waiting and w["number"] == waiting["number"] + 1), None)
        if waiting and following:
            return (f"Wave {waiting['number']} is marked passed and wave {following['number']} "
                    f"({following['planned']} devices) opens and is pushed now."), []
        return "The wave waiting for approval is marked passed.", []
    return "", []


@role_required(Role.OPERATOR)
@require_http_methods(["GET", "POST"])
def campaign_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """GET: the confirmation (a dialog fragment for HTMX, a page otherwise). POST: run the action."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404(f"No action {action!r}.")
    campaign = get_object_or_404(Campaign, pk=pk)
    if request.method == "POST":
        form = ActionForm(request.POST)
        reason = form.cleaned_data["reason"].strip() if form.is_valid() else ""
        try:
            messages.success(request, spec.run(campaign, request.user, reason))
        except CampaignRuleViolation as exc:
            messages.error(request, "Not started: " + " ".join(p.message for p in exc.problems))
        except CampaignTransitionError as exc:
            messages.error(request, str(exc))
        return redirect("campaigns:detail", campaign.pk)
    progress = campaign_progress(campaign=campaign)
    consequence, problems = _consequence(spec, campaign, progress)
    context = {"campaign": campaign, "action": spec, "consequence": consequence, "problems": problems,
               "form": ActionForm(), "in_dialog": htmx_target(request) == "confirm-dialog-body"}
    template = "campaigns/_confirm.html" if context["in_dialog"] else "campaigns/confirm.html"
    return render(request, template, context)


# --- detail ------------------------------------------------------------------------------------------------------


def _is_live(campaign: Campaign, progress: dict) -> bool:
    """Poll only while something can still change: running or scheduled, or devices still at the vendors."""
    if campaign.state in (CampaignState.RUNNING, CampaignState.SCHEDULED):
        return True
    return campaign.state in (CampaignState.PAUSED, CampaignState.CANCELLED) and progress["in_flight"] > 0


def _gate_text(campaign: Campaign, wave: dict, previous: dict | None) -> str:
    state = wave["state"]
    if state == WaveState.PENDING:
        if previous is None:
            return "Opens at start."
        if previous["state"] == WaveState.AWAITING_APPROVAL:
            return f"Opens when an operator approves: wave {previous['number']} passed its gate."
        approval = "" if campaign.auto_advance else " and an operator approves"
        return f"Opens when wave {previous['number']} passes its gate{approval}."
    if state == WaveState.OPEN:
        soak = f", after {campaign.soak_minutes} min soak" if campaign.soak_minutes else ""
        return (f"Gate: passes at ≥ {campaign.gate_success_percent} % succeeded{soak} (now "
                f"{100 * wave['success_share']:.1f} %); halts above {campaign.gate_max_failure_percent} % failed "
                f"(now {100 * wave['failure_share']:.1f} %).")
    if state == WaveState.AWAITING_APPROVAL:
        return f"Passed its gate ({100 * wave['success_share']:.1f} % succeeded); the next wave waits for approval."
    if state == WaveState.PASSED:
        when = f" at {timezone.localtime(wave['passed_at']):%H:%M}" if wave.get("passed_at") else ""
        return f"Passed{when} with {100 * wave['success_share']:.1f} % succeeded."
    return f"Halted: {100 * wave['failure_share']:.1f} % failed, above its {campaign.gate_max_failure_percent} % gate."


def _chart(campaign: Campaign, progress: dict, live: bool) -> dict:
    """Succeeded / failed / in flight over time, from the snapshots (thinned to a readable number of points)."""
    points = list(
        ProgressSnapshot.objects.filter(campaign=campaign).order_by("-at")
        .values_list("at", "succeeded", "failed", "in_flight")[:CHART_SOURCE_POINTS]
    )
    points.reverse()
    step = max(1, math.ceil(len(points) / CHART_POINTS))
    thinned = points[::step]
    if points and thinned[-1] is not points[-1]:
        thinned.append(points[-1])
    if live or not thinned:
        thinned.append((timezone.now(), progress["succeeded"], progress["failed"], progress["in_flight"]))
    long_span = len(thinned) > 1 and (thinned[-1][0] - thinned[0][0]).total_seconds() > 86_400
    fmt = "%m-%d %H:%M" if long_span else "%H:%M:%S"
    return {
        "labels": [timezone.localtime(at).strftime(fmt) for at, *_ in thinned],
        "succeeded": [p[1] for p in thinned],
        "failed": [p[2] for p in thinned],
        "in_flight": [p[3] for p in thinned],
    }


def _live_context(request: HttpRequest, campaign: Campaign) -> dict:
    progress = campaign_progress(campaign=campaign)
    previous = None
    for wave in progress["waves"]:
        wave["bar"] = progress_bar(wave)
        wave["gate"] = _gate_text(campaign, wave, previous)
        previous = wave
        wave["state_label"] = WaveState(wave["state"]).label
    live = _is_live(campaign, progress)
    errors = top_errors(campaign=campaign) if progress["failed"] else []
    for error in errors:
        error["vendor_label"] = VendorKind(error["vendor"]).label if error["vendor"] in VendorKind.values else ""
    return {
        "campaign": campaign,
        "progress": progress,
        "bar": progress_bar(progress),
        "live": live,
        "poll_seconds": POLL_SECONDS,
        "top_errors": errors,
        "events": list(campaign.events.order_by("-created_at", "-id")[:EVENTS_SHOWN]),
        "chart": _chart(campaign, progress, live),
        "actions": _available_actions(campaign, progress, request.user),
        "can_edit": campaign.state == CampaignState.DRAFT and user_has_role(request.user, Role.OPERATOR),
    }


def _device_rows(campaign: Campaign, filters: DeviceTableFilterForm) -> dict:
    """One page of the device table, keyset-paged on the assignment id: no OFFSET and no COUNT at any size."""
    after = (filters.cleaned_data.get("after") if filters.is_valid() else None) or 0
    rows = list(
        filters.apply(Assignment.objects.filter(campaign=campaign, id__gt=after))
        .select_related("device", "account", "wave", "error_entry").order_by("id")[: DEVICE_PAGE_SIZE + 1]
    )
    more = len(rows) > DEVICE_PAGE_SIZE
    rows = rows[:DEVICE_PAGE_SIZE]
    query = urlencode(filters.active)
    return {
        "rows": rows,
        "filters": filters,
        "filter_query": query,
        "next_query": urlencode({**filters.active, "after": rows[-1].pk}) if more else "",
        "first_query": query,
        "show_first": bool(after),
        "page_size": DEVICE_PAGE_SIZE,
    }


@role_required(Role.VIEWER)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign.objects.select_related("fleet", "created_by"), pk=pk)
    target = htmx_target(request)
    waves = campaign.waves.count() if target != "campaign-live" else 0
    filters = DeviceTableFilterForm(request.GET, waves=waves)
    if target == "device-table":
        context = {"campaign": campaign, **_device_rows(campaign, filters)}
        return render(request, "campaigns/_device_table.html", context)
    context = _live_context(request, campaign)
    if target == "campaign-live":
        return render(request, "campaigns/_live.html", context)
    context.update(_device_rows(campaign, filters))
    context["firmware_map"] = list(campaign.firmware_map.select_related("account", "firmware"))
    if campaign.state == CampaignState.DRAFT:
        context["plan"] = campaign_plan(campaign=campaign)
    return render(request, "campaigns/detail.html", context)


@role_required(Role.VIEWER)
def campaign_devices_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The device table as CSV with the same filters, streamed so any campaign size fits in memory."""
    campaign = get_object_or_404(Campaign, pk=pk)
    filters = DeviceTableFilterForm(request.GET, waves=campaign.waves.count())
    assignments = filters.apply(Assignment.objects.filter(campaign=campaign))
    response = StreamingHttpResponse(assignments_csv(assignments=assignments), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-devices.csv"'
    return response


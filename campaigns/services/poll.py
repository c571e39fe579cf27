"""Polling the vendors for what was pushed, withdrawing on cancel, and the periodic engine tick."""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from campaigns.choices import DEVICE_IN_FLIGHT_STATES, CampaignState, DeviceState, EventKind
from campaigns.models import Assignment, Campaign, ProgressCounter
from campaigns.services.events import campaign_event_record
from campaigns.services.gates import campaign_evaluate
from campaigns.services.ingest import assignments_ingest
from campaigns.services.lifecycle import campaign_begin
from campaigns.services.progress import campaign_snapshot
from campaigns.services.schedule import campaign_may_push
from campaigns.services.transitions import assignments_transition
from vendors.connector import connector_for
from vendors.errors import NotSupported, VendorError
from vendors.models import VendorAccount
from vendors.services import account_health_record

logger = logging.getLogger("campaigns.poll")
POLLED_STATES = (DeviceState.ASSIGNED, DeviceState.DOWNLOADING, DeviceState.INSTALLING)


def account_poll(*, account_id: int) -> int:
    """Read the status of everything in flight on one account, ingest it, and run the touched campaigns' gates.
    Returns how many assignments changed."""
    account = VendorAccount.objects.get(pk=account_id)
    targets = (
        Assignment.objects.filter(account=account, state__in=POLLED_STATES).exclude(vendor_ref="")
        .order_by().values_list("campaign_id", "vendor_ref").distinct()
    )
    changed, campaigns = 0, set()
    with connector_for(account) as connector:
        for campaign_id, vendor_ref in targets:
            try:
                result = assignments_ingest(
                    campaign_id=campaign_id, account_id=account.pk, vendor_kind=account.kind, vendor_ref=vendor_ref,
                    statuses=connector.statuses(vendor_ref=vendor_ref),
                )
            except VendorError as error:
                account_health_record(account=account, error=error)
                logger.warning("polling %s on %s failed: %r", vendor_ref, account.name, error)
                continue
            account_health_record(account=account, error=None)
            changed += result.changed
            campaigns.add(campaign_id)
            if result.unmapped:
                logger.warning("unmapped %s status words on %s: %s", account.kind, vendor_ref, result.unmapped)
    for campaign_id in campaigns:
        campaign_evaluate(campaign_id=campaign_id)
    return changed


def campaign_withdraw(*, campaign_id: int) -> dict:
    """After a cancel: withdraw at each vendor what it allows; record what it could not withdraw and why."""
    campaign = Campaign.objects.get(pk=campaign_id)
    rows = Assignment.objects.filter(campaign=campaign, state__in=DEVICE_IN_FLIGHT_STATES).exclude(vendor_ref="")
    summary = {"withdrawn": 0, "not_withdrawn": 0, "not_supported": []}
    for account_id, vendor_ref in rows.order_by().values_list("account_id", "vendor_ref").distinct():
        account = VendorAccount.objects.get(pk=account_id)
        device_ids = list(rows.filter(account_id=account_id, vendor_ref=vendor_ref)
                          .values_list("device__external_id", flat=True))
        try:
            with connector_for(account) as connector:
                result = connector.cancel(vendor_ref=vendor_ref, device_ids=device_ids)
        except NotSupported as exc:
            summary["not_supported"].append(account.name)
            summary["not_withdrawn"] += len(device_ids)
            campaign_event_record(
                campaign=campaign, kind=EventKind.NOTE, actor_label="engine: cancel",
                message=f"{len(device_ids)} devices on {account.name} could not be withdrawn: {exc} They finish at "
                "the vendor and are still polled.", data={"account": account.name, "devices": len(device_ids)},
            )
            continue
        except VendorError as error:
            summary["not_withdrawn"] += len(device_ids)
            campaign_event_record(
                campaign=campaign, kind=EventKind.NOTE, actor_label="engine: cancel",
                message=f"Withdrawing {len(device_ids)} devices on {account.name} failed: {error.code} — "
                f"{error.explanation}", data={"account": account.name, "code": error.code},
            )
            continue
        if result.withdrawn:
            with transaction.atomic():
                marks = ",".join(["%s"] * len(result.withdrawn))
                summary["withdrawn"] += assignments_transition(
                    campaign_id=campaign.pk, from_states=POLLED_STATES, to_state=DeviceState.CANCELLED,
                    where=f"vendor_ref = %s AND device_id IN (SELECT id FROM devices_device WHERE account_id = %s "
                    f"AND external_id IN ({marks}))", params=[vendor_ref, account.pk, *result.withdrawn],
                    set_sql="finished_at = %s", set_params=[timezone.now()],
                )
        if result.not_withdrawn:
            summary["not_withdrawn"] += len(result.not_withdrawn)
            reasons = sorted(set(result.not_withdrawn.values()))
            campaign_event_record(
                campaign=campaign, kind=EventKind.NOTE, actor_label="engine: cancel",
                message=f"{len(result.not_withdrawn)} devices on {account.name} could not be withdrawn: "
                f"{'; '.join(reasons[:3])}", data={"account": account.name, "devices": list(result.not_withdrawn)[:50]},
            )
    return summary


# A tick enqueues a poll or a push only if the last one for the same account or campaign has finished (or its claim
# has expired, should its worker have died), so slow vendors do not make the queue grow tick after tick.
TASK_CLAIM_SECONDS = 30


def task_claim(name: str) -> bool:
    return cache.add(f"fota:task:{name}", 1, timeout=TASK_CLAIM_SECONDS)


def task_release(name: str) -> None:
    cache.delete(f"fota:task:{name}")


def engine_tick() -> dict:
    """The periodic heartbeat of the engine (Celery beat): start scheduled campaigns, push what is queued, poll
    what is in flight, recover stuck pushes, run gates and timeouts, and record progress points. Everything is
    found again from the database, so a lost task message loses nothing."""
    from campaigns.tasks import poll_account, push_campaign, sweep_pushes

    now = timezone.now()
    report = {"started": 0, "push": 0, "poll": 0}
    for campaign in Campaign.objects.filter(state=CampaignState.SCHEDULED, schedule_start__lte=now):
        with transaction.atomic():
            locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
            if locked.state == CampaignState.SCHEDULED:
                campaign_begin(campaign=locked)
                report["started"] += 1
    queued = ProgressCounter.objects.filter(state=DeviceState.QUEUED, count__gt=0,
                                            campaign__state=CampaignState.RUNNING).values_list("campaign_id", flat=True)
    for campaign in Campaign.objects.filter(pk__in=set(queued)):
        if campaign_may_push(campaign=campaign, now=now) and task_claim(f"push:{campaign.pk}"):
            push_campaign.delay(campaign.pk)
            report["push"] += 1
    accounts = (
        Assignment.objects.filter(state__in=POLLED_STATES).order_by().values_list("account_id", flat=True).distinct()
    )
    for account_id in accounts:
        if task_claim(f"poll:{account_id}"):
            poll_account.delay(account_id)
            report["poll"] += 1
    if Assignment.objects.filter(state=DeviceState.PUSHING).exists() and task_claim("sweep"):
        sweep_pushes.delay()
    for campaign in Campaign.objects.filter(state__in=[CampaignState.RUNNING, CampaignState.PAUSED]):
        if campaign.state == CampaignState.RUNNING:
            campaign_evaluate(campaign_id=campaign.pk)
        campaign_snapshot(campaign=campaign)
    return report

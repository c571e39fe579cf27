"""Pushing queued assignments to the vendors: claim a vendor-sized batch, record the intent, call the connector,
record what happened — and reconcile batches a dead worker left in ``pushing``.

Crash safety: the claim commits ``state=pushing`` and ``push_intent`` (the name the vendor object gets) before the
vendor call. A worker that dies mid-call leaves rows in ``pushing``; the sweeper asks the vendor (``find_push``)
whether that push happened and records it, or queues the rows again. So no device is lost, and none is pushed twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from campaigns.choices import CampaignState, DeviceState, EventKind
from campaigns.models import Assignment, Campaign
from campaigns.services.events import campaign_event_record
from campaigns.services.progress import counters_apply
from campaigns.services.schedule import campaign_may_push
from campaigns.services.transitions import TABLE, assignments_transition, wave_numbers
from devices.models import Firmware
from vendors.choices import ErrorCategory
from vendors.connector import Connector, FirmwareInfo, PushResult, connector_for
from vendors.errors import OutcomeUnknown, VendorError
from vendors.models import VendorAccount
from vendors.services import account_health_record

logger = logging.getLogger("campaigns.push")


@dataclass
class Claim:
    """A batch of assignments claimed for one push: the name it will carry at the vendor, and its rows."""

    intent: str
    firmware_id: int
    rows: list[tuple[int, int, str]]  # (assignment id, wave number, device external id)

    @property
    def external_ids(self) -> list[str]:
        return [external_id for _, _, external_id in self.rows]


def push_name(campaign_id: int) -> str:
    return f"fota-c{campaign_id}-{uuid.uuid4().hex[:16]}"


def assignments_claim(*, campaign_id: int, account_id: int, limit: int) -> Claim | None:
    """Claim up to ``limit`` queued assignments of one account and one firmware, marking them ``pushing`` with a
    fresh push intent. Concurrent workers never claim the same row (SKIP LOCKED on PostgreSQL, and the update is
    guarded by the old state everywhere)."""
    now = timezone.now()
    due = "(next_attempt_at IS NULL OR next_attempt_at <= %s)"
    with transaction.atomic():
        firmware_id = (
            Assignment.objects.filter(campaign_id=campaign_id, account_id=account_id, state=DeviceState.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .values_list("firmware_id", flat=True).first()
        )
        if firmware_id is None:
            return None
        intent = push_name(campaign_id)
        lock = " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET state = 'pushing', push_intent = %s, attempts = attempts + 1, "
                "state_changed_at = %s, updated_at = %s WHERE state = 'queued' AND id IN ("
                f"SELECT id FROM {TABLE} WHERE campaign_id = %s AND account_id = %s AND state = 'queued' "
                f"AND firmware_id = %s AND {due} ORDER BY id LIMIT %s{lock}) "
                # Checked in the same statement, so a pause committed a moment ago stops this claim too.
                "AND EXISTS (SELECT 1 FROM campaigns_campaign c WHERE c.id = %s AND c.state = 'running') "
                "RETURNING id, wave_id, device_id",
                [intent, now, now, campaign_id, account_id, firmware_id, now, limit, campaign_id],
            )
            claimed = cursor.fetchall()
            if not claimed:
                return None
            numbers = wave_numbers(campaign_id)
            deltas: Counter = Counter()
            for _, wave_id, _ in claimed:
                deltas[(numbers.get(wave_id, 0), DeviceState.QUEUED)] -= 1
                deltas[(numbers.get(wave_id, 0), DeviceState.PUSHING)] += 1
            counters_apply(campaign_id=campaign_id, deltas=deltas)
            cursor.execute(
                "SELECT id, external_id FROM devices_device WHERE id IN (%s)" % ",".join(["%s"] * len(claimed)),
                [device_id for _, _, device_id in claimed],
            )
            external = dict(cursor.fetchall())
    rows = [(aid, numbers.get(wave_id, 0), external[device_id]) for aid, wave_id, device_id in claimed]
    return Claim(intent=intent, firmware_id=firmware_id, rows=rows)


def _error_fields(error: VendorError) -> tuple[str, list]:
    entry = error.decoded.entry if error.decoded is not None else None
    return (
        "error_code = %s, error_http_status = %s, error_field = %s, error_message = %s, error_entry_id = %s, "
        "finished_at = %s",
        [error.code or "unknown", error.http_status, error.field, error.vendor_message or str(error),
         entry.pk if entry else None, timezone.now()],
    )


def assignments_fail(*, campaign_id: int, ids: list[int], error: VendorError, from_state: str) -> int:
    """Fail assignments with a decoded vendor error."""
    set_sql, set_params = _error_fields(error)
    return assignments_transition(
        campaign_id=campaign_id, from_states=[from_state], to_state=DeviceState.FAILED,
        where=f"id IN ({','.join(['%s'] * len(ids))})", params=ids, set_sql=set_sql, set_params=set_params,
    )


def _requeue(*, campaign_id: int, intent: str, delay: float) -> int:
    """Put a batch back in the queue after a transient failure, without counting the attempt against it."""
    return assignments_transition(
        campaign_id=campaign_id, from_states=[DeviceState.PUSHING], to_state=DeviceState.QUEUED,
        where="push_intent = %s", params=[intent],
        set_sql="push_intent = '', attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, next_attempt_at = %s",
        set_params=[timezone.now() + dt.timedelta(seconds=delay)],
    )


def push_results_record(*, campaign_id: int, intent: str, connector: Connector, results: list[PushResult]) -> int:
    """Start what needs starting and record each device's vendor reference; rejected devices fail, decoded."""
    recorded = 0
    for result in results:
        with transaction.atomic():
            # The vendor reference is written before start(), so a crash between the two is repaired by the sweeper
            # starting it again rather than creating it again.
            ids_of = dict(
                Assignment.objects.filter(campaign_id=campaign_id, push_intent=intent,
                                          device__external_id__in=result.device_ids + list(result.rejected))
                .values_list("device__external_id", "id")
            )
            accepted = [ids_of[x] for x in result.device_ids if x in ids_of]
            if accepted:
                Assignment.objects.filter(id__in=accepted).update(vendor_ref=result.vendor_ref, updated_at=timezone.now())
            for external_id, sub_ref in result.sub_refs.items():
                if external_id in ids_of:
                    Assignment.objects.filter(id=ids_of[external_id]).update(vendor_sub_ref=sub_ref)
            for external_id, error in result.rejected.items():
                if external_id in ids_of:
                    assignments_fail(campaign_id=campaign_id, ids=[ids_of[external_id]], error=error,
                                     from_state=DeviceState.PUSHING)
        if not result.started:
            try:
                connector.start(vendor_ref=result.vendor_ref)
            except VendorError as error:
                # Izuma answers 409 and EnOS 24615 to a second start: the object is already running, as wanted.
                if error.category != ErrorCategory.CONFLICT:
                    raise
        with transaction.atomic():
            recorded += assignments_transition(
                campaign_id=campaign_id, from_states=[DeviceState.PUSHING], to_state=DeviceState.ASSIGNED,
                where="push_intent = %s AND vendor_ref = %s", params=[intent, result.vendor_ref],
                set_sql="pushed_at = %s, next_attempt_at = NULL", set_params=[timezone.now()],
            )
    return recorded


def _backoff(attempt: int) -> float:
    return min(300.0, 5.0 * 2 ** max(attempt - 1, 0)) * random.uniform(0.5, 1.0)


def push_batch(*, campaign: Campaign, account: VendorAccount, connector: Connector) -> int | None:
    """Claim and push one batch. Returns how many devices were handled, or ``None`` when nothing was queued."""
    claim = assignments_claim(campaign_id=campaign.pk, account_id=account.pk, limit=connector.batch_limit or 500)
    if claim is None:
        return None
    firmware = Firmware.objects.get(pk=claim.firmware_id)
    info = FirmwareInfo(vendor_ref=firmware.vendor_ref, version=firmware.version, models=tuple(firmware.models_fitted))
    options = (campaign.vendor_options or {}).get(account.kind, {})
    try:
        try:
            results = connector.push(name=claim.intent, firmware=info, device_ids=claim.external_ids, options=options)
        except OutcomeUnknown:
            # The vendor may have acted without answering: ask it before pushing again.
            results = connector.find_push(name=claim.intent, device_ids=claim.external_ids)
            if not results:
                raise
        recorded = push_results_record(campaign_id=campaign.pk, intent=claim.intent, connector=connector,
                                       results=results)
    except ValueError as exc:
        # A connector refuses options it cannot send (preflight should have caught them): a permanent error.
        error = VendorError(f"The campaign's {account.kind} options cannot be sent: {exc}", vendor_kind=account.kind,
                            code="invalid_options", vendor_message=str(exc), transient=False,
                            category=ErrorCategory.VALIDATION)
        return _fail_batch(campaign=campaign, account=account, intent=claim.intent, error=error)
    except VendorError as error:
        account_health_record(account=account, error=error)
        if error.transient:
            with transaction.atomic():
                _requeue(campaign_id=campaign.pk, intent=claim.intent,
                         delay=error.retry_after or _backoff(1 if error.throttled else 2))
            logger.warning("push of %s to %s put back: %r", claim.intent, account.name, error)
            return 0
        return _fail_batch(campaign=campaign, account=account, intent=claim.intent, error=error)
    except Exception:
        # A bug, not a vendor answer: hand the batch back (after a pause) so no device is stranded, and let it show.
        with transaction.atomic():
            _requeue(campaign_id=campaign.pk, intent=claim.intent, delay=60)
        raise
    account_health_record(account=account, error=None)
    return recorded


def _fail_batch(*, campaign: Campaign, account: VendorAccount, intent: str, error: VendorError) -> int:
    with transaction.atomic():
        ids = list(Assignment.objects.filter(push_intent=intent, state=DeviceState.PUSHING).values_list("id", flat=True))
        failed = assignments_fail(campaign_id=campaign.pk, ids=ids, error=error, from_state=DeviceState.PUSHING)
        campaign_event_record(
            campaign=campaign, kind=EventKind.PUSH_FAILED,
            message=f"{account.name} refused a batch of {failed} devices: {error.code} — {error.explanation}",
            data={"account": account.name, "code": error.code, "http_status": error.http_status,
                  "devices": failed, "action": error.action},
        )
    return failed


def campaign_push(*, campaign_id: int, max_batches: int = 50) -> int:
    """Push queued devices of a running campaign, account by account, batch by batch, until none is queued or the
    campaign stops running. Returns the number of devices handled (the task re-runs itself if more remain)."""
    handled = 0
    accounts = VendorAccount.objects.filter(
        pk__in=Assignment.objects.filter(campaign_id=campaign_id, state=DeviceState.QUEUED).values("account_id"),
        enabled=True,
    )
    for account in accounts:
        with connector_for(account) as connector:
            for _ in range(max_batches):
                # Re-read every batch: a pause takes effect before the next batch, not after the queue drains.
                campaign = Campaign.objects.get(pk=campaign_id)
                if campaign.state != CampaignState.RUNNING or not campaign_may_push(campaign=campaign):
                    return handled
                done = push_batch(campaign=campaign, account=account, connector=connector)
                if done is None:
                    break
                handled += done
    return handled


def pushes_reconcile(*, older_than: dt.timedelta | None = None) -> int:
    """The sweeper's half of crash safety: settle batches left in ``pushing`` longer than the push lease."""
    lease = older_than or dt.timedelta(seconds=settings.FOTA_PUSH_LEASE_SECONDS)
    stale = (
        Assignment.objects.filter(state=DeviceState.PUSHING, state_changed_at__lt=timezone.now() - lease)
        .order_by().values_list("campaign_id", "account_id", "push_intent").distinct()
    )
    settled = 0
    for campaign_id, account_id, intent in stale:
        account = VendorAccount.objects.get(pk=account_id)
        rows = Assignment.objects.filter(push_intent=intent, state=DeviceState.PUSHING)
        refs = set(rows.exclude(vendor_ref="").values_list("vendor_ref", flat=True))
        external_ids = list(rows.values_list("device__external_id", flat=True))
        try:
            with connector_for(account) as connector:
                results = connector.find_push(name=intent, device_ids=external_ids)
                if refs and not results:
                    results = [PushResult(vendor_ref=ref, device_ids=list(rows.filter(vendor_ref=ref).values_list(
                        "device__external_id", flat=True)), started=False) for ref in refs]
                if results:
                    settled += push_results_record(campaign_id=campaign_id, intent=intent, connector=connector,
                                                   results=results)
            with transaction.atomic():
                settled += _requeue(campaign_id=campaign_id, intent=intent, delay=0)
        except VendorError as error:
            logger.warning("could not reconcile push %s on %s yet: %r", intent, account.name, error)
            continue
        if settled:
            campaign_event_record(
                campaign=Campaign.objects.get(pk=campaign_id), kind=EventKind.RECOVERED,
                message=f"Recovered push {intent} on {account.name} left unfinished by a stopped worker.",
                data={"intent": intent, "found_at_vendor": bool(results)},
            )
    return settled

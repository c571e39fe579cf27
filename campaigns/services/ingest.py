"""Writing vendor statuses back: map them, keep only what changed, write it in bulk, keep the counters exact."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from campaigns.choices import DEVICE_FINAL_STATES, DeviceState
from campaigns.models import Assignment
from campaigns.services.progress import counters_apply
from campaigns.services.transitions import TABLE, wave_numbers
from vendors.connector import DeviceStatus
from vendors.services import error_decode

CHUNK = 5000
# Up to this many statuses, ingest reads only their rows; beyond it, one scan of the vendor object is cheaper.
SELECTIVE_READ_MAX = 50_000


@dataclass
class Change:
    """One assignment whose vendor status moved: the row, its old state, and what to write."""

    id: int
    wave_number: int
    old_state: str
    state: str
    vendor_status: str
    unmapped: bool
    sub_ref: str = ""
    error_code: str = ""
    error_http_status: int | None = None
    error_field: str = ""
    error_message: str = ""
    error_entry_id: int | None = None


@dataclass
class IngestResult:
    seen: int = 0
    changed: int = 0
    unmapped: dict[str, int] = field(default_factory=dict)
    unknown_devices: int = 0


def _write_postgresql(changes: list[Change], now) -> Counter:
    """One UPDATE … FROM (VALUES …) per chunk, guarded by the old state, RETURNING what really changed."""
    deltas: Counter = Counter()
    columns = "(id, old_state, state, vendor_status, unmapped, sub_ref, error_code, error_http_status, error_field, " \
              "error_message, error_entry_id, wave_number)"
    with connection.cursor() as cursor:
        for start in range(0, len(changes), CHUNK):
            chunk = changes[start : start + CHUNK]
            values = ",".join(["(%s::bigint, %s, %s, %s, %s::boolean, %s, %s, %s::smallint, %s, %s, %s::bigint, "
                               "%s::int)"] * len(chunk))
            params = [
                v for c in chunk for v in (
                    c.id, c.old_state, c.state, c.vendor_status, c.unmapped, c.sub_ref, c.error_code,
                    c.error_http_status, c.error_field, c.error_message, c.error_entry_id, c.wave_number,
                )
            ]
            cursor.execute(
                f"UPDATE {TABLE} a SET state = v.state, vendor_status = v.vendor_status, "
                "vendor_status_unmapped = v.unmapped, "
                "vendor_sub_ref = CASE WHEN v.sub_ref = '' THEN a.vendor_sub_ref ELSE v.sub_ref END, "
                "error_code = v.error_code, error_http_status = v.error_http_status, error_field = v.error_field, "
                "error_message = v.error_message, error_entry_id = v.error_entry_id, "
                "state_changed_at = CASE WHEN v.state = v.old_state THEN a.state_changed_at ELSE %s END, "
                f"finished_at = CASE WHEN v.state IN ({','.join(['%s'] * len(DEVICE_FINAL_STATES))}) THEN %s "
                "ELSE NULL END, updated_at = %s "
                f"FROM (VALUES {values}) AS v{columns} WHERE a.id = v.id AND a.state = v.old_state "
                "RETURNING v.wave_number, v.old_state, v.state",
                [now, *DEVICE_FINAL_STATES, now, now, *params],
            )
            for wave_number, old, new in cursor.fetchall():
                if old != new:
                    deltas[(wave_number, old)] -= 1
                    deltas[(wave_number, new)] += 1
    return deltas


def _write_portable(changes: list[Change], now) -> Counter:
    """Row by row for the embedded SQLite default (demo-sized fleets), still guarded by the old state."""
    deltas: Counter = Counter()
    for c in changes:
        updated = Assignment.objects.filter(id=c.id, state=c.old_state).update(
            state=c.state, vendor_status=c.vendor_status, vendor_status_unmapped=c.unmapped,
            **({"vendor_sub_ref": c.sub_ref} if c.sub_ref else {}),
            error_code=c.error_code, error_http_status=c.error_http_status, error_field=c.error_field,
            error_message=c.error_message, error_entry_id=c.error_entry_id,
            finished_at=now if c.state in DEVICE_FINAL_STATES else None, updated_at=now,
            **({"state_changed_at": now} if c.state != c.old_state else {}),
        )
        if updated and c.old_state != c.state:
            deltas[(c.wave_number, c.old_state)] -= 1
            deltas[(c.wave_number, c.state)] += 1
    return deltas


def changes_write(*, campaign_id: int, changes: list[Change]) -> int:
    """Write changes in bulk and move the counters by what actually changed, in one transaction."""
    if not changes:
        return 0
    now = timezone.now()
    with transaction.atomic():
        write = _write_postgresql if connection.vendor == "postgresql" else _write_portable
        deltas = write(changes, now)
        counters_apply(campaign_id=campaign_id, deltas=deltas)
    return len(changes)


def assignments_ingest(
    *, campaign_id: int, account_id: int, vendor_kind: str, vendor_ref: str, statuses: Iterable[DeviceStatus]
) -> IngestResult:
    """Ingest the statuses a connector read for one vendor rollout object.

    Final states are never left (a late "downloading" cannot undo "succeeded"); an unmapped vendor word is kept raw
    and flagged without touching the common state; failures are decoded through the error catalog once per code.
    """
    statuses = list(statuses)
    rows = Assignment.objects.filter(campaign_id=campaign_id, account_id=account_id, vendor_ref=vendor_ref)
    columns = ("id", "device__external_id", "state", "vendor_status", "wave_id", "error_code")
    if len(statuses) <= SELECTIVE_READ_MAX:
        # A poll that returns a few devices of a huge vendor object reads just those rows, by the device index.
        ids = [s.external_id for s in statuses]
        found: list = []
        for start in range(0, len(ids), CHUNK):
            found += rows.filter(device__account_id=account_id,  # so the (account, external id) index is used
                                 device__external_id__in=ids[start : start + CHUNK]).values_list(*columns)
    else:
        found = rows.values_list(*columns)
    current = {external_id: (pk, state, vendor_status, wave_id, error_code)
               for pk, external_id, state, vendor_status, wave_id, error_code in found}
    numbers = wave_numbers(campaign_id)
    decoded_cache: dict[tuple, object] = {}
    result = IngestResult()
    changes: list[Change] = []
    for status in statuses:
        result.seen += 1
        row = current.get(status.external_id)
        if row is None:
            result.unknown_devices += 1
            continue
        pk, state, vendor_status, wave_id, error_code = row
        if state in DEVICE_FINAL_STATES or state == DeviceState.PUSHING:
            continue
        unmapped = status.state is None
        if unmapped:
            result.unmapped[status.vendor_status] = result.unmapped.get(status.vendor_status, 0) + 1
        new_state = state if unmapped else status.state
        if new_state == state and status.vendor_status == vendor_status:
            continue
        change = Change(id=pk, wave_number=numbers.get(wave_id, 0), old_state=state, state=new_state,
                        vendor_status=status.vendor_status[:100], unmapped=unmapped, sub_ref=status.sub_ref)
        if new_state == DeviceState.FAILED:
            error = status.error
            code = (error.code if error else "") or status.vendor_status
            key = (code, error.http_status if error else None, error.field if error else "")
            if key not in decoded_cache:
                decoded_cache[key] = error.decoded if error and error.decoded else error_decode(
                    vendor_kind=vendor_kind, code=code, http_status=key[1], field=key[2])
            decoded = decoded_cache[key]
            change.error_code = code[:40]
            change.error_http_status = key[1]
            change.error_field = key[2]
            change.error_message = (error.vendor_message if error else "") or status.detail or status.vendor_status
            change.error_entry_id = decoded.entry.pk if decoded.entry else None
        changes.append(change)
    result.changed = changes_write(campaign_id=campaign_id, changes=changes)
    return result

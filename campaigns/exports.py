"""CSV export of a campaign's assignments (the device table), streamed row by row for any fleet size."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db.models import QuerySet

COLUMNS = (
    "assignment_id", "device_id", "external_id", "device_name", "model", "account", "vendor_kind", "wave",
    "target_version", "state", "vendor_status", "vendor_ref", "attempts", "skip_reason", "error_code", "error_field",
    "error_message", "error_explanation", "error_action", "pushed_at", "finished_at", "updated_at",
)
# A spreadsheet runs a cell starting with one of these as a formula; vendor messages are not to be trusted.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else (value.isoformat() if hasattr(value, "isoformat") else str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def assignments_csv(*, assignments: QuerySet) -> Iterator[str]:
    """The CSV text of ``assignments``, one line at a time, header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        writer.writerow([_cell(v) for v in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(COLUMNS)
    rows = assignments.select_related("device", "account", "wave", "firmware", "error_entry").order_by("id")
    for a in rows.iterator(chunk_size=2000):
        entry = a.error_entry
        yield line((
            a.pk, a.device_id, a.device.external_id, a.device.name, a.device.model, a.account.name, a.account.kind,
            a.wave.number if a.wave else "", a.firmware.version if a.firmware else "", a.state, a.vendor_status,
            a.vendor_ref, a.attempts, a.skip_reason, a.error_code, a.error_field, a.error_message,
            entry.explanation if entry else "", entry.action if entry else "", a.pushed_at, a.finished_at,
            a.updated_at,
        ))

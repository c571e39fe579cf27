"""CSV import of devices: check the file, validate each row with its line number and reason, import the valid rows.

Columns (header row required, any order): ``account`` (vendor account name or id), ``external_id``, ``model``, and
optionally ``firmware_version``, ``name`` and ``labels`` (label names separated by ``;``). A device already known
for the account is updated (empty optional cells keep what is stored; labels are added). Files up to
``DEVICE_IMPORT_SYNC_MAX_ROWS`` rows are imported while the request waits; larger ones by a Celery task, with the
progress on the ``DeviceImport`` row.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from devices.labels import labels_ensure
from devices.models import Device, DeviceImport
from vendors.models import VendorAccount

REQUIRED_COLUMNS = ("account", "external_id", "model")
OPTIONAL_COLUMNS = ("firmware_version", "name", "labels")
MAX_LENGTHS = {"external_id": 100, "model": 100, "firmware_version": 100, "name": 200}
LABEL = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
# Errors kept on the import row: enough to fix a file, bounded so a million bad rows cannot bloat one row.
MAX_ERRORS_KEPT = 1000
CHUNK_ROWS = 500


class ImportRejected(ValueError):
    """The file as a whole cannot be imported (not UTF-8 text, no header, a required column missing)."""


@dataclass
class _Row:
    line: int
    account: VendorAccount
    external_id: str
    model: str
    firmware_version: str
    name: str
    labels: list[str]


def _text(content: str | bytes) -> str:
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportRejected("The file is not UTF-8 text; save the CSV as UTF-8 and upload it again.") from None
    content = content.lstrip("\ufeff")
    if "\x00" in content:
        raise ImportRejected("The file holds NUL characters; it is not a CSV text file.")
    return content


def _reader(text: str) -> tuple[csv.reader, list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        raise ImportRejected("The file is empty; the first line must name the columns.") from None
    except csv.Error as exc:
        raise ImportRejected(f"Line 1 is not valid CSV: {exc}.") from None
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise ImportRejected(
            f"The header (line 1) lacks the column(s) {', '.join(missing)}; it must name {', '.join(REQUIRED_COLUMNS)} "
            f"and may name {', '.join(OPTIONAL_COLUMNS)}."
        )
    unknown = [column for column in header if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        raise ImportRejected(f"Unknown column(s) in the header: {', '.join(unknown)}.")
    duplicated = sorted({column for column in header if header.count(column) > 1})
    if duplicated:
        raise ImportRejected(f"The header names {', '.join(duplicated)} more than once.")
    return reader, header


def devices_csv_check(*, content: str | bytes) -> tuple[str, int]:
    """The file as text and its number of data rows; raises ``ImportRejected`` for a file that cannot be imported."""
    text = _text(content)
    reader, _ = _reader(text)
    try:
        rows = sum(1 for row in reader if any(cell.strip() for cell in row))
    except csv.Error as exc:
        raise ImportRejected(f"Line {reader.line_num} is not valid CSV: {exc}.") from None
    if rows == 0:
        raise ImportRejected("The file has a header but no rows.")
    return text, rows


def device_import_create(*, content: str | bytes, filename: str = "", user: AbstractBaseUser | None) -> DeviceImport:
    """Check a CSV file and import it: now when it is small, else queued for a worker (the row shows progress)."""
    from devices.tasks import import_devices

    text, rows = devices_csv_check(content=content)
    device_import = DeviceImport.objects.create(
        created_by=user, filename=filename[:200], content=text, total_rows=rows
    )
    if rows <= settings.DEVICE_IMPORT_SYNC_MAX_ROWS:
        return device_import_run(import_id=device_import.pk)
    transaction.on_commit(lambda: import_devices.delay(device_import.pk))
    return device_import


def _accounts() -> dict[str, VendorAccount]:
    by_key: dict[str, VendorAccount] = {}
    for account in VendorAccount.objects.all():
        by_key[account.name] = account
        by_key[str(account.pk)] = account
    return by_key


def _validate(line: int, cells: dict[str, str], accounts: dict, seen: dict) -> tuple[_Row | None, list[dict]]:
    errors = []

    def error(field: str, message: str) -> None:
        errors.append({"line": line, "field": field, "message": message})

    account = accounts.get(cells.get("account", ""))
    if not cells.get("account"):
        error("account", "Required: a vendor account name or id.")
    elif account is None:
        error("account", f"No vendor account is named (or has the id) {cells['account']!r}.")
    for column in ("external_id", "model"):
        if not cells.get(column):
            error(column, "Required.")
    for column, limit in MAX_LENGTHS.items():
        if len(cells.get(column, "")) > limit:
            error(column, f"At most {limit} characters.")
    labels = [label.strip() for label in cells.get("labels", "").split(";") if label.strip()]
    bad = [label for label in labels if not LABEL.match(label)]
    if bad:
        error("labels", f"Label names are letters, digits, '-' and '_' (at most 50): {', '.join(bad)}.")
    if account is not None and cells.get("external_id"):
        key = (account.pk, cells["external_id"])
        if key in seen:
            error("external_id", f"The same device is already on line {seen[key]}.")
        else:
            seen[key] = line
    if errors:
        return None, errors
    return _Row(line=line, account=account, external_id=cells["external_id"], model=cells["model"],
                firmware_version=cells.get("firmware_version", ""), name=cells.get("name", ""), labels=labels), []


def _save(rows: list[_Row]) -> tuple[int, int]:
    """Create or update one chunk of valid rows; returns (created, updated)."""
    now = timezone.now()
    existing = {}
    for account_id in {row.account.pk for row in rows}:
        ids = [row.external_id for row in rows if row.account.pk == account_id]
        for device in Device.objects.filter(account_id=account_id, external_id__in=ids):
            existing[(account_id, device.external_id)] = device
    new, changed = [], []
    for row in rows:
        device = existing.get((row.account.pk, row.external_id))
        if device is None:
            new.append(Device(account=row.account, external_id=row.external_id, model=row.model,
                              firmware_version=row.firmware_version, name=row.name, created_at=now, updated_at=now))
            continue
        device.model = row.model
        device.firmware_version = row.firmware_version or device.firmware_version
        device.name = row.name or device.name
        device.updated_at = now
        changed.append(device)
    with transaction.atomic():
        # A concurrent sync may have created a device since the read above; its row wins, this one is skipped.
        created = Device.objects.bulk_create(new, ignore_conflicts=True)
        Device.objects.bulk_update(changed, ["model", "firmware_version", "name", "updated_at"])
        labelled = [row for row in rows if row.labels]
        if labelled:
            labels = {label.name: label for label in labels_ensure(names=[n for row in labelled for n in row.labels])}
            devices = {
                (d.account_id, d.external_id): d.pk
                for d in Device.objects.filter(external_id__in=[row.external_id for row in labelled])
            }
            through = Device.labels.through
            links = [
                through(device_id=devices[(row.account.pk, row.external_id)], label_id=labels[name].pk)
                for row in labelled
                for name in row.labels
                if (row.account.pk, row.external_id) in devices
            ]
            through.objects.bulk_create(links, ignore_conflicts=True)
    return len(created), len(changed)


def device_import_run(*, import_id: int) -> DeviceImport:
    """Import a queued file. Claims the import first, so running it twice (a redelivered task) imports it once."""
    claimed = DeviceImport.objects.filter(pk=import_id, state=DeviceImport.State.QUEUED).update(
        state=DeviceImport.State.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
    )
    device_import = DeviceImport.objects.get(pk=import_id)
    if not claimed:
        return device_import
    try:
        _run(device_import)
    except ImportRejected as exc:
        device_import.state, device_import.message = DeviceImport.State.FAILED, str(exc)
    device_import.content = ""
    device_import.finished_at = timezone.now()
    if device_import.state == DeviceImport.State.RUNNING:
        device_import.state = DeviceImport.State.DONE
    device_import.save()
    return device_import


def _run(device_import: DeviceImport) -> None:
    reader, header = _reader(_text(device_import.content))
    accounts, seen = _accounts(), {}
    chunk: list[_Row] = []
    processed = 0

    def flush() -> None:
        created, updated = _save(chunk) if chunk else (0, 0)
        chunk.clear()
        device_import.created_count += created
        device_import.updated_count += updated
        device_import.processed_rows = processed
        DeviceImport.objects.filter(pk=device_import.pk).update(
            processed_rows=processed, created_count=device_import.created_count,
            updated_count=device_import.updated_count, error_count=device_import.error_count,
            errors=device_import.errors, updated_at=timezone.now(),
        )

    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            processed += 1
            line = reader.line_num
            if len(cells) > len(header):
                row, errors = None, [{"line": line, "field": "", "message":
                                      f"{len(cells)} values for {len(header)} columns."}]
            else:
                row, errors = _validate(line, {c: v.strip() for c, v in zip(header, cells, strict=False)},
                                        accounts, seen)
            if errors:
                device_import.error_count += 1
                room = MAX_ERRORS_KEPT - len(device_import.errors)
                device_import.errors += errors[:max(room, 0)]
            else:
                chunk.append(row)
            if processed % CHUNK_ROWS == 0:
                flush()
    except csv.Error as exc:
        raise ImportRejected(f"Line {reader.line_num} is not valid CSV: {exc}; the rows before it were imported.") \
            from None
    finally:
        flush()

"""The vendor error catalog's data: one JSON file per vendor kind, loaded into ``ErrorCatalogEntry``."""

from __future__ import annotations

import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent
ENTRY_FIELDS = (
    "code",
    "http_status",
    "symbol",
    "field",
    "operation",
    "vendor_message",
    "explanation",
    "action",
    "category",
    "transient",
    "source",
)


def catalog_entries() -> list[dict]:
    """Every catalog entry in the data files, each with its ``vendor_kind``."""
    entries = []
    for path in sorted(DATA_DIR.glob("*.json")):
        for raw in json.loads(path.read_text(encoding="utf-8")):
            entries.append({"vendor_kind": path.stem, "key": raw["key"], **{f: raw[f] for f in ENTRY_FIELDS}})
    return entries


def catalog_sync(entry_model) -> int:
    """Insert or update every entry from the data files; takes the model so data migrations can pass theirs."""
    entries = catalog_entries()
    existing = {(e.vendor_kind, e.key): e for e in entry_model.objects.all()}
    to_create, to_update = [], []
    for data in entries:
        current = existing.get((data["vendor_kind"], data["key"]))
        if current is None:
            to_create.append(entry_model(**data))
            continue
        if any(getattr(current, f) != data[f] for f in ENTRY_FIELDS):
            for f in ENTRY_FIELDS:
                setattr(current, f, data[f])
            to_update.append(current)
    entry_model.objects.bulk_create(to_create)
    entry_model.objects.bulk_update(to_update, ENTRY_FIELDS)
    return len(to_create) + len(to_update)

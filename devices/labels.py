"""Device label services: set a device's labels by name (labels that do not exist yet are created)."""

from __future__ import annotations

from django.db import transaction

from devices.models import Device, Label

LABEL_NAME_MAX = Label._meta.get_field("name").max_length


def labels_ensure(*, names: list[str]) -> list[Label]:
    """The labels with these names, creating the missing ones."""
    wanted = sorted(set(names))
    existing = {label.name: label for label in Label.objects.filter(name__in=wanted)}
    missing = [Label(name=name) for name in wanted if name not in existing]
    Label.objects.bulk_create(missing, ignore_conflicts=True)
    return list(Label.objects.filter(name__in=wanted))


def device_labels_set(*, device: Device, names: list[str]) -> Device:
    """Give a device exactly these labels (e.g. ``canary`` to put it in every campaign's first wave)."""
    with transaction.atomic():
        device.labels.set(labels_ensure(names=names))
        device.save(update_fields=["updated_at"])
    return device

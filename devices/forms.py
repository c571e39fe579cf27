"""Dashboard forms for devices and fleets: the device search, the fleet form with its saved filter, static member
changes and the CSV import upload."""

from __future__ import annotations

import re
from typing import ClassVar

from django import forms

from devices.filtersets import DeviceFilterSet
from devices.models import Fleet, Label
from devices.selectors import fleet_device_ids
from vendors.choices import VendorKind
from vendors.models import VendorAccount


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n]+", text or "") if part.strip()]


class DeviceFilterForm(forms.Form):
    """Search and filters of the device list, applied through the API's ``DeviceFilterSet``."""

    FILTERSET_PARAMS: ClassVar[dict[str, str]] = {
        "vendor": "vendor_kind__eq", "account": "account__eq", "model": "model__eq",
        "firmware": "firmware_version__eq", "label": "label__eq",
    }
    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(attrs={"type": "search",
                        "placeholder": "Device id or name"}))
    vendor = forms.ChoiceField(required=False, choices=[("", "Any vendor"), *VendorKind.choices])
    account = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Vendor account")
    model = forms.CharField(required=False)
    firmware = forms.CharField(required=False, label="Firmware version")
    label = forms.CharField(required=False)
    fleet = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    after = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", "Any account")] + list(
            VendorAccount.objects.order_by("name").values_list("id", "name")
        )
        fleets = Fleet.objects.order_by("name").values_list("id", "name")
        self.fields["fleet"].choices = [("", "Any fleet"), *fleets]

    @property
    def active(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {k: v for k, v in data.items() if k != "after" and v not in (None, "")}

    def apply(self, queryset):
        active = self.active
        params = {self.FILTERSET_PARAMS[k]: str(v).strip() for k, v in active.items() if k in self.FILTERSET_PARAMS}
        if params:
            queryset = DeviceFilterSet(params, queryset=queryset).qs
        if active.get("fleet"):
            queryset = queryset.filter(id__in=fleet_device_ids(Fleet.objects.get(pk=active["fleet"])))
        if active.get("q"):
            term = active["q"].strip()
            queryset = queryset.filter(external_id__startswith=term) | queryset.filter(name__icontains=term)
        return queryset


def saved_filter_described(saved_filter: dict, accounts: dict[int, str]) -> list[tuple[str, str]]:
    """A saved filter in words: (what, which) pairs, accounts by name rather than id."""
    labels = {"vendor_kind": "Vendor", "account": "Account", "model": "Model", "firmware_version": "Firmware",
              "labels": "Label"}
    kinds = dict(VendorKind.choices)
    described = []
    for key, values in (saved_filter or {}).items():
        values = values if isinstance(values, list) else [values]
        if key == "account":
            values = [accounts.get(int(v), f"#{v}") if str(v).isdigit() else str(v) for v in values]
        elif key == "vendor_kind":
            values = [kinds.get(v, v) for v in values]
        described.append((labels.get(key, key), ", ".join(str(v) for v in values)))
    return described


class FleetForm(forms.ModelForm):
    """A fleet: its name and its saved filter (static members are changed on the fleet's page)."""

    filter_vendor_kind = forms.MultipleChoiceField(
        required=False, choices=VendorKind.choices, widget=forms.CheckboxSelectMultiple, label="Vendors")
    filter_account = forms.ModelMultipleChoiceField(
        required=False, queryset=VendorAccount.objects.order_by("name"), label="Vendor accounts",
        widget=forms.CheckboxSelectMultiple)
    filter_model = forms.CharField(required=False, label="Models", help_text="Separate with commas.")
    filter_firmware_version = forms.CharField(required=False, label="Firmware versions",
                                              help_text="Separate with commas.")
    filter_labels = forms.ModelMultipleChoiceField(
        required=False, queryset=Label.objects.order_by("name"), to_field_name="name", label="Labels",
        widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Fleet
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        saved = (self.instance.saved_filter or {}) if self.instance.pk else {}
        if saved and not self.is_bound:
            self.initial.update(
                filter_vendor_kind=saved.get("vendor_kind", []),
                filter_account=saved.get("account", []),
                filter_model=", ".join(saved.get("model", [])),
                filter_firmware_version=", ".join(saved.get("firmware_version", [])),
                filter_labels=saved.get("labels", []),
            )

    def saved_filter(self) -> dict:
        """The fleet's ``saved_filter`` from the cleaned form (empty lookups left out; all empty matches nothing)."""
        data = self.cleaned_data
        saved = {
            "vendor_kind": list(data.get("filter_vendor_kind") or []),
            "account": [account.pk for account in data.get("filter_account") or []],
            "model": _split(data.get("filter_model", "")),
            "firmware_version": _split(data.get("filter_firmware_version", "")),
            "labels": [label.name for label in data.get("filter_labels") or []],
        }
        return {key: value for key, value in saved.items() if value}


class FleetMembersForm(forms.Form):
    """Add static members by the vendor's device ids."""

    external_ids = forms.CharField(
        label="Device ids", widget=forms.Textarea(attrs={"rows": 4, "class": "mono"}),
        help_text="The vendor's device ids (IMEI, serial, deviceId, deviceKey), one a line or separated by commas.")
    account = forms.ModelChoiceField(
        required=False, queryset=VendorAccount.objects.order_by("name"), empty_label="Any account",
        label="Vendor account", help_text="Needed only when the same id exists on several accounts.")

    def ids(self) -> list[str]:
        return _split(self.cleaned_data["external_ids"])


class DeviceImportForm(forms.Form):
    """A CSV file of devices to import."""

    file = forms.FileField(
        label="CSV file",
        help_text="Columns: account, external_id, model; optionally firmware_version, name, labels (separated by ;).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

"""Dashboard forms for campaigns: the list filters, the draft form with its firmware map and per-vendor options, the
device-table filters and the confirmations of lifecycle actions."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from typing import ClassVar

from django import forms

from campaigns.choices import CampaignState, DeviceState
from campaigns.filtersets import AssignmentFilterSet
from campaigns.models import Campaign
from campaigns.services.drafts import FirmwareLine
from devices.models import Firmware, Fleet
from devices.services_fleets import fleet_targets
from vendors.choices import VendorKind

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]
_WAVE_TOKEN = re.compile(r"^(\d+(?:\.\d+)?)\s*(%?)$")


class CampaignFilterForm(forms.Form):
    """Filters of the campaign list."""

    q = forms.CharField(required=False, label="Name")
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *CampaignState.choices])
    vendor = forms.ChoiceField(required=False, choices=[("", "Any vendor"), *VendorKind.choices])
    firmware = forms.CharField(required=False, label="Firmware version")

    def apply(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.filter(name__icontains=data["q"])
        if data["state"]:
            queryset = queryset.filter(state=data["state"])
        if data["vendor"]:
            queryset = queryset.filter(firmware_map__account__kind=data["vendor"])
        if data["firmware"]:
            queryset = queryset.filter(firmware_map__firmware__version__icontains=data["firmware"])
        if data["vendor"] or data["firmware"]:
            queryset = queryset.distinct()
        return queryset


def wave_plan_parse(text: str) -> list[dict]:
    """``"1%, 10%, 50%, 100%"`` → percent waves; bare numbers are fixed counts (``"20, 200, 100%"``)."""
    plan = []
    for token in [t.strip() for t in re.split(r"[,;\s]+", text or "") if t.strip()]:
        match = _WAVE_TOKEN.match(token)
        if not match:
            raise forms.ValidationError(f"“{token}” is neither a share such as 10% nor a device count such as 50.")
        number, percent = match.groups()
        if percent:
            value = float(number)
            plan.append({"percent": int(value) if value.is_integer() else value})
        elif "." in number:
            raise forms.ValidationError(f"“{token}”: a device count must be a whole number.")
        else:
            plan.append({"count": int(number)})
    return plan


def wave_plan_format(plan: list[dict]) -> str:
    return ", ".join(f"{step['percent']}%" if "percent" in step else str(step.get("count", "")) for step in plan or [])


class CampaignForm(forms.ModelForm):
    """The draft campaign: fleet, waves, gates, schedule and window. Firmware map and vendor options are separate
    forms on the same page."""

    wave_plan_text = forms.CharField(
        label="Waves", initial="1%, 10%, 50%, 100%",
        help_text="Cumulative shares such as 1%, 10%, 50%, 100%, or device counts such as 20, 200, 100%. "
        "Canary-labelled devices go first; the last wave takes the rest.",
    )
    window_enabled = forms.BooleanField(required=False, label="Push only inside a time window")
    window_timezone = forms.CharField(required=False, initial="UTC", label="Window time zone")
    window_days = forms.TypedMultipleChoiceField(
        required=False, coerce=int, choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, label="Days",
        help_text="None ticked means every day.",
    )
    window_start = forms.TimeField(required=False, widget=TIME_INPUT, label="From")
    window_end = forms.TimeField(required=False, widget=TIME_INPUT, label="To", help_text="May wrap past midnight.")

    class Meta:
        model = Campaign
        fields = [
            "name", "description", "fleet", "canary_label", "gate_success_percent", "gate_max_failure_percent",
            "soak_minutes", "auto_advance", "failure_threshold_percent", "device_timeout_minutes", "max_attempts",
            "schedule_start", "schedule_end",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "schedule_start": DATETIME_INPUT,
            "schedule_end": DATETIME_INPUT,
        }
        labels = {
            "gate_success_percent": "Wave succeeds at (%)",
            "gate_max_failure_percent": "Wave may fail up to (%)",
            "failure_threshold_percent": "Pause the campaign above (% failed)",
            "soak_minutes": "Soak time (minutes)",
            "auto_advance": "Open the next wave automatically",
            "device_timeout_minutes": "Device timeout (minutes)",
            "max_attempts": "Attempts per device",
            "schedule_start": "Start no earlier than",
            "schedule_end": "Stop pushing after",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fleet"].queryset = Fleet.objects.order_by("name")
        self.fields["fleet"].required = False
        self.fields["fleet"].empty_label = "Choose a fleet"
        # Choosing a fleet redraws the firmware map rows for it (same view, "firmware-map" fragment).
        self.fields["fleet"].widget.attrs.update(
            {"hx-post": "", "hx-target": "#firmware-map", "hx-swap": "outerHTML", "hx-trigger": "change"}
        )
        campaign = self.instance
        if campaign.pk and not self.is_bound:
            self.initial["wave_plan_text"] = wave_plan_format(campaign.wave_plan)
            window = campaign.window or {}
            if window:
                self.initial.update(
                    window_enabled=True, window_timezone=window.get("timezone", "UTC"),
                    window_days=window.get("days") or [], window_start=window.get("start"),
                    window_end=window.get("end"),
                )

    def clean_wave_plan_text(self) -> list[dict]:
        return wave_plan_parse(self.cleaned_data["wave_plan_text"])

    def clean(self):
        data = super().clean()
        if data.get("window_enabled"):
            for key in ("window_start", "window_end"):
                if not data.get(key):
                    self.add_error(key, "Give the window's start and end times.")
        return data

    def window(self) -> dict:
        data = self.cleaned_data
        if not data.get("window_enabled") or not data.get("window_start") or not data.get("window_end"):
            return {}
        window = {
            "timezone": (data.get("window_timezone") or "UTC").strip(),
            "start": data["window_start"].strftime("%H:%M"),
            "end": data["window_end"].strftime("%H:%M"),
        }
        if data.get("window_days") and len(data["window_days"]) < 7:
            window["days"] = sorted(data["window_days"])
        return window

    def draft_fields(self, vendor_options: dict) -> dict:
        """The fields ``campaigns.services.drafts`` takes, from the cleaned form."""
        data = self.cleaned_data
        fields = {name: data[name] for name in self.Meta.fields}
        fields.update(wave_plan=data["wave_plan_text"], window=self.window(), vendor_options=vendor_options)
        return fields


# --- firmware map ------------------------------------------------------------------------------------------------


class FirmwareLineForm(forms.Form):
    """One (vendor account, model) of the fleet and the firmware its devices get, or none to skip them."""

    account = forms.IntegerField(widget=forms.HiddenInput)
    model = forms.CharField(widget=forms.HiddenInput)
    firmware = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Firmware")

    def __init__(self, *args, firmware_by_account: dict, targets: dict, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            account, model = self.data.get(self.add_prefix("account")), self.data.get(self.add_prefix("model"), "")
        else:
            account, model = self.initial.get("account"), self.initial.get("model", "")
        try:
            account = int(account)
        except (TypeError, ValueError):
            account = None
        options = [f for f in firmware_by_account.get(account, []) if f.fits(model)]
        self.fields["firmware"].choices = [("", "Skip these devices")] + [
            (f.pk, f"{f.version}" + (f" — {f.name}" if f.name else "")) for f in options
        ]
        self.target = targets.get((account, model), {"account": "?", "vendor_kind": "", "devices": 0})
        self.target_model = model
        kind = self.target.get("vendor_kind")
        self.vendor_label = VendorKind(kind).label if kind in VendorKind.values else ""


class BaseFirmwareMapFormSet(forms.BaseFormSet):
    def __init__(self, *args, firmware_by_account: dict, targets: dict, **kwargs):
        self.firmware_by_account, self.targets = firmware_by_account, targets
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"firmware_by_account": self.firmware_by_account, "targets": self.targets}

    def lines(self) -> list[FirmwareLine]:
        return [
            FirmwareLine(account_id=f.cleaned_data["account"], model=f.cleaned_data["model"],
                         firmware_id=f.cleaned_data["firmware"])
            for f in self.forms if f.cleaned_data.get("firmware")
        ]

    def vendor_kinds(self) -> set[str]:
        return {f.target.get("vendor_kind") for f in self.forms if f.target.get("vendor_kind")}


FirmwareMapFormSet = forms.formset_factory(FirmwareLineForm, formset=BaseFirmwareMapFormSet, extra=0)


def firmware_map_formset(*, fleet: Fleet | None, data=None, current: dict | None = None) -> BaseFirmwareMapFormSet:
    """The firmware map rows for a fleet: one per (account, model) it holds, preset from ``current`` (a campaign's
    map or the values just posted) where the pair matches."""
    rows = fleet_targets(fleet=fleet) if fleet is not None else []
    targets = {(r["account_id"], r["model"]): r for r in rows}
    accounts = {r["account_id"] for r in rows}
    if data is not None:
        # Posted rows name their own accounts (the fleet may have changed since the page was drawn).
        for key, value in data.items():
            if key.startswith("map-") and key.endswith("-account") and str(value).isdigit():
                accounts.add(int(value))
    firmware_by_account: dict[int, list[Firmware]] = {}
    for firmware in Firmware.objects.filter(account_id__in=accounts).order_by("account_id", "-created_at"):
        firmware_by_account.setdefault(firmware.account_id, []).append(firmware)
    current = current or {}
    initial = [
        {"account": r["account_id"], "model": r["model"], "firmware": current.get((r["account_id"], r["model"]))}
        for r in rows
    ]
    return FirmwareMapFormSet(
        data, initial=None if data is not None else initial, prefix="map",
        firmware_by_account=firmware_by_account, targets=targets,
    )


def firmware_map_current(data) -> dict:
    """(account, model) → firmware id from posted map rows, to carry choices over when the rows are redrawn."""
    current = {}
    for key, value in data.items():
        match = re.fullmatch(r"map-(\d+)-firmware", key)
        if match and str(value).isdigit():
            index = match.group(1)
            account, model = data.get(f"map-{index}-account", ""), data.get(f"map-{index}-model", "")
            if str(account).isdigit():
                current[(int(account), model)] = int(value)
    return current


# --- vendor options ----------------------------------------------------------------------------------------------


class VendorOptionsForm(forms.Form):
    """The options of one vendor. ``KEYS`` maps form fields to the vendor's own option names; empty fields are left
    out so the vendor's defaults apply. Ranges are not checked here: ``vendors.rules`` checks them, with the
    vendor's own error codes, when the form is validated live and again at start."""

    kind: ClassVar[str]
    title: ClassVar[str]
    KEYS: ClassVar[dict[str, str]]
    # Option names a form sets itself from its other fields, so they are not echoed into "More options".
    DERIVED: ClassVar[tuple[str, ...]] = ()
    extra = forms.CharField(
        required=False, label="More options (JSON)", widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}),
        help_text="Other settings of this vendor as a JSON object, merged over the fields above.",
    )

    def __init__(self, *args, options: dict | None = None, **kwargs):
        kwargs.setdefault("prefix", self.kind)
        if options is not None and not args and "data" not in kwargs:
            kwargs["initial"] = self.initial_from(options)
        super().__init__(*args, **kwargs)

    def initial_from(self, options: dict) -> dict:
        known = {field: options[key] for field, key in self.KEYS.items() if key in options}
        rest = {k: v for k, v in options.items() if k not in self.KEYS.values() and k not in self.DERIVED}
        if rest:
            known["extra"] = json.dumps(rest)
        return known

    def clean_extra(self) -> dict:
        text = (self.cleaned_data.get("extra") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc}.") from exc
        if not isinstance(value, dict):
            raise forms.ValidationError("Give a JSON object, such as {\"key\": \"value\"}.")
        return value

    def options(self) -> dict:
        data = self.cleaned_data
        options = {key: data[field] for field, key in self.KEYS.items() if data.get(field) not in (None, "", False)}
        return {**options, **data.get("extra", {})}

    @property
    def used(self) -> bool:
        """Whether any option of this vendor is set (its section starts open)."""
        if self.is_bound:
            return any(value not in ("", None) for key, value in self.data.items() if key.startswith(f"{self.prefix}-"))
        return any(self.initial.get(name) not in (None, "", False) for name in self.fields)


class KnoxOptionsForm(VendorOptionsForm):
    kind, title = VendorKind.KNOX_EFOTA, "Samsung Knox E-FOTA settings"
    KEYS = {
        "install_from": "from", "install_to": "to", "download_network": "downloadNetwork",
        "battery_level": "batteryLevel", "gradual_rollout": "gradualRolloutNumber",
        "postpone_installation": "postponeInstallation",
    }
    DERIVED = ("gradualRollout",)
    install_from = forms.CharField(required=False, widget=forms.TimeInput(attrs={"type": "time"}),
                                   label="Install from", help_text="Device local time, HH:MM.")
    install_to = forms.CharField(required=False, widget=forms.TimeInput(attrs={"type": "time"}), label="Install until",
                                 help_text="Knox needs at least 3 hours between the two.")
    download_network = forms.ChoiceField(required=False, label="Download over",
                                         choices=[("", "Vendor default"), ("ALL", "Any network"),
                                                  ("WIFIONLY", "Wi-Fi only")])
    battery_level = forms.IntegerField(required=False, label="Minimum battery (%)", help_text="20–80.")
    gradual_rollout = forms.IntegerField(required=False, label="Gradual rollout (%)",
                                         help_text="Share of devices Knox releases per step, 1–50. Empty: all at once.")
    postpone_installation = forms.IntegerField(required=False, label="Postponements allowed",
                                               help_text="How often the user may postpone; empty or 0: never.")

    def options(self) -> dict:
        options = super().options()
        if "gradualRolloutNumber" in options:
            options.setdefault("gradualRollout", True)  # Knox refuses a number without its switch
        return options


class HuaweiOptionsForm(VendorOptionsForm):
    kind, title = VendorKind.HUAWEI_IODM, "Huawei IoDM task policy"
    KEYS = {"execute_type": "executeType", "start_time": "startTime", "end_time": "endTime",
            "retry": "retryType", "retry_times": "retryTimes"}
    execute_type = forms.ChoiceField(required=False, label="Execute", choices=[
        ("", "Vendor default (now)"), ("now", "Now"), ("device_online", "When the device comes online"),
        ("custom", "In a time range")])
    start_time = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label="From (UTC)",
                                     help_text="Only for a time range.")
    end_time = forms.DateTimeField(required=False, widget=DATETIME_INPUT, label="Until (UTC)",
                                   help_text="At least 5 minutes after the start.")
    retry = forms.BooleanField(required=False, label="Let IoDM retry failed devices")
    retry_times = forms.IntegerField(required=False, label="IoDM retries", help_text="1–5, with retries on.")

    def initial_from(self, options: dict) -> dict:
        initial = super().initial_from(options)
        for field in ("start_time", "end_time"):
            if isinstance(initial.get(field), str):
                # A malformed stored value stays as text, for the vendor rule to flag.
                with contextlib.suppress(ValueError):
                    initial[field] = dt.datetime.strptime(initial[field], "%Y%m%dT%H%M%SZ")
        return initial

    def options(self) -> dict:
        options = super().options()
        for key in ("startTime", "endTime"):
            if isinstance(options.get(key), dt.datetime):
                options[key] = options[key].astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        return options


class EnosOptionsForm(VendorOptionsForm):
    kind, title = VendorKind.ENOS, "EnOS OTA job options"
    KEYS = {"upgrade_policy": "upgradePolicy", "upgrade_timeout": "upgradeTimeout",
            "maximum_concurrency": "maximumConcurrency", "enable_upgrade_request": "enableUpgradeRequest"}
    upgrade_policy = forms.ChoiceField(required=False, label="Devices in scope", choices=[
        ("", "Vendor default (snapshot)"), ("snapshot", "Snapshot: matched at start"),
        ("incremental", "Incremental: also devices matched later")])
    upgrade_timeout = forms.IntegerField(required=False, label="Upgrade timeout (s)", help_text="300–172,800.")
    maximum_concurrency = forms.IntegerField(required=False, label="Maximum concurrency", help_text="Default 300.")
    enable_upgrade_request = forms.BooleanField(required=False, label="Devices may request the upgrade")


class IzumaOptionsForm(VendorOptionsForm):
    kind, title = VendorKind.IZUMA_DM, "Izuma update campaign options"
    KEYS = {"autostop_success_percent": "autostop_success_percent"}
    autostop = forms.ChoiceField(required=False, label="Stop automatically", choices=[
        ("", "Vendor default (yes)"), ("yes", "Yes, at the success share below"), ("no", "No")])
    autostop_success_percent = forms.FloatField(required=False, label="Auto-stop at (% succeeded)",
                                                help_text="0–100; default 100.")

    DERIVED = ("autostop",)

    def initial_from(self, options: dict) -> dict:
        initial = super().initial_from(options)
        if "autostop" in options:
            initial["autostop"] = "yes" if options["autostop"] else "no"
        return initial

    def options(self) -> dict:
        options = super().options()
        if self.cleaned_data.get("autostop"):
            options["autostop"] = self.cleaned_data["autostop"] == "yes"
        return options


VENDOR_OPTION_FORMS = (KnoxOptionsForm, HuaweiOptionsForm, EnosOptionsForm, IzumaOptionsForm)


def vendor_option_forms(*, data=None, options: dict | None = None) -> list[VendorOptionsForm]:
    options = options or {}
    if data is not None:
        return [cls(data) for cls in VENDOR_OPTION_FORMS]
    return [cls(options=options.get(cls.kind, {})) for cls in VENDOR_OPTION_FORMS]


def vendor_options_of(forms_: list[VendorOptionsForm]) -> dict:
    """``Campaign.vendor_options`` from the cleaned vendor forms (vendors left empty are left out)."""
    return {form.kind: opts for form in forms_ if (opts := form.options())}


# --- campaign detail ---------------------------------------------------------------------------------------------


class DeviceTableFilterForm(forms.Form):
    """Filters of a campaign's device table (and its CSV export), applied through the API's ``AssignmentFilterSet``
    so the dashboard and the API filter the same way."""

    # form field -> AssignmentFilterSet parameter
    FILTERSET_PARAMS: ClassVar[dict[str, str]] = {
        "state": "state__eq", "wave": "wave__eq", "vendor": "vendor_kind__eq", "model": "model__eq",
        "error": "error_code__eq",
    }
    state = forms.ChoiceField(required=False, choices=[("", "Any state"), *DeviceState.choices])
    wave = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, choices=[("", "Any wave")])
    vendor = forms.ChoiceField(required=False, choices=[("", "Any vendor"), *VendorKind.choices])
    model = forms.CharField(required=False)
    error = forms.CharField(required=False, label="Error code")
    after = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, waves: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wave"].choices = [("", "Any wave")] + [(n, f"Wave {n}") for n in range(1, waves + 1)]

    @property
    def active(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {k: v for k, v in data.items() if k != "after" and v not in (None, "")}

    def apply(self, queryset):
        params = {self.FILTERSET_PARAMS[name]: str(value).strip() for name, value in self.active.items()}
        return AssignmentFilterSet(params, queryset=queryset).qs if params else queryset


class ActionForm(forms.Form):
    """The confirmation of a lifecycle action; pause and cancel take an optional reason for the audit trail."""

    reason = forms.CharField(required=False, max_length=500, label="Reason (optional, goes into the event log)")

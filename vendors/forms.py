"""Dashboard forms for vendor accounts (credentials write-only), simulator knobs, error catalog search, API tokens."""

from __future__ import annotations

from dataclasses import fields as dataclass_fields

from django import forms

from vendors.choices import DEFAULT_RATE_LIMITS, ErrorCategory, VendorKind
from vendors.models import VendorAccount
from vendors.simulators.base import Knobs

# Labels of the credential fields VendorAccount.CREDENTIAL_FIELDS names.
CREDENTIAL_LABELS = {
    "client_id": "Client id", "client_secret": "Client secret", "app_id": "App id", "secret": "Secret",
    "api_key": "API key", "app_key": "App key", "app_secret": "App secret",
}


def _credential_field(kind: str, name: str) -> str:
    return f"cred_{kind}__{name}"


class VendorAccountForm(forms.ModelForm):
    """A vendor account with the credential fields of every vendor; only the chosen vendor's are used.

    Secrets are write-only: they are never put back into the page, and a field left empty keeps what is stored.
    """

    base_url = forms.URLField(max_length=300, assume_scheme="https", label="API base URL",
                              help_text="The vendor API root, e.g. https://api.samsungknox.com")
    settings = forms.JSONField(
        required=False, initial=dict, label="Settings (JSON)",
        widget=forms.Textarea(attrs={"rows": 3, "class": "mono"}),
        help_text="Non-secret vendor settings, e.g. {\"orgId\": \"o123\"} for EnOS.",
    )

    class Meta:
        model = VendorAccount
        fields = ["name", "kind", "base_url", "settings", "rate_limit_calls", "rate_limit_period_seconds", "enabled"]
        labels = {"base_url": "API base URL", "rate_limit_calls": "Calls allowed", "rate_limit_period_seconds":
                  "per (seconds)"}
        help_texts = {"rate_limit_calls": "Empty: the vendor's documented limit."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["data-kind-switch"] = "1"
        self.fields["rate_limit_calls"].required = False
        self.fields["rate_limit_period_seconds"].required = False
        stored = self.instance.credentials if self.instance.pk and self.instance.has_credentials else {}
        self.sections = []
        for kind, names in VendorAccount.CREDENTIAL_FIELDS.items():
            for name in names:
                is_set = self.instance.pk and self.instance.kind == kind and bool(stored.get(name))
                self.fields[_credential_field(kind, name)] = forms.CharField(
                    required=False, label=CREDENTIAL_LABELS.get(name, name),
                    widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
                    help_text="Stored; leave empty to keep it." if is_set else "",
                )
            self.sections.append((kind, VendorKind(kind).label, names))

    def credential_sections(self):
        """(kind, label, bound fields) per vendor, for the template."""
        return [(kind, label, [self[_credential_field(kind, n)] for n in names]) for kind, label, names in
                self.sections]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        if not data.get("rate_limit_calls"):
            data["rate_limit_calls"], default_period = DEFAULT_RATE_LIMITS[VendorKind(kind)]
            data["rate_limit_period_seconds"] = data.get("rate_limit_period_seconds") or default_period
        if not data.get("rate_limit_period_seconds"):
            data["rate_limit_period_seconds"] = 1
        keeping = self.instance.pk and self.instance.kind == kind and self.instance.has_credentials
        stored = self.instance.credentials if keeping else {}
        credentials = {}
        for name in VendorAccount.CREDENTIAL_FIELDS[VendorKind(kind)]:
            value = (data.get(_credential_field(kind, name)) or "").strip()
            if value:
                credentials[name] = value
            elif stored.get(name):
                credentials[name] = stored[name]
            else:
                self.add_error(_credential_field(kind, name), "Required for this vendor.")
        self.new_credentials = credentials
        return data

    def save(self, commit: bool = True) -> VendorAccount:
        account = super().save(commit=False)
        account.set_credentials(self.new_credentials)
        if commit:
            account.save()
        return account


KNOB_HELP = {
    "failure_rate": "Share of devices whose update fails, 0–1.",
    "failure_code": "The vendor error failed devices carry; empty for the vendor's default.",
    "latency_ms": "Added to every response.",
    "throttle_limit": "Requests allowed per period; 0 does not enforce the vendor's limit.",
    "throttle_period": "Seconds.",
    "token_lifetime": "Seconds an access token lives.",
    "outage_start": "ISO date-time; with the end, every request in between gets a 5xx.",
    "outage_end": "ISO date-time.",
    "outage_rate": "Share of requests that get a 5xx, 0–1.",
    "speed": "Simulated seconds per real second; 0 takes the server's setting.",
    "seed": "Same seed, same story.",
    "step_seconds": "Simulated seconds a device spends in each in-progress status.",
}


class SimulatorKnobsForm(forms.Form):
    """The knobs of one simulated vendor account (``vendors.simulators.base.Knobs``)."""

    def __init__(self, *args, knobs: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for spec in dataclass_fields(Knobs):
            default = spec.default
            if isinstance(default, bool) or not isinstance(default, (int, float)):
                field = forms.CharField(required=False)
            elif isinstance(default, float):
                field = forms.FloatField(required=False, min_value=0)
            else:
                field = forms.IntegerField(required=False, min_value=0)
            field.label = spec.name.replace("_", " ").capitalize()
            field.help_text = KNOB_HELP.get(spec.name, "")
            field.initial = (knobs or {}).get(spec.name, default)
            self.fields[spec.name] = field

    def clean(self):
        data = super().clean()
        for name in ("failure_rate", "outage_rate"):
            if data.get(name) is not None and not 0 <= data[name] <= 1:
                self.add_error(name, "A share between 0 and 1.")
        return data

    def knobs(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value is not None}


class ErrorCatalogFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "Code, symbol or words"}))
    vendor = forms.ChoiceField(required=False, choices=[("", "Any vendor"), *VendorKind.choices])
    category = forms.ChoiceField(required=False, choices=[("", "Any category"), *ErrorCategory.choices])
    transient = forms.ChoiceField(required=False, label="Retry helps", choices=[
        ("", "Either"), ("yes", "Yes (transient)"), ("no", "No (permanent)")])


class APITokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="What is it for?",
                           help_text="A name to recognise it by, e.g. the tool that will use it.")

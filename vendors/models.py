"""Vendor accounts, the vendor error catalog, and the state of the vendor simulators."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from vendors.choices import DEFAULT_RATE_LIMITS, AccountHealth, ErrorCategory, VendorKind
from vendors.crypto import credentials_decrypt, credentials_encrypt


class VendorAccount(models.Model):
    """One account at one vendor cloud: where it is, how to log in, and how fast it may be called.

    Credentials are encrypted at rest and never shown back; read them with ``credentials`` and replace them with
    ``set_credentials``.
    """

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=20, choices=VendorKind.choices)
    base_url = models.URLField(max_length=300, help_text="The vendor API root, e.g. https://api.samsungknox.com")
    credentials_encrypted = models.TextField(blank=True, editable=False)
    settings = models.JSONField(
        default=dict, blank=True, help_text="Non-secret vendor settings, e.g. the EnOS orgId or the Knox scope."
    )
    rate_limit_calls = models.PositiveIntegerField(help_text="Calls allowed per rate-limit period, across workers.")
    rate_limit_period_seconds = models.PositiveIntegerField(default=1)
    enabled = models.BooleanField(default=True)
    health = models.CharField(max_length=10, choices=AccountHealth.choices, default=AccountHealth.UNKNOWN)
    health_message = models.TextField(blank=True)
    health_checked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Names of the credential fields each vendor needs; the forms and the API ask for exactly these.
    CREDENTIAL_FIELDS = {
        VendorKind.KNOX_EFOTA: ("client_id", "client_secret"),
        VendorKind.HUAWEI_IODM: ("app_id", "secret"),
        VendorKind.IZUMA_DM: ("api_key",),
        VendorKind.ENOS: ("app_key", "app_secret"),
    }

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=VendorKind.values), name="vendoraccount_kind_valid"),
            models.CheckConstraint(condition=Q(rate_limit_calls__gte=1), name="vendoraccount_rate_limit_positive"),
            models.CheckConstraint(
                condition=Q(rate_limit_period_seconds__gte=1), name="vendoraccount_rate_period_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def save(self, *args, **kwargs) -> None:
        if not self.rate_limit_calls:
            self.rate_limit_calls, self.rate_limit_period_seconds = DEFAULT_RATE_LIMITS[VendorKind(self.kind)]
        super().save(*args, **kwargs)

    @property
    def credentials(self) -> dict:
        return credentials_decrypt(self.credentials_encrypted)

    def set_credentials(self, credentials: dict) -> None:
        self.credentials_encrypted = credentials_encrypt(credentials)

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted)


class ErrorCatalogEntry(models.Model):
    """One vendor error code (with one of its field variants), explained for a fleet admin.

    Loaded from ``vendors/error_catalog/<kind>.json`` by a data migration; decoded with
    ``vendors.services.error_decode``.
    """

    vendor_kind = models.CharField(max_length=20, choices=VendorKind.choices)
    key = models.CharField(max_length=120, help_text="Stable slug, unique within the vendor.")
    code = models.CharField(max_length=40)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    symbol = models.CharField(max_length=100, blank=True)
    field = models.CharField(max_length=100, blank=True)
    operation = models.CharField(max_length=100, blank=True)
    vendor_message = models.TextField(blank=True)
    explanation = models.TextField()
    action = models.TextField()
    category = models.CharField(max_length=20, choices=ErrorCategory.choices)
    transient = models.BooleanField(help_text="Whether retrying the same call later may succeed.")
    source = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["vendor_kind", "code", "key"]
        verbose_name_plural = "error catalog entries"
        constraints = [models.UniqueConstraint(fields=["vendor_kind", "key"], name="errorcatalog_unique_key")]
        indexes = [models.Index(fields=["vendor_kind", "code"], name="errorcatalog_vendor_code")]

    def __str__(self) -> str:
        label = self.symbol or self.code
        return f"{self.get_vendor_kind_display()} {self.code} {label}" + (f" ({self.field})" if self.field else "")


# --- Simulator state --------------------------------------------------------------------------------------------
# The simulators keep their state in the database so web, worker and beat processes all see one simulated cloud.
# The tables are generic; each vendor's simulator decides what goes in ``data``.


class SimulatorTenant(models.Model):
    """One simulated vendor account (a Knox client id, a Huawei appId, an Izuma API key, an EnOS org)."""

    kind = models.CharField(max_length=20, choices=VendorKind.choices)
    tenant_key = models.CharField(max_length=200)
    secret = models.CharField(max_length=200, blank=True)
    knobs = models.JSONField(
        default=dict,
        blank=True,
        help_text="failure_rate, failure_code, latency_ms, throttle_limit, throttle_period, token_lifetime, "
        "outage_start, outage_end, speed, seed",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "tenant_key"]
        constraints = [models.UniqueConstraint(fields=["kind", "tenant_key"], name="simtenant_unique")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.tenant_key}"


class SimulatorToken(models.Model):
    """An access (and refresh) token the simulator issued."""

    tenant = models.ForeignKey(SimulatorTenant, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(max_length=200, unique=True)
    refresh_token = models.CharField(max_length=200, blank=True, db_index=True)
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"token for {self.tenant}"


class SimulatorDevice(models.Model):
    """A device in a simulated vendor cloud."""

    tenant = models.ForeignKey(SimulatorTenant, on_delete=models.CASCADE, related_name="devices")
    device_id = models.CharField(max_length=100)
    model = models.CharField(max_length=100, blank=True)
    firmware_version = models.CharField(max_length=100, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["tenant", "device_id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "device_id"], name="simdevice_unique")]

    def __str__(self) -> str:
        return self.device_id


class SimulatorFirmware(models.Model):
    """A firmware package (Knox firmware, Huawei fileId, Izuma manifest, EnOS firmwareId) in a simulated cloud."""

    tenant = models.ForeignKey(SimulatorTenant, on_delete=models.CASCADE, related_name="firmware")
    firmware_id = models.CharField(max_length=100)
    version = models.CharField(max_length=100)
    models_fitted = models.JSONField(default=list, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tenant", "firmware_id"]
        constraints = [models.UniqueConstraint(fields=["tenant", "firmware_id"], name="simfirmware_unique")]

    def __str__(self) -> str:
        return f"{self.firmware_id} {self.version}"


class SimulatorJob(models.Model):
    """A vendor-side rollout object: Knox campaign, Huawei task, Izuma update campaign, EnOS OTA job."""

    tenant = models.ForeignKey(SimulatorTenant, on_delete=models.CASCADE, related_name="jobs")
    job_id = models.CharField(max_length=100)
    status = models.CharField(max_length=40)
    data = models.JSONField(default=dict, blank=True, help_text="The request body as the vendor stored it.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["tenant", "created_at"]
        constraints = [models.UniqueConstraint(fields=["tenant", "job_id"], name="simjob_unique")]

    def __str__(self) -> str:
        return self.job_id


class SimulatorJobDevice(models.Model):
    """One device in a simulated rollout, moving through the vendor's own status words over simulated time."""

    job = models.ForeignKey(SimulatorJob, on_delete=models.CASCADE, related_name="job_devices")
    device_id = models.CharField(max_length=100)
    sub_id = models.CharField(max_length=100, blank=True, help_text="Huawei subOperationId, EnOS taskId, ...")
    status = models.CharField(max_length=60)
    error_code = models.CharField(max_length=40, blank=True)
    detail = models.TextField(blank=True)
    # Decided when the device joins the job (deterministic for a seed): will it fail, with what, at which step.
    outcome = models.JSONField(default=dict, blank=True)
    joined_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["job", "device_id"]
        constraints = [models.UniqueConstraint(fields=["job", "device_id"], name="simjobdevice_unique")]
        indexes = [models.Index(fields=["job", "status"], name="simjobdevice_job_status")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.status}"


class SimulatorRequest(models.Model):
    """One request a simulator answered; lets tests count calls and check rate limits across processes."""

    tenant = models.ForeignKey(SimulatorTenant, on_delete=models.CASCADE, null=True, blank=True)
    kind = models.CharField(max_length=20, choices=VendorKind.choices)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    vendor_code = models.CharField(max_length=40, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["at"]
        indexes = [models.Index(fields=["tenant", "at"], name="simrequest_tenant_at")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"

"""Building blocks shared by the vendor simulators: knobs, simulated time, deterministic outcomes, tokens,
throttling, outages and request logging. Each vendor's ``simulator.py`` assembles them into its own contract."""

from __future__ import annotations

import datetime as dt
import functools
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, fields

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from vendors.models import SimulatorRequest, SimulatorTenant, SimulatorToken


@dataclass(frozen=True)
class Knobs:
    """Per-tenant simulator settings. Stored in ``SimulatorTenant.knobs``; missing keys take these defaults."""

    failure_rate: float = 0.0  # share of devices whose update fails (0..1)
    failure_code: str = ""  # the vendor error / status detail failed devices carry ("" = the vendor's default)
    latency_ms: int = 0  # added to every response
    throttle_limit: int = 0  # requests allowed per throttle_period; 0 = the vendor's documented limit is not enforced
    throttle_period: float = 1.0
    token_lifetime: int = 3600  # seconds an access token lives
    outage_start: str = ""  # ISO date-times: every request in [start, end) gets the vendor's 5xx
    outage_end: str = ""
    outage_rate: float = 0.0  # share of requests (outside the window) that get a 5xx
    speed: float = 0.0  # simulated seconds per real second; 0 = settings.SIMULATOR_SPEED
    seed: int = 0
    step_seconds: float = 60.0  # simulated seconds a device spends in each in-progress status

    @classmethod
    def of(cls, tenant: SimulatorTenant) -> Knobs:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (tenant.knobs or {}).items() if k in names})

    @property
    def effective_speed(self) -> float:
        return self.speed or float(settings.SIMULATOR_SPEED)


def sim_elapsed(since: dt.datetime, knobs: Knobs, now: dt.datetime | None = None) -> float:
    """Simulated seconds since ``since`` (the speed knob turns minutes into seconds)."""
    now = now or timezone.now()
    return max((now - since).total_seconds(), 0.0) * knobs.effective_speed


def sim_rng(knobs: Knobs, *parts: object) -> random.Random:
    """A random generator fixed by the tenant's seed and the given parts: the same seed gives the same story."""
    return random.Random(":".join([str(knobs.seed), *map(str, parts)]))


def sim_outcome(knobs: Knobs, job_id: str, device_id: str, *, steps: int) -> dict:
    """Decide once, deterministically, whether a device's update fails and at which of ``steps`` steps."""
    rng = sim_rng(knobs, job_id, device_id)
    fails = rng.random() < knobs.failure_rate
    return {"fails": fails, "fail_step": rng.randrange(steps) if fails else None, "jitter": rng.uniform(0.8, 1.2)}


def sim_step(joined_at: dt.datetime, knobs: Knobs, outcome: dict, *, steps: int) -> int:
    """How many of ``steps`` in-progress steps a device has completed by now (capped at ``steps``)."""
    per_step = knobs.step_seconds * outcome.get("jitter", 1.0)
    return min(int(sim_elapsed(joined_at, knobs) // per_step), steps)


def token_issue(tenant: SimulatorTenant, *, with_refresh: bool = False, lifetime: int | None = None) -> SimulatorToken:
    knobs = Knobs.of(tenant)
    return SimulatorToken.objects.create(
        tenant=tenant,
        token=secrets.token_hex(24),
        refresh_token=secrets.token_hex(24) if with_refresh else "",
        expires_at=timezone.now() + dt.timedelta(seconds=lifetime or knobs.token_lifetime),
    )


def token_check(raw: str) -> tuple[SimulatorTenant | None, str]:
    """Resolve a bearer token to its tenant; returns ``(None, reason)`` with reason ``missing``/``invalid``/
    ``expired``/``revoked``."""
    if not raw:
        return None, "missing"
    token = SimulatorToken.objects.select_related("tenant").filter(token=raw).first()
    if token is None:
        return None, "invalid"
    if token.revoked:
        return None, "revoked"
    if token.expires_at <= timezone.now():
        return None, "expired"
    return token.tenant, ""


def throttle_exceeded(tenant: SimulatorTenant, knobs: Knobs) -> bool:
    if not knobs.throttle_limit:
        return False
    since = timezone.now() - dt.timedelta(seconds=knobs.throttle_period)
    # Only calls the simulator accepted count against the limit; rejected ones did no work.
    return SimulatorRequest.objects.filter(tenant=tenant, at__gt=since, status__lt=400).count() >= knobs.throttle_limit


def in_outage(tenant: SimulatorTenant, knobs: Knobs) -> bool:
    now = timezone.now()
    start, end = parse_datetime(knobs.outage_start or ""), parse_datetime(knobs.outage_end or "")
    if start and end and start <= now < end:
        return True
    return knobs.outage_rate > 0 and random.random() < knobs.outage_rate


def record(request: HttpRequest, kind: str, tenant: SimulatorTenant | None, status: int, code: str = "") -> None:
    SimulatorRequest.objects.create(
        tenant=tenant, kind=kind, method=request.method, path=request.path[:500], status=status,
        vendor_code=str(code)[:40], at=timezone.now(),
    )


def simulator_endpoint(
    kind: str,
    *,
    authenticate: Callable[[HttpRequest], SimulatorTenant | HttpResponse] | None,
    throttled: Callable[[HttpRequest], HttpResponse],
    outage: Callable[[HttpRequest], HttpResponse],
    error_code_of: Callable[[HttpResponse], str] = lambda response: "",
):
    """Wrap a simulator view: latency, authentication, throttling and outages as the tenant's knobs say, and a
    ``SimulatorRequest`` row for every answer. The view gets ``(request, tenant, **kwargs)``."""

    def decorator(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request: HttpRequest, **kwargs) -> HttpResponse:
            tenant = None
            if authenticate is not None:
                result = authenticate(request)
                if isinstance(result, HttpResponse):
                    record(request, kind, None, result.status_code, error_code_of(result))
                    return result
                tenant = result
            knobs = Knobs.of(tenant) if tenant is not None else Knobs()
            if knobs.latency_ms:
                time.sleep(knobs.latency_ms / 1000)
            if tenant is not None and throttle_exceeded(tenant, knobs):
                response = throttled(request)
            elif tenant is not None and in_outage(tenant, knobs):
                response = outage(request)
            else:
                response = view(request, tenant, **kwargs)
            record(request, kind, tenant, response.status_code, error_code_of(response))
            return response

        return wrapped

    return decorator

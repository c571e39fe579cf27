"""Access to the Knox E-FOTA simulator: its answers (Knox error bodies, throttling, outages), OAuth 2.0 client
credentials, bearer tokens that carry their scopes, and the decorator every business endpoint wears."""

from __future__ import annotations

import datetime as dt
import hmac
import json
import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from vendors.knox_efota import rules
from vendors.models import SimulatorTenant, SimulatorToken
from vendors.simulators.base import Knobs, simulator_endpoint, token_check

KIND = "knox_efota"
# Knox's documented limit (25 calls a second per key) and token life (about ten minutes) apply unless the tenant's
# knobs set their own; an explicit throttle_limit of 0 switches throttling off.
KNOX_KNOB_DEFAULTS = {"throttle_limit": 25, "throttle_period": 1.0, "token_lifetime": 600}
# The E-FOTA scopes Knox documents; a token carries the ones it was granted.
SCOPES = (
    "ke", "ke.campaign", "ke.campaign:view", "ke.campaign:assign", "ke.campaign:manage", "ke.campaign:delete",
    "ke.devices", "ke.devices:view", "ke.devices:manage", "ke.devices:delete",
    "ke.licenses", "ke.licenses:view", "ke.licenses:manage",
)


# --- Answers -----------------------------------------------------------------------------------------------------


def respond(error: rules.KnoxError) -> JsonResponse:
    """Knox's answer for one row of its error table."""
    return JsonResponse(error.body(), status=error.http_status)


def _oauth_error(status: int, error: str, description: str) -> JsonResponse:
    # The token endpoint answers like an OAuth 2.0 server (RFC 6749 §5.2); Knox's exact body is not published [U].
    return JsonResponse({"error": error, "error_description": description}, status=status)


def _code_of(response: HttpResponse) -> str:
    try:
        body = json.loads(response.content or b"{}")
    except ValueError:
        return ""
    return str(body.get("code") or body.get("error") or "") if isinstance(body, dict) else ""


def _throttled(request: HttpRequest) -> HttpResponse:
    response = respond(rules.THROTTLED)
    response["Retry-After"] = "1"
    return response


def _outage(request: HttpRequest) -> HttpResponse:
    return respond(rules.SERVER_ERROR)


def read_json(request: HttpRequest) -> tuple[object, JsonResponse | None]:
    """The request's JSON body (``None`` when it has none), or the answer Knox gives to unreadable JSON."""
    if not request.body:
        return None, None
    try:
        return json.loads(request.body), None
    except ValueError:
        return None, respond(rules.bad_request("", "The request body is not valid JSON."))


# --- Authentication ----------------------------------------------------------------------------------------------


def _with_knox_defaults(tenant: SimulatorTenant) -> SimulatorTenant:
    # Filled in on this request's copy of the tenant only, never saved, so the stored knobs stay what was set.
    tenant.knobs = {**KNOX_KNOB_DEFAULTS, **(tenant.knobs or {})}
    return tenant


def _scope_token(scopes: list[str]) -> str:
    """A new opaque token that carries its granted scopes (as a bit mask), as a signed Knox token would."""
    mask = sum(1 << SCOPES.index(scope) for scope in set(scopes))
    return f"{mask:04x}.{secrets.token_hex(24)}"


def _token_scopes(raw: str) -> set[str]:
    try:
        mask = int(raw.split(".", 1)[0], 16)
    except ValueError:
        return set()
    return {scope for index, scope in enumerate(SCOPES) if mask & (1 << index)}


def _covers(granted: str, required: str) -> bool:
    return required == granted or required.startswith((granted + ".", granted + ":"))


def _bearer(scopes_by_method: dict[str, str]) -> Callable[[HttpRequest], SimulatorTenant | HttpResponse]:
    def authenticate(request: HttpRequest) -> SimulatorTenant | HttpResponse:
        header = request.headers.get("Authorization", "")
        raw = header[7:].strip() if header[:7].lower() == "bearer " else ""
        tenant, reason = token_check(raw)
        if tenant is None or tenant.kind != KIND:
            # Expired and revoked tokens get Knox's expiry code, which tells a client to fetch a new token.
            return respond(rules.TOKEN_EXPIRED if reason in ("expired", "revoked") else rules.UNAUTHORIZED)
        required = scopes_by_method.get(request.method or "")
        if required and not any(_covers(granted, required) for granted in _token_scopes(raw)):
            return respond(rules.WRONG_ACCESS)
        return _with_knox_defaults(tenant)

    return authenticate


def knox_endpoint(**scopes: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A Knox business endpoint: bearer token with the scope each method needs, throttling, outages, logging."""
    return simulator_endpoint(
        KIND, authenticate=_bearer(scopes), throttled=_throttled, outage=_outage, error_code_of=_code_of
    )


def _client_credentials(request: HttpRequest) -> SimulatorTenant | HttpResponse:
    if request.method != "POST":
        return _oauth_error(405, "invalid_request", "The token endpoint only accepts POST.")
    if request.content_type != "application/x-www-form-urlencoded":
        return _oauth_error(400, "invalid_request", "Send the token request form-encoded.")
    client_id, secret = request.POST.get("client_id", ""), request.POST.get("client_secret", "")
    tenant = SimulatorTenant.objects.filter(kind=KIND, tenant_key=client_id).first() if client_id else None
    if tenant is None or not hmac.compare_digest(tenant.secret.encode(), secret.encode()):
        return _oauth_error(401, "invalid_client", "Client authentication failed.")
    return _with_knox_defaults(tenant)


@simulator_endpoint(
    KIND, authenticate=_client_credentials, throttled=_throttled, outage=_outage, error_code_of=_code_of
)
def token(request: HttpRequest, tenant: SimulatorTenant) -> HttpResponse:
    form = request.POST
    unknown = sorted(set(form) - {"grant_type", "client_id", "client_secret", "scope"})
    if unknown:
        return _oauth_error(400, "invalid_request", f"Unknown parameter {unknown[0]!r}.")
    if form.get("grant_type") != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "Only grant_type=client_credentials is supported.")
    scopes = form.get("scope", "").split()
    if not scopes or any(scope not in SCOPES for scope in scopes):
        return _oauth_error(400, "invalid_scope", f"Request one or more of: {', '.join(SCOPES)}.")
    lifetime = int(Knobs.of(tenant).token_lifetime)
    raw = _scope_token(scopes)
    SimulatorToken.objects.create(tenant=tenant, token=raw, expires_at=timezone.now() + dt.timedelta(seconds=lifetime))
    return JsonResponse(
        {"access_token": raw, "scope": " ".join(scopes), "expires_in": lifetime, "token_type": "Bearer"}
    )

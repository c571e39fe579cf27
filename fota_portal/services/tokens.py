"""Personal API tokens: create (the key is shown once), revoke, and authenticate a presented key."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from fota_portal.models import APIToken

KEY_PREFIX = "fp_"
# A used token's last_used_at is written at most this often: a tool calling many times a second must not turn every
# read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _hash(key: str) -> str:
    # The secret part is 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_create(*, user: AbstractBaseUser, name: str) -> tuple[APIToken, str]:
    """Create a token for ``user``; returns the row and the full key, which is never stored nor shown again."""
    while True:
        prefix = secrets.token_hex(4)
        if not APIToken.objects.filter(prefix=prefix).exists():
            break
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = APIToken.objects.create(user=user, name=name, prefix=prefix, key_hash=_hash(key))
    return token, key


def api_token_revoke(*, token: APIToken) -> APIToken:
    """Revoke a token for good; revoking twice keeps the first revocation time."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def api_token_authenticate(*, key: str) -> APIToken | None:
    """The active token a presented key belongs to (with its user), or ``None`` for a wrong or revoked key."""
    if not key.startswith(KEY_PREFIX) or key.count("_") < 2:
        return None
    prefix = key[len(KEY_PREFIX) :].split("_", 1)[0]
    token = APIToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(key)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token

"""Encryption at rest for vendor credentials (Fernet, with key rotation)."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsUnreadable(Exception):
    """Stored credentials cannot be decrypted with any configured key."""


def _fernet() -> MultiFernet:
    keys = list(settings.FOTA_CREDENTIALS_KEYS)
    if not keys:
        # Without an explicit key the SECRET_KEY is stretched into one, so a fresh install still encrypts; set
        # FOTA_CREDENTIALS_KEYS in production so rotating SECRET_KEY does not orphan stored credentials.
        keys = [base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()]
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def credentials_encrypt(credentials: dict) -> str:
    return _fernet().encrypt(json.dumps(credentials, sort_keys=True).encode()).decode()


def credentials_decrypt(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken:
        raise CredentialsUnreadable(
            "The stored vendor credentials cannot be decrypted with the configured FOTA_CREDENTIALS_KEYS; "
            "restore the key they were saved with or enter the credentials again."
        ) from None

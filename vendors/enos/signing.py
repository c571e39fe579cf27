"""The EnOS APIM signing rules: the token request's ``encryption`` and each API call's ``apim-signature``.

Both are lower-case SHA-256 hex digests (EnOS "Get Access Token" and "Invoking API with Access Token"). The connector
signs with them and the simulator verifies with them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def token_encryption(*, app_key: str, timestamp: int | str, app_secret: str) -> str:
    """``encryption`` of a token request: sha256(appKey + timestamp + appSecret)."""
    return sha256_hex(f"{app_key}{timestamp}{app_secret}")


def params_data(query: Iterable[tuple[str, str]], body: str) -> str:
    """The signed text of a call: query parameters sorted by name, each name then its value, then the raw body.

    The body must be the exact bytes sent: EnOS rejects a signature over a re-serialised body.
    """
    return "".join(f"{key}{value}" for key, value in sorted(query, key=lambda item: item[0])) + body


def request_signature(*, access_token: str, query: Iterable[tuple[str, str]], body: str, timestamp: int | str,
                      app_secret: str) -> str:
    """``apim-signature`` of a call: sha256(accessToken + paramsData + timestamp + appSecret)."""
    return sha256_hex(f"{access_token}{params_data(query, body)}{timestamp}{app_secret}")

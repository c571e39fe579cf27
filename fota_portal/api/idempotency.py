"""``Idempotency-Key`` for actions: the same key by the same user replays the first response and does nothing twice.

The key row, the action and the stored response commit in one transaction: a concurrent duplicate waits on the
key's unique index and then replays what the first one committed, and an action that fails with a server error
rolls back together with its key, so it can be retried with the same key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from fota_portal.models import IdempotencyKey

HEADER = "Idempotency-Key"
_WELL_FORMED = re.compile(r"^[\x21-\x7e]{1,255}$")

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    type=str,
    description="Any unique string (e.g. a UUID), 1–255 printable characters. Sending the same key again (same "
    "user, same request) returns the first response instead of acting twice.",
)


class IdempotencyKeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used for a different request; use a new key."
    default_code = "idempotency_key_reused"
    error_type = "idempotency_key_reused"


class _NotStored(Exception):
    """Rolls back the key with a response that must not be replayed (a server error)."""

    def __init__(self, response: Response):
        self.response = response


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyKey) -> Response:
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view, request, run: Callable[[], Response]) -> Response:
    """Run an action once per ``Idempotency-Key``; without the header, just run it."""
    key = request.headers.get(HEADER)
    if key is None:
        return run()
    if not _WELL_FORMED.match(key):
        raise ValidationError({HEADER: ["Use 1–255 printable ASCII characters without spaces."]})
    fingerprint = _fingerprint(request)
    ttl = dt.timedelta(hours=getattr(settings, "API_IDEMPOTENCY_TTL_HOURS", 24))
    try:
        with transaction.atomic():
            IdempotencyKey.objects.filter(user=request.user, created_at__lt=timezone.now() - ttl).delete()
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        user=request.user, key=key, method=request.method, path=request.path[:500],
                        fingerprint=fingerprint, response_status=0,
                    )
            except IntegrityError:
                record = IdempotencyKey.objects.get(user=request.user, key=key)
                if record.fingerprint != fingerprint:
                    raise IdempotencyKeyReused() from None
                return _replay(record)
            try:
                response = run()
            except Exception as exc:  # the error response is the action's result, stored like a success
                response = view.handle_exception(exc)
            if response.status_code >= 500:
                raise _NotStored(response)
            record.response_status = response.status_code
            record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
            record.save(update_fields=["response_status", "response_body"])
            return response
    except _NotStored as failed:
        return failed.response

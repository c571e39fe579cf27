"""The API's one error model and the DRF exception handler that produces it.

Every error is ``{"object": "error", "code": <HTTP status>, "type", "message", "fields": [{"name", "message"}],
"request_id"}`` (the Izuma convention). No exception, from DRF, Django or the database, leaves the API as HTML.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler, set_rollback

from fota_portal.request_id import request_id_get

logger = logging.getLogger(__name__)

# The Izuma error types the API borrows, by HTTP status; an exception may name a more precise one (``error_type``).
DEFAULT_TYPES = {
    400: "bad_request",
    401: "invalid_auth",
    403: "access_denied",
    404: "not_found",
    405: "method_not_supported",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "too_many_requests",
    500: "internal_server_error",
}


class Conflict(exceptions.APIException):
    """The request is well formed but the resource's current state refuses it (e.g. an illegal transition)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource's current state does not allow this request."
    default_code = "conflict"
    error_type = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class FieldErrors(exceptions.APIException):
    """An error with a status of its choosing that still names the fields it is about."""

    def __init__(self, *, status_code: int, error_type: str, message: str, fields: list[dict]):
        super().__init__(detail=message)
        self.status_code = status_code
        self.error_type = error_type
        self.fields = fields


def error_body(*, code: int, type: str, message: str, fields: list[dict] | None = None) -> dict:
    request_id = request_id_get()
    return {
        "object": "error",
        "code": code,
        "type": type,
        "message": message,
        "fields": fields or [],
        "request_id": "" if request_id == "-" else request_id,
    }


def validation_fields(detail, prefix: str = "") -> list[dict]:
    """Flatten DRF's nested error detail into ``[{name, message}]``; nested names read ``firmware_map[1].model``."""
    if isinstance(detail, dict):
        found: list[dict] = []
        for key, value in detail.items():
            if isinstance(key, int):  # a list serializer's errors, keyed by the item's index
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            found += validation_fields(value, name)
        return found
    if isinstance(detail, list):
        messages = [str(item) for item in detail if isinstance(item, str)]
        found = [{"name": prefix or "non_field_errors", "message": " ".join(messages)}] if messages else []
        for index, item in enumerate(detail):
            if isinstance(item, (dict, list)) and item:
                found += validation_fields(item, f"{prefix}[{index}]")
        return found
    return [{"name": prefix or "non_field_errors", "message": str(detail)}]


def _validation_message(fields: list[dict]) -> str:
    if len(fields) == 1:
        return f"Invalid {fields[0]['name']}: {fields[0]['message']}"
    return f"{len(fields)} fields are invalid: {', '.join(f['name'] for f in fields)}. See fields for each reason."


def _translate(exc: Exception) -> Exception:
    """Turn the Django and database exceptions a request can cause into API exceptions with the right status."""
    if isinstance(exc, (ProtectedError, RestrictedError)):
        users = sorted({str(obj._meta.verbose_name_plural) for obj in exc.args[1]}) if len(exc.args) > 1 else []
        return Conflict(
            "It is still used" + (f" by {', '.join(users)}" if users else "") + "; remove those first."
        )
    if isinstance(exc, IntegrityError):
        # Validation checks every rule the database enforces, so this is a race with another writer.
        return Conflict("The change conflicts with data written at the same time (e.g. the same name); try again.")
    if isinstance(exc, DataError):
        # The database refused a value (out of range, malformed): bad input, never the server's fault. Logged, as it
        # means a validation gap worth closing.
        logger.warning("The database refused a request value: %s", exc)
        return exceptions.ParseError("A value in the request is out of range or malformed for its field.")
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge(
            "The request body is larger than the server accepts; send large CSV files as a multipart upload."
        )
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or None)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    return exc


def api_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's exception handler, answering every exception with the error model."""
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        request = context.get("request")
        logger.exception("Unhandled error in %s %s", getattr(request, "method", "?"), getattr(request, "path", "?"))
        set_rollback()
        body = error_body(code=500, type="internal_server_error",
                          message="The server failed to handle this request; quote the request id when reporting it.")
        return Response(body, status=500)
    code = response.status_code
    if isinstance(exc, FieldErrors):
        body = error_body(code=code, type=exc.error_type, message=str(exc.detail), fields=exc.fields)
    elif isinstance(exc, exceptions.ValidationError):
        fields = validation_fields(exc.detail)
        body = error_body(code=code, type="validation_error", message=_validation_message(fields), fields=fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        if isinstance(detail, (list, dict)):
            fields = validation_fields(detail)
            message = _validation_message(fields)
        else:
            fields, message = [], str(detail)
        if isinstance(exc, exceptions.AuthenticationFailed):
            error_type = "invalid_token"
        else:
            error_type = getattr(exc, "error_type", None) or DEFAULT_TYPES.get(code, "error")
        body = error_body(code=code, type=error_type, message=message, fields=fields)
    response.data = body
    return response


@csrf_exempt  # a 404 changes nothing; without this a POST to an unknown URL would get the CSRF failure page
def api_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Unknown URLs under /api/ answer with the error model, not Django's HTML page."""
    message = f"No API endpoint at {request.path}."
    if not request.path.endswith("/"):
        message += " API paths end with a slash."
    return JsonResponse(error_body(code=404, type="unrecognized_request", message=message), status=404)


class JSONErrorsMixin:
    """For views that render something else (the schema, the docs page, CSV): their errors still go out as JSON."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(response, "exception", False):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response

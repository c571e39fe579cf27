"""OpenAPI generation: the error model on every operation, ``X-Request-ID`` on every response, the bearer scheme."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorFieldSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The field, query parameter or header at fault; nested as `a[0].b`.")
    message = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    """Every error the API returns (the Izuma error model)."""

    object = serializers.ChoiceField(choices=["error"])
    code = serializers.IntegerField(help_text="The HTTP status.")
    type = serializers.CharField(help_text="e.g. validation_error, invalid_auth, access_denied, not_found, conflict.")
    message = serializers.CharField()
    fields = ErrorFieldSerializer(many=True)
    request_id = serializers.CharField(help_text="The X-Request-ID of the request; quote it when reporting a problem.")

    class Meta:
        ref_name = "Error"


_DESCRIPTIONS = {
    "400": "Invalid request: `fields` names each bad field, query parameter or header.",
    "401": "No credentials, or an unknown or revoked token.",
    "403": "The user's role does not allow this.",
    "404": "No such resource.",
    "405": "The method is not supported here.",
    "406": "The requested response format is not available.",
    "409": "The resource's current state refuses the request; `message` says why.",
    "413": "The request body is too large.",
    "415": "The request body's content type is not supported.",
    "422": "The Idempotency-Key was already used for a different request.",
    "429": "Too many requests for this token; retry after the `Retry-After` seconds.",
}
_REQUEST_ID_HEADER = {
    "X-Request-ID": {
        "schema": {"type": "string", "maxLength": 32},
        "description": "The request's id (a well-formed incoming one is kept); also in the logs and in errors.",
    }
}


class PortalAutoSchema(AutoSchema):
    """Adds the error responses every operation can give and the request id header every response carries."""

    def _error_codes(self) -> list[str]:
        codes = ["400", "401", "403", "404", "405", "406", "429"]
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes += ["409", "413", "415"]
        return codes

    def _get_response_bodies(self, direction="response") -> dict:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        error_ref = self.resolve_serializer(ErrorSerializer, "response").ref
        for code in self._error_codes():
            responses.setdefault(
                code,
                {"description": _DESCRIPTIONS[code], "content": {"application/json": {"schema": error_ref}}},
            )
        for code, response in responses.items():
            if code.startswith("4") and code not in _DESCRIPTIONS and "content" not in response:
                response["content"] = {"application/json": {"schema": error_ref}}
            response.setdefault("headers", {}).update(_REQUEST_ID_HEADER)
        return responses


class APITokenScheme(OpenApiAuthenticationExtension):
    """Documents personal API tokens as an HTTP bearer scheme."""

    target_class = "fota_portal.api.authentication.APITokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`fp_…`) created at /api/v1/tokens/.",
        }



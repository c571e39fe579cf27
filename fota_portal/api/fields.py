"""Serializer fields shared by the apps' APIs: JSON objects and lists the database can always store."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

MAX_JSON_DEPTH = 8


def _check(value, depth: int = 0) -> None:
    if depth > MAX_JSON_DEPTH:
        raise serializers.ValidationError(f"Nested deeper than {MAX_JSON_DEPTH} levels.")
    if isinstance(value, str):
        # PostgreSQL's jsonb cannot hold a NUL character; refusing it here keeps it a 400, not a database error.
        if "\x00" in value:
            raise serializers.ValidationError("Strings may not contain NUL characters.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObjectField(serializers.JSONField):
    """A JSON object (``{}``), checked for what the database cannot store."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            raise serializers.ValidationError("Expected a JSON object.")
        _check(value)
        return value


@extend_schema_field({"type": "array", "items": {}})
class JSONListField(serializers.JSONField):
    """A JSON array, checked for what the database cannot store."""

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, list):
            raise serializers.ValidationError("Expected a JSON array.")
        _check(value)
        return value

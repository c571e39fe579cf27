"""List paging as Izuma does it: ``limit`` (2–1000, default 50), ``after`` (the last id seen), ``order`` (ASC or
DESC by id) and ``include=total_count``.

Paging is by id (keyset), so a page costs the same at row ten million as at row ten, and rows added while a tool
walks a list never make it skip or repeat one. A limit outside 2–1000 is refused with 400 rather than clamped: a
tool that asks for 5000 rows should learn that it gets 1000, not find out by counting.
"""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

MIN_LIMIT, DEFAULT_LIMIT, MAX_LIMIT = 2, 50, 1000
MAX_ID = 2**63 - 1
PAGING_PARAMS = ("limit", "after", "order", "include")
INCLUDES = ("total_count",)


class PagingParams(serializers.Serializer):
    """The paging query parameters, validated like any input so a bad value names itself."""

    limit = serializers.IntegerField(min_value=MIN_LIMIT, max_value=MAX_LIMIT, default=DEFAULT_LIMIT)
    after = serializers.IntegerField(min_value=0, max_value=MAX_ID, required=False, allow_null=True, default=None)
    order = serializers.ChoiceField(choices=["ASC", "DESC"], default="ASC")
    include = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_include(self, value: str) -> list[str]:
        names = [name.strip() for name in value.split(",") if name.strip()]
        unknown = [name for name in names if name not in INCLUDES]
        if unknown:
            raise ValidationError(f"Unknown include {', '.join(unknown)}; supported: {', '.join(INCLUDES)}.")
        return names


def paging_params(query_params) -> dict:
    """Validated paging parameters from a query string; raises ``ValidationError`` naming each bad one."""
    raw = {name: query_params.get(name) for name in PAGING_PARAMS if query_params.get(name) not in (None, "")}
    params = PagingParams(data=raw)
    params.is_valid(raise_exception=True)
    return dict(params.validated_data)


class ListPagination(BasePagination):
    """Keyset paging by id with the Izuma list envelope ``{"object": "list", "data", "has_more", ...}``."""

    def paginate_queryset(self, queryset, request, view=None) -> list:
        params = paging_params(request.query_params)
        self.limit, self.after, self.order = params["limit"], params["after"], params["order"]
        descending = self.order == "DESC"
        page = queryset.order_by("-id" if descending else "id")
        if self.after is not None:
            page = page.filter(id__lt=self.after) if descending else page.filter(id__gt=self.after)
        rows = list(page[: self.limit + 1])
        self.has_more = len(rows) > self.limit
        self.total_count = queryset.order_by().count() if "total_count" in params["include"] else None
        return rows[: self.limit]

    def get_paginated_response(self, data) -> Response:
        body = {
            "object": "list",
            "data": data,
            "has_more": self.has_more,
            "limit": self.limit,
            "after": self.after,
            "order": self.order,
        }
        if self.total_count is not None:
            body["total_count"] = self.total_count
        return Response(body)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["object", "data", "has_more", "limit", "after", "order"],
            "properties": {
                "object": {"type": "string", "enum": ["list"]},
                "data": schema,
                "has_more": {"type": "boolean", "description": "Whether another page follows this one."},
                "limit": {"type": "integer", "minimum": MIN_LIMIT, "maximum": MAX_LIMIT},
                "after": {"type": "integer", "nullable": True, "description": "The `after` of the request."},
                "order": {"type": "string", "enum": ["ASC", "DESC"]},
                "total_count": {
                    "type": "integer",
                    "description": "Rows matching the filters, with `include=total_count`.",
                },
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": "limit", "in": "query", "required": False,
                "description": f"Rows per page, {MIN_LIMIT}–{MAX_LIMIT} (default {DEFAULT_LIMIT}).",
                "schema": {"type": "integer", "minimum": MIN_LIMIT, "maximum": MAX_LIMIT,
                           "default": DEFAULT_LIMIT},
            },
            {
                "name": "after", "in": "query", "required": False,
                "description": "Start after this id: pass the `id` of the last row of the previous page.",
                "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
            },
            {
                "name": "order", "in": "query", "required": False, "description": "Order by id.",
                "schema": {"type": "string", "enum": ["ASC", "DESC"], "default": "ASC"},
            },
            {
                "name": "include", "in": "query", "required": False,
                "description": "Extra data to return: `total_count`.",
                "schema": {"type": "string", "enum": list(INCLUDES)},
            },
        ]

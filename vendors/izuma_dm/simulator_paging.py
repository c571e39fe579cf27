"""The Izuma simulator's list conventions: ``limit``/``after``/``order``/``include``, ``field__op`` filters (also in a
``filter=`` string and in a campaign's ``device_filter``), and the ``{object: "list", ...}`` page body.

As the seed document and the spec describe them: limit 2–1000 (out-of-range values are clamped, default 50), ``after``
is the id of the last item of the previous page, ``order`` ASC|DESC, ``include=total_count``, filters ``__eq``,
``__neq``, ``__in``, ``__nin`` (comma-separated), ``__lte``, ``__gte`` (RFC 3339 or ``20161130T162512Z``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.dateparse import parse_datetime

DEFAULT_LIMIT = 50
MIN_LIMIT, MAX_LIMIT = 2, 1000
ORDERS = ("ASC", "DESC")
INCLUDES = ("total_count",)
PAGING_PARAMS = ("limit", "after", "order", "include")
ALL_OPS = ("eq", "neq", "in", "nin", "lte", "gte")
STRING_OPS = ("eq", "neq", "in", "nin")
DATE_OPS = ("in", "nin", "lte", "gte")


class QueryError(Exception):
    """A list or filter parameter the vendor would refuse: becomes a 400 ``validation_error`` naming the field."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass(frozen=True)
class Filter:
    """One ``field__op=value`` condition."""

    field: str
    op: str
    value: str


@dataclass(frozen=True)
class ListQuery:
    """A parsed list request."""

    limit: int = DEFAULT_LIMIT
    after: str = ""
    order: str = "ASC"
    include_total: bool = False
    filters: tuple[Filter, ...] = field(default_factory=tuple)


def _parse_time(value: str) -> dt.datetime | None:
    value = value.strip()
    if len(value) == 16 and value[8] == "T" and value.endswith("Z"):  # the truncated form, 20161130T162512Z
        value = f"{value[0:4]}-{value[4:6]}-{value[6:8]}T{value[9:11]}:{value[11:13]}:{value[13:15]}Z"
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def filter_parse(
    key: str, value: str, *, filterable: dict[str, tuple[str, ...]], dates: Iterable[str] = (), error_name: str = ""
) -> Filter:
    """Read one ``field__op`` (or bare ``field``, meaning eq, inside a filter string) against the endpoint's table."""
    name, _, op = key.rpartition("__")
    if not name:
        name, op = key, "eq"
    if name not in filterable:
        raise QueryError(error_name or key, f"'{name}' is not a field this list can be filtered on.")
    if op not in filterable[name]:
        raise QueryError(error_name or key, f"The '__{op}' operator is not supported for '{name}'.")
    if op in ("lte", "gte") and name in dates and _parse_time(value) is None:
        raise QueryError(error_name or key, f"'{value}' is not an RFC 3339 date-time.")
    return Filter(name, op, value)


def filter_string_parse(
    text: str, *, filterable: dict[str, tuple[str, ...]], dates: Iterable[str] = (), error_name: str
) -> tuple[Filter, ...]:
    """Read a filter string such as ``id__in=a,b&state__eq=registered`` (a ``filter=`` value or a device filter)."""
    pairs = parse_qsl(text, keep_blank_values=True)
    if not pairs:
        raise QueryError(error_name, "The filter is empty or is not a query string of key=value pairs.")
    return tuple(filter_parse(k, v, filterable=filterable, dates=dates, error_name=error_name) for k, v in pairs)


def list_query(
    params: QueryDict,
    *,
    filterable: dict[str, tuple[str, ...]] | None = None,
    dates: Iterable[str] = (),
    filter_param: bool = False,
) -> ListQuery:
    """Parse a list request's query string; any parameter the endpoint does not document is refused."""
    filterable = filterable or {}
    limit, after, order, include_total = DEFAULT_LIMIT, "", "ASC", False
    filters: list[Filter] = []
    for key in params:
        value = params[key]
        if key == "limit":
            try:
                limit = min(max(int(value), MIN_LIMIT), MAX_LIMIT)
            except ValueError:
                raise QueryError("limit", "limit must be an integer between 2 and 1000.") from None
        elif key == "after":
            after = value
        elif key == "order":
            if value not in ORDERS:
                raise QueryError("order", "order must be ASC or DESC.")
            order = value
        elif key == "include":
            wanted = [part.strip() for part in value.split(",") if part.strip()]
            unknown = [part for part in wanted if part not in INCLUDES]
            if unknown:
                raise QueryError("include", f"Unsupported include: {', '.join(unknown)}. Supported: total_count.")
            include_total = "total_count" in wanted
        elif key == "filter" and filter_param:
            filters.extend(filter_string_parse(value, filterable=filterable, dates=dates, error_name="filter"))
        elif "__" in key:
            filters.append(filter_parse(key, value, filterable=filterable, dates=dates))
        else:
            raise QueryError(key, f"'{key}' is not a query parameter of this endpoint.")
    return ListQuery(limit=limit, after=after, order=order, include_total=include_total, filters=tuple(filters))


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compare(value: object, bound: str) -> int:
    """-1/0/1 comparing an item's value with a bound: as date-times when both parse, else as numbers or text."""
    left, right = _parse_time(_text(value)), _parse_time(bound)
    if left is not None and right is not None:
        return (left > right) - (left < right)
    try:
        number, number_bound = float(_text(value)), float(bound)
    except ValueError:
        text, text_bound = _text(value), bound
        return (text > text_bound) - (text < text_bound)
    return (number > number_bound) - (number < number_bound)


def matches(item: dict, filters: Iterable[Filter]) -> bool:
    """Whether a rendered item meets every filter."""
    for f in filters:
        value = item.get(f.field)
        if f.op == "eq" and _text(value) != f.value:
            return False
        if f.op == "neq" and _text(value) == f.value:
            return False
        if f.op == "in" and _text(value) not in f.value.split(","):
            return False
        if f.op == "nin" and _text(value) in f.value.split(","):
            return False
        if f.op in ("lte", "gte"):
            if value is None:
                return False
            order = _compare(value, f.value)
            if (f.op == "lte" and order > 0) or (f.op == "gte" and order < 0):
                return False
    return True


def page_body(data: list[dict], query: ListQuery, *, has_more: bool, total: int | None) -> dict:
    body = {"object": "list", "data": data, "has_more": has_more, "limit": query.limit, "order": query.order}
    # The spec types ``after`` as a string (not nullable), so it is only echoed when the request carried one.
    if query.after:
        body["after"] = query.after
    if query.include_total and total is not None:
        body["total_count"] = total
    return body


def page_of(queryset: QuerySet, *, key: str, query: ListQuery, render: Callable[[Any], dict]) -> dict:
    """One page of a queryset ordered by its id field ``key``, filtered on the rendered items.

    Without filters the page is cut in the database, so a large simulated fleet still pages cheaply; with filters
    the items are rendered and filtered first (the simulator's fleets are thousands, not millions).
    """
    descending = query.order == "DESC"
    ordered = queryset.order_by(f"-{key}" if descending else key)
    if not query.filters:
        total = ordered.count() if query.include_total else None
        if query.after:
            ordered = ordered.filter(**{f"{key}__{'lt' if descending else 'gt'}": query.after})
        rows = list(ordered[: query.limit + 1])
        data = [render(row) for row in rows[: query.limit]]
        return page_body(data, query, has_more=len(rows) > query.limit, total=total)
    items = [item for item in map(render, ordered) if matches(item, query.filters)]
    total = len(items)
    if query.after:
        items = [i for i in items if (i["id"] < query.after if descending else i["id"] > query.after)]
    return page_body(items[: query.limit], query, has_more=len(items) > query.limit, total=total)

"""Izuma-style list filters (``field__eq``, ``__neq``, ``__in``, ``__nin``, ``__lte``, ``__gte``) as django-filter
FilterSets, so one FilterSet serves the dashboard's list and the API's; and the backend that refuses unknown ones.

A FilterSet declares ``filter_fields = {"name": "orm__path"}`` (or ``("orm__path", ops)``); each name gets the
operators that make sense for the model field's type.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import django_filters
from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from fota_portal.api.pagination import MAX_ID, PAGING_PARAMS

ALL_OPS = ("eq", "neq", "in", "nin", "lte", "gte")
SET_OPS = ("eq", "neq", "in", "nin")
BOOL_OPS = ("eq", "neq")
_LOOKUPS = {"eq": "exact", "neq": "exact", "in": "in", "nin": "in", "lte": "lte", "gte": "gte"}
_RANGE = {"type": "integer", "format": "int64", "minimum": -MAX_ID - 1, "maximum": MAX_ID}


class BoundedIntegerField(forms.IntegerField):
    """An integer the database can compare with (64 bits), so a huge number is a 400, not a database error."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -MAX_ID - 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field(_RANGE)
class IntegerFilter(django_filters.NumberFilter):
    field_class = BoundedIntegerField


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, moved to UTC: the database refuses offsets beyond ±15:59 that Python accepts."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.timezone.utc)
        except OverflowError:
            raise forms.ValidationError("The date-time is out of range.", code="overflow") from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


class StrictBooleanField(forms.NullBooleanField):
    """``true``/``false`` (or 1/0); anything else is an error rather than silently no filter."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        normalized = str(value).strip().lower()
        if normalized in ("true", "1"):
            return True
        if normalized in ("false", "0"):
            return False
        raise forms.ValidationError("Use true or false.", code="invalid")

    def validate(self, value) -> None:
        pass


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def _model_field(model: type[models.Model], path: str) -> tuple[models.Field, bool]:
    """The model field at the end of an ORM path, and whether the path crosses a to-many relation (rows may repeat,
    so the filter must be distinct). A relation at the end compares by the related row's id."""
    parts = path.split("__")
    many = False
    field: models.Field | None = None
    for index, part in enumerate(parts):
        field = model._meta.get_field(part)
        many = many or bool(field.many_to_many or field.one_to_many)
        if field.is_relation:
            if index < len(parts) - 1:
                model = field.related_model
            else:
                field = field.target_field
    if field is None:
        raise FieldDoesNotExist(path)
    return field, many


def _base_filter(field: models.Field) -> tuple[type[django_filters.Filter], dict, tuple[str, ...]]:
    if field.choices:
        return django_filters.ChoiceFilter, {"choices": list(field.flatchoices)}, SET_OPS
    if isinstance(field, models.BooleanField):
        return BooleanFilter, {}, BOOL_OPS
    if isinstance(field, (models.IntegerField, models.AutoField, models.BigAutoField)):
        return IntegerFilter, {}, ALL_OPS
    if isinstance(field, models.DateTimeField):
        return DateTimeFilter, {}, ALL_OPS
    if isinstance(field, models.DateField):
        return django_filters.DateFilter, {}, ALL_OPS
    return django_filters.CharFilter, {}, SET_OPS


def suffix_filters(model: type[models.Model], name: str, path: str, ops: tuple[str, ...] | None = None) -> dict:
    """The ``name__op`` filters for one field."""
    field, many = _model_field(model, path)
    base, extra, default_ops = _base_filter(field)
    made = {}
    for op in ops or default_ops:
        cls = base
        if op in ("in", "nin"):
            cls = type(f"{base.__name__}In", (django_filters.BaseInFilter, base), {})
        made[f"{name}__{op}"] = cls(
            field_name=path,
            lookup_expr=_LOOKUPS[op],
            exclude=op in ("neq", "nin"),
            distinct=many,
            label=f"{name} {op}",
            **extra,
        )
    return made


class SuffixFilterSet(django_filters.FilterSet):
    """A FilterSet whose filters are generated from ``filter_fields`` with the Izuma operator suffixes."""

    filter_fields: ClassVar[dict[str, str | tuple[str, tuple[str, ...]]]] = {}

    @classmethod
    def get_filters(cls) -> dict:
        filters = super().get_filters()
        if cls._meta.model is None:
            return filters
        for name, spec in cls.filter_fields.items():
            path, ops = (spec, None) if isinstance(spec, str) else spec
            filters.update(suffix_filters(cls._meta.model, name, path, ops))
        return filters


class SuffixFilterBackend(DjangoFilterBackend):
    """Applies a view's FilterSet and refuses, with 400 naming them, parameters that are neither filters nor paging."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        known = set(filterset.filters) if filterset is not None else set()
        unknown = [name for name in request.query_params if name not in known and name not in PAGING_PARAMS]
        if unknown:
            offered = ", ".join(sorted({name.rsplit("__", 1)[0] for name in known})) or "nothing"
            raise ValidationError(
                {name: [f"Unknown filter. This list filters on: {offered} (with __eq, __neq, __in, __nin, __lte, "
                        "__gte as each field allows)."] for name in unknown}
            )
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise translate_validation(filterset.errors)
        return filterset.qs

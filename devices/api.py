"""REST API of the devices app: devices and their labels, CSV import, fleets with members and previews, firmware."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response

from devices.filtersets import DeviceFilterSet, DeviceImportFilterSet, FirmwareFilterSet, FleetFilterSet
from devices.imports import ImportRejected, device_import_create
from devices.labels import LABEL_NAME_MAX, device_labels_set
from devices.models import Device, DeviceImport, Firmware, Fleet
from devices.selectors import SavedFilterError, fleet_devices, saved_filter_q
from devices.services_fleets import (
    MEMBER_CHANGE_LIMIT,
    fleet_create,
    fleet_members_add,
    fleet_members_remove,
    fleet_update,
    saved_filter_clean,
    saved_filter_count,
)
from fota_portal.api.errors import PayloadTooLarge
from fota_portal.api.fields import JSONObjectField
from fota_portal.roles import Role

MAX_ID = 2**63 - 1


# --- devices ------------------------------------------------------------------------------------------------------


class DeviceSerializer(serializers.ModelSerializer):
    vendor_kind = serializers.CharField(source="account.kind", read_only=True)
    labels = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Device
        fields = [
            "id", "account", "vendor_kind", "external_id", "name", "model", "firmware_version", "vendor_attributes",
            "labels", "last_seen_at", "created_at", "updated_at",
        ]
        read_only_fields = fields


class DeviceLabelsSerializer(serializers.Serializer):
    labels = serializers.ListField(
        child=serializers.SlugField(max_length=LABEL_NAME_MAX), max_length=100,
        help_text="The device's labels, replacing the current ones; unknown names are created.",
    )


class CSVParser(BaseParser):
    """A CSV file sent as the request body (``text/csv``)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None) -> dict:
        return {"content": stream.read() if stream is not None else b""}


class PlainTextCSVParser(CSVParser):
    media_type = "text/plain"


class DeviceImportSerializer(serializers.ModelSerializer):
    class ImportErrorSerializer(serializers.Serializer):
        line = serializers.IntegerField()
        field = serializers.CharField(allow_blank=True)
        message = serializers.CharField()

    errors = ImportErrorSerializer(many=True, read_only=True)
    created_by = serializers.CharField(source="created_by.get_username", read_only=True, allow_null=True)

    class Meta:
        model = DeviceImport
        fields = [
            "id", "state", "filename", "total_rows", "processed_rows", "created_count", "updated_count",
            "error_count", "errors", "message", "created_by", "started_at", "finished_at", "created_at",
        ]
        read_only_fields = fields


_IMPORT_REQUEST = {
    "multipart/form-data": {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    },
    "text/csv": {"type": "string"},
}


@extend_schema_view(
    list=extend_schema(summary="List devices"),
    retrieve=extend_schema(summary="Get a device"),
)
class DeviceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Devices, one per device per vendor account (created by inventory sync and CSV import)."""

    queryset = Device.objects.select_related("account").prefetch_related("labels")
    serializer_class = DeviceSerializer
    filterset_class = DeviceFilterSet

    @extend_schema(summary="Set a device's labels", request=DeviceLabelsSerializer, responses=DeviceSerializer)
    def partial_update(self, request, pk=None) -> Response:
        device = self.get_object()
        payload = DeviceLabelsSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        device_labels_set(device=device, names=payload.validated_data["labels"])
        return Response(DeviceSerializer(self.get_queryset().get(pk=device.pk)).data)

    @extend_schema(
        summary="Import devices from CSV",
        request=_IMPORT_REQUEST,
        responses={
            201: OpenApiResponse(DeviceImportSerializer, description="Imported now; per-row errors listed."),
            202: OpenApiResponse(DeviceImportSerializer, description="Large file: queued; poll the import."),
        },
    )
    @action(detail=False, methods=["post"], url_path="import", filter_backends=[],
            parser_classes=[MultiPartParser, CSVParser, PlainTextCSVParser])
    def import_csv(self, request) -> Response:
        """Columns ``account`` (name or id), ``external_id``, ``model`` and optionally ``firmware_version``,
        ``name``, ``labels`` (``;``-separated). Valid rows are imported, invalid ones reported with their line."""
        upload = request.FILES.get("file")
        if upload is not None:
            if upload.size > settings.DEVICE_IMPORT_MAX_BYTES:
                raise PayloadTooLarge(f"The file is larger than {settings.DEVICE_IMPORT_MAX_BYTES} bytes.")
            content, filename = upload.read(), upload.name or ""
        else:
            content, filename = request.data.get("content"), ""
        if not content:
            raise ValidationError({"file": ["Send the CSV as a multipart field 'file' or as a text/csv body."]})
        try:
            device_import = device_import_create(content=content, filename=filename, user=request.user)
        except ImportRejected as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        done = device_import.state in (DeviceImport.State.DONE, DeviceImport.State.FAILED)
        return Response(DeviceImportSerializer(device_import).data,
                        status=status.HTTP_201_CREATED if done else status.HTTP_202_ACCEPTED)


@extend_schema_view(
    list=extend_schema(summary="List device imports"),
    retrieve=extend_schema(summary="Get an import's status and errors"),
)
class DeviceImportViewSet(viewsets.ReadOnlyModelViewSet):
    """CSV imports and their progress (large files are imported in the background)."""

    queryset = DeviceImport.objects.select_related("created_by").defer("content")
    serializer_class = DeviceImportSerializer
    filterset_class = DeviceImportFilterSet


# --- fleets -------------------------------------------------------------------------------------------------------


def _saved_filter_values(key: str, values) -> list:
    values = values if isinstance(values, list) else [values]
    if key == "account":
        if not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_ID for v in values):
            raise ValidationError({key: ["Vendor account ids: whole numbers."]})
    elif not all(isinstance(v, str) and 0 < len(v) <= 200 for v in values):
        raise ValidationError({key: ["Names: non-empty strings of at most 200 characters."]})
    return values


class SavedFilterField(JSONObjectField):
    """A fleet's saved filter: ``account`` (ids), ``vendor_kind``, ``model``, ``firmware_version``, ``labels``."""

    def to_internal_value(self, data) -> dict:
        raw = super().to_internal_value(data)
        try:
            cleaned = saved_filter_clean(raw)
        except SavedFilterError as exc:
            raise ValidationError(str(exc)) from None
        return {key: _saved_filter_values(key, values) for key, values in cleaned.items()}


class FleetSerializer(serializers.ModelSerializer):
    saved_filter = SavedFilterField(
        required=False,
        help_text="Devices matching it belong to the fleet besides its members: keys account (ids), vendor_kind, "
        "model, firmware_version, labels (names), each a list. Empty matches nothing.",
    )
    member_count = serializers.SerializerMethodField(help_text="Static members (the saved filter adds more).")
    created_by = serializers.CharField(source="created_by.get_username", read_only=True, allow_null=True)

    class Meta:
        model = Fleet
        fields = ["id", "name", "description", "saved_filter", "member_count", "created_by", "created_at",
                  "updated_at"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_member_count(self, fleet: Fleet) -> int:
        count = getattr(fleet, "member_count", None)
        return fleet.members.count() if count is None else count

    def create(self, validated_data: dict) -> Fleet:
        return fleet_create(
            name=validated_data["name"], description=validated_data.get("description", ""),
            saved_filter=validated_data.get("saved_filter", {}), actor=self.context["request"].user,
        )

    def update(self, fleet: Fleet, validated_data: dict) -> Fleet:
        return fleet_update(
            fleet_id=fleet.pk, name=validated_data.get("name", fleet.name),
            description=validated_data.get("description", fleet.description),
            saved_filter=validated_data.get("saved_filter", fleet.saved_filter),
        )


class FleetDeviceListView(generics.ListAPIView):
    """A fleet's devices: its static members plus what its saved filter matches (``members_only``: members)."""

    serializer_class = DeviceSerializer
    filterset_class = DeviceFilterSet
    members_only = False

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Device.objects.none()
        fleet = get_object_or_404(Fleet, pk=self.kwargs["fleet_pk"])
        try:
            devices = fleet.members.all() if self.members_only else fleet_devices(fleet)
        except SavedFilterError as exc:
            raise ValidationError({"saved_filter": [str(exc)]}) from None
        return devices.select_related("account").prefetch_related("labels")


@extend_schema_view(get=extend_schema(summary="List a fleet's devices (members and saved-filter matches)"))
class FleetDevicesView(FleetDeviceListView):
    pass


@extend_schema_view(get=extend_schema(summary="List a fleet's static members"))
class FleetMembersView(FleetDeviceListView):
    members_only = True


class MembersAddSerializer(serializers.Serializer):
    external_ids = serializers.ListField(
        child=serializers.CharField(max_length=100), min_length=1, max_length=MEMBER_CHANGE_LIMIT,
        help_text=f"The vendors' device ids, at most {MEMBER_CHANGE_LIMIT} a call.",
    )
    account = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True,
        help_text="The vendor account, for ids known on several accounts.",
    )


class MembersAddedSerializer(serializers.Serializer):
    fleet = serializers.IntegerField()
    changed = serializers.IntegerField(help_text="Devices added by this call.")
    not_found = serializers.ListField(child=serializers.CharField(), help_text="Ids that match no device.")
    ambiguous = serializers.ListField(child=serializers.CharField(),
                                      help_text="Ids on several accounts: send `account` to say which.")
    member_count = serializers.IntegerField()


class MembersRemoveSerializer(serializers.Serializer):
    device_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=MEMBER_CHANGE_LIMIT,
        help_text=f"Portal device ids, at most {MEMBER_CHANGE_LIMIT} a call.",
    )


class MembersRemovedSerializer(serializers.Serializer):
    fleet = serializers.IntegerField()
    changed = serializers.IntegerField(help_text="Devices removed by this call.")
    member_count = serializers.IntegerField()


class PreviewRequestSerializer(serializers.Serializer):
    saved_filter = SavedFilterField()
    sample = serializers.IntegerField(min_value=0, max_value=100, default=20)


class PreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Devices the filter matches.")
    sample = DeviceSerializer(many=True)


@extend_schema_view(
    list=extend_schema(summary="List fleets"),
    create=extend_schema(summary="Create a fleet"),
    retrieve=extend_schema(summary="Get a fleet"),
    update=extend_schema(summary="Replace a fleet"),
    partial_update=extend_schema(summary="Change a fleet"),
    destroy=extend_schema(summary="Delete a fleet no campaign uses"),
)
class FleetViewSet(viewsets.ModelViewSet):
    """Fleets: static members plus, optionally, every device a saved filter matches."""

    queryset = Fleet.objects.select_related("created_by").annotate(member_count=Count("members"))
    serializer_class = FleetSerializer
    filterset_class = FleetFilterSet
    action_roles = {"preview": Role.VIEWER}

    @extend_schema(summary="Add devices to a fleet by their vendor ids", request=MembersAddSerializer,
                   responses=MembersAddedSerializer)
    @action(detail=True, methods=["post"], url_path="members/add", filter_backends=[])
    def members_add(self, request, pk=None) -> Response:
        """Ids that match no device, or several devices on different accounts, are reported and skipped."""
        fleet = self.get_object()
        payload = MembersAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        change = fleet_members_add(fleet_id=fleet.pk, external_ids=payload.validated_data["external_ids"],
                                   account_id=payload.validated_data.get("account"))
        return Response({"fleet": fleet.pk, "changed": change.changed, "not_found": change.not_found,
                         "ambiguous": change.ambiguous, "member_count": fleet.members.count()})

    @extend_schema(summary="Remove devices from a fleet", request=MembersRemoveSerializer,
                   responses=MembersRemovedSerializer)
    @action(detail=True, methods=["post"], url_path="members/remove", filter_backends=[])
    def members_remove(self, request, pk=None) -> Response:
        """Ids that are not members are ignored; devices the saved filter matches stay in the fleet."""
        fleet = self.get_object()
        payload = MembersRemoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        removed = fleet_members_remove(fleet_id=fleet.pk, device_ids=payload.validated_data["device_ids"])
        return Response({"fleet": fleet.pk, "changed": removed, "member_count": fleet.members.count()})

    @extend_schema(summary="Preview a saved filter", request=PreviewRequestSerializer,
                   responses=PreviewSerializer)
    @action(detail=False, methods=["post"], filter_backends=[])
    def preview(self, request) -> Response:
        """How many devices a saved filter matches and the first few, before the fleet is saved."""
        payload = PreviewRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        saved_filter, size = payload.validated_data["saved_filter"], payload.validated_data["sample"]
        q = saved_filter_q(saved_filter)
        sample = [] if q is None or size == 0 else (
            Device.objects.filter(id__in=Device.objects.filter(q).values("id"))
            .select_related("account").prefetch_related("labels").order_by("id")[:size]
        )
        return Response({"count": saved_filter_count(saved_filter=saved_filter),
                         "sample": DeviceSerializer(sample, many=True).data})


# --- firmware -----------------------------------------------------------------------------------------------------


class FirmwareSerializer(serializers.ModelSerializer):
    vendor_kind = serializers.CharField(source="account.kind", read_only=True)
    models_fitted = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=1000, required=False,
        help_text="Device models this firmware fits; empty fits every model.",
    )

    class Meta:
        model = Firmware
        fields = ["id", "account", "vendor_kind", "version", "name", "models_fitted", "vendor_ref", "notes",
                  "created_at", "updated_at"]
        # The (account, vendor_ref) uniqueness is checked in validate() so the error names vendor_ref.
        validators: list = []

    def validate(self, attrs: dict) -> dict:
        account = attrs.get("account") or (self.instance.account if self.instance else None)
        vendor_ref = attrs.get("vendor_ref") or (self.instance.vendor_ref if self.instance else None)
        clash = Firmware.objects.filter(account=account, vendor_ref=vendor_ref)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError({"vendor_ref": ["This vendor account already has firmware with this reference."]})
        return attrs


@extend_schema_view(
    list=extend_schema(summary="List firmware"),
    create=extend_schema(summary="Add firmware"),
    retrieve=extend_schema(summary="Get firmware"),
    update=extend_schema(summary="Replace firmware"),
    partial_update=extend_schema(summary="Change firmware"),
    destroy=extend_schema(summary="Delete firmware no campaign uses"),
)
class FirmwareViewSet(viewsets.ModelViewSet):
    """Firmware each vendor account can install, the models it fits and the vendor's reference to it."""

    queryset = Firmware.objects.select_related("account")
    serializer_class = FirmwareSerializer
    filterset_class = FirmwareFilterSet


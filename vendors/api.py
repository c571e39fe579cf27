"""REST API of the vendors app: vendor accounts (credentials write-only), connection tests and the error catalog."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from fota_portal.api.fields import JSONObjectField
from fota_portal.roles import Role
from vendors.accounts import account_connection_test, account_inventory_refresh
from vendors.choices import VendorKind
from vendors.filtersets import ErrorCatalogFilterSet, VendorAccountFilterSet
from vendors.models import ErrorCatalogEntry, VendorAccount
from vendors.services import error_decode

_CREDENTIALS_HELP = "; ".join(
    f"{kind.value}: {', '.join(names)}" for kind, names in VendorAccount.CREDENTIAL_FIELDS.items()
)


class VendorAccountSerializer(serializers.ModelSerializer):
    """A vendor account. ``credentials`` are write-only: sent to set or replace them, never returned."""

    credentials = serializers.DictField(
        child=serializers.CharField(max_length=2000),
        write_only=True,
        required=False,
        help_text=f"Write-only. The credential fields of the kind ({_CREDENTIALS_HELP}). Required on create and "
        "when the kind changes; omit to keep the stored ones.",
    )
    has_credentials = serializers.BooleanField(read_only=True)
    credential_fields = serializers.SerializerMethodField(help_text="The credential names this kind needs.")
    settings = JSONObjectField(required=False, help_text="Non-secret vendor settings, e.g. the EnOS orgId.")
    rate_limit_calls = serializers.IntegerField(
        min_value=1, max_value=1_000_000, required=False,
        help_text="Calls per period across all workers; the vendor's documented limit when omitted.",
    )
    rate_limit_period_seconds = serializers.IntegerField(min_value=1, max_value=86_400, required=False)

    class Meta:
        model = VendorAccount
        fields = [
            "id", "name", "kind", "base_url", "settings", "rate_limit_calls", "rate_limit_period_seconds",
            "enabled", "health", "health_message", "health_checked_at", "has_credentials", "credential_fields",
            "credentials", "created_at", "updated_at",
        ]
        read_only_fields = ["health", "health_message", "health_checked_at", "created_at", "updated_at"]

    def get_credential_fields(self, account: VendorAccount) -> list[str]:
        return list(VendorAccount.CREDENTIAL_FIELDS[VendorKind(account.kind)])

    def validate(self, attrs: dict) -> dict:
        kind = attrs.get("kind") or (self.instance.kind if self.instance else None)
        needed = VendorAccount.CREDENTIAL_FIELDS[VendorKind(kind)]
        credentials = attrs.get("credentials")
        if credentials is None:
            if self.instance is None:
                raise ValidationError({"credentials": [f"Required on create: an object with {', '.join(needed)}."]})
            if kind != self.instance.kind:
                raise ValidationError(
                    {"credentials": [f"Required when the kind changes: an object with {', '.join(needed)}."]}
                )
            return attrs
        problems = {name: ["Required."] for name in needed if not credentials.get(name)}
        problems.update({name: [f"Not a {kind} credential; expected {', '.join(needed)}."]
                         for name in credentials if name not in needed})
        if problems:
            raise ValidationError({"credentials": problems})
        return attrs

    def create(self, validated_data: dict) -> VendorAccount:
        credentials = validated_data.pop("credentials")
        validated_data.setdefault("rate_limit_calls", 0)  # 0: the model takes the vendor's documented default
        account = VendorAccount(**validated_data)
        account.set_credentials(credentials)
        account.save()
        return account

    def update(self, account: VendorAccount, validated_data: dict) -> VendorAccount:
        credentials = validated_data.pop("credentials", None)
        for name, value in validated_data.items():
            setattr(account, name, value)
        if credentials is not None:
            account.set_credentials(credentials)
        account.save()
        return account


class DecodedErrorSerializer(serializers.Serializer):
    """A vendor error explained by the catalog, or an explicit unknown (``known: false``) with the raw values."""

    known = serializers.BooleanField()
    vendor = serializers.CharField()
    code = serializers.CharField()
    http_status = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(allow_blank=True)
    vendor_message = serializers.CharField(allow_blank=True)
    symbol = serializers.CharField(allow_blank=True)
    category = serializers.CharField()
    transient = serializers.BooleanField()
    explanation = serializers.CharField()
    action = serializers.CharField()


class InventoryRefreshSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    queued = serializers.ListField(child=serializers.CharField())


class ConnectionTestSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    health = serializers.CharField()
    message = serializers.CharField()
    error = DecodedErrorSerializer(allow_null=True)


@extend_schema_view(
    list=extend_schema(summary="List vendor accounts"),
    create=extend_schema(summary="Create a vendor account (admin)"),
    retrieve=extend_schema(summary="Get a vendor account"),
    update=extend_schema(summary="Replace a vendor account (admin)"),
    partial_update=extend_schema(summary="Change a vendor account (admin)"),
    destroy=extend_schema(summary="Delete a vendor account that nothing uses (admin)"),
)
class VendorAccountViewSet(viewsets.ModelViewSet):
    """Vendor accounts: everyone with a role reads them (to build firmware maps); only admins change them."""

    queryset = VendorAccount.objects.all()
    serializer_class = VendorAccountSerializer
    filterset_class = VendorAccountFilterSet
    write_role = Role.ADMIN
    # Reading the inventory again changes no account setting: it is the operator's, who manages devices.
    action_roles = {"sync": Role.OPERATOR}

    @extend_schema(summary="Test an account's connection (admin)", request=None,
                   responses={200: ConnectionTestSerializer})
    @action(detail=True, methods=["post"], url_path="test-connection")
    def test_connection(self, request, pk=None) -> Response:
        """Log in to the vendor and make one cheap read. The outcome is data: ``ok`` false carries the decoded
        vendor error; the account's health is updated either way."""
        result = account_connection_test(account=self.get_object())
        return Response(ConnectionTestSerializer(result.as_dict()).data)

    @extend_schema(summary="Refresh an account's devices and firmware now (operator)", request=None,
                   responses={202: InventoryRefreshSerializer})
    @action(detail=True, methods=["post"], filter_backends=[])
    def sync(self, request, pk=None) -> Response:
        """Queues an inventory and firmware read from the vendor (normally hourly); watch ``/devices/`` fill."""
        account = self.get_object()
        account_inventory_refresh(account=account)
        return Response({"account": account.pk, "queued": ["devices", "firmware"]}, status=202)


class ErrorCatalogEntrySerializer(serializers.ModelSerializer):
    vendor = serializers.CharField(source="vendor_kind")

    class Meta:
        model = ErrorCatalogEntry
        fields = [
            "id", "vendor", "code", "http_status", "symbol", "field", "operation", "vendor_message", "explanation",
            "action", "category", "transient", "source",
        ]


class DecodeParamsSerializer(serializers.Serializer):
    vendor = serializers.ChoiceField(choices=VendorKind.choices, help_text="The vendor kind.")
    code = serializers.CharField(max_length=100, help_text="The vendor's error code, as the vendor sent it.")
    status = serializers.IntegerField(min_value=100, max_value=599, required=False, help_text="The HTTP status.")
    field = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                  help_text="The field the vendor named (Knox errorKey), which narrows a code down.")


@extend_schema_view(
    list=extend_schema(summary="List the vendor error catalog"),
    retrieve=extend_schema(summary="Get a catalog entry"),
)
class ErrorCatalogViewSet(viewsets.ReadOnlyModelViewSet):
    """Every vendor error code the portal knows, explained: what happened and what to do."""

    queryset = ErrorCatalogEntry.objects.all()
    serializer_class = ErrorCatalogEntrySerializer
    filterset_class = ErrorCatalogFilterSet

    @extend_schema(
        summary="Decode a vendor error",
        parameters=[DecodeParamsSerializer],
        responses={200: OpenApiResponse(DecodedErrorSerializer, description="The entry, or known=false.")},
    )
    @action(detail=False, methods=["get"], url_path="decode", filter_backends=[], pagination_class=None)
    def decode(self, request) -> Response:
        """The catalog entry for a vendor's error code (narrowed by status and field), or an explicit unknown that
        keeps the raw values."""
        unknown = sorted(set(request.query_params) - set(DecodeParamsSerializer().fields))
        if unknown:
            message = "Unknown parameter; use vendor, code, status and field."
            raise ValidationError({name: [message] for name in unknown})
        params = DecodeParamsSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        decoded = error_decode(
            vendor_kind=data["vendor"], code=data["code"], http_status=data.get("status"), field=data.get("field", "")
        )
        return Response(DecodedErrorSerializer(decoded.as_dict()).data)

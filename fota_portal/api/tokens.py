"""API tokens: each user creates, lists and revokes their own. The key is returned once, at creation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import authentication, mixins, serializers, status, viewsets
from rest_framework.response import Response

from fota_portal.api.authentication import APITokenAuthentication
from fota_portal.models import APIToken
from fota_portal.roles import Role
from fota_portal.services.tokens import api_token_create, api_token_revoke


class APITokenSerializer(serializers.ModelSerializer):
    prefix = serializers.SerializerMethodField(help_text="The start of the key, to tell tokens apart.")

    class Meta:
        model = APIToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["created_at", "last_used_at", "revoked_at"]

    def get_prefix(self, token: APIToken) -> str:
        return f"fp_{token.prefix}"


class NewAPITokenSerializer(APITokenSerializer):
    key = serializers.CharField(read_only=True, help_text="The token. Shown only now: store it safely.")

    class Meta(APITokenSerializer.Meta):
        fields = [*APITokenSerializer.Meta.fields, "key"]


@extend_schema_view(
    list=extend_schema(summary="List your API tokens"),
    retrieve=extend_schema(summary="Get one of your API tokens"),
    create=extend_schema(summary="Create an API token (the key is shown once)", responses={201: NewAPITokenSerializer}),
    destroy=extend_schema(summary="Revoke one of your API tokens"),
)
class APITokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Personal API tokens. Creating one also accepts HTTP basic authentication, so a tool can get its first
    token with a username and password; every other endpoint takes the token."""

    serializer_class = APITokenSerializer
    authentication_classes = [
        APITokenAuthentication, authentication.SessionAuthentication, authentication.BasicAuthentication,
    ]
    # Any role may hold tokens; a token can do no more than its user's role allows.
    write_role = Role.VIEWER

    def get_queryset(self):
        return APIToken.objects.filter(user=self.request.user) if self.request.user.is_authenticated else \
            APIToken.objects.none()

    def create(self, request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = api_token_create(user=request.user, name=serializer.validated_data["name"])
        token.key = key
        return Response(NewAPITokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, token: APIToken) -> None:
        api_token_revoke(token=token)

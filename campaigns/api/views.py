"""Views of the campaigns API: thin callers of ``campaigns.services`` (drafts, plan, lifecycle, progress)."""

from __future__ import annotations

from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from campaigns.api.serializers import (
    ActionReasonSerializer,
    ActionResultSerializer,
    AssignmentSerializer,
    CampaignEventSerializer,
    CampaignSerializer,
    PlanSerializer,
    ProgressSerializer,
    ProgressSnapshotSerializer,
)
from campaigns.exports import assignments_csv
from campaigns.filtersets import (
    AssignmentFilterSet,
    CampaignEventFilterSet,
    CampaignFilterSet,
    ProgressSnapshotFilterSet,
)
from campaigns.models import Assignment, Campaign, CampaignEvent, ProgressSnapshot
from campaigns.services import lifecycle
from campaigns.services.drafts import campaign_draft_create, campaign_draft_preview, campaign_draft_update
from campaigns.services.errors import CampaignRuleViolation, CampaignTransitionError
from campaigns.services.gates import top_errors
from campaigns.services.plan import campaign_plan
from campaigns.services.progress import campaign_progress
from fota_portal.api.errors import Conflict, FieldErrors, JSONErrorsMixin
from fota_portal.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from fota_portal.roles import Role


def _refused(exc: Exception) -> Exception:
    """The API error for a refusal by the lifecycle services: 409 with the reason, naming each preflight field."""
    if isinstance(exc, CampaignRuleViolation):
        return FieldErrors(
            status_code=409, error_type="preflight_failed",
            message="The campaign cannot start: " + "; ".join(p.message for p in exc.problems),
            fields=[{"name": p.field or "campaign", "message": p.message} for p in exc.problems],
        )
    return Conflict(str(exc))


def _action_schema(summary: str, *, reason: bool = False):
    return extend_schema(
        summary=summary,
        request=ActionReasonSerializer if reason else None,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: ActionResultSerializer,
            409: OpenApiResponse(description="Illegal in the campaign's state, or preflight problems (`fields`)."),
            422: OpenApiResponse(description="The Idempotency-Key was used for a different request."),
        },
    )


@extend_schema_view(
    list=extend_schema(summary="List campaigns"),
    create=extend_schema(summary="Create a draft campaign"),
    retrieve=extend_schema(summary="Get a campaign"),
    update=extend_schema(summary="Replace a draft's settings"),
    partial_update=extend_schema(summary="Change a draft"),
)
class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Campaigns: drafts are written here; everything after is the engine's, driven by the actions."""

    queryset = Campaign.objects.select_related("created_by").prefetch_related("firmware_map__firmware", "waves")
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilterSet
    action_roles = {"plan": Role.VIEWER, "preview": Role.VIEWER}

    def perform_create(self, serializer) -> None:
        fields, lines = serializer.split(dict(serializer.validated_data))
        serializer.instance = campaign_draft_create(fields=fields, firmware_map=lines or [],
                                                    actor=self.request.user)

    def perform_update(self, serializer) -> None:
        fields, lines = serializer.split(dict(serializer.validated_data))
        try:
            campaign_draft_update(campaign_id=serializer.instance.pk, fields=fields, firmware_map=lines,
                                  actor=self.request.user)
        except CampaignTransitionError as exc:
            raise _refused(exc) from None
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)

    @extend_schema(summary="Preview what starting the campaign would do", responses=PlanSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def plan(self, request, pk=None) -> Response:
        """Devices per wave, per account and firmware, skips with reasons, vendor calls and the shortest push the
        rate limits allow, and every preflight problem; changes nothing."""
        return Response(PlanSerializer(campaign_plan(campaign=self.get_object()).as_dict()).data)

    @extend_schema(summary="Preview an unsaved draft", request=CampaignSerializer, responses=PlanSerializer)
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def preview(self, request) -> Response:
        """The plan of a campaign as it would be created, without creating it (for forms that check as you type)."""
        serializer = CampaignSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields, lines = serializer.split(dict(serializer.validated_data))
        plan = campaign_draft_preview(fields=fields, firmware_map=lines or [])
        return Response(PlanSerializer(plan.as_dict()).data)

    def _act(self, request, name: str, run) -> Response:
        campaign = self.get_object()

        def go() -> Response:
            queued = wave = None
            try:
                result = run(campaign)
            except (CampaignTransitionError, CampaignRuleViolation) as exc:
                raise _refused(exc) from None
            if isinstance(result, int):
                queued = result
            elif hasattr(result, "number"):
                wave = result.number
            fresh = self.get_queryset().get(pk=campaign.pk)
            return Response(ActionResultSerializer({
                "object": "campaign_action", "action": name, "campaign": fresh, "queued": queued, "wave": wave,
            }).data)

        return idempotent(self, request, go)

    def _reason(self, request) -> str:
        payload = ActionReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return payload.validated_data.get("reason", "")

    @_action_schema("Start a draft campaign")
    @action(detail=True, methods=["post"], filter_backends=[])
    def start(self, request, pk=None) -> Response:
        """Preflight, snapshot the fleet, split the waves and open wave 1 (or wait for the schedule)."""
        return self._act(request, "start",
                         lambda c: lifecycle.campaign_start(campaign_id=c.pk, actor=request.user))

    @_action_schema("Pause a campaign", reason=True)
    @action(detail=True, methods=["post"], filter_backends=[])
    def pause(self, request, pk=None) -> Response:
        """No new pushes; what is already at the vendors carries on and is still followed."""
        reason = self._reason(request)
        return self._act(request, "pause",
                         lambda c: lifecycle.campaign_pause(campaign_id=c.pk, actor=request.user, reason=reason))

    @_action_schema("Resume a paused campaign")
    @action(detail=True, methods=["post"], filter_backends=[])
    def resume(self, request, pk=None) -> Response:
        """Pushing continues; the failures so far count as acknowledged."""
        return self._act(request, "resume",
                         lambda c: lifecycle.campaign_resume(campaign_id=c.pk, actor=request.user))

    @_action_schema("Cancel a campaign", reason=True)
    @action(detail=True, methods=["post"], filter_backends=[])
    def cancel(self, request, pk=None) -> Response:
        """Waiting devices are cancelled and devices at the vendors withdrawn where the vendor allows it."""
        reason = self._reason(request)
        return self._act(request, "cancel",
                         lambda c: lifecycle.campaign_cancel(campaign_id=c.pk, actor=request.user, reason=reason))

    @_action_schema("Retry the failed devices")
    @action(detail=True, methods=["post"], url_path="retry-failed", filter_backends=[])
    def retry_failed(self, request, pk=None) -> Response:
        """Failed devices are queued again, up to the campaign's maximum attempts."""
        return self._act(request, "retry-failed",
                         lambda c: lifecycle.campaign_retry_failed(campaign_id=c.pk, actor=request.user))

    @_action_schema("Approve the wave waiting at its gate")
    @action(detail=True, methods=["post"], url_path="approve-wave", filter_backends=[])
    def approve_wave(self, request, pk=None) -> Response:
        """The waiting wave passes and the next one opens."""
        return self._act(request, "approve-wave",
                         lambda c: lifecycle.campaign_approve_wave(campaign_id=c.pk, actor=request.user))

    @extend_schema(summary="Progress of a campaign and of each wave", responses=ProgressSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def progress(self, request, pk=None) -> Response:
        """Counts per state, success and failure shares, the ETA, per wave, and the most frequent errors."""
        campaign = self.get_object()
        progress = {**campaign_progress(campaign=campaign), "top_errors": top_errors(campaign=campaign)}
        return Response(ProgressSerializer(progress).data)


class _CampaignChildList(generics.ListAPIView):
    """A list that belongs to one campaign (``/campaigns/<id>/...``); 404 when the campaign does not exist."""

    model = None

    def campaign(self) -> Campaign:
        if not hasattr(self, "_campaign"):
            self._campaign = get_object_or_404(Campaign, pk=self.kwargs["campaign_pk"])
        return self._campaign

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.model.objects.filter(campaign=self.campaign())


@extend_schema_view(get=extend_schema(summary="List a campaign's devices (assignments)"))
class AssignmentListView(_CampaignChildList):
    """Filters: state, wave, vendor account, vendor kind, model, external id, error code, vendor status, attempts."""

    model = Assignment
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilterSet

    def get_queryset(self):
        return super().get_queryset().select_related("device", "account", "wave", "firmware", "error_entry")


class CSVRenderer(BaseRenderer):
    """Lets a client ask for ``text/csv`` (the rows are streamed; errors go out as JSON)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        return b""


@extend_schema_view(get=extend_schema(
    summary="Export a campaign's devices as CSV",
    responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="One row per device.")},
))
class AssignmentExportView(JSONErrorsMixin, AssignmentListView):
    """The same rows and filters as the assignment list, all of them, as CSV."""

    pagination_class = None
    renderer_classes = [JSONRenderer, CSVRenderer]

    def list(self, request, *args, **kwargs) -> StreamingHttpResponse:
        rows = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(assignments_csv(assignments=rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="campaign-{self.campaign().pk}-devices.csv"'
        return response


@extend_schema_view(get=extend_schema(summary="List a campaign's events (the audit trail)"))
class CampaignEventListView(_CampaignChildList):
    model = CampaignEvent
    serializer_class = CampaignEventSerializer
    filterset_class = CampaignEventFilterSet


@extend_schema_view(get=extend_schema(summary="The campaign's progress time series"))
class ProgressSeriesView(_CampaignChildList):
    """Points of progress over time (succeeded, failed, in flight, total), as the campaign chart draws them."""

    model = ProgressSnapshot
    serializer_class = ProgressSnapshotSerializer
    filterset_class = ProgressSnapshotFilterSet

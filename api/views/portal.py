"""The applicant's API under /api/v1/my/: everything the portal's pages do, with token
authentication (``POST /api/v1/auth/token/``). Every object is looked up in the caller's own
applications, so someone else's id is 404, never 403."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from api.serializers.portal import (
    ApplicationDetailSerializer,
    ApplicationListSerializer,
    AuthorisationUploadSerializer,
    DocumentSerializer,
    DraftCreateSerializer,
    DraftUpdateSerializer,
    MaterialSerializer,
    MaterialUploadSerializer,
    NotificationSerializer,
    RatingInputSerializer,
    RatingSerializer,
    SubmitSerializer,
    SupplementNoticeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    WithdrawSerializer,
)
from licensing import selectors_portal as sel
from licensing.errors import DomainError
from licensing.models import Application, Document, LicenceItem, Material, Notification, Rating
from licensing.services import portal as svc
from licensing.services.applications import application_withdraw
from licensing.services.clocks import local_date

log = logging.getLogger(__name__)


class TokenThrottle(AnonRateThrottle):
    """Slow down password guessing: ``XUKE_TOKEN_THROTTLE_RATE`` requests per client address."""

    def get_rate(self):
        return getattr(settings, "XUKE_TOKEN_THROTTLE_RATE", "20/min")


class AuthTokenView(APIView):
    """Exchange an email address (or username) and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes = [TokenAuthentication]  # only so that a refusal is a 401 with WWW-Authenticate
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"].strip()
        user = authenticate(request, username=username, password=data.validated_data["password"]) or authenticate(
            request, username=username.lower(), password=data.validated_data["password"]
        )
        if user is None or not user.is_active:
            raise AuthenticationFailed(
                _("The email address or password is wrong, or the account is not confirmed yet.")
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MyApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The caller's applications (as applicant or agent): drafts, submitted and decided."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the model for the schema
            return Application.objects.none()
        return sel.my_applications(self.request.user)

    def get_serializer_class(self):
        return ApplicationListSerializer if self.action == "list" else ApplicationDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": local_date(timezone.now())}

    def _detail(self, application, code=status.HTTP_200_OK) -> Response:
        application = self.get_queryset().get(pk=application.pk)
        return Response(
            ApplicationDetailSerializer(application, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=DraftCreateSerializer, responses={201: ApplicationDetailSerializer})
    def create(self, request, *args, **kwargs):
        """Start a draft for a published item that can be filed online."""
        data = DraftCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        item = LicenceItem.objects.published().filter(code=data.validated_data["item"]).first()
        if item is None:
            message = _("No published licence item with this code.")
            raise DomainError(message, code="invalid", fields={"item": [message]})
        form_data = data.validated_data.get("form_data")
        if form_data:
            from licensing.portal_forms import form_data_clean

            form_data_clean(item, form_data, partial=True)  # refuse before anything is created
        with transaction.atomic():
            application = svc.draft_start(item=item, actor=request.user)
            if form_data:
                svc.draft_update(application=application, actor=request.user, form_data=form_data, partial=True)
        return self._detail(application, status.HTTP_201_CREATED)

    @extend_schema(request=DraftUpdateSerializer, responses={200: ApplicationDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Save answers of a draft (merged into the saved ones) and who is applying."""
        application = self.get_object()
        data = DraftUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "form_data" in values:
            from licensing.portal_forms import form_data_clean

            form_data_clean(application.item, values["form_data"], partial=True)
        if "as_agent" in values:
            svc.draft_set_applicant(
                application=application,
                actor=request.user,
                as_agent=values["as_agent"],
                holder_name=values.get("holder_name", ""),
                holder_is_organisation=values.get("holder_is_organisation", False),
                principal_id_number=values.get("principal_id_number", ""),
            )
        if "form_data" in values:
            svc.draft_update(application=application, actor=request.user, form_data=values["form_data"], partial=True)
        return self._detail(application)

    @extend_schema(
        request={"multipart/form-data": MaterialUploadSerializer},
        responses={201: MaterialSerializer},
    )
    @action(detail=True, methods=["post"], url_path="materials", url_name="materials")
    def upload_material(self, request, pk=None):
        """Upload one file for one material of a draft; its type is checked by content."""
        application = self.get_object()
        data = MaterialUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        requirement = svc.requirements_to_upload(application.item).filter(pk=data.validated_data["requirement"]).first()
        if requirement is None:
            message = _("This material is not asked for by this licence (Art. 31).")
            raise DomainError(message, code="invalid", fields={"requirement": [message]})
        material = svc.material_upload(
            application=application, actor=request.user, requirement=requirement, upload=data.validated_data["file"]
        )
        return Response(MaterialSerializer(material).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"materials/(?P<material_pk>\d+)", url_name="material")
    def material(self, request, pk=None, material_pk=None):
        """Download one of the application's files."""
        application = self.get_object()
        material = Material.objects.filter(application=application, pk=material_pk).first()
        if material is None:
            raise Http404
        return FileResponse(
            material.file.open("rb"),
            as_attachment=True,
            filename=material.original_name,
            content_type=material.content_type,
        )

    @extend_schema(
        request={"multipart/form-data": AuthorisationUploadSerializer},
        responses={200: ApplicationDetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path="authorisation", url_name="authorisation")
    def upload_authorisation(self, request, pk=None):
        """Upload the principal's authorisation of an agent (Art. 29)."""
        application = self.get_object()
        data = AuthorisationUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        svc.authorisation_upload(application=application, actor=request.user, upload=data.validated_data["file"])
        return self._detail(application)

    @extend_schema(request=SubmitSerializer, responses={200: ApplicationDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit a complete draft (Art. 29): records the receipt time and starts clock C1.
        Idempotent: submitting an application already submitted changes nothing."""
        application = self.get_object()
        data = SubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if application.status == "draft" and data.validated_data.get("declaration"):
            svc.draft_declare(application=application, actor=request.user)
        application, _now = svc.application_file(application=application, actor=request.user)
        return self._detail(application)

    @extend_schema(request=WithdrawSerializer, responses={200: ApplicationDetailSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw before the decision."""
        application = self.get_object()
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application_withdraw(application=application, actor=request.user, reason=data.validated_data.get("reason", ""))
        return self._detail(application)

    @extend_schema(
        request={
            "multipart/form-data": {"type": "object", "additionalProperties": {"type": "string", "format": "binary"}}
        },
        responses={200: SupplementNoticeSerializer},
    )
    @action(detail=True, methods=["post"])
    def supplement(self, request, pk=None):
        """Answer the one-time supplement notice: one file per listed item, each under the field
        ``r<requirement id>``, exactly the items still unmet (Art. 32(4))."""
        application = self.get_object()
        uploads = {}
        for key, upload in request.FILES.items():
            number = key[1:] if key.startswith("r") else key
            if not number.isdigit():
                message = _("Name each file r<requirement id>.")
                raise DomainError(message, code="invalid", fields={key: [message]})
            uploads[int(number)] = upload
        notice = svc.supplement_answer(application=application, actor=request.user, uploads=uploads)
        return Response(SupplementNoticeSerializer(notice).data)

    @extend_schema(responses={200: DocumentSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def documents(self, request, pk=None):
        """The documents served for the application."""
        application = self.get_object()
        return Response(DocumentSerializer(sel.documents_for_applicant(application), many=True).data)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            503: OpenApiResponse(description="The stored file fails its integrity check."),
        }
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_pk>\d+)", url_name="document")
    def document(self, request, pk=None, document_pk=None):
        """Download a document, proved identical to what was issued (SHA-256)."""
        from licensing.documents import DocumentTampered, document_read

        application = self.get_object()
        document = Document.objects.filter(application=application, pk=document_pk).first()
        if document is None:
            raise Http404
        try:
            data = document_read(document)
        except DocumentTampered:
            log.error("document %s failed its integrity check", document.pk)
            message = _("The stored file does not match the one issued; the agency has been alerted.")
            return Response({"error": {"code": "document_unavailable", "message": message, "fields": {}}}, status=503)
        response = HttpResponse(data, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{application.number}-{document.kind}-v{document.version}.pdf"'
        )
        return response

    @extend_schema(methods=["GET"], responses={200: RatingSerializer})
    @extend_schema(methods=["POST"], request=RatingInputSerializer, responses={201: RatingSerializer})
    @action(detail=True, methods=["get", "post"])
    def rating(self, request, pk=None):
        """Rate the service once after the decision (好差评); a bad rating opens a rectification."""
        application = self.get_object()
        if request.method == "GET":
            rating = Rating.objects.filter(application=application).first()
            if rating is None:
                raise Http404
            return Response(RatingSerializer(rating).data)
        data = RatingInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = svc.rating_submit(
            application=application,
            actor=request.user,
            level=int(data.validated_data["level"]),
            comment=data.validated_data.get("comment", ""),
        )
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)


class MyNotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's messages (the in-app inbox), newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return sel.inbox(self.request.user)

    @extend_schema(request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark a message as read."""
        item = self.get_object()
        Notification.objects.filter(pk=item.pk, read_at__isnull=True).update(read_at=timezone.now())
        item.refresh_from_db()
        return Response(NotificationSerializer(item).data)

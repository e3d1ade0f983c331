"""The applicant's API: their applications, drafts, uploads, answers, ratings and messages.

Input serializers only check shapes; the services in ``licensing.services.portal`` decide.
Output serializers read what the portal pages show (never officials' names)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from licensing import selectors_portal as sel
from licensing.choices import RatingLevel
from licensing.models import (
    Application,
    Decision,
    Document,
    Material,
    Notification,
    Rating,
    SupplementNotice,
    SupplementNoticeItem,
)
from licensing.services.clocks import local_date

# -- input ----------------------------------------------------------------------------------------


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="The account's email address (or username).")
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class DraftCreateSerializer(serializers.Serializer):
    item = serializers.SlugField(help_text="The licence item's code.")
    form_data = serializers.DictField(required=False, help_text="Answers to the item's form, by field name.")


class DraftUpdateSerializer(serializers.Serializer):
    form_data = serializers.DictField(required=False, help_text="Answers to save; merged into the saved ones.")
    as_agent = serializers.BooleanField(required=False, help_text="Filing as an agent for someone else (Art. 29).")
    holder_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    holder_is_organisation = serializers.BooleanField(required=False)
    principal_id_number = serializers.CharField(required=False, allow_blank=True, max_length=18)


class MaterialUploadSerializer(serializers.Serializer):
    requirement = serializers.IntegerField(help_text="The material requirement's id (see the item's guide).")
    file = serializers.FileField(help_text="PDF, PNG or JPEG as the requirement accepts; checked by content.")


class AuthorisationUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The principal's signed authorisation (Art. 29): PDF, PNG or JPEG.")


class SubmitSerializer(serializers.Serializer):
    declaration = serializers.BooleanField(
        required=False,
        default=False,
        help_text="True to make the truthfulness declaration (Art. 31) now; it is required before submission.",
    )


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class SupplementAnswerSerializer(serializers.Serializer):
    """Multipart: one file per listed item, named ``r<requirement id>``."""


class RatingInputSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=RatingLevel.choices, help_text="1 very satisfied … 5 very dissatisfied.")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000)


# -- output ---------------------------------------------------------------------------------------


class DueDateSerializer(serializers.Serializer):
    label = serializers.CharField()
    due = serializers.DateField(allow_null=True)
    level = serializers.CharField(help_text='"none", "yellow" (due soon) or "red" (overdue).')
    state = serializers.CharField()
    explanation = serializers.ListField(child=serializers.CharField())


class ApplicationListSerializer(serializers.ModelSerializer):
    item = serializers.SlugRelatedField(slug_field="code", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    agency = serializers.CharField(source="agency.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    due_dates = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "item",
            "item_name",
            "agency",
            "status",
            "status_display",
            "holder_name",
            "received_at",
            "accepted_on",
            "decided_on",
            "due_dates",
        ]

    def get_due_dates(self, obj) -> list[dict]:
        today = self.context.get("today") or local_date(timezone.now())
        return DueDateSerializer(sel.due_dates(obj, today), many=True).data


class MaterialSerializer(serializers.ModelSerializer):
    requirement_name = serializers.CharField(source="requirement.name", read_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Material
        fields = [
            "id",
            "requirement",
            "requirement_name",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "superseded",
            "answers_notice",
            "download",
        ]

    def get_download(self, obj) -> str:
        return reverse("api:my-application-material", args=[obj.application_id, obj.pk])


class DocumentSerializer(serializers.ModelSerializer):
    download = serializers.SerializerMethodField()

    class Meta:
        model = Document
        fields = ["id", "kind", "title", "version", "sha256", "issued_at", "download"]

    def get_download(self, obj) -> str:
        return reverse("api:my-application-document", args=[obj.application_id, obj.pk])


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = [
            "kind",
            "on_the_spot",
            "signed_on",
            "reasons",
            "competent_organ",
            "technical_standard",
            "scope",
            "conditions",
            "valid_from",
            "valid_until",
            "remedy",
        ]


class SupplementItemSerializer(serializers.ModelSerializer):
    requirement_name = serializers.CharField(source="requirement.name", read_only=True)
    field = serializers.SerializerMethodField(help_text="The multipart field name to upload this item under.")

    class Meta:
        model = SupplementNoticeItem
        fields = ["requirement", "requirement_name", "what_is_needed", "met_at", "field"]

    def get_field(self, obj) -> str:
        return f"r{obj.requirement_id}"


class SupplementNoticeSerializer(serializers.ModelSerializer):
    items = SupplementItemSerializer(many=True, read_only=True)

    class Meta:
        model = SupplementNotice
        fields = ["id", "issued_on", "how_to_submit", "answered_at", "items"]


class RatingSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    rectification = serializers.SerializerMethodField()

    class Meta:
        model = Rating
        fields = ["level", "level_display", "comment", "created_at", "rectification"]

    def get_rectification(self, obj) -> dict | None:
        r = getattr(obj, "rectification", None)
        if r is None:
            return None
        return {
            "contact_due_on": r.contact_due_on,
            "rectify_due_on": r.rectify_due_on,
            "contacted_at": r.contacted_at,
            "contact_note": r.contact_note,
            "rectified_at": r.rectified_at,
            "rectification_note": r.rectification_note,
        }


class TimelineEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    what = serializers.CharField()
    who = serializers.CharField(help_text="A role and staff number, never an official's name.")
    legal_basis = serializers.CharField()
    reason = serializers.CharField()


class ApplicationDetailSerializer(ApplicationListSerializer):
    form_data = serializers.JSONField(read_only=True)
    agent = serializers.SerializerMethodField()
    materials = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()
    supplement_notice = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField(help_text="For a draft: what must be done before submission.")

    class Meta(ApplicationListSerializer.Meta):
        fields = [
            *ApplicationListSerializer.Meta.fields,
            "holder_is_organisation",
            "form_data",
            "agent",
            "materials",
            "documents",
            "decisions",
            "supplement_notice",
            "timeline",
            "rating",
            "problems",
        ]

    def get_agent(self, obj) -> bool:
        return obj.agent_id is not None

    def get_materials(self, obj) -> list[dict]:
        rows = Material.objects.filter(application=obj).select_related("requirement").order_by("pk")
        return MaterialSerializer(rows, many=True).data

    def get_documents(self, obj) -> list[dict]:
        return DocumentSerializer(sel.documents_for_applicant(obj), many=True).data

    def get_decisions(self, obj) -> list[dict]:
        return DecisionSerializer(obj.decisions.filter(signed_on__isnull=False).order_by("pk"), many=True).data

    def get_supplement_notice(self, obj) -> dict | None:
        from licensing.services.portal import supplement_notice_open

        notice = supplement_notice_open(obj)
        return SupplementNoticeSerializer(notice).data if notice else None

    def get_timeline(self, obj) -> list[dict]:
        return TimelineEventSerializer(sel.timeline_for_applicant(obj), many=True).data

    def get_rating(self, obj) -> dict | None:
        rating = Rating.objects.filter(application=obj).first()
        return RatingSerializer(rating).data if rating else None

    def get_problems(self, obj) -> dict:
        from licensing.services.portal import draft_problems

        return draft_problems(obj) if obj.status == "draft" else {}


class NotificationSerializer(serializers.ModelSerializer):
    application = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "application", "created_at", "read_at", "email_sent_at"]

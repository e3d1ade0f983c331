"""E-supervision (电子监察) under /api/v1/supervision/: read serializers for the dashboard, the
overdue queue, warning cards, supervision cases and compliance records, and separate input
serializers for the two acts on a case (style.md 4)."""

from rest_framework import serializers

from licensing.models import Rectification, SupervisionCase, SupervisionWarning


class LevelCountSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="Clock: C1, C2, C2P (promised), C6 or C8.")
    label = serializers.CharField()
    yellow = serializers.IntegerField(help_text="Running, in the warning window (yellow_from <= today <= due).")
    red = serializers.IntegerField(help_text="Running past the due date (due < today).")


class DashboardSerializer(serializers.Serializer):
    today = serializers.DateField(help_text="The working date (Beijing time) the counts are for.")
    clocks = LevelCountSerializer(many=True)
    total_yellow = serializers.IntegerField()
    total_red = serializers.IntegerField()
    cases_open = serializers.IntegerField(help_text="Supervision cases not closed.")
    cases_late = serializers.IntegerField(help_text="Open cases past the agency's response deadline.")


class OverdueSerializer(serializers.Serializer):
    application = serializers.CharField(source="clock.application.number")
    agency = serializers.CharField(source="clock.application.agency.code")
    item = serializers.CharField(source="clock.application.item.code")
    clock = serializers.CharField(source="clock.kind")
    due_on = serializers.DateField(source="clock.due_on")
    working_days_late = serializers.IntegerField()
    examiner = serializers.SerializerMethodField(help_text="Staff number (or username) of the examiner.")

    def get_examiner(self, row) -> str | None:
        examiner = row.clock.application.examiner
        return (examiner.staff_number or examiner.username) if examiner else None


class WarningSerializer(serializers.ModelSerializer):
    application = serializers.SlugRelatedField(slug_field="number", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    officer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    case = serializers.SerializerMethodField()

    class Meta:
        model = SupervisionWarning
        fields = [
            "id",
            "application",
            "agency",
            "officer",
            "clock_kind",
            "level",
            "due_on",
            "raised_on",
            "raised_at",
            "working_days_left",
            "legal_basis",
            "case",
        ]
        read_only_fields = fields

    def get_case(self, warning) -> int | None:
        case = getattr(warning, "case", None) if warning.level == "red" else None
        return case.pk if case else None


class SupervisionCaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(read_only=True)
    application = serializers.SlugRelatedField(slug_field="number", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    due_on = serializers.DateField(source="warning.due_on", read_only=True, help_text="The due date missed.")
    responded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    closed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = SupervisionCase
        fields = [
            "id",
            "reference",
            "application",
            "agency",
            "clock_kind",
            "due_on",
            "status",
            "opened_on",
            "response_due_on",
            "response",
            "responded_by",
            "responded_at",
            "conclusion",
            "closed_by",
            "closed_at",
        ]
        read_only_fields = fields


class RespondInputSerializer(serializers.Serializer):
    response = serializers.CharField(max_length=5000, help_text="The agency's written response.")


class CloseInputSerializer(serializers.Serializer):
    conclusion = serializers.CharField(max_length=5000, help_text="The supervisor's conclusion (Art. 72).")


class RectificationSerializer(serializers.ModelSerializer):
    """A rectification after a bad rating (好差评): the rating, the two due dates (working days)
    and the agency's follow-up, as the applicant sees it on their application."""

    application = serializers.SlugRelatedField(slug_field="number", read_only=True)
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    rating = serializers.IntegerField(
        source="rating.level", read_only=True, help_text="1 very satisfied … 5 very dissatisfied."
    )
    comment = serializers.CharField(source="rating.comment", read_only=True)
    contacted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    rectified_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    contact_late = serializers.SerializerMethodField(help_text="Not contacted and past the contact due date.")
    rectify_late = serializers.SerializerMethodField(help_text="Not rectified and past the rectification due date.")

    class Meta:
        model = Rectification
        fields = [
            "id",
            "application",
            "agency",
            "rating",
            "comment",
            "opened_on",
            "contact_due_on",
            "rectify_due_on",
            "contacted_at",
            "contacted_by",
            "contact_note",
            "rectified_at",
            "rectified_by",
            "rectification_note",
            "contact_late",
            "rectify_late",
        ]
        read_only_fields = fields

    def get_contact_late(self, row) -> bool:
        return row.contact_late_on(self.context["today"])

    def get_rectify_late(self, row) -> bool:
        return row.rectify_late_on(self.context["today"])


class NoteInputSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, help_text="What was done: the contact made, or what was rectified.")


class RateSerializer(serializers.Serializer):
    met = serializers.IntegerField()
    missed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="met / (met + missed); null when nothing was due.")
    reliable = serializers.BooleanField(help_text="At least the minimum sample of outcomes.")


class ComplianceRowSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Agency code, or the officer's username.")
    name = serializers.CharField()
    agency = serializers.CharField(source="agency_code", help_text="For officers: their agency's code.")
    received = serializers.IntegerField()
    decided = serializers.IntegerField()
    deemed_accepted = serializers.IntegerField()
    on_time = RateSerializer(help_text="All counted clocks together.")
    clocks = serializers.DictField(child=RateSerializer(), help_text="Per clock kind.")
    overdue_now = serializers.IntegerField()
    red_cards = serializers.IntegerField()
    cases_open = serializers.IntegerField()
    bad_ratings = serializers.IntegerField()
    rectifications_open = serializers.IntegerField()
    rectifications_late = serializers.IntegerField()
    rectified = serializers.IntegerField()


class ComplianceSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    today = serializers.DateField()
    agencies = ComplianceRowSerializer(many=True)
    officers = ComplianceRowSerializer(many=True)
    overdue = OverdueSerializer(many=True)

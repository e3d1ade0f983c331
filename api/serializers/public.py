"""Serializers of the public API (issue 7): the same public reads as the pages, never personal
data. They serialise what ``licensing.selectors_public`` returns (plain rows and dataclasses
holding public columns only), so nothing else can reach the output."""

from __future__ import annotations

from rest_framework import serializers

from licensing.choices import LicenceStatus
from licensing.selectors_public import PUBLIC_STATUSES


class PublicClockSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="C1 acceptance check, C2 decision, C2P promised decision, C6, C8.")
    label = serializers.CharField()
    state = serializers.CharField(help_text="running, paused or stopped.")
    start_on = serializers.DateField(help_text="The trigger date; counting starts the next working day (Art. 82).")
    days = serializers.IntegerField(help_text="Working days allowed, with a valid extension.")
    due_on = serializers.DateField(allow_null=True, help_text="Empty while a pause with no expected end runs.")
    stopped_on = serializers.DateField(allow_null=True)
    provisional = serializers.BooleanField(help_text="Counted past the last published holiday calendar.")
    overdue = serializers.BooleanField()
    stopped_late = serializers.BooleanField()
    explanation = serializers.ListField(child=serializers.CharField(), help_text="How the due date was calculated.")


class PublicPauseSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="One of the eight Art. 45 procedures.")
    reason_label = serializers.CharField()
    started_on = serializers.DateField()
    expected_end_on = serializers.DateField()
    ended_on = serializers.DateField(allow_null=True)


class PublicExtensionSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    reason = serializers.CharField(help_text="The organ's reason for the extension (Art. 42).")
    approved_on = serializers.DateField()


class PublicStepSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    action_label = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField()
    staff_number = serializers.CharField(help_text="The official's staff number; empty for the applicant or system.")
    legal_basis = serializers.CharField()


class PublicDocumentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    version = serializers.IntegerField()
    issued_on = serializers.DateField(allow_null=True)


class PublicApplicationSerializer(serializers.Serializer):
    """One application's public record (Art. 5, 40)."""

    number = serializers.CharField()
    status = serializers.ChoiceField(choices=[(s.value, s.label) for s in PUBLIC_STATUSES])
    status_label = serializers.CharField()
    item_code = serializers.CharField()
    item_name = serializers.CharField()
    agency_code = serializers.CharField()
    agency_name = serializers.CharField()
    received_at = serializers.DateTimeField()
    accepted_on = serializers.DateField(allow_null=True)
    deemed_accepted = serializers.BooleanField()
    decided_on = serializers.DateField(allow_null=True)
    certificate_issued_on = serializers.DateField(allow_null=True)
    overdue = serializers.BooleanField(help_text="The statutory decision limit (C2) ran out with no decision.")
    clocks = serializers.SerializerMethodField()
    pauses = PublicPauseSerializer(many=True)
    extension = PublicExtensionSerializer(allow_null=True)
    timeline = PublicStepSerializer(many=True)
    documents = PublicDocumentSerializer(many=True)

    def get_clocks(self, obj) -> list[dict]:
        return PublicClockSerializer(list(obj.clocks.values()), many=True).data


class PublicApplicationRowSerializer(serializers.Serializer):
    """One row of the public list of applications."""

    number = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    item_code = serializers.CharField(source="item__code")
    item_name = serializers.CharField(source="item__name")
    agency_code = serializers.CharField(source="agency__code")
    agency_name = serializers.CharField(source="agency__name")
    received_at = serializers.DateTimeField()
    accepted_on = serializers.DateField(allow_null=True)
    deemed_accepted = serializers.BooleanField()
    decided_on = serializers.DateField(allow_null=True)
    decision_due_on = serializers.DateField(source="c2_due_on", allow_null=True)
    overdue = serializers.BooleanField()


class ApplicationFilterSerializer(serializers.Serializer):
    """Query parameters of the list of applications."""

    agency = serializers.CharField(required=False, allow_blank=True, max_length=40)
    item = serializers.CharField(required=False, allow_blank=True, max_length=40)
    status = serializers.ChoiceField(choices=[s.value for s in PUBLIC_STATUSES], required=False, allow_blank=True)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    overdue = serializers.BooleanField(required=False, default=False)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=100)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


class PublicLicenceSerializer(serializers.Serializer):
    """One entry of the register of licences (双公示); a person's name is masked."""

    number = serializers.CharField()
    holder = serializers.CharField(help_text="An organisation's name, or a person's masked name (张*).")
    holder_is_organisation = serializers.BooleanField()
    item_code = serializers.CharField(source="item__code")
    item_name = serializers.CharField(source="item__name")
    agency_code = serializers.CharField(source="agency__code")
    agency_name = serializers.CharField(source="agency__name")
    scope = serializers.CharField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=LicenceStatus.choices, help_text="Active past its validity shows expired.")
    status_label = serializers.CharField()
    issued_on = serializers.DateField()


class LicenceFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100)
    agency = serializers.CharField(required=False, allow_blank=True, max_length=40)
    item = serializers.CharField(required=False, allow_blank=True, max_length=40)
    status = serializers.ChoiceField(choices=LicenceStatus.values, required=False, allow_blank=True)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=100)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


class VerificationSerializer(serializers.Serializer):
    """A verified licence: enough to compare with the certificate in hand."""

    valid = serializers.BooleanField(help_text="Active and within its validity today.")
    number = serializers.CharField()
    holder = serializers.CharField()
    holder_is_organisation = serializers.BooleanField()
    item_name = serializers.CharField()
    agency_name = serializers.CharField()
    valid_from = serializers.DateField()
    valid_until = serializers.DateField(allow_null=True)
    issued_on = serializers.DateField()
    status = serializers.CharField()
    status_label = serializers.CharField()


class ShareSerializer(serializers.Serializer):
    cases = serializers.IntegerField(source="denominator")
    on_time = serializers.IntegerField(source="numerator")
    percent = serializers.FloatField(allow_null=True, help_text="Empty for fewer than 20 cases.")


class PerformanceRowSerializer(serializers.Serializer):
    agency_code = serializers.CharField()
    agency_name = serializers.CharField()
    item_code = serializers.CharField(help_text="Empty on an agency's total row.")
    item_name = serializers.CharField()
    received = serializers.IntegerField()
    decided = serializers.IntegerField()
    on_time_statutory = ShareSerializer(source="statutory")
    on_time_promised = ShareSerializer(source="promised", allow_null=True)
    has_promised_limit = serializers.BooleanField()
    median_working_days_to_decision = serializers.FloatField(source="median_working_days", allow_null=True)
    median_cases = serializers.IntegerField()
    backlog_today = serializers.IntegerField(source="backlog")
    overdue_today = serializers.IntegerField(source="overdue")
    ratings = serializers.IntegerField(source="satisfaction.total")
    rating_percent_by_level = serializers.ListField(
        source="satisfaction.percent_list",
        child=serializers.FloatField(),
        allow_null=True,
        help_text="Levels 1 (very satisfied) to 5 (very dissatisfied); empty for fewer than 20 ratings.",
    )


class AgencyPerformanceSerializer(serializers.Serializer):
    total = PerformanceRowSerializer()
    items = PerformanceRowSerializer(many=True)


class PerformanceReportSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    today = serializers.DateField()
    computed_at = serializers.DateTimeField()
    minimum_cases = serializers.IntegerField(source="minimum")
    agencies = AgencyPerformanceSerializer(many=True)

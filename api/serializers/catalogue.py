from rest_framework import serializers

from licensing.models import Agency, Fee, LicenceItem, MaterialRequirement, Topic


class AgencySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Agency
        fields = ["code", "name", "name_en", "region", "parent", "address", "phone", "office_hours"]


class MaterialRequirementSerializer(serializers.ModelSerializer):
    accepted_types = serializers.ListField(source="accepted_type_list", child=serializers.CharField())

    class Meta:
        model = MaterialRequirement
        fields = ["id", "order", "name", "description", "kind", "condition", "form", "copies",
                  "accepted_types", "max_size_mb", "shared_data_source"]


class FeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Fee
        fields = ["name", "amount", "legal_basis"]


class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["slug", "kind", "name"]


class LicenceItemListSerializer(serializers.ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = LicenceItem
        fields = ["code", "name", "name_en", "agency", "category", "statutory_days", "promised_days",
                  "handling_mode", "online_available"]


class LicenceItemDetailSerializer(LicenceItemListSerializer):
    lower_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    requirements = MaterialRequirementSerializer(many=True, read_only=True)
    fees = FeeSerializer(many=True, read_only=True)
    topics = TopicSerializer(many=True, read_only=True)

    class Meta(LicenceItemListSerializer.Meta):
        fields = [*LicenceItemListSerializer.Meta.fields, "lower_agency", "summary", "legal_basis",
                  "legal_articles", "conditions", "applicant_scope", "quantity_limit", "procedure",
                  "extension_days", "on_the_spot", "hearing_mandatory", "verification_required",
                  "inspection_required", "two_tier", "in_person_required", "certificate_type",
                  "certificate_name", "validity_months", "renewal_notice_days", "territorial_scope",
                  "form_schema", "consultation", "complaint_channel", "requirements", "fees", "topics",
                  "updated_at"]

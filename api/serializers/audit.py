"""The action log, read-only (design.md principle 5)."""

from rest_framework import serializers

from licensing.models import ActionLogEntry


class ActionLogEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label", help_text='The username at the time, or "system".')
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text="The actor's agency code.")
    application = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = ActionLogEntry
        fields = [
            "seq",
            "at",
            "actor",
            "role",
            "agency",
            "action",
            "application",
            "legal_basis",
            "reason",
            "changes",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class DailyDigestSerializer(serializers.Serializer):
    """One day of the published chain: no personal data."""

    day = serializers.DateField(read_only=True)
    entries = serializers.IntegerField(read_only=True, help_text="Entries recorded that day.")
    head_seq = serializers.IntegerField(read_only=True, help_text="Number of the day's last entry.")
    head_hash = serializers.CharField(read_only=True, help_text="Hash of the day's last entry: the chain head.")

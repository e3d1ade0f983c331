"""The administrators' screens: agencies, staff, the service catalogue and the calendar."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from licensing import models


class NoDeleteMixin:
    """Agencies and users are kept for the record: deactivate, never delete (principle 5)."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Agency)
class AgencyAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "region", "parent", "head"]
    search_fields = ["code", "name", "name_en"]
    list_select_related = ["parent", "head"]
    raw_id_fields = ["head"]


@admin.register(models.User)
class UserAdmin(NoDeleteMixin, BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "email", "agency", "staff_number", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "groups", "agency"]
    list_select_related = ["agency"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("Agency"), {"fields": ["agency", "staff_number", "phone"]}),
    ]
    actions = ["deactivate"]

    @admin.action(description=_("Deactivate the selected users"))
    def deactivate(self, request, queryset):
        queryset.update(is_active=False)


class MaterialRequirementInline(admin.TabularInline):
    model = models.MaterialRequirement
    extra = 0


class FeeInline(admin.TabularInline):
    model = models.Fee
    extra = 0


@admin.register(models.LicenceItem)
class LicenceItemAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "agency", "statutory_days", "promised_days", "handling_mode", "published"]
    list_filter = ["published", "agency", "category", "handling_mode"]
    search_fields = ["code", "name", "name_en", "legal_basis"]
    list_select_related = ["agency"]
    filter_horizontal = ["topics"]
    inlines = [MaterialRequirementInline, FeeInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "name_en", "agency", "category", "summary", "published", "topics"]}),
        (
            _("Legal basis and conditions (Art. 30)"),
            {"fields": ["legal_basis", "legal_articles", "conditions", "applicant_scope", "quantity_limit"]},
        ),
        (
            _("Time limits (Arts. 42, 82)"),
            {"fields": ["statutory_days", "promised_days", "extension_days", "yellow_days"]},
        ),
        (
            _("Procedure"),
            {
                "fields": [
                    "procedure",
                    "handling_mode",
                    "lower_agency",
                    "two_tier",
                    "on_the_spot",
                    "hearing_mandatory",
                    "verification_required",
                    "inspection_required",
                    "in_person_required",
                    "online_available",
                    "form_schema",
                ]
            },
        ),
        (
            _("Certificate (Art. 39)"),
            {
                "fields": [
                    "certificate_type",
                    "certificate_name",
                    "validity_months",
                    "renewal_notice_days",
                    "territorial_scope",
                ]
            },
        ),
        (_("Contact"), {"fields": ["consultation", "complaint_channel"]}),
    ]


@admin.register(models.Topic)
class TopicAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "slug", "order"]
    list_filter = ["kind"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.ActionLogEntry)
class ActionLogEntryAdmin(admin.ModelAdmin):
    """The action log, read-only for everyone, superusers included (design.md principle 5):
    entries are written only by ``licensing.audit.audit_record``."""

    list_display = ["seq", "at", "actor_label", "role", "agency", "action", "application", "legal_basis"]
    list_filter = ["action", "role", "agency"]
    search_fields = ["actor_label", "application__number", "legal_basis", "reason"]
    list_select_related = ["agency", "application"]
    date_hierarchy = "at"
    ordering = ["-seq"]
    show_full_result_count = False
    readonly_fields = [f.name for f in models.ActionLogEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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


# -- The working-day calendar (Art. 82; law.md §3.5-§3.6) --------------------------------------

from django.contrib import messages  # noqa: E402
from django.forms import modelformset_factory  # noqa: E402
from django.shortcuts import redirect  # noqa: E402
from django.template.response import TemplateResponse  # noqa: E402
from django.urls import path, reverse  # noqa: E402
from django.utils.html import format_html  # noqa: E402

from licensing.calendar_forms import (  # noqa: E402
    CalendarNoticeForm,
    CalendarYearEntryFormSet,
    NoForeignKeyInlineChecks,
)
from licensing.errors import DomainError  # noqa: E402
from licensing.services.calendar import calendar_entries_import, calendar_year_publish  # noqa: E402


class CalendarYearEntryInline(admin.TabularInline):
    """The year's rest days and make-up working days, matched by region and year."""

    model = models.CalendarEntry
    formset = CalendarYearEntryFormSet
    checks_class = NoForeignKeyInlineChecks
    fields = ["date", "kind", "name", "notice"]
    extra = 0
    verbose_name = _("day of the notice")
    verbose_name_plural = _("days of the notice (rest days and make-up working days)")

    def get_formset(self, request, obj=None, **kwargs):
        can_change = self.has_change_permission(request, obj) if request else True
        can_add = self.has_add_permission(request, obj) if request else True

        class PermissionProtectedForm(self.form):
            def has_changed(self):
                if not can_change and not self.instance._state.adding:
                    return False
                if not can_add and self.instance._state.adding:
                    return False
                return super().has_changed()

        return modelformset_factory(
            self.model,
            form=PermissionProtectedForm,
            formset=self.formset,
            fields=self.fields,
            extra=self.get_extra(request, obj),
            min_num=self.get_min_num(request, obj),
            max_num=self.get_max_num(request, obj),
            can_delete=self.can_delete and self.has_delete_permission(request, obj),
            formfield_callback=lambda field, **kw: self.formfield_for_dbfield(field, request=request, **kw),
        )


@admin.register(models.CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    """One year of a region's calendar. Publishing goes through ``calendar_year_publish`` so that
    open deadlines are recounted and every change is logged (law.md §3.6)."""

    list_display = ["year", "region", "notice", "published", "published_at", "entry_count", "enter_notice_link"]
    list_filter = ["published", "region"]
    search_fields = ["notice", "year"]
    ordering = ["-year", "region"]
    readonly_fields = ["published", "published_at", "enter_notice_link"]
    fields = ["region", "year", "notice", "published", "published_at", "enter_notice_link"]
    inlines = [CalendarYearEntryInline]
    actions = ["publish"]
    change_list_template = "admin/licensing/calendaryear/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        # The days are matched to the year by region and date; moving a year would orphan them.
        if obj is not None and obj.pk:
            return ["region", "year", *self.readonly_fields]
        return self.readonly_fields

    @admin.display(description=_("days entered"))
    def entry_count(self, obj):
        return models.CalendarEntry.objects.filter(region=obj.region, date__year=obj.year).count()

    @admin.display(description=_("paste the notice"))
    def enter_notice_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:licensing_calendaryear_enter_notice")
        return format_html('<a href="{}?region={}&amp;year={}">{}</a>', url, obj.region, obj.year, _("Paste or upload"))

    def get_urls(self):
        view = self.admin_site.admin_view(self.enter_notice_view)
        return [path("enter-notice/", view, name="licensing_calendaryear_enter_notice"), *super().get_urls()]

    def enter_notice_view(self, request):
        """Enter the days of a notice from pasted lines or a CSV file, then optionally publish."""
        if not self.has_change_permission(request) or not self.has_add_permission(request):
            messages.error(request, _("You may not change the calendar."))
            return redirect("admin:licensing_calendaryear_changelist")
        if request.method == "POST":
            form = CalendarNoticeForm(request.POST, request.FILES)
            if form.is_valid():
                region, year = form.cleaned_data["region"].strip(), form.cleaned_data["year"]
                try:
                    result = calendar_entries_import(region=region, lines=form.cleaned_data["lines"], year=year)
                    models.CalendarYear.objects.get_or_create(
                        region=region, year=year, defaults={"notice": form.cleaned_data["notice"]}
                    )
                    messages.success(
                        request,
                        _(
                            "%(region)s %(year)s: %(created)d days added, %(updated)d corrected, "
                            "%(unchanged)d unchanged."
                        )
                        % {"region": region, "year": year, **result.__dict__},
                    )
                    if form.cleaned_data["publish"]:
                        self._publish(request, region, year)
                except DomainError as error:
                    form.add_error(None, error.message)
                else:
                    return redirect("admin:licensing_calendaryear_changelist")
        else:
            initial = {"region": request.GET.get("region", models.NATIONAL)}
            if request.GET.get("year", "").isdigit():
                initial["year"] = int(request.GET["year"])
                existing = models.CalendarYear.objects.filter(region=initial["region"], year=initial["year"]).first()
                if existing:
                    initial["notice"] = existing.notice
            form = CalendarNoticeForm(initial=initial)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Enter a holiday notice"),
            "form": form,
        }
        return TemplateResponse(request, "admin/licensing/calendaryear/enter_notice.html", context)

    def _publish(self, request, region, year):
        try:
            result = calendar_year_publish(year=year, region=region, actor=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return
        messages.success(
            request,
            _("%(region)s %(year)s published: %(recomputed)d applications recounted, %(changed)d with new due dates.")
            % {"region": region, "year": year, "recomputed": result.recomputed, "changed": result.changed},
        )

    @admin.action(description=_("Publish the selected years and recount open deadlines"), permissions=["change"])
    def publish(self, request, queryset):
        for calendar_year in queryset.order_by("year"):
            self._publish(request, calendar_year.region, calendar_year.year)


@admin.register(models.CalendarEntry)
class CalendarEntryAdmin(SimpleHistoryAdmin):
    """Every rest day and make-up working day, with its notice (law.md §3.5)."""

    list_display = ["date", "region", "kind", "name", "notice"]
    list_filter = ["region", "kind"]
    search_fields = ["name", "notice"]
    date_hierarchy = "date"
    ordering = ["-date"]


@admin.register(models.LicenceVerification)
class LicenceVerificationAdmin(admin.ModelAdmin):
    """Public verifications of licences by QR code (issue 7): read-only, for spotting forged
    certificates in circulation (many checks of one unknown code). No code, no address is kept."""

    list_display = ["at", "result", "licence", "token_hash_prefix", "channel"]
    list_filter = ["result", "channel"]
    search_fields = ["licence__number", "token_hash_prefix"]
    list_select_related = ["licence"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# -- The applicant portal (issue 6): ratings, their rectification, and the notification outbox ----
# Applicant profiles are not registered: personal data is shown only to its owner and to the staff
# handling their applications (design.md principle 4), on the portal's own pages.


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by the portal's services; the admin reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["application", "level", "created_at"]
    list_filter = ["level"]
    search_fields = ["application__number"]
    list_select_related = ["application"]


@admin.register(models.Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ["application", "agency", "contact_due_on", "contacted_at", "rectify_due_on", "rectified_at"]
    list_filter = ["agency"]
    search_fields = ["application__number"]
    list_select_related = ["application", "agency"]


@admin.register(models.Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """The outbox: whether each email went out, how often it was tried and the last error."""

    list_display = ["created_at", "kind", "subject", "email_sent_at", "email_attempts", "email_failed_at"]
    list_filter = ["kind", "email_failed_at"]
    search_fields = ["key", "application__number"]
    fields = ["key", "kind", "application", "subject", "created_at", "read_at", "email_sent_at",
              "email_attempts", "email_next_attempt_at", "email_last_error", "email_failed_at"]
    readonly_fields = fields


# --- e-supervision (issue 8) ---------------------------------------------------------------------


@admin.register(models.SupervisoryOffice)
class SupervisoryOfficeAdmin(admin.ModelAdmin):
    """Marks the supervisory office whose supervisors, if it has no upper organ, see every agency
    (``licensing.selectors_supervision.supervision_remit``)."""

    list_display = ["agency", "note"]
    autocomplete_fields = ["agency"]


class _SupervisionRecordAdmin(admin.ModelAdmin):
    """Cards and cases are written only by the sweep and the supervision services, with their
    action-log entries; the admin reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.SupervisionWarning)
class SupervisionWarningAdmin(_SupervisionRecordAdmin):
    list_display = ["raised_on", "level", "clock_kind", "application", "agency", "due_on", "working_days_left"]
    list_filter = ["level", "clock_kind", "agency"]
    search_fields = ["application__number"]
    date_hierarchy = "raised_on"


@admin.register(models.SupervisionCase)
class SupervisionCaseAdmin(_SupervisionRecordAdmin):
    list_display = ["pk", "application", "agency", "clock_kind", "status", "opened_on", "response_due_on"]
    list_filter = ["status", "clock_kind", "agency"]
    search_fields = ["application__number"]
    date_hierarchy = "opened_on"

"""Back office for the villages' December reports (R19)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ExportLog, VillageReport
from .village_reports import report_receive


@admin.register(VillageReport)
class VillageReportAdmin(admin.ModelAdmin):
    list_display = ("village", "year", "status", "submitted_at", "submitted_by", "received_at")
    list_filter = ("year", "status", "village")
    list_select_related = ("village", "submitted_by")
    search_fields = ("village__name",)
    autocomplete_fields = ("village",)
    readonly_fields = ("submitted_by", "updated_at")
    fieldsets = (
        (None, {"fields": ("village", "year", "status")}),
        (
            _("Report"),
            {"fields": ("basic_situation", "main_practices", "results", "problems", "next_steps")},
        ),
        (
            _("Submission"),
            {"fields": ("submitted_at", "submitted_by", "return_reason", "received_at", "updated_at")},
        ),
    )
    actions = ("mark_received",)

    @admin.action(description=_("Mark the selected submitted reports as received"), permissions=("change",))
    def mark_received(self, request, queryset):
        # One report at a time through the service, so each change is audited like the web page's.
        count = 0
        for report in queryset.filter(status=VillageReport.Status.SUBMITTED):
            report_receive(report=report, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%d report marked as received.", "%d reports marked as received.", count) % count,
            messages.SUCCESS,
        )


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    """Who exported what and when (issue 5): read-only, nobody edits or deletes the record."""

    list_display = ("created_at", "user", "exporter", "format", "row_count", "filename")
    list_filter = ("exporter", "format")
    list_select_related = ("user",)
    search_fields = ("user__username", "exporter", "filename")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

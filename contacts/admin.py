"""Back office for the contact work: cadres, terms, pairings and what follows from them (R2–R18)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from talents.admin import RecordsAuthorMixin

from . import ledger, services
from .forms import PhotosField
from .models import (
    Cadre,
    Contact,
    ContactPhoto,
    Demand,
    DemandProgress,
    Feedback,
    MajorEvent,
    Pairing,
    Recommendation,
    Suggestion,
    Term,
)


def _short(text: str) -> str:
    return Truncator(text).chars(30)


class CadrePairingInline(admin.TabularInline):
    model = Pairing
    fk_name = "cadre"
    verbose_name_plural = _("pairing history")
    fields = ("term", "talent", "start_date", "end_date", "end_reason", "exception_reason")
    readonly_fields = fields
    ordering = ("-start_date", "-id")
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("term", "cadre", "talent")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Cadre)
class CadreAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "portfolio", "level", "village", "user", "active")
    list_filter = ("level", "active", "village")
    list_select_related = ("village", "user")
    search_fields = ("name", "title", "portfolio", "user__username")
    autocomplete_fields = ("user", "village")
    inlines = (CadrePairingInline,)


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ("name", "start_date", "end_date", "is_current", "open_pairings")
    list_filter = ("is_current",)
    search_fields = ("name",)

    def get_queryset(self, request):
        open_ones = Count("pairings", filter=Q(pairings__end_date__isnull=True))
        return super().get_queryset(request).annotate(open_pairings=open_ones)

    @admin.display(description=_("open pairings"), ordering="open_pairings")
    def open_pairings(self, obj: Term) -> int:
        return obj.open_pairings


class PairingStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("open", _("open")), ("ended", _("ended")))

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(end_date__isnull=True)
        if self.value() == "ended":
            return queryset.filter(end_date__isnull=False)
        return queryset


@admin.register(Pairing)
class PairingAdmin(RecordsAuthorMixin, admin.ModelAdmin):
    """Pairings are ended, never overwritten (R12): a change of cadre is a new pairing that replaces one."""

    list_display = (
        "term",
        "cadre",
        "talent",
        "level",
        "start_date",
        "end_date",
        "end_reason",
        "exception_reason",
    )
    list_filter = ("term", "level", "end_reason", PairingStateFilter)
    list_select_related = ("term", "cadre", "talent")
    search_fields = ("cadre__name", "talent__name")
    autocomplete_fields = ("cadre", "talent", "replaces")
    readonly_fields = ("level", "created_at", "created_by")
    fieldsets = (
        (None, {"fields": ("term", "cadre", "level", "talent", "start_date", "replaces", "exception_reason")}),
        (_("End"), {"fields": ("end_date", "end_reason", "end_note")}),
        (_("Record"), {"fields": ("created_at", "created_by"), "classes": ("collapse",)}),
    )

    def get_search_results(self, request, queryset, search_term):
        # The "replaces" autocomplete shows each pairing's name, which reads the term, cadre and talent.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.select_related("term", "cadre", "talent"), may_have_duplicates


class ContactPhotoForm(forms.ModelForm):
    """A photo added in the back office gets the cadre's treatment: the same checks (size, pixels, a
    readable image) and the same re-encoding (shrunk, EXIF and GPS stripped, a random name)."""

    class Meta:
        model = ContactPhoto
        fields = ("image",)

    def clean_image(self):
        image = self.cleaned_data.get("image")
        if not isinstance(image, UploadedFile):  # unchanged, or cleared
            return image
        PhotosField(required=False).clean(image)
        image.seek(0)
        return services.photo_prepare(image)


class ContactPhotoInline(admin.TabularInline):
    model = ContactPhoto
    form = ContactPhotoForm
    fields = ("image", "preview", "created_at")
    readonly_fields = ("preview", "created_at")
    extra = 0

    @admin.display(description=_("preview"))
    def preview(self, obj: ContactPhoto) -> str:
        if not obj.pk or not obj.image:
            return "-"
        # Through the access-checked photo view (there is no public media URL), sized by attribute: the CSP
        # refuses style attributes.
        return format_html('<img src="{}" alt="" height="80">', reverse("contacts:photo", args=[obj.pk]))


class UrgentStateFilter(admin.SimpleListFilter):
    title = _("urgent item")
    parameter_name = "urgent_state"

    def lookups(self, request, model_admin):
        return (("waiting", _("waiting to be handled")), ("handled", _("handled")))

    def queryset(self, request, queryset):
        if self.value() == "waiting":
            return queryset.filter(urgent=True, handled_at__isnull=True)
        if self.value() == "handled":
            return queryset.filter(urgent=True, handled_at__isnull=False)
        return queryset


@admin.register(Contact)
class ContactAdmin(RecordsAuthorMixin, admin.ModelAdmin):
    list_display = ("date", "cadre", "talent", "method", "direction", "content_types", "urgent", "handled")
    list_filter = ("method", "direction", "urgent", UrgentStateFilter, "pairing__term")
    list_select_related = ("pairing__cadre", "pairing__talent")
    date_hierarchy = "date"
    search_fields = ("pairing__talent__name", "pairing__cadre__name", "summary", "place")
    autocomplete_fields = ("pairing",)
    readonly_fields = ("handled_by", "client_token", "created_at", "created_by")
    fieldsets = (
        (None, {"fields": ("pairing", "date", "method", "direction", "place")}),
        (_("Content"), {"fields": (("is_guidance", "is_consultation", "is_service"), "summary")}),
        (
            _("Situation of the talent"),
            {
                "fields": (
                    "situation_thought",
                    "situation_work",
                    "situation_study",
                    "situation_health",
                    "situation_life",
                )
            },
        ),
        (_("Urgent item"), {"fields": ("urgent", "handled_at", "handled_by")}),
        (_("Record"), {"fields": ("created_at", "created_by", "client_token"), "classes": ("collapse",)}),
    )
    inlines = (ContactPhotoInline,)
    actions = ("mark_handled",)

    @admin.display(description=_("cadre"), ordering="pairing__cadre__name")
    def cadre(self, obj: Contact) -> str:
        return obj.pairing.cadre.name

    @admin.display(description=_("talent"), ordering="pairing__talent__name")
    def talent(self, obj: Contact) -> str:
        return obj.pairing.talent.name

    @admin.display(description=_("content"))
    def content_types(self, obj: Contact) -> str:
        return obj.content_types_display

    @admin.display(description=_("handled"), boolean=True)
    def handled(self, obj: Contact) -> bool | None:
        return obj.handled_at is not None if obj.urgent else None

    def save_model(self, request, obj, form, change):
        if obj.handled_at and not obj.handled_by_id:
            obj.handled_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark the selected urgent items as handled"), permissions=("change",))
    def mark_handled(self, request, queryset):
        # One save() per contact, not update(): the audit log keeps who marked which item (issue 6).
        now, count = timezone.now(), 0
        with transaction.atomic():
            # Locked by primary key: the changelist's queryset may be DISTINCT, which FOR UPDATE refuses.
            pks = list(queryset.values_list("pk", flat=True))
            waiting = Contact.objects.filter(pk__in=pks, urgent=True, handled_at__isnull=True)
            for contact in waiting.select_related("pairing__talent").select_for_update(of=("self",)).order_by("pk"):
                contact.handled_at, contact.handled_by = now, request.user
                contact.save(update_fields=["handled_at", "handled_by"])
                count += 1
        self.message_user(
            request,
            ngettext("%d urgent item marked as handled.", "%d urgent items marked as handled.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Suggestion)
class SuggestionAdmin(RecordsAuthorMixin, admin.ModelAdmin):
    list_display = ("summary", "talent", "category", "status", "forwarded_to", "created_at")
    list_filter = ("status", "category")
    list_select_related = ("talent",)
    date_hierarchy = "created_at"
    search_fields = ("content", "talent__name", "forwarded_to")
    autocomplete_fields = ("talent", "contact")
    readonly_fields = ("created_at", "created_by")

    @admin.display(description=_("content"))
    def summary(self, obj: Suggestion) -> str:
        return _short(obj.content)


class DemandProgressInline(admin.TabularInline):
    model = DemandProgress
    fields = ("date", "note", "created_at", "created_by")
    readonly_fields = ("created_at", "created_by")
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


class DemandOverdueFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return (("overdue", _("overdue")),)

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            open_ones = queryset.exclude(status__in=Demand.CLOSED_STATUSES)
            return open_ones.filter(due_date__lt=timezone.localdate())
        return queryset


@admin.register(Demand)
class DemandAdmin(RecordsAuthorMixin, admin.ModelAdmin):
    list_display = (
        "talent",
        "kind",
        "summary",
        "urgency",
        "status",
        "raised_on",
        "due_date",
        "responsible_unit",
        "coordinating_cadre",
        "satisfaction",
    )
    list_filter = (
        "status",
        "kind",
        "urgency",
        "source",
        DemandOverdueFilter,
        ("responsible_unit", admin.RelatedOnlyFieldListFilter),
        "satisfaction",
    )
    list_select_related = ("talent", "responsible_unit", "coordinating_cadre")
    date_hierarchy = "raised_on"
    search_fields = ("talent__name", "content", "responsible_unit__name", "coordinating_cadre__name")
    autocomplete_fields = ("talent", "contact", "responsible_unit", "coordinating_cadre")
    readonly_fields = ("created_at", "created_by")
    fieldsets = (
        (None, {"fields": ("talent", ("raised_on", "source"), "contact", ("kind", "urgency"), "content")}),
        (_("Handling"), {"fields": ("responsible_unit", "coordinating_cadre", "measures", "due_date", "handled_at")}),
        (_("Result"), {"fields": ("status", "result", "closed_on")}),
        (_("Follow-up visit"), {"fields": ("follow_up", "follow_up_on", "satisfaction")}),
        (_("Record"), {"fields": ("created_at", "created_by"), "classes": ("collapse",)}),
    )
    inlines = (DemandProgressInline,)

    @admin.display(description=_("content"))
    def summary(self, obj: Demand) -> str:
        return _short(obj.content)


class AcknowledgedFilter(admin.SimpleListFilter):
    title = _("acknowledged")
    parameter_name = "acknowledged"

    def lookups(self, request, model_admin):
        return (("yes", _("acknowledged")), ("no", _("not acknowledged")))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(acknowledged_at__isnull=self.value() == "no")
        return queryset


@admin.register(MajorEvent)
class MajorEventAdmin(RecordsAuthorMixin, admin.ModelAdmin):
    list_display = ("talent", "kind", "date", "reporting_unit", "reporter_name", "cadre", "acknowledged")
    list_filter = ("kind", AcknowledgedFilter, ("reporting_unit", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("talent", "reporting_unit", "cadre")
    date_hierarchy = "date"
    search_fields = ("talent__name", "description", "reporter_name", "reporting_unit__name")
    autocomplete_fields = ("talent", "reporting_unit", "cadre")
    readonly_fields = ("acknowledged_at", "acknowledged_by", "created_at", "created_by")
    actions = ("acknowledge",)

    @admin.display(description=_("acknowledged"), boolean=True, ordering="acknowledged_at")
    def acknowledged(self, obj: MajorEvent) -> bool:
        return obj.acknowledged_at is not None

    @admin.action(description=_("Acknowledge the selected reports"), permissions=("change",))
    def acknowledge(self, request, queryset):
        # The same service as the ledger's button: one audited save per report, none for one already done.
        waiting = queryset.filter(acknowledged_at__isnull=True).select_related("talent")
        count = sum(ledger.event_acknowledge(event=event, by=request.user) for event in waiting)
        self.message_user(
            request,
            ngettext("%d report acknowledged.", "%d reports acknowledged.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Recommendation)
class RecommendationAdmin(RecordsAuthorMixin, admin.ModelAdmin):
    list_display = ("talent", "role", "level", "year", "organization", "outcome")
    list_filter = ("role", "level", "year", "outcome", ("organization", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("talent", "organization")
    search_fields = ("talent__name", "organization__name", "note")
    autocomplete_fields = ("talent", "organization")
    readonly_fields = ("created_at", "created_by")


class FeedbackForm(forms.ModelForm):
    """The admin builds the Meta (model and fields) from FeedbackAdmin."""

    def clean(self):
        cleaned = super().clean()
        # Marking feedback handled stamps the time, so the office need not type it.
        if cleaned.get("status") == Feedback.Status.HANDLED and not cleaned.get("handled_at"):
            cleaned["handled_at"] = timezone.now()
        return cleaned


@admin.register(Feedback)
class FeedbackAdmin(RecordsAuthorMixin, admin.ModelAdmin):
    form = FeedbackForm
    list_display = ("summary", "unit", "talent", "cadre", "status", "created_at", "handled_at")
    list_filter = ("status", ("unit", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("unit", "talent", "cadre")
    date_hierarchy = "created_at"
    search_fields = ("content", "unit__name", "talent__name", "cadre__name")
    autocomplete_fields = ("unit", "talent", "cadre")
    readonly_fields = ("handled_by", "created_at", "created_by")

    @admin.display(description=_("problem"))
    def summary(self, obj: Feedback) -> str:
        return _short(obj.content)

    def save_model(self, request, obj, form, change):
        if obj.handled_at and not obj.handled_by_id:
            obj.handled_by = request.user
        super().save_model(request, obj, form, change)

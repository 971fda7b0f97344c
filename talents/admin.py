"""Back office for the talent database: organisation, units and talents (R1, R8, R11, R12)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from contacts.forms import PhotosField
from contacts.models import Contact, Demand, MajorEvent, Pairing
from contacts.services import photo_prepare

from . import access, accounts, services
from .models import AuditEntry, Organization, Talent, Unit

# The talent page lists this many of the latest contacts; the contact changelist has the rest.
CONTACT_HISTORY_ROWS = 50


class RecordsAuthorMixin:
    """Stamps ``created_by`` on new rows, the admin's own and its inlines', where the model has one."""

    def save_model(self, request, obj, form, change):
        if not change and hasattr(obj, "created_by_id"):
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in instances:
            if obj.pk is None and hasattr(obj, "created_by_id"):
                obj.created_by = request.user
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """One row: the township running this installation."""

    list_display = ("committee_name", "township", "county", "office_name", "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not Organization.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.pk = 1  # the table's check constraint allows this id only
        super().save_model(request, obj, form, change)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "party_organization",
        "liaison_name",
        "liaison_phone",
        "secretary",
        "liaison",
        "active",
    )
    list_filter = ("kind", "active")
    list_select_related = ("secretary", "liaison")
    search_fields = ("name", "liaison_name", "liaison_phone")
    autocomplete_fields = ("secretary", "liaison")


class PairingHistoryInline(admin.TabularInline):
    """Every pairing the talent has had, ended ones included: read here, changed on the pairing page."""

    model = Pairing
    fk_name = "talent"
    verbose_name = _("pairing")
    verbose_name_plural = _("pairing history")
    fields = ("term", "cadre", "level", "start_date", "end_date", "end_reason", "end_note", "replaces")
    readonly_fields = fields
    ordering = ("-start_date", "-id")
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("term", "cadre", "talent", "replaces__term", "replaces__cadre", "replaces__talent")
        )

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DemandInline(admin.TabularInline):
    """The talent's demand ledger: earlier entries read-only, new ones can be added here."""

    model = Demand
    fields = ("raised_on", "source", "kind", "urgency", "content", "due_date", "status")
    # Closing a demand needs its date and result: done on the demand's own page.
    readonly_fields = ("status",)
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("talent")  # each row's title names the talent

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class MajorEventInline(admin.TabularInline):
    model = MajorEvent
    fields = ("date", "kind", "description", "reporting_unit", "reporter_name", "acknowledged_at")
    readonly_fields = ("acknowledged_at",)
    autocomplete_fields = ("reporting_unit",)
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("talent", "reporting_unit")

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class TalentAdminForm(forms.ModelForm):
    def clean_photo(self):
        """The same checks as every other photo: PHOTO_MAX_BYTES, PHOTO_MAX_PIXELS, decodable."""
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            PhotosField(required=False).clean(photo)
        return photo


@admin.register(Talent)
class TalentAdmin(RecordsAuthorMixin, admin.ModelAdmin):
    """Talents are never deleted: the office moves them out with a date and a reason (调整出库)."""

    form = TalentAdminForm

    # The phone masked in the list, as on every page (issue 6, item 3); the edit form shows it to change it.
    list_display = ("name", "gender", "category", "unit", "village", "masked_phone", "status")
    list_filter = (
        "category",
        "rural_type",
        "status",
        "village",
        ("unit", admin.RelatedOnlyFieldListFilter),
        "political_status",
        "education",
    )
    list_select_related = ("unit", "village")
    search_fields = ("name", "phone", "id_number", "unit__name", "village__name")
    autocomplete_fields = ("unit", "village")
    readonly_fields = ("contact_history", "created_at", "updated_at", "created_by", "updated_by")
    fieldsets = (
        (
            _("Basic information"),
            {
                "fields": (
                    ("name", "gender"),
                    ("ethnicity", "birth_month"),
                    "id_number",
                    "political_status",
                    ("education", "degree"),
                    "school_and_major",
                    "photo",
                )
            },
        ),
        (
            _("Work"),
            {"fields": ("unit", "position", "title", ("category", "rural_type"), "speciality", "village")},
        ),
        (_("Contact details"), {"fields": ("phone", "address")}),
        (_("Achievements"), {"fields": ("achievements", "honours")}),
        (
            _("Status"),
            {
                "fields": ("status", ("out_date", "out_reason")),
                "description": _("To move a talent out of the database, set the status and give a date and a reason."),
            },
        ),
        (
            _("Thoughts and views (restricted)"),
            {
                "fields": ("thoughts",),
                "classes": ("collapse",),
                "description": _("Only the office and the paired cadre may read this."),
            },
        ),
        (_("Contacts"), {"fields": ("contact_history",)}),
        (
            _("Record"),
            {"fields": (("created_at", "created_by"), ("updated_at", "updated_by")), "classes": ("collapse",)},
        ),
    )
    inlines = (PairingHistoryInline, DemandInline, MajorEventInline)
    actions = ("anonymise",)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return [fs for fs in fieldsets if "contact_history" not in fs[1]["fields"]]
        return fieldsets

    def get_inlines(self, request, obj):
        # History and ledgers belong to a saved talent; the add page is the talent alone.
        return self.inlines if obj is not None else ()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_anonymise_permission(self, request) -> bool:
        return access.is_office(request.user)

    @admin.action(description=_("Erase the personal data of the selected talents (PIPL)"), permissions=["anonymise"])
    def anonymise(self, request, queryset):
        """个人信息删除 (PIPL Art. 47), after a confirmation page asking for the reason."""
        reason = request.POST.get("reason", "").strip()[:200]
        error = ""
        if request.POST.get("confirm"):
            if reason:
                talents = list(queryset)
                for talent in talents:
                    services.talent_anonymise(talent=talent, reason=reason, by=request.user)
                self.message_user(request, _("Personal data erased, talents: %(count)d.") % {"count": len(talents)})
                return None
            error = _("Give the reason: the talent asked to be removed, or left long ago.")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase personal data"),
            "opts": self.model._meta,
            "queryset": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "reason": reason,
            "error": error,
        }
        return TemplateResponse(request, "admin/talents/talent/anonymise_confirmation.html", context)

    @admin.display(description=_("phone"), ordering="phone")
    def masked_phone(self, obj: Talent) -> str:
        return obj.masked_phone

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        upload = form.cleaned_data.get("photo")
        if isinstance(upload, UploadedFile):
            obj.photo = photo_prepare(upload)  # re-encoded without EXIF/GPS, under a random name
        super().save_model(request, obj, form, change)

    @admin.display(description=_("latest contacts"))
    def contact_history(self, obj: Talent) -> str:
        """Contacts hang on pairings, so the talent's are gathered across all of their pairings."""
        if obj.pk is None:
            return "-"
        contacts = list(
            Contact.objects.filter(pairing__talent=obj)
            .select_related("pairing__cadre")
            .order_by("-date", "-id")[:CONTACT_HISTORY_ROWS]
        )
        if not contacts:
            return _("No contacts yet.")
        header = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("date"),
            _("cadre"),
            _("method"),
            _("direction"),
            _("summary"),
        )
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    reverse("admin:contacts_contact_change", args=[c.pk]),
                    c.date.isoformat(),
                    c.pairing.cadre.name,
                    c.get_method_display(),
                    c.get_direction_display(),
                    Truncator(c.summary).chars(40),
                )
                for c in contacts
            ),
        )
        return format_html("<table><thead>{}</thead><tbody>{}</tbody></table>", header, rows)


# --- Accounts (等保 身份鉴别, talents/accounts.py) ---------------------------------------------


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    """Django's user admin, plus: a password the office sets is temporary, deactivating ends sessions."""

    list_display = ("username", "first_name", "is_active", "is_staff", "must_change_password", "last_login")
    list_select_related = ("account_state",)
    actions = ("deactivate_accounts", "require_password_change")

    def get_readonly_fields(self, request, obj=None):
        # The office manages accounts through the role groups; only a superuser makes another one.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("is_superuser", "user_permissions", "last_login", "date_joined")

    @admin.display(description=_("must change password"), boolean=True)
    def must_change_password(self, obj) -> bool:
        return accounts.must_change_password(obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change and obj.has_usable_password():
            accounts.account_require_password_change(user=obj, by=request.user)
        if change and "is_active" in form.changed_data and not obj.is_active:
            accounts.account_deactivate(user=obj, by=request.user)

    def user_change_password(self, request, id, form_url=""):
        users = User.objects.filter(pk=unquote(id))
        with transaction.atomic():
            before = users.values_list("password", flat=True).first()
            response = super().user_change_password(request, id, form_url)
            user = users.first()
            if user and user.password != before and user != request.user and user.has_usable_password():
                accounts.account_require_password_change(user=user, by=request.user)
        return response

    @admin.action(description=_("Deactivate the selected accounts and end their sessions"), permissions=["change"])
    def deactivate_accounts(self, request, queryset):
        for user in queryset.exclude(pk=request.user.pk):
            accounts.account_deactivate(user=user, by=request.user)
        self.message_user(request, _("The selected accounts are deactivated; your own account is never included."))

    @admin.action(description=_("Require a new password at the next log-in"), permissions=["change"])
    def require_password_change(self, request, queryset):
        for user in queryset:
            accounts.account_require_password_change(user=user, by=request.user)
        self.message_user(request, _("The selected accounts must change their password at the next log-in."))


# --- The audit log (等保 安全审计, talents/audit.py) ------------------------------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the log is append-only (the office searches it at /audit/)."""

    list_display = ("when", "username", "ip", "action", "object_type", "object_id", "object_label")
    list_filter = ("action", "object_type")
    search_fields = ("username", "object_label", "object_id", "ip")
    date_hierarchy = "when"
    show_full_result_count = False  # no COUNT over the whole log on every search
    readonly_fields = (
        "when",
        "user",
        "username",
        "ip",
        "action",
        "object_type",
        "object_id",
        "object_label",
        "changes",
        "extra",
    )

    def has_view_permission(self, request, obj=None) -> bool:
        return access.is_office(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

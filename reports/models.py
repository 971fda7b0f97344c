"""The December village reports (R19)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from talents.models import Unit


class VillageReport(models.Model):
    """A village's (community's) yearly report of its talent-contact work, due before the end of December."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        RECEIVED = "received", _("received")

    village = models.ForeignKey(
        Unit,
        verbose_name=_("village (community)"),
        on_delete=models.PROTECT,
        related_name="reports",
        limit_choices_to={"kind__in": Unit.VILLAGE_KINDS},
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    basic_situation = models.TextField(_("1. basic situation"), blank=True)
    main_practices = models.TextField(_("2. main practices"), blank=True)
    results = models.TextField(_("3. results"), blank=True)
    problems = models.TextField(_("4. existing problems"), blank=True)
    next_steps = models.TextField(_("5. next steps"), blank=True)
    return_reason = models.CharField(_("reason for returning"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    # What the office received: the figures and appendix rows counted at submission, as JSON
    # (``village_reports.VillageFigures.to_snapshot``). Shown while the report is submitted or received;
    # a return clears them, so the next submission freezes the figures of that day.
    figures = models.JSONField(_("figures as submitted"), null=True, blank=True, editable=False)
    figures_frozen_at = models.DateTimeField(_("figures frozen at"), null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("village annual report")
        verbose_name_plural = _("village annual reports")
        ordering = ["-year", "village__sort_order", "village__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year"],
                name="village_report_one_per_year",
                violation_error_message=_("This village already has a report for this year."),
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="village_report_submitted_has_time",
                violation_error_message=_("A submitted report needs its submission time."),
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""),
                name="village_report_return_has_reason",
                violation_error_message=_("Say why the report is returned."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.year}"


class ReminderLog(models.Model):
    """One reminder given to one person on one day (R9, R14): the in-app list, and what keeps sending idempotent.

    A row exists whether or not a mail went out (people without an email address see it in the app only);
    the partial unique constraints make a second run on the same day add nothing.
    """

    class Kind(models.TextChoices):
        CONTACT_DUE = "contact_due", _("talent not yet contacted this year")
        DEMAND_OVERDUE = "demand_overdue", _("demand overdue")
        DEMAND_ESCALATED = "demand_escalated", _("demand overdue, escalated")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    pairing = models.ForeignKey(
        "contacts.Pairing",
        verbose_name=_("pairing"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    demand = models.ForeignKey(
        "contacts.Demand",
        verbose_name=_("demand"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
    )
    date = models.DateField(_("date"))
    emailed = models.BooleanField(_("sent by email"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-date", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(pairing__isnull=False) & Q(demand__isnull=True))
                | (Q(pairing__isnull=True) & Q(demand__isnull=False)),
                name="reminder_about_one_thing",
                violation_error_message=_("A reminder is about one pairing or one demand."),
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "pairing", "date"],
                condition=Q(pairing__isnull=False),
                name="reminder_once_a_day_per_pairing",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "demand", "date"],
                condition=Q(demand__isnull=False),
                name="reminder_once_a_day_per_demand",
            ),
        ]
        indexes = [models.Index(fields=["user", "date"])]

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()} {self.date}"


class ExportLog(models.Model):
    """One export of an official output (issue 5, item 6): who, what, when, how many rows. Append-only.

    ``user`` is empty for a system run (a management command). Rows are never changed or deleted
    through the application: ``save`` refuses updates and ``delete`` refuses outright.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when the export ran from the command line."),
    )
    exporter = models.CharField(_("export"), max_length=50, db_index=True)
    format = models.CharField(_("format"), max_length=10)
    options = models.JSONField(_("options"), default=dict, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    row_count = models.PositiveIntegerField(_("number of rows"))
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.exporter}.{self.format}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("The export log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The export log is append-only.")

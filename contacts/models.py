"""Cadres, terms, pairings and everything that happens between a cadre and a talent (R2–R18)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from talents.models import Talent, Unit
from talents.validators import validate_phone

USER = settings.AUTH_USER_MODEL


def _user_ref(verbose_name) -> models.ForeignKey:
    """Who recorded or handled a row; kept when the account is removed (the row outlives it)."""
    return models.ForeignKey(
        USER, verbose_name=verbose_name, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )


class Level(models.TextChoices):
    """Township leadership pairings (R9) and village pairings (R18) run side by side."""

    TOWNSHIP = "township", _("township leadership member")
    VILLAGE = "village", _("village committee member")


class Cadre(models.Model):
    user = models.OneToOneField(USER, verbose_name=_("user account"), on_delete=models.PROTECT, related_name="cadre")
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("position"), max_length=100)
    portfolio = models.CharField(_("area in charge"), max_length=200, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, default=Level.TOWNSHIP)
    village = models.ForeignKey(
        Unit,
        verbose_name=_("village (community)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cadres",
        limit_choices_to={"kind__in": Unit.VILLAGE_KINDS},
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("cadre")
        verbose_name_plural = _("cadres")
        ordering = ["level", "sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="township") | Q(village__isnull=False),
                name="cadre_village_level_has_village",
                violation_error_message=_("A village committee member must belong to a village."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）"


class TermQuerySet(models.QuerySet):
    def current(self) -> Term | None:
        return self.filter(is_current=True).first()


class Term(models.Model):
    """The two-year period a pairing list is set for (R12), e.g. 2025年—2026年."""

    name = models.CharField(_("term name"), max_length=50, unique=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    is_current = models.BooleanField(_("current term"), default=False)

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="term_one_current",
                violation_error_message=_("Only one term can be current."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")),
                name="term_ends_after_start",
                violation_error_message=_("A term must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def name_for(start_year: int) -> str:
        return f"{start_year}年—{start_year + 1}年"


class PairingQuerySet(models.QuerySet):
    def open(self) -> PairingQuerySet:
        return self.filter(end_date__isnull=True)

    def on(self, day: datetime.date) -> PairingQuerySet:
        return self.filter(Q(end_date__isnull=True) | Q(end_date__gte=day), start_date__lte=day)


class Pairing(models.Model):
    """A cadre ↔ talent relation for a term (R9, R10, R12). Ended, never overwritten."""

    class EndReason(models.TextChoices):
        POST_CHANGE = "post_change", _("post change")
        TALENT_ADJUSTED = "talent_adjusted", _("talent adjusted")
        TERM_ENDED = "term_ended", _("term ended")
        OTHER = "other", _("other")

    term = models.ForeignKey(Term, verbose_name=_("term"), on_delete=models.PROTECT, related_name="pairings")
    cadre = models.ForeignKey(Cadre, verbose_name=_("cadre"), on_delete=models.PROTECT, related_name="pairings")
    talent = models.ForeignKey(Talent, verbose_name=_("talent"), on_delete=models.PROTECT, related_name="pairings")
    level = models.CharField(_("level"), max_length=10, choices=Level.choices, editable=False)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=20, choices=EndReason.choices, blank=True)
    end_note = models.CharField(_("end note"), max_length=200, blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces pairing"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    exception_reason = models.CharField(
        _("justified exception"),
        max_length=200,
        blank=True,
        help_text=_("Fill in only when the office approves a second open talent for this cadre in the term."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = _user_ref(_("created by"))

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["term", "cadre__sort_order", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["talent", "level"],
                condition=Q(end_date__isnull=True),
                name="pairing_one_open_per_talent_and_level",
                violation_error_message=_("This talent already has an open pairing at this level."),
            ),
            models.UniqueConstraint(
                fields=["cadre", "term"],
                condition=Q(end_date__isnull=True) & Q(exception_reason=""),
                name="pairing_one_open_talent_per_cadre_term",
                violation_error_message=_(
                    "This cadre already has an open talent in this term; end that pairing first "
                    "or record a justified exception."
                ),
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="pairing_ends_after_start",
                violation_error_message=_("A pairing cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=(Q(end_date__isnull=True) & Q(end_reason=""))
                | (Q(end_date__isnull=False) & ~Q(end_reason="")),
                name="pairing_end_has_reason",
                violation_error_message=_("An ended pairing needs an end reason, and an open one none."),
            ),
        ]
        indexes = [
            # A talent's pairings of one term and level (the 一览表's contact counts per row): without
            # it SQLite reads every pairing of the term for each row.
            models.Index(fields=["talent", "term", "level"], name="pairing_talent_term_level_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre.name} — {self.talent.name}（{self.term.name}）"

    def clean(self) -> None:
        if self.cadre_id:
            self.level = self.cadre.level
        errors = {}
        if self.term_id and self.start_date and not (self.term.start_date <= self.start_date <= self.term.end_date):
            errors["start_date"] = _("The start date must fall within the term.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.end_date is None

    def validate_constraints(self, exclude=None) -> None:
        # `level` is not a form field and `exception_reason` may not be either, but the pairing
        # rules depend on them: check them always so a form shows the message instead of crashing.
        if self.cadre_id:
            self.level = self.cadre.level
        super().validate_constraints(exclude=set(exclude or ()) - {"level", "exception_reason"})


class ContactQuerySet(models.QuerySet):
    def in_year(self, year: int) -> ContactQuerySet:
        return self.filter(date__year=year)

    def urgent_open(self) -> ContactQuerySet:
        """Urgent contacts nobody has marked handled yet (R7)."""
        return self.filter(urgent=True, handled_at__isnull=True)


class Contact(models.Model):
    """One contact between a cadre and their talent (R2–R7)."""

    class Method(models.TextChoices):
        FACE_TO_FACE = "face", _("face-to-face talk")
        INTERVIEW = "interview", _("two-way interview")
        VISIT = "visit", _("visit and condolence")
        PHONE = "phone", _("phone")
        EMAIL = "email", _("email")
        LETTER = "letter", _("letters")
        INSPECTION = "inspection", _("visit during village inspection or research")

    class Direction(models.TextChoices):
        CADRE = "cadre", _("initiated by the cadre")
        TALENT = "talent", _("raised by the talent")

    pairing = models.ForeignKey(Pairing, verbose_name=_("pairing"), on_delete=models.PROTECT, related_name="contacts")
    date = models.DateField(_("contact date"), default=timezone.localdate)
    method = models.CharField(_("method"), max_length=12, choices=Method.choices, default=Method.FACE_TO_FACE)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices, default=Direction.CADRE)
    is_guidance = models.BooleanField(_("publicity and guidance"), default=False)
    is_consultation = models.BooleanField(_("asking for opinions"), default=False)
    is_service = models.BooleanField(_("care and service"), default=False)
    place = models.CharField(_("place"), max_length=100, blank=True)
    situation_thought = models.TextField(_("situation: thinking"), blank=True)
    situation_work = models.TextField(_("situation: work"), blank=True)
    situation_study = models.TextField(_("situation: study"), blank=True)
    situation_health = models.TextField(_("situation: health"), blank=True)
    situation_life = models.TextField(_("situation: life"), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    handled_at = models.DateTimeField(_("urgent item handled at"), null=True, blank=True)
    handled_by = _user_ref(_("urgent item handled by"))
    client_token = models.UUIDField(_("submission token"), null=True, blank=True, unique=True, editable=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = _user_ref(_("recorded by"))

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["pairing", "date"]),
            # The register's newest-first pages (keyset on date, id).
            models.Index(fields=["date", "id"], name="contact_date_id_idx"),
            # Counts per month and method (R5) from the index alone, without reading the rows.
            models.Index(fields=["date", "method"], name="contact_date_method_idx"),
            # Urgent items still waiting (R7): a handful, found without reading the table.
            models.Index(
                fields=["date"], condition=Q(urgent=True, handled_at__isnull=True), name="contact_urgent_open_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_method_display()}"

    CONTENT_FLAGS = ("is_guidance", "is_consultation", "is_service")

    @classmethod
    def content_type_labels(cls) -> list[str]:
        """The content kinds' labels in the active language, in CONTENT_FLAGS order (once per page for a list)."""
        return [str(cls._meta.get_field(name).verbose_name) for name in cls.CONTENT_FLAGS]

    @staticmethod
    def content_types_text(labels: list[str], ticks) -> str:
        """宣传引导、咨询、服务: the labels of the kinds ticked (``ticks`` in CONTENT_FLAGS order)."""
        return "、".join(label for label, ticked in zip(labels, ticks, strict=True) if ticked)

    @property
    def content_types_display(self) -> str:
        ticks = [getattr(self, name) for name in self.CONTENT_FLAGS]
        return self.content_types_text(self.content_type_labels(), ticks)


class ContactPhoto(models.Model):
    contact = models.ForeignKey(Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="contacts/%Y/%m/")
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact photo")
        verbose_name_plural = _("contact photos")

    def __str__(self) -> str:
        return self.image.name


class Suggestion(models.Model):
    """An opinion or proposal heard from a talent (R3), followed until answered."""

    class Category(models.TextChoices):
        ECONOMY = "economy", _("industry and economy")
        GOVERNANCE = "governance", _("grassroots governance")
        TALENT = "talent", _("talent work")
        LIVELIHOOD = "livelihood", _("livelihood and services")
        PARTY = "party", _("Party building")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        COLLECTED = "collected", _("collected")
        FORWARDED = "forwarded", _("forwarded")
        ADOPTED = "adopted", _("adopted")
        NOT_ADOPTED = "not_adopted", _("not adopted")

    talent = models.ForeignKey(Talent, verbose_name=_("talent"), on_delete=models.PROTECT, related_name="suggestions")
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, null=True, blank=True, related_name="suggestions"
    )
    content = models.TextField(_("content"))
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, default=Category.OTHER)
    forwarded_to = models.CharField(_("forwarded to"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.COLLECTED)
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = _user_ref(_("recorded by"))

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at", "id"], name="suggestion_created_id_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="forwarded") | ~Q(forwarded_to=""),
                name="suggestion_forwarded_names_recipient",
                violation_error_message=_("Say to whom the suggestion was forwarded."),
            )
        ]

    def __str__(self) -> str:
        return self.content[:30]


class DemandQuerySet(models.QuerySet):
    def open(self) -> DemandQuerySet:
        return self.exclude(status__in=Demand.CLOSED_STATUSES)

    def urgent_open(self) -> DemandQuerySet:
        """Urgent demands nobody has marked handled yet (R7)."""
        return self.filter(urgency=Demand.Urgency.URGENT, handled_at__isnull=True)


class Demand(models.Model):
    """An entry of the talent demand ledger (人才诉求台账, R4, R14)."""

    class Source(models.TextChoices):
        CONTACT = "contact", _("raised during a contact")
        UNIT = "unit", _("reported by the unit")
        TALENT = "talent", _("raised by the talent directly")

    class Kind(models.TextChoices):
        WORK = "work", _("work")
        LIFE = "life", _("daily life")
        TRAINING = "training", _("study and training")
        HEALTH = "health", _("health and medical care")
        CHILDREN = "children", _("children's education")
        HOUSING = "housing", _("housing")
        FUNDING = "funding", _("project funding")
        RESEARCH = "research", _("technical breakthroughs")
        TRANSFER = "transfer", _("transfer of results")
        POLICY = "policy", _("policy enquiry")
        OTHER = "other", _("other")

    class Urgency(models.TextChoices):
        NORMAL = "normal", _("normal")
        PRESSING = "pressing", _("pressing")
        URGENT = "urgent", _("urgent")
        COMPLEX = "complex", _("complex matter")

    class Status(models.TextChoices):
        OPEN = "open", _("to do")
        IN_PROGRESS = "in_progress", _("in progress")
        RESOLVED = "resolved", _("resolved")
        EXPLAINED = "explained", _("cannot be solved, explained")

    class Satisfaction(models.TextChoices):
        SATISFIED = "satisfied", _("satisfied")
        FAIRLY = "fairly", _("fairly satisfied")
        UNSATISFIED = "unsatisfied", _("not satisfied")

    CLOSED_STATUSES = (Status.RESOLVED, Status.EXPLAINED)

    talent = models.ForeignKey(Talent, verbose_name=_("talent"), on_delete=models.PROTECT, related_name="demands")
    raised_on = models.DateField(_("raised on"), default=timezone.localdate)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.CONTACT)
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, null=True, blank=True, related_name="demands"
    )
    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    content = models.TextField(_("content"))
    responsible_unit = models.ForeignKey(
        Unit,
        verbose_name=_("responsible unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
    )
    coordinating_cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("coordinating cadre"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="demands",
    )
    measures = models.TextField(_("targeted measures"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    result = models.TextField(_("result"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    follow_up = models.TextField(_("follow-up visit"), blank=True)
    follow_up_on = models.DateField(_("follow-up date"), null=True, blank=True)
    satisfaction = models.CharField(_("satisfaction"), max_length=12, choices=Satisfaction.choices, blank=True)
    handled_at = models.DateTimeField(_("urgent item handled at"), null=True, blank=True)
    handled_by = _user_ref(_("urgent item handled by"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = _user_ref(_("recorded by"))

    objects = DemandQuerySet.as_manager()

    class Meta:
        verbose_name = _("demand")
        verbose_name_plural = _("demand ledger")
        ordering = ["-raised_on", "-id"]
        indexes = [
            models.Index(fields=["raised_on", "id"], name="demand_raised_id_idx"),
            # The year's demands by status (the dashboard, R16) from the index alone, without reading the rows.
            models.Index(fields=["raised_on", "status"], name="demand_raised_status_idx"),
            # Open demands and the overdue ones among them, without reading the closed majority.
            models.Index(fields=["status", "due_date"], name="demand_status_due_idx"),
            models.Index(
                fields=["raised_on"],
                condition=Q(urgency="urgent", handled_at__isnull=True),
                name="demand_urgent_open_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status__in=["resolved", "explained"]) & Q(closed_on__isnull=False))
                | (~Q(status__in=["resolved", "explained"]) & Q(closed_on__isnull=True)),
                name="demand_closed_has_date",
                violation_error_message=_("A closed demand needs its closing date, and an open one none."),
            ),
            models.CheckConstraint(
                condition=Q(due_date__isnull=True) | Q(due_date__gte=F("raised_on")),
                name="demand_due_after_raised",
                violation_error_message=_("The due date cannot be before the day the demand was raised."),
            ),
            models.CheckConstraint(
                condition=Q(satisfaction="") | Q(status__in=["resolved", "explained"]),
                name="demand_satisfaction_after_close",
                violation_error_message=_("Satisfaction is asked only after the demand is closed."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.talent.name}：{self.content[:20]}"

    @property
    def is_closed(self) -> bool:
        return self.status in self.CLOSED_STATUSES


class DemandProgress(models.Model):
    demand = models.ForeignKey(Demand, verbose_name=_("demand"), on_delete=models.CASCADE, related_name="progress")
    date = models.DateField(_("date"), default=timezone.localdate)
    note = models.TextField(_("progress"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = _user_ref(_("recorded by"))

    class Meta:
        verbose_name = _("progress entry")
        verbose_name_plural = _("progress entries")
        ordering = ["date", "id"]

    def __str__(self) -> str:
        return f"{self.date} {self.note[:20]}"


class MajorEvent(models.Model):
    """A major-event report about a talent (重大事项报告, R17), sent to the cadre and the office."""

    class Kind(models.TextChoices):
        INVITED = "invited", _("invited to a major event")
        ACHIEVEMENT = "achievement", _("major achievement at work")
        POST_CHANGE = "post_change", _("major change of post")
        FAMILY = "family", _("major family difficulty")
        HEALTH = "health", _("major health condition")

    talent = models.ForeignKey(Talent, verbose_name=_("talent"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    date = models.DateField(_("date"), default=timezone.localdate)
    description = models.TextField(_("description"))
    reporting_unit = models.ForeignKey(
        Unit, verbose_name=_("reporting unit"), on_delete=models.PROTECT, related_name="event_reports"
    )
    reporter_name = models.CharField(_("reported by"), max_length=50)
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre in charge"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="event_reports",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        USER, verbose_name=_("acknowledged by"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    created_by = _user_ref(_("recorded by"))

    class Meta:
        verbose_name = _("major event report")
        verbose_name_plural = _("major event reports")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="event_ack_has_person",
                violation_error_message=_("An acknowledgement needs the person who acknowledged it."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.talent.name}：{self.get_kind_display()}"


class Recommendation(models.Model):
    """A talent recommended as a deputy or member (政治吸纳, R15)."""

    class Role(models.TextChoices):
        PARTY_CONGRESS = "party", _("Party congress delegate")
        PEOPLES_CONGRESS = "npc", _("people's congress deputy")
        CPPCC = "cppcc", _("CPPCC member")

    class Level(models.TextChoices):
        TOWNSHIP = "township", _("township")
        COUNTY = "county", _("county")
        CITY = "city", _("city")
        PROVINCE = "province", _("province")

    class Outcome(models.TextChoices):
        PENDING = "pending", _("pending")
        ELECTED = "elected", _("elected")
        NOT_ELECTED = "not_elected", _("not elected")

    talent = models.ForeignKey(
        Talent, verbose_name=_("talent"), on_delete=models.PROTECT, related_name="recommendations"
    )
    role = models.CharField(_("recommended as"), max_length=10, choices=Role.choices)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    organization = models.ForeignKey(
        Unit, verbose_name=_("recommending organisation"), on_delete=models.PROTECT, related_name="recommendations"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = _user_ref(_("recorded by"))

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["-year", "talent__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["talent", "role", "level", "year"],
                name="recommendation_unique",
                violation_error_message=_("This recommendation is already recorded."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="recommendation_year_plausible",
                violation_error_message=_("Enter a four-digit year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.talent.name}：{self.get_role_display()}（{self.year}）"


class Feedback(models.Model):
    """A problem in the contact work reported by a unit (R13), routed to the cadre and the office."""

    class Status(models.TextChoices):
        OPEN = "open", _("to handle")
        IN_PROGRESS = "in_progress", _("being handled")
        HANDLED = "handled", _("handled")

    unit = models.ForeignKey(Unit, verbose_name=_("reporting unit"), on_delete=models.PROTECT, related_name="feedback")
    talent = models.ForeignKey(
        Talent, verbose_name=_("talent"), on_delete=models.PROTECT, null=True, blank=True, related_name="feedback"
    )
    cadre = models.ForeignKey(
        Cadre,
        verbose_name=_("cadre concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="feedback",
    )
    content = models.TextField(_("problem"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    handling = models.TextField(_("handling"), blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = _user_ref(_("handled by"))
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    created_by = _user_ref(_("reported by"))

    class Meta:
        verbose_name = _("work feedback")
        verbose_name_plural = _("work feedback")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="handled") | (Q(handled_at__isnull=False) & ~Q(handling="")),
                name="feedback_handled_has_record",
                violation_error_message=_("Say how the feedback was handled and when."),
            )
        ]

    def __str__(self) -> str:
        return self.content[:30]

"""Units, villages and the talent database (R1, R8, R11)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import DEGREES, EDUCATIONS, ETHNICITIES, POLITICAL_STATUSES, as_choices
from .validators import id_birth_date, mask_id_number, mask_phone, validate_id_number, validate_phone


class Organization(models.Model):
    """The township running this installation: data the office edits, not code (one row)."""

    county = models.CharField(_("county name"), max_length=50)
    township = models.CharField(_("township name"), max_length=50)
    committee_name = models.CharField(_("Party committee name"), max_length=100)
    office_name = models.CharField(_("office name"), max_length=100)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisation")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="organization_singleton")]

    def __str__(self) -> str:
        return self.committee_name

    @classmethod
    def current(cls) -> Organization:
        org, _created = cls.objects.get_or_create(
            pk=1,
            defaults={
                "county": "开江县",
                "township": "梅家乡",
                "committee_name": "中共开江县梅家乡委员会",
                "office_name": "梅家乡党建办",
            },
        )
        return org


class UnitQuerySet(models.QuerySet):
    def villages(self) -> UnitQuerySet:
        return self.filter(kind__in=Unit.VILLAGE_KINDS)


class Unit(models.Model):
    """A village, community, township unit, school, enterprise … that talents belong to."""

    class Kind(models.TextChoices):
        VILLAGE = "village", _("village")
        COMMUNITY = "community", _("community")
        STATION = "station", _("township station/office/institute")
        SCHOOL = "school", _("school")
        HEALTH = "health", _("health centre")
        ENTERPRISE = "enterprise", _("enterprise")
        COOPERATIVE = "cooperative", _("cooperative")
        OTHER = "other", _("other")

    VILLAGE_KINDS = (Kind.VILLAGE, Kind.COMMUNITY)

    name = models.CharField(_("unit name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    party_organization = models.CharField(
        _("Party organisation"), max_length=100, blank=True, help_text=_("Required for villages and communities.")
    )
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Party secretary account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="secretary_of",
    )
    liaison_name = models.CharField(_("liaison"), max_length=50, blank=True)
    liaison_phone = models.CharField(_("liaison phone"), max_length=20, blank=True, validators=[validate_phone])
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("liaison account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="liaison_of",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["sort_order", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=["village", "community"]) | ~Q(party_organization=""),
                name="unit_village_has_party_org",
                violation_error_message=_("A village or community must name its Party organisation."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_village(self) -> bool:
        return self.kind in self.VILLAGE_KINDS


class TalentQuerySet(models.QuerySet):
    def in_pool(self) -> TalentQuerySet:
        return self.filter(status=Talent.Status.IN_POOL)


class Talent(models.Model):
    """A person on the list of excellent talents (R1, R11). Never hard-deleted: moved out instead."""

    class Gender(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Category(models.TextChoices):
        PROFESSIONAL = "professional", _("professional and technical talent")
        RURAL = "rural", _("rural practical talent")
        INTRODUCED = "introduced", _("introduced talent")
        OTHER = "other", _("other talent")

    class RuralType(models.TextChoices):
        PRODUCTION = "production", _("production type")
        BUSINESS = "business", _("business type")
        SKILL_SERVICE = "skill_service", _("skill service type")
        SKILL_LEADING = "skill_leading", _("skill leading type")
        SOCIAL_SERVICE = "social_service", _("social service type")

    class Status(models.TextChoices):
        IN_POOL = "in", _("in the database")
        OUT = "out", _("adjusted out")

    name = models.CharField(_("name"), max_length=50, db_index=True)
    # The pinyin search key of the name (talents/search.py): written with the name, never shown.
    name_pinyin = models.TextField(editable=False, blank=True, default="")
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=10, choices=as_choices(ETHNICITIES), default="汉族")
    birth_month = models.DateField(_("date of birth"), null=True, blank=True, help_text=_("Year and month matter."))
    id_number = models.CharField(
        _("ID number"), max_length=18, blank=True, validators=[validate_id_number], db_index=True
    )
    political_status = models.CharField(
        _("political status"), max_length=10, choices=as_choices(POLITICAL_STATUSES), default="群众"
    )
    education = models.CharField(_("education"), max_length=10, choices=as_choices(EDUCATIONS), blank=True)
    degree = models.CharField(_("degree"), max_length=4, choices=as_choices(DEGREES), blank=True)
    school_and_major = models.CharField(_("school and major"), max_length=200, blank=True)
    unit = models.ForeignKey(
        Unit, verbose_name=_("work unit"), on_delete=models.PROTECT, related_name="talents", null=True, blank=True
    )
    position = models.CharField(_("position"), max_length=100, blank=True)
    title = models.CharField(_("professional title / skill level"), max_length=100, blank=True)
    category = models.CharField(_("talent category"), max_length=20, choices=Category.choices)
    rural_type = models.CharField(_("rural talent type"), max_length=20, choices=RuralType.choices, blank=True)
    speciality = models.CharField(_("speciality / industry"), max_length=200, blank=True)
    village = models.ForeignKey(
        Unit,
        verbose_name=_("village (community)"),
        on_delete=models.PROTECT,
        related_name="village_talents",
        null=True,
        blank=True,
        limit_choices_to={"kind__in": Unit.VILLAGE_KINDS},
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[validate_phone])
    address = models.CharField(_("address"), max_length=200, blank=True)
    achievements = models.TextField(_("achievements"), blank=True)
    honours = models.TextField(_("honours"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="talents/%Y/", blank=True)
    status = models.CharField(_("status"), max_length=3, choices=Status.choices, default=Status.IN_POOL)
    out_date = models.DateField(_("date moved out"), null=True, blank=True)
    out_reason = models.CharField(_("reason for moving out"), max_length=200, blank=True)
    notice_date = models.DateField(
        _("notice and consent date"),
        null=True,
        blank=True,
        help_text=_("The day the talent was told of, and agreed to, the processing of their personal data (PIPL)."),
    )
    thoughts = models.TextField(
        _("thoughts and views"),
        blank=True,
        help_text=_("Restricted: only the office and the paired cadre may read this."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = TalentQuerySet.as_manager()

    class Meta:
        verbose_name = _("talent")
        verbose_name_plural = _("talents")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(id_number=""),
                name="talent_unique_id_number",
                violation_error_message=_("Another talent already has this ID number."),
            ),
            models.CheckConstraint(
                condition=Q(status="in") | (Q(status="out") & Q(out_date__isnull=False) & ~Q(out_reason="")),
                name="talent_out_has_date_and_reason",
                violation_error_message=_("Moving a talent out needs a date and a reason."),
            ),
            models.CheckConstraint(
                condition=Q(rural_type="") | Q(category="rural"),
                name="talent_rural_type_only_for_rural",
                violation_error_message=_("Only rural practical talents have a rural talent type."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        from .search import pinyin_key  # search imports the models

        self.name_pinyin = pinyin_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.name = self.name.strip()
        self.id_number = self.id_number.strip().upper()
        errors: dict[str, str] = {}
        if self.id_number and not self.birth_month:
            self.birth_month = id_birth_date(self.id_number)
        elif self.id_number and self.birth_month:
            born = id_birth_date(self.id_number)
            if born and (born.year, born.month) != (self.birth_month.year, self.birth_month.month):
                errors["birth_month"] = _("The date of birth does not agree with the ID number.")
        if self.village_id and self.village and not self.village.is_village:
            errors["village"] = _("Choose a village or community.")
        if errors:
            raise ValidationError(errors)

    def move_out(self, *, on: datetime.date, reason: str, by=None) -> None:
        self.status, self.out_date, self.out_reason, self.updated_by = self.Status.OUT, on, reason, by
        self.save(update_fields=["status", "out_date", "out_reason", "updated_by", "updated_at"])

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def age_on(self, day: datetime.date) -> int | None:
        if not self.birth_month:
            return None
        b = self.birth_month
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class AccountState(models.Model):
    """What the login account needs beyond Django's user (等保 身份鉴别, talents/accounts.py).

    No row means nothing special: accounts from ``seed_demo`` and ``createsuperuser`` have none.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_state", verbose_name=_("user")
    )
    must_change_password = models.BooleanField(
        _("must change the password at the next log-in"),
        default=False,
        help_text=_("Set when the office gives the account a password; cleared when the user picks their own."),
    )
    password_changed_at = models.DateTimeField(_("password changed by the user at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account state")
        verbose_name_plural = _("account states")

    def __str__(self) -> str:
        return str(self.user)


# --- The audit log (等保 2.0 安全审计; issue 6, item 4; written by talents/audit.py) ---------------


class AuditQuerySet(models.QuerySet):
    """Refuses bulk changes: the log is append-only. ``AuditEntry.prune`` is the one way rows leave."""

    def update(self, **kwargs):
        raise ValueError("The audit log is append-only.")

    def delete(self):
        raise ValueError("The audit log is append-only.")

    update.alters_data = delete.alters_data = True


class AuditEntry(models.Model):
    """Who did what to which record, when and from where. Append-only: never changed, never deleted.

    ``username`` and ``object_label`` are copies, so an entry still reads right after the account or
    the record is gone. ``changes`` is ``{field: [old, new]}`` with ID numbers and phones masked and
    health, family and 思想动态 notes reduced to "(changed)" (talents/audit.py decides).
    Rows older than the legal retention leave only through ``prune`` (``manage.py prune_audit``).
    """

    class Action(models.TextChoices):
        LOGIN = "login", _("log-in")
        LOGIN_FAILED = "login_failed", _("failed log-in")
        LOGOUT = "logout", _("log-out")
        LOCKOUT = "lockout", _("account locked")
        CREATE = "create", _("record created")
        UPDATE = "update", _("record changed")
        DELETE = "delete", _("record deleted")
        REVEAL = "reveal", _("personal value shown in full")
        EXPORT = "export", _("data exported")
        DOWNLOAD = "download", _("file downloaded")
        IMPORT = "import", _("data imported")
        PRUNE = "prune", _("old entries pruned")
        BACKUP = "backup", _("backup made")
        RESTORE = "restore", _("restored from a backup")

    when = models.DateTimeField(_("time of action"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("kind of action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    object_label = models.CharField(_("object name"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    extra = models.JSONField(_("further details"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-when", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.when:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The audit log is append-only.")

    @classmethod
    def prune(cls, *, before: datetime.datetime) -> int:
        """Delete entries older than ``before``: the one deliberate way out of the log.

        A raw DELETE, past the queryset's refusal. Only ``manage.py prune_audit`` calls it, and that
        command refuses to go below the retention the Cybersecurity Law asks for (six months).
        """
        return cls.objects.filter(when__lt=before)._raw_delete(cls.objects.db)

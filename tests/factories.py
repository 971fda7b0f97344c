"""factory_boy factories for every model; Chinese data from Faker's zh_CN locale."""

from __future__ import annotations

import datetime
import io
import uuid

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone
from factory.django import DjangoModelFactory
from openpyxl import Workbook

from contacts.models import (
    Cadre,
    Contact,
    ContactPhoto,
    Demand,
    DemandProgress,
    Feedback,
    Level,
    MajorEvent,
    Pairing,
    Recommendation,
    Suggestion,
    Term,
)
from reports.models import VillageReport
from talents import importer
from talents.models import Talent, Unit
from talents.validators import id_check_char

factory.Faker._DEFAULT_LOCALE = "zh_CN"


def valid_id_number(n: int, born: datetime.date = datetime.date(1985, 6, 15)) -> str:
    """A GB 11643-valid ID number for Kaijiang county (511723), distinct per n."""
    first17 = f"511723{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("test-pass-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=extracted))
            if "office" in extracted:
                self.is_staff = True
                self.save(update_fields=["is_staff"])


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"梅家乡第{n}单位")
    kind = Unit.Kind.STATION
    liaison_name = factory.Faker("name")


class VillageFactory(UnitFactory):
    name = factory.Sequence(lambda n: f"第{n}村")
    kind = Unit.Kind.VILLAGE
    party_organization = factory.LazyAttribute(lambda o: f"{o.name}党支部")


class TalentFactory(DjangoModelFactory):
    class Meta:
        model = Talent

    name = factory.Faker("name")
    gender = Talent.Gender.MALE
    birth_month = datetime.date(1985, 6, 1)
    category = Talent.Category.PROFESSIONAL
    unit = factory.SubFactory(UnitFactory)
    village = factory.SubFactory(VillageFactory)
    phone = factory.Sequence(lambda n: f"138{n % 100000000:08d}")
    position = "技术员"


class TermFactory(DjangoModelFactory):
    class Meta:
        model = Term
        django_get_or_create = ("name",)

    name = "2025年—2026年"
    start_date = datetime.date(2025, 1, 1)
    end_date = datetime.date(2026, 12, 31)
    is_current = True


def current_term_covering_today() -> Term:
    """The current two-year term that contains today (odd start year, as 2023年—2024年)."""
    year = timezone.localdate().year
    year = year if year % 2 else year - 1
    return TermFactory(
        name=Term.name_for(year),
        start_date=datetime.date(year, 1, 1),
        end_date=datetime.date(year + 1, 12, 31),
        is_current=True,
    )


class CadreFactory(DjangoModelFactory):
    class Meta:
        model = Cadre

    user = factory.SubFactory(UserFactory, roles=["cadre"])
    name = factory.Faker("name")
    title = "副乡长"
    portfolio = "农业农村"
    level = Level.TOWNSHIP


class PairingFactory(DjangoModelFactory):
    class Meta:
        model = Pairing

    term = factory.SubFactory(TermFactory)
    cadre = factory.SubFactory(CadreFactory)
    talent = factory.SubFactory(TalentFactory)
    level = factory.SelfAttribute("cadre.level")
    start_date = factory.SelfAttribute("term.start_date")


class ContactFactory(DjangoModelFactory):
    class Meta:
        model = Contact

    pairing = factory.SubFactory(PairingFactory)
    date = datetime.date(2026, 3, 1)
    method = Contact.Method.FACE_TO_FACE
    is_guidance = True
    summary = "了解近期工作情况，宣传人才政策。"
    situation_thought = "思想稳定，积极向上。"


class SuggestionFactory(DjangoModelFactory):
    class Meta:
        model = Suggestion

    talent = factory.SubFactory(TalentFactory)
    content = "建议加强农技培训。"


class DemandFactory(DjangoModelFactory):
    class Meta:
        model = Demand

    talent = factory.SubFactory(TalentFactory)
    raised_on = datetime.date(2026, 3, 1)
    kind = Demand.Kind.TRAINING
    content = "希望参加县里的技术培训。"


class DemandProgressFactory(DjangoModelFactory):
    class Meta:
        model = DemandProgress

    demand = factory.SubFactory(DemandFactory)
    date = datetime.date(2026, 3, 5)
    note = "已与县人社局联系。"


class MajorEventFactory(DjangoModelFactory):
    class Meta:
        model = MajorEvent

    talent = factory.SubFactory(TalentFactory)
    kind = MajorEvent.Kind.ACHIEVEMENT
    date = datetime.date(2026, 4, 1)
    description = "获得县级科技进步奖。"
    reporting_unit = factory.SelfAttribute("talent.unit")
    reporter_name = "张联络"


class RecommendationFactory(DjangoModelFactory):
    class Meta:
        model = Recommendation

    talent = factory.SubFactory(TalentFactory)
    role = Recommendation.Role.PEOPLES_CONGRESS
    level = Recommendation.Level.TOWNSHIP
    year = 2026
    organization = factory.SelfAttribute("talent.village")


class FeedbackFactory(DjangoModelFactory):
    class Meta:
        model = Feedback

    unit = factory.SubFactory(UnitFactory)
    content = "联系领导今年尚未走访。"


class VillageReportFactory(DjangoModelFactory):
    class Meta:
        model = VillageReport

    village = factory.SubFactory(VillageFactory)
    year = 2026


class ContactPhotoFactory(DjangoModelFactory):
    class Meta:
        model = ContactPhoto

    contact = factory.SubFactory(ContactFactory)
    image = factory.django.ImageField(filename="photo.jpg", format="JPEG", width=64, height=48, color="green")


def contact_form_data(
    pairing: Pairing,
    /,
    *,
    suggestions: list[dict] | None = None,
    demands: list[dict] | None = None,
    **fields,
) -> dict:
    """What the 记录一次联系 form posts: a valid face-to-face contact today, plus the rows given.

    ``suggestions`` and ``demands`` are rows of the two formsets (``content``, ``category`` /
    ``content``, ``kind``, ``urgency``); an empty extra row is always sent, as the browser does.
    """
    data = {
        "token": str(uuid.uuid4()),
        "pairing": str(pairing.pk),
        "date": timezone.localdate().isoformat(),
        "method": Contact.Method.FACE_TO_FACE,
        "is_guidance": "on",
        "direction": Contact.Direction.CADRE,
        "summary": "",
        "place": "",
    }
    for prefix, rows, blank in (
        ("sug", suggestions or [], {"content": "", "category": Suggestion.Category.OTHER}),
        ("dem", demands or [], {"content": "", "kind": "", "urgency": Demand.Urgency.NORMAL}),
    ):
        rows = [*rows, blank]
        data.update({f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"})
        for i, row in enumerate(rows):
            data.update({f"{prefix}-{i}-{key}": value for key, value in {**blank, **row}.items()})
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def import_workbook(rows: list[dict], headers=importer.IMPORT_HEADERS, title: str | None = None) -> bytes:
    """An .xlsx for the talent import as the office makes it: an optional title row, the header, then the rows."""
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()

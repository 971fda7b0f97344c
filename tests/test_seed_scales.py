"""``seed_demo --scale county|stress``: the per-township volume, its coherence, and determinism.

The county scale is seeded here with one or two townships (``townships=``): the same volume per
township as the twenty of ``--scale county``, at a tenth of the rows or less.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q

from contacts.models import Cadre, Contact, Demand, DemandProgress, Level, Pairing, Suggestion
from talents import demo
from talents.models import Talent, Unit

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 25)
PASSWORD = "demo-pass-123"


def _county(townships: int = 1, seed: int = demo.DEFAULT_SEED) -> demo.SeedResult:
    return demo.seed(password=PASSWORD, scale="county", seed=seed, today=TODAY, townships=townships)


def test_county_scale_gives_each_township_its_contacts_and_demands():
    result = _county(townships=2)
    county = demo.SCALES["county"]
    assert Talent.objects.count() == 2 * 60
    assert Cadre.objects.filter(level=Level.TOWNSHIP).count() == 2 * 15
    assert Contact.objects.count() == 2 * county.contacts
    assert Demand.objects.count() == 2 * county.demands
    assert Suggestion.objects.count() > Contact.objects.count() / 20
    assert DemandProgress.objects.count() > Demand.objects.count()
    assert result.counts["联系记录"] == Contact.objects.count()
    assert result.counts["诉求"] == Demand.objects.count()


def test_the_full_county_scale_is_twenty_townships_of_sixty_contacts_per_talent():
    county = demo.SCALES["county"]
    assert county.townships * 60 == 1_200
    assert county.townships * county.contacts == 60_000
    assert county.townships * county.demands == 10_000
    stress = demo.SCALES["stress"]
    assert stress.townships * 60 >= 20_000
    assert stress.townships * stress.contacts >= 1_000_000


def test_topped_up_contacts_fall_within_their_pairings_and_never_in_the_future():
    _county()
    outside = Contact.objects.filter(
        Q(date__lt=F("pairing__start_date")) | Q(date__gt=F("pairing__end_date")) | Q(date__gt=TODAY)
    )
    assert not outside.exists()
    assert not Contact.objects.filter(is_guidance=False, is_consultation=False, is_service=False).exists()
    # Each contact was recorded by its own cadre.
    assert not Contact.objects.exclude(created_by=F("pairing__cadre__user")).exists()


def test_the_cadres_left_uncontacted_this_year_stay_uncontacted():
    _county()
    township = Contact.objects.filter(pairing__level=Level.TOWNSHIP)
    met_this_year = township.filter(date__year=TODAY.year).values("pairing__cadre").distinct().count()
    met_last_year = township.filter(date__year=TODAY.year - 1).values("pairing__cadre").distinct().count()
    assert met_last_year == 15
    assert 10 <= met_this_year <= 14


def test_topped_up_demands_follow_their_contacts_and_the_ledger_rules():
    _county()
    from_contacts = Demand.objects.filter(source=Demand.Source.CONTACT)
    assert from_contacts.count() > Demand.objects.count() / 2
    assert not from_contacts.filter(contact__isnull=True).exists()
    assert not from_contacts.exclude(raised_on=F("contact__date")).exists()
    assert not from_contacts.exclude(talent=F("contact__pairing__talent")).exists()
    assert not Demand.objects.filter(Q(raised_on__gt=TODAY) | Q(closed_on__gt=TODAY)).exists()
    assert not Demand.objects.exclude(coordinating_cadre__level=Level.TOWNSHIP).exists()
    statuses = dict(Demand.objects.values_list("status").annotate(n=Count("pk")))
    assert set(statuses) == set(Demand.Status.values)
    assert statuses[Demand.Status.RESOLVED] > statuses[Demand.Status.OPEN]
    # Urgent items still waiting are the townships' own few, not hundreds.
    assert Demand.objects.urgent_open().count() <= 3
    assert not Suggestion.objects.exclude(talent=F("contact__pairing__talent")).exists()


def test_a_sample_of_every_topped_up_table_passes_full_clean():
    _county()
    for model in (Contact, Suggestion, Demand, DemandProgress):
        for obj in model.objects.order_by("pk")[::97]:
            obj.full_clean()


def test_new_rows_after_seeding_get_fresh_ids():
    _county(townships=1)
    pairing = Pairing.objects.open().first()
    contact = Contact.objects.create(pairing=pairing, date=TODAY, is_guidance=True)
    assert contact.pk > Contact.objects.exclude(pk=contact.pk).order_by("-pk").values_list("pk", flat=True)[0]


def _content() -> list[tuple]:
    contacts = Contact.objects.order_by("pk").values_list(
        "pairing__talent__name", "pairing__cadre__name", "date", "method", "summary", "place"
    )
    demands = Demand.objects.order_by("pk").values_list("talent__name", "raised_on", "status", "content", "due_date")
    return list(contacts) + list(demands) + list(Suggestion.objects.order_by("pk").values_list("content", "status"))


def test_the_same_seed_gives_the_same_county_data():
    _county(townships=1, seed=11)
    first = _content()
    demo.flush()
    _county(townships=1, seed=11)
    assert _content() == first
    demo.flush()
    _county(townships=1, seed=12)
    assert _content() != first


def test_beyond_the_countys_townships_names_are_made_up_and_stay_unique():
    """The stress scale needs hundreds of townships and thousands of villages: names never repeat."""
    demo.seed(password=PASSWORD, today=TODAY, townships=40)
    names = list(Unit.objects.values_list("name", flat=True))
    assert len(names) == len(set(names)) == 40 * 20
    villages = Unit.objects.villages().values_list("name", flat=True)
    assert any(len(name) == 4 for name in villages)  # 上双河村: the prefixed stems came into use


def test_the_command_takes_the_stress_scale_and_a_number_of_townships():
    out = io.StringIO()
    call_command("seed_demo", "--scale", "stress", "--townships", "1", "--password", PASSWORD, stdout=out)
    assert "规模 stress" in out.getvalue()
    assert Contact.objects.count() == demo.SCALES["stress"].contacts
    assert Talent.objects.count() == 60

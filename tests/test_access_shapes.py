"""talents/access.py in the shapes issue 7 gave it: the same people see and handle the same demands."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Group

from contacts.models import Demand
from talents import access
from tests.factories import DemandFactory, PairingFactory, TalentFactory, UnitFactory, UserFactory


@pytest.fixture
def world(cadre, pairing, liaison_user, secretary_user, village):
    """Demands of every kind of reach: paired, formerly paired, coordinated, the unit's, answered by the unit."""
    ended = PairingFactory(
        cadre=cadre, talent=TalentFactory(name="旧结对"), end_date=datetime.date(2025, 6, 1), end_reason="other"
    )
    liaison_unit = pairing.talent.unit
    return {
        "paired": DemandFactory(talent=pairing.talent),
        "formerly_paired": DemandFactory(talent=ended.talent),
        "coordinated": DemandFactory(coordinating_cadre=cadre),
        "unit_talent": DemandFactory(talent=TalentFactory(unit=liaison_unit)),
        "unit_answers": DemandFactory(responsible_unit=liaison_unit),
        "village_talent": DemandFactory(talent=TalentFactory(village=village)),
        "elsewhere": DemandFactory(talent=TalentFactory(unit=UnitFactory())),
    }


def _seen(user, world) -> set[str]:
    ids = set(access.demands_for(user).values_list("pk", flat=True))
    return {name for name, demand in world.items() if demand.pk in ids}


def test_a_cadre_sees_the_demands_of_their_open_pairings_and_those_they_coordinate(cadre, world):
    assert _seen(cadre.user, world) == {"paired", "coordinated"}


def test_a_liaison_sees_their_units_talents_demands_and_those_their_unit_answers_for(liaison_user, world):
    assert _seen(liaison_user, world) == {"paired", "unit_talent", "unit_answers"}


def test_a_village_secretary_sees_the_demands_of_their_villages_talents(secretary_user, world):
    # The conftest pairing's talent lives in the village too.
    assert _seen(secretary_user, world) == {"paired", "village_talent"}


def _user(roles, cadre, liaison_user, secretary_user, pairing, village):
    """A user holding ``roles``; as liaison of the paired talent's unit, as secretary of its village."""
    if roles == ("liaison",):
        return liaison_user
    if roles == ("village_secretary",):
        return secretary_user
    user = cadre.user if "cadre" in roles else UserFactory(roles=list(roles))
    user.groups.add(*Group.objects.filter(name__in=roles))
    if "liaison" in roles:
        unit = pairing.talent.unit
        unit.liaison = user
        unit.save(update_fields=["liaison"])
    if "village_secretary" in roles:
        village.secretary = user
        village.save(update_fields=["secretary"])
    return type(user).objects.get(pk=user.pk)  # roles are read once per user object


@pytest.mark.parametrize(
    "roles",
    [
        ("office",),
        ("leader",),
        ("cadre",),
        ("liaison",),
        ("village_secretary",),
        ("cadre", "liaison"),
        ("cadre", "village_secretary"),
    ],
)
def test_only_those_who_may_handle_every_demand_they_see_skip_the_per_row_check(
    roles, cadre, liaison_user, secretary_user, pairing, village, world
):
    user = _user(roles, cadre, liaison_user, secretary_user, pairing, village)
    seen = access.demands_for(user).select_related("talent__unit", "responsible_unit", "coordinating_cadre")
    handled = set(access.demands_handled_by(user).values_list("pk", flat=True))
    assert seen.exists()
    assert {d.pk for d in seen if access.can_handle_demand(user, d)} == handled & {d.pk for d in seen}
    assert access.handles_every_demand_seen(user) == all(d.pk in handled for d in seen)


def test_the_cadres_home_flags_their_urgent_demands_as_theirs_to_handle(client, cadre, pairing):
    DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT)
    client.force_login(cadre.user)
    body = client.get("/").content.decode()
    assert body.count("标记为已处理") == 1


def test_a_village_secretary_reads_urgent_demands_without_the_handled_button(client, secretary_user, pairing):
    DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT, content="紧急：冷库断电。")
    client.force_login(secretary_user)
    body = client.get("/").content.decode()
    assert "紧急：冷库断电。" in body
    assert "标记为已处理" not in body


def test_a_second_cadre_of_the_same_talent_sees_nothing_of_the_first_cadres_coordination(other_cadre, world):
    assert _seen(other_cadre.user, world) == set()

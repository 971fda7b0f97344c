"""Issue 6, item 3 (PIPL): family and health reports read only by those who need them; the talent
photo checked like contact photos. (The talent list export's opt-in: talents/test_talent_export.py.)"""

from __future__ import annotations

import datetime
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from contacts.models import MajorEvent, Pairing
from talents.models import Talent
from tests.factories import CadreFactory, MajorEventFactory, PairingFactory, TalentFactory, UserFactory

pytestmark = pytest.mark.django_db

EVENTS = reverse("ledger:events")
HIDDEN = "（涉及健康或家庭情况，仅党建办和联系领导可见）"
ILLNESS = "突发脑梗住院，家中老人无人照料。"


@pytest.fixture
def health_event(pairing, cadre, secretary_user):
    """A health report about the cadre's talent, filed by someone else (the office's clerk)."""
    return MajorEventFactory(
        talent=pairing.talent,
        cadre=cadre,
        kind=MajorEvent.Kind.HEALTH,
        description=ILLNESS,
        created_by=UserFactory(username="clerk", roles=["office"]),
    )


def _pages(client, user, event) -> tuple[str, str]:
    """The event list's rows and the event's own page, as ``user`` sees them."""
    client.force_login(user)
    listing = client.get(EVENTS)
    detail = client.get(reverse("ledger:event", args=[event.pk]))
    assert listing.status_code == detail.status_code == 200
    rows = listing.content.decode().split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return rows, detail.content.decode()


@pytest.mark.parametrize("who", ["office_user", "cadre_user"])
def test_the_office_and_the_paired_cadre_read_a_health_report_in_full(client, request, health_event, who):
    rows, detail = _pages(client, request.getfixturevalue(who), health_event)
    assert ILLNESS[:20] in rows
    assert ILLNESS in detail
    assert HIDDEN not in rows + detail


@pytest.mark.parametrize("who", ["leader_user", "secretary_user", "liaison_user"])
def test_other_roles_see_the_health_report_but_not_its_description(client, request, health_event, who):
    rows, detail = _pages(client, request.getfixturevalue(who), health_event)
    for body in (rows, detail):
        assert "陈丽华" in body and "本人重大健康情况" in body and "2026-04-01" in body
        assert HIDDEN in body
        assert "脑梗" not in body and "老人" not in body


def test_a_family_difficulty_is_hidden_like_a_health_condition(client, leader_user, pairing):
    event = MajorEventFactory(talent=pairing.talent, kind=MajorEvent.Kind.FAMILY, description="妻子失业，孩子重病。")
    rows, detail = _pages(client, leader_user, event)
    assert HIDDEN in rows and HIDDEN in detail
    assert "失业" not in rows + detail


def test_other_kinds_of_report_stay_readable_by_everyone_who_sees_them(client, leader_user, liaison_user, pairing):
    event = MajorEventFactory(
        talent=pairing.talent, kind=MajorEvent.Kind.ACHIEVEMENT, description="获得省级劳动模范称号。"
    )
    for user in (leader_user, liaison_user):
        rows, detail = _pages(client, user, event)
        assert "获得省级劳动模范称号。" in detail
        assert HIDDEN not in rows + detail


def test_the_liaison_who_filed_the_report_still_reads_what_they_wrote(client, liaison_user, health_event):
    health_event.created_by = liaison_user
    health_event.save()
    rows, detail = _pages(client, liaison_user, health_event)
    assert ILLNESS in detail and ILLNESS[:20] in rows
    assert HIDDEN not in rows + detail


def test_a_liaison_files_a_health_report_and_reads_it_back(client, liaison_user, pairing):
    client.force_login(liaison_user)
    response = client.post(
        reverse("ledger:event_new"),
        {
            "talent": pairing.talent.pk,
            "kind": MajorEvent.Kind.HEALTH,
            "date": "2026-04-01",
            "description": ILLNESS,
            "reporter_name": "张联络",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert ILLNESS in client.get(response["Location"]).content.decode()


def test_the_cadre_in_charge_reads_the_report_and_a_cadre_who_is_no_longer_paired_does_not(
    client, pairing, other_cadre, other_cadre_user, cadre_user
):
    event = MajorEventFactory(
        talent=pairing.talent, cadre=other_cadre, kind=MajorEvent.Kind.HEALTH, description=ILLNESS
    )
    _rows, detail = _pages(client, other_cadre_user, event)
    assert ILLNESS in detail
    pairing.end_date = datetime.date(2026, 5, 1)
    pairing.end_reason = Pairing.EndReason.TALENT_ADJUSTED
    pairing.save()
    client.force_login(cadre_user)
    # The former cadre no longer sees the talent's events at all.
    assert client.get(reverse("ledger:event", args=[event.pk])).status_code == 404


def test_the_hidden_description_is_not_in_the_shortened_list_cell_either(client, leader_user, health_event):
    client.force_login(leader_user)
    body = client.get(EVENTS).content.decode()
    assert ILLNESS[:10] not in body


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(EVENTS).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("who", "queries"), [("cadre_user", 8), ("secretary_user", 9), ("leader_user", 8)])
def test_the_event_list_runs_the_same_queries_for_two_or_fifteen_reports(client, request, pairing, who, queries):
    client.force_login(request.getfixturevalue(who))
    kinds = list(MajorEvent.Kind)
    for i in range(2):
        MajorEventFactory(talent=pairing.talent, kind=kinds[i % 5], cadre=CadreFactory())
    small = _list_queries(client)
    for i in range(13):
        talent = (
            pairing.talent if i % 2 else PairingFactory(talent=TalentFactory(village=pairing.talent.village)).talent
        )
        MajorEventFactory(talent=talent, kind=kinds[i % 5], cadre=CadreFactory() if i % 3 else None)
    large = _list_queries(client)
    # session, user, roles, oldest and newest report (year filter: two one-row queries), row count
    # (pager, capped), the page of reports with the
    # "may read the description" flag as a subquery, "may file a report" (not asked of those who file
    # none), organisation for the header
    assert small == large == queries


# --- The talent's photo on the front-end form ---------------------------------------------------

NEW_TALENT = reverse("talents:new")
GPS_IFD = 0x8825


def _form_data(**fields) -> dict:
    data = {
        "name": "周建华",
        "gender": "M",
        "ethnicity": "汉族",
        "birth_month": "1985-06",
        "political_status": "中共党员",
        "education": "大学本科",
        "category": Talent.Category.PROFESSIONAL,
        "phone": "13812340000",
    }
    return data | fields


def _camera_jpeg(size=(3000, 2000)) -> SimpleUploadedFile:
    """A phone photo with the place it was taken in its GPS tags."""
    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 5.0, 30.0), 3: "E", 4: (107.0, 52.0, 10.0)})
    out = io.BytesIO()
    Image.new("RGB", size, (180, 120, 60)).save(out, "JPEG", exif=exif, quality=90)
    return SimpleUploadedFile("IMG_陈丽华家.jpg", out.getvalue(), content_type="image/jpeg")


def test_the_talent_photo_is_stored_small_without_exif_or_location(client, office_user):
    upload = _camera_jpeg()
    with Image.open(io.BytesIO(upload.read())) as original:
        assert original.getexif().get_ifd(GPS_IFD)
    upload.seek(0)
    client.force_login(office_user)
    assert client.post(NEW_TALENT, _form_data(photo=upload)).status_code == 302
    talent = Talent.objects.get(name="周建华")
    assert "陈丽华" not in talent.photo.name
    with Image.open(talent.photo.open("rb")) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) <= settings.PHOTO_MAX_SIDE
        assert not stored.getexif()
        assert not stored.getexif().get_ifd(GPS_IFD)


def test_a_talent_photo_over_the_size_limit_is_refused_next_to_the_field(client, office_user, settings):
    settings.PHOTO_MAX_BYTES = 1024 * 1024
    out = io.BytesIO()
    Image.effect_noise((2000, 1500), 80).convert("RGB").save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > settings.PHOTO_MAX_BYTES
    upload = SimpleUploadedFile("IMG_陈丽华家.jpg", out.getvalue(), content_type="image/jpeg")
    client.force_login(office_user)
    response = client.post(NEW_TALENT, _form_data(photo=upload))
    assert response.status_code == 200
    assert response.context["form"].errors["photo"] == ["照片 IMG_陈丽华家.jpg 超过 1 MB，请压缩后重新上传。"]
    assert response.context["form"]["name"].value() == "周建华", "what was typed is kept"
    assert not Talent.objects.exists()


def test_a_talent_photo_with_too_many_pixels_is_refused(client, office_user, settings):
    settings.PHOTO_MAX_PIXELS = 100 * 100
    client.force_login(office_user)
    response = client.post(NEW_TALENT, _form_data(photo=_camera_jpeg(size=(300, 200))))
    assert response.status_code == 200
    assert "IMG_陈丽华家.jpg" in response.context["form"].errors["photo"][0]
    assert not Talent.objects.exists()


def test_the_liaison_editing_their_talent_gets_the_same_photo_checks(client, liaison_user, pairing, settings):
    settings.PHOTO_MAX_PIXELS = 100 * 100
    talent = pairing.talent
    client.force_login(liaison_user)
    data = _form_data(name=talent.name, id_number=talent.id_number, phone=talent.phone, photo=_camera_jpeg((300, 200)))
    response = client.post(reverse("talents:edit", args=[talent.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["photo"]
    talent.refresh_from_db()
    assert not talent.photo

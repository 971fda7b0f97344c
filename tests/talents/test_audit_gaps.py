"""Writes that once escaped the audit log (issue 6, item 4): bulk imports, acknowledgements, handled urgent
items, the next term and hand-overs all leave entries naming who acted; back-office photos are re-encoded."""

from __future__ import annotations

import io
import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from contacts.models import Contact, ContactPhoto, DemandProgress, MajorEvent, Pairing
from talents import importer
from talents.models import AuditEntry, Talent
from tests.factories import (
    ContactFactory,
    DemandFactory,
    MajorEventFactory,
    PairingFactory,
    TalentFactory,
    UnitFactory,
    current_term_covering_today,
    import_workbook,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
UNIT = "梅家乡农业服务中心"
GPS_IFD = 0x8825
PHONE_NAME = "IMG_20260301_093015_陈丽华家.jpg"


def _last_id() -> int:
    """The newest entry so far: the log is append-only, so a test looks past what set-up wrote."""
    last = AuditEntry.objects.order_by("-id").first()
    return last.id if last else 0


def _entries(action: str, object_type: str = "", after: int = 0) -> list[AuditEntry]:
    qs = AuditEntry.objects.filter(action=action, id__gt=after)
    if object_type:
        qs = qs.filter(object_type=object_type)
    return list(qs.order_by("id"))


@pytest.fixture
def office(client, office_user):
    client.force_login(office_user)
    return client


@pytest.fixture
def term():
    return current_term_covering_today()


# --- The Excel import --------------------------------------------------------------------------


def _row(name: str, **cells) -> dict:
    return {"姓名": name, "性别": "男", "人才类别": "专业技术人才", "工作单位": UNIT, **cells}


def test_an_import_leaves_one_entry_with_the_file_the_counts_and_the_talents(office, office_user, village):
    UnitFactory(name=UNIT)
    known = TalentFactory(name="老张", id_number=valid_id_number(50))
    data = import_workbook([_row("王䶮"), _row("李农"), _row("老张", 身份证号=valid_id_number(50), 职务="站长")])
    upload = SimpleUploadedFile("2026年人才名单.xlsx", data, content_type="application/octet-stream")
    assert office.post(reverse("talent_import:upload"), {"file": upload}).status_code == 200
    before = _last_id()  # the log-in and the preview are not what this test is about

    sha = office.session["talent_import"]["sha256"]
    assert office.post(reverse("talent_import:confirm"), {"sha256": sha}).status_code == 302

    [entry] = AuditEntry.objects.filter(id__gt=before)  # one entry for the file, none per row
    added = sorted(Talent.objects.filter(name__in=["王䶮", "李农"]).values_list("pk", flat=True))
    assert (entry.action, entry.user, entry.object_label) == (Action.IMPORT, office_user, "2026年人才名单.xlsx")
    assert entry.extra["file"] == "2026年人才名单.xlsx"
    assert (entry.extra["created"], entry.extra["updated"]) == (2, 1)
    assert entry.extra["created_ids"] == added and entry.extra["updated_ids"] == [known.pk]


def test_a_huge_import_keeps_the_counts_but_not_every_id(office, village, monkeypatch):
    UnitFactory(name=UNIT)
    monkeypatch.setattr(importer, "AUDIT_MAX_IDS", 2)
    office.post(
        reverse("talent_import:upload"),
        {"file": SimpleUploadedFile("名单.xlsx", import_workbook([_row(f"人才{i}") for i in range(3)]))},
    )
    office.post(reverse("talent_import:confirm"), {"sha256": office.session["talent_import"]["sha256"]})

    [entry] = _entries(Action.IMPORT)
    assert entry.extra["created"] == 3 and entry.extra["ids_omitted"] is True
    assert "created_ids" not in entry.extra


def test_an_import_refused_at_confirmation_leaves_no_entry(office, village):
    unit = UnitFactory(name=UNIT)
    office.post(
        reverse("talent_import:upload"), {"file": SimpleUploadedFile("名单.xlsx", import_workbook([_row("王䶮")]))}
    )
    unit.delete()  # the file's unit is gone by the time the office confirms: the row now has an error
    response = office.post(reverse("talent_import:confirm"), {"sha256": office.session["talent_import"]["sha256"]})
    assert response.status_code == 400
    assert not _entries(Action.IMPORT) and not Talent.objects.exists()


# --- Acknowledging major events, marking urgent items handled --------------------------------------


def test_acknowledging_a_major_event_on_its_page_is_logged_with_who_and_when(office, office_user):
    event = MajorEventFactory(talent=TalentFactory(name="陈丽华"))
    assert office.post(reverse("ledger:event_acknowledge", args=[event.pk])).status_code == 302
    [entry] = _entries(Action.UPDATE, "contacts.majorevent")
    event.refresh_from_db()
    assert entry.user == office_user and entry.object_id == str(event.pk) and "陈丽华" in entry.object_label
    assert entry.changes["acknowledged_by"] == [None, office_user.pk]
    assert entry.changes["acknowledged_at"] == [None, event.acknowledged_at.isoformat()]

    office.post(reverse("ledger:event_acknowledge", args=[event.pk]))  # a second click changes nothing
    assert len(_entries(Action.UPDATE, "contacts.majorevent")) == 1


def test_the_admin_acknowledge_action_logs_each_report_it_acknowledges(office, office_user):
    waiting = [MajorEventFactory(talent=TalentFactory(name=n)) for n in ("甲", "乙")]
    done = MajorEventFactory(acknowledged_at=timezone.now(), acknowledged_by=office_user)
    office.post(
        reverse("admin:contacts_majorevent_changelist"),
        {"action": "acknowledge", "_selected_action": [e.pk for e in (*waiting, done)]},
    )
    entries = _entries(Action.UPDATE, "contacts.majorevent")
    assert sorted(e.object_id for e in entries) == sorted(str(e.pk) for e in waiting)
    assert all(e.user == office_user and e.changes["acknowledged_by"] == [None, office_user.pk] for e in entries)
    assert MajorEvent.objects.filter(acknowledged_at__isnull=True).count() == 0


def test_the_admin_mark_handled_action_logs_each_urgent_item(office, office_user):
    urgent = ContactFactory(urgent=True, pairing=PairingFactory(talent=TalentFactory(name="陈丽华")))
    calm = ContactFactory(urgent=False)
    office.post(
        reverse("admin:contacts_contact_changelist"),
        {"action": "mark_handled", "_selected_action": [urgent.pk, calm.pk]},
    )
    [entry] = _entries(Action.UPDATE, "contacts.contact")
    urgent.refresh_from_db()
    assert (entry.user, entry.object_id) == (office_user, str(urgent.pk)) and "陈丽华" in entry.object_label
    assert entry.changes == {
        "handled_at": [None, urgent.handled_at.isoformat()],
        "handled_by": [None, office_user.pk],
    }


# --- Pairings: the next term, a hand-over ----------------------------------------------------------


def test_starting_the_next_term_logs_each_pairing_ended_and_each_carried_over(office, office_user, term, cadre):
    kept = PairingFactory(term=term, cadre=cadre, talent=TalentFactory(name="陈丽华"))
    dropped = PairingFactory(term=term, talent=TalentFactory(name="李四"))
    before = _last_id()
    response = office.post(reverse("pairings:next_term"), {"confirm": "1", "carry": [kept.pk]})
    assert response.status_code == 302

    ended = {e.object_id: e for e in _entries(Action.UPDATE, "contacts.pairing", before)}
    assert set(ended) == {str(kept.pk), str(dropped.pk)}
    for entry in ended.values():
        assert entry.user == office_user
        assert entry.changes["end_date"] == [None, term.end_date.isoformat()]
        assert entry.changes["end_reason"] == ["", Pairing.EndReason.TERM_ENDED]
    [created] = _entries(Action.CREATE, "contacts.pairing", before)
    successor = kept.replaced_by.get()
    assert (created.user, created.object_id) == (office_user, str(successor.pk)) and "陈丽华" in created.object_label
    assert created.changes["replaces"] == [None, kept.pk] and created.changes["cadre"] == [None, cadre.pk]


def test_a_hand_over_logs_each_demand_moved_and_its_progress_line(office, office_user, term, cadre, other_cadre):
    paired = PairingFactory(term=term, cadre=cadre, talent=TalentFactory(name="陈丽华"))
    demands = [
        DemandFactory(talent=paired.talent, coordinating_cadre=cadre, raised_on=term.start_date) for _ in range(2)
    ]
    before = _last_id()
    data = {
        "cadre": other_cadre.pk,
        "talent": "",
        "end_date": timezone.localdate().isoformat(),
        "end_reason": Pairing.EndReason.POST_CHANGE,
        "end_note": "调任县农业农村局",
        "exception_reason": "",
        "confirm": "1",
    }
    assert office.post(reverse("pairings:adjust", args=[paired.pk]), data).status_code == 302

    moved = _entries(Action.UPDATE, "contacts.demand", before)
    assert sorted(e.object_id for e in moved) == sorted(str(d.pk) for d in demands)
    for entry in moved:
        assert entry.user == office_user and "陈丽华" in entry.object_label
        assert entry.changes == {"coordinating_cadre": [cadre.pk, other_cadre.pk]}
    lines = _entries(Action.CREATE, "contacts.demandprogress", before)
    assert len(lines) == 2 and all(e.user == office_user for e in lines)
    assert DemandProgress.objects.count() == 2


# --- Photos added in the back office --------------------------------------------------------------


def _phone_jpeg(size=(3000, 2000), name: str = PHONE_NAME, noise: bool = False) -> SimpleUploadedFile:
    """A phone camera's JPEG with the maker and the place in EXIF; ``noise`` makes it compress badly (big)."""
    if noise:
        img = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        img = Image.new("RGB", size, (180, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (31.0, 5.0, 30.0), 3: "E", 4: (107.0, 52.0, 10.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=90)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _change_form(contact: Contact, photo) -> dict:
    """What the contact's admin change page posts, unchanged, with one new photo in the inline."""
    return {
        "pairing": contact.pairing_id,
        "date": contact.date.isoformat(),
        "method": contact.method,
        "direction": contact.direction,
        "place": contact.place,
        "is_guidance": "on",
        "summary": contact.summary,
        "situation_thought": contact.situation_thought,
        "handled_at_0": "",
        "handled_at_1": "",
        "photos-TOTAL_FORMS": "1",
        "photos-INITIAL_FORMS": "0",
        "photos-MIN_NUM_FORMS": "0",
        "photos-MAX_NUM_FORMS": "1000",
        "photos-0-id": "",
        "photos-0-contact": contact.pk,
        "photos-0-image": photo,
        "_save": "1",
    }


def _stored(photo: ContactPhoto) -> Image.Image:
    with photo.image.open("rb") as f:
        img = Image.open(io.BytesIO(f.read()))
        img.load()
    return img


def test_a_photo_added_in_the_admin_is_shrunk_stripped_of_its_location_and_renamed(office):
    contact = ContactFactory()
    url = reverse("admin:contacts_contact_change", args=[contact.pk])
    assert office.post(url, _change_form(contact, _phone_jpeg())).status_code == 302

    photo = ContactPhoto.objects.get(contact=contact)
    img = _stored(photo)
    assert max(img.size) <= settings.PHOTO_MAX_SIDE
    assert not img.getexif().get_ifd(GPS_IFD) and 0x010F not in img.getexif()
    assert "陈丽华" not in photo.image.name and "IMG_" not in photo.image.name
    assert photo.image.name.endswith(".jpg")


def test_a_photo_too_large_for_the_admin_is_refused_beside_the_field(office, settings):
    settings.PHOTO_MAX_BYTES = 1024 * 1024
    contact = ContactFactory()
    url = reverse("admin:contacts_contact_change", args=[contact.pk])
    response = office.post(url, _change_form(contact, _phone_jpeg(size=(1200, 1000), noise=True)))
    assert response.status_code == 200
    [photo_form] = response.context["inline_admin_formsets"][0].formset.forms
    assert "超过 1 MB" in " ".join(photo_form.errors["image"])
    assert "超过 1 MB" in response.content.decode()
    assert not ContactPhoto.objects.exists()


def test_a_photo_of_too_many_pixels_for_the_admin_is_refused(office, settings):
    settings.PHOTO_MAX_PIXELS = 100 * 100
    contact = ContactFactory()
    url = reverse("admin:contacts_contact_change", args=[contact.pk])
    response = office.post(url, _change_form(contact, _phone_jpeg(size=(400, 300))))
    assert response.status_code == 200
    [photo_form] = response.context["inline_admin_formsets"][0].formset.forms
    assert "不是可识别的照片" in " ".join(photo_form.errors["image"])
    assert not ContactPhoto.objects.exists()


def _talent_change_form(response, **changes) -> dict:
    """What the talent's admin change page posts when saved unchanged, plus ``changes``."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or name == "photo":
            value = ""
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for field in management:
            data[field.html_name] = field.value()
        data[f"{inline.formset.prefix}-TOTAL_FORMS"] = data[f"{inline.formset.prefix}-INITIAL_FORMS"] = "0"
    return {**data, "_save": "1", **changes}


def test_a_talents_photo_added_in_the_admin_is_shrunk_and_stripped_of_its_location(office):
    talent = TalentFactory()
    url = reverse("admin:talents_talent_change", args=[talent.pk])
    response = office.post(url, _talent_change_form(office.get(url), photo=_phone_jpeg()))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""

    talent.refresh_from_db()
    with talent.photo.open("rb") as f:
        img = Image.open(io.BytesIO(f.read()))
        img.load()
    assert max(img.size) <= settings.PHOTO_MAX_SIDE
    assert not img.getexif().get_ifd(GPS_IFD) and 0x010F not in img.getexif()
    assert PHONE_NAME.rsplit(".", 1)[0] not in talent.photo.name


def test_a_talents_photo_of_too_many_pixels_is_refused_in_the_admin(office, settings):
    settings.PHOTO_MAX_PIXELS = 100 * 100
    talent = TalentFactory()
    url = reverse("admin:talents_talent_change", args=[talent.pk])
    response = office.post(url, _talent_change_form(office.get(url), photo=_phone_jpeg(size=(400, 300))))
    assert response.status_code == 200
    assert "不是可识别的照片" in " ".join(response.context["adminform"].form.errors["photo"])
    talent.refresh_from_db()
    assert not talent.photo

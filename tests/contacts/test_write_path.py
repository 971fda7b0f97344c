"""Recording a contact under load (issue 7): a fixed number of queries, a short write, no lost files."""

from __future__ import annotations

import datetime
import io
import uuid

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from contacts.models import Contact, ContactPhoto, Demand, Suggestion
from tests.factories import ContactFactory, DemandFactory, PairingFactory, contact_form_data

URL = reverse("contacts:contact_new")
SUGGESTION = "建议定期组织人才交流座谈，分享种养技术经验。"


def _benchmark_entry(pairing) -> dict:
    """What benchmarks/load.py record_contact posts: a face-to-face contact with one suggestion."""
    return contact_form_data(
        pairing,
        summary="面对面交流，了解近期工作和生活情况。",
        place="乡党委会议室",
        is_consultation="on",
        suggestions=[{"content": SUGGESTION, "category": Suggestion.Category.TALENT}],
    )


def _post_queries(client, pairing) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(URL, _benchmark_entry(pairing))
    assert response.status_code == 302
    return [q["sql"] for q in ctx.captured_queries]


def test_recording_a_contact_runs_the_same_queries_for_a_short_or_a_long_history(client, cadre, pairing):
    client.force_login(cadre.user)
    short = _post_queries(client, pairing)

    today = timezone.localdate()
    for i in range(40):
        ContactFactory(pairing=pairing, date=today - datetime.timedelta(days=i * 9), urgent=(i % 10 == 0))
        DemandFactory(talent=pairing.talent, urgency=Demand.Urgency.URGENT if i % 10 == 0 else Demand.Urgency.NORMAL)
    for _ in range(5):
        other = PairingFactory()
        ContactFactory(pairing=other)
    long = _post_queries(client, pairing)

    assert Contact.objects.filter(pairing=pairing, created_by=cadre.user).count() == 2
    assert Suggestion.objects.filter(content=SUGGESTION, talent=pairing.talent).count() == 2
    # session, user, roles (groups), the cadre's open pairings (the chosen one is taken from them),
    # the pairing's existence (model validation); then the write: savepoint, contact, its audit entry,
    # suggestion, its audit entry, release. No lookup of the token before the write: its unique index
    # answers a resend inside the write.
    assert len(short) == len(long) == 11
    write = [sql for sql in long if sql.startswith(("INSERT", "SAVEPOINT", "RELEASE", "BEGIN", "COMMIT"))]
    assert len(write) == 6


def _photo(name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (180, 120, 60)).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _stored_photo_files() -> list:
    root = settings.MEDIA_ROOT / "contacts"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_form_sent_twice_with_a_photo_keeps_one_contact_and_one_photo_file(client, cadre, pairing):
    client.force_login(cadre.user)
    entry = _benchmark_entry(pairing)
    first = client.post(URL, {**entry, "photos": [_photo()]})
    second = client.post(URL, {**entry, "photos": [_photo()]})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("contacts:talent", args=[pairing.talent_id])
    assert Contact.objects.count() == 1
    assert ContactPhoto.objects.count() == 1
    assert [p.name for p in _stored_photo_files()] == [ContactPhoto.objects.get().image.name.rsplit("/", 1)[-1]]


def test_the_form_with_one_talent_names_it_without_asking_and_reads_the_pairing_once(client, cadre, pairing):
    client.force_login(cadre.user)
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(URL).content.decode()
    assert f'<input type="hidden" name="pairing" value="{pairing.pk}">' in body
    assert pairing.talent.name in body
    assert sum('FROM "contacts_pairing"' in q["sql"] for q in ctx.captured_queries) == 1


def test_a_new_token_after_the_first_save_records_a_second_contact(client, cadre, pairing):
    client.force_login(cadre.user)
    entry = _benchmark_entry(pairing)
    client.post(URL, entry)
    client.post(URL, {**entry, "token": str(uuid.uuid4())})
    assert Contact.objects.count() == 2

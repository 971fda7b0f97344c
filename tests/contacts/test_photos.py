"""Photos taken with the phone at a contact: checked, shrunk, stripped of location, served privately."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from contacts import services
from contacts.models import Contact, ContactPhoto, Demand, Suggestion
from tests.factories import ContactPhotoFactory, PairingFactory, TalentFactory, contact_form_data

URL = reverse("contacts:contact_new")
SUMMARY = "在大棚里看了新品种的长势。"
GPS_IFD, ORIENTATION = 0x8825, 0x0112
UPLOAD_NAME = "IMG_20260301_093015_陈丽华家.jpg"


def _phone_jpeg(name: str = UPLOAD_NAME, size=(3000, 2000), orientation: int | None = None) -> SimpleUploadedFile:
    """What a phone camera sends: a large JPEG with the maker, and the place in GPS tags."""
    img = Image.new("RGB", size, (180, 120, 60))
    img.paste((30, 140, 60), (0, 0, size[0] // 2, size[1] // 4))  # a green patch top left
    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"
    if orientation:
        exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (31.0, 5.0, 30.0), 3: "E", 4: (107.0, 52.0, 10.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=90)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def _png(name: str = "截图.png", size=(800, 600)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGBA", size, (0, 0, 255, 128)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _post(client, cadre, pairing, photos, **fields):
    client.force_login(cadre.user)
    return client.post(URL, {**contact_form_data(pairing, summary=SUMMARY, **fields), "photos": photos})


def _stored(photo: ContactPhoto) -> Image.Image:
    with photo.image.open("rb") as f:
        img = Image.open(io.BytesIO(f.read()))
        img.load()
    return img


def _photos_error(body: str) -> str:
    blocks = [b for b in re.findall(r'<div class="field has-error">(.*?)</div>', body, re.S) if 'name="photos"' in b]
    assert len(blocks) == 1, "the photos field is not marked"
    return blocks[0]


def _nothing_saved() -> None:
    assert Contact.objects.count() == ContactPhoto.objects.count() == 0
    assert Suggestion.objects.count() == Demand.objects.count() == 0


# --- Stored safely -----------------------------------------------------------------------------


def test_the_source_photo_really_carries_gps_data():
    with Image.open(_phone_jpeg()) as img:
        assert img.getexif().get_ifd(GPS_IFD)


def test_a_phone_photo_is_stored_as_a_small_jpeg_without_exif_or_location(client, cadre, pairing):
    response = _post(client, cadre, pairing, [_phone_jpeg()])
    assert response.status_code == 302
    photo = ContactPhoto.objects.get()
    assert photo.contact == Contact.objects.get()
    img = _stored(photo)
    assert img.format == "JPEG"
    assert max(img.size) <= settings.PHOTO_MAX_SIDE
    assert img.size == (1600, 1067)  # the proportions kept
    assert "exif" not in img.info
    assert not img.getexif()
    assert not img.getexif().get_ifd(GPS_IFD)


def test_a_photo_is_stored_under_a_random_name_not_the_uploaded_one(client, cadre, pairing):
    _post(client, cadre, pairing, [_phone_jpeg(), _phone_jpeg()])
    names = [p.image.name for p in ContactPhoto.objects.all()]
    assert len(names) == 2 and names[0] != names[1]
    for name in names:
        assert re.fullmatch(r"contacts/\d{4}/\d{2}/[0-9a-f]{32}\.jpg", name), name
        assert "IMG_" not in name and "陈丽华" not in name


def test_a_photo_taken_with_the_phone_turned_is_stored_upright(client, cadre, pairing):
    _post(client, cadre, pairing, [_phone_jpeg(orientation=6)])  # 6: rotate 90° clockwise to view
    img = _stored(ContactPhoto.objects.get())
    assert img.size == (1067, 1600)
    assert not img.getexif()


def test_a_small_photo_is_not_enlarged(client, cadre, pairing):
    _post(client, cadre, pairing, [_phone_jpeg(size=(640, 480))])
    assert _stored(ContactPhoto.objects.get()).size == (640, 480)


def test_a_png_screenshot_is_stored_as_jpeg(client, cadre, pairing):
    _post(client, cadre, pairing, [_png()])
    photo = ContactPhoto.objects.get()
    assert photo.image.name.endswith(".jpg")
    assert _stored(photo).format == "JPEG"


def test_as_many_photos_as_allowed_are_all_kept(client, settings, cadre, pairing):
    settings.PHOTOS_PER_CONTACT = 3
    assert _post(client, cadre, pairing, [_phone_jpeg(size=(400, 300)) for _ in range(3)]).status_code == 302
    assert ContactPhoto.objects.count() == 3


# --- Refused -------------------------------------------------------------------------------------


def test_a_text_file_renamed_jpg_is_refused_next_to_the_photos_field(client, cadre, pairing):
    fake = SimpleUploadedFile("现场照片.jpg", "这不是图片，是一段文字。".encode(), content_type="image/jpeg")
    response = _post(client, cadre, pairing, [fake], suggestions=[{"content": "建议办培训。"}])
    assert response.status_code == 200
    assert "photos" in response.context["form"].errors
    body = response.content.decode()
    assert "现场照片.jpg 不是可识别的照片" in _photos_error(body)
    assert SUMMARY in body and "建议办培训。" in body
    _nothing_saved()


def test_a_real_photo_beside_a_fake_one_is_not_saved_either(client, cadre, pairing):
    fake = SimpleUploadedFile("b.jpg", b"GIF89a but not really", content_type="image/jpeg")
    assert _post(client, cadre, pairing, [_phone_jpeg(), fake]).status_code == 200
    _nothing_saved()


def test_more_photos_than_allowed_are_refused(client, settings, cadre, pairing):
    settings.PHOTOS_PER_CONTACT = 2
    response = _post(client, cadre, pairing, [_phone_jpeg(size=(400, 300)) for _ in range(3)])
    assert response.status_code == 200
    assert "每条联系记录最多上传 2 张照片。" in _photos_error(response.content.decode())
    _nothing_saved()


def test_the_default_limit_is_six_photos_per_contact(client, cadre, pairing):
    assert settings.PHOTOS_PER_CONTACT == 6
    response = _post(client, cadre, pairing, [_phone_jpeg(size=(200, 150)) for _ in range(7)])
    assert response.status_code == 200
    assert "最多上传 6 张照片" in response.content.decode()
    _nothing_saved()


def test_a_photo_above_the_size_limit_is_refused(client, settings, cadre, pairing):
    settings.PHOTO_MAX_BYTES = 1024 * 1024
    big = SimpleUploadedFile("大图.jpg", b"\xff\xd8" + b"0" * (1024 * 1024 + 1), content_type="image/jpeg")
    response = _post(client, cadre, pairing, [big])
    assert response.status_code == 200
    assert "照片 大图.jpg 超过 1 MB" in _photos_error(response.content.decode())
    _nothing_saved()


def test_a_damaged_photo_is_refused_with_a_message_instead_of_an_error_page(client, cadre, pairing):
    whole = _phone_jpeg().read()
    broken = SimpleUploadedFile("断了.jpg", whole[: len(whole) // 2], content_type="image/jpeg")
    response = _post(client, cadre, pairing, [broken])
    assert response.status_code == 200
    assert "断了.jpg 不是可识别的照片" in _photos_error(response.content.decode())
    assert SUMMARY in response.content.decode()
    _nothing_saved()


def test_a_damaged_photo_is_still_refused_after_the_server_has_made_a_pdf(client, cadre, pairing):
    from reports.exporters import render

    render.pdf_from_html("<p>一览表</p>")  # in this process, as a worker without PDF bounds does
    whole = _phone_jpeg().read()
    broken = SimpleUploadedFile("断了.jpg", whole[: len(whole) // 2], content_type="image/jpeg")
    response = _post(client, cadre, pairing, [broken])
    assert response.status_code == 200
    assert "断了.jpg 不是可识别的照片" in _photos_error(response.content.decode())
    _nothing_saved()


def test_a_tiny_file_claiming_a_gigantic_picture_is_refused(client, cadre, pairing):
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # ~50 KB on the wire, 400 million pixels
    bomb = SimpleUploadedFile("bomb.png", out.getvalue(), content_type="image/png")
    response = _post(client, cadre, pairing, [bomb])
    assert response.status_code == 200
    assert "bomb.png 不是可识别的照片" in _photos_error(response.content.decode())
    _nothing_saved()


def test_a_photo_that_fails_while_saving_leaves_nothing_of_the_contact(cadre, pairing):
    whole = _phone_jpeg().read()
    broken = SimpleUploadedFile("断了.jpg", whole[: len(whole) // 2], content_type="image/jpeg")
    with pytest.raises(OSError):
        services.contact_record(
            pairing=pairing,
            by=cadre.user,
            token=uuid.uuid4(),
            data={"summary": SUMMARY, "is_guidance": True},
            suggestions=[{"content": "建议办培训。"}],
            demands=[{"content": "冷库用电。", "kind": Demand.Kind.WORK, "urgency": Demand.Urgency.NORMAL}],
            photos=[broken],
        )
    _nothing_saved()


# --- Served privately --------------------------------------------------------------------------


@pytest.fixture
def photo(pairing):
    return ContactPhotoFactory(contact__pairing=pairing)


def _get_photo(client, user, photo):
    if user is not None:
        client.force_login(user)
    return client.get(reverse("contacts:photo", args=[photo.pk]))


@pytest.mark.parametrize("who", ["cadre_user", "office_user"])
def test_the_photo_is_served_to_the_paired_cadre_and_the_office(client, request, photo, who):
    response = _get_photo(client, request.getfixturevalue(who), photo)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    data = b"".join(response.streaming_content)  # reading it to the end closes the file
    assert Image.open(io.BytesIO(data)).size == (64, 48)


def test_the_talent_page_shows_the_photo_as_a_thumbnail(client, cadre, photo):
    client.force_login(cadre.user)
    body = client.get(reverse("contacts:talent", args=[photo.contact.pairing.talent_id])).content.decode()
    assert f'src="{reverse("contacts:photo", args=[photo.pk])}"' in body


@pytest.mark.parametrize("who", ["other_cadre_user", "secretary_user", "liaison_user"])
def test_the_photo_is_hidden_from_those_who_may_not_read_the_contact(client, request, photo, who):
    assert _get_photo(client, request.getfixturevalue(who), photo).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page_for_a_photo(client, photo):
    response = _get_photo(client, None, photo)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_stored_file_has_no_public_address(client, cadre, photo):
    client.force_login(cadre.user)
    assert client.get("/" + settings.MEDIA_URL + photo.image.name).status_code == 404


def test_an_unknown_photo_is_404(client, cadre, pairing):
    client.force_login(cadre.user)
    assert client.get(reverse("contacts:photo", args=[999])).status_code == 404


def test_the_talents_own_photo_is_served_only_to_those_who_see_the_talent(client, cadre, other_cadre, pairing):
    talent = pairing.talent
    out = io.BytesIO()
    Image.new("RGB", (60, 60), "white").save(out, "JPEG")
    talent.photo.save("portrait.jpg", SimpleUploadedFile("portrait.jpg", out.getvalue()))
    url = reverse("contacts:talent_photo", args=[talent.pk])
    client.force_login(cadre.user)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)  # read to the end: the client closes the file
    client.force_login(other_cadre.user)
    assert client.get(url).status_code == 404
    stranger = PairingFactory(cadre=other_cadre, talent=TalentFactory()).talent
    client.force_login(cadre.user)
    assert client.get(reverse("contacts:talent_photo", args=[stranger.pk])).status_code == 404


def test_a_photo_claiming_more_pixels_than_any_phone_camera_is_refused_before_decoding(client, settings, pairing):
    settings.PHOTO_MAX_PIXELS = 100 * 100
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from contacts.models import Contact
    from tests.factories import contact_form_data

    buf = BytesIO()
    Image.new("RGB", (200, 200), "white").save(buf, "JPEG")
    client.force_login(pairing.cadre.user)
    data = contact_form_data(pairing)
    data["photos"] = [SimpleUploadedFile("big.jpg", buf.getvalue(), content_type="image/jpeg")]
    response = client.post("/contacts/new/", data)
    assert response.status_code == 200
    assert "photos" in response.context["form"].errors
    assert not Contact.objects.exists()

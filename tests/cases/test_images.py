"""Every photo is sniffed, bounded and re-encoded; nothing of the upload survives as sent."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image

from cases import images
from cases.images import PhotoError, clean_photo, clean_photos


def jpeg(size=(64, 48), exif=None, color="green"):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def gps_exif():
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (31.0, 10.0, 12.0)
    gps[3], gps[4] = "E", (121.0, 24.0, 5.0)
    return exif


def test_exif_with_gps_and_device_is_gone():
    original = jpeg(exif=gps_exif())
    assert b"PhoneModel" in original
    photo = clean_photo(upload(original))
    assert b"PhoneModel" not in photo.data and b"PhoneMaker" not in photo.data
    reopened = Image.open(io.BytesIO(photo.data))
    assert dict(reopened.getexif()) == {}
    assert (reopened.format, photo.width, photo.height) == ("JPEG", 64, 48)


def test_png_webp_and_heic_are_welcome_and_become_jpeg():
    import pillow_heif  # noqa: F401 - registers HEIF writing

    for fmt in ("PNG", "WEBP", "HEIF"):
        out = io.BytesIO()
        Image.new("RGBA" if fmt == "PNG" else "RGB", (40, 30), "blue").save(out, fmt)
        photo = clean_photo(upload(out.getvalue(), name=f"x.{fmt.lower()}"))
        assert Image.open(io.BytesIO(photo.data)).format == "JPEG", fmt


def test_orientation_is_applied_before_metadata_is_dropped():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    photo = clean_photo(upload(jpeg(size=(60, 20), exif=exif)))
    assert (photo.width, photo.height) == (20, 60)


def test_oversized_file_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr(images, "MAX_BYTES", 1000)
    with pytest.raises(PhotoError, match="10 MB"):
        clean_photo(upload(jpeg(size=(400, 400), color="red") + b"\0" * 2000))


def test_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, "PNG")  # 144 Mpx in a few KB
    assert len(out.getvalue()) < 100_000
    with pytest.raises(PhotoError) as error:
        clean_photo(upload(out.getvalue(), name="bomb.png"))
    assert "pixels" in str(error.value.message) or "像素" in str(error.value.message)


def test_wrong_types_are_refused_whatever_they_claim():
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for data in (gif.getvalue(), pdf, svg, b"MZ\x90\x00 executable"):
        with pytest.raises(PhotoError):
            clean_photo(upload(data, name="photo.jpg", content_type="image/jpeg"))


def test_corrupt_photo_is_refused():
    truncated = jpeg(size=(200, 200))[:300]
    with pytest.raises(PhotoError):
        clean_photo(upload(truncated))
    with pytest.raises(PhotoError):
        clean_photo(upload(b""))


def test_polyglot_loses_whatever_rode_along():
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    polyglot = jpeg() + zipped.getvalue() + b"<script>alert(2)</script>"
    photo = clean_photo(upload(polyglot))
    assert b"<script>" not in photo.data and b"payload.html" not in photo.data
    assert photo.data.endswith(b"\xff\xd9")


def test_big_photos_are_scaled_down():
    photo = clean_photo(upload(jpeg(size=(5000, 1000))))
    assert (photo.width, photo.height) == (2560, 512)


def test_a_submission_holds_at_most_five_photos_and_reports_each_bad_one():
    good, bad = upload(jpeg()), upload(b"not an image")
    photos, errors = clean_photos([good, bad])
    assert len(photos) == 1 and list(errors) == [1]
    with pytest.raises(PhotoError):
        clean_photos([upload(jpeg()) for _ in range(6)])


def huge_png(size):
    """A PNG of `size` pixels in a few kilobytes: one colour, one bit a pixel."""
    out = io.BytesIO()
    Image.new("1", size).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def no_decoding(monkeypatch):
    def refuse(raw):
        raise AssertionError("decoded a photo the pixel budget refuses")

    monkeypatch.setattr(images, "_reencode", refuse)


def test_a_small_file_of_huge_dimensions_is_refused_from_its_header(no_decoding):
    data = huge_png((7000, 7000))
    assert len(data) < 100_000
    with translation.override("en"):
        photos, errors = clean_photos([upload(data, "tiny.png", "image/png")])
    assert photos == []
    assert errors == {0: "This photo has more than 24 megapixels; please send a smaller one."}
    with translation.override("zh-hans"):
        _, errors = clean_photos([upload(data, "tiny.png", "image/png")])
    assert errors == {0: "这张照片超过 24 百万像素，请换一张小一些的照片。"}


def test_a_send_has_a_pixel_budget_for_all_its_photos_together(no_decoding, settings):
    settings.HONGMEI_SEND_MAX_PIXELS = 40_000_000
    uploads = [upload(huge_png((4000, 4000)), f"{n}.png", "image/png") for n in range(3)]
    with translation.override("en"), pytest.raises(PhotoError) as refused:
        clean_photos(uploads)
    assert refused.value.message == (
        "These photos have more than 40 megapixels together; please send fewer or smaller photos."
    )
    for each in uploads:
        each.seek(0)
    with translation.override("zh-hans"), pytest.raises(PhotoError) as refused:
        clean_photos(uploads)
    assert refused.value.message == "这些照片合计超过 40 百万像素，请少发几张或换小一些的照片。"


def test_photos_within_the_budget_pass(settings):
    settings.HONGMEI_SEND_MAX_PIXELS = 2 * 3000 * 2000
    photos, errors = clean_photos([upload(jpeg((3000, 2000))), upload(jpeg((3000, 2000)))])
    assert errors == {} and len(photos) == 2

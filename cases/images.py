"""Photos in: every upload is sniffed, bounded and re-encoded before anything is stored.

clean_photo() reads the bytes a browser sent and returns a Photo: a fresh JPEG with the
orientation applied and no metadata at all (no GPS, no device), or raises PhotoError with
a sentence for the person who sent it. The upload's name and declared type are ignored.

Decoding costs time in proportion to pixels, not bytes (a 47 KB PNG of 7000 x 7000 took
seconds), so pixels are counted from each file's header before anything is decoded: at
most HONGMEI_PHOTO_MAX_PIXELS per photo and HONGMEI_SEND_MAX_PIXELS for all the photos
of one send.
"""

import io
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pillow_heif import register_heif_opener

register_heif_opener()

MAX_BYTES = 10 * 1024 * 1024  # one photo as sent
MAX_CASE_BYTES = 40 * 1024 * 1024  # all photos of one submission
MAX_PHOTOS = 5
MAX_SIDE = 2560  # stored photos are scaled down to this
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "MPO"}
JPEG_QUALITY = 85


class PhotoError(ValueError):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Photo:
    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"

    @property
    def filename(self):
        return f"{secrets.token_hex(16)}.jpg"

    def as_file(self):
        return ContentFile(self.data)


def clean_photo(upload):
    """A Photo from a file-like upload, or PhotoError."""
    raw = _read(upload)
    _pixels(raw)
    return _reencode(raw)


def _read(upload):
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise PhotoError(_("This photo is larger than 10 MB."))
    raw = upload.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise PhotoError(_("This photo is larger than 10 MB."))
    if not raw:
        raise PhotoError(_("This file is empty."))
    return raw


def _megapixels(pixels):
    return f"{pixels / 1_000_000:g}"


def _open(raw):
    """The image with only its header read; PhotoError for what is not an accepted photo."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(_("This image has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise PhotoError(_("This file is not a photo we can read.")) from None
    if image.format not in ACCEPTED_FORMATS:
        raise PhotoError(_("Please send a photo (JPEG, PNG, WebP or HEIC)."))
    return image


def _pixels(raw):
    """The photo's pixel count from its header, within the per-photo cap; nothing decoded."""
    image = _open(raw)
    pixels = image.width * image.height
    limit = settings.HONGMEI_PHOTO_MAX_PIXELS
    if pixels > limit:
        raise PhotoError(
            _("This photo has more than %(mp)s megapixels; please send a smaller one.")
            % {"mp": _megapixels(limit)}
        )
    return pixels


def _reencode(raw):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = _open(raw)
            image.load()
            image = ImageOps.exif_transpose(image)
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(_("This image has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise PhotoError(_("This file is not a photo we can read.")) from None
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.split()[-1])
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # No exif= and no icc_profile= given: the new file carries no metadata.
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return Photo(data=out.getvalue(), width=image.width, height=image.height)


def clean_photos(uploads):
    """Clean a submission's photos together: at most MAX_PHOTOS, MAX_CASE_BYTES in all.
    Returns (photos, errors) where errors maps an upload's position to its message."""
    photos, errors = [], {}
    if len(uploads) > MAX_PHOTOS:
        raise PhotoError(_("Please send at most %(n)s photos.") % {"n": MAX_PHOTOS})
    total = sum(getattr(u, "size", 0) or 0 for u in uploads)
    if total > MAX_CASE_BYTES:
        raise PhotoError(_("These photos are larger than 40 MB together."))
    raws, pixels = {}, 0
    for position, upload in enumerate(uploads):
        try:
            raws[position] = _read(upload)
            pixels += _pixels(raws[position])
        except PhotoError as error:
            raws.pop(position, None)
            errors[position] = error.message
    budget = settings.HONGMEI_SEND_MAX_PIXELS
    if pixels > budget:
        raise PhotoError(
            _(
                "These photos have more than %(mp)s megapixels together; please send fewer "
                "or smaller photos."
            )
            % {"mp": _megapixels(budget)}
        )
    for position, raw in raws.items():
        try:
            photos.append(_reencode(raw))
        except PhotoError as error:
            errors[position] = error.message
    return photos, errors

"""Files for agenda items, taken in safely.

Every upload is read whole (up to MAX_BYTES) and recognised by its content, never by its
name or declared type: photos are cleaned and re-encoded by cases.images (no metadata
survives), PDFs and Office documents (docx, xlsx, pptx) are kept as sent. The stored file
gets a random name; the upload's name is kept only as a label, cleaned of paths and control
characters, with the extension of what the file really is. Files are served only through a
view that checks who may see the meeting, as downloads.
"""

import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from cases import images
from meetings.history import MeetingError

MAX_BYTES = 10 * 1024 * 1024
OFFICE = {
    "word/document.xml": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xl/workbook.xml": (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "ppt/presentation.xml": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
}
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


@dataclass(frozen=True)
class Stored:
    data: bytes
    name: str
    content_type: str
    extension: str

    @property
    def storage_name(self):
        return f"{secrets.token_hex(16)}.{self.extension}"

    def as_file(self):
        return ContentFile(self.data)


def label(filename, extension):
    """A display name from an upload's name: no directories, no control characters, at
    most 100 characters, ending in the extension of what the file really is."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[:90] or "file"
    return f"{stem}.{extension}"


def _is_image(head):
    return head.startswith(IMAGE_SIGNATURES) or head[4:12] in (b"ftypheic", b"ftypmif1")


def _office(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for part, kind in OFFICE.items() if part in names), None)


def clean(upload):
    """A Stored file from an upload, or MeetingError with a sentence for its sender."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise MeetingError(_("This file is larger than 10 MB."), field="file")
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise MeetingError(_("This file is larger than 10 MB."), field="file")
    if not data:
        raise MeetingError(_("This file is empty."), field="file")
    name = getattr(upload, "name", "") or ""
    if _is_image(data[:16]):
        try:
            photo = images.clean_photo(io.BytesIO(data))
        except images.PhotoError as error:
            raise MeetingError(error.message, field="file") from None
        return Stored(photo.data, label(name, "jpg"), photo.content_type, "jpg")
    if data.startswith(b"%PDF-"):
        return Stored(data, label(name, "pdf"), "application/pdf", "pdf")
    if data.startswith(b"PK\x03\x04"):
        office = _office(data)
        if office:
            extension, content_type = office
            return Stored(data, label(name, extension), content_type, extension)
    raise MeetingError(
        _("Attach a photo, a PDF, or a Word, Excel or PowerPoint file."), field="file"
    )


def remove(stored_files):
    for f in stored_files:
        if f and f.name:
            f.storage.delete(f.name)

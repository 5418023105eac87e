"""Helpers shared by the staff portal's tests."""

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.images import Photo


def jpeg_bytes(color="red"):
    out = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(out, "JPEG")
    return out.getvalue()


def photo():
    return Photo(data=jpeg_bytes(), width=16, height=16)


def upload(name="result.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes("green"), content_type="image/jpeg")


def buttons(html):
    """The action buttons a page shows (data-action attributes)."""
    return set(re.findall(r'data-action="(\w+)"', html))


def signed_in(client, street, username):
    client.force_login(street.users[username])
    return client

"""Helpers shared by the staff portal's tests."""

import io
import re
import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django_otp.oath import TOTP
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


def code_for(device, steps_ahead=0):
    """The code an authenticator app shows now (or that many 30-second steps later)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device):
    """A code the app shows at no moment the check accepts (one step of drift either way)."""
    near = {code_for(device, steps) for steps in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)

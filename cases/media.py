"""How a stored file goes out, once a view has decided the asker may see it.

Nothing under MEDIA_ROOT is published at an address of its own (no /media/, in
development neither): case photos go through the tracking page's and the staff portal's
views, meeting files through the meeting's (docs/deploy.md). Behind nginx, with
HONGMEI_MEDIA_ACCEL_PREFIX set, the answer is an empty response whose X-Accel-Redirect
names the file under nginx's `internal` location, so nginx sends the bytes; otherwise
Django streams the file itself.
"""

from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header

# Only the asker's browser may keep a copy, and not for long: a staff member who leaves
# a party, or a photo made internal, must stop being served soon after.
MAX_AGE = 600


def serve(stored: FieldFile, *, content_type: str, filename: str | None = None) -> HttpResponseBase:
    """The stored file as a response: images inline, anything else as a download."""
    path = stored.name or ""
    if not path or not stored.storage.exists(path):
        raise Http404
    inline = content_type.startswith("image/")
    prefix = getattr(settings, "HONGMEI_MEDIA_ACCEL_PREFIX", "")
    response: HttpResponseBase
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(path)
    else:
        response = FileResponse(stored.open("rb"), content_type=content_type)
    name = filename or path.rsplit("/", 1)[-1]
    response["Content-Disposition"] = content_disposition_header(not inline, name) or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, private=True, max_age=MAX_AGE)
    return response

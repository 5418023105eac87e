"""Content-Security-Policy on every response (docs/security.md).

One fixed policy for the whole site: every script, style, font and image comes from this
origin, so no page needs an inline script, an inline style or a nonce. Django 5.2 has no
CSP of its own (6.0 adds one); a policy this simple needs no library.
"""

from urllib.parse import urlsplit

from django.conf import settings

DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
DEFAULT_POLICY = "; ".join(f"{name} {value}" for name, value in DIRECTIVES.items())


def policy():
    """The policy this deployment sends: HONGMEI_CSP when set; otherwise the default, with
    the map tile server's origin allowed as an image source when one is configured."""
    if settings.HONGMEI_CSP:
        return settings.HONGMEI_CSP
    tiles = urlsplit(settings.HONGMEI_TILE_URL or "")
    if not tiles.scheme or not tiles.netloc:
        return DEFAULT_POLICY
    directives = dict(
        DIRECTIVES, **{"img-src": f"{DIRECTIVES['img-src']} {tiles.scheme}://{tiles.netloc}"}
    )
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy()
        return response

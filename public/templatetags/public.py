"""Template helpers of the public pages."""

import segno
from django import template
from django.utils.safestring import mark_safe

from cases import privacy
from public import tracking

register = template.Library()


@register.simple_tag
def qr_svg(url, scale=4):
    """The QR code of `url` as inline SVG, drawn on the server (no outside service)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=scale, dark="#1d2330", light="#ffffff", border=2, omitsize=True
    )
    return mark_safe(svg)  # noqa: S308 - segno's own markup; the URL is encoded as modules


@register.filter
def masked(value):
    """A phone number or e-mail address with its middle hidden: 138****8000, r***@example.com."""
    return privacy.mask_contact(value)


@register.filter
def resident_status(case):
    """A case's state as residents read it (public.tracking.RESIDENT_STATUS)."""
    return tracking.status(case)

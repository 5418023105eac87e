"""Number formats for the dashboard: percentages of a Ratio and working hours."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def pct(ratio):
    """71.4% for a Ratio, or a dash when nothing counted."""
    value = ratio.percent
    if value is None:
        return "—"
    return f"{value:g}%"


@register.filter
def hours(value):
    """Working hours, or a dash when there is nothing to measure."""
    if value is None:
        return "—"
    return _("%(hours)s h") % {"hours": f"{value:g}"}


@register.filter
def share(ratio):
    """The ratio as a percentage for drawing (0–100), 0 when nothing counted."""
    return round(100 * ratio.rate, 1) if ratio.rate is not None else 0

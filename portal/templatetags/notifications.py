from django import template
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import pgettext

from cases import notifications

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context):
    """The signed-in user's unread in-app notifications, counted up to 100."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return notifications.unread_count(user)


@register.filter
def when(value):
    """A moment as messages write it, in Asia/Shanghai time: 2026年11月23日 14:00,
    23 Nov 2026, 14:00."""
    if not value:
        return ""
    return date_format(localtime(value), pgettext("message date format", "j M Y, H:i"))

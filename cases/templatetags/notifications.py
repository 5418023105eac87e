from django import template

from cases import notifications

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context):
    """The signed-in user's unread in-app notifications, counted up to 100."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return notifications.unread_count(user)

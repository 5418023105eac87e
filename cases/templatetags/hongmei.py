from django import template
from django.utils.html import format_html

from cases import people, sla

register = template.Library()


@register.simple_tag
def calendar_warnings():
    return sla.calendar_warnings()


@register.simple_tag(takes_context=True)
def nav_link(context, href, label, exact=False):
    """A navigation link, marked as the current page when the request is under `href`."""
    path = context["request"].path
    current = path == href if exact else path.startswith(href)
    return format_html(
        '<a href="{}"{}>{}</a>', href, " aria-current=page" if current else "", label
    )


@register.filter
def may_import(user):
    return people.may_import_work_orders(user)


@register.filter
def person(user):
    """A person as pages name them: full name, else login (people.display_name)."""
    return people.display_name(user)

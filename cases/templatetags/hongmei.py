from django import template

from cases import sla

register = template.Library()


@register.simple_tag
def calendar_warnings():
    return sla.calendar_warnings()

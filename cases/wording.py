"""How a notification reads: rendered when sent, in the recipient's language, from
templates/notifications/<audience>/<template>.txt: its first line is the subject, the rest
the body. notifications/email.txt, email.html and sms.txt lay the parts out. Also the
links a message carries (the reporter's tracking link, the staff case page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime

from cases import sms
from cases.memo import ttl_cached
from cases.models import (
    Alarm,
    Case,
    Category,
    Follower,
    Notification,
    Party,
    Role,
)


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    sms: str
    # The values of the text message's approved template (sms.TEMPLATE_PARAMS), for gateways
    # that send templates only.
    params: dict[str, str]


@cache
def _text_templates():
    """Django templates without HTML escaping, for plain text and text messages."""
    return DjangoTemplates(
        {
            "NAME": "notifications-text",
            "DIRS": [settings.BASE_DIR / "templates"],
            "APP_DIRS": True,
            "OPTIONS": {"autoescape": False},
        }
    )


def recipient_language(notification: Notification) -> str:
    if notification.reporter is not None:
        language = notification.reporter.language
    else:
        profile = getattr(notification.user, "staff_profile", None)
        language = profile.language if profile else settings.LANGUAGE_CODE
    codes = [code for code, _ in settings.LANGUAGES]
    return language if language in codes else settings.LANGUAGE_CODE


def render(notification: Notification) -> Message:
    """The message, in the recipient's language, for every channel."""
    with translation.override(recipient_language(notification)):
        context = _context(notification)
        context["subject"], context["body"] = _content(notification, context)
        engine = _text_templates()
        return Message(
            subject=context["subject"],
            text=engine.get_template("notifications/email.txt").render(context),
            html=render_to_string("notifications/email.html", context),
            sms=engine.get_template("notifications/sms.txt").render(context).strip(),
            params=_sms_params(notification, context),
        )


def _sms_params(notification, context):
    case = notification.case
    if notification.reporter_id is None or case is None:
        return {}
    party = context.get("party")
    values = {
        "number": case.number,
        "token": tracking_token(case, context["data"].get("follower")),
        "party": party.label[: sms.PARAM_LENGTH] if party else "",
    }
    names = sms.TEMPLATE_PARAMS.get(notification.template.rpartition("/")[2], ("number", "token"))
    return {name: values[name] for name in names}


def headline(notification: Notification) -> tuple[str, str]:
    """(subject, body) in the active language, for the portal's list."""
    return _content(notification, _context(notification))


def _content(notification, context):
    template = _text_templates().get_template(f"notifications/{notification.template}.txt")
    subject, _, body = template.render(context).strip().partition("\n")
    # Optional parts leave blank lines behind; a paragraph break is one blank line.
    return subject.strip(), re.sub(r"\n\s*\n(\s*\n)+", "\n\n", body.strip())


def _context(notification):
    case, event = notification.case, notification.event
    data = _datetimes({**(event.data if event else {}), **notification.data})
    context = {
        "notification": notification,
        "case": case,
        "event": event,
        "data": data,
        "note": event.note if event else "",
        "by_system": bool(event and event.cause),
        "site_url": settings.SITE_URL,
    }
    # The party the news is about, as it was then: the one dispatched to, the one that
    # acted (a handler resolving, returning, asking for time), else the current lead.
    acting = event.actor_party_id if event and event.actor_role == Role.HANDLER else None
    party_id = data.get("lead_party") or data.get("party") or acting
    parties = _parties()
    context["party"] = parties.get(party_id or (case and case.lead_party_id))
    context["returned_by"] = parties.get(data.get("returned_by"))
    if data.get("step"):
        context["step"] = Alarm.Step(data["step"]).label
    for listed in ("overdue_cases", "due_soon_cases"):
        if listed in data:
            data[listed] = [_listed_case(item) for item in data[listed]]
    if case is None:
        context["link"] = settings.SITE_URL + (page_path(notification) or reverse("staff:home"))
    elif notification.reporter_id:
        context["link"] = tracking_link(case, data.get("follower"))
    else:
        context["link"] = staff_case_link(case)
    return context


@ttl_cached
def _parties():
    return Party.objects.in_bulk()


@ttl_cached
def _categories():
    return Category.objects.in_bulk()


def _listed_case(item):
    return {
        **item,
        "due_at": parse_datetime(item["due_at"]),
        "category": _categories().get(item["category"]),
    }


def _datetimes(data):
    """Deadlines travel in JSON as ISO strings; templates want datetimes."""
    out = {}
    for key, value in data.items():
        if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and "T" in value:
            value = parse_datetime(value) or value
        out[key] = value
    return out


def tracking_token(case: Case, follower_id: int | None = None) -> str:
    """The reporter's (or a follower's) private token for the case."""
    if follower_id:
        followed = Follower.objects.filter(pk=follower_id).values_list("token", flat=True)
        return followed.first() or case.token
    return case.token


def tracking_link(case: Case, follower_id: int | None = None) -> str:
    """The reporter's (or a follower's) private link to the case, absolute."""
    return settings.SITE_URL + reverse("track", args=[tracking_token(case, follower_id)])


def staff_case_path(case: Case) -> str:
    return reverse("staff:case_detail", args=[case.number])


def page_path(notification: Notification) -> str | None:
    """The portal page a notification without a case is about, as its writer named it in
    data["path"] (e.g. a joint meeting: notify_party(..., data={"path": ...})); None if none."""
    path = (notification.data or {}).get("path")
    if isinstance(path, str) and path.startswith("/") and not path.startswith("//"):
        return path
    return None


def staff_case_link(case: Case) -> str:
    return settings.SITE_URL + staff_case_path(case)

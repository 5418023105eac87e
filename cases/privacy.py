"""How much of a reporter's contact a reader sees (docs/portal.md, docs/public.md,
docs/integrations.md). The one place for these rules:

- Street-wide staff (dispatchers, inspectors, supervisors, secretaries) see a case's
  reporter contact in full. Anyone else who may see the case (a handler) sees it masked
  (138****1234, r***@example.com, 张**) until they show it with the `show_contact` action
  (who may is the workflow table's rule); the event on record then shows it to them, and
  only them, for REVEAL_FOR.
- Public answers carry no way to reach the reporter: mobile numbers and e-mail addresses
  typed into free text are masked (mask_text).
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from cases.people import is_street_wide

REVEAL_FOR = timedelta(minutes=30)

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)", re.ASCII)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", re.ASCII)


def mask_phone(phone):
    """138****1234: enough to recognise a number, not to call it."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_email(email):
    """r***@example.com: the first letter and the domain."""
    name, _at, domain = email.partition("@")
    return (name[:1] + "***@" + domain) if domain else "***"


def mask_name(name):
    """张**: the family name (the first character) only."""
    return (name[:1] + "*" * (len(name) - 1)) if name else ""


def mask_contact(value):
    """A mobile number or an e-mail address, masked as such."""
    value = value or ""
    return mask_email(value) if "@" in value else mask_phone(value)


def mask_text(text):
    """`text` with every mobile number and e-mail address in it masked (138****5678,
    ***@***)."""
    text = _MOBILE.sub(r"\1****\2", text or "")
    return _EMAIL.sub("***@***", text)


@dataclass
class Contact:
    name: str
    phone: str
    email: str
    masked: bool


def is_revealed(case, user, now=None):
    """Whether `user` showed the contact of `case` (a show_contact event of theirs) within
    the last REVEAL_FOR."""
    now = now or timezone.now()
    return case.events.filter(
        kind="show_contact", actor=user, created_at__gte=now - REVEAL_FOR
    ).exists()


def contact_for(case, user, *, revealed=False):
    """The reporter's contact as `user` may read it, or None when the case has none.
    `revealed`: the user has just shown it (the reply to the show_contact action)."""
    reporter = case.reporter
    if reporter is None or not (reporter.has_contact or reporter.name):
        return None
    if is_street_wide(user) or revealed or is_revealed(case, user):
        return Contact(reporter.name, reporter.phone, reporter.email, masked=False)
    return Contact(
        mask_name(reporter.name),
        mask_phone(reporter.phone) if reporter.phone else "",
        mask_email(reporter.email) if reporter.email else "",
        masked=True,
    )

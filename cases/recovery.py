"""Finding one's cases again without the private link (/find/, /mine/, docs/public.md).

A reporter gives the mobile number or e-mail they filed with (and, to find one case, its
number); a one-time code goes to that contact, and the code proves they hold it. Safe
against guessing:
- the code is six digits, kept only as a keyed hash, valid for CODE_MINUTES and for
  MAX_TRIES tries; a new code replaces nothing, it is a new challenge;
- a challenge is made whether or not the details match a case, and the answer is the same
  either way ("if the details match, a code was sent"): nobody learns from the page
  whether a number filed a case;
- the views rate-limit asking for codes per address and per contact (cases/ratelimit.py).
Challenges live in the cache (Redis in production), never in the database: they expire
by themselves.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from cases import sms
from cases.models import Case

CODE_MINUTES = 10
MAX_TRIES = 5
GRANT_MINUTES = 30
GRANT_SALT = "hongmei.recovery.mine"
MAX_CASES = 200  # a contact's cases one code opens (the list shows the newest)
PHONE = re.compile(r"1[3-9]\d{9}")


@dataclass(frozen=True)
class Contact:
    """A normalised mobile number or e-mail address."""

    kind: str  # "phone" or "email"
    value: str

    @classmethod
    def parse(cls, text):
        """The Contact written in `text`, or None: a mainland mobile number (spaces,
        dashes and a +86 prefix allowed) or an e-mail address (compared without case)."""
        text = (text or "").strip()
        digits = re.sub(r"[\s\-()]", "", text)
        for prefix in ("+86", "0086", "86"):
            if digits.startswith(prefix) and len(digits) == 11 + len(prefix):
                digits = digits[len(prefix) :]
        if PHONE.fullmatch(digits):
            return cls("phone", digits)
        if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) and len(text) <= 254:
            return cls("email", text.lower())
        return None


def cases_of(contact, number=None):
    """The cases filed with `contact` (one, with `number`), newest first."""
    if contact.kind == "phone":
        cases = Case.objects.filter(reporter__phone=contact.value)
    else:
        cases = Case.objects.annotate(reporter_email=Lower("reporter__email")).filter(
            reporter_email=contact.value
        )
    if number is not None:
        cases = cases.filter(Q(number=number.strip().upper()))
    return cases.order_by("-created_at", "-id")


@dataclass(frozen=True)
class Checked:
    """The outcome of a code: `case_ids` of the cases it opens (empty when refused), and
    why it was refused: "wrong", "expired" (or unknown) or "exhausted" (no tries left)."""

    case_ids: tuple = ()
    refused: str = ""

    @property
    def ok(self):
        return not self.refused


def start(contact, number=None):
    """Make a challenge for `contact` (and a case `number`, to find one case) and return its
    id. When the details match, a new code goes to the contact; when they do not, the
    challenge is made all the same and no code can ever answer it."""
    ids = list(cases_of(contact, number).values_list("id", flat=True)[:MAX_CASES])
    challenge = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(10**6):06d}"
    held = {"hash": _hash(challenge, code) if ids else "", "case_ids": ids}
    cache.set(_key(challenge), held, timeout=CODE_MINUTES * 60)
    if ids:
        _send(contact, code)
    return challenge


def check(challenge, code):
    """Try `code` against the challenge. Every try counts, right or wrong, and counts
    atomically (cache.incr), so that parallel guesses share the same MAX_TRIES."""
    key = _key(challenge or "")
    held = cache.get(key)
    if held is None:
        return Checked(refused="expired")
    tries = f"{key}:tries"
    cache.add(tries, 0, timeout=CODE_MINUTES * 60)
    try:
        count = cache.incr(tries)
    except ValueError:  # the challenge expired between the two reads
        return Checked(refused="expired")
    if count > MAX_TRIES:
        return Checked(refused="exhausted")
    given = re.sub(r"\s", "", code or "")
    if held["hash"] and hmac.compare_digest(held["hash"], _hash(challenge, given)):
        cache.delete_many([key, tries])  # one use
        return Checked(case_ids=tuple(held["case_ids"]))
    return Checked(refused="exhausted" if count >= MAX_TRIES else "wrong")


def grant(case_ids):
    """A signed, dated pass to a contact's cases, kept in the sender's session; it opens
    /mine/ for GRANT_MINUTES after the code was given."""
    return signing.dumps(list(case_ids), salt=GRANT_SALT)


def granted(value):
    """The case ids a pass from grant() opens, or None once it is out of date or forged."""
    try:
        ids = signing.loads(value or "", salt=GRANT_SALT, max_age=GRANT_MINUTES * 60)
    except signing.BadSignature:
        return None
    return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else None


def _key(challenge):
    return f"hongmei:recovery:{hashlib.sha256(challenge.encode()).hexdigest()[:40]}"


def _hash(challenge, code):
    message = f"{challenge}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, "sha256").hexdigest()


def _send(contact, code):
    text = _(
        "Hongmei Street: your code is %(code)s. It is valid for %(minutes)s minutes. If you "
        "did not ask for it, ignore this message."
    ) % {"code": code, "minutes": CODE_MINUTES}
    if contact.kind == "phone":
        sms.send(
            sms.TextMessage(phone=contact.value, text=text, template="code", params={"code": code})
        )
    else:
        EmailMessage(
            _("Your code: %(code)s") % {"code": code},
            text,
            settings.DEFAULT_FROM_EMAIL,
            [contact.value],
            headers={"Auto-Submitted": "auto-generated"},
        ).send()

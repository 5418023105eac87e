"""What a reporter sees of a case through a private link (docs/public.md).

A link's token is the case's own (the reporter, who may act) or a follower's (who may only
watch). The page shows the state in plain words, the public events of the workflow table
(notes only where the table says so), public photos and the deadline: never a staff
member's name, a staff note, a co-party's report or anybody's personal data.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from cases import sla, workflow
from cases.models import Attachment, Case, Follower, Party, State

# Tokens are 32 URL-safe characters (cases.models.new_token); some slack for longer ones.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,64}")
REPORTER_ACTIONS = ("verify", "dispute", "rate", "reopen")

STATE_WORDS = {
    State.REPORTED: _(
        "Received. The street's operations centre will check it and pass it to the party "
        "responsible."
    ),
    State.DISPATCHED: _("Passed to %(party)s, who will take it on."),
    State.IN_PROGRESS: _("%(party)s is working on it."),
    State.AWAITING_MEETING: _(
        "Waiting for the street's joint meeting, where the parties concerned decide together "
        "who acts."
    ),
    State.RESOLVED: _("%(party)s reports that it is fixed. The fix will now be checked."),
    State.CLOSED: _("Closed: the fix was checked."),
    State.REJECTED: _("Not taken on as a case. The reason is in the history below."),
}

# The state as residents hear it (the glossary's resident terms); staff pages keep the
# staff terms (待受理, 待签收…).
RESIDENT_STATUS = {
    State.REPORTED: _("Received, being arranged"),
    State.DISPATCHED: _("Passed to the party responsible"),
    State.IN_PROGRESS: _("Being handled"),
    State.AWAITING_MEETING: _("Referred to the street's joint meeting"),
    State.RESOLVED: _("Result reported, waiting to be checked"),
    State.CLOSED: _("Done and checked"),
    State.REJECTED: _("Not taken up"),
}

# Plain-words titles of the public events; %(party)s is the party concerned.
EVENT_TITLES = {
    "file": _("Report received"),
    "dispatch": _("Passed to %(party)s"),
    "reassign": _("Passed on to %(party)s"),
    "decide": _("The joint meeting gave the case to %(party)s"),
    "reject": _("Not taken on as a case"),
    "accept": _("%(party)s took the case on"),
    "escalate": _("Referred to the street's joint meeting"),
    "resolve": _("%(party)s reports it fixed"),
    "verify": _("The fix was checked; case closed"),
    "rework": _("The fix was checked and is not good enough; work goes on"),
    "reopen": _("Reopened"),
    "contact": _("%(party)s contacted the reporter"),
    "approve_extension": _("More time was given, until %(until)s"),
    "rate": _("The result was rated: %(rating)s"),
    "dispute": _("The reporter disputed the fix"),
}
VERIFIED_BY_REPORTER = _("The reporter confirmed the fix; case closed")
A_PARTY = _("the party responsible")


@dataclass
class Tracked:
    """A case seen through a private link; `follower` is set for a follower's link."""

    case: Case
    token: str
    follower: Follower | None = None

    @property
    def is_reporter(self):
        return self.follower is None

    def actor(self):
        return workflow.Actor.reporter(self.token)

    def allowed_actions(self):
        """The reporter's actions open now; a follower has none."""
        if not self.is_reporter:
            return []
        allowed = workflow.allowed_actions(self.case, self.actor())
        return [name for name in REPORTER_ACTIONS if name in allowed]


def find(token):
    """The Tracked case for `token`, or None for an unknown or malformed token alike."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    related = ("category", "area", "lead_party", "reporter")
    case = Case.objects.select_related(*related).filter(token=token).first()
    if case is not None:
        return Tracked(case, token)
    follower = (
        Follower.objects.select_related("reporter", *(f"case__{name}" for name in related))
        .filter(token=token)
        .first()
    )
    if follower is not None:
        return Tracked(follower.case, token, follower)
    return None


def original_followed(tracked):
    """For the reporter of a case rejected as a duplicate: their Follower of the original
    (made when the dispatcher merged them), so the page can lead there; else None."""
    case = tracked.case
    if not (tracked.is_reporter and case.duplicate_of_id and case.reporter_id):
        return None
    return (
        Follower.objects.select_related("case")
        .filter(case_id=case.duplicate_of_id, reporter_id=case.reporter_id)
        .first()
    )


def status(case):
    """The case's state in a resident's words (never the staff's state name)."""
    return RESIDENT_STATUS[case.state]


def state_words(case):
    party = case.lead_party.label if case.lead_party_id else A_PARTY
    return STATE_WORDS[case.state] % {"party": party}


def deadline(case):
    """(what, when) of the deadline the reporter waits on, or None: the first running
    step that the reporter is shown (sla.STEPS, public_label)."""
    shown = [(s.public_label, due) for s, due in sla.running_steps(case) if s.public_label]
    return shown[0] if shown else None


@dataclass
class Entry:
    at: datetime
    kind: str
    title: str
    note: str = ""


def timeline(case):
    """The public history of `case`, oldest first, in two queries."""
    events = list(case.events.filter(kind__in=workflow.PUBLIC_EVENTS).order_by("created_at", "id"))
    party_ids = {e.actor_party_id for e in events if e.actor_party_id}
    party_ids |= {e.data.get("lead_party") for e in events if e.data.get("lead_party")}
    parties = Party.objects.in_bulk(party_ids) if party_ids else {}
    return [_entry(event, parties) for event in events]


def _entry(event, parties):
    kind, data = event.kind, event.data or {}
    party = parties.get(data.get("lead_party") or event.actor_party_id)
    words = {
        "party": party.label if party else A_PARTY,
        "rating": Case.Satisfaction(data["rating"]).label if data.get("rating") else "",
        "until": _format_until(data.get("to")),
    }
    if kind == "verify" and event.actor_role == workflow.REPORTER:
        title = VERIFIED_BY_REPORTER
    else:
        title = EVENT_TITLES.get(kind, workflow.EVENT_LABELS.get(kind, kind)) % words
    note = event.note if kind in workflow.PUBLIC_NOTE_EVENTS else ""
    return Entry(at=event.created_at, kind=kind, title=title, note=note)


def _format_until(value):
    if not value:
        return ""
    moment = timezone.localtime(datetime.fromisoformat(value))
    return formats.date_format(moment, "SHORT_DATETIME_FORMAT")


def _public_photos(case):
    return case.attachments.filter(
        is_public=True, kind__in=(Attachment.Kind.REPORT, Attachment.Kind.EVIDENCE)
    )


def photos(case):
    """Public photos: (before, after) — the report's own, and evidence of the result.
    Photos of staff notes (kind "other") stay internal."""
    before, after = [], []
    for attachment in _public_photos(case).order_by("created_at", "id"):
        (before if attachment.kind == Attachment.Kind.REPORT else after).append(attachment)
    return before, after


def photo(tracked, pk):
    """One of the photos the tracking page shows, or None: the same set as photos()."""
    return _public_photos(tracked.case).filter(pk=pk).first()

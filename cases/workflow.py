"""The case lifecycle: the states, the table of actions, and the one function that performs
them (docs/workflow.md).

Every change to a case goes through perform() (or file_case() for a new case). It looks
the action up in ACTIONS, checks who is acting and for which party, locks the case row,
writes the new state and an Event in one transaction, and queues side effects to run after
commit. Nothing else writes Case.state.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence as Sequence_
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import effects, ledger, routing, search, sla
from cases.errors import (
    InvalidInput,
    InvalidState,
    MissingInput,
    NotNow,
    NotPermitted,
    NotYourParty,
    UnknownAction,
    WorkflowError,
)
from cases.inputs import MAX_TEXT, clean_inputs
from cases.models import (
    OPEN_STATES,
    REOPEN_WINDOW,
    ApiKey,
    Area,
    Attachment,
    Case,
    Category,
    Event,
    Follower,
    Party,
    Reporter,
    Role,
    Sequence,
    Share,
    State,
)
from cases.people import REPORTER, SYSTEM, handler_parties, party_as

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ACTOR_ROLE_LABELS = {
    **dict(Role.choices),
    REPORTER: _("Reporter"),
    SYSTEM: _("System"),
}
STAFF = (Role.DISPATCHER, Role.SUPERVISOR, Role.INSPECTOR, Role.SECRETARY, Role.HANDLER)
ALL_STATES = tuple(State)


@dataclass(frozen=True)
class Spec:
    """One row of the action table.

    roles: who may act, tried in this order. A handler must belong to the case's lead party
    (party="lead"), to the lead party or a co-party ("any"), or to a co-party ("share").
    needs / accepts: the inputs the action requires / may take.
    target: the state the case moves to; None for events that change no state.
    public: shown on the reporter's tracking page (public_note: with its note).
    """

    name: str
    label: StrOrPromise
    sources: tuple[str, ...]
    target: str | None
    roles: tuple[str, ...]
    party: str = "lead"
    needs: tuple[str, ...] = ()
    accepts: tuple[str, ...] = ()
    public: bool = False
    public_note: bool = False


_ACTION_LIST = [
    # State-changing actions, exactly as design §6.
    Spec("dispatch", _("Dispatch"), (State.REPORTED,), State.DISPATCHED,
         (Role.DISPATCHER, SYSTEM), needs=("lead_party",), accepts=("co_parties", "note"),
         public=True),
    Spec("reject", _("Reject"), (State.REPORTED,), State.REJECTED,
         (Role.DISPATCHER,), needs=("reason",), accepts=("duplicate_of",),
         public=True, public_note=True),
    Spec("accept", _("Accept"), (State.DISPATCHED,), State.IN_PROGRESS,
         (Role.HANDLER,), accepts=("note",), public=True),
    Spec("return", _("Return to dispatcher"), (State.DISPATCHED,), State.REPORTED,
         (Role.HANDLER,), needs=("reason",)),
    Spec("reassign", _("Reassign"), (State.DISPATCHED, State.IN_PROGRESS), State.DISPATCHED,
         (Role.DISPATCHER,), needs=("lead_party", "reason"), accepts=("co_parties",),
         public=True),
    Spec("escalate", _("Escalate to the joint meeting"),
         (State.REPORTED, State.IN_PROGRESS), State.AWAITING_MEETING,
         (Role.DISPATCHER, Role.HANDLER), needs=("reason",), public=True),
    Spec("decide", _("Record the meeting's decision"), (State.AWAITING_MEETING,),
         State.DISPATCHED, (Role.SECRETARY,), needs=("lead_party", "deadline"),
         accepts=("co_parties", "note"), public=True),
    Spec("resolve", _("Resolve"), (State.IN_PROGRESS,), State.RESOLVED,
         (Role.HANDLER,), needs=("note",), accepts=("photos", "open_shares_reason"),
         public=True, public_note=True),
    Spec("verify", _("Verify and close"), (State.RESOLVED,), State.CLOSED,
         (Role.INSPECTOR, Role.DISPATCHER, REPORTER), accepts=("note", "photos"), public=True),
    Spec("rework", _("Order rework"), (State.RESOLVED,), State.IN_PROGRESS,
         (Role.INSPECTOR, Role.DISPATCHER), needs=("reason",), accepts=("photos",),
         public=True),
    Spec("reopen", _("Reopen"), (State.CLOSED,), State.REPORTED,
         (REPORTER, Role.SUPERVISOR), needs=("reason",), public=True, public_note=True),
    # Events that change no state.
    Spec("note", _("Add a note"), ALL_STATES, None, STAFF, party="any", needs=("note",),
         accepts=("photos",)),
    Spec("contact", _("Record first contact"), (State.DISPATCHED, State.IN_PROGRESS), None,
         (Role.HANDLER,), needs=("note",), public=True),
    Spec("request_extension", _("Ask for more time"), (State.IN_PROGRESS,), None,
         (Role.HANDLER,), needs=("deadline", "reason")),
    Spec("approve_extension", _("Approve the extension"), (State.IN_PROGRESS,), None,
         (Role.DISPATCHER, Role.SUPERVISOR), accepts=("note",), public=True),
    Spec("deny_extension", _("Deny the extension"), (State.IN_PROGRESS,), None,
         (Role.DISPATCHER, Role.SUPERVISOR), needs=("reason",)),
    Spec("supervise", _("Supervise"), OPEN_STATES, None,
         (Role.SUPERVISOR, SYSTEM), accepts=("note",)),
    Spec("rate", _("Rate the result"), (State.CLOSED,), None,
         (REPORTER,), needs=("rating",), accepts=("note",), public=True),
    Spec("dispute", _("Dispute the result"), (State.RESOLVED,), None,
         (REPORTER,), needs=("reason",), public=True, public_note=True),
    Spec("report_share", _("Report on our share"), (State.DISPATCHED, State.IN_PROGRESS), None,
         (Role.HANDLER,), party="share", needs=("note",)),
    Spec("show_contact", _("Show the reporter's contact"), ALL_STATES, None, STAFF,
         party="any"),
    # The dispatcher corrects a case's category (docs/learning.md): the final category is
    # what the category suggestion learns from. Running deadlines stay as they were set.
    Spec("recategorise", _("Change the category"), (*OPEN_STATES, State.CLOSED), None,
         (Role.DISPATCHER,), needs=("category", "reason")),
]  # fmt: skip
ACTIONS = {spec.name: spec for spec in _ACTION_LIST}

# Recorded by file_case() and by merges; listed so every event kind has a label.
EVENT_LABELS = {
    "file": _("Filed"),
    "merge": _("Reporter joined"),
    "anonymise": _("Reporter's contact details removed"),
    **{spec.name: spec.label for spec in _ACTION_LIST},
}
PUBLIC_EVENTS = frozenset({"file", *(s.name for s in _ACTION_LIST if s.public)})
PUBLIC_NOTE_EVENTS = frozenset(s.name for s in _ACTION_LIST if s.public_note)


# ---------------------------------------------------------------------------- actors


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, the reporter holding the case's private token, or the system
    with a stated cause. Build one with Actor.staff(), Actor.reporter() or Actor.system()."""

    user: Any = None
    token: str = ""
    cause: str = ""
    public: bool = field(default=False)

    @classmethod
    def staff(cls, user: Any) -> Actor:
        return cls(user=user)

    @classmethod
    def reporter(cls, token: str) -> Actor:
        """The reporter of the case whose tracking token this is."""
        return cls(token=token)

    @classmethod
    def system(cls, cause: str) -> Actor:
        return cls(cause=cause)

    @classmethod
    def anonymous_reporter(cls) -> Actor:
        """Someone filing from outside, before a case (and its token) exists."""
        return cls(public=True)


def _authorise(spec, case, actor):
    """The (role, party) the actor acts in for this action on this case, or an error."""
    if actor.cause:
        if SYSTEM in spec.roles:
            return SYSTEM, None
        raise NotPermitted(_("The system may not perform “%(action)s”.") % {"action": spec.label})
    if actor.token or actor.public:
        if REPORTER not in spec.roles:
            raise NotPermitted(
                _("A reporter may not perform “%(action)s”.") % {"action": spec.label}
            )
        if not actor.token or not secrets.compare_digest(actor.token, case.token):
            raise NotYourParty(_("This is not your case."))
        return REPORTER, None
    user = actor.user
    if user is None or not user.is_authenticated:
        raise NotPermitted(_("Please sign in."))
    parties = handler_parties(user)
    for role in spec.roles:
        if role == Role.HANDLER:
            party = _handler_party(spec, case, parties)
        else:
            party = party_as(user, role)
        if party is not None:
            return role, party
    if Role.HANDLER in spec.roles and parties:
        raise NotYourParty(_("This case is not assigned to your party."))
    raise NotPermitted(_("Your role may not perform “%(action)s”.") % {"action": spec.label})


def _handler_party(spec, case, parties):
    lead = [p for p in parties if p.id == case.lead_party_id]
    if spec.party in ("lead", "any") and lead:
        return lead[0]
    if spec.party in ("share", "any"):
        shared = _active_share_party_ids(case)
        for party in parties:
            if party.id in shared:
                return party
    return None


def _active_share_party_ids(case):
    cached = getattr(case, "_active_share_party_ids", None)
    if cached is None:
        cached = set(case.shares.filter(is_active=True).values_list("party_id", flat=True))
        case._active_share_party_ids = cached
    return cached


# ---------------------------------------------------------------------------- guards


def _guard(spec, case, role, actor, at):
    """Conditions beyond the state table. Raise NotNow with the reason a person needs."""
    name = spec.name
    if name == "request_extension" and case.extension_requested_until:
        raise NotNow(_("An extension request is already waiting for a decision."))
    if name in ("approve_extension", "deny_extension") and not case.extension_requested_until:
        raise NotNow(_("No extension has been requested."))
    if name == "rate" and case.satisfaction:
        raise NotNow(_("This result has already been rated."))
    if name == "dispute" and case.disputed_at:
        raise NotNow(_("You have already disputed this result; an inspector will check it."))
    if name == "reopen" and role == REPORTER:
        if case.satisfaction != Case.Satisfaction.DISSATISFIED:
            raise NotNow(_("A case can be reopened after rating the result as dissatisfied."))
        if case.closed_at is None or at > case.closed_at + REOPEN_WINDOW:
            raise NotNow(_("A case can be reopened only within 7 days of closing."))
    if name == "report_share":
        share = case.shares.filter(party=_actor_party_for_share(case, actor)).first()
        if share is not None and share.reported_at:
            raise NotNow(_("Your party has already reported on its share."))


def _actor_party_for_share(case, actor):
    shared = _active_share_party_ids(case)
    return next((p for p in handler_parties(actor.user) if p.id in shared), None)


def check(
    case: Case, action: str, actor: Actor, at: datetime | None = None
) -> tuple[str, Party | None]:
    """(role, party) if `actor` may perform `action` on `case` now; else raise. Inputs
    are not checked here (see perform)."""
    spec = _spec(action)
    role, party = _authorise(spec, case, actor)
    if case.state not in spec.sources:
        raise InvalidState(
            _("“%(action)s” is not possible while the case is “%(state)s”.")
            % {"action": spec.label, "state": case.get_state_display()}
        )
    _guard(spec, case, role, actor, at or timezone.now())
    return role, party


def allowed_actions(case: Case, actor: Actor, at: datetime | None = None) -> list[str]:
    """The names of the actions `actor` may perform on `case` now, in table order. The
    portal's buttons and the API read this; it shares every check with perform()."""
    allowed = []
    for spec in _ACTION_LIST:
        try:
            check(case, spec.name, actor, at)
        except WorkflowError:
            continue
        allowed.append(spec.name)
    return allowed


def _spec(action: str) -> Spec:
    try:
        return ACTIONS[action]
    except KeyError:
        raise UnknownAction(_("Unknown action: %(action)s.") % {"action": action}) from None


# ---------------------------------------------------------------------------- effects


def _start_clock(case, action, at, resolve_due=None):
    """A (re)dispatch starts every limit afresh from `at` (design §5: the clock starts at
    dispatch); a meeting's decision fixes the resolution deadline itself."""
    case.dispatched_at = at
    case.accepted_at = None
    case.contacted_at = None
    case.resolved_at = None
    case.verify_due = None
    case.extension_requested_until = None
    return _set_deadlines(case, action, at, fixed={"resolve": resolve_due})


def _set_deadlines(case, action, at, fixed=None):
    """Set the deadlines `action` starts (sla.STEPS): each `limit` hours of the category
    from `at`, unless `fixed` gives the moment. Returns them as event data."""
    fixed = fixed or {}
    data = {}
    for step in sla.started_by(action):
        due = fixed.get(step.key) or sla.deadline(
            at, getattr(case.category, step.limit), calendar_hours=case.calendar_hours
        )
        setattr(case, step.field, due)
        data[step.field] = due.isoformat()
    return data


def _stop_clock(case):
    for step in sla.STEPS:
        setattr(case, step.field, None)
    case.extension_requested_until = None


def _assign(case, lead_party, co_parties, at):
    case.lead_party = lead_party
    wanted = {p.pk for p in co_parties}
    shares = {s.party_id: s for s in case.shares.all()}
    for party_id, share in shares.items():
        if share.is_active and party_id not in wanted:
            Share.objects.filter(pk=share.pk).update(is_active=False)
    for party in co_parties:
        share = shares.get(party.pk)
        if share is None:
            Share.objects.create(case=case, party=party, created_at=at)
        elif not share.is_active or share.reported_at:
            Share.objects.filter(pk=share.pk).update(
                is_active=True, created_at=at, reported_at=None, report=""
            )
    case._active_share_party_ids = wanted
    return {"lead_party": lead_party.pk, "co_parties": sorted(wanted)}


def _unassign(case):
    case.lead_party = None
    case.shares.filter(is_active=True).update(is_active=False)
    case._active_share_party_ids = set()


def _apply(spec, case, inputs, role, party, actor, at):
    """Change the case for `spec`; return the structured data for the event."""
    name = spec.name
    if name in _EVENT_EFFECTS:
        return _EVENT_EFFECTS[name](case, inputs, party, at)
    if name in sla.DISPATCHES:
        if name == "dispatch":
            within = bool(case.dispatch_due and at <= case.dispatch_due)
        case.dispatch_due = None
        data = _assign(case, inputs["lead_party"], inputs["co_parties"], at)
        if name == "dispatch":
            data["within_limit"] = within
        data.update(_start_clock(case, name, at, resolve_due=inputs.get("deadline")))
        return data
    if name == "reject":
        case.dispatch_due = None
        original = inputs.get("duplicate_of")
        case.duplicate_of = original
        return {"duplicate_of": original.number} if original else {}
    if name == "accept":
        case.accepted_at = at
        return {"within_limit": bool(case.accept_due and at <= case.accept_due)}
    if name == "return":
        data = {"returned_by": case.lead_party_id}
        case.return_count += 1
        _unassign(case)
        _stop_clock(case)
        data.update(_set_deadlines(case, "return", at))
        return data
    if name == "escalate":
        _stop_clock(case)
        return {}
    if name == "resolve":
        case.resolved_at = at
        case.disputed_at = None
        case.extension_requested_until = None
        _set_deadlines(case, "resolve", at)
        data = {"within_limit": bool(case.resolve_due and at <= case.resolve_due)}
        if inputs["open_shares"]:
            data["open_shares"] = inputs["open_shares"]
            data["open_shares_reason"] = inputs["open_shares_reason"]
        return data
    if name == "verify":
        case.closed_at = at
        case.disputed_at = None
        case.satisfaction = ""
        case.verify_due = None
        return {}
    if name == "rework":
        case.rework_count += 1
        case.resolved_at = None
        case.disputed_at = None
        case.verify_due = None
        return _set_deadlines(case, "rework", at)
    if name == "reopen":
        case.reopen_count += 1
        case.closed_at = None
        case.satisfaction = ""
        _unassign(case)
        _stop_clock(case)
        return _set_deadlines(case, "reopen", at)
    return {}


# Events that change no state: what each changes on the case, and its structured data.


def _contact(case, inputs, party, at):
    first = case.contacted_at is None
    if first:
        case.contacted_at = at
    return {
        "first": first,
        "within_limit": bool(first and case.contact_due and at <= case.contact_due),
    }


def _request_extension(case, inputs, party, at):
    case.extension_requested_until = inputs["deadline"]
    return {
        "until": inputs["deadline"].isoformat(),
        "current": case.resolve_due.isoformat() if case.resolve_due else None,
    }


def _approve_extension(case, inputs, party, at):
    data = {
        "from": case.resolve_due.isoformat() if case.resolve_due else None,
        "to": case.extension_requested_until.isoformat(),
    }
    case.resolve_due = case.extension_requested_until
    case.extension_requested_until = None
    return data


def _deny_extension(case, inputs, party, at):
    data = {"requested": case.extension_requested_until.isoformat()}
    case.extension_requested_until = None
    return data


def _supervise(case, inputs, party, at):
    case.supervised_at = at
    return {"overdue": case.is_overdue(at)}


def _rate(case, inputs, party, at):
    case.satisfaction = inputs["rating"]
    return {"rating": inputs["rating"]}


def _dispute(case, inputs, party, at):
    case.disputed_at = at
    return {}


def _recategorise(case, inputs, party, at):
    data = {"from": case.category.code, "to": inputs["category"].code}
    case.category = inputs["category"]
    return data


def _report_share(case, inputs, party, at):
    Share.objects.filter(case=case, party=party).update(reported_at=at, report=inputs["note"])
    return {"party": party.pk}


_EVENT_EFFECTS = {
    "contact": _contact,
    "request_extension": _request_extension,
    "approve_extension": _approve_extension,
    "deny_extension": _deny_extension,
    "supervise": _supervise,
    "rate": _rate,
    "dispute": _dispute,
    "report_share": _report_share,
    "recategorise": _recategorise,
}


def _event(kind, *, role, party, actor, from_state="", to_state="", note="", data=None, at):
    """An unsaved event; ledger.seal() or ledger.append() makes it a link of its case's chain."""
    return Event(
        kind=kind,
        actor=actor.user,
        actor_role=role,
        actor_party=party,
        cause=actor.cause,
        from_state=from_state,
        to_state=to_state,
        note=note,
        data=data or {},
        created_at=at,
    )


def _store_photos(case, event, photos, kind, stored):
    """Save already-cleaned photos (cases.images.Photo) as attachments of `event`. The
    names written are added to `stored` so a failed transaction can remove them."""
    for photo in photos:
        attachment = Attachment(
            case=case,
            event=event,
            kind=kind,
            content_type=photo.content_type,
            size=len(photo.data),
            width=photo.width,
            height=photo.height,
            created_at=event.created_at,
            sha256=ledger.file_digest(photo.data),
        )
        attachment.file.save(photo.filename, photo.as_file(), save=False)
        stored.append(attachment.file)
        attachment.save()


def _remove_files(stored):
    for f in stored:
        f.storage.delete(f.name)


_PHOTO_KIND = {
    "resolve": Attachment.Kind.EVIDENCE,
    "verify": Attachment.Kind.EVIDENCE,
    "rework": Attachment.Kind.EVIDENCE,
}


# ---------------------------------------------------------------------------- perform


def perform(
    case: Case | int, action: str, *, actor: Actor, at: datetime | None = None, **inputs: Any
) -> Event:
    """Perform `action` on `case` (a Case or its pk) as `actor`. Returns the new Event;
    event.case is the updated case. Raises a WorkflowError, changing nothing, when the
    action is not allowed now, not for this actor, or its inputs are missing or wrong.

    `at` backdates the action (imports, the demo seed); it defaults to now: the moment the
    case's row lock is held, so that an action that waited for another one is recorded after it.
    """
    given_at = at
    case_id = case.pk if isinstance(case, Case) else case
    spec = _spec(action)
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = (
                Case.objects.select_for_update(of=("self",))
                .select_related("category")
                .get(pk=case_id)
            )
            at = given_at or timezone.now()
            role, party = check(locked, action, actor, at)
            clean = clean_inputs(spec, locked, inputs, at)
            from_state = locked.state
            data = _apply(spec, locked, clean, role, party, actor, at)
            data.update(clean.get("data") or {})
            if spec.target:
                locked.state = spec.target
            locked.due_at = sla.current_due(locked)
            locked.updated_at = at
            photos = clean.get("photos") or ()
            event = _event(
                spec.name,
                role=role,
                party=party,
                actor=actor,
                from_state=from_state if spec.target else "",
                to_state=spec.target or "",
                note=clean.get("reason") or clean.get("note") or "",
                data=data,
                at=at,
            )
            # The new head is saved with the case's other changes, under the same lock.
            event.case = locked
            ledger.seal(locked, event, [ledger.file_digest(p.data) for p in photos])
            locked.save()
            event.save(force_insert=True)
            if photos:
                kind = _PHOTO_KIND.get(spec.name, Attachment.Kind.OTHER)
                _store_photos(locked, event, photos, kind, stored)
            if spec.name == "reject" and clean.get("duplicate_of"):
                _merge_reporter(locked, clean["duplicate_of"], actor, role, party, at)
            effects.on_event(event)
    except BaseException:
        _remove_files(stored)
        raise
    return event


def _merge_reporter(duplicate, original, actor, role, party, at):
    """The reporter of a rejected duplicate follows the original case from now on."""
    data = {"from_case": duplicate.number}
    if duplicate.reporter_id:
        Follower.objects.get_or_create(case=original, reporter_id=duplicate.reporter_id)
    merge = _event("merge", role=role, party=party, actor=actor, data=data, at=at)
    ledger.append(original, merge)


def follow(case: Case, reporter: Reporter, *, at: datetime | None = None) -> Follower:
    """A reporter chose to follow an open case instead of filing a new one. Returns the
    Follower, whose token is their private link to the case."""
    at = at or timezone.now()
    with transaction.atomic():
        follower, created = Follower.objects.get_or_create(
            case=case, reporter=reporter, defaults={"created_at": at}
        )
        if created:
            event = _event(
                "merge",
                role=REPORTER,
                party=None,
                actor=Actor.system("followed from the public form"),
                data={"follower": follower.pk},
                at=at,
            )
            ledger.append(case, event)
            effects.on_event(event)
    return follower


def next_number(at: datetime) -> str:
    """The next readable case number of the year, such as HM-2026-000123. Gapless: the
    counter row is locked until the filing transaction ends."""
    year = timezone.localtime(at).year
    name = f"case-{year}"
    value = _increment(name)
    if value is None:  # the year's first case
        Sequence.objects.get_or_create(name=name)
        value = _increment(name)
    return f"{settings.HONGMEI_CASE_PREFIX}-{year}-{value:06d}"


def _increment(name):
    """Add one to the named counter and return the new value in one statement (None when
    the counter does not exist yet). The UPDATE holds the row's lock until commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_sequence SET value = value + 1 WHERE name = %s RETURNING value", [name]
        )
        row = cursor.fetchone()
    return row[0] if row else None


FILERS = (REPORTER, Role.INSPECTOR, Role.DISPATCHER, SYSTEM)


def _filing_role(actor):
    if actor.cause:
        return SYSTEM, None
    if actor.user is None:
        return REPORTER, None
    for role in (Role.INSPECTOR, Role.DISPATCHER):
        party = party_as(actor.user, role)
        if party is not None:
            return role, party
    raise NotPermitted(_("Your role may not file cases."))


def file_case(
    *,
    actor: Actor,
    category: Category,
    description: str,
    channel: str,
    reporter: Reporter | None = None,
    lat: float | None = None,
    lng: float | None = None,
    area: Area | None = None,
    address: str = "",
    media_url: str = "",
    answers: dict[str, Any] | None = None,
    photos: Sequence_[Any] = (),
    priority: str = Case.Priority.NORMAL,
    external_id: str = "",
    external_due: datetime | None = None,
    api_key: ApiKey | None = None,
    at: datetime | None = None,
    route: bool = True,
) -> Case:
    """File a new case (state `reported`) with its first event, then route it: when the
    most specific routing rule says so, dispatch it at once. Returns the case.

    The area is resolved from the point when not given; a point outside every area leaves
    it empty (callers that need a point inside the street check routing.area_for_point).
    """
    at = at or timezone.now()
    role, party = _filing_role(actor)
    description = (description or "").strip()
    if not description:
        raise MissingInput(_("Please describe the problem."), field="description")
    if len(description) > MAX_TEXT:
        raise InvalidInput(
            _("Please keep it under %(n)s characters.") % {"n": MAX_TEXT}, field="description"
        )
    if category is None or not category.is_active or not category.is_leaf:
        raise InvalidInput(_("Choose a category."), field="category")
    if area is None and lat is not None and lng is not None:
        area = routing.area_for_point(lat, lng)
    stored: list[str] = []
    try:
        with transaction.atomic():
            dispatch_due = sla.deadline(
                at,
                category.dispatch_hours,
                calendar_hours=category.is_urgent or priority == Case.Priority.URGENT,
            )
            case = Case(
                number=next_number(at),
                dispatch_due=dispatch_due,
                due_at=dispatch_due,
                category=category,
                description=description,
                answers=answers or {},
                lat=lat,
                lng=lng,
                area=area,
                address=address,
                media_url=media_url,
                reporter=reporter,
                created_by=actor.user,
                channel=channel,
                api_key=api_key,
                external_id=external_id,
                external_due=external_due,
                priority=priority,
                created_at=at,
                updated_at=at,
            )
            event = _event(
                "file",
                role=role,
                party=party,
                actor=actor,
                to_state=State.REPORTED,
                data={"channel": channel, "dispatch_due": dispatch_due.isoformat()},
                at=at,
            )
            event.case = case
            ledger.seal(case, event, [ledger.file_digest(p.data) for p in photos])
            case.save(force_insert=True)
            event.save(force_insert=True)
            search.index_case(case)
            _store_photos(case, event, photos, Attachment.Kind.REPORT, stored)
            effects.on_event(event)
            if route:
                suggestion = routing.suggest(case)
                if suggestion and suggestion.auto_dispatch:
                    perform(
                        case,
                        "dispatch",
                        actor=Actor.system(f"routing rule {suggestion.rule.pk}"),
                        lead_party=suggestion.lead_party,
                        co_parties=suggestion.co_parties,
                        at=at,
                    )
                    case.refresh_from_db()
    except BaseException:
        _remove_files(stored)
        raise
    return case

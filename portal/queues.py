"""The staff portal's queues ("my queue"), by role (docs/portal.md).

Each queue is a filter over open cases and an ordering that one index serves (see
Case.Meta.indexes), so a page of it reads about as many rows as it shows. Tab counts stop
at COUNT_CAP: counting never reads more than that many index entries.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases import sla
from cases.models import OPEN_STATES, Case, Role, Share, State
from cases.people import acting_roles, handler_parties
from meetings import decisions

COUNT_CAP = 1000
PARTY_STATES = (State.DISPATCHED, State.IN_PROGRESS)
DUE_SOON_HOURS = 4

OLDEST_FIRST = (("created_at", False), ("id", False))
NEWEST_FIRST = (("created_at", True), ("id", True))
# due_at is set in every state these queues hold (reported, dispatched, in progress, resolved).
MOST_URGENT = (("due_at", False, False), ("id", False))


@dataclass(frozen=True)
class Queue:
    code: str
    label: str
    ordering: tuple
    queryset: object  # a function (user, parties, now) -> queryset

    def cases(self, user, now=None):
        return self.queryset(user, [p.pk for p in handler_parties(user)], now or timezone.now())


def _new(user, parties, now):
    return Case.objects.filter(state=State.REPORTED, return_count=0)


def _returned(user, parties, now):
    return Case.objects.filter(state=State.REPORTED, return_count__gt=0)


def _to_verify(user, parties, now):
    return Case.objects.filter(state=State.RESOLVED)


def _disputed(user, parties, now):
    return Case.objects.filter(state=State.RESOLVED, disputed_at__isnull=False)


def _overdue(user, parties, now):
    return Case.objects.overdue(now)


def _open(user, parties, now):
    return Case.objects.filter(state__in=OPEN_STATES)


def _supervised(user, parties, now):
    return Case.objects.filter(state__in=OPEN_STATES, supervised_at__isnull=False)


def _awaiting_meeting(user, parties, now):
    return Case.objects.filter(state=State.AWAITING_MEETING)


def _ours(parties, *states):
    return Case.objects.filter(lead_party_id__in=parties, state__in=states)


def _to_accept(user, parties, now):
    return _ours(parties, State.DISPATCHED)


def _in_progress(user, parties, now):
    return _ours(parties, State.IN_PROGRESS)


def _rework(user, parties, now):
    """Cases the inspector or dispatcher sent back (返工) that the party works on again."""
    return _ours(parties, State.IN_PROGRESS).filter(rework_count__gt=0)


def _due_soon(user, parties, now):
    return _ours(parties, *PARTY_STATES).filter(due_at__gte=now, due_at__lt=due_soon_limit(now))


def _our_overdue(user, parties, now):
    return _ours(parties, *PARTY_STATES).overdue(now)


def _shared(user, parties, now):
    """Cases where the party is a co-party (协办) that has not reported on its share yet."""
    share = Share.objects.filter(
        case=OuterRef("pk"), party_id__in=parties, is_active=True, reported_at__isnull=True
    )
    return Case.objects.filter(Exists(share), state__in=PARTY_STATES)


Q_NEW = Queue("new", _("New"), OLDEST_FIRST, _new)
Q_RETURNED = Queue("returned", _("Returned"), OLDEST_FIRST, _returned)
Q_TO_VERIFY = Queue("to_verify", _("To verify"), MOST_URGENT, _to_verify)
Q_DISPUTED = Queue(
    "disputed", _("Disputed by reporter"), (("disputed_at", False, False), ("id", False)), _disputed
)
Q_OVERDUE = Queue("overdue", _("Overdue"), MOST_URGENT, _overdue)
Q_OPEN = Queue("open", _("All open"), NEWEST_FIRST, _open)
Q_SUPERVISED = Queue(
    "supervised", _("Supervised"), (("supervised_at", True, False), ("id", True)), _supervised
)
Q_MEETING = Queue("awaiting_meeting", _("Awaiting joint meeting"), OLDEST_FIRST, _awaiting_meeting)
Q_TO_ACCEPT = Queue("to_accept", _("To accept"), MOST_URGENT, _to_accept)
Q_IN_PROGRESS = Queue("in_progress", _("In progress"), MOST_URGENT, _in_progress)
Q_REWORK = Queue("rework", _("Rework"), MOST_URGENT, _rework)
Q_DUE_SOON = Queue("due_soon", _("Due soon"), MOST_URGENT, _due_soon)
Q_OUR_OVERDUE = Queue("our_overdue", _("Overdue"), MOST_URGENT, _our_overdue)
Q_SHARED = Queue("shared", _("Co-party cases"), MOST_URGENT, _shared)

BY_ROLE = {
    Role.DISPATCHER: [Q_NEW, Q_RETURNED, Q_TO_VERIFY, Q_OVERDUE],
    Role.INSPECTOR: [Q_DISPUTED, Q_TO_VERIFY],
    Role.HANDLER: [Q_TO_ACCEPT, Q_REWORK, Q_IN_PROGRESS, Q_DUE_SOON, Q_OUR_OVERDUE, Q_SHARED],
    Role.SUPERVISOR: [Q_OPEN, Q_OVERDUE, Q_SUPERVISED],
    Role.SECRETARY: [Q_MEETING],
}
ROLE_ORDER = [Role.DISPATCHER, Role.INSPECTOR, Role.HANDLER, Role.SUPERVISOR, Role.SECRETARY]


def queues_for(user):
    """The user's queues in a stable order, each once, whatever roles they combine."""
    roles = acting_roles(user)
    queues = []
    for role in ROLE_ORDER:
        if role in roles:
            queues.extend(q for q in BY_ROLE[role] if q not in queues)
    return queues


OVERDUE_DECISIONS_SHOWN = 10


def overdue_decisions(user, now=None):
    """Joint-meeting decisions past their deadline and not done, most overdue first, for the
    supervisor's queue page (one more than shown, to tell whether there are more); empty
    for other roles. The decisions live in the meetings app (docs/meetings.md)."""
    if Role.SUPERVISOR not in acting_roles(user):
        return []
    return list(decisions.overdue(now)[: OVERDUE_DECISIONS_SHOWN + 1])


def capped_count(queryset, cap=COUNT_CAP):
    """How many rows, up to `cap`: reads at most `cap` index entries."""
    return queryset.order_by().values("pk")[:cap].count()


def count_label(count, cap=COUNT_CAP):
    return f"{cap - 1}+" if count >= cap else str(count)


def due_soon_limit(now=None):
    """The moment before which a running deadline counts as due soon."""
    now = now or timezone.now()
    return sla.add_working_hours(now, DUE_SOON_HOURS)

"""`seed_demo`: the demo street, its past cases, its joint meetings, yesterday's messages
read, the dashboard's roll-up and the ledger's daily roots, in that order (docs: README,
design §9). Idempotent."""

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from cases import ledger, replay, rollup
from cases.models import Case
from demo import meetings, street


def seed(case_count=300):
    """Create or update the demo street. Cases are added only to a database without any;
    the joint meetings only to one without meetings. Returns how many cases were added."""
    config = street.seed_config()
    if Case.objects.exists():
        _seed_meetings(config)
        return 0
    # The demo's past is replayed, not lived: no mail for it, no alarms already past.
    with transaction.atomic(), replay.replaying():
        cases = street.seed_cases(
            case_count, config.parties, config.areas, config.categories, config.users
        )
    _seed_meetings(config)
    street.read_earlier_notifications()
    # The dashboard reads its figures from the roll-up; build it for the demo's past.
    rollup.roll_up()
    _seal_past()
    return len(cases)


def _seal_past():
    """The street digest of every past day of the demo, as the beat would have sealed them."""
    first = Case.objects.aggregate(first=Min("created_at"))["first"]
    if first is not None:
        ledger.seal_days(since=timezone.localdate(first))


def _seed_meetings(config):
    """One joint meeting held with decisions and one planned, added once, replayed like the
    cases' past."""
    with replay.replaying():
        return meetings.seed_meetings(config)

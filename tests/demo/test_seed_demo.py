from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from cases import notifications, sla
from cases.models import (
    Area,
    Attachment,
    CalendarDay,
    Case,
    Category,
    Event,
    IndicatorDay,
    IndicatorRollup,
    Membership,
    Party,
    RoutingRule,
    State,
)
from tests.invariants import history_problems


def rows(queryset, *fields):
    return sorted(queryset.values_list(*fields), key=repr)


def snapshot():
    """Everything seed_demo writes, as comparable values."""
    return {
        "parties": rows(Party.objects, "code", "name", "kind", "area__code"),
        "areas": rows(Area.objects, "code", "parent__code", "depth", "kind", "boundary"),
        "categories": rows(Category.objects, "code", "parent__code", "resolve_hours"),
        "rules": rows(
            RoutingRule.objects,
            "category__code",
            "area__code",
            "lead_party__code",
            "auto_dispatch",
            "co_parties__code",
        ),
        "users": rows(get_user_model().objects, "username", "password"),
        "memberships": rows(Membership.objects, "user__username", "party__code", "role"),
        "calendar": CalendarDay.objects.count(),
        "cases": rows(Case.objects, "number", "state", "updated_at"),
        "events": Event.objects.count(),
        "attachments": Attachment.objects.count(),
    }


def test_seed_demo_twice_leaves_the_same_data(db):
    call_command("seed_demo", "--cases", "60")
    first = snapshot()
    call_command("seed_demo", "--cases", "60")
    assert snapshot() == first
    assert len(first["cases"]) == 60


def test_seed_demo_builds_the_street_of_the_design(db):
    call_command("seed_demo", "--cases", "0")
    kinds = dict(Area.objects.values_list("kind").annotate(n=Count("id")))
    assert kinds["compound"] == 22 and kinds["community"] == 13 and kinds["street"] == 1
    assert Party.objects.filter(kind="residents_committee").count() == 13
    assert set(
        Party.objects.filter(is_demo=False, kind="residents_committee").values_list(
            "name", flat=True
        )
    ) == {"航天新苑居委会", "永兆居委会", "钦北居委会"}
    assert Area.objects.exclude(boundary=None).filter(is_approximate=False).count() == 0
    accounts = {
        "dispatcher",
        "supervisor",
        "inspector",
        "secretary",
        "admin",
        "hangtian",
        "yongzhao",
        "qinbei",
        "property",
        "cityops",
        "market",
    }
    User = get_user_model()
    for username in accounts:
        assert User.objects.get(username=username).check_password("hongmei-demo"), username
    assert User.objects.get(username="admin").is_superuser
    assert not any(u.has_usable_password() for u in User.objects.exclude(username__in=accounts))
    assert Membership.objects.get(user__username="hangtian").party.name == "航天新苑居委会"


def test_seed_demo_cases_cover_every_state_with_consistent_histories(db):
    call_command("seed_demo", "--cases", "300")
    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(State.values)
    problems = []
    for case in Case.objects.prefetch_related("events"):
        events = sorted(case.events.all(), key=lambda e: (e.created_at, e.id))
        problems += history_problems(case, events)
    assert problems == []
    assert Event.objects.filter(kind="rate").exists()
    assert Event.objects.filter(kind="rework").exists()
    assert Event.objects.filter(kind="return").exists()
    # The dashboard's roll-up is built for the demo's past.
    assert IndicatorRollup.objects.exists() and IndicatorDay.objects.exists()
    # A street that works (issue 16): a case waits for dispatch hours, not weeks; each
    # waits less than a working day since it last came to the dispatcher.
    now = timezone.now()
    for case in Case.objects.filter(state=State.REPORTED):
        came = case.events.filter(kind__in=("file", "return", "reopen")).latest("created_at")
        assert sla.working_hours_between(came.created_at, now) < 8, case.number
        assert case.dispatch_due is not None
    # And a dispatcher's morning bell holds a handful of cases, not the demo's whole past.
    dispatcher = get_user_model().objects.get(username="dispatcher")
    assert notifications.unread_count(dispatcher) <= 10

"""History replayed from the past (the demo seed) sends nothing and sets no past alarm."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from cases import replay
from cases.models import Alarm, Notification, State
from tests.factories import case_in


def test_replayed_history_keeps_in_app_notices_but_sends_nothing(street):
    past = timezone.now() - timedelta(days=30)
    with replay.replaying():
        case = case_in(street, State.DISPATCHED, category="illegal-structure", at=past)
    rows = Notification.objects.filter(case=case)
    assert set(rows.values_list("channel", flat=True)) == {"app"}
    assert rows.filter(user__username="hangtian", created_at=past).exists()
    # Acceptance (2 working hours), first contact (8) and supervision ran out long ago.
    assert not Alarm.objects.filter(case=case).exists()
    assert not replay.is_replaying()


def test_the_demo_seed_sends_no_mail_and_sets_no_alarm_already_past(db):
    started = timezone.now()
    call_command("seed_demo", "--cases", "40")
    assert Notification.objects.filter(channel="app").exists()
    assert not Notification.objects.exclude(channel="app").exists()
    assert not Alarm.objects.filter(fire_at__lte=started).exists()

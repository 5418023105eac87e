import pytest
from django.db import DatabaseError, connection, transaction

from cases.models import Event, State
from tests import factories


def test_events_cannot_be_updated_on_postgresql(street):
    case = factories.case_in(street, State.DISPATCHED)
    event = case.events.get(kind="dispatch")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(note="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        event.note = "rewritten"
        event.save()
    assert Event.objects.get(pk=event.pk).note == ""


def test_events_cannot_be_deleted_on_postgresql(street):
    case = factories.case_in(street, State.DISPATCHED)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        case.events.all().delete()
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM cases_event WHERE case_id = %s", [case.pk])
    assert case.events.count() == 2


def test_the_history_is_the_events(street):
    case = factories.case_in(street, State.CLOSED)
    assert list(
        case.events.order_by("created_at", "id").values_list(
            "kind", "from_state", "to_state", "actor__username"
        )
    ) == [
        ("file", "", "reported", None),
        ("dispatch", "reported", "dispatched", "dispatcher"),
        ("accept", "dispatched", "in_progress", "hangtian"),
        ("report_share", "", "", "yongzhao"),
        ("resolve", "in_progress", "resolved", "hangtian"),
        ("verify", "resolved", "closed", "inspector"),
    ]

"""Meetings are read-only in the admin: they change only through the meeting pages."""

import pytest
from django.contrib import admin
from django.urls import reverse

from meetings.models import Meeting
from tests.meetings.helpers import meeting_with_decided_case


@pytest.fixture
def admin_client(client, street):
    client.force_login(street.users["admin"])
    return client


def test_meetings_and_decisions_are_listed_and_read_only(admin_client, street):
    meeting, item, decision = meeting_with_decided_case(street)
    for model in (m for m in admin.site._registry if m._meta.app_label == "meetings"):
        name = model._meta.model_name
        assert admin_client.get(reverse(f"admin:meetings_{name}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:meetings_{name}_add")).status_code == 403
    page = admin_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    assert page.status_code == 200 and item.title in page.content.decode()
    assert b'name="_save"' not in page.content
    admin_client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), {"title": "x"})
    assert Meeting.objects.get(pk=meeting.pk).title == meeting.title
    url = reverse("admin:meetings_decision_change", args=[decision.pk])
    assert admin_client.get(url).status_code == 200

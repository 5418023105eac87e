from datetime import date

import pytest
from django.contrib import admin
from django.urls import reverse

from cases.models import CalendarDay, Case, State
from tests import factories


@pytest.fixture
def admin_client(client, street):
    client.force_login(street.users["admin"])
    return client


def registered():
    return [m for m in admin.site._registry if m._meta.app_label == "cases"]


@pytest.mark.parametrize("model", registered(), ids=lambda m: m.__name__)
def test_every_admin_list_loads(admin_client, model, street):
    factories.case_in(street, State.CLOSED)
    url = reverse(f"admin:cases_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200


def test_configuration_can_be_added_in_the_admin(admin_client):
    for name in ("party", "area", "category", "routingrule", "calendarday", "membership"):
        assert admin_client.get(reverse(f"admin:cases_{name}_add")).status_code == 200


def test_cases_are_read_only_in_the_admin(admin_client, street):
    case = factories.case_in(street, State.DISPATCHED)
    url = reverse("admin:cases_case_change", args=[case.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert case.number.encode() in page.content
    assert b'name="_save"' not in page.content
    assert admin_client.get(reverse("admin:cases_case_add")).status_code == 403
    admin_client.post(url, {"state": "closed"})
    assert Case.objects.get(pk=case.pk).state == State.DISPATCHED
    assert admin_client.get(reverse("admin:cases_case_delete", args=[case.pk])).status_code == 403


def test_admin_warns_while_next_years_calendar_is_missing(admin_client, monkeypatch):
    monkeypatch.setattr("cases.sla.timezone.localdate", lambda: date(2026, 11, 25))
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "2027" in page and "工作日历" in page
    CalendarDay.objects.create(date=date(2027, 1, 1), kind="holiday", name="元旦")
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "工作日历" not in page

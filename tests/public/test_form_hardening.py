"""The public form drops control characters from every text it takes (docs/security.md,
finding 4): they would break the Open311 XML feed for every client."""

import pytest
from django.core.cache import cache

from cases import intake
from cases.models import Case
from tests.factories import HANGTIAN_POINT


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def test_a_report_is_stored_without_control_characters_but_with_its_lines(client, street):
    response = client.post(
        "/",
        {
            "key": intake.new_key(),
            "category": "litter",
            "description": "\x01路边有垃圾\x0b\r\n已经\t两天\x7f",
            "lat": str(HANGTIAN_POINT[0]),
            "lng": str(HANGTIAN_POINT[1]),
            "address": "虹梅路\x0c12号\n门口",
            "kind": "resident",
            "name": "李\x08女士",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    case = Case.objects.get()
    assert case.description == "路边有垃圾\n已经\t两天"
    assert case.address == "虹梅路12号 门口"
    assert case.reporter.name == "李女士"


def test_a_description_of_control_characters_only_is_empty(client, street):
    response = client.post(
        "/",
        {
            "key": intake.new_key(),
            "category": "litter",
            "description": "\x01\x02\x0b",
            "lat": str(HANGTIAN_POINT[0]),
            "lng": str(HANGTIAN_POINT[1]),
            "kind": "resident",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "description" in response.context["form"].errors
    assert not Case.objects.exists()

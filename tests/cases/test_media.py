"""Stored files go out only through views that check who asks (issue 14, finding 8): the
tracking link for the photos its page shows, the staff scope for a case's photos, the
meeting's members for its files. With DEBUG off, as in production; nothing at /media/."""

import re

import pytest

from cases import workflow
from cases.models import State
from meetings import agenda
from meetings.models import AgendaAttachment
from tests import factories
from tests.meetings.helpers import plan, secretary
from tests.meetings.test_files import PDF, attach
from tests.portal.helpers import jpeg_bytes, photo, signed_in


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False
    settings.HONGMEI_MEDIA_ACCEL_PREFIX = ""


@pytest.fixture
def case(street):
    """Dispatched to 航天新苑居委 (永兆居委 co-party), with the reporter's photo and a
    staff note's internal photo."""
    case = factories.case_in(street, State.DISPATCHED, photos=[photo()])
    workflow.perform(
        case, "note", actor=factories.staff(street, "hangtian"), note="现场", photos=[photo()]
    )
    return case


def image_urls(html):
    return re.findall(r'<img src="([^"]+)"', html)


def body(response):
    return b"".join(response.streaming_content)


def test_the_tracking_pages_photos_answer_200_with_the_image_for_its_link(client, case):
    html = client.get(f"/t/{case.token}/").content.decode()
    urls = image_urls(html)
    assert urls == [f"/t/{case.token}/photos/{case.attachments.order_by('id')[0].pk}/"]
    response = client.get(urls[0])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"] and "max-age=600" in response["Cache-Control"]
    assert body(response).startswith(b"\xff\xd8\xff")
    assert "/media/" not in html


def test_another_token_or_an_internal_photo_is_a_404(client, street, case):
    report, internal = case.attachments.order_by("id")
    other = factories.case_in(street, State.REPORTED)
    assert client.get(f"/t/{other.token}/photos/{report.pk}/").status_code == 404
    assert client.get(f"/t/{'x' * 32}/photos/{report.pk}/").status_code == 404
    assert client.get(f"/t/{case.token}/photos/{internal.pk}/").status_code == 404


def test_nothing_is_served_at_media(client, case):
    stored = case.attachments.order_by("id")[0]
    assert client.get(f"/media/{stored.file.name}").status_code == 404


def test_a_handler_of_another_party_gets_404_for_a_staff_photo(client, street, case):
    url = f"/staff/cases/{case.number}/photos/{case.attachments.order_by('id')[1].pk}/"
    signed_in(client, street, "qinbei")
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page
    signed_in(client, street, "hangtian")
    response = client.get(url)
    assert response.status_code == 200 and body(response).startswith(b"\xff\xd8\xff")


def test_behind_nginx_the_view_answers_with_x_accel_redirect(client, street, case, settings):
    settings.HONGMEI_MEDIA_ACCEL_PREFIX = "/protected-media/"
    stored = case.attachments.order_by("id")[0]
    response = client.get(f"/t/{case.token}/photos/{stored.pk}/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{stored.file.name}"
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b""
    signed_in(client, street, "qinbei")
    url = f"/staff/cases/{case.number}/photos/{stored.pk}/"
    assert client.get(url).status_code == 404


def test_meeting_files_only_for_members(client, street):
    meeting = plan(street)
    item = agenda.add_topic(meeting, user=secretary(street), title="议题")
    signed_in(client, street, "secretary")
    attach(client, meeting, item, "方案.pdf", PDF)
    attach(client, meeting, item, "现场.jpg", jpeg_bytes(), "image/jpeg")
    pdf, image = AgendaAttachment.objects.order_by("id")
    signed_in(client, street, "hangtian")  # a member party
    response = client.get(f"/staff/meetings/{meeting.pk}/files/{pdf.pk}/")
    assert response.status_code == 200 and body(response) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    response = client.get(f"/staff/meetings/{meeting.pk}/files/{image.pk}/")
    assert response["Content-Disposition"].startswith("inline;")
    signed_in(client, street, "qinbei")
    for stored in (pdf, image):
        assert client.get(f"/staff/meetings/{meeting.pk}/files/{stored.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/staff/meetings/{meeting.pk}/files/{pdf.pk}/").status_code == 302

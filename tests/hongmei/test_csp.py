"""The Content-Security-Policy (docs/security.md): on every response, and no template
that the policy would break (tests/browser/test_csp.py loads the pages in Chromium)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from cases.models import State
from hongmei.csp import DEFAULT_POLICY
from tests import factories
from tests.meetings.helpers import meeting_with_decided_case

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)

PUBLIC = [
    "/",
    "/report/questions.css",
    "/report/areas.geojson",
    "/staff/login/",
    "/open311/v2/services.json",
    "/open311/v2/requests.xml",
    "/api/schema/",
    "/api/docs/",
    "/api/docs/?script",
    "/no-such-page/",
    "/t/not-a-token/",
]
STAFF = [
    "/staff/",
    "/staff/cases/",
    "/staff/cases/map/",
    "/staff/cases/map/data/",
    "/staff/cases/export.csv",
    "/staff/dashboard/",
    "/staff/dashboard/report/",
    "/staff/meetings/",
    "/staff/meetings/decisions/",
    "/staff/notifications/",
    "/staff/imports/12345/",
    "/staff/two-factor/",
    "/api/cases/",
    "/admin/",
    "/admin/cases/case/",
]


def test_the_policy_is_the_one_written_down():
    assert DEFAULT_POLICY == POLICY


@override_settings(HONGMEI_TILE_URL="https://tiles.example.gov.cn/{z}/{x}/{y}.png")
def test_a_configured_tile_server_may_serve_images(client, street):
    header = client.get("/")["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://tiles.example.gov.cn;" in header
    assert "script-src 'self';" in header


@override_settings(HONGMEI_CSP="default-src 'none'")
def test_a_deployment_may_replace_the_policy(client, street):
    assert client.get("/")["Content-Security-Policy"] == "default-src 'none'"


@pytest.mark.parametrize("url", PUBLIC)
def test_every_public_response_carries_the_policy(client, street, url):
    response = client.get(url)
    assert response.status_code < 500
    assert response["Content-Security-Policy"] == POLICY


@pytest.mark.parametrize("url", STAFF)
def test_every_staff_response_carries_the_policy(client, street, url):
    client.force_login(street.users["admin"])
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Security-Policy"] == POLICY


def test_the_patrol_form_and_the_qr_code_carry_the_policy(client, street):
    client.force_login(street.users["inspector"])
    assert client.get("/staff/cases/new/")["Content-Security-Policy"] == POLICY
    client.get("/staff/two-factor/")
    response = client.get("/staff/two-factor/qr.svg")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY


def test_pages_of_one_case_and_one_meeting_carry_the_policy(client, street):
    case = factories.case_in(street, State.IN_PROGRESS)
    meeting, _item, _decision = meeting_with_decided_case(street)
    client.force_login(street.users["admin"])
    for url in (
        f"/t/{case.token}/",
        f"/staff/cases/{case.number}/",
        f"/staff/meetings/{meeting.pk}/",
        f"/admin/cases/case/{case.pk}/change/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == POLICY


def test_a_redirect_carries_the_policy_too(client, street):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Content-Security-Policy"] == POLICY


# Inline code the policy refuses: a <script> with a body, a <style> element, a style=""
# attribute, an on…="" handler, a javascript: address.
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>\s*[^<\s]"
    r"|<style\b|\sstyle=|\son[a-z]+=|javascript:",
    re.IGNORECASE,
)
# Mail is read in a mail program, never served: e-mail clients need inline styles.
NOT_SERVED = {"notifications/email.html"}


def _templates():
    for folder in settings.TEMPLATES[0]["DIRS"] + sorted(Path().glob("*/templates")):
        for path in Path(folder).rglob("*.html"):
            name = path.relative_to(folder).as_posix()
            if name not in NOT_SERVED:
                yield path


def test_no_served_template_holds_inline_script_or_style():
    offenders = [
        f"{path}: {match.group(0)!r}"
        for path in _templates()
        for match in INLINE.finditer(path.read_text())
    ]
    assert offenders == []

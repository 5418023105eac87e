"""Every message template, rendered in both languages from real events."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone, translation

from cases import digest, ledger, sweeps, wording, workflow
from cases.models import Alarm, Event, Notification, Reporter, State
from tests.factories import act, aware, case_in, tamper

ROOT = Path(__file__).resolve().parents[2] / "cases" / "templates" / "notifications"
TEMPLATES = sorted(
    str(p.relative_to(ROOT).with_suffix(""))
    for p in ROOT.glob("*/*.txt")
    if not p.name.startswith("_")
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def one_of_each(street):
    """The first notification of every template, made by the workflow and the sweeps.

    The story happens in the week of Monday 23 November 2026; the clock is held there, so
    steps without an explicit time (an extension's "deadline in the future") keep meaning
    the same on any later day."""
    monday = aware(2026, 11, 23, 9, 0)
    with time_machine.travel(monday + timedelta(days=3, hours=1), tick=False):
        return _one_of_each(street, monday)


def _one_of_each(street, monday):
    dispatched = case_in(street, State.DISPATCHED, at=monday)  # file, dispatch, share
    sweeps.sweep(sweeps.DEADLINE_KINDS, now=monday + timedelta(days=3))  # overdue, supervise
    case = case_in(street, State.IN_PROGRESS, category="noise", at=monday)
    sweeps.sweep([Alarm.Kind.DUE_SOON], now=case.resolve_due - timedelta(hours=1))
    act(street, dispatched, "return", "hangtian", reason="不属于本单位")
    later = case.resolve_due + timedelta(days=3)
    act(street, case, "request_extension", "hangtian", deadline=later, reason="等待配合")
    act(street, case, "reassign", "dispatcher", lead_party=street.parties["cityops"], reason="改派")
    act(street, case, "supervise", "supervisor", note="请尽快")
    escalated = case_in(street, State.AWAITING_MEETING)
    act(
        street,
        escalated,
        "decide",
        "secretary",
        lead_party=street.parties["cityops"],
        co_parties=[street.parties["rc-hangtian"]],
        deadline=timezone.now() + timedelta(days=7),
        note="城管牵头",
    )
    closed = case_in(street, State.RESOLVED, at=monday)
    act(street, closed, "rework", "inspector", reason="未整改到位", at=monday)
    act(street, closed, "resolve", "hangtian", note="已整改", at=monday)
    act(street, closed, "verify", "inspector", at=monday)
    sweeps.sweep([Alarm.Kind.SATISFACTION], now=monday + timedelta(days=2))
    act(street, closed, "rate", "reporter", rating="dissatisfied", at=monday)
    act(street, closed, "reopen", "reporter", reason="又脏了", at=monday)
    original = case_in(street, State.IN_PROGRESS)
    act(street, case_in(street, State.REPORTED), "reject", "dispatcher", reason="重复",
        duplicate_of=original)  # fmt: skip
    workflow.follow(original, Reporter.objects.create(email="n@example.com"))
    digest.send_digests(now=aware(2026, 11, 24, 8, 30))
    digest.send_street_digest(now=aware(2026, 11, 24, 8, 30))
    tamper(Event.objects.filter(case=original).first(), "改过")
    ledger.check_chains(now=aware(2026, 11, 24, 9, 0))
    first = {}
    for n in Notification.objects.order_by("pk"):
        first.setdefault(n.template, n)
    return first


def test_every_template_is_made_by_some_event_or_sweep(one_of_each):
    assert sorted(one_of_each) == TEMPLATES


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_message_reads_whole_in_both_languages(one_of_each, language):
    for template, n in one_of_each.items():
        with translation.override(language):
            subject, body = wording.headline(n)
        text = subject + body
        assert subject and body, template
        for leftover in ("{{", "{%", "%(", "None", "\n\n\n"):
            assert leftover not in text, (template, leftover, text)
        if n.case_id:
            assert n.case.number in subject, template
        if language == "zh-hans":
            assert CHINESE.search(subject), (template, subject)
        else:
            assert not CHINESE.search(subject), (template, subject)


def test_every_message_has_text_html_and_a_text_message_form(one_of_each):
    for template, n in one_of_each.items():
        message = wording.render(n)
        assert message.subject in message.html and message.subject in message.sms, template
        assert message.text.endswith("replies are not read.\n") or message.text.endswith(
            "请勿回复。\n"
        )
        assert "<html" in message.html and "\n" not in message.subject

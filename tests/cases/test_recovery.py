"""Finding one's cases again with a one-time code (cases/recovery.py): the code goes only to
the contact a case was filed with, opens only that contact's cases, is kept hashed,
expires after 10 minutes, allows 5 tries and one use, and a challenge for details that
match nothing looks the same from outside as one that matches."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.utils import timezone

from cases import recovery, sms
from cases.models import Reporter
from cases.recovery import Contact
from tests import factories

PHONE = "13800138000"


@pytest.fixture(autouse=True)
def texts(settings):
    cache.clear()
    settings.HONGMEI_SMS_BACKEND = "cases.sms.MemoryBackend"
    sms.MemoryBackend.outbox = []
    return sms.MemoryBackend.outbox


@pytest.fixture
def filed(street):
    """Two cases filed with one mobile number (two reporters, as the form makes them), one
    with an e-mail, one with neither."""
    first = factories.new_case(street, reporter=Reporter.objects.create(phone=PHONE))
    second = factories.new_case(street, "noise", reporter=Reporter.objects.create(phone=PHONE))
    by_mail = factories.new_case(
        street, reporter=Reporter.objects.create(email="Wang.Li@Example.com")
    )
    anonymous = factories.new_case(street, reporter=False)
    return first, second, by_mail, anonymous


def sent_code(texts):
    (phone, text), *_ = texts
    return phone, re.search(r"\d{6}", text).group(0)


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("13800138000", Contact("phone", PHONE)),
        ("138 0013 8000", Contact("phone", PHONE)),
        ("+86 138-0013-8000", Contact("phone", PHONE)),
        ("Wang.Li@Example.com ", Contact("email", "wang.li@example.com")),
        ("12345", None),
        ("23800138000", None),
        ("wang@", None),
        ("", None),
    ],
)
def test_a_contact_is_a_mainland_mobile_number_or_an_email_address(text, contact):
    assert Contact.parse(text) == contact


def test_the_code_goes_to_the_number_and_opens_every_case_filed_with_it(filed, texts):
    first, second, *_ = filed
    challenge = recovery.start(Contact("phone", PHONE))
    phone, code = sent_code(texts)
    assert phone == PHONE and len(texts) == 1
    assert set(recovery.check(challenge, code).case_ids) == {first.id, second.id}


def test_with_a_number_the_code_opens_that_case_only(filed, texts):
    second = filed[1]
    challenge = recovery.start(Contact("phone", PHONE), second.number.lower())
    assert recovery.check(challenge, sent_code(texts)[1]).case_ids == (second.id,)


def test_an_email_address_is_matched_without_regard_to_case_and_gets_an_email(filed, texts):
    by_mail = filed[2]
    challenge = recovery.start(Contact.parse("wang.li@example.COM"))
    assert texts == [] and len(mail.outbox) == 1
    assert mail.outbox[0].to == ["wang.li@example.com"]
    code = re.search(r"\d{6}", mail.outbox[0].body).group(0)
    assert code in mail.outbox[0].subject
    assert recovery.check(challenge, code).case_ids == (by_mail.id,)


def test_details_that_match_nothing_send_nothing_and_no_code_opens_them(filed, texts):
    first = filed[0]
    for contact, number in [
        (Contact("phone", "13900139000"), None),
        (Contact("phone", PHONE), filed[2].number),  # a case of somebody else
        (Contact("phone", PHONE), "HM-1999-000001"),
    ]:
        challenge = recovery.start(contact, number)
        assert isinstance(challenge, str) and len(challenge) >= 32
        assert recovery.check(challenge, "000000") == recovery.Checked(refused="wrong")
    assert texts == [] and mail.outbox == []
    assert first.reporter.phone == PHONE


def test_the_cache_keeps_no_code_in_clear(filed, texts):
    challenge = recovery.start(Contact("phone", PHONE))
    code = sent_code(texts)[1]
    held = cache.get(recovery._key(challenge))
    assert code not in repr(held) and challenge not in repr(held)


def test_five_tries_then_even_the_right_code_is_refused(filed, texts):
    challenge = recovery.start(Contact("phone", PHONE))
    code = sent_code(texts)[1]
    wrong = "999999" if code != "999999" else "888888"
    outcomes = [recovery.check(challenge, wrong).refused for _ in range(5)]
    assert outcomes == ["wrong", "wrong", "wrong", "wrong", "exhausted"]
    assert recovery.check(challenge, code).refused == "exhausted"


def test_a_code_opens_once(filed, texts):
    challenge = recovery.start(Contact("phone", PHONE))
    code = sent_code(texts)[1]
    assert recovery.check(challenge, code).ok
    assert recovery.check(challenge, code).refused == "expired"


def test_a_code_expires_after_ten_minutes(filed, texts):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        challenge = recovery.start(Contact("phone", PHONE))
        code = sent_code(texts)[1]
        clock.shift(timedelta(minutes=10, seconds=1))
        assert recovery.check(challenge, code).refused == "expired"


def test_a_code_works_just_before_it_expires(filed, texts):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        challenge = recovery.start(Contact("phone", PHONE))
        code = sent_code(texts)[1]
        clock.shift(timedelta(minutes=9, seconds=50))
        assert recovery.check(challenge, f" {code[:3]} {code[3:]} ").ok


def test_an_unknown_challenge_is_refused_as_expired(db):
    assert recovery.check("no-such-challenge", "123456").refused == "expired"
    assert recovery.check(None, None).refused == "expired"


def test_a_pass_to_the_list_lasts_thirty_minutes_and_cannot_be_forged():
    with time_machine.travel(timezone.now(), tick=False) as clock:
        value = recovery.grant([3, 5])
        assert recovery.granted(value) == [3, 5]
        assert recovery.granted(value.replace(":", ";", 1)) is None
        assert recovery.granted("") is None and recovery.granted(None) is None
        clock.shift(timedelta(minutes=30, seconds=1))
        assert recovery.granted(value) is None


def test_a_reporter_whose_contact_was_removed_cannot_be_found(filed, texts):
    first = filed[0]
    Reporter.objects.filter(pk=first.reporter_id).update(phone="", anonymised_at=timezone.now())
    challenge = recovery.start(Contact("phone", PHONE))
    assert recovery.check(challenge, sent_code(texts)[1]).case_ids == (filed[1].id,)

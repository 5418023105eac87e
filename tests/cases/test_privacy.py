"""Who reads a reporter's contact, and how much of it (cases/privacy.py), stated from the
design: street-wide staff read it; a handler reads it masked until they show it, and then
for thirty minutes; text made public carries no mobile number or e-mail address."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases import privacy, workflow
from cases.models import Reporter, State
from tests import factories

SHOWN_AT = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


# ---------------------------------------------------------------------------- masks


def test_a_masked_mobile_keeps_the_first_three_and_the_last_four_digits():
    assert privacy.mask_phone("13812345678") == "138****5678"


def test_a_number_too_short_to_mask_partly_is_hidden_whole():
    assert privacy.mask_phone("110") == "***"


def test_a_masked_email_keeps_the_first_letter_and_the_domain():
    assert privacy.mask_email("reporter@example.com") == "r***@example.com"


def test_a_masked_name_keeps_the_family_name():
    assert privacy.mask_name("张三丰") == "张**"
    assert privacy.mask_name("") == ""


def test_a_contact_is_masked_as_a_number_or_an_address():
    assert privacy.mask_contact("13800138000") == "138****8000"
    assert privacy.mask_contact("r@example.com") == "r***@example.com"


def test_public_text_carries_no_mobile_number_or_email_address():
    text = "请联系13812345678或 wang.li+1@example.com.cn，工单号 2138123456789"
    assert privacy.mask_text(text) == "请联系138****5678或 ***@***，工单号 2138123456789"


def test_masking_empty_text_gives_empty_text():
    assert privacy.mask_text(None) == ""


# ---------------------------------------------------------------------------- who reads


@pytest.fixture
def case(street):
    reporter = Reporter.objects.create(name="张三丰", phone="13800138000", email="r@example.com")
    with time_machine.travel(SHOWN_AT - timedelta(hours=1), tick=False):
        case = factories.case_in(street, State.IN_PROGRESS)
    case.reporter = reporter
    case.save(update_fields=["reporter"])
    return case


def contact(case, street, username):
    return privacy.contact_for(case, street.users[username])


@pytest.mark.parametrize("username", ["dispatcher", "inspector", "supervisor", "secretary"])
def test_street_wide_staff_read_the_contact_in_full(case, street, username):
    shown = contact(case, street, username)
    assert (shown.name, shown.phone, shown.email, shown.masked) == (
        "张三丰",
        "13800138000",
        "r@example.com",
        False,
    )


@pytest.mark.parametrize("username", ["hangtian", "yongzhao"])
def test_a_handler_reads_the_contact_masked(case, street, username):
    shown = contact(case, street, username)
    assert (shown.name, shown.phone, shown.email, shown.masked) == (
        "张**",
        "138****8000",
        "r***@example.com",
        True,
    )


def test_a_case_without_a_reporter_has_no_contact(street):
    case = factories.new_case(street, reporter=False)
    assert contact(case, street, "dispatcher") is None


def test_the_lead_and_the_co_party_may_show_the_contact_another_party_may_not(case, street):
    for username in ("hangtian", "yongzhao"):
        assert "show_contact" in workflow.allowed_actions(case, factories.staff(street, username))
    with pytest.raises(workflow.WorkflowError):
        factories.act(street, case, "show_contact", "cityops")


def show_at(street, case, username, when):
    with time_machine.travel(when, tick=False):
        factories.act(street, case, "show_contact", username)


def reads_in_full_at(street, case, username, when):
    with time_machine.travel(when, tick=False):
        return not contact(case, street, username).masked


def test_showing_the_contact_lets_the_handler_read_it_for_thirty_minutes_not_thirty_one(
    case, street
):
    show_at(street, case, "hangtian", SHOWN_AT)
    assert reads_in_full_at(street, case, "hangtian", SHOWN_AT)
    assert reads_in_full_at(street, case, "hangtian", SHOWN_AT + timedelta(minutes=30))
    assert not reads_in_full_at(street, case, "hangtian", SHOWN_AT + timedelta(minutes=31))


def test_showing_the_contact_shows_it_to_that_handler_only(case, street):
    show_at(street, case, "hangtian", SHOWN_AT)
    assert not reads_in_full_at(street, case, "yongzhao", SHOWN_AT + timedelta(minutes=1))


def test_showing_it_again_starts_the_thirty_minutes_again(case, street):
    show_at(street, case, "hangtian", SHOWN_AT)
    show_at(street, case, "hangtian", SHOWN_AT + timedelta(minutes=20))
    assert reads_in_full_at(street, case, "hangtian", SHOWN_AT + timedelta(minutes=50))
    assert not reads_in_full_at(street, case, "hangtian", SHOWN_AT + timedelta(minutes=51))


def test_the_reply_to_showing_it_reads_in_full(case, street):
    shown = privacy.contact_for(case, street.users["hangtian"], revealed=True)
    assert not shown.masked and shown.phone == "13800138000"

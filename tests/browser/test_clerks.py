"""The busy clerk in a real browser (issue 16, "Clerks"): a case sent back for rework is
marked in the handler's lists and has its own tab; each home opens on the first tab that
holds work; on a 360-px phone the queue is a stack of cards, deadline first, with 44-px
checkbox targets; marking a meeting held before its date asks first."""

import itertools
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import State
from meetings import agenda
from meetings.models import Meeting
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reworked_case_is_marked_in_the_handlers_lists_and_has_its_tab(
    desktop, live_server, sign_in
):
    street = factories.street()
    reworked = factories.case_in(street, State.RESOLVED, description="楼道堆物未清理干净")
    reworked = factories.act(street, reworked, "rework", "inspector", reason="现场仍有堆物")
    plain = factories.case_in(street, State.IN_PROGRESS, description="路边有暴露垃圾")
    page = desktop
    sign_in(page, "hangtian")
    # Nothing to accept: the home opens on the rework tab, which holds the case.
    expect(page.locator("a[data-queue=rework]")).to_have_attribute("aria-current", "page")
    row = page.locator(f"tr[data-case='{reworked.number}']")
    expect(row.locator("[data-mark=rework]")).to_have_text("返工")
    expect(page.locator(f"tr[data-case='{plain.number}']")).to_have_count(0)
    # In the "in progress" tab both cases are listed, only the reworked one marked.
    page.click("a[data-queue=in_progress]")
    expect(page.locator(f"tr[data-case='{reworked.number}'] [data-mark=rework]")).to_be_visible()
    expect(page.locator(f"tr[data-case='{plain.number}'] [data-mark]")).to_have_count(0)
    # The case page's primary button is the step the case waits for: resolve.
    page.click(f"text={reworked.number}")
    first = page.locator(".actions summary").first
    expect(first).to_have_attribute("data-action", "resolve")
    expect(first).not_to_have_class(re.compile(r"\bsecondary\b"))


def test_each_home_opens_on_the_first_tab_that_holds_work(desktop, live_server, sign_in):
    street = factories.street()
    # No new or returned case: the dispatcher's first tab with work is "to verify".
    resolved = factories.case_in(street, State.RESOLVED)
    page = desktop
    sign_in(page, "dispatcher")
    expect(page.locator("a[data-queue=to_verify]")).to_have_attribute("aria-current", "page")
    expect(page.locator(f"tr[data-case='{resolved.number}']")).to_be_visible()
    # A new case arrives: the home opens on "new" again.
    new = factories.new_case(street, description="人行道上有油污")
    page.goto(f"{live_server.url}/staff/")
    expect(page.locator("a[data-queue=new]")).to_have_attribute("aria-current", "page")
    expect(page.locator(f"tr[data-case='{new.number}']")).to_be_visible()


def test_the_dispatchers_queue_is_a_stack_of_cards_on_a_phone(phone, live_server, sign_in):
    street = factories.street()
    numbers = [
        factories.new_case(street, description=f"路边有暴露垃圾 {i}").number for i in range(3)
    ]
    page = phone
    sign_in(page, "dispatcher")
    expect(page.locator("a[data-queue=new]")).to_have_attribute("aria-current", "page")
    cards = [page.locator(f"tr[data-case='{number}']") for number in numbers]
    boxes = [card.bounding_box() for card in cards]
    # Stacked: one above the other, each within the screen's width.
    tops = sorted(box["y"] for box in boxes)
    for box in boxes:
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    for upper, lower in itertools.pairwise(tops):
        assert lower - upper >= min(b["height"] for b in boxes)
    card = cards[0]
    due = card.locator("td.due")
    expect(due).to_be_visible()
    expect(due).to_contain_text("期限")
    expect(due).not_to_contain_text("—")
    # The deadline comes first: it sits above the case number.
    assert due.bounding_box()["y"] < card.locator("td.number").bounding_box()["y"]
    label = card.locator("label.select-case")
    assert label.bounding_box()["height"] >= 44 and label.bounding_box()["width"] >= 44
    label.click()
    expect(card.locator("input[type=checkbox]")).to_be_checked()
    expect(page.locator("thead")).not_to_be_in_viewport()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_marking_a_meeting_held_before_its_date_asks_first(desktop, live_server, sign_in):
    street = factories.street()
    meeting = agenda.create_meeting(
        user=street.users["secretary"],
        title="下周街区治理联席会议",
        starts_at=timezone.now() + timedelta(days=3),
        place="虹梅街道办事处三楼会议室",
        convener=street.parties["street-office"],
        members=[street.parties["rc-hangtian"]],
    )
    page = desktop
    sign_in(page, "secretary")
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    page.click("button[data-step=hold]")
    expect(page.locator("h1")).to_have_text("会议时间未到，确认已召开？")
    page.click("a[data-step=hold-cancel]")
    expect(page.locator("#meeting-state")).to_have_text("待召开")
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.PLANNED
    page.click("button[data-step=hold]")
    page.click("button[data-step=hold-confirm]")
    expect(page.locator("#meeting-state")).to_have_text("已召开")
    assert Meeting.objects.get(pk=meeting.pk).state == Meeting.State.HELD

"""A small history computed by hand, for the indicator tests (docs/indicators.md).

Five cases around National Day 2026 (1–7 October off, Saturday 10 October a make-up working
day; office hours 09:00–12:00 and 13:00–18:00):

A  litter, Sep 30: dispatched to 航天新苑 across the holiday; contacted, resolved and
   closed on time; rated satisfied.
B  garbage sorting, Oct 12: contacted late; resolved, reworked twice (the second
   resolution misses its deadline); closed, rated dissatisfied and reopened; dispatched
   again to 永兆, which closes it.
C  corridor clutter, Sep 29: dispatched to 钦北, returned, dispatched to 航天新苑; an
   extension approved before the deadline turns a late resolution into an on-time one.
D  litter found on patrol (no reporter to contact), Oct 15: never resolved, overdue.
E  litter, Oct 12: rejected.
"""

import time_machine

from cases import workflow
from cases.models import Case
from cases.workflow import Actor
from tests.factories import act, aware, new_case

# The moment the story's tests read as "now": after the story, so D is overdue and October
# is a past month, whatever the day the suite runs (the clock keeps ticking from here).
AFTER_THE_STORY = aware(2026, 12, 1, 10, 0)


def after_the_story():
    """A context that holds the clock just after the story (it keeps ticking)."""
    return time_machine.travel(AFTER_THE_STORY, tick=True)


def build(street):
    p = street.parties
    hangtian, yongzhao, qinbei = p["rc-hangtian"], p["rc-yongzhao"], p["rc-qinbei"]

    a = new_case(street, "litter", at=aware(2026, 9, 30, 16, 0))
    a = act(street, a, "dispatch", "dispatcher", lead_party=hangtian, at=aware(2026, 9, 30, 16, 30))
    # 1.5 working hours on 30 Sep, then the holiday, then 2.5 hours on 8 Oct.
    assert a.contact_due == a.resolve_due == aware(2026, 10, 8, 11, 30)
    a = act(street, a, "accept", "hangtian", at=aware(2026, 9, 30, 17, 0))
    a = act(street, a, "contact", "hangtian", note="已联系", at=aware(2026, 10, 8, 10, 0))
    a = act(street, a, "resolve", "hangtian", note="已清理", at=aware(2026, 10, 8, 11, 0))
    a = act(street, a, "verify", "inspector", at=aware(2026, 10, 8, 15, 0))
    a = act(street, a, "rate", "reporter", rating="satisfied", at=aware(2026, 10, 8, 16, 0))

    b = new_case(street, "garbage-sorting", at=aware(2026, 10, 12, 9, 0))
    b = act(street, b, "dispatch", "dispatcher", lead_party=hangtian, at=aware(2026, 10, 12, 9, 30))
    assert b.contact_due == aware(2026, 10, 13, 9, 30)
    assert b.resolve_due == aware(2026, 10, 15, 9, 30)
    b = act(street, b, "accept", "hangtian", at=aware(2026, 10, 12, 10, 0))
    b = act(street, b, "contact", "hangtian", note="已联系", at=aware(2026, 10, 13, 10, 0))
    b = act(street, b, "resolve", "hangtian", note="已整改", at=aware(2026, 10, 14, 10, 0))
    b = act(street, b, "rework", "inspector", reason="未到位", at=aware(2026, 10, 14, 14, 0))
    assert b.resolve_due == aware(2026, 10, 19, 14, 0)
    b = act(street, b, "resolve", "hangtian", note="再次整改", at=aware(2026, 10, 20, 10, 0))
    b = act(street, b, "rework", "inspector", reason="仍未到位", at=aware(2026, 10, 20, 15, 0))
    assert b.resolve_due == aware(2026, 10, 23, 15, 0)
    b = act(street, b, "resolve", "hangtian", note="已整改", at=aware(2026, 10, 21, 11, 0))
    b = act(street, b, "verify", "inspector", at=aware(2026, 10, 21, 16, 0))
    b = act(street, b, "rate", "reporter", rating="dissatisfied", at=aware(2026, 10, 21, 17, 0))
    b = act(street, b, "reopen", "reporter", reason="又出现了", at=aware(2026, 10, 22, 9, 0))
    b = act(street, b, "dispatch", "dispatcher", lead_party=yongzhao, at=aware(2026, 10, 22, 10, 0))
    assert b.contact_due == aware(2026, 10, 23, 10, 0)
    assert b.resolve_due == aware(2026, 10, 27, 10, 0)
    b = act(street, b, "accept", "yongzhao", at=aware(2026, 10, 22, 10, 30))
    b = act(street, b, "contact", "yongzhao", note="已联系", at=aware(2026, 10, 22, 11, 0))
    b = act(street, b, "resolve", "yongzhao", note="已处理", at=aware(2026, 10, 23, 16, 0))
    b = act(street, b, "verify", "inspector", at=aware(2026, 10, 26, 10, 0))

    c = new_case(street, "corridor-clutter", at=aware(2026, 9, 29, 10, 0))
    c = act(street, c, "dispatch", "dispatcher", lead_party=qinbei, at=aware(2026, 9, 29, 10, 30))
    c = act(street, c, "return", "qinbei", reason="不是本社区", at=aware(2026, 9, 29, 11, 0))
    c = act(street, c, "dispatch", "dispatcher", lead_party=hangtian, at=aware(2026, 9, 29, 14, 0))
    assert c.contact_due == aware(2026, 9, 30, 14, 0)
    assert c.resolve_due == aware(2026, 10, 9, 14, 0)
    c = act(street, c, "accept", "hangtian", at=aware(2026, 9, 29, 15, 0))
    c = act(street, c, "contact", "hangtian", note="已联系", at=aware(2026, 9, 29, 16, 0))
    c = act(
        street,
        c,
        "request_extension",
        "hangtian",
        deadline=aware(2026, 10, 16, 18, 0),
        reason="需协调物业",
        at=aware(2026, 10, 8, 10, 0),
    )
    c = act(street, c, "approve_extension", "dispatcher", at=aware(2026, 10, 8, 11, 0))
    c = act(street, c, "resolve", "hangtian", note="已清理", at=aware(2026, 10, 13, 10, 0))
    c = act(street, c, "verify", "inspector", at=aware(2026, 10, 13, 15, 0))
    c = act(street, c, "rate", "reporter", rating="basic", at=aware(2026, 10, 13, 16, 0))

    d = workflow.file_case(
        actor=Actor.staff(street.users["inspector"]),
        category=street.categories["litter"],
        description="巡查发现暴露垃圾",
        channel=Case.Channel.PATROL,
        area=street.areas["compound-qinbei-1"],
        at=aware(2026, 10, 15, 16, 0),
        route=False,
    )
    d = act(
        street, d, "dispatch", "dispatcher", lead_party=hangtian, at=aware(2026, 10, 15, 16, 15)
    )
    assert d.resolve_due == aware(2026, 10, 16, 11, 15)
    d = act(street, d, "accept", "hangtian", at=aware(2026, 10, 15, 16, 30))

    e = new_case(street, "litter", at=aware(2026, 10, 12, 11, 0))
    act(street, e, "reject", "dispatcher", reason="重复", at=aware(2026, 10, 12, 11, 30))

"""A second history computed by hand (docs/indicators.md, design §8): the edges of the clocks.

November 2026 has no holiday; office hours 09:00–12:00 and 13:00–18:00; 2 November is a
Monday. Litter: contact and resolve within 4 working hours. Blocked fire escape: urgent, its
limits run in calendar hours (contact 2 h, resolve 8 h), and in 航天新苑's compound its routing
rule dispatches it to the property company (虹梅物业, the residents' committee as co-party)
the moment it is filed.

F  litter, Mon 2 Nov 09:00, dispatched to 航天新苑 (deadlines Mon 14:00), accepted 09:30 and
   escalated at 10:00, mid-round: that round's deadlines are not assessed. The meeting's
   decision (Tue 3 Nov 10:00) gives it to 城管 with its own deadline, Thu 5 Nov 10:00, and
   starts a new round (contact by Tue 15:00). Contacted Tue 11:00; resolved Thu 10:00, on the
   deadline's own minute: on time. Closed Thu 11:00; rated satisfied.
G  litter, Mon 2 Nov 09:00, dispatched to 钦北 (deadlines Mon 14:00), returned at 15:00 after
   both passed: both count, missed, for 钦北. Dispatched to 航天新苑 Tue 09:00 (deadlines Tue
   14:00), contacted 10:00 and resolved 11:00 (both on time), closed 12:00.
H  fire escape, Fri 6 Nov 16:00 (contact by 18:00, resolve by Sat 7 Nov 00:00 in calendar
   hours), contacted 17:00; resolved Sat 01:00: late, though in working hours it would still
   be Friday's. Closed Mon 9 Nov 09:30; rated dissatisfied.
I  fire escape, Fri 13 Nov 16:00 (contact by 18:00, resolve by Sat 14 Nov 00:00), nothing
   done. The figures are read at Sat 14 Nov 00:00, exactly the resolution deadline: it has
   passed unmet and counts; a second earlier it does not yet.
"""

from datetime import date, timedelta

import pytest
import time_machine

from cases import indicators, rollup
from cases.indicators import Selection
from tests.factories import act, aware, new_case, tiny_photo

NOVEMBER = Selection(date(2026, 11, 2), date(2026, 11, 14))
THE_END = aware(2026, 11, 14, 0, 0)


@pytest.fixture
def story(street):
    p = street.parties
    hangtian, qinbei, cityops = p["rc-hangtian"], p["rc-qinbei"], p["cityops"]
    company = p["property-hongmei"]

    f = new_case(street, "litter", at=aware(2026, 11, 2, 9, 0))
    f = act(street, f, "dispatch", "dispatcher", lead_party=hangtian, at=aware(2026, 11, 2, 9, 0))
    assert f.contact_due == f.resolve_due == aware(2026, 11, 2, 14, 0)
    f = act(street, f, "accept", "hangtian", at=aware(2026, 11, 2, 9, 30))
    f = act(street, f, "escalate", "hangtian", reason="需多部门协调", at=aware(2026, 11, 2, 10, 0))
    f = act(
        street,
        f,
        "decide",
        "secretary",
        lead_party=cityops,
        deadline=aware(2026, 11, 5, 10, 0),
        at=aware(2026, 11, 3, 10, 0),
    )
    assert f.contact_due == aware(2026, 11, 3, 15, 0)
    assert f.resolve_due == aware(2026, 11, 5, 10, 0)
    f = act(street, f, "accept", "cityops", at=aware(2026, 11, 3, 10, 30))
    f = act(street, f, "contact", "cityops", note="已联系", at=aware(2026, 11, 3, 11, 0))
    f = act(street, f, "resolve", "cityops", note="已清理", at=aware(2026, 11, 5, 10, 0))
    f = act(street, f, "verify", "inspector", at=aware(2026, 11, 5, 11, 0))
    act(street, f, "rate", "reporter", rating="satisfied", at=aware(2026, 11, 5, 12, 0))

    g = new_case(street, "litter", at=aware(2026, 11, 2, 9, 0))
    g = act(street, g, "dispatch", "dispatcher", lead_party=qinbei, at=aware(2026, 11, 2, 9, 0))
    g = act(street, g, "return", "qinbei", reason="不属本居委", at=aware(2026, 11, 2, 15, 0))
    g = act(street, g, "dispatch", "dispatcher", lead_party=hangtian, at=aware(2026, 11, 3, 9, 0))
    assert g.resolve_due == aware(2026, 11, 3, 14, 0)
    g = act(street, g, "accept", "hangtian", at=aware(2026, 11, 3, 9, 30))
    g = act(street, g, "contact", "hangtian", note="已联系", at=aware(2026, 11, 3, 10, 0))
    g = act(street, g, "resolve", "hangtian", note="已清理", at=aware(2026, 11, 3, 11, 0))
    act(street, g, "verify", "inspector", at=aware(2026, 11, 3, 12, 0))

    h = new_case(street, "fire-escape", at=aware(2026, 11, 6, 16, 0), route=True)
    assert h.lead_party == company
    assert h.resolve_due == aware(2026, 11, 7, 0, 0)
    h = act(street, h, "accept", "property", at=aware(2026, 11, 6, 16, 30))
    h = act(street, h, "contact", "property", note="已联系", at=aware(2026, 11, 6, 17, 0))
    h = act(
        street,
        h,
        "resolve",
        "property",
        note="已清通",
        photos=[tiny_photo()],
        open_shares_reason="居委会协助部分已一并完成",
        at=aware(2026, 11, 7, 1, 0),
    )
    h = act(street, h, "verify", "inspector", at=aware(2026, 11, 9, 9, 30))
    act(street, h, "rate", "reporter", rating="dissatisfied", at=aware(2026, 11, 9, 10, 0))

    i = new_case(street, "fire-escape", at=aware(2026, 11, 13, 16, 0), route=True)
    assert i.resolve_due == THE_END
    return street


def total_at(moment):
    """The figures as of `moment`, replayed from every case and read from the roll-up: the
    two must agree."""
    with time_machine.travel(moment, tick=False):
        replayed = indicators.recompute(NOVEMBER, ("total", "party"), now=moment)
        rollup.rebuild(now=moment)
        assert indicators.figures(NOVEMBER, ("total", "party"), now=moment) == replayed
        return replayed


def test_the_edges_of_the_clocks_in_one_month(story):
    figures = total_at(THE_END)
    total = figures["total"]
    pairs = {
        # F, G, H, I.
        "filed": total.filed,
        # Met: F's decided deadline (on its minute), G's second round. Missed: G's first
        # round (returned after it passed), H (late in calendar hours), I (exactly now).
        # Not assessed: F's escalated first round.
        "on_time": (total.on_time.numerator, total.on_time.denominator),
        # Met: F's second round, G's second round, H. Missed: G's first round, I (18:00).
        "first_contact": (total.first_contact.numerator, total.first_contact.denominator),
        # Intakes F, G, H, I; closures F, G, H.
        "closure": (total.closure.numerator, total.closure.denominator),
        # Dispatches: F twice (dispatch, decide), G twice, H and I once each; 钦北 returned one.
        "return": (total.return_rate.numerator, total.return_rate.denominator),
        # F satisfied, H dissatisfied.
        "satisfaction": (total.satisfaction.numerator, total.satisfaction.denominator),
        "rework": (total.rework.numerator, total.rework.denominator),
    }
    assert pairs == {
        "filed": 4,
        "on_time": (2, 5),
        "first_contact": (3, 5),
        "closure": (3, 4),
        "return": (1, 6),
        "satisfaction": (1, 2),
        "rework": (0, 3),
    }
    qinbei = figures["party"][story.parties["rc-qinbei"].pk]
    # 钦北's missed deadlines are its own: it had the case when they passed.
    assert (qinbei.on_time.numerator, qinbei.on_time.denominator) == (0, 1)
    assert (qinbei.first_contact.numerator, qinbei.first_contact.denominator) == (0, 1)
    cityops = figures["party"][story.parties["cityops"].pk]
    assert (cityops.on_time.numerator, cityops.on_time.denominator) == (1, 1)  # F, decided
    company = figures["party"][story.parties["property-hongmei"].pk]
    assert (company.on_time.numerator, company.on_time.denominator) == (0, 2)  # H, I
    hangtian = figures["party"][story.parties["rc-hangtian"].pk]
    # G's second round; F's escalated round was 航天新苑's and is not counted.
    assert (hangtian.on_time.numerator, hangtian.on_time.denominator) == (1, 1)


def test_a_second_before_the_deadline_it_is_not_yet_counted(story):
    total = total_at(THE_END - timedelta(seconds=1))["total"]
    assert (total.on_time.numerator, total.on_time.denominator) == (2, 4)

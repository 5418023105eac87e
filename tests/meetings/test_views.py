"""The meeting pages: who sees which meeting (404 otherwise), who may change it (403
otherwise), forms that show refusals next to the field, and a fixed number of queries."""

import re
from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import State
from meetings import agenda, minutes
from meetings.models import AgendaItem, Decision, Meeting
from tests.meetings.helpers import (
    decide,
    escalated,
    fresh,
    hold,
    meeting_with_decided_case,
    plan,
    secretary,
)
from tests.portal.helpers import signed_in


def url(meeting, rest=""):
    return f"/staff/meetings/{meeting.pk}/{rest}"


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_handler_of_a_party_outside_the_meeting_gets_404(client, street):
    meeting, item, _decision = meeting_with_decided_case(street)
    signed_in(client, street, "qinbei")
    for path in ("", "agenda/", "minutes/", "edit/"):
        assert client.get(url(meeting, path)).status_code == 404, path
    assert client.post(url(meeting, "hold/")).status_code == 404
    assert client.post(url(meeting, f"items/{item.pk}/minutes/")).status_code == 404
    listing = client.get("/staff/meetings/").content.decode()
    assert url(meeting) not in listing
    assert client.get("/staff/meetings/decisions/?show=all").context["page"].items == []


def test_member_parties_and_street_wide_roles_read_but_do_not_change(client, street):
    meeting, item, _decision = meeting_with_decided_case(street)
    for username in ("hangtian", "dispatcher", "inspector"):
        signed_in(client, street, username)
        page = client.get(url(meeting))
        assert page.status_code == 200, username
        assert 'data-action="decide"' not in page.content.decode()
        assert client.get(url(meeting, "minutes/")).status_code == 200
        assert client.get(url(meeting, "edit/")).status_code == 403
        assert client.post(url(meeting, "approve/")).status_code == 403
        response = client.post(
            url(meeting, f"items/{item.pk}/minutes/"), {f"minutes-{item.pk}-minutes": "x"}
        )
        assert response.status_code == 403
        assert client.get("/staff/meetings/new/").status_code == 403
    assert fresh(meeting).state == Meeting.State.HELD


def test_the_secretary_plans_a_meeting_through_the_form(client, street):
    signed_in(client, street, "secretary")
    form = client.get("/staff/meetings/new/")
    assert form.status_code == 200
    office = street.parties["street-office"]
    refused = client.post(
        "/staff/meetings/new/", {"title": "", "place": "会议室", "convener": office.pk}
    )
    assert refused.status_code == 400
    assert "请填写会议名称。" in refused.content.decode() and "会议室" in refused.content.decode()
    response = client.post(
        "/staff/meetings/new/",
        {
            "title": "12月街区治理联席会议",
            "starts_at": local(timezone.now() + timedelta(days=2)),
            "place": "街道三楼会议室",
            "convener": office.pk,
            "members": [street.parties["rc-hangtian"].pk, street.parties["merchants"].pk],
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == url(meeting)
    assert meeting.created_by == street.users["secretary"]
    assert set(meeting.members.values_list("code", flat=True)) == {"rc-hangtian", "merchants"}


def test_the_secretary_runs_a_meeting_through_the_pages(client, street):
    case = escalated(street)
    meeting = plan(street)
    signed_in(client, street, "secretary")
    page = client.get(url(meeting)).content.decode()
    assert f'data-add-case="{case.number}"' in page
    response = client.post(url(meeting, "agenda/cases/"), {"number": case.number})
    item = meeting.items.get()
    assert response.status_code == 302 and response.url.endswith(f"#item-{item.pk}")
    # Planned for a later date: holding it asks first, then holds on confirmation.
    asked = client.post(url(meeting, "hold/"))
    assert asked.status_code == 200 and "会议时间未到，确认已召开？" in asked.content.decode()
    assert fresh(meeting).state == Meeting.State.PLANNED
    client.post(url(meeting, "hold/"), {"confirm": "early"})
    assert fresh(meeting).state == Meeting.State.HELD
    client.post(url(meeting, f"items/{item.pk}/minutes/"), {f"minutes-{item.pk}-minutes": "纪要"})
    prefix = f"decide-{item.pk}"
    refused = client.post(
        url(meeting, f"items/{item.pk}/decide/"),
        {
            f"{prefix}-lead_party": street.parties["cityops"].pk,
            f"{prefix}-deadline": local(timezone.now() - timedelta(days=1)),
            f"{prefix}-measures": "联合整治",
        },
    )
    assert refused.status_code == 400
    html = refused.content.decode()
    assert "期限必须晚于当前时间。" in html and "联合整治" in html
    assert f'id="decide-{item.pk}" open' in html
    deadline = timezone.now() + timedelta(days=5)
    client.post(
        url(meeting, f"items/{item.pk}/decide/"),
        {
            f"{prefix}-lead_party": street.parties["cityops"].pk,
            f"{prefix}-co_parties": [street.parties["rc-yongzhao"].pk],
            f"{prefix}-deadline": local(deadline),
            f"{prefix}-measures": "联合整治",
        },
    )
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.lead_party == street.parties["cityops"]
    assert local(case.resolve_due) == local(deadline)
    client.post(url(meeting, "approve/"))
    assert fresh(meeting).state == Meeting.State.APPROVED
    item.refresh_from_db()
    assert item.minutes == "纪要"
    minutes_page = client.get(url(meeting, "minutes/")).content.decode()
    assert "虹梅城管执法中队" in minutes_page and "会议纪要" in minutes_page


def test_a_decision_without_a_lead_party_is_refused_next_to_the_field(client, street):
    meeting = plan(street)
    item = agenda.add_topic(meeting, user=secretary(street), title="店招整治")
    hold(street, meeting)
    signed_in(client, street, "secretary")
    response = client.post(
        url(meeting, f"items/{item.pk}/decide/"),
        {f"decide-{item.pk}-deadline": local(timezone.now() + timedelta(days=3))},
    )
    assert response.status_code == 400
    assert "请选择主办单位。" in response.content.decode()
    assert not Decision.objects.exists()


def test_approving_with_an_undecided_case_says_which_one(client, street):
    case = escalated(street)
    meeting = plan(street)
    agenda.add_case(meeting, case, user=secretary(street))
    hold(street, meeting)
    signed_in(client, street, "secretary")
    page = client.post(url(meeting, "approve/"), follow=True).content.decode()
    assert case.number in page
    assert fresh(meeting).state == Meeting.State.HELD


def test_a_lead_partys_handler_marks_its_task_done_from_the_decisions_page(client, street):
    meeting = plan(street)
    topic = agenda.add_topic(meeting, user=secretary(street), title="共享单车停放")
    hold(street, meeting)
    task = decide(street, topic, lead="cityops", co=())
    signed_in(client, street, "cityops")
    page = client.get("/staff/meetings/decisions/").content.decode()
    assert 'data-action="done"' in page
    client.post(f"/staff/meetings/decisions/{task.pk}/done/", {f"done-{task.pk}-note": "已施划"})
    task.refresh_from_db()
    assert task.is_done and task.done_note == "已施划"
    signed_in(client, street, "qinbei")
    assert client.post(f"/staff/meetings/decisions/{task.pk}/done/").status_code == 404


def test_the_supervisors_queue_shows_overdue_decisions(client, street):
    meeting = plan(street)
    topic = agenda.add_topic(meeting, user=secretary(street), title="店招集中整治")
    hold(street, meeting)
    task = decide(street, topic, lead="cityops", co=())
    Decision.objects.filter(pk=task.pk).update(deadline=timezone.now() - timedelta(days=1))
    signed_in(client, street, "supervisor")
    page = client.get("/staff/").content.decode()
    assert 'id="overdue-decisions"' in page and f'data-decision="{task.pk}"' in page
    signed_in(client, street, "dispatcher")
    assert 'id="overdue-decisions"' not in client.get("/staff/").content.decode()


def queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx)


def test_a_meetings_page_runs_the_same_queries_however_long_the_agenda(client, street):
    short, long = plan(street), plan(street)
    for meeting in (short, long):
        hold(street, meeting)
    for meeting, topics in ((short, 1), (long, 4)):
        item = agenda.add_case(meeting, escalated(street), user=secretary(street))
        decide(street, item)
        for n in range(topics):
            topic = agenda.add_topic(meeting, user=secretary(street), title=f"议题{n}")
            decide(street, topic, lead="merchants", co=("cityops", "market"))
    for username in ("secretary", "hangtian"):
        signed_in(client, street, username)
        client.get(url(short))
        for path in ("", "minutes/", "agenda/"):
            assert queries(client, url(short, path)) == queries(client, url(long, path)), path
        assert queries(client, url(long)) <= 16


def test_the_lists_run_a_fixed_number_of_queries(client, street):
    for _ in range(2):
        meeting, _item, _decision = meeting_with_decided_case(street)
        minutes.approve(meeting, user=secretary(street))
    signed_in(client, street, "supervisor")
    client.get("/staff/meetings/")
    few = queries(client, "/staff/meetings/decisions/?show=all")
    for _ in range(2):
        meeting, _item, _decision = meeting_with_decided_case(street)
    assert queries(client, "/staff/meetings/decisions/?show=all") == few
    assert queries(client, "/staff/meetings/") <= 8


def test_printed_minutes_are_in_chinese_with_the_decisions_table(client, street):
    meeting, item, decision = meeting_with_decided_case(street, lead="cityops", co=("market",))
    signed_in(client, street, "secretary")
    client.cookies["django_language"] = "en"
    html = client.get(url(meeting, "minutes/"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="zh-hans">' in html
    table = html[html.index('class="sheet-decisions"') :]
    for text in (item.title, "虹梅城管执法中队", "虹梅市场监管所", local(decision.deadline)[:10]):
        assert text in table, text
    assert "主办单位" in table and "协办单位" in table
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1


def test_a_meeting_whose_time_has_come_is_held_without_asking(client, street):
    meeting = plan(street, days=-1)
    signed_in(client, street, "secretary")
    response = client.post(url(meeting, "hold/"))
    assert response.status_code == 302 and response.url == url(meeting)
    assert fresh(meeting).state == Meeting.State.HELD


def test_only_those_who_change_meetings_are_asked_to_confirm(client, street):
    meeting = plan(street, members=("rc-hangtian",))
    signed_in(client, street, "hangtian")
    assert client.post(url(meeting, "hold/"), {"confirm": "early"}).status_code == 403
    assert fresh(meeting).state == Meeting.State.PLANNED


def test_decision_co_parties_are_check_boxes(client, street):
    case = escalated(street)
    meeting = plan(street, days=-1)
    agenda.add_case(meeting, case, user=street.users["secretary"])
    signed_in(client, street, "secretary")
    client.post(url(meeting, "hold/"))
    page = client.get(url(meeting)).content.decode()
    assert re.search(r'<input type="checkbox" name="decide-\d+-co_parties"', page)
    assert not re.search(r'<select name="decide-\d+-co_parties"', page)


def test_the_meeting_forms_drop_control_characters(client, street):
    meeting = plan(street)
    signed_in(client, street, "secretary")
    response = client.post(
        url(meeting, "edit/"),
        {
            "title": "联席\x00会议\x07",
            "starts_at": local(meeting.starts_at),
            "place": "三楼\x1b会议室",
            "convener": meeting.convener_id,
            "members": [street.parties["rc-hangtian"].pk],
        },
    )
    assert response.status_code == 302
    assert (fresh(meeting).title, fresh(meeting).place) == ("联席会议", "三楼会议室")

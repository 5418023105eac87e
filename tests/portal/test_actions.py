"""Actions from the case page: each posts to staff:case_action, goes through perform(),
and comes back in place (htmx) or as a redirect (no JavaScript); refusals are shown next to
the field with what was typed kept."""

from cases.models import Attachment, Event, State
from tests import factories
from tests.portal.helpers import signed_in, upload


def action_url(case, name):
    return f"/staff/cases/{case.number}/actions/{name}/"


def test_dispatcher_dispatches_without_javascript(client, street):
    case = factories.new_case(street)
    cityops = street.parties["cityops"]
    signed_in(client, street, "dispatcher")
    response = client.post(
        action_url(case, "dispatch"),
        {"dispatch-lead_party": cityops.pk, "dispatch-note": "请尽快处理"},
    )
    assert response.status_code == 302 and response.url == f"/staff/cases/{case.number}/"
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.lead_party == cityops
    event = case.events.get(kind="dispatch")
    assert event.actor == street.users["dispatcher"] and event.note == "请尽快处理"


def test_dispatch_form_is_prefilled_with_the_routing_suggestion(client, street):
    # Cooking fumes go to market supervision with the enforcement squad (demo rules).
    case = factories.new_case(street, "cooking-fumes", description="油烟直排")
    page = signed_in(client, street, "dispatcher").get(f"/staff/cases/{case.number}/")
    html = page.content.decode()
    market, cityops = street.parties["market"], street.parties["cityops"]
    assert f'<option value="{market.pk}" selected>' in html
    assert f'<option value="{cityops.pk}" selected>' in html


def test_refusal_is_shown_next_to_the_field_and_keeps_what_was_typed(client, street):
    case = factories.new_case(street)
    signed_in(client, street, "dispatcher")
    response = client.post(action_url(case, "dispatch"), {"dispatch-note": "我写的备注"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "请选择主办单位。" in html
    assert "我写的备注" in html
    assert '<details class="action" id="action-dispatch" open>' in html
    case.refresh_from_db()
    assert case.state == State.REPORTED and case.events.count() == 1


def test_htmx_action_swaps_the_case_panel_in_place(client, street):
    case = factories.case_in(street, State.DISPATCHED)
    signed_in(client, street, "hangtian")
    response = client.post(action_url(case, "accept"), {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="case"')
    assert "处置中" in html or "In progress" in html
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS


def test_htmx_refusal_comes_back_in_the_panel_with_status_200(client, street):
    case = factories.case_in(street, State.IN_PROGRESS)
    signed_in(client, street, "hangtian")
    response = client.post(action_url(case, "resolve"), {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="action-resolve" open' in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS


def test_handler_resolves_with_an_evidence_photo(client, street):
    case = factories.case_in(street, State.IN_PROGRESS, category="cooking-fumes")
    factories.act(street, case, "report_share", "yongzhao", note="已配合检查")
    signed_in(client, street, "hangtian")
    refused = client.post(action_url(case, "resolve"), {"resolve-note": "已整改"})
    assert refused.status_code == 400
    assert "该类别反馈处置结果时须上传处置照片。" in refused.content.decode()
    response = client.post(
        action_url(case, "resolve"), {"resolve-note": "已整改", "resolve-photos": [upload()]}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    evidence = case.attachments.get(kind=Attachment.Kind.EVIDENCE)
    assert evidence.event.kind == "resolve" and evidence.content_type == "image/jpeg"


def test_standard_reply_is_used_when_the_text_is_left_empty(client, street):
    case = factories.case_in(street, State.IN_PROGRESS)
    reply = case.category.standard_replies.first()
    signed_in(client, street, "hangtian")
    client.post(action_url(case, "contact"), {"contact-note": "", "contact-reply": reply.pk})
    assert case.events.get(kind="contact").note == reply.text


def test_reject_as_duplicate_needs_a_case_that_exists(client, street):
    original = factories.new_case(street)
    case = factories.new_case(street)
    signed_in(client, street, "dispatcher")
    response = client.post(
        action_url(case, "reject"),
        {"reject-reason": "重复报告", "reject-duplicate_of": "HM-1999-000001"},
    )
    assert response.status_code == 400
    assert "没有这个编号的案件。" in response.content.decode()
    client.post(
        action_url(case, "reject"),
        {"reject-reason": "重复报告", "reject-duplicate_of": original.number.lower()},
    )
    case.refresh_from_db()
    assert case.state == State.REJECTED and case.duplicate_of == original


def test_contact_is_masked_for_handlers_and_showing_it_is_recorded(client, street):
    case = factories.case_in(street, State.IN_PROGRESS)
    signed_in(client, street, "hangtian")
    html = client.get(f"/staff/cases/{case.number}/").content.decode()
    assert "138****8000" in html and "13800138000" not in html
    response = client.post(action_url(case, "show_contact"))
    assert response.status_code == 302
    event = case.events.get(kind="show_contact")
    assert event.actor == street.users["hangtian"]
    assert "13800138000" not in event.note + str(event.data)
    assert "13800138000" in client.get(f"/staff/cases/{case.number}/").content.decode()
    dispatcher_view = signed_in(client, street, "dispatcher").get(f"/staff/cases/{case.number}/")
    assert "13800138000" in dispatcher_view.content.decode()


def test_returning_a_case_takes_the_handler_back_to_the_queue(client, street):
    case = factories.case_in(street, State.DISPATCHED)
    signed_in(client, street, "hangtian")
    response = client.post(action_url(case, "return"), {"return-reason": "不属于本单位"})
    assert response.status_code == 302 and response.url == "/staff/"
    htmx_case = factories.case_in(street, State.DISPATCHED)
    response = client.post(
        action_url(htmx_case, "return"), {"return-reason": "不属于本单位"}, HTTP_HX_REQUEST="true"
    )
    assert response["HX-Redirect"] == "/staff/"


def test_action_page_works_as_a_link_of_its_own(client, street):
    case = factories.case_in(street, State.RESOLVED)
    signed_in(client, street, "inspector")
    page = client.get(action_url(case, "rework")).content.decode()
    assert 'name="rework-reason"' in page
    signed_in(client, street, "hangtian")
    page = client.get(action_url(case, "rework")).content.decode()
    assert 'name="rework-reason"' not in page


def test_timeline_and_deadlines_are_shown(client, street):
    case = factories.case_in(street, State.IN_PROGRESS)
    page = signed_in(client, street, "hangtian").get(f"/staff/cases/{case.number}/")
    html = page.content.decode()
    for kind in ("file", "dispatch", "accept"):
        assert f'data-kind="{kind}"' in html
    assert "工作小时" in html


def test_inspector_files_a_case_from_patrol(client, street):
    signed_in(client, street, "inspector")
    area = street.areas["compound-hangtian-2"]
    missing = client.post("/staff/cases/new/", {"category": street.categories["noise"].pk})
    assert missing.status_code == 200 and 'class="field has-error"' in missing.content.decode()
    response = client.post(
        "/staff/cases/new/",
        {
            "category": street.categories["noise"].pk,
            "description": "巡查发现夜间施工噪声",
            "area": area.pk,
            "priority": "normal",
            "photos": [upload()],
        },
    )
    event = Event.objects.filter(kind="file").latest("id")
    case = event.case
    assert response.status_code == 302 and response.url == f"/staff/cases/{case.number}/"
    assert case.channel == "patrol" and case.area == area and event.actor_role == "inspector"
    assert case.attachments.count() == 1


def test_handlers_cannot_file_cases(client, street):
    assert signed_in(client, street, "hangtian").get("/staff/cases/new/").status_code == 403

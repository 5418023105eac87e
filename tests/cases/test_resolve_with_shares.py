"""The lead party resolves once every co-party has reported on its share, or says why it
resolves without them (design §6; docs/workflow.md, "Rules beyond the table")."""

import pytest
from django.utils import translation

from cases import workflow
from cases.models import State
from tests import factories
from tests.portal.helpers import buttons, signed_in


def in_progress_with_share(street):
    """In progress with 航天新苑居委 as lead party and 永兆居委 as co-party."""
    case = factories.new_case(street)
    case = factories.act(
        street,
        case,
        "dispatch",
        "dispatcher",
        lead_party=street.parties["rc-hangtian"],
        co_parties=[street.parties["rc-yongzhao"]],
    )
    return factories.act(street, case, "accept", "hangtian")


def test_resolving_with_an_unreported_share_asks_why(street):
    case = in_progress_with_share(street)
    with translation.override("zh-hans"), pytest.raises(workflow.MissingInput) as refused:
        factories.act(street, case, "resolve", "hangtian", note="已处置")
    assert refused.value.field == "open_shares_reason"
    assert "永兆居委会" in str(refused.value)
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS and not case.events.filter(kind="resolve").exists()


def test_resolving_after_every_share_is_reported_needs_no_explanation(street):
    case = in_progress_with_share(street)
    factories.act(street, case, "report_share", "yongzhao", note="已配合清理")
    case = factories.act(street, case, "resolve", "hangtian", note="已处置")
    assert case.state == State.RESOLVED
    assert "open_shares" not in case.events.get(kind="resolve").data


def test_the_lead_party_may_resolve_without_the_report_when_it_says_why(street):
    case = in_progress_with_share(street)
    case = factories.act(
        street,
        case,
        "resolve",
        "hangtian",
        note="已处置",
        open_shares_reason="永兆居委会负责的部分已由我方一并完成",
    )
    event = case.events.get(kind="resolve")
    assert case.state == State.RESOLVED
    assert event.note == "已处置"
    assert event.data["open_shares"] == [street.parties["rc-yongzhao"].pk]
    assert event.data["open_shares_reason"] == "永兆居委会负责的部分已由我方一并完成"


def test_a_withdrawn_share_does_not_hold_up_the_resolution(street):
    case = in_progress_with_share(street)
    case = factories.act(
        street,
        case,
        "reassign",
        "dispatcher",
        lead_party=street.parties["cityops"],
        reason="改派城管",
    )
    case = factories.act(street, case, "accept", "cityops")
    assert factories.act(street, case, "resolve", "cityops", note="已处置").state == "resolved"


def test_the_portal_asks_for_the_reason_only_while_a_share_is_unreported(client, street):
    case = in_progress_with_share(street)
    signed_in(client, street, "hangtian")
    html = client.get(f"/staff/cases/{case.number}/").content.decode()
    assert 'name="resolve-open_shares_reason"' in html
    response = client.post(
        f"/staff/cases/{case.number}/actions/resolve/", {"resolve-note": "已处置"}
    )
    assert response.status_code == 400
    assert "永兆居委会" in response.content.decode()
    response = client.post(
        f"/staff/cases/{case.number}/actions/resolve/",
        {"resolve-note": "已处置", "resolve-open_shares_reason": "协办部分已一并完成"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    other = in_progress_with_share(street)
    factories.act(street, other, "report_share", "yongzhao", note="已完成")
    html = client.get(f"/staff/cases/{other.number}/").content.decode()
    assert "open_shares_reason" not in html


def test_a_co_partys_handler_sees_the_report_button_and_the_shares_status(client, street):
    case = in_progress_with_share(street)
    signed_in(client, street, "yongzhao")
    html = client.get(f"/staff/cases/{case.number}/").content.decode()
    assert "report_share" in buttons(html)
    assert 'data-share="rc-yongzhao"' in html and "未反馈" in html
    client.post(
        f"/staff/cases/{case.number}/actions/report_share/", {"report_share-note": "已清理"}
    )
    html = client.get(f"/staff/cases/{case.number}/").content.decode()
    assert "report_share" not in buttons(html)
    assert "已反馈" in html and "已清理" in html

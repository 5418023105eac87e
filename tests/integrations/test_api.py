"""The staff REST API at /api/: scope as in the portal, filters, cursor pages, actions through
the workflow with its refusals as HTTP statuses, read-only configuration, schema and docs."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from cases.models import Case, Event, State
from tests import factories

# ---------------------------------------------------------------------------- who may call


def test_anonymous_callers_are_refused_everywhere(street):
    client = APIClient()
    for path in ("/api/cases/", "/api/categories/", "/api/parties/", "/api/areas/"):
        assert client.get(path).status_code == 401


def test_a_signed_in_user_without_membership_is_refused(street, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="x")
    client = APIClient()
    client.force_authenticate(nobody)
    assert client.get("/api/cases/").status_code == 403
    assert client.get("/api/categories/").status_code == 403


def test_session_authentication_works_with_csrf(street):
    case = factories.case_in(street, State.DISPATCHED)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(street.users["hangtian"])
    assert client.get(f"/api/cases/{case.number}/").status_code == 200
    # A session without its CSRF token cannot act.
    assert client.post(f"/api/cases/{case.number}/actions/accept/").status_code == 403
    assert Case.objects.get(pk=case.pk).state == State.DISPATCHED


# ---------------------------------------------------------------------------- scope


def numbers(response):
    return {c["number"] for c in response.json()["results"]}


def test_a_handlers_token_sees_only_the_cases_of_their_party(street, api_as):
    ours = factories.case_in(street, State.DISPATCHED)  # 航天新苑 leads, 永兆 co-party
    theirs = factories.new_case(street, "noise")
    factories.act(street, theirs, "dispatch", "dispatcher", lead_party=street.parties["rc-qinbei"])
    waiting = factories.new_case(street)
    assert numbers(api_as("hangtian").get("/api/cases/")) == {ours.number}
    assert numbers(api_as("yongzhao").get("/api/cases/")) == {ours.number}
    assert numbers(api_as("qinbei").get("/api/cases/")) == {theirs.number}
    assert numbers(api_as("market").get("/api/cases/")) == set()
    assert numbers(api_as("dispatcher").get("/api/cases/")) == {
        ours.number,
        theirs.number,
        waiting.number,
    }


def test_a_handlers_token_gets_404_for_another_partys_case(street, api_as):
    theirs = factories.case_in(street, State.DISPATCHED)
    qinbei = api_as("qinbei")
    assert qinbei.get(f"/api/cases/{theirs.number}/").status_code == 404
    assert qinbei.get("/api/cases/HM-2000-000001/").status_code == 404
    response = qinbei.post(f"/api/cases/{theirs.number}/actions/accept/")
    assert response.status_code == 404
    response = qinbei.post(f"/api/cases/{theirs.number}/actions/note/", {"note": "x"})
    assert response.status_code == 404
    assert qinbei.get("/api/cases/", {"number": theirs.number}).json()["results"] == []
    assert not Event.objects.filter(case=theirs, kind="note").exists()


def test_configuration_is_readable_by_every_staff_member(street, api_as):
    hangtian = api_as("hangtian")
    categories = hangtian.get("/api/categories/", {"page_size": 500}).json()["results"]
    assert {c["code"] for c in categories} == set(street.categories)
    signboard = hangtian.get("/api/categories/signboard/").json()
    assert signboard["parent"] == "advertising"
    assert signboard["questions"][0]["code"] == "shop_name"
    party = hangtian.get("/api/parties/rc-qinbei/").json()
    assert party == {
        "code": "rc-qinbei",
        "name": "钦北居委会",
        "name_en": "Qinbei Residents' Committee",
        "kind": "residents_committee",
        "area": "community-qinbei",
        "is_active": True,
    }
    area = hangtian.get("/api/areas/compound-hangtian-2/").json()
    assert area["parent"] == "community-hangtian"
    assert area["boundary"]["type"] == "Polygon"


def test_configuration_is_read_only(street, api_as):
    dispatcher = api_as("dispatcher")
    assert dispatcher.post("/api/categories/", {"code": "x"}).status_code == 405
    assert dispatcher.delete("/api/parties/rc-qinbei/").status_code == 405
    assert dispatcher.put("/api/areas/hongmei/", {}).status_code == 405


# ---------------------------------------------------------------------------- list


def test_cases_filter_like_the_portal(street, api_as):
    dispatched = factories.case_in(street, State.DISPATCHED)
    closed = factories.case_in(street, State.CLOSED)
    noise = factories.new_case(street, "noise", point=(31.162, 121.388))
    api = api_as("dispatcher")

    def found(**params):
        return numbers(api.get("/api/cases/", params))

    assert found(state="closed") == {closed.number}
    assert found(state=["closed", "dispatched"]) == {closed.number, dispatched.number}
    assert found(category="noise") == {noise.number}
    assert found(category="street-order") == {noise.number}  # a main category
    assert found(party="rc-hangtian") == {dispatched.number, closed.number}
    assert found(area="community-hangtian") == {dispatched.number, closed.number}
    assert found(area="hongmei") == {dispatched.number, closed.number, noise.number}
    assert found(channel="web", priority="normal") == {
        dispatched.number,
        closed.number,
        noise.number,
    }
    assert found(number=noise.number) == {noise.number}


def test_the_overdue_filter_uses_the_current_deadline(street, api_as):
    late = factories.case_in(street, State.DISPATCHED, at=timezone.now() - timedelta(days=10))
    fresh = factories.case_in(street, State.DISPATCHED)
    api = api_as("dispatcher")
    assert numbers(api.get("/api/cases/", {"overdue": "true"})) == {late.number}
    assert numbers(api.get("/api/cases/", {"overdue": "false"})) == {fresh.number}


def test_created_filters_take_a_range(street, api_as):
    old = factories.new_case(street, at=timezone.now() - timedelta(days=30))
    new = factories.new_case(street)
    api = api_as("dispatcher")
    cut = (timezone.now() - timedelta(days=1)).isoformat()
    assert numbers(api.get("/api/cases/", {"created_after": cut})) == {new.number}
    assert numbers(api.get("/api/cases/", {"created_before": cut})) == {old.number}


@pytest.mark.parametrize(
    "params",
    [{"state": "lost"}, {"channel": "fax"}, {"area": "at lantis"}, {"created_after": "soon"}],
)
def test_bad_filters_are_400s(street, api_as, params):
    response = api_as("dispatcher").get("/api/cases/", params)
    assert response.status_code == 400


def test_cases_come_in_cursor_pages_newest_first(street, api_as):
    made = [factories.new_case(street) for _ in range(5)]
    api = api_as("dispatcher")
    first = api.get("/api/cases/", {"page_size": 2}).json()
    assert set(first) == {"next", "previous", "results"}  # no COUNT(*)
    assert [c["number"] for c in first["results"]] == [made[4].number, made[3].number]
    second = api.get(first["next"]).json()
    assert [c["number"] for c in second["results"]] == [made[2].number, made[1].number]
    third = api.get(second["next"]).json()
    assert [c["number"] for c in third["results"]] == [made[0].number]
    assert third["next"] is None


def test_the_case_list_costs_the_same_queries_for_more_cases(
    street, api_as, django_assert_num_queries
):
    api = api_as("hangtian")
    for _ in range(2):
        factories.case_in(street, State.DISPATCHED)
    api.get("/api/cases/")  # token and memberships warm nothing across requests
    # The token with its user, the user's memberships, the page of cases.
    with django_assert_num_queries(3):
        response = api.get("/api/cases/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 2
    for _ in range(4):
        factories.case_in(street, State.DISPATCHED)
    with django_assert_num_queries(3):
        response = api.get("/api/cases/")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 6


def test_case_fields_carry_no_reporter_contact(street, api_as):
    case = factories.case_in(street, State.IN_PROGRESS)
    api = api_as("hangtian")
    listed = api.get("/api/cases/").content.decode()
    detail = api.get(f"/api/cases/{case.number}/").content.decode()
    for text in (listed, detail):
        assert "13800138000" not in text and "r@example.com" not in text


# ---------------------------------------------------------------------------- detail


def test_case_detail_has_events_and_the_callers_allowed_actions(street, api_as):
    case = factories.case_in(street, State.DISPATCHED)
    data = api_as("hangtian").get(f"/api/cases/{case.number}/").json()
    assert data["state"] == "dispatched"
    assert data["lead_party"] == "rc-hangtian"
    assert data["co_parties"] == ["rc-yongzhao"]
    assert [e["kind"] for e in data["events"]] == ["file", "dispatch"]
    dispatch = data["events"][1]
    assert dispatch["actor"] == "dispatcher"
    assert dispatch["actor_party"] == "ops-centre"
    assert (dispatch["from_state"], dispatch["to_state"]) == ("reported", "dispatched")
    assert data["allowed_actions"] == [
        "accept",
        "return",
        "note",
        "contact",
        "show_contact",
    ]
    co_party = api_as("yongzhao").get(f"/api/cases/{case.number}/").json()
    assert co_party["allowed_actions"] == ["note", "report_share", "show_contact"]


# ---------------------------------------------------------------------------- actions


def act(api, case, action, expect, **data):
    response = api.post(f"/api/cases/{case.number}/actions/{action}/", data, format="json")
    assert response.status_code == expect, response.content
    return response.json()


def test_actions_move_the_case_exactly_as_the_workflow_does(street, api_as):
    case = factories.new_case(street)
    done = act(
        api_as("dispatcher"),
        case,
        "dispatch",
        200,
        lead_party="rc-hangtian",
        co_parties=["rc-yongzhao"],
        note="请尽快处理",
    )
    assert done["event"]["kind"] == "dispatch"
    assert done["case"]["state"] == "dispatched"
    assert done["case"]["co_parties"] == ["rc-yongzhao"]
    act(api_as("hangtian"), case, "accept", 200)
    deadline = (timezone.now() + timedelta(days=20)).isoformat()
    act(api_as("hangtian"), case, "request_extension", 200, deadline=deadline, reason="等商户")
    act(api_as("dispatcher"), case, "approve_extension", 200)
    body = act(api_as("hangtian"), case, "resolve", 400, note="已清理")
    assert (body["code"], body["field"]) == ("missing_input", "open_shares_reason")
    act(
        api_as("hangtian"),
        case,
        "resolve",
        200,
        note="已清理",
        open_shares_reason="永兆居委会的部分已一并完成",
    )
    done = act(api_as("inspector"), case, "verify", 200)
    assert done["case"]["state"] == "closed"
    kinds = list(
        Case.objects.get(pk=case.pk)
        .events.order_by("created_at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds[-5:] == ["accept", "request_extension", "approve_extension", "resolve", "verify"]
    by = Event.objects.get(case=case, kind="accept")
    assert (by.actor, by.actor_party) == (street.users["hangtian"], street.parties["rc-hangtian"])


@pytest.mark.parametrize(
    ("who", "action", "data", "expect", "code"),
    [
        ("hangtian", "dispatch", {"lead_party": "rc-hangtian"}, 403, "not_permitted"),
        ("dispatcher", "accept", {}, 403, "not_permitted"),
        ("yongzhao", "accept", {}, 403, "not_your_party"),
        ("hangtian", "resolve", {"note": "done"}, 409, "invalid_state"),
        ("hangtian", "return", {}, 400, "missing_input"),
        ("dispatcher", "reassign", {"lead_party": "rc-hangtian", "reason": "x"}, 400,
         "invalid_input"),
        ("hangtian", "fly", {}, 404, "unknown_action"),
        ("hangtian", "accept", {"rating": "satisfied"}, 400, "invalid_input"),
        ("dispatcher", "reassign", {"lead_party": "nobody", "reason": "x"}, 400, "invalid_input"),
    ],
)  # fmt: skip
def test_refusals_are_mapped_to_clear_responses_and_change_nothing(
    street, api_as, who, action, data, expect, code
):
    case = factories.case_in(street, State.DISPATCHED)
    events = case.events.count()
    body = act(api_as(who), case, action, expect, **data)
    assert body["code"] == code
    assert body["detail"]
    after = Case.objects.get(pk=case.pk)
    assert after.state == State.DISPATCHED and after.events.count() == events


def test_a_refusal_names_the_field_at_fault(street, api_as):
    case = factories.case_in(street, State.DISPATCHED)
    body = act(api_as("hangtian"), case, "return", 400)
    assert body == {"code": "missing_input", "detail": "请填写原因。", "field": "reason"}


def test_not_now_is_a_conflict(street, api_as):
    case = factories.case_in(street, State.IN_PROGRESS)
    body = act(api_as("dispatcher"), case, "approve_extension", 409)
    assert body["code"] == "not_now"


def test_rejecting_a_duplicate_names_the_original_by_number(street, api_as):
    original = factories.new_case(street)
    duplicate = factories.new_case(street)
    act(
        api_as("dispatcher"),
        duplicate,
        "reject",
        200,
        reason="重复报告",
        duplicate_of=original.number,
    )
    assert Case.objects.get(pk=duplicate.pk).duplicate_of == original
    other = factories.new_case(street)
    body = act(api_as("dispatcher"), other, "reject", 400, reason="x", duplicate_of="HM-1-1")
    assert body["field"] == "duplicate_of"


def test_evidence_photos_go_up_as_multipart(street, api_as):
    case = factories.case_in(street, State.IN_PROGRESS, category="signboard")
    api = api_as("hangtian")
    body = act(api, case, "resolve", 400, note="已整改")
    assert body["field"] == "photos"
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(image, "PNG")
    image.seek(0)
    image.name = "proof.png"
    response = api.post(
        f"/api/cases/{case.number}/actions/resolve/",
        {"note": "已整改", "photos": [image], "open_shares_reason": "协办部分已一并完成"},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    after = Case.objects.get(pk=case.pk)
    assert after.state == State.RESOLVED
    (photo,) = after.attachments.all()
    assert photo.kind == "evidence" and photo.content_type == "image/jpeg"


def test_a_file_that_is_not_a_photo_is_refused(street, api_as):
    case = factories.case_in(street, State.IN_PROGRESS, category="signboard")
    upload = io.BytesIO(b"not an image")
    upload.name = "x.jpg"
    response = api_as("hangtian").post(
        f"/api/cases/{case.number}/actions/resolve/",
        {"note": "已整改", "photos": [upload]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["field"] == "photos"
    assert Case.objects.get(pk=case.pk).state == State.IN_PROGRESS


# ---------------------------------------------------------------------------- limits, schema


def test_callers_are_throttled(street, api_as, monkeypatch):
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": None})
    api = api_as("dispatcher")
    assert [api.get("/api/categories/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_the_schema_is_openapi_3_and_describes_the_endpoints(client, street):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert "/api/cases/{number}/actions/{action_name}/" in paths
    assert set(paths) >= {"/api/cases/", "/api/categories/", "/api/parties/", "/api/areas/"}
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_the_docs_load_their_scripts_from_the_app_not_a_cdn(client, street):
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    # Every file the page loads comes from this app: a path, never another host. (The
    # page's CSRF token is random text, so the words are checked in the URLs, not the page.)
    loaded = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded)
    assert not any("cdn" in url.lower() for url in loaded)
    assert "https://" not in html and "http://" not in html
    for path in (
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui.css",
    ):
        assert finders.find(path), path

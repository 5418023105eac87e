import pytest
from django.http import Http404, HttpResponse
from django.test import RequestFactory

from cases import access, people
from cases.models import Membership, State
from tests import factories


@access.staff_required
def page(request):
    return HttpResponse("ok")


def request_as(user):
    request = RequestFactory().get("/staff/x/")
    request.user = user
    return request


def test_staff_pages_send_strangers_to_sign_in_and_refuse_non_staff(street, django_user_model):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    assert page(request_as(AnonymousUser())).status_code == 302
    nobody = django_user_model.objects.create_user("nobody", password="x")
    with pytest.raises(PermissionDenied):
        page(request_as(nobody))
    assert page(request_as(street.users["hangtian"])).status_code == 200


def test_case_for_answers_404_for_another_partys_case(street):
    case = factories.case_in(street, State.DISPATCHED)
    assert access.case_for(request_as(street.users["hangtian"]), case.number) == case
    assert access.case_for(request_as(street.users["dispatcher"]), case.number) == case
    with pytest.raises(Http404):
        access.case_for(request_as(street.users["qinbei"]), case.number)
    with pytest.raises(Http404):
        access.case_for(request_as(street.users["qinbei"]), "HM-2000-000001")


def test_roles_and_parties(street):
    hangtian = street.users["hangtian"]
    assert people.roles_of(hangtian) == {"handler"}
    assert [p.code for p in people.handler_parties(hangtian)] == ["rc-hangtian"]
    assert not people.is_street_wide(hangtian)
    assert people.is_street_wide(street.users["inspector"])


def test_staff_sign_in_and_out(client, street):
    page = client.get("/staff/login/")
    assert page.status_code == 200 and "登录".encode() in page.content
    response = client.post("/staff/login/", {"username": "dispatcher", "password": "hongmei-demo"})
    assert response.status_code == 302 and response.url == "/staff/"
    assert client.post("/staff/logout/").status_code == 302


@pytest.mark.parametrize(
    "username, may",
    [
        ("dispatcher", True),
        ("supervisor", True),
        ("admin", True),  # a superuser without any membership
        ("inspector", False),
        ("secretary", False),
        ("hangtian", False),
    ],
)
def test_who_imports_12345_work_orders(street, username, may):
    """Dispatchers and supervisors import work orders, and so do superusers (design §2);
    nobody else, whatever else they may do."""
    assert people.may_import_work_orders(street.users[username]) is may


def test_a_superuser_without_membership_works_the_supervisors_pages(
    street, client, django_user_model
):
    """An administrator with no membership sees the supervisor's queues; one who also holds
    a role works that role's pages instead."""
    admin = street.users["admin"]
    assert people.roles_of(admin) == set()
    assert people.acting_roles(admin) == {"supervisor"}
    assert people.acting_roles(street.users["dispatcher"]) == {"dispatcher"}
    holding = django_user_model.objects.create_superuser("chief", password="x")
    centre = people.party_as(street.users["dispatcher"], "dispatcher")
    Membership.objects.create(user=holding, party=centre, role="dispatcher")
    assert people.acting_roles(holding) == {"dispatcher"}
    client.force_login(admin)
    page = client.get("/staff/")
    assert page.status_code == 200
    assert [queue.code for queue, _count in page.context["tabs"]] == [
        "open",
        "overdue",
        "supervised",
    ]

"""The dispatcher sees when a case's category looks wrong (the category suggestion is
confident of another) and changes it: an event, which the next training learns from."""

from django.urls import reverse

from cases.models import Event
from tests import factories

FUMES = "楼下饭店油烟太大，窗户都不敢开，阳台上全是油"


def test_the_dispatcher_sees_a_doubtful_category_and_fixes_it(street, client):
    factories.stored_category_model()
    case = factories.new_case(street, "litter", description=FUMES)
    client.force_login(street.users["dispatcher"])
    page = client.get(reverse("staff:case_detail", args=[case.number])).content.decode()
    assert 'id="category-doubt"' in page
    assert "油烟扰民" in page.split('id="category-doubt"')[1].split("</p>")[0]
    fumes = street.categories["cooking-fumes"]
    assert f'<option value="{fumes.pk}" selected>' in page

    url = reverse("staff:case_action", args=[case.number, "recategorise"])
    response = client.post(
        url, {"recategorise-category": fumes.pk, "recategorise-reason": "描述是油烟"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.category == fumes
    event = Event.objects.filter(case=case).latest("id")
    assert (event.kind, event.data) == ("recategorise", {"from": "litter", "to": "cooking-fumes"})
    page = client.get(reverse("staff:case_detail", args=[case.number])).content.decode()
    assert 'id="category-doubt"' not in page


def test_a_case_whose_category_fits_raises_no_doubt(street, client):
    factories.stored_category_model()
    case = factories.new_case(street, "cooking-fumes", description=FUMES)
    client.force_login(street.users["dispatcher"])
    page = client.get(reverse("staff:case_detail", args=[case.number])).content.decode()
    assert 'id="category-doubt"' not in page
    assert 'id="action-recategorise"' in page


def test_without_a_model_there_is_no_doubt_but_the_category_can_change(street, client):
    case = factories.new_case(street, "litter", description=FUMES)
    client.force_login(street.users["dispatcher"])
    page = client.get(reverse("staff:case_detail", args=[case.number])).content.decode()
    assert 'id="category-doubt"' not in page
    assert 'id="action-recategorise"' in page


def test_a_handler_may_not_change_the_category(street, client):
    factories.stored_category_model()
    case = factories.case_in(street, "in_progress", description=FUMES)
    client.force_login(street.users["hangtian"])
    page = client.get(reverse("staff:case_detail", args=[case.number])).content.decode()
    assert 'id="category-doubt"' not in page
    assert 'id="action-recategorise"' not in page
    url = reverse("staff:case_action", args=[case.number, "recategorise"])
    fumes = street.categories["cooking-fumes"]
    client.post(url, {"recategorise-category": fumes.pk, "recategorise-reason": "x"})
    case.refresh_from_db()
    assert case.category.code == "litter"


def test_a_bad_or_unchanged_category_is_refused_next_to_the_field(street, client):
    case = factories.new_case(street, "litter", description=FUMES)
    client.force_login(street.users["dispatcher"])
    url = reverse("staff:case_action", args=[case.number, "recategorise"])
    for value in ("", "abc", "999999", street.categories["litter"].pk):
        response = client.post(url, {"recategorise-category": value, "recategorise-reason": "x"})
        assert response.status_code == 400, value
    case.refresh_from_db()
    assert case.category.code == "litter"
    assert not Event.objects.filter(case=case, kind="recategorise").exists()

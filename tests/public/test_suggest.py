"""The category suggestion behind the public form (/report/suggest/): the likeliest
categories for a description, nothing without a model; the form's plain list stays."""

from django.urls import reverse

from cases.models import Category
from tests import factories

URL = "/report/suggest/"


def test_the_address_is_part_of_the_form(client, street):
    assert reverse("report_suggest") == URL
    page = client.get("/").content.decode()
    assert f'data-url="{URL}"' in page
    assert "js/suggest.js" in page


def test_without_a_model_nothing_is_suggested_and_every_category_is_listed(client, street):
    response = client.get(URL, {"text": "楼下饭店油烟太大"})
    assert response.status_code == 200
    assert response.json() == {"suggestions": []}
    page = client.get("/").content.decode()
    for category in Category.objects.filter(is_active=True, parent__isnull=False):
        assert f'id="cat-{category.code}"' in page


def test_the_fumes_category_is_suggested_first(client, street):
    factories.stored_category_model()
    suggestions = client.get(URL, {"text": "楼下饭店油烟太大"}).json()["suggestions"]
    assert suggestions[0]["code"] == "cooking-fumes"
    assert suggestions[0]["label"] == "油烟扰民"
    assert 0.5 < suggestions[0]["confidence"] <= 1
    assert len(suggestions) <= 3


def test_odd_input_is_answered_without_an_error(client, street):
    factories.stored_category_model()
    assert client.get(URL).json() == {"suggestions": []}
    assert client.get(URL, {"text": "，。！"}).json() == {"suggestions": []}
    assert client.get(URL, {"text": "油烟" * 5000}).status_code == 200
    assert client.get(URL, {"text": "\x00噪声"}).status_code == 200
    assert client.post(URL, {"text": "噪声"}).status_code == 405

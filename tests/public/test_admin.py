"""A case filed through the public form shows in the admin with its photo, area, routed
party and events (the issue's "done" check, without a browser)."""

from django.core.cache import cache
from django.urls import reverse

from cases.models import Case
from tests.cases.test_images import jpeg
from tests.public.test_form import report, send, upload


def test_a_case_filed_from_the_form_shows_in_the_admin_with_its_photo(
    client, street, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    send(client, report(photos=[upload(jpeg())]))
    case = Case.objects.get()
    client.force_login(street.users["admin"])
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    photo = reverse("staff:case_photo", args=[case.number, case.attachments.get().pk])
    assert f'<img src="{photo}"' in page
    assert client.get(photo).status_code == 200  # the admin's superuser sees every case
    for shown in (case.number, "航天新苑二村小区", "虹梅物业服务公司", "routing rule"):
        assert shown in page

"""Two-factor sign-in for staff (docs/security.md): enrolment, the code after the password,
recovery codes, who must enrol, and the demo street where nobody must."""

import re

import pytest
from django.test import override_settings
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.portal.helpers import code_for, wrong_code

enforced = override_settings(HONGMEI_2FA_ENFORCED=True)


def sign_in(client, username, **extra):
    return client.post("/staff/login/", {"username": username, "password": "hongmei-demo", **extra})


def enrolled(street, username):
    """A confirmed app and two recovery codes for the user."""
    user = street.users[username]
    app = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    recovery = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    StaticToken.objects.create(device=recovery, token="abcd2345")
    StaticToken.objects.create(device=recovery, token="efgh6789")
    return app


def test_enrolment_shows_a_qr_code_then_ten_recovery_codes_once(client, street):
    client.force_login(street.users["hangtian"])
    page = client.get("/staff/two-factor/")
    assert page.status_code == 200
    assert 'src="/staff/two-factor/qr.svg"' in page.content.decode()
    qr = client.get("/staff/two-factor/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml"
    assert qr.content.startswith(b"<?xml") and b"<svg" in qr.content
    device = TOTPDevice.objects.get(user=street.users["hangtian"])
    assert not device.confirmed

    done = client.post("/staff/two-factor/", {"code": code_for(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>(\w+)</code></li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    # Afterwards the page says it is on and never shows the codes again.
    again = client.get("/staff/two-factor/").content.decode()
    assert 'id="recovery-codes"' not in again
    assert not any(code in again for code in codes)
    assert client.get("/staff/two-factor/qr.svg").status_code == 404


def test_enrolment_refuses_a_wrong_first_code(client, street):
    client.force_login(street.users["hangtian"])
    client.get("/staff/two-factor/")
    device = TOTPDevice.objects.get(user=street.users["hangtian"])
    response = client.post("/staff/two-factor/", {"code": wrong_code(device)})
    assert response.status_code == 200
    assert "has-error" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not StaticDevice.objects.filter(user=street.users["hangtian"]).exists()


def test_a_user_with_an_app_gives_a_code_after_the_password(client, street):
    app = enrolled(street, "dispatcher")
    response = sign_in(client, "dispatcher")
    assert response.status_code == 302
    # Every staff page, the API and the admin send the half-signed-in session to the code page.
    for url in ("/staff/", "/staff/cases/", "/staff/dashboard/", "/api/cases/", "/admin/"):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer["Location"].startswith("/staff/two-factor/verify/?next="), url

    refused = client.post(
        "/staff/two-factor/verify/", {"code": wrong_code(app), "next": "/staff/cases/"}
    )
    assert refused.status_code == 200
    assert client.get("/staff/").status_code == 302

    app.throttle_reset()
    right = client.post(
        "/staff/two-factor/verify/", {"code": code_for(app), "next": "/staff/cases/"}
    )
    assert right.status_code == 302 and right["Location"] == "/staff/cases/"
    assert client.get("/staff/").status_code == 200


def test_a_code_is_not_accepted_twice(client, street):
    app = enrolled(street, "dispatcher")
    code = code_for(app)
    sign_in(client, "dispatcher")
    assert client.post("/staff/two-factor/verify/", {"code": code}).status_code == 302
    client.post("/staff/logout/")
    sign_in(client, "dispatcher")
    assert client.post("/staff/two-factor/verify/", {"code": code}).status_code == 200


def test_a_recovery_code_works_once(client, street):
    enrolled(street, "dispatcher")
    sign_in(client, "dispatcher")
    ok = client.post("/staff/two-factor/verify/", {"code": "ABCD-2345"})
    assert ok.status_code == 302
    assert client.get("/staff/").status_code == 200
    assert not StaticToken.objects.filter(token="abcd2345").exists()

    client.post("/staff/logout/")
    sign_in(client, "dispatcher")
    assert client.post("/staff/two-factor/verify/", {"code": "abcd2345"}).status_code == 200
    assert client.get("/staff/").status_code == 302


def test_the_next_address_stays_on_this_site(client, street):
    enrolled(street, "dispatcher")
    sign_in(client, "dispatcher")
    response = client.post(
        "/staff/two-factor/verify/", {"code": "abcd2345", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/staff/"


@enforced
@pytest.mark.parametrize("username", ["supervisor", "admin"])
def test_supervisors_and_admins_must_enrol_before_any_staff_page(client, street, username):
    sign_in(client, username)
    for url in ("/staff/", "/staff/meetings/", "/admin/", "/"):
        answer = client.get(url)
        assert answer.status_code == 302, url
        assert answer["Location"].startswith("/staff/two-factor/?next="), url
    page = client.get("/staff/two-factor/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=street.users[username])
    client.post("/staff/two-factor/", {"code": code_for(device)})
    assert client.get("/staff/").status_code == 200


@enforced
def test_handlers_need_no_second_factor_unless_their_party_is_listed(client, street):
    sign_in(client, "hangtian")
    assert client.get("/staff/").status_code == 200
    client.post("/staff/logout/")
    with override_settings(HONGMEI_2FA_PARTIES=["rc-hangtian"]):
        sign_in(client, "hangtian")
        assert client.get("/staff/")["Location"].startswith("/staff/two-factor/?next=")
        sign_in(client, "yongzhao")
        assert client.get("/staff/").status_code == 200


@enforced
def test_the_required_roles_are_a_setting(client, street):
    with override_settings(HONGMEI_2FA_REQUIRED_ROLES=["dispatcher"]):
        sign_in(client, "supervisor")
        assert client.get("/staff/").status_code == 200
        sign_in(client, "dispatcher")
        assert client.get("/staff/").status_code == 302


@override_settings(HONGMEI_2FA_ENFORCED=False)
def test_in_demo_mode_the_published_logins_need_only_the_password(client, street):
    page = client.get("/staff/login/").content.decode()
    assert 'id="two-factor-demo"' in page
    assert "两步验证" in page
    sign_in(client, "admin")
    assert client.get("/staff/").status_code == 200
    assert client.get("/admin/").status_code == 200


@enforced
def test_the_sign_in_page_says_nothing_of_demo_mode_when_enforced(client, street):
    assert 'id="two-factor-demo"' not in client.get("/staff/login/").content.decode()


def test_the_sign_in_and_code_pages_need_no_code(client, street):
    enrolled(street, "dispatcher")
    sign_in(client, "dispatcher")
    assert client.get("/staff/two-factor/verify/").status_code == 200
    assert client.post("/staff/logout/").status_code == 302
    assert client.get("/staff/").status_code == 302  # signed out: to the sign-in page
    assert client.get("/staff/")["Location"].startswith("/staff/login/")


def test_an_admin_can_reset_a_users_two_factor_in_the_admin(client, street):
    app = enrolled(street, "dispatcher")
    client.force_login(street.users["admin"])
    listing = client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200
    response = client.post(f"/admin/otp_totp/totpdevice/{app.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=app.pk).exists()
    client.post("/staff/logout/")
    sign_in(client, "dispatcher")
    # Only recovery codes are left: they still count as a second factor.
    assert client.get("/staff/").status_code == 302


def test_a_signed_in_user_renews_the_recovery_codes_with_a_code_from_the_app(client, street):
    app = enrolled(street, "dispatcher")
    sign_in(client, "dispatcher")
    client.post("/staff/two-factor/verify/", {"code": "abcd2345"})
    page = client.get("/staff/two-factor/")
    assert "生成新的备用验证码" in page.content.decode()
    assert "您还有 1 个未使用的备用验证码" in page.content.decode()

    refused = client.post("/staff/two-factor/recovery-codes/", {"code": wrong_code(app)})
    assert refused.status_code == 400
    assert list(
        StaticToken.objects.filter(device__user=app.user).values_list("token", flat=True)
    ) == ["efgh6789"]
    not_the_app = client.post("/staff/two-factor/recovery-codes/", {"code": "efgh6789"})
    assert not_the_app.status_code == 400  # a recovery code cannot buy new recovery codes

    app.throttle_reset()
    renewed = client.post("/staff/two-factor/recovery-codes/", {"code": code_for(app)})
    assert renewed.status_code == 200
    shown = re.findall(r"<li><code>(\w+)</code></li>", renewed.content.decode())
    stored = set(StaticToken.objects.filter(device__user=app.user).values_list("token", flat=True))
    assert len(shown) == 10 and set(shown) == stored and "efgh6789" not in stored
    assert client.get("/staff/two-factor/recovery-codes/").status_code == 405


def test_without_an_app_there_is_nothing_to_renew(client, street):
    client.force_login(street.users["dispatcher"])
    answer = client.post("/staff/two-factor/recovery-codes/", {"code": "123456"})
    assert answer.status_code == 302 and answer["Location"] == "/staff/two-factor/"
    assert not StaticToken.objects.exists()

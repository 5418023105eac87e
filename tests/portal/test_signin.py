"""Signing in: lockout after repeated failures (django-axes), password change, a session
of one working day."""

from django.conf import settings

from tests.portal.helpers import signed_in


def attempt(client, password, ip="10.1.1.1"):
    return client.post(
        "/staff/login/",
        {"username": "dispatcher", "password": password},
        REMOTE_ADDR=ip,
    )


def test_five_wrong_passwords_lock_the_account_on_that_computer(client, street):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200
    locked = attempt(client, "wrong")
    assert locked.status_code == 429
    assert "登录已锁定" in locked.content.decode()
    assert attempt(client, "hongmei-demo").status_code == 429
    # Another computer is not locked out.
    assert attempt(client, "hongmei-demo", ip="10.2.2.2").status_code == 302


def test_a_successful_sign_in_clears_earlier_failures(client, street):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, "hongmei-demo").status_code == 302
    client.post("/staff/logout/")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200


def test_password_change(client, street):
    signed_in(client, street, "hangtian")
    response = client.post(
        "/staff/password/",
        {
            "old_password": "hongmei-demo",
            "new_password1": "a-new-long-passphrase-2026",
            "new_password2": "a-new-long-passphrase-2026",
        },
    )
    assert response.status_code == 302 and response.url == "/staff/password/done/"
    # A fresh copy: the street's cached user objects must keep the demo password.
    user = type(street.users["hangtian"]).objects.get(username="hangtian")
    assert user.check_password("a-new-long-passphrase-2026")


def test_staff_session_lasts_one_working_day():
    assert settings.SESSION_COOKIE_AGE == 10 * 3600


def test_navigation_marks_the_current_page_and_offers_the_import_to_dispatchers(client, street):
    client.force_login(street.users["dispatcher"])
    page = client.get("/staff/cases/").content.decode()
    assert '<a href="/staff/cases/" aria-current=page>' in page
    assert '<a href="/staff/" aria-current' not in page
    assert 'href="/staff/imports/12345/"' in page
    client.force_login(street.users["hangtian"])
    assert 'href="/staff/imports/12345/"' not in client.get("/staff/").content.decode()

"""API keys: stored hashed, shown once, revocable, rate-limited per key, recorded on cases."""

import hashlib
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import ApiKey, Case
from demo import street as demo
from integrations import keys


@pytest.fixture
def client():
    """A client whose Accept-Language asks for English, the language the messages are
    written in (Chinese, the default, is checked by tests/test_i18n.py)."""
    return Client(headers={"Accept-Language": "en"})


def post(client, secret, **data):
    return client.post(
        "/open311/v2/requests.json",
        {"api_key": secret, "service_code": "litter", "address_string": "虹梅路", **data},
    )


def test_a_key_stores_only_the_hash_of_its_secret(street):
    key, secret = keys.create_key(name="12345 link", channel=Case.Channel.HOTLINE)
    key.refresh_from_db()
    assert secret.startswith("hm_") and len(secret) > 40
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert key.prefix == secret[:12]
    stored = json.dumps(list(ApiKey.objects.filter(pk=key.pk).values()), default=str)
    assert secret not in stored
    assert keys.authenticate(secret) == key
    assert keys.authenticate(secret[:-1] + ("A" if secret[-1] != "A" else "B")) is None
    assert keys.authenticate(key.prefix) is None


def test_a_revoked_key_stops_working_at_once(street):
    key, secret = keys.create_key(name="Mini-program", channel=Case.Channel.OPEN311)
    assert keys.authenticate(secret) == key
    keys.revoke(key)
    assert keys.authenticate(secret) is None


def test_using_a_key_records_when(street):
    key, secret = keys.create_key(name="App", channel=Case.Channel.OPEN311)
    assert key.last_used_at is None
    keys.authenticate(secret)
    key.refresh_from_db()
    assert (timezone.now() - key.last_used_at).total_seconds() < 5


def test_the_demo_seed_makes_one_demo_key_idempotently(street):
    demo.seed_api_key()
    demo.seed_api_key()
    (key,) = ApiKey.objects.all()
    assert key.key_hash == hashlib.sha256(b"hongmei-demo-key").hexdigest()
    assert key.channel == Case.Channel.OPEN311
    assert keys.authenticate("hongmei-demo-key") == key


def test_each_key_is_limited_to_its_requests_per_minute(client, street):
    key, secret = keys.create_key(
        name="Busy app", channel=Case.Channel.OPEN311, requests_per_minute=2
    )
    _other, other_secret = keys.create_key(name="Calm app", channel=Case.Channel.OPEN311)
    assert post(client, secret).status_code == 201
    assert post(client, secret).status_code == 201
    refused = post(client, secret)
    assert refused.status_code == 429
    assert json.loads(refused.content)[0]["code"] == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert Case.objects.filter(api_key=key).count() == 2
    # Another key has its own allowance.
    assert post(client, other_secret).status_code == 201


def test_the_limit_starts_afresh_each_minute(street):
    key, _ = keys.create_key(name="App", channel=Case.Channel.OPEN311, requests_per_minute=1)
    minute = timezone.now().replace(second=10)
    assert keys.take_request(key, now=minute).allowed
    assert not keys.take_request(key, now=minute).allowed
    assert keys.take_request(key, now=minute + timezone.timedelta(minutes=1)).allowed


def test_the_admin_shows_a_new_keys_secret_once_and_stores_its_hash(admin_client, street):
    response = admin_client.post(
        "/admin/cases/apikey/add/",
        {"name": "12345 link", "channel": "12345", "requests_per_minute": "30"},
    )
    assert response.status_code == 200
    secret = re.search(rb'id="api-key-secret"[^>]*>([^<]+)<', response.content).group(1).decode()
    key = ApiKey.objects.get(name="12345 link")
    assert key.key_hash == keys.hash_secret(secret)
    assert key.channel == Case.Channel.HOTLINE
    page = admin_client.get(f"/admin/cases/apikey/{key.pk}/change/")
    assert secret.encode() not in page.content
    assert key.prefix.encode() in page.content


def test_the_admin_offers_only_our_channels(admin_client, street):
    response = admin_client.post(
        "/admin/cases/apikey/add/",
        {"name": "x", "channel": "fax", "requests_per_minute": "30"},
    )
    assert response.status_code == 200
    assert not ApiKey.objects.filter(name="x").exists()
    assert b"errorlist" in response.content


def test_the_admin_revokes_keys_and_never_deletes_them(admin_client, street):
    key, secret = keys.create_key(name="Old", channel=Case.Channel.OPEN311)
    response = admin_client.post(
        "/admin/cases/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
        follow=True,
    )
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert keys.authenticate(secret) is None
    assert admin_client.get(f"/admin/cases/apikey/{key.pk}/delete/").status_code == 403

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters must not carry from one test into the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as(street):
    """api_as("hangtian"): an API client sending that demo user's token."""

    def make(username):
        token, _ = Token.objects.get_or_create(user=street.users[username])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make

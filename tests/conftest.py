import pytest
from django.conf import settings

from cases import memo
from tests import factories

# Hashing demo passwords with PBKDF2's full work factor would cost seconds per test run.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Seed the demo configuration once per test database; each test's transaction is
    rolled back on top of it."""
    with django_db_blocker.unblock():
        factories.street()


@pytest.fixture(autouse=True)
def _fresh_memo():
    """Configuration caches must not carry rows from one test's rolled-back transaction
    into the next."""
    memo.clear_all()


@pytest.fixture
def street(db):
    """The demo street's configuration (no cases): parties, areas, categories, routing rules
    and accounts, by code and username."""
    return factories.street()


@pytest.fixture
def file_case(street):
    """Build a case through the workflow: file_case("litter", state="in_progress")."""

    def make(category="litter", state="reported", **kwargs):
        return factories.case_in(street, state, category=category, **kwargs)

    return make

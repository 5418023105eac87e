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


# ---------------------------------------------------------------------------- browser

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import expect, sync_playwright

    # A send files a case, routes it and queues its notifications: on a loaded machine that
    # takes longer than the 5 seconds Playwright's assertions wait by default.
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(chromium, options):
    context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone(chromium):
    """A new phone-sized page (360 × 740) with its own cookies."""
    yield from _page(chromium, PHONE)


@pytest.fixture
def desktop(chromium):
    """A new desktop-sized page with its own cookies."""
    yield from _page(chromium, DESKTOP)


@pytest.fixture
def sign_in(live_server):
    """sign_in(page, username): sign a demo account in through the staff sign-in page."""

    def go(page, username, password="hongmei-demo"):
        page.goto(f"{live_server.url}/staff/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state()

    return go

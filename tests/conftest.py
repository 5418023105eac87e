import pytest
from django.conf import settings

from cases import memo
from tests import factories
from tests.sms_gateway import Gateway

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


# Approved template codes of the stand-in's account, one per reporter text message.
SMS_TEMPLATES = {
    "file": "SMS_480100001",
    "dispatch": "SMS_480100002",
    "follow": "SMS_480100003",
    "reject": "SMS_480100004",
    "reopen": "SMS_480100005",
    "resolve": "SMS_480100006",
    "verify": "SMS_480100007",
    "satisfaction": "SMS_480100008",
}


@pytest.fixture
def sms_gateway(settings):
    """Text messages go through cases.sms_aliyun to a stand-in of Alibaba Cloud SMS on
    127.0.0.1 (tests/sms_gateway.py), started for the test and stopped after it."""
    gateway = Gateway(
        key_id="LTAI5tHongmeiTest",
        secret="stand-in-secret",
        sign_name="虹梅街道",
        templates=set(SMS_TEMPLATES.values()),
    ).start()
    settings.HONGMEI_SMS_BACKEND = "cases.sms_aliyun.AliyunBackend"
    settings.HONGMEI_SMS_ALIYUN_ENDPOINT = gateway.url
    settings.HONGMEI_SMS_ALIYUN_ACCESS_KEY_ID = "LTAI5tHongmeiTest"
    settings.HONGMEI_SMS_ALIYUN_ACCESS_KEY_SECRET = "stand-in-secret"
    settings.HONGMEI_SMS_ALIYUN_SIGN_NAME = "虹梅街道"
    settings.HONGMEI_SMS_ALIYUN_TEMPLATES = dict(SMS_TEMPLATES)
    settings.HONGMEI_SMS_TIMEOUT_SECONDS = 5
    yield gateway
    gateway.stop()


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

    # A send with photos on a machine busy with other work (two cores, the suite in
    # parallel) can take seconds: assertions wait as long as actions do.
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _page(chromium, options):
    context = chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(20_000)
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

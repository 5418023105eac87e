"""The whole journey of one case through the production stack, in Chromium, through nginx.

    python tools/prod_smoke.py            # against a stack `make prod-start` started

A resident on a phone files a noise report with a photo and a map point; the dispatcher
dispatches it to the enforcement squad; the squad accepts it and resolves it with a photo;
the inspector verifies it; the resident's tracking page shows both photos (served through
the app's check and nginx's X-Accel-Redirect) and the closed case, and the resident rates
it. The four e-mails to the resident (receipt, dispatch, resolution, closure) must arrive
at the SMTP sink, sent by the real Celery worker, each exactly once.

It fails (exit 1) on any answer 400 or above, any failed request, any console error or
uncaught page error, on any page of the journey. It prints what it checked.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import io
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from PIL import Image
from playwright.sync_api import expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.prodstack import Stack

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
    "locale": "zh-CN",
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}
expect.set_options(timeout=60_000)
PASSWORD = "hongmei-demo"  # the demo seed's accounts (demo/street.py)


class Watch:
    """Every answer, failed request and console error of a browser context."""

    def __init__(self):
        self.problems: list[str] = []
        self.answers = 0

    def attach(self, context):
        context.on("response", self._response)
        context.on("requestfailed", self._failed)
        context.on("page", self._page)

    def _page(self, page):
        page.on(
            "console",
            lambda m: m.type == "error" and self.problems.append(f"console: {m.text} ({page.url})"),
        )
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e} ({page.url})"))

    def _console(self, text, url):
        self.problems.append(f"console: {text} ({url})")

    def _response(self, response):
        self.answers += 1
        if response.status >= 400:
            self.problems.append(f"{response.status} {response.request.method} {response.url}")

    def _failed(self, request):
        # A request the page itself abandoned (it navigated on while an image or a
        # redirect was on its way) is the browser's doing, not an answer of the server.
        if request.failure == "net::ERR_ABORTED":
            return
        self.problems.append(f"failed {request.method} {request.url}: {request.failure}")


def photo(path: Path, color: str) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), color).save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return str(path)


def messages_to(stack: Stack, address: str) -> list[email.message.EmailMessage]:
    found = []
    for path in sorted(stack.mail.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if address in (message["To"] or ""):
            found.append(message)
    return found


def wait_for_mail(stack: Stack, address: str, count: int, timeout: float = 90) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = messages_to(stack, address)
        if len(found) >= count:
            return found
        time.sleep(0.5)
    raise AssertionError(
        f"{address} got {len(messages_to(stack, address))} e-mails, expected {count}"
    )


def sign_in(page, url, username):
    page.context.clear_cookies()
    page.goto(f"{url}/staff/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/staff/login/" not in page.url, f"{username} could not sign in"


def act(page, url, number, action, fill=None):
    page.goto(f"{url}/staff/cases/{number}/")
    page.click(f"summary[data-action={action}]")
    form = page.locator(f"#action-{action} form")
    if fill:
        fill(form)
    # The form is sent by htmx: wait for its answer, not for a navigation.
    with page.expect_response(
        lambda r: f"/actions/{action}/" in r.url and r.request.method == "POST"
    ) as answer:
        form.locator("button[type=submit]").click()
    assert answer.value.status == 200, f"{action}: {answer.value.status}"
    page.wait_for_load_state()


# Every page each role reaches from its menus, in the production configuration: each must
# answer below 400 with its static files, scripts and maps, and without a console error.
WALK = {
    "dispatcher": [
        "/staff/",
        "/staff/cases/",
        "/staff/cases/?q=噪声",
        "/staff/cases/map/",
        "/staff/cases/new/",
        "/staff/notifications/",
        "/staff/dashboard/",
        "/staff/meetings/",
        "/staff/meetings/decisions/",
        "/api/docs/",
        "/staff/cases/{number}/",
    ],
    "cityops": ["/staff/", "/staff/cases/", "/staff/cases/{number}/", "/staff/notifications/"],
    "secretary": ["/staff/meetings/", "/staff/meetings/new/", "/staff/meetings/decisions/"],
}
PUBLIC = ["/", "/open311/v2/services.json", "/open311/v2/requests.json", "{tracking}"]


def walk(staff, resident, url, number, tracking):
    pages = 0
    for username, paths in WALK.items():
        sign_in(staff, url, username)
        for path in paths:
            answer = staff.goto(url + path.format(number=number))
            assert answer.status < 400, f"{username} {path}: {answer.status}"
            staff.wait_for_load_state("networkidle")
            pages += 1
        if username == "secretary":  # and the meetings the demo street holds
            staff.goto(url + "/staff/meetings/")
            hrefs = staff.eval_on_selector_all(
                "main a", "links => links.map(a => a.getAttribute('href'))"
            )
            meetings = sorted({h for h in hrefs if h and re.fullmatch(r"/staff/meetings/\d+/", h)})
            assert meetings, "the demo street has meetings"
            for path in meetings:
                assert staff.goto(url + path).status < 400, path
                staff.wait_for_load_state("networkidle")
                pages += 1
    for path in PUBLIC:
        answer = resident.goto(
            path.format(tracking=tracking) if path == "{tracking}" else url + path
        )
        assert answer.status < 400, f"{path}: {answer.status}"
        pages += 1
    resident.goto(tracking)
    print(
        f"smoke: {pages} more pages walked as the dispatcher, the squad, the secretary and the public"
    )


def case_row(stack: Stack, number: str) -> dict:
    with psycopg.connect(stack.database_url) as connection:
        row = connection.execute(
            "SELECT c.state, c.satisfaction, count(e.id) FROM cases_case c "
            "JOIN cases_event e ON e.case_id = c.id WHERE c.number = %s GROUP BY c.id",
            [number],
        ).fetchone()
    return {"state": row[0], "satisfaction": row[1], "events": row[2]}


def journey(stack: Stack) -> None:
    url = stack.url
    address = f"smoke-{int(time.time() * 1000)}@example.com"
    watch = Watch()
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        phone = browser.new_context(ignore_https_errors=True, **PHONE)
        desk = browser.new_context(ignore_https_errors=True, **DESKTOP)
        for context in (phone, desk):
            watch.attach(context)
        for context in (phone, desk):
            # Generous: the stack shares this machine with whatever else runs.
            context.set_default_timeout(60_000)
        resident, staff = phone.new_page(), desk.new_page()

        resident.goto(f"{url}/")
        resident.locator("label.choice", has=resident.locator("#cat-noise")).click()
        resident.fill("#id_description", "夜间施工噪声很大，影响休息（生产环境冒烟测试）")
        resident.set_input_files("#id_photos", photo(Path(scratch) / "before.jpg", "gray"))
        expect(resident.locator("#map.leaflet-container")).to_be_visible()
        box = resident.locator("#map").bounding_box()
        resident.locator("#map").tap(position={"x": box["width"] * 0.4, "y": box["height"] * 0.3})
        expect(resident.locator("#where .place")).to_be_visible()
        resident.fill("#id_email", address)
        resident.click("#send")
        expect(resident.locator(".case-number")).to_be_visible()
        number = resident.locator(".case-number").inner_text().strip()
        tracking = resident.url.replace("sent/", "")
        print(f"smoke: filed {number} from the public form with a photo")
        assert case_row(stack, number)["state"] == "reported"
        wait_for_mail(stack, address, 1)
        print("smoke: the receipt reached the resident through the worker and SMTP")

        sign_in(staff, url, "dispatcher")
        act(
            staff,
            url,
            number,
            "dispatch",
            lambda f: f.locator("select[name=dispatch-lead_party]").select_option(
                label="虹梅城管执法中队"
            ),
        )
        assert case_row(stack, number)["state"] == "dispatched", case_row(stack, number)
        print("smoke: the dispatcher dispatched it to the enforcement squad")

        sign_in(staff, url, "cityops")
        act(staff, url, number, "accept")
        act(
            staff,
            url,
            number,
            "resolve",
            lambda f: (
                f.locator("textarea").first.fill("已责令施工单位停止夜间施工。"),
                f.locator("input[type=file]").set_input_files(
                    photo(Path(scratch) / "after.jpg", "green")
                ),
            ),
        )
        assert case_row(stack, number)["state"] == "resolved", case_row(stack, number)
        print("smoke: the squad accepted it and resolved it with a photo")

        sign_in(staff, url, "inspector")
        act(staff, url, number, "verify")
        assert case_row(stack, number)["state"] == "closed", case_row(stack, number)
        print("smoke: the inspector verified it; closed")

        resident.goto(tracking)
        images = resident.locator(".photos img")
        expect(images).to_have_count(2)
        for i in range(2):
            images.nth(i).scroll_into_view_if_needed()
            expect(images.nth(i)).to_have_js_property("complete", True)
            width = images.nth(i).evaluate("img => img.naturalWidth")
            assert width > 0, f"photo {i + 1} on the tracking page did not load"
        expect(resident.locator(".timeline")).to_contain_text("已责令施工单位停止夜间施工")
        print(
            "smoke: the tracking page shows both photos (through X-Accel-Redirect) and the result"
        )
        resident.locator("input[name=rating][value=satisfied]").check()
        resident.fill("textarea[name=note]", "处理及时")
        resident.locator("form[action$='/rate/'] button[type=submit]").click()
        resident.wait_for_load_state()
        row = case_row(stack, number)
        assert row["satisfaction"] == "satisfied", row
        print(f"smoke: the resident rated it; {row['events']} events on record")

        walk(staff, resident, url, number, tracking)

        mails = wait_for_mail(stack, address, 4)
        time.sleep(3)  # anything sent twice would arrive now
        mails = messages_to(stack, address)
        ids = [m["Message-ID"] for m in mails]
        assert len(mails) == 4 and len(set(ids)) == 4, [m["Subject"] for m in mails]
        assert all(number in (m["Subject"] + m.get_body(("plain",)).get_content()) for m in mails)
        print(
            "smoke: 4 e-mails to the resident (receipt, dispatch, resolution, closure), each once"
        )
        browser.close()
    if watch.problems:
        print("smoke: FAILED, problems seen in the browser:")
        for problem in watch.problems:
            print("  " + problem)
        raise SystemExit(1)
    print(f"smoke: OK, {watch.answers} answers, none 400 or above, no console error")


# `make prod-smoke` runs its own stack beside any `make prod` (other ports, database, Redis
# database and directory), started fresh and stopped whatever happens.
SMOKE = {
    "PROD_DIR": "var/prod-smoke",
    "PROD_HTTPS_PORT": "8444",
    "PROD_HTTP_PORT": "8081",
    "PROD_APP_PORT": "8802",
    "PROD_MAIL_PORT": "2526",
    "PROD_DATABASE_URL": "postgres://postgres@127.0.0.1:5432/hongmei_prod_smoke",
    "PROD_REDIS_URL": "redis://127.0.0.1:6379/9",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description="The browser journey through the production stack."
    )
    parser.add_argument(
        "--own-stack", action="store_true", help="start a stack for the run, stop it after"
    )
    if not parser.parse_args().own_stack:
        journey(Stack())
        return
    for name, value in SMOKE.items():
        os.environ.setdefault(name, value)
    stack = Stack()
    stack.stop()
    try:
        stack.start()
        journey(stack)
    except BaseException:
        for name in ("web", "worker", "nginx-error"):
            log = stack.logs / f"{name}.log"
            if log.exists():
                print(f"--- last lines of {log}")
                print("\n".join(log.read_text(errors="replace").splitlines()[-30:]))
        raise
    finally:
        stack.stop()


if __name__ == "__main__":
    main()

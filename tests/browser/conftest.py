"""Playwright against Debian's Chromium (never a downloaded browser), on pytest-django's live server."""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("GROUNDSWELL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium (CI's .ci/run does)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from test code are safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def sign_in(page, url: str, email: str, secret: str, next_path: str = "/") -> None:
    """Sign in through the real login and two-factor pages (password from the test factories)."""
    from groundswell.accounts.totp import current_code

    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Authenticator code").fill(current_code(secret))
    page.get_by_role("button", name="Sign In").click()


def assert_accessible(page) -> None:
    """axe-core on the page as it stands: no serious or critical violations (each named with where it is)."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    bad = [v for v in violations if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{page.url}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
    )

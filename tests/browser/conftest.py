"""Browser tests: Playwright drives Debian's Chromium against the live server, with real Celery worker and beat
processes and the vendor simulators (the ``engine`` fixture)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def browser_settings(settings, monkeypatch):
    """What the live server needs to serve the dashboard to a browser over plain HTTP."""
    # The live server serves static files through the finders, which know the source names, not the hashed ones.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.core.cache import cache

    from fota_portal.views import FLEET_TOTALS_CACHE_KEY

    cache.delete(FLEET_TOTALS_CACHE_KEY)  # the home page's minute-long cache must not show another test's fleet
    return settings


@pytest.fixture
def browser(browser_settings):
    """A headless Chromium (Debian's package: the tests never download a browser)."""
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page at laptop size; ``new_page(user)`` logs that user in through the login form."""
    contexts = []

    def open_page(username: str | None = None):
        context = browser.new_context(viewport={"width": 1366, "height": 860}, base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if username:
            log_in(page, username)
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

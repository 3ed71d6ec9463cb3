"""Headless Chromium for the browser tests: Debian's system browser driven by Playwright.

Playwright cannot download its own browsers on these machines, so the tests drive the
Chromium that `make test` installs from Debian (package ``chromium``). The flags keep a
headless Chromium from reaching out to Google's services at start-up.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's default of 30 s per action and page load is too short for a loaded 2-core
# machine (JupyterLab's first load, a chapter page with many figures): a bound on hangs,
# not on speed.
TIMEOUT_MS = 180_000
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def launch_chromium(playwright):
    """Chromium, or a skip (a failure under CI) that says why it is missing."""
    chromium = find_chromium()
    if chromium is None:
        message = ("Chromium is not installed (Debian package 'chromium'; `make test` installs "
                   "it when it can): the browser test cannot run")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)


class PageReport:
    """Everything that went wrong while a page loaded and ran, with the network cut off:
    requests to anything but ``base`` are aborted and recorded."""

    def __init__(self, base: str):
        self.base = base
        self.external: list[str] = []
        self.failed: list[str] = []
        self.console: list[str] = []

    def route(self, route):
        if route.request.url.startswith(self.base) or route.request.url.startswith("data:"):
            route.continue_()
        else:  # the network is cut off: only the local server answers
            self.external.append(route.request.url)
            route.abort()

    def response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")


def open_page(browser, base: str, url: str, viewport=(1200, 900)):
    """A fresh browser context on ``url`` with every problem recorded in a PageReport."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    report = PageReport(base)
    context.route("**/*", report.route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and report.console.append(m.text))
    page.on("pageerror", lambda e: report.console.append(str(e)))
    page.on("requestfailed", lambda r: report.failed.append(f"failed {r.url}"))
    page.on("response", report.response)
    page.goto(url, wait_until="load")
    return context, page, report

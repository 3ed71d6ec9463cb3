"""The published book: a warning-free Jupyter Book build, then every page checked in a
real browser (headless Chromium driven by Playwright) with the network cut off.

The browser part checks what a reader would notice offline: every local asset loads, no
JavaScript error, every image decodes, MathJax (served from the built site) typesets every
equation, and every static widget twin responds to its slider and buttons. Screenshots of
each page are kept under test-artifacts/screenshots/ (git-ignored).
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from browser import open_page
from notebook_tools import toc_entries

ROOT = Path(__file__).resolve().parents[1]
JB = Path(sys.executable).with_name("jupyter-book")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def chapter_pages() -> list[str]:
    return [p for p in toc_entries() if Path(p).name.startswith("ch")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("book")
    cmd = [str(JB), "build", str(ROOT), "-W", "-n", "--keep-going", "--all",
           "--path-output", str(out)]
    # a few minutes alone; generous so that a loaded 2-core machine passes
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=2400)
    yield result, out / "_build" / "html"
    shutil.rmtree(out, ignore_errors=True)


# ---- the build ------------------------------------------------------------------------------

def test_build_succeeds_without_warnings(built):
    result, html = built
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "WARNING" not in log and "ERROR" not in log, log[-3000:]
    assert (html / "index.html").exists()
    # execution is off: pages show the stored outputs that nbval verified
    assert "Executing" not in log, "the build executed a notebook"


@pytest.mark.parametrize("stem", toc_entries())
def test_every_page_is_built_with_its_outputs(built, stem):
    _, html = built
    page = (html / stem).with_suffix(".html")
    assert page.exists(), page
    text = page.read_text(encoding="utf-8")
    assert "cdn.jsdelivr.net/npm/mathjax" not in text, "MathJax must be served locally"
    if Path(stem).name.startswith("ch"):
        assert "convlib-player" in text, "widget twin missing from the page"
        assert re.search(r'<img [^>]*src="[^"]*\.png"', text), "no figure on the page"
        # every notebook page offers its .ipynb for download
        assert re.search(rf'href="[^"]*_sources/{re.escape(stem)}\.ipynb"', text)
    repository = CONFIG.get("repository") or {}
    if repository.get("url") and (ROOT / f"{stem}.ipynb").exists():
        # launch buttons (`make launch URL=...`) point at this notebook in the repository
        owner_repo = repository["url"].removeprefix("https://github.com/")
        branch = repository.get("branch", "main")
        assert (f"colab.research.google.com/github/{owner_repo}/blob/{branch}/"
                f"{stem}.ipynb") in text, "no Colab button"
        assert f"mybinder.org/v2/gh/{owner_repo}/{branch}?urlpath=" in text, "no Binder button"


def test_only_book_pages_are_built(built):
    _, html = built
    pages = {str(p.relative_to(html).with_suffix("")) for p in html.rglob("*.html")}
    stray = {p for p in pages if p.startswith(("README", "CONTRIBUTING", "tests", "convlib"))}
    assert not stray, stray


# ---- in a browser, offline -------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(built):
    _, html = built
    handler = functools.partial(QuietHandler, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.mark.parametrize("stem", toc_entries())
def test_page_offline_in_browser(browser, server, stem):
    context, page, report = open_page(browser, server, f"{server}/{stem}.html")
    try:
        # MathJax, served from _static, typesets every equation (Sphinx loads it only on
        # pages that have math)
        if page.locator(".math").count():
            page.wait_for_function(
                "window.MathJax && MathJax.startup && MathJax.startup.promise")
            page.evaluate("MathJax.startup.promise")
        math = page.evaluate("""() => {
            const all = [...document.querySelectorAll('.math')];
            return [all.length, all.filter(e => !e.querySelector('mjx-container')).length];
        }""")
        assert math[1] == 0, f"{math[1]} of {math[0]} equations not typeset"
        if Path(stem).name.startswith("ch"):
            assert math[0] > 0, "a chapter without a single typeset equation"
        broken = page.evaluate("""() => [...document.images]
            .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(0, 80))""")
        assert not broken, f"images that did not load: {broken}"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / (stem.replace("/", "__") + ".png")),
                        full_page=True)
        assert not report.failed, f"failed requests: {report.failed}"
        assert not report.external, f"requests to the network: {report.external}"
        assert not report.console, f"JavaScript errors: {report.console}"
    finally:
        context.close()


@pytest.mark.parametrize("stem", chapter_pages())
def test_widget_twins_respond(browser, server, stem):
    context, page, report = open_page(browser, server, f"{server}/{stem}.html")
    try:
        players = page.locator(".convlib-player")
        assert players.count() >= 1
        for i in range(players.count()):
            player = players.nth(i)
            img, out = player.locator("img"), player.locator("output")
            slider = player.locator("input[type=range]")
            maximum = int(slider.get_attribute("max"))
            start = int(slider.input_value())
            before = img.get_attribute("src"), out.inner_text()
            target = 0 if start == maximum else maximum
            slider.fill(str(target))  # moves the slider and fires 'input'
            after = img.get_attribute("src"), out.inner_text()
            assert after[0] != before[0], f"player {i}: the frame did not change"
            assert int(slider.input_value()) == target
            step = 1 if target == 0 else -1
            player.locator("button").nth(0 if step < 0 else 1).click()
            assert int(slider.input_value()) == target + step
            assert img.get_attribute("src") != after[0]
        assert not report.console, f"JavaScript errors: {report.console}"
    finally:
        context.close()

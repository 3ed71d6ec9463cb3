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
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from browser import open_page
from jupyter_page import (CELL_ERRORS, FIGURE_CHANGED, KERNEL_IDLE, run_to_widget,
                          widget_figure, work_the_widget)
from notebook_tools import toc_entries
from support import ROOT

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

@pytest.mark.slow
def test_build_succeeds_without_warnings(built):
    result, html = built
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert "WARNING" not in log and "ERROR" not in log, log[-3000:]
    assert (html / "index.html").exists()
    # execution is off: pages show the stored outputs that nbval verified
    assert "Executing" not in log, "the build executed a notebook"


@pytest.mark.slow
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


FIGURE_IMG = re.compile(r'<img [^>]*src="[^"]*_images/[^"]+\.png"[^>]*>')


def figures_without_caption_or_alt(text: str) -> list[str]:
    """Every figure image of a page (a notebook's PNG output; the widget twins' frames
    are inline data, not files) must sit in a <figure> with a <figcaption>, and its alt
    text must describe it (not repeat its file name)."""
    problems = []
    for m in FIGURE_IMG.finditer(text):
        alt = re.search(r'alt="([^"]*)"', m[0])
        if not alt or not alt[1].strip() or alt[1].endswith(".png") or "_images/" in alt[1]:
            problems.append(f"no alt text: {m[0][:90]}")
        before = text[:m.start()]
        figure_open = before.rfind("<figure")
        if figure_open < before.rfind("</figure>") or figure_open < 0:
            problems.append(f"not in a <figure>: {m[0][:90]}")
        elif "<figcaption" not in text[m.end():text.find("</figure>", m.end())]:
            problems.append(f"no caption: {m[0][:90]}")
    return problems


def test_caption_check_sees_what_a_reader_misses():
    bare = '<img alt="../../_images/ab.png" src="../../_images/ab.png" />'
    good = ('<figure class="align-default" id="fig-x"><img alt="A sine wave" '
            'src="../../_images/ab.png" /><figcaption><p>Fig. 1 A sine.</p>'
            '</figcaption></figure>')
    assert len(figures_without_caption_or_alt(bare)) == 2
    assert figures_without_caption_or_alt(good) == []
    assert figures_without_caption_or_alt(good.replace("<figcaption><p>Fig. 1 A sine."
                                                       "</p></figcaption>", ""))


@pytest.mark.slow
@pytest.mark.parametrize("stem", [e for e in toc_entries() if (ROOT / f"{e}.ipynb").exists()])
def test_every_figure_has_a_caption_and_alt_text(built, stem):
    _, html = built
    text = (html / stem).with_suffix(".html").read_text(encoding="utf-8")
    problems = figures_without_caption_or_alt(text)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


# ---- the live mode: chapters run in the browser (JupyterLite) -------------------------------
# `make test` builds the JupyterLite site into _build/html/lite (tools/build_lite.py) before
# this offline run; the tests put it beside the freshly built book, as `make book` does.
LITE = ROOT / "_build" / "html" / "lite"
LIVE_CHAPTERS = ["book/part1/ch01_convolution_1d", "book/part2/ch06_deconvolution"]
# Messages the live site logs as errors that are not failures, each explained; matched as
# prefixes. jupyterlab-myst renders one notebook at a time, so a {ref} or {numref} to
# another chapter's label has no target in the notebook view (the static book resolves it).
LITE_CONSOLE_ERRORS = ("Cross reference target was not found: ",)


def not_live() -> dict:
    from build_lite import NOT_LIVE    # tools/, on the path (tests/conftest.py)

    return NOT_LIVE


@pytest.fixture(scope="module")
def lite_site(built):
    """The book with its live site beside it, as published."""
    _, html = built
    if not (LITE / "jupyter-lite.json").exists():
        message = "no JupyterLite site in _build/html/lite: run `make lite` (make test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    target = html / "lite"
    if not target.exists():
        target.symlink_to(LITE, target_is_directory=True)
    return html


@pytest.mark.slow
def test_lite_site_is_current_and_local(lite_site):
    from build_lite import check_site

    check_site(lite_site / "lite")  # Pyodide from the site itself, no PyPI fallback
    served = {p.relative_to(lite_site / "lite" / "files"): p
              for p in (lite_site / "lite" / "files").rglob("*.ipynb")}
    expected = {Path(e).relative_to("book").with_suffix(".ipynb"): ROOT / f"{e}.ipynb"
                for e in toc_entries() if (ROOT / f"{e}.ipynb").exists()
                and e not in not_live()}
    assert set(served) == set(expected), "the live site's notebooks are not the book's"
    for rel, path in expected.items():
        assert served[rel].read_bytes() == path.read_bytes(), f"{rel} is stale: make lite"
    lock = json.loads((lite_site / "lite/static/pyodide/pyodide-lock.json").read_text())
    for name, entry in lock["packages"].items():
        wheel = lite_site / "lite/static/pyodide" / entry["file_name"]
        assert wheel.exists(), f"{name}: {entry['file_name']} missing from the site"
    assert {"numpy", "scipy", "matplotlib", "ipywidgets", "convlib"} <= set(lock["packages"])


@pytest.mark.slow
@pytest.mark.parametrize("stem", [e for e in toc_entries() if (ROOT / f"{e}.ipynb").exists()])
def test_every_notebook_page_offers_the_live_mode(lite_site, stem):
    text = (lite_site / stem).with_suffix(".html").read_text(encoding="utf-8")
    if stem in not_live():
        assert "does not run live in the browser" in text
        assert "convlib-live-button" not in text
        return
    href = re.search(r'class="[^"]*convlib-live-button[^"]*" href="([^"]+)"', text)
    assert href, "no 'Run live in your browser' button"
    page = (lite_site / stem).parent
    target, _, query = href[1].partition("?path=")
    assert (page / target).resolve() == (lite_site / "lite/notebooks/index.html").resolve()
    assert (lite_site / "lite" / "files" / query).exists(), query


@pytest.mark.slow
@pytest.mark.parametrize("stem", LIVE_CHAPTERS)
def test_chapter_runs_live_in_the_browser(browser, lite_site, stem):
    """Through the page's button into JupyterLite: run to the widget, work it, redraw."""
    handler = functools.partial(QuietHandler, directory=str(lite_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    context, page, report = open_page(browser, base, f"{base}/{stem}.html",
                                      viewport=(1280, 1000))
    shots = SCREENSHOTS / "lite"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        with context.expect_page() as opened:
            page.locator(".convlib-live-button").first.click()
        lite = opened.value
        lite.on("console", lambda m: m.type == "error" and report.console.append(m.text))
        lite.on("pageerror", lambda e: report.console.append(str(e)))
        lite.set_viewport_size({"width": 1280, "height": 1000})
        lite.wait_for_load_state("load")
        try:
            last = run_to_widget(lite, stem)
            before = widget_figure(lite, 0)
            shows, value = work_the_widget(lite, None)
            lite.wait_for_function(FIGURE_CHANGED, arg=[0, before], timeout=180_000)
            lite.wait_for_function(KERNEL_IDLE, timeout=180_000)
            assert not lite.evaluate(CELL_ERRORS, last)["errors"]
            lite.locator(".widget-interact").first.screenshot(
                path=str(shots / (Path(stem).name + ".png")))
        except Exception:
            lite.screenshot(path=str(shots / f"FAILED-{Path(stem).name}.png"))
            raise
        assert not report.external, f"requests to the network: {report.external}"
        assert not report.failed, f"failed requests: {report.failed}"
        errors = [e for e in report.console if not e.startswith(LITE_CONSOLE_ERRORS)]
        assert not errors, f"JavaScript errors: {errors}"
    finally:
        context.close()
        httpd.shutdown()
        httpd.server_close()

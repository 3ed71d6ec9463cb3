"""Every chapter's live widget, run the way a reader runs it: in JupyterLab and in Jupyter
Notebook, in a real browser, with a real kernel.

A Jupyter server (from this project's own environment) serves a scratch copy of book/;
headless Chromium (tests/browser.py) opens a chapter, runs its cells up to its live widget,
and then works the widget: it drags the first slider with the mouse (or, for the image
chapter, uploads an image through the browser's file chooser) and waits until the kernel
has redrawn the figure. A chapter fails if any cell raises, if the widget does not render
or does not redraw, if the page logs a JavaScript error, or if it asks the network for
anything. The widgets' update functions are also driven directly, without a browser, by
the chapters' own tests (tests/test_plotting*.py); this file checks the front end.
Screenshots of each widget after the change go to test-artifacts/screenshots/live/.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser import open_page
from jupyter_page import (CELL_ERRORS, FIGURE_CHANGED, KERNEL_IDLE, REDRAW_MS, run_to_widget,
                          settle, widget_figure, work_the_widget)
from notebook_tools import toc_entries
from support import ROOT

JUPYTER = Path(sys.executable).with_name("jupyter")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots" / "live"
# every chapter, and every appendix notebook with a live widget ("Which method when?")
CHAPTERS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "book").glob("part*/ch*.ipynb"))
CHAPTERS += sorted(str(p.relative_to(ROOT)) for p in (ROOT / "book").glob("appendix/*.ipynb")
                   if "cl.widgets.live" in p.read_text(encoding="utf-8"))
# Jupyter Notebook 7 shares JupyterLab's widget manager; two chapters (a slider, and the
# image chapter's file upload) show that its own page works too
NOTEBOOK_CHAPTERS = [c for c in CHAPTERS if Path(c).name.startswith(("ch01", "ch03"))]
# Time-outs are generous so that a loaded 2-core machine passes (a chapter runs in well
# under a minute alone; JupyterLab's first page load and kernel start take tens of seconds
# when other work shares the cores). They bound hangs, not speed.
SERVER_START_S = 300           # jupyter lab/notebook answering /api/status
# Errors the front end itself logs, not caused by a chapter. Jupyter Notebook 7.6.5's
# keyboard-shortcut plugin (bundled in notebook_core.js) reads the settings schema of a
# plugin that the notebook page never loads when another plugin's settings load during a
# run: "TypeError: Cannot read properties of undefined (reading 'schema')" from its
# pluginChanged handler. Only this exact message is tolerated, and only on that page.
FRONT_END_ERRORS = {"lab": set(),
                    "notebook": {"Cannot read properties of undefined (reading 'schema')"}}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_jupyter(work: Path, frontend: str):
    """``jupyter lab`` or ``jupyter notebook`` on 127.0.0.1 over a copy of book/, so that
    running the chapters never touches the repository. Yields the server's details."""
    shutil.copytree(ROOT / "book", work / "book",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "_build"))
    settings = work / "lab-settings" / "@jupyterlab"
    for plugin, values in [
            # no "get notified about Jupyter news?" prompt, no update check: offline, quiet
            ("apputils-extension/notification", {"fetchNews": "false",
                                                 "checkForUpdates": False}),
            # every cell in the page, so the widget's cell is there however it scrolled
            ("notebook-extension/tracker", {"windowingMode": "none"})]:
        file = settings / f"{plugin}.jupyterlab-settings"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(values))
    env = dict(os.environ,
               JUPYTER_CONFIG_DIR=str(work / "config"), JUPYTER_RUNTIME_DIR=str(work / "run"),
               JUPYTER_DATA_DIR=str(work / "data"), IPYTHONDIR=str(work / "ipython"),
               JUPYTERLAB_SETTINGS_DIR=str(work / "lab-settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(work / "workspaces"))
    env.pop("MPLBACKEND", None)  # the kernel's inline backend draws the widget's figure
    port, token = free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    # One server per front end: a JupyterLab server also serves Notebook 7's pages, but
    # jupyter_server caches static file lookups by file name, and both apps ship fonts of
    # the same names, so Notebook 7's fonts answer 403 after JupyterLab's were served.
    app = {"lab": "LabApp", "notebook": "JupyterNotebookApp"}[frontend]
    cmd = [str(JUPYTER), frontend, "--no-browser", "--allow-root", f"--port={port}",
           "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={work}", "--ServerApp.port_retries=0",
           f"--{app}.expose_app_in_browser=True"]
    log = (work / "server.log").open("w")
    server = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"jupyter {frontend} did not start:\n"
                                + (work / "server.log").read_text()[-3000:])
                time.sleep(0.5)
        yield {"base": base, "token": token, "work": work, "frontend": frontend}
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def jupyterlab(tmp_path_factory):
    yield from start_jupyter(tmp_path_factory.mktemp("lab"), "lab")


@pytest.fixture(scope="module")
def jupyter_notebook(tmp_path_factory):
    yield from start_jupyter(tmp_path_factory.mktemp("notebook"), "notebook")


def shut_down_kernels(server: dict) -> None:
    request = urllib.request.Request(f"{server['base']}/api/sessions",
                                     headers={"Authorization": f"token {server['token']}"})
    for session in json.load(urllib.request.urlopen(request, timeout=60)):
        urllib.request.urlopen(urllib.request.Request(
            f"{server['base']}/api/sessions/{session['id']}", method="DELETE",
            headers={"Authorization": f"token {server['token']}"}), timeout=120)


def check_live_widget(browser, server: dict, path: str) -> None:
    frontend = server["frontend"]
    route = {"lab": "lab/tree", "notebook": "notebooks"}[frontend]
    # ?reset: a fresh workspace, without the tabs of the chapters opened before
    url = f"{server['base']}/{route}/{path}?reset&token={server['token']}"
    context, page, report = open_page(browser, server["base"], url, viewport=(1280, 1000))
    try:
        last = run_to_widget(page, path)
        assert page.locator(".widget-interact").count() >= 1, "no live widget rendered"
        assert not page.get_by_text("Error displaying widget").count()
        before = widget_figure(page, 0)
        shows, value = work_the_widget(page, server["work"])
        page.wait_for_function(FIGURE_CHANGED, arg=[0, before], timeout=REDRAW_MS)
        now = shows.inner_text() if shows.evaluate("e => e.tagName") != "SELECT" \
            else shows.input_value()
        assert now != value, "the control did not change"
        page.wait_for_function(KERNEL_IDLE, timeout=REDRAW_MS)
        settle(page)
        assert not page.evaluate(CELL_ERRORS, last)["errors"], "the widget's redraw raised"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator(".widget-interact").first.screenshot(
            path=str(SCREENSHOTS / f"{frontend}__{Path(path).stem}.png"))
        assert not report.external, f"requests to the network: {report.external}"
        assert not report.failed, f"failed requests: {report.failed}"
        errors = [e for e in report.console if e not in FRONT_END_ERRORS[frontend]]
        assert not errors, f"JavaScript errors: {errors}"
    except Exception:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"FAILED-{frontend}__{Path(path).stem}.png"))
        raise
    finally:
        context.close()
        shut_down_kernels(server)


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS)
def test_widget_live_in_jupyterlab(browser, jupyterlab, path):
    check_live_widget(browser, jupyterlab, path)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOK_CHAPTERS)
def test_widget_live_in_jupyter_notebook(browser, jupyter_notebook, path):
    check_live_widget(browser, jupyter_notebook, path)


def test_every_chapter_in_the_toc_is_covered():
    in_toc = {f"{p}.ipynb" for p in toc_entries() if re.match(r"book/part\d/ch", p)}
    assert in_toc and in_toc == {c for c in CHAPTERS if "/part" in c}
    assert "book/appendix/which_method.ipynb" in CHAPTERS
    assert len(NOTEBOOK_CHAPTERS) == 2

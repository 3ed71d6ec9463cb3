"""Driving a Jupyter front end in headless Chromium: JupyterLab, Jupyter Notebook 7 and
the book's JupyterLite site (all expose the application as ``window.jupyterapp``).

Shared by tests/test_live_widgets.py (a local Jupyter server) and tests/test_book.py (the
live mode in the browser, no server): run a chapter up to its live widget, work the widget
as a reader would, and wait for the kernel to redraw its figure.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

# Time-outs are generous so that a loaded 2-core machine passes (a chapter runs in well
# under a minute alone; a front end's first page load and kernel start take tens of seconds
# when other work shares the cores; Pyodide loads its packages first). They bound hangs,
# not speed.
KERNEL_READY_MS = 300_000      # the page's kernel idle after opening a chapter
RUN_TIMEOUT_MS = 600_000       # running the cells up to the widget
REDRAW_MS = 180_000            # the kernel redrawing after the control changed

# JavaScript run in the page. Both JupyterLab and Jupyter Notebook 7 expose the application
# as window.jupyterapp (with expose_app_in_browser); its current widget is the notebook.
KERNEL_IDLE = """() => {
    const nb = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = nb && nb.sessionContext && nb.sessionContext.session
        && nb.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle' && !!nb.content;
}"""
RUN_TO_WIDGET = """async () => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.model.cells;
    for (let i = 0; i < cells.length; i++) {
        const cell = cells.get(i);
        if (cell.type === 'code' && /widgets\\.live/.test(cell.sharedModel.getSource())) {
            panel.content.activeCellIndex = i;
            await window.jupyterapp.commands.execute('notebook:run-all-above');
            await window.jupyterapp.commands.execute('notebook:run-cell');
            return i;
        }
    }
    return -1;
}"""
CELL_ERRORS = """(last) => {
    const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
    const errors = [];
    let unrun = 0;
    for (let i = 0; i <= last; i++) {
        const cell = cells.get(i);
        if (cell.type !== 'code') continue;
        if (cell.sharedModel.getSource().trim() && cell.executionCount === null) unrun++;
        for (let j = 0; j < cell.outputs.length; j++) {
            const out = cell.outputs.get(j).toJSON();
            if (out.output_type === 'error') errors.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
        }
    }
    return {errors, unrun};
}"""
FIGURE_CHANGED = """([index, before]) => {
    const box = document.querySelectorAll('.widget-interact')[index];
    const img = box && box.querySelector('img');
    return !!img && img.complete && img.naturalWidth > 0 && img.src !== before;
}"""


def run_to_widget(page, path: str) -> int:
    """Run the chapter's cells up to and including its live widget's; check none raised.
    (nbval runs every cell of every chapter; this is about the front end.)"""
    page.wait_for_function(KERNEL_IDLE, timeout=KERNEL_READY_MS)
    last = page.evaluate(RUN_TO_WIDGET)
    assert last >= 0, f"{path}: no cell calls cl.widgets.live*"
    page.wait_for_function(KERNEL_IDLE, timeout=RUN_TIMEOUT_MS)
    state = page.evaluate(CELL_ERRORS, last)
    assert not state["errors"], f"{path}: cells raised {state['errors']}"
    assert state["unrun"] == 0, f"{path}: {state['unrun']} code cells did not run"
    return last


def widget_figure(page, index: int) -> str:
    img = page.locator(".widget-interact").nth(index).locator("img").first
    img.wait_for(state="attached", timeout=REDRAW_MS)
    return img.get_attribute("src")


def settle(page, index: int = 0, timeout: float = 120.0) -> None:
    """Wait until the widget's figure stops changing (a drag crosses several values, and
    the kernel redraws each), so that the screenshot shows the final state."""
    deadline = time.monotonic() + timeout
    previous = widget_figure(page, index)
    while time.monotonic() < deadline:
        page.wait_for_timeout(700)
        now = widget_figure(page, index)
        if now == previous:
            return
        previous = now
    pytest.fail("the widget's figure kept changing")


def tiny_png(path: Path) -> Path:
    """A 48×64 picture (a bright disc on a gradient) written as PNG by matplotlib."""
    import matplotlib.image

    y, x = np.mgrid[0:48, 0:64]
    image = 0.3 * x / 63 + 0.7 * ((x - 30) ** 2 + (y - 24) ** 2 < 15 ** 2)
    matplotlib.image.imsave(path, image, cmap="gray", vmin=0, vmax=1)
    return path


def work_the_widget(page, work: Path) -> tuple[object, str]:
    """Change the first widget's input as a reader would. Returns a locator of what shows
    the chosen value and that value before the change."""
    box = page.locator(".widget-interact").first
    box.scroll_into_view_if_needed()
    upload = page.locator("button.widget-upload")
    if upload.count():  # the image chapter: the reader picks a picture of their own
        label = upload.first.inner_text()
        with page.expect_file_chooser() as chooser:
            upload.first.click()
        chooser.value.set_files(str(tiny_png(work / "upload.png")))
        return upload.first, label  # "Your image (0)" becomes "Your image (1)"
    handle = box.locator(".noUi-handle").first
    if handle.count():  # drag the first slider's handle
        readout = box.locator(".widget-readout").first
        value = readout.inner_text()
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        handle.scroll_into_view_if_needed()
        where = handle.bounding_box()
        x, y = where["x"] + where["width"] / 2, where["y"] + where["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + (-40 if at_max else 40), y, steps=8)
        page.mouse.up()
        return readout, value
    select = box.locator("select").first
    assert select.count(), "the widget has no slider, dropdown or upload button"
    value = select.input_value()
    options = select.locator("option").all_inner_texts()
    assert len(options) > 1, "a dropdown with a single choice"
    select.select_option(options[-1] if value != options[-1] else options[0])
    return select, value

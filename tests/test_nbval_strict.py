"""nbval, as configured for this repository, fails on a wrong stored output.

A tiny notebook is run through pytest with the repository's own configuration: stored
outputs that a fresh run reproduces pass; a wrong text output or a stale HTML output
fails. This guards against a configuration under which nbval would compare nothing.
The same for figures, which nbval alone skips: with tests/nbval_figures.py (loaded for
book/ by book/conftest.py) a swapped or dropped figure fails, rounding noise does not.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from notebook_tools import execute
from support import ROOT


def notebook(text_output: str, html_output: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    first = nbformat.v4.new_code_cell("import convlib as cl\ncl.convolve([1, 2], [1, 1])",
                                      execution_count=1)
    first.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": text_output},
                                            execution_count=1)]
    second = nbformat.v4.new_code_cell(
        "from IPython.display import HTML\nHTML('<b>' + str(6 * 7) + '</b>')",
        execution_count=2)
    second.outputs = [nbformat.v4.new_output(
        "execute_result", {"text/plain": "<IPython.core.display.HTML object>",
                           "text/html": html_output}, execution_count=2)]
    nb.cells = [first, second]
    return nb


def run_nbval(tmp_path: Path, nb: nbformat.NotebookNode, *options: str
              ) -> subprocess.CompletedProcess:
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-c", str(ROOT / "pyproject.toml"),
           "--rootdir", str(tmp_path), "-q", *options, str(path)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(  # tests/: for -p nbval_figures
        filter(None, [str(ROOT / "tests"), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180, env=env)


@pytest.mark.slow
@pytest.mark.parametrize("text, html, passes", [
    ("array([1, 3, 2])", "<b>42</b>", True),
    ("array([1, 3, 3])", "<b>42</b>", False),  # wrong number
    ("array([1, 3, 2])", "<b>41</b>", False),  # stale HTML (like an outdated widget twin)
])
def test_nbval_compares_stored_outputs(tmp_path, text, html, passes):
    result = run_nbval(tmp_path, notebook(text, html))
    report = result.stdout + result.stderr
    if passes:
        assert result.returncode == 0, report
        assert "2 passed" in report, report
    else:
        assert result.returncode == 1, report
        assert "1 failed, 1 passed" in report, report


# ---- figures (issue 14, mechanism 4): nbval skips image/png, tests/nbval_figures.py not --

FIGURE_CELL = ("import matplotlib.pyplot as plt\nimport numpy as np\n\n"
               "fig, ax = plt.subplots(figsize=(7, 3), dpi=80)\n"
               "ax.plot(np.arange(10) ** 2, marker='o')\nax.set_title('squares')\nplt.show()")


@pytest.fixture(scope="module")
def figure_notebook(tmp_path_factory) -> nbformat.NotebookNode:
    """A one-cell notebook that draws a figure, executed as `make execute` stores it."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(FIGURE_CELL)]
    path = tmp_path_factory.mktemp("figure") / "probe.ipynb"
    nbformat.write(nb, path)
    execute(path)
    return nbformat.read(path, as_version=4)


def png_of(nb: nbformat.NotebookNode) -> np.ndarray:
    from nbval_figures import decode, images

    return decode(images(nb.cells[0].outputs)[0][1])


def with_png(nb: nbformat.NotebookNode, pixels: np.ndarray | None) -> nbformat.NotebookNode:
    """A copy of nb whose stored figure is replaced by `pixels` (None: no image stored)."""
    import base64
    import io

    from PIL import Image

    nb = copy.deepcopy(nb)
    data = next(o for o in nb.cells[0].outputs if "image/png" in o.get("data", {}))["data"]
    if pixels is None:
        del data["image/png"]  # the "<Figure size ...>" text stays: nbval alone passes
    else:
        buf = io.BytesIO()
        Image.fromarray(pixels.astype(np.uint8), "RGBA").save(buf, format="PNG")
        data["image/png"] = base64.b64encode(buf.getvalue()).decode()
    return nb


def edits(img: np.ndarray) -> dict[str, np.ndarray]:
    """Stored figures that differ from the fresh one, each a known way."""
    rng = np.random.default_rng(0)
    noise = img.copy()  # a few edge pixels off by a couple of grey levels: rounding noise
    ys, xs = rng.integers(0, img.shape[0], 300), rng.integers(0, img.shape[1], 300)
    noise[ys, xs, :3] = np.clip(noise[ys, xs, :3] + rng.choice([-2, 2], (300, 3)), 0, 255)
    label = img.copy()  # a changed tick label: about 50 pixels turned black
    label[5:10, 20:30, :3] = 0
    return {"noise": noise, "label": label, "mirrored": img[:, ::-1],
            "cropped": img[:, :-1], "other": np.full_like(img, 255)}


@pytest.mark.slow
@pytest.mark.parametrize("edit, passes", [("noise", True), ("label", False),
                                          ("mirrored", False), ("cropped", False),
                                          ("other", False)])
def test_figure_comparison_rule(figure_notebook, edit, passes):
    from nbval_figures import figure_differences

    stored = with_png(figure_notebook, edits(png_of(figure_notebook))[edit])
    problems = figure_differences(figure_notebook.cells[0].outputs, stored.cells[0].outputs)
    assert (not problems) == passes, problems


@pytest.mark.slow
def test_nbval_compares_figures(tmp_path, figure_notebook):
    """End to end through nbval, with the plugin as book/conftest.py loads it: the same
    figure cell three times (one kernel), storing the fresh figure, a swapped one (upside
    down) and none (its "<Figure size ...>" text kept, so nbval alone would pass)."""
    img = png_of(figure_notebook)
    nb = copy.deepcopy(figure_notebook)
    nb.cells = [copy.deepcopy(v.cells[0]) for v in
                (figure_notebook, with_png(figure_notebook, img[::-1]),
                 with_png(figure_notebook, None))]
    for count, cell in enumerate(nb.cells, 1):
        cell.id, cell.execution_count = f"cell-{count}", count
    result = run_nbval(tmp_path, nb, "-p", "nbval_figures")
    report = result.stdout + result.stderr
    assert result.returncode == 1 and "2 failed, 1 passed" in report, report
    assert "probe.ipynb::Cell 0 " not in report.split("short test summary")[-1], report
    # counted in the failure reports (under CI=1 the summary repeats each message)
    assert report.split("short test summary")[0].count("figure mismatch") == 2, report
    assert "stores 1 image(s) but a fresh run draws" not in report, report
    assert "stores 0 image(s) but a fresh run draws 1" in report, report


def test_book_notebooks_load_the_figure_comparison():
    """book/conftest.py hands pytest the plugin's hook, so `pytest book` compares figures."""
    import importlib.util

    import nbval_figures

    spec = importlib.util.spec_from_file_location("book_conftest", ROOT / "book" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.pytest_configure is nbval_figures.pytest_configure


# ---- the sanitizer (issue 14, mechanism 5): it hides memory addresses and nothing real --

def sanitize(text: str) -> str:
    """`text` as nbval sanitizes it with tests/nbval_sanitize.cfg."""
    import re

    from nbval.plugin import get_sanitize_patterns

    cfg = (ROOT / "tests" / "nbval_sanitize.cfg").read_text(encoding="utf-8")
    patterns = get_sanitize_patterns(cfg)
    assert patterns, "tests/nbval_sanitize.cfg has no regex/replace pair"
    for regex, replace in patterns:
        text = re.sub(regex, replace, text)
    return text


@pytest.mark.parametrize("text, expected", [
    ("<Figure at 0x7f3a12bc45d0>", "<Figure at 0xADDRESS>"),
    ("<function f at 0x10a2b3c4d>", "<function f at 0xADDRESS>"),
    ("(0x7f3a12bc45d0, 0x7f3a12bc4600)", "(0xADDRESS, 0xADDRESS)"),
    ("100x1000000", "100x1000000"),            # a size, not an address
    ("a 3x3 kernel on a 10x1000000 signal", "a 3x3 kernel on a 10x1000000 signal"),
    ("0x1f", "0x1f"),                          # a short hex literal is a value
    ("ab0x7f3a12bc45d0", "ab0x7f3a12bc45d0"),  # inside a word
    ("iVBOR+0xdeadbeef/AAA", "iVBOR+0xdeadbeef/AAA"),  # inside base64 (an HTML frame)
])
def test_sanitizer_hides_addresses_only(text, expected):
    assert sanitize(text) == expected


@pytest.mark.slow
def test_nbval_sanitizes_addresses_not_numbers(tmp_path):
    """Through nbval: a differing address passes (cell 0), a differing number fails
    (cell 1; the old unanchored pattern made both "10xADDRESS")."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    stored = ["100x1000000 <object object at 0x7f0000000000>\n",
              "100x1000001 <object object at 0x7f0000000000>\n"]
    for count, text in enumerate(stored, 1):
        cell = nbformat.v4.new_code_cell('print("100x1000000", object())',
                                         execution_count=count)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        nb.cells.append(cell)
    result = run_nbval(tmp_path, nb)
    report = result.stdout + result.stderr
    assert result.returncode == 1 and "1 failed, 1 passed" in report, report
    assert "probe.ipynb::Cell 1 " in report, report

"""nbval, as configured for this repository, fails on a wrong stored output.

A tiny notebook is run through pytest with the repository's own configuration: stored
outputs that a fresh run reproduces pass; a wrong text output or a stale HTML output
fails. This guards against a configuration under which nbval would compare nothing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


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


def run_nbval(tmp_path: Path, nb: nbformat.NotebookNode) -> subprocess.CompletedProcess:
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    cmd = [sys.executable, "-m", "pytest", "-p", "no:xdist", "-c", str(ROOT / "pyproject.toml"),
           "--rootdir", str(tmp_path), "-q", str(path)]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=180)


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

"""Notebook hygiene: what nbval does not check by itself.

nbval re-executes every notebook and compares text, HTML and error outputs, but it skips
cells without an execution count, ignores PNG images, and honours tags blindly. These
tests close those gaps and enforce the chapter anatomy of CONTRIBUTING.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from notebook_tools import COLAB_MARK, solutions, toc_entries

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
CHAPTERS = [p for p in NOTEBOOKS if p.name.startswith("ch")]
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]

TIMING = re.compile(r"perf_counter|timeit|process_time|time\.time\(|bench")
LIVE_WIDGET = re.compile(r"widgets\.live(_with_upload)?\(|interact\(|interactive\(")
ALLOWED_TAGS = {"nbval-ignore-output", "remove-output", "remove-input", "remove-cell",
                "hide-input", "hide-output", "hide-cell", "raises-exception", "nbval-skip"}


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def source(cell: dict) -> str:
    return "".join(cell["source"])


def tags(cell: dict) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def test_there_are_notebooks():
    assert CHAPTERS, "book/ has no chapter notebooks"


def test_every_notebook_is_in_the_toc_and_every_entry_exists():
    entries = set(toc_entries())
    for nb in NOTEBOOKS:
        stem = str(nb.relative_to(ROOT).with_suffix(""))
        assert stem in entries, f"{stem} is not listed in _toc.yml"
    for entry in entries:
        assert any((ROOT / (entry + ext)).exists() for ext in (".ipynb", ".md")), entry


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_stored_in_order(path):
    nb = load(path)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    counts = [c["execution_count"] for c in code_cells(nb)]
    assert None not in counts, "a code cell has no stored execution: run `make execute`"
    assert counts == list(range(1, len(counts) + 1)), f"execution counts {counts}"
    assert "widgets" not in nb["metadata"], "widget state is stored (use make execute)"
    for cell in nb["cells"]:
        assert "execution" not in cell.get("metadata", {}), "cell timing metadata stored"
        # pieces of one stream are stored joined (make execute), as nbval compares them;
        # the book's renderer would otherwise start each piece on a new line
        streams = [o["name"] for o in cell.get("outputs", []) if o["output_type"] == "stream"]
        assert len(streams) == len(set(streams)), "a stream stored in pieces: make execute"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_errors_only_where_tagged(path):
    for cell in code_cells(load(path)):
        errors = [o for o in cell["outputs"] if o["output_type"] == "error"]
        if "raises-exception" in tags(cell):
            assert errors, f"cell tagged raises-exception did not raise:\n{source(cell)}"
        else:
            assert not errors, f"stored error in an untagged cell:\n{source(cell)}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_tags_are_known_and_ignores_are_justified(path):
    for cell in code_cells(load(path)):
        src = source(cell)
        assert tags(cell) <= ALLOWED_TAGS, f"unknown tags {tags(cell) - ALLOWED_TAGS}"
        if "nbval-ignore-output" in tags(cell):
            assert TIMING.search(src) or LIVE_WIDGET.search(src), \
                f"nbval-ignore-output on a cell that is neither timing nor live widget:\n{src}"
        if LIVE_WIDGET.search(src):
            assert {"nbval-ignore-output", "remove-output"} <= tags(cell), \
                f"live widget cell must be tagged nbval-ignore-output and remove-output:\n{src}"
        assert "nbval-skip" not in tags(cell), "nbval-skip hides a cell from CI"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_trailing_semicolon_and_short_lines(path):
    for cell in code_cells(load(path)):
        lines = [ln for ln in source(cell).rstrip().splitlines()
                 if ln.strip() and not ln.strip().startswith("#")]
        assert not lines[-1].rstrip().endswith(";"), \
            f"trailing ';' (nbval ignores it; end with plt.show()):\n{source(cell)}"
        long = [ln for ln in source(cell).splitlines() if len(ln) > 88]
        assert not long, f"code lines longer than 88 characters: {long}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_outputs_have_no_volatile_text(path):
    volatile = re.compile(r" at 0x[0-9a-f]+|/work/|/root/|/tmp/|/home/|site-packages")
    for cell in code_cells(load(path)):
        for out in cell["outputs"]:
            texts = [out.get("text", ""), out.get("traceback", [])] + [
                out.get("data", {}).get(k, "") for k in ("text/plain", "text/html")]
            for text in texts:
                text = "".join(text)
                assert not volatile.search(text), f"volatile output: {volatile.search(text)[0]}"


@pytest.mark.parametrize("path", CHAPTERS, ids=[str(p.relative_to(ROOT)) for p in CHAPTERS])
def test_chapter_anatomy(path):
    nb = load(path)
    markdown = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    # the Colab install cell (`make launch`) may come first; the setup cell follows it
    cells = [c for c in code_cells(nb) if not source(c).startswith(COLAB_MARK)]
    first_md = next(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert re.match(r"\(ch-[\w-]+\)=\n# ", first_md), "title must carry a (ch-...)= label"
    assert "learn" in first_md.lower() and "prerequisite" in first_md.lower()
    setup = source(cells[0])
    assert "import convlib as cl" in setup and "cl.plotting.setup()" in setup
    assert re.search(r"default_rng\(\d+\)", setup), "setup cell must seed default_rng"
    assert "## Summary" in markdown and "## Exercises" in markdown
    assert "{exercise}" in markdown
    # solutions: plain {solution} directives or gated {solution-start} ... {solution-end}
    # (whose code cells nbval executes); either way hidden in a dropdown
    sols = solutions(nb)
    assert sols, "no exercise solution ({solution} or {solution-start})"
    for sol in sols:
        assert "dropdown" in sol["options"].get("class", "").split(), \
            f"solution {sol['label']} lacks ':class: dropdown'"
        assert sol["closed"], f"gated solution {sol['label']} has no {{solution-end}}"
    assert markdown.count("{solution-end}") == sum(s["form"] == "gated" for s in sols), \
        "a {solution-end} without its {solution-start}"
    assert any("assert " in source(c) for c in cells), "no verification cell"
    outputs = [o for c in cells for o in c["outputs"]]
    assert any("image/png" in o.get("data", {}) and "text/html" not in o.get("data", {})
               for o in outputs), "no figure (besides the widget twin's first frame)"
    assert any("convlib-player" in "".join(o.get("data", {}).get("text/html", ""))
               for o in outputs), "no static widget twin"
    assert any(LIVE_WIDGET.search(source(c)) for c in cells), "no live widget"
    for c in cells:  # unseeded global random state is forbidden
        assert not re.search(r"np\.random\.(rand|randn|randint|normal|uniform|seed)\(",
                             source(c)), source(c)

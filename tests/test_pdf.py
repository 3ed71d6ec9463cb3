"""The PDF (`make pdf`): built with Debian's LaTeX when it is installed, then checked.

The slow tests build the whole book with Jupyter Book's LaTeX builder (xelatex through
latexmk, a few minutes) into a temporary directory and read what LaTeX left behind: the
log (no box overfull by more than OVERFULL_PT, no undefined reference or citation), the
contents file (the title, the front matter, every part of _toc.yml as a part) and the
.tex (the bibliography inside its appendix chapter, a print note under every widget
twin). Without xelatex and latexmk they are skipped, saying what to install (README).
The log parsers are tested on their own, without LaTeX.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from notebook_tools import book_notebooks
from support import ROOT

JB = Path(sys.executable).with_name("jupyter-book")
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
TARGET = Path(CONFIG["latex"]["latex_documents"]["targetname"]).stem
OVERFULL_PT = 5.0       # wider than this is visible: text runs into the margin or is clipped
PAGES = (300, 800)      # 374 pages when this test was written, 604 on 2026-11-30: chapters grow

# LaTeX's log: "Overfull \hbox (16.39pt too wide) in paragraph at lines 2122--2122",
# "... in alignment at lines 10--20", "... detected at line 300"
_OVERFULL = re.compile(r"^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\) "
                       r"(?:in paragraph at lines|in alignment at lines|detected at line) "
                       r"(\d+)", re.M)
# "LaTeX Warning: Reference `x' on page 3 undefined", "Citation `x' ...",
# hyperref's "Hyper reference `x' on page 3 undefined"
_UNDEFINED = re.compile(r"(Reference|Citation|Hyper reference) `([^']*)' "
                        r"on page \S+ undefined")


def overfull_boxes(log: str, limit: float = OVERFULL_PT) -> list[tuple[float, int]]:
    """(width in pt, line of the .tex) of every overfull \\hbox wider than ``limit``.

    >>> overfull_boxes("Overfull \\\\hbox (16.3927pt too wide) in paragraph at lines 21--22\\n"
    ...                "Overfull \\\\hbox (3.2pt too wide) in paragraph at lines 30--30\\n")
    [(16.3927, 21)]
    """
    return [(float(w), int(line)) for w, line in _OVERFULL.findall(log) if float(w) > limit]


def undefined_references(log: str) -> list[str]:
    """The labels and citation keys LaTeX reports undefined, and its summary line."""
    found = [f"{kind} {label}" for kind, label in _UNDEFINED.findall(log)]
    if "There were undefined references" in log:
        found.append("There were undefined references.")
    if "There were undefined citations" in log:
        found.append("There were undefined citations.")
    return found


def where(tex_lines: list[str], line: int) -> str:
    """The chapter (or part) of the .tex that a log line number falls in."""
    heading = "front matter"
    for text in tex_lines[:line]:
        m = re.match(r"\\(?:chapter|convlibpart)\{(.*)\}", text)
        if m:
            heading = m[1]
    return f"line {line} ({heading})"


def page_count(log: str) -> int:
    """Pages of the last 'Output written' line of a LaTeX log."""
    counts = re.findall(r"Output written on \S+\.pdf \((\d+) pages?", log)
    assert counts, "LaTeX wrote no PDF"
    return int(counts[-1])


def part_captions() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    return [part["caption"] for part in toc["parts"]]


# ---- the parsers, without LaTeX ------------------------------------------------------------

def test_log_parsers():
    log = ("Overfull \\hbox (65.1409pt too wide) in paragraph at lines 11075--11075\n"
           "Overfull \\hbox (4.5pt too wide) in alignment at lines 7--9\n"
           "Overfull \\hbox (7pt too wide) detected at line 40\n"
           "Overfull \\vbox (67.07973pt too high) detected at line 7383\n"
           "LaTeX Warning: Reference `book/x:fig' on page 3 undefined on input line 9.\n"
           "LaTeX Warning: Citation `cite.id2' on page 4 undefined on input line 10.\n"
           "LaTeX Warning: There were undefined references.\n"
           "Output written on book.pdf (12 pages, 100 bytes).\n"
           "Output written on book.pdf (374 pages, 200 bytes).\n")
    assert overfull_boxes(log) == [(65.1409, 11075), (7.0, 40)]
    assert undefined_references(log) == ["Reference book/x:fig", "Citation cite.id2",
                                         "There were undefined references."]
    assert undefined_references("Output written on book.pdf (1 page).") == []
    assert page_count(log) == 374
    tex = ["\\begin{document}", "\\chapter{Kernels}", "text", "\\chapter{Layers}", "x"]
    assert where(tex, 3) == "line 3 (Kernels)" and where(tex, 1) == "line 1 (front matter)"


# ---- the built PDF -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def latex(tmp_path_factory):
    missing = [tool for tool in ("xelatex", "latexmk") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"no {' and '.join(missing)}: install Debian's LaTeX to build the PDF "
                    "(README, `make pdf`)")
    out = tmp_path_factory.mktemp("pdf")
    cmd = [str(JB), "build", str(ROOT), "--builder", "pdflatex", "--all",
           "--path-output", str(out)]
    # about two minutes alone; generous so that a loaded 2-core machine passes
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=2400)
    build = out / "_build" / "latex"
    yield result, build
    shutil.rmtree(out, ignore_errors=True)


def _read(path: Path) -> str:
    assert path.exists(), f"{path.name} was not written"
    return path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.slow
def test_pdf_builds_without_warnings(latex):
    result, build = latex
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert (build / f"{TARGET}.pdf").exists(), output[-3000:]
    # Sphinx's own warnings ("WARNING:"; LaTeX's are "LaTeX Warning:", read from the log)
    assert "build succeeded." in output and "WARNING" not in output, output[-3000:]


@pytest.mark.slow
def test_log_has_no_wide_overfull_box_and_no_undefined_reference(latex):
    _, build = latex
    log = _read(build / f"{TARGET}.log")
    tex_lines = _read(build / f"{TARGET}.tex").splitlines()
    wide = [f"{width:.1f}pt at {where(tex_lines, line)}"
            for width, line in overfull_boxes(log)]
    assert not wide, f"{len(wide)} overfull \\hbox wider than {OVERFULL_PT}pt: {wide}"
    assert undefined_references(log) == []


@pytest.mark.slow
def test_page_count_contents_front_matter_and_parts(latex):
    _, build = latex
    pages = page_count(_read(build / f"{TARGET}.log"))
    assert PAGES[0] <= pages <= PAGES[1], f"{pages} pages"
    tex = _read(build / f"{TARGET}.tex")
    names = re.findall(r"\\renewcommand\{\\contentsname\}\{([^}]*)\}", tex)
    assert names and names[-1] == "Contents", names
    toc = _read(build / f"{TARGET}.toc")
    parts = re.findall(r"\\contentsline \{part\}\{(.*?)\}\{(\w+)\}", toc)
    assert [title for title, _ in parts] == part_captions()
    # the introduction: an unnumbered chapter before the first part, on a roman page
    intro = re.search(r"\\contentsline \{chapter\}\{Introduction\}\{(\w+)\}", toc)
    assert intro and intro.start() < toc.index("{part}"), toc[:500]
    assert re.fullmatch(r"[ivxlc]+", intro[1]), intro[1]
    assert parts[0][1] == "1", "the first part should start the arabic page numbers"


@pytest.mark.slow
def test_bibliography_is_printed_in_its_appendix_chapter(latex):
    _, build = latex
    tex = _read(build / f"{TARGET}.tex")
    label = "book/appendix/bibliography:appendix-bibliography"
    chapter = tex.index(r"\label{\detokenize{%s}}" % label)
    begin = tex.index(r"\begin{sphinxthebibliography}")
    assert chapter < begin < tex.index(r"\end{sphinxthebibliography}")
    assert r"\chapter" not in tex[chapter:begin], "the entries left their chapter"
    entries = len(re.findall(r"^@\w+\{", _read(ROOT / "book" / "references.bib"), re.M))
    assert tex.count(r"\bibitem[") == entries  # the page lists every entry (:all:)


@pytest.mark.slow
def test_every_widget_twin_says_it_is_a_still_frame_in_print(latex):
    _, build = latex
    tex = _read(build / f"{TARGET}.tex")
    twins = 0
    for path in book_notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        pages = ["".join(o.get("data", {}).get("text/html", ""))
                 for c in nb["cells"] for o in c.get("outputs", [])]
        twins += sum('class="convlib-player"' in page for page in pages)
    assert twins and tex.count("Still frame for print") == twins

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
from support import ROOT

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
def test_chapters_run_without_the_book_build_tools(path):
    """Readers run chapters where only convlib and its dependencies are installed (the
    live mode in the browser, Colab): no chapter imports the build's myst-nb."""
    for cell in code_cells(load(path)):
        assert not re.search(r"^\s*(from|import)\s+myst_nb\b", source(cell), re.M), \
            f"use `from convlib.notebook import glue`, not myst_nb:\n{source(cell)}"


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


# ---- exercise solutions compute what they state (issue 14, mechanism 3) ----------------
#
# A solution is either a plain {solution} directive (markdown only, never executed) or a
# gated one ({solution-start} ... {solution-end}, whose code cells nbval executes).
# * A plain solution may only be conceptual. It holds no code (a code block in it is
#   never run) and states no number: no digit in its prose outside math, inline code,
#   roles ({eq}, {ref}, {glue:text}, ...) and link targets, except dimension words
#   ("2-D"), references ("chapter 3") and parameters named by a word ("stride 2",
#   "layer 1", "lag 5", "frequency 0"); and no math stating a numeric result
#   ("$k - 1 = 8$", "$\lceil 10/2 \rceil = 5$", "$\delta = [0, 1]$"; a definition such as
#   "$k = 17$", one symbol equal to one number, is allowed).
# * A gated solution has code cells, the last one checking something (an assert,
#   `raise AssertionError` or an `assert_*` call; it may then show the value, which
#   nbval compares), and every number its prose states by the same rules appears in
#   its code cells' sources or stored outputs (printed, shown or glued; matched after
#   rounding to the digits the prose shows), unless glued in place.
# In math, the stated numbers are the sides of a relation that are plain numbers, lists
# of numbers or products of numbers (a size, "630 \times 542"); worked steps between
# them ("= 1 + 0 + 6 =", "64/36") are not, nor is a result that an earlier side of
# the same = / \approx chain evaluates to ("48 \cdot 8 \cdot 25 = 9600": checked here).

ROLE = re.compile(r"\{[\w:.-]+\}`[^`]*`")             # {eq}`x`, {glue:text}`k:.3f`, ...
# display math, and inline math (which may span lines, but not a blank line)
MATH = re.compile(r"\$\$(.+?)\$\$|\$((?:[^$\n]|\n(?![ \t]*\n))+?)\$", re.S)
INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.S)
# a fenced code block: a fence without a directive, or a {code-cell}/{code-block}/{code}
CODE_FENCE = re.compile(r"^(`{3,}|~{3,})(?![`~])(?:\{code[\w-]*\}|(?!\{))[^\n]*\n.*?^\1[ \t]*$",
                        re.M | re.S)
MATH_FENCE = re.compile(r"^(`{3,}|~{3,}|:{3,})(?![`~:])\{math\}[^\n]*\n.*?^\1[ \t]*$",
                        re.M | re.S)
DIRECTIVE_LINE = re.compile(r"^(?:`{3,}|~{3,}|:{3,})\{[\w:-]+\}.*$|^:[\w-]+:.*$", re.M)
INDENTED = re.compile(r"(?:^[ \t]*\n)((?:^(?: {4}|\t).*\n?)+)", re.M)
LINK_TARGET = re.compile(r"\]\([^)]*\)|<https?://[^>]*>|https?://\S+")
NUMBER = re.compile(r"(?<![\w.])(?<!\w-)[-−]?\d+(?:,\d{3})*(?:\.\d+)?(?:[eE][-+]?\d+)?"
                    r"(?![\w])")
ALLOWED_DIGITS = re.compile(
    r"\b[1-4]-?D\b"                                     # 1-D, 2-D, 3D: dimension words
    r"|\b(?:[Cc]hapters?|[Ss]ections?|[Pp]arts?|[Aa]ppendix|[Ff]ig(?:ure|\.)|[Ee]q(?:uation|\.))"
    r"\s+\d+(?:(?:,| and| or|–|-)\s*\d+)*"          # chapter 3, figures 2 and 4
    r"|\b(?:stride|padding|dilation|layer|lag|frequency|axis|order)s?\s+\d+\b")  # inputs
RELATION = re.compile(r"=|\\approx|\\to\b|\\equiv|\\simeq")  # not <, \le: conditions
NUMERIC_SIDE = re.compile(r"[-−+]?[\d.\s,()\[\]{}+\-−*/^|]*\d[\d.\s,()\[\]{}+\-−*/^|]*")
SYMBOL = re.compile(r"\\?[A-Za-z]+(?:_\{?[\w,]+\}?)?'*")


def _is_arithmetic(side: str) -> bool:
    """A worked expression ("1 + 0 + 6", "64/36", "2^{10}"), not a stated value; a plain
    product of numbers ("630 * 542", a size) is a stated value."""
    side = re.sub(r"(^|[\[({,])\s*[-−+]", r"\1", side)  # signs of numbers are not operators
    return re.search(r"[-−+/^]", side) is not None


def _evaluate(side: str) -> list[float] | None:
    r"""The value(s) of a side made only of numbers and arithmetic ("48 * 8 * 25",
    "\lceil 10/2 \rceil", "[1 + 0 + 6, 0 + 4 + 3]", "2^{10}"), else None."""
    import math

    expr = re.sub(r"\\lceil(.*?)\\rceil", r"ceil(\1)", side)
    expr = re.sub(r"\\lfloor(.*?)\\rfloor", r"floor(\1)", expr)
    expr = re.sub(r"\\(max|min)\b", r"\1", expr)
    expr = re.sub(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"((\1)/(\2))", expr)
    expr = expr.replace("{", "(").replace("}", ")").replace("^", "**").replace("−", "-")
    expr = re.sub(r"(?<=[\d)])\s*(?=\()|(?<=\))\s*(?=\d)", "*", expr)  # 2 (3) and (3) 2
    expr = re.sub(r"(?<=\d),(?=\d{3}\b)", "", expr)  # 7,526,400
    allowed = r"(?:[\d.\s+\-*/(),\[\]]|ceil|floor|max|min)*"
    if not re.fullmatch(allowed + r"\d" + allowed, expr):
        return None
    try:
        value = eval(expr, {"__builtins__": {}, "ceil": math.ceil, "floor": math.floor,
                            "max": max, "min": min})
    except Exception:  # noqa: BLE001 - not arithmetic after all
        return None
    values = value if isinstance(value, (list, tuple)) else [value]
    if not all(isinstance(v, (int, float)) for v in values):
        return None
    return [float(v) for v in values]


def _math_results(tex: str) -> list[str]:
    r"""Numbers a math span states as results and does not verify itself: the sides of
    an `=`, `\approx`, `\to` chain that are plain numbers (or lists or products of
    numbers), unless the span only defines one symbol ("k = 17"), or an earlier side
    joined by `=`/`\approx` is arithmetic that evaluates to them ("48 \cdot 8 \cdot 25 =
    9600", "64/36 \approx 1.78"). Worked expressions ("= 1 + 0 + 6 =") are steps."""
    tex = re.sub(r"\\(?:times|cdot)\b", "*", tex)
    tex = re.sub(r"\\[,;:! ]|\\text\{[^}]*\}|\\(?:left|right)\b", " ", tex)
    parts = re.split(f"({RELATION.pattern})", tex)
    sides, relations = [s.strip() for s in parts[::2]], parts[1::2]
    if len(sides) < 2 or (len(sides) == 2 and SYMBOL.fullmatch(sides[0])):
        return []
    stated = []
    for i, side in enumerate(sides[1:], 1):
        if not NUMERIC_SIDE.fullmatch(side) or _is_arithmetic(side):
            continue
        numbers = NUMBER.findall(side)
        start = max([r for r in range(i) if relations[r] not in ("=", r"\approx")],
                    default=-1) + 1  # the sides joined to this one by = or \approx
        earlier = [v for v in map(_evaluate, sides[start:i]) if v is not None]
        if not any(len(v) == len(numbers) and all(_shown_by(t, [x]) for t, x in
                                                  zip(numbers, v)) for v in earlier):
            stated += numbers
    return stated


def _prose(markdown: str) -> tuple[str, list[str]]:
    """The prose of a solution (roles, inline code, link targets, code blocks and math
    removed) and the numeric results its math states."""
    text = ROLE.sub(" ", markdown)
    text = CODE_FENCE.sub(" ", text)
    text = MATH_FENCE.sub(" ", text)  # display math: derivations
    text = DIRECTIVE_LINE.sub(" ", text)  # nested directives' openings and options
    text = INDENTED.sub("\n", text)
    text = INLINE_CODE.sub(" ", text)
    text = re.sub(r"<!--.*?-->|^\([\w-]+\)=[ \t]*$", " ", text, flags=re.S | re.M)
    results = []
    for m in MATH.finditer(text):
        results += _math_results(m[1] or m[2])
    text = MATH.sub(" ", text)
    text = LINK_TARGET.sub("]", text)
    return ALLOWED_DIGITS.sub(" ", text), results


def _checks(src: str) -> bool:
    """Does a code cell check something: an assert statement, `raise AssertionError`
    (as in the try/except/else pattern) or an `assert_*` call, at any depth? What
    follows the check (the value shown to the reader) is compared by nbval."""
    import ast

    src = "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))
    try:
        tree = ast.parse(src)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Raise) and "AssertionError" in ast.unparse(node):
            return True
        if isinstance(node, ast.Call) and re.search(r"(^|\.)assert_\w+$",
                                                    ast.unparse(node.func)):
            return True
    return False


def _value(token: str) -> float:
    return float(token.replace("−", "-").replace(",", ""))


def _shown_by(token: str, values: list[float]) -> bool:
    """Does some computed value print as the prose's token (rounded to its digits)?"""
    p = _value(token)
    if re.search(r"[eE]", token):
        return any(abs(v - p) <= 1e-3 * abs(p) for v in values)
    digits = len(token.split(".")[1]) if "." in token else 0
    return any(abs(round(abs(v), digits) - abs(p)) < 10 ** -(digits + 3) for v in values)


def _computed_numbers(sol: dict) -> list[float]:
    texts = list(sol["code"]) + sol.get("outputs", [])
    found = re.findall(r"\d[\d_]*(?:\.\d*)?(?:[eE][-+]?\d+)?", "\n".join(texts))
    return [float(t.replace("_", "")) for t in found]


def solution_problems(sol: dict) -> list[str]:
    """Why a solution (from notebook_tools.solutions) states what it does not compute."""
    label = sol["label"]
    prose, results = _prose(sol["markdown"])
    if sol["form"] == "plain":
        problems = []
        if CODE_FENCE.search(sol["markdown"]) or INDENTED.search("\n" + sol["markdown"]):
            problems.append(f"{label}: code in a plain {{solution}} is never run; use the "
                            f"gated form (solution-start/-end) with code cells")
        stated = NUMBER.findall(prose) + results
        if stated:
            problems.append(f"{label}: a plain {{solution}} states numbers {stated}; compute "
                            f"them in a gated solution (or move definitional inputs into math)")
        return problems
    if not sol["code"]:
        return [f"{label}: a gated solution without code cells"]
    problems = []
    if not _checks(sol["code"][-1]):
        problems.append(f"{label}: the last code cell of the solution checks nothing: "
                        f"assert the answer there")
    values = _computed_numbers(sol)
    unshown = [t for t in NUMBER.findall(prose) + results if not _shown_by(t, values)]
    if unshown:
        problems.append(f"{label}: the prose states {unshown}, which no code cell of the "
                        f"solution prints, glues or asserts: compute them (or glue them)")
    return problems


def _with_outputs(nb: dict, sols: list[dict]) -> list[dict]:
    """Attach to each gated solution the text of its code cells' stored outputs."""
    by_source: dict[str, list[str]] = {}
    for cell in code_cells(nb):
        texts = []
        for out in cell.get("outputs", []):
            texts.append("".join(out.get("text", "")))
            texts += ["".join(v) for k, v in out.get("data", {}).items()
                      if k.startswith("text/plain") or k.endswith("/text/plain")]
        by_source.setdefault(source(cell), []).extend(texts)
    for sol in sols:
        sol["outputs"] = [t for src in sol["code"] for t in by_source.get(src, [])]
    return sols


@pytest.mark.parametrize("path", CHAPTERS, ids=[str(p.relative_to(ROOT)) for p in CHAPTERS])
def test_solutions_compute_what_they_state(path):
    nb = load(path)
    problems = [p for sol in _with_outputs(nb, solutions(nb)) for p in solution_problems(sol)]
    assert not problems, "\n".join(problems)


def _probe(*cells) -> list[str]:
    """solution_problems of a notebook made of ("md", text) and ("code", src, out) cells."""
    nb = {"cells": [{"cell_type": "markdown", "source": c[1], "metadata": {}} if c[0] == "md"
                    else {"cell_type": "code", "source": c[1], "metadata": {},
                          "execution_count": 1,
                          "outputs": [{"output_type": "stream", "name": "stdout",
                                       "text": c[2]}]}
                    for c in cells]}
    return [p for sol in _with_outputs(nb, solutions(nb)) for p in solution_problems(sol)]


PLAIN = "```{{solution}} ex-ch01-hand\n:class: dropdown\n{}\n```"
START = ("md", "```{solution-start} ex-ch01-hand\n:class: dropdown\n```")
END = ("md", "```{solution-end}\n```")


@pytest.mark.parametrize("text, passes", [
    # conceptual prose: labels, roles, math, code spans, dimension words, references
    ("See {ref}`ex-ch01-hand`, {eq}`eq-ch01-sum` and {numref}`fig-ch01-2`: $x^2 + 1$, "
     "`cl.convolve(x[1:3], h)`, a 2-D kernel as in chapter 3, with stride 2.", True),
    ("The glued {glue:text}`ch01-ratio:.3f` is [a link](#sec-2).", True),
    ("For $k = 17$ one pass per axis.", True),               # a definition, not a result
    ("For $k = 17$ that is 51 instead of 4913.", False),      # a stated result
    ("$M - 1 = 32$ zeros in front.", False),                  # a result in math
    ("$\\delta[n - 3] = [0, 0, 0, 1]$ delays.", False),
    ("$\\sum_n h[n - k] = \\sum_m h[m]$ for every $k$.", True),
    ("Check it:\n\n```python\nassert f(3) == 9\n```", False),  # code that never runs
    ("Check it:\n\n    assert f(3) == 9\n", False),             # indented code too
    ("About 6.4 GB.", False),
    ("$2 \\times (13 + 13) = 52$ multiplications.", True),       # arithmetic it verifies
    ("$2 \\times (13 + 13) = 54$ multiplications.", False),      # and wrong arithmetic
    ("$N + M - 1 = 630 \\times 542$.", False),                  # a size is a result
    ("An output of $56 \\times 56$ pixels.", True),             # no relation: an input
])
def test_solution_rule_on_plain_solutions(text, passes):
    assert (not _probe(("md", PLAIN.format(text)))) == passes, _probe(("md", PLAIN.format(text)))


@pytest.mark.parametrize("prose, code, out, passes", [
    ("It is 51, a third of 153.", "n = 3 * 17\nprint(n, 9 * 17)\nassert n == 51", "51 153\n",
     True),
    ("It is 52.", "n = 3 * 17\nprint(n)\nassert n == 51", "51\n", False),   # typed, wrong
    ("The ratio is 0.33 and $r = 1/3 = 0.33$.", "r = 1 / 3\nprint(r)\nassert r < 1",
     "0.3333333333333333\n", True),                                        # rounded
    ("The ratio is {glue:text}`ch01-r:.2f`.", "glue('ch01-r', 1 / 3)\nassert True", "", True),
    ("It is 51.", "n = 3 * 17\nassert n == 51\nn", "51\n", True),  # checked, then shown
    ("It is 51.", "n = 3 * 17\nprint(n)", "51\n", False),           # shown, never checked
    ("$\\mathrm{conv}(x) = [1 + 0 + 6, 0 + 4 + 3] = [7, 7]$: steps, then a result.",
     "y = [7, 7]\nassert y == [7, 7]", "", True),
    ("The try/else pattern.", "try:\n    f()\nexcept ValueError as err:\n    print(err)\n"
     "else:\n    raise AssertionError('expected')", "", True),
    ("np.testing ends it.", "np.testing.assert_allclose(1, 1)", "", True),
])
def test_solution_rule_on_gated_solutions(prose, code, out, passes):
    problems = _probe(START, ("md", prose), ("code", code, out), END)
    assert (not problems) == passes, problems


def test_gated_solution_without_code_fails():
    assert _probe(START, ("md", "Conceptual."), END)


def test_gated_solution_checks_in_its_last_code_cell():
    assert _probe(START, ("code", "n = 51\nassert n == 51", ""), ("code", "print(n)", "51\n"),
                  ("md", "It is 51."), END)


# ---- citations, glossary terms and API links (issue 14, mechanism 6) --------------------
#
# Each chapter (and the "Which method when?" appendix) cites the literature it uses
# ({cite}), links the glossary terms it relies on ({term}) and the convlib functions it
# uses ({func}); each target must exist. A fast check without a build; the
# `jupyter-book build . -W -n` of test_book.py remains the final arbiter.

LINKED = CHAPTERS + [BOOK / "appendix" / "which_method.ipynb"]
LINK_ROLE = re.compile(r"\{(cite(?::\w+)?|term|func)\}`([^`]*)`")


def link_roles(markdown: str) -> dict[str, list[str]]:
    """Targets of the {cite}, {term} and {func} roles of a text (outside code blocks)."""
    found: dict[str, list[str]] = {"cite": [], "term": [], "func": []}
    for role, text in LINK_ROLE.findall(CODE_FENCE.sub(" ", markdown)):
        target = m[1] if (m := re.search(r"<([^<>]+)>\s*$", text)) else text
        target = target.strip().lstrip("~!")
        if role.startswith("cite"):
            found["cite"] += [k.strip() for k in target.split(",") if k.strip()]
        else:
            found[role].append(target)
    return found


def glossary_terms() -> set[str]:
    """The terms of book/appendix/glossary.md, lower-cased (Sphinx matches them so)."""
    text = (BOOK / "appendix" / "glossary.md").read_text(encoding="utf-8")
    block = re.search(r"^```\{glossary\}[^\n]*\n(.*?)^```[ \t]*$", text, re.M | re.S)[1]
    return {ln.strip().lower() for ln in block.splitlines()
            if ln.strip() and not ln[0].isspace() and not ln.startswith(":")}


def bibliography_keys() -> set[str]:
    text = (BOOK / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\s*\{\s*([^,\s]+)\s*,", text, re.M))


def api_documented() -> set[str]:
    """Dotted names book/appendix/api.md documents, as Sphinx's autodoc registers them:
    each auto* directive's target and, for ``automodule`` with ``:members:``, the listed
    members or else the module's documented ``__all__`` entries (with ``__all__`` set,
    Sphinx 7's autodoc documents them wherever they are defined: ``convlib.plotting``
    re-exports its part modules' functions)."""
    import importlib

    text = (BOOK / "appendix" / "api.md").read_text(encoding="utf-8")
    names = set()
    directive = re.compile(r"^\.\. (auto\w+):: (\S+)\n((?:   :[^\n]*\n(?: {6,}[^\n]*\n)*)*)",
                           re.M)
    for kind, target, options in directive.findall(text):
        names.add(target)
        members = re.search(r":members:(.*?)(?=\n   :|\Z)", options, re.S)
        if kind != "automodule" or not members:
            continue
        listed = [n.strip() for n in members[1].split(",") if n.strip()]
        if not listed:
            module = importlib.import_module(target)
            listed = [n for n in getattr(module, "__all__", [])
                      if getattr(getattr(module, n), "__doc__", None)]
        names.update(f"{target}.{n}" for n in listed)
    return names


def _documented_as(name: str, documented: set[str]) -> list[str]:
    """Documented names of the object `name` refers to (for a helpful message)."""
    import importlib

    module, _, attr = name.rpartition(".")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError):
        return []
    return sorted(d for d in documented if d.rpartition(".")[2] == attr
                  and getattr(importlib.import_module(d.rpartition(".")[0]), attr, None)
                  is obj)


@pytest.mark.parametrize("path", LINKED, ids=[str(p.relative_to(ROOT)) for p in LINKED])
def test_chapter_cites_and_links(path):
    nb = load(path)
    roles = link_roles("\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown"))
    problems = [f"no {{{role}}} role in the chapter's markdown"
                for role in ("cite", "term", "func") if not roles[role]]
    keys, terms, documented = bibliography_keys(), glossary_terms(), api_documented()
    problems += [f"{{cite}} key {k!r} is not in book/references.bib"
                 for k in roles["cite"] if k not in keys]
    problems += [f"{{term}} {t!r} is not a term of book/appendix/glossary.md"
                 for t in roles["term"] if t.lower() not in terms]
    problems += [f"{{func}} {f!r} is not documented in book/appendix/api.md"
                 + (f" (it is, as {' or '.join(alts)})"
                    if (alts := _documented_as(f, documented)) else "")
                 for f in roles["func"] if f not in documented]
    assert not problems, "\n".join(problems)


def test_link_checks_see_what_sphinx_sees():
    roles = link_roles("See {term}`Separable kernel`, {term}`the box <integral image>`,\n"
                       "{cite:p}`crow1984, viola2001` and {func}`~convlib.convolve`,\n"
                       "{func}`cl.fft_convolve <convlib.fft_convolve>`.\n"
                       "```python\n{func}`not.a.role`\n```\n")
    assert roles == {"cite": ["crow1984", "viola2001"],
                     "term": ["Separable kernel", "integral image"],
                     "func": ["convlib.convolve", "convlib.fft_convolve"]}
    terms = glossary_terms()
    assert {"separable kernel", "wiener filter", "pixelcnn", "rulebook"} <= terms
    documented = api_documented()
    assert {"convlib.convolve", "convlib.nn.conv2d", "convlib.kernels.gaussian",
            "convlib.plotting.slider_player"} <= documented
    assert "convlib.nn.conv_output_size" not in documented  # documented as convlib.conv_...
    assert _documented_as("convlib.nn.conv_output_size", documented) == [
        "convlib.conv_output_size"]


API_MODULES = ["convlib", "convlib.nn", "convlib.kernels", "convlib.edges", "convlib.sparse",
               "convlib.tiled", "convlib.pixelcnn",
               "convlib.masked", "convlib.deconvolution", "convlib.restoration",
               "convlib.data", "convlib.plotting",
               "convlib.widgets"]


@pytest.mark.parametrize("module", API_MODULES)
def test_api_appendix_documents_every_public_function(module):
    """Every public function or class a chapter may link with {func} has an API entry."""
    import importlib
    import inspect

    mod, documented = importlib.import_module(module), api_documented()
    missing = [n for n in mod.__all__
               if callable(obj := getattr(mod, n)) and not inspect.ismodule(obj)
               and f"{module}.{n}" not in documented
               and not _documented_as(f"{module}.{n}", documented)]
    assert not missing, f"{module}: not in book/appendix/api.md: {missing}"

"""Prose is checked like code: measured numbers in the book's text are glued, not typed.

A number in a chapter's markdown that comes from a computation or a measurement (a
ratio, an error, a time, a size in bytes, a percentage) must be inserted from the cell
that computes it with myst-nb's ``glue`` (``{glue:text}`key:.3f```), so that nbval checks
it on every run and the text cannot drift from the outputs. This test scans the markdown
of every notebook in ``book/`` (and ``book/intro.md``) outside math, inline code, fenced
code and MyST roles, for measurement-like numbers:

* a ratio: ``N×`` or ``Nx`` not followed by a digit ("3× faster"; ``3×3`` is a size);
* ``N times``; a percentage (``N %``, ``N percent``);
* a number with a unit of time, memory or throughput (``ms``, ``s``, ``MB``, ``GFLOP/s``...);
* a decimal (``0.25``) or scientific notation (``1e-5``, ``1.2·10^-7``).

Each hit must be glued, or written where it belongs when it is a definitional input (a
parameter the code sets goes in inline code, ``sigma=1.5``; a formula goes in math), or
listed below in ``ALLOWED`` for its notebook with the reason it is not a measurement.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import ROOT

BOOK = ROOT / "book"
SOURCES = sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
SOURCES.append(BOOK / "intro.md")

# Definitional constants, per notebook stem: {matched text: why it is not a measurement}.
# Keep it short; every entry says why. A measured value never belongs here: glue it.
ALLOWED: dict[str, dict[str, str]] = {
    "intro": {
    },
    "ch01_convolution_1d": {
    },
    "ch02_convolution_2d": {
    },
    "ch03_image_filters": {
    },
    "ch04_separable_integral": {
    },
    "ch05_convolution_theorem": {
    },
    "ch06_deconvolution": {
    },
    "ch07_toeplitz": {
    },
    "ch08_im2col": {
    },
    "ch09_winograd": {
    },
    "ch10_conv_layers": {
        "40 GB": "names the A100 model (its memory size), not a measurement",
        "80 GB": "names the A100 models with more bandwidth, not a measurement",
    },
    "ch11_conv_arithmetic": {
    },
    "ch12_transposed_conv": {
    },
    "ch13_backprop": {
    },
    "ch14_sparse_convolution": {
    },
    "ch15_larger_than_memory": {
    },
    "ch16_masked_causal": {
    },
    "which_method": {
    },
}

# --- what is not prose --------------------------------------------------------------
FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                   re.S | re.M)
# directives whose body is not prose (code, math, raw reST, included files)
NOT_PROSE = re.compile(r"\{(math|code|code-block|code-cell|literalinclude|eval-rst|raw|"
                       r"glossary|bibliography|tableofcontents|toctree)\}")
OPTION_LINE = re.compile(r"^:[\w-]+:.*$", re.M)
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)[^$\n]+?(?<!\\)\$")
ROLE = re.compile(r"\{[\w:.-]+\}`[^`]*`")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
LABEL = re.compile(r"^\([\w:.-]+\)=\s*$", re.M)
LINK_TARGET = re.compile(r"\]\([^)]*\)")
HTML = re.compile(r"<!--.*?-->|<[^>\n]+>", re.S)
# a numbered place in a cited work ("section 8.7", "§ 2.3", "eq. 4.12") is not a measurement
PLACE = re.compile(r"(?:[Ss]ections?|§|[Cc]hapters?|[Ee]q\.|[Ee]quations?|[Ff]ig\.|"
                   r"[Ff]igures?|[Tt]ables?|[Tt]heorem|p\.|pp\.)\s*$")

# --- what looks like a measurement --------------------------------------------------
NUM = r"(?<![\w.])\d(?:[\d,]*\d)?(?:\.\d+)?"
UNITS = (r"ns|µs|μs|us|ms|s|sec|secs|seconds?|minutes?|mins?|hours?|"
         r"[kKMGT]i?B|bytes?|[KMGT]?FLOPs?(?:/s)?|[KMGT]B/s|GHz|MHz")
PATTERNS = [
    ("ratio", re.compile(NUM + r"\s?(?:×|x)(?!\s*[\d(])(?![\w])")),
    ("times", re.compile(NUM + r"\s+times\b")),
    ("percent", re.compile(NUM + r"\s?(?:%|percent\b|per cent\b)")),
    ("unit", re.compile(NUM + r"\s?(?:" + UNITS + r")(?![\w/])")),
    ("scientific", re.compile(r"(?<![\w.])\d(?:\.\d+)?(?:[eE][-+−]?\d+|\s?[·×]\s?10\^?[-−⁻]?[\d⁰¹²³⁴⁵⁶⁷⁸⁹]+)")),
    ("decimal", re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")),
]


def prose(markdown: str) -> str:
    """The text a reader reads as sentences: markdown without math, code and roles."""
    def fence(m: re.Match) -> str:
        info = m["info"].strip()
        if not info.startswith("{") or NOT_PROSE.match(info):
            return "\n" * m[0].count("\n")
        return FENCE.sub(fence, OPTION_LINE.sub("", m["body"]))  # nested fences

    text = FENCE.sub(fence, markdown)
    for pattern in (DISPLAY_MATH, ROLE, INLINE_CODE, INLINE_MATH, LABEL, HTML):
        text = pattern.sub(" ", text)
    return LINK_TARGET.sub("]", text)


def hits(markdown: str) -> list[tuple[str, str, str]]:
    """(kind, matched text, its line) for every measurement-like number in ``markdown``."""
    found = []
    for line in prose(markdown).splitlines():
        taken: list[tuple[int, int]] = []
        for kind, pattern in PATTERNS:
            for m in pattern.finditer(line):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue  # already reported as a more specific kind
                taken.append(m.span())
                if PLACE.search(line[:m.start()]):
                    continue
                found.append((kind, m[0].strip(), line.strip()))
    return found


def markdown_of(path: Path) -> str:
    if path.suffix == ".md":
        return path.read_text(encoding="utf-8")
    nb = json.loads(path.read_text(encoding="utf-8"))
    return "\n\n".join("".join(c["source"]) for c in nb["cells"]
                       if c["cell_type"] == "markdown")


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_measured_numbers_in_prose_are_glued(path):
    allowed = ALLOWED.get(path.stem, {})
    bad = [h for h in hits(markdown_of(path)) if h[1] not in allowed]
    listing = "\n".join(f"  {kind:10} {text!r:14} in: {line[:110]}" for kind, text, line in bad)
    assert not bad, (f"{len(bad)} typed number(s) in {path.relative_to(ROOT)}: glue them "
                     f"(myst_nb.glue + {{glue:text}}), or put an input in code/math, or "
                     f"list a definitional constant in ALLOWED with its reason:\n{listing}")


def test_allowed_entries_are_used():
    """An allow-list entry that no longer matches anything is stale: remove it."""
    by_stem = {p.stem: p for p in SOURCES}
    for stem, entries in ALLOWED.items():
        assert stem in by_stem, f"ALLOWED names {stem!r}, which is not a book source"
        found = {text for _, text, _ in hits(markdown_of(by_stem[stem]))}
        stale = set(entries) - found
        assert not stale, f"{stem}: stale ALLOWED entries {sorted(stale)}"


# --- the checker checks itself -------------------------------------------------------
@pytest.mark.parametrize("text", [
    "The FFT is 3× faster here.", "about 2.5x slower", "it takes 12 ms", "uses 40 MB",
    "error of 1e-15", "an error of 4.8·10^-17", "97 % of the time", "ten is 1.35 times",
    "within 0.5", "at 66 GFLOP/s", "runs in 3 s.",
    "```{exercise} Speed\n:label: ex-x\nIt is 4× faster.\n```",
])
def test_checker_flags_measurements(text):
    assert hits(text), text


@pytest.mark.parametrize("text", [
    "a 3×3 kernel", "a 3 × 3 kernel", "images of 1024² pixels", "chapter 5",
    "$\\sigma = 1.5$", "$$e = 0.25$$", "call `cl.gaussian(sigma=1.5)`",
    "{glue:text}`ch05-ratio:.2f`× faster", "see {numref}`fig-ch05-2`",
    "(ch-convolution-1d)=\n# Title", "```python\nx = 0.5 * y  # 12 ms\n```",
    "```{exercise} Kernel\n:label: ex-ch01-2.5\nTake a 5×5 kernel.\n```",
    "[the docs](https://example.org/v1.2/page.html)", "the ex-ch01-hand exercise",
    "Section 3 has 2 parts", "2^53", "(Oppenheim and Schafer, section 8.7)",
    "````{solution} ex-ch03-x\n:class: dropdown\n```python\nerr = 1e-4  # 0.5\n```\n````",
])
def test_checker_passes_definitional_text(text):
    assert not hits(text), hits(text)

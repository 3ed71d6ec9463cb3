"""What the book's notebooks need from a notebook front end: ``glue``.

The chapters insert computed numbers into their prose with myst-nb's *glue*: a code cell
calls ``glue("ch05-crossover", value)`` and the markdown says
``{glue:text}`ch05-crossover:.0f```, so the text cannot drift from the computation
(nbval compares the glued value on every run). myst-nb is a dependency of the book's
build, not of the places a reader runs a chapter (JupyterLite in the browser, Colab, a
plain Jupyter): there ``from myst_nb import glue`` fails and the chapter stops at its
first cell. This module's :func:`glue` stores exactly the output myst-nb's does, so the
book renders the same, and needs nothing but IPython, which every kernel has.

:func:`timing_claim` checks what the text says about measured times ("separable is
faster from k = 9"): an assertion wherever the book is executed and tested, and a note
instead of a stop in the browser's live mode, whose machine is not the book's.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["glue", "GLUE_PREFIX", "timing_claim"]

#: The MIME-type prefix under which a glued value is stored when it is not displayed
#: (myst-nb's ``GLUE_PREFIX``; myst-nb reads it back when it builds the page).
GLUE_PREFIX = "application/papermill.record/"


def glue(name: str, variable: Any, display: bool = True) -> None:
    """Store ``variable`` under ``name`` for the book's text, as ``myst_nb.glue`` does.

    Parameters
    ----------
    name : str
        The key the markdown refers to (``{glue:text}`name:.3f```); book-wide, so each
        chapter prefixes its keys (``"ch05-..."``).
    variable : object
        The value; its IPython representations (``text/plain``, ...) are stored.
    display : bool
        Also show it under the cell (the default, as in myst-nb). The chapters pass
        ``display=False``: the number appears in the prose only.

    Notes
    -----
    The output is a ``display_data`` message whose MIME keys carry :data:`GLUE_PREFIX`
    (unless ``display``) and whose metadata names the key (``{"scrapbook": {"name":
    name, "mime_prefix": ...}}``): what myst-nb 1.x stores, which
    tests/test_notebook_glue.py checks against myst-nb itself.

    Examples
    --------
    Outside a kernel IPython prints only what it can show: the value, if displayed.

    >>> glue("example-answer", 42)
    42
    >>> glue("example-answer", 42, display=False)
    """
    from IPython.core.formatters import format_display_data
    from IPython.display import display as ipy_display

    mimebundle, metadata = format_display_data(variable)
    prefix = "" if display else GLUE_PREFIX
    metadata["scrapbook"] = dict(name=name, mime_prefix=prefix)
    ipy_display({prefix + k: v for k, v in mimebundle.items()}, raw=True,
                metadata=metadata)


def timing_claim(holds: bool, claim: str) -> None:
    """Check a claim about measured run times, as the chapters' timing cells state them.

    Parameters
    ----------
    holds : bool
        Whether the measurement agrees with the claim.
    claim : str
        The claim, in words (shown if it does not hold).

    Raises
    ------
    AssertionError
        If ``holds`` is false, except in a browser (Pyodide, ``sys.platform ==
        'emscripten'``): the book's timing claims are about the machine that executed it,
        and a WebAssembly build of NumPy without threads or an optimised BLAS can rank
        methods differently. There the chapter prints a note and goes on.

    Examples
    --------
    >>> timing_claim(2.0 > 1.0, "the direct sum is slower")
    >>> timing_claim(False, "the direct sum is slower")
    Traceback (most recent call last):
    ...
    AssertionError: timing claim does not hold here: the direct sum is slower
    """
    if holds:
        return
    if sys.platform == "emscripten":
        print(f"Note: in this browser the timing does not bear out the book's claim "
              f"(measured on the machine that built it): {claim}")
        return
    raise AssertionError(f"timing claim does not hold here: {claim}")

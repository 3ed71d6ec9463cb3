"""nbval compares figures too: a fresh run must redraw every stored PNG (issue 14, mechanism 4).

nbval 0.11 compares a cell's text, HTML, SVG, streams and errors, but skips ``image/png``
and ``image/jpeg``: a stale or swapped figure passes while its ``<Figure size ...>`` text
matches. This plugin wraps ``nbval.plugin.IPyNbCell.compare_outputs``, so it costs no
second execution: after nbval's own comparison of a cell succeeds, the cell's fresh
images are compared with the stored ones, in order:

* the number of images must be the same (a figure added, dropped or moved to another
  cell fails);
* each pair must have the same size in pixels, and unless the PNG bytes are identical
  (the usual case: Agg output is byte-stable for the pinned matplotlib and fonts), the
  root-mean-square difference of the decoded RGBA values (0-255) must be at most
  ``TOLERANCE``.

Why ``TOLERANCE = 0.5``: the same code and data can move an antialiased edge by a
fraction of a pixel when floating-point results differ in their last bits (another CPU,
BLAS or libm), which changes a few edge pixels by a few grey levels: an RMS of a few
hundredths up to a few tenths (matplotlib's own image tests allow tolerances of this size
across platforms). Anything a reader can see changes far more: a changed tick label
(about 50 pixels) gives about 4 on a 560x240 figure, a curve moved by one pixel about 20,
another figure tens. Cells that nbval does not compare (``nbval-ignore-output``, e.g.
timing plots) are not compared here either.

Loaded for the notebooks under ``book/`` by ``book/conftest.py``; elsewhere with
``-p nbval_figures`` (``tests/`` on ``sys.path``), as ``tests/test_nbval_strict.py`` does.
"""

from __future__ import annotations

import base64
import io

import numpy as np

TOLERANCE = 0.5  # RMS of RGBA values 0..255, see the module docstring
IMAGE_TYPES = ("image/png", "image/jpeg")


def images(outputs) -> list[tuple[str, str]]:
    """(MIME type, base64 data) of every image among a cell's outputs, in order."""
    found = []
    for out in outputs:
        data = out.get("data", {})
        for mime in IMAGE_TYPES:
            if mime in data:
                value = data[mime]
                found.append((mime, "".join(value) if isinstance(value, list) else value))
    return found


def decode(b64: str) -> np.ndarray:
    """An image as an array of RGBA values 0..255 (float)."""
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(b64))) as img:
        return np.asarray(img.convert("RGBA"), dtype=float)


def rms(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.sqrt(np.mean((a - b) ** 2)))


def figure_differences(fresh, stored, tolerance: float = TOLERANCE) -> list[str]:
    """Why a cell's fresh images do not reproduce its stored ones (empty if they do)."""
    new, old = images(fresh), images(stored)
    if len(new) != len(old):
        return [f"the cell stores {len(old)} image(s) but a fresh run draws {len(new)}"]
    problems = []
    for i, ((mime_new, b_new), (mime_old, b_old)) in enumerate(zip(new, old), 1):
        if mime_new != mime_old:
            problems.append(f"image {i}: stored as {mime_old}, drawn as {mime_new}")
        elif b_new != b_old:
            a, b = decode(b_new), decode(b_old)
            if a.shape != b.shape:
                problems.append(f"image {i}: stored {b.shape[1]}x{b.shape[0]} pixels, "
                                f"drawn {a.shape[1]}x{a.shape[0]}")
            elif (d := rms(a, b)) > tolerance:
                problems.append(f"image {i}: RMS difference {d:.3g} (0-255 scale) from the "
                                f"stored figure exceeds {tolerance} (stale figure? run "
                                f"`make execute NB=...`)")
    return problems


def install() -> None:
    """Wrap nbval's comparison (once) so that it also compares images."""
    from nbval.plugin import IPyNbCell

    original = IPyNbCell.compare_outputs
    if getattr(original, "compares_figures", False):
        return

    def compare_outputs(self, test, ref, skip_compare=None):
        if not original(self, test, ref, skip_compare):
            return False
        problems = figure_differences(test, ref)
        self.comparison_traceback.extend(f"figure mismatch: {p}" for p in problems)
        return not problems

    compare_outputs.compares_figures = True
    compare_outputs.__doc__ = original.__doc__
    IPyNbCell.compare_outputs = compare_outputs


def pytest_configure(config):
    if config.pluginmanager.hasplugin("nbval"):
        install()

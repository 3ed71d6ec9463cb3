"""Index arithmetic of one layer axis: which inputs an output reads, and the reverse.

Output position ``o`` of a convolution with kernel size ``k``, stride ``s``, padding
``(p_lo, p_hi)`` and dilation ``d`` reads the input positions

    s*o - p_lo + d*i,   i = 0, ..., k - 1

(negative positions and positions ``>= n`` are padding). The figures and the widget of
chapter 11 are drawn from these two functions; both live in :mod:`convlib.shapes`
(the one source of window arithmetic, which :mod:`convlib.im2col` uses too) and are
re-exported here.
"""

from __future__ import annotations

from ..shapes import window_indices, windows_containing

__all__ = ["window_indices", "windows_containing"]

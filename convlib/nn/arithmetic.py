"""Index arithmetic of one layer axis: which inputs an output reads, and the reverse.

Output position ``o`` of a convolution with kernel size ``k``, stride ``s``, padding
``(p_lo, p_hi)`` and dilation ``d`` reads the input positions

    s*o - p_lo + d*i,   i = 0, ..., k - 1

(negative positions and positions ``>= n`` are padding). The figures and the widget of
chapter 11 are drawn from these two functions; sizes come from :mod:`convlib.shapes`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int, check_output_bytes
from ..shapes import conv_output_size, normalize_padding

__all__ = ["window_indices", "windows_containing"]


def window_indices(out_pos: int, n: int, kernel_size: int, stride: int = 1,
                   padding: int | tuple[int, int] = 0, dilation: int = 1) -> np.ndarray:
    """Input positions read by output position ``out_pos`` along one axis.

    Parameters
    ----------
    out_pos : int
        Output position, ``0 <= out_pos < conv_output_size(n, kernel_size, stride,
        padding, dilation)``.
    n : int
        Input length.
    kernel_size, stride, padding, dilation
        As in :func:`convlib.conv_output_size`.

    Returns
    -------
    ndarray of shape (kernel_size,)
        ``stride*out_pos - p_lo + dilation*arange(kernel_size)``, in input coordinates:
        values below 0 or from ``n`` on fall in the padding.

    Raises
    ------
    ValueError
        If ``out_pos`` is outside the output, or the sizes are invalid.

    Examples
    --------
    >>> window_indices(1, 5, 3, stride=2, padding=1)
    array([1, 2, 3])
    >>> window_indices(0, 7, 3, dilation=2)
    array([0, 2, 4])
    >>> window_indices(3, 5, 3)
    Traceback (most recent call last):
    ...
    ValueError: window_indices: out_pos must be in [0, 3); got 3
    """
    func = "window_indices"
    L = conv_output_size(n, kernel_size, stride, padding, dilation, func=func)
    o = check_int(out_pos, "out_pos", func)
    if not 0 <= o < L:
        raise ValueError(f"{func}: out_pos must be in [0, {L}); got {o}")
    lo, _ = normalize_padding(padding, func)
    check_output_bytes((kernel_size,), 8, "kernel_size", func)
    return stride * o - lo + dilation * np.arange(kernel_size)


def windows_containing(in_pos: int, n: int, kernel_size: int, stride: int = 1,
                       padding: int | tuple[int, int] = 0,
                       dilation: int = 1) -> np.ndarray:
    """Output positions whose window reads input position ``in_pos`` (one axis).

    Parameters
    ----------
    in_pos : int
        Input position, ``0 <= in_pos < n``.
    n, kernel_size, stride, padding, dilation
        As in :func:`window_indices`.

    Returns
    -------
    ndarray of int
        Sorted output positions ``o`` with ``in_pos`` in ``window_indices(o, ...)``;
        empty if a stride larger than the dilated kernel skips the input.

    Examples
    --------
    >>> windows_containing(2, 5, 3)
    array([0, 1, 2])
    >>> windows_containing(2, 5, 1, stride=2), windows_containing(1, 5, 1, stride=2)
    (array([1]), array([], dtype=int64))
    """
    func = "windows_containing"
    L = conv_output_size(n, kernel_size, stride, padding, dilation, func=func)
    i = check_int(in_pos, "in_pos", func)
    if not 0 <= i < n:
        raise ValueError(f"{func}: in_pos must be in [0, {n}); got {i}")
    lo, _ = normalize_padding(padding, func)
    check_output_bytes((kernel_size,), 8, "kernel_size", func)
    # tap t of output o reads stride*o - lo + dilation*t = i: solve for o, one candidate
    # per tap (distinct taps give distinct outputs), instead of scanning all L outputs
    num = i + lo - dilation * np.arange(kernel_size - 1, -1, -1, dtype=np.int64)
    o = num // stride
    return o[(num % stride == 0) & (o >= 0) & (o < L)]

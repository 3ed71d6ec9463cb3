"""Convolution computed straight from its definition.

Two implementations of one contract (``impl(in1, in2, mode) -> ndarray``), used by
:func:`convlib.convolve` through its ``method`` argument:

* :func:`convolve_loops` -- ``method='loops'``: the convolution sum written as nested
  Python loops, one output value at a time. Slow; it is the definition derived in
  chapter 1 and the reference every other method is tested against.
* :func:`convolve_direct` -- ``method='direct'``: the same sum vectorised. The Python loop
  runs over the taps of the smaller input (never over output values); each tap adds a
  scaled, shifted copy of the larger input to the output ("superposition of shifted,
  scaled impulse responses").

Both receive validated arrays of equal ndim, non-empty, and a mode already checked; in
``'valid'`` mode ``in1`` is at least as large as ``in2`` in every dimension. Both compute
in ``numpy.result_type(in1, in2)``, so integer inputs give exact integers.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .shapes import mode_offset, output_shape

__all__ = ["convolve_loops", "convolve_direct", "conv_terms", "DIRECT_BLOCK",
           "SPARSE_TAP_RATIO", "WINDOW_DOT_MIN_TAPS", "WINDOW_DOT_TAPS_PER_OUTPUT"]

#: Elements of output per block of :func:`convolve_direct` (whole rows of the first
#: axis; at least one row): 32768 float64 values are 256 KiB, which with the scratch
#: buffer and the input rows fits a typical L2 cache. Chosen by timing 2-D images of
#: 512 to 2048 pixels with 3 x 3 to 7 x 7 kernels (the appendix "Which method when?").
#: The depthwise path of :func:`convlib.nn.conv2d` blocks its output by the same number,
#: and the cost model (:mod:`convlib.costmodel`) counts the blocks with it.
DIRECT_BLOCK = 32768

#: A kernel is *sparse* for :func:`convolve_direct` when at most one in this many of its
#: taps is non-zero: then the tap loop, which skips zero taps, beats ``numpy.convolve``
#: on 1-D inputs (which multiplies by every tap). See ``mostly_zero``.
SPARSE_TAP_RATIO = 16

#: :func:`convolve_direct` computes each output value as one dot product of a window
#: with the flipped kernel (instead of looping over taps) when the kernel has at least
#: this many taps ... (see ``windows_pay``)
WINDOW_DOT_MIN_TAPS = 256

#: ... and the output has at most ``1 / WINDOW_DOT_TAPS_PER_OUTPUT`` as many values as
#: the kernel has taps: a few long dot products then replace many short shifted slices
#: (e.g. ``'valid'`` mode with a kernel nearly as large as the signal).
WINDOW_DOT_TAPS_PER_OUTPUT = 8

#: Largest number of multiply-adds ``method='direct'`` (or ``'loops'``) accepts: 2e10,
#: seconds for 1-D inputs (``numpy.convolve``) and about half a minute for N-d ones on
#: the machine that built the book. Above it ``convolve`` raises a ``ValueError``
#: suggesting ``method='fft'`` rather than running for minutes without feedback.
#: (Re-exported as ``convlib.dispatch.DIRECT_MAX_MACS``.)
DIRECT_MAX_MACS = 2 * 10**10


def direct_macs(shape1, shape2, mode: str) -> int:
    """Multiply-adds of the direct sum of inputs of these shapes in ``mode`` (zero taps
    included): per axis, the number of (input, kernel) index pairs whose output falls in
    the ``mode`` window, multiplied over the axes.

    For the package (the dispatcher's and :func:`convlib.convolve2d`'s work guards, the
    cost model); ``shape1`` and ``shape2`` are valid shapes for ``mode``.

    Examples
    --------
    >>> direct_macs((5,), (3,), "full"), direct_macs((5,), (3,), "valid")
    (15, 9)
    """
    shape = output_shape(shape1, shape2, mode)
    offset = mode_offset(shape1, shape2, mode)
    big, small = ((shape2, shape1) if math.prod(shape2) > math.prod(shape1)
                  else (shape1, shape2))
    macs = 1
    for A, B, o, L in zip(big, small, offset, shape):  # separable: a product of sums
        # int64, not NumPy's default integer: that is int32 on 32-bit platforms and in
        # the browser (Pyodide, wasm32), where the sum overflows for 10**7 x 10**4 inputs
        k = np.arange(B, dtype=np.int64)
        macs *= int(np.maximum(0, np.minimum(k + A, o + L) - np.maximum(k, o)).sum())
    return macs


def check_macs(macs: float, method: str, func: str) -> None:
    """Refuse a direct sum of more than :data:`DIRECT_MAX_MACS` multiply-adds: raise a
    ``ValueError`` naming ``func`` (the function the user called) and ``method``.

    For the package (the dispatcher and :func:`convlib.convolve2d`).

    Examples
    --------
    >>> check_macs(3e10, "direct", "convolve")
    Traceback (most recent call last):
    ...
    ValueError: convolve: method='direct' needs 3e+10 multiply-adds, more than \
convlib.dispatch.DIRECT_MAX_MACS = 2e+10 (minutes of work); use method='fft' (or 'auto')
    """
    if macs > DIRECT_MAX_MACS:
        raise ValueError(
            f"{func}: method={method!r} needs {macs:.2g} multiply-adds, more than "
            f"convlib.dispatch.DIRECT_MAX_MACS = {DIRECT_MAX_MACS:.2g} (minutes of "
            "work); use method='fft' (or 'auto')")


def reverse_conj(x: np.ndarray) -> np.ndarray:
    """``x`` reversed along every axis and complex-conjugated (a view for real input):
    correlation with ``h`` is convolution with ``reverse_conj(h)``."""
    flipped = x[(slice(None, None, -1),) * x.ndim]
    return flipped.conj() if x.dtype.kind == "c" else flipped


def convolve_loops(in1: np.ndarray, in2: np.ndarray, mode: str = "full") -> np.ndarray:
    """Convolution by the defining sum, one output value at a time (``method='loops'``).

    Parameters
    ----------
    in1 : ndarray of shape (N1, ..., Nd)
        First input.
    in2 : ndarray of shape (M1, ..., Md)
        Second input, same number of dimensions.
    mode : {'full', 'same', 'valid'}
        Output size; see :func:`convlib.output_shape`.

    Returns
    -------
    ndarray
        ``y[n] = sum_k in1[k] * in2[n - k]`` over every ``k`` for which both indices are
        inside their arrays, for ``n`` in the ``mode`` window, in
        ``numpy.result_type(in1, in2)``.

    Notes
    -----
    Cost ``O(prod(N) * prod(M))`` Python-level multiply-adds: use it to read, not to run
    on large inputs. This is the convolution sum of :ref:`ch-convolution-1d`.

    Examples
    --------
    >>> convolve_loops(np.array([1, 2, 3]), np.array([0, 1, 0.5]))
    array([0. , 1. , 2.5, 4. , 1.5])
    """
    dtype = np.result_type(in1, in2)
    x = np.asarray(in1, dtype=dtype)
    h = np.asarray(in2, dtype=dtype)
    shape = output_shape(x.shape, h.shape, mode)
    offset = mode_offset(x.shape, h.shape, mode)
    out = np.zeros(shape, dtype=dtype)
    for n_out in np.ndindex(*shape):
        n = [i + o for i, o in zip(n_out, offset)]  # index into the full output
        total = dtype.type(0)
        # the k with 0 <= k < N and 0 <= n - k < M, axis by axis
        ranges = [range(max(0, ni - Mi + 1), min(Ni, ni + 1))
                  for ni, Ni, Mi in zip(n, x.shape, h.shape)]
        for k in itertools.product(*ranges):
            total += x[k] * h[tuple(ni - ki for ni, ki in zip(n, k))]
        out[n_out] = total
    return out


def convolve_direct(in1: np.ndarray, in2: np.ndarray, mode: str = "full") -> np.ndarray:
    """Vectorised direct convolution: one shifted multiply-add per tap (``method='direct'``).

    Parameters
    ----------
    in1 : ndarray of shape (N1, ..., Nd)
    in2 : ndarray of shape (M1, ..., Md)
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    ndarray
        Same values as :func:`convolve_loops`, in ``numpy.result_type(in1, in2)``.

    Notes
    -----
    Convolution is commutative, so the loop runs over the taps of whichever input has
    fewer elements, ``b``; for each tap ``b[k]`` the slice of the larger input ``a`` that
    lands inside the output window is scaled and added::

        out[n] += b[k] * a[n - k]

    Zero taps are skipped (exactly: they add nothing). Cost ``O(prod(N) * prod(M))``
    arithmetic in ``min(prod(N), prod(M))`` vectorised NumPy calls per block. The
    superposition view of :ref:`ch-convolution-1d`.

    Speed: 1-D numeric inputs go to ``numpy.convolve`` (the same sum, in compiled
    code) unless at most 1 in :data:`SPARSE_TAP_RATIO` (16) taps is non-zero (then
    skipping the zeros is faster). With a large kernel (:data:`WINDOW_DOT_MIN_TAPS`, 256
    taps or more) and an output of at most 1/:data:`WINDOW_DOT_TAPS_PER_OUTPUT` (1/8) as
    many values as the kernel has taps, each output value is one dot product of a window
    of ``in1`` with the flipped kernel (``windows_pay``).
    Otherwise the output is computed in blocks of about :data:`DIRECT_BLOCK` elements
    (whole rows along the first axis), and every tap is applied to one block before the
    next, with in-place multiply-adds into one scratch buffer: the block stays in the
    processor's cache instead of streaming the whole output through memory once per
    tap, and no temporary array is allocated per tap. Extra memory: one block.

    Examples
    --------
    >>> convolve_direct(np.array([1, 2, 3]), np.array([1, 1]), mode="valid")
    array([3, 5])
    """
    dtype = np.result_type(in1, in2)
    a = np.asarray(in1, dtype=dtype)
    b = np.asarray(in2, dtype=dtype)
    shape = output_shape(a.shape, b.shape, mode)
    offset = mode_offset(a.shape, b.shape, mode)
    if b.size > a.size:  # the full output is symmetric in the inputs
        a, b = b, a
    if a.ndim == 1 and dtype.kind in "iufc" and not mostly_zero(b):  # NumPy's compiled loop
        return numpy_window_1d(a, b, mode, offset, shape)
    if windows_pay(math.prod(shape), b.size) and dtype.kind in "iufc":
        return _direct_windows(a, b, shape, offset)
    out = np.zeros(shape, dtype=dtype)
    taps = [(k, b[k]) for k in np.ndindex(*b.shape) if b[k] != 0]
    row = math.prod(shape[1:])
    rows = max(1, DIRECT_BLOCK // max(row, 1))  # output rows per cache-sized block
    tmp = np.empty((min(rows, shape[0]),) + tuple(shape[1:]), dtype=dtype)
    for r0 in range(0, shape[0], rows):
        r1 = min(shape[0], r0 + rows)
        for k, tap in taps:
            out_index, a_index = [], []
            bounds = zip(k, a.shape, offset, shape)
            for axis, (ki, Ai, oi, Li) in enumerate(bounds):
                lo, hi = max(ki, oi), min(ki + Ai, oi + Li)  # full-output range reached
                if axis == 0:
                    lo, hi = max(lo, oi + r0), min(hi, oi + r1)
                if lo >= hi:
                    break
                out_index.append(slice(lo - oi, hi - oi))
                a_index.append(slice(lo - ki, hi - ki))
            else:
                src = a[tuple(a_index)]
                buf = tmp[tuple(slice(0, n) for n in src.shape)]
                np.multiply(src, tap, out=buf)
                target = out[tuple(out_index)]
                np.add(target, buf, out=target)
    return out


def numpy_window_1d(a: np.ndarray, b: np.ndarray, mode: str, offset, shape) -> np.ndarray:
    """The ``mode`` window of ``numpy.convolve(a, b)`` (1-D; ``offset`` and ``shape``
    of the window in the full output, as :func:`convlib.shapes.mode_offset` and
    :func:`convlib.shapes.output_shape` give them): the 1-D sum of
    :func:`convolve_direct`, shared with the dispatcher's fast path.

    Examples
    --------
    >>> numpy_window_1d(np.arange(5.0), np.ones(3), "same", (1,), (5,))
    array([1., 3., 6., 9., 7.])
    """
    if mode == "valid":
        return np.convolve(a, b, "valid")
    return np.convolve(a, b, "full")[offset[0]:offset[0] + shape[0]].copy()


def mostly_zero(kernel: np.ndarray) -> bool:
    """Whether at most one in :data:`SPARSE_TAP_RATIO` taps of ``kernel`` is non-zero
    (then :func:`convolve_direct` loops over the non-zero taps even in 1-D).

    Examples
    --------
    >>> mostly_zero(np.eye(16)), mostly_zero(np.eye(15))
    (True, False)
    """
    most = kernel.size // SPARSE_TAP_RATIO  # the most non-zero taps it may have
    # its first most + 1 taps decide a dense kernel: counted alone (measured: 0.3 us
    # of the 4.3 us that counting all 10^4 float64 taps took)
    if most + 1 < kernel.size:
        head = (kernel.reshape(-1) if kernel.flags.c_contiguous else kernel.flat)[:most + 1]
        if np.count_nonzero(head) > most:
            return False
    return int(np.count_nonzero(kernel)) <= most


def windows_pay(outputs: int, taps: int) -> bool:
    """Whether :func:`convolve_direct` computes each of ``outputs`` values as one dot
    product of a window with the flipped kernel of ``taps`` taps (on N-d inputs; 1-D
    ones go to ``numpy.convolve``): at least :data:`WINDOW_DOT_MIN_TAPS` taps and at
    most ``taps / WINDOW_DOT_TAPS_PER_OUTPUT`` outputs. The cost model
    (:func:`convlib.costmodel.cost_features`) counts the work by the same rule.

    Examples
    --------
    >>> windows_pay(32, 256), windows_pay(33, 256), windows_pay(1, 255)
    (True, False, False)
    """
    return taps >= WINDOW_DOT_MIN_TAPS and outputs * WINDOW_DOT_TAPS_PER_OUTPUT <= taps


def _direct_windows(a: np.ndarray, b: np.ndarray, shape, offset) -> np.ndarray:
    """The direct sum one output value at a time, for outputs with far fewer values
    than the kernel has taps (e.g. 'valid' mode with a kernel nearly as large as the
    signal): each output is the dot product of a window of ``a`` with ``b`` flipped,
    ``y[n] = sum_j b[M-1-j] a[n - (M-1) + j]``, so a few long dot products replace
    many short shifted slices."""
    m = b.shape
    pads = [(max(0, mi - 1 - oi), max(0, oi + li - ai)) for mi, oi, li, ai
            in zip(m, offset, shape, a.shape)]
    ap = np.pad(a, pads) if any(lo or hi for lo, hi in pads) else a
    # full-output index n reads ap[n - (M-1) + pad_lo ...]: window start per axis
    starts = [oi - (mi - 1) + lo for oi, mi, (lo, _) in zip(offset, m, pads)]
    windows = np.lib.stride_tricks.sliding_window_view(ap, m)
    windows = windows[tuple(slice(st, st + li) for st, li in zip(starts, shape))]
    flipped = b[(slice(None, None, -1),) * b.ndim]
    return np.tensordot(windows, flipped, axes=b.ndim)


def conv_terms(x, h, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The terms of the 1-D convolution sum at one output index (flip-and-slide).

    Parameters
    ----------
    x : array_like of shape (N,)
        Signal.
    h : array_like of shape (M,)
        Kernel.
    n : int
        Index into the full output, ``0 <= n <= N + M - 2`` for a non-empty sum.

    Returns
    -------
    k : ndarray of int, shape (P,)
        The indices where ``x[k]`` and ``h[n - k]`` both exist.
    xk, hk, products : ndarray of shape (P,)
        ``x[k]``, ``h[n - k]`` and their products; ``products.sum()`` is ``y[n]``.

    Examples
    --------
    >>> k, xk, hk, p = conv_terms([1, 2, 3], [1, 10], 1)
    >>> k.tolist(), p.tolist()
    ([0, 1], [10, 2])
    """
    x = np.asarray(x)
    h = np.asarray(h)
    if x.ndim != 1 or h.ndim != 1:
        raise ValueError(f"conv_terms: x and h must be 1-D; got shapes {x.shape} and {h.shape}")
    n = int(n)
    k = np.arange(max(0, n - len(h) + 1), min(len(x), n + 1))
    xk, hk = x[k], h[n - k]
    return k, xk, hk, xk * hk

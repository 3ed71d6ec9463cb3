"""Fast convolution through the convolution theorem (chapter 5).

The discrete Fourier transform turns circular convolution into a product,

.. math:: \\mathrm{DFT}(a \\circledast b) = \\mathrm{DFT}(a) \\cdot \\mathrm{DFT}(b),

so convolution costs three FFTs instead of ``N * M`` multiply-adds. This module holds:

* :func:`dft_matrix` -- the DFT as an ``n x n`` matrix, to read the theorem as algebra;
* :func:`circular_convolve` -- circular (periodic) convolution of equal-shape arrays;
* :func:`fft_convolve` -- *linear* convolution by zero padding to the full length (and on
  to a fast FFT length); equals ``scipy.signal.fftconvolve`` (``method='fft'``);
* :func:`overlap_add` -- long inputs in blocks whose convolutions overlap and are added;
  equals ``scipy.signal.oaconvolve`` (``method='overlap_add'``);
* :func:`overlap_save` -- blocks of the input that overlap; the wrapped-around part of
  each block's circular convolution is discarded (streaming);
* :func:`block_length` and :func:`block_plan` -- the block-size rule and the block
  layout both streaming methods use;
* :func:`wraparound` and :func:`bench_methods` -- the state of chapter 5's zero-padding
  widget, and its timing helper;
* :func:`calibrate_cost_model` -- how the constants of ``choose_method``'s cost model
  were measured and fitted.

All compute true convolution (the kernel is flipped), like :func:`convlib.convolve`.
Integer and boolean inputs are converted to float64 and the result stays floating point,
as in SciPy; float32 stays float32 (``scipy.fft`` computes in single precision).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.fft as sp_fft
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import lambertw

from ._validation import as_array, check_choice, check_int, check_same_ndim
from .shapes import MODES, mode_offset, output_shape, valid_swap_needed

__all__ = ["dft_matrix", "circular_convolve", "fft_convolve", "overlap_add",
           "overlap_save", "block_length", "block_plan", "wraparound", "bench_methods",
           "calibration_shapes", "fit_cost_constants", "calibrate_cost_model"]


# --- helpers -------------------------------------------------------------------------

def _as_float(x: np.ndarray) -> np.ndarray:
    """Integers and booleans become float64 (as in SciPy); floats and complex stay."""
    return x.astype(np.float64) if x.dtype.kind in "biu" else x


def _is_complex(*arrays: np.ndarray) -> bool:
    return any(a.dtype.kind == "c" for a in arrays)


def _transforms(complex_result: bool):
    """The forward and inverse N-d FFTs: real ones (half the work) for real data."""
    if complex_result:
        return sp_fft.fftn, sp_fft.ifftn
    return sp_fft.rfftn, sp_fft.irfftn


def _prepare(in1, in2, mode, func):
    a = as_array(in1, "in1", func)
    b = as_array(in2, "in2", func)
    check_same_ndim(a, b, ("in1", "in2"), func)
    check_choice(mode, "mode", MODES, func)
    return a, b


def _centered(x: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """The centre ``shape`` part of ``x`` (start ``(current - new) // 2``, SciPy's rule)."""
    start = [(n - s) // 2 for n, s in zip(x.shape, shape)]
    return x[tuple(slice(b, b + s) for b, s in zip(start, shape))]


# --- the DFT and circular convolution ------------------------------------------------

def dft_matrix(n: int) -> np.ndarray:
    r"""The ``n x n`` matrix of the discrete Fourier transform.

    .. math:: F_{jk} = e^{-2\pi i\, jk / n}, \qquad \mathrm{DFT}(x) = F x

    Parameters
    ----------
    n : int
        Transform length, ``>= 1``.

    Returns
    -------
    ndarray of shape (n, n)
        complex128; ``F @ x`` equals ``numpy.fft.fft(x)`` and ``F.conj() @ X / n`` is the
        inverse. Equals ``scipy.linalg.dft(n)``.

    Raises
    ------
    ValueError
        If ``n < 1``.

    Notes
    -----
    Multiplying by ``F`` costs ``n**2`` operations; the FFT computes the same product in
    ``O(n log n)`` (chapter 5). ``F`` diagonalises every circulant matrix (chapter 7).

    Examples
    --------
    >>> dft_matrix(2).real
    array([[ 1.,  1.],
           [ 1., -1.]])
    >>> dft_matrix(0)
    Traceback (most recent call last):
    ...
    ValueError: dft_matrix: n must be >= 1; got 0
    """
    n = check_int(n, "n", "dft_matrix", minimum=1)
    jk = np.outer(np.arange(n), np.arange(n)) % n  # reduce first: exact angles
    return np.exp(-2j * np.pi * jk / n)


def circular_convolve(a, b) -> np.ndarray:
    r"""Circular (periodic) convolution of two arrays of the same shape, by FFT.

    .. math:: y[n] = \sum_k a[k]\, b[(n - k) \bmod N]

    along every axis (indices taken modulo the shape ``N``).

    Parameters
    ----------
    a : array_like of shape (N1, ..., Nd)
    b : array_like of shape (N1, ..., Nd)
        Same shape as ``a``.

    Returns
    -------
    ndarray of shape (N1, ..., Nd)
        ``ifftn(fftn(a) * fftn(b))``, real when both inputs are real. Integer and boolean
        inputs give float64; float32 stays float32.

    Raises
    ------
    TypeError
        If an input does not hold numbers.
    ValueError
        If an input is 0-d or empty, or the shapes differ.

    See Also
    --------
    fft_convolve : linear convolution, by zero padding before the same product.

    Notes
    -----
    This is the convolution theorem read right to left (chapter 5): the DFT of a circular
    convolution is the product of the DFTs. Cost ``O(P log P)`` with ``P = prod(N)``.
    Linear convolution wraps around into the start of the output unless the inputs are
    zero-padded to the full length first.

    Examples
    --------
    >>> circular_convolve([1, 2, 3], [0, 1, 0])   # a shift by one, wrapping around
    array([3., 1., 2.])
    >>> circular_convolve([1, 2, 3], [1, 1])
    Traceback (most recent call last):
    ...
    ValueError: circular_convolve: a and b must have the same shape; got (3,) and (2,)
    """
    func = "circular_convolve"
    x = as_array(a, "a", func, min_ndim=1)
    y = as_array(b, "b", func, min_ndim=1)
    if x.shape != y.shape:
        raise ValueError(f"{func}: a and b must have the same shape; "
                         f"got {x.shape} and {y.shape}")
    x, y = _as_float(x), _as_float(y)
    fft, ifft = _transforms(_is_complex(x, y))
    return ifft(fft(x) * fft(y), s=x.shape)


# --- FFT convolution -----------------------------------------------------------------

def _check_axes(axes, ndim: int, func: str) -> list[int]:
    if axes is None:
        return list(range(ndim))
    items = [axes] if not isinstance(axes, Sequence) or isinstance(axes, str) else axes
    if len(items) == 0:
        raise ValueError(f"{func}: axes must not be empty when given; got {axes!r}")
    out = []
    for ax in items:
        ax = check_int(ax, "axes", func)
        if not -ndim <= ax < ndim:
            raise ValueError(f"{func}: axes must be in [{-ndim}, {ndim}) for {ndim}-D "
                             f"inputs; got {axes!r}")
        out.append(ax % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{func}: axes must be unique; got {axes!r}")
    return out


def fft_convolve(in1, in2, mode: str = "full", axes=None) -> np.ndarray:
    r"""N-dimensional linear convolution by FFT: equals ``scipy.signal.fftconvolve``.

    Both inputs are zero-padded along the convolved axes to the full length
    ``N + M - 1`` (no wrap-around), and on to the next fast FFT length; the result is the
    inverse FFT of the product of the FFTs, cut to ``mode``.

    Parameters
    ----------
    in1 : array_like of shape (N1, ..., Nd)
        First input (the signal, ``x``).
    in2 : array_like of shape (M1, ..., Md)
        Second input (the kernel, ``h``), same number of dimensions.
    mode : {'full', 'same', 'valid'}
        Output size along the convolved axes: ``N + M - 1``, ``N``, or
        ``max(N, M) - min(N, M) + 1`` (as :func:`convlib.convolve`).
    axes : int or sequence of int, optional
        Axes to convolve along (default: all). Along the other axes the sizes must be
        equal or one of them 1, and the inputs are multiplied (broadcast).

    Returns
    -------
    ndarray
        The convolution. Integer and boolean inputs give float64, float32 stays float32,
        complex inputs give complex (the dtype ``scipy.signal.fftconvolve`` returns).
        Two 0-d inputs give their product.

    Raises
    ------
    TypeError
        If an input does not hold numbers, or ``axes`` are not integers.
    ValueError
        If an input is empty, the inputs differ in ndim, ``mode`` is unknown, ``axes``
        are out of range, repeated or empty, the non-convolved axes do not broadcast, or
        in ``'valid'`` mode neither input is at least as large as the other.

    See Also
    --------
    overlap_add : the same in blocks, faster when one input is much longer.
    circular_convolve : the product of DFTs without padding.
    scipy.signal.fftconvolve : the reference this function agrees with.

    Notes
    -----
    Cost ``O(P log P)`` with ``P = prod(N + M - 1)``: two forward FFTs and one inverse,
    real FFTs (``rfftn``, half the work) when both inputs are real. The FFT lengths come
    from ``scipy.fft.next_fast_len`` (products of small primes). Unlike SciPy, empty
    inputs are rejected, as everywhere in convlib. Chapter 5 derives it.

    Examples
    --------
    >>> fft_convolve([1, 2, 3], [1, 1])
    array([1., 3., 5., 3.])
    >>> x, h = np.arange(5.0), np.array([0, 1, 0.5])
    >>> bool(np.allclose(fft_convolve(x, h, "same"), np.convolve(x, h, "same")))
    True
    >>> fft_convolve([[1, 2], [3, 4]], [[1, 1]], axes=1)
    array([[1., 3., 2.],
           [3., 7., 4.]])
    >>> fft_convolve([1, 2, 3], [1, 1], axes=1)
    Traceback (most recent call last):
    ...
    ValueError: fft_convolve: axes must be in [-1, 1) for 1-D inputs; got 1
    """
    func = "fft_convolve"
    a = as_array(in1, "in1", func)
    b = as_array(in2, "in2", func)
    check_same_ndim(a, b, ("in1", "in2"), func)
    check_choice(mode, "mode", MODES, func)
    if a.ndim == 0:  # SciPy: the product of two scalars
        return a * b
    a, b, axes = _freq_axes(a, b, mode, axes, func)
    s1, s2 = a.shape, b.shape
    shape = [s1[i] + s2[i] - 1 if i in axes else max(s1[i], s2[i])
             for i in range(a.ndim)]
    if axes:
        a, b = _as_float(a), _as_float(b)
        cplx = _is_complex(a, b)
        fft, ifft = _transforms(cplx)
        fshape = [sp_fft.next_fast_len(shape[i], not cplx) for i in axes]
        full = ifft(fft(a, fshape, axes=axes) * fft(b, fshape, axes=axes), fshape,
                    axes=axes)
        full = full[tuple(slice(n) for n in shape)]
    else:
        full = a * b
    return _cut_mode(full, s1, s2, mode, axes)


def _freq_axes(a: np.ndarray, b: np.ndarray, mode: str, axes, func: str):
    """SciPy's axis rules for FFT convolution: axes where an input has size 1 are not
    transformed (the inputs just multiply there), the other axes must broadcast, and
    ``'valid'`` mode may swap the inputs. Returns ``(in1, in2, axes)``."""
    axes = _check_axes(axes, a.ndim, func)
    s1, s2 = a.shape, b.shape
    axes = [ax for ax in axes if s1[ax] != 1 and s2[ax] != 1]
    others = [ax for ax in range(a.ndim) if ax not in axes]
    if not all(s1[ax] == s2[ax] or 1 in (s1[ax], s2[ax]) for ax in others):
        raise ValueError(f"{func}: in1 and in2 must have equal sizes (or size 1) along "
                         f"the axes not convolved; got shapes {s1} and {s2}")
    if mode == "valid" and valid_swap_needed([s1[i] for i in axes],
                                             [s2[i] for i in axes], func):
        a, b = b, a
    return a, b, axes


def _cut_mode(full: np.ndarray, s1, s2, mode: str, axes) -> np.ndarray:
    """The ``mode`` window of ``full`` (SciPy's ``_apply_conv_mode``)."""
    if mode == "full":
        return full.copy()
    if mode == "same":
        return _centered(full, s1).copy()
    valid = [s1[i] - s2[i] + 1 if i in axes else full.shape[i] for i in range(full.ndim)]
    return _centered(full, valid).copy()


# --- block convolution: overlap-add and overlap-save ---------------------------------

def block_length(n: int, m: int) -> int:
    r"""FFT length of the blocks for convolving a length-``n`` signal with ``m`` taps.

    Overlap-add and overlap-save cut the long input into blocks of ``L`` samples and
    convolve each with the kernel by an FFT of length ``B = L + m - 1``. Per output sample
    the work is about :math:`B \log_2(2B) / (B - m + 1)`; its minimum (SciPy's rule, via
    the Lambert W function) is at :math:`B^* = -K\,W_{-1}(-1/(2eK))` with
    :math:`K = m - 1`, rounded up to a fast FFT length.

    Parameters
    ----------
    n : int
        Length of the longer input, ``>= 1``.
    m : int
        Length of the shorter input (the kernel), ``>= 1``.

    Returns
    -------
    int
        The FFT length ``B``. When blocks do not pay (equal lengths, a length 1,
        ``m >= n / 2``, or ``B >= n``) it is ``next_fast_len(n + m - 1)``: one block, i.e.
        plain FFT convolution.

    Raises
    ------
    ValueError
        If a length is smaller than 1.

    Notes
    -----
    The same rule as ``scipy.signal.oaconvolve`` (which, in the one-block case, does not
    round up to a fast length). Derived in chapter 5.

    Examples
    --------
    >>> block_length(10_000, 64), block_length(1000, 10), block_length(100, 60)
    (500, 54, 160)
    >>> block_length(100, 0)
    Traceback (most recent call last):
    ...
    ValueError: block_length: m must be >= 1; got 0
    """
    n = check_int(n, "n", "block_length", minimum=1)
    m = check_int(m, "m", "block_length", minimum=1)
    n, m = max(n, m), min(n, m)
    one_block = sp_fft.next_fast_len(n + m - 1)
    if n == m or m == 1 or m >= n / 2:
        return one_block
    k = m - 1
    best = -k * lambertw(-1 / (2 * math.e * k), k=-1).real
    length = sp_fft.next_fast_len(math.ceil(best))
    return one_block if length >= n else length


def _check_block_size(block_size, kernel_shape, func: str) -> list[int] | None:
    if block_size is None:
        return None
    ndim = len(kernel_shape)
    sizes = block_size if isinstance(block_size, Sequence) else [block_size] * ndim
    if len(sizes) != ndim:
        raise ValueError(f"{func}: block_size must be an int or one int per axis "
                         f"({ndim}); got {block_size!r}")
    sizes = [check_int(s, "block_size", func) for s in sizes]
    for ax, (s, m) in enumerate(zip(sizes, kernel_shape)):
        if s < m:
            raise ValueError(f"{func}: block_size must be >= the kernel length ({m}) "
                             f"along axis {ax}; got {s}")
    return sizes


def block_plan(n: int, m: int, block_size: int | None = None,
               method: str = "add") -> dict[str, np.ndarray | int]:
    """Where each block of a 1-D overlap-add or overlap-save convolution reads and writes.

    Parameters
    ----------
    n : int
        Signal length (the input that is cut into blocks), ``>= 1``.
    m : int
        Kernel length, ``>= 1``.
    block_size : int, optional
        FFT length ``B >= m`` (default :func:`block_length`).
    method : {'add', 'save'}
        Overlap-add or overlap-save.

    Returns
    -------
    dict
        ``block_size`` (``B``) and ``step`` (``L = B - m + 1``, new samples per block),
        and arrays of shape (P,) over the ``P`` blocks, in full-output coordinates
        ``0 .. n + m - 2`` except ``in_start``/``in_stop`` (signal coordinates, which
        for overlap-save may run before 0 or past ``n``: zero padding):

        * ``'add'``: block ``p`` reads ``x[in_start:in_stop]`` (``L`` samples, not
          overlapping) and adds ``B`` output samples at ``out_start:out_stop`` (the last
          ``m - 1`` overlap the next block's);
        * ``'save'``: block ``p`` reads ``B`` samples ``in_start:in_stop`` (overlapping
          by ``m - 1``) and keeps the last ``L`` samples of its circular convolution,
          which are ``y[out_start:out_stop]``.

    Raises
    ------
    ValueError
        If a length is below 1, ``block_size < m``, or ``method`` is unknown.

    Examples
    --------
    >>> plan = block_plan(10, 3, block_size=6, method="save")
    >>> plan["step"], plan["in_start"].tolist(), plan["out_start"].tolist()
    (4, [-2, 2, 6], [0, 4, 8])
    >>> block_plan(10, 3, block_size=2)
    Traceback (most recent call last):
    ...
    ValueError: block_plan: block_size must be >= the kernel length (3) along axis 0; got 2
    """
    func = "block_plan"
    n = check_int(n, "n", func, minimum=1)
    m = check_int(m, "m", func, minimum=1)
    check_choice(method, "method", ("add", "save"), func)
    size = (_check_block_size(block_size, (m,), func) or [block_length(n, m)])[0]
    step = size - m + 1
    full = n + m - 1
    count = -(-(n if method == "add" else full) // step)
    start = np.arange(count) * step
    if method == "add":
        return {"block_size": size, "step": step, "in_start": start,
                "in_stop": np.minimum(start + step, n), "out_start": start,
                "out_stop": np.minimum(start + size, full)}
    return {"block_size": size, "step": step, "in_start": start - (m - 1),
            "in_stop": start - (m - 1) + size, "out_start": start,
            "out_stop": np.minimum(start + step, full)}


def _fold(y: np.ndarray, axis: int, step: int) -> np.ndarray:
    """Overlap-add along one axis: ``y`` has blocks on ``axis`` and their samples on
    ``axis + 1``; block ``p`` is added at offset ``p * step``."""
    y = np.moveaxis(y, (axis, axis + 1), (0, 1))
    count, length = y.shape[:2]
    chunks = -(-length // step)  # each block spans this many steps
    pad = [(0, 0), (0, chunks * step - length)] + [(0, 0)] * (y.ndim - 2)
    y = np.pad(y, pad).reshape(count, chunks, step, *y.shape[2:])
    out = np.zeros((count + chunks - 1, step, *y.shape[3:]), dtype=y.dtype)
    for j in range(chunks):  # chunk j of block p lands at step p + j
        out[j:j + count] += y[:, j]
    out = out.reshape(-1, *out.shape[2:])
    return np.moveaxis(out, 0, axis)


def overlap_add(in1, in2, mode: str = "full", *, block_size=None) -> np.ndarray:
    r"""N-dimensional convolution by overlap-add: equals ``scipy.signal.oaconvolve``.

    Along each axis the longer input is cut into non-overlapping blocks of ``L`` samples;
    each block is convolved with the other input by FFT of length ``B >= L + m - 1`` (so
    without wrap-around), and the block results, each ``m - 1`` samples longer than its
    block, are added where they overlap.

    Parameters
    ----------
    in1 : array_like of shape (N1, ..., Nd)
        First input (the signal, ``x``).
    in2 : array_like of shape (M1, ..., Md)
        Second input (the kernel, ``h``), same number of dimensions.
    mode : {'full', 'same', 'valid'}
        As in :func:`convlib.convolve`.
    block_size : int or sequence of int, optional
        FFT length ``B`` per axis (an int applies to every axis); at least the shorter
        input's length ``m`` along that axis. Default :func:`block_length` per axis, the
        rule of SciPy.

    Returns
    -------
    ndarray
        The convolution, with the dtype :func:`fft_convolve` gives.

    Raises
    ------
    TypeError
        If an input does not hold numbers.
    ValueError
        As :func:`fft_convolve`, or if ``block_size`` is shorter than the kernel.

    See Also
    --------
    overlap_save, fft_convolve, block_plan, scipy.signal.oaconvolve

    Notes
    -----
    With ``K = m - 1`` and ``P`` blocks, the cost is ``P`` FFTs of length ``B`` instead
    of one of length ``N + M - 1``: about ``N log B`` rather than ``N log N``, and the
    blocks can arrive one at a time. All blocks are transformed in one batched FFT here.
    Chapter 5 explains the block-size choice.

    Examples
    --------
    >>> overlap_add(np.arange(8.0), [1, 1, 1], block_size=4).round(12)
    array([ 0.,  1.,  3.,  6.,  9., 12., 15., 18., 13.,  7.])
    >>> overlap_add([1, 2, 3], [1, 1j])
    array([1.+0.j, 2.+1.j, 3.+2.j, 0.+3.j])
    >>> overlap_add([1, 2, 3, 4], [1, 1, 1], block_size=2)
    Traceback (most recent call last):
    ...
    ValueError: overlap_add: block_size must be >= the kernel length (3) along axis 0; got 2
    """
    func = "overlap_add"
    a, b = _prepare(in1, in2, mode, func)
    if a.ndim == 0:
        return a * b
    a, b, axes = _freq_axes(a, b, mode, None, func)
    s1, s2 = a.shape, b.shape
    if not axes:  # every axis has a size 1: a broadcast product, as in SciPy
        return _cut_mode(a * b, s1, s2, mode, axes)
    sizes = _check_block_size(block_size, [min(p, q) for p, q in zip(s1, s2)], func)
    if a.shape == b.shape and sizes is None:  # nothing to cut: plain FFT convolution
        return fft_convolve(a, b, mode)
    a, b = _as_float(a), _as_float(b)
    full_shape = [p + q - 1 for p, q in zip(s1, s2)]
    cplx = _is_complex(a, b)
    blocks_a, blocks_b, fshape, steps = [], [], [], []
    for ax, (p, q) in enumerate(zip(s1, s2)):
        length = sizes[ax] if sizes else block_length(p, q)
        if length >= p + q - 1:  # one block along this axis
            length = length if sizes else sp_fft.next_fast_len(p + q - 1, not cplx)
            step1, step2, step = p, q, length
        elif p >= q:  # cut in1
            step1 = step = length - q + 1
            step2 = q
        else:  # cut in2
            step1, step2 = p, length - p + 1
            step = step2
        fshape.append(length)
        steps.append(step)
        blocks_a.append(step1)
        blocks_b.append(step2)
    a = _cut(a, blocks_a)
    b = _cut(b, blocks_b)
    fft, ifft = _transforms(cplx)
    fft_axes = [2 * i + 1 for i in range(len(s1))]  # (P1, L1, P2, L2, ...)
    y = ifft(fft(a, fshape, axes=fft_axes) * fft(b, fshape, axes=fft_axes), fshape,
             axes=fft_axes)
    for ax in reversed(range(len(s1))):  # last pair first: earlier axes stay in place
        y = _fold(y, 2 * ax, steps[ax])
    full = y[tuple(slice(n) for n in full_shape)]
    return _cut_mode(full, s1, s2, mode, axes)


def _cut(x: np.ndarray, steps: Sequence[int]) -> np.ndarray:
    """Zero-pad each axis to a multiple of its step and split it into (blocks, step)."""
    pad = [(0, -(-n // s) * s - n) for n, s in zip(x.shape, steps)]
    x = np.pad(x, pad)
    shape = []
    for n, s in zip(x.shape, steps):
        shape += [n // s, s]
    return x.reshape(shape)


def overlap_save(in1, in2, mode: str = "full", *, block_size=None) -> np.ndarray:
    r"""N-dimensional convolution by overlap-save (overlap-scrap), block by block.

    The kernel is the input with fewer elements. Each block reads ``B`` consecutive
    samples of the other input (overlapping the previous block by ``m - 1``), computes
    their *circular* convolution with the kernel by FFT of length ``B``, throws away the
    first ``m - 1`` samples (the ones that wrapped around) and keeps the other
    ``L = B - m + 1``, which are exact samples of the linear convolution.

    Parameters
    ----------
    in1 : array_like of shape (N1, ..., Nd)
        First input (the signal, ``x``).
    in2 : array_like of shape (M1, ..., Md)
        Second input (the kernel, ``h``), same number of dimensions.
    mode : {'full', 'same', 'valid'}
        As in :func:`convlib.convolve`. Only the blocks the output window needs are
        computed.
    block_size : int or sequence of int, optional
        FFT length ``B`` per axis, at least the kernel's length ``m`` along that axis.
        Default :func:`block_length` per axis.

    Returns
    -------
    ndarray
        Equal to :func:`fft_convolve` (and :func:`convlib.convolve`), with its dtype.

    Raises
    ------
    TypeError
        If an input does not hold numbers.
    ValueError
        As :func:`fft_convolve`, or if ``block_size`` is shorter than the kernel.

    See Also
    --------
    overlap_add, block_plan

    Notes
    -----
    Overlap-add splits the *output* sums; overlap-save splits the *input* and needs no
    additions, which suits streaming: the last ``m - 1`` input samples are all the state
    one block passes to the next. Same cost as overlap-add. All blocks go through one
    batched FFT here. Chapter 5.

    References
    ----------
    A. V. Oppenheim and R. W. Schafer, *Discrete-Time Signal Processing*, 3rd ed.,
    section 8.7.3.

    Examples
    --------
    >>> overlap_save(np.arange(8.0), [1, 1, 1], block_size=4).round(12)
    array([ 0.,  1.,  3.,  6.,  9., 12., 15., 18., 13.,  7.])
    >>> overlap_save(np.arange(8.0), [1, 1, 1], mode="valid", block_size=4).round(12)
    array([ 3.,  6.,  9., 12., 15., 18.])
    >>> overlap_save([1, 2], [[1]])
    Traceback (most recent call last):
    ...
    ValueError: overlap_save: in1 and in2 must have the same number of dimensions; got 1-D in1 of shape (2,) and 2-D in2 of shape (1, 1)
    """
    func = "overlap_save"
    a, b = _prepare(in1, in2, mode, func)
    if a.ndim == 0:
        return a * b
    if mode == "valid" and valid_swap_needed(a.shape, b.shape, func):
        a, b = b, a
    out_shape = output_shape(a.shape, b.shape, mode)
    offset = mode_offset(a.shape, b.shape, mode)
    x, h = (a, b) if b.size <= a.size else (b, a)  # full outputs are equal either way
    sizes = _check_block_size(block_size, h.shape, func)
    x, h = _as_float(x), _as_float(h)
    cplx = _is_complex(x, h)
    fshape, steps, counts = [], [], []
    for ax, (n, m, size) in enumerate(zip(x.shape, h.shape, out_shape)):
        length = sizes[ax] if sizes else block_length(n, m) if n > m else size + m
        if not sizes and length >= size + m - 1:  # one block covers the output
            length = sp_fft.next_fast_len(size + m - 1, not cplx)
        fshape.append(length)
        steps.append(length - m + 1)
        counts.append(-(-size // steps[-1]))
    # padded[i] = x[i - (m - 1)]; block p along an axis reads padded[o + p*L : ... + B]
    need = [o + c * s + m - 1 for o, c, s, m in zip(offset, counts, steps, h.shape)]
    pad = [(m - 1, max(0, t - (m - 1) - n)) for m, t, n in zip(h.shape, need, x.shape)]
    padded = np.pad(x, pad)[tuple(slice(o, t) for o, t in zip(offset, need))]
    views = sliding_window_view(padded, fshape)
    segments = views[tuple(slice(None, None, s) for s in steps)]
    d = x.ndim
    axes = list(range(d, 2 * d))
    fft, ifft = _transforms(cplx)
    y = ifft(fft(segments, fshape, axes=axes) * fft(h, fshape), fshape, axes=axes)
    y = y[(Ellipsis,) + tuple(slice(m - 1, None) for m in h.shape)]  # drop wrap-around
    order = [i for ax in range(d) for i in (ax, d + ax)]  # (P1, L1, P2, L2, ...)
    y = y.transpose(order).reshape([c * s for c, s in zip(counts, steps)])
    return y[tuple(slice(n) for n in out_shape)].copy()


# --- helpers for chapter 5's figures, widget and timings -----------------------------

def wraparound(x, h, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Circular convolution of ``x`` and ``h`` zero-padded to ``length``, and the linear one.

    Parameters
    ----------
    x : array_like of shape (N,)
    h : array_like of shape (M,)
    length : int
        The common length both are zero-padded to, ``>= max(N, M)``.

    Returns
    -------
    circular : ndarray of shape (length,)
        ``circular_convolve`` of the padded inputs: the linear convolution with its tail
        (samples ``length`` and beyond) wrapped around and added to its head,
        ``circular[n] = sum_r linear[n + r * length]``.
    linear : ndarray of shape (N + M - 1,)
        ``fft_convolve(x, h)``. The two agree on every sample once
        ``length >= N + M - 1``.

    Raises
    ------
    ValueError
        If an input is not 1-D or ``length < max(N, M)``.

    Examples
    --------
    >>> circ, lin = wraparound([1, 1, 1], [1, 1], 3)
    >>> circ.round(12).tolist(), lin.round(12).tolist()
    ([2.0, 2.0, 2.0], [1.0, 2.0, 2.0, 1.0])
    >>> wraparound([1, 1, 1], [1, 1], 2)
    Traceback (most recent call last):
    ...
    ValueError: wraparound: length must be >= 3; got 2
    """
    func = "wraparound"
    a = as_array(x, "x", func, ndim=1)
    b = as_array(h, "h", func, ndim=1)
    length = check_int(length, "length", func, minimum=max(a.size, b.size))
    padded = [np.pad(v, (0, length - v.size)) for v in (a, b)]
    return circular_convolve(*padded), fft_convolve(a, b)


def bench_methods(in1, in2, mode: str = "full",
                  methods: Sequence[str] = ("direct", "fft", "overlap_add"),
                  repeat: int = 3, budget: float = 0.02) -> dict[str, float]:
    """Wall-clock seconds of one ``convlib.convolve(in1, in2, mode, method)`` per method.

    Each method runs ``repeat`` rounds of as many calls as fit in about ``budget``
    seconds (at least one); the best round's time per call is reported, the usual
    estimate of the undisturbed cost (``timeit``'s advice).

    Parameters
    ----------
    in1, in2 : array_like
        The inputs.
    mode : {'full', 'same', 'valid'}
    methods : sequence of str
        Keys of ``convlib.METHODS``.
    repeat : int
        Rounds per method, ``>= 1``.
    budget : float
        Seconds per round, roughly.

    Returns
    -------
    dict
        ``{method: seconds per call}``. The numbers depend on the machine and its load.

    Raises
    ------
    ValueError
        If ``repeat < 1`` or a method is unknown (from :func:`convlib.convolve`).

    Examples
    --------
    >>> times = bench_methods(np.ones(64), np.ones(8), repeat=1, budget=0.001)
    >>> sorted(times), all(t > 0 for t in times.values())
    (['direct', 'fft', 'overlap_add'], True)
    """
    import timeit

    from .dispatch import convolve  # the dispatcher imports this module

    repeat = check_int(repeat, "repeat", "bench_methods", minimum=1)
    times = {}
    for method in methods:
        def call(method=method):
            return convolve(in1, in2, mode, method)
        first = timeit.timeit(call, number=1)
        number = max(1, int(budget / max(first, 1e-7)))
        times[method] = min(timeit.repeat(call, number=number, repeat=repeat)) / number
    return times


def calibration_shapes() -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The (signal shape, kernel shape) grid on which ``COST_CONSTANTS`` were fitted.

    1-D signals of 100 to 1,000,000 samples with kernels of 3 to 3,000 taps (no longer
    than the signal), and square images of 32 to 1024 pixels with square kernels of 3 to
    63 pixels (smaller than the image): 92 pairs.

    Examples
    --------
    >>> shapes = calibration_shapes()
    >>> len(shapes), shapes[0], shapes[-1]
    (92, ((100,), (3,)), ((1024, 1024), (63, 63)))
    """
    pairs = [((n,), (m,)) for n in (100, 300, 1000, 3000, 10_000, 30_000, 100_000,
                                    300_000, 1_000_000)
             for m in (3, 10, 30, 100, 300, 1000, 3000) if m <= n]
    pairs += [((n, n), (k, k)) for n in (32, 64, 128, 256, 512, 1024)
              for k in (3, 5, 9, 15, 31, 63) if k < n]
    return pairs


def fit_cost_constants(rows: Sequence[dict], within: float = 3.0
                       ) -> dict[str, dict[str, float]]:
    """Fit the cost model of :func:`convlib.choose_method` to measured times.

    Parameters
    ----------
    rows : sequence of dict
        One per pair of shapes: ``'features'``, the output of
        :func:`convlib.dispatch.cost_features`, and the measured seconds per call under
        each method's name (``'direct'``, ``'fft'``, ``'overlap_add'``; a method may be
        missing from a row, e.g. direct where it would take too long).
    within : float
        Each method is fitted only on the rows where it was at most ``within`` times
        slower than the fastest: the model must be accurate near the decision, not where
        a method is hopeless.

    Returns
    -------
    dict
        ``{method: {feature: seconds per unit}}``, the form of
        ``convlib.dispatch.COST_CONSTANTS``: non-negative least squares on the relative
        error ``(model - measured) / measured`` (``scipy.optimize.nnls``).

    Examples
    --------
    >>> from convlib.dispatch import cost_features
    >>> rows = []
    >>> for n, m in [(100, 3), (1000, 30), (10_000, 300), (10_000, 3), (5000, 1000)]:
    ...     f = cost_features((n,), (m,))
    ...     rows.append({"features": f, "direct": 1e-6 + 1e-9 * f["direct"]["mac"]})
    >>> fit = fit_cost_constants(rows)["direct"]
    >>> round(fit["call"], 12), round(fit["mac"], 15)
    (1e-06, 1e-09)
    """
    from scipy.optimize import nnls

    methods = ("direct", "fft", "overlap_add")
    constants = {}
    for method in methods:
        usable = [r for r in rows if method in r and r[method] <= within * min(
            r[m] for m in methods if m in r)]
        if not usable:
            continue
        keys = list(usable[0]["features"][method])
        X = np.array([[r["features"][method][k] for k in keys] for r in usable])
        t = np.array([r[method] for r in usable])
        coef, _ = nnls(X / t[:, None], np.ones(len(t)))
        constants[method] = {k: float(c) for k, c in zip(keys, coef)}
    return constants


def calibrate_cost_model(shapes=None, repeat: int = 5, budget: float = 0.1,
                         max_direct_macs: float = 1e8) -> tuple[dict, list[dict]]:
    """Time convlib's methods on a grid of shapes and fit the cost model to them.

    This is how ``convlib.dispatch.COST_CONSTANTS`` were made (on the book's build
    machine, with the defaults: a few minutes). Float64 inputs, ``'full'`` mode.

    Parameters
    ----------
    shapes : sequence of (tuple, tuple), optional
        Pairs of signal and kernel shapes; default :func:`calibration_shapes`.
    repeat, budget : int, float
        Passed to :func:`bench_methods`.
    max_direct_macs : float
        Skip the direct method where it would do more multiply-adds than this.

    Returns
    -------
    constants : dict
        :func:`fit_cost_constants` of the measurements.
    rows : list of dict
        The measurements: ``s1``, ``s2``, ``features`` and seconds per method.
    """
    from .dispatch import cost_features

    rng = np.random.default_rng(0)
    rows = []
    for s1, s2 in shapes if shapes is not None else calibration_shapes():
        x, h = rng.standard_normal(s1), rng.standard_normal(s2)
        features = cost_features(s1, s2, "full")
        methods = [m for m in ("direct", "fft", "overlap_add")
                   if m != "direct" or features["direct"]["mac"] <= max_direct_macs]
        times = bench_methods(x, h, "full", methods, repeat=repeat, budget=budget)
        rows.append({"s1": s1, "s2": s2, "features": features, **times})
    return fit_cost_constants(rows), rows

"""Long inputs in blocks: overlap-add and overlap-save (chapter 5).

A kernel of ``M`` taps applied to a signal of ``N >> M`` samples does not need one FFT
of length ``N + M - 1``. Cut the long input into blocks of ``L`` samples and use an FFT
of length ``B = L + M - 1`` per block:

* :func:`overlap_add` -- blocks of the input; their (linear) convolutions overlap by
  ``M - 1`` samples and are added; equals ``scipy.signal.oaconvolve``
  (``method='overlap_add'`` of :func:`convlib.convolve`);
* :func:`overlap_save` -- overlapping blocks of the input; the wrapped-around part of
  each block's circular convolution is discarded (streaming);
* :func:`block_length` and :func:`block_plan` -- the block-size rule and the block
  layout both use.

Both compute true convolution and follow :func:`convlib.fft_convolve`'s dtype rules.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.fft as sp_fft
from numpy.lib.stride_tricks import sliding_window_view
from scipy.special import lambertw

from ._fft import (_along, _buffer, as_float, cut_mode, fft_convolve_core, freq_axes,
                   is_complex, mode_window, transforms, warn_nonfinite)
from ._typing import ArrayLike, AxisSpec, IntOrSeq, Mode, NDArray
from ._validation import as_operands, check_choice, check_int, check_output_bytes
from .shapes import MODES, _mode_offset, _output_shape, _valid_swap_needed

__all__ = ["overlap_add", "overlap_save", "block_length", "block_plan"]


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


def _check_block_size(block_size: IntOrSeq | None, kernel_shape: Sequence[int], func: str
                      ) -> list[int] | None:
    if block_size is None:
        return None
    ndim = len(kernel_shape)
    given = block_size if isinstance(block_size, Sequence) else [block_size] * ndim
    if len(given) != ndim:
        raise ValueError(f"{func}: block_size must be an int or one int per axis "
                         f"({ndim}); got {block_size!r}")
    sizes = [check_int(s, "block_size", func) for s in given]
    for ax, (s, m) in enumerate(zip(sizes, kernel_shape)):
        if s < m:
            raise ValueError(f"{func}: block_size must be >= the kernel length ({m}) "
                             f"along axis {ax}; got {s}")
    return sizes


def block_plan(n: int, m: int, block_size: int | None = None,
               method: str = "add") -> dict[str, Any]:
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
    count, length = y.shape[axis:axis + 2]
    chunks = -(-length // step)  # each block spans this many steps
    before, after = y.shape[:axis], y.shape[axis + 2:]
    out = np.empty(before + (count + chunks - 1, step) + after, dtype=y.dtype)
    pre = (slice(None),) * axis  # (the axes after stay in place, in memory order)
    out[pre + (slice(count),)] = y[pre + (slice(None), slice(step))]
    out[pre + (slice(count, None),)] = 0
    for j in range(1, chunks):  # chunk j of block p lands at step p + j
        width = min(step, length - j * step)
        out[pre + (slice(j, j + count), slice(width))] += \
            y[pre + (slice(None), slice(j * step, j * step + width))]
    return out.reshape(before + (-1,) + after)


def overlap_add(in1: ArrayLike, in2: ArrayLike, mode: Mode = "full", *,
                block_size: IntOrSeq | None = None, axes: AxisSpec = None) -> NDArray[Any]:
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
    axes : int or sequence of int, optional
        Axes to convolve along (default: all), as in ``scipy.signal.oaconvolve``:
        along the other axes the sizes must be equal or one of them 1, and the inputs
        are multiplied (broadcast).

    Returns
    -------
    ndarray
        The convolution, with the dtype :func:`fft_convolve` gives.

    Raises
    ------
    TypeError
        If an input does not hold numbers.
    ValueError
        As :func:`fft_convolve`, if ``block_size`` is shorter than the kernel, or if
        the blocks' transforms would exceed ``convlib._validation.MAX_OUTPUT_BYTES``
        (2 GiB; a huge ``block_size`` on a long input).

    Warns
    -----
    convlib.fourier.NonFiniteWarning
        If an input holds NaN or infinity: it spreads to every output sample of the
        blocks that hold it.

    See Also
    --------
    overlap_save, fft_convolve, block_plan, scipy.signal.oaconvolve

    Notes
    -----
    With ``K = m - 1`` and ``P`` blocks, the cost is ``P`` FFTs of length ``B`` instead
    of one of length ``N + M - 1``: about ``N log B`` rather than ``N log N``, and the
    blocks can arrive one at a time. Chapter 5 explains the block-size choice. Where
    blocks do not pay along any axis (:func:`convlib.block_length` gives one block
    covering the output) and no ``block_size`` is given, this is
    :func:`convlib.fft_convolve` itself.

    Where only one axis is cut into blocks (every 1-D case, and N-d inputs whose other
    convolved axes need one block each; float32, float64, complex64 or complex128
    inputs), the blocks are processed a slab at a time (about ``OA_SLAB_BYTES``, 1 MiB,
    of spectra): transformed from a strided view of the input (only the last, partial
    block is copied), multiplied by the kernel's spectrum in place, transformed back,
    and added into a work buffer kept between calls, from which the complete samples of
    the ``mode`` window are copied into the result, the only new array of the output's
    size. Only the blocks that reach the window are transformed. Measured on the
    book's machine, 10^7 samples by 10^4 taps, float64, ``'valid'``: 37 fresh huge
    pages per call (the output's 76 MiB) instead of 349, and 0.73-0.81 times the time
    of ``scipy.signal.oaconvolve`` instead of 1.0-1.24. Where two or more axes are cut
    (e.g. 1024 x 1024 by 63 x 63), the slabs are rows of blocks along the first cut
    axis, each convolved with all its blocks along the other axes in one batched FFT
    (fresh arrays of a few times the slab's size; 2048 x 2048 by 63 x 63, float64,
    ``'same'``: 29-43 fresh huge pages per call instead of 247, SciPy's 136;
    0.85-0.91 times SciPy's time instead of 1.38-1.40). Other dtypes (float16, long
    double) transform all blocks in one batched FFT.

    Examples
    --------
    >>> overlap_add(np.arange(8.0), [1, 1, 1], block_size=4).round(12)
    array([ 0.,  1.,  3.,  6.,  9., 12., 15., 18., 13.,  7.])
    >>> overlap_add([1, 2, 3], [1, 1j])
    array([1.+0.j, 2.+1.j, 3.+2.j, 0.+3.j])
    >>> overlap_add([[1, 2, 3], [4, 5, 6]], [[1, 1]], axes=1)
    array([[ 1.,  3.,  5.,  3.],
           [ 4.,  9., 11.,  6.]])
    >>> overlap_add([1, 2, 3, 4], [1, 1, 1], block_size=2)
    Traceback (most recent call last):
    ...
    ValueError: overlap_add: block_size must be >= the kernel length (3) along axis 0; got 2
    """
    func = "overlap_add"
    a, b = as_operands(in1, in2, mode, MODES, func)
    warn_nonfinite(func, "every output sample of the blocks that hold it", a, b)
    return _overlap_add(a, b, mode, block_size, axes, func)


def _overlap_add(a: np.ndarray, b: np.ndarray, mode: str,
                 block_size: IntOrSeq | None = None, axes: AxisSpec = None,
                 func: str = "convolve") -> np.ndarray:
    """:func:`overlap_add` of validated inputs (``method='overlap_add'``)."""
    if a.ndim == 0:
        return a * b
    a, b, axes = freq_axes(a, b, mode, axes, func)
    s1, s2 = a.shape, b.shape
    if not axes:  # every axis has a size 1 or is not convolved: a broadcast product
        return cut_mode(a * b, s1, s2, mode, axes)
    sizes = _check_block_size(block_size, [min(p, q) for p, q in zip(s1, s2)], func)
    if sizes is None and all(block_length(s1[ax], s2[ax]) >= s1[ax] + s2[ax] - 1
                             for ax in axes):
        # nothing to cut (one block along every axis; equal shapes among them): the
        # plain FFT convolution, whose transforms need only the mode's window
        return fft_convolve_core(a, b, mode, axes, func)
    a, b = as_float(a), as_float(b)
    full_shape = [p + q - 1 if ax in axes else max(p, q)
                  for ax, (p, q) in enumerate(zip(s1, s2))]
    cplx = is_complex(a, b)
    blocks_a, blocks_b, fshape, steps, points = [], [], [], [], []
    for ax, (p, q) in enumerate(zip(s1, s2)):
        if ax not in axes:  # one block, not transformed: the inputs broadcast here
            blocks_a.append(p)
            blocks_b.append(q)
            points.append(max(p, q))
            continue
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
        points.append(-(-max(p, q) // step) * length)
    check_output_bytes(points, 16, "block_size", func,
                       hint="use a block_size near the kernel's length (the default)")
    cut = [ax for ax, n in zip(axes, fshape) if n < s1[ax] + s2[ax] - 1]
    if len(cut) == 1:
        ax = cut[0]
        x, h = (a, b) if s1[ax] >= s2[ax] else (b, a)  # x: the input cut into blocks
        if (x.dtype in _SLAB_DTYPES and h.dtype in _SLAB_DTYPES
                and all(x.shape[i] >= h.shape[i] for i in range(a.ndim) if i not in axes)):
            return _overlap_add_slabs(x, h, ax, dict(zip(axes, fshape)),
                                      mode_window(s1, s2, mode, axes, func), cplx)
    window = mode_window(s1, s2, mode, axes, func)
    plan = (blocks_a, blocks_b, fshape, axes, steps, cplx)
    if len(cut) > 1 and a.dtype in _SLAB_DTYPES and b.dtype in _SLAB_DTYPES:
        return _overlap_add_rows(a, b, cut[0], plan, full_shape, window,
                                 math.prod(points) // points[cut[0]])
    full = _batched(a, b, plan, full_shape)
    return full[tuple(window)].copy()


def _batched(a: np.ndarray, b: np.ndarray, plan: tuple[Any, ...],
             full_shape: Sequence[int]) -> np.ndarray:
    """The full overlap-add convolution, every block in one batched FFT: ``plan`` is
    ``(blocks_a, blocks_b, fshape, axes, steps, cplx)`` of :func:`_overlap_add`."""
    blocks_a, blocks_b, fshape, axes, steps, cplx = plan
    a = _cut(a, blocks_a)
    b = _cut(b, blocks_b)
    fft, ifft = transforms(cplx)
    fft_axes = [2 * i + 1 for i in axes]  # (P1, L1, P2, L2, ...)
    spectra, spectrum_b = fft(a, fshape, axes=fft_axes), fft(b, fshape, axes=fft_axes)
    if (spectra.dtype == np.result_type(spectra, spectrum_b)
            and np.broadcast_shapes(spectra.shape, spectrum_b.shape) == spectra.shape):
        spectra = np.multiply(spectra, spectrum_b, out=spectra)  # no third array
    else:
        spectra = spectra * spectrum_b
    y = ifft(spectra, fshape, axes=fft_axes)
    step_of = dict(zip(axes, steps))
    for ax in reversed(range(a.ndim // 2)):  # last pair first: earlier axes stay in place
        if ax in step_of:
            y = _fold(y, 2 * ax, step_of[ax])
        else:  # a single block: merge (1, n) into n
            y = y.reshape(y.shape[:2 * ax] + (-1,) + y.shape[2 * ax + 2:])
    return y[tuple(slice(n) for n in full_shape)]


def _overlap_add_rows(a: np.ndarray, b: np.ndarray, axis: int, plan: tuple[Any, ...],
                      full_shape: Sequence[int], window: list[slice],
                      row_points: int) -> np.ndarray:
    """Overlap-add where two or more axes are cut: the blocks along ``axis`` (the first
    cut one) a slab at a time, each slab's rows convolved by :func:`_batched` (its
    blocks along the other axes in one FFT) and added into the output's window, the
    last ``M - 1`` rows carried into the next slab. ``row_points`` is the number of
    transformed points per block along ``axis``."""
    s1, s2 = a.shape, b.shape
    n, m = max(s1[axis], s2[axis]), min(s1[axis], s2[axis])
    cut_a = s1[axis] >= s2[axis]  # which input is cut along axis
    fshape, axes, steps = plan[2], plan[3], plan[4]
    step = steps[axes.index(axis)]
    length = fshape[axes.index(axis)]
    itemsize = np.result_type(a.dtype, b.dtype, np.complex64).itemsize
    slab = max(1, OA_SLAB_BYTES // max(1, row_points * length * itemsize))
    start, stop = window[axis].start, window[axis].stop
    count = -(-n // step)
    first = max(0, -(-(start - length + 1) // step))  # blocks that reach the window
    last = min(count, (stop - 1) // step + 1)
    others = tuple(slice(None) if i == axis else w for i, w in enumerate(window))
    out = np.empty([w.stop - w.start for w in window], np.result_type(a.dtype, b.dtype))
    carry = np.zeros(out.shape[:axis] + (m - 1,) + out.shape[axis + 1:], out.dtype)
    p0 = first
    while p0 < last:
        p1 = min(p0 + slab, last)
        rows = _along(axis, slice(p0 * step, min(p1 * step, n)), a.ndim)
        x = (a if cut_a else b)[rows]
        shape = list(full_shape)
        shape[axis] = x.shape[axis] + m - 1
        part = _batched(x, b, plan, shape) if cut_a else _batched(a, x, plan, shape)
        part = part[others]  # full-output rows p0 L .. p1 L + m - 1 of the window
        part[_along(axis, slice(m - 1), a.ndim)] += carry
        begin = p0 * step
        end = begin + part.shape[axis] if p1 == last else p1 * step  # complete rows
        lo, hi = max(begin, start), min(end, stop)
        if lo < hi:
            out[_along(axis, slice(lo - start, hi - start), a.ndim)] = \
                part[_along(axis, slice(lo - begin, hi - begin), a.ndim)]
        if p1 < last:
            carry[...] = part[_along(axis, slice((p1 - p0) * step,
                                                      (p1 - p0) * step + m - 1), a.ndim)]
        p0 = p1
    return out


#: Bytes of block spectra that the slab path of :func:`overlap_add` transforms at a time
#: (1 MiB; at least :data:`_VECTOR_LINES` blocks). Measured from 512 KiB to 8 MiB,
#: as ratios to ``scipy.signal.oaconvolve`` on a shared machine: 1-2 MiB were the
#: fastest or within the noise of it (10^7 by 1000 float32 'valid': 0.60-0.72, 1.14 at
#: 512 KiB; 10^6 by 100 float64 'full': 0.71-0.79, 0.85-0.99 from 4 MiB on).
OA_SLAB_BYTES = 2**20

#: Lines that SciPy's FFTs (pocketfft) transform together in SIMD registers, by the
#: size of a real sample: a batch of ``k`` lines costs about ``k // v`` vector passes
#: plus ``k % v`` single ones (measured, real transforms of length 36750: float32,
#: 4 lines 1.33 times 1 line, 3 lines 2.95 times; float64, 2 lines 1.31 times). The slab
#: path transforms multiples of ``v`` blocks, and pads a remainder of 2 or more with
#: zero blocks.
_VECTOR_LINES = {4: 4, 8: 2}

#: The dtypes the slab path of :func:`overlap_add` serves (others: the batched path).
_SLAB_DTYPES = tuple(np.dtype(t) for t in (np.float32, np.float64, np.complex64,
                                            np.complex128))


def _overlap_add_slabs(x: np.ndarray, h: np.ndarray, axis: int, fshape: dict[int, int],
                       window: list[slice], cplx: bool) -> np.ndarray:
    """Overlap-add where only ``axis`` is cut into blocks (of ``x``), a few blocks at
    a time: the output window (``window``, full-output coordinates per axis) is the
    only array of its size that is allocated.

    ``fshape`` is the transform length per convolved axis (``axis``'s is the block
    length ``B``; along the others one block covers the full output). The blocks are a
    strided view of ``x``; only the last slab is a copy when it holds the last, partial
    block or is padded with zero blocks to a multiple of :data:`_VECTOR_LINES`. Each
    slab of about :data:`OA_SLAB_BYTES` of spectra is transformed, multiplied by the
    kernel's spectrum in place, transformed back and folded, in a kept work buffer
    (:func:`convlib._fft._buffer`, slot 2), over the full-output samples
    ``[p0 L, p1 L + M - 1)`` of its blocks ``p0 .. p1 - 1``; the first ``p1 L - p0 L``
    of them are complete (no later block reaches them) and are copied into the output's
    window, the last ``M - 1`` carried into the next slab (slot 3). Blocks that do not
    reach the window (``'same'`` with the shorter input first) are skipped.
    """
    ndim = x.ndim
    n, m, length = x.shape[axis], h.shape[axis], fshape[axis]
    step = length - m + 1
    # layout (rest..., block, sample): the cut axis moved last, blocks before it
    others = [i if i < axis else i - 1 for i in fshape if i != axis]
    sizes = [fshape[i] for i in fshape if i != axis] + [length]
    fft_axes = others + [ndim]
    fft, ifft = transforms(cplx)
    xm = np.moveaxis(x, axis, -1)
    spectrum_h = fft(np.moveaxis(h, axis, -1)[..., None, :], sizes, axes=fft_axes)
    rest = tuple(w for i, w in enumerate(window) if i != axis)
    out_shape = [w.stop - w.start for w in window]
    dtype = np.result_type(x.dtype, h.dtype)
    out = np.empty(out_shape, dtype)
    out_m = np.moveaxis(out, axis, -1)
    start, stop = window[axis].start, window[axis].stop
    count = -(-n // step)  # blocks; the last partial when step does not divide n
    whole = n // step
    first = max(0, -(-(start - length + 1) // step))  # blocks that reach the window
    last = min(count, (stop - 1) // step + 1)
    lines = math.prod(fshape[i] if i in fshape else x.shape[i]
                      for i in range(ndim) if i != axis)  # transformed lines per block
    per_block = lines * (length if cplx else length // 2 + 1) * 2 * dtype.itemsize
    vlen = _VECTOR_LINES[dtype.itemsize // (2 if cplx else 1)]
    slab = max(vlen, OA_SLAB_BYTES // max(per_block, 1) // vlen * vlen)
    chunks = -(-length // step)  # each block's result spans this many steps
    rest_shape = tuple(out_m.shape[:-1])
    fold = _buffer(2, rest_shape + ((slab + chunks - 1) * step,), dtype)
    carry = _buffer(3, rest_shape + (m - 1,), dtype)
    carry[...] = 0
    blocks = sliding_window_view(xm, step, axis=-1)[..., ::step, :]  # (rest..., whole, L)
    p0 = first
    while p0 < last:
        p1 = min(p0 + slab, last)
        nb = p1 - p0
        rows = nb if nb % vlen < 2 else nb + vlen - nb % vlen  # see _VECTOR_LINES
        if p1 <= whole and rows == nb:
            part = blocks[..., p0:p1, :]
        else:  # a copy, zero-padded: the last, partial block, or zero blocks
            part = np.zeros(xm.shape[:-1] + (rows, step), xm.dtype)
            part[..., :min(p1, whole) - p0, :] = blocks[..., p0:min(p1, whole), :]
            if p1 > whole:
                part[..., whole - p0, :n - whole * step] = xm[..., whole * step:]
        spectra = fft(part, sizes, axes=fft_axes)
        if spectra.dtype == np.result_type(spectra, spectrum_h):
            spectra = np.multiply(spectra, spectrum_h, out=spectra)
        else:
            spectra = spectra * spectrum_h
        y = ifft(spectra, sizes, axes=fft_axes)[rest + (slice(nb), slice(None))]
        folded = fold[..., :(nb + chunks - 1) * step].reshape(rest_shape + (-1, step))
        folded[..., :nb, :] = y[..., :step]
        folded[..., nb:, :] = 0
        for j in range(1, chunks):  # chunk j of block p lands on step p + j
            width = min(step, length - j * step)
            folded[..., j:j + nb, :width] += y[..., j * step:j * step + width]
        flat = fold[..., :(nb + chunks - 1) * step]
        flat[..., :m - 1] += carry
        begin = p0 * step  # full-output coordinate of flat[..., 0]
        end = p1 * step + (m - 1 if p1 == last else 0)  # complete samples
        lo, hi = max(begin, start), min(end, stop)
        if lo < hi:
            out_m[..., lo - start:hi - start] = flat[..., lo - begin:hi - begin]
        carry[...] = flat[..., nb * step:nb * step + m - 1]
        p0 = p1
    return out


def _cut(x: np.ndarray, steps: Sequence[int]) -> np.ndarray:
    """Zero-pad each axis to a multiple of its step and split it into (blocks, step)."""
    pad = [(0, -(-n // s) * s - n) for n, s in zip(x.shape, steps)]
    x = np.pad(x, pad)
    shape = []
    for n, s in zip(x.shape, steps):
        shape += [n // s, s]
    return x.reshape(shape)


def overlap_save(in1: ArrayLike, in2: ArrayLike, mode: Mode = "full", *,
                 block_size: IntOrSeq | None = None) -> NDArray[Any]:
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
        Equal to :func:`fft_convolve` (and :func:`convlib.convolve`), with its dtype
        (where every axis has size 1 in one input, the exact broadcast product, as
        there).

    Raises
    ------
    TypeError
        If an input does not hold numbers.
    ValueError
        As :func:`fft_convolve`, if ``block_size`` is shorter than the kernel, or if
        the blocks' transforms would exceed 2 GiB.

    Warns
    -----
    convlib.fourier.NonFiniteWarning
        If an input holds NaN or infinity: it spreads to every output sample of the
        blocks that read it.

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
    a, b = as_operands(in1, in2, mode, MODES, func)
    warn_nonfinite(func, "every output sample of the blocks that read it", a, b)
    if all(1 in (p, q) for p, q in zip(a.shape, b.shape)):  # a broadcast product
        return fft_convolve_core(a, b, mode, None, func)  # (exact integers, as SciPy)
    if mode == "valid" and _valid_swap_needed(a.shape, b.shape, func):
        a, b = b, a
    out_shape = _output_shape(a.shape, b.shape, mode, func)
    offset = _mode_offset(a.shape, b.shape, mode, func)
    x, h = (a, b) if b.size <= a.size else (b, a)  # full outputs are equal either way
    sizes = _check_block_size(block_size, h.shape, func)
    x, h = as_float(x), as_float(h)
    cplx = is_complex(x, h)
    fshape, steps, counts = [], [], []
    for ax, (n, m, size) in enumerate(zip(x.shape, h.shape, out_shape)):
        length = sizes[ax] if sizes else block_length(n, m) if n > m else size + m
        if not sizes and length >= size + m - 1:  # one block covers the output
            length = sp_fft.next_fast_len(size + m - 1, not cplx)
        fshape.append(length)
        steps.append(length - m + 1)
        counts.append(-(-size // steps[-1]))
    check_output_bytes([c * n for c, n in zip(counts, fshape)], 16, "block_size", func,
                       hint="use a block_size near the kernel's length (the default)")
    # padded[i] = x[i - (m - 1)]; block p along an axis reads padded[o + p*L : ... + B]
    need = [o + c * s + m - 1 for o, c, s, m in zip(offset, counts, steps, h.shape)]
    pad = [(m - 1, max(0, t - (m - 1) - n)) for m, t, n in zip(h.shape, need, x.shape)]
    padded = np.pad(x, pad)[tuple(slice(o, t) for o, t in zip(offset, need))]
    views = sliding_window_view(padded, fshape)
    segments = views[tuple(slice(None, None, s) for s in steps)]
    d = x.ndim
    axes = list(range(d, 2 * d))
    fft, ifft = transforms(cplx)
    y = ifft(fft(segments, fshape, axes=axes) * fft(h, fshape), fshape, axes=axes)
    y = y[(Ellipsis,) + tuple(slice(m - 1, None) for m in h.shape)]  # drop wrap-around
    order = [i for ax in range(d) for i in (ax, d + ax)]  # (P1, L1, P2, L2, ...)
    y = y.transpose(order).reshape([c * s for c, s in zip(counts, steps)])
    return y[tuple(slice(n) for n in out_shape)].copy()

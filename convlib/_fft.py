"""The FFT core that :mod:`convlib.fourier` and :mod:`convlib.overlap` share (private).

Linear convolution of validated inputs by FFT, the axis rules of SciPy's FFT
convolution, the real-or-complex choice of transforms, and the warning about NaN and
infinity, which an FFT spreads far beyond a window. The output window of each mode is
:func:`convlib.shapes.mode_offset` and :func:`convlib.shapes.output_shape` (the one
centring rule of convlib), applied per axis.

Functions here take inputs already checked by a public function and the name of that
function (``func``) for their error messages.
"""

from __future__ import annotations

import functools
import math
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.fft as sp_fft

from ._typing import AxisSpec
from ._validation import check_axes
from .shapes import _mode_offset, _output_shape, _valid_swap_needed

__all__ = ["NonFiniteWarning", "warn_nonfinite", "as_float", "is_complex", "transforms",
           "fft_convolve_core", "pruned_real", "fft_lengths", "circular_length",
           "WORKSPACE_BYTES", "WORKSPACE_MIN_BYTES", "SLAB_BYTES", "PAIR_MAX_BYTES",
           "mode_window", "cut_mode", "freq_axes"]


class NonFiniteWarning(RuntimeWarning):
    """A NaN or infinity in the input of an FFT method spreads far beyond its window.

    In direct convolution a non-finite input value reaches only the outputs whose
    window contains it; an FFT mixes every input sample into every frequency, so it
    reaches every output sample (the blocks that contain it, for overlap-add and
    overlap-save). :func:`convlib.convolve` with ``method='auto'`` avoids this by
    preferring ``'direct'`` for such inputs when it is not much slower.
    """


def warn_nonfinite(func: str, spread: str, *arrays: np.ndarray,
                   names: Sequence[str] = ("in1", "in2"),
                   remedy: str = "method='direct' keeps them local") -> None:
    """Warn (:class:`NonFiniteWarning`) if a floating input holds NaN or infinity."""
    for name, x in zip(names, arrays):
        if x.dtype.kind in "fc" and not np.isfinite(x).all():
            warnings.warn(f"{func}: {name} has non-finite values (NaN or inf); the FFT "
                          f"spreads each one to {spread}; {remedy}", NonFiniteWarning,
                          stacklevel=3)
            return


def as_float(x: np.ndarray) -> np.ndarray:
    """Integers and booleans become float64 (as in SciPy); floats and complex stay."""
    return x.astype(np.float64) if x.dtype.kind in "biu" else x


def is_complex(*arrays: np.ndarray) -> bool:
    """Whether any of ``arrays`` is complex (then the complex FFTs are needed)."""
    return any(a.dtype.kind == "c" for a in arrays)


def transforms(complex_result: bool) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """The forward and inverse N-d FFTs: real ones (half the work) for real data."""
    if complex_result:
        return sp_fft.fftn, sp_fft.ifftn
    return sp_fft.rfftn, sp_fft.irfftn


def fft_convolve_core(a: np.ndarray, b: np.ndarray, mode: str, axes: AxisSpec = None,
                      func: str = "convolve") -> np.ndarray:
    """:func:`convlib.fft_convolve` of validated inputs (also ``method='fft'`` of the
    dispatcher); errors name ``func``."""
    if a.ndim == 0:  # SciPy: the product of two scalars
        return a * b
    a, b, axes = freq_axes(a, b, mode, axes, func)
    s1, s2 = a.shape, b.shape
    shape = [s1[i] + s2[i] - 1 if i in axes else max(s1[i], s2[i])
             for i in range(a.ndim)]
    if axes:
        a, b = as_float(a), as_float(b)
        cplx = is_complex(a, b)
        fshape = fft_lengths(s1, s2, mode, axes, not cplx)
        if not cplx:
            return pruned_real(a, b, fshape, axes, mode)
        fft, ifft = transforms(cplx)
        full = ifft(fft(a, fshape, axes=axes) * fft(b, fshape, axes=axes), fshape,
                    axes=axes)
        full = full[tuple(slice(n) for n in shape)]
    else:
        full = a * b
    return cut_mode(full, s1, s2, mode, axes)


def fft_lengths(s1: Sequence[int], s2: Sequence[int], mode: str, axes: Sequence[int],
                real: bool) -> list[int]:
    """The transform length along each of ``axes``: SciPy's next fast length (of a real
    transform if ``real``) from the :func:`circular_length` of the two sizes."""
    return [sp_fft.next_fast_len(circular_length(s1[i], s2[i], mode), real) for i in axes]


def circular_length(p: int, q: int, mode: str) -> int:
    """The shortest circular convolution whose ``mode`` window equals the linear one.

    A circular convolution of length ``L`` (both inputs zero-padded to ``L``) adds to
    each output ``y[j]`` the linear outputs ``y[j + t L]`` of every integer ``t``. The
    window ``[s, s + k)`` that ``mode`` keeps (:func:`convlib.shapes.mode_offset`,
    :func:`convlib.shapes.output_shape`) is free of them when ``L >= p + q - 1 - s``
    (nothing from beyond the end wraps onto it) and ``L >= s + k`` (it does not wrap
    itself); both inputs must fit, ``L >= max(p, q)``. ``'full'`` needs ``p + q - 1``;
    ``'same'`` about ``p + q / 2``; ``'valid'`` only ``max(p, q)``: a smaller transform
    than SciPy's ``fftconvolve``, which pads to ``p + q - 1`` in every mode.

    Examples
    --------
    >>> circular_length(256, 63, "full"), circular_length(256, 63, "same"), \
circular_length(256, 63, "valid")
    (318, 287, 256)
    """
    start, keep = _window_1d(p, q, mode, "circular_length")
    return max(p + q - 1 - start, start + keep, p, q)


@functools.lru_cache(maxsize=1024)
def _window_1d(p: int, q: int, mode: str, func: str) -> tuple[int, int]:
    """``(start, keep)`` of ``mode``'s window along one axis, memoised: the checks of
    :func:`convlib.shapes.mode_offset` and ``output_shape`` cost microseconds, a
    small FFT convolution tens of them."""
    (start,) = _mode_offset((p,), (q,), mode, func)
    (keep,) = _output_shape((p,), (q,), mode, func)
    return start, keep


#: Largest total size, in bytes, of the work buffers that :func:`pruned_real` keeps
#: per thread between calls (32 MiB). Fresh buffers of this size cost page faults on
#: every call, once the allocator has handed the last call's memory back to the
#: operating system: measured on the book's machine, 256 x 256 by 63 x 63, float64,
#: ``'same'``: 2.1 ms with fresh buffers, 0.7 ms with kept ones (same transforms).
WORKSPACE_BYTES = 32 * 2**20

#: Smallest spectrum, in bytes, that :func:`pruned_real` computes in kept buffers (for
#: ``_pruned_pair``, its two spectra side by side; 128 KiB, the size from which glibc's
#: allocator maps fresh memory by default):
#: below it fresh arrays come from the heap without page faults, and the buffers'
#: bookkeeping costs more than it saves (64 x 64 by 15 x 15, float32, 'full':
#: 0.076 ms in buffers, 0.057 ms without; 128 x 128 by 31 x 31 'same', float64
#: (a 168 KiB spectrum): 0.21 ms in buffers, 0.25 ms without).
WORKSPACE_MIN_BYTES = 2**17

#: Bytes of spectrum that :func:`pruned_real` transforms along the last axis at a
#: time (512 KiB): the real transforms return fresh arrays, and fresh arrays of this
#: size stay in the heap, without page faults, where the whole transform's would not
#: (512 x 512 by 63 x 63, float64, 'same': 2.6 ms in slabs, 4.5 ms whole; 1024 x 1024:
#: 12 ms, 16 ms).
SLAB_BYTES = 2**19

#: Most bytes of the two spectra side by side for which :func:`pruned_real` convolves
#: two 2-D inputs in one call per transform (``_pruned_pair``, 1 MiB): the rows of
#: both inputs in one real transform, both spectra along the other axis in one complex
#: one. Each SciPy FFT call costs microseconds beyond its arithmetic (about 4 us for one
#: line of 96 complex samples, NumPy 2.4.6 and SciPy 1.17.1 on an Intel Xeon @ 2.6
#: GHz), so on small images the calls, and the zero padding each one copies, are much
#: of the time. Measured there (min of 9 rounds; 'full' and 'same', float32 and
#: float64), against one call per input and transform: 0.70-0.83x the time on 64 x 64
#: images by 31 x 31 kernels, 0.86-0.93x on 128 x 128 images by 31 x 31 and 63 x 63
#: ones, 0.92-0.96x on 256 x 256 float32 images by 31 x 31 (652 KiB of spectra); on
#: float64 (1.3 MiB) about 1.0x.
PAIR_MAX_BYTES = 2**20

_WORK = threading.local()

#: The dtypes :func:`pruned_real` runs in kept buffers.
_WORK_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _buffer(slot: int, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A work array of this shape and dtype, uninitialised, kept for the next call of
    this thread that asks for the same ``slot``, shape and dtype (least recently used
    ones dropped beyond :data:`WORKSPACE_BYTES`). Never returned to a caller of
    convlib: every result is a fresh array."""
    kept = getattr(_WORK, "buffers", None)
    if kept is None:
        kept = _WORK.buffers = OrderedDict()
    key = (slot, shape, dtype.str)
    buf = kept.pop(key, None)
    if buf is None:
        buf = np.empty(shape, dtype)
    kept[key] = buf  # the most recently used, last
    total = sum(b.nbytes for b in kept.values())
    while total > WORKSPACE_BYTES:  # (this one too, if it alone is larger)
        total -= kept.popitem(last=False)[1].nbytes
    return buf


def _along(axis: int, index: slice, ndim: int) -> tuple[slice, ...]:
    return tuple(index if i == axis else slice(None) for i in range(ndim))


def pruned_real(a: np.ndarray, b: np.ndarray, fshape: list[int], axes: list[int],
                mode: str) -> np.ndarray:
    """Real N-d FFT convolution that skips the transforms of known zeros and of
    discarded output, in work buffers kept between calls.

    ``rfftn(a, fshape)`` zero-pads ``a`` first and then transforms every line; here the
    real transform along the last axis runs on ``a``'s own rows only (the padded rows
    are zero, and so are their transforms), and each further axis is transformed only
    where the axes still to come are not padding. The inverse transforms the other
    axes first and keeps only the ``mode`` window's lines before the final (real)
    inverse along the last axis. Same arithmetic as ``irfftn(rfftn(a) * rfftn(b))``,
    fewer lines transformed: a small kernel's transform costs little more than one
    pass, and ``'same'``/``'valid'`` skip the discarded rows. ``fshape`` may be shorter
    than the full size along an axis (:func:`circular_length`).

    With two or more convolved axes, float32 or float64 inputs of one dtype and a
    spectrum of at least :data:`WORKSPACE_MIN_BYTES`, the padded spectra, their
    product and the inverse along the padded axes are computed in place in buffers of
    :func:`_buffer` (SciPy's complex FFTs overwrite their input), so that repeated
    calls do not pay page faults for fresh memory; the real transforms along the last
    axis run in slabs of :data:`SLAB_BYTES` (small fresh arrays), the inverse one
    written slab by slab into the result, the only large new array. Two 2-D inputs of
    one such dtype, both axes convolved, whose two spectra take at most
    :data:`PAIR_MAX_BYTES`, take the same transforms in one SciPy call each for both
    inputs instead (``_pruned_pair``; bit for bit the same result).
    """
    s1, s2 = a.shape, b.shape
    window = mode_window(s1, s2, mode, axes)
    if (a.ndim == 2 and axes == [0, 1] and a.dtype == b.dtype and a.dtype in _WORK_DTYPES
            and 4 * fshape[0] * (fshape[1] // 2 + 1) * a.dtype.itemsize <= PAIR_MAX_BYTES):
        return _pruned_pair(a, b, fshape, window)
    others = [i for i in range(a.ndim) if i not in axes]
    spectrum_bytes = math.prod(s1[i] for i in others) * math.prod(fshape[:-1]) * (
        fshape[-1] // 2 + 1) * 2 * a.dtype.itemsize
    if not (a.dtype == b.dtype and a.dtype in _WORK_DTYPES and len(axes) > 1
            and spectrum_bytes >= WORKSPACE_MIN_BYTES and all(s1[i] >= s2[i] for i in others)):
        return _pruned_scipy(a, b, fshape, axes, window)
    ndim, last, inner = a.ndim, axes[-1], axes[:-1]
    lead = 1 if last == 0 else 0  # the real transforms run in slabs along this axis
    spectra = []
    for slot, x in enumerate((a, b)):
        shape = list(x.shape)
        for ax, n in zip(inner, fshape):
            shape[ax] = n
        shape[last] = fshape[-1] // 2 + 1
        X = _buffer(slot, tuple(shape), np.result_type(x.dtype, np.complex64))
        for ax in inner:  # the padding, zero
            X[_along(ax, slice(x.shape[ax], None), ndim)] = 0
        own = tuple(slice(x.shape[i]) if i in inner else slice(None) for i in range(ndim))
        spectrum = X[own]
        step = _slab(spectrum, lead)
        for r in range(0, x.shape[lead], step):  # slabs: small fresh temporaries
            part = _along(lead, slice(r, r + step), ndim)
            spectrum[part] = sp_fft.rfft(x[part], fshape[-1], axis=last)
        for k, ax in enumerate(inner):  # along ax, the lines that are not all zero
            lines = list(own)
            for done in inner[:k + 1]:
                lines[done] = slice(None)
            _in_place(sp_fft.fft, X[tuple(lines)], ax)
        spectra.append(X)
    Y = np.multiply(spectra[0], spectra[1], out=spectra[0])
    for ax in inner:
        _in_place(sp_fft.ifft, Y, ax)
        Y = Y[_along(ax, window[ax], ndim)]
    keep = _along(last, window[last], ndim)
    shape = list(Y.shape)
    shape[last] = window[last].stop - window[last].start
    out = np.empty(shape, a.dtype)
    step = _slab(Y, lead)
    for r in range(0, Y.shape[lead], step):
        part = _along(lead, slice(r, r + step), ndim)
        out[part] = sp_fft.irfft(Y[part], fshape[-1], axis=last)[keep]
    return out


def _pruned_pair(a: np.ndarray, b: np.ndarray, fshape: list[int], window: list[slice]
                 ) -> np.ndarray:
    """:func:`pruned_real` of 2-D inputs of one dtype (float32 or float64), both axes
    convolved, in one SciPy call per transform (:data:`PAIR_MAX_BYTES`): the rows of
    ``a`` and of ``b`` (zero-padded to one width) stacked for one real transform along
    axis 1, both spectra zero-padded side by side (``(2, L0, L1 // 2 + 1)``; in a kept
    buffer from :data:`WORKSPACE_MIN_BYTES` on, fresh below) for one complex transform
    along axis 0, then the product, the inverse along axis 0 and, on the ``mode``
    window's rows, the real inverse along axis 1. The same transforms of the same
    lines as one call per input, bit for bit (``tests/test_fourier.py``): SciPy's FFT
    computes each line with the same arithmetic, however many lines a call holds."""
    p, q = a.shape
    r, s = b.shape
    rows = np.zeros((p + r, max(q, s)), a.dtype)
    rows[:p, :q] = a
    rows[p:, :s] = b
    half = sp_fft.rfft(rows, fshape[1], axis=1)
    shape = (2, fshape[0], half.shape[1])
    if math.prod(shape) * half.dtype.itemsize >= WORKSPACE_MIN_BYTES:
        Z = _buffer(0, shape, half.dtype)
        Z[0, p:] = 0
        Z[1, r:] = 0
    else:
        Z = np.zeros(shape, half.dtype)
    Z[0, :p] = half[:p]
    Z[1, :r] = half[p:]
    Z = sp_fft.fft(Z, axis=1, overwrite_x=True)  # in place (the buffer) or not: either
    Y = sp_fft.ifft(np.multiply(Z[0], Z[1], out=Z[0]), axis=0, overwrite_x=True)
    y = sp_fft.irfft(Y[window[0]], fshape[1], axis=1)
    return np.ascontiguousarray(y[:, window[1]])


def _slab(x: np.ndarray, axis: int) -> int:
    """How many slices along ``axis`` make :data:`SLAB_BYTES` of ``x`` (at least 1)."""
    return max(1, SLAB_BYTES * x.shape[axis] // max(x.nbytes, 1))


def _in_place(transform: Callable[..., Any], view: np.ndarray, axis: int) -> None:
    """``view[...] = transform(view, axis=axis)``, in place: SciPy's complex FFTs
    write into a complex input given ``overwrite_x=True`` (a copy back otherwise)."""
    out = transform(view, axis=axis, overwrite_x=True)
    if not np.may_share_memory(out, view):
        view[...] = out


def _pruned_scipy(a: np.ndarray, b: np.ndarray, fshape: list[int], axes: list[int],
                  window: list[slice]) -> np.ndarray:
    """:func:`pruned_real` with SciPy's FFTs in fresh arrays: one convolved axis (no
    complex transform to run in place), a spectrum smaller than
    :data:`WORKSPACE_MIN_BYTES`, inputs of two dtypes, other float dtypes (float16,
    long double), or a kernel larger than the image along an axis that is not
    convolved (the spectra then broadcast)."""
    last, others = axes[-1], axes[:-1]
    spectra = []
    for x in (a, b):
        X = sp_fft.rfft(x, fshape[-1], axis=last)
        for ax, n in zip(others, fshape):
            X = sp_fft.fft(X, n, axis=ax)
        spectra.append(X)
    X, H = spectra
    if X.dtype == np.result_type(X, H) and np.broadcast_shapes(X.shape, H.shape) == X.shape:
        Y = np.multiply(X, H, out=X)  # X is a new array: no third one
    else:
        Y = X * H
    for ax in others:
        Y = sp_fft.ifft(Y, fshape[axes.index(ax)], axis=ax)
        Y = Y[(slice(None),) * ax + (window[ax],)]
    y = sp_fft.irfft(Y, fshape[-1], axis=last)
    keep = tuple(slice(None) if i in others else window[i] for i in range(y.ndim))
    return np.ascontiguousarray(y[keep])


def mode_window(s1: Sequence[int], s2: Sequence[int], mode: str, axes: Sequence[int],
                func: str = "convolve") -> list[slice]:
    """Per axis, the slice of the full output that ``mode`` keeps.

    Along an axis that convolves (one of ``axes``, or one where an input has size 1,
    so that the product is a convolution too) it is the shared rule,
    ``mode_offset`` and ``output_shape`` of the two sizes; along an axis where equal
    sizes just multiply (broadcast), everything.
    """
    window = []
    for i, (p, q) in enumerate(zip(s1, s2)):
        if i in axes or 1 in (p, q):
            start, keep = _window_1d(int(p), int(q), mode, func)
        else:
            start, keep = 0, p
        window.append(slice(start, start + keep))
    return window


def cut_mode(full: np.ndarray, s1: Sequence[int], s2: Sequence[int], mode: str,
             axes: Sequence[int], func: str = "convolve"
             ) -> np.ndarray:
    """The ``mode`` window of ``full`` (SciPy's ``_apply_conv_mode``), a new array."""
    return full[tuple(mode_window(s1, s2, mode, axes, func))].copy()


def freq_axes(a: np.ndarray, b: np.ndarray, mode: str, axes: AxisSpec, func: str
              ) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """SciPy's axis rules for FFT convolution: axes where an input has size 1 are not
    transformed (the inputs just multiply there), the other axes must broadcast, and
    ``'valid'`` mode may swap the inputs. Returns ``(in1, in2, axes)``."""
    axes = check_axes(axes, a.ndim, func)
    s1, s2 = a.shape, b.shape
    axes = [ax for ax in axes if s1[ax] != 1 and s2[ax] != 1]
    others = [ax for ax in range(a.ndim) if ax not in axes]
    if not all(s1[ax] == s2[ax] or 1 in (s1[ax], s2[ax]) for ax in others):
        raise ValueError(f"{func}: in1 and in2 must have equal sizes (or size 1) along "
                         f"the axes not convolved; got shapes {s1} and {s2}")
    if mode == "valid" and _valid_swap_needed([s1[i] for i in axes],
                                             [s2[i] for i in axes], func):
        a, b = b, a
    return a, b, axes

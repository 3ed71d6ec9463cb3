"""Fast convolution through the convolution theorem (chapter 5).

The discrete Fourier transform turns circular convolution into a product,

.. math:: \\mathrm{DFT}(a \\circledast b) = \\mathrm{DFT}(a) \\cdot \\mathrm{DFT}(b),

so convolution costs three FFTs instead of ``N * M`` multiply-adds. This module holds:

* :func:`dft_matrix` -- the DFT as an ``n x n`` matrix, to read the theorem as algebra;
* :func:`circular_convolve` -- circular (periodic) convolution of equal-shape arrays;
* :func:`fft_convolve` -- *linear* convolution by zero padding to the full length (and on
  to a fast FFT length); equals ``scipy.signal.fftconvolve`` (``method='fft'``);
* :func:`wraparound` -- the state of chapter 5's zero-padding widget.

Long inputs in blocks (overlap-add, overlap-save) are in :mod:`convlib.overlap`; the
cost model that chooses among the methods is in :mod:`convlib.costmodel`.

All compute true convolution (the kernel is flipped), like :func:`convlib.convolve`.
Integer and boolean inputs are converted to float64 and the result stays floating point,
as in SciPy; float32 stays float32 (``scipy.fft`` computes in single precision).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import scipy.fft as sp_fft

from ._validation import (as_array, check_choice, check_int, check_output_bytes,
                          check_same_ndim)
from .shapes import MODES, _valid_swap_needed

__all__ = ["dft_matrix", "circular_convolve", "fft_convolve", "wraparound",
           "NonFiniteWarning"]


class NonFiniteWarning(RuntimeWarning):
    """A NaN or infinity in the input of an FFT method spreads far beyond its window.

    In direct convolution a non-finite input value reaches only the outputs whose
    window contains it; an FFT mixes every input sample into every frequency, so it
    reaches every output sample (the blocks that contain it, for overlap-add and
    overlap-save). :func:`convlib.convolve` with ``method='auto'`` avoids this by
    preferring ``'direct'`` for such inputs when it is not much slower.
    """


def _warn_nonfinite(func: str, spread: str, *arrays: np.ndarray,
                    names=("in1", "in2"),
                    remedy: str = "method='direct' keeps them local") -> None:
    """Warn (:class:`NonFiniteWarning`) if a floating input holds NaN or infinity."""
    for name, x in zip(names, arrays):
        if x.dtype.kind in "fc" and not np.isfinite(x).all():
            warnings.warn(f"{func}: {name} has non-finite values (NaN or inf); the FFT "
                          f"spreads each one to {spread}; {remedy}", NonFiniteWarning,
                          stacklevel=3)
            return


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
        If ``n < 1``, or the matrix would exceed
        ``convlib._validation.MAX_OUTPUT_BYTES`` (2 GiB: ``n`` above 11585).

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
    >>> dft_matrix(100_000)
    Traceback (most recent call last):
    ...
    ValueError: dft_matrix: n asks for an output of shape (100000, 100000) (160000.0 MB), more than the limit of 2147.5 MB
    """
    n = check_int(n, "n", "dft_matrix", minimum=1)
    check_output_bytes((n, n), 16, "n", "dft_matrix")
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

    Warns
    -----
    convlib.fourier.NonFiniteWarning
        If an input holds NaN or infinity, which the FFT spreads to every output
        sample (``convlib.convolve2d(..., boundary='wrap')`` keeps it local).

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
    _warn_nonfinite(func, "every output sample", x, y, names=("a", "b"),
                    remedy="convolve2d(..., boundary='wrap') keeps them local")
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

    Warns
    -----
    convlib.fourier.NonFiniteWarning
        If an input holds NaN or infinity: the FFT spreads it to every output sample
        (direct convolution keeps it in the outputs whose window contains it).

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

    Accuracy: the error is absolute, the same size on every output sample, at most
    :func:`convlib.exact.fft_error_bound` (about ``eps log2(P) ||in1||_2 ||in2||_2``):
    outputs much smaller than the largest one (the tails of a probability mass
    function) can have a large relative error, even the wrong sign. Integer inputs
    give float64 values near the integers, as in SciPy; ``convlib.convolve`` with
    ``method='fft'`` returns the exact integers (:mod:`convlib.exact`).

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
    _warn_nonfinite(func, "every output sample along the convolved axes", a, b)
    return _fft_convolve(a, b, mode, axes, func)


def _fft_convolve(a: np.ndarray, b: np.ndarray, mode: str, axes=None,
                  func: str = "convolve") -> np.ndarray:
    """:func:`fft_convolve` of validated inputs (``method='fft'`` of the dispatcher)."""
    if a.ndim == 0:  # SciPy: the product of two scalars
        return a * b
    a, b, axes = _freq_axes(a, b, mode, axes, func)
    s1, s2 = a.shape, b.shape
    shape = [s1[i] + s2[i] - 1 if i in axes else max(s1[i], s2[i])
             for i in range(a.ndim)]
    if axes:
        a, b = _as_float(a), _as_float(b)
        cplx = _is_complex(a, b)
        fshape = [sp_fft.next_fast_len(shape[i], not cplx) for i in axes]
        if not cplx:
            return _pruned_real(a, b, fshape, axes, shape, mode)
        fft, ifft = _transforms(cplx)
        full = ifft(fft(a, fshape, axes=axes) * fft(b, fshape, axes=axes), fshape,
                    axes=axes)
        full = full[tuple(slice(n) for n in shape)]
    else:
        full = a * b
    return _cut_mode(full, s1, s2, mode, axes)


def _pruned_real(a: np.ndarray, b: np.ndarray, fshape: list[int], axes: list[int],
                 shape: list[int], mode: str) -> np.ndarray:
    """Real N-d FFT convolution that skips the transforms of known zeros and of
    discarded output.

    ``rfftn(a, fshape)`` zero-pads ``a`` first and then transforms every line; here the
    real transform along the last axis runs on ``a``'s own rows only (the padded rows
    are zero, and so are their transforms), and each further axis is padded only when
    it is transformed. The inverse transforms the other axes first and keeps only the
    ``mode`` window's lines before the final (real) inverse along the last axis. Same
    arithmetic as ``irfftn(rfftn(a) * rfftn(b))``, fewer lines transformed: a small
    kernel's transform costs little more than one pass, and ``'same'``/``'valid'`` skip
    the discarded rows.
    """
    s1, s2 = a.shape, b.shape
    last, others = axes[-1], axes[:-1]
    spectra = []
    for x in (a, b):
        X = sp_fft.rfft(x, fshape[-1], axis=last)
        for ax, n in zip(others, fshape):
            X = sp_fft.fft(X, n, axis=ax)
        spectra.append(X)
    Y = spectra[0] * spectra[1]
    window = _mode_window(s1, s2, mode, axes, shape)
    for ax in others:
        Y = sp_fft.ifft(Y, fshape[axes.index(ax)], axis=ax)
        Y = Y[(slice(None),) * ax + (window[ax],)]
    y = sp_fft.irfft(Y, fshape[-1], axis=last)
    keep = tuple(slice(None) if i in others else window[i] for i in range(y.ndim))
    return np.ascontiguousarray(y[keep])


def _mode_window(s1, s2, mode: str, axes, shape) -> list[slice]:
    """Per axis, the slice of the full output that ``mode`` keeps (``_cut_mode``'s
    centring rule); in 'valid' mode the axes not convolved keep everything."""
    window = []
    for i, n in enumerate(shape):
        if mode == "full" or (i not in axes and mode == "valid"):
            window.append(slice(0, n))
            continue
        keep = s1[i] if mode == "same" else s1[i] - s2[i] + 1
        start = (n - keep) // 2
        window.append(slice(start, start + keep))
    return window


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
    if mode == "valid" and _valid_swap_needed([s1[i] for i in axes],
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


# --- the state of chapter 5's zero-padding widget ------------------------------------

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

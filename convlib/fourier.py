"""Fast convolution through the convolution theorem (chapter 5).

The discrete Fourier transform turns circular convolution into a product,

.. math:: \\mathrm{DFT}(a \\circledast b) = \\mathrm{DFT}(a) \\cdot \\mathrm{DFT}(b),

so convolution costs three FFTs instead of ``N * M`` multiply-adds. This module holds:

* :func:`dft_matrix` -- the DFT as an ``n x n`` matrix, to read the theorem as algebra;
* :func:`circular_convolve` -- circular (periodic) convolution of equal-shape arrays;
* :func:`fft_convolve` -- *linear* convolution by zero padding (to the full length, or
  less where ``mode`` discards what wraps around, and on to a fast FFT length); equals
  ``scipy.signal.fftconvolve`` (``method='fft'``);
* :func:`wraparound` -- the state of chapter 5's zero-padding widget.

Long inputs in blocks (overlap-add, overlap-save) are in :mod:`convlib.overlap`; the
FFT core both use (SciPy's axis rules, the choice of real or complex transforms, the
non-finite warning) is the private ``convlib._fft``, which cuts each mode's window with
:func:`convlib.shapes.mode_offset`; the cost model that chooses among the methods is in
:mod:`convlib.costmodel`.

All compute true convolution (the kernel is flipped), like :func:`convlib.convolve`.
Integer and boolean inputs are converted to float64 and the result stays floating point,
as in SciPy; float32 stays float32 (``scipy.fft`` computes in single precision).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._fft import (NonFiniteWarning, as_float, fft_convolve_core, is_complex, transforms,
                   warn_nonfinite)
from ._typing import ArrayLike, AxisSpec, Mode, NDArray
from ._validation import as_array, as_operands, check_int, check_output_bytes
from .shapes import MODES

__all__ = ["dft_matrix", "circular_convolve", "fft_convolve", "wraparound",
           "NonFiniteWarning"]


# --- the DFT and circular convolution ------------------------------------------------

def dft_matrix(n: int) -> NDArray[np.complex128]:
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


def circular_convolve(a: ArrayLike, b: ArrayLike) -> NDArray[Any]:
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
    warn_nonfinite(func, "every output sample", x, y, names=("a", "b"),
                   remedy="convolve2d(..., boundary='wrap') keeps them local")
    x, y = as_float(x), as_float(y)
    fft, ifft = transforms(is_complex(x, y))
    return ifft(fft(x) * fft(y), s=x.shape)


# --- FFT convolution -----------------------------------------------------------------

def fft_convolve(in1: ArrayLike, in2: ArrayLike, mode: Mode = "full",
                 axes: AxisSpec = None) -> NDArray[Any]:
    r"""N-dimensional linear convolution by FFT: equals ``scipy.signal.fftconvolve``.

    Both inputs are zero-padded along the convolved axes to the shortest length at
    which nothing wraps around onto the ``mode`` window: the full length ``N + M - 1``
    for ``'full'``; for ``N >= M``, ``N + M - 1 - (M - 1) // 2`` for ``'same'`` and
    ``N`` for ``'valid'``; and on to the next fast FFT length. The result is the
    inverse FFT of the product of the FFTs, cut to ``mode``. (SciPy pads to the full
    length in every mode.)

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
    Cost ``O(P log P)`` with ``P`` the product of those lengths (at most
    ``prod(N + M - 1)``): two forward FFTs and one inverse, real FFTs (``rfftn``, half
    the work) when both inputs are real. The FFT lengths come from
    ``scipy.fft.next_fast_len`` (products of small primes). With two or more convolved
    axes, float32 or float64 inputs (both of one dtype, with spectra of 128 KiB or more)
    are transformed in work buffers that each thread keeps between calls (up to
    32 MiB), which spares repeated calls the page faults of
    fresh memory; the result is always a new array. Unlike SciPy, empty inputs are
    rejected, as everywhere in convlib. Chapter 5 derives it.

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
    a, b = as_operands(in1, in2, mode, MODES, func)
    warn_nonfinite(func, "every output sample along the convolved axes", a, b)
    return fft_convolve_core(a, b, mode, axes, func)


# --- the state of chapter 5's zero-padding widget ------------------------------------

def wraparound(x: ArrayLike, h: ArrayLike, length: int) -> tuple[NDArray[Any], NDArray[Any]]:
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

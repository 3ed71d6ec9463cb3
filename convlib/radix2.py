r"""How the FFT works, and what the DFT samples (chapter 5).

* :func:`fft_radix2` -- the radix-2 decimation-in-time FFT of Cooley and Tukey, written
  recursively in a few lines for power-of-two lengths; equals ``numpy.fft.fft``;
* :func:`radix2_stages` -- the same FFT unrolled into levels, as an iterative FFT runs
  it: the input in bit-reversed order (:func:`bit_reversal`), then the values after
  each level of butterflies (the signal-flow graph of chapter 5's butterfly figure);
* :func:`radix2_op_count` -- its complex multiplications and additions, counted by
  running it (``(N/2) log2 N`` and ``N log2 N``, against ``N**2`` for the DFT matrix);
* :func:`dtft` -- the discrete-time Fourier transform of a finite sequence,
  :math:`H(e^{i\omega}) = \sum_n h[n]\, e^{-i\omega n}`, the sum evaluated directly at
  any frequencies. The DFT of ``h`` zero-padded to ``P`` samples it at
  :math:`\omega_k = 2\pi k / P`.

These are for reading, not for speed: convlib's FFT methods call ``scipy.fft``
(pocketfft), which handles every length. The DFT as a matrix is
:func:`convlib.dft_matrix`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._typing import ArrayLike, NDArray
from ._validation import as_array, check_int, check_output_bytes

__all__ = ["fft_radix2", "bit_reversal", "radix2_stages", "radix2_op_count", "dtft"]


def _complex_dtype(dtype: np.dtype) -> np.dtype:
    """The complex type ``numpy.fft.fft`` returns for an input of ``dtype``."""
    if dtype.kind in "biu":
        return np.dtype(np.complex128)
    return np.result_type(dtype, np.complex64)


def _check_power_of_two(n: int, subject: str, func: str) -> None:
    """Raise ``ValueError`` unless ``n`` is 1, 2, 4, 8, ..."""
    if n < 1 or n & (n - 1):
        raise ValueError(f"{func}: {subject} must be a power of two (1, 2, 4, 8, ...); "
                         f"got {n}; numpy.fft.fft and scipy.fft.fft take any length")


def _dit(x: np.ndarray, counts: dict[str, int] | None) -> np.ndarray:
    """Radix-2 decimation in time along the last axis (its length a power of two)."""
    n = x.shape[-1]
    if n == 1:
        return x                                  # the DFT of one sample is itself
    even = _dit(x[..., 0::2], counts)             # E[k], length n/2
    odd = _dit(x[..., 1::2], counts)              # O[k], length n/2
    twiddle = np.exp(-2j * np.pi * np.arange(n // 2) / n).astype(x.dtype)
    t = twiddle * odd                             # n/2 complex multiplications
    if counts is not None:
        counts["multiplications"] += n // 2
        counts["additions"] += n
    return np.concatenate([even + t, even - t], axis=-1)   # n/2 butterflies


def fft_radix2(x: ArrayLike) -> NDArray[Any]:
    r"""The DFT of ``x`` along its last axis by the radix-2 FFT (decimation in time).

    Split the sum of the DFT into even and odd samples; both halves are DFTs of length
    ``N/2``, ``E`` and ``O``, and with the *twiddle factors* :math:`\omega_N^k =
    e^{-2\pi i k/N}`

    .. math:: X[k] = E[k] + \omega_N^k\, O[k], \qquad
              X[k + N/2] = E[k] - \omega_N^k\, O[k], \qquad 0 \le k < N/2,

    one *butterfly* per ``k``. Recursing down to length 1 costs ``(N/2) log2 N``
    complex multiplications and ``N log2 N`` complex additions (:func:`radix2_op_count`).

    Parameters
    ----------
    x : array_like of shape (..., N)
        Real or complex values; ``N`` a power of two (1, 2, 4, ...). Transformed along
        the last axis, each leading index independently.

    Returns
    -------
    ndarray of shape (..., N)
        ``X[..., k] = sum_j x[..., j] exp(-2 pi i jk/N)``, of the complex type
        ``numpy.fft.fft`` returns: complex64 for float16, float32 and complex64 input,
        complex128 for integers, booleans and float64, complex256 for long double.
        Equal to ``numpy.fft.fft(x)`` up to rounding. ``x`` is not modified.

    Raises
    ------
    ValueError
        If ``x`` is 0-D or empty, or ``N`` is not a power of two.
    TypeError
        If ``x`` does not hold numbers.

    See Also
    --------
    convlib.dft_matrix : the same transform as an ``N x N`` matrix (``N**2`` operations).
    numpy.fft.fft : the fast transform of any length (pocketfft).

    Notes
    -----
    Written for reading (chapter 5): the recursion allocates at every level and is far
    slower than pocketfft. The twiddle factors include the trivial ones (``k = 0``),
    which the counts include too. A prime length cannot be split this way; Rader's and
    Bluestein's algorithms turn it into a convolution of composite length.

    References
    ----------
    .. [1] J. W. Cooley and J. W. Tukey, "An algorithm for the machine calculation of
       complex Fourier series", Mathematics of Computation 19(90), 297-301, 1965.

    Examples
    --------
    >>> fft_radix2([1, 2, 3, 4])
    array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
    >>> fft_radix2([1, 2, 3])
    Traceback (most recent call last):
    ...
    ValueError: fft_radix2: the length of x's last axis must be a power of two (1, 2, 4, 8, ...); got 3; numpy.fft.fft and scipy.fft.fft take any length
    """
    func = "fft_radix2"
    arr = as_array(x, "x", func, min_ndim=1)
    _check_power_of_two(arr.shape[-1], "the length of x's last axis", func)
    return _dit(arr.astype(_complex_dtype(arr.dtype)), None)


def bit_reversal(n: int) -> np.ndarray:
    """The order in which the radix-2 recursion reaches the samples: bit-reversed indices.

    Splitting by parity at every level sorts the samples by the *last* bit of their index
    first: position ``p`` of the deepest level holds sample ``j`` whose ``log2 n``-bit
    binary digits are those of ``p`` reversed.

    Parameters
    ----------
    n : int
        A power of two ``>= 1``.

    Returns
    -------
    ndarray of shape (n,)
        int64 permutation of ``0 .. n - 1``; it is its own inverse.

    Raises
    ------
    ValueError
        If ``n`` is not a power of two or its array would exceed
        ``convlib._validation.MAX_OUTPUT_BYTES``.
    TypeError
        If ``n`` is not an integer.

    Examples
    --------
    >>> bit_reversal(8)          # 1 = 001 -> 100 = 4, 3 = 011 -> 110 = 6
    array([0, 4, 2, 6, 1, 5, 3, 7])
    """
    func = "bit_reversal"
    n = check_int(n, "n", func, minimum=1)
    _check_power_of_two(n, "n", func)
    check_output_bytes((n,), 8, "n", func)
    order = np.zeros(1, np.int64)
    while order.size < n:                     # evens first, then odds, at every level
        order = np.concatenate([2 * order, 2 * order + 1])
    return order


def radix2_stages(x: ArrayLike) -> list[NDArray[Any]]:
    r"""The radix-2 FFT of a 1-D ``x`` level by level, as an iterative FFT computes it.

    Stage 0 is ``x`` in bit-reversed order (:func:`bit_reversal`): ``N`` transforms of
    length 1. Stage ``s`` holds ``N / 2**s`` consecutive blocks, each the DFT of length
    ``2**s`` of one decimated subsequence of ``x``; each block is made from the two
    halves of its stage ``s - 1`` block by the butterflies of :func:`fft_radix2`
    (first half ``E``, second half ``O``, twiddle factors of length ``2**s``).

    Parameters
    ----------
    x : array_like of shape (N,)
        ``N`` a power of two.

    Returns
    -------
    list of ``log2 N + 1`` ndarrays of shape (N,)
        complex128 values after each level; the last equals ``fft_radix2(x)``.

    Raises
    ------
    ValueError
        If ``x`` is not 1-D, is empty or its length is not a power of two.
    TypeError
        If ``x`` does not hold numbers.

    Examples
    --------
    Chapter 5's hand example: bit-reversed ``[1, 3, 2, 4]``, then ``E`` and ``O``
    side by side, then ``X``:

    >>> [s.round(12) + 0 for s in radix2_stages([1, 2, 3, 4])]  # doctest: +NORMALIZE_WHITESPACE
    [array([1.+0.j, 3.+0.j, 2.+0.j, 4.+0.j]), array([ 4.+0.j, -2.+0.j,  6.+0.j, -2.+0.j]),
     array([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])]
    """
    func = "radix2_stages"
    arr = as_array(x, "x", func, ndim=1)
    n = arr.size
    _check_power_of_two(n, "the length of x", func)
    values = arr[bit_reversal(n)].astype(np.complex128)
    stages, m = [values], 2
    while m <= n:
        blocks = values.reshape(n // m, m)
        twiddle = np.exp(-2j * np.pi * np.arange(m // 2) / m)
        even, odd = blocks[:, : m // 2], twiddle * blocks[:, m // 2:]
        values = np.concatenate([even + odd, even - odd], axis=1).reshape(n)
        stages.append(values)
        m *= 2
    return stages


def radix2_op_count(n: int) -> dict[str, int]:
    """Complex multiplications and additions of :func:`fft_radix2` at length ``n``, counted.

    Runs the same recursion as :func:`fft_radix2` on ``n`` zeros with a counter: every
    level adds one multiplication (twiddle factor times odd half) and two additions
    (the butterfly's sum and difference) per pair of outputs.

    Parameters
    ----------
    n : int
        Transform length, a power of two ``>= 1``.

    Returns
    -------
    dict
        ``{"multiplications": m, "additions": a}`` with ``m = (n/2) log2 n`` and
        ``a = n log2 n`` (trivial twiddle factors counted too). The DFT matrix
        (:func:`convlib.dft_matrix`) takes ``n**2`` multiplications and ``n (n - 1)``
        additions.

    Raises
    ------
    ValueError
        If ``n`` is not a power of two, or its work arrays would exceed
        ``convlib._validation.MAX_OUTPUT_BYTES``.
    TypeError
        If ``n`` is not an integer.

    Examples
    --------
    >>> radix2_op_count(8)
    {'multiplications': 12, 'additions': 24}
    >>> radix2_op_count(12)
    Traceback (most recent call last):
    ...
    ValueError: radix2_op_count: n must be a power of two (1, 2, 4, 8, ...); got 12; numpy.fft.fft and scipy.fft.fft take any length
    """
    func = "radix2_op_count"
    n = check_int(n, "n", func, minimum=1)
    _check_power_of_two(n, "n", func)
    check_output_bytes((n,), 16, "n", func)
    counts = {"multiplications": 0, "additions": 0}
    _dit(np.zeros(n, np.complex128), counts)
    return counts


def dtft(h: ArrayLike, omega: ArrayLike) -> NDArray[Any]:
    r"""The discrete-time Fourier transform of a finite sequence, at given frequencies.

    .. math:: H(e^{i\omega}) = \sum_{n=0}^{M-1} h[n]\, e^{-i\omega n}

    evaluated directly: ``M`` terms per frequency, for any real ``omega`` (radians per
    sample). For a kernel ``h`` it is the *frequency response*: convolving
    :math:`e^{i\omega n}` with ``h`` multiplies it by :math:`H(e^{i\omega})`. The DFT of
    ``h`` zero-padded to ``P >= M`` samples is this function at
    :math:`\omega_k = 2\pi k / P`.

    Parameters
    ----------
    h : array_like of shape (M,)
        The sequence, ``h[0]`` at ``n = 0``; real or complex, not empty.
    omega : array_like of real numbers, any shape
        Frequencies in radians per sample.

    Returns
    -------
    ndarray of omega's shape
        complex128 values of :math:`H(e^{i\omega})`. Equals
        ``scipy.signal.freqz(h, worN=omega)[1]`` for 1-D ``omega``.

    Raises
    ------
    ValueError
        If ``h`` is not 1-D or is empty, or the ``(omega.size, M)`` table of exponentials
        would exceed ``convlib._validation.MAX_OUTPUT_BYTES``.
    TypeError
        If ``omega`` is complex or either argument does not hold numbers.

    Examples
    --------
    The two-tap average passes frequency 0 and removes :math:`\omega = \pi`:

    >>> np.abs(dtft([0.5, 0.5], [0, np.pi / 2, np.pi])).round(4)
    array([1.    , 0.7071, 0.    ])
    >>> dtft([0.5, 0.5], 1j)
    Traceback (most recent call last):
    ...
    TypeError: dtft: omega must be real; got dtype complex128
    """
    func = "dtft"
    taps = as_array(h, "h", func, ndim=1)
    w = as_array(omega, "omega", func, allow_empty=True)
    if w.dtype.kind == "c":
        raise TypeError(f"{func}: omega must be real; got dtype {w.dtype}")
    check_output_bytes((w.size, taps.size), 16, "omega", func)
    phases = np.multiply.outer(w.astype(np.float64), np.arange(taps.size))
    return np.exp(-1j * phases) @ taps.astype(np.complex128)

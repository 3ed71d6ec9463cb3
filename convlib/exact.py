"""The FFT's rounding error, bounded; and exact integer convolution by FFT (chapter 5).

A floating-point FFT convolution does not return the convolution: it returns it plus an
error spread over *every* output sample, bounded in absolute terms by the inputs' norms,

.. math:: \\max_n |\\hat y[n] - y[n]| \\le c(P)\\, \\varepsilon\\, \\|x\\|_2\\, \\|h\\|_2,
          \\qquad c(P) \\approx 2\\,(12.7 \\log_2 P + 2.3),

with ``P`` the number of points of the transform and ``eps`` the unit roundoff
(:func:`fft_error_bound`). Small outputs (the tails of a pmf) therefore have a large
relative error, and integer results are exact after rounding only while the bound is
below 1/2: SciPy's test, ``max|x| max|h| min(N, M) < 2**52``, is necessary, not
sufficient.

:func:`exact_integer_convolve` makes integer results exact whatever their size, as
big-integer multiplication by FFT does: each input is split into ``P`` digits of ``k``
bits, ``x = sum_i x_i 2**(k i)``, chosen so that every partial convolution
``x_i * h_j`` has an error bound below 1/4; each is computed in float64 (by FFT,
overlap-add or Winograd), rounded (exactly), and the partial results are added with
their shifts in int64 arithmetic. The result is the true convolution modulo ``2**64``:
exact whenever it fits in int64, and equal, after casting, to what direct integer
arithmetic gives in any narrower integer type.

References
----------
C. Percival, "Rapid multiplication modulo the sum and difference of highly composite
numbers", Mathematics of Computation 72 (2003), 387-395 (the error bound of FFT
convolution used here).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.fft as sp_fft
from numpy.typing import DTypeLike

from ._typing import ArrayLike, NDArray
from ._validation import as_array, check_same_ndim

__all__ = ["fft_error_bound", "exact_integer_convolve", "split_plan", "ERROR_TARGET"]

#: The largest error bound accepted for one partial convolution, half of the 1/2
#: that rounding tolerates (a margin for the constants of the bound).
ERROR_TARGET = 0.25

#: Percival's bound for a radix-2 FFT convolution with twiddle factors accurate to the
#: unit roundoff, linearised: ``eps * ((6 + 3 sqrt 5) log2 P + sqrt 5)``; doubled for
#: pocketfft's mixed radices and real transforms (checked against exact results in the
#: tests and in chapter 5: the measured error stays far below it).
_SAFETY = 2.0

#: Winograd F(2x2, 3x3) in float64: the transforms have entries 0, +-1/2, +-1, so each
#: output is a sum of a few hundred rounded terms bounded by ``max|x| max|h|``; 2**16
#: covers them with a wide margin (Winograd keeps digits small anyway).
_WINOGRAD_FACTOR = 2.0**16


def _fft_factor(points: int, eps: float) -> float:
    """``c(P) * eps`` of the module docstring."""
    n = math.log2(max(points, 2))
    return _SAFETY * eps * ((6 + 3 * math.sqrt(5)) * n + math.sqrt(5))


def _fft_points(shape1: tuple[int, ...], shape2: tuple[int, ...]) -> int:
    return math.prod(sp_fft.next_fast_len(p + q - 1) for p, q in zip(shape1, shape2))


def fft_error_bound(in1: ArrayLike, in2: ArrayLike, dtype: DTypeLike = np.float64
                    ) -> float:
    r"""A bound on the absolute error of :func:`convlib.fft_convolve` ``(in1, in2)``.

    Parameters
    ----------
    in1 : array_like of shape (N1, ..., Nd)
    in2 : array_like of shape (M1, ..., Md)
        Same number of dimensions.
    dtype : {numpy.float64, numpy.float32}
        Precision of the transforms (``scipy.fft`` keeps float32 in single precision).

    Returns
    -------
    float
        :math:`c(P)\,\varepsilon\,\|x\|_2\|h\|_2` with ``P = prod(next_fast_len(N + M
        - 1))``, ``eps`` the unit roundoff of ``dtype`` (``2**-53`` or ``2**-24``) and
        ``c(P) = 2 ((6 + 3 sqrt 5) log2 P + sqrt 5)``: every output sample of the FFT
        convolution is within this distance of the exact one. The error is absolute:
        an output far smaller than the bound may come back with the wrong sign.

    Raises
    ------
    TypeError, ValueError
        If an input does not hold numbers, is empty, or the ndims differ.

    Notes
    -----
    Percival's bound for FFT convolution (radix 2, accurate twiddle factors),
    linearised in ``eps`` and doubled to cover mixed radices and real transforms. It
    is a worst case: measured errors are usually one or two orders of magnitude
    smaller (chapter 5 measures them).

    References
    ----------
    C. Percival, Mathematics of Computation 72 (2003), 387-395.

    Examples
    --------
    >>> bound = fft_error_bound(np.ones(1000), np.ones(1000))
    >>> bool(1e-11 < bound < 1e-10)
    True
    >>> fft_error_bound([1.0], [[1.0]])
    Traceback (most recent call last):
    ...
    ValueError: fft_error_bound: in1 and in2 must have the same number of dimensions; got 1-D in1 of shape (1,) and 2-D in2 of shape (1, 1)
    """
    func = "fft_error_bound"
    a, b = as_array(in1, "in1", func), as_array(in2, "in2", func)
    check_same_ndim(a, b, ("in1", "in2"), func)
    eps = float(np.finfo(dtype).eps) / 2
    norms = [float(np.linalg.norm(np.abs(v).astype(np.float64).ravel())) for v in (a, b)]
    return _fft_factor(_fft_points(a.shape, b.shape), eps) * norms[0] * norms[1]


# --- splitting integers into digits ---------------------------------------------------

def _stats(x: NDArray[Any]) -> tuple[int, float]:
    """``(max |x|, ||x||_2)`` of an int64 array, the maximum exact."""
    biggest = max(int(x.max()), -int(x.min()))
    norm = float(np.sqrt(np.sum(np.square(x.astype(np.float64)))))
    return biggest, norm * (1 + 1e-9)   # float64 summation: a tiny upward margin


def _digit_bounds(biggest: int, norm: float, size: int, parts: int
                  ) -> tuple[int, list[tuple[int, float]]]:
    """``(k, [(max_i, norm_i)])``: bounds on the ``parts`` digits of ``k`` bits."""
    if parts == 1:
        return 0, [(biggest, norm)]
    k = -(-biggest.bit_length() // parts)
    low = (2**k - 1, (2**k - 1) * math.sqrt(size))
    top_max = (biggest >> (k * (parts - 1))) + 1
    top_norm = min(norm / 2.0 ** (k * (parts - 1)) + math.sqrt(size),
                   top_max * math.sqrt(size))
    return k, [low] * (parts - 1) + [(top_max, top_norm)]


def _pair_bound(method: str, shape1: tuple[int, ...], shape2: tuple[int, ...]
                ) -> Callable[[tuple[int, float], tuple[int, float]], float]:
    """The error bound of one partial convolution of ``method``, from digit bounds."""
    if method == "winograd":
        factor = _WINOGRAD_FACTOR * 2.0**-53
        return lambda d1, d2: factor * d1[0] * d2[0]
    blocks = 2 ** len(shape1) if method == "overlap_add" else 1  # overlapping blocks
    factor = blocks * _fft_factor(_fft_points(shape1, shape2), 2.0**-53)
    return lambda d1, d2: factor * d1[1] * d2[1]


def split_plan(in1: ArrayLike, in2: ArrayLike, method: str = "fft"
               ) -> tuple[int, int, int, int] | None:
    """How :func:`exact_integer_convolve` splits two integer arrays into digits.

    Parameters
    ----------
    in1, in2 : ndarray of integers
        The inputs (any integer or boolean dtype; uint64 is read modulo ``2**64``).
    method : {'fft', 'overlap_add', 'winograd'}
        The floating-point method that computes each partial convolution.

    Returns
    -------
    tuple of int or None
        ``(k1, P1, k2, P2)``: ``in1`` in ``P1`` digits of ``k1`` bits (the top digit
        signed), ``in2`` likewise; ``P1 * P2`` partial convolutions, each with an error
        bound (:func:`fft_error_bound` from the digits' norms, or Winograd's from their
        maxima) at most :data:`ERROR_TARGET`. The fewest partial convolutions that
        achieve it (``(0, 1, 0, 1)``: no split). None if even 16 digits each do not.

    Examples
    --------
    >>> split_plan(np.arange(10), np.arange(10))
    (0, 1, 0, 1)
    >>> split_plan(np.full(4096, 2**40), np.full(512, 2**20))   # 2 x 2 digits
    (21, 2, 11, 2)
    """
    x, h = (np.asarray(v).astype(np.int64) for v in (in1, in2))
    return _plan(x, h, method)


def _plan(x: NDArray[Any], h: NDArray[Any], method: str
          ) -> tuple[int, int, int, int] | None:
    bound = _pair_bound(method, x.shape, h.shape)
    (m1, n1), (m2, n2) = _stats(x), _stats(h)
    most1, most2 = max(1, min(16, m1.bit_length())), max(1, min(16, m2.bit_length()))
    pairs = sorted(((p, q) for p in range(1, most1 + 1) for q in range(1, most2 + 1)),
                   key=lambda pq: (pq[0] * pq[1], pq[0] + pq[1]))
    for p, q in pairs:
        k1, d1 = _digit_bounds(m1, n1, x.size, p)
        k2, d2 = _digit_bounds(m2, n2, h.size, q)
        if max(bound(u, v) for u in d1 for v in d2) <= ERROR_TARGET:
            return k1, p, k2, q
    return None


def _digits(x: NDArray[Any], k: int, parts: int) -> list[NDArray[Any]]:
    """``x = sum_i digits[i] * 2**(k i)``: low digits in ``[0, 2**k)``, the top signed."""
    out = []
    for _ in range(parts - 1):
        out.append(x & (2**k - 1))
        x = x >> k
    return out + [x]


def _wrapped_power(shift: int) -> np.int64:
    """``2**shift`` modulo ``2**64``, as a (two's complement) int64."""
    value = (1 << shift) % 2**64 if shift < 64 else 0
    return np.int64(value - 2**64 if value >= 2**63 else value)


def exact_integer_convolve(in1: NDArray[Any], in2: NDArray[Any], mode: str,
                           impl: Callable[..., NDArray[Any]], method: str = "fft"
                           ) -> NDArray[Any] | None:
    """Integer convolution by a floating-point method, exact modulo ``2**64``.

    Parameters
    ----------
    in1, in2 : ndarray of integers or booleans
        Validated inputs of equal ndim (as a ``convolve`` method receives them).
    mode : {'full', 'same', 'valid'}
    impl : callable
        ``impl(a, b, mode)`` computing the convolution of float64 arrays (FFT,
        overlap-add or Winograd).
    method : {'fft', 'overlap_add', 'winograd'}
        Which error bound applies to ``impl``.

    Returns
    -------
    ndarray of int64 or None
        The convolution modulo ``2**64`` (exact when it fits in int64; cast it to a
        narrower integer type to get that type's wrap-around). None when no split into
        at most 16 digits per input meets the bound (never for inputs below a few
        hundred million elements): use direct integer arithmetic then.

    Notes
    -----
    Digits of ``k`` bits: ``x & (2**k - 1)`` and ``x >> k`` repeatedly, the last digit
    keeping the sign. Every partial convolution is rounded to int64 (exact: its error
    bound is at most 1/4) and multiplied by ``2**(k1 i + k2 j)`` in int64, whose
    wrap-around is arithmetic modulo ``2**64``. Cost: ``P1 * P2`` calls of ``impl``.

    Examples
    --------
    >>> from convlib.fourier import fft_convolve
    >>> x = np.array([2**62, 3, -2**62])
    >>> exact_integer_convolve(x, np.array([1, 1]), "full", fft_convolve).tolist()
    [4611686018427387904, 4611686018427387907, -4611686018427387901, -4611686018427387904]
    """
    x, h = in1.astype(np.int64), in2.astype(np.int64)
    plan = _plan(x, h, method)
    if plan is None:
        return None
    k1, p1, k2, p2 = plan
    total = None
    for i, xi in enumerate(_digits(x, k1, p1)):
        for j, hj in enumerate(_digits(h, k2, p2)):
            part = np.asarray(impl(xi.astype(np.float64), hj.astype(np.float64), mode))
            part = np.rint(part.real).astype(np.int64) * _wrapped_power(k1 * i + k2 * j)
            total = part if total is None else np.add(total, part, out=total)
    return total

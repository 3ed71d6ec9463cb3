"""The roofline model: the speed a computation of a given arithmetic intensity can reach.

A machine does at most ``peak`` floating-point operations per second and moves at most
``bandwidth`` bytes per second between memory and its cores. A computation that does
``I`` FLOP per byte it moves (its **arithmetic intensity**) can therefore run at no more
than ``min(peak, I * bandwidth)`` FLOP/s: the roofline of Williams, Waterman and
Patterson (2009). Left of the ridge point ``peak / bandwidth`` a computation is
memory-bound, right of it compute-bound. Chapter 17 measures both limits and places
convlib's methods on the roofline.

:func:`direct_intensity` counts the intensity of a direct convolution in its two
formulations: one pass over memory per kernel tap (NumPy's shifted-slice sums) or the
input read once and the output written once (a compiled kernel that keeps a row in
cache while all taps are applied).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._validation import check_choice, check_int, check_real

__all__ = ["roofline", "ridge_point", "direct_intensity"]


def _positive(value: Any, name: str, func: str) -> float:
    value = check_real(value, name, func, finite=True)
    if value <= 0:
        raise ValueError(f"{func}: {name} must be positive; got {value!r}")
    return float(value)


def roofline(intensity: Any, peak: float, bandwidth: float) -> np.ndarray:
    """Attainable FLOP/s at the given arithmetic intensities: ``min(peak, I * bandwidth)``.

    Parameters
    ----------
    intensity : array_like of float
        Arithmetic intensities in FLOP per byte moved, each ``>= 0``.
    peak : float
        The machine's peak rate in FLOP/s, ``> 0``.
    bandwidth : float
        The machine's memory bandwidth in bytes/s, ``> 0``.

    Returns
    -------
    numpy.ndarray of float64
        The roofline at each intensity, same shape as ``intensity``.

    Raises
    ------
    TypeError
        If ``peak`` or ``bandwidth`` is not a real number.
    ValueError
        If ``peak`` or ``bandwidth`` is not positive and finite, or an intensity is
        negative or not finite.

    References
    ----------
    S. Williams, A. Waterman, D. Patterson, "Roofline: an insightful visual
    performance model for multicore architectures", Commun. ACM 52(4), 2009.

    Examples
    --------
    >>> roofline([0.5, 2.0, 100.0], peak=1e11, bandwidth=1e10)
    array([5.e+09, 2.e+10, 1.e+11])
    """
    peak = _positive(peak, "peak", "roofline")
    bandwidth = _positive(bandwidth, "bandwidth", "roofline")
    i = np.asarray(intensity, dtype=np.float64)
    if not np.all(np.isfinite(i)) or np.any(i < 0):
        raise ValueError(f"roofline: intensity must be finite and >= 0; got {intensity!r}")
    return np.minimum(peak, i * bandwidth)


def ridge_point(peak: float, bandwidth: float) -> float:
    """The intensity ``peak / bandwidth`` (FLOP/byte) where the roofline bends.

    Below it a computation is memory-bound, above it compute-bound.

    Parameters
    ----------
    peak : float
        Peak FLOP/s, ``> 0``.
    bandwidth : float
        Memory bandwidth in bytes/s, ``> 0``.

    Returns
    -------
    float

    Raises
    ------
    TypeError, ValueError
        As :func:`roofline`.

    Examples
    --------
    >>> ridge_point(1e11, 1e10)
    10.0
    """
    return _positive(peak, "peak", "ridge_point") / _positive(
        bandwidth, "bandwidth", "ridge_point")


def direct_intensity(taps: int, itemsize: int, passes: str = "per_tap") -> float:
    """Arithmetic intensity (FLOP/byte) of a direct convolution with ``taps`` taps.

    Each output sample takes ``taps`` multiply-adds, ``2 * taps`` FLOPs. What moves
    depends on the formulation (large images, nothing reused from cache between passes):

    * ``'per_tap'``: one pass over memory per tap, ``out += h[k] * shifted(x)``; each
      pass reads an input sample and an output sample and writes the output sample,
      ``3 * itemsize`` bytes for 2 FLOPs, whatever ``taps`` is.
    * ``'once'``: the input read once and the output written once, ``2 * itemsize``
      bytes for ``2 * taps`` FLOPs ('same' mode: as many outputs as inputs).

    Parameters
    ----------
    taps : int
        Kernel taps (``k * k`` for a ``k x k`` kernel), ``>= 1``.
    itemsize : int
        Bytes per number (4 for float32, 8 for float64), ``>= 1``.
    passes : {'per_tap', 'once'}
        The formulation.

    Returns
    -------
    float

    Raises
    ------
    TypeError
        If ``taps`` or ``itemsize`` is not an integer.
    ValueError
        If ``taps`` or ``itemsize`` is below 1, or ``passes`` is not a formulation.

    Examples
    --------
    >>> direct_intensity(9, 4), direct_intensity(9, 4, "once")
    (0.16666666666666666, 2.25)
    """
    taps = check_int(taps, "taps", "direct_intensity", minimum=1)
    itemsize = check_int(itemsize, "itemsize", "direct_intensity", minimum=1)
    passes = check_choice(passes, "passes", ("per_tap", "once"), "direct_intensity")
    if passes == "per_tap":
        return 2 / (3 * itemsize)
    return 2 * taps / (2 * itemsize)

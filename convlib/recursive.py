"""The recursive (IIR) Gaussian: a Gaussian blur whose cost does not depend on sigma.

Young and van Vliet (1995) approximate the Gaussian by a third-order causal recursion
run forward, followed by the same recursion run backward (anti-causal): eight
multiplications per sample and axis whatever sigma, against about ``2 * (4 sigma) + 1``
for a truncated sampled kernel. Triggs and Sdika (2006) give the exact initial state of the
backward pass for a signal continued by its last value, so that the ends of the signal
are filtered as if it went on forever (scipy.ndimage's ``mode='nearest'``). Chapter 4.

References
----------
I. T. Young and L. J. van Vliet, "Recursive implementation of the Gaussian filter",
Signal Processing 44(2):139-151, 1995.

B. Triggs and M. Sdika, "Boundary conditions for Young-van Vliet recursive
filtering", IEEE Transactions on Signal Processing 54(6):2365-2367, 2006.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.signal

from ._typing import ArrayLike, AxisSpec, NDArray
from ._validation import as_array, check_number

__all__ = ["young_van_vliet_coefficients", "triggs_sdika_matrix", "recursive_gaussian",
           "MIN_SIGMA"]

#: The smallest sigma the published coefficients cover (Young and van Vliet 1995).
MIN_SIGMA = 0.5


def young_van_vliet_coefficients(sigma: float) -> tuple[float, np.ndarray]:
    """The gain ``B`` and feedback ``(b1, b2, b3) / b0`` of the recursive Gaussian.

    Parameters
    ----------
    sigma : float
        Standard deviation in samples, ``>= 0.5``.

    Returns
    -------
    B : float
        The gain ``1 - (b1 + b2 + b3) / b0``: the recursion has DC gain 1.
    b : ndarray of shape (3,)
        ``(b1, b2, b3) / b0``, the feedback of ``w[n] = B x[n] + b[0] w[n-1] +
        b[1] w[n-2] + b[2] w[n-3]``.

    Raises
    ------
    TypeError
        If ``sigma`` is not a real number.
    ValueError
        If ``sigma < 0.5`` or is not finite.

    Notes
    -----
    Young and van Vliet's (1995) fit: ``q = 0.98711 sigma - 0.96330`` for
    ``sigma >= 2.5`` and ``q = 3.97156 - 4.14554 sqrt(1 - 0.26891 sigma)`` for
    ``0.5 <= sigma < 2.5``, then ``b0 = 1.57825 + 2.44413 q + 1.4281 q**2 +
    0.422205 q**3``, ``b1 = 2.44413 q + 2.85619 q**2 + 1.26661 q**3``,
    ``b2 = -(1.4281 q**2 + 1.26661 q**3)``, ``b3 = 0.422205 q**3``.

    References
    ----------
    I. T. Young and L. J. van Vliet, Signal Processing 44(2):139-151, 1995.

    Examples
    --------
    >>> B, b = young_van_vliet_coefficients(5.0)
    >>> bool(np.isclose(B + b.sum(), 1.0))        # DC gain 1
    True
    >>> young_van_vliet_coefficients(0.2)
    Traceback (most recent call last):
    ...
    ValueError: young_van_vliet_coefficients: sigma must be >= 0.5 (the range of the published fit); got 0.2
    """
    sigma = _check_sigma(sigma, "young_van_vliet_coefficients")
    if sigma >= 2.5:
        q = 0.98711 * sigma - 0.96330
    else:
        q = 3.97156 - 4.14554 * math.sqrt(1 - 0.26891 * sigma)
    b0 = 1.57825 + 2.44413 * q + 1.4281 * q**2 + 0.422205 * q**3
    b = np.array([2.44413 * q + 2.85619 * q**2 + 1.26661 * q**3,
                  -(1.4281 * q**2 + 1.26661 * q**3),
                  0.422205 * q**3]) / b0
    return float(1 - b.sum()), b


def triggs_sdika_matrix(b: ArrayLike) -> NDArray[np.float64]:
    """Triggs and Sdika's matrix ``M``: the backward pass's start for a constant tail.

    Parameters
    ----------
    b : array_like of shape (3,)
        The feedback ``(b1, b2, b3) / b0`` of :func:`young_van_vliet_coefficients`.

    Returns
    -------
    ndarray of shape (3, 3)
        ``M`` such that, if the input goes on after its last sample ``x[N-1]`` with the
        constant ``u``, the backward pass's output at ``N-1, N, N+1`` is
        ``u + M @ (w[N-1] - u, w[N-2] - u, w[N-3] - u)``, where ``w`` is the forward
        pass's output.

    Notes
    -----
    The closed form of Triggs and Sdika (2006), written for passes without the gain
    ``B``; for the normalised passes used here (``w[n] = B x[n] + b1 w[n-1] + b2
    w[n-2] + b3 w[n-3]``, and the same backward) it is multiplied by ``B = 1 - b1 -
    b2 - b3``, which cancels one factor of its denominator. tests/test_recursive.py
    checks the matrix against running both passes over a long constant tail.

    References
    ----------
    B. Triggs and M. Sdika, IEEE Transactions on Signal Processing 54(6):2365-2367, 2006.

    Examples
    --------
    >>> triggs_sdika_matrix(young_van_vliet_coefficients(3.0)[1]).shape
    (3, 3)
    """
    a1, a2, a3 = (float(v) for v in np.asarray(b, dtype=float))
    M = np.array([
        [-a3 * a1 + 1 - a3**2 - a2, (a3 + a1) * (a2 + a3 * a1), a3 * (a1 + a3 * a2)],
        [a1 + a3 * a2, -(a2 - 1) * (a2 + a3 * a1), -(a3 * a1 + a3**2 + a2 - 1) * a3],
        [a3 * a1 + a2 + a1**2 - a2**2,
         a1 * a2 + a3 * a2**2 - a1 * a3**2 - a3**3 - a3 * a2 + a3, a3 * (a1 + a3 * a2)],
    ])
    # Triggs and Sdika's normalisation has a third factor (1 - a1 - a2 - a3) = B for
    # passes without the gain B; each pass here has it, which cancels that factor
    return M / ((1 + a1 - a2 + a3) * (1 + a2 + (a1 - a3) * a3))


def recursive_gaussian(x: ArrayLike, sigma: float | Sequence[float], axes: AxisSpec = None
                       ) -> NDArray[Any]:
    """Gaussian blur by the Young-van Vliet recursion: cost independent of ``sigma``.

    Parameters
    ----------
    x : array_like of shape (H, W)
        The signal or image (any number of dimensions).
    sigma : float or sequence of float
        Standard deviation in samples, ``>= 0.5``; one per axis of ``axes``, or one
        for all.
    axes : int or sequence of int, optional
        The axes to blur (default: all), one forward and one backward pass each.

    Returns
    -------
    ndarray of shape (H, W)
        ``result_type(x, float64)``: approximately ``scipy.ndimage.gaussian_filter(x,
        sigma, mode='nearest')`` (the signal continued by its edge values).

    Raises
    ------
    TypeError
        If ``x`` does not hold numbers or ``sigma`` is not a real number.
    ValueError
        If ``x`` is 0-d or empty, a ``sigma`` is below 0.5, or ``sigma`` or
        ``axes`` has the wrong length or an axis is out of range.

    See Also
    --------
    convlib.kernels.gaussian : the sampled kernel, for exact convolution.
    convlib.running_box_filter : box filtering at a cost independent of the box.

    Notes
    -----
    Per axis, the causal pass ``w[n] = B x[n] + b1 w[n-1] + b2 w[n-2] + b3 w[n-3]``
    (started in the steady state of the constant ``x[0]``) and the anti-causal pass
    ``y[n] = B w[n] + b1 y[n+1] + b2 y[n+2] + b3 y[n+3]`` (started with Triggs and
    Sdika's :func:`convlib.recursive.triggs_sdika_matrix`) run as
    ``scipy.signal.lfilter``. Together they have a symmetric impulse response,
    summing to 1, which approximates the Gaussian of standard deviation ``sigma``: it
    is not the sampled Gaussian. Its largest difference from it is about 9 % of the
    peak at ``sigma = 1`` and shrinks as ``sigma`` grows (below 2 % from
    ``sigma = 16``; tests/test_recursive.py checks these bounds, chapter 4 measures
    the error on an image). Eight multiplications per sample and axis (four per
    pass) for every sigma. Chapter 4.

    References
    ----------
    I. T. Young and L. J. van Vliet, Signal Processing 44(2):139-151, 1995.
    B. Triggs and M. Sdika, IEEE Transactions on Signal Processing 54(6):2365-2367, 2006.

    Examples
    --------
    A constant is left unchanged (DC gain 1, and the edges continue it):

    >>> recursive_gaussian(np.full(5, 2.0), 3.0)
    array([2., 2., 2., 2., 2.])
    >>> impulse = np.zeros(101)
    >>> impulse[50] = 1
    >>> h = recursive_gaussian(impulse, 4.0)
    >>> bool(np.isclose(h.sum(), 1)), bool(np.allclose(h, h[::-1], atol=1e-12))
    (True, True)
    >>> recursive_gaussian(impulse, 0.1)
    Traceback (most recent call last):
    ...
    ValueError: recursive_gaussian: sigma must be >= 0.5 (the range of the published fit); got 0.1
    """
    func = "recursive_gaussian"
    a = as_array(x, "x", func, min_ndim=1)
    axes = _check_axes(axes, a.ndim, func)
    if isinstance(sigma, (list, tuple, np.ndarray)):
        sigmas = tuple(sigma)
        if len(sigmas) != len(axes):
            raise ValueError(f"{func}: sigma must be one number or one per axis "
                             f"({len(axes)}); got {sigma!r}")
    else:
        sigmas = (sigma,) * len(axes)
    sigmas = tuple(_check_sigma(s, func) for s in sigmas)
    out = a.astype(np.result_type(a, np.float64))
    for axis, s in zip(axes, sigmas):
        out = np.moveaxis(_filter_axis0(np.moveaxis(out, axis, 0), s), 0, axis)
    return out


def _filter_axis0(a: np.ndarray, sigma: float) -> np.ndarray:
    """Forward and backward passes along axis 0, ends continued by the edge values."""
    N = a.shape[0]
    if N < 3:  # continuing the last value is what the tail does anyway
        a = np.concatenate([a] + [a[-1:]] * (3 - N))
    B, b = young_van_vliet_coefficients(sigma)
    den = np.concatenate([[1.0], -b])
    zi = scipy.signal.lfilter_zi([B], den)
    w, _ = scipy.signal.lfilter([B], den, a, axis=0,
                                zi=np.multiply.outer(zi, a[0]))
    u = a[-1]
    tail = u + np.tensordot(triggs_sdika_matrix(b), w[-1:-4:-1] - u, axes=1)
    # past outputs y[N-1], y[N], y[N+1] as lfilter's state (transposed direct form II)
    state = np.tensordot(np.array([[b[0], b[1], b[2]], [b[1], b[2], 0], [b[2], 0, 0]]),
                         tail, axes=1)
    y, _ = scipy.signal.lfilter([B], den, w[-2::-1], axis=0, zi=state)
    return np.concatenate([y[::-1], tail[:1]])[:N]


def _check_sigma(sigma: Any, func: str) -> float:
    check_number(sigma, "sigma", func)
    if isinstance(sigma, complex) or np.iscomplexobj(sigma):
        raise TypeError(f"{func}: sigma must be a real number; got {sigma!r}")
    sigma = float(sigma)
    if not math.isfinite(sigma) or sigma < MIN_SIGMA:
        raise ValueError(f"{func}: sigma must be >= {MIN_SIGMA} (the range of the "
                         f"published fit); got {sigma!r}")
    return sigma


def _check_axes(axes: AxisSpec, ndim: int, func: str) -> tuple[int, ...]:
    if axes is None:
        return tuple(range(ndim))
    try:
        return tuple(np.lib.array_utils.normalize_axis_tuple(axes, ndim))
    except (np.exceptions.AxisError, TypeError, ValueError) as exc:
        raise ValueError(f"{func}: axes must be distinct axes of x ({ndim}-D); "
                         f"got {axes!r} ({exc})") from None

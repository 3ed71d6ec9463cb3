"""Edge detection built from convolutions (chapter 3): Canny's detector and
Marr-Hildreth's zero crossings of the Laplacian of Gaussian.

Every filter here is a convolution with a kernel of :mod:`convlib.kernels`, applied by
:func:`convlib.convolve2d` in ``'same'`` mode with the ``'symm'`` boundary (mirror at
the edge, SciPy's ``ndimage`` mode ``'reflect'``), one axis at a time: the Gaussian and
its derivatives are separable (chapter 4).

* :func:`gradient` -- the gradient of the Gaussian-blurred image, ``(g_x, g_y)``, by
  derivative-of-Gaussian kernels;
* :func:`direction_sector` -- the gradient direction quantised to 4 sectors
  (0, 45, 90, 135 degrees);
* :func:`non_maximum_suppression` -- keep the pixels whose gradient magnitude is a
  maximum along the (quantised) gradient direction: edges one pixel thick;
* :func:`hysteresis` -- two thresholds: keep the connected pieces (8-connectivity) of the
  weak pixels that contain a strong pixel;
* :func:`canny` -- the three steps in a row (Canny 1986);
* :func:`marr_hildreth` -- zero crossings of the LoG with a slope threshold (Marr and
  Hildreth 1980).

Axis 0 runs down the rows (the image ``y`` axis points down), axis 1 along the columns
(``x``), as in :mod:`convlib.kernels`: ``g_x`` is positive where the image gets brighter
to the right, ``g_y`` where it gets brighter downwards.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, cast

import numpy as np

from ._typing import ArrayLike, NDArray
from ._validation import as_array
from .boundaries import convolve2d
from .kernels import _gaussian

__all__ = ["gradient", "direction_sector", "non_maximum_suppression", "hysteresis",
           "canny", "marr_hildreth", "SECTOR_OFFSETS"]

#: The neighbour offset ``(d_row, d_col)`` along the gradient for each sector of
#: :func:`direction_sector`: 0 degrees (gradient along ``x``: left and right
#: neighbours), 45 (down-right and up-left), 90 (down and up), 135 (down-left and
#: up-right); rows point down.
SECTOR_OFFSETS: tuple[tuple[int, int], ...] = ((0, 1), (1, 1), (1, 0), (1, -1))


def _image(x: object, func: str) -> np.ndarray:
    """``x`` as a finite real 2-D float64 array (a copy is never needed: not modified)."""
    a = as_array(x, "x", func, ndim=2)
    if a.dtype.kind == "c":
        raise TypeError(f"{func}: x must hold real numbers; got dtype {a.dtype}")
    a = a.astype(np.float64, copy=False)
    if not np.isfinite(a).all():
        raise ValueError(f"{func}: x must be finite; got a NaN or an infinity")
    return a


def _threshold(value: object, name: str, func: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{func}: {name} must be a real number; got {value!r}")
    real = cast(float, value)  # a numbers.Real, which has no order in the stubs
    if not (math.isfinite(real) and real >= 0):
        raise ValueError(f"{func}: {name} must be finite and >= 0; got {value!r}")
    return float(real)


def _separable(x: np.ndarray, col: np.ndarray, row: np.ndarray) -> np.ndarray:
    """``x`` convolved with the outer product ``col row^T``, one axis at a time."""
    y = convolve2d(x, row[None, :], "same", "symm")
    return convolve2d(y, col[:, None], "same", "symm")


def gradient(x: ArrayLike, sigma: float = 1.0) -> tuple[NDArray[Any], NDArray[Any]]:
    """Gradient of the Gaussian-blurred image by derivative-of-Gaussian kernels.

    Parameters
    ----------
    x : array_like of shape (H, W)
        A real image.
    sigma : float
        Standard deviation of the Gaussian, in pixels (``> 0``).

    Returns
    -------
    (g_x, g_y) : (ndarray of shape (H, W), ndarray of shape (H, W))
        float64: ``x`` convolved with ``gaussian2d(sigma, (0, 1))`` (the derivative
        along axis 1, ``x``) and with ``gaussian2d(sigma, (1, 0))`` (along axis 0,
        ``y`` pointing down), ``'same'`` mode, ``'symm'`` boundary.

    Raises
    ------
    TypeError
        If ``x`` does not hold real numbers or ``sigma`` is not a real number.
    ValueError
        If ``x`` is not 2-D, empty or not finite, or ``sigma`` is not positive and
        finite.

    See Also
    --------
    convlib.kernels.gaussian2d, scipy.ndimage.gaussian_filter

    Notes
    -----
    Each component is two 1-D convolutions (the kernel is separable), equal to the
    2-D convolution with the outer product and to
    ``scipy.ndimage.gaussian_filter(x, sigma, order=(0, 1), mode='reflect')`` (and
    ``order=(1, 0)``). Differentiating the blurred image is convolving with the
    derivative of the Gaussian; Canny's detector starts from it (chapter 3).

    Examples
    --------
    >>> ramp = np.tile(np.arange(16.0), (8, 1))         # grows by 1 per column
    >>> gx, gy = gradient(ramp, 1.0)
    >>> round(float(gx[4, 8]), 4), bool(np.allclose(gy, 0))   # 1, but for truncation
    (0.9999, True)
    >>> gradient(np.ones(5), 1.0)
    Traceback (most recent call last):
    ...
    ValueError: gradient: x must be 2-D; got 1-D array of shape (5,)
    """
    return _gradient(x, sigma, "gradient")


def _gradient(x: ArrayLike, sigma: float, func: str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`gradient`, validated on behalf of the public function ``func``."""
    a = _image(x, func)
    g0, g1 = _gaussian(sigma, 0, None, func), _gaussian(sigma, 1, None, func)
    return _separable(a, g0, g1), _separable(a, g1, g0)


def direction_sector(gx: ArrayLike, gy: ArrayLike) -> NDArray[Any]:
    """The gradient direction quantised to 4 sectors of 45 degrees.

    Parameters
    ----------
    gx, gy : array_like of shape (H, W)
        The gradient's components along axis 1 and axis 0 (as from :func:`gradient`).

    Returns
    -------
    ndarray of shape (H, W)
        int64 in ``{0, 1, 2, 3}``: the angle ``atan2(gy, gx)`` modulo 180 degrees,
        rounded to the nearest of 0, 45, 90, 135 (halfway angles go up: 22.5 to 1).
        :data:`SECTOR_OFFSETS` gives each sector's neighbour along the gradient.

    Raises
    ------
    TypeError, ValueError
        If ``gx`` or ``gy`` is not a finite real 2-D array, or their shapes differ.

    Examples
    --------
    >>> direction_sector([[1.0, 1.0, 0.0, -1.0, -1.0]], [[0.0, 1.0, 1.0, 1.0, 0.0]])
    array([[0, 1, 2, 3, 0]])
    """
    func = "direction_sector"
    gx, gy = _pair(gx, gy, func)
    angle = np.degrees(np.arctan2(gy, gx)) % 180.0
    return (np.floor((angle + 22.5) / 45.0).astype(np.int64)) % 4


def _pair(gx: ArrayLike, gy: ArrayLike, func: str) -> tuple[np.ndarray, np.ndarray]:
    gx, gy = _image(gx, func), _image(gy, func)
    if gx.shape != gy.shape:
        raise ValueError(f"{func}: gx and gy must have the same shape; got {gx.shape} "
                         f"and {gy.shape}")
    return gx, gy


def non_maximum_suppression(magnitude: ArrayLike, gx: ArrayLike, gy: ArrayLike
                            ) -> NDArray[Any]:
    """Thin edges: keep a pixel only where its magnitude peaks along the gradient.

    The direction is quantised to 4 sectors (:func:`direction_sector`), not
    interpolated: a pixel ``p`` of sector ``s`` with neighbour offset
    ``d = SECTOR_OFFSETS[s]`` is kept if

    ``magnitude[p] > magnitude[p - d]`` and ``magnitude[p] >= magnitude[p + d]``

    (zero outside the image). The asymmetric tie rule keeps exactly one pixel of a
    plateau, so two neighbours along their common sector's direction are never both
    kept: the edges are one pixel thick across the gradient.

    Parameters
    ----------
    magnitude : array_like of shape (H, W)
        The gradient magnitude (``>= 0``), e.g. ``numpy.hypot(gx, gy)``.
    gx, gy : array_like of shape (H, W)
        The gradient components that give the direction.

    Returns
    -------
    ndarray of shape (H, W)
        float64: ``magnitude`` where kept, 0 elsewhere (and 0 where the magnitude is 0).

    Raises
    ------
    TypeError, ValueError
        If an input is not a finite real 2-D array, the shapes differ, or ``magnitude``
        has a negative value.

    See Also
    --------
    canny, hysteresis

    Notes
    -----
    Canny's detector (Canny 1986) marks the maxima of the gradient magnitude
    in the gradient direction; quantising that direction to the 8 neighbours (4 axes)
    is the common discrete version (OpenCV's ``Canny`` does the same). Interpolating
    the magnitude between two neighbours instead follows curved edges a little better.

    References
    ----------
    J. Canny, "A Computational Approach to Edge Detection", *IEEE Transactions on
    Pattern Analysis and Machine Intelligence* 8(6), 679-698, 1986.

    Examples
    --------
    >>> m = np.array([[0.0, 1.0, 3.0, 2.0, 0.0]])          # a ridge across x
    >>> non_maximum_suppression(m, np.ones_like(m), np.zeros_like(m))
    array([[0., 0., 3., 0., 0.]])
    """
    func = "non_maximum_suppression"
    m = _image(magnitude, func)
    gx, gy = _pair(gx, gy, func)
    if m.shape != gx.shape:
        raise ValueError(f"{func}: magnitude and gx must have the same shape; got "
                         f"{m.shape} and {gx.shape}")
    if (m < 0).any():
        raise ValueError(f"{func}: magnitude must be >= 0; got a minimum of {m.min()!r}")
    sector = direction_sector(gx, gy)
    H, W = m.shape
    p = np.pad(m, 1)
    keep = m > 0
    for s, (dr, dc) in enumerate(SECTOR_OFFSETS):
        ahead = p[1 + dr:1 + dr + H, 1 + dc:1 + dc + W]
        behind = p[1 - dr:1 - dr + H, 1 - dc:1 - dc + W]
        keep &= (sector != s) | ((m > behind) & (m >= ahead))
    return np.where(keep, m, 0.0)


def hysteresis(magnitude: ArrayLike, low: float, high: float) -> NDArray[np.bool_]:
    """Two thresholds: the weak pixels connected to a strong one.

    A pixel is *weak* if ``magnitude > low`` and *strong* if ``magnitude > high``. The
    result is the union of the connected components (8-connectivity: the 8 neighbours
    touch) of the weak pixels that contain at least one strong pixel, found by a flood
    fill from the strong pixels.

    Parameters
    ----------
    magnitude : array_like of shape (H, W)
        Edge strength, typically the output of :func:`non_maximum_suppression`.
    low, high : float
        Thresholds with ``0 <= low <= high``.

    Returns
    -------
    ndarray of shape (H, W)
        bool. Raising either threshold gives a subset.

    Raises
    ------
    TypeError
        If ``magnitude`` does not hold real numbers or a threshold is not a real number.
    ValueError
        If ``magnitude`` is not a finite 2-D array, a threshold is negative or not
        finite, or ``low > high``.

    Notes
    -----
    The flood fill visits each weak pixel once: linear time. Canny's detector (Canny
    1986) uses it to keep a faint stretch of an edge that continues a strong
    one while dropping isolated faint responses (noise).

    References
    ----------
    J. Canny, "A Computational Approach to Edge Detection", *IEEE Transactions on
    Pattern Analysis and Machine Intelligence* 8(6), 679-698, 1986.

    Examples
    --------
    >>> m = np.array([[0.0, 0.3, 0.9, 0.3, 0.0, 0.3]])
    >>> hysteresis(m, 0.2, 0.5)                       # the last 0.3 touches no 0.9
    array([[False,  True,  True,  True, False, False]])
    >>> hysteresis(m, 0.6, 0.5)
    Traceback (most recent call last):
    ...
    ValueError: hysteresis: low must be <= high; got low=0.6, high=0.5
    """
    func = "hysteresis"
    m = _image(magnitude, func)
    low, high = _threshold(low, "low", func), _threshold(high, "high", func)
    if low > high:
        raise ValueError(f"{func}: low must be <= high; got low={low!r}, high={high!r}")
    H, W = m.shape
    weak = np.pad(m > low, 1).ravel().tolist()        # a False border: no bounds checks
    stack = np.flatnonzero(np.pad(m > high, 1)).tolist()
    out = bytearray(len(weak))
    for i in stack:
        out[i] = 1
    stride = W + 2
    steps = (-stride - 1, -stride, -stride + 1, -1, 1, stride - 1, stride, stride + 1)
    while stack:
        i = stack.pop()
        for step in steps:
            j = i + step
            if weak[j] and not out[j]:
                out[j] = 1
                stack.append(j)
    return np.frombuffer(bytes(out), dtype=np.uint8).reshape(H + 2, W + 2)[1:-1, 1:-1] > 0


def canny(x: ArrayLike, sigma: float, low: float, high: float) -> NDArray[np.bool_]:
    """Canny's edge detector: gradient, non-maximum suppression, hysteresis.

    Parameters
    ----------
    x : array_like of shape (H, W)
        A real image.
    sigma : float
        Standard deviation of the Gaussian whose derivative gives the gradient.
    low, high : float
        Hysteresis thresholds on the gradient magnitude, ``0 <= low <= high``.

    Returns
    -------
    ndarray of shape (H, W)
        bool, the edge pixels.

    Raises
    ------
    TypeError, ValueError
        As in :func:`gradient` and :func:`hysteresis`.

    See Also
    --------
    gradient, non_maximum_suppression, hysteresis, marr_hildreth

    Notes
    -----
    ``hysteresis(non_maximum_suppression(hypot(gx, gy), gx, gy), low, high)`` with
    ``(gx, gy) = gradient(x, sigma)``: the derivative of a Gaussian approximates the
    optimal step-edge detector of Canny's criteria (detection, localisation, a
    single response). The thresholds are absolute, in the units of the gradient
    magnitude: a step of height 1 blurred by ``sigma`` has a peak gradient of about
    ``1 / (sigma * sqrt(2 pi))``. Chapter 3 builds it step by step. Fed the 3x3 Sobel
    gradient instead, :func:`non_maximum_suppression` and :func:`hysteresis`
    reproduce OpenCV's ``cv2.Canny(image, low, high, apertureSize=3,
    L2gradient=True)`` pixel for pixel on chapter 3's photograph (checked in
    ``tests/test_edges.py`` against a stored output of OpenCV).

    References
    ----------
    J. Canny, "A Computational Approach to Edge Detection", *IEEE Transactions on
    Pattern Analysis and Machine Intelligence* 8(6), 679-698, 1986.

    Examples
    --------
    >>> square = np.zeros((12, 12))
    >>> square[3:9, 3:9] = 1.0
    >>> edges = canny(square, 1.0, 0.1, 0.2)
    >>> bool(edges[3:9, 3:9].sum() == edges.sum()), int(edges.sum())  # on the rim
    (True, 20)
    """
    func = "canny"
    low, high = _threshold(low, "low", func), _threshold(high, "high", func)
    if low > high:
        raise ValueError(f"{func}: low must be <= high; got low={low!r}, high={high!r}")
    gx, gy = _gradient(x, sigma, func)
    thin = non_maximum_suppression(np.hypot(gx, gy), gx, gy)
    return hysteresis(thin, low, high)


def marr_hildreth(x: ArrayLike, sigma: float, threshold: float = 0.0) -> NDArray[np.bool_]:
    r"""Marr-Hildreth edges: zero crossings of the Laplacian of Gaussian.

    With ``L = x * \nabla^2 g_\sigma`` (``'symm'`` boundary), a pixel ``p`` is an edge
    pixel if, for at least one of the 4 pairs of opposite neighbours ``p - d``,
    ``p + d`` (left/right, up/down and the two diagonals), ``L`` has opposite signs
    at the two and ``|L[p - d] - L[p + d]| > threshold``: a zero crossing with a
    slope large enough not to be noise.

    Parameters
    ----------
    x : array_like of shape (H, W)
        A real image.
    sigma : float
        Standard deviation of the Gaussian (``> 0``): the scale of the edges found.
    threshold : float
        Minimum jump of ``L`` across the crossing (``>= 0``), in the units of ``L``.

    Returns
    -------
    ndarray of shape (H, W)
        bool, the edge pixels (closed contours where ``threshold=0``, typically two
        pixels thick: both sides of a crossing between pixels are marked).

    Raises
    ------
    TypeError, ValueError
        As in :func:`gradient`, or if ``threshold`` is negative or not finite.

    See Also
    --------
    convlib.kernels.laplacian_of_gaussian, canny

    Notes
    -----
    ``L`` is computed separably as ``x * (g'' g^T + g g''^T)``, equal to the
    convolution with ``laplacian_of_gaussian(sigma)`` and to
    ``scipy.ndimage.gaussian_laplace(x, sigma, mode='reflect')``. The opposite-neighbour
    test with a threshold is the discrete rule of Gonzalez and Woods (section 10.2).
    Chapter 3 teaches it.

    References
    ----------
    D. Marr and E. Hildreth, "Theory of Edge Detection", *Proceedings of the Royal
    Society of London B* 207(1167), 187-217, 1980. R. C. Gonzalez and R. E. Woods,
    *Digital Image Processing*, 4th ed., chapter 10.

    Examples
    --------
    >>> step = np.zeros((9, 9))
    >>> step[:, 5:] = 1.0
    >>> marr_hildreth(step, 1.0, 0.01)[4].astype(int)   # both sides of the step
    array([0, 0, 0, 0, 1, 1, 0, 0, 0])
    """
    func = "marr_hildreth"
    a = _image(x, func)
    g0, g2 = _gaussian(sigma, 0, None, func), _gaussian(sigma, 2, None, func)
    t = _threshold(threshold, "threshold", func)
    lap = _separable(a, g2, g0) + _separable(a, g0, g2)
    H, W = a.shape
    p = np.pad(lap, 1, mode="edge")
    edges = np.zeros((H, W), dtype=bool)
    for dr, dc in SECTOR_OFFSETS:
        before = p[1 - dr:1 - dr + H, 1 - dc:1 - dc + W]
        after = p[1 + dr:1 + dr + H, 1 + dc:1 + dc + W]
        edges |= (before * after < 0) & (np.abs(before - after) > t)
    return edges

"""The classic image-filter kernels, as arrays to *convolve* with (chapter 3).

Every kernel here is written in convolution form: ``convlib.convolve2d(x, h)`` applies
it. Its correlation form (what OpenCV's ``filter2D`` and deep-learning layers expect) is
the kernel flipped on both axes, ``h[::-1, ::-1]``. For the symmetric kernels (box,
Gaussian, Laplacian, sharpen) the two forms are the same array; for the derivative
kernels (Sobel, Scharr, odd Gaussian derivatives) the flip changes the sign.

Derivative kernels follow one sign convention: convolved with an image whose values
grow along ``axis``, they give a positive response. Axis 0 runs down the rows (the
image ``y`` axis points down), axis 1 runs along the columns (``x``, to the right).

* :func:`box` -- mean over a window (blur);
* :func:`gaussian`, :func:`gaussian2d` -- Gaussian blur and Gaussian derivatives of order
  0, 1, 2 (the kernels ``scipy.ndimage.gaussian_filter`` applies);
* :func:`disk` -- mean over a disc (a blur that is not separable);
* :func:`sobel`, :func:`scharr` -- image gradient; ``axis=None`` gives ``G_x + i G_y``;
* :func:`laplacian` -- sum of second derivatives;
* :func:`laplacian_of_gaussian` -- Laplacian of a Gaussian-blurred image (blobs, edges);
* :func:`sharpen`, :func:`unsharp` -- identity plus a multiple of a high-pass;
* :func:`emboss` -- a directional derivative plus the identity;
* :func:`box_response`, :func:`box_sidelobe` -- the box's frequency response in closed
  form (the Dirichlet kernel, a periodic sinc) and the level of its first side lobe.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.optimize
from numpy.typing import ArrayLike, NDArray

from ._validation import as_array, check_choice, check_int, check_output_bytes, check_real

__all__ = ["gaussian", "gaussian2d", "box", "disk", "sobel", "scharr", "laplacian",
           "laplacian_of_gaussian", "sharpen", "unsharp", "emboss", "PICKER", "pick",
           "box_response", "box_sidelobe"]


def _check_sigma(sigma: Any, func: str, name: str = "sigma") -> float:
    check_real(sigma, name, func)
    try:
        value = float(sigma)
    except OverflowError:  # an int beyond float64's range
        value = math.inf
    if not value > 0 or not math.isfinite(value):
        raise ValueError(f"{func}: {name} must be positive and finite; got {sigma!r}")
    return value


def _check_amount(value: object, name: str, func: str) -> float | int:
    """A finite real; an integer must keep the int64 taps ``4*amount + 1`` exact."""
    value = check_real(value, name, func, finite=True)
    if isinstance(value, (numbers.Integral, np.integer)) and abs(int(value)) > 2**60:
        raise ValueError(f"{func}: {name} must be within +-2**60 when an integer (the "
                         f"int64 taps are multiples of it; pass a float for more); "
                         f"got {value!r}")
    return value


def _check_bool(value: object, name: str, func: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{func}: {name} must be True or False; got {value!r}")
    return bool(value)


#: Largest derivative order :func:`gaussian` builds: the work grows as ``order**2`` and
#: derivatives of higher order have no use as filters.
MAX_ORDER: int = 100


def _pair(value: object, name: str, func: str) -> tuple[Any, ...]:
    """``value`` as a (rows, columns) pair: a scalar is used for both axes."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{func}: {name} must be a number or a pair; got {value!r}")
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]                  # a 0-d array: its number, for both axes
    if isinstance(value, Sequence) or isinstance(value, np.ndarray):
        if len(value) != 2:
            raise ValueError(f"{func}: {name} must be a number or a pair; got {value!r}")
        return tuple(value)
    return value, value


def gaussian(sigma: float, order: int = 0, radius: int | None = None
             ) -> NDArray[np.float64]:
    r"""Sampled 1-D Gaussian, or its derivative, as a convolution kernel.

    .. math::

        g[n] = \frac{d^{\,p}}{dn^{\,p}} \phi(n), \qquad
        \phi(n) = \frac{e^{-n^2 / 2\sigma^2}}{\sum_{m=-r}^{r} e^{-m^2 / 2\sigma^2}},
        \qquad n = -r, \dots, r

    Parameters
    ----------
    sigma : float
        Standard deviation, in samples (``> 0``).
    order : int
        Derivative order ``p >= 0``: 0 blurs, 1 differentiates once (a smoothed
        gradient), 2 twice.
    radius : int, optional
        Half-width ``r >= 0``; default ``int(4 * sigma + 0.5)`` (SciPy's
        ``truncate=4``).

    Returns
    -------
    ndarray of shape (2r + 1,)
        float64. Index ``r`` is the centre ``n = 0``. For ``order=0`` the taps sum to 1.

    Raises
    ------
    TypeError
        If ``sigma`` is not a real number or ``order``/``radius`` not an integer.
    ValueError
        If ``sigma <= 0`` or not finite, ``order``/``radius`` is negative, ``order``
        exceeds ``MAX_ORDER``, the kernel would exceed
        ``convlib._validation.MAX_OUTPUT_BYTES`` (the error names ``sigma`` or
        ``radius``), or a tap of a derivative of a tiny ``sigma`` exceeds float64's range.

    See Also
    --------
    gaussian2d : the 2-D kernel, an outer product of two of these.
    scipy.ndimage.gaussian_filter1d : applies exactly this kernel.

    Notes
    -----
    The sampled Gaussian is normalised to sum 1 first; the derivative is then
    ``q_p(n) phi(n)`` with the polynomial ``q_0 = 1``,
    ``q_{k+1} = q_k' - n q_k / sigma^2`` (the chain rule on ``exp``). This is the
    kernel SciPy builds, so ``convolve(x, gaussian(sigma, order), mode='same')``
    equals ``scipy.ndimage.gaussian_filter1d(x, sigma, order=order, mode='constant')``
    (chapter 3). The kernel is in convolution form: SciPy *correlates* with it
    reversed.

    For a ``sigma`` so small that ``sigma**2`` (or ``sigma**-2p``) leaves float64's
    range, the formula above gives ``0/0``; the kernel is then computed as
    ``(-1/sigma)**p He_p(n/sigma) phi(n)`` (``He_p`` the probabilists' Hermite
    polynomial, the same function) and is the limit: the unit impulse for ``order=0``,
    zeros for odd orders (SciPy raises ``ZeroDivisionError`` there).

    Examples
    --------
    >>> gaussian(1.0, radius=1).round(4)
    array([0.2741, 0.4519, 0.2741])
    >>> gaussian(1.0, order=1, radius=1).round(4)      # d/dn: odd, positive first
    array([ 0.2741,  0.    , -0.2741])
    >>> gaussian(1e-170, radius=1)                    # the limit: a unit impulse
    array([0., 1., 0.])
    >>> gaussian(0)
    Traceback (most recent call last):
    ...
    ValueError: gaussian: sigma must be positive and finite; got 0
    """
    return _gaussian(sigma, order, radius, "gaussian")


def _gaussian(sigma: float, order: int, radius: int | None, func: str
              ) -> NDArray[np.float64]:
    """:func:`gaussian`, validated on behalf of the public function ``func``."""
    s = _check_sigma(sigma, func)
    order = check_int(order, "order", func, minimum=0)
    if order > MAX_ORDER:
        raise ValueError(f"{func}: order must be <= {MAX_ORDER}; got {order}")
    r = _radius(s, radius, func)
    n = np.arange(-r, r + 1, dtype=np.float64)
    if s * s == 0:                         # sigma**2 underflows: 0/0 below
        return _tiny_sigma_gaussian(n, s, order, sigma, func)
    with np.errstate(all="ignore"):
        phi = np.exp(-0.5 * n**2 / s**2)
        phi /= phi.sum()
        q = np.polynomial.Polynomial([1.0])
        for _ in range(order):
            q = q.deriv() - np.polynomial.Polynomial([0.0, 1.0 / s**2]) * q
        g = q(n) * phi
    if np.isfinite(g).all():
        return g
    return _tiny_sigma_gaussian(n, s, order, sigma, func)


def _radius(s: float, radius: int | None, func: str) -> int:
    """The half-width: ``radius`` checked, or SciPy's default ``int(4 * sigma + 0.5)``;
    refused (naming the argument that set it) if the kernel would be too large."""
    if radius is None:
        r, name = int(4 * s + 0.5), "sigma"
    else:
        r, name = check_int(radius, "radius", func, minimum=0), "radius"
    check_output_bytes((2 * r + 1,), 8, name, func)
    return r


def _tiny_sigma_gaussian(n: NDArray[np.float64], s: float, order: int, sigma: float,
                         func: str) -> NDArray[np.float64]:
    """The kernel where the direct formula overflows (``sigma**2`` or ``1/sigma**(2p)``
    out of float64's range, so ``0/0`` or ``inf*0`` gave NaN): ``phi`` from ``t = n/s``,
    and the derivative as ``(-1/s)**p He_p(t) phi`` (``He_p`` the probabilists' Hermite
    polynomial, which the recurrence of :func:`gaussian` builds), scaled one factor
    ``1/s`` at a time where ``phi > 0``. As ``sigma -> 0`` order 0 tends to the unit
    impulse and odd orders to zero; a tap beyond float64's range is refused."""
    with np.errstate(over="ignore", divide="ignore"):
        t = n / s                          # +-inf off the centre for a tiny sigma
        phi = np.exp(-0.5 * t * t)
    phi /= phi.sum()                       # the centre tap is exp(0) = 1: sum >= 1
    live = phi > 0
    he_prev, he = np.zeros_like(t[live]), np.ones_like(t[live])
    for k in range(order):                 # He_{k+1} = t He_k - k He_{k-1}
        he_prev, he = he, t[live] * he - k * he_prev
    g = np.zeros_like(phi)
    tap = he * phi[live]
    with np.errstate(over="ignore"):
        for _ in range(order):
            tap = -tap / s
    g[live] = tap
    if not np.isfinite(g).all():
        raise ValueError(f"{func}: sigma is too small for order={order}: the kernel's "
                         f"taps (about sigma**-{order}) exceed float64's range; "
                         f"got sigma={sigma!r}")
    return g


def gaussian2d(sigma: float | tuple[float, float], order: int | tuple[int, int] = 0,
               radius: int | tuple[int, int] | None = None) -> NDArray[np.float64]:
    """2-D Gaussian (or Gaussian derivative) kernel: the outer product of two 1-D ones.

    Parameters
    ----------
    sigma : float or (float, float)
        Standard deviation along (rows, columns); one number for both.
    order : int or (int, int)
        Derivative order along (rows, columns), as in
        ``scipy.ndimage.gaussian_filter``: ``(0, 1)`` differentiates along axis 1.
    radius : int or (int, int), optional
        Half-widths; default ``int(4 * sigma + 0.5)`` per axis.

    Returns
    -------
    ndarray of shape (2r0 + 1, 2r1 + 1)
        ``np.outer(gaussian(s0, p0, r0), gaussian(s1, p1, r1))``, float64.

    Raises
    ------
    TypeError, ValueError
        As in :func:`gaussian`, or if a pair does not have two entries.

    See Also
    --------
    gaussian, scipy.ndimage.gaussian_filter

    Notes
    -----
    Separable by construction (rank 1, chapter 4): ``convolve2d(x, gaussian2d(...),
    'same')`` equals ``scipy.ndimage.gaussian_filter(x, sigma, order,
    mode='constant')``.

    Examples
    --------
    >>> gaussian2d(1.0, radius=1).sum().round(12)
    np.float64(1.0)
    >>> gaussian2d((1.0, 2.0), radius=(1, 2)).shape
    (3, 5)
    >>> gaussian2d((1.0, 2.0, 3.0))
    Traceback (most recent call last):
    ...
    ValueError: gaussian2d: sigma must be a number or a pair; got (1.0, 2.0, 3.0)
    """
    return _gaussian2d(sigma, order, radius, "gaussian2d")


def _gaussian2d(sigma: float | tuple[float, float], order: int | tuple[int, int],
                radius: int | tuple[int, int] | None, func: str) -> NDArray[np.float64]:
    """:func:`gaussian2d`, validated on behalf of the public function ``func``."""
    sigmas = _pair(sigma, "sigma", func)
    orders = _pair(order, "order", func)
    radii = _pair(radius, "radius", func)
    sigmas = tuple(_check_sigma(s, func) for s in sigmas)
    for p in orders:
        check_int(p, "order", func, minimum=0)
    sizes = [2 * _radius(s, r, func) + 1 for s, r in zip(sigmas, radii)]
    check_output_bytes(sizes, 8, "sigma" if radius is None else "radius", func)
    rows, cols = (_gaussian(s, p, r, func) for s, p, r in zip(sigmas, orders, radii))
    return np.outer(rows, cols)


def box(size: int | tuple[int, int] = 3, normalize: bool = True) -> NDArray[Any]:
    """The box (moving-average) kernel.

    Parameters
    ----------
    size : int or (int, int)
        ``(kH, kW)``; one number gives a square.
    normalize : bool
        Divide by ``kH * kW`` so the taps sum to 1 (a mean); otherwise all ones
        (a window sum, with integer dtype).

    Returns
    -------
    ndarray of shape (kH, kW)
        float64 if ``normalize``, else int64.

    Raises
    ------
    TypeError, ValueError
        If a size is not an integer ``>= 1``, ``normalize`` is not a boolean, or the
        kernel would exceed ``convlib._validation.MAX_OUTPUT_BYTES``.

    See Also
    --------
    convlib.box_filter : the same filter at a cost independent of the size (chapter 4).

    Examples
    --------
    >>> box(2)
    array([[0.25, 0.25],
           [0.25, 0.25]])
    >>> box((1, 3), normalize=False)
    array([[1, 1, 1]])
    >>> box(0)
    Traceback (most recent call last):
    ...
    ValueError: box: size must be >= 1; got 0
    """
    return _box(size, normalize, "box")


def _box(size: int | tuple[int, int], normalize: bool, func: str) -> NDArray[Any]:
    shape = tuple(check_int(n, "size", func, minimum=1) for n in _pair(size, "size", func))
    normalize = _check_bool(normalize, "normalize", func)
    check_output_bytes(shape, 8, "size", func)
    if not normalize:
        return np.ones(shape, dtype=np.int64)
    return np.full(shape, 1.0 / (shape[0] * shape[1]))


def disk(radius: int) -> NDArray[np.float64]:
    """Mean over a disc: the pixels within ``radius`` of the centre, normalised to sum 1.

    Parameters
    ----------
    radius : int
        ``>= 0``; the kernel is ``(2 radius + 1)`` square.

    Returns
    -------
    ndarray of shape (2 radius + 1, 2 radius + 1)
        float64; ``1/count`` where ``i**2 + j**2 <= radius**2``, else 0.

    Raises
    ------
    TypeError, ValueError
        If ``radius`` is not an integer ``>= 0``, or the kernel would exceed
        ``convlib._validation.MAX_OUTPUT_BYTES``.

    Notes
    -----
    The disc is the standard example of a blur that is *not* separable (chapter 4):
    its rank grows with the radius.

    Examples
    --------
    >>> (disk(1) * 5).astype(int)
    array([[0, 1, 0],
           [1, 1, 1],
           [0, 1, 0]])
    """
    r = check_int(radius, "radius", "disk", minimum=0)
    check_output_bytes((2 * r + 1, 2 * r + 1), 8, "radius", "disk")
    i, j = np.ogrid[-r:r + 1, -r:r + 1]   # broadcast: one (2r+1)^2 integer temporary
    inside = (i**2 + j**2 <= r**2).astype(np.float64)
    return inside / inside.sum()


def _gradient(smooth: NDArray[Any], axis: int | None, func: str
              ) -> NDArray[Any]:
    """Gradient kernel ``smooth x [1, 0, -1]`` along ``axis``; ``None`` gives G_x + i G_y."""
    if axis is not None and (isinstance(axis, (bool, np.bool_)) or axis not in (0, 1)):
        raise ValueError(f"{func}: axis must be 0, 1 or None; got {axis!r}")
    diff = np.array([1, 0, -1])
    gx = np.outer(smooth, diff)  # derivative along axis 1, smoothing along axis 0
    if axis == 1:
        return gx
    if axis == 0:
        return gx.T.copy()
    return gx + 1j * gx.T


def sobel(axis: int | None = None) -> NDArray[Any]:
    """The Sobel gradient kernel, in convolution form.

    Parameters
    ----------
    axis : {0, 1, None}
        1: horizontal derivative ``G_x`` (responds to vertical edges); 0: vertical
        derivative ``G_y`` (down the rows); None: the complex kernel ``G_x + i G_y``.

    Returns
    -------
    ndarray of shape (3, 3)
        int64 for one axis, complex128 for ``None``.

    Raises
    ------
    ValueError
        If ``axis`` is not 0, 1 or None.

    See Also
    --------
    scharr, scipy.ndimage.sobel

    Notes
    -----
    ``G_x = [1, 2, 1]^T [1, 0, -1]``: a central difference along the axis, smoothed
    across it (rank 1, chapter 4). Convolving with it equals
    ``scipy.ndimage.sobel(x, axis)``, which correlates with ``[-1, 0, 1]``; the
    textbook matrix ``[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]`` is its correlation form.

    Examples
    --------
    >>> sobel(1)
    array([[ 1,  0, -1],
           [ 2,  0, -2],
           [ 1,  0, -1]])
    >>> sobel(2)
    Traceback (most recent call last):
    ...
    ValueError: sobel: axis must be 0, 1 or None; got 2
    """
    return _gradient(np.array([1, 2, 1]), axis, "sobel")


def scharr(axis: int | None = None) -> NDArray[Any]:
    """The Scharr gradient kernel, in convolution form; by default one complex kernel.

    Parameters
    ----------
    axis : {None, 0, 1}
        None: ``G_x + i G_y`` (real part horizontal, imaginary part vertical), so one
        convolution gives the gradient as a complex image whose ``abs`` is the
        magnitude and whose ``angle`` is the direction; 1 or 0: the real kernel of one
        axis.

    Returns
    -------
    ndarray of shape (3, 3)
        complex128 for ``None``, int64 otherwise.

    Raises
    ------
    ValueError
        If ``axis`` is not 0, 1 or None.

    See Also
    --------
    sobel

    Notes
    -----
    ``G_x = [3, 10, 3]^T [1, 0, -1]``, smoothing weights chosen for better rotational
    symmetry than Sobel's. SciPy's ``convolve2d`` documentation example uses the
    correlation form ``scharr()[::-1, ::-1]``, which yields the negated gradient.

    Examples
    --------
    >>> scharr()
    array([[  3. +3.j,   0.+10.j,  -3. +3.j],
           [ 10. +0.j,   0. +0.j, -10. +0.j],
           [  3. -3.j,   0.-10.j,  -3. -3.j]])
    """
    return _gradient(np.array([3, 10, 3]), axis, "scharr")


def laplacian(diagonal: bool = False) -> NDArray[np.int64]:
    """The discrete Laplacian ``d2/dy2 + d2/dx2`` as a 3 x 3 kernel.

    Parameters
    ----------
    diagonal : bool
        False: the 4-neighbour stencil ``[[0, 1, 0], [1, -4, 1], [0, 1, 0]]``
        (``scipy.ndimage.laplace``); True: the 8-neighbour one with -8 in the centre.

    Returns
    -------
    ndarray of shape (3, 3)
        int64; the taps sum to 0 (a constant image gives 0).

    Notes
    -----
    The sum of two second differences ``[1, -2, 1]``; not separable (rank 2).

    Examples
    --------
    >>> laplacian()
    array([[ 0,  1,  0],
           [ 1, -4,  1],
           [ 0,  1,  0]])
    """
    if _check_bool(diagonal, "diagonal", "laplacian"):
        h = np.ones((3, 3), dtype=np.int64)
        h[1, 1] = -8
        return h
    h = np.zeros((3, 3), dtype=np.int64)
    h[1, :] = h[:, 1] = 1
    h[1, 1] = -4
    return h


def laplacian_of_gaussian(sigma: float, radius: int | None = None
                          ) -> NDArray[np.float64]:
    """Laplacian of Gaussian: ``gaussian2d(sigma, (2, 0)) + gaussian2d(sigma, (0, 2))``.

    Parameters
    ----------
    sigma : float
        Standard deviation of the Gaussian (``> 0``).
    radius : int, optional
        Half-width, default ``int(4 * sigma + 0.5)``.

    Returns
    -------
    ndarray of shape (2r + 1, 2r + 1)
        float64. Convolving with it equals
        ``scipy.ndimage.gaussian_laplace(x, sigma, mode='constant')``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`gaussian`.

    Notes
    -----
    Smoothing then differentiating is one convolution (associativity, chapter 4); the
    "Mexican hat" responds to blobs of size about ``sigma * sqrt(2)`` and its zero
    crossings mark edges (Marr-Hildreth).

    Examples
    --------
    >>> h = laplacian_of_gaussian(1.0)
    >>> h.shape, bool(h[4, 4] < 0)
    ((9, 9), True)
    """
    func = "laplacian_of_gaussian"
    _check_sigma(sigma, func)
    if radius is not None:
        check_int(radius, "radius", func, minimum=0)
    return _gaussian2d(sigma, (2, 0), radius, func) + _gaussian2d(sigma, (0, 2), radius, func)


def sharpen(amount: float = 1) -> NDArray[Any]:
    """Sharpening kernel ``delta - amount * laplacian()``.

    Parameters
    ----------
    amount : float
        Strength; 1 gives the classic ``[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]``.

    Returns
    -------
    ndarray of shape (3, 3)
        Taps sum to 1 (flat regions are unchanged); int64 for an integer ``amount``.

    Examples
    --------
    >>> sharpen()
    array([[ 0, -1,  0],
           [-1,  5, -1],
           [ 0, -1,  0]])
    """
    return _sharpen(amount, "sharpen")


def _sharpen(amount: float, func: str) -> NDArray[Any]:
    amount = _check_amount(amount, "amount", func)
    delta = np.zeros((3, 3), dtype=np.int64)
    delta[1, 1] = 1
    return delta - amount * laplacian()


def unsharp(sigma: float, amount: float = 1.0, radius: int | None = None
            ) -> NDArray[np.float64]:
    """Unsharp-masking kernel ``delta + amount * (delta - gaussian2d(sigma))``.

    Convolving with it adds ``amount`` times the detail an image loses under a
    Gaussian blur: ``x + amount * (x - G * x)``, in one convolution.

    Parameters
    ----------
    sigma : float
        Blur of the "unsharp mask" (``> 0``).
    amount : float
        Strength of the added detail.
    radius : int, optional
        Half-width of the Gaussian, default ``int(4 * sigma + 0.5)``.

    Returns
    -------
    ndarray of shape (2r + 1, 2r + 1)
        float64; taps sum to 1.

    Examples
    --------
    >>> float(unsharp(1.0, 2.0).sum().round(12))
    1.0
    """
    return _unsharp(sigma, amount, radius, "unsharp")


def _unsharp(sigma: float, amount: float, radius: int | None, func: str
             ) -> NDArray[np.float64]:
    amount = check_real(amount, "amount", func, finite=True)
    _check_sigma(sigma, func)
    if radius is not None:
        check_int(radius, "radius", func, minimum=0)
    g = _gaussian2d(sigma, 0, radius, func)
    delta = np.zeros_like(g)
    delta[g.shape[0] // 2, g.shape[1] // 2] = 1.0
    return delta + amount * (delta - g)


def emboss() -> NDArray[np.int64]:
    """The emboss kernel: a diagonal derivative plus the identity.

    Returns
    -------
    ndarray of shape (3, 3)
        int64 ``[[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]``; taps sum to 1, so flat regions
        keep their grey level and edges facing one diagonal light up.

    Examples
    --------
    >>> int(emboss().sum())
    1
    """
    return np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=np.int64)


#: Kernels of the widget of chapter 3, by name; each value is a pair (function of one
#: parameter, name of the parameter).
PICKER: dict[str, tuple[Callable[[float], NDArray[Any]], str]] = {
    "box": (lambda p: _box(int(p), True, "pick"), "size"),
    "gaussian": (lambda p: _gaussian2d(p, 0, None, "pick"), "sigma"),
    "sharpen": (lambda p: _sharpen(p, "pick"), "amount"),
    "unsharp": (lambda p: _unsharp(2.0, p, None, "pick"), "amount"),
    "gaussian_dx": (lambda p: _gaussian2d(p, (0, 1), None, "pick"), "sigma"),
    "laplacian_of_gaussian": (lambda p: _gaussian2d(p, (2, 0), None, "pick")
                              + _gaussian2d(p, (0, 2), None, "pick"), "sigma"),
    "emboss": (lambda p: p * (emboss() - np.pad([[1]], 1)) + np.pad([[1]], 1), "amount"),
}


def pick(name: str, param: float) -> NDArray[Any]:
    """The kernel ``name`` of :data:`PICKER` at parameter ``param`` (chapter 3's widget).

    ``'gaussian_dx'`` (the derivative along axis 1 of a Gaussian) is the smooth
    generalisation of ``sobel(1)``; ``'emboss'`` at ``amount=1`` is :func:`emboss`.

    Examples
    --------
    >>> pick("box", 2).shape
    (2, 2)
    >>> pick("blur", 2)
    Traceback (most recent call last):
    ...
    ValueError: pick: name must be one of 'box', 'gaussian', 'sharpen', 'unsharp', \
'gaussian_dx', 'laplacian_of_gaussian', 'emboss'; got 'blur'
    """
    check_choice(name, "name", PICKER, "pick")
    _check_amount(param, "param", "pick")
    return PICKER[name][0](param)


def box_response(size: int, omega: ArrayLike) -> NDArray[Any]:
    r"""Frequency response of the centred 1-D box of ``size`` taps: the Dirichlet kernel.

    .. math::

        D_k(\omega) = \frac{1}{k} \sum_{n} e^{-i\omega n}
                    = \frac{\sin(k\omega/2)}{k \sin(\omega/2)},
        \qquad D_k(0) = 1,

    with ``n`` running over ``k`` consecutive integers centred on 0 (for an even ``k``
    the centre lies between two taps and the response also carries the phase
    ``e^{-i\omega/2}``, dropped here). A periodic sinc: it has period ``2 pi`` (odd
    ``k``), zeros at the multiples of ``2 pi / k`` and, as ``k`` grows,
    ``D_k(\theta / k) \to \operatorname{sinc}(\theta / 2\pi)``.

    Parameters
    ----------
    size : int
        ``k >= 1``, the number of taps of :func:`box` along one axis.
    omega : array_like of float
        Angular frequencies in radians per sample.

    Returns
    -------
    ndarray of the shape of ``omega``
        float64, real and signed; the 2-D box ``box((k, k))`` has the response
        ``D_k(u) D_k(v)``.

    Raises
    ------
    TypeError
        If ``size`` is not an integer or ``omega`` does not hold real numbers.
    ValueError
        If ``size < 1`` or ``omega`` is not finite.

    See Also
    --------
    box_sidelobe : the level of the first side lobe.
    scipy.special.diric : the same function (``diric(omega, k)``).

    Notes
    -----
    Chapter 3 plots it against the box's DFT: the DFT of the box zero-padded to ``N``
    samples is this function sampled at ``omega = 2 pi m / N``. The closed form is the
    geometric series; at the zeros of ``sin(omega / 2)`` (multiples of ``2 pi``) its
    limit ``(-1)**((k - 1) m)`` is returned.

    Examples
    --------
    >>> box_response(3, [0.0, np.pi]).round(12)       # 1 at 0, -1/3 at pi
    array([ 1.        , -0.33333333])
    >>> box_response(0, 1.0)
    Traceback (most recent call last):
    ...
    ValueError: box_response: size must be >= 1; got 0
    """
    k = check_int(size, "size", "box_response", minimum=1)
    w = as_array(omega, "omega", "box_response", allow_empty=True)
    if w.dtype.kind not in "iuf":
        raise TypeError(f"box_response: omega must hold real numbers; got dtype {w.dtype}")
    w = w.astype(np.float64)
    if not np.isfinite(w).all():
        raise ValueError("box_response: omega must be finite; got a NaN or an infinity")
    half = w / 2
    den = k * np.sin(half)
    m = np.round(w / (2 * np.pi))
    at_pole = np.isclose(half, m * np.pi, rtol=0, atol=1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.sin(k * half) / den
    return np.where(at_pole, (-1.0) ** ((k - 1) * m), out)


def box_sidelobe(size: int) -> tuple[float, float]:
    """Peak of the first side lobe of the box's response, from the closed form.

    The first side lobe of :func:`box_response` lies between its first two zeros,
    ``2 pi / k`` and ``min(4 pi / k, pi)``; its peak is found by a bounded scalar
    maximisation of ``|D_k|`` there.

    Parameters
    ----------
    size : int
        ``k >= 3`` (a box of 1 or 2 taps has no side lobe below the Nyquist frequency).

    Returns
    -------
    (omega, level) : (float, float)
        Where the peak is, in radians per sample, and ``|D_k(omega)|``, the peak's
        magnitude relative to the gain 1 at frequency 0 (``20 log10(level)`` dB).

    Raises
    ------
    TypeError
        If ``size`` is not an integer.
    ValueError
        If ``size < 3``.

    See Also
    --------
    box_response

    Notes
    -----
    As ``k`` grows the level tends to the first side lobe of the continuous sinc,
    ``0.2172`` (``-13.26`` dB), from above; for ``k = 3`` the lobe is cut off at the
    Nyquist frequency and its peak is ``D_3(pi) = -1/3``. Chapter 3 checks the
    levels against the box's DFT.

    Examples
    --------
    >>> omega, level = box_sidelobe(3)
    >>> round(omega, 6) == round(np.pi, 6), round(level, 6)
    (True, 0.333333)
    >>> round(20 * np.log10(box_sidelobe(7)[1]), 2)
    np.float64(-12.65)
    """
    k = check_int(size, "size", "box_sidelobe", minimum=3)
    lo, hi = 2 * np.pi / k, min(4 * np.pi / k, np.pi)
    res = scipy.optimize.minimize_scalar(
        lambda w: -abs(float(box_response(k, w))), bounds=(lo, hi), method="bounded",
        options={"xatol": 1e-12})
    omega = float(res.x)
    if abs(box_response(k, hi)) > abs(box_response(k, omega)):  # peak at the end (k=3)
        omega = hi
    return omega, float(abs(box_response(k, omega)))

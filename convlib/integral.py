"""The integral image (summed-area table) and a box filter whose cost ignores the box size.

The integral image ``S[i, j] = x[:i+1, :j+1].sum()`` turns the sum over any axis-aligned
rectangle into four look-ups (inclusion-exclusion), so a box filter costs the same
whatever the box size (chapter 4). Crow introduced it for texture mapping; Viola and
Jones made it famous for face detection. :func:`convlib.running_box_filter` gets the
same result from one running (cumulative) sum per axis, the box being separable.

References
----------
F. C. Crow, "Summed-area tables for texture mapping", SIGGRAPH 1984.

P. Viola and M. Jones, "Rapid object detection using a boosted cascade of simple
features", CVPR 2001.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._typing import ArrayLike, IntOrSeq, Mode, NDArray
from ._validation import as_array, check_choice, check_int
from .shapes import MODES, _mode_offset, _output_shape

__all__ = ["integral_image", "box_filter", "running_box_filter"]


def _sum_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """Accumulator: int64 for bool/int, float64 or complex128 for floating input."""
    if dtype.kind in "biu":
        return np.dtype(np.int64)
    return np.result_type(dtype, np.float64)


def integral_image(x: ArrayLike) -> NDArray[Any]:
    """Summed-area table: ``S[i, j] = x[:i+1, :j+1].sum()`` (any number of dimensions).

    Parameters
    ----------
    x : array_like of shape (H, W)
        The image (N-d arrays work the same way, one cumulative sum per axis).

    Returns
    -------
    ndarray of shape (H, W)
        int64 for boolean and integer input (exact), float64 or complex128 otherwise
        (accumulating in float64 keeps the rounding of differences of large sums small).

    Raises
    ------
    TypeError
        If ``x`` does not hold numbers.
    ValueError
        If ``x`` is 0-d or empty.

    See Also
    --------
    convlib.box_filter

    Notes
    -----
    One pass per axis (``cumsum``), ``O(H W)``. Chapter 4.

    Examples
    --------
    >>> integral_image([[1, 2], [3, 4]])
    array([[ 1,  3],
           [ 4, 10]])
    >>> integral_image(5)
    Traceback (most recent call last):
    ...
    ValueError: integral_image: x must have at least 1 dimension(s); got 0-D array of shape ()
    """
    a = as_array(x, "x", "integral_image", min_ndim=1)
    s = a.astype(_sum_dtype(a.dtype))
    for axis in range(s.ndim):
        np.cumsum(s, axis=axis, out=s)
    return s


def box_filter(x: ArrayLike, size: IntOrSeq, mode: Mode = "same",
               normalize: bool = True) -> NDArray[Any]:
    """Box filter from the integral image: ``convolve2d(x, ones(size) / prod(size), mode)``.

    Parameters
    ----------
    x : array_like of shape (H, W)
        The image (N-d works too, with one ``size`` entry per axis).
    size : int or sequence of int
        Box shape ``(kH, kW)``; one int gives a square (a cube in 3-D).
    mode : {'full', 'same', 'valid'}
        As in :func:`convlib.convolve2d` with zero fill outside ``x``.
    normalize : bool
        Divide by ``prod(size)`` (a mean); otherwise window sums.

    Returns
    -------
    ndarray of the shape ``mode`` gives
        The dtype ``convolve2d`` would give: ``result_type(x, float64)`` if
        ``normalize``, else ``result_type(x, int64)`` (exact for integer ``x``).

    Raises
    ------
    TypeError
        If ``x`` does not hold numbers or ``size`` is not integer.
    ValueError
        If ``x`` is empty, a size is ``< 1`` or has the wrong length, ``mode`` is
        unknown, ``'valid'`` mode has no input at least as large as the other, or a
        complex ``x`` holds NaN or infinity.

    See Also
    --------
    convlib.integral_image, convlib.kernels.box

    Notes
    -----
    Pad the integral image with a zero row and column in front, ``P``; then the sum
    over rows ``[r0, r1)`` and columns ``[c0, c1)`` is
    ``P[r1, c1] - P[r0, c1] - P[r1, c0] + P[r0, c0]``. Each output value is ``2**d``
    look-ups whatever the box size: ``O(H W)`` in all, against ``O(H W kH kW)`` for
    direct convolution. Floating results can differ from direct summation by the
    rounding of those differences, about ``eps * |S|``. Chapter 4.

    Non-finite input: NaN and infinities are not summed into the integral image
    (there each would spoil every later window); they are counted per window instead,
    so each reaches exactly the windows that contain it, as in direct convolution: a
    window holding a NaN (or both infinities) is NaN, one holding an infinity is that
    infinity. Complex input with non-finite values is refused.

    Examples
    --------
    >>> x = np.arange(16).reshape(4, 4)
    >>> box_filter(x, 3, mode="valid", normalize=False)
    array([[45, 54],
           [81, 90]])
    >>> box_filter([[1.0, np.inf], [1.0, 1.0], [1.0, 1.0]], (2, 1), normalize=False)
    array([[ 1., inf],
           [ 2., inf],
           [ 2.,  2.]])
    >>> box_filter(x, (2, 2, 2))
    Traceback (most recent call last):
    ...
    ValueError: box_filter: size must have one entry per axis of x (2); got (2, 2, 2)
    """
    return _box(x, size, mode, normalize, "box_filter", _window_sums)


def _box(x: ArrayLike, size: IntOrSeq, mode: str, normalize: bool, func: str,
         sums: Callable[[NDArray[Any], tuple[int, ...], str, str], NDArray[Any]]) -> NDArray[Any]:
    """The checks and dtype rules that :func:`box_filter` and :func:`running_box_filter`
    share; ``sums(a, size, mode, func)`` computes the window sums of a finite ``a``."""
    a = as_array(x, "x", func, min_ndim=1)
    check_choice(mode, "mode", MODES, func)
    if isinstance(size, (list, tuple, np.ndarray)):
        sizes = tuple(size)
        if len(sizes) != a.ndim:
            raise ValueError(f"{func}: size must have one entry per axis of x ({a.ndim}); "
                             f"got {sizes!r}")
    else:
        sizes = (size,) * a.ndim
    size = tuple(check_int(k, "size", func, minimum=1) for k in sizes)
    if a.dtype.kind in "fc" and not np.isfinite(a).all():
        total = _nonfinite_sums(a, size, mode, func, sums)
    else:
        total = sums(a, size, mode, func)
    if normalize:
        return (total / np.prod(size)).astype(np.result_type(a, np.float64), copy=False)
    return total.astype(np.result_type(a, np.int64), copy=False)


def _window_bounds(a: NDArray[Any], size: tuple[int, ...], mode: str, func: str
                   ) -> tuple[tuple[int, ...], list[NDArray[Any]], list[NDArray[Any]]]:
    """Output shape and, per axis, where each output's window starts and ends in ``x``.

    Full-output index ``n`` sums ``x`` over ``[n - k + 1, n + 1)``, clipped to
    ``[0, N)`` (zero fill outside ``x``); ``mode`` keeps the indices from
    :func:`convlib.mode_offset` on.
    """
    shape = _output_shape(a.shape, size, mode, func)
    offset = _mode_offset(a.shape, size, mode, func)
    ends, starts = [], []
    for N, k, o, L in zip(a.shape, size, offset, shape):
        n = np.arange(o, o + L)
        ends.append(np.clip(n + 1, 0, N))
        starts.append(np.clip(n - k + 1, 0, N))
    return shape, starts, ends


def _window_sums(a: NDArray[Any], size: tuple[int, ...], mode: str, func: str
                 ) -> NDArray[Any]:
    """The sum of ``a`` over every box window of ``mode``, by inclusion-exclusion."""
    shape, starts, ends = _window_bounds(a, size, mode, func)
    P = np.pad(integral_image(a), [(1, 0)] * a.ndim)
    total = np.zeros(shape, dtype=P.dtype)
    for corner in itertools.product((0, 1), repeat=a.ndim):  # 1 picks the start
        index = np.ix_(*[s if c else e for c, s, e in zip(corner, starts, ends)])
        if sum(corner) % 2:
            total -= P[index]
        else:
            total += P[index]
    return total


def _nonfinite_sums(a: NDArray[Any], size: tuple[int, ...], mode: str, func: str,
                    sums: Callable[[NDArray[Any], tuple[int, ...], str, str], NDArray[Any]]) -> NDArray[Any]:
    """Window sums of an input with NaN or infinities, as a direct sum would give them:
    the finite values summed by the integral image, and per window a count of NaNs,
    +inf and -inf (integer integral images, exact): a window with a NaN, or with both
    infinities, is NaN; with one kind of infinity, that infinity. An integral image of
    the raw values would carry each non-finite value into every later window."""
    if a.dtype.kind == "c":
        raise ValueError(f"{func}: x must be finite when complex (NaN or inf in a "
                         "complex image has no sign to count); use convlib.convolve2d")
    finite = np.isfinite(a)
    total = sums(np.where(finite, a, 0), size, mode, func)
    nan = sums(np.isnan(a), size, mode, func) > 0
    pos = sums(a == np.inf, size, mode, func) > 0
    neg = sums(a == -np.inf, size, mode, func) > 0
    total[pos] = np.inf
    total[neg] = -np.inf
    total[nan | (pos & neg)] = np.nan
    return total


def running_box_filter(x: ArrayLike, size: IntOrSeq, mode: Mode = "same",
                       normalize: bool = True) -> NDArray[Any]:
    """Box filter by running sums, one 1-D pass per axis: equal to :func:`box_filter`.

    The box is separable (an outer product of 1-D boxes), so it is filtered one axis
    at a time; along an axis, every window sum is the difference of two entries of a
    running (cumulative) sum, ``y[n] = C[n + 1] - C[n - k + 1]``: two look-ups and one
    subtraction per sample and axis, whatever the box size.

    Parameters
    ----------
    x : array_like of shape (H, W)
        The image (N-d works too, with one ``size`` entry per axis).
    size : int or sequence of int
        Box shape ``(kH, kW)``; one int gives a square (a cube in 3-D).
    mode : {'full', 'same', 'valid'}
        As in :func:`convlib.convolve2d` with zero fill outside ``x``.
    normalize : bool
        Divide by ``prod(size)`` (a mean); otherwise window sums.

    Returns
    -------
    ndarray of the shape ``mode`` gives
        As :func:`box_filter`: ``result_type(x, float64)`` if ``normalize``, else
        ``result_type(x, int64)`` (exact for integer ``x``).

    Raises
    ------
    TypeError
        If ``x`` does not hold numbers or ``size`` is not integer.
    ValueError
        As :func:`box_filter`: ``x`` empty, a size ``< 1`` or of the wrong length,
        ``mode`` unknown, ``'valid'`` mode without an input at least as large as the
        other, or a complex ``x`` holding NaN or infinity.

    See Also
    --------
    convlib.box_filter : the same result from the N-d integral image.
    convlib.recursive_gaussian : a Gaussian at a cost independent of sigma.

    Notes
    -----
    The running sum along an axis is the recursion ``y[n] = y[n - 1] + x[n] -
    x[n - k]`` (add the new sample, subtract the old), written as a difference of
    cumulative sums ``C[j] = x[0] + ... + x[j - 1]`` so that NumPy does the loop. Per
    output sample that is ``O(1)`` work per axis, ``O(d)`` in ``d`` dimensions, against
    ``2**d`` look-ups of the integral image. Rounding: each pass accumulates along one
    line only, so the error is about ``eps`` times a line's sum (the integral image's
    is ``eps`` times the sum of the whole quadrant above and to the left). NaN and
    infinities reach exactly the windows that contain them, as in :func:`box_filter`.
    Chapter 4.

    Examples
    --------
    >>> running_box_filter([1, 2, 3, 4], 2, mode="full", normalize=False)
    array([1, 3, 5, 7, 4])
    >>> x = np.arange(16).reshape(4, 4)
    >>> running_box_filter(x, 3, mode="valid", normalize=False)
    array([[45, 54],
           [81, 90]])
    >>> running_box_filter(x, 0)
    Traceback (most recent call last):
    ...
    ValueError: running_box_filter: size must be >= 1; got 0
    """
    return _box(x, size, mode, normalize, "running_box_filter", _running_sums)


def _running_sums(a: NDArray[Any], size: tuple[int, ...], mode: str, func: str
                  ) -> NDArray[Any]:
    """Window sums of ``a`` by one running-sum difference per axis."""
    _, starts, ends = _window_bounds(a, size, mode, func)
    total = a.astype(_sum_dtype(a.dtype))
    for axis in range(a.ndim):
        C = np.cumsum(total, axis=axis)
        C = np.concatenate([np.zeros_like(C.take([0], axis=axis)), C], axis=axis)
        total = C.take(ends[axis], axis=axis) - C.take(starts[axis], axis=axis)
    return total

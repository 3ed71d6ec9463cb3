"""2-D convolution with boundary conditions, and one output value at a time.

How an image is extended beyond its edges decides what a filter does there. SciPy's
``convolve2d`` names three extensions; OpenCV's default border and the replicated edge
are two more, which convlib adds:

=========== ============================== ============= =============== ===============
boundary    extension of ``a b c d``       ``np.pad``    ``ndimage``     OpenCV border
=========== ============================== ============= =============== ===============
``fill``    ``v v | a b c d | v v``        ``constant``  ``constant``    CONSTANT
``wrap``    ``c d | a b c d | a b``        ``wrap``      ``wrap``        WRAP
``symm``    ``b a | a b c d | d c``        ``symmetric`` ``reflect``     REFLECT
``reflect`` ``c b | a b c d | c b``        ``reflect``   ``mirror``      REFLECT_101
``edge``    ``a a | a b c d | d d``        ``edge``      ``nearest``     REPLICATE
=========== ============================== ============= =============== ===============

(``v`` is ``fillvalue``; ``ndimage`` is the ``mode`` of ``scipy.ndimage.convolve``.) Mind
the names: NumPy's ``'reflect'`` is ``scipy.ndimage``'s ``'mirror'``, and ``scipy.ndimage``'s
``'reflect'`` is NumPy's ``'symmetric'``. Chapter 2 shows each rule and the artefacts it
causes.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any, Literal, cast

import numpy as np

from ._typing import ArrayLike, Boundary, Mode, NDArray
from ._validation import as_array, check_choice, check_int, check_output_bytes
from .compiled import convolve_compiled, serves_compiled, use_compiled
from .direct import check_macs, convolve_direct, direct_macs, reverse_conj, windows_pay
from .shapes import (MODES, mode_offset, output_shape, _mode_offset, _output_shape,
                     _valid_swap_needed)

__all__ = ["BOUNDARIES", "convolve2d", "correlate2d", "convolve_at", "extend",
           "boundary_index", "window_terms"]

#: Boundary names accepted by :func:`convolve2d`; SciPy's aliases map to them.
BOUNDARIES: tuple[str, ...] = ("fill", "wrap", "symm", "reflect", "edge")
_ALIASES = {"pad": "fill", "circular": "wrap", "symmetric": "symm"}
_NP_PAD: dict[str, Literal["wrap", "symmetric", "reflect", "edge"]] = {
    "wrap": "wrap", "symm": "symmetric", "reflect": "reflect", "edge": "edge"}


def _check_boundary(boundary: object, func: str) -> Boundary:
    if isinstance(boundary, str) and boundary in _ALIASES:
        return cast(Boundary, _ALIASES[boundary])
    return cast(Boundary, check_choice(boundary, "boundary", BOUNDARIES, func))


def _same_value(a: Any, b: Any) -> bool:
    """Equal, counting NaN equal to NaN (part by part for complex numbers)."""
    a, b = complex(a), complex(b)
    return all(x == y or (math.isnan(x) and math.isnan(y))
               for x, y in ((a.real, b.real), (a.imag, b.imag)))


def _check_fillvalue(fillvalue: object, dtype: np.dtype[Any], func: str) -> Any:
    """``fillvalue`` as a scalar of ``dtype``, as SciPy's ``convolve2d`` accepts it: a
    number (booleans count as 0 and 1) or an array with one element; but only if
    ``dtype`` holds it exactly (SciPy casts silently)."""
    if isinstance(fillvalue, (str, bytes)) or fillvalue is None:
        raise TypeError(f"{func}: fillvalue must be a scalar number; got {fillvalue!r}")
    try:
        value = np.asarray(fillvalue)
    except (TypeError, ValueError):  # ragged sequences
        raise TypeError(f"{func}: fillvalue must be a scalar number; got {fillvalue!r}") \
            from None
    if value.size != 1:  # SciPy: ValueError for an empty array and for several elements
        raise ValueError(f"{func}: fillvalue must be a scalar or an array with one "
                         f"element; got {fillvalue!r}")
    value = value.reshape(())
    scalar = value.item()
    if value.dtype.kind == "O" and isinstance(scalar, numbers.Integral) \
            and not isinstance(scalar, bool):
        # a Python int beyond 64 bits: exact in no integer dtype, maybe in a float one
        try:
            cast = np.asarray(float(scalar) if dtype.kind in "fc" else None, dtype=dtype)
            ok = dtype.kind in "fc" and np.isfinite(cast) and int(cast.real) == scalar
        except (OverflowError, TypeError, ValueError):
            ok = False
        if not ok:
            raise ValueError(f"{func}: fillvalue must be representable in the result "
                             f"dtype {dtype}; got {fillvalue!r}")
        return cast[()]
    if value.dtype.kind not in "biufc":
        raise TypeError(f"{func}: fillvalue must be a scalar number; got {fillvalue!r}")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        cast = value.real.astype(dtype) if (value.dtype.kind == "c" and dtype.kind != "c"
                                            and value.imag == 0) else value.astype(dtype)
    if not _same_value(cast, scalar):
        raise ValueError(
            f"{func}: fillvalue must be representable in the result dtype {dtype}; "
            f"got {fillvalue!r}"
        )
    return cast[()]


def boundary_index(i: ArrayLike, n: int, boundary: Boundary) -> NDArray[Any]:
    """Map (possibly out-of-range) indices into ``range(n)`` under a boundary rule.

    Parameters
    ----------
    i : int or ndarray of int
        Indices along an axis of length ``n``, anywhere on the integer line.
    n : int
        Length of the axis.
    boundary : {'wrap', 'symm', 'reflect', 'edge', 'fill'}
        ``'fill'`` returns ``-1`` for indices outside ``[0, n)`` (they read
        ``fillvalue``); ``'wrap'``, ``'symm'`` and ``'reflect'`` are periodic extensions
        of period ``n``, ``2n`` and ``2n - 2``, equal to ``np.pad`` with modes ``wrap``,
        ``symmetric``, ``reflect``; ``'edge'`` clips to the nearest index, ``0`` or
        ``n - 1`` (``np.pad`` mode ``edge``).

    Returns
    -------
    ndarray of int
        Indices in ``[0, n)`` (or ``-1`` for ``'fill'`` outside).

    Raises
    ------
    TypeError
        If ``i`` does not hold integers or ``n`` is not an integer.
    ValueError
        If ``n < 1`` or ``boundary`` is unknown (SciPy's aliases are accepted).

    Examples
    --------
    >>> boundary_index(np.arange(-3, 7), 4, "symm")
    array([2, 1, 0, 0, 1, 2, 3, 3, 2, 1])
    >>> boundary_index(np.arange(-3, 7), 4, "reflect")
    array([3, 2, 1, 0, 1, 2, 3, 2, 1, 0])
    >>> boundary_index(np.arange(-3, 7), 4, "edge")
    array([0, 0, 0, 0, 1, 2, 3, 3, 3, 3])
    >>> boundary_index(2, 0, "wrap")
    Traceback (most recent call last):
    ...
    ValueError: boundary_index: n must be >= 1; got 0
    """
    func = "boundary_index"
    i = as_array(i, "i", func, allow_empty=True)
    if i.dtype.kind not in "iu":
        raise TypeError(f"{func}: i must hold integers; got dtype {i.dtype}")
    n = check_int(n, "n", func, minimum=1)
    boundary = _check_boundary(boundary, func)
    if boundary == "fill":
        return np.where((i >= 0) & (i < n), i, -1)
    if boundary == "wrap":
        return np.mod(i, n)
    if boundary == "symm":
        j = np.mod(i, 2 * n)
        return np.where(j < n, j, 2 * n - 1 - j)
    if boundary == "reflect":
        if n == 1:
            return np.zeros_like(i)
        j = np.mod(i, 2 * n - 2)
        return np.where(j < n, j, 2 * n - 2 - j)
    if boundary == "edge":
        return np.clip(i, 0, n - 1)
    raise AssertionError(boundary)  # _check_boundary returned a name of BOUNDARIES


def extend(x: ArrayLike, pad_width: Sequence[tuple[int, int]],
           boundary: Boundary = "fill", fillvalue: ArrayLike = 0) -> NDArray[Any]:
    """Extend ``x`` beyond its edges by ``pad_width`` under a boundary rule.

    Parameters
    ----------
    x : ndarray
    pad_width : sequence of (int, int)
        ``(before, after)`` for each axis, as in ``numpy.pad``.
    boundary : {'fill', 'wrap', 'symm', 'reflect', 'edge'}
    fillvalue : scalar
        The value outside ``x`` for ``'fill'``.

    Returns
    -------
    ndarray
        A new array of shape ``x.shape + before + after`` per axis, in ``x``'s dtype;
        ``x`` is not modified.

    Raises
    ------
    TypeError
        If ``x`` does not hold numbers, ``pad_width`` is not made of ints or
        ``fillvalue`` is not a number.
    ValueError
        If ``x`` is empty, ``pad_width`` does not have one ``(before, after)`` pair of
        ints ``>= 0`` per axis, ``boundary`` is unknown, ``fillvalue`` is not exactly
        representable in ``x``'s dtype, or the result would be larger than
        ``convlib._validation.MAX_OUTPUT_BYTES``.

    Examples
    --------
    >>> extend(np.array([1, 2, 3, 4]), [(2, 2)], "reflect")
    array([3, 2, 1, 2, 3, 4, 3, 2])
    >>> extend(np.array([1, 2, 3, 4]), [(2, 2)], "edge")
    array([1, 1, 1, 2, 3, 4, 4, 4])
    >>> extend(np.array([1, 2, 3, 4]), [(2, -1)])
    Traceback (most recent call last):
    ...
    ValueError: extend: pad_width must be >= 0; got -1
    """
    func = "extend"
    x = as_array(x, "x", func)
    boundary = _check_boundary(boundary, func)
    if isinstance(pad_width, (str, bytes)) or not isinstance(pad_width, (Sequence, np.ndarray)) \
            or len(pad_width) != x.ndim or not all(
                isinstance(p, (Sequence, np.ndarray)) and len(p) == 2 for p in pad_width):
        raise ValueError(f"{func}: pad_width must hold one (before, after) pair per axis "
                         f"of x ({x.ndim}); got {pad_width!r}")
    pad_width = [(check_int(lo, "pad_width", func, minimum=0),
                  check_int(hi, "pad_width", func, minimum=0)) for lo, hi in pad_width]
    check_output_bytes([n + lo + hi for n, (lo, hi) in zip(x.shape, pad_width)],
                       x.dtype.itemsize, "pad_width", func)
    if boundary == "fill":
        fillvalue = _check_fillvalue(fillvalue, x.dtype, func)
        return np.pad(x, pad_width, mode="constant", constant_values=fillvalue)
    if boundary == "reflect" and any(n == 1 and (lo or hi)
                                     for n, (lo, hi) in zip(x.shape, pad_width)):
        # np.pad's 'reflect' of a length-1 axis repeats the value, as boundary_index does
        index = np.ix_(*[boundary_index(np.arange(-lo, n + hi), n, boundary)
                         for n, (lo, hi) in zip(x.shape, pad_width)])
        return x[index]
    return np.pad(x, pad_width, mode=_NP_PAD[boundary])


def _filter2d(x: NDArray[Any], h: NDArray[Any], start: Sequence[int], shape: Sequence[int],
              boundary: Boundary, fillvalue: ArrayLike, func: str) -> NDArray[Any]:
    """Window ``[start, start + shape)`` of the full convolution of the extended ``x``."""
    pad = [(M - 1 - s, s + L - N) for N, M, s, L in zip(x.shape, h.shape, start, shape)]
    dtype = np.result_type(x, h)
    xe = extend(x.astype(dtype, copy=False), pad, boundary, fillvalue)
    # direct, like scipy.signal.convolve2d: 'auto' may pick an FFT, whose rounding error
    # spreads over the whole output (exact zeros would come back as 1e-7 in float32)
    return _direct(xe, h, "valid", func)


def _prepare2d(in1: ArrayLike, in2: ArrayLike, mode: str, boundary: Boundary,
               fillvalue: ArrayLike, func: str
               ) -> tuple[NDArray[Any], NDArray[Any], Boundary, Any]:
    a = as_array(in1, "in1", func, ndim=2)
    b = as_array(in2, "in2", func, ndim=2)
    check_choice(mode, "mode", MODES, func)
    boundary = _check_boundary(boundary, func)
    fillvalue = _check_fillvalue(fillvalue, np.result_type(a, b), func)
    _output_shape(a.shape, b.shape, mode, func)  # raises for an impossible 'valid'
    return a, b, boundary, fillvalue


def _direct(a: NDArray[Any], b: NDArray[Any], mode: str, func: str) -> NDArray[Any]:
    """``convlib.convolve(a, b, mode, method='direct')`` of validated 2-D inputs, without
    the dispatcher: SciPy's 'valid' swap, then the direct sum (refused above
    ``convlib.dispatch.DIRECT_MAX_MACS`` multiply-adds), in ``result_type(a, b)``;
    compiled (:func:`convlib.compiled.convolve_compiled`, the same sums in the same
    order) for float32 and float64 when :func:`convlib.compiled.use_compiled` says so."""
    if mode == "valid" and _valid_swap_needed(a.shape, b.shape, func):
        a, b = b, a
    check_macs(direct_macs(a.shape, b.shape, mode), "direct", func)
    if (use_compiled(a, b) and serves_compiled(a, b, mode) is None and not windows_pay(
            math.prod(output_shape(a.shape, b.shape, mode)), min(a.size, b.size))):
        # the same sum in the same order, compiled (convlib.compiled.USE_COMPILED)
        return convolve_compiled(a, b, mode)
    return convolve_direct(a, b, mode)


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: Mode = "full",
               boundary: Boundary = "fill", fillvalue: ArrayLike = 0) -> NDArray[Any]:
    r"""2-D convolution with a boundary condition; equals ``scipy.signal.convolve2d``.

    .. math:: y[i, j] = \sum_{m, n} h[m, n]\, x_e[i - m, j - n]

    where ``x_e`` is ``in1`` extended beyond its edges by ``boundary``.

    Parameters
    ----------
    in1 : array_like of shape (Ma, Na)
        The image ``x``.
    in2 : array_like of shape (Mb, Nb)
        The kernel ``h``.
    mode : {'full', 'same', 'valid'}
        Output shape ``(Ma + Mb - 1, Na + Nb - 1)``, ``(Ma, Na)``, or
        ``(|Ma - Mb| + 1, |Na - Nb| + 1)``; ``'valid'`` never reads the extension.
    boundary : {'fill', 'wrap', 'symm', 'reflect', 'edge'}
        How ``in1`` is extended (see the module's table); SciPy's aliases ``'pad'``,
        ``'circular'``, ``'symmetric'`` are accepted. ``'reflect'`` (mirror without
        repeating the edge, OpenCV's default border) and ``'edge'`` (the edge pixel
        replicated: ``scipy.ndimage``'s ``'nearest'``, OpenCV's ``BORDER_REPLICATE``,
        MATLAB's ``'replicate'``) are not in ``scipy.signal.convolve2d``.
    fillvalue : scalar
        Value outside ``in1`` for ``boundary='fill'``; must be exactly representable in
        the result dtype (SciPy casts silently). As in SciPy, a boolean counts as 0 or 1
        and an array with one element as that element; NaN marks, in a floating result,
        every output whose window leaves the image.

    Returns
    -------
    ndarray of shape given by ``mode``
        Of dtype ``numpy.result_type(in1, in2)``.

    Raises
    ------
    TypeError
        If an input does not hold numbers or ``fillvalue`` is not a number.
    ValueError
        If an input is not 2-D or empty, ``mode``/``boundary`` is unknown, or
        ``fillvalue`` is an array with other than one element (as in SciPy) or is not
        exactly representable in the result dtype.

    See Also
    --------
    correlate2d, convolve_at, scipy.signal.convolve2d

    Notes
    -----
    Implemented as the ``'valid'`` convolution of ``in1`` extended by exactly the rows and
    columns the requested window reads. Chapter 2 teaches it.

    Examples
    --------
    >>> x = np.array([[1, 2], [3, 4]])
    >>> convolve2d(x, [[1, 1]], mode="same", boundary="wrap")
    array([[3, 3],
           [7, 7]])
    >>> convolve2d(x, [[1, 1]], mode="full", boundary="edge")
    array([[2, 3, 4],
           [6, 7, 8]])
    """
    func = "convolve2d"
    a, b, boundary, fillvalue = _prepare2d(in1, in2, mode, boundary, fillvalue, func)
    if mode == "valid" or (boundary == "fill" and fillvalue == 0):
        return _direct(a, b, mode, func)
    return _filter2d(a, b, mode_offset(a.shape, b.shape, mode), output_shape(
        a.shape, b.shape, mode), boundary, fillvalue, func)


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: Mode = "full",
                boundary: Boundary = "fill", fillvalue: ArrayLike = 0) -> NDArray[Any]:
    r"""2-D cross-correlation with a boundary condition; equals ``scipy.signal.correlate2d``.

    .. math:: z[i, j] = \sum_{m, n} x_e[i + m, j + n]\, \overline{h[m, n]}

    Parameters
    ----------
    in1 : array_like of shape (Ma, Na)
    in2 : array_like of shape (Mb, Nb)
    mode, boundary, fillvalue
        As in :func:`convolve2d`.

    Returns
    -------
    ndarray
        Of dtype ``numpy.result_type(in1, in2)``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`convolve2d`.

    See Also
    --------
    convolve2d, convlib.correlate, scipy.signal.correlate2d

    Notes
    -----
    Two conventions are SciPy's and are kept for agreement:

    * ``'same'`` aligns kernel element ``((Mb - 1) // 2, (Nb - 1) // 2)`` with each output
      pixel (the window starts at offset ``Mb // 2`` of the full output); for an even
      kernel this is one sample away from :func:`convlib.correlate`'s (and
      ``scipy.signal.correlate``'s) ``'same'``, which aligns element ``(Mb // 2, Nb // 2)``.
    * In ``'valid'`` mode with ``in2`` the larger input, the result is
      ``correlate2d(in2, in1)[::-1, ::-1]``, the complex conjugate of
      :func:`convlib.correlate`'s for complex inputs.

    Examples
    --------
    >>> correlate2d([[1, 2, 3]], [[-1, 0, 1]], mode="same", boundary="symm")
    array([[1, 2, 1]])
    """
    func = "correlate2d"
    a, b, boundary, fillvalue = _prepare2d(in1, in2, mode, boundary, fillvalue, func)
    if mode == "valid":
        if _valid_swap_needed(a.shape, b.shape, func):
            return correlate2d(b, a, "valid")[::-1, ::-1]
        return _direct(a, reverse_conj(b), "valid", func)
    g = reverse_conj(b)
    if mode == "full":
        start = (0, 0)
    else:  # SciPy's correlate2d: the window starts at offset M // 2 of the full output
        start = tuple(M // 2 for M in b.shape)
    return _filter2d(a, g, start, output_shape(a.shape, b.shape, mode), boundary, fillvalue,
                     func)


def convolve_at(in1: ArrayLike, in2: ArrayLike, index: Sequence[int],
                mode: Mode = "same", boundary: Boundary = "fill",
                fillvalue: ArrayLike = 0) -> np.generic:
    r"""One value of a convolution, computed from one window of the input only.

    Returns ``convolve2d(in1, in2, mode, boundary, fillvalue)[index]`` (and the same
    for N-d inputs) at a cost proportional to the kernel size, not the image size:

    .. math:: y[n] = \sum_k h[k]\, x_e[n + o - k]

    where ``o`` is the offset of ``mode``'s window inside the full output.

    Parameters
    ----------
    in1 : array_like of shape (N1, ..., Nd)
        The image ``x``, any size.
    in2 : array_like of shape (M1, ..., Md)
        The kernel ``h``.
    index : sequence of int
        Output index in ``mode``'s coordinates; negative values count from the end.
        Integers only: ``1.5`` is refused, not truncated.
    mode : {'full', 'same', 'valid'}
    boundary : {'fill', 'wrap', 'symm', 'reflect', 'edge'}
    fillvalue : scalar

    Returns
    -------
    scalar
        A NumPy scalar of dtype ``numpy.result_type(in1, in2)``.

    Raises
    ------
    TypeError
        If ``index`` is not a sequence of ints, or as :func:`convolve2d`.
    ValueError
        If ``index`` has the wrong length or lies outside the output, or any argument of
        :func:`convolve2d` is invalid.

    See Also
    --------
    convolve2d

    Examples
    --------
    >>> x = np.arange(16).reshape(4, 4)
    >>> convolve_at(x, np.ones((3, 3), dtype=int), (1, 2))
    np.int64(54)
    """
    window, kernel = _window_at(in1, in2, index, mode, boundary, fillvalue, "convolve_at")
    return (window * kernel).sum(dtype=window.dtype)


def _window_at(in1: ArrayLike, in2: ArrayLike, index: Sequence[int], mode: str,
               boundary: Boundary, fillvalue: ArrayLike, func: str
               ) -> tuple[NDArray[Any], NDArray[Any]]:
    """Validate, then return ``(window, kernel)`` with ``(window * kernel).sum()`` the
    output at ``index``: ``window[k] = x_e[n + o - k]`` (the kernel is not flipped; the
    window is read backwards), both of the result dtype."""
    a = as_array(in1, "in1", func, min_ndim=1)
    b = as_array(in2, "in2", func, min_ndim=1)
    if a.ndim != b.ndim:
        raise ValueError(f"{func}: in1 and in2 must have the same number of dimensions; "
                         f"got shapes {a.shape} and {b.shape}")
    check_choice(mode, "mode", MODES, func)
    boundary = _check_boundary(boundary, func)
    dtype = np.result_type(a, b)
    fillvalue = _check_fillvalue(fillvalue, dtype, func)
    shape = _output_shape(a.shape, b.shape, mode, func)
    if mode == "valid" and _valid_swap_needed(a.shape, b.shape, func):
        a, b = b, a
    offset = _mode_offset(a.shape, b.shape, mode, func)
    if isinstance(index, (str, bytes)) or not isinstance(index, (Sequence, np.ndarray)) \
            or not all(isinstance(i, (int, np.integer)) and not isinstance(i, bool)
                       for i in index):  # 1.5 must not be truncated to 1
        raise TypeError(f"{func}: index must be a sequence of ints; got {index!r}")
    index = tuple(int(i) for i in index)
    if len(index) != len(shape) or not all(-L <= i < L for i, L in zip(index, shape)):
        raise ValueError(f"{func}: index must lie inside the output of shape {shape}; "
                         f"got {index}")
    index = tuple(i % L for i, L in zip(index, shape))
    # input index read by tap k along each axis: n + o - k, mapped by the boundary rule
    rows = [boundary_index(n + o - np.arange(M), N, boundary)
            for n, o, M, N in zip(index, offset, b.shape, a.shape)]
    window = a.astype(dtype, copy=False)[np.ix_(*[np.maximum(r, 0) for r in rows])]
    if boundary == "fill":
        inside = np.ones(window.shape, dtype=bool)
        for axis, r in enumerate(rows):
            shape_1 = [1] * len(rows)
            shape_1[axis] = len(r)
            inside &= (r >= 0).reshape(shape_1)
        window = np.where(inside, window, fillvalue)
    return window, b.astype(dtype, copy=False)


def window_terms(in1: ArrayLike, in2: ArrayLike, index: Sequence[int],
                 mode: Mode = "same", boundary: Boundary = "fill", fillvalue: ArrayLike = 0
                 ) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """The terms of one 2-D convolution output: window, flipped kernel, products.

    Parameters
    ----------
    in1 : array_like of shape (Ma, Na)
    in2 : array_like of shape (Mb, Nb)
    index : (int, int)
        Output index in ``mode``'s coordinates.
    mode, boundary, fillvalue
        As in :func:`convlib.convolve2d`.

    Returns
    -------
    window : ndarray of shape (Mb, Nb)
        The patch of the extended image under the kernel, in the image's orientation.
    flipped : ndarray of shape (Mb, Nb)
        ``in2[::-1, ::-1]``, aligned with ``window``.
    products : ndarray of shape (Mb, Nb)
        ``window * flipped``; ``products.sum()`` equals ``convolve_at(in1, in2, index,
        mode, boundary, fillvalue)``.

    Notes
    -----
    The state of chapter 2's pixel-picker widget: flip the kernel on both axes, lay it
    over the window, multiply, add. In ``'valid'`` mode with ``in2`` the larger input
    the roles swap, as in :func:`convlib.convolve2d`.

    Examples
    --------
    >>> w, f, p = window_terms([[1, 2], [3, 4]], [[1, 0], [0, -1]], (1, 1))
    >>> w.tolist(), f.tolist(), int(p.sum())
    ([[1, 2], [3, 4]], [[-1, 0], [0, 1]], 3)
    """
    func = "window_terms"
    as_array(in1, "in1", func, ndim=2)
    as_array(in2, "in2", func, ndim=2)
    window, kernel = _window_at(in1, in2, index, mode, boundary, fillvalue, func)
    flip = (slice(None, None, -1),) * 2
    return window[flip], kernel[flip], (window * kernel)[flip]

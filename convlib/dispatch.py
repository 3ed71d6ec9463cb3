"""One contract, many implementations, one dispatcher: ``convolve`` and ``correlate``.

Every method shares the signature ``impl(in1, in2, mode) -> ndarray`` and the size rule
of :mod:`convlib.shapes`. The dispatcher validates the inputs once, applies SciPy's
``'valid'``-mode swap, calls the implementation, and casts the result to
``numpy.result_type(in1, in2)`` (rounding first when that type is an integer and the
method computed in floating point, as SciPy does).

A method module joins the dispatcher by adding itself to ``convlib.METHODS``. An
implementation that cannot serve particular inputs (a kernel of the wrong size, say)
raises :class:`MethodCannotServe` with the reason; the dispatcher reports it as a
``ValueError`` naming the function the user called.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.fft import next_fast_len

from ._validation import as_array, check_choice, check_same_ndim
from .direct import convolve_direct, convolve_loops
from .fourier import block_length, fft_convolve, overlap_add
from .shapes import MODES, mode_offset, output_shape, valid_swap_needed

__all__ = ["convolve", "correlate", "choose_method", "METHODS", "PLANNED_METHODS",
           "MethodCannotServe", "estimate_costs", "cost_features", "COST_CONSTANTS",
           "COST_MODEL_FIT"]


class MethodCannotServe(ValueError):
    """Raised by a method implementation that cannot serve the given inputs."""


Impl = Callable[[np.ndarray, np.ndarray, str], np.ndarray]


def _common_float(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both inputs in the floating type of ``result_type(a, b)`` before an FFT.

    ``scipy.fft`` transforms float32 in single precision; mixing a float32 input with a
    float64 (or int64) one would then round the float64 result to single precision.
    Integer and boolean results are computed in float64 and rounded by ``_run``.
    """
    dtype = np.result_type(a, b)
    if dtype.kind in "biu":
        dtype = np.dtype(np.float64)
    return a.astype(dtype, copy=False), b.astype(dtype, copy=False)

#: Implemented methods, by the name ``method=`` accepts.
METHODS: dict[str, Impl] = {
    "loops": convolve_loops,
    "direct": convolve_direct,
    "fft": lambda in1, in2, mode: fft_convolve(*_common_float(in1, in2), mode),
    "overlap_add": lambda in1, in2, mode: overlap_add(*_common_float(in1, in2), mode),
}

#: Method names of the book's contract that later chapters implement, with the chapter.
PLANNED_METHODS: dict[str, str] = {
    "toeplitz": "chapter 7 (Toeplitz matrices)",
    "im2col": "chapter 8 (im2col and GEMM)",
    "separable": "chapter 4 (separable kernels)",
    "winograd": "chapter 9 (Winograd minimal filtering)",
}


def _check_method(method: object, func: str) -> str:
    if isinstance(method, str) and method in PLANNED_METHODS and method not in METHODS:
        raise ValueError(
            f"{func}: method {method!r} is not implemented yet (it arrives with "
            f"{PLANNED_METHODS[method]}); available: "
            + ", ".join(repr(m) for m in ("auto", *METHODS))
        )
    return check_choice(method, "method", ("auto", *METHODS), func)


def _prepare(in1: object, in2: object, mode: object, func: str):
    a = as_array(in1, "in1", func)
    b = as_array(in2, "in2", func)
    check_same_ndim(a, b, ("in1", "in2"), func)
    check_choice(mode, "mode", MODES, func)
    return a, b


#: The cost model of :func:`choose_method`: for each method, seconds per unit of each
#: kind of work (see :func:`cost_features`), so that the estimated time is
#: ``sum(COST_CONSTANTS[method][k] * cost_features(...)[method][k])``.
#:
#: Made by ``convlib.fourier.calibrate_cost_model()`` on the machine that built the book
#: (2 shared x86-64 cores, NumPy 2.4.6, SciPy 1.17.1 with its pocketfft), rounded to
#: three digits: it times convlib's own methods, best of 5, on
#: 1-D signals of 100 to 1,000,000 samples with kernels of 3 to 3,000 taps and on 2-D
#: images of 32 x 32 to 1024 x 1024 with kernels of 3 x 3 to 63 x 63, float64, 'full'
#: mode (direct only up to 1e8 multiply-adds); non-negative least squares on the
#: relative error, each method fitted on the shapes where it was within 3 times the
#: fastest (accuracy matters near the decision). Chapter 5 re-measures the
#: crossover on the reader's machine and compares it with this model.
COST_CONSTANTS: dict[str, dict[str, float]] = {
    "direct": {"call": 4.39e-06, "tap": 7.8e-07, "tap_axis": 1.68e-06, "mac": 6.63e-10,
               "mac_nd": 7.3e-10},
    "fft": {"call": 1.41e-05, "axis": 1.7e-05, "point": 0.0, "nlogn": 9.97e-10,
            "nlogn_1d": 7.77e-10},
    "overlap_add": {"call": 0.0, "axis": 4.53e-05, "block": 2.3e-08, "point": 1.27e-08,
                    "nlogn": 9.49e-10},
}
#: How well the fitted model did on its own calibration set (92 shapes): it picked the
#: fastest method for 85; where it did not, the method it picked was at most 1.73 times
#: slower than the fastest (near-ties between overlap-add and FFT on long 1-D signals,
#: and between direct and overlap-add for short kernels).
COST_MODEL_FIT = {"shapes": 92, "right": 85, "worst_slowdown": 1.73}


def _prod(values) -> int:
    out = 1
    for v in values:
        out *= int(v)
    return out


def _nlogn(points: int) -> float:
    return points * float(np.log2(max(points, 2)))


def cost_features(shape1, shape2, mode: str = "full",
                  complex_data: bool = False) -> dict[str, dict[str, float]]:
    """The work each fast method does on inputs of these shapes, counted by kind.

    Parameters
    ----------
    shape1, shape2 : sequence of int
        Shapes of ``in1`` and ``in2`` (same length, no zeros; in ``'valid'`` mode
        ``shape1`` at least as large in every axis).
    mode : {'full', 'same', 'valid'}
    complex_data : bool
        Whether either input is complex (complex FFTs do twice the work of real ones).

    Returns
    -------
    dict
        For ``'direct'`` (:func:`convlib.direct.convolve_direct`): ``call`` (1),
        ``tap`` (taps of the smaller input: one NumPy call each), ``tap_axis``
        (taps x ndim: the per-axis slicing), ``mac`` (multiply-adds) and ``mac_nd``
        (multiply-adds x (ndim - 1): strided slices cost more). For ``'fft'``:
        ``call``, ``axis`` (ndim), ``point`` (``P``, points of the padded FFT) and
        ``nlogn`` (``P log2 P``, doubled for complex data), and ``nlogn_1d`` (the same,
        for 1-D inputs only: one long transform runs out of cache where the many short
        ones of an N-d transform do not). For ``'overlap_add'``: ``call``, ``axis``,
        ``block`` (number of blocks), ``point`` and ``nlogn`` summed over its blocks.

    Examples
    --------
    >>> cost_features((5,), (3,))["direct"]
    {'call': 1.0, 'tap': 3.0, 'tap_axis': 3.0, 'mac': 15.0, 'mac_nd': 0.0}
    """
    d = len(shape1)
    shape = output_shape(shape1, shape2, mode)
    offset = mode_offset(shape1, shape2, mode)
    big, small = (shape2, shape1) if _prod(shape2) > _prod(shape1) else (shape1, shape2)
    macs = 1
    for A, B, o, L in zip(big, small, offset, shape):  # separable: a product of sums
        k = np.arange(B)
        macs *= int(np.maximum(0, np.minimum(k + A, o + L) - np.maximum(k, o)).sum())
    taps = _prod(small)
    factor = 2.0 if complex_data else 1.0
    points = _prod(next_fast_len(p + q - 1, not complex_data)
                   for p, q in zip(shape1, shape2))
    blocks, block_points = 1, 1
    for p, q in zip(shape1, shape2):
        length = block_length(p, q)
        if length < p + q - 1:
            blocks *= -(-max(p, q) // (length - min(p, q) + 1))
        block_points *= length
    return {
        "direct": {"call": 1.0, "tap": float(taps), "tap_axis": float(taps * d),
                   "mac": float(macs), "mac_nd": float(macs * (d - 1))},
        "fft": {"call": 1.0, "axis": float(d), "point": float(points),
                "nlogn": factor * _nlogn(points),
                "nlogn_1d": factor * _nlogn(points) if d == 1 else 0.0},
        "overlap_add": {"call": 1.0, "axis": float(d), "block": float(blocks),
                        "point": float(blocks * block_points),
                        "nlogn": factor * blocks * _nlogn(block_points)},
    }


def estimate_costs(in1, in2, mode: str = "full") -> dict[str, float]:
    """Estimated run time, in seconds, of each fast method on these inputs.

    Parameters
    ----------
    in1, in2 : array_like
        The inputs, as they would be passed to :func:`convolve` (same ndim, non-empty).
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    dict
        ``{'direct': t, 'fft': t, 'overlap_add': t}``:
        :func:`convlib.dispatch.cost_features` weighted by
        ``convlib.dispatch.COST_CONSTANTS``.

    Raises
    ------
    TypeError, ValueError
        As :func:`convolve`.

    Examples
    --------
    >>> costs = estimate_costs(np.ones(10_000), np.ones(1_000))
    >>> bool(costs["fft"] < costs["direct"])
    True
    >>> estimate_costs(np.ones(3), np.ones(1_000), mode="valid")["direct"] > 0
    True
    """
    a, b = _prepare(in1, in2, mode, "estimate_costs")
    if a.ndim == 0:
        return {"direct": 0.0, "fft": 0.0, "overlap_add": 0.0}
    if mode == "valid" and valid_swap_needed(a.shape, b.shape, "estimate_costs"):
        a, b = b, a
    cplx = a.dtype.kind == "c" or b.dtype.kind == "c"
    work = cost_features(a.shape, b.shape, mode, cplx)
    return {method: sum(COST_CONSTANTS[method][k] * v for k, v in work[method].items())
            for method in ("direct", "fft", "overlap_add")}


def _fft_is_exact_enough(a: np.ndarray, b: np.ndarray) -> bool:
    """SciPy's guard: integer results above 2**52 may not survive a float64 FFT."""
    if a.dtype.kind not in "ui" and b.dtype.kind not in "ui":
        return True
    bound = (max(abs(int(a.max())), abs(int(a.min())))
             * max(abs(int(b.max())), abs(int(b.min()))) * min(a.size, b.size))
    return bound <= 2 ** np.finfo(np.float64).nmant - 1


def choose_method(in1: object, in2: object, mode: str = "full") -> str:
    """The method ``convolve(in1, in2, mode, method='auto')`` would use.

    Parameters
    ----------
    in1, in2 : array_like
        The inputs, as they would be passed to :func:`convolve`.
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    str
        ``'direct'``, ``'fft'`` or ``'overlap_add'``: the cheapest by
        :func:`estimate_costs`. ``'loops'`` is never chosen: it exists to be read.

    Raises
    ------
    TypeError, ValueError
        As :func:`convolve`.

    Notes
    -----
    As SciPy's ``choose_conv_method``: boolean inputs, and integer inputs whose result
    could exceed ``2**52 - 1`` in magnitude (bounded by
    ``max|in1| * max|in2| * min(in1.size, in2.size)``), go ``'direct'``, since a float64
    FFT could not return those integers exactly. Otherwise the method with the smallest
    estimated time wins (ties to the simpler one). The model counts work from the
    shapes, with constants fitted on one machine (``convlib.dispatch.COST_CONSTANTS``); it ignores
    caches, zero taps and the data type, and chapter 5 shows where it errs.

    Examples
    --------
    >>> choose_method([1, 2, 3], [1, 1])
    'direct'
    >>> choose_method(np.ones(1_000_000), np.ones(1_000))
    'overlap_add'
    >>> choose_method(np.ones((256, 256)), np.ones((15, 15)))
    'fft'
    >>> choose_method(np.full(100_000, 2**45), np.ones(1_000, dtype=int))
    'direct'
    >>> choose_method([1, 2, 3], [1, 1], mode="middle")
    Traceback (most recent call last):
    ...
    ValueError: choose_method: mode must be one of 'full', 'same', 'valid'; got 'middle'
    """
    a, b = _prepare(in1, in2, mode, "choose_method")
    if a.ndim == 0 or "b" in (a.dtype.kind, b.dtype.kind) or not _fft_is_exact_enough(a, b):
        return "direct"
    costs = estimate_costs(a, b, mode)
    return min(("direct", "fft", "overlap_add"), key=costs.__getitem__)


def _run(a: np.ndarray, b: np.ndarray, mode: str, method: str, func: str) -> np.ndarray:
    dtype = np.result_type(a, b)
    if a.ndim == 0:  # SciPy: the product of two scalars
        return np.asarray(a * b, dtype=dtype)
    if mode == "valid" and valid_swap_needed(a.shape, b.shape, func):
        a, b = b, a
    if method == "auto":
        method = choose_method(a, b, mode)
    try:
        out = METHODS[method](a, b, mode)
    except MethodCannotServe as exc:
        raise ValueError(f"{func}: method {method!r} cannot serve these inputs: {exc}") from None
    out = np.asarray(out)
    if dtype.kind in "biu" and out.dtype.kind in "fc":
        out = np.rint(out.real)
    return out.astype(dtype, copy=False)


def convolve(in1, in2, mode: str = "full", method: str = "auto") -> np.ndarray:
    r"""N-dimensional convolution of two arrays, with SciPy's semantics.

    .. math:: y[n] = \sum_k \mathrm{in1}[k]\, \mathrm{in2}[n - k]

    Parameters
    ----------
    in1 : array_like of shape (N1, ..., Nd)
        First input (the signal or image, ``x``).
    in2 : array_like of shape (M1, ..., Md)
        Second input (the kernel, ``h``), with the same number of dimensions.
    mode : {'full', 'same', 'valid'}
        ``'full'``: every overlap, shape ``(N + M - 1)``; ``'same'``: shape of ``in1``,
        centred on the full output; ``'valid'``: only complete overlaps, shape
        ``(max(N, M) - min(N, M) + 1)`` -- one input must then be at least as large as the
        other in every dimension.
    method : str
        ``'loops'`` (the definition), ``'direct'`` (vectorised), or ``'auto'``
        (:func:`choose_method`). See ``convlib.METHODS``.

    Returns
    -------
    ndarray
        The convolution, of dtype ``numpy.result_type(in1, in2)``: integer inputs give
        exact integers, float32 stays float32, complex works.

    Raises
    ------
    TypeError
        If an input does not hold numbers.
    ValueError
        If an input is empty, the inputs differ in ndim, ``mode`` or ``method`` is
        unknown, or ``'valid'`` mode has no input at least as large as the other.

    See Also
    --------
    correlate : the same with the kernel not flipped.
    convolve2d : 2-D with boundary conditions.
    scipy.signal.convolve : the reference this function agrees with.

    Notes
    -----
    Convolution flips ``in2`` and slides it over ``in1``; taught in :ref:`ch-convolution-1d`. Two 0-d inputs give
    their product, as in SciPy.

    Examples
    --------
    >>> convolve([1, 2, 3], [0, 1, 0.5])
    array([0. , 1. , 2.5, 4. , 1.5])
    >>> convolve([1, 2, 3], [1, 1], mode="valid", method="loops")
    array([3, 5])
    >>> convolve([1, 2, 3], [1, 1], mode="middle")
    Traceback (most recent call last):
    ...
    ValueError: convolve: mode must be one of 'full', 'same', 'valid'; got 'middle'
    """
    a, b = _prepare(in1, in2, mode, "convolve")
    method = _check_method(method, "convolve")
    return _run(a, b, mode, method, "convolve")


def correlate(in1, in2, mode: str = "full", method: str = "auto") -> np.ndarray:
    r"""N-dimensional cross-correlation of two arrays, with SciPy's semantics.

    .. math:: z[k] = \sum_n \mathrm{in1}[n + k]\, \overline{\mathrm{in2}[n]}

    Computed as ``convolve(in1, in2 reversed on every axis and conjugated, mode,
    method)``, which is how ``scipy.signal.correlate`` defines every mode. The full output
    index ``k`` runs from ``-(M - 1)`` to ``N - 1``.

    Parameters
    ----------
    in1 : array_like of shape (N1, ..., Nd)
    in2 : array_like of shape (M1, ..., Md)
    mode : {'full', 'same', 'valid'}
        As in :func:`convolve`.
    method : str
        As in :func:`convolve`.

    Returns
    -------
    ndarray
        Of dtype ``numpy.result_type(in1, in2)``.

    Raises
    ------
    TypeError, ValueError
        As in :func:`convolve`.

    See Also
    --------
    convolve, correlate2d, scipy.signal.correlate

    Notes
    -----
    What deep-learning libraries call "convolution" is this correlation
    (:ref:`ch-convolution-1d`).

    Examples
    --------
    >>> correlate([1, 2, 3], [0, 1, 0.5])
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    a, b = _prepare(in1, in2, mode, "correlate")
    method = _check_method(method, "correlate")
    return _run(a, reverse_conj(b), mode, method, "correlate")


def reverse_conj(x: np.ndarray) -> np.ndarray:
    """``x`` reversed along every axis and complex-conjugated (a view for real input)."""
    flipped = x[(slice(None, None, -1),) * x.ndim]
    return flipped.conj() if x.dtype.kind == "c" else flipped

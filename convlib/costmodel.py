"""The cost model behind ``method='auto'``, and how it was measured (chapter 5).

:func:`convlib.choose_method` does not time anything: it counts the work each fast
method would do on inputs of the given *shapes* (:func:`convlib.costmodel.cost_features`), weighs each
kind of work by seconds per unit (:data:`convlib.costmodel.COST_CONSTANTS`) and picks the cheapest
(:func:`convlib.estimate_costs`). The constants were fitted by :func:`convlib.costmodel.calibrate_cost_model`:
:func:`convlib.costmodel.bench_methods` times convlib's methods on :func:`convlib.costmodel.calibration_shapes`, and
:func:`convlib.costmodel.fit_cost_constants` solves a non-negative least-squares problem.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.fft import next_fast_len

from ._validation import as_array, check_choice, check_int, check_same_ndim
from .overlap import block_length
from .shapes import MODES, mode_offset, output_shape, valid_swap_needed

__all__ = ["COST_CONSTANTS", "COST_MODEL_FIT", "cost_features", "estimate_costs",
           "bench_methods", "calibration_shapes", "fit_cost_constants",
           "calibrate_cost_model"]


#: Seconds per unit of each kind of work, per method (the cost model of
#: ``choose_method``); the estimated time of a method is the sum over the kinds of work
#: of ``COST_CONSTANTS[method][k] * cost_features(...)[method][k]``.
#:
#: Made by ``calibrate_cost_model()`` on the machine that built the book (2 shared
#: x86-64 cores, NumPy 2.4.6, SciPy 1.17.1 with its pocketfft) and rounded to three
#: digits. It times convlib's own methods, best of 5, on 1-D signals of 100 to
#: 1,000,000 samples with kernels of 3 to 3,000 taps and on 2-D images of 32 x 32 to
#: 1024 x 1024 with kernels of 3 x 3 to 63 x 63, float64, 'full' mode (direct only up
#: to 1e8 multiply-adds), then solves non-negative least squares on the relative
#: error, each method on the shapes where it was within 3 times the fastest (accuracy
#: matters near the decision). Chapter 5 re-measures the crossover on the reader's
#: machine and compares it with this model.
COST_CONSTANTS: dict[str, dict[str, float]] = {
    "direct": {"call": 4.39e-06, "tap": 7.8e-07, "tap_axis": 1.68e-06, "mac": 6.63e-10,
               "mac_nd": 7.3e-10},
    "fft": {"call": 1.41e-05, "axis": 1.7e-05, "point": 0.0, "nlogn": 9.97e-10,
            "nlogn_1d": 7.77e-10},
    "overlap_add": {"call": 0.0, "axis": 4.53e-05, "block": 2.3e-08, "point": 1.27e-08,
                    "nlogn": 9.49e-10},
}
#: The model's record on its own calibration set of 92 shapes. It picked the fastest
#: method for 85; where it did not, its pick was at most 1.73 times slower than the
#: fastest (near-ties between overlap-add and FFT on long 1-D signals, and between
#: direct and overlap-add for short kernels).
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
        The inputs, as they would be passed to :func:`convlib.convolve` (same ndim, non-empty).
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    dict
        ``{'direct': t, 'fft': t, 'overlap_add': t}``:
        :func:`convlib.costmodel.cost_features` weighted by
        ``convlib.costmodel.COST_CONSTANTS``.

    Raises
    ------
    TypeError, ValueError
        As :func:`convlib.convolve`.

    Examples
    --------
    >>> costs = estimate_costs(np.ones(10_000), np.ones(1_000))
    >>> bool(costs["fft"] < costs["direct"])
    True
    >>> estimate_costs(np.ones(3), np.ones(1_000), mode="valid")["direct"] > 0
    True
    """
    func = "estimate_costs"
    a, b = as_array(in1, "in1", func), as_array(in2, "in2", func)
    check_same_ndim(a, b, ("in1", "in2"), func)
    check_choice(mode, "mode", MODES, func)
    if a.ndim == 0:
        return {"direct": 0.0, "fft": 0.0, "overlap_add": 0.0}
    if mode == "valid" and valid_swap_needed(a.shape, b.shape, "estimate_costs"):
        a, b = b, a
    cplx = a.dtype.kind == "c" or b.dtype.kind == "c"
    work = cost_features(a.shape, b.shape, mode, cplx)
    return {method: sum(COST_CONSTANTS[method][k] * v for k, v in work[method].items())
            for method in ("direct", "fft", "overlap_add")}


def bench_methods(in1, in2, mode: str = "full",
                  methods: Sequence[str] = ("direct", "fft", "overlap_add"),
                  repeat: int = 3, budget: float = 0.02) -> dict[str, float]:
    """Wall-clock seconds of one ``convlib.convolve(in1, in2, mode, method)`` per method.

    Each method runs ``repeat`` rounds of as many calls as fit in about ``budget``
    seconds (at least one); the best round's time per call is reported, the usual
    estimate of the undisturbed cost (``timeit``'s advice).

    Parameters
    ----------
    in1, in2 : array_like
        The inputs.
    mode : {'full', 'same', 'valid'}
    methods : sequence of str
        Keys of ``convlib.METHODS``.
    repeat : int
        Rounds per method, ``>= 1``.
    budget : float
        Seconds per round, roughly.

    Returns
    -------
    dict
        ``{method: seconds per call}``. The numbers depend on the machine and its load.

    Raises
    ------
    ValueError
        If ``repeat < 1`` or a method is unknown (from :func:`convlib.convolve`).

    Examples
    --------
    >>> times = bench_methods(np.ones(64), np.ones(8), repeat=1, budget=0.001)
    >>> sorted(times), all(t > 0 for t in times.values())
    (['direct', 'fft', 'overlap_add'], True)
    """
    import timeit

    from .dispatch import convolve  # the dispatcher imports this module

    repeat = check_int(repeat, "repeat", "bench_methods", minimum=1)
    times = {}
    for method in methods:
        def call(method=method):
            return convolve(in1, in2, mode, method)
        first = timeit.timeit(call, number=1)
        number = max(1, int(budget / max(first, 1e-7)))
        times[method] = min(timeit.repeat(call, number=number, repeat=repeat)) / number
    return times


def calibration_shapes() -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """The (signal shape, kernel shape) grid on which ``COST_CONSTANTS`` were fitted.

    1-D signals of 100 to 1,000,000 samples with kernels of 3 to 3,000 taps (no longer
    than the signal), and square images of 32 to 1024 pixels with square kernels of 3 to
    63 pixels (smaller than the image): 92 pairs.

    Examples
    --------
    >>> shapes = calibration_shapes()
    >>> len(shapes), shapes[0], shapes[-1]
    (92, ((100,), (3,)), ((1024, 1024), (63, 63)))
    """
    pairs = [((n,), (m,)) for n in (100, 300, 1000, 3000, 10_000, 30_000, 100_000,
                                    300_000, 1_000_000)
             for m in (3, 10, 30, 100, 300, 1000, 3000) if m <= n]
    pairs += [((n, n), (k, k)) for n in (32, 64, 128, 256, 512, 1024)
              for k in (3, 5, 9, 15, 31, 63) if k < n]
    return pairs


def fit_cost_constants(rows: Sequence[dict], within: float = 3.0
                       ) -> dict[str, dict[str, float]]:
    """Fit the cost model of :func:`convlib.choose_method` to measured times.

    Parameters
    ----------
    rows : sequence of dict
        One per pair of shapes: ``'features'``, the output of
        :func:`convlib.costmodel.cost_features`, and the measured seconds per call under
        each method's name (``'direct'``, ``'fft'``, ``'overlap_add'``; a method may be
        missing from a row, e.g. direct where it would take too long).
    within : float
        Each method is fitted only on the rows where it was at most ``within`` times
        slower than the fastest: the model must be accurate near the decision, not where
        a method is hopeless.

    Returns
    -------
    dict
        ``{method: {feature: seconds per unit}}``, the form of
        :data:`convlib.costmodel.COST_CONSTANTS`: non-negative least squares on the relative
        error ``(model - measured) / measured`` (``scipy.optimize.nnls``).

    Examples
    --------
    >>> rows = []
    >>> for n, m in [(100, 3), (1000, 30), (10_000, 300), (10_000, 3), (5000, 1000)]:
    ...     f = cost_features((n,), (m,))
    ...     rows.append({"features": f, "direct": 1e-6 + 1e-9 * f["direct"]["mac"]})
    >>> fit = fit_cost_constants(rows)["direct"]
    >>> round(fit["call"], 12), round(fit["mac"], 15)
    (1e-06, 1e-09)
    """
    from scipy.optimize import nnls

    methods = ("direct", "fft", "overlap_add")
    constants = {}
    for method in methods:
        usable = [r for r in rows if method in r and r[method] <= within * min(
            r[m] for m in methods if m in r)]
        if not usable:
            continue
        keys = list(usable[0]["features"][method])
        X = np.array([[r["features"][method][k] for k in keys] for r in usable])
        t = np.array([r[method] for r in usable])
        coef, _ = nnls(X / t[:, None], np.ones(len(t)))
        constants[method] = {k: float(c) for k, c in zip(keys, coef)}
    return constants


def calibrate_cost_model(shapes=None, repeat: int = 5, budget: float = 0.1,
                         max_direct_macs: float = 1e8) -> tuple[dict, list[dict]]:
    """Time convlib's methods on a grid of shapes and fit the cost model to them.

    This is how :data:`convlib.costmodel.COST_CONSTANTS` were made (on the book's build
    machine, with the defaults: a few minutes). Float64 inputs, ``'full'`` mode.

    Parameters
    ----------
    shapes : sequence of (tuple, tuple), optional
        Pairs of signal and kernel shapes; default :func:`convlib.costmodel.calibration_shapes`.
    repeat, budget : int, float
        Passed to :func:`convlib.costmodel.bench_methods`.
    max_direct_macs : float
        Skip the direct method where it would do more multiply-adds than this.

    Returns
    -------
    constants : dict
        :func:`convlib.costmodel.fit_cost_constants` of the measurements.
    rows : list of dict
        The measurements: ``s1``, ``s2``, ``features`` and seconds per method.
    """
    rng = np.random.default_rng(0)
    rows = []
    for s1, s2 in shapes if shapes is not None else calibration_shapes():
        x, h = rng.standard_normal(s1), rng.standard_normal(s2)
        features = cost_features(s1, s2, "full")
        methods = [m for m in ("direct", "fft", "overlap_add")
                   if m != "direct" or features["direct"]["mac"] <= max_direct_macs]
        times = bench_methods(x, h, "full", methods, repeat=repeat, budget=budget)
        rows.append({"s1": s1, "s2": s2, "features": features, **times})
    return fit_cost_constants(rows), rows

"""The cost model behind ``method='auto'``, and how it was measured (chapter 5).

:func:`convlib.choose_method` does not time anything (unless asked to, with
``measure=True``, which runs :func:`convlib.costmodel.bench_methods`): it counts the work each fast
method would do on inputs of the given *shapes* (:func:`convlib.costmodel.cost_features`), weighs each
kind of work by seconds per unit (:data:`convlib.costmodel.COST_CONSTANTS`) and picks the cheapest
(:func:`convlib.estimate_costs`). The constants were fitted by :func:`convlib.costmodel.calibrate_cost_model`:
:func:`convlib.costmodel.bench_methods` times convlib's methods on :func:`convlib.costmodel.calibration_shapes`, and
:func:`convlib.costmodel.fit_cost_constants` solves a non-negative least-squares problem.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from scipy.fft import next_fast_len

from ._validation import as_array, check_choice, check_int, check_same_ndim
from .direct import DIRECT_BLOCK, _windows_pay
from .overlap import block_length
from .shapes import MODES, mode_offset, output_shape, valid_swap_needed

__all__ = ["COST_CONSTANTS", "COST_MODEL_FIT", "cost_features", "estimate_costs",
           "bench_methods", "calibration_shapes", "fit_cost_constants",
           "calibrate_cost_model", "method_map"]


#: Seconds per unit of each kind of work, per method (the cost model of
#: ``choose_method``); the estimated time of a method is the sum over the kinds of work
#: of ``COST_CONSTANTS[method][k] * cost_features(...)[method][k]``.
#:
#: Made by ``calibrate_cost_model()`` (defaults; about two minutes) on the machine that
#: built the book (2 shared x86-64 cores, NumPy 2.4.6, SciPy 1.17.1 with its pocketfft)
#: and rounded to three digits; re-made when the direct method became blocked
#: (:data:`convlib.direct.DIRECT_BLOCK`) and 1-D direct went to ``numpy.convolve``.
#: It times convlib's own methods, best of 5, on 1-D signals of 100 to
#: 1,000,000 samples with kernels of 3 to 3,000 taps and on 2-D images of 32 x 32 to
#: 1024 x 1024 with kernels of 3 x 3 to 63 x 63, float64, 'full' mode (direct only up
#: to 1e8 multiply-adds), then solves non-negative least squares on the relative
#: error, each method on the shapes where it was within 3 times the fastest (accuracy
#: matters near the decision). Chapter 5 re-measures the crossover on the reader's
#: machine and compares it with this model.
COST_CONSTANTS: dict[str, dict[str, float]] = {
    "direct": {"call": 6.58e-06, "tap": 6.92e-06, "mac": 1.53e-09,
               "mac_dot": 1.35e-10},
    "fft": {"call": 0.0, "axis": 2.43e-05, "point": 0.0, "nlogn": 9.72e-10,
            "nlogn_1d": 8.97e-10},
    "overlap_add": {"call": 0.0, "axis": 3.21e-05, "block": 0.0, "point": 1.59e-08,
                    "nlogn": 7.66e-10},
}
#: The model's record on its own calibration set, i.e. how many shapes, for how many it
#: picked the fastest method, and how much slower its pick was than the fastest where
#: it did not (near-ties between overlap-add, FFT and direct on long 1-D signals, where
#: the timings of a shared machine also vary most).
COST_MODEL_FIT = {"shapes": 92, "right": 88, "worst_slowdown": 1.28}


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
        ``tap`` (taps of the smaller input times the number of cache-sized output
        blocks: two NumPy calls each), ``mac`` (its multiply-adds) and ``mac_dot``
        (multiply-adds done in compiled dot products instead: by ``numpy.convolve``
        for 1-D inputs, by one dot product per output value when the output has at
        most 1/8 as many values as a kernel of 256 taps or more; ``tap`` and ``mac``
        are then 0).
        For ``'fft'``:
        ``call``, ``axis`` (ndim), ``point`` (``P``, points of the padded FFT) and
        ``nlogn`` (``P log2 P``, doubled for complex data), and ``nlogn_1d`` (the same,
        for 1-D inputs only: one long transform runs out of cache where the many short
        ones of an N-d transform do not). For ``'overlap_add'``: ``call``, ``axis``,
        ``block`` (number of blocks), ``point`` and ``nlogn`` summed over its blocks.
        For ``'separable'`` (:func:`convlib.separable.convolve_separable`, if ``in2``
        is a rank-1 kernel): the ``'direct'`` features summed over its 1-D passes, one per axis.

    Examples
    --------
    >>> cost_features((5,), (3,))["direct"]
    {'call': 1.0, 'tap': 0.0, 'mac': 0.0, 'mac_dot': 15.0}
    >>> cost_features((64, 64), (3, 3))["direct"]
    {'call': 1.0, 'tap': 9.0, 'mac': 36864.0, 'mac_dot': 0.0}
    """
    cached = _cost_features(tuple(int(n) for n in shape1), tuple(int(n) for n in shape2),
                            mode, bool(complex_data))
    return {method: dict(work) for method, work in cached.items()}


@functools.lru_cache(maxsize=4096)
def _cost_features(shape1: tuple[int, ...], shape2: tuple[int, ...], mode: str,
                   complex_data: bool) -> dict[str, dict[str, float]]:
    """:func:`cost_features`, memoised: ``method='auto'`` asks for the same shapes
    again and again, and counting the work costs tens of microseconds."""
    d = len(shape1)
    shape = output_shape(shape1, shape2, mode)
    direct = _direct_features(shape1, shape2, mode)
    factor = 2.0 if complex_data else 1.0
    points = _prod(next_fast_len(p + q - 1, not complex_data)
                   for p, q in zip(shape1, shape2))
    blocks, block_points = 1, 1
    for p, q in zip(shape1, shape2):
        length = block_length(p, q)
        if length < p + q - 1:
            blocks *= -(-max(p, q) // (length - min(p, q) + 1))
        block_points *= length
    separable = dict.fromkeys(direct, 0.0)
    current = list(shape1)
    for axis in range(d):  # one 1-D pass per axis, each in 'full' mode, then cut
        kernel = [1] * d
        kernel[axis] = shape2[axis]
        for k, v in _direct_features(current, kernel, "full").items():
            separable[k] += v
        current[axis] = shape[axis]
    return {
        "direct": direct,
        "fft": {"call": 1.0, "axis": float(d), "point": float(points),
                "nlogn": factor * _nlogn(points),
                "nlogn_1d": factor * _nlogn(points) if d == 1 else 0.0},
        "overlap_add": {"call": 1.0, "axis": float(d), "block": float(blocks),
                        "point": float(blocks * block_points),
                        "nlogn": factor * blocks * _nlogn(block_points)},
        "separable": separable,
    }


def _direct_features(shape1, shape2, mode: str) -> dict[str, float]:
    """The work of :func:`convlib.direct.convolve_direct` (see :func:`cost_features`)."""
    d = len(shape1)
    shape = output_shape(shape1, shape2, mode)
    offset = mode_offset(shape1, shape2, mode)
    big, small = (shape2, shape1) if _prod(shape2) > _prod(shape1) else (shape1, shape2)
    macs = 1
    for A, B, o, L in zip(big, small, offset, shape):  # separable: a product of sums
        # int64, not NumPy's default integer: that is int32 on 32-bit platforms and in
        # the browser (Pyodide, wasm32), where the sum overflows for 10**7 x 10**4 inputs
        k = np.arange(B, dtype=np.int64)
        macs *= int(np.maximum(0, np.minimum(k + A, o + L) - np.maximum(k, o)).sum())
    rows = max(1, DIRECT_BLOCK // max(_prod(shape[1:]), 1))
    blocks = -(-int(shape[0]) // rows)
    dot = d == 1 or _windows_pay(_prod(shape), _prod(small))   # compiled dot products
    return {"call": 1.0, "tap": 0.0 if dot else float(_prod(small) * blocks),
            "mac": 0.0 if dot else float(macs), "mac_dot": float(macs) if dot else 0.0}


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
        ``convlib.costmodel.COST_CONSTANTS``; for inputs of 2 or more dimensions also
        ``'separable'``, the time :func:`convlib.separable.convolve_separable` would
        take *if* ``in2`` is a rank-1 kernel (its 1-D passes weighted by the direct constants).

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
    return _estimate(a.shape, b.shape, mode, a.dtype.kind == "c" or b.dtype.kind == "c")


def _estimate(shape1, shape2, mode: str, cplx: bool) -> dict[str, float]:
    """:func:`estimate_costs` of validated shapes (no copies, memoised features)."""
    work = _cost_features(tuple(shape1), tuple(shape2), mode, cplx)
    costs = {method: sum(COST_CONSTANTS[method][k] * v for k, v in work[method].items())
             for method in ("direct", "fft", "overlap_add")}
    if len(shape1) > 1:  # its passes are direct convolutions, plus one small SVD
        costs["separable"] = COST_CONSTANTS["direct"]["call"] + sum(
            COST_CONSTANTS["direct"][k] * v for k, v in work["separable"].items())
    return costs


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
    ...     rows.append({"features": f, "direct": 1e-6 + 1e-9 * f["direct"]["mac_dot"]})
    >>> fit = fit_cost_constants(rows)["direct"]
    >>> round(fit["call"], 12), round(fit["mac_dot"], 15)
    (1e-06, 1e-09)
    """
    from scipy.optimize import lsq_linear, nnls

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
        try:
            coef, _ = nnls(X / t[:, None], np.ones(len(t)))
        except RuntimeError:  # SciPy 1.14's nnls gives up on rank-deficient systems
            coef = lsq_linear(X / t[:, None], np.ones(len(t)), bounds=(0, np.inf)).x
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


def method_map(signal_sizes: Sequence[int], kernel_sizes: Sequence[int], ndim: int = 1,
               rank1: bool = False, mode: str = "full") -> np.ndarray:
    """The method ``convolve(..., method='auto')`` picks over a grid of sizes.

    Computed by :func:`convlib.choose_method` (no timing), on float64 inputs: signals
    of side ``n`` (``ndim`` axes) and kernels of side ``m``.

    Parameters
    ----------
    signal_sizes, kernel_sizes : sequence of int
        Sides ``n`` and ``m``, each ``>= 1``.
    ndim : {1, 2}
        1-D signals or square images.
    rank1 : bool
        2-D only: a rank-1 (box) kernel, which ``'auto'`` may run as two 1-D passes,
        instead of a random, full-rank one.
    mode : {'full', 'same', 'valid'}

    Returns
    -------
    ndarray of str, shape (len(kernel_sizes), len(signal_sizes))
        The method name per kernel (row) and signal (column); ``''`` where the kernel
        is larger than the signal.

    Raises
    ------
    ValueError
        If ``ndim`` is not 1 or 2, or ``rank1`` is asked for 1-D inputs.

    Examples
    --------
    >>> method_map([100, 1_000_000], [3, 1000])
    array([['direct', 'direct'],
           ['', 'overlap_add']], dtype='<U11')
    >>> method_map([100], [3], ndim=3)
    Traceback (most recent call last):
    ...
    ValueError: method_map: ndim must be 1 or 2; got 3
    """
    from .dispatch import choose_method  # the dispatcher imports this module

    func = "method_map"
    if ndim not in (1, 2):
        raise ValueError(f"{func}: ndim must be 1 or 2; got {ndim!r}")
    if rank1 and ndim != 2:
        raise ValueError(f"{func}: rank1 needs ndim=2; got ndim={ndim}")
    rng = np.random.default_rng(0)
    out = np.full((len(kernel_sizes), len(signal_sizes)), "", dtype="<U11")
    for j, n in enumerate(signal_sizes):
        n = check_int(n, "signal_sizes", func, minimum=1)
        x = np.zeros((n,) * ndim)
        for i, m in enumerate(kernel_sizes):
            m = check_int(m, "kernel_sizes", func, minimum=1)
            if m > n:
                continue
            h = np.ones((m,) * ndim) if rank1 else rng.standard_normal((m,) * ndim)
            out[i, j] = choose_method(x, h, mode)
    return out

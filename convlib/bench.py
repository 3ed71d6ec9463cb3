"""The performance benchmark of convlib against SciPy, NumPy and (if installed) PyTorch.

Run it from the repository root::

    python -m convlib.bench                 # every goal, the full grid (about 15 minutes)
    python -m convlib.bench --quick         # tiny shapes: checks that it runs (seconds)
    python -m convlib.bench --goal 2d       # one goal: 1d, 2d, layers, memory, bandwidth
    python -m convlib.bench --json out.json # also store the measurements
    python -m convlib.bench --runs 3        # three full runs; the median of each number

It measures the goals of the performance issues (15 and 19) in one run and prints a table of
ratios per goal:

* ``2d`` -- ``convlib.convolve(x, h, method='auto')`` against
  ``scipy.signal.convolve(x, h, method='auto')`` on images of 64 to 2048 pixels, kernels
  of 3 to 63 pixels (random ones, and Gaussians, which are separable), float64 and
  float32. Reported: the speed-up ``t_scipy_auto / t_convlib`` and ``t_convlib /
  t_scipy_best``, where SciPy's best is the fastest of ``scipy.signal.convolve``
  ``'direct'``, ``scipy.signal.fftconvolve``, ``scipy.signal.oaconvolve`` and
  ``scipy.signal.convolve2d`` on that case. A direct method is not timed where it would
  do more multiply-adds than :data:`DIRECT_MAC_LIMIT` (it cannot be the best there).
  Goals: geometric mean >= 2.0, worst <= 1.1. Where OpenCV (``cv2``) is importable,
  ``cv2.filter2D`` (a benchmark peer only, not a dependency) is timed on the same
  image and kernel ('same'-sized output, zero border) and reported as
  ``t_opencv / t_convlib``: goal geometric mean >= 1.0 (parity), none below 0.5.
  ``filter2D`` always computes the 'same' output, more than convlib's in 'valid' mode
  and less than in 'full' mode, so 'full' cases also time it on the zero-padded image,
  whose output is convlib's: ``vs_opencv_equal`` (on 'full' and 'same' cases).
* ``1d`` -- the same for signals of 10**3 to 10**7 samples and kernels of 3 to 10**4
  taps. Goals: geometric mean >= 1.0, worst <= 1.25.
* ``layers`` -- :func:`convlib.nn.conv2d` against ``torch.nn.functional.conv2d``
  (2 threads, timed in a process of its own that never loads numba: beside numba's
  threads PyTorch's times varied tenfold), float32 and float64 (PyTorch's float64
  convolutions are not tuned: ``geomean_vs_torch_by_dtype`` tells the two apart);
  each layer's GFLOP/s as a fraction of
  ``numpy.matmul``'s; :func:`convlib.nn.conv_transpose2d` and
  :func:`convlib.nn.conv2d_backward` relative to the forward pass. Goals: geometric
  mean of ``t_convlib / t_torch`` <= 1.3 on dense layers and <= 1.5 on depthwise ones
  (float32 ones where the run has them);
  transposed <= 2 and backward <= 2.5 times the forward. Beside the backward goal,
  PyTorch's own backward (``torch.ops.aten.convolution_backward``, timed alone in
  the same process as its forward) over its own forward on the same layers
  (``torch_backward_ratio``; its gradients are checked against convlib's); and on
  dense and grouped layers the backward's GEMMs alone
  (:func:`convlib.bench.backward_gemms`) over the forward (``backward_gemm_ratio``):
  how much of the backward is matrix products and how much convlib's own work
  (summary: ``backward_above_goal``).
* ``bandwidth`` -- 3 x 3 kernels against the memory-bandwidth limit: the time to read
  the input and write the output once at the copy rate measured in the same run (a
  large ``numpy.copyto``), ``t_convlib / t_limit``. Goal: <= 1.5 on every case.
  Beside it, the floor of any function that returns a new array: ``x.copy()`` timed
  in the same call, ``t_convlib / t_new_array`` (``worst_vs_new_array``; a large new
  array's fresh pages cost more than the kept memory ``copyto`` writes into).
* ``memory`` -- peak memory traced by ``tracemalloc`` while each method runs, as a
  multiple of its output's size, against the bound stated in :data:`MEMORY_BOUNDS`.

Grids are subsampled deterministically (the mode cycles with the case index; the full
products would take hours on two cores). Timing: every case times its candidates
*interleaved*, ``repeat`` rounds of as many calls as fit in ``budget`` seconds, and
keeps each candidate's fastest round (min-of-k), which is the least disturbed by other
processes; on a shared machine the ratios still vary by 10-30 % from run to run, and
even a quiet one drifts between runs minutes apart (its copy rate, PyTorch's threads):
``--runs K`` repeats the whole run K times and keeps the median of every number
(:func:`combine_runs`), with each run's summary beside it (``per_run``). The
machine (CPU, cores, BLAS) and the other processes' CPU use before and after each goal
are recorded in the summary (:mod:`convlib.machine`); a full run on a busy machine is
flagged, and ``--json`` refuses to store it unless ``--allow-busy`` is given. Every
case also checks that convlib's result equals SciPy's (or PyTorch's) within the
tolerance of the dtype: a fast wrong answer is reported as a failure.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import math
import time
import tracemalloc
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

import numpy as np
import scipy.signal as sps
from scipy.optimize import lsq_linear, nnls

from ._timing import time_methods
from ._typing import ArrayLike, Mode
from ._validation import check_choice, check_int
from .compiled import numba_available
from .costmodel import cost_features, price_work, separable_cost
from .dispatch import METHODS, choose_method, convolve
from .im2col import tap_window
from .kernels import gaussian
from .machine import QUIET_OTHER_CORES, cpu_load, machine_info
from .nn import conv2d, conv2d_backward, conv_transpose2d
from .nn import layers as nn_layers
from .nn.transposed import chunk_samples, even_rows
from .separable import rank1_to_rounding
from .shapes import MODES

__all__ = ["time_interleaved", "bench_methods", "calibration_shapes", "calibration_cases",
           "fit_cost_constants", "cost_model_record",
           "calibrate_cost_model", "method_map", "grid_2d", "grid_1d", "grid_layers", "bench_convolve",
           "bench_layers", "backward_gemms", "bench_memory", "summarize", "goal_figures",
           "format_tables", "main",
           "copy_rate", "grid_bandwidth", "bench_bandwidth", "GOALS",
           "combine_runs", "geomean", "DIRECT_MAC_LIMIT", "MAP_DTYPES", "MEMORY_BOUNDS",
           "TOLERANCE", "GRID_GOALS", "OPENCV_GOALS"]

#: A direct method (``scipy.signal.convolve(method='direct')``, ``convolve2d``) is not
#: timed on a case where it would do more multiply-adds than this.
DIRECT_MAC_LIMIT = 3e8

#: Relative tolerance ``max|convlib - reference| / max|reference|`` per dtype: a few
#: hundred units of rounding of an FFT of up to 2**22 points.
TOLERANCE = {"float64": 1e-10, "float32": 1e-4}

#: Per grid (``'2d'``, ``'1d'``) the least geometric-mean speed-up over SciPy's
#: ``auto`` and the most time of the worst case over SciPy's fastest method, the goals
#: from which :func:`summarize` sets ``met``.
GRID_GOALS = {"2d": (2.0, 1.1), "1d": (1.0, 1.25)}

#: OpenCV's ``filter2D`` against convlib on the 2-D grid (``t_opencv / t_convlib``):
#: the least geometric mean (parity) and the least worst case (half convlib's speed),
#: the goals from which :func:`summarize` sets ``met_opencv``.
OPENCV_GOALS = (1.0, 0.5)

#: Stated bound on peak traced memory while a method runs, as a multiple of the output's
#: bytes; ``kernel`` marks the methods whose bound is multiplied by the kernel's size
#: (im2col's column matrix and the Toeplitz matrix are ``kH * kW`` times the image:
#: chapters 7 and 8). ``nn.conv2d``'s bound is this multiple plus
#: :data:`convlib.nn.layers.IM2COL_LIMIT` bytes: it builds its columns a few samples at
#: a time, and its output, padded input and one part's product add the multiple.
MEMORY_BOUNDS = {"loops": (2, False), "direct": (4, False), "separable": (6, False),
                 "fft": (8, False), "overlap_add": (12, False), "winograd": (16, False),
                 "toeplitz": (8, True), "im2col": (4, True), "compiled": (4, False),
                 "nn.conv2d": (8, False)}


# --- timing ---------------------------------------------------------------------------

def time_interleaved(funcs: dict[str, Callable[[], Any]], repeat: int = 3,
                     budget: float = 0.05) -> tuple[dict[str, float], dict[str, Any]]:
    """Seconds per call of each function, timed interleaved, min over ``repeat`` rounds.

    Parameters
    ----------
    funcs : dict of str to callable
        Functions of no arguments.
    repeat : int
        Rounds, ``>= 1``; every round times every function once (in turn).
    budget : float
        Seconds per function per round, roughly: a round makes as many calls as fit.

    Returns
    -------
    times : dict
        ``{name: seconds per call}`` (the fastest round's average).
    results : dict
        ``{name: what the first call returned}``, to check the answers.

    Examples
    --------
    >>> times, results = time_interleaved({"sum": lambda: sum(range(10))}, 2, 0.001)
    >>> results["sum"], times["sum"] > 0
    (45, True)
    """
    from time import perf_counter

    results, number = {}, {}
    for name, f in funcs.items():
        start = perf_counter()
        results[name] = f()
        number[name] = max(1, int(budget / max(perf_counter() - start, 1e-7)))
    best = dict.fromkeys(funcs, math.inf)
    for _ in range(repeat):
        for name, f in funcs.items():
            start = perf_counter()
            for _ in range(number[name]):
                f()
            # a coarse clock (a browser's, 0.1 ms) can read 0 for a short round: never
            # report 0 s, which the ratios would divide by
            elapsed = max(perf_counter() - start, 1e-9)
            best[name] = min(best[name], elapsed / number[name])
    return best, results


def _rel_error(out: np.ndarray, ref: np.ndarray) -> float:
    scale = float(np.max(np.abs(ref))) or 1.0
    return float(np.max(np.abs(np.asarray(out, np.float64) - ref))) / scale


# --- calibration of the cost model (convlib.costmodel) ------------------------------

def bench_methods(in1: ArrayLike, in2: ArrayLike, mode: Mode = "full",
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
    repeat = check_int(repeat, "repeat", "bench_methods", minimum=1)
    return time_methods(convolve, in1, in2, mode, methods, repeat, budget)


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
    pairs: list[tuple[tuple[int, ...], tuple[int, ...]]]
    pairs = [((n,), (m,)) for n in (100, 300, 1000, 3000, 10_000, 30_000, 100_000,
                                    300_000, 1_000_000)
             for m in (3, 10, 30, 100, 300, 1000, 3000) if m <= n]
    pairs += [((n, n), (k, k)) for n in (32, 64, 128, 256, 512, 1024)
              for k in (3, 5, 9, 15, 31, 63) if k < n]
    return pairs


Case = tuple[tuple[int, ...], tuple[int, ...], str, str, str]


def calibration_cases() -> list[Case]:
    """The (signal shape, kernel shape, mode, dtype, kernel kind) cases
    :func:`calibrate_cost_model` times.

    In float64, random kernels: every pair of :func:`calibration_shapes` in ``'full'``
    mode, and small images in the other modes, where the compiled sum's cost per pass
    over a short row decides against the FFT: images of 32 to 128 pixels with kernels
    of 5 x 5 to 15 x 15 in ``'same'`` and ``'valid'`` mode, and ``'valid'`` outputs of
    2 x 2 to 4 x 4 pixels (kernels nearly as large as the image). In float32, random
    kernels, the cases near the crossovers, which the precision moves: 1-D signals of
    1,000 to 1,000,000 samples by 10 to 1,000 taps, images of 64 to 1024 pixels by
    kernels of 5 x 5 to 63 x 63 in ``'full'`` mode and 64 and 128 pixels by 9 x 9 and
    15 x 15 in ``'same'`` mode. In both dtypes, random kernels, 1-D signals of 3,000
    to 100,000 samples by 100 to 3,000 taps in ``'same'`` and ``'valid'`` mode, where
    the compiled sum's output was cut, when the stored calibration was measured, into
    few chunks (:data:`convlib.compiled.CHUNK` samples) shared unevenly between threads
    (:data:`convlib.costmodel.COMPILED_THREADS`; the kernel now cuts it evenly,
    :func:`convlib.compiled.row_chunk`), near its crossover with the FFT.
    Rank-1 kernels (``'rank1'``, an outer product of two
    random vectors), both dtypes, ``'same'`` mode: images of 64, 256 and 1024 pixels
    by kernels of 3 x 3 to 63 x 63, where ``method='separable'`` is timed too.

    Examples
    --------
    >>> cases = calibration_cases()
    >>> len(cases), cases[0]
    (230, ((100,), (3,), 'full', 'float64', 'random'))
    >>> cases[-1]
    ((1024, 1024), (63, 63), 'same', 'float32', 'rank1')
    """
    cases: list[Case] = [(s1, s2, "full", "float64", "random")
                         for s1, s2 in calibration_shapes()]
    cases += [((n, n), (k, k), mode, "float64", "random") for mode in ("same", "valid")
              for n in (32, 64, 128) for k in (5, 9, 15) if k < n]
    cases += [((n, n), (n - d, n - d), "valid", "float64", "random") for n in (32, 64)
              for d in (1, 3)]
    cases += [((n,), (m,), "full", "float32", "random")
              for n in (1000, 10_000, 100_000, 1_000_000) for m in (10, 30, 100, 300, 1000)
              if m < n]
    cases += [((n, n), (k, k), "full", "float32", "random")
              for n in (64, 128, 256, 512, 1024) for k in (5, 9, 15, 31, 63) if k < n]
    cases += [((n, n), (k, k), "same", "float32", "random") for n in (64, 128)
              for k in (9, 15)]
    cases += [((n,), (m,), mode, dtype, "random") for dtype in ("float64", "float32")
              for mode in ("same", "valid") for n in (3000, 10_000, 100_000)
              for m in (100, 1000, 3000) if m < n]
    cases += [((n, n), (k, k), "same", dtype, "rank1") for dtype in ("float64", "float32")
              for n in (64, 256, 1024) for k in (3, 5, 9, 15, 31, 63) if k < n]
    return cases


def fit_cost_constants(rows: Sequence[dict[str, Any]], within: float = 3.0
                       ) -> dict[str, dict[str, float]]:
    """Fit the cost model of :func:`convlib.choose_method` to measured times.

    Parameters
    ----------
    rows : sequence of dict
        One per case: ``'features'``, the output of
        :func:`convlib.costmodel.cost_features`, and the measured seconds per call under
        each method's name (``'direct'``, ``'fft'``, ``'overlap_add'``, ``'compiled'``,
        ``'separable'``; a method may be missing from a row, e.g. direct where it would
        take too long); ``'kind'``: ``'rank1'`` for the rows of rank-1 kernels, which
        serve the ``'separable'`` fit only (and only they).
    within : float
        Each method is fitted only on the rows where it was at most ``within`` times
        slower than the fastest: the model must be accurate near the decision, not where
        a method is hopeless. The NumPy methods are compared with each other only (their
        race decides ``'auto'`` where ``'compiled'`` cannot serve: no numba, integer or
        complex data), ``'compiled'`` and ``'separable'`` with every method timed.

    Returns
    -------
    dict
        ``{method: {feature: seconds per unit}}``, the form of
        :data:`convlib.costmodel.COST_CONSTANTS`: non-negative least squares on the relative
        error ``(model - measured) / measured`` (``scipy.optimize.nnls``). A
        single-precision kind of work (``key + '_single'``,
        :data:`convlib.costmodel.SINGLE_KEYS`) that no usable row does (no float32 rows,
        or none of that method) gets the constant of ``key``: the model is then
        blind to the precision, as it was before it counted it.

    Examples
    --------
    >>> rows = []
    >>> for n, m in [(100, 3), (1000, 30), (10_000, 300), (10_000, 3), (5000, 1000)]:
    ...     f = cost_features((n,), (m,))
    ...     rows.append({"features": f, "direct": 1e-6 + 1e-9 * f["direct"]["mac_dot"]})
    >>> fit = fit_cost_constants(rows)["direct"]
    >>> round(fit["call"], 12), round(fit["mac_dot"], 15)
    (1e-06, 1e-09)
    >>> fit["mac_dot_single"] == fit["mac_dot"]  # no float32 rows: priced as float64
    True
    """
    methods = ("direct", "fft", "overlap_add", "compiled", "separable")
    numpy_methods = methods[:3]
    constants = {}
    for method in methods:
        # the NumPy methods race among themselves (auto's choice without numba, and
        # where 'compiled' cannot serve); 'compiled' and 'separable' race all of them;
        # rows of rank-1 kernels serve the separable fit only
        rivals = numpy_methods if method in numpy_methods else methods
        usable = [r for r in rows if method in r
                  and (method == "separable") == (r.get("kind") == "rank1")
                  and r[method] <= within * min(r[m] for m in rivals if m in r)]
        if not usable:
            continue
        keys = list(usable[0]["features"][method])
        X = np.array([[r["features"][method][k] for k in keys] for r in usable])
        t = np.array([r[method] for r in usable])
        try:
            coef, _ = nnls(X / t[:, None], np.ones(len(t)))
        except RuntimeError:  # SciPy 1.14's nnls gives up on rank-deficient systems
            coef = lsq_linear(X / t[:, None], np.ones(len(t)), bounds=(0, np.inf)).x
        fitted = {k: float(c) for k, c in zip(keys, coef)}
        for j, k in enumerate(keys):  # single-precision work never timed: as double's
            if k.endswith("_single") and not X[:, j].any():
                fitted[k] = fitted[k[:-len("_single")]]
        constants[method] = fitted
    return constants


def cost_model_record(rows: Sequence[dict[str, Any]],
                      constants: dict[str, dict[str, float]]) -> dict[str, Any]:
    """How the cost model with ``constants`` picks on measured ``rows``.

    Parameters
    ----------
    rows : sequence of dict
        As :func:`fit_cost_constants` takes them (``'dtype'`` ``'float64'`` where
        missing).
    constants : dict
        Of the form of :data:`convlib.costmodel.COST_CONSTANTS`.

    Returns
    -------
    dict
        Records ``{'shapes': rows, 'right': rows where the cheapest estimate was the
        fastest measured, 'worst_slowdown': the largest time of the pick over the
        fastest's, rounded to 2 digits}``: at the top level among the NumPy methods on
        the rows of random kernels; under ``'compiled'`` among every method timed on
        them; under ``'float64'`` and ``'float32'`` the same per dtype; under
        ``'separable'`` on the rows of rank-1 kernels, among the methods timed there
        (separable priced by :func:`convlib.costmodel.separable_cost`, compiled passes).

    Examples
    --------
    >>> f = cost_features((10_000,), (300,))
    >>> rows = [{"features": f, "direct": 2e-3, "fft": 1e-3}]
    >>> cost_model_record(rows, {"direct": {k: 1e-9 for k in f["direct"]},
    ...                          "fft": {k: 0.0 for k in f["fft"]}})["shapes"]
    1
    """
    def record(subset: list[dict[str, Any]], methods: Sequence[str]) -> dict[str, Any]:
        right, worst = 0, 1.0
        for r in subset:
            timed = [m for m in methods if m in r and m in constants]
            priced = price_work(r["features"], constants)
            est = {m: separable_cost(r["features"], True, constants) if m == "separable"
                   else priced[m] for m in timed}
            pick, best = min(timed, key=est.__getitem__), min(timed, key=r.__getitem__)
            right += pick == best
            worst = max(worst, r[pick] / r[best])
        return {"shapes": len(subset), "right": right, "worst_slowdown": round(worst, 2)}

    numpy_methods = ("direct", "fft", "overlap_add")
    every = numpy_methods + ("compiled", "separable")
    random = [r for r in rows if r.get("kind", "random") == "random"]
    return {**record(random, numpy_methods), "compiled": record(random, every),
            **{t: record([r for r in random if r.get("dtype", "float64") == t], every)
               for t in ("float64", "float32")},
            "separable": record([r for r in rows if r.get("kind") == "rank1"], every)}


def calibrate_cost_model(
        shapes: Sequence[tuple[Any, ...]] | None = None,
        repeat: int = 5, budget: float = 0.1, max_direct_macs: float = 1e8
                         ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Time convlib's methods on a grid of shapes and fit the cost model to them.

    This is how :data:`convlib.costmodel.COST_CONSTANTS` were made (on the book's build
    machine, with the defaults: a few minutes).

    Parameters
    ----------
    shapes : sequence of tuples, optional
        ``(s1, s2)``, ``(s1, s2, mode)``, ``(s1, s2, mode, dtype)`` or ``(s1, s2, mode,
        dtype, kind)``: signal and kernel shapes, the mode (``'full'`` if left out), the
        dtype of both inputs (``'float64'`` or ``'float32'``; ``'float64'`` if left out)
        and the kernel (``'random'``, the default, or ``'rank1'``); default
        :func:`convlib.bench.calibration_cases`.
    repeat, budget : int, float
        Passed to :func:`convlib.bench.bench_methods`.
    max_direct_macs : float
        Skip the direct method where it would do more multiply-adds than this (its
        ``mac + mac_dot``), the compiled one beyond three times this.

    Returns
    -------
    constants : dict
        :func:`convlib.bench.fit_cost_constants` of the measurements.
    rows : list of dict
        The measurements: ``s1``, ``s2``, ``mode``, ``dtype``, ``kind``, ``features``
        and seconds per method. Random kernels time ``'direct'``, ``'fft'``,
        ``'overlap_add'`` and ``'compiled'`` (where numba serves and within the limits),
        one after the other (:func:`bench_methods`); rank-1 kernels time, interleaved
        (:func:`time_interleaved`), ``'separable'`` as ``method='auto'`` pays for it
        (its rank-1 check, ``convlib.separable.rank1_to_rounding``, then
        ``method='separable'``), ``'fft'`` and ``'compiled'`` (its rivals there).

    Raises
    ------
    ValueError
        If a mode, dtype or kind is not one of those above.
    """
    func = "calibrate_cost_model"
    rng = np.random.default_rng(0)
    rows = []
    for case in shapes if shapes is not None else calibration_cases():
        s1, s2 = tuple(case[0]), tuple(case[1])
        mode = cast(Mode, check_choice(case[2], "mode", MODES, func)
                    if len(case) > 2 else "full")
        dtype = check_choice(case[3], "dtype", ("float64", "float32"), func) \
            if len(case) > 3 else "float64"
        kind = check_choice(case[4], "kind", ("random", "rank1"), func) \
            if len(case) > 4 else "random"
        x = rng.standard_normal(s1).astype(dtype)
        if kind == "rank1":
            h = np.outer(rng.standard_normal(s2[0]), rng.standard_normal(s2[1]))
        else:
            h = rng.standard_normal(s2)
        h = h.astype(dtype)
        features = cost_features(s1, s2, mode, single=dtype == "float32")
        compiled = features["compiled"]  # narrow outputs count their sums as scalar_mac
        with_compiled = (numba_available()
                         and compiled["mac"] + compiled["mac_single"]
                         + compiled["scalar_mac"] <= 3 * max_direct_macs)
        if kind == "rank1":
            # timed here, in this iteration: the closures may read x, h and mode
            funcs: dict[str, Callable[[], Any]] = {
                "separable": lambda: (rank1_to_rounding(h, h.dtype)
                                      and convolve(x, h, mode, "separable")),
                "fft": lambda: convolve(x, h, mode, "fft")}
            if with_compiled:
                funcs["compiled"] = lambda: convolve(x, h, mode, "compiled")
            times, _ = time_interleaved(funcs, repeat=repeat, budget=budget)
        else:
            direct = features["direct"]  # 1-D inputs count their work in mac_dot
            work = sum(direct[k] for k in ("mac", "mac_dot", "mac_single", "mac_dot_single"))
            methods = [m for m in ("direct", "fft", "overlap_add")
                       if m != "direct" or work <= max_direct_macs]
            if with_compiled:
                methods.append("compiled")  # warmed up (compiled) by its first call
            times = bench_methods(x, h, mode, methods, repeat=repeat, budget=budget)
        rows.append({"s1": s1, "s2": s2, "mode": mode, "dtype": dtype, "kind": kind,
                     "features": features, **times})
    return fit_cost_constants(rows), rows


#: The data types :func:`method_map` maps (real single and double, complex double).
MAP_DTYPES = ("float32", "float64", "complex128")


def method_map(signal_sizes: Sequence[int], kernel_sizes: Sequence[int], ndim: int = 1,
               rank1: bool = False, mode: str = "full",
               dtype: str = "float64") -> np.ndarray:
    """The method ``convolve(..., method='auto')`` picks over a grid of sizes.

    Computed by :func:`convlib.choose_method` (no timing), on inputs of ``dtype``:
    signals of side ``n`` (``ndim`` axes) and kernels of side ``m``.

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
    dtype : {'float32', 'float64', 'complex128'}
        Data type of both inputs (:data:`MAP_DTYPES`). A complex random kernel has
        real and imaginary parts drawn alike; a complex rank-1 kernel is ``ones``.

    Returns
    -------
    ndarray of str, shape (len(kernel_sizes), len(signal_sizes))
        The method name per kernel (row) and signal (column); ``''`` where the kernel
        is larger than the signal.

    Raises
    ------
    ValueError
        If ``ndim`` is not 1 or 2, ``rank1`` is asked for 1-D inputs, ``mode`` is
        unknown or ``dtype`` is not one of :data:`MAP_DTYPES`.

    Examples
    --------
    >>> method_map([100, 1_000_000], [3, 1000])[1]
    array(['', 'overlap_add'], dtype='<U11')
    >>> str(method_map([1_000_000], [3])[0, 0]) == (
    ...     "compiled" if numba_available() else "direct")
    True
    >>> picks = [str(method_map([512], [5], 2, True, dtype=t)[0, 0]) for t in MAP_DTYPES]
    >>> # complex: the NumPy methods only ('compiled' and 'separable' serve real data)
    >>> picks[2] in ("direct", "fft", "overlap_add"), {picks[0], picks[1]} <= {
    ...     "separable", "compiled"}  # compiled: numba
    (True, True)
    >>> method_map([100], [3], ndim=3)
    Traceback (most recent call last):
    ...
    ValueError: method_map: ndim must be 1 or 2; got 3
    """
    func = "method_map"
    if ndim not in (1, 2):
        raise ValueError(f"{func}: ndim must be 1 or 2; got {ndim!r}")
    if rank1 and ndim != 2:
        raise ValueError(f"{func}: rank1 needs ndim=2; got ndim={ndim}")
    check_choice(mode, "mode", MODES, func)
    dtype = check_choice(dtype, "dtype", MAP_DTYPES, func)
    rng = np.random.default_rng(0)
    out = np.full((len(kernel_sizes), len(signal_sizes)), "", dtype="<U11")
    for j, n in enumerate(signal_sizes):
        n = check_int(n, "signal_sizes", func, minimum=1)
        x = np.zeros((n,) * ndim, dtype)
        for i, m in enumerate(kernel_sizes):
            m = check_int(m, "kernel_sizes", func, minimum=1)
            if m > n:
                continue
            out[i, j] = choose_method(x, _map_kernel(rng, m, ndim, rank1, dtype), mode)
    return out


def _map_kernel(rng: np.random.Generator, m: int, ndim: int, rank1: bool,
                dtype: str) -> np.ndarray:
    """:func:`method_map`'s kernel of side ``m``: ones (rank 1) or random, in ``dtype``."""
    shape = (m,) * ndim
    if rank1:
        return np.ones(shape, dtype)
    h = rng.standard_normal(shape)
    if dtype == "complex128":
        h = h + 1j * rng.standard_normal(shape)
    return h.astype(dtype)


# --- the grids --------------------------------------------------------------------------

def grid_2d(quick: bool = False) -> list[dict[str, Any]]:
    """The 2-D cases: image side, kernel side, kernel kind, dtype and mode.

    Full grid: images 64, 256, 512, 1024, 2048; kernels 3, 5, 9, 15, 31, 63; random and
    Gaussian kernels; float64 and float32 (120 cases); the mode cycles through
    full/same/valid with the case index (a deterministic third of the 360 with modes).

    Examples
    --------
    >>> len(grid_2d()), grid_2d()[0]
    (120, {'n': 64, 'm': 3, 'kind': 'random', 'dtype': 'float64', 'mode': 'full'})
    """
    sizes, kernels = ((16, 24), (3, 5)) if quick else (
        (64, 256, 512, 1024, 2048), (3, 5, 9, 15, 31, 63))
    cases: list[dict[str, Any]] = []
    for n in sizes:
        for m in kernels:
            for kind in ("random", "gaussian"):
                for dtype in ("float64", "float32"):
                    mode = MODES[len(cases) % 3]
                    cases.append({"n": n, "m": m, "kind": kind, "dtype": dtype,
                                  "mode": mode})
    return cases


def grid_1d(quick: bool = False) -> list[dict[str, Any]]:
    """The 1-D cases: signal length, kernel length (not longer), dtype and mode.

    Full grid: N = 10**3 ... 10**7 (decades), M = 3, 10, 30, 100, 300, 1000, 3000, 10**4
    with M <= N, float64 and float32 (76 cases), the mode cycling as in :func:`grid_2d`.

    Examples
    --------
    >>> len(grid_1d()), grid_1d()[-1]["n"]
    (76, 10000000)
    """
    sizes, kernels = ((50, 200), (3, 10)) if quick else (
        (10**3, 10**4, 10**5, 10**6, 10**7), (3, 10, 30, 100, 300, 1000, 3000, 10**4))
    cases: list[dict[str, Any]] = []
    for n in sizes:
        for m in kernels:
            if m > n:
                continue
            for dtype in ("float64", "float32"):
                cases.append({"n": n, "m": m, "kind": "random", "dtype": dtype,
                              "mode": MODES[len(cases) % 3]})
    return cases


def grid_layers(quick: bool = False) -> list[dict[str, Any]]:
    """The layer cases (NCHW): batch, channels in/out, spatial size, kernel, stride,
    dilation, groups, dtype.

    Full grid: the ResNet-like stages 3->64 at 56, 64->64 at 56, 128->128 at 28,
    256->256 at 14 (3 x 3), a 1 x 1 layer, a stride-2 and a dilation-2 layer, batch 8
    and two layers at batch 32, and four depthwise layers; each in float32 and float64.

    Examples
    --------
    >>> [c["name"] for c in grid_layers(quick=True)][:2]
    ['4->8 @12 k3', '4->4 @12 k3 dw']
    """
    if quick:
        specs = [(2, 4, 8, 12, 3, 1, 1, 1), (2, 4, 4, 12, 3, 1, 1, 4)]
    else:
        specs = [(8, 3, 64, 56, 3, 1, 1, 1), (8, 64, 64, 56, 3, 1, 1, 1),
                 (8, 128, 128, 28, 3, 1, 1, 1), (8, 256, 256, 14, 3, 1, 1, 1),
                 (8, 64, 64, 56, 1, 1, 1, 1), (8, 128, 128, 28, 3, 2, 1, 1),
                 (8, 64, 64, 28, 3, 1, 2, 1), (32, 3, 64, 56, 3, 1, 1, 1),
                 (32, 256, 256, 14, 3, 1, 1, 1),
                 (8, 64, 64, 56, 3, 1, 1, 64), (8, 256, 256, 14, 3, 1, 1, 256),
                 (8, 128, 128, 28, 3, 2, 1, 128), (32, 128, 128, 28, 3, 1, 1, 128)]
    cases = []
    for dtype in ("float32", "float64"):
        for N, ci, co, hw, k, s, d, g in specs:
            name = (f"{ci}->{co} @{hw} k{k}" + (f" s{s}" if s > 1 else "")
                    + (f" d{d}" if d > 1 else "") + (" dw" if g > 1 else "")
                    + (f" N{N}" if N != 8 and not quick else ""))
            cases.append({"name": name, "N": N, "C_in": ci, "C_out": co, "hw": hw, "k": k,
                          "stride": s, "dilation": d, "groups": g, "dtype": dtype,
                          "depthwise": g > 1})
    return cases


# --- the measurements ----------------------------------------------------------------

def _inputs(case: dict[str, Any], ndim: int, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray]:
    x = rng.standard_normal((case["n"],) * ndim)
    if case["kind"] == "gaussian":
        g = gaussian(case["m"] / 6, radius=(case["m"] - 1) // 2)
        h = np.outer(g, g) if ndim == 2 else g
    else:
        h = rng.standard_normal((case["m"],) * ndim)
    return x.astype(case["dtype"]), h.astype(case["dtype"])


def _macs(x: np.ndarray, h: np.ndarray) -> float:
    return float(x.size) * float(h.size)


def bench_convolve(cases: Sequence[dict[str, Any]], ndim: int, repeat: int = 3,
                   budget: float = 0.05, seed: int = 0) -> list[dict[str, Any]]:
    """Time ``convlib.convolve(method='auto')`` against SciPy on each case.

    Parameters
    ----------
    cases : sequence of dict
        From :func:`grid_1d` (``ndim=1``) or :func:`grid_2d` (``ndim=2``).
    ndim : {1, 2}
    repeat, budget
        As :func:`time_interleaved`.
    seed : int
        Seed of the random inputs.

    Returns
    -------
    list of dict
        Per case: the case, ``method`` (convlib's choice), ``scipy_method`` (SciPy's),
        seconds ``t_convlib``, ``t_scipy_auto`` and per SciPy method, ``scipy_best``
        (its name), ``speedup`` (``t_scipy_auto / t_convlib``), ``vs_best``
        (``t_convlib / t_scipy_best``), ``error`` (relative, against SciPy's answer)
        and ``ok`` (``error <= TOLERANCE[dtype]``). Where OpenCV is importable (2-D):
        ``t_opencv``, ``vs_opencv`` (``t_opencv / t_convlib``) and ``opencv_error``
        (against convlib's 'same' output); on 'full' cases also ``t_opencv_full`` and
        ``opencv_full_error`` (OpenCV on the zero-padded image, the full output), and on
        'full' and 'same' cases ``vs_opencv_equal``, the ratio at equal output.
    """
    rng = np.random.default_rng(seed)
    cv2 = _opencv()
    rows = []
    for case in cases:
        x, h = _inputs(case, ndim, rng)
        mode = case["mode"]
        funcs = {"convlib": lambda: convolve(x, h, mode),
                 "scipy_auto": lambda: sps.convolve(x, h, mode),
                 "scipy_fft": lambda: sps.fftconvolve(x, h, mode),
                 "scipy_oa": lambda: sps.oaconvolve(x, h, mode)}
        if _macs(x, h) <= DIRECT_MAC_LIMIT:
            funcs["scipy_direct"] = lambda: sps.convolve(x, h, mode, method="direct")
            if ndim == 2:
                funcs["scipy_convolve2d"] = lambda: sps.convolve2d(x, h, mode)
        if ndim == 2 and cv2 is not None:  # a peer, not a candidate for "SciPy's best"
            funcs["opencv"] = _opencv_filter(cv2, x, h)
            if mode == "full":  # and the same output as convlib's
                funcs["opencv_full"] = _opencv_full(cv2, x, h)
        times, results = time_interleaved(funcs, repeat, budget)
        reference = np.asarray(results["scipy_fft"], np.float64)
        if "scipy_direct" in results:
            reference = np.asarray(results["scipy_direct"], np.float64)
        error = _rel_error(results["convlib"], reference)
        best = min((k for k in times if k.startswith("scipy_") and k != "scipy_auto"),
                   key=times.__getitem__)
        peer: dict[str, float] = {}
        if "opencv" in times:
            same = convolve(x, h, "same") if mode != "same" else results["convlib"]
            peer = {"vs_opencv": times["opencv"] / times["convlib"],
                    "opencv_error": _rel_error(results["opencv"], np.asarray(same,
                                                                              np.float64))}
            if mode == "same":
                peer["vs_opencv_equal"] = peer["vs_opencv"]
        if "opencv_full" in times:
            peer.update(vs_opencv_equal=times["opencv_full"] / times["convlib"],
                        opencv_full_error=_rel_error(results["opencv_full"], reference))
        rows.append({**case, "method": choose_method(x, h, mode),
                     "scipy_method": sps.choose_conv_method(x, h, mode),
                     **{f"t_{k}": v for k, v in times.items()}, "scipy_best": best,
                     "speedup": times["scipy_auto"] / times["convlib"],
                     "vs_best": times["convlib"] / times[best], "error": error, **peer,
                     "dtype_ok": results["convlib"].dtype == x.dtype,
                     "ok": error <= TOLERANCE[case["dtype"]]
                     and results["convlib"].dtype == x.dtype})
    return rows


def _opencv() -> Any:
    """OpenCV's module if importable (a benchmark peer, not a dependency), else None."""
    try:
        return importlib.import_module("cv2")
    except ImportError:
        return None


def _opencv_filter(cv2: Any, x: np.ndarray, h: np.ndarray) -> Callable[[], np.ndarray]:
    """``cv2.filter2D`` computing ``convolve(x, h, 'same')`` for odd kernels: it
    correlates, so the kernel is flipped; zero border (``BORDER_CONSTANT``); anchor at
    the kernel's centre. Kernels larger than 11 x 11 go through OpenCV's DFT path."""
    flipped = np.ascontiguousarray(h[::-1, ::-1])
    return lambda: cv2.filter2D(x, -1, flipped, borderType=cv2.BORDER_CONSTANT)


def _opencv_full(cv2: Any, x: np.ndarray, h: np.ndarray) -> Callable[[], np.ndarray]:
    """``cv2.filter2D`` computing ``convolve(x, h, 'full')``, the output convlib computes
    in 'full' mode: the image is first copied with ``m - 1 - m // 2`` zero rows/columns
    before and ``m // 2`` after (``cv2.copyMakeBorder``, timed as part of the call), so
    the 'same'-sized output of the copy is the full convolution."""
    flipped = np.ascontiguousarray(h[::-1, ::-1])
    (m0, m1) = h.shape
    pads = (m0 - 1 - m0 // 2, m0 // 2, m1 - 1 - m1 // 2, m1 // 2)
    return lambda: cv2.filter2D(cv2.copyMakeBorder(x, *pads, cv2.BORDER_CONSTANT), -1,
                                flipped, borderType=cv2.BORDER_CONSTANT)


def copy_rate(nbytes: int = 2**27, repeat: int = 3, budget: float = 0.05) -> float:
    """Bytes per second moved by ``numpy.copyto`` of a large array (read + write).

    The machine's streaming memory bandwidth as NumPy sees it: an array of ``nbytes``
    (default 128 MiB, far beyond the caches) copied into another, counted as
    ``2 * nbytes`` per copy (each byte read once and written once).

    Examples
    --------
    >>> copy_rate(2**20, repeat=1, budget=0.001) > 1e8
    True
    """
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    times, _ = time_interleaved({"copy": lambda: np.copyto(dst, src)}, repeat, budget)
    return 2 * nbytes / times["copy"]


def grid_bandwidth(quick: bool = False) -> list[dict[str, Any]]:
    """The 3 x 3 cases of the bandwidth goal: image side and dtype, 'same' mode.

    Examples
    --------
    >>> [(c["n"], c["dtype"]) for c in grid_bandwidth()]
    [(1024, 'float32'), (1024, 'float64'), (2048, 'float32'), (2048, 'float64')]
    """
    sizes = (64,) if quick else (1024, 2048)
    return [{"n": n, "m": 3, "kind": "random", "dtype": dt, "mode": "same"}
            for n in sizes for dt in ("float32", "float64")]


def bench_bandwidth(cases: Sequence[dict[str, Any]], repeat: int = 3, budget: float = 0.05,
                    seed: int = 0, copy_bytes: int = 2**27
                    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Time ``convlib.convolve(x, h, 'same')`` (auto) with 3 x 3 kernels against the
    memory-bandwidth limit measured in the same run.

    The limit of a case is ``(x.nbytes + out.nbytes) / copy_rate()``: the input read
    once and the output written once at the rate of a large copy; no code that reads
    its input from memory can beat it by much (only caches, for images that fit).

    That copy writes into memory it keeps (``numpy.copyto``): a function that returns a
    new array, as ``convolve`` does, may also pay for memory it has never touched. On
    Linux each fresh page faults on its first write and the kernel zeroes it; glibc's
    ``malloc`` maps a block above its threshold afresh on every call (the threshold
    follows the largest block freed, up to 32 MiB on 64-bit machines) and can serve
    smaller ones from memory already touched. So whether a 2048 x 2048 float64 output
    (32 MiB, at that limit) comes fresh depends on what the process did before: run
    alone in a fresh process on the book's machine (``--goal bandwidth``), its
    ``x.copy()`` took about three times as long as a ``copyto`` into kept memory; in the
    stored full run (after the other goals), 0.70 of the limit, i.e. reused memory. The
    smaller images' copies were about as fast as ``copyto`` in both. Each case
    therefore also times ``x.copy()``, NumPy's fastest way to produce a new array of
    the output's size from the input (from NumPy's allocator, as ``convolve``'s
    output), interleaved with convlib (and
    OpenCV) in the same :func:`time_interleaved` call: ``vs_new_array = t_convlib /
    t_new_array`` is convlib's time over the floor of any function that returns a new
    array, the second yardstick beside ``vs_limit`` (the goal's own, unchanged).

    Returns
    -------
    rows : list of dict
        Per case: ``method``, ``t_convlib``, ``t_limit``, ``vs_limit``
        (``t_convlib / t_limit``), ``t_new_array`` (seconds of ``x.copy()``),
        ``new_array_vs_limit`` (``t_new_array / t_limit``), ``vs_new_array``
        (``t_convlib / t_new_array``), ``t_opencv`` and ``opencv_vs_limit`` where
        OpenCV is importable, ``error`` (against SciPy's direct sum) and ``ok``.
    info : dict
        ``copy_rate`` in bytes per second.
    """
    rng = np.random.default_rng(seed)
    rate = copy_rate(copy_bytes, repeat, budget)
    cv2 = _opencv()
    rows = []
    for case in cases:
        x, h = _inputs(case, 2, rng)
        # x.copy(): a new array of the output's size ('same') from the input, the
        # floor of any function that returns one (fresh pages or reused ones, as the
        # allocator hands them to convolve's output too)
        funcs = {"convlib": lambda: convolve(x, h, "same"), "new_array": x.copy}
        if cv2 is not None:
            funcs["opencv"] = _opencv_filter(cv2, x, h)
        times, results = time_interleaved(funcs, repeat, budget)
        limit = 2 * x.nbytes / rate   # 'same': the output has the input's size
        ref = sps.convolve2d(x.astype(np.float64), h.astype(np.float64), "same")
        error = _rel_error(results["convlib"], ref)
        row = {**case, "method": choose_method(x, h, "same"),
               "t_convlib": times["convlib"], "t_limit": limit,
               "vs_limit": times["convlib"] / limit,
               "t_new_array": times["new_array"],
               "new_array_vs_limit": times["new_array"] / limit,
               "vs_new_array": times["convlib"] / times["new_array"], "error": error,
               "ok": error <= TOLERANCE[case["dtype"]]
               and results["convlib"].dtype == x.dtype}
        if "opencv" in times:
            row.update(t_opencv=times["opencv"], opencv_vs_limit=times["opencv"] / limit)
        rows.append(row)
    return rows, {"copy_rate": rate}


def _matmul_gflops(dtype: str, n: int, repeat: int, budget: float) -> float:
    a = np.random.default_rng(1).standard_normal((n, n)).astype(dtype)
    times, _ = time_interleaved({"mm": lambda: a @ a}, repeat, budget)
    return 2 * n**3 / times["mm"] / 1e9


def _torch_peer(folder: str, repeat: int, budget: float) -> None:
    """Time ``torch.nn.functional.conv2d`` and its backward on the layer cases saved in
    ``folder``.

    Run by :func:`bench_layers` in a process of its own (``python -c``), which imports
    PyTorch and never numba: in one process, numba's OpenMP threads and PyTorch's
    share the cores, and PyTorch's timings of the same layer varied tenfold and more
    between runs, either way (3 -> 64 channels on 56 x 56: 21 ms in one run, 0.57 ms
    in another; 2.6-3.3 ms in three runs alone). The backward is
    ``torch.ops.aten.convolution_backward`` called directly with ``grad_output`` and
    all three gradients asked for (input, weight, bias): the operator autograd runs for
    a convolution's backward, timed alone (no forward, no graph), interleaved with the
    forward in one :func:`time_interleaved` call. Reads ``cases.json`` and ``x{i}.npy``,
    ``w{i}.npy``, ``g{i}.npy`` (``grad_output``); writes ``y{i}.npy`` (the outputs),
    ``gx{i}.npy``, ``gw{i}.npy``, ``gb{i}.npy`` (the gradients) and ``torch.json`` (the
    version and the seconds per call of the forward, ``times``, and of the backward,
    ``backward_times``).
    """
    import os

    import torch
    torch.set_num_threads(2)
    with open(os.path.join(folder, "cases.json")) as f:
        cases = json.load(f)
    times, backward_times = [], []
    for i, (s, pad, d, g) in enumerate(cases):
        tx, tw, tg = (torch.from_numpy(np.load(os.path.join(folder, f"{a}{i}.npy")))
                      for a in "xwg")

        def forward(tx: Any = tx, tw: Any = tw, s: int = s, pad: int = pad, d: int = d,
                    g: int = g) -> np.ndarray:
            with torch.no_grad():
                return torch.nn.functional.conv2d(tx, tw, None, s, pad, d, g).numpy()

        def backward(tx: Any = tx, tw: Any = tw, tg: Any = tg, s: int = s,
                     pad: int = pad, d: int = d, g: int = g) -> list[np.ndarray]:
            with torch.no_grad():
                grads = torch.ops.aten.convolution_backward(
                    tg, tx, tw, [tw.shape[0]], [s, s], [pad, pad], [d, d], False,
                    [0, 0], g, [True, True, True])
            return [t.numpy() for t in grads]
        t, results = time_interleaved({"forward": forward, "backward": backward},
                                      repeat, budget)
        np.save(os.path.join(folder, f"y{i}.npy"), results["forward"])
        for name, grad in zip(("gx", "gw", "gb"), results["backward"]):
            np.save(os.path.join(folder, f"{name}{i}.npy"), grad)
        times.append(t["forward"])
        backward_times.append(t["backward"])
    with open(os.path.join(folder, "torch.json"), "w") as f:
        json.dump({"version": torch.__version__, "times": times,
                   "backward_times": backward_times}, f)


def _torch_times(inputs: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray,
                                        tuple[int, ...]]],
                 repeat: int, budget: float) -> tuple[str | None, list[dict[str, Any]]]:
    """PyTorch's version and, per case ``(x, w, grad_output, (s, pad, d, g))``, a dict:
    seconds per call of the forward (``t_torch``) and of the backward
    (``t_torch_backward``), the output ``y`` and the gradients ``grads`` (input, weight,
    bias); measured in a separate process (``_torch_peer``). ``(None, [])`` if PyTorch
    is not installed or that process fails."""
    import os
    import subprocess
    import sys
    import tempfile

    if importlib.util.find_spec("torch") is None:
        return None, []
    with tempfile.TemporaryDirectory() as folder:
        for i, (x, w, g, _) in enumerate(inputs):
            for name, a in (("x", x), ("w", w), ("g", g)):
                np.save(os.path.join(folder, f"{name}{i}.npy"), a)
        with open(os.path.join(folder, "cases.json"), "w") as f:
            json.dump([list(params) for *_, params in inputs], f)
        code = (f"from convlib.bench import _torch_peer; "
                f"_torch_peer({folder!r}, {int(repeat)}, {float(budget)})")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                              text=True)
        if done.returncode != 0:
            print(f"PyTorch's timing process failed:\n{done.stderr[-2000:]}")
            return None, []
        with open(os.path.join(folder, "torch.json")) as f:
            record = json.load(f)

        def load(name: str) -> np.ndarray:
            return np.load(os.path.join(folder, f"{name}.npy"))
        peer = [{"t_torch": record["times"][i],
                 "t_torch_backward": record["backward_times"][i], "y": load(f"y{i}"),
                 "grads": [load(f"{name}{i}") for name in ("gx", "gw", "gb")]}
                for i in range(len(inputs))]
    return record["version"], peer


def bench_layers(cases: Sequence[dict[str, Any]], repeat: int = 3, budget: float = 0.05,
                 seed: int = 0, matmul_n: int = 1024
                 ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Time :func:`convlib.nn.conv2d` (and its transpose and backward) on layer cases.

    PyTorch (where installed: a peer, not a dependency) is timed on the same inputs in a
    separate process that never loads numba (``_torch_peer``), with 2 threads: its
    forward, and its backward (``torch.ops.aten.convolution_backward``, the operator
    autograd calls, timed alone) on the same ``grad_output`` as convlib's backward
    (convlib's forward output). The backward goal (convlib's backward <= 2.5 times its
    forward) has a yardstick beside it: PyTorch's own backward over its own forward,
    ``torch_backward_ratio``, measured on the same layers in the same run (each of the
    two gradients that cost work, input's and weight's, does about as many
    multiply-adds as the forward pass: :func:`convlib.nn.conv2d_backward`).

    Returns
    -------
    rows : list of dict
        Per case: seconds ``t_forward``, ``t_transpose``, ``t_backward`` and (if PyTorch
        is importable) ``t_torch`` and ``t_torch_backward``; ``vs_torch``, ``gflops``,
        ``matmul_fraction``, ``transpose_ratio``, ``backward_ratio`` (``t_backward /
        t_forward``), on dense and grouped layers ``t_backward_gemms`` and
        ``backward_gemm_ratio`` (the backward's GEMMs alone,
        :func:`convlib.bench.backward_gemms`, over the forward),
        ``torch_backward_ratio`` (``t_torch_backward / t_torch``, with PyTorch),
        ``error`` (against PyTorch, or against SciPy's ``correlate2d`` on the first
        sample and channel pair without it), ``backward_error`` (with PyTorch: the
        largest relative error of convlib's three gradients against PyTorch's) and
        ``ok`` (both errors within :data:`TOLERANCE`).
    info : dict
        ``torch`` (version or ``None``) and ``matmul_gflops`` per dtype.
    """
    rng = np.random.default_rng(seed)
    inputs = []
    for case in cases:
        N, ci, co, hw, k = (case[key] for key in ("N", "C_in", "C_out", "hw", "k"))
        s, d, g = case["stride"], case["dilation"], case["groups"]
        x = rng.standard_normal((N, ci, hw, hw)).astype(case["dtype"])
        w = rng.standard_normal((co, ci // g, k, k)).astype(case["dtype"])
        pad = d * (k - 1) // 2
        # convlib's output: the grad_output of both backward passes, convlib's and
        # PyTorch's, so that their gradients can be compared
        inputs.append((x, w, conv2d(x, w, None, s, pad, d, g), (s, pad, d, g)))
    version, peer = _torch_times(inputs, repeat, budget)
    info: dict[str, Any] = {"torch": version, "matmul_gflops": {},
                            "torch_process": "separate"}
    rows = []
    for i, case in enumerate(cases):
        dt = case["dtype"]
        if dt not in info["matmul_gflops"]:
            info["matmul_gflops"][dt] = _matmul_gflops(dt, matmul_n, repeat, budget)
        N, ci, co, hw, k = (case[key] for key in ("N", "C_in", "C_out", "hw", "k"))
        x, w, y, (s, pad, d, g) = inputs[i]
        out_pad = hw - ((y.shape[2] - 1) * s - 2 * pad + d * (k - 1) + 1)
        funcs = {"forward": lambda: conv2d(x, w, None, s, pad, d, g),
                 "transpose": lambda: conv_transpose2d(y, w, None, s, pad, out_pad, g, d),
                 "backward": lambda: conv2d_backward(x, w, y, s, pad, d, g)}
        gemms = backward_gemms(x, w, y, g, s, pad)
        if gemms is not None:
            funcs["backward_gemms"] = gemms
        times, results = time_interleaved(funcs, repeat, budget)
        extra: dict[str, Any] = {}
        if version is not None:
            times["torch"] = peer[i]["t_torch"]
            times["torch_backward"] = peer[i]["t_torch_backward"]
            error = _rel_error(results["forward"], peer[i]["y"].astype(np.float64))
            backward_error = max(_rel_error(mine, theirs.astype(np.float64))
                                 for mine, theirs in zip(results["backward"],
                                                         peer[i]["grads"], strict=True))
            extra = {"vs_torch": times["forward"] / times["torch"],
                     "torch_backward_ratio": times["torch_backward"] / times["torch"],
                     "backward_error": backward_error}
        else:  # one output channel of one sample, by SciPy
            ref = sum(sps.correlate2d(np.pad(x[0, j].astype(np.float64), pad),
                                      w[0, j].astype(np.float64), "valid")
                      for j in range(ci // g))
            ref = ref[:: s, :: s] if d == 1 else None
            error = 0.0 if ref is None else _rel_error(results["forward"][0, 0], ref)
            backward_error = 0.0
        macs = N * co * y.shape[2] * y.shape[3] * (ci // g) * k * k
        gflops = 2 * macs / times["forward"] / 1e9
        row = {**case, **{f"t_{key}": v for key, v in times.items()},
               "gflops": gflops, "matmul_fraction": gflops / info["matmul_gflops"][dt],
               "transpose_ratio": times["transpose"] / times["forward"],
               "backward_ratio": times["backward"] / times["forward"],
               **({"backward_gemm_ratio": times["backward_gemms"] / times["forward"]}
                  if gemms is not None else {}),
               "error": error, **extra, "ok": error <= TOLERANCE[dt]
               and backward_error <= TOLERANCE[dt]
               and results["forward"].dtype == x.dtype
               and results["transpose"].shape == x.shape}
        rows.append(row)
    return rows, info


def backward_gemms(x: np.ndarray, w: np.ndarray, g: np.ndarray, groups: int,
                   stride: int = 1, padding: int = 0) -> Callable[[], None] | None:
    """The matrix products of :func:`convlib.nn.conv2d_backward` on a dense or grouped
    layer, alone: a yardstick of the backward, timed beside it (None for a depthwise
    layer, whose backward has no GEMM).

    The same GEMMs on operands of the same shapes, dtypes and layouts, in the same
    chunks of samples: for a kernel larger than 1 x 1, per chunk and group, ``w_g^T @
    g`` (the columns of ``dL/dx``, with ``convlib.nn.transposed.even_rows``'s rows)
    and ``g @ [cols; 1]^T`` (``dL/dw`` and, where ``K`` is odd, ``dL/db``); for a 1 x 1
    kernel, ``w^T @ g`` and, per sample, ``g @ x^T`` on the pixels that ``stride`` and
    ``padding`` (the layer's, in pixels) select. Neither the im2col
    copy, the fold, the bias sum nor the checks: what is left of the backward's time
    when the GEMMs are taken away is convlib's own work, and whatever the products
    lose inside the backward against running alone on these buffers.

    Examples
    --------
    >>> x, w = np.ones((2, 3, 5, 5)), np.ones((4, 3, 3, 3))
    >>> backward_gemms(x, w, np.ones((2, 4, 5, 5)), 1)() is None
    True
    >>> backward_gemms(x, np.ones((3, 1, 3, 3)), np.ones((2, 3, 5, 5)), 3) is None
    True
    """
    N, C_out, H_out, W_out = g.shape
    _, Cg, kH, kW = w.shape
    if Cg == 1 and groups == C_out:
        return None
    L, K, Og = H_out * W_out, Cg * kH * kW, C_out // groups
    dt_x, dt_w = np.result_type(g, w), np.result_type(g, x)
    gg = g.reshape(N, groups, Og, L)
    if K == Cg:  # 1 x 1: the (strided) pixels, as the backward reshapes them
        wt = w.reshape(groups, Og, Cg).transpose(0, 2, 1)
        xp = np.pad(x, ((0, 0), (0, 0)) + ((padding, padding),) * 2) if padding else x
        xs = xp[(Ellipsis,) + tap_window(0, 0, (stride, stride), (1, 1), (H_out, W_out))]
        xs = xs.reshape(N, groups, Cg, L)

        def one_by_one() -> None:
            np.matmul(wt, gg)
            np.matmul(gg, xs.swapaxes(-1, -2)).sum(axis=0)
        return one_by_one
    rows = K + 1 if dt_w.kind == "f" and dt_w == g.dtype and K % 2 == 1 else K
    step = chunk_samples(N, x.shape[1] * kH * kW * L * max(dt_x.itemsize, dt_w.itemsize))
    wt = even_rows(w.reshape(groups, Og, K).transpose(0, 2, 1).astype(dt_x, copy=False))
    cols_x = np.empty((step, groups, wt.shape[1], L), dtype=dt_x)
    cols_w = np.ones((step, groups, rows, L), dtype=dt_w)
    part = np.empty((step, groups, Og, rows), dtype=dt_w)

    def chunks() -> None:
        for n0 in range(0, N, step):
            m = min(step, N - n0)
            np.matmul(wt, gg[n0:n0 + m], out=cols_x[:m])
            np.matmul(gg[n0:n0 + m], cols_w[:m].swapaxes(-1, -2), out=part[:m]).sum(axis=0)
    return chunks


def _memory_cases(quick: bool) -> list[tuple[str, tuple[int, ...], tuple[int, ...]]]:
    if quick:
        return [("1-D", (64,), (5,)), ("2-D", (12, 12), (3, 3))]
    return [("1-D", (100_000,), (31,)), ("2-D", (256, 256), (3, 3)),
            ("2-D", (256, 256), (15, 15))]


def bench_memory(quick: bool = False, seed: int = 0) -> list[dict[str, Any]]:
    """Peak traced memory of each method as a multiple of its output, against the bound.

    Every method of ``convlib.METHODS`` runs on each case (1-D and 2-D, float64) it
    serves (``METHODS[method].serves``; the kernel is a rank-1 Gaussian, so
    ``'separable'`` serves); ``'loops'`` only on the quick shapes (it is too slow
    elsewhere).
    The last rows are :func:`convlib.nn.conv2d` on a batch whose im2col columns exceed
    :data:`convlib.nn.layers.IM2COL_LIMIT` (processed in parts).

    Returns
    -------
    list of dict
        ``case``, ``method``, ``peak_over_output`` (traced peak / output bytes),
        ``bound`` (the stated multiple, times the kernel size where
        :data:`MEMORY_BOUNDS` says so) and ``ok``.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for label, s1, s2 in _memory_cases(quick):
        x = rng.standard_normal(s1)
        g = gaussian(s2[-1] / 6, radius=(s2[-1] - 1) // 2)
        h = np.outer(g, g) if len(s2) == 2 else g
        for method in METHODS:
            if method == "loops" and not quick:
                continue
            if METHODS[method].serves(x, h, "full") is not None:
                continue
            out_bytes = convolve(x, h, "full", "direct").nbytes
            tracemalloc.start()
            convolve(x, h, "full", method)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            factor, per_tap = MEMORY_BOUNDS[method]
            bound: float = factor * (h.size if per_tap else 1)
            rows.append({"case": f"{label} {s1} * {s2}", "method": method,
                         "peak_over_output": peak / out_bytes, "bound": bound,
                         "ok": peak / out_bytes <= bound})
    N, C, hw = (2, 2, 8) if quick else (32, 64, 56)
    x = rng.standard_normal((N, C, hw, hw)).astype(np.float32)
    w = rng.standard_normal((C, C, 3, 3)).astype(np.float32)
    out_bytes = conv2d(x, w, padding=1).nbytes
    tracemalloc.start()
    conv2d(x, w, padding=1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    bound = MEMORY_BOUNDS["nn.conv2d"][0] + nn_layers.IM2COL_LIMIT / out_bytes
    rows.append({"case": f"conv2d {x.shape} * {w.shape}", "method": "nn.conv2d",
                 "peak_over_output": peak / out_bytes, "bound": bound,
                 "ok": peak / out_bytes <= bound})
    return rows


# --- summaries and tables ------------------------------------------------------------

def geomean(values: Iterable[float]) -> float:
    """The geometric mean of positive numbers (``nan`` for none): the mean of ratios
    such as speed-ups, where 2x and 0.5x should average to 1.

    Raises
    ------
    ValueError
        If a value is not positive.

    Examples
    --------
    >>> geomean([2.0, 0.5]), geomean([1.0, 4.0, 16.0])
    (1.0, 4.0)
    >>> geomean([1.0, 0.0])
    Traceback (most recent call last):
    ...
    ValueError: geomean: values must be positive; got 0.0
    """
    values = [float(v) for v in values]
    bad = [v for v in values if not v > 0]
    if bad:
        raise ValueError(f"geomean: values must be positive; got {bad[0]}")
    return float(np.exp(np.mean(np.log(values)))) if values else math.nan


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    """Geometric means, worst cases and whether each goal is met.

    Parameters
    ----------
    results : dict
        ``{'1d': rows, '2d': rows, 'layers': (rows, info), 'bandwidth': (rows, info),
        'memory': rows}`` (any subset), from the ``bench_*`` functions. The second
        yardsticks (``worst_vs_new_array``; ``worst_torch_backward_ratio`` and
        ``median_torch_backward_ratio``) are ``None`` where the rows lack them (PyTorch
        absent, or a run stored before they were measured).

    Returns
    -------
    dict
        Per goal: the statistics and ``met`` (bool, or ``None`` when PyTorch is absent).

    Examples
    --------
    >>> rows = [{"speedup": 2.0, "vs_best": 0.5, "ok": True, "dtype": "float64"},
    ...         {"speedup": 8.0, "vs_best": 1.0, "ok": True, "dtype": "float64"}]
    >>> s = summarize({"2d": rows})["2d"]
    >>> s["geomean_speedup"], s["worst_vs_best"], s["met"]
    (4.0, 1.0, True)
    """
    out = {}
    for goal, (geo_goal, worst_goal) in GRID_GOALS.items():
        if goal not in results:
            continue
        rows = results[goal]
        worst = max(rows, key=lambda r: r["vs_best"])
        geo = geomean(r["speedup"] for r in rows)
        out[goal] = {"cases": len(rows), "geomean_speedup": round(geo, 3),
                     "geomean_by_dtype": {dt: round(geomean(
                         r["speedup"] for r in rows if r["dtype"] == dt), 3)
                         for dt in sorted({r["dtype"] for r in rows})},
                     "worst_vs_best": round(worst["vs_best"], 3),
                     "worst_case": {k: worst.get(k) for k in ("n", "m", "kind", "dtype",
                                                               "mode", "method",
                                                               "scipy_best")},
                     "all_correct": all(r["ok"] for r in rows),
                     "met": bool(geo >= geo_goal and worst["vs_best"] <= worst_goal)}
        peers = [r["vs_opencv"] for r in rows if "vs_opencv" in r]
        if peers:  # OpenCV: parity on the geometric mean, none below half its speed
            geo_cv, worst_cv = geomean(peers), min(peers)
            out[goal].update(geomean_vs_opencv=round(geo_cv, 3),
                             worst_vs_opencv=round(worst_cv, 3),
                             met_opencv=bool(geo_cv >= OPENCV_GOALS[0]
                                             and worst_cv >= OPENCV_GOALS[1]))
        equal = [r for r in rows if "vs_opencv_equal" in r]
        if equal:  # the same output on both sides: 'full' and 'same' cases
            low = min(equal, key=lambda r: r["vs_opencv_equal"])
            out[goal].update(
                geomean_vs_opencv_equal=round(geomean(r["vs_opencv_equal"] for r in equal), 3),
                worst_vs_opencv_equal=round(low["vs_opencv_equal"], 3),
                worst_opencv_equal_case={k: low.get(k) for k in ("n", "m", "kind", "dtype",
                                                                  "mode", "method")})
    if "layers" in results:
        rows, info = results["layers"]
        have_torch = info["torch"] is not None
        dense = [r for r in rows if not r["depthwise"]]
        dw = [r for r in rows if r["depthwise"]]
        geo_dense = geomean(r["vs_torch"] for r in dense) if have_torch else math.nan
        geo_dw = geomean(r["vs_torch"] for r in dw) if have_torch else math.nan
        by_dtype = {f"{kind} {dt}": round(geomean(
            r["vs_torch"] for r in group if r["dtype"] == dt), 3)
            for kind, group in (("dense", dense), ("depthwise", dw))
            for dt in ("float32", "float64")
            if have_torch and any(r["dtype"] == dt for r in group)}
        worst_t = max(r["transpose_ratio"] for r in rows)
        worst_b = max(r["backward_ratio"] for r in rows)
        # the backward's yardstick: PyTorch's backward over its own forward, on the
        # same layers (None without PyTorch, or for a run stored before it was timed)
        torch_b = [r["torch_backward_ratio"] for r in rows if "torch_backward_ratio" in r]
        torch_b_stats = ({"worst_torch_backward_ratio": round(max(torch_b), 3),
                          "median_torch_backward_ratio": round(float(np.median(torch_b)),
                                                               3)}
                         if have_torch and len(torch_b) == len(rows) else
                         dict.fromkeys(("worst_torch_backward_ratio",
                                        "median_torch_backward_ratio")))
        out["layers"] = {
            "torch": info["torch"], "geomean_vs_torch_dense": round(geo_dense, 3),
            "geomean_vs_torch_depthwise": round(geo_dw, 3),
            "geomean_vs_torch_by_dtype": by_dtype,
            "geomean_matmul_fraction": round(geomean(r["matmul_fraction"]
                                                      for r in rows), 3),
            "worst_transpose_ratio": round(worst_t, 3),
            "worst_backward_ratio": round(worst_b, 3),
            "median_backward_ratio": round(float(np.median(
                [r["backward_ratio"] for r in rows])), 3),
            **torch_b_stats,
            # the layers above the backward goal, each with its GEMMs' share (None
            # for a depthwise layer, or a run stored before the GEMMs were timed)
            "backward_above_goal": [
                {"name": r["name"], "N": r["N"], "dtype": r["dtype"],
                 "backward_ratio": round(r["backward_ratio"], 3),
                 "backward_gemm_ratio": (round(r["backward_gemm_ratio"], 3)
                                         if "backward_gemm_ratio" in r else None)}
                for r in rows if r["backward_ratio"] > 2.5],
            "all_correct": all(r["ok"] for r in rows),
            # judged on float32 where the run has it: PyTorch's float64 is untuned
            "met_torch": (bool(by_dtype.get("dense float32", geo_dense) <= 1.3
                               and by_dtype.get("depthwise float32", geo_dw) <= 1.5)
                          if have_torch else None),
            "met_transpose_backward": bool(worst_t <= 2.0 and worst_b <= 2.5)}
    if "bandwidth" in results:
        rows, info = results["bandwidth"]
        worst = max(r["vs_limit"] for r in rows)
        # the second yardstick: the floor of a new array, x.copy() (None for a run
        # stored before it was timed)
        new = [r["vs_new_array"] for r in rows if "vs_new_array" in r]
        out["bandwidth"] = {"cases": len(rows), "copy_gb_per_s": round(
            info["copy_rate"] / 1e9, 2), "worst_vs_limit": round(worst, 3),
            "worst_vs_new_array": (round(max(new), 3) if len(new) == len(rows)
                                   else None),
            "all_correct": all(r["ok"] for r in rows), "met": bool(worst <= 1.5)}
    if "memory" in results:
        rows = results["memory"]
        out["memory"] = {"cases": len(rows), "met": all(r["ok"] for r in rows),
                         "worst": max(round(r["peak_over_output"] / r["bound"], 3)
                                      for r in rows)}
    return out


def _table(header: Sequence[str], lines: Sequence[Sequence[object]]) -> str:
    cells = [[str(c) for c in header]] + [[str(c) for c in line] for line in lines]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    text = ["  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in cells]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def goal_figures(summary: dict[str, Any]
                 ) -> dict[str, tuple[float | None, float | None, bool | None]]:
    """Each speed goal's two figures and its flag, from a :func:`summarize` result
    holding every part but the memory one: ``(geometric mean, worst, met)`` for the 2-D
    and 1-D grids and OpenCV; the float32 dense and depthwise means against PyTorch; the
    worst transposed and backward ratios; the bandwidth's worst (second figure None).
    A peer's figures are None where the run had no such peer (OpenCV, PyTorch). Two
    runs' tables side by side compare two machines goal by goal (appendix).

    Examples
    --------
    >>> grid = {"geomean_speedup": 3.0, "worst_vs_best": 1.2, "met": False,
    ...         "geomean_vs_opencv": 1.5, "worst_vs_opencv": 0.6, "met_opencv": True}
    >>> layers = {"geomean_vs_torch_by_dtype": {"dense float32": 0.9,
    ...                                         "depthwise float32": 1.1},
    ...           "met_torch": True, "worst_transpose_ratio": 1.3,
    ...           "worst_backward_ratio": 2.9, "met_transpose_backward": False}
    >>> table = goal_figures({"2d": grid, "1d": grid, "layers": layers,
    ...                       "bandwidth": {"worst_vs_limit": 1.2, "met": True}})
    >>> table["2-D vs SciPy"], table["bandwidth"]
    ((3.0, 1.2, False), (1.2, None, True))
    """
    s2, sl, bw = summary["2d"], summary["layers"], summary["bandwidth"]
    by_dtype = sl.get("geomean_vs_torch_by_dtype") or {}
    return {"2-D vs SciPy": (s2["geomean_speedup"], s2["worst_vs_best"], s2["met"]),
            "2-D vs OpenCV": (s2.get("geomean_vs_opencv"), s2.get("worst_vs_opencv"),
                              s2.get("met_opencv")),
            "1-D vs SciPy": (summary["1d"]["geomean_speedup"],
                             summary["1d"]["worst_vs_best"], summary["1d"]["met"]),
            "layers vs PyTorch": (by_dtype.get("dense float32"),
                                  by_dtype.get("depthwise float32"), sl.get("met_torch")),
            "transposed, backward": (sl["worst_transpose_ratio"],
                                     sl["worst_backward_ratio"],
                                     sl["met_transpose_backward"]),
            "bandwidth": (bw["worst_vs_limit"], None, bw["met"])}


def format_tables(results: dict[str, Any], summary: dict[str, Any]) -> str:
    """The printed report: one table per goal, then the summary lines."""
    parts = []
    for goal in ("2d", "1d"):
        if goal not in results:
            continue
        lines: list[tuple[Any, ...]]
        lines = [(r["n"], r["m"], r["kind"], r["dtype"], r["mode"], r["method"],
                  r["scipy_method"], f"{r['t_convlib'] * 1e3:.3f}",
                  f"{r['t_scipy_auto'] * 1e3:.3f}", f"{r['speedup']:.2f}",
                  r["scipy_best"].removeprefix("scipy_"), f"{r['vs_best']:.2f}",
                  f"{r['vs_opencv']:.2f}" if "vs_opencv" in r else "-",
                  f"{r['vs_opencv_equal']:.2f}" if "vs_opencv_equal" in r else "-",
                  "ok" if r["ok"] else "WRONG") for r in results[goal]]
        parts.append(f"== {goal}: convlib.convolve(auto) vs scipy.signal.convolve(auto) ==")
        parts.append(_table(("N", "M", "kernel", "dtype", "mode", "convlib", "scipy",
                             "ms convlib", "ms scipy", "speed-up", "scipy best",
                             "convlib/best", "opencv/convlib", "same output",
                             "check"), lines))
    if "layers" in results:
        rows, info = results["layers"]
        parts.append("== layers: convlib.nn.conv2d vs torch.nn.functional.conv2d "
                     "(2 threads) ==\nPyTorch: "
                     f"{info['torch'] or 'absent (not importable)'}"
                     "; numpy.matmul GFLOP/s: "
                     + ", ".join(f"{k} {v:.1f}" for k, v in info["matmul_gflops"].items()))
        lines = [(r["name"], r["N"], r["dtype"], f"{r['t_forward'] * 1e3:.2f}",
                  f"{r['t_torch'] * 1e3:.2f}" if "t_torch" in r else "-",
                  f"{r['vs_torch']:.2f}" if "vs_torch" in r else "-",
                  f"{r['gflops']:.1f}", f"{r['matmul_fraction']:.2f}",
                  f"{r['transpose_ratio']:.2f}", f"{r['backward_ratio']:.2f}",
                  f"{r['backward_gemm_ratio']:.2f}" if "backward_gemm_ratio" in r
                  else "-",
                  f"{r['torch_backward_ratio']:.2f}" if "torch_backward_ratio" in r
                  else "-", "ok" if r["ok"] else "WRONG") for r in rows]
        parts.append(_table(("layer", "N", "dtype", "ms convlib", "ms torch",
                             "convlib/torch", "GFLOP/s", "of matmul", "transpose/fwd",
                             "backward/fwd", "its GEMMs/fwd", "torch backward/fwd",
                             "check"), lines))
    if "bandwidth" in results:
        rows, info = results["bandwidth"]
        parts.append("== bandwidth: 3 x 3 'same' vs (input + output bytes) / copy rate "
                     f"({info['copy_rate'] / 1e9:.1f} GB/s) ==")
        lines = [(r["n"], r["dtype"], r["method"], f"{r['t_convlib'] * 1e3:.3f}",
                  f"{r['t_limit'] * 1e3:.3f}", f"{r['vs_limit']:.2f}",
                  f"{r['t_new_array'] * 1e3:.3f}" if "t_new_array" in r else "-",
                  f"{r['vs_new_array']:.2f}" if "vs_new_array" in r else "-",
                  f"{r['t_opencv'] * 1e3:.3f}" if "t_opencv" in r else "-",
                  "ok" if r["ok"] else "WRONG") for r in rows]
        parts.append(_table(("N", "dtype", "convlib", "ms convlib", "ms limit",
                             "convlib/limit", "ms x.copy()", "convlib/x.copy()",
                             "ms opencv", "check"), lines))
    if "memory" in results:
        parts.append("== memory: peak traced bytes / output bytes ==")
        parts.append(_table(("case", "method", "peak/output", "bound", "check"),
                            [(r["case"], r["method"], f"{r['peak_over_output']:.2f}",
                              f"{r['bound']:.1f}", "ok" if r["ok"] else "OVER")
                             for r in results["memory"]]))
    parts.append("== summary ==")
    parts.append(json.dumps(summary, indent=1))
    return "\n\n".join(parts)


GOALS = ("2d", "1d", "layers", "memory", "bandwidth")


def run(goals: Sequence[str] = GOALS, quick: bool = False,
        repeat: int = 3, budget: float = 0.05, load: dict[str, Any] | None = None
        ) -> dict[str, Any]:
    """Run the chosen goals; returns ``{goal: results}`` as :func:`summarize` takes.

    If ``load`` is a dict, the other processes' CPU use is sampled before and after each
    goal (:func:`convlib.machine.cpu_load`) and stored in it as ``{goal: [before,
    after]}``.
    """
    window = 0.05 if quick else 0.5
    runs: dict[str, Callable[[], Any]]
    runs = {"2d": lambda: bench_convolve(grid_2d(quick), 2, repeat, budget),
            "1d": lambda: bench_convolve(grid_1d(quick), 1, repeat, budget),
            "layers": lambda: bench_layers(grid_layers(quick), repeat, budget,
                                           matmul_n=64 if quick else 1024),
            "memory": lambda: bench_memory(quick),
            "bandwidth": lambda: bench_bandwidth(grid_bandwidth(quick), repeat, budget,
                                                 copy_bytes=2**22 if quick else 2**27)}
    results: dict[str, Any] = {}
    for goal in GOALS:
        if goal in goals:
            before = cpu_load(window) if load is not None else None
            results[goal] = runs[goal]()
            if load is not None:
                load[goal] = [before, cpu_load(window)]
    return results


def _median_of(values: Sequence[Any]) -> Any:
    """The median of floats (the middle run's value for an odd count), ``all`` of
    booleans, the dict of medians of dicts, and the first value of anything else (the
    case's integers and names)."""
    first = values[0]
    if isinstance(first, bool):
        return all(values)
    if isinstance(first, float):
        return float(np.median(values))
    if isinstance(first, dict):
        return {k: _median_of([v[k] for v in values]) for k in first
                if all(isinstance(v, dict) and k in v for v in values)}
    return first


def combine_runs(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The per-case median of several full runs of :func:`run`.

    The run-to-run spread of a quiet two-core machine (a copy rate of 43 then 34 GB/s
    minutes apart, one PyTorch layer 3.9 then 7.0 ms) is larger than the min-of-k timing
    inside one run can remove; the median of a few runs, taken number by number (each
    time, each ratio, the copy rate; the median of ratios, not the ratio of medians),
    moves less. Booleans (``ok``) must hold in every run; strings (a method's name) are
    the first run's (see ``method_runs``, added where the runs disagree).

    Examples
    --------
    >>> a = {"2d": [{"n": 64, "speedup": 1.0, "ok": True, "method": "fft"}]}
    >>> b = {"2d": [{"n": 64, "speedup": 3.0, "ok": True, "method": "fft"}]}
    >>> c = {"2d": [{"n": 64, "speedup": 2.5, "ok": False, "method": "compiled"}]}
    >>> combine_runs([a, b, c])["2d"]
    [{'n': 64, 'speedup': 2.5, 'ok': False, 'method': 'fft', 'method_runs': ['fft', 'fft', 'compiled']}]
    """
    if len(runs) == 1:
        return runs[0]
    out: dict[str, Any] = {}
    for goal in runs[0]:
        if goal == "memory":  # traced bytes, not times: measured in the first run only
            out[goal] = runs[0][goal]
            continue
        parts = [r[goal] for r in runs]
        tables = [p[0] if isinstance(p, tuple) else p for p in parts]
        rows = []
        for cases in zip(*tables, strict=True):
            row = {k: _median_of([c[k] for c in cases]) for k in cases[0]}
            if len({c.get("method") for c in cases}) > 1:
                row["method_runs"] = [c["method"] for c in cases]
            rows.append(row)
        if isinstance(parts[0], tuple):
            out[goal] = (rows, _median_of([p[1] for p in parts]))
        else:
            out[goal] = rows
    return out


def _quiet(load: dict[str, Any]) -> bool | None:
    """True if every sampled window was quiet, False if one was busy, None if unknown."""
    flags = [s["quiet"] for pair in load.values() for s in pair]
    if any(f is False for f in flags):
        return False
    return None if any(f is None for f in flags) else True


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Command line: ``python -m convlib.bench [--quick] [--goal G] [--runs K] [--json PATH]``.

    Returns the summary (and prints the tables).

    Examples
    --------
    >>> summary = main(["--quick", "--goal", "memory", "--silent"])
    >>> summary["memory"]["cases"] == 16 + 2 * numba_available()  # + compiled
    True
    >>> main(["--goal", "3d"])
    Traceback (most recent call last):
    ...
    SystemExit: 2
    """
    parser = argparse.ArgumentParser(prog="python -m convlib.bench",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny shapes (seconds)")
    parser.add_argument("--goal", choices=("all",) + GOALS,
                        default="all")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (min-of-k)")
    parser.add_argument("--runs", type=int, default=1,
                        help="full runs; every number stored is the median over them")
    parser.add_argument("--budget", type=float, default=0.05,
                        help="seconds per candidate per round")
    parser.add_argument("--json", help="also write the measurements to this file")
    parser.add_argument("--silent", action="store_true", help="print nothing")
    parser.add_argument("--allow-busy", action="store_true",
                        help="store a full run even if other processes used the CPU "
                             "(it is then marked busy)")
    args = parser.parse_args(argv)
    goals = GOALS if args.goal == "all" else (args.goal,)
    budget = min(args.budget, 0.002) if args.quick else args.budget
    start = time.perf_counter()
    load: dict[str, Any] = {}
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    per_run = []
    for i in range(args.runs):
        run_load: dict[str, Any] = {}
        # the memory goal traces allocations, not time: once is enough
        run_goals = goals if i == 0 else tuple(g for g in goals if g != "memory")
        per_run.append(run(run_goals, args.quick, args.repeat, budget, load=run_load))
        load.update({f"{goal} run {i + 1}" if args.runs > 1 else goal: pair
                     for goal, pair in run_load.items()})
    results = combine_runs(per_run)
    summary = summarize(results)
    summary["runs"] = args.runs
    if args.runs > 1:  # each run's own summary: the spread the median hides
        summary["per_run"] = [summarize(r) for r in per_run]
    summary["seconds"] = round(time.perf_counter() - start, 1)
    summary["machine"] = machine_info()
    summary["load"] = load
    summary["quiet"] = _quiet(load)
    if not args.silent:
        print(format_tables(results, summary))
        if summary["quiet"] is not True:
            print("\nWARNING: other processes used the CPU during this run "
                  f"(more than {QUIET_OTHER_CORES} cores in a sampled window, or unknown): "
                  "its ratios are not trustworthy; re-run on a quiet machine.")
    if args.json:
        if summary["quiet"] is not True and not args.quick and not args.allow_busy:
            raise SystemExit(f"python -m convlib.bench: not storing {args.json}: the "
                             "machine was busy during the run (see 'load' above); re-run "
                             "on a quiet machine, or pass --allow-busy to store it marked")
        with open(args.json, "w") as f:
            json.dump({"results": results, "summary": summary}, f, indent=1, default=str)
    return summary


if __name__ == "__main__":
    main()

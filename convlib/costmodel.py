"""The cost model behind ``method='auto'`` (the appendix "Which method when?"; the
crossover it predicts is chapter 5's): a pure function of shapes (and of the number of
threads the compiled kernels share their work among, :data:`COMPILED_THREADS`).

:func:`convlib.choose_method` does not time anything (unless asked to, with
``measure=True``): it counts the work each fast method would do on inputs of the given
*shapes* (:func:`convlib.costmodel.cost_features`), weighs each kind of work by seconds
per unit (:data:`convlib.costmodel.COST_CONSTANTS`) and picks the cheapest
(:func:`convlib.estimate_costs`). How the constants were measured lives beside the
benchmark, in :mod:`convlib.bench`: :func:`convlib.bench.calibrate_cost_model` times
convlib's methods (:func:`convlib.bench.bench_methods`) on
:func:`convlib.bench.calibration_cases`, and :func:`convlib.bench.fit_cost_constants`
solves a non-negative least-squares problem.
"""

from __future__ import annotations

import functools
import math
import os

import numpy as np
from scipy.fft import next_fast_len

from ._fft import circular_length
from ._validation import as_operands
from .compiled import (CHUNK, MAX_NDIM, NARROW, PADDED_MAX, PADDED_ROW, PARALLEL_MIN_MACS,
                       PLANE_BYTES, PLANE_CHUNK_BYTES, PLANE_NINE_BYTES, plane_geometry,
                       use_compiled)
from .direct import DIRECT_BLOCK, direct_macs, windows_pay
from .overlap import block_length
from .shapes import MODES, mode_offset, output_shape, _valid_swap_needed

__all__ = ["COST_CONSTANTS", "COST_MODEL_FIT", "COMPILED_THREADS", "SINGLE_KEYS",
           "cost_features", "estimate_costs", "prange_blocks", "price_work",
           "separable_cost", "single_precision"]

#: The kinds of work whose cost per unit depends on the precision, per method. On
#: single-precision data (float32, complex64, :func:`single_precision`) they are
#: counted under ``key + '_single'`` instead of ``key`` (e.g. ``'nlogn_single'``), so
#: the calibration prices each precision on its own (``scipy.fft`` transforms float32
#: in single precision, and the sums move half the bytes).
SINGLE_KEYS: dict[str, tuple[str, ...]] = {
    "direct": ("mac", "mac_dot"), "fft": ("nlogn", "nlogn_1d"),
    "overlap_add": ("point", "nlogn"), "compiled": ("pass", "mac"),
    "separable": ("pass", "mac"), "separable_direct": ("mac", "mac_dot")}



def _numba_threads() -> int:
    """numba's default number of threads, read as numba reads it (without importing
    it): ``NUMBA_NUM_THREADS`` if set, else the CPUs this process may run on."""
    try:
        return max(1, int(os.environ["NUMBA_NUM_THREADS"]))
    except (KeyError, ValueError):
        pass
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


#: Threads among which the compiled kernels share their tasks when they run threaded
#: (numba's default: ``NUMBA_NUM_THREADS`` if set, else the CPUs this process may run
#: on). numba gives each thread one contiguous range of a ``prange``'s iterations
#: (:func:`prange_blocks`: ``tasks // threads`` or one more, the larger blocks
#: first), so a call of few tasks, such as
#: a 1-D signal cut into two chunks of :data:`convlib.compiled.CHUNK` samples, ends
#: when the thread with the most work does, and :func:`cost_features` counts the
#: compiled work of that thread. In the stored calibration this priced 1-D signals of
#: 10**4 samples by 10**3 taps (two chunks: the first thread takes 77 % of the
#: multiply-adds in 'full' mode) 1.5 times as dear as the work shared evenly did, as
#: measured. Since then the kernel cuts an output of one row into equal chunks
#: (:func:`convlib.compiled.row_chunk`), so these features count more multiply-adds on
#: the busiest thread than the kernel now gives it: they keep the chunks of
#: :data:`convlib.compiled.CHUNK` samples that the stored calibration was measured with,
#: with which the constants were fitted (priced with the new chunks, those constants
#: made ``auto`` choose the compiled sum for a 1-D float32 signal of 10**4 samples by
#: 10**3 taps in 'valid' mode, which convlib's FFT ran in 0.71 of its time, 149 against
#: 210 us, min of 7 interleaved rounds on a quiet 2-core machine). Before a new
#: calibration (:func:`convlib.bench.calibrate_cost_model`, which fits its timings to
#: these features), ``_compiled_features`` must count :func:`convlib.compiled.row_chunk`'s
#: chunks instead of :data:`convlib.compiled.CHUNK`'s, or it fits the new kernel's
#: times to the old chunks.
COMPILED_THREADS: int = _numba_threads()

#: Seconds per unit of each kind of work, per method (the cost model of
#: ``choose_method``); the estimated time of a method is the sum over the kinds of work
#: of ``COST_CONSTANTS[method][k] * cost_features(...)[method][k]`` (the compiled
#: kinds of work counted on the busiest thread: :data:`COMPILED_THREADS`).
#:
#: Made by ``convlib.bench.calibrate_cost_model()`` (defaults; about three minutes) on
#: the machine that built the book (2 x86-64 cores, NumPy 2.4.6, SciPy 1.17.1 with its
#: pocketfft, numba 0.68.1, its OpenBLAS with ``OPENBLAS_CORETYPE=Haswell`` as the
#: environment set it; the stored benchmark ran with it unset), quiet while it ran
#: (other processes used 0.02 cores in the windows sampled before and after:
#: :func:`convlib.machine.cpu_load`), with
#: :data:`convlib.compiled.THREADS` at its default ``'auto'`` (threads from
#: :data:`convlib.compiled.PARALLEL_MIN_MACS` multiply-adds, as ``auto`` will run them);
#: rounded to three digits. The timings
#: are stored in ``book/images/calibration.json`` (a test re-fits them to these constants
#: and to :data:`COST_MODEL_FIT`).
#: It times convlib's own methods, best of 5, on the cases of
#: :func:`convlib.bench.calibration_cases`: 1-D signals of 100 to 1,000,000 samples
#: with kernels of 3 to 3,000 taps and 2-D images of 32 x 32 to 1024 x 1024 with
#: kernels of 3 x 3 to 63 x 63 in 'full' mode, 1-D signals of 3,000 to 100,000 samples
#: by 100 to 3,000 taps and small images in 'same' and 'valid' mode, and 'valid' outputs of 2 x 2 to 4 x 4 values, in float64; float32 cases near
#: the crossovers (the work of :data:`SINGLE_KEYS` is priced per precision); rank-1
#: kernels in 'same' mode, where ``'separable'`` is timed too (its constants price the
#: compiled passes, the factoring and ``auto``'s rank-1 check); direct only up to 1e8
#: multiply-adds, compiled up to 3e8. Then it solves non-negative least squares on
#: the relative error, each method on the cases where it was within 3 times the fastest
#: (accuracy matters near the decision; the NumPy methods are compared among
#: themselves, since their race decides where ``'compiled'`` cannot serve). The appendix
#: "Which method when?" re-measures the crossover on the reader's machine and compares
#: it with this model.
COST_CONSTANTS: dict[str, dict[str, float]] = {
    "direct": {"call": 2.38e-06, "tap": 4.21e-06, "mac": 6.01e-10, "mac_dot": 6.22e-11,
               "window_call": 1.71e-05, "window": 3.06e-07, "dot": 6.63e-09,
               "mac_small": 1.16e-10, "mac_single": 3.36e-10, "mac_dot_single": 3.31e-11},
    "fft": {"call": 4.85e-06, "axis": 1.97e-05, "point": 0.0, "nlogn": 5.52e-10,
            "nlogn_1d": 3.75e-10, "nlogn_single": 3.01e-10, "nlogn_1d_single": 5.79e-10},
    "overlap_add": {"call": 3.24e-05, "axis": 1.71e-05, "block": 3.1e-08, "point": 3.8e-09,
                    "nlogn": 3.2e-10, "point_single": 1.12e-09, "nlogn_single": 3.16e-10},
    "compiled": {"call": 2.36e-06, "row_call": 2.93e-06, "threads": 0.0, "task": 3.22e-08,
                 "tap_task": 0.0, "pass": 1.46e-08, "mac": 4.79e-11, "copy": 0.0,
                 "scalar_mac": 2.99e-10, "pass_single": 3.85e-08, "mac_single": 2.35e-11},
    "separable": {"call": 4.91e-05, "row_call": 1.53e-05, "threads": 3.07e-06,
                  "task": 3.98e-07, "tap_task": 2.44e-08, "pass": 2.76e-08, "mac": 3.96e-11,
                  "copy": 0.0, "scalar_mac": 0.0, "pass_single": 0.0,
                  "mac_single": 1.8e-11},
}
#: The model's record on its own calibration set, i.e. how many cases, for how many it
#: picked the fastest method, and how much slower its pick was than the fastest where
#: it did not: among the NumPy methods (the worst, float32, 10**4 samples by 100 taps
#: in 'valid' mode, where it picks overlap-add over NumPy's sum), and (``"compiled"``)
#: among all of them, on the random kernels (the worst, float64, 10**4 samples by 3
#: taps in 'full' mode, the compiled sum over NumPy's); per dtype (``"float64"``, ``"float32"``) among all of them; and
#: (``"separable"``) on the rank-1 kernels, among the methods timed there
#: (:func:`convlib.bench.cost_model_record`).
COST_MODEL_FIT = {"shapes": 194, "right": 179, "worst_slowdown": 1.63,
                  "compiled": {"shapes": 194, "right": 190, "worst_slowdown": 1.16,
                               "other_cores": (0.02, 0.02), "numba": "0.68.1",
                               "threads": "auto", "quiet": True},
                  "float64": {"shapes": 130, "right": 127, "worst_slowdown": 1.16},
                  "float32": {"shapes": 64, "right": 63, "worst_slowdown": 1.09},
                  "separable": {"shapes": 36, "right": 35, "worst_slowdown": 1.12}}

#: Whether ``method='auto'`` may pick ``'compiled'``: only once its constants were
#: fitted on a quiet machine (a busy machine slows threaded and vectorised code far
#: more than NumPy's, so constants fitted there would mislead the choice). Until then
#: ``'compiled'`` is there on request (``method='compiled'``) and in the paths that
#: always use it when numba is installed (``convolve2d``, depthwise layers), and
#: :func:`convlib.estimate_costs` still reports its estimate.
AUTO_USES_COMPILED: bool = bool(COST_MODEL_FIT["compiled"]["quiet"])  # type: ignore[index]


def _nlogn(points: int) -> float:
    return points * float(np.log2(max(points, 2)))


def single_precision(dtype) -> bool:
    """Whether the floating-point methods compute results of ``dtype`` in single
    precision: float16, float32 and complex64 (``scipy.fft`` transforms them so;
    integer results are computed in float64).

    Examples
    --------
    >>> [single_precision(t) for t in ("float32", "complex64", "float64", "int32")]
    [True, True, False, False]
    """
    dtype = np.dtype(dtype)
    return dtype.kind in "fc" and dtype.itemsize <= (4 if dtype.kind == "f" else 8)


def cost_features(shape1, shape2, mode: str = "full", complex_data: bool = False,
                  single: bool = False, threads: int | None = None,
                  integer_data: bool = False) -> dict[str, dict[str, float]]:
    """The work each fast method does on inputs of these shapes, counted by kind.

    Parameters
    ----------
    shape1, shape2 : sequence of int
        Shapes of ``in1`` and ``in2`` (same length, no zeros; in ``'valid'`` mode
        ``shape1`` at least as large in every axis).
    mode : {'full', 'same', 'valid'}
    complex_data : bool
        Whether either input is complex (complex FFTs do twice the work of real ones).
    single : bool
        Whether the result is computed in single precision (:func:`single_precision`
        of the result's dtype): the kinds of work of :data:`SINGLE_KEYS` are then
        counted under their ``'_single'`` keys, and their plain keys are 0 (and the
        other way round in double precision).
    threads : int, optional
        The threads a threaded compiled call shares its tasks among (default
        :data:`COMPILED_THREADS`, this machine's; the calibration's own to re-fit
        timings stored on another machine).
    integer_data : bool
        Whether the inputs are integers (``numpy.convolve`` then makes a dot call for
        every output: its unrolled small-kernel loops serve float32 and float64 only).

    Returns
    -------
    dict
        For ``'direct'`` (:func:`convlib.direct.convolve_direct`): ``call`` (1),
        ``tap`` (taps of the smaller input times the number of cache-sized output
        blocks: two NumPy calls each), ``mac`` (its multiply-adds) and ``mac_dot``
        (multiply-adds done in compiled dot products instead: by ``numpy.convolve``
        for 1-D inputs, by one dot product per output value where
        ``convlib.direct.windows_pay`` says so, i.e. when the output has at most
        1/:data:`~convlib.direct.WINDOW_DOT_TAPS_PER_OUTPUT` as many values as a kernel
        of :data:`~convlib.direct.WINDOW_DOT_MIN_TAPS` taps or more; ``tap`` and ``mac``
        are then 0), and, for those N-d windows, ``window_call`` (1: the input padded
        once) and ``window`` (output values: one dot product call each), and for 1-D
        inputs ``dot`` (the BLAS dot calls of ``numpy.convolve``, one per output of its
        ``'full'`` or ``'valid'`` output) and ``mac_small`` (0, but on float data with a
        kernel of at most 11 taps: the multiply-adds of the outputs that the whole
        kernel overlaps, which NumPy sums in its own unrolled loops, not by dot calls:
        counted in ``mac_dot`` too, and priced on top of it). Blocks are of
        :data:`~convlib.direct.DIRECT_BLOCK` output values.
        For ``'fft'``:
        ``call``, ``axis`` (ndim), ``point`` (``P``, points of the padded FFT) and
        ``nlogn`` (``P log2 P``, doubled for complex data), and ``nlogn_1d`` (the same,
        for 1-D inputs only: one long transform runs out of cache where the many short
        ones of an N-d transform do not). For ``'overlap_add'``: ``call``, ``axis``,
        ``block`` (number of blocks), ``point`` and ``nlogn`` summed over its blocks.
        For ``'separable'`` (:func:`convlib.separable.convolve_separable`, if ``in2``
        is a rank-1 kernel, with its passes compiled: float32/float64 results where
        numba serves): the ``'compiled'`` features summed over its 1-D passes, one per
        axis, each computing the ``mode`` window along its axis. For
        ``'separable_direct'`` (its NumPy passes, where numba does not serve): the
        ``'direct'`` features summed over its 1-D passes, each in ``'full'`` mode.
        For ``'compiled'`` (:func:`convlib.compiled.convolve_compiled`): ``call``,
        ``threads`` (1 if it runs on a thread pool, :data:`convlib.compiled.PARALLEL_MIN_MACS`),
        ``task`` (output rows, long rows counted per :data:`convlib.compiled.CHUNK`
        samples: the parallel tasks), ``tap_task`` (taps of the smaller input times
        tasks), ``pass`` (its passes over an output row: one per output row, kernel row
        reaching it and three taps of that row, five where the input is copied with
        zeros around its rows, :data:`convlib.compiled.PADDED_MAX`; each starts a
        vectorised loop, which on short rows costs more than its multiply-adds),
        ``mac`` (its multiply-adds) and ``scalar_mac`` (the same, instead, on outputs of
        at most :data:`convlib.compiled.NARROW` columns, which sum each output in a
        scalar loop), ``row_call`` (1 where it runs those row passes: they set numba's
        thread count) and ``copy`` (0 there). A small input of several rows runs
        whole-plane passes instead (``row_call`` 0; :data:`convlib.compiled.PLANE_BYTES`):
        ``task`` counts the chunks of :data:`convlib.compiled.PLANE_CHUNK_BYTES` of the
        flat output plane, ``pass`` one per chunk and kernel plane per four taps (a
        remainder of three in two passes; one for a 3 x 3 kernel without zero taps)
        plus one per chunk zeroing it, ``mac`` the
        products over the whole flat plane (its scratch columns included) and ``copy``
        the bytes of the input's copy with zero rows and columns and of the output rows
        copied out of the plane, where either is needed (so these counts depend on the
        precision's item size). Calls of at least
        :data:`~convlib.compiled.PARALLEL_MIN_MACS` multiply-adds run threaded, and end
        when the busiest thread does: ``task``, ``tap_task``, ``pass``, ``mac`` and
        ``scalar_mac`` count the work of the thread with the most multiply-adds
        (numba gives each of ``threads`` threads a contiguous range of the tasks:
        :data:`COMPILED_THREADS`), not of all; ``copy`` counts all. Each method's dict
        also holds the ``'_single'`` keys of :data:`SINGLE_KEYS`. The counts do not
        depend on whether numba is installed (:func:`convlib.choose_method` checks that).

    Examples
    --------
    >>> cost_features((5,), (3,))["direct"]  # 3 outputs in NumPy's loops, 4 dot calls
    {'call': 1.0, 'tap': 0.0, 'mac': 0.0, 'mac_dot': 15.0, 'window_call': 0.0, 'window': 0.0, 'dot': 4.0, 'mac_small': 9.0, 'mac_single': 0.0, 'mac_dot_single': 0.0}
    >>> cost_features((64, 64), (3, 3))["direct"]
    {'call': 1.0, 'tap': 9.0, 'mac': 36864.0, 'mac_dot': 0.0, 'window_call': 0.0, 'window': 0.0, 'dot': 0.0, 'mac_small': 0.0, 'mac_single': 0.0, 'mac_dot_single': 0.0}
    >>> f32 = cost_features((1024,), (1024,), single=True)["fft"]
    >>> f32["nlogn"], f32["nlogn_single"] == cost_features((1024,), (1024,))["fft"]["nlogn"]
    (0.0, True)
    """
    cached = cached_cost_features(tuple(int(n) for n in shape1),
                                  tuple(int(n) for n in shape2), mode, bool(complex_data),
                                  bool(single), threads, bool(integer_data))
    return {method: dict(work) for method, work in cached.items()}


@functools.lru_cache(maxsize=4096)
def cached_cost_features(shape1: tuple[int, ...], shape2: tuple[int, ...], mode: str,
                         complex_data: bool, single: bool = False,
                         threads: int | None = None,
                         integer_data: bool = False) -> dict[str, dict[str, float]]:
    """:func:`cost_features`, memoised: ``method='auto'`` asks for the same shapes
    again and again, and counting the work costs tens of microseconds.

    For the package (the dispatcher's work guard and ``estimate_shapes``): the
    shapes are tuples of Python ints, valid for ``mode``; the returned dicts are shared
    by every call with the same arguments, so callers must not modify them."""
    d = len(shape1)
    shape = output_shape(shape1, shape2, mode)
    direct = _direct_features(shape1, shape2, mode, complex_data or integer_data)
    factor = 2.0 if complex_data else 1.0
    points = math.prod(next_fast_len(circular_length(p, q, mode), not complex_data)
                       for p, q in zip(shape1, shape2))  # the lengths fft_convolve takes
    blocks, block_points = 1, 1
    for p, q in zip(shape1, shape2):
        length = block_length(p, q)
        if length < p + q - 1:
            blocks *= -(-max(p, q) // (length - min(p, q) + 1))
        block_points *= length
    separable_direct = dict.fromkeys(direct, 0.0)
    current = list(shape1)
    for axis in range(d):  # one 1-D pass per axis, each in 'full' mode, then cut
        kernel = [1] * d
        kernel[axis] = shape2[axis]
        for k, v in _direct_features(current, kernel, "full").items():
            separable_direct[k] += v
        current[axis] = shape[axis]
    itemsize = 4 if single else 8
    threads = COMPILED_THREADS if threads is None else max(1, int(threads))
    compiled = _compiled_features(shape1, shape2, mode, itemsize, threads)
    separable = dict.fromkeys(compiled, 0.0)
    current = list(shape1)
    for axis in range(d):  # compiled passes: the mode's window along each axis
        kernel = [1] * d
        kernel[axis] = shape2[axis]
        for k, v in _compiled_features(current, kernel, mode, itemsize, threads).items():
            separable[k] += v
        current[axis] = shape[axis]
    features = {
        "direct": direct,
        "compiled": compiled,
        "fft": {"call": 1.0, "axis": float(d), "point": float(points),
                "nlogn": factor * _nlogn(points),
                "nlogn_1d": factor * _nlogn(points) if d == 1 else 0.0},
        "overlap_add": {"call": 1.0, "axis": float(d), "block": float(blocks),
                        "point": float(blocks * block_points),
                        "nlogn": factor * blocks * _nlogn(block_points)},
        "separable": separable,
        "separable_direct": separable_direct,
    }
    for method, work in features.items():  # each precision priced on its own
        for key in SINGLE_KEYS[method]:
            work[key + "_single"] = work[key] if single else 0.0
            if single:
                work[key] = 0.0
    return features


def _axis_pairs(n: int, m: int, offset: int, lo: int, hi: int) -> int:
    """The (input, kernel) index pairs along one axis of ``n`` and ``m`` samples whose
    output index ``j`` lies in ``[lo, hi)`` (``j`` counted from ``offset`` in the full
    output): the multiply-adds of those outputs, per pair of the other axes. Output
    ``s = j + offset`` of the full convolution has ``min(s + 1, m) - min(s + 1 - n, m)``
    (each clipped at 0) pairs, whose sums over ``s`` are closed forms."""
    def ramp(x: int) -> int:  # sum of min(u, m) over u = 1 .. x
        return 0 if x <= 0 else x * (x + 1) // 2 if x <= m else m * (m + 1) // 2 + (x - m) * m

    def below(x: int) -> int:  # the pairs of the full outputs s < x
        return ramp(x) - ramp(x - n)

    return below(hi + offset) - below(lo + offset)


def prange_blocks(tasks: int, threads: int) -> list[tuple[int, int]]:
    """The iterations ``[start, stop)`` of a ``numba.prange`` of ``tasks`` iterations
    that each of ``threads`` threads runs: one contiguous block each, of
    ``tasks // threads`` or one more, the larger blocks first; no block for a thread
    without iterations. Measured with numba 0.68.1 (OpenMP threading layer, 2 threads:
    3 tasks split 2 + 1, 13 split 7 + 6); ``tests/test_costmodel.py`` checks it against
    numba's own schedule where numba is installed.

    Examples
    --------
    >>> prange_blocks(13, 2), prange_blocks(2, 4), prange_blocks(5, 1)
    ([(0, 7), (7, 13)], [(0, 1), (1, 2)], [(0, 5)])
    """
    threads = max(1, threads)
    each, extra = divmod(tasks, threads)
    blocks, start = [], 0
    for i in range(threads):
        stop = start + each + (i < extra)
        if stop > start:
            blocks.append((start, stop))
        start = stop
    return blocks or [(0, 0)]


def _busiest_thread(lead, length: int, chunk: int, columns, threads: int
                    ) -> tuple[int, int, int]:
    """The tasks of a compiled kernel's ``prange`` that its busiest thread runs:
    ``(tasks, row pairs, work)``.

    The tasks are the output's rows (flat over the leading axes ``lead``, a list of
    ``(output length, input length, kernel length, offset)``; none for 1-D) times
    ``ceil(length / chunk)`` chunks of each row, in that order; a task of row ``r`` and
    chunk ``[lo, hi)`` does ``pairs(r) * columns(lo, hi)`` work, ``pairs(r)`` being the
    kernel rows that reach row ``r`` (:func:`_axis_pairs` over the leading axes). numba
    gives each of ``threads`` threads one contiguous range of the tasks
    (:func:`prange_blocks`); the busiest is the range of the most work. ``row pairs``: the
    sum of ``pairs(r)`` over its tasks."""
    chunks = -(-length // chunk)

    def rows_before(r: int, axes) -> int:  # sum of pairs(r') over the flat rows r' < r
        if not axes:
            return r
        (size, n, m, o), rest = axes[0], axes[1:]
        inner = math.prod(a[0] for a in rest)
        i, r = divmod(r, inner)
        return (_axis_pairs(n, m, o, 0, i) * rows_before(inner, rest)
                + (_axis_pairs(n, m, o, i, i + 1) * rows_before(r, rest) if i < size else 0))

    def before(t: int) -> tuple[int, int]:  # (row pairs, work) of the tasks before t
        r, c = divmod(t, chunks)
        done = rows_before(r, lead)
        pairs = rows_before(r + 1, lead) - done if c else 0
        return (done * chunks + pairs * c,
                done * columns(0, length) + pairs * columns(0, min(length, c * chunk)))

    tasks = math.prod(a[0] for a in lead) * chunks
    ranges = prange_blocks(tasks, threads)
    spans = [(b - a, before(b)[0] - before(a)[0], before(b)[1] - before(a)[1])
             for a, b in ranges]
    return max(spans, key=lambda span: span[2])


def _compiled_features(shape1, shape2, mode: str, itemsize: int = 8,
                       threads: int = 1) -> dict[str, float]:
    """The work of :func:`convlib.compiled.convolve_compiled` (see :func:`cost_features`)
    on samples of ``itemsize`` bytes, its tasks shared among ``threads`` threads where
    it runs threaded."""
    shape = output_shape(shape1, shape2, mode)
    small = shape1 if math.prod(shape2) > math.prod(shape1) else shape2
    big = shape2 if small is shape1 else shape1
    taps = math.prod(small)
    macs = direct_macs(shape1, shape2, mode)
    threaded = math.prod(shape) * taps >= PARALLEL_MIN_MACS
    # the work of the thread that finishes last (numba shares the tasks among the
    # threads in contiguous ranges): all of it where the call runs on one thread
    share = threads if threaded else 1
    scalar = int(shape[-1]) <= NARROW
    nine = tuple(small[-2:]) == (3, 3) and taps == 9  # nine taps in one pass
    offset = mode_offset(shape1, shape2, mode)  # of the inputs as given (not swapped)
    plane = None if scalar else _plane_features(big, small, shape, offset, itemsize, nine,
                                                share)
    if plane is not None:
        return {"call": 1.0, "row_call": 0.0, "threads": float(threaded), **plane,
                "scalar_mac": 0.0}
    lead = list(zip(shape[:-1], big[:-1], small[:-1], offset[:-1]))
    tasks, rows, work = _busiest_thread(
        lead, int(shape[-1]), CHUNK,
        lambda lo, hi: _axis_pairs(big[-1], small[-1], offset[-1], lo, hi), share)
    # a pass per (output row, kernel row reaching it) and per three taps of that row,
    # five on a padded copy (the axes before the last: the pairs of indices whose input
    # lies inside, as the multiply-adds count them); none where each output of a
    # narrow row is summed in a scalar loop
    kernel_rows = math.prod(small[:-1])
    lines = math.prod(big[:-1])
    padded = (1 < lines and lines * (big[-1] + 8) <= PADDED_MAX
              and big[-1] + 8 <= PADDED_ROW * kernel_rows * -(-int(small[-1]) // 3))
    passes = rows * -(-int(small[-1]) // (5 if padded else 3))
    if nine:
        passes = tasks
    return {"call": 1.0, "row_call": 1.0, "threads": float(threaded),
            "task": float(tasks), "tap_task": float(taps * tasks),
            "pass": 0.0 if scalar else float(passes),
            "mac": 0.0 if scalar else float(work), "copy": 0.0,
            "scalar_mac": float(work) if scalar else 0.0}


def _plane_features(big, small, shape, offset, itemsize: int, nine: bool,
                    share: int = 1) -> dict[str, float] | None:
    """The work of the whole-plane passes of :func:`convlib.compiled.convolve_compiled`
    (``task``, ``tap_task``, ``pass``, ``mac``, ``copy``), or None where it runs its
    row passes instead: an input of one row, a copy of the input larger than
    :data:`~convlib.compiled.PLANE_BYTES` (:data:`~convlib.compiled.PLANE_NINE_BYTES`
    for a 3 x 3 kernel without zero taps). Per chunk of
    :data:`~convlib.compiled.PLANE_CHUNK_BYTES` of a flat output plane and kernel plane
    reaching it: passes of four taps, then of two, then of one, as the kernel takes
    them (one for all nine of a 3 x 3 kernel plane, also in a 3-D kernel), and one
    that zeroes the chunk; multiply-adds over the whole flat plane, its scratch
    columns included; all counted on the busiest of ``share`` threads
    (:func:`_busiest_thread`: the chunks are its tasks);
    ``copy``: the bytes of the input's copy with zero rows and columns and of the
    output rows copied out of the flat plane, where either is needed."""
    d = len(shape)
    lead = (1,) * (3 - d)
    a3, b3, out3 = lead + tuple(big), lead + tuple(small), lead + tuple(shape)
    o3 = (0,) * (3 - d) + tuple(offset)
    if a3[0] * a3[1] <= 1:
        return None
    width, plen, n, copy_in = plane_geometry(a3, b3, out3, o3)
    plane_bytes = plen * a3[0] * itemsize
    if plane_bytes > (PLANE_NINE_BYTES if nine else PLANE_BYTES):
        return None
    taps = b3[1] * b3[2]  # passes of four taps, then of two, then of one (as the kernel)
    per_plane = 1 if b3[1:] == (3, 3) else taps // 4 + (taps % 4) // 2 + taps % 2
    # tasks: (output plane, chunk of its flat plane), each chunk's samples taking every
    # tap of each kernel plane that meets the output plane
    tasks, pairs, work = _busiest_thread(
        [(out3[0], a3[0], b3[0], o3[0])], n, max(1, PLANE_CHUNK_BYTES // itemsize),
        lambda lo, hi: (hi - lo) * taps, share)
    copied = (plane_bytes if copy_in else 0) + (
        math.prod(out3) * itemsize if width != out3[2] else 0)
    return {"task": float(tasks), "tap_task": float(math.prod(small) * tasks),
            "pass": float(pairs * per_plane + tasks), "mac": float(work),
            "copy": float(copied)}


#: Most taps for which ``numpy.convolve`` (the 1-D path of
#: :func:`convlib.direct.convolve_direct`) sums the outputs that the whole kernel
#: overlaps in its own unrolled loops (NumPy's ``small_correlate``, float32 and float64
#: only) instead of one BLAS dot call per output. Measured (NumPy 2.4.6, 10**5 samples):
#: 1.5 ns per output at 10 and 11 taps, 6 to 8 at 12 and 13.
_NUMPY_SMALL_KERNEL = 11


def _direct_features(shape1, shape2, mode: str, dot_calls_only: bool = False
                     ) -> dict[str, float]:
    """The work of :func:`convlib.direct.convolve_direct` (see :func:`cost_features`);
    ``dot_calls_only``: complex or integer inputs, for which ``numpy.convolve`` makes
    a dot call for every output (its small-kernel loops serve float32/float64)."""
    d = len(shape1)
    shape = output_shape(shape1, shape2, mode)
    small = shape1 if math.prod(shape2) > math.prod(shape1) else shape2
    macs = direct_macs(shape1, shape2, mode)
    rows = max(1, DIRECT_BLOCK // max(math.prod(shape[1:]), 1))
    blocks = -(-int(shape[0]) // rows)
    windows = d > 1 and windows_pay(math.prod(shape), math.prod(small))
    dot = d == 1 or windows  # compiled dot products
    # numpy.convolve computes its 'valid' or its 'full' output, one dot call per output,
    # but on float data with a kernel of at most _NUMPY_SMALL_KERNEL taps the outputs
    # that the whole kernel overlaps in its own loops (their multiply-adds: mac_small,
    # also in mac_dot, which counts every multiply-add of the 1-D sum)
    calls, small_macs = 0, 0
    if d == 1:
        n, m = max(shape1[0], shape2[0]), int(small[0])
        if m > _NUMPY_SMALL_KERNEL or dot_calls_only:
            calls = n - m + 1 if mode == "valid" else n + m - 1
        else:
            calls = 0 if mode == "valid" else 2 * (m - 1)  # the ends, by dot calls
            small_macs = (n - m + 1) * m
    return {"call": 1.0, "tap": 0.0 if dot else float(math.prod(small) * blocks),
            "mac": 0.0 if dot else float(macs), "mac_dot": float(macs) if dot else 0.0,
            # N-d outputs one window at a time: padding, then a dot product per output
            "window_call": float(windows),
            "window": float(math.prod(shape)) if windows else 0.0, "dot": float(calls),
            "mac_small": float(small_macs)}


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
        ``{'direct': t, 'fft': t, 'overlap_add': t, 'compiled': t}``:
        :func:`convlib.costmodel.cost_features` of the inputs' shapes and precision
        (:func:`convlib.costmodel.single_precision` of the result's dtype) weighted by
        ``convlib.costmodel.COST_CONSTANTS``; for inputs of 2 or more dimensions also
        ``'separable'``, the time :func:`convlib.separable.convolve_separable` would
        take *if* ``in2`` is a rank-1 kernel, with the rank-1 check of
        ``method='auto'``: where its passes run compiled
        (:func:`convlib.compiled.use_compiled`: numba, a float32/float64 result, at most
        3-D) the features of its compiled passes weighted by the ``'separable'``
        constants (fitted on rank-1 kernels: they include factoring the kernel and the
        check); else, and until such constants exist, its NumPy passes weighted by the
        direct constants plus one direct call.

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
    >>> single = estimate_costs(np.ones((64, 64), np.float32), np.ones((15, 15), np.float32))
    >>> sorted(single) == sorted(estimate_costs(np.ones((64, 64)), np.ones((15, 15))))
    True
    """
    func = "estimate_costs"
    a, b = as_operands(in1, in2, mode, MODES, func)
    if a.ndim == 0:
        return {"direct": 0.0, "fft": 0.0, "overlap_add": 0.0, "compiled": 0.0}
    if mode == "valid" and _valid_swap_needed(a.shape, b.shape, "estimate_costs"):
        a, b = b, a
    return estimate_shapes(a.shape, b.shape, mode, "c" in (a.dtype.kind, b.dtype.kind),
                           single_precision(np.result_type(a, b)),
                           a.ndim <= MAX_NDIM and use_compiled(a, b),
                           np.result_type(a, b).kind in "biu")


def estimate_shapes(shape1, shape2, mode: str, cplx: bool, single: bool = False,
                    compiled_passes: bool = False, integer: bool = False) -> dict[str, float]:
    """:func:`estimate_costs` of validated shapes (no copies, memoised features).

    For the package (:func:`convlib.choose_method`): ``shape1`` and ``shape2`` are
    valid for ``mode`` (already swapped in ``'valid'`` mode); ``cplx`` says whether
    either input is complex, ``single`` whether the result is computed in single
    precision (:func:`single_precision`), ``compiled_passes`` whether
    :func:`convlib.separable.convolve_separable` would run its passes compiled,
    ``integer`` whether the result is an integer (``cost_features``' ``integer_data``).

    Examples
    --------
    >>> costs = estimate_shapes((10_000,), (1_000,), "full", False)
    >>> costs == estimate_costs(np.ones(10_000), np.ones(1_000))
    True
    """
    work = cached_cost_features(tuple(shape1), tuple(shape2), mode, cplx, single,
                                integer_data=integer)
    costs = price_work(work, COST_CONSTANTS)
    if len(shape1) > 1:
        costs["separable"] = separable_cost(work, compiled_passes, COST_CONSTANTS)
    return costs


def price_work(work: dict[str, dict[str, float]],
               constants: dict[str, dict[str, float]]) -> dict[str, float]:
    """The estimates of ``estimate_shapes`` for ``'direct'``, ``'fft'``,
    ``'overlap_add'`` and ``'compiled'`` (those of ``constants``) from the features
    ``work`` (:func:`cost_features`): each method's work weighted by its constants.
    Overlap-add with one block along every axis runs the FFT convolution itself
    (:func:`convlib.overlap_add` hands such inputs to it; before it did, each of the 39
    such cases of the stored calibration measured it 1.05 to 3.3 times slower than
    ``'fft'``), so it is estimated at least as dear as the FFT, and a tie goes to the
    FFT.

    Examples
    --------
    >>> work = cost_features((10_000,), (1_000,))
    >>> work["overlap_add"]["block"], sorted(price_work(work, COST_CONSTANTS))
    (1.0, ['compiled', 'direct', 'fft', 'overlap_add'])
    >>> costs = price_work(work, COST_CONSTANTS)
    >>> costs["overlap_add"] >= costs["fft"]
    True
    """
    costs: dict[str, float] = {
        method: sum(constants[method][k] * v for k, v in work[method].items())
        for method in ("direct", "fft", "overlap_add", "compiled") if method in constants}
    if "overlap_add" in costs and "fft" in costs and work["overlap_add"]["block"] <= 1:
        costs["overlap_add"] = max(costs["overlap_add"], costs["fft"])
    return costs


def separable_cost(work: dict[str, dict[str, float]], compiled_passes: bool,
                   constants: dict[str, dict[str, float]]) -> float:
    """The separable estimate of ``estimate_shapes`` from the features ``work``
    (:func:`cost_features`) and ``constants`` (of the form of :data:`COST_CONSTANTS`).

    Compiled passes are priced by ``constants['separable']``, fitted on rank-1 kernels
    (the factoring and ``auto``'s rank-1 check are in its ``call``); NumPy passes, and
    compiled ones while no such constants exist (a calibration without rank-1 cases),
    as direct convolutions, plus one direct call for the factoring.

    Examples
    --------
    >>> work = cost_features((256, 256), (15, 15))
    >>> no_fit = {m: c for m, c in COST_CONSTANTS.items() if m != "separable"}
    >>> separable_cost(work, True, no_fit) == separable_cost(work, False, no_fit)
    True
    """
    if compiled_passes and "separable" in constants:
        return sum(constants["separable"][k] * v for k, v in work["separable"].items())
    return constants["direct"]["call"] + sum(
        constants["direct"][k] * v for k, v in work["separable_direct"].items())

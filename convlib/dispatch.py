"""One contract, many implementations, one dispatcher: ``convolve`` and ``correlate``.

Every method shares the signature ``impl(in1, in2, mode) -> ndarray`` and the size rule
of :mod:`convlib.shapes`. The dispatcher validates the inputs once, applies SciPy's
``'valid'``-mode swap, calls the implementation, and casts the result to
``numpy.result_type(in1, in2)``. When that type is an integer, the methods that compute
in floating point (FFT, overlap-add, Winograd) run through
:func:`convlib.exact.exact_integer_convolve`, which splits large integers into digits
so that the rounded result is exact (SciPy only rounds, and can be off by one).

The methods are registered in one table, :data:`METHODS`: each a :class:`Method` with
its implementation and its domain, a predicate ``serves(in1, in2, mode)`` that returns
None when the method can compute the result and otherwise the reason it cannot (as
SciPy's ``_np_conv_ok`` does for its FFT path). The dispatcher asks the predicate before
running a method and raises :class:`MethodCannotServe` (a ``ValueError``) with the
reason, naming the function the user called; an implementation called directly refuses
the same inputs with the same reason.

A call costs microseconds of Python before any arithmetic, which on small inputs is
most of the time (a 1000-sample signal by 3 taps: ``numpy.convolve`` takes about 2 us).
So ``convolve`` and ``correlate`` remember, per shapes, dtypes, mode and method of
ndarray inputs with a floating or complex result, what they decided from those alone
(the validation passed, the ``'valid'`` swap, the cost model's estimates and the
checked domain; ``_planned``): the next call with the same ones skips them and asks
only what depends on the values (a NaN, a rank-1 kernel). The results, warnings and
errors are those of the general path (``tests/test_dispatch_fast_path.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from ._errors import MethodCannotServe
from ._timing import time_methods
from ._validation import as_operands, check_choice
from .compiled import MAX_NDIM, convolve_compiled, serves_compiled, use_compiled
from .direct import (DIRECT_MAX_MACS, check_macs, convolve_direct, convolve_loops,
                     mostly_zero, numpy_window_1d, reverse_conj)
from .costmodel import (AUTO_USES_COMPILED, cached_cost_features, estimate_shapes,
                        single_precision)
from .exact import exact_integer_convolve, split_plan
from ._fft import NonFiniteWarning, fft_convolve_core as _fft_convolve
from ._fft import fft_lengths, freq_axes, pruned_real
from ._fft import warn_nonfinite as _warn_nonfinite
from .im2col import convolve_im2col, serves_im2col
from .matrices import convolve_toeplitz, serves_toeplitz
from .overlap import _overlap_add
from .winograd import convolve_winograd, serves_winograd
from .separable import convolve_separable, rank1_to_rounding, serves_separable
from .shapes import MODES, _valid_swap_needed, mode_offset, output_shape

__all__ = ["convolve", "correlate", "choose_method", "METHODS", "Method",
           "MethodCannotServe", "NonFiniteWarning",
           "DIRECT_MAX_MACS", "DIRECT_PREFERRED_BELOW", "NONFINITE_DIRECT_FACTOR",
           "RANK1_CHECK_COST", "rank1_check_seconds"]


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


def _fft_method(in1: np.ndarray, in2: np.ndarray, mode: str) -> np.ndarray:
    """``method='fft'``: :func:`convlib.fourier.fft_convolve` of the inputs in their
    common floating type, without its validation (done by the dispatcher)."""
    return _fft_convolve(*_common_float(in1, in2), mode)


def every_input(in1: np.ndarray, in2: np.ndarray, mode: str = "full") -> None:
    """The domain of a method that serves every input: never a reason."""
    return None


@dataclass(frozen=True)
class Method:
    """A method of :func:`convlib.convolve`: its name, implementation, domain, summary.

    Calling a ``Method`` runs its implementation: ``METHODS['direct'](in1, in2, mode)``.

    Parameters
    ----------
    name : str
        What ``method=`` accepts.
    run : callable
        ``run(in1, in2, mode) -> ndarray``: validated, non-empty inputs of equal ndim
        (at least 1), ``in1`` at least as large as ``in2`` in ``'valid'`` mode.
    serves : callable
        ``serves(in1, in2, mode) -> None | str``, on the same inputs: None if ``run``
        computes the convolution, else the reason it cannot, which ``run`` raises as
        :class:`MethodCannotServe` and :func:`convlib.convolve` reports (the work guard
        ``DIRECT_MAX_MACS`` of ``'direct'`` and ``'loops'`` is separate).
    summary : str
        One line: how the method computes.

    Examples
    --------
    >>> METHODS["winograd"].serves(np.ones(8), np.ones(5), "full")
    "'winograd' (F(2,3) / F(2x2,3x3)) needs a 3-tap kernel as in2; got in2 of shape (5,)"
    >>> METHODS["direct"](np.array([1, 2, 3]), np.array([1, 1]), "full")
    array([1, 3, 5, 3])
    """

    name: str
    run: Impl
    serves: Callable[[np.ndarray, np.ndarray, str], str | None]
    summary: str

    def __call__(self, in1: np.ndarray, in2: np.ndarray, mode: str = "full") -> np.ndarray:
        return self.run(in1, in2, mode)


#: Implemented methods, by the name ``method=`` accepts, each with its domain
#: (:attr:`Method.serves`), in the order of the chapters that teach them.
METHODS: dict[str, Method] = {m.name: m for m in (
    Method("loops", convolve_loops, every_input,
           "the convolution sum as nested Python loops (chapter 1)"),
    Method("direct", convolve_direct, every_input,
           "the sum vectorised, one shifted multiply-add per tap (chapter 1)"),
    Method("separable", convolve_separable, serves_separable,
           "one 1-D pass per axis with the factors of a rank-1 kernel (chapter 4)"),
    Method("fft", _fft_method, every_input,
           "pointwise product of zero-padded FFTs (chapter 5)"),
    Method("overlap_add",
           lambda in1, in2, mode: _overlap_add(*_common_float(in1, in2), mode),
           every_input, "FFT convolution of blocks, overlapped and added (chapter 5)"),
    Method("toeplitz", convolve_toeplitz, serves_toeplitz,
           "one product with the sparse convolution matrix (chapter 7)"),
    Method("im2col", convolve_im2col, serves_im2col,
           "one matrix product with the column matrix of patches (chapter 8)"),
    Method("winograd", convolve_winograd, serves_winograd,
           "Winograd's minimal filtering F(2, 3) and F(2x2, 3x3) (chapter 9)"),
    Method("compiled", convolve_compiled, serves_compiled,
           "the direct sum in compiled, threaded loops, one pass per tap (numba)"),
)}


def _check_method(method: object, func: str) -> str:
    return check_choice(method, "method", ("auto", *METHODS), func)


#: For inputs of 3 or more dimensions (the cost constants were fitted on 1-D and 2-D
#: shapes only), ``method='auto'`` uses ``'direct'`` whenever its estimated time is
#: below this many seconds (0.2 ms), as SciPy does for tiny inputs: at that size the
#: speed hardly matters, and direct sums keep exact zeros exact and NaN local.
DIRECT_PREFERRED_BELOW = 2e-4

#: The time ``method='auto'`` spends asking whether a kernel is rank 1
#: (``convlib.separable.rank1_to_rounding``) on a kernel that is not: seconds per
#: call and per kernel sample. ``auto`` asks only where the separable estimate saves
#: more than this over the best other method, since on a kernel that is not rank 1 the
#: question is a loss (measured on the build machine, float32 random kernels: 11 us at
#: 31 x 31, 15 us at 63 x 63; a 64 x 64 image by a 63 x 63 kernel, whose separable
#: estimate was 5 us below the FFT's, took 1.3 times the FFT's time when it asked).
RANK1_CHECK_COST = (1e-5, 1.5e-9)


def rank1_check_seconds(kernel_size: int) -> float:
    """:data:`~convlib.dispatch.RANK1_CHECK_COST` for a kernel of ``kernel_size`` samples.

    Examples
    --------
    >>> round(rank1_check_seconds(63 * 63) * 1e6, 1)
    16.0
    """
    return RANK1_CHECK_COST[0] + RANK1_CHECK_COST[1] * kernel_size


#: If an input holds NaN or infinity, ``method='auto'`` uses ``'direct'`` (which keeps
#: each one in the outputs whose window contains it) unless its estimated time is more
#: than this factor above the fastest method's; then the FFT method runs and warns.
NONFINITE_DIRECT_FACTOR = 4.0

#: Methods that compute in floating point; for integer results the dispatcher runs
#: them through :func:`convlib.exact.exact_integer_convolve`, so they are exact too.
_FLOAT_METHODS = {"fft": _fft_convolve, "overlap_add": _overlap_add,
                  "winograd": convolve_winograd}


def _integer_result(a: np.ndarray, b: np.ndarray) -> bool:
    return np.result_type(a, b).kind in "biu"


def choose_method(in1: object, in2: object, mode: str = "full", measure: bool = False):
    """The method ``convolve(in1, in2, mode, method='auto')`` would use.

    Parameters
    ----------
    in1, in2 : array_like
        The inputs, as they would be passed to :func:`convolve`.
    mode : {'full', 'same', 'valid'}
    measure : bool
        If True, time ``'direct'``, ``'fft'`` and ``'overlap_add'`` (and ``'compiled'``
        where it serves the inputs) on these inputs instead (as
        :func:`convlib.bench.bench_methods` does) and return the fastest with the times,
        as ``scipy.signal.choose_conv_method(..., measure=True)`` does.

    Returns
    -------
    method : str
        ``'direct'``, ``'compiled'``, ``'fft'``, ``'overlap_add'`` or ``'separable'``:
        the cheapest by :func:`estimate_costs`, with the preferences of the Notes.
        ``'compiled'`` only where :func:`convlib.compiled.serves_compiled` accepts the
        inputs (numba importable, a float32/float64 result, 1 to 3 dimensions). ``'separable'`` only
        for a real floating 2-D ``in2`` no larger than ``in1`` whose rank is 1 to within
        the rounding of the result's dtype (checked only when the separable estimate
        is the cheapest by more than the check's cost, :data:`~convlib.dispatch.RANK1_CHECK_COST`: cheap
        tests of rank 1 and of not rank 1, else the SVD). ``'loops'`` is never chosen: it exists to be read.
    times : dict
        Only if ``measure``: seconds per call of each method timed.

    Raises
    ------
    TypeError, ValueError
        As :func:`convolve`.

    Notes
    -----
    The method with the smallest estimated time wins (ties to the simpler one), with
    these rules, in order:

    * boolean inputs go ``'direct'`` (as in SciPy);
    * the direct sum is ``'compiled'`` where that serves the inputs and its estimate
      is below ``'direct'``'s, once its constants were fitted on a quiet machine
      (:data:`convlib.costmodel.AUTO_USES_COMPILED`); the rules below that name
      ``'direct'`` then mean it;
    * integer results are exact under every method; the FFT methods split large
      integers into digits (:func:`convlib.exact.split_plan`), and their estimates are
      multiplied by the number of partial convolutions that takes;
    * for inputs of 3 or more dimensions, ``'direct'`` wins whenever its estimate is
      below ``DIRECT_PREFERRED_BELOW`` (tiny inputs: SciPy's choice too, and exact
      zeros stay zero; the cost constants were fitted on 1-D and 2-D shapes only);
    * if an input holds NaN or infinity, ``'direct'`` wins unless its estimate exceeds
      ``NONFINITE_DIRECT_FACTOR`` times the fastest: the FFT would spread each
      non-finite value to the whole output (and warns when it runs).

    The model counts work from the shapes and the precision (single or double:
    float32 work has constants of its own), with constants fitted on one machine
    (:mod:`convlib.costmodel`); it ignores caches and zero taps (complex data doubles
    the FFT's transform work); the separable passes are priced as compiled 1-D sums
    where numba runs them; the appendix "Which method when?" shows where it errs.

    Examples
    --------
    >>> choose_method([1, 2, 3], [1, 1])
    'direct'
    >>> choose_method(np.ones(1_000_000), np.ones(1_000))
    'overlap_add'
    >>> rng = np.random.default_rng(0)
    >>> choose_method(np.ones((256, 256)), rng.standard_normal((63, 63)))
    'fft'
    >>> # a 15 x 15 kernel: the direct sum, compiled if numba is installed
    >>> from convlib.compiled import numba_available
    >>> choose_method(np.ones((256, 256)), rng.standard_normal((15, 15))) in (
    ...     "compiled" if numba_available() else "fft",)
    True
    >>> # rank 1: separable passes, unless the compiled sum (numba) is predicted faster
    >>> choose_method(np.ones((512, 512)), np.ones((5, 5))) in ("separable", "compiled")
    True
    >>> choose_method(np.ones((128, 128), int), np.ones((3, 3), int))  # never compiled
    'direct'
    >>> x = rng.standard_normal(20_000)  # a NaN keeps auto on the direct sum
    >>> choose_method(x, np.ones(1000)), choose_method(np.append(x, np.nan), np.ones(1000))
    ('overlap_add', 'compiled')
    >>> method, times = choose_method(np.ones(64), np.ones(8), measure=True)
    >>> sorted(times)  # and 'compiled' if numba is installed
    ['compiled', 'direct', 'fft', 'overlap_add']
    >>> choose_method([1, 2, 3], [1, 1], mode="middle")
    Traceback (most recent call last):
    ...
    ValueError: choose_method: mode must be one of 'full', 'same', 'valid'; got 'middle'
    """
    a, b = as_operands(in1, in2, mode, MODES, "choose_method")
    if measure:
        timed = ("direct", "fft", "overlap_add") + (
            ("compiled",) if serves_compiled(a, b, mode) is None else ())
        times = time_methods(convolve, a, b, mode, timed, repeat=3, budget=0.02)
        return min(times, key=times.__getitem__), times
    if a.ndim and mode == "valid" and _valid_swap_needed(a.shape, b.shape, "choose_method"):
        a, b = b, a
    return _choose(a, b, mode)


def _choose(a: np.ndarray, b: np.ndarray, mode: str) -> str:
    """:func:`choose_method` of validated inputs (already swapped for 'valid')."""
    if a.ndim == 0 or "b" in (a.dtype.kind, b.dtype.kind):
        return "direct"
    costs, summing = _costs(a, b, mode)
    if _integer_result(a, b):  # exact by splitting into digits: count the pieces
        if a.ndim >= 3 and costs[summing] <= DIRECT_PREFERRED_BELOW:
            return summing
        for method in ("fft", "overlap_add"):
            plan = split_plan(a, b, method)
            costs[method] = np.inf if plan is None else costs[method] * plan[1] * plan[3]
    return _rule(costs, summing, a.ndim, b.size).pick(a, b)


def _costs(a: np.ndarray, b: np.ndarray, mode: str) -> tuple[dict[str, float], str]:
    """The estimated times (a new dict) and the direct sum ``auto`` would run:
    ``'compiled'`` where it is predicted faster and serves the inputs (numba installed,
    a float32/float64 result, at most 3-D), else ``'direct'``. The estimates count
    the precision of the result and, for ``'separable'``, whether its passes run
    compiled (:func:`convlib.compiled.use_compiled`)."""
    costs = estimate_shapes(a.shape, b.shape, mode, "c" in (a.dtype.kind, b.dtype.kind),
                            single_precision(np.result_type(a, b)),
                            a.ndim <= MAX_NDIM and use_compiled(a, b), _integer_result(a, b))
    summing = "direct"
    if (AUTO_USES_COMPILED and costs["compiled"] < costs["direct"]
            and serves_compiled(a, b, mode) is None):
        summing = "compiled"
    return costs, summing


class _Rule(NamedTuple):
    """What ``auto`` chooses on inputs of given shapes and dtypes, less the two
    questions only the data answer (:meth:`pick` asks them)."""

    best: str        # the cheapest of the direct sum and the FFT methods
    summing: str     # the direct sum: 'compiled' or 'direct'
    separable: bool  # the separable estimate is cheaper: is in2 rank 1?
    nonfinite: bool  # the direct sum is within NONFINITE_DIRECT_FACTOR: any NaN/inf?

    def pick(self, a: np.ndarray, b: np.ndarray) -> str:
        """The method for these inputs (of the shapes and dtypes of the rule)."""
        if self.separable and _auto_separable(a, b):
            return "separable"
        if self.nonfinite and not _all_finite(a, b):
            return self.summing
        return self.best


def _rule(costs: dict[str, float], summing: str, ndim: int, kernel_size: int) -> _Rule:
    """The rules of :func:`choose_method` (Notes) applied to the estimates ``costs``
    (``kernel_size``: the samples of ``in2``, which the rank-1 check reads)."""
    if ndim >= 3 and costs[summing] <= DIRECT_PREFERRED_BELOW:
        return _Rule(summing, summing, False, False)
    best = min((summing, "fft", "overlap_add"), key=costs.__getitem__)
    saving = costs[best] - costs.get("separable", np.inf)
    return _Rule(best, summing, saving > rank1_check_seconds(kernel_size),
                 best != summing and costs[summing] <= NONFINITE_DIRECT_FACTOR * costs[best])


def _all_finite(*arrays: np.ndarray) -> bool:
    return all(x.dtype.kind not in "fc" or np.isfinite(x).all() for x in arrays)


def _auto_separable(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``method='auto'`` may run ``b`` as separable passes: a finite 2-D
    float32 or float64 kernel, at least 2 x 2 and no larger than ``a`` (also float32
    or float64: ``numpy.linalg`` has no long double), that is rank 1 to within the
    rounding of the result's dtype (:func:`convlib.separable.rank1_to_rounding`, a
    stricter rule than the one of ``method='separable'``,
    :func:`convlib.separable.serves_separable`)."""
    lapack = (np.float32, np.float64)
    if (b.ndim != 2 or b.dtype not in lapack or a.dtype not in lapack or b.size > a.size
            or min(b.shape) < 2 or not np.isfinite(b).all()):
        return False
    return rank1_to_rounding(b, np.result_type(a, b))


def _check_work(a: np.ndarray, b: np.ndarray, mode: str, method: str, func: str) -> None:
    """Refuse a direct sum of more than :data:`DIRECT_MAX_MACS` multiply-adds (counted
    by the memoised cost features: the dispatcher asks for the same shapes again)."""
    work = cached_cost_features(a.shape, b.shape, mode, False)["direct"]
    check_macs(work["mac"] + work["mac_dot"], method, func)


def _run(a: np.ndarray, b: np.ndarray, mode: str, method: str, func: str) -> np.ndarray:
    dtype = np.result_type(a, b)
    if a.ndim == 0:  # SciPy: the product of two scalars
        return np.asarray(a * b, dtype=dtype)
    if mode == "valid" and _valid_swap_needed(a.shape, b.shape, func):
        a, b = b, a
    if method == "auto":
        method = _choose(a, b, mode)
    _check_serves(METHODS[method], method, a, b, mode, func)
    if method in ("direct", "loops"):
        _check_work(a, b, mode, method, func)
    return _finish(a, b, mode, method, func, dtype)


def _check_serves(m: Method, method: str, a: np.ndarray, b: np.ndarray, mode: str,
                  func: str) -> None:
    reason = m.serves(a, b, mode)
    if reason is not None:
        raise MethodCannotServe(f"{func}: method {method!r} cannot serve these inputs: "
                                f"{reason}")


def _finish(a: np.ndarray, b: np.ndarray, mode: str, method: str, func: str,
            dtype: np.dtype) -> np.ndarray:
    """Run ``method`` on inputs it serves (checked), with the warning for non-finite
    inputs of the FFT methods, exact integers, and the result cast to ``dtype``."""
    if method in ("fft", "overlap_add") and not _all_finite(a, b):
        spread = "every output sample" if method == "fft" else "its blocks' outputs"
        _warn_nonfinite(func, spread, a, b)
    if dtype.kind in "biu" and method in _FLOAT_METHODS:
        out = _exact(a, b, mode, method)
    else:
        out = METHODS[method].run(a, b, mode)
    out = np.asarray(out)
    if dtype.kind in "biu" and out.dtype.kind in "fc":
        out = np.rint(out.real)
    return out.astype(dtype, copy=False)


# ---- the fast path: what was decided for the same shapes, dtypes, mode and method ----

class _Plan(NamedTuple):
    """What the dispatcher decides from the shapes and dtypes of ndarray inputs (with a
    floating or complex result): everything but the data-dependent questions of
    :meth:`_Rule.pick` and of a method's domain that was not checked here."""

    swap: bool                 # 'valid' mode with in2 the larger
    rule: _Rule | None         # method='auto'
    method: str                # otherwise, the method asked for
    served: dict[str, Method]  # the methods whose domain depends on shapes and dtypes
                               # only, checked: they serve these inputs
    work_ok: bool              # the work guard of 'direct' passed
    dtype: np.dtype            # the result's
    direct_1d: tuple[bool, int, int] | None  # 1-D inputs of the result's dtype: the
                               # window of convolve_direct (_direct_1d)
    fft: tuple[list[int], list[int]] | None  # 'fft' on real inputs of one dtype,
                               # float32 or float64: pruned_real's lengths and axes

    def run(self, a: np.ndarray, b: np.ndarray, mode: str, func: str) -> np.ndarray:
        """:func:`_run` of inputs of the plan's shapes and dtypes."""
        if self.swap:
            a, b = b, a
        method = self.method if self.rule is None else self.rule.pick(a, b)
        m = METHODS[method]
        if self.served.get(method) is not m:
            _check_serves(m, method, a, b, mode, func)
        if method == "direct":
            if not self.work_ok:
                _check_work(a, b, mode, method, func)
            if self.direct_1d is not None and m.run is convolve_direct:
                return _direct_1d(a, b, mode, *self.direct_1d)
        elif method == "compiled" and m.run is convolve_compiled:
            return convolve_compiled(a, b, mode)  # what _finish does: no cast needed
        elif (method == "fft" and self.fft is not None and m.run is _fft_method
              and ((self.rule is not None and self.rule.nonfinite) or _all_finite(a, b))):
            # what _finish does on finite inputs (pick checked them if rule.nonfinite):
            # fft_convolve_core's own work with its shape arithmetic done once per plan
            return pruned_real(a, b, *self.fft, mode)
        return _finish(a, b, mode, method, func, self.dtype)


def _direct_1d(a: np.ndarray, b: np.ndarray, mode: str, swap: bool, offset: int,
               length: int) -> np.ndarray:
    """:func:`convlib.direct.convolve_direct` of 1-D inputs of the result's dtype, the
    same computation with its shape arithmetic done once per plan (``swap``: ``b``
    has more samples; the ``mode`` window of the full output, ``offset`` and
    ``length``): ``numpy.convolve`` unless the smaller input has mostly zero taps."""
    x, h = (b, a) if swap else (a, b)
    if mostly_zero(h):
        return convolve_direct(a, b, mode)
    return numpy_window_1d(x, h, mode, (offset,), (length,))


#: The domains that depend on the inputs' shapes and dtypes only, not on their values.
_SHAPE_DOMAINS = (every_input, serves_compiled)

#: The methods the fast path plans; the others ('loops', the matrix methods, ...) go
#: the general way.
_PLANNED = ("auto", "direct", "compiled", "fft", "overlap_add")

#: Plans by (shapes, dtypes, mode, method, function, the rules' settings); None for the
#: keys the fast path leaves to the general one. Cleared when it reaches _PLANS_MAX.
_PLANS: dict[tuple, _Plan | None] = {}
_PLANS_MAX = 4096
_MISSING = object()


def _planned(in1: object, in2: object, mode: object, method: object, func: str
             ) -> _Plan | None:
    """The plan for a call of ``func`` on these arguments, or None: the general path.

    Only ndarrays (not subclasses) with ``mode`` and ``method`` strings have a plan.
    The first call with given shapes, dtypes, mode and method validates them as the
    general path does (raising its errors), decides what depends on shapes and dtypes
    only, and stores that; the next calls skip the conversion, the validation and the
    cost model. The settings of ``auto`` (:data:`AUTO_USES_COMPILED`,
    :data:`DIRECT_PREFERRED_BELOW`, :data:`NONFINITE_DIRECT_FACTOR`) are part of the
    key; :data:`convlib.costmodel.COST_CONSTANTS` are read when a plan is made (call
    ``_PLANS.clear()`` after changing them in place).
    """
    if (type(in1) is not np.ndarray or type(in2) is not np.ndarray
            or type(mode) is not str or type(method) is not str):
        return None
    key = (in1.shape, in2.shape, in1.dtype, in2.dtype, mode, method, func,
           AUTO_USES_COMPILED, DIRECT_PREFERRED_BELOW, NONFINITE_DIRECT_FACTOR)
    plan = _PLANS.get(key, _MISSING)
    if plan is _MISSING:
        plan = _make_plan(in1, in2, mode, method, func)
        if len(_PLANS) >= _PLANS_MAX:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan  # type: ignore[return-value]


def _make_plan(in1: np.ndarray, in2: np.ndarray, mode: str, method: str, func: str
               ) -> _Plan | None:
    """The plan of :func:`_planned` (or None), raising what the general path raises."""
    a, b = as_operands(in1, in2, mode, MODES, func)
    method = _check_method(method, func)
    dtype = np.result_type(a, b)
    if (a.ndim == 0 or dtype.kind not in "fc" or "b" in (a.dtype.kind, b.dtype.kind)
            or method not in _PLANNED):
        return None  # scalars, exact integers, boolean inputs, other methods
    swap = mode == "valid" and _valid_swap_needed(a.shape, b.shape, func)
    if swap:
        a, b = b, a
    rule = None
    if method == "auto":
        rule = _rule(*_costs(a, b, mode), a.ndim, b.size)
    served = {}
    for name in (method,) if rule is None else (rule.best, rule.summing):
        m = METHODS[name]
        if m.serves in _SHAPE_DOMAINS and m.serves(a, b, mode) is None:
            served[name] = m
    try:
        _check_work(a, b, mode, "direct", func)
        work_ok = True
    except ValueError:
        work_ok = False
    direct_1d = None
    if a.ndim == 1 and a.dtype == dtype and b.dtype == dtype:
        direct_1d = (b.size > a.size, mode_offset(a.shape, b.shape, mode)[0],
                     output_shape(a.shape, b.shape, mode)[0])
    fft = None
    if ((method if rule is None else rule.best) == "fft" and a.dtype == b.dtype
            and a.dtype in (np.float32, np.float64)):
        x, _, axes = freq_axes(a, b, mode, None, func)
        if axes and x is a:  # no swap, and an axis to transform (else a * b)
            fft = (fft_lengths(a.shape, b.shape, mode, axes, True), axes)
    return _Plan(swap, rule, method, served, work_ok, dtype, direct_1d, fft)


def _exact(a: np.ndarray, b: np.ndarray, mode: str, method: str) -> np.ndarray:
    """An integer convolution by a floating-point method, exact
    (:func:`convlib.exact.exact_integer_convolve`; direct if no split suffices)."""
    out = exact_integer_convolve(a, b, mode, _FLOAT_METHODS[method], method)
    return convolve_direct(a, b, mode) if out is None else out


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
        (:func:`choose_method`). See ``convlib.METHODS`` for every method, each with
        its domain (``convlib.METHODS[name].serves``).

    Returns
    -------
    ndarray
        The convolution, of dtype ``numpy.result_type(in1, in2)``: float32 stays
        float32, complex works, and integer inputs give exact integers under every
        method. The floating-point methods (``'fft'``, ``'overlap_add'``,
        ``'winograd'``) split integers into digits when their error bound could reach
        1/2 (:func:`convlib.exact.exact_integer_convolve`), so their results equal the
        direct sum exactly, which SciPy's do not always. A result too large for its
        dtype wraps around modulo ``2**bits``, as NumPy's integer arithmetic does, the
        same under every method.

    Raises
    ------
    TypeError
        If an input does not hold numbers.
    ValueError
        If an input is empty, the inputs differ in ndim, ``mode`` or ``method`` is
        unknown, ``'valid'`` mode has no input at least as large as the other, or
        ``method='direct'`` (or ``'loops'``) would need more than
        ``convlib.dispatch.DIRECT_MAX_MACS`` (2e10) multiply-adds.
    convlib.dispatch.MethodCannotServe
        A ``ValueError``: if ``method`` does not serve these inputs
        (``convlib.METHODS[method].serves`` gives the reason the message states), e.g.
        ``'winograd'`` with a kernel that is not 3-tap or 3 x 3.

    Warns
    -----
    convlib.fourier.NonFiniteWarning
        If ``'fft'`` or ``'overlap_add'`` runs on an input holding NaN or infinity,
        which it spreads to every output (of the blocks holding it). ``'auto'`` then
        prefers ``'direct'``, which keeps each in the outputs whose window holds it
        (see :func:`choose_method`).

    See Also
    --------
    correlate : the same with the kernel not flipped.
    convolve2d : 2-D with boundary conditions (fill, wrap, symm, reflect, edge).
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
    >>> convolve([2**53 + 1, 1], [1, 1], method="fft")   # exact, unlike float64
    array([9007199254740993, 9007199254740994,                1])
    >>> convolve([1, 2, 3], [1, 1], mode="middle")
    Traceback (most recent call last):
    ...
    ValueError: convolve: mode must be one of 'full', 'same', 'valid'; got 'middle'
    """
    plan = _planned(in1, in2, mode, method, "convolve")
    if plan is not None:  # ndarrays of shapes and dtypes seen before: the fast path
        return plan.run(in1, in2, mode, "convolve")
    a, b = as_operands(in1, in2, mode, MODES, "convolve")
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
    plan = _planned(in1, in2, mode, method, "correlate")
    if plan is not None:  # as in convolve
        return plan.run(in1, reverse_conj(in2), mode, "correlate")
    a, b = as_operands(in1, in2, mode, MODES, "correlate")
    method = _check_method(method, "correlate")
    return _run(a, reverse_conj(b), mode, method, "correlate")

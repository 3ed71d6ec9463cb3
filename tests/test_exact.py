"""Integer results exact under every method; the FFT's error bound (convlib.exact, issue 13)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib.dispatch import METHODS
from convlib.exact import (ERROR_TARGET, _digits, _wrapped_power, exact_integer_convolve,
                           fft_error_bound, split_plan)
from convlib.fourier import fft_convolve
from convlib.shapes import mode_offset, output_shape, valid_swap_needed

from support import MODES

INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32,
              np.uint64]
FLOAT_METHODS = ["fft", "overlap_add", "winograd"]


def exact_reference(a, b, mode):
    """The convolution in Python integers (object arrays): no rounding, no overflow."""
    if mode == "valid" and valid_swap_needed(a.shape, b.shape):
        a, b = b, a
    full = np.zeros([p + q - 1 for p, q in zip(a.shape, b.shape)], dtype=object)
    big = a.astype(object)
    for k in np.ndindex(*b.shape):
        full[tuple(slice(i, i + n) for i, n in zip(k, a.shape))] += big * int(b[k])
    start = mode_offset(a.shape, b.shape, mode)
    shape = output_shape(a.shape, b.shape, mode)
    return full[tuple(slice(s, s + n) for s, n in zip(start, shape))]


def wrapped(values, dtype):
    """Python integers reduced to ``dtype`` the way integer arithmetic wraps."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return np.asarray(values != 0, dtype=bool)
    bits = 8 * dtype.itemsize
    mod = np.vectorize(lambda v: int(v) % 2**bits, otypes=[object])(values)
    if dtype.kind == "i":
        mod = np.vectorize(lambda v: v - 2**bits if v >= 2**(bits - 1) else v,
                           otypes=[object])(mod)
    return np.array(mod.tolist(), dtype=dtype).reshape(np.shape(values))


def run(a, b, mode, method):
    """``cl.convolve(a, b, mode, method)``, or None outside the method's domain (its
    ``serves`` predicate, asked on the inputs as the dispatcher passes them)."""
    x, h = (b, a) if mode == "valid" and valid_swap_needed(a.shape, b.shape) else (a, b)
    if method != "auto" and METHODS[method].serves(x, h, mode) is not None:
        return None
    return cl.convolve(a, b, mode, method)


# ---- the regression case of issue 13 ------------------------------------------------------

def near_constant(value, n, seed):
    rng = np.random.default_rng(seed)
    return (value + rng.integers(-3, 4, n)).astype(np.int64)


def test_near_constant_int64_is_exact_where_scipy_is_not():
    """4096 samples near 3.3e7 and 2048 near 3.3e4: SciPy's guard allows the FFT
    (max|x| max|h| min(N, M) < 2**52), whose error then exceeds 1/2 on 1,147 samples;
    convlib splits the integers and is exact. Failed before the fix (1,147 wrong)."""
    x, h = near_constant(33_000_000, 4096, 0), near_constant(33_000, 2048, 1)
    exact = np.convolve(x.astype(object), h.astype(object))
    assert scipy.signal.choose_conv_method(x, h) == "fft"
    assert np.count_nonzero(scipy.signal.convolve(x, h) != exact) > 100   # SciPy's error
    for method in ("auto", "fft", "overlap_add"):
        out = cl.convolve(x, h, method=method)
        assert out.dtype == np.int64 and np.array_equal(out, exact.astype(np.int64))
    assert split_plan(x, h) != (0, 1, 0, 1)
    assert fft_error_bound(x, h) > 0.5   # no split: the bound says it may fail


def test_int64_at_the_edge_of_the_range():
    x = np.array([2**63 - 1, -2**63, 2**62, -1, 1, 0], dtype=np.int64)
    h = np.array([1, -1, 1], dtype=np.int64)
    ref = wrapped(exact_reference(x, h, "full"), np.int64)
    for method in ("direct", "fft", "overlap_add", "winograd", "auto"):
        assert np.array_equal(cl.convolve(x, h, method=method), ref), method


# ---- every dtype, every method, values near the bounds ---------------------------------------

@st.composite
def integer_pairs(draw, wrap=False):
    dtype = np.dtype(draw(st.sampled_from(INT_DTYPES)))
    ndim = draw(st.integers(1, 2))
    s1 = tuple(draw(st.integers(1, 9 if ndim == 1 else 5)) for _ in range(ndim))
    three = draw(st.booleans())   # a 3-tap (3x3) kernel, so Winograd serves
    s2 = (3,) * ndim if three else tuple(draw(st.integers(1, 5)) for _ in range(ndim))
    info = np.iinfo(dtype)
    if wrap:  # anything: the result may wrap around
        lo, hi = int(info.min), int(info.max)
    else:  # every partial sum fits: |values| <= sqrt(max / taps), near that bound
        taps = int(min(np.prod(s1), np.prod(s2)))
        r = math.isqrt(int(info.max) // taps)
        lo, hi = (0 if info.min == 0 else -r), r
    edge = st.sampled_from([lo, hi, max(lo, lo + 1), min(hi, hi - 1), 0, (lo + hi) // 2])
    values = st.one_of(edge, st.integers(lo, hi))
    a = np.array(draw(st.lists(values, min_size=int(np.prod(s1)),
                               max_size=int(np.prod(s1)))), dtype=dtype).reshape(s1)
    b = np.array(draw(st.lists(values, min_size=int(np.prod(s2)),
                               max_size=int(np.prod(s2)))), dtype=dtype).reshape(s2)
    return a, b


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=60, deadline=None)
@given(pair=integer_pairs())
def test_every_method_exact_when_the_result_fits(mode, pair):
    a, b = pair
    if mode == "valid" and not (all(p >= q for p, q in zip(a.shape, b.shape))
                                or all(q >= p for p, q in zip(a.shape, b.shape))):
        return
    ref = exact_reference(a, b, mode)
    expected = np.array(ref.tolist(), dtype=a.dtype).reshape(ref.shape)  # it fits
    for method in [*METHODS, "auto"]:
        out = run(a, b, mode, method)
        if out is not None:
            assert out.dtype == a.dtype and np.array_equal(out, expected), method


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=40, deadline=None)
@given(pair=integer_pairs(wrap=True))
def test_floating_methods_wrap_like_direct(mode, pair):
    """Results too large for the dtype wrap modulo 2**bits: the FFT methods (exact
    modulo 2**64) give what direct integer arithmetic gives."""
    a, b = pair
    if mode == "valid" and not (all(p >= q for p, q in zip(a.shape, b.shape))
                                or all(q >= p for p, q in zip(a.shape, b.shape))):
        return
    expected = wrapped(exact_reference(a, b, mode), a.dtype)
    for method in ["direct", *FLOAT_METHODS]:
        out = run(a, b, mode, method)
        if out is not None:
            assert np.array_equal(out, expected), method


def test_booleans_under_every_method():
    a = np.array([True, False, True, True])
    b = np.array([True, True, False])
    expected = np.convolve(a.astype(int), b.astype(int)) != 0
    for method in [*METHODS, "auto"]:
        out = run(a, b, "full", method)
        if out is None:  # outside the method's domain ('compiled': floats only)
            continue
        assert out.dtype == bool and np.array_equal(out, expected), method


@pytest.mark.parametrize("method", ["fft", "overlap_add"])
def test_split_at_the_bound(method):
    """Values on both sides of the first split, and far beyond: each plan's bound is at
    most ERROR_TARGET, and the result is exact."""
    n = 3000
    for top in (2**20, 2**24, 2**26, 2**26 + 1, 2**31, 2**40, 2**62):
        x = np.full(n, top, dtype=np.int64) - np.arange(n) % 7
        h = np.full(n // 3, top, dtype=np.int64) - np.arange(n // 3) % 5
        plan = split_plan(x, h, method)
        out = exact_integer_convolve(x, h, "full", METHODS[method], method)
        ref = wrapped(exact_reference(x, h, "full"), np.int64)
        assert np.array_equal(out, ref), (top, plan)
    assert split_plan(np.full(n, 2**20), np.full(n // 3, 2**20), method)[1] == 1


def test_digits_recombine():
    x = np.array([2**63 - 1, -2**63, -1, 0, 12345678901234, -98765], dtype=np.int64)
    for k, parts in [(32, 2), (22, 3), (16, 4), (8, 8)]:
        digits = _digits(x, k, parts)
        assert all((d >= 0).all() for d in digits[:-1])
        total = sum(d * _wrapped_power(k * i) for i, d in enumerate(digits))
        assert np.array_equal(total, x)


def test_integer_and_complex_inputs_do_not_warn():
    """choose_method called int() on a complex maximum (ComplexWarning, an error under
    the project's warnings filter) before the fix."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cl.choose_method(np.arange(5), np.array([1 + 2j, 3j])) == "direct"
        out = cl.convolve(np.arange(5), np.array([1 + 2j, 3j]))
    assert np.allclose(out, np.convolve(np.arange(5), [1 + 2j, 3j]))


# ---- the FFT's error bound --------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n, m", [(100, 7), (1000, 999), (4096, 64), (30000, 3000)])
def test_error_bound_holds(dtype, n, m):
    rng = np.random.default_rng(n + m)
    for x, h in [(rng.standard_normal(n), rng.standard_normal(m)),
                 (rng.random(n), rng.random(m)),                     # all positive
                 (np.ones(n), np.ones(m))]:
        exact = np.convolve(x.astype(dtype).astype(np.float64),
                            h.astype(dtype).astype(np.float64))   # float64: ~1e-16 off
        err = np.abs(fft_convolve(x.astype(dtype), h.astype(dtype)) - exact).max()
        assert err <= fft_error_bound(x, h, dtype)


def test_error_bound_is_absolute():
    """The bound is the same for every output sample, so small ones can change sign:
    the pmf of 100 dice, computed by FFT, has negative entries far below the bound."""
    die = np.full(6, 1 / 6)
    pmf = die
    for _ in range(99):
        pmf = np.convolve(pmf, die)
    by_fft = fft_convolve(pmf[:301], pmf[:300])
    assert (by_fft < 0).any()
    assert np.abs(by_fft - np.convolve(pmf[:301], pmf[:300])).max() <= \
        fft_error_bound(pmf[:301], pmf[:300])
    assert ERROR_TARGET < 0.5


@pytest.mark.parametrize("method", ["fft", "overlap_add", "winograd"])
def test_exact_at_the_largest_unsplit_values(method):
    """Near-constant inputs at the largest value the plan still computes in one piece
    (bisection on the plan), and one above: exact on both sides of the bound."""
    n, m = (4096, 2048) if method != "winograd" else (4096, 3)
    ramp1, ramp2 = np.arange(n) % 3, np.arange(m) % 2

    def unsplit(v):
        return split_plan(v - ramp1, v - ramp2, method) == (0, 1, 0, 1)

    lo, hi = 1, 2**40
    while hi - lo > 1:   # largest v that needs no split
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if unsplit(mid) else (lo, mid)
    for v in (lo, hi):
        x, h = v - ramp1, v - ramp2
        out = exact_integer_convolve(x, h, "full", METHODS[method], method)
        ref = wrapped(exact_reference(x, h, "full"), np.int64)
        assert np.array_equal(out, ref), v
    assert unsplit(lo) and not unsplit(hi)

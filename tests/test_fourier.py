"""convlib.fourier and the FFT methods of the dispatcher: against SciPy and identities."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.fft
import scipy.linalg
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import convlib as cl
from convlib import dispatch
from convlib.fourier import (block_length, block_plan, circular_convolve, dft_matrix,
                             fft_convolve, overlap_add, overlap_save)

from conftest import DTYPES, array_pairs, elements

MODES = ["full", "same", "valid"]

# FFT rounding error is global: every output sample is an inverse DFT of all products,
# so it is bounded by a few ulps x log2(FFT length) x sum|a| x max|b| (the largest
# possible output magnitude), not by the local output. eps is 1.2e-7 for float32 and
# 2.2e-16 for float64/complex128; the factor 50 covers log2 of the lengths used here
# (at most ~2**10) and the few operations per point.
EPS = {np.dtype(np.float32): 1.2e-7, np.dtype(np.float64): 2.2e-16,
       np.dtype(np.complex64): 1.2e-7, np.dtype(np.complex128): 2.2e-16}


def fft_tol(a, b, out_dtype):
    eps = max(EPS.get(np.dtype(out_dtype), 2.2e-16),
              *(EPS.get(x.dtype, 2.2e-16) for x in (a, b)))
    return 50 * eps * (np.abs(a).sum() * np.abs(b).max() + 1)


def assert_fft_close(actual, desired, a, b):
    actual, desired = np.asarray(actual), np.asarray(desired)
    assert actual.dtype == desired.dtype, (actual.dtype, desired.dtype)
    assert actual.shape == desired.shape, (actual.shape, desired.shape)
    if actual.size:
        err = np.abs(actual.astype(complex) - desired).max()
        assert err <= fft_tol(a, b, actual.dtype), err


def as_transformed(ref):
    """SciPy returns the plain product, in the input dtype, when every axis has size 1;
    functions that always transform return float64 there."""
    return ref.astype(np.float64) if ref.dtype.kind in "biu" else ref


def scipy_or_none(func, *args):
    try:
        return func(*args)
    except ValueError:
        return None


# ---- hand-computed literals ----------------------------------------------------------------

def test_literals():
    assert fft_convolve([1, 2, 3], [1, 1]).round(12).tolist() == [1, 3, 5, 3]
    assert fft_convolve([1, 2, 3], [1, 1], "valid").round(12).tolist() == [3, 5]
    assert fft_convolve([1, 2, 3, 4], [1, 1, 1], "same").round(12).tolist() == [3, 6, 9, 7]
    # circular: [1, 2, 3] * [1, 1, 0] = y[n] = a[n] + a[n - 1 mod 3]
    assert circular_convolve([1, 2, 3], [1, 1, 0]).round(12).tolist() == [4, 3, 5]
    assert overlap_add(np.arange(8), [1, 1, 1], block_size=4).round(12).tolist() == \
        [0, 1, 3, 6, 9, 12, 15, 18, 13, 7]
    assert overlap_save(np.arange(8), [1, -1], block_size=3).round(12).tolist() == \
        [0, 1, 1, 1, 1, 1, 1, 1, -7]


def test_dft_matrix_is_the_dft():
    for n in (1, 2, 5, 8):
        F = dft_matrix(n)
        np.testing.assert_allclose(F, scipy.linalg.dft(n), atol=1e-12)
        x = np.arange(n) + 1j
        np.testing.assert_allclose(F @ x, np.fft.fft(x), atol=1e-12)
        np.testing.assert_allclose(F.conj().T @ F, n * np.eye(n), atol=1e-12)


def test_dft_diagonalises_circulant():
    c = np.array([2.0, -1, 0, 0, 3])
    C = scipy.linalg.circulant(c)  # C @ x == circular_convolve(c, x)
    F = dft_matrix(5)
    D = F @ C @ np.linalg.inv(F)
    np.testing.assert_allclose(D, np.diag(np.fft.fft(c)), atol=1e-12)
    x = np.arange(5.0)
    np.testing.assert_allclose(C @ x, circular_convolve(c, x), atol=1e-12)


# ---- differential tests against SciPy --------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@given(pair=array_pairs(max_side=7))
def test_fft_convolve_equals_scipy(mode, pair):
    a, b = pair
    ref = scipy_or_none(scipy.signal.fftconvolve, a, b, mode)
    if ref is None:
        with pytest.raises(ValueError, match="^fft_convolve: in 'valid' mode"):
            fft_convolve(a, b, mode)
        return
    assert_fft_close(fft_convolve(a, b, mode), ref, a, b)


@st.composite
def broadcast_pairs(draw):
    """Arrays with some axes convolved and the others equal or 1 (SciPy's axes rule)."""
    ndim = draw(st.integers(1, 3))
    axes = draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                         unique_by=lambda ax: ax % ndim))
    dtype = draw(st.sampled_from(DTYPES))
    s1, s2 = [], []
    for ax in range(ndim):
        if ax in [a % ndim for a in axes]:
            s1.append(draw(st.integers(1, 6)))
            s2.append(draw(st.integers(1, 6)))
        else:
            n = draw(st.integers(1, 4))
            s1.append(draw(st.sampled_from([n, 1])))
            s2.append(draw(st.sampled_from([n, 1])))
    a = draw(hnp.arrays(dtype, tuple(s1), elements=elements(dtype)))
    b = draw(hnp.arrays(dtype, tuple(s2), elements=elements(dtype)))
    return a, b, axes


@pytest.mark.parametrize("mode", MODES)
@given(case=broadcast_pairs())
def test_fft_convolve_axes_equals_scipy(mode, case):
    a, b, axes = case
    ref = scipy_or_none(scipy.signal.fftconvolve, a, b, mode, axes)
    if ref is None:
        with pytest.raises(ValueError, match="^fft_convolve: in 'valid' mode"):
            fft_convolve(a, b, mode, axes)
        return
    assert_fft_close(fft_convolve(a, b, mode, axes), ref, a, b)


@st.composite
def long_short_pairs(draw):
    """One input much longer than the other along some axes, so blocks are used."""
    ndim = draw(st.integers(1, 2))
    dtype = draw(st.sampled_from(DTYPES))
    big = 300 if ndim == 1 else 40
    s1 = tuple(draw(st.integers(1, big)) for _ in range(ndim))
    s2 = tuple(draw(st.integers(1, 12)) for _ in range(ndim))
    if draw(st.booleans()):
        s1, s2 = s2, s1
    a = draw(hnp.arrays(dtype, s1, elements=elements(dtype)))
    b = draw(hnp.arrays(dtype, s2, elements=elements(dtype)))
    return a, b


@pytest.mark.parametrize("mode", MODES)
@given(pair=st.one_of(array_pairs(max_side=7), long_short_pairs()))
def test_overlap_add_equals_oaconvolve(mode, pair):
    a, b = pair
    ref = scipy_or_none(scipy.signal.oaconvolve, a, b, mode)
    if ref is None:
        with pytest.raises(ValueError, match="^overlap_add: in 'valid' mode"):
            overlap_add(a, b, mode)
        return
    assert_fft_close(overlap_add(a, b, mode), ref, a, b)


@pytest.mark.parametrize("mode", MODES)
@given(pair=st.one_of(array_pairs(max_side=7), long_short_pairs()), data=st.data())
def test_overlap_save_equals_convolve(mode, pair, data):
    a, b = pair
    ref = scipy_or_none(scipy.signal.fftconvolve, a, b, mode)
    if ref is None or scipy_or_none(scipy.signal.convolve, a, b, mode) is None:
        return
    assert_fft_close(overlap_save(a, b, mode), as_transformed(ref), a, b)
    kernel = b if b.size <= a.size else a  # overlap_save's kernel: the smaller input
    size = [data.draw(st.integers(m, m + 20)) for m in kernel.shape]
    assert_fft_close(overlap_save(a, b, mode, block_size=size), as_transformed(ref), a, b)
    small = [min(p, q) for p, q in zip(a.shape, b.shape)]
    size = [data.draw(st.integers(m, m + 20)) for m in small]
    assert_fft_close(overlap_add(a, b, mode, block_size=size), ref, a, b)


@given(n=st.integers(1, 5000), m=st.integers(1, 600))
def test_block_length_is_scipys_rule(n, m):
    from scipy.signal._signaltools import _calc_oa_lens  # the rule SciPy uses

    length = block_length(n, m)
    scipy_len, overlap, *_ = _calc_oa_lens(n, m)
    if overlap is None:  # SciPy: one block of the full length
        assert length == scipy.fft.next_fast_len(n + m - 1)
    else:
        assert length == scipy_len and length < max(n, m)
    assert length >= min(n, m)


# ---- identities ----------------------------------------------------------------------------

@given(pair=array_pairs(max_side=6))
def test_circular_convolution_theorem(pair):
    a, b = pair
    b = np.resize(b, a.shape).astype(b.dtype)  # equal shapes
    out = circular_convolve(a, b)
    # the definition: y = sum_k a[k] * b shifted (circularly) by k
    ref = sum(a[k] * np.roll(b, k, axis=tuple(range(a.ndim)))
              for k in np.ndindex(*a.shape)).astype(out.dtype)
    assert_fft_close(out, ref, a, b)
    # the theorem: DFT(a circ b) = DFT(a) DFT(b)
    lhs = np.fft.fftn(out.astype(complex))
    rhs = np.fft.fftn(a.astype(complex)) * np.fft.fftn(b.astype(complex))
    assert np.abs(lhs - rhs).max() <= fft_tol(a, b, out.dtype) * a.size


@given(pair=array_pairs(max_side=6))
def test_zero_padding_turns_circular_into_linear(pair):
    a, b = pair
    full = [p + q - 1 for p, q in zip(a.shape, b.shape)]
    pad = lambda x: np.pad(x, [(0, f - s) for f, s in zip(full, x.shape)])  # noqa: E731
    out = circular_convolve(pad(a), pad(b))
    assert_fft_close(out, as_transformed(fft_convolve(a, b)), a, b)


def test_block_plan_reproduces_convolution():
    rng = np.random.default_rng(0)
    x, h = rng.standard_normal(50), rng.standard_normal(7)
    ref = np.convolve(x, h)
    for size in (7, 8, 13, 16, 64):
        add = block_plan(50, 7, size, "add")
        y = np.zeros(len(ref))
        for i0, i1, o0, o1 in zip(add["in_start"], add["in_stop"], add["out_start"],
                                  add["out_stop"]):
            y[o0:o1] += np.convolve(x[i0:i1], h)[:o1 - o0]
        np.testing.assert_allclose(y, ref, atol=1e-12)
        save = block_plan(50, 7, size, "save")
        xp = np.pad(x, (7 - 1, size))
        y = np.zeros(len(ref))
        for i0, i1, o0, o1 in zip(save["in_start"], save["in_stop"], save["out_start"],
                                  save["out_stop"]):
            seg = xp[i0 + 6:i1 + 6]
            circ = circular_convolve(seg, np.pad(h, (0, size - 7)))
            y[o0:o1] = circ[6:6 + o1 - o0]
        np.testing.assert_allclose(y, ref, atol=1e-12)
        assert save["step"] == add["step"] == size - 6


# ---- dtypes, dispatcher ----------------------------------------------------------------------

@pytest.mark.parametrize("t1, t2", [(np.float32, np.float32), (np.int64, np.int64),
                                    (np.float32, np.float64), (np.complex64, np.float32),
                                    (np.bool_, np.bool_), (np.int8, np.float32)])
@pytest.mark.parametrize("func, ref_func", [(fft_convolve, scipy.signal.fftconvolve),
                                            (overlap_add, scipy.signal.oaconvolve)])
def test_dtype_is_scipys(t1, t2, func, ref_func):
    a = np.array([1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1], dtype=t1)
    b = np.array([1, 1, 0], dtype=t2)
    assert func(a, b).dtype == ref_func(a, b).dtype
    assert overlap_save(a, b).dtype == scipy.signal.fftconvolve(a, b).dtype


@pytest.mark.parametrize("method", ["fft", "overlap_add"])
def test_dispatcher_integer_results_are_exact(method):
    rng = np.random.default_rng(1)
    x = rng.integers(-1000, 1000, 3000)
    h = rng.integers(-1000, 1000, 200)
    for mode in MODES:
        out = cl.convolve(x, h, mode, method=method)
        assert out.dtype == np.int64
        np.testing.assert_array_equal(out, scipy.signal.convolve(x, h, mode, "direct"))


def test_methods_are_registered():
    assert {"fft", "overlap_add"} <= set(dispatch.METHODS)
    assert not {"fft", "overlap_add"} & set(dispatch.PLANNED_METHODS)


def test_inputs_are_not_modified():
    a = np.arange(20.0)
    b = np.array([1.0, 2.0, 3.0])
    a0, b0 = a.copy(), b.copy()
    for func in (fft_convolve, overlap_add, overlap_save):
        func(a, b)
        func(a, b, "valid")
    circular_convolve(a[:3], b)
    assert np.array_equal(a, a0) and np.array_equal(b, b0)


# ---- choose_method and its cost model --------------------------------------------------------

def test_choose_method_guards_like_scipy():
    assert cl.choose_method([True, False] * 500, [True] * 300) == "direct"
    x = np.full(100_000, 2**45)
    assert cl.choose_method(x, np.ones(1000, dtype=int)) == "direct"
    assert cl.choose_method(x.astype(float), np.ones(1000)) != "direct"
    assert scipy.signal.choose_conv_method(x, np.ones(1000, dtype=int)) == "direct"
    assert cl.choose_method(np.float64(2), np.float64(3)) == "direct"


def test_choose_method_picks_by_size():
    assert cl.choose_method(np.ones(50), np.ones(3)) == "direct"
    assert cl.choose_method(np.ones(3000), np.ones(3000)) == "fft"
    assert cl.choose_method(np.ones(1_000_000), np.ones(1000)) == "overlap_add"
    assert cl.choose_method(np.ones((256, 256)), np.ones((15, 15))) == "fft"


def test_auto_uses_choose_method(monkeypatch):
    calls = []
    monkeypatch.setitem(dispatch.METHODS, "fft",
                        lambda a, b, mode: calls.append(mode) or fft_convolve(a, b, mode))
    out = cl.convolve(np.ones(3000), np.ones(3000), "same")
    assert calls == ["same"] and out.shape == (3000,)


@pytest.mark.parametrize("mode", MODES)
@given(pair=array_pairs(max_side=6, dtypes=[np.float64]))
def test_cost_features_count_the_multiply_adds(mode, pair):
    a, b = pair
    if scipy_or_none(scipy.signal.convolve, a, b, mode) is None:
        return
    if mode == "valid" and cl.shapes.valid_swap_needed(a.shape, b.shape):
        a, b = b, a
    work = dispatch.cost_features(a.shape, b.shape, mode)
    # every term x[k] h[n - k] of every output sample, counted by convolving ones
    terms = cl.convolve(np.ones(a.shape, int), np.ones(b.shape, int), mode).sum()
    assert work["direct"]["mac"] == terms
    assert work["direct"]["tap"] == min(a.size, b.size)
    costs = cl.estimate_costs(a, b, mode)
    assert set(costs) == {"direct", "fft", "overlap_add"} and min(costs.values()) > 0


def test_cost_constants_are_complete():
    for method, consts in dispatch.COST_CONSTANTS.items():
        assert set(consts) == set(dispatch.cost_features((10,), (3,))[method])
        assert all(v >= 0 for v in consts.values())


# ---- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, match", [
    (lambda: fft_convolve([1, 2], [[1]]), ValueError,
     r"^fft_convolve: in1 and in2 must have the same number of dimensions"),
    (lambda: fft_convolve([1, 2], [1], mode="middle"), ValueError,
     r"^fft_convolve: mode must be one of 'full', 'same', 'valid'; got 'middle'"),
    (lambda: fft_convolve([1, 2], [1], axes=2), ValueError,
     r"^fft_convolve: axes must be in \[-1, 1\) for 1-D inputs; got 2"),
    (lambda: fft_convolve(np.ones((2, 2)), np.ones((2, 2)), axes=[0, -2]), ValueError,
     r"^fft_convolve: axes must be unique; got \[0, -2\]"),
    (lambda: fft_convolve([1, 2], [1], axes=[]), ValueError,
     r"^fft_convolve: axes must not be empty when given"),
    (lambda: fft_convolve([1, 2], [1], axes=0.5), TypeError,
     r"^fft_convolve: axes must be an integer; got 0.5"),
    (lambda: fft_convolve(np.ones((2, 3)), np.ones((2, 2)), axes=0), ValueError,
     r"^fft_convolve: in1 and in2 must have equal sizes \(or size 1\) along the axes not "
     r"convolved; got shapes \(2, 3\) and \(2, 2\)"),
    (lambda: fft_convolve(np.ones((2, 3)), np.ones((3, 2)), "valid"), ValueError,
     r"^fft_convolve: in 'valid' mode one input must be at least as large"),
    (lambda: fft_convolve([], [1]), ValueError, r"^fft_convolve: in1 must not be empty"),
    (lambda: fft_convolve(["a"], [1]), TypeError, r"^fft_convolve: in1 must hold numbers"),
    (lambda: overlap_add(np.ones(10), np.ones(3), block_size=2), ValueError,
     r"^overlap_add: block_size must be >= the kernel length \(3\) along axis 0; got 2"),
    (lambda: overlap_add(np.ones(10), np.ones(3), block_size=(8, 8)), ValueError,
     r"^overlap_add: block_size must be an int or one int per axis \(1\); got \(8, 8\)"),
    (lambda: overlap_add(np.ones(10), np.ones(3), block_size=8.0), TypeError,
     r"^overlap_add: block_size must be an integer; got 8.0"),
    (lambda: overlap_add(np.ones((2, 3)), np.ones((3, 2)), "valid"), ValueError,
     r"^overlap_add: in 'valid' mode"),
    (lambda: overlap_save(np.ones(10), np.ones(3), block_size=2), ValueError,
     r"^overlap_save: block_size must be >= the kernel length \(3\) along axis 0; got 2"),
    (lambda: overlap_save(np.ones((2, 3)), np.ones((3, 2)), "valid"), ValueError,
     r"^overlap_save: in 'valid' mode"),
    (lambda: overlap_save([1, 2], [1], mode="all"), ValueError,
     r"^overlap_save: mode must be one of"),
    (lambda: circular_convolve([1, 2, 3], [1, 2]), ValueError,
     r"^circular_convolve: a and b must have the same shape; got \(3,\) and \(2,\)"),
    (lambda: circular_convolve(1.0, 2.0), ValueError,
     r"^circular_convolve: a must have at least 1 dimension"),
    (lambda: dft_matrix(0), ValueError, r"^dft_matrix: n must be >= 1; got 0"),
    (lambda: dft_matrix(2.5), TypeError, r"^dft_matrix: n must be an integer; got 2.5"),
    (lambda: block_length(5, 0), ValueError, r"^block_length: m must be >= 1; got 0"),
    (lambda: block_plan(10, 3, method="scrap"), ValueError,
     r"^block_plan: method must be one of 'add', 'save'; got 'scrap'"),
    (lambda: cl.choose_method([1, 2], [[1]]), ValueError,
     r"^choose_method: in1 and in2 must have the same number of dimensions"),
    (lambda: cl.estimate_costs([1, 2], [1], "middle"), ValueError,
     r"^estimate_costs: mode must be one of"),
    (lambda: cl.convolve(np.ones((2, 3)), np.ones((3, 2)), "valid", method="fft"),
     ValueError, r"^convolve: in 'valid' mode"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---- chapter 5's widget, figures and timing helper -------------------------------------------

@given(n=st.integers(1, 12), m=st.integers(1, 12), extra=st.integers(0, 25))
def test_wraparound_folds_the_tail(n, m, extra):
    rng = np.random.default_rng(n * 100 + m)
    x, h = rng.standard_normal(n), rng.standard_normal(m)
    length = max(n, m) + extra
    circular, linear = cl.fourier.wraparound(x, h, length)
    folded = np.zeros(length)
    np.add.at(folded, np.arange(n + m - 1) % length, linear)  # sum_r y[n + r L]
    np.testing.assert_allclose(circular, folded, atol=1e-12)
    np.testing.assert_allclose(linear, np.convolve(x, h), atol=1e-12)
    if length >= n + m - 1:
        np.testing.assert_allclose(circular[:n + m - 1], linear, atol=1e-12)


def test_wraparound_errors():
    with pytest.raises(ValueError, match=r"^wraparound: length must be >= 3; got 2"):
        cl.fourier.wraparound([1, 2, 3], [1], 2)
    with pytest.raises(ValueError, match=r"^wraparound: x must be 1-D"):
        cl.fourier.wraparound(np.ones((2, 2)), [1], 4)


@pytest.mark.parametrize("length", [7, 8, 10, 11, 13])
def test_draw_wraparound_marks_the_wrapped_samples(length):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.array([1.0, 2, 3, 2, 1, 0.5, 2])
    h = np.array([1.0, -1, 0.5, 1, 0.3])
    fig = plt.figure()
    cl.plotting.draw_wraparound(fig, x, h, length)
    wrong = max(0, 11 - length)
    top, bottom = fig.axes
    assert bottom.get_title().startswith(f"{wrong} sample(s) differ")
    circles = [ln for ln in bottom.lines if ln.get_markerfacecolor() == "none"]
    assert len(circles[0].get_xdata()) == wrong
    assert np.array_equal(circles[0].get_xdata(), np.arange(wrong))
    plt.close(fig)


@pytest.mark.parametrize("n, m, size", [(30, 5, 12), (100, 9, 16), (20, 3, 40)])
def test_draw_blocks_draws_every_block(n, m, size):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    cl.plotting.draw_blocks(fig, n, m, size)
    add_ax, save_ax = fig.axes
    add, save = block_plan(n, m, size, "add"), block_plan(n, m, size, "save")
    assert len(add_ax.patches) == 2 * len(add["in_start"]) + 1  # + the shaded signal
    assert len(save_ax.patches) == 3 * len(save["in_start"]) + 1
    assert f"B = {size}, L = {size - m + 1}" in add_ax.get_title()
    plt.close(fig)


def test_plot_timings_and_bench_methods():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = cl.fourier.bench_methods(np.ones(32), np.ones(4), repeat=1, budget=0.001)
    assert set(times) == {"direct", "fft", "overlap_add"}
    assert all(0 < t < 1 for t in times.values())
    only = cl.fourier.bench_methods(np.ones(8), np.ones(2), methods=("direct",), repeat=2,
                                    budget=0.0)
    assert set(only) == {"direct"}
    fig, ax = plt.subplots()
    cl.plotting.plot_timings(ax, [1, 2], {"direct": [1e-3, 2e-3], "fft": [2e-3, 2e-3]},
                             {"direct": [1e-3, 2e-3]}, "M")
    assert len(ax.lines) == 3 and ax.get_xlabel() == "M"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1, 2])  # milliseconds
    plt.close(fig)
    with pytest.raises(ValueError, match=r"^bench_methods: repeat must be >= 1; got 0"):
        cl.fourier.bench_methods([1.0], [1.0], repeat=0)
    with pytest.raises(ValueError, match=r"^convolve: method must be one of"):
        cl.fourier.bench_methods([1.0], [1.0], methods=("magic",))


# ---- the calibration of the cost model -------------------------------------------------------

def test_fit_recovers_known_constants():
    truth = {m: {k: (i + 1) * 1e-9 * (1 + 0.5 * j) for j, k in enumerate(feats)}
             for i, (m, feats) in enumerate(dispatch.cost_features((10,), (3,)).items())}
    rows = []
    for s1, s2 in cl.fourier.calibration_shapes()[::3]:
        features = dispatch.cost_features(s1, s2, "full")
        rows.append({"features": features, **{
            m: sum(truth[m][k] * v for k, v in features[m].items()) for m in truth}})
    fitted = cl.fourier.fit_cost_constants(rows, within=np.inf)
    for m in truth:
        # exact data, so only the 'nlogn_1d'/'nlogn' style collinear pairs could move;
        # the predictions must match to rounding on every row
        pred = [sum(fitted[m][k] * v for k, v in r["features"][m].items()) for r in rows]
        np.testing.assert_allclose(pred, [r[m] for r in rows], rtol=1e-6)


def test_calibration_grid_and_a_tiny_run():
    shapes = cl.fourier.calibration_shapes()
    assert len(shapes) == dispatch.COST_MODEL_FIT["shapes"] == 92
    assert all(len(a) == len(b) and all(q <= p for p, q in zip(a, b)) for a, b in shapes)
    constants, rows = cl.fourier.calibrate_cost_model(
        [((64,), (3,)), ((256,), (31,)), ((32, 32), (3, 3))], repeat=1, budget=0.001)
    assert set(constants) <= {"direct", "fft", "overlap_add"} and len(rows) == 3
    assert all(v >= 0 for c in constants.values() for v in c.values())
    assert all(r["direct"] > 0 and r["fft"] > 0 for r in rows)

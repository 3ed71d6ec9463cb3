"""convlib.compiled: method='compiled', the compiled convolve2d path and depthwise layers.

Oracles: SciPy's direct sums, convlib's NumPy 'direct' sum (equal bit for bit on N-d
inputs: the same products added in the same order), convlib.nn's NumPy depthwise paths
(convlib.compiled.USE_COMPILED = False) and finite differences. Small inputs: each
kernel is compiled once per dtype (cached in convlib/__pycache__ across processes).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import convlib as cl
from convlib import compiled, nn
from convlib.direct import windows_pay
from convlib.dispatch import METHODS, MethodCannotServe
from support import array_pairs, assert_close, assert_close_to_max, bound

needs_numba = pytest.mark.skipif(not compiled.numba_available(), reason="numba missing")
FLOATS = [np.float32, np.float64]
MODES = ["full", "same", "valid"]

# (in1 shape, in2 shape): odd and even kernels, kernels larger than the input, mixed
SHAPES = [((17,), (3,)), ((16,), (4,)), ((5,), (9,)), ((20_000,), (7,)),
          ((12, 13), (3, 3)), ((11, 10), (4, 2)), ((3, 4), (6, 7)), ((9, 3), (2, 5)),
          ((6, 7, 5), (3, 2, 3)), ((4, 5, 6), (5, 5, 7)), ((1, 9, 1), (1, 3, 1))]


def _pair(s1, s2, dtype, rng):
    return (rng.standard_normal(s1).astype(dtype), rng.standard_normal(s2).astype(dtype))


def _valid_ok(s1, s2):
    return all(p >= q for p, q in zip(s1, s2)) or all(p <= q for p, q in zip(s1, s2))


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shapes", SHAPES)
def test_compiled_equals_scipy_and_direct(shapes, mode, dtype):
    s1, s2 = shapes
    if mode == "valid" and not _valid_ok(s1, s2):
        pytest.skip("no input at least as large as the other")
    x, h = _pair(s1, s2, dtype, np.random.default_rng(len(s1) * 100 + s2[0]))
    x0, h0 = x.copy(), h.copy()
    got = cl.convolve(x, h, mode, method="compiled")
    ref = scipy.signal.convolve(x.astype(float), h.astype(float), mode, method="direct")
    assert got.dtype == dtype and got.shape == ref.shape
    assert_close(got, ref.astype(dtype), bound(x, h, lambda a, b: scipy.signal.convolve(
        a, b, mode, method="direct")))
    direct = cl.convolve(x, h, mode, method="direct")
    if len(s1) > 1:  # the same sum in the same order (1-D 'direct' is numpy.convolve)
        np.testing.assert_array_equal(got, direct)
    corr = cl.correlate(x, h, mode, method="compiled")
    ref_c = scipy.signal.correlate(x.astype(float), h.astype(float), mode, method="direct")
    assert np.allclose(corr, ref_c, rtol=1e-4, atol=1e-4 * np.abs(ref_c).max())
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(h, h0)


@needs_numba
@given(pair=array_pairs(max_side=6, dtypes=FLOATS), mode=st.sampled_from(["full", "same"]))
def test_compiled_agrees_with_direct_on_random_inputs(pair, mode):
    a, b = pair
    got = cl.convolve(a, b, mode, method="compiled")
    assert_close(got, cl.convolve(a, b, mode, method="direct"),
                 bound(a, b, lambda u, v: scipy.signal.convolve(u, v, mode)))


@needs_numba
def test_signed_zeros_equal_direct():
    """The sign of a zero as 'direct' gives it (``assert_array_equal`` takes -0 for +0):
    signed zeros in the input, negative and zero taps, every mode, 2-D and 3-D; the
    nine-tap pass of a 3 x 3 kernel without zero taps, documented to differ, left out."""
    from convlib.direct import convolve_direct
    rng = np.random.default_rng(29)
    checked = 0
    for trial in range(300):
        ndim = 2 + trial % 2
        s1 = tuple(int(n) for n in rng.integers(1, 40 if ndim == 2 else 9, ndim))
        s2 = tuple(int(n) for n in rng.integers(1, 8, ndim))
        if s2[-2:] == (3, 3) and (ndim == 2 or s2[0] == 1):
            continue
        for dtype in FLOATS:
            a = rng.choice([0.0, -0.0, 1.0, -2.0], size=s1).astype(dtype)
            b = rng.choice([-1.0, -0.5, 0.0, 2.0], size=s2).astype(dtype)
            for mode in ("full", "same", "valid"):
                if mode == "valid" and not all(p >= q for p, q in zip(s1, s2)):
                    continue
                out = compiled.convolve_compiled(a, b, mode)
                expected = convolve_direct(a, b, mode)
                np.testing.assert_array_equal(out.view(f"u{out.itemsize}"),
                                              expected.view(f"u{out.itemsize}"))
                checked += 1
    assert checked > 500


@needs_numba
def test_non_contiguous_and_negative_strides():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((30, 40))[::-2, 1::3]
    h = rng.standard_normal((5, 8))[:, ::-2]
    for mode in MODES:
        np.testing.assert_array_equal(cl.convolve(x, h, mode, method="compiled"),
                                      cl.convolve(x, h, mode, method="direct"))
    y = np.asfortranarray(rng.standard_normal((20, 9)))
    np.testing.assert_array_equal(cl.convolve(y, h, method="compiled"),
                                  cl.convolve(y, h, method="direct"))


@needs_numba
def test_nan_stays_local_and_mixed_precision():
    x = np.ones((8, 8))
    x[4, 4] = np.nan
    out = cl.convolve(x, np.ones((3, 3)), "same", method="compiled")
    assert np.isnan(out).sum() == 9
    mixed = cl.convolve(np.ones(5, np.float32), np.ones(3), method="compiled")
    assert mixed.dtype == np.float64  # result_type, as every method


@pytest.mark.parametrize("a, b, match", [
    (np.ones(4, int), np.ones(2, int), "float32 and float64 results; got int64"),
    (np.ones(4, complex), np.ones(2), "got complex128"),
    (np.ones((2,) * 4), np.ones((1,) * 4), "1 to 3 dimensions; got 4"),
])
def test_serves_refuses_with_a_reason(a, b, match):
    assert match in METHODS["compiled"].serves(a, b, "full")
    with pytest.raises(MethodCannotServe, match=match):
        cl.convolve(a, b, method="compiled")
    with pytest.raises(MethodCannotServe, match=match):
        compiled.convolve_compiled(a, b)


def test_auto_keeps_integers_exact():
    x = np.array([2**40 + 1, 3, 5] * 50)
    assert cl.choose_method(x, np.array([1, 2, 3])) != "compiled"
    np.testing.assert_array_equal(cl.convolve(x, np.array([1, 2, 3])),
                                  np.convolve(x, np.array([1, 2, 3])))


@needs_numba
def test_auto_chooses_compiled_for_small_float_kernels(monkeypatch):
    # auto takes 'compiled' once its constants come from a quiet machine
    monkeypatch.setattr(cl.dispatch, "AUTO_USES_COMPILED", True)
    x = np.ones((512, 512))
    h = np.random.default_rng(0).standard_normal((3, 3))
    assert cl.choose_method(x, h) == "compiled"
    # huge kernels still go to an FFT
    assert cl.choose_method(x, np.random.default_rng(0).standard_normal((63, 63))) \
        in ("fft", "overlap_add")


def test_auto_leaves_compiled_out_until_calibrated_on_a_quiet_machine():
    assert cl.costmodel.AUTO_USES_COMPILED is bool(
        cl.costmodel.COST_MODEL_FIT["compiled"]["quiet"])
    if not cl.costmodel.AUTO_USES_COMPILED:
        x = np.ones((512, 512))
        h = np.random.default_rng(0).standard_normal((3, 3))
        assert cl.choose_method(x, h) != "compiled"


BOUNDARIES = ["fill", "wrap", "symm", "reflect", "edge"]


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("boundary", BOUNDARIES)
@pytest.mark.parametrize("mode", MODES)
def test_convolve2d_compiled_path_equals_numpy_path(mode, boundary, dtype, monkeypatch):
    rng = np.random.default_rng(3)
    x, h = _pair((13, 11), (4, 3), dtype, rng)
    fill = 2.0 if boundary == "fill" else 0
    got = cl.convolve2d(x, h, mode, boundary, fill)
    got_c = cl.correlate2d(x, h, mode, boundary, fill)
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    np.testing.assert_array_equal(got, cl.convolve2d(x, h, mode, boundary, fill))
    np.testing.assert_array_equal(got_c, cl.correlate2d(x, h, mode, boundary, fill))
    if boundary in ("fill", "wrap", "symm"):
        ref = scipy.signal.convolve2d(x.astype(float), h.astype(float), mode, boundary,
                                      fill)
        assert np.allclose(got, ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())


DEPTHWISE = [  # (C_in, mult, kernel, stride, padding, dilation)
    (3, 1, (3, 3), 1, 1, 1), (2, 1, (3, 2), 2, 0, (1, 2)), (2, 2, (2, 3), (2, 1), 1, 1),
    # the 3 x 3 one-pass rows: dilated, uneven and wide padding (rows and columns that
    # reach no input), several outputs per input channel; a 5 x 5 kernel, strided
    (2, 1, (3, 3), 1, 2, 2), (2, 3, (3, 3), 1, ((0, 2), (3, 1)), 1),
    (1, 1, (3, 3), 1, 4, (1, 2)), (2, 1, (5, 5), (1, 2), 2, (2, 1)),
    (2, 1, (3, 3), 1, "same", 1),
    # the 3 x 3 one-pass rows with stride 2 (even and odd widths, uneven padding)
    (2, 1, (3, 3), 2, 1, 1), (2, 2, (3, 3), (1, 2), ((1, 0), (0, 2)), (2, 1)),
    # stride 1 with the output as wide as the input: the flattened plane's pass
    # (uneven column padding, row dilation, several outputs per input channel)
    (2, 1, (3, 3), 1, ((0, 1), (2, 0)), (2, 1)), (1, 2, (3, 3), 1, ((2, 2), (0, 2)), 1)]


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("case", DEPTHWISE)
def test_depthwise_conv2d_and_backward_equal_numpy_paths(case, dtype, monkeypatch):
    C, mult, k, s, p, d = case
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, C, 9, 10)).astype(dtype)
    w = rng.standard_normal((C * mult, 1) + k).astype(dtype)
    x0 = x.copy()
    y = nn.conv2d(x, w, stride=s, padding=p, dilation=d, groups=C)
    g = rng.standard_normal(y.shape).astype(dtype)
    grads = nn.conv2d_backward(x, w, g, stride=s, padding=p, dilation=d, groups=C)
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    np.testing.assert_array_equal(y, nn.conv2d(x, w, stride=s, padding=p, dilation=d,
                                               groups=C))
    ref = nn.conv2d_backward(x, w, g, stride=s, padding=p, dilation=d, groups=C)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for got, want in zip(grads, ref):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.allclose(got, want, rtol=rtol, atol=rtol * np.abs(want).max())
    np.testing.assert_array_equal(x, x0)


@needs_numba
def test_depthwise_random_configurations_equal_numpy_paths(monkeypatch):
    # the compiled depthwise kernels branch on the kernel size, stride, dilation and
    # which rows and columns the padding covers: 80 random layers through every branch
    # (column stride 1, 2 -- a weight-gradient kernel of its own -- and 3)
    rng = np.random.default_rng(8)
    layers = []
    for _ in range(80):
        k = tuple(int(v) for v in rng.choice([1, 2, 3, 3, 5], 2))
        s = tuple(int(v) for v in rng.choice([1, 2, 2, 3], 2))
        d = tuple(int(v) for v in rng.integers(1, 3, 2))
        pad = tuple((int(a), int(b)) for a, b in rng.integers(0, 4, (2, 2)))
        hw = [int(v) for v in rng.integers(1, 12, 2)]
        span = [di * (ki - 1) + 1 for di, ki in zip(d, k)]
        if any(n + lo + hi < sp for n, (lo, hi), sp in zip(hw, pad, span)) or k == (1, 1):
            continue
        C, mult = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        dtype = FLOATS[len(layers) % 2]
        x = rng.standard_normal((2, C) + tuple(hw)).astype(dtype)
        w = rng.standard_normal((C * mult, 1) + k).astype(dtype)
        y = nn.conv2d(x, w, stride=s, padding=pad, dilation=d, groups=C)
        g = rng.standard_normal(y.shape).astype(dtype)
        grads = nn.conv2d_backward(x, w, g, stride=s, padding=pad, dilation=d, groups=C)
        layers.append((x, w, g, s, pad, d, C, y, grads))
    assert len(layers) > 40
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    for x, w, g, s, pad, d, C, y, grads in layers:
        np.testing.assert_array_equal(
            y, nn.conv2d(x, w, stride=s, padding=pad, dilation=d, groups=C))
        ref = nn.conv2d_backward(x, w, g, stride=s, padding=pad, dilation=d, groups=C)
        for got, want in zip(grads, ref):
            assert_close_to_max(got, want)


@needs_numba
def test_depthwise_transposed_equals_numpy_path(monkeypatch):
    # conv_transpose2d of a depthwise layer, compiled: at stride 1 the forward pass
    # with the flipped kernel (taps in reverse order: equal up to rounding), else the
    # scatter adjoint; random kernels, dilations, paddings and output paddings
    rng = np.random.default_rng(9)
    layers = []
    for _ in range(60):
        k = tuple(int(v) for v in rng.choice([1, 2, 3, 3, 5], 2))
        s = tuple(int(v) for v in rng.choice([1, 1, 2], 2))
        d = tuple(int(v) for v in rng.integers(1, 3, 2))
        pad = tuple(int(v) for v in rng.integers(0, 3, 2))
        op = tuple(int(rng.integers(0, max(si, di))) for si, di in zip(s, d))
        hw = tuple(int(v) for v in rng.integers(1, 10, 2))
        full = [(n - 1) * si + di * (ki - 1) + 1 + o
                for n, si, di, ki, o in zip(hw, s, d, k, op)]
        if any(f <= 2 * p for f, p in zip(full, pad)):
            continue
        C = int(rng.integers(1, 4))
        dtype = FLOATS[len(layers) % 2]
        x = rng.standard_normal((2, C) + hw).astype(dtype)
        w = rng.standard_normal((C, 1) + k).astype(dtype)
        kw = dict(stride=s, padding=pad, output_padding=op, dilation=d, groups=C)
        layers.append((x, w, kw, nn.conv_transpose2d(x, w, **kw)))
    assert sum(kw["stride"] == (1, 1) for _, _, kw, _ in layers) > 10
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    for x, w, kw, got in layers:
        want = nn.conv_transpose2d(x, w, **kw)
        assert_close_to_max(got, want)


@needs_numba
def test_depthwise_with_non_finite_values_equals_numpy_path(monkeypatch):
    # the compiled layer leaves out the products of padded zeros; with an infinite
    # weight they are NaN, so it pads as the NumPy path does
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, 2, 5, 6))
    w = rng.standard_normal((2, 1, 3, 3))
    w[1, 0, 0, 2] = np.inf
    w_inf = w.copy()
    y = nn.conv2d(x, w, padding=1, groups=2)
    assert np.isnan(y[0, 1, 0]).any()
    # and the backward pass with finite weights, an infinite dL/dy in a corner (its
    # products with padded zeros are NaN in the weight gradient)
    w[1, 0, 0, 2] = 0.5
    g = np.ones((1, 2, 5, 6))
    g[0, 0, 0, 0] = np.inf
    grads = nn.conv2d_backward(x, w, g, padding=1, groups=2)
    assert np.isnan(grads[1][0, 0, 0, 0])
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    with np.errstate(invalid="ignore"):  # inf * 0: NumPy warns
        np.testing.assert_array_equal(y, nn.conv2d(x, w_inf, padding=1, groups=2))
        for got, want in zip(grads, nn.conv2d_backward(x, w, g, padding=1, groups=2)):
            np.testing.assert_allclose(got, want, rtol=1e-12)


@needs_numba
def test_depthwise_gradients_match_finite_differences():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 2, 6, 7))
    w = rng.standard_normal((2, 1, 3, 3))
    g = rng.standard_normal(nn.conv2d(x, w, padding=1, groups=2).shape)
    gx, gw, _ = nn.conv2d_backward(x, w, g, padding=1, groups=2)

    def loss(xx, ww):
        return float((nn.conv2d(xx, ww, padding=1, groups=2) * g).sum())

    eps = 1e-6
    for arr, grad, f in ((x, gx, lambda a: loss(a, w)), (w, gw, lambda a: loss(x, a))):
        for flat in (0, arr.size // 2, arr.size - 1):
            idx = np.unravel_index(flat, arr.shape)
            up, down = arr.copy(), arr.copy()
            up[idx] += eps
            down[idx] -= eps
            assert abs((f(up) - f(down)) / (2 * eps) - grad[idx]) < 1e-6


_BLOCKER = ("import sys; sys.modules['numba'] = None\n"
            "import numpy as np, convlib as cl\n"
            "from convlib import compiled\n"
            "assert not compiled.numba_available()\n"
            "x, h = np.ones((256, 256)), np.arange(9.0).reshape(3, 3)\n"
            "assert cl.choose_method(x, h) != 'compiled'\n"
            "assert np.allclose(cl.convolve(x, h, 'same'), cl.convolve(x, h, 'same', 'direct'))\n"
            "assert cl.convolve2d(x, h).shape == (258, 258)\n"
            "assert cl.nn.conv2d(np.ones((1, 2, 5, 5)), np.ones((2, 1, 3, 3)), groups=2)"
            ".shape == (1, 2, 3, 3)\n"
            "try:\n"
            "    cl.convolve(x, h, method='compiled')\n"
            "except cl.dispatch.MethodCannotServe as e:\n"
            "    print(e)\n")


def test_without_numba_auto_falls_back_and_compiled_names_it():
    out = subprocess.run([sys.executable, "-c", _BLOCKER], capture_output=True,
                         text=True, check=True)
    assert "needs numba, which cannot be imported" in out.stdout, out.stdout + out.stderr


@needs_numba
def test_threads_never_change_the_result(monkeypatch):
    rng = np.random.default_rng(6)
    x, h = rng.standard_normal((40, 30000 // 40)), rng.standard_normal((3, 4))
    x1 = rng.standard_normal(3 * compiled.CHUNK + 5)   # several chunks of one row
    x2, x3 = rng.standard_normal(10_000), rng.standard_normal(5_000)
    h2 = rng.standard_normal(300)
    xd, wd = rng.standard_normal((2, 3, 12, 12)), rng.standard_normal((3, 1, 3, 3))
    outs = {}
    for threads in (True, False):
        monkeypatch.setattr(compiled, "THREADS", threads)
        y = nn.conv2d(xd, wd, padding=1, groups=3)
        outs[threads] = (cl.convolve(x, h, method="compiled"),
                         cl.convolve(x1, h[0], method="compiled"), y,
                         cl.convolve(x2, h2, "valid", method="compiled"),  # equal chunks
                         cl.convolve(x3, h2, method="compiled"),           # one task before
                         *nn.conv2d_backward(xd, wd, y, padding=1, groups=3)[:2])
    for a, b in zip(outs[True], outs[False]):
        np.testing.assert_array_equal(a, b)
    # a call on one thread sets numba's thread count back
    numba = pytest.importorskip("numba")
    assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS


@pytest.mark.parametrize("threads", [1, 2, 3, 4, 8])
@pytest.mark.parametrize("length", [1, 1_500, 2_048, 3_000, 5_000, 8_000, 8_192, 9_701,
                                    10**5, 10**7 + 3])
def test_row_chunk_shares_one_row_evenly(length, threads):
    """One output row on several threads: equal chunks of at most CHUNK samples, their
    number a multiple of the threads, or as many as keep SPLIT_MIN samples each where
    fewer; under numba's contiguous blocks of tasks (prange_blocks) every busy thread
    gets the same number of samples but for one per chunk. Several rows or one thread:
    CHUNK, as before."""
    from convlib.costmodel import prange_blocks
    chunk = compiled.row_chunk(1, length, threads)
    chunks = -(-length // chunk)
    assert chunk <= compiled.CHUNK and (chunks - 1) * chunk < length <= chunks * chunk
    assert compiled.row_chunk(2, length, threads) == compiled.CHUNK
    if threads == 1:
        assert chunk == compiled.CHUNK
        return
    old = -(-length // compiled.CHUNK)                   # chunks of CHUNK samples
    assert chunks >= old and (chunks == old or chunk >= compiled.SPLIT_MIN)
    assert chunks % threads == 0 or chunks == max(old, length // compiled.SPLIT_MIN)
    sizes = [min(length, (t + 1) * chunk) - t * chunk for t in range(chunks)]
    per_thread = [sum(sizes[a:b]) for a, b in prange_blocks(chunks, threads)]
    if chunks % threads == 0:
        assert max(per_thread) - min(per_thread) < chunks        # the old split: 6683


@pytest.mark.parametrize("length, threads, chunk", [
    (9_701, 2, 4_851), (5_000, 2, 2_500), (1_500, 2, 1_500), (2_048, 3, 1_024),
    (3_000, 3, 1_500), (8_000, 8, 1_143), (10**5, 2, 7_143), (10**5, 3, 6_667)])
def test_row_chunk_values(length, threads, chunk):
    """The chunks, worked out by hand: 9,701 = 4,851 + 4,850; 3,000 on three threads
    as two chunks (three would leave 1,000 < SPLIT_MIN); 10**5 as 14 (two threads) or
    15 (three) chunks instead of 13."""
    assert compiled.row_chunk(1, length, threads) == chunk


@needs_numba
@pytest.mark.parametrize("threads", [True, False])
def test_convolve_compiled_passes_row_chunk(monkeypatch, threads):
    """The row passes receive row_chunk's chunk for a lone threaded row, CHUNK on one
    thread or several rows (a spy on the compiled kernel; the values stay 'direct''s)."""
    import types
    kernels = compiled._kernels()
    seen = []

    def conv(*args):
        seen.append(args[6])
        return kernels.conv(*args)

    monkeypatch.setattr(compiled, "THREADS", threads)
    monkeypatch.setattr(compiled, "_kernels",
                        lambda: types.SimpleNamespace(**{**vars(kernels), "conv": conv}))
    rng = np.random.default_rng(31)
    x, h = rng.standard_normal(10_000), rng.standard_normal(300)
    y = compiled.convolve_compiled(x, h, "valid")
    np.testing.assert_allclose(y, np.convolve(x, h, "valid"), rtol=1e-12, atol=1e-12)
    compiled.convolve_compiled(rng.standard_normal((16, 10_000)), h[None], "valid")
    # (16 rows of 80 KB: over PLANE_BYTES, so the row passes, not the whole-plane ones)
    numba = pytest.importorskip("numba")
    lone = compiled.row_chunk(1, 9_701, numba.get_num_threads()) if threads else None
    assert seen == [lone or compiled.CHUNK, compiled.CHUNK]


@needs_numba
@pytest.mark.parametrize("mode", MODES)
def test_zero_taps_and_tap_groups_keep_the_direct_order(mode):
    """Zero taps are skipped and runs of three taps share a pass: still bit for bit."""
    rng = np.random.default_rng(7)
    for k in ((5, 7), (3, 3), (2, 9), (4, 1)):
        h = rng.standard_normal(k).astype(np.float32)
        h[rng.random(k) < 0.3] = 0
        for shape in ((23, 40), (9, 6), (3, 2)):
            x = rng.standard_normal(shape).astype(np.float32)
            if mode == "valid" and not _valid_ok(shape, k):
                continue
            np.testing.assert_array_equal(cl.convolve(x, h, mode, method="compiled"),
                                          cl.convolve(x, h, mode, method="direct"))


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("mode", MODES)
def test_three_by_three_one_pass_rows_keep_the_direct_order(mode, dtype):
    """A 3 x 3 kernel without zeros takes its nine taps in one pass on the rows all
    three input rows reach, edge columns term by term: still bit for bit, on images
    from 1 x 1 (all edges) to long rows split into several tasks (CHUNK)."""
    rng = np.random.default_rng(9)
    h = rng.standard_normal((3, 3)).astype(dtype)
    shapes = [(1, 1), (2, 3), (3, 3), (4, 2), (5, 9), (17, 33), (3, compiled.CHUNK + 5)]
    for shape in shapes:
        x = rng.standard_normal(shape).astype(dtype)
        if mode == "valid" and not _valid_ok(shape, h.shape):
            continue
        for a, b in ((x, h), (h, x)):
            np.testing.assert_array_equal(cl.convolve(a, b, mode, method="compiled"),
                                          cl.convolve(a, b, mode, method="direct"))
    x = rng.standard_normal((6, 7)).astype(dtype)
    x[2, 3] = np.nan
    out = cl.convolve(x, h, "same", method="compiled")
    assert np.isnan(out).sum() == 9    # NaN stays local


def test_import_convlib_does_not_import_numba():
    code = ("import sys, numpy as np, convlib as cl\n"
            "cl.convolve(np.ones(5, int), np.ones(3, int))\n"
            "assert 'numba' not in sys.modules, 'loaded'\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_threads_follow_the_other_processes_cpu_use(monkeypatch):
    # THREADS='auto': threads while other processes leave the cores idle, judged from
    # the machine's busy CPU time less this process's own (its threads do not count)
    clock = {"now": 100.0, "busy": 50.0, "own": 10.0}
    monkeypatch.setattr(compiled, "_LOAD", {"time": None, "busy": 0.0, "own": 0.0,
                                            "idle": True})
    monkeypatch.setattr(compiled, "cpu_seconds", lambda: (clock["busy"], 1e6))
    monkeypatch.setattr(compiled.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(compiled.os, "times", lambda: (clock["own"], 0.0, 0, 0, 0))
    load = {"avg": 3.0}
    monkeypatch.setattr(compiled.os, "getloadavg", lambda: (load["avg"], 0.0, 0.0))
    monkeypatch.setattr(compiled.os, "cpu_count", lambda: 2)
    assert not compiled._idle_core()              # first reading: the load average
    load["avg"] = 0.2
    clock.update(now=120.0)                       # stale (> LOAD_STALE): load average
    assert compiled._idle_core()
    clock.update(now=100.0)
    monkeypatch.setitem(compiled._LOAD, "time", 100.0)
    clock.update(now=101.0, busy=51.9, own=11.8)  # our threads: 1.8 s, others 0.1 s
    assert compiled._idle_core()
    clock.update(now=101.1, busy=53.0)            # within LOAD_INTERVAL: kept
    assert compiled._idle_core()
    clock.update(now=102.0, busy=53.9, own=12.0)  # others used 1.8 cores in 1 s
    assert not compiled._idle_core()
    clock.update(now=103.0, busy=54.2, own=12.2)  # others 0.1 cores: idle again
    assert compiled._idle_core()


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("mode", MODES)
def test_padded_rows_and_edge_loops_keep_the_direct_order(mode, dtype, monkeypatch):
    """In the row passes (PLANE_BYTES = 0: what threaded calls run), small inputs
    with short rows are copied with four zeros on both sides of each row
    (PADDED_MAX, PADDED_ROW) and run their passes of up to five taps without edge
    loops; larger ones, and kernels with a NaN or infinite tap, run the edge loops;
    outputs of at most NARROW columns sum each output in one scalar loop: all bit
    for bit equal to 'direct', on random shapes (kernels wider and narrower than the
    input, zero taps among them) and with NaN and infinity in the input."""
    rng = np.random.default_rng(11)
    pad, nar = compiled.PADDED_MAX, compiled.NARROW
    monkeypatch.setattr(compiled, "PLANE_BYTES", 0)  # the row passes (test_plane_...)
    cases = [((64, 64), (15, 15)), ((64, 64), (9, 9)), ((64, 64), (5, 5)), ((3, 40), (2, 7)),
             ((5, 6, 33), (2, 3, 8)), ((7, 9), (7, 12)), ((300,), (40,)), ((12, 12), (11, 10)),
             ((10, 3), (4, 2)), ((6, 5), (4, 7)), ((8, 2), (3, 9)), ((4, 9, 6), (2, 3, 4))]
    cases += [(tuple(rng.integers(1, 30, 2)), tuple(rng.integers(1, 12, 2))) for _ in range(12)]
    for s1, s2 in cases:
        if mode == "valid" and not _valid_ok(s1, s2):
            continue
        x, h = _pair(s1, s2, dtype, rng)
        h[rng.random(s2) < 0.2] = 0
        if x.size > 4 and len(s1) > 1:  # (1-D: compared within rounding)
            x.flat[rng.integers(0, x.size, 2)] = [np.nan, np.inf]
        with np.errstate(invalid="ignore"):  # inf - inf in some sums
            direct = cl.convolve(x, h, mode, method="direct")
        # the padded copy, the edge loops, each with and without the scalar sums
        for pad_max, narrow in ((pad, nar), (0, nar), (pad, 0), (0, 0)):
            monkeypatch.setattr(compiled, "PADDED_MAX", pad_max)
            monkeypatch.setattr(compiled, "NARROW", narrow)
            got = cl.convolve(x, h, mode, method="compiled")
            if len(s1) > 1:
                np.testing.assert_array_equal(got, direct)
            else:
                assert_close(got, direct, bound(x, h, lambda a, b: scipy.signal.convolve(
                    a, b, mode, method="direct")))
    # a NaN or an infinite tap: the product with a padded zero would be NaN, so these
    # kernels run the edge loops, as 'direct' leaves them out
    monkeypatch.undo()
    monkeypatch.setattr(compiled, "PLANE_BYTES", 0)
    x = rng.standard_normal((10, 12)).astype(dtype)
    for bad in (np.inf, np.nan):
        h = rng.standard_normal((4, 5)).astype(dtype)
        h[1, 2] = bad
        got = cl.convolve(x, h, mode, method="compiled")
        with np.errstate(invalid="ignore"):  # inf * 0 in 'direct''s products
            np.testing.assert_array_equal(got, cl.convolve(x, h, mode, method="direct"))


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("mode", MODES)
def test_plane_passes_keep_the_direct_order(mode, dtype, monkeypatch):
    """A small input of several rows runs _conv3d_plane (the whole-plane passes on a
    copy with zero rows and columns; four taps a pass, nine for a 3 x 3 kernel without
    zero taps), in chunks of PLANE_CHUNK_BYTES, on one thread or threaded over the
    chunks: bit for bit equal to 'direct' on random 2-D and 3-D shapes (kernels wider,
    taller and smaller than the input, zero taps, NaN and infinity in the input), with
    chunks that end inside rows, and equal to the row passes (PLANE_BYTES = 0). The
    kernels are spied on, so the test fails if the branch is not reached."""
    rng = np.random.default_rng(21)
    calls = []
    kernels = compiled._kernels()

    def spy(name):
        real = getattr(kernels, name)

        def run(*args):
            calls.append(real(*args))
            return calls[-1]
        return run

    plane_bytes = compiled.PLANE_BYTES
    monkeypatch.setattr(kernels, "plane", spy("plane"))
    monkeypatch.setattr(kernels, "plane_threads", spy("plane_threads"))
    monkeypatch.setattr(compiled, "THREADS", False)
    cases = [((64, 64), (3, 3)), ((64, 64), (5, 5)), ((64, 64), (9, 9)), ((33, 40), (15, 15)),
             ((7, 9), (7, 12)), ((12, 12), (11, 10)), ((10, 3), (4, 2)), ((8, 2), (3, 9)),
             ((2, 31), (1, 4)), ((20, 1), (3, 1)), ((5, 6, 33), (2, 3, 8)), ((4, 9, 6), (2, 3, 3)),
             ((3, 16, 17), (3, 3, 3)), ((2, 12, 12), (1, 3, 3))]
    cases += [(tuple(rng.integers(2, 40, 2)), tuple(rng.integers(1, 12, 2))) for _ in range(10)]
    cases += [(tuple(rng.integers(1, 12, 3)), tuple(rng.integers(1, 5, 3))) for _ in range(6)]
    reached = 0
    for s1, s2 in cases:
        if mode == "valid" and not _valid_ok(s1, s2):
            continue
        x, h = _pair(s1, s2, dtype, rng)
        if h.size > 9:
            h[rng.random(s2) < 0.2] = 0
        if x.size > 4:
            x.flat[rng.integers(0, x.size, 2)] = [np.nan, np.inf]
        with np.errstate(invalid="ignore"):  # inf - inf in some sums
            direct = cl.convolve(x, h, mode, method="direct")
        for chunk, threads in ((compiled.PLANE_CHUNK_BYTES, False), (52, False), (1, False),
                               (52, True)):  # 52 bytes: 13 float32 samples, odd chunks
            monkeypatch.setattr(compiled, "PLANE_CHUNK_BYTES", chunk)
            monkeypatch.setattr(compiled, "THREADS", threads)
            del calls[:]
            got = cl.convolve(x, h, mode, method="compiled")
            np.testing.assert_array_equal(got, direct)
            reached += calls == [True]
        monkeypatch.setattr(compiled, "THREADS", False)
        x.flags.writeable = h.flags.writeable = False  # read-only inputs: read, not copied
        del calls[:]
        np.testing.assert_array_equal(cl.convolve(x, h, mode, method="compiled"), direct)
        reached += calls == [True]
        monkeypatch.setattr(compiled, "PLANE_BYTES", 0)  # the row passes
        del calls[:]
        np.testing.assert_array_equal(cl.convolve(x, h, mode, method="compiled"), direct)
        assert calls == []
        monkeypatch.setattr(compiled, "PLANE_BYTES", plane_bytes)
    assert reached >= 5 * 10  # most cases took the planes (not those of narrow outputs)
    # a NaN or infinite tap: the kernel declines (its product with a padded zero would
    # be NaN), the row passes with edge loops run, as 'direct' leaves those terms out
    x = rng.standard_normal((10, 12)).astype(dtype)
    for bad in (np.inf, np.nan):
        h = rng.standard_normal((4, 5)).astype(dtype)
        h[1, 2] = bad
        del calls[:]
        got = cl.convolve(x, h, mode, method="compiled")
        assert calls == [False]
        with np.errstate(invalid="ignore"):  # inf * 0 in 'direct''s products
            np.testing.assert_array_equal(got, cl.convolve(x, h, mode, method="direct"))
    # a 3 x 3 kernel without zero taps on a copy above PLANE_NINE_BYTES: declined (the
    # nine-tap row passes run), on one thread and threaded
    x, h = _pair((40, 40), (3, 3), dtype, rng)
    direct = cl.convolve(x, h, mode, method="direct")
    monkeypatch.setattr(compiled, "PLANE_NINE_BYTES", 0)
    for threads in (False, True):
        monkeypatch.setattr(compiled, "THREADS", threads)
        del calls[:]
        np.testing.assert_array_equal(cl.convolve(x, h, mode, method="compiled"), direct)
        assert calls == [False]


@needs_numba
def test_plane_bytes_count_the_copy():
    """_layout's plane_bytes: the input itself in 'valid' mode (no zeros needed), the
    input with M - 1 zero rows above and below and M2 - 1 zero columns between rows
    (and before the first) in 'full' mode; 0 for one row."""
    def plane(s1, s2, mode, dtype=np.dtype(np.float32)):
        return compiled._layout_of(s1, s2, mode, dtype, dtype)[-1]

    assert plane((20, 30), (5, 7), "valid") == 20 * 30 * 4
    assert plane((2, 20, 30), (1, 5, 7), "valid", np.dtype(float)) == 2 * 20 * 30 * 8
    assert plane((20, 30), (5, 7), "full") == (6 + (20 + 2 * 4) * (30 + 6)) * 4
    assert plane((20, 30), (5, 7), "same") == (3 + (20 + 4) * (30 + 3)) * 4
    assert plane((1, 30), (1, 7), "full") == plane((30,), (7,), "full") == 0


@needs_numba
def test_plane_kernels_are_cached_apart():
    """numba's cache keys a function's compilations by its qualified name (and
    signature), not by ``parallel``: the serial and the threaded plane kernels must have
    different names, else each process would load whichever was stored first."""
    kernels = compiled._kernels()
    serial, threaded = kernels.plane, kernels.plane_threads
    assert serial.py_func.__qualname__ != threaded.py_func.__qualname__
    assert threaded.py_func.__code__ is serial.py_func.__code__  # the same loops
    assert threaded.targetoptions.get("parallel") and not serial.targetoptions.get("parallel")


@needs_numba
def test_padded_copy_follows_its_limits(monkeypatch):
    """PADDED_MAX and PADDED_ROW decide where the copy is made: the results never
    depend on them (each setting bit for bit equal to the others)."""
    rng = np.random.default_rng(12)
    x, h = rng.standard_normal((20, 50)), rng.standard_normal((3, 4))
    outs = []
    for pad_max, pad_row in ((2**18, 64), (0, 64), (2**18, 0), (20 * 54, 1)):
        monkeypatch.setattr(compiled, "PADDED_MAX", pad_max)
        monkeypatch.setattr(compiled, "PADDED_ROW", pad_row)
        outs.append(cl.convolve(x, h, "full", method="compiled"))
    for out in outs[1:]:
        np.testing.assert_array_equal(out, outs[0])
    # threads share the padded copy and the narrow rows: the same sums as on one thread
    monkeypatch.undo()
    x, h = rng.standard_normal((3, 64, 70)), rng.standard_normal((2, 9, 11))
    for mode in MODES:
        outs = []
        for threads in (True, False):
            monkeypatch.setattr(compiled, "THREADS", threads)
            outs.append(cl.convolve(x, h, mode, method="compiled"))
            outs.append(cl.convolve(x[:, :, :12], h, "valid", method="compiled"))  # 2 columns
        np.testing.assert_array_equal(outs[0], outs[2])
        np.testing.assert_array_equal(outs[1], outs[3])
        np.testing.assert_array_equal(outs[0], cl.convolve(x, h, mode, method="direct"))


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
def test_compiled_matches_direct_within_rounding_where_direct_takes_window_dots(dtype):
    """Where 'direct' computes each output as one dot product of a window (far fewer
    outputs than taps: windows_pay), it sums in another order than the compiled loops:
    the two agree within rounding there (the docstrings' exception to bit for bit)."""
    rng = np.random.default_rng(7)
    x, h = _pair((64, 64), (61, 61), dtype, rng)
    assert windows_pay(4 * 4, 61 * 61)
    got = cl.convolve(x, h, "valid", method="compiled")
    ref = scipy.signal.convolve(x.astype(float), h.astype(float), "valid", method="direct")
    scale = bound(x, h, lambda a, b: scipy.signal.convolve(a, b, "valid"))
    assert_close(got, cl.convolve(x, h, "valid", method="direct"), scale)
    assert_close(got, ref.astype(dtype), scale)

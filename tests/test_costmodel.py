"""convlib.costmodel and choose_method: the cost model, its calibration, the timings."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
from hypothesis import given

import convlib as cl
from convlib import compiled
from convlib import bench, costmodel, dispatch
from convlib.fourier import fft_convolve

from support import MODES, array_pairs, scipy_or_none


def test_methods_are_registered():
    assert {"fft", "overlap_add"} <= set(dispatch.METHODS)


# ---- choose_method and its cost model --------------------------------------------------------

def test_choose_method_guards_like_scipy():
    assert cl.choose_method([True, False] * 500, [True] * 300) == "direct"
    assert cl.choose_method(np.float64(2), np.float64(3)) == "direct"


def test_large_integers_go_fft_split_and_stay_exact():
    """SciPy goes direct when max|x| max|h| min(N, M) may exceed 2**52; convlib splits
    the integers into digits (convlib.exact) and may still pick an FFT method, whose
    estimate counts the partial convolutions, and the result is exact (issue 13)."""
    x = np.full(100_000, 2**45)
    h = np.ones(1000, dtype=int)
    assert scipy.signal.choose_conv_method(x, h) == "direct"
    method = cl.choose_method(x, h)
    assert method in ("fft", "overlap_add")
    out = cl.convolve(x, h)
    assert out.dtype == np.int64 and out[5000] == 2**45 * 1000 and out[0] == 2**45
    plan = cl.exact.split_plan(x, h, method)
    costs = cl.estimate_costs(x, h)
    assert plan[1] * plan[3] > 1 and costs[method] < costs["direct"]


def test_choose_method_picks_by_size():
    assert cl.choose_method(np.ones(50), np.ones(3)) == "direct"
    assert cl.choose_method(np.ones(3000), np.ones(3000)) == "fft"
    assert cl.choose_method(np.ones(1_000_000), np.ones(1000)) == "overlap_add"
    rng = np.random.default_rng(0)
    # a 15 x 15 kernel on 512 x 512: the compiled direct sum (numba) beats the FFT
    # (measured 1.9 ms against 2.7 ms; on 256 x 256 the two tie); 63 x 63 does not
    summing = "compiled" if compiled.numba_available() else "fft"
    assert cl.choose_method(np.ones((512, 512)), rng.standard_normal((15, 15))) == summing
    assert cl.choose_method(np.ones((256, 256)), rng.standard_normal((63, 63))) == "fft"


def test_auto_uses_choose_method(monkeypatch):
    calls = []
    spy = dataclasses.replace(
        dispatch.METHODS["fft"],
        run=lambda a, b, mode: calls.append(mode) or fft_convolve(a, b, mode))
    monkeypatch.setitem(dispatch.METHODS, "fft", spy)
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
    work = costmodel.cost_features(a.shape, b.shape, mode)
    # every term x[k] h[n - k] of every output sample, counted by convolving ones
    terms = cl.convolve(np.ones(a.shape, int), np.ones(b.shape, int), mode).sum()
    direct = work["direct"]
    assert direct["mac"] + direct["mac_dot"] == terms
    if a.ndim == 1:  # numpy.convolve: its own loops for kernels of <= 11 taps, else dots
        n, m = max(a.size, b.size), min(a.size, b.size)
        outputs = n - m + 1 if mode == "valid" else n + m - 1
        assert direct["dot"] == (outputs if m > 11 else outputs - (n - m + 1))
        assert direct["mac_small"] == (0 if m > 11 else (n - m + 1) * m)
    else:
        assert direct["dot"] == direct["mac_small"] == 0
    # N-d direct: every tap visits every cache-sized block of output rows once
    out_shape = cl.output_shape(a.shape, b.shape, mode)
    rows = max(1, cl.direct.DIRECT_BLOCK // int(np.prod(out_shape[1:])))
    blocks = -(-out_shape[0] // rows)
    dot = a.ndim == 1 or cl.direct.windows_pay(int(np.prod(out_shape)),
                                                min(a.size, b.size))   # dot products
    assert work["direct"]["tap"] == (0 if dot else min(a.size, b.size) * blocks)
    costs = cl.estimate_costs(a, b, mode)
    # the compiled sum: the same terms, in scalar loops on outputs of <= NARROW columns
    c = work["compiled"]
    narrow = out_shape[-1] <= compiled.NARROW
    if not c["row_call"]:  # whole-plane passes: the flat plane's scratch columns too
        assert not narrow and c["scalar_mac"] == 0 and c["mac"] >= terms
        return
    assert c["mac"] + c["scalar_mac"] == terms and (c["mac"] == 0) == narrow
    # its passes: per output row, per kernel row whose input row exists, per 3 or 5
    # taps (5 on a padded copy), counted by brute force over the leading axes
    big, small = (b.shape, a.shape) if b.size > a.size else (a.shape, b.shape)
    offset = cl.mode_offset(a.shape, b.shape, mode)
    reached = sum(all(0 <= i + o - k < n for i, o, k, n in zip(out, offset, kern, big))
                  for out in np.ndindex(*out_shape[:-1]) for kern in np.ndindex(*small[:-1]))
    if narrow:
        assert c["pass"] == 0
    elif small[-2:] == (3, 3) and len(small) >= 2 and np.prod(small) == 9:
        assert c["pass"] == np.prod(out_shape[:-1])
    else:  # the kernel's rule for the padded copy (convlib.compiled.PADDED_MAX)
        padded = (1 < np.prod(big[:-1]) and np.prod(big[:-1]) * (big[-1] + 8)
                  <= compiled.PADDED_MAX and big[-1] + 8
                  <= compiled.PADDED_ROW * np.prod(small[:-1]) * -(-small[-1] // 3))
        assert c["pass"] == reached * -(-small[-1] // (5 if padded else 3))
    expected = {"direct", "fft", "overlap_add", "compiled"} | (
        {"separable"} if a.ndim > 1 else set())
    assert set(costs) == expected and min(costs.values()) > 0


def test_numpy_convolve_work():
    """1-D direct work as numpy.convolve does it: kernels of at most 11 taps summed in
    NumPy's own loops where the whole kernel overlaps (real data; those multiply-adds
    in mac_small, every one in mac_dot), a BLAS dot call per output otherwise (complex
    data always)."""
    f = costmodel.cost_features
    assert f((1000,), (11,))["direct"]["dot"] == 20 and f((1000,), (12,))["direct"]["dot"] == 1011
    assert f((1000,), (11,), "valid")["direct"]["dot"] == 0
    assert f((1000,), (11,), "same")["direct"]["mac_small"] == 990 * 11
    assert f((11,), (1000,), "full", complex_data=True)["direct"]["dot"] == 1010
    assert f((1000,), (11,), complex_data=True)["direct"]["mac_small"] == 0
    assert f((64, 64), (3, 3))["direct"]["dot"] == 0


def test_compiled_passes_follow_the_kernel():
    """Row passes (inputs whose copy exceeds PLANE_BYTES): three taps on large inputs,
    five on small padded ones, one per row for 3 x 3 kernels, none on narrow outputs
    (summed in scalar loops). Whole-plane passes on small inputs of several rows: four
    taps a pass per chunk of the flat output plus one zeroing it, nine taps in one.
    Counted on one thread (the work of all the tasks)."""
    def f(*args):
        return costmodel.cost_features(*args, threads=1)

    assert f((600, 600), (5, 5))["compiled"]["pass"] == 600 * 5 * 2     # no copy: 3 + 2
    assert f((400, 400), (5, 5))["compiled"]["pass"] == 400 * 5 * 1     # padded: 5
    assert f((400, 400), (3, 3), "same")["compiled"]["pass"] == 400      # nine taps
    tiny = f((64, 64), (63, 63), "valid")["compiled"]
    assert tiny["pass"] == tiny["mac"] == 0 and tiny["scalar_mac"] == 2 * 2 * 63 * 63
    chunk = compiled.PLANE_CHUNK_BYTES // 8
    n = 68 * 68  # 'full' 64 x 64 by 5 x 5: rows of 64 + 4 zero columns, output 68 wide
    plane = f((64, 64), (5, 5))["compiled"]
    assert plane["row_call"] == 0 and plane["task"] == -(-n // chunk)
    assert plane["pass"] == plane["task"] * (7 + 1) and plane["mac"] == n * 25
    assert plane["copy"] == 8 * (4 + 72 * 68)  # the input's copy; the output is the plane
    valid = f((64, 64), (5, 5), "valid")["compiled"]  # read in place: no copy, no gaps
    assert valid["copy"] == 8 * 60 * 60 and valid["mac"] == (59 * 64 + 60) * 25


def test_plane_passes_of_3_by_3_kernel_planes():
    """_conv3d_plane takes all nine taps of a 3 x 3 kernel plane in one pass, in 2-D
    and in 3-D kernels alike (it asks per kernel plane), plus one pass zeroing each
    chunk; other kernels, four taps a pass, then two, then one (a remainder of three
    taps takes two passes)."""
    plane = costmodel.cost_features((3, 16, 64), (2, 3, 3), "valid")["compiled"]
    # two kernel planes meet each of the 3 - 2 + 1 = 2 output planes: 4 passes of nine
    assert plane["row_call"] == 0 and plane["pass"] == plane["task"] * (2 + 1)
    plane = costmodel.cost_features((16, 64), (3, 3))["compiled"]
    assert plane["row_call"] == 0 and plane["pass"] == plane["task"] * (1 + 1)
    plane = costmodel.cost_features((3, 16, 64), (2, 3, 4), "valid")["compiled"]
    assert plane["row_call"] == 0 and plane["pass"] == plane["task"] * (2 * 3 + 1)
    for kernel, passes in (((1, 3), 2), ((3, 5), 5), ((1, 7), 3), ((2, 2), 1), ((1, 6), 2)):
        plane = costmodel.cost_features((16, 64), kernel)["compiled"]
        assert plane["row_call"] == 0 and plane["pass"] == plane["task"] * (passes + 1)


def _numba_split(tasks, threads):
    """numba's static schedule of a prange of `tasks` iterations on `threads` threads,
    written out: block sizes tasks // threads or one more, the larger first."""
    sizes = [tasks // threads + (i < tasks % threads) for i in range(threads)]
    return [(sum(sizes[:i]), sum(sizes[:i + 1])) for i in range(threads) if sizes[i]]


def test_prange_blocks_is_numbas_schedule():
    """prange_blocks against numba itself: the thread that runs each iteration of a
    prange, on every thread count this machine has (at least the written-out rule
    where numba is missing)."""
    for tasks in range(0, 40):
        for threads in (1, 2, 3, 8):
            want = _numba_split(tasks, threads) or [(0, 0)]
            assert costmodel.prange_blocks(tasks, threads) == want
    numba = pytest.importorskip("numba")

    def owner(n):
        out = np.empty(n, np.int64)
        for i in numba.prange(n):
            out[i] = numba.get_thread_id()
        return out

    owner = numba.njit(parallel=True)(owner)
    old = numba.get_num_threads()
    try:
        for threads in range(1, numba.config.NUMBA_NUM_THREADS + 1):
            numba.set_num_threads(threads)
            for tasks in (1, 2, 3, 5, 9, 13, 14, 31):
                ids = owner(tasks)
                blocks = [(int(np.argmax(ids == t)), int(tasks - np.argmax(ids[::-1] == t)))
                          for t in np.unique(ids)]
                assert sorted(blocks) == costmodel.prange_blocks(tasks, threads)
    finally:
        numba.set_num_threads(old)


@pytest.mark.parametrize("threads", [1, 2, 3, 8])
@pytest.mark.parametrize("s1, s2, mode", [
    ((10_000,), (1_000,), "full"), ((10_000,), (1_000,), "valid"),
    ((10_000,), (1_000,), "same"), ((1_000,), (10_000,), "full"), ((3_000,), (3_000,), "full"),
    ((100_000,), (1_000,), "full"), ((30_000,), (300,), "same"), ((5_000,), (100,), "full"),
    ((600, 600), (5, 5), "full"), ((9, 700), (7, 300), "same"),
    ((3, 5, 9000), (2, 3, 100), "full"), ((4, 9000), (3, 200), "valid"),
    ((64, 64), (31, 31), "full"), ((5, 40, 40), (3, 9, 9), "same")])
def test_compiled_work_is_the_busiest_threads(s1, s2, mode, threads):
    """The model prices a threaded compiled call by its busiest thread: its tasks (output
    row by CHUNK columns, the chunks the stored calibration was measured with, see
    costmodel.COMPILED_THREADS; chunks of the flat plane in the whole-plane passes) shared as
    numba shares a prange, the features count the tasks and multiply-adds of the
    thread with the most, by brute force over the terms of each output (the convolution
    of ones); a call below PARALLEL_MIN_MACS runs all of them on one thread."""
    work = costmodel.cost_features(s1, s2, mode, threads=threads)["compiled"]
    terms = np.rint(cl.convolve(np.ones(s1), np.ones(s2), mode, method="fft"))
    if not work["row_call"]:  # whole-plane passes: chunks of the flat plane, scratch too
        big, small = (s2, s1) if np.prod(s2) > np.prod(s1) else (s1, s2)
        lead = (1,) * (3 - len(s1))
        a3, b3, out3 = lead + tuple(big), lead + tuple(small), lead + terms.shape
        o3 = (0,) * (3 - len(s1)) + cl.mode_offset(s1, s2, mode)
        n = compiled.plane_geometry(a3, b3, out3, o3)[2]
        chunk = compiled.PLANE_CHUNK_BYTES // 8
        planes = [sum(0 <= i + o3[0] - p < a3[0] for p in range(b3[0])) * b3[1] * b3[2]
                  for i in range(out3[0])]  # multiply-adds per flat sample of each plane
        chunks = -(-n // chunk)
        per_task = [planes[t // chunks] * (min(n, (t % chunks + 1) * chunk) - t % chunks * chunk)
                    for t in range(out3[0] * chunks)]
    else:
        rows = terms.reshape(-1, terms.shape[-1])
        chunks = -(-rows.shape[1] // compiled.CHUNK)
        per_task = [int(rows[t // chunks, t % chunks * compiled.CHUNK:
                             (t % chunks + 1) * compiled.CHUNK].sum())
                    for t in range(rows.shape[0] * chunks)]
        assert sum(per_task) == terms.sum()
    threaded = terms.size * min(np.prod(s1), np.prod(s2)) >= compiled.PARALLEL_MIN_MACS
    ranges = _numba_split(len(per_task), threads if threaded else 1)
    busiest = max(ranges, key=lambda r: sum(per_task[r[0]:r[1]]))
    assert work["mac"] == sum(per_task[busiest[0]:busiest[1]])
    assert work["task"] == busiest[1] - busiest[0]
    one = costmodel.cost_features(s1, s2, mode, threads=1)["compiled"]
    assert one["mac"] == sum(per_task) and one["task"] == len(per_task)
    assert work["pass"] <= one["pass"] and work["call"] == one["call"]


@pytest.mark.skipif(not compiled.numba_available(), reason="needs numba")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_features_take_the_kernels_path(dtype, monkeypatch):
    """The model's whole-plane/row choice (row_call) is the one convolve_compiled makes:
    the plane kernels are spied on, over 2-D and 3-D shapes on both sides of
    PLANE_BYTES and PLANE_NINE_BYTES, every mode, swapped inputs, narrow outputs."""
    kernels = compiled._kernels()
    ran = []
    for name in ("plane", "plane_threads"):
        real = getattr(kernels, name)
        monkeypatch.setattr(kernels, name, lambda *a, _r=real: ran.append(_r(*a)) or ran[-1])
    rng = np.random.default_rng(3)
    cases = [((64, 64), (5, 5)), ((64, 64), (3, 3)), ((180, 180), (3, 3)), ((200, 200), (3, 3)),
             ((300, 300), (5, 5)), ((400, 400), (5, 5)), ((5, 5), (64, 64)), ((1, 500), (1, 9)),
             ((64, 64), (61, 61)), ((4, 40, 40), (2, 3, 3)), ((30, 1), (3, 1)), ((2, 1), (1, 3))]
    for s1, s2 in cases:
        for mode in ("full", "same", "valid"):
            if mode == "valid" and any(p < q for p, q in zip(s1, s2)):
                continue
            x = rng.standard_normal(s1).astype(dtype)
            h = rng.standard_normal(s2).astype(dtype)
            ran.clear()
            cl.convolve(x, h, mode, method="compiled")
            features = costmodel.cost_features(s1, s2, mode, single=dtype == np.float32)
            assert (ran == [True]) == (features["compiled"]["row_call"] == 0), (s1, s2, mode)


def test_single_precision_work_is_counted_apart():
    """float32 results count the work of SINGLE_KEYS under '_single' keys; the totals
    are those of float64, and the other kinds of work do not change."""
    for s1, s2, mode in [((1000,), (30,), "full"), ((64, 64), (15, 15), "same"),
                         ((128, 128), (9, 9), "valid")]:
        double = costmodel.cost_features(s1, s2, mode)
        single = costmodel.cost_features(s1, s2, mode, single=True)
        for method, keys in costmodel.SINGLE_KEYS.items():
            assert set(single[method]) == set(double[method])
            if method in ("compiled", "separable") and len(s1) > 1:
                # whole-plane passes count chunks and copies in bytes: only the split
                assert all(single[method][k] == double[method][k + "_single"] == 0
                           for k in keys)
                continue
            for k in keys:
                assert single[method][k] == double[method][k + "_single"] == 0
                assert single[method][k + "_single"] == double[method][k]
            others = set(double[method]) - set(keys) - {k + "_single" for k in keys}
            assert all(single[method][k] == double[method][k] for k in others)
    assert [costmodel.single_precision(np.dtype(t)) for t in (
        np.float16, np.float32, np.complex64, np.float64, np.complex128, np.int16)] == [
        True, True, True, False, False, False]


def test_the_dtype_changes_the_pick(monkeypatch):
    """A constructed case: with single-precision FFT work priced at a fifth of double's,
    'auto' takes the FFT for float32 where it takes the direct sum for float64 (the
    64 x 64 by 15 x 15 'same' near-tie of the benchmark); the fast path agrees."""
    x64 = np.random.default_rng(1).standard_normal((64, 64))
    h64 = np.random.default_rng(2).standard_normal((15, 15))
    x32, h32 = x64.astype(np.float32), h64.astype(np.float32)
    fft = dict(costmodel.COST_CONSTANTS["fft"])
    fft["nlogn_single"] = fft["nlogn"] / 5
    costs64 = cl.estimate_costs(x64, h64, "same")
    summing = min(("direct", "compiled") if dispatch.AUTO_USES_COMPILED
                  and compiled.numba_available() else ("direct",), key=costs64.get)
    # make double precision pick the direct sum: the FFT a little dearer than it
    # (all of its price in nlogn)
    fft.update(call=0.0, axis=0.0, point=0.0)
    fft["nlogn"] = 1.2 * costs64[summing] / costmodel.cost_features(
        (64, 64), (15, 15), "same")["fft"]["nlogn"]
    fft["nlogn_single"] = fft["nlogn"] / 5
    monkeypatch.setitem(costmodel.COST_CONSTANTS, "fft", fft)
    monkeypatch.setattr(dispatch, "_PLANS", {})
    assert cl.estimate_costs(x32, h32, "same")["fft"] == pytest.approx(
        cl.estimate_costs(x64, h64, "same")["fft"] / 5)
    assert cl.choose_method(x64, h64, "same") == summing
    assert cl.choose_method(x32, h32, "same") == "fft"
    # mixed float32/float64 computes in double precision
    assert cl.choose_method(x32, h64, "same") == summing
    for _ in range(2):  # the plan of the fast path, made then used
        np.testing.assert_allclose(cl.convolve(x32, h32, "same"),
                                   scipy.signal.convolve(x64, h64, "same"), atol=1e-3)
    plan = next(p for k, p in dispatch._PLANS.items() if k[2] == np.float32)
    assert plan.rule.best == "fft"
    assert bench.method_map([64], [15], 2, mode="same", dtype="float32")[0, 0] == "fft"
    assert bench.method_map([64], [15], 2, mode="same", dtype="float64")[0, 0] == summing


@pytest.mark.parametrize("numba", [True, False])
def test_separable_estimate_follows_its_passes(monkeypatch, numba):
    """Compiled passes (numba) are priced by the 'separable' constants when the
    calibration has them, NumPy passes by the direct constants (plus one call)."""
    monkeypatch.setattr(compiled, "numba_available", lambda: numba)
    fitted = {k: 1e-9 for k in costmodel.cost_features((8, 8), (3, 3))["separable"]}
    fitted["call"] = 1e-4
    monkeypatch.setitem(costmodel.COST_CONSTANTS, "separable", fitted)
    x, h = np.ones((256, 256)), np.ones((15, 15))
    work = costmodel.cost_features((256, 256), (15, 15), "same")
    est = cl.estimate_costs(x, h, "same")["separable"]
    direct = costmodel.COST_CONSTANTS["direct"]
    numpy_passes = direct["call"] + sum(direct[k] * v
                                        for k, v in work["separable_direct"].items())
    compiled_passes = 2e-4 + 1e-9 * (sum(work["separable"].values()) - 2)  # 2 calls
    assert est == pytest.approx(compiled_passes if numba else numpy_passes)
    # complex and integer data never run compiled passes
    assert cl.estimate_costs(x.astype(complex), h, "same")["separable"] == pytest.approx(
        numpy_passes)
    assert cl.estimate_costs(x.astype(int), h.astype(int), "same")[
        "separable"] == pytest.approx(numpy_passes)
    # the compiled passes: one per axis, each the 'mode' window along its axis
    one = costmodel.cost_features((256, 256), (15, 1), "same")["compiled"]
    two = costmodel.cost_features((256, 256), (1, 15), "same")["compiled"]
    # (whole-plane passes: along the rows, 7 zero columns after each row of 256)
    assert work["separable"]["mac"] == one["mac"] + two["mac"] <= 2 * 256 * (256 + 7) * 15
    assert work["separable"]["pass"] == one["pass"] + two["pass"]
    assert work["separable"]["call"] == 2
    # without fitted constants: NumPy-priced either way, as before
    monkeypatch.delitem(costmodel.COST_CONSTANTS, "separable")
    assert cl.estimate_costs(x, h, "same")["separable"] == pytest.approx(numpy_passes)


def test_auto_picks_separable_where_its_estimate_wins(monkeypatch):
    """With cheap 'separable' constants, auto runs a rank-1 kernel as separable passes
    (numba) and a random one of the same shape as before; the result is SciPy's."""
    if not compiled.numba_available():
        pytest.skip("separable's compiled passes need numba")
    cheap = {k: 0.0 for k in costmodel.cost_features((8, 8), (3, 3))["separable"]}
    cheap["call"] = 1e-9
    monkeypatch.setitem(costmodel.COST_CONSTANTS, "separable", cheap)
    monkeypatch.setattr(dispatch, "_PLANS", {})
    rng = np.random.default_rng(3)
    x = rng.standard_normal((96, 80)).astype(np.float32)
    rank1 = np.outer(rng.standard_normal(9), rng.standard_normal(7)).astype(np.float32)
    full = rng.standard_normal((9, 7)).astype(np.float32)
    assert cl.choose_method(x, rank1, "same") == "separable"
    assert cl.choose_method(x, full, "same") != "separable"
    for h in (rank1, full, rank1):  # the fast path's plan asks the data each time
        np.testing.assert_allclose(cl.convolve(x, h, "same"), scipy.signal.convolve(
            x.astype(float), h.astype(float), "same"), rtol=1e-4, atol=1e-4)


def test_cost_constants_are_complete():
    for method, consts in costmodel.COST_CONSTANTS.items():
        assert set(consts) == set(costmodel.cost_features((10,), (3,))[method])
        assert all(v >= 0 for v in consts.values())


# ---- errors ------------------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, match", [
    (lambda: cl.choose_method([1, 2], [[1]]), ValueError,
     r"^choose_method: in1 and in2 must have the same number of dimensions"),
    (lambda: cl.estimate_costs([1, 2], [1], "middle"), ValueError,
     r"^estimate_costs: mode must be one of"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---- timings and the calibration --------------------------------------------------------------

def test_plot_timings_and_bench_methods():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = bench.bench_methods(np.ones(32), np.ones(4), repeat=1, budget=0.001)
    assert set(times) == {"direct", "fft", "overlap_add"}
    assert all(0 < t < 1 for t in times.values())
    only = bench.bench_methods(np.ones(8), np.ones(2), methods=("direct",), repeat=2,
                                    budget=0.0)
    assert set(only) == {"direct"}
    fig, ax = plt.subplots()
    cl.plotting.plot_timings(ax, [1, 2], {"direct": [1e-3, 2e-3], "fft": [2e-3, 2e-3]},
                             {"direct": [1e-3, 2e-3]}, "M")
    assert len(ax.lines) == 3 and ax.get_xlabel() == "M"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1, 2])  # milliseconds
    plt.close(fig)
    with pytest.raises(ValueError, match=r"^bench_methods: repeat must be >= 1; got 0"):
        bench.bench_methods([1.0], [1.0], repeat=0)
    with pytest.raises(ValueError, match=r"^convolve: method must be one of"):
        bench.bench_methods([1.0], [1.0], methods=("magic",))


# ---- the calibration of the cost model -------------------------------------------------------

def test_fit_recovers_known_constants():
    truth = {m: {k: (i + 1) * 1e-9 * (1 + 0.5 * j) for j, k in enumerate(feats)}
             for i, (m, feats) in enumerate(costmodel.cost_features((10,), (3,)).items())
             if m != "separable_direct"}  # priced with the direct constants
    rows = []
    for single in (False, True):  # both precisions; rank-1 rows for 'separable'
        for s1, s2 in bench.calibration_shapes()[::3]:
            features = costmodel.cost_features(s1, s2, "full", single=single)
            times = {m: sum(truth[m][k] * v for k, v in features[m].items()) for m in truth}
            rows.append({"features": features, **times, "separable": 1.0})
            if len(s1) == 2:
                rows.append({"features": features, "kind": "rank1", **times})
    fitted = bench.fit_cost_constants(rows, within=np.inf)
    assert set(fitted) == set(truth)
    for m in truth:
        # exact data, so only the 'nlogn_1d'/'nlogn' style collinear pairs could move;
        # the predictions must match to rounding on every row that serves the fit
        fit_rows = [r for r in rows if (m == "separable") == (r.get("kind") == "rank1")]
        pred = [sum(fitted[m][k] * v for k, v in r["features"][m].items())
                for r in fit_rows]
        np.testing.assert_allclose(pred, [r[m] for r in fit_rows], rtol=1e-6)


def test_fit_prices_single_precision_as_double_without_float32_rows():
    rows = []
    for n, m in [(1000, 3), (10_000, 30), (10_000, 300), (100_000, 3), (5000, 1000)]:
        f = costmodel.cost_features((n,), (m,))
        rows.append({"features": f, "direct": 1e-6 + 1e-9 * f["direct"]["mac_dot"]})
    fit = bench.fit_cost_constants(rows)["direct"]
    assert fit["mac_dot_single"] == fit["mac_dot"] == pytest.approx(1e-9)
    # with float32 rows the single-precision work gets its own price
    for n, m in [(1000, 30), (20_000, 100), (3000, 1000)]:
        f = costmodel.cost_features((n,), (m,), single=True)
        assert f["direct"]["mac_dot"] == 0 and f["direct"]["mac_dot_single"] == n * m
        rows.append({"features": f, "direct": 1e-6 + 4e-10 * f["direct"]["mac_dot_single"]})
    fit = bench.fit_cost_constants(rows)["direct"]
    assert fit["mac_dot_single"] == pytest.approx(4e-10)
    assert fit["mac_dot"] == pytest.approx(1e-9)


def test_calibration_grid_and_a_tiny_run():
    shapes = bench.calibration_shapes()
    assert len(shapes) == 92
    assert all(len(a) == len(b) and all(q <= p for p, q in zip(a, b)) for a, b in shapes)
    cases = bench.calibration_cases()
    assert cases[:92] == [(a, b, "full", "float64", "random") for a, b in shapes]
    # small images with 5 x 5 to 15 x 15 kernels in every mode, and tiny 'valid' outputs
    for mode in ("full", "same", "valid"):
        assert {c[1][0] for c in cases if c[2] == mode and c[0] == (64, 64)} >= {5, 9, 15}
    assert min(cl.output_shape(*c[:3])[0] for c in cases if len(c[0]) == 2) == 2
    # float32 near the crossovers, 1-D and 2-D; rank-1 kernels in both dtypes
    f32 = [c for c in cases if c[3] == "float32" and c[4] == "random"]
    assert {len(c[0]) for c in f32} == {1, 2} and ((64, 64), (15, 15), "same") in [
        c[:3] for c in f32]
    rank1 = [c for c in cases if c[4] == "rank1"]
    assert {c[3] for c in rank1} == {"float32", "float64"}
    assert all(len(c[0]) == 2 and c[1][0] < c[0][0] for c in rank1)
    assert len(set(cases)) == len(cases)
    constants, rows = bench.calibrate_cost_model(
        [((64,), (3,)), ((256,), (31,), "full", "float32"), ((32, 32), (3, 3), "same"),
         ((32, 32), (5, 5), "same", "float32", "rank1")], repeat=1, budget=0.001)
    assert set(constants) <= {"direct", "fft", "overlap_add", "compiled", "separable"}
    assert all(v >= 0 for c in constants.values() for v in c.values()) and len(rows) == 4
    assert all(r["fft"] > 0 for r in rows) and all(r["direct"] > 0 for r in rows[:3])
    assert [r["mode"] for r in rows] == ["full", "full", "same", "same"]
    assert [r["dtype"] for r in rows] == ["float64", "float32", "float64", "float32"]
    assert rows[2]["features"] == costmodel.cost_features((32, 32), (3, 3), "same")
    assert rows[1]["features"] == costmodel.cost_features((256,), (31,), single=True)
    assert rows[3]["kind"] == "rank1" and rows[3]["separable"] > 0
    assert "direct" not in rows[3] and "separable" not in rows[2]
    with pytest.raises(ValueError, match=r"^calibrate_cost_model: dtype must be one of"):
        bench.calibrate_cost_model([((8,), (3,), "full", "int64")])


def test_calibration_skips_direct_beyond_its_work_limit_in_1d_too():
    """The direct method is not timed beyond ``max_direct_macs`` multiply-adds, counted
    as ``mac + mac_dot``: 1-D inputs count theirs in ``mac_dot`` (once always timed)."""
    _, rows = bench.calibrate_cost_model(
        [((256,), (31,)), ((300,), (30,)), ((16, 16), (5, 5), "valid")],
        repeat=1, budget=0.0, max_direct_macs=8000)
    assert 256 * 31 < 8000 < 300 * 30 and 12 * 12 * 25 < 8000
    assert ["direct" in r for r in rows] == [True, False, True]
    assert all("fft" in r and "overlap_add" in r for r in rows)


class _Int32Array(np.ndarray):
    """An integer array whose ``sum`` accumulates in int32 by default, as NumPy's default
    integer (``np.int_``) does on 32-bit platforms and in the browser (wasm32)."""

    def sum(self, *args, dtype=None, **kwargs):
        if dtype is None and self.dtype.kind == "i" and self.dtype.itemsize <= 4:
            dtype = np.int32
        return super().sum(*args, dtype=dtype, **kwargs)


class _Int32DefaultNumpy:
    """numpy as a 32-bit platform (or Pyodide's wasm32) has it: ``arange`` without a
    dtype gives int32, and its sums stay int32. Everything else is numpy itself."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def arange(*args, dtype=None, **kwargs):
        dtype = np.int32 if dtype is None else dtype
        return np.arange(*args, dtype=dtype, **kwargs).view(_Int32Array)


def test_cost_features_exact_with_32_bit_default_integers(monkeypatch):
    """The browser's NumPy (wasm32) defaults to int32: counts of 10**11 multiply-adds
    must not wrap (they did, and 'auto' then picked direct for 10**7 x 10**4)."""
    from convlib import costmodel, direct

    expected = costmodel.cost_features((10**7,), (10**4,))
    assert expected["direct"]["mac_dot"] == 10**11
    monkeypatch.setattr(costmodel, "np", _Int32DefaultNumpy())
    monkeypatch.setattr(direct, "np", _Int32DefaultNumpy())   # it counts the work
    costmodel.cached_cost_features.cache_clear()
    try:
        assert costmodel.cost_features((10**7,), (10**4,)) == expected
        assert bench.method_map([10**7], [10**4])[0, 0] == "overlap_add"
    finally:
        costmodel.cached_cost_features.cache_clear()


def test_cost_constants_are_the_fit_of_the_stored_calibration():
    """book/images/calibration.json holds the timings COST_CONSTANTS were fitted to
    (calibrate_cost_model on a quiet machine): re-fitting them gives the constants,
    rounded to three digits, and the model's stated record on them."""
    path = Path(__file__).resolve().parents[1] / "book" / "images" / "calibration.json"
    stored = json.loads(path.read_text())
    assert all(s["quiet"] for s in stored["load"])
    def case(r):  # rows of older calibrations: float64, random kernels
        return (tuple(r["s1"]), tuple(r["s2"]), r.get("mode", "full"),
                r.get("dtype", "float64"), r.get("kind", "random"))

    cores = stored["machine"]["cores"]  # the threads its compiled calls shared work among
    rows = [{**r, "features": costmodel.cost_features(
        r["s1"], r["s2"], r.get("mode", "full"), single=case(r)[3] == "float32",
        threads=cores)} for r in stored["rows"]]
    assert {case(r) for r in stored["rows"]} <= set(bench.calibration_cases())
    fitted = bench.fit_cost_constants(rows)
    assert {m: {k: float(f"{v:.3g}") for k, v in c.items()} for m, c in fitted.items()} \
        == costmodel.COST_CONSTANTS
    fit = costmodel.COST_MODEL_FIT
    record = bench.cost_model_record(rows, costmodel.COST_CONSTANTS)
    keys = ("shapes", "right", "worst_slowdown")
    assert {k: record[k] for k in keys} == {k: fit[k] for k in keys}
    for sub in ("compiled", "float64", "float32", "separable"):
        assert record[sub] == {k: fit[sub][k] for k in keys}


def test_one_block_overlap_add_is_priced_at_least_as_the_fft():
    """price_work: overlap-add with one block along every axis is an FFT convolution
    with more steps; in the stored calibration every such case measured it slower than
    'fft' (the rule's evidence), and its estimate is never below the FFT's."""
    path = Path(__file__).resolve().parents[1] / "book" / "images" / "calibration.json"
    one_block = []
    for r in json.loads(path.read_text())["rows"]:
        work = costmodel.cost_features(r["s1"], r["s2"], r.get("mode", "full"),
                                       single=r.get("dtype", "float64") == "float32")
        if work["overlap_add"]["block"] <= 1 and "overlap_add" in r and "fft" in r:
            one_block.append(r["overlap_add"] / r["fft"])
            costs = costmodel.price_work(work, costmodel.COST_CONSTANTS)
            assert costs["overlap_add"] >= costs["fft"]
    assert len(one_block) == 51 and 1.0 < min(one_block) and max(one_block) < 3.5
    assert cl.choose_method(np.ones(10_000), np.ones(1_000)) == "fft"


def test_auto_asks_rank_one_only_where_separable_saves_more_than_the_check(monkeypatch):
    """_rule: the separable question is asked (rank1_to_rounding) only where the
    separable estimate is below the best other estimate by more than
    rank1_check_seconds(kernel size); the answer then decides."""
    costs = {"direct": 1.0, "compiled": 1.0, "fft": 100e-6, "overlap_add": 1.0}
    check = dispatch.rank1_check_seconds(63 * 63)
    near = dispatch._rule({**costs, "separable": 100e-6 - 0.5 * check}, "compiled", 2, 63 * 63)
    far = dispatch._rule({**costs, "separable": 100e-6 - 2 * check}, "compiled", 2, 63 * 63)
    assert not near.separable and far.separable and near.best == far.best == "fft"
    asked = []
    monkeypatch.setattr(dispatch, "_auto_separable", lambda a, b: asked.append(1) or True)
    x, h = np.ones((64, 64)), np.ones((63, 63))
    assert near.pick(x, h) == "fft" and asked == []
    assert far.pick(x, h) == "separable" and asked == [1]
    assert check == pytest.approx(dispatch.RANK1_CHECK_COST[0]
                                  + dispatch.RANK1_CHECK_COST[1] * 63 * 63)


def test_integer_inputs_price_numpy_convolve_by_dot_calls():
    """numpy.convolve's unrolled small-kernel loops serve float32/float64 only: integer
    inputs make one dot call per output at every kernel length (review-f measured int64
    at 11 and 12 taps alike, float64 4x apart), so their direct work has no mac_small."""
    n, m = 10_000, 11
    floats = costmodel.cost_features((n,), (m,))["direct"]
    ints = costmodel.cost_features((n,), (m,), integer_data=True)["direct"]
    assert floats["mac_small"] == (n - m + 1) * m and floats["dot"] == 2 * (m - 1)
    assert ints["mac_small"] == 0 and ints["dot"] == n + m - 1
    assert ints["mac_dot"] == floats["mac_dot"] == n * m
    x, h = np.arange(n), np.arange(m)
    est_int = costmodel.estimate_costs(x, h)
    est_float = costmodel.estimate_costs(x.astype(float), h.astype(float))
    assert est_int["direct"] > est_float["direct"]
    assert est_int["fft"] == est_float["fft"]

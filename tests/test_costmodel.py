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
    assert work["direct"]["mac"] + work["direct"]["mac_dot"] == terms
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


def test_compiled_passes_follow_the_kernel():
    """Passes of three taps on large inputs, of five on small padded ones, one per row
    for 3 x 3 kernels, none on narrow outputs (summed in scalar loops)."""
    f = costmodel.cost_features
    assert f((600, 600), (5, 5))["compiled"]["pass"] == 600 * 5 * 2     # no copy: 3 + 2
    assert f((64, 64), (5, 5))["compiled"]["pass"] == 64 * 5 * 1        # padded: 5
    assert f((64, 64), (15, 15), "valid")["compiled"]["pass"] == 50 * 15 * 3
    assert f((64, 64), (3, 3), "same")["compiled"]["pass"] == 64         # nine taps
    tiny = f((64, 64), (63, 63), "valid")["compiled"]
    assert tiny["pass"] == tiny["mac"] == 0 and tiny["scalar_mac"] == 2 * 2 * 63 * 63


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
             if m != "separable"}  # separable is priced with the direct constants
    rows = []
    for s1, s2 in bench.calibration_shapes()[::3]:
        features = costmodel.cost_features(s1, s2, "full")
        rows.append({"features": features, **{
            m: sum(truth[m][k] * v for k, v in features[m].items()) for m in truth}})
    fitted = bench.fit_cost_constants(rows, within=np.inf)
    for m in truth:
        # exact data, so only the 'nlogn_1d'/'nlogn' style collinear pairs could move;
        # the predictions must match to rounding on every row
        pred = [sum(fitted[m][k] * v for k, v in r["features"][m].items()) for r in rows]
        np.testing.assert_allclose(pred, [r[m] for r in rows], rtol=1e-6)


def test_calibration_grid_and_a_tiny_run():
    shapes = bench.calibration_shapes()
    assert len(shapes) == 92
    assert all(len(a) == len(b) and all(q <= p for p, q in zip(a, b)) for a, b in shapes)
    cases = bench.calibration_cases()
    assert cases[:92] == [(a, b, "full") for a, b in shapes]
    # small images with 5 x 5 to 15 x 15 kernels in every mode, and tiny 'valid' outputs
    for mode in ("full", "same", "valid"):
        assert {b[0] for a, b, m in cases if m == mode and a == (64, 64)} >= {5, 9, 15}
    assert min(cl.output_shape(a, b, m)[0] for a, b, m in cases if len(a) == 2) == 2
    constants, rows = bench.calibrate_cost_model(
        [((64,), (3,)), ((256,), (31,)), ((32, 32), (3, 3), "same")], repeat=1, budget=0.001)
    assert set(constants) <= {"direct", "fft", "overlap_add", "compiled"} and len(rows) == 3
    assert all(v >= 0 for c in constants.values() for v in c.values())
    assert all(r["direct"] > 0 and r["fft"] > 0 for r in rows)
    assert [r["mode"] for r in rows] == ["full", "full", "same"]
    assert rows[2]["features"] == costmodel.cost_features((32, 32), (3, 3), "same")


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


def _record(rows, constants, methods):
    right, worst = 0, 1.0
    for r in rows:
        timed = [m for m in methods if m in r]
        est = {m: sum(constants[m][k] * v for k, v in r["features"][m].items())
               for m in timed}
        pick, best = min(timed, key=est.get), min(timed, key=r.get)
        right += pick == best
        worst = max(worst, r[pick] / r[best])
    return {"shapes": len(rows), "right": right, "worst_slowdown": round(worst, 2)}


def test_cost_constants_are_the_fit_of_the_stored_calibration():
    """book/images/calibration.json holds the timings COST_CONSTANTS were fitted to
    (calibrate_cost_model on a quiet machine): re-fitting them gives the constants,
    rounded to three digits, and the model's stated record on them."""
    path = Path(__file__).resolve().parents[1] / "book" / "images" / "calibration.json"
    stored = json.loads(path.read_text())
    assert all(s["quiet"] for s in stored["load"])
    rows = [{**r, "features": costmodel.cost_features(r["s1"], r["s2"], r.get("mode", "full"))}
            for r in stored["rows"]]
    cases = {(tuple(s1), tuple(s2), mode) for s1, s2, mode in bench.calibration_cases()}
    assert all((tuple(r["s1"]), tuple(r["s2"]), r.get("mode", "full")) in cases
               for r in stored["rows"])
    fitted = bench.fit_cost_constants(rows)
    assert {m: {k: float(f"{v:.3g}") for k, v in c.items()} for m, c in fitted.items()} \
        == costmodel.COST_CONSTANTS
    fit = costmodel.COST_MODEL_FIT
    numpy_methods = ("direct", "fft", "overlap_add")
    assert _record(rows, costmodel.COST_CONSTANTS, numpy_methods) == {
        k: fit[k] for k in ("shapes", "right", "worst_slowdown")}
    assert _record(rows, costmodel.COST_CONSTANTS, numpy_methods + ("compiled",)) == {
        k: fit["compiled"][k] for k in ("shapes", "right", "worst_slowdown")}

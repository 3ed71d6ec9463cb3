"""convlib.bench: the benchmark's code, on tiny shapes. Nothing here asserts a timing:
only that the benchmark runs, checks the answers it times, and reports what it measured."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.signal

import convlib
from convlib import bench
from convlib.nn import conv2d, conv2d_backward


def test_time_interleaved_alternates_and_returns_first_results():
    calls = []
    funcs = {"a": lambda: calls.append("a") or 1, "b": lambda: calls.append("b") or 2}
    times, results = bench.time_interleaved(funcs, repeat=3, budget=0.0)
    assert results == {"a": 1, "b": 2}
    # one call each to size the rounds, then 3 rounds of one call each, in turn
    assert calls == ["a", "b"] * 4
    assert set(times) == {"a", "b"} and all(t > 0 for t in times.values())


def test_grids_are_deterministic_and_cover_the_issue():
    g2 = bench.grid_2d()
    assert g2 == bench.grid_2d()
    assert {c["n"] for c in g2} == {64, 256, 512, 1024, 2048}
    assert {c["m"] for c in g2} == {3, 5, 9, 15, 31, 63}
    assert {c["mode"] for c in g2} == {"full", "same", "valid"}
    assert {c["dtype"] for c in g2} == {"float32", "float64"}
    g1 = bench.grid_1d()
    assert min(c["n"] for c in g1) == 10**3 and max(c["n"] for c in g1) == 10**7
    assert min(c["m"] for c in g1) == 3 and max(c["m"] for c in g1) == 10**4
    assert all(c["m"] <= c["n"] for c in g1)
    layers = bench.grid_layers()
    assert {c["N"] for c in layers} == {8, 32} and any(c["depthwise"] for c in layers)
    assert {(c["C_in"], c["C_out"]) for c in layers} >= {(3, 64), (64, 64), (128, 128),
                                                          (256, 256)}
    assert {c["k"] for c in layers} == {1, 3} and {c["stride"] for c in layers} == {1, 2}
    assert {c["dilation"] for c in layers} == {1, 2}


@pytest.mark.parametrize("ndim, grid", [(1, bench.grid_1d), (2, bench.grid_2d)])
def test_bench_convolve_checks_every_answer(ndim, grid):
    rows = bench.bench_convolve(grid(quick=True), ndim, repeat=1, budget=0.0)
    assert len(rows) == len(grid(quick=True))
    for r in rows:
        assert r["ok"] and r["dtype_ok"] and r["error"] <= bench.TOLERANCE[r["dtype"]]
        assert r["speedup"] == pytest.approx(r["t_scipy_auto"] / r["t_convlib"])
        assert r["vs_best"] == pytest.approx(r["t_convlib"] / r[f"t_{r['scipy_best']}"])
        assert r["method"] in ("direct", "fft", "overlap_add", "separable", "compiled")


def test_bench_convolve_reports_a_wrong_answer(monkeypatch):
    def wrong(x, h, mode="full", method="auto"):
        return scipy.signal.convolve(x, h, mode) + 1e-3
    monkeypatch.setattr(bench, "convolve", wrong)
    rows = bench.bench_convolve(bench.grid_2d(quick=True)[:2], 2, repeat=1, budget=0.0)
    assert not any(r["ok"] for r in rows)


TORCH_FIELDS = {"t_torch", "t_torch_backward", "vs_torch", "torch_backward_ratio",
                "backward_error"}


def check_layer_rows(rows, info):
    """The fields of bench_layers' rows and the summary's, computed from them."""
    assert set(info["matmul_gflops"]) == {"float32", "float64"}
    assert all(r["ok"] for r in rows)
    assert all(r["gflops"] > 0 and r["transpose_ratio"] > 0 for r in rows)
    for r in rows:
        assert r["backward_ratio"] == pytest.approx(r["t_backward"] / r["t_forward"])
        if info["torch"] is None:
            assert not TORCH_FIELDS & set(r)
            continue
        assert TORCH_FIELDS <= set(r)
        assert r["t_torch"] > 0 and r["t_torch_backward"] > 0
        assert r["vs_torch"] == pytest.approx(r["t_forward"] / r["t_torch"])
        assert r["torch_backward_ratio"] == pytest.approx(r["t_torch_backward"]
                                                          / r["t_torch"])
        assert 0 <= r["backward_error"] <= bench.TOLERANCE[r["dtype"]]
    for r in rows:  # the GEMMs' yardstick: on dense and grouped layers only
        assert ("backward_gemm_ratio" in r) == (not r["depthwise"])
        if not r["depthwise"]:
            assert r["backward_gemm_ratio"] == pytest.approx(r["t_backward_gemms"]
                                                             / r["t_forward"])
    s = bench.summarize({"layers": (rows, info)})["layers"]
    assert s["backward_above_goal"] == [
        {"name": r["name"], "N": r["N"], "dtype": r["dtype"],
         "backward_ratio": round(r["backward_ratio"], 3),
         "backward_gemm_ratio": (round(r["backward_gemm_ratio"], 3)
                                 if "backward_gemm_ratio" in r else None)}
        for r in rows if r["backward_ratio"] > 2.5]
    mine = [r["backward_ratio"] for r in rows]
    assert s["worst_backward_ratio"] == round(max(mine), 3)
    assert s["median_backward_ratio"] == round(float(np.median(mine)), 3)
    if info["torch"] is None:
        assert s["worst_torch_backward_ratio"] is s["median_torch_backward_ratio"] is None
    else:
        theirs = [r["torch_backward_ratio"] for r in rows]
        assert s["worst_torch_backward_ratio"] == round(max(theirs), 3) > 0
        assert s["median_torch_backward_ratio"] == round(float(np.median(theirs)), 3)
    text = bench.format_tables({"layers": (rows, info)}, s)
    assert "torch backward/fwd" in text and "its GEMMs/fwd" in text
    return s


def test_bench_layers_runs_and_checks():
    """PyTorch as installed here: absent in CI, timed in its own process where present."""
    rows, info = bench.bench_layers(bench.grid_layers(quick=True), repeat=1, budget=0.0,
                                    matmul_n=16)
    check_layer_rows(rows, info)


def test_bench_layers_without_torch(monkeypatch):
    monkeypatch.setattr(bench.importlib.util, "find_spec", lambda name: None)
    assert bench._torch_times([], 1, 0.0) == (None, [])
    rows, info = bench.bench_layers(bench.grid_layers(quick=True), repeat=1, budget=0.0,
                                    matmul_n=16)
    assert info["torch"] is None
    check_layer_rows(rows, info)


def fake_torch(shift=0.0):
    """A stand-in for PyTorch's process: convlib's own answers (its gradients plus
    ``shift``), and made-up times, a different backward/forward ratio per case."""
    def times(inputs, repeat, budget):
        peer = []
        for i, (x, w, g, (s, pad, d, groups)) in enumerate(inputs):
            grads = conv2d_backward(x, w, g, s, pad, d, groups)
            peer.append({"t_torch": 1e-3 * (i + 1), "t_torch_backward": 2e-3 + 1e-4 * i,
                         "y": conv2d(x, w, None, s, pad, d, groups),
                         "grads": [a + shift for a in grads]})
        return "fake", peer
    return times


def test_bench_layers_with_torch_fields(monkeypatch):
    monkeypatch.setattr(bench, "_torch_times", fake_torch())
    cases = bench.grid_layers(quick=True)
    rows, info = bench.bench_layers(cases, repeat=1, budget=0.0, matmul_n=16)
    assert info["torch"] == "fake"
    assert [r["t_torch_backward"] for r in rows] == [2e-3 + 1e-4 * i
                                                     for i in range(len(cases))]
    s = check_layer_rows(rows, info)
    assert s["worst_torch_backward_ratio"] == 2.0      # the first case's 2e-3 / 1e-3


def test_bench_layers_reports_wrong_torch_gradients(monkeypatch):
    """The gradients are checked against PyTorch's: a wrong one fails its case."""
    monkeypatch.setattr(bench, "_torch_times", fake_torch(shift=1.0))
    rows, _ = bench.bench_layers(bench.grid_layers(quick=True), repeat=1, budget=0.0,
                                 matmul_n=16)
    assert not any(r["ok"] for r in rows)
    assert all(r["backward_error"] > bench.TOLERANCE[r["dtype"]] for r in rows)


@pytest.mark.parametrize("C_in, C_out, k, stride, groups, dtypes", [
    (3, 8, 3, 1, 1, ("float32", "float32")),      # K = 27, odd: the ones row
    (4, 6, 3, 2, 2, ("float64", "float64")),      # grouped, strided, K = 18
    (5, 7, 1, 1, 1, ("float32", "float32")),      # 1 x 1
    (6, 4, 1, 2, 2, ("float64", "float64")),      # 1 x 1, strided, grouped
    (3, 4, 3, 1, 1, ("float32", "float64")),      # two dtypes: no ones row
])
def test_backward_gemms_are_the_backwards_products(C_in, C_out, k, stride, groups,
                                                   dtypes, monkeypatch):
    """backward_gemms runs the matrix products conv2d_backward runs: the same
    numpy.matmul calls (operand shapes, dtypes, strides), counted by a spy on NumPy's
    matmul as the two see it."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, C_in, 9, 9)).astype(dtypes[0])
    w = rng.standard_normal((C_out, C_in // groups, k, k)).astype(dtypes[1])
    pad = (k - 1) // 2
    g = conv2d(x, w, None, stride, pad, 1, groups).astype(dtypes[0])
    calls = []
    real = np.matmul

    def spy(a, b, *args, **kwargs):
        calls.append(((a.shape, a.dtype.str, a.strides), (b.shape, b.dtype.str, b.strides)))
        return real(a, b, *args, **kwargs)

    monkeypatch.setattr(np, "matmul", spy)
    conv2d_backward(x, w, g, stride, pad, 1, groups)
    theirs, calls[:] = calls[:], []
    bench.backward_gemms(x, w, g, groups, stride, pad)()
    assert calls == theirs != []


def test_bench_bandwidth_new_array_yardstick():
    cases = bench.grid_bandwidth(quick=True)
    rows, info = bench.bench_bandwidth(cases, repeat=1, budget=0.0, copy_bytes=2**20)
    assert len(rows) == len(cases) and info["copy_rate"] > 0
    for r in rows:
        assert r["ok"] and r["t_convlib"] > 0 and r["t_new_array"] > 0
        assert r["vs_limit"] == pytest.approx(r["t_convlib"] / r["t_limit"])
        assert r["vs_new_array"] == pytest.approx(r["t_convlib"] / r["t_new_array"])
        assert r["new_array_vs_limit"] == pytest.approx(r["t_new_array"] / r["t_limit"])
    s = bench.summarize({"bandwidth": (rows, info)})["bandwidth"]
    assert s["worst_vs_new_array"] == round(max(r["vs_new_array"] for r in rows), 3)
    assert s["worst_vs_limit"] == round(max(r["vs_limit"] for r in rows), 3)
    text = bench.format_tables({"bandwidth": (rows, info)}, s)
    assert "convlib/x.copy()" in text
    # a run stored before the yardstick was timed: the goal's summary as before
    old = [{k: v for k, v in r.items() if "new_array" not in k} for r in rows]
    s_old = bench.summarize({"bandwidth": (old, info)})["bandwidth"]
    assert s_old["worst_vs_new_array"] is None
    assert s_old["worst_vs_limit"] == s["worst_vs_limit"] and s_old["met"] == s["met"]
    assert "convlib/x.copy()" in bench.format_tables({"bandwidth": (old, info)}, s_old)


def test_bench_memory_rows():
    rows = bench.bench_memory(quick=True)
    methods = {r["method"] for r in rows}
    assert methods == set(bench.MEMORY_BOUNDS)
    assert all(r["peak_over_output"] > 0 and r["ok"] == (r["peak_over_output"]
                                                         <= r["bound"]) for r in rows)


def test_summarize_and_tables():
    rows = [{"n": 8, "m": 3, "kind": "random", "dtype": "float32", "mode": "full",
             "method": "direct", "scipy_method": "fft", "t_convlib": 1.0,
             "t_scipy_auto": 2.0, "speedup": 2.0, "scipy_best": "scipy_fft",
             "vs_best": 0.9, "ok": True},
            {"n": 8, "m": 5, "kind": "random", "dtype": "float64", "mode": "same",
             "method": "fft", "scipy_method": "fft", "t_convlib": 1.0,
             "t_scipy_auto": 0.5, "speedup": 0.5, "scipy_best": "scipy_fft",
             "vs_best": 1.3, "ok": True}]
    summary = bench.summarize({"1d": rows})
    s = summary["1d"]
    assert s["geomean_speedup"] == 1.0 and s["worst_vs_best"] == 1.3
    assert s["worst_case"]["m"] == 5 and s["met"] is False   # 1.3 > 1.25
    text = bench.format_tables({"1d": rows}, summary)
    assert "speed-up" in text and "scipy best" in text and '"met": false' in text


def test_main_quick_writes_json(tmp_path, capsys):
    path = tmp_path / "out.json"
    summary = bench.main(["--quick", "--goal", "2d", "--json", str(path)])
    printed = capsys.readouterr().out
    assert "== 2d:" in printed and "== summary ==" in printed
    stored = json.loads(path.read_text())
    assert stored["summary"]["2d"]["cases"] == len(bench.grid_2d(quick=True))
    assert stored["summary"]["2d"]["all_correct"] is True
    assert np.isfinite(summary["2d"]["geomean_speedup"])


def test_main_rejects_unknown_goal():
    with pytest.raises(SystemExit):
        bench.main(["--goal", "3d"])


def test_main_records_machine_and_load(tmp_path):
    summary = bench.main(["--quick", "--goal", "memory", "--silent"])
    assert summary["machine"]["cores"] >= 1 and summary["machine"]["cpu"]
    before, after = summary["load"]["memory"]
    assert set(before) == set(after) == {"other_cores", "loadavg", "quiet"}
    assert summary["quiet"] in (True, False, None)


def test_main_refuses_to_store_a_busy_full_run(tmp_path, monkeypatch):
    busy = {"other_cores": 1.5, "loadavg": [3.0, 3.0, 3.0], "quiet": False}
    monkeypatch.setattr(bench, "cpu_load", lambda window: busy)
    monkeypatch.setattr(bench, "bench_memory", lambda quick: [])
    monkeypatch.setattr(bench, "summarize", lambda results: {})
    path = tmp_path / "full.json"
    with pytest.raises(SystemExit, match="busy"):
        bench.main(["--goal", "memory", "--silent", "--json", str(path)])
    assert not path.exists()
    summary = bench.main(["--goal", "memory", "--silent", "--allow-busy",
                          "--json", str(path)])
    assert summary["quiet"] is False
    assert json.loads(path.read_text())["summary"]["quiet"] is False


def test_cpu_load_sees_a_busy_core():
    """A process spinning beside the sampler is counted as another process's CPU."""
    import subprocess
    import sys

    from convlib.machine import cpu_load
    spin = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        load = cpu_load(0.5)
    finally:
        spin.kill()
        spin.wait()
    if load["other_cores"] is None:
        pytest.skip("no /proc/stat on this platform: load is unknown, never claimed quiet")
    assert load["other_cores"] > 0.5 and load["quiet"] is False


@pytest.mark.parametrize("dtype", bench.MAP_DTYPES)
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_method_map_is_choose_method_on_inputs_of_that_dtype(dtype, mode):
    """Oracle: convlib.choose_method called on the same shapes, dtype and kernel draws."""
    import convlib as cl

    sizes, taps = [64, 300], [3, 15, 100]
    got = bench.method_map(sizes, taps, 2, mode=mode, dtype=dtype)
    rng = np.random.default_rng(0)          # method_map's draws, in its order
    for j, n in enumerate(sizes):
        for i, m in enumerate(taps):
            if m > n:
                assert got[i, j] == ""
                continue
            h = rng.standard_normal((m, m))
            if dtype == "complex128":
                h = h + 1j * rng.standard_normal((m, m))
            x = np.zeros((n, n), dtype)
            assert got[i, j] == cl.choose_method(x, h.astype(dtype), mode)


def test_method_map_dtypes():
    """Each dtype's map is choose_method's pick on inputs of that dtype (float32 is
    priced apart: costmodel.SINGLE_KEYS); complex data doubles the FFT's work and never
    goes separable (the rank-1 check runs on real kernels only)."""
    sizes, taps = [10**3, 10**5], [3, 300, 1000]
    for dtype in ("float32", "float64"):
        picks = bench.method_map(sizes, taps, dtype=dtype)
        for i, m in enumerate(taps):
            for j, n in enumerate(sizes):
                h = np.random.default_rng(0).standard_normal(m).astype(dtype)
                assert picks[i, j] == convlib.choose_method(np.zeros(n, dtype), h)
    rank1 = {t: bench.method_map([512], [3, 5], 2, rank1=True, dtype=t)
             for t in bench.MAP_DTYPES}
    # float64: the cheap direct passes, or the compiled sum where numba is installed
    assert np.isin(rank1["float64"], ["separable", "compiled"]).all()
    assert not np.isin(rank1["complex128"], ["separable", "compiled"]).any()


@pytest.mark.parametrize("kwargs, message", [
    ({"dtype": "int64"}, "method_map: dtype must be one of 'float32', 'float64', "
                         "'complex128'; got 'int64'"),
    ({"mode": "middle"}, "method_map: mode must be one of"),
    ({"ndim": 2, "rank1": True, "dtype": np.float64}, "method_map: dtype must be one of"),
])
def test_method_map_rejects_bad_dtype_and_mode(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        bench.method_map([10], [3], **kwargs)


def test_main_runs_takes_the_median_of_each_number(tmp_path, monkeypatch):
    # three fake runs of the bandwidth goal whose numbers are known: the stored row and
    # info are the per-number medians, each run's summary is kept beside them
    rates, times = iter([1e9, 3e9, 2e9]), iter([5.0, 1.0, 2.0])

    def fake(cases, repeat, budget, copy_bytes):
        t = next(times)
        return ([{"n": 8, "dtype": "float32", "method": "compiled", "t_convlib": t,
                  "vs_limit": t, "vs_new_array": t / 2, "ok": True}],
                {"copy_rate": next(rates)})
    monkeypatch.setattr(bench, "bench_bandwidth", fake)
    path = tmp_path / "runs.json"
    summary = bench.main(["--quick", "--goal", "bandwidth", "--runs", "3", "--silent",
                          "--json", str(path)])
    assert summary["runs"] == 3 and len(summary["per_run"]) == 3
    assert summary["bandwidth"]["copy_gb_per_s"] == 2.0
    assert summary["bandwidth"]["worst_vs_limit"] == 2.0
    assert [s["bandwidth"]["worst_vs_limit"] for s in summary["per_run"]] == [5.0, 1.0, 2.0]
    assert summary["bandwidth"]["worst_vs_new_array"] == 1.0
    assert [s["bandwidth"]["worst_vs_new_array"]
            for s in summary["per_run"]] == [2.5, 0.5, 1.0]
    assert set(summary["load"]) == {f"bandwidth run {i}" for i in (1, 2, 3)}
    rows, info = json.loads(path.read_text())["results"]["bandwidth"]
    assert rows == [{"n": 8, "dtype": "float32", "method": "compiled", "t_convlib": 2.0,
                     "vs_limit": 2.0, "vs_new_array": 1.0, "ok": True}]
    assert info == {"copy_rate": 2e9}


def test_combine_runs_keeps_memory_and_flags_disagreeing_methods():
    memory = [{"case": "x", "peak_over_output": 1.0, "ok": True}]
    runs = [{"memory": memory, "1d": [{"method": m, "speedup": s, "ok": ok}]}
            for m, s, ok in (("fft", 1.0, True), ("direct", 4.0, True),
                             ("fft", 2.0, False))]
    runs[1].pop("memory")
    runs[2].pop("memory")
    out = bench.combine_runs(runs)
    assert out["memory"] == memory
    assert out["1d"] == [{"method": "fft", "speedup": 2.0, "ok": False,
                          "method_runs": ["fft", "direct", "fft"]}]
    assert bench.combine_runs(runs[:1]) is runs[0]


def test_main_rejects_runs_below_one():
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--goal", "memory", "--runs", "0", "--silent"])


def test_goal_figures_read_the_summary_of_a_run():
    """goal_figures gives each goal's figures and flag as summarize computed them: the
    grids from a quick run, the layer and bandwidth parts given."""
    bench_rows = bench.bench_convolve(bench.grid_2d(quick=True), 2, repeat=1, budget=0.0)
    one_rows = bench.bench_convolve(bench.grid_1d(quick=True), 1, repeat=1, budget=0.0)
    s = bench.summarize({"2d": bench_rows, "1d": one_rows})
    s["layers"] = {"geomean_vs_torch_by_dtype": {"dense float32": 0.8,
                                                 "depthwise float32": 1.6},
                   "met_torch": False, "worst_transpose_ratio": 1.9,
                   "worst_backward_ratio": 2.4, "met_transpose_backward": True}
    s["bandwidth"] = {"worst_vs_limit": 1.7, "met": False}
    table = bench.goal_figures(s)
    assert list(table) == ["2-D vs SciPy", "2-D vs OpenCV", "1-D vs SciPy",
                           "layers vs PyTorch", "transposed, backward", "bandwidth"]
    assert table["2-D vs SciPy"] == (s["2d"]["geomean_speedup"], s["2d"]["worst_vs_best"],
                                     s["2d"]["met"])
    assert table["1-D vs SciPy"][2] == s["1d"]["met"]
    assert table["2-D vs OpenCV"] == (s["2d"].get("geomean_vs_opencv"),
                                      s["2d"].get("worst_vs_opencv"),
                                      s["2d"].get("met_opencv"))  # None without OpenCV
    assert table["layers vs PyTorch"] == (0.8, 1.6, False)
    assert table["transposed, backward"] == (1.9, 2.4, True)
    assert table["bandwidth"] == (1.7, None, False)

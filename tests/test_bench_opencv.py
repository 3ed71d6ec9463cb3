"""convlib.bench's OpenCV peer: the calls it times compute the output they are compared
with. OpenCV is not a dependency, so a stand-in with OpenCV's documented semantics
(``filter2D``: correlation, anchor at ``size // 2``, zero border; ``copyMakeBorder``:
zero rows/columns top, bottom, left, right) checks the padding arithmetic everywhere,
and the real module where it is installed."""

from __future__ import annotations

import types

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

from convlib import bench

BORDER_CONSTANT = 0


def _filter2d(src, ddepth, kernel, borderType):
    assert ddepth == -1 and borderType == BORDER_CONSTANT
    # scipy.ndimage puts the kernel's centre at size // 2, as OpenCV's default anchor
    return scipy.ndimage.correlate(src, kernel, mode="constant", cval=0.0)


def _copy_make_border(src, top, bottom, left, right, borderType):
    assert borderType == BORDER_CONSTANT
    return np.pad(src, ((top, bottom), (left, right)))


STAND_IN = types.SimpleNamespace(filter2D=_filter2d, copyMakeBorder=_copy_make_border,
                                 BORDER_CONSTANT=BORDER_CONSTANT)
REAL = bench._opencv()


@pytest.mark.parametrize("cv2", [STAND_IN] + ([REAL] if REAL is not None else []),
                         ids=["stand-in"] + (["opencv"] if REAL is not None else []))
@pytest.mark.parametrize("kshape", [(3, 3), (5, 3), (4, 4), (2, 5), (7, 6)])
def test_opencv_full_is_the_full_convolution(cv2, kshape):
    rng = np.random.default_rng(sum(kshape))
    x, h = rng.standard_normal((11, 9)), rng.standard_normal(kshape)
    out = bench._opencv_full(cv2, x, h)()
    np.testing.assert_allclose(out, scipy.signal.convolve(x, h, "full"), atol=1e-12)
    if kshape[0] % 2 and kshape[1] % 2:  # the goal's call: 'same', odd kernels
        same = bench._opencv_filter(cv2, x, h)()
        np.testing.assert_allclose(same, scipy.signal.convolve(x, h, "same"), atol=1e-12)


def test_bench_times_opencv_on_the_same_output_in_full_mode(monkeypatch):
    monkeypatch.setattr(bench, "_opencv", lambda: STAND_IN)
    cases = [{"n": 12, "m": 3, "kind": "random", "dtype": "float64", "mode": mode}
             for mode in ("full", "same", "valid")]
    rows = bench.bench_convolve(cases, 2, repeat=1, budget=0.0)
    full, same, valid = rows
    assert full["opencv_full_error"] < 1e-12 and full["opencv_error"] < 1e-12
    assert full["vs_opencv_equal"] == full["t_opencv_full"] / full["t_convlib"]
    assert same["vs_opencv_equal"] == same["vs_opencv"]
    assert "vs_opencv_equal" not in valid and "t_opencv_full" not in same
    assert all(r["scipy_best"].startswith("scipy_") for r in rows)
    s = bench.summarize({"2d": rows})["2d"]
    ratios = [full["vs_opencv_equal"], same["vs_opencv_equal"]]
    assert s["worst_vs_opencv_equal"] == round(min(ratios), 3)
    assert s["geomean_vs_opencv_equal"] == round(float(np.sqrt(ratios[0] * ratios[1])), 3)
    assert s["worst_opencv_equal_case"]["mode"] == ("full" if ratios[0] < ratios[1]
                                                    else "same")
    assert "same output" in bench.format_tables({"2d": rows}, bench.summarize({"2d": rows}))

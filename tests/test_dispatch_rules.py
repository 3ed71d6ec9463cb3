"""The dispatcher's rules of issue 13: NaN locality, tiny inputs, work and size guards,
measure=, axes=, separable in the result's dtype, overlap_save of one element."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

import convlib as cl
from convlib import compiled
from convlib import dispatch
from convlib.fourier import NonFiniteWarning


def signal_with_nan(n=5000, at=2500, seed=0):
    x = np.random.default_rng(seed).standard_normal(n)
    x[at] = np.nan
    return x


# ---- a NaN stays where it is, or the user is told ------------------------------------

@pytest.mark.parametrize("method", ["fft", "overlap_add"])
def test_fft_methods_warn_when_nan_spreads(method):
    x, h = signal_with_nan(), np.ones(251)
    with pytest.warns(NonFiniteWarning, match="^convolve: in1 has non-finite values"):
        out = cl.convolve(x, h, "same", method)
    assert np.isnan(out).sum() > 251
    public = {"fft": cl.fft_convolve, "overlap_add": cl.overlap_add}[method]
    with pytest.warns(NonFiniteWarning, match=f"^{method if method != 'fft' else 'fft_convolve'}: in1"):
        public(x, h)
    with pytest.warns(NonFiniteWarning, match="^overlap_save: in2 has non-finite"):
        cl.overlap_save(h, x)


def test_auto_keeps_nan_local():
    """5,000 samples, one NaN, 251 taps: every output was NaN under 'auto' before the
    fix; direct gives 251."""
    x, h = signal_with_nan(), np.ones(251)
    out = cl.convolve(x, h, "same")
    assert np.isnan(out).sum() == 251
    # where an FFT method is predicted faster, but not NONFINITE_DIRECT_FACTOR times
    # faster, a NaN sends auto to the direct sum ('compiled' with numba)
    x2 = signal_with_nan(20_000, 10_000)
    summing = "compiled" if compiled.numba_available() else "direct"
    assert cl.choose_method(np.nan_to_num(x2), np.ones(1000)) == "overlap_add"
    assert cl.choose_method(x2, np.ones(1000)) == summing
    assert np.isnan(cl.convolve(x2, np.ones(1000))).sum() == 1000


def test_auto_warns_when_direct_is_far_too_slow():
    x = signal_with_nan(200_000, 100)
    h = np.ones(5000)
    costs = cl.estimate_costs(x, h)
    best = min(costs["fft"], costs["overlap_add"])
    assert costs["direct"] > dispatch.NONFINITE_DIRECT_FACTOR * best
    with pytest.warns(NonFiniteWarning):
        cl.convolve(x, h)


def test_winograd_spreads_nan_within_its_tile_as_documented():
    x = np.zeros(12)
    x[5] = np.nan
    wino = np.isnan(cl.convolve(x, np.ones(3), "same", "winograd"))
    direct = np.isnan(cl.convolve(x, np.ones(3), "same", "direct"))
    assert direct.sum() == 3 and wino.sum() == 4 and (wino >= direct).all()


# ---- tiny inputs, exact zeros (SciPy's test_rank3_all) --------------------------------

def test_auto_uses_direct_for_tiny_3d_inputs():
    a = np.linspace(0, 39, 40).reshape((2, 4, 5), order="F")
    b = np.linspace(0, 23, 24).reshape((2, 3, 4), order="F")
    # a direct sum ('compiled' where numba serves and it is predicted faster)
    assert cl.choose_method(a, b) in ("direct", "compiled")
    out = cl.correlate(a, b)
    assert out[0, 0, 0] == 0.0   # -2.3e-13 by FFT before the fix
    assert np.array_equal(out, scipy.signal.correlate(a, b, method="direct"))


# ---- work and size guards ---------------------------------------------------------------

def test_direct_refuses_huge_work():
    x = np.broadcast_to(np.float64(1), (10**6,))
    with pytest.raises(ValueError, match=r"^convolve: method='direct' needs 1e\+12 "
                       r"multiply-adds, more than .*use method='fft'"):
        cl.convolve(x, x, method="direct")
    with pytest.raises(ValueError, match=r"^correlate: method='loops' needs"):
        cl.correlate(x, x[:10**5], method="loops")


def test_size_guards():
    with pytest.raises(ValueError, match=r"^dft_matrix: n asks for an output of shape "
                       r"\(100000, 100000\)"):
        cl.dft_matrix(100_000)
    x = np.ones(10**6)
    with pytest.raises(ValueError, match="^overlap_add: block_size asks for an output"):
        cl.overlap_add(x, np.ones(3), block_size=10**9)
    with pytest.raises(ValueError, match="^overlap_save: block_size asks for an output"):
        cl.overlap_save(x, np.ones(3), block_size=10**9)


# ---- SciPy's API: measure=, axes= ---------------------------------------------------------

def test_choose_method_measure_returns_times():
    method, times = cl.choose_method(np.ones(100), np.ones(10), measure=True)
    timed = {"direct", "fft", "overlap_add"} | ({"compiled"} if compiled.numba_available() else set())
    assert set(times) == timed
    assert method == min(times, key=times.get) and all(t > 0 for t in times.values())


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("axes", [0, 1, [0], [1], [0, 1], -1, None])
def test_overlap_add_axes_equal_oaconvolve(mode, axes):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((40, 6))
    for b in (rng.standard_normal((5, 6)), rng.standard_normal((5, 1)),
              rng.standard_normal((1, 6))):
        try:
            ref = scipy.signal.oaconvolve(a, b, mode, axes=axes)
        except ValueError:   # sizes differ along an axis not convolved
            with pytest.raises(ValueError, match="^overlap_add: "):
                cl.overlap_add(a, b, mode, axes=axes)
            continue
        np.testing.assert_allclose(cl.overlap_add(a, b, mode, axes=axes), ref,
                                   atol=1e-12)


def test_overlap_add_axes_errors():
    with pytest.raises(ValueError, match="^overlap_add: in1 and in2 must have equal sizes"):
        cl.overlap_add(np.ones((4, 3)), np.ones((4, 2)), axes=0)


# ---- smaller defects --------------------------------------------------------------------

def test_overlap_save_of_one_integer_element_is_exact():
    out = cl.overlap_save(np.array([3]), np.array([5, 7, 9]))
    assert out.dtype == np.int64 and out.tolist() == [15, 21, 27]


def test_auto_separable_factors_in_the_result_dtype():
    """A float64 image with a float32 rank-1 kernel: the result must have float64
    accuracy (float32's 5e-7 before the fix)."""
    rng = np.random.default_rng(2)
    img = rng.standard_normal((512, 512))
    for k in (3, 5):   # auto picked 'separable' for both before the fix
        g = rng.standard_normal(k).astype(np.float32)
        k32 = np.outer(g, g)   # rank 1 to float32 rounding, not to float64's
        ref = scipy.signal.convolve(img, k32.astype(np.float64), "same", method="direct")
        out = cl.convolve(img, k32, "same")
        assert out.dtype == np.float64
        assert np.abs(out - ref).max() <= 1e-12 * np.abs(ref).max()
    ones = np.ones((5, 5), dtype=np.float32)   # exactly rank 1: still separable ...
    costs = cl.estimate_costs(img, ones)
    compiled_wins = (cl.costmodel.AUTO_USES_COMPILED
                     and costs["compiled"] < costs["separable"]
                     and cl.METHODS["compiled"].serves(img, ones, "full") is None)
    # ... unless the compiled direct sum is predicted faster (and numba serves)
    assert cl.choose_method(img, ones) == ("compiled" if compiled_wins else "separable")


def test_separate_of_nan_kernel_is_a_clear_value_error():
    k = np.ones((3, 3))
    k[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"^separate: kernel must hold finite values; "
                       r"got nan at index \(1, 2\)"):
        cl.separate(k)
    with pytest.raises(ValueError, match="^low_rank: kernel must hold finite"):
        cl.low_rank(k, 1)


def test_circular_convolve_warns_on_nan():
    with pytest.warns(NonFiniteWarning, match=r"^circular_convolve: b has non-finite .*"
                      r"boundary='wrap'"):
        out = cl.circular_convolve(np.ones(8), np.array([1, 0, 0, np.nan, 0, 0, 0, 0]))
    assert np.isnan(out).all()

"""The fast paths of the performance work: each computes the same sums as a reference.

* ``convolve_direct`` in cache-sized blocks (``DIRECT_BLOCK`` made tiny so that every
  case crosses block boundaries) and its 1-D ``numpy.convolve`` path;
* the pruned real FFT of ``fft_convolve``;
* ``method='auto'`` choosing ``'separable'`` for rank-1 kernels (and never for others),
  with float32 kept float32 on every path;
* ``convlib.nn.conv2d``'s depthwise, 1 x 1 and batched-im2col paths.

Oracles: SciPy (``scipy.signal.convolve``, ``fftconvolve``) and the loop reference of
tests/nn_reference.py. Tolerances as in support.py (RTOL: a few ulps per term).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import convlib as cl
from convlib import direct
from convlib.fourier import fft_convolve
from convlib.nn import conv2d
from convlib.nn import layers as nn_layers

from support import (DTYPES, MODES, array_pairs, assert_close, assert_fft_close, bound,
                     scipy_or_none)
from nn_reference import conv as reference_conv


# ---- blocked direct ----------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@given(pair=array_pairs(max_side=7), block=st.integers(1, 20))
def test_blocked_direct_equals_scipy(mode, pair, block):
    a, b = pair
    ref = scipy_or_none(scipy.signal.convolve, a, b, mode, "direct")
    if ref is None:
        return
    with pytest.MonkeyPatch.context() as m:
        m.setattr(direct, "DIRECT_BLOCK", block)   # blocks of a few elements
        out = cl.convolve(a, b, mode, "direct")
    assert_close(out, ref, bound(a, b, lambda u, v: scipy.signal.convolve(
        u, v, mode, "direct")))


def test_blocked_direct_large_2d_crosses_blocks():
    rng = np.random.default_rng(1)
    x, h = rng.standard_normal((300, 200)), rng.standard_normal((4, 5))
    assert 300 * 200 > direct.DIRECT_BLOCK  # several blocks of rows
    for mode in MODES:
        np.testing.assert_allclose(cl.convolve(x, h, mode, "direct"),
                                   scipy.signal.convolve2d(x, h, mode), atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@given(pair=array_pairs(max_side=7))
def test_direct_windows_path_equals_scipy(mode, pair):
    a, b = pair     # kernels larger than the output: one dot product per output value
    ref = scipy_or_none(scipy.signal.convolve, a, b, mode, "direct")
    if ref is None or not ref.size or ref.size >= min(a.size, b.size):
        return      # (called directly: the dispatcher uses it only for large kernels)
    out = direct._direct_windows(*(
        (a, b) if a.size >= b.size else (b, a)),
        ref.shape, cl.mode_offset(a.shape, b.shape, mode))
    assert_close(out.astype(ref.dtype), ref, bound(a, b, lambda u, v: scipy.signal.convolve(
        u, v, mode, "direct")))


def test_direct_windows_valid_large_kernel():
    rng = np.random.default_rng(6)
    x, h = rng.standard_normal((64, 64)), rng.standard_normal((63, 63))
    for mode in MODES:
        np.testing.assert_allclose(cl.convolve(x, h, mode, "direct"),
                                   scipy.signal.convolve2d(x, h, mode), atol=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.complex128])
def test_direct_keeps_the_dtype(dtype):
    x = np.arange(60).reshape(6, 10).astype(dtype)
    h = np.ones((2, 3), dtype=dtype)
    for xs, hs in [(x, h), (x[0], h[0])]:  # N-d blocked and 1-D numpy.convolve
        out = cl.convolve(xs, hs, "same", "direct")
        assert out.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(out, scipy.signal.convolve(xs, hs, "same"))


# ---- pruned real FFT ---------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@given(pair=array_pairs(max_side=9, dtypes=[np.float32, np.float64]))
def test_pruned_fft_equals_scipy(mode, pair):
    a, b = pair
    ref = scipy_or_none(scipy.signal.fftconvolve, a, b, mode)
    if ref is None:
        return
    assert_fft_close(fft_convolve(a, b, mode), ref, a, b)


def test_pruned_fft_with_axes_and_broadcasting():
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((3, 20, 1)), rng.standard_normal((1, 5, 4))
    for mode in ("full", "same"):
        np.testing.assert_allclose(fft_convolve(a, b, mode, axes=1),
                                   scipy.signal.fftconvolve(a, b, mode, axes=1),
                                   atol=1e-12)


# ---- auto picks separable for rank-1 kernels only --------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", MODES)
def test_auto_separable_for_rank1_kernels(dtype, mode):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1024, 1024)).astype(dtype)
    g = cl.kernels.gaussian(1.0, radius=2)
    h = np.outer(g, g).astype(dtype)          # rank 1
    costs = cl.estimate_costs(x, h, mode)
    # separable, unless the compiled direct sum (numba installed) is predicted faster
    compiled_wins = (cl.costmodel.AUTO_USES_COMPILED
                     and costs["compiled"] < costs["separable"]
                     and cl.METHODS["compiled"].serves(x, h, mode) is None)
    assert cl.choose_method(x, h, mode) == ("compiled" if compiled_wins else "separable")
    out = cl.convolve(x, h, mode)
    assert out.dtype == np.dtype(dtype)
    ref = scipy.signal.convolve(x.astype(np.float64), h.astype(np.float64), mode)
    tol = 1e-5 if dtype == np.float32 else 1e-12   # float32: eps 1.2e-7 x 25 taps x 3
    np.testing.assert_allclose(out, ref, atol=tol * np.abs(ref).max())


def test_auto_does_not_pick_separable_for_rank2_or_noisy_kernels():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((1024, 1024))
    g = cl.kernels.gaussian(1.0, radius=2)
    rank2 = np.outer(g, g) + 1e-3 * np.outer(g, np.arange(5.0))
    rank2[0, 0] += 1e-3
    noisy = np.outer(g, g) + 1e-9 * rng.standard_normal((5, 5))   # rank 1 to 1e-9 only
    for h in (rank2, noisy, rng.standard_normal((5, 5))):
        assert cl.choose_method(x, h) != "separable"
        np.testing.assert_allclose(cl.convolve(x, h, "same"),
                                   scipy.signal.convolve(x, h, "same"), atol=1e-10)


def test_auto_separable_not_for_integers_or_larger_kernels():
    x = np.ones((1024, 1024), dtype=np.int64)
    assert cl.choose_method(x, np.ones((5, 5), dtype=np.int64)) != "separable"
    assert not cl.dispatch._auto_separable(np.ones((3, 3)), np.ones((5, 5)))
    assert not cl.dispatch._auto_separable(np.ones((9, 9)), np.zeros((3, 3)))
    ld = np.ones((2048, 2048), dtype=np.longdouble)   # no SVD in long double
    assert cl.choose_method(ld, np.ones((3, 3), dtype=np.longdouble)) != "separable"


@pytest.mark.parametrize("mode", MODES)
@given(pair=array_pairs(ndim=2, max_side=6, dtypes=[np.float32, np.float64]))
def test_auto_keeps_float_dtypes(mode, pair):
    a, b = pair
    ref = scipy_or_none(scipy.signal.convolve, a, b, mode)
    if ref is None:
        return
    out = cl.convolve(a, b, mode)
    assert out.dtype == ref.dtype == a.dtype


# ---- conv2d fast paths -------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES[:3])
@pytest.mark.parametrize("groups, c_in, c_out, k, stride, dilation", [
    (4, 4, 4, 3, 1, 1),     # depthwise
    (4, 4, 8, 3, 2, 1),     # depthwise, multiplier 2, stride 2
    (3, 3, 3, 2, 1, 2),     # depthwise, dilation 2
    (1, 4, 6, 1, 1, 1),     # 1 x 1
    (2, 4, 6, 1, 2, 1),     # 1 x 1, grouped, stride 2
    (1, 3, 5, 3, 1, 1),     # im2col in parts (limit made tiny below)
])
def test_conv2d_fast_paths_equal_reference(monkeypatch, dtype, groups, c_in, c_out, k,
                                           stride, dilation):
    rng = np.random.default_rng(5)
    x = (rng.integers(-5, 6, (3, c_in, 9, 8))).astype(dtype)
    w = (rng.integers(-5, 6, (c_out, c_in // groups, k, k))).astype(dtype)
    monkeypatch.setattr(nn_layers, "IM2COL_LIMIT", 1)   # one sample at a time
    out = conv2d(x, w, None, stride, 1, dilation, groups)
    ref = reference_conv(x, w, None, (stride, stride), ((1, 1), (1, 1)),
                         (dilation, dilation), groups)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_allclose(out, ref, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_sparse_1d_kernel_skips_zero_taps_and_agrees():
    rng = np.random.default_rng(7)
    x, h = rng.standard_normal(5000), np.zeros(257)
    h[::64] = rng.standard_normal(5)          # 5 non-zero taps out of 257
    for mode in MODES:
        np.testing.assert_allclose(cl.convolve(x, h, mode, "direct"),
                                   np.convolve(x, h, mode) if mode != "same"
                                   else scipy.signal.convolve(x, h, "same", "direct"),
                                   atol=1e-12)

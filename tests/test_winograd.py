"""Tests of convlib.winograd: the transforms (exact, Lavin-Gray's tables), tiled 1-D and
2-D correlation against NumPy/SciPy for any size, method='winograd', and errors."""

from fractions import Fraction

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib as cl

from support import MODES


# ---------------------------------------------------------------- the transforms

def test_f23_transforms_literal():
    AT, G, BT = cl.winograd_transforms(2, 3)
    np.testing.assert_array_equal(AT, [[1, 1, 1, 0], [0, 1, -1, 1]])
    np.testing.assert_array_equal(G, [[1, 0, 0], [0.5, 0.5, 0.5], [-0.5, 0.5, -0.5],
                                      [0, 0, -1]])
    np.testing.assert_array_equal(BT, [[1, 0, -1, 0], [0, 1, 1, 0], [0, 1, -1, 0],
                                       [0, 1, 0, -1]])


# Lavin and Gray (2016), arXiv:1509.09308, equations (6) and (8)-(10)
LAVIN_F23 = (np.array([[1, 1, 1, 0], [0, 1, -1, -1]]),
             np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]),
             np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]))
LAVIN_F43 = (np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0],
                       [0, 1, -1, 8, -8, 1]]),
             np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
                       [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]]),
             np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
                       [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]))


@pytest.mark.parametrize("m, lavin", [(2, LAVIN_F23), (4, LAVIN_F43)])
def test_transforms_match_lavin_gray(m, lavin):
    """Same algorithm: each of the alpha products contributes the same rank-1 term
    AT[:, i] (x) G[i] (x) BT[i]; only a scale per product may move between G and B^T."""
    ours = cl.winograd_transforms(m, 3)
    terms = [np.einsum("ai,ir,ib->iarb", *t) for t in (ours, lavin)]
    # float64 of small fractions such as 1/6 and 1/24: rounding ~1e-16
    np.testing.assert_allclose(terms[0], terms[1], atol=1e-14)
    np.testing.assert_array_equal(np.abs(ours[2]), np.abs(lavin[2]))  # B^T up to signs


@pytest.mark.parametrize("m", range(1, 7))
def test_transforms_exact_in_rational_arithmetic(m):
    AT, G, BT = cl.winograd_transforms(m, 3, exact=True)
    assert AT.shape == (m, m + 2) and G.shape == (m + 2, 3) and BT.shape == (m + 2, m + 2)
    rng = np.random.default_rng(m)
    for _ in range(5):
        d = np.array([Fraction(int(v)) for v in rng.integers(-50, 51, m + 2)], dtype=object)
        g = np.array([Fraction(int(v)) for v in rng.integers(-50, 51, 3)], dtype=object)
        y = AT.dot(G.dot(g) * BT.dot(d))
        assert list(y) == [sum(d[i + j] * g[j] for j in range(3)) for i in range(m)]
    # B^T has integer entries (fractions live in G)
    assert all(v.denominator == 1 for v in BT.ravel())


def test_transforms_other_r_and_points():
    AT, G, BT = cl.winograd_transforms(3, 2, points=[0, 2, -3], exact=True)
    d = np.array([Fraction(v) for v in (3, -1, 4, 1)], dtype=object)
    g = np.array([Fraction(v) for v in (2, 7)], dtype=object)
    assert list(AT.dot(G.dot(g) * BT.dot(d))) == [3 * 2 - 7, -2 + 28, 8 + 7]


def test_transform_errors():
    with pytest.raises(ValueError, match=r"winograd_transforms: points must be 3 "
                                         r"distinct numbers; got \[0, 1\]"):
        cl.winograd_transforms(2, 3, points=[0, 1])
    with pytest.raises(TypeError, match=r"winograd_transforms: points must be rational "
                                        r"numbers; got \['a', 1, 2\]"):
        cl.winograd_transforms(2, 3, points=["a", 1, 2])
    with pytest.raises(ValueError, match=r"winograd_transforms: m \+ r - 2 must be at most "
                                         r"11 with the default points; got 12"):
        cl.winograd_transforms(11, 3)
    with pytest.raises(ValueError, match=r"winograd_transforms: m must be >= 1; got 0"):
        cl.winograd_transforms(0, 3)
    with pytest.raises(TypeError, match=r"winograd_transforms: r must be an integer; "
                                        r"got 3.0"):
        cl.winograd_transforms(2, 3.0)


# ---------------------------------------------------------------- tiled correlation

def test_correlate1d_literal():
    np.testing.assert_array_equal(cl.winograd_correlate1d([1, 2, 3, 4, 5, 6], [1, 2, 3]),
                                  [14, 20, 26, 32])


@settings(max_examples=60, deadline=None)
@given(n=st.integers(3, 40), m=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_correlate1d_equals_numpy(n, m, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, size=n)
    g = rng.integers(-9, 10, size=3)
    out = cl.winograd_correlate1d(x, g, m=m)
    assert out.dtype == np.float64 and out.shape == (n - 2,)
    # integers of size <= 243 in float64: the transforms' rounding (~1e-14) is far below
    # 0.5, so rounding recovers np.correlate exactly
    np.testing.assert_array_equal(np.rint(out).astype(int), np.correlate(x, g, "valid"))


@settings(max_examples=40, deadline=None)
@given(H=st.integers(3, 14), W=st.integers(3, 14), m=st.integers(1, 6),
       seed=st.integers(0, 2**16))
def test_correlate2d_equals_scipy(H, W, m, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, size=(H, W))
    g = rng.integers(-9, 10, size=(3, 3))
    out = cl.winograd_correlate2d(x, g, m=m)
    assert out.shape == (H - 2, W - 2)
    np.testing.assert_array_equal(np.rint(out).astype(int),
                                  scipy.signal.correlate2d(x, g, "valid"))


@pytest.mark.parametrize("dtype, rtol", [
    # F(2x2,3x3) adds ~16-term sums with coefficients <= 1: a few eps of the
    # magnitudes, eps(float32) = 1.2e-7, eps(float64) = 2.2e-16
    (np.float32, 2e-5), (np.float64, 1e-12), (np.complex64, 2e-5), (np.complex128, 1e-12)])
def test_correlate2d_float_dtypes(dtype, rtol):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((11, 8)).astype(dtype)
    g = rng.standard_normal((3, 3)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        x = x + 1j * rng.standard_normal((11, 8)).astype(dtype)
        g = g - 1j * rng.standard_normal((3, 3)).astype(dtype)
    out = cl.winograd_correlate2d(x, g)
    assert out.dtype == dtype
    ref = scipy.signal.correlate2d(x.astype(np.complex128), g.astype(np.complex128),
                                   "valid")
    np.testing.assert_allclose(out, ref, rtol=rtol, atol=rtol * np.abs(ref).max())
    out1 = cl.winograd_correlate1d(x[0], g[0])
    np.testing.assert_allclose(out1, np.correlate(x[0].astype(complex), g[0], "valid"),
                               rtol=rtol, atol=rtol * 10)


def test_error_grows_with_tile_size_float32():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((66, 66))
    g = rng.standard_normal((3, 3))
    ref = scipy.signal.correlate2d(x, g, "valid")
    err = [np.abs(cl.winograd_correlate2d(x.astype(np.float32), g.astype(np.float32), m=m)
                  - ref).max() for m in (2, 4, 6)]
    assert err[0] < err[1] < err[2]


def test_inputs_not_modified():
    x = np.arange(10.0)
    g = np.array([1.0, 2.0, 3.0])
    x0, g0 = x.copy(), g.copy()
    cl.winograd_correlate1d(x, g)
    cl.convolve(x, g, method="winograd")
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(g, g0)


def test_correlate_errors():
    with pytest.raises(ValueError, match=r"winograd_correlate1d: g must have 3 taps; "
                                         r"got shape \(4,\)"):
        cl.winograd_correlate1d(np.ones(5), np.ones(4))
    with pytest.raises(ValueError, match=r"winograd_correlate1d: x must be at least as "
                                         r"long as g \(3\); got shape \(2,\)"):
        cl.winograd_correlate1d(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"winograd_correlate1d: x must be 1-D; got 2-D"):
        cl.winograd_correlate1d(np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match=r"winograd_correlate1d: m must be at most 6 "
                                         r"\(larger tiles lose too much accuracy\); got 7"):
        cl.winograd_correlate1d(np.ones(5), np.ones(3), m=7)
    with pytest.raises(ValueError, match=r"winograd_correlate1d: m must be >= 1; got 0"):
        cl.winograd_correlate1d(np.ones(5), np.ones(3), m=0)
    with pytest.raises(TypeError, match=r"winograd_correlate1d: x must hold numbers"):
        cl.winograd_correlate1d(["a", "b", "c"], np.ones(3))
    with pytest.raises(ValueError, match=r"winograd_correlate2d: g must be 3x3; "
                                         r"got shape \(3, 2\)"):
        cl.winograd_correlate2d(np.ones((5, 5)), np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"winograd_correlate2d: x must be at least 3x3 "
                                         r"\(the size of g\); got shape \(5, 2\)"):
        cl.winograd_correlate2d(np.ones((5, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"winograd_correlate2d: g must be 2-D; got 1-D"):
        cl.winograd_correlate2d(np.ones((5, 5)), np.ones(3))
    with pytest.raises(ValueError, match=r"winograd_correlate2d: x must not be empty"):
        cl.winograd_correlate2d(np.ones((0, 5)), np.ones((3, 3)))


# ---------------------------------------------------------------- method='winograd'

@settings(max_examples=60, deadline=None)
@given(n1=st.tuples(st.integers(1, 9), st.integers(1, 9)), ndim=st.sampled_from([1, 2]),
       mode=st.sampled_from(MODES), seed=st.integers(0, 2**16))
def test_method_winograd_equals_scipy(n1, ndim, mode, seed):
    n1 = n1[:ndim]
    n2 = (3,) * ndim
    if mode == "valid" and not (all(a >= 3 for a in n1) or all(a <= 3 for a in n1)):
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, size=n1)
    h = rng.integers(-9, 10, size=n2)
    out = cl.convolve(x, h, mode, method="winograd")
    assert out.dtype == x.dtype
    np.testing.assert_array_equal(out, scipy.signal.convolve(x, h, mode))  # rounded
    xf, hf = x.astype(np.float32), h.astype(np.float32) / 4
    outf = cl.convolve(xf, hf, mode, method="winograd")
    assert outf.dtype == np.float32
    # float32: eps 1.2e-7 times 9-term sums of size <= 9*9/4 and transform growth (~4)
    np.testing.assert_allclose(outf, scipy.signal.convolve(xf, hf, mode), rtol=1e-4,
                               atol=1e-3)


def test_method_winograd_complex():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 6)) + 1j * rng.standard_normal((5, 6))
    h = rng.standard_normal((3, 3)) + 2j
    for mode in MODES:
        np.testing.assert_allclose(cl.convolve(x, h, mode, method="winograd"),
                                   scipy.signal.convolve(x, h, mode), atol=1e-12)


def test_method_winograd_refusals():
    with pytest.raises(ValueError, match=r"convolve: method 'winograd' cannot serve these "
                                         r"inputs: 'winograd' \(F\(2,3\) / F\(2x2,3x3\)\) "
                                         r"needs a 3-tap kernel as in2; got in2 of shape "
                                         r"\(5,\)"):
        cl.convolve(np.ones(8), np.ones(5), method="winograd")
    with pytest.raises(ValueError, match=r"needs a 3x3 kernel as in2; got in2 of shape "
                                         r"\(3, 5\)"):
        cl.convolve(np.ones((8, 8)), np.ones((3, 5)), method="winograd")
    with pytest.raises(ValueError, match=r"'winograd' serves 1-D and 2-D inputs; got 3-D"):
        cl.convolve(np.ones((4, 4, 4)), np.ones((3, 3, 3)), method="winograd")
    with pytest.raises(ValueError, match=r"correlate: method 'winograd' cannot serve"):
        cl.correlate(np.ones(8), np.ones(2), method="winograd")

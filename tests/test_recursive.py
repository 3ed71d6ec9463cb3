"""convlib.recursive: the Young-van Vliet recursive Gaussian with Triggs-Sdika ends."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib.recursive import (recursive_gaussian, triggs_sdika_matrix,
                               young_van_vliet_coefficients)


def loops_over_long_tail(x, sigma):
    """The two recursions written out, over the signal continued by its edge values
    far enough (60 sigma) that the start-up no longer matters: an oracle for the
    Triggs-Sdika start of the backward pass that does not use their matrix."""
    B, b = young_van_vliet_coefficients(sigma)
    pad = int(60 * sigma) + 50
    xp = np.concatenate([np.full(pad, x[0]), x, np.full(pad, x[-1])])
    w = np.full(len(xp), xp[0])
    for n in range(3, len(xp)):
        w[n] = B * xp[n] + b[0] * w[n - 1] + b[1] * w[n - 2] + b[2] * w[n - 3]
    y = np.full(len(xp), xp[-1])
    for n in range(len(xp) - 4, -1, -1):
        y[n] = B * w[n] + b[0] * y[n + 1] + b[1] * y[n + 2] + b[2] * y[n + 3]
    return y[pad:pad + len(x)]


def test_coefficients_literal():
    """Young and van Vliet's fit at sigma = 5: q = 0.98711 * 5 - 0.96330."""
    q = 3.97225
    b0 = 1.57825 + 2.44413 * q + 1.4281 * q**2 + 0.422205 * q**3
    B, b = young_van_vliet_coefficients(5.0)
    np.testing.assert_allclose(b * b0, [2.44413 * q + 2.85619 * q**2 + 1.26661 * q**3,
                                        -1.4281 * q**2 - 1.26661 * q**3,
                                        0.422205 * q**3], rtol=1e-12)
    assert B == pytest.approx(1 - b.sum(), abs=1e-15)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.5, 5.0, 20.0])
def test_stable(sigma):
    """All poles inside the unit circle: the causal recursion is stable."""
    _, b = young_van_vliet_coefficients(sigma)
    assert np.abs(np.roots(np.concatenate([[1.0], -b]))).max() < 1


@pytest.mark.parametrize("sigma", [0.7, 1.0, 3.0, 8.0])
def test_triggs_sdika_matrix_against_long_tail(sigma):
    """M maps the forward pass's last three values (minus the tail value) to the
    backward pass's values at N-1, N, N+1; run both passes over a long zero tail."""
    B, b = young_van_vliet_coefficients(sigma)
    L = int(200 * sigma) + 200
    M = np.zeros((3, 3))
    for j in range(3):
        w = np.zeros(L + 3)
        w[2 - j] = 1.0                       # w[N-1-j] = 1, the others 0
        for n in range(3, L + 3):
            w[n] = b[0] * w[n - 1] + b[1] * w[n - 2] + b[2] * w[n - 3]
        y = np.zeros(L + 6)
        for n in range(L + 2, -1, -1):
            y[n] = B * w[n] + b[0] * y[n + 1] + b[1] * y[n + 2] + b[2] * y[n + 3]
        M[:, j] = y[2:5]
    np.testing.assert_allclose(triggs_sdika_matrix(b), M, rtol=1e-9, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), sigma=st.floats(0.5, 12.0), seed=st.integers(0, 999))
def test_equals_the_recursion_over_a_long_tail(n, sigma, seed):
    x = np.random.default_rng(seed).standard_normal(n)
    # both compute the same recursions; the tail's start-up decays below 1e-12
    np.testing.assert_allclose(recursive_gaussian(x, sigma),
                               loops_over_long_tail(x, sigma), rtol=0, atol=1e-10)


@pytest.mark.parametrize("sigma", [1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
def test_impulse_response_sums_to_one_and_is_symmetric(sigma):
    x = np.zeros(1201)
    x[600] = 1.0
    h = recursive_gaussian(x, sigma)
    assert h.sum() == pytest.approx(1.0, abs=1e-8)
    np.testing.assert_allclose(h, h[::-1], rtol=0, atol=1e-13)


@pytest.mark.parametrize("sigma, tol", [(1.0, 0.1), (4.0, 0.04), (16.0, 0.02)])
def test_approximates_gaussian_filter(sigma, tol):
    """Against scipy.ndimage.gaussian_filter (same 'nearest' ends): the fit's error,
    a few percent of the peak at small sigma, shrinking as sigma grows."""
    impulse = np.zeros(401)
    impulse[200] = 1
    h = recursive_gaussian(impulse, sigma)
    g = scipy.ndimage.gaussian_filter1d(impulse, sigma, mode="nearest", truncate=8)
    assert np.abs(h - g).max() < tol * g.max()
    # in 2-D, R - G = (h - g) x h + g x (h - g) (outer products), so the error is at
    # most ||h - g||_1 (||h||_1 + ||g||_1) max|x|
    x = np.random.default_rng(1).standard_normal((40, 300))
    ref = scipy.ndimage.gaussian_filter(x, sigma, mode="nearest", truncate=8)
    bound = np.abs(h - g).sum() * (np.abs(h).sum() + np.abs(g).sum()) * np.abs(x).max()
    assert np.abs(recursive_gaussian(x, sigma) - ref).max() <= bound


def test_nd_axes_sigmas_and_dtypes():
    v = np.random.default_rng(2).standard_normal((9, 10, 11)).astype(np.float32)
    out = recursive_gaussian(v, (1.0, 2.0), axes=(0, 2))
    assert out.dtype == np.float64 and out.shape == v.shape
    step = recursive_gaussian(recursive_gaussian(v, 1.0, axes=0), 2.0, axes=-1)
    np.testing.assert_allclose(out, step, rtol=0, atol=1e-12)
    assert recursive_gaussian(np.arange(6), 1.0).dtype == np.float64
    z = recursive_gaussian(np.ones(5) * (1 + 2j), 2.0)
    np.testing.assert_allclose(z, np.full(5, 1 + 2j))


def test_input_not_modified():
    x = np.random.default_rng(3).standard_normal((6, 7))
    x0 = x.copy()
    recursive_gaussian(x, 2.0)
    np.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: recursive_gaussian(np.ones(5), 0.4), ValueError,
     r"^recursive_gaussian: sigma must be >= 0.5 \(the range of the published fit\); "
     "got 0.4"),
    (lambda: recursive_gaussian(np.ones(5), np.inf), ValueError,
     "^recursive_gaussian: sigma must be >= 0.5"),
    (lambda: recursive_gaussian(np.ones(5), "2"), TypeError,
     "^recursive_gaussian: sigma must be a scalar number"),
    (lambda: recursive_gaussian(np.ones(5), 2j), TypeError,
     "^recursive_gaussian: sigma must be a real number"),
    (lambda: recursive_gaussian(np.ones((4, 4)), (1.0, 2.0, 3.0)), ValueError,
     r"^recursive_gaussian: sigma must be one number or one per axis \(2\)"),
    (lambda: recursive_gaussian(np.ones((4, 4)), 1.0, axes=2), ValueError,
     r"^recursive_gaussian: axes must be distinct axes of x \(2-D\)"),
    (lambda: recursive_gaussian(np.ones((4, 4)), 1.0, axes=(0, 0)), ValueError,
     "^recursive_gaussian: axes must be distinct"),
    (lambda: recursive_gaussian(np.ones(()), 1.0), ValueError,
     "^recursive_gaussian: x must have at least 1"),
    (lambda: recursive_gaussian(np.ones(0), 1.0), ValueError,
     "^recursive_gaussian: x must not be empty"),
    (lambda: recursive_gaussian([["a"]], 1.0), TypeError,
     "^recursive_gaussian: x must hold numbers"),
    (lambda: young_van_vliet_coefficients(0.1), ValueError,
     "^young_van_vliet_coefficients: sigma must be >= 0.5"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()

"""convlib.restoration: against SciPy, direct loops, synthetic truths and invariants."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.ndimage
import scipy.signal
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib.deconvolution import circular_blur, transfer_function, wiener_deconvolve
from convlib.restoration import (MAD_NORMAL, cg_deconvolve, compare_restorations, edge_taper,
                                 estimate_motion_length, estimate_noise, fit_power_law,
                                 power_law_nsr, richardson_lucy, wiener_power_law)

rng = np.random.default_rng(7)
GAUSS = np.exp(-np.arange(-4, 5) ** 2 / (2 * 1.2 ** 2))
H2 = np.outer(GAUSS, GAUSS) / GAUSS.sum() ** 2          # 9 x 9 Gaussian, sums to 1


def power_law_image(shape, exponent, seed=0):
    """White noise shaped to the spectrum |f|^-exponent (0 at f = 0)."""
    f = np.sqrt(np.add.outer(np.fft.fftfreq(shape[0]) ** 2, np.fft.fftfreq(shape[1]) ** 2))
    gain = np.zeros(shape)
    gain[f > 0] = f[f > 0] ** (-exponent / 2)
    white = np.random.default_rng(seed).standard_normal(shape)
    return np.fft.ifft2(gain * np.fft.fft2(white)).real


# ---- estimate_noise ----------------------------------------------------------------

def test_mad_is_the_standard_deviation_of_pure_noise():
    noise = 0.05 * rng.standard_normal((256, 256))
    # 16384 Haar details; the MAD's relative standard error is ~1.1/sqrt(n) < 1 %
    assert estimate_noise(noise) == pytest.approx(0.05, rel=0.03)
    assert MAD_NORMAL == pytest.approx(scipy.stats.norm.ppf(0.75), abs=1e-15)


def test_haar_details_ignore_a_smooth_signal_and_work_in_1d():
    t = np.linspace(0, 1, 4096)
    y = np.sin(2 * np.pi * t) + 0.1 * rng.standard_normal(t.size)
    assert estimate_noise(y) == pytest.approx(0.1, rel=0.05)


def test_spectrum_estimate_where_the_blur_left_only_noise():
    x = power_law_image((128, 128), 2.0)
    x = x / x.std()
    y = circular_blur(x, H2) + 0.02 * rng.standard_normal(x.shape)
    assert estimate_noise(y, H2, method="spectrum") == pytest.approx(0.02, rel=0.05)


def test_estimate_noise_errors():
    y = rng.standard_normal((8, 8))
    with pytest.raises(ValueError, match="method must be one of"):
        estimate_noise(y, method="std")
    with pytest.raises(ValueError, match="needs the kernel h"):
        estimate_noise(y, method="spectrum")
    with pytest.raises(ValueError, match="no frequency has"):
        estimate_noise(y, np.ones((1, 1)), method="spectrum")
    with pytest.raises(ValueError, match="at least 2 samples"):
        estimate_noise(np.ones((1, 8)))
    with pytest.raises(TypeError, match="must be real"):
        estimate_noise(y + 1j)
    with pytest.raises(ValueError, match="must be finite"):
        estimate_noise(np.full((4, 4), np.nan))


# ---- the power-law spectrum ---------------------------------------------------------

@pytest.mark.parametrize("exponent", [1.0, 2.0, 3.0])
def test_fit_power_law_recovers_a_known_spectrum(exponent):
    x = power_law_image((256, 256), exponent, seed=int(exponent))
    amplitude, p = fit_power_law(x, np.ones((1, 1)), 0.0)
    # per ring ~ 6 r periodogram values averaged, 150 rings: the slope is good to ~0.1
    assert p == pytest.approx(exponent, abs=0.15)
    # the synthetic image's spectrum is E|X|^2 = n |f|^-p exactly, so A = n
    assert fit_power_law(x, np.ones((1, 1)), 0.0, exponent=exponent)[0] == pytest.approx(
        x.size, rel=0.05)


def test_fit_power_law_subtracts_the_noise_and_divides_by_the_blur():
    x = power_law_image((256, 256), 2.0, seed=3)
    y = circular_blur(x, H2) + 0.5 * np.random.default_rng(4).standard_normal(x.shape)
    a_clean, _ = fit_power_law(x, np.ones((1, 1)), 0.0, exponent=2.0)
    a_fit, _ = fit_power_law(y, H2, 0.5, exponent=2.0)
    assert a_fit == pytest.approx(a_clean, rel=0.1)


def test_power_law_nsr_formula():
    nsr = power_law_nsr((6, 4), 0.1, 2.0, 2.0)
    f2 = np.add.outer(np.fft.fftfreq(6) ** 2, np.fft.fftfreq(4) ** 2)
    np.testing.assert_allclose(nsr, 24 * 0.01 * f2 / 2.0)
    assert nsr[0, 0] == 0
    with pytest.raises(ValueError, match="amplitude must be > 0"):
        power_law_nsr((4,), 0.1, 0.0, 2.0)
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        power_law_nsr((4,), -0.1, 1.0, 2.0)


def test_fit_power_law_errors():
    y = rng.standard_normal((16, 16))
    with pytest.raises(ValueError, match=r"band must be in \(0, 1\]"):
        fit_power_law(y, np.ones((1, 1)), 0.1, band=2.0)
    with pytest.raises(ValueError, match="fewer than two frequencies"):
        fit_power_law(y, np.ones((9, 9)) / 81, 0.1, band=1.0)
    with pytest.raises(ValueError, match="no larger than the signal"):
        fit_power_law(y, np.ones((17, 1)), 0.1)


def test_wiener_power_law_is_wiener_with_the_model_nsr():
    x = power_law_image((64, 64), 2.0)
    y = circular_blur(x, H2) + 0.05 * rng.standard_normal(x.shape)
    a, p = fit_power_law(y, H2, 0.05, exponent=None)
    expected = wiener_deconvolve(y, H2, power_law_nsr(y.shape, 0.05, a, p))
    np.testing.assert_allclose(wiener_power_law(y, H2, sigma=0.05, exponent=None), expected)
    before = y.copy()
    estimate = wiener_power_law(y, H2)                      # sigma estimated
    np.testing.assert_array_equal(y, before)                # input not modified
    assert np.mean((estimate - x) ** 2) < np.mean((y - x) ** 2)


# ---- Richardson-Lucy ----------------------------------------------------------------

def rl_reference(y, h, iterations):
    """The textbook update with SciPy's wrapped convolution and correlation."""
    x = np.full(y.shape, y.sum() / (y.size * h.sum()))
    for _ in range(iterations):
        ratio = y / scipy.ndimage.convolve(x, h, mode="wrap")
        x = x * scipy.ndimage.correlate(ratio, h, mode="wrap") / h.sum()
    return x


def test_richardson_lucy_equals_the_reference_loop():
    x = rng.random((24, 20)) + 0.1
    h = rng.random((5, 3))                              # odd, asymmetric, not normalised
    y = circular_blur(x, h)
    # FFT vs direct sums over 10 multiplicative updates: ~1e-15 relative per update
    np.testing.assert_allclose(richardson_lucy(y, h, 10), rl_reference(y, h, 10),
                               rtol=1e-10)


def poisson_loglik(y, x, h):
    mu = circular_blur(x, h)
    return float(np.sum(y * np.log(mu) - mu))


def test_richardson_lucy_positive_flux_and_likelihood():
    x = rng.random((32, 32)) * 50
    y = np.random.default_rng(1).poisson(circular_blur(x, H2)).astype(float)
    seen = []
    richardson_lucy(y, H2, 12, callback=lambda k, est: seen.append((k, est.copy())))
    assert [k for k, _ in seen] == list(range(1, 13))
    for _, est in seen:
        assert est.min() >= 0
        assert est.sum() == pytest.approx(y.sum(), rel=1e-12)
    liks = [poisson_loglik(y, est, H2) for _, est in seen]
    assert all(b >= a - 1e-9 * abs(a) for a, b in zip(liks, liks[1:]))  # EM: monotone


def test_richardson_lucy_fixed_point_and_zero_iterations():
    x = rng.random(40) + 0.5
    h = np.array([1.0, 3, 1]) / 5
    np.testing.assert_allclose(richardson_lucy(circular_blur(x, h), h, 5, x0=x), x,
                               rtol=1e-12)
    y = circular_blur(x, h)
    np.testing.assert_allclose(richardson_lucy(y, h, 0), np.full(40, y.mean()))


def test_richardson_lucy_errors():
    y = np.ones((6, 6))
    with pytest.raises(ValueError, match="y must be >= 0"):
        richardson_lucy(-y, np.ones((3, 3)), 2)
    with pytest.raises(ValueError, match="h must be >= 0"):
        richardson_lucy(y, -np.ones((3, 3)), 2)
    with pytest.raises(ValueError, match="h must have a positive sum"):
        richardson_lucy(y, np.zeros((3, 3)), 2)
    with pytest.raises(ValueError, match="iterations must be >= 0"):
        richardson_lucy(y, np.ones((3, 3)), -1)
    with pytest.raises(TypeError, match="iterations must be an integer"):
        richardson_lucy(y, np.ones((3, 3)), 2.5)
    with pytest.raises(ValueError, match="x0 must be positive everywhere; got a "
                                         "minimum of 0.0"):
        richardson_lucy(y, np.ones((3, 3)), 2, x0=np.zeros((6, 6)))
    with pytest.raises(ValueError, match=r"x0 must have the shape of y, \(6, 6\); "
                                         r"got shape \(5, 6\)"):
        richardson_lucy(y, np.ones((3, 3)), 2, x0=np.ones((5, 6)))
    with pytest.raises(ValueError, match="same number of dimensions"):
        richardson_lucy(y, np.ones(3), 2)


# ---- edge taper ---------------------------------------------------------------------

def matlab_style_alpha(shape, h):
    """The weights as MATLAB's edgetaper documents them, with np.correlate."""
    h = h / h.sum()
    weights = []
    for axis, n in enumerate(shape):
        p = h.sum(axis=1 - axis)
        padded = np.zeros(n - 1)
        padded[:p.size] = p
        auto = np.array([np.dot(padded, np.roll(padded, -k)) for k in range(n - 1)])
        auto = np.append(auto, auto[0])
        weights.append(1 - auto / auto.max())
    return np.outer(*weights)


def test_edge_taper_blends_by_the_autocorrelation_weights():
    y = rng.random((20, 16))
    alpha = matlab_style_alpha(y.shape, H2[2:-2, 1:-1])
    expected = alpha * y + (1 - alpha) * circular_blur(y, H2[2:-2, 1:-1] / H2[2:-2, 1:-1].sum())
    np.testing.assert_allclose(edge_taper(y, H2[2:-2, 1:-1]), expected, atol=1e-12)
    assert np.all(alpha[:, 0] == 0) and np.all(alpha[0] == 0)
    assert np.all(alpha[7:-7, 7:-7] == 1)


def test_edge_taper_makes_the_wraparound_smooth():
    y = np.add.outer(np.arange(32.0), np.zeros(32))      # a ramp: a jump of 31 on wrap
    t = edge_taper(y, H2)
    assert abs(t[0, 5] - t[-1, 5]) < abs(y[0, 5] - y[-1, 5]) / 2
    np.testing.assert_array_equal(t[10:-10, 10:-10], y[10:-10, 10:-10])  # alpha = 1


def test_edge_taper_errors():
    with pytest.raises(ValueError, match="at most half of y"):
        edge_taper(np.ones((10, 10)), np.ones((6, 3)))
    with pytest.raises(ValueError, match="non-zero sum"):
        edge_taper(np.ones((10, 10)), np.zeros((3, 3)))


# ---- motion length ------------------------------------------------------------------

@settings(deadline=None, max_examples=10)
@given(length=st.integers(3, 15), seed=st.integers(0, 2**16))
def test_motion_length_from_scipy_blur(length, seed):
    x = np.random.default_rng(seed).random((64, 160))
    y = scipy.ndimage.uniform_filter1d(x, length, axis=1, mode="reflect")
    assert estimate_motion_length(y, 30) == length
    assert estimate_motion_length(y.T, 30, axis=0) == length


def test_motion_length_errors():
    y = rng.random((8, 40))
    with pytest.raises(ValueError, match="max_length must be < 20"):
        estimate_motion_length(y, 20)
    with pytest.raises(ValueError, match="max_length must be >= 2"):
        estimate_motion_length(y, 1)
    with pytest.raises(ValueError, match="axis must be an axis of y"):
        estimate_motion_length(y, 5, axis=2)


# ---- the widget's state -------------------------------------------------------------

def test_compare_restorations_is_seeded_and_restores():
    x = power_law_image((64, 64), 2.0)
    x = (x - x.min()) / np.ptp(x)
    one = compare_restorations(x, H2, 0.01, iterations=10)
    two = compare_restorations(x, H2, 0.01, iterations=10)
    np.testing.assert_array_equal(one["wiener"], two["wiener"])
    assert one["rmse"]["wiener"] < one["rmse"]["observed"]
    assert one["richardson_lucy"].min() >= 0
    assert transfer_function(H2, x.shape).shape == x.shape
    with pytest.raises(ValueError, match="noise must be >= 0"):
        compare_restorations(x, H2, -1.0)


# ---- conjugate gradients ------------------------------------------------------------

def test_cg_iterates_are_scipys():
    import scipy.sparse.linalg as spla

    y = rng.random((14, 12))
    h = rng.random((3, 5))
    ext = (16, 16)

    def matvec(v):                                 # (A^T A + 0.1 I) v, direct sums
        blurred = scipy.signal.convolve(v.reshape(ext), h, "valid", method="direct")
        back = scipy.signal.correlate(blurred, h, "full", method="direct")
        return (back + 0.1 * v.reshape(ext)).ravel()

    normal = spla.LinearOperator((256, 256), matvec=matvec, dtype=float)
    b = scipy.signal.correlate(y, h, "full").ravel()
    for k in (1, 3, 6):
        expected, _ = spla.cg(normal, b, x0=np.zeros(256), maxiter=k, rtol=1e-30)
        # FFT vs direct products over k steps of CG: rounding ~1e-13 relative
        np.testing.assert_allclose(cg_deconvolve(y, h, k, lam=0.1),
                                   expected.reshape(ext)[1:15, 2:14], rtol=1e-8, atol=1e-10)


def test_cg_converges_to_the_tikhonov_solution():
    h = np.array([1.0, 2, 1]) / 4
    y = rng.random(20)
    A = scipy.linalg.convolution_matrix(h, 22, "valid")       # 20 x 22, no boundary
    exact = np.linalg.solve(A.T @ A + 0.01 * np.eye(22), A.T @ y)
    np.testing.assert_allclose(cg_deconvolve(y, h, 60, lam=0.01), exact[1:21], atol=1e-8)


def test_cg_callback_and_errors():
    seen = []
    cg_deconvolve(rng.random((8, 8)), np.ones((3, 3)) / 9, 4,
                  callback=lambda k, x: seen.append((k, x.shape)))
    assert seen == [(k, (8, 8)) for k in range(1, 5)]
    with pytest.raises(ValueError, match="iterations must be >= 0"):
        cg_deconvolve(np.ones(5), np.ones(3), -1)
    with pytest.raises(ValueError, match="lam must be >= 0"):
        cg_deconvolve(np.ones(5), np.ones(3), 2, lam=-1.0)
    with pytest.raises(ValueError, match="no larger than the signal"):
        cg_deconvolve(np.ones(5), np.ones(7), 2)

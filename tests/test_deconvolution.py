"""convlib.deconvolution: against the normal equations, SciPy and the definitions."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.ndimage
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import convlib as cl
from convlib.deconvolution import (circular_blur, inverse_filter, laplacian_operator,
                                   tikhonov_deconvolve, transfer_function,
                                   wiener_deconvolve)

# Every function is a few FFTs and one division per frequency: rounding error ~ a few
# ulps (2.2e-16) x log2(N) x the gain of the filter. 1e-9 absolute on O(1) data leaves a
# margin for gains up to ~1e5 (the worst conditioned blurs used below).
ATOL = 1e-9

rng = np.random.default_rng(2024)
X1 = rng.standard_normal(32)
H1 = np.array([1.0, 2.0, 4.0, 2.0, 1.0]) / 10  # |H| = (4(cos w + 1/2)^2 + 1)/10 >= 0.1
X2 = rng.standard_normal((12, 10))
H2 = np.outer([1.0, 3, 1], [1.0, 3, 1]) / 25  # |H| >= 1/25 (at the Nyquist corner)


def centred_circulant(h, n):
    """The n x n matrix of circular convolution with the centred kernel h (1-D)."""
    column = np.zeros(n)
    column[:len(h)] = h
    return scipy.linalg.circulant(np.roll(column, -(len(h) // 2)))


def test_transfer_function_literal_and_definition():
    assert transfer_function([1, 2, 1], (4,)).round(12).tolist() == [4, 2, 0, 2]
    H = transfer_function(H2, (12, 10))
    shifted = np.zeros((12, 10))
    shifted[:3, :3] = H2
    np.testing.assert_allclose(H, np.fft.fft2(np.roll(shifted, (-1, -1), (0, 1))))
    # a symmetric kernel has a real transfer function (zero phase: no shift)
    assert np.abs(H.imag).max() < 1e-15


def test_circular_blur_equals_wrapped_convolution():
    np.testing.assert_allclose(circular_blur(X2, H2),
                               cl.convolve2d(X2, H2, "same", boundary="wrap"), atol=ATOL)
    np.testing.assert_allclose(circular_blur(X2, H2),
                               scipy.ndimage.convolve(X2, H2, mode="wrap"), atol=ATOL)
    np.testing.assert_allclose(circular_blur(X1, H1), centred_circulant(H1, 32) @ X1,
                               atol=ATOL)


@given(shift=st.integers(0, 6), n=st.integers(7, 20))
def test_even_kernel_centre(shift, n):
    h = np.zeros(6)
    h[shift % 6] = 1.0  # a pure delay: circular_blur rolls by shift - 6 // 2
    x = np.arange(n, dtype=float)
    np.testing.assert_allclose(circular_blur(x, h), np.roll(x, shift % 6 - 3), atol=ATOL)


def test_inverse_filter_is_exact_without_noise():
    for x, h in ((X1, H1), (X2, H2)):
        np.testing.assert_allclose(inverse_filter(circular_blur(x, h), h), x, atol=ATOL)


def test_inverse_filter_amplifies_noise_by_one_over_H():
    noise = 1e-3 * rng.standard_normal(32)
    y = circular_blur(X1, H1) + noise
    error = inverse_filter(y, H1) - X1
    H = transfer_function(H1, (32,))
    # the error is exactly the noise divided by H, frequency by frequency
    np.testing.assert_allclose(np.fft.fft(error), np.fft.fft(noise) / H, atol=1e-9)
    gain = np.linalg.norm(error) / np.linalg.norm(noise)
    assert 1 <= gain <= 1 / np.abs(H).min()


def test_inverse_filter_eps_drops_small_frequencies():
    h = np.array([1.0, 1.0]) / 2  # H is 0 at the Nyquist frequency of an even length
    y = circular_blur(X1, h)
    with pytest.raises(ValueError, match="H has zeros, at 1 frequency"):
        inverse_filter(y, h)
    out = inverse_filter(y, h, eps=1e-8)
    spectrum = np.fft.fft(out)
    assert abs(spectrum[16]) < 1e-9  # the lost frequency stays lost
    keep = np.arange(32) != 16
    np.testing.assert_allclose(spectrum[keep], np.fft.fft(X1)[keep], atol=1e-9)


@pytest.mark.parametrize("lam", [0.0, 1e-3, 0.1, 10.0])
@pytest.mark.parametrize("operator", ["identity", "laplacian", [1.0, -1.0]])
def test_tikhonov_solves_the_normal_equations(lam, operator):
    y = circular_blur(X1, H1) + 0.01 * rng.standard_normal(32)
    Hm = centred_circulant(H1, 32)
    d = {"identity": [1.0], "laplacian": laplacian_operator(1)}.get(
        operator if isinstance(operator, str) else "", np.asarray(operator))
    Dm = centred_circulant(np.asarray(d), 32)
    normal = Hm.T @ Hm + lam * Dm.T @ Dm
    x = tikhonov_deconvolve(y, H1, lam, operator)
    np.testing.assert_allclose(normal @ x, Hm.T @ y, atol=1e-9)


def test_wiener_equals_tikhonov_identity_and_inverse():
    y = circular_blur(X2, H2) + 0.01 * rng.standard_normal(X2.shape)
    for lam in (0.0, 0.05):
        np.testing.assert_allclose(wiener_deconvolve(y, H2, lam),
                                   tikhonov_deconvolve(y, H2, lam), atol=ATOL)
    np.testing.assert_allclose(wiener_deconvolve(y, H2, 0),
                               inverse_filter(y, H2), atol=1e-7)


def test_wiener_with_a_spectrum():
    nsr = np.linspace(0.01, 1, 32)
    y = circular_blur(X1, H1)
    H = transfer_function(H1, (32,))
    expected = np.fft.ifft(H.conj() / (np.abs(H) ** 2 + nsr) * np.fft.fft(y)).real
    np.testing.assert_allclose(wiener_deconvolve(y, H1, nsr), expected, atol=ATOL)


def test_regularisation_beats_division_on_noisy_data():
    image = cl.data.shapes(64)
    h = np.ones((5, 5)) / 25
    y = circular_blur(image, h) + 0.01 * np.random.default_rng(0).standard_normal((64, 64))
    err = lambda est: np.sqrt(np.mean((est - image) ** 2))  # noqa: E731
    naive = err(inverse_filter(y, h, eps=1e-6))
    wiener = err(wiener_deconvolve(y, h, 1e-2))
    blurred = err(y)
    assert wiener < blurred < naive


def test_complex_and_dtype():
    x = X1 + 1j * X1[::-1]
    out = inverse_filter(circular_blur(x, H1), H1)
    assert out.dtype == np.complex128
    np.testing.assert_allclose(out, x, atol=ATOL)
    assert wiener_deconvolve(X1.astype(np.float32), H1, 0.1).dtype == np.float64


@given(x=hnp.arrays(np.float64, st.integers(3, 16),
                    elements=st.floats(-10, 10, allow_nan=False)))
def test_inputs_are_not_modified(x):
    x0, h0 = x.copy(), H1[:3].copy()
    h = H1[:3].copy()
    for func in (lambda: circular_blur(x, h), lambda: wiener_deconvolve(x, h, 0.1),
                 lambda: tikhonov_deconvolve(x, h, 0.1, "laplacian"),
                 lambda: inverse_filter(x, h, eps=1e-3)):
        func()
    assert np.array_equal(x, x0) and np.array_equal(h, h0)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: transfer_function([1, 2, 1], (2,)), ValueError,
     r"^transfer_function: h must be no larger than the signal in every axis; got h of "
     r"shape \(3,\) for a signal of shape \(2,\)"),
    (lambda: transfer_function([1, 2, 1], (4, 4)), ValueError,
     r"^transfer_function: shape must have one entry per axis of h \(1\); got \(4, 4\)"),
    (lambda: transfer_function([1, 2, 1], 4), TypeError,
     r"^transfer_function: shape must be a sequence of ints; got 4"),
    (lambda: circular_blur(np.ones(4), np.ones((2, 2))), ValueError,
     r"^circular_blur: x and h must have the same number of dimensions"),
    (lambda: circular_blur(np.ones(2), np.ones(3)), ValueError,
     r"^circular_blur: h must be no larger than the signal"),
    (lambda: inverse_filter(np.ones(4), [1, 1]), ValueError,
     r"^inverse_filter: H has zeros, at 1 frequency; pass eps > 0 to skip them"),
    (lambda: inverse_filter(np.ones(4), [1, 2], eps=-1), ValueError,
     r"^inverse_filter: eps must be >= 0; got -1"),
    (lambda: inverse_filter(np.ones(4), [1, 2], eps="small"), TypeError,
     r"^inverse_filter: eps must be a real number; got 'small'"),
    (lambda: inverse_filter(np.ones(4), ["a"]), TypeError,
     r"^inverse_filter: h must hold numbers"),
    (lambda: wiener_deconvolve(np.ones(4), [1, 2], -0.5), ValueError,
     r"^wiener_deconvolve: nsr must be >= 0; got -0.5"),
    (lambda: wiener_deconvolve(np.ones(4), [1, 2], float("nan")), ValueError,
     r"^wiener_deconvolve: nsr must be >= 0; got nan"),
    (lambda: wiener_deconvolve(np.ones(4), [1, 2], np.ones(3)), ValueError,
     r"^wiener_deconvolve: nsr must be a number or a real array of shape \(4,\) with "
     r"values >= 0; got shape \(3,\)"),
    (lambda: wiener_deconvolve(np.ones(4), [1, 2], 1j), TypeError,
     r"^wiener_deconvolve: nsr must be a real number; got 1j"),
    (lambda: tikhonov_deconvolve(np.ones(4), [1, 2], -1), ValueError,
     r"^tikhonov_deconvolve: lam must be >= 0; got -1"),
    (lambda: tikhonov_deconvolve(np.ones(4), [1, 2], 0.1, "gradient"), ValueError,
     r"^tikhonov_deconvolve: operator must be 'identity', 'laplacian' or a kernel array; "
     r"got 'gradient'"),
    (lambda: tikhonov_deconvolve(np.ones(4), [1, 2], 0.1, np.ones(5)), ValueError,
     r"^tikhonov_deconvolve: operator must be no larger than y in every axis"),
    (lambda: tikhonov_deconvolve(np.ones(4), [1, 2], 0.1, np.ones((2, 2))), ValueError,
     r"^tikhonov_deconvolve: y and operator must have the same number of dimensions"),
    (lambda: tikhonov_deconvolve(np.ones(4), [[1, 2]], 0.1), ValueError,
     r"^tikhonov_deconvolve: y and h must have the same number of dimensions"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---- chapter 6's widget ----------------------------------------------------------------------

def test_blur_and_restore_state():
    image = cl.data.shapes(32)
    h = np.outer([1.0, 4, 1], [1.0, 4, 1]) / 36  # |H| >= 1/9: no zeros
    exact = cl.deconvolution.blur_and_restore(image, h, 0.0, 0.0)
    np.testing.assert_allclose(exact["estimate"], image, atol=ATOL)
    assert exact["rmse_restored"] < 1e-9
    assert np.isclose(exact["rmse_observed"],
                      np.sqrt(np.mean((circular_blur(image, h) - image) ** 2)))
    one = cl.deconvolution.blur_and_restore(image, h, 0.05, 0.01, seed=3)
    two = cl.deconvolution.blur_and_restore(image, h, 0.05, 0.01, seed=3)
    assert np.array_equal(one["y"], two["y"])  # seeded
    noise = one["y"] - circular_blur(image, h)
    assert 0.04 < noise.std() < 0.06
    np.testing.assert_allclose(one["estimate"], tikhonov_deconvolve(one["y"], h, 0.01),
                               atol=ATOL)
    with pytest.raises(ValueError, match=r"^blur_and_restore: noise must be >= 0; got -1"):
        cl.deconvolution.blur_and_restore(image, h, -1, 0.1)


@pytest.mark.parametrize("noise, lam", [(0.001, 1e-4), (0.01, 0.01), (0.05, 1.0)])
def test_draw_deconvolution_titles_report_the_state(noise, lam):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    image = cl.data.shapes(32)
    h = np.ones((3, 3)) / 9
    state = cl.deconvolution.blur_and_restore(image, h, noise, lam)
    fig = plt.figure()
    cl.plotting.draw_deconvolution(fig, image, h, noise, lam)
    observed, restored = fig.axes
    assert f"RMSE {state['rmse_observed']:.3f}" in observed.get_title()
    assert f"RMSE {state['rmse_restored']:.3f}" in restored.get_title()
    assert f"λ = {lam:g}" in restored.get_title()
    np.testing.assert_allclose(restored.images[0].get_array(), state["estimate"])
    plt.close(fig)

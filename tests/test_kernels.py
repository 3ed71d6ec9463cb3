"""convlib.kernels against SciPy's filters (scipy.ndimage), hand-written literals and
identities. Every kernel is in convolution form, so each check convolves with it."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage as ndi
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib import kernels as K

# float64 results computed in a different order than SciPy's (ndimage correlates in C with
# its own summation order): a few ulps per term, relative to the sum of |terms| (<= a few
# units here, as the images are in [0, 1] and the kernels' |taps| sum to O(1)).
ATOL64 = 1e-12


@pytest.fixture(scope="module")
def image():
    return cl.data.photo()[::8, ::8]  # 75 x 64, real data


# ---- literals ---------------------------------------------------------------------------

def test_literals():
    assert K.sobel(1).tolist() == [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    assert K.sobel(0).tolist() == [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]
    assert K.scharr(1).tolist() == [[3, 0, -3], [10, 0, -10], [3, 0, -3]]
    assert K.laplacian().tolist() == [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
    assert K.laplacian(diagonal=True).tolist() == [[1, 1, 1], [1, -8, 1], [1, 1, 1]]
    assert K.sharpen().tolist() == [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
    assert K.emboss().tolist() == [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]
    assert K.box(2, normalize=False).dtype == np.int64
    np.testing.assert_array_equal(K.box((2, 3)), np.full((2, 3), 1 / 6))
    assert (K.disk(2) > 0).sum() == 13  # the lattice points with i^2 + j^2 <= 4


def test_scharr_complex_parts_and_scipy_doc_kernel():
    h = K.scharr()
    np.testing.assert_array_equal(h.real, K.scharr(1))
    np.testing.assert_array_equal(h.imag, K.scharr(0))
    # the kernel of scipy.signal.convolve2d's documentation example is its correlation form
    scipy_doc = np.array([[-3 - 3j, 0 - 10j, +3 - 3j],
                          [-10 + 0j, 0 + 0j, +10 + 0j],
                          [-3 + 3j, 0 + 10j, +3 + 3j]])
    np.testing.assert_array_equal(h[::-1, ::-1], scipy_doc)


def test_gaussian_literal_and_default_radius():
    g = K.gaussian(1.0, radius=1)
    e = np.exp(-0.5)
    np.testing.assert_allclose(g, [e, 1, e] / (1 + 2 * e), rtol=1e-15)
    assert len(K.gaussian(1.0)) == 9 and len(K.gaussian(2.6)) == 2 * 10 + 1
    assert K.gaussian(3.0, radius=0).tolist() == [1.0]


# ---- against SciPy ------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 40), sigma=st.floats(0.3, 6), order=st.integers(0, 3),
       radius=st.one_of(st.none(), st.integers(0, 12)), seed=st.integers(0, 2**16))
def test_gaussian_equals_gaussian_filter1d(n, sigma, order, radius, seed):
    x = np.random.default_rng(seed).standard_normal(n)
    h = K.gaussian(sigma, order, radius)
    r = int(4 * sigma + 0.5) if radius is None else radius
    assert h.shape == (2 * r + 1,)
    expected = ndi.gaussian_filter1d(x, sigma, order=order, mode="constant", radius=r)
    # derivative taps grow like sigma**-order; scale the tolerance by the taps' mass
    np.testing.assert_allclose(cl.convolve(x, h, mode="same"), expected, rtol=0,
                               atol=ATOL64 * np.abs(h).sum() * np.abs(x).sum())


@pytest.mark.parametrize("order", [(0, 0), (0, 1), (1, 0), (2, 0), (1, 1), (0, 2)])
@pytest.mark.parametrize("sigma", [1.0, (1.5, 0.7)])
def test_gaussian2d_equals_gaussian_filter(image, sigma, order):
    h = K.gaussian2d(sigma, order)
    expected = ndi.gaussian_filter(image, sigma, order=order, mode="constant")
    np.testing.assert_allclose(cl.convolve2d(image, h, "same"), expected, rtol=0,
                               atol=ATOL64)


@pytest.mark.parametrize("axis", [0, 1])
def test_sobel_equals_ndimage_sobel(image, axis):
    # ndimage's 'reflect' mode is convolve2d's 'symm' (half-sample mirror)
    np.testing.assert_allclose(cl.convolve2d(image, K.sobel(axis), "same", "symm"),
                               ndi.sobel(image, axis=axis, mode="reflect"), atol=ATOL64)


def test_scharr_gradient_is_minus_scipy_doc_example(image):
    h = K.scharr()
    ours = cl.convolve2d(image, h, "same", "symm")
    theirs = scipy.signal.convolve2d(image, h[::-1, ::-1], "same", "symm")
    np.testing.assert_allclose(ours, -theirs, atol=ATOL64)
    np.testing.assert_allclose(ours.real, cl.convolve2d(image, K.scharr(1), "same", "symm"),
                               atol=ATOL64)


def test_laplacian_and_log(image):
    np.testing.assert_allclose(cl.convolve2d(image, K.laplacian(), "same"),
                               ndi.laplace(image, mode="constant"), atol=ATOL64)
    for sigma in (1.0, 2.5):
        np.testing.assert_allclose(
            cl.convolve2d(image, K.laplacian_of_gaussian(sigma), "same"),
            ndi.gaussian_laplace(image, sigma, mode="constant"), atol=ATOL64)


def test_sharpen_and_unsharp_identities(image):
    lap = cl.convolve2d(image, K.laplacian(), "same", "symm")
    np.testing.assert_allclose(cl.convolve2d(image, K.sharpen(0.5), "same", "symm"),
                               image - 0.5 * lap, atol=ATOL64)
    blur = cl.convolve2d(image, K.gaussian2d(2.0), "same", "symm")
    np.testing.assert_allclose(cl.convolve2d(image, K.unsharp(2.0, 1.5), "same", "symm"),
                               image + 1.5 * (image - blur), atol=ATOL64)


@pytest.mark.parametrize("make, total", [
    (lambda: K.box(5), 1), (lambda: K.gaussian2d(1.3), 1), (lambda: K.disk(4), 1),
    (lambda: K.sharpen(3), 1), (lambda: K.unsharp(1.0, 2.0), 1), (K.emboss, 1),
    (K.laplacian, 0), (lambda: K.sobel(0), 0), (lambda: K.scharr(), 0),
    (lambda: K.gaussian(2.0, 1), 0),
])
def test_dc_gain(make, total):
    assert abs(make().sum() - total) < 1e-12


def test_log_sums_to_almost_zero_and_is_symmetric():
    h = K.laplacian_of_gaussian(2.0)
    np.testing.assert_allclose(h, h.T, atol=1e-18)
    np.testing.assert_allclose(h, h[::-1, ::-1], atol=1e-18)
    assert abs(h.sum()) < 1e-3 * np.abs(h).sum()  # truncation at 4 sigma leaves a little


def test_pick_matches_constructors():
    np.testing.assert_array_equal(K.pick("box", 3), K.box(3))
    np.testing.assert_array_equal(K.pick("emboss", 1), K.emboss())
    np.testing.assert_array_equal(K.pick("gaussian_dx", 1.5), K.gaussian2d(1.5, (0, 1)))
    for name in K.PICKER:
        assert K.pick(name, 2).ndim == 2


def test_inputs_not_modified():
    sigma = np.array([1.0, 2.0])
    K.gaussian2d(sigma)
    assert sigma.tolist() == [1.0, 2.0]


# ---- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, match", [
    (lambda: K.gaussian(0), ValueError, "gaussian: sigma must be positive and finite; got 0"),
    (lambda: K.gaussian(np.inf), ValueError, "sigma must be positive and finite"),
    (lambda: K.gaussian("1"), TypeError, "gaussian: sigma must be a real number"),
    (lambda: K.gaussian(1, order=-1), ValueError, "gaussian: order must be >= 0; got -1"),
    (lambda: K.gaussian(1, order=1.5), TypeError, "gaussian: order must be an integer"),
    (lambda: K.gaussian(1, radius=-2), ValueError, "gaussian: radius must be >= 0"),
    (lambda: K.gaussian2d((1, 2, 3)), ValueError, "gaussian2d: sigma must be a number or a"),
    (lambda: K.gaussian2d(1, order=(0, -1)), ValueError, "gaussian2d: order must be >= 0"),
    (lambda: K.gaussian2d("ab"), TypeError, "gaussian2d: sigma must be a number or a pair"),
    (lambda: K.box(0), ValueError, r"box: size must be >= 1; got 0"),
    (lambda: K.box(2.5), TypeError, "box: size must be an integer"),
    (lambda: K.disk(-1), ValueError, "disk: radius must be >= 0"),
    (lambda: K.sobel(2), ValueError, "sobel: axis must be 0, 1 or None; got 2"),
    (lambda: K.scharr("x"), ValueError, "scharr: axis must be 0, 1 or None"),
    (lambda: K.sobel(True), ValueError, "sobel: axis must be 0, 1 or None; got True"),
    (lambda: K.laplacian_of_gaussian(-1.0), ValueError,
     "laplacian_of_gaussian: sigma must be positive"),
    (lambda: K.laplacian_of_gaussian(1.0, 1.5), TypeError,
     "laplacian_of_gaussian: radius must be an integer"),
    (lambda: K.unsharp(0, 1.0), ValueError, "unsharp: sigma must be positive"),
    (lambda: K.sharpen("a"), TypeError, "sharpen: amount must be a real number"),
    (lambda: K.unsharp(1.0, None), TypeError, "unsharp: amount must be a real number"),
    (lambda: K.pick("blur", 1), ValueError, "pick: name must be one of 'box'"),
    # issue 13: huge requests are refused before allocating, naming the argument
    (lambda: K.gaussian(1e12), ValueError,
     r"^gaussian: sigma asks for an output of shape \(8000000000001\)"),
    (lambda: K.gaussian(1.0, radius=10**12), ValueError, r"^gaussian: radius asks for"),
    (lambda: K.gaussian2d((1e7, 1e7)), ValueError, r"^gaussian2d: sigma asks for an output "
     r"of shape \(80000001, 80000001\)"),
    (lambda: K.gaussian2d(1.0, radius=(1, 10**9)), ValueError, r"^gaussian2d: radius asks"),
    (lambda: K.disk(10**6), ValueError,
     r"^disk: radius asks for an output of shape \(2000001, 2000001\)"),
    (lambda: K.box(10**6), ValueError, r"^box: size asks for an output of shape "
     r"\(1000000, 1000000\)"),
    (lambda: K.laplacian_of_gaussian(1e5), ValueError,
     r"^laplacian_of_gaussian: sigma asks for an output"),
    (lambda: K.unsharp(1e5), ValueError, r"^unsharp: sigma asks for an output"),
    (lambda: K.pick("gaussian", 1e5), ValueError, r"^pick: sigma asks for an output"),
    (lambda: K.gaussian(1.0, order=10**6), ValueError, r"^gaussian: order must be <= 100"),
    # adversarial kinds and values
    (lambda: K.gaussian(10**400), ValueError, r"^gaussian: sigma must be positive and finite"),
    (lambda: K.gaussian(1 + 0j), TypeError, r"^gaussian: sigma must be a real number"),
    (lambda: K.gaussian(np.nan), ValueError, r"^gaussian: sigma must be positive and finite"),
    (lambda: K.sharpen(np.nan), ValueError, r"^sharpen: amount must be finite; got nan$"),
    (lambda: K.sharpen(1j), TypeError, r"^sharpen: amount must be a real number; got 1j$"),
    (lambda: K.unsharp(1.0, np.inf), ValueError, r"^unsharp: amount must be finite"),
    (lambda: K.laplacian(1), TypeError, r"^laplacian: diagonal must be True or False; got 1$"),
    (lambda: K.box(3, "no"), TypeError, r"^box: normalize must be True or False"),
    (lambda: K.pick("box", np.nan), ValueError, r"^pick: param must be finite; got nan$"),
    (lambda: K.pick("gaussian", -1), ValueError, r"^pick: sigma must be positive"),
    (lambda: K.sharpen(-10**20), ValueError, r"^sharpen: amount must be within \+-2\*\*60 "
     r"when an integer"),   # raised OverflowError; 2**62 wrapped around silently
    (lambda: K.sharpen(2**62), ValueError, r"^sharpen: amount must be within"),
    (lambda: K.pick("emboss", 2**62), ValueError, r"^pick: param must be within"),
    (lambda: K.gaussian(1e-170, order=2), ValueError,
     r"^gaussian: sigma is too small for order=2: the kernel's taps \(about sigma\*\*-2\) "
     r"exceed float64's range; got sigma=1e-170$"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("sigma", [1e-170, 1e-200, 5e-324, 1e-100, 1e-10])
def test_gaussian_of_a_tiny_sigma_is_its_limit(sigma):
    # issue 13: gaussian(1e-170) returned [nan] (0/0 once sigma**2 underflows); the limit
    # is the unit impulse, whose derivatives of odd order vanish, as SciPy's
    # gaussian_filter1d gives where it can compute it (it raises ZeroDivisionError below
    # sigma ~ 1e-154)
    assert K.gaussian(sigma).tolist() == [1.0]
    assert K.gaussian(sigma, radius=2).tolist() == [0.0, 0.0, 1.0, 0.0, 0.0]
    for order in (1, 3):
        np.testing.assert_array_equal(K.gaussian(sigma, order, radius=2), np.zeros(5))
    g2 = K.gaussian2d(sigma, radius=1)
    assert g2.tolist() == [[0, 0, 0], [0, 1, 0], [0, 0, 0]]
    if sigma >= 1e-100:  # -1/sigma**2 is finite: the direct formula's inf*0 gave NaN
        np.testing.assert_allclose(K.gaussian(sigma, 2, radius=1), [0, -1 / sigma**2, 0])
    if sigma >= 1e-150:
        x = np.zeros(7)
        x[3] = 1
        ref = ndi.gaussian_filter1d(x, sigma, order=0, mode="constant")
        np.testing.assert_array_equal(cl.convolve(x, K.gaussian(sigma), "same"), ref)


def test_tiny_sigma_formula_is_the_same_kernel():
    # the fallback formula ((-1/s)**p He_p(n/s) phi) equals the recurrence of gaussian()
    from convlib.kernels import _tiny_sigma_gaussian
    for sigma in (0.3, 1.0, 2.5):
        for order in range(5):
            g = K.gaussian(sigma, order)
            r = len(g) // 2
            n = np.arange(-r, r + 1, dtype=np.float64)
            np.testing.assert_allclose(_tiny_sigma_gaussian(n, sigma, order, sigma, "t"), g,
                                       rtol=1e-12, atol=1e-12 * np.abs(g).max())


def test_disk_keeps_its_values():
    # ogrid instead of mgrid (one temporary instead of three): the same kernel
    for r in range(6):
        i, j = np.mgrid[-r:r + 1, -r:r + 1]
        inside = (i**2 + j**2 <= r**2).astype(np.float64)
        np.testing.assert_array_equal(K.disk(r), inside / inside.sum())


def test_integer_amounts_stay_exact():
    assert K.sharpen(2**60)[1, 1] == 4 * 2**60 + 1 and K.sharpen(2**60).dtype == np.int64
    assert K.sharpen(-(2**60))[0, 1] == 2**60
    assert K.sharpen(1e20)[1, 1] == 4e20 + 1   # a float amount: a float kernel


def test_zero_d_arrays_are_numbers_for_pairs():
    # a 0-d array raised Python's "len() of unsized object"
    np.testing.assert_array_equal(K.gaussian2d(np.array(1.0)), K.gaussian2d(1.0))
    np.testing.assert_array_equal(K.box(np.array(3)), K.box(3))


# ---- the box's response in closed form (the Dirichlet kernel) -----------------------

@pytest.mark.parametrize("k", [1, 2, 3, 4, 7, 15])
def test_box_response_equals_the_dft_and_scipy_diric(k):
    import scipy.special
    n = 256
    omega = 2 * np.pi * np.fft.fftfreq(n)
    dft = np.fft.fft(K.box((1, k))[0], n)       # taps at 0..k-1: phase e^{-i w (k-1)/2}
    centred = dft * np.exp(1j * omega * (k - 1) / 2)
    np.testing.assert_allclose(centred.imag, 0, atol=1e-12)
    np.testing.assert_allclose(K.box_response(k, omega), centred.real, atol=1e-12)
    w = np.linspace(-3 * np.pi, 3 * np.pi, 1001)   # includes the poles at +-2 pi
    np.testing.assert_allclose(K.box_response(k, w), scipy.special.diric(w, k),
                               atol=1e-12)


@pytest.mark.parametrize("k", [3, 4, 5, 7, 9, 15, 31])
def test_box_sidelobe_is_the_peak_between_the_first_two_zeros(k):
    omega, level = K.box_sidelobe(k)
    lo, hi = 2 * np.pi / k, min(4 * np.pi / k, np.pi)
    grid = np.linspace(lo, hi, 200001)            # a fine grid as the oracle
    assert abs(level - np.abs(K.box_response(k, grid)).max()) < 1e-9
    assert lo <= omega <= hi and level == pytest.approx(abs(K.box_response(k, omega)))


def test_box_sidelobe_tends_to_the_sinc_from_above():
    import scipy.optimize
    sinc = -scipy.optimize.minimize_scalar(lambda t: -abs(np.sinc(t)), bounds=(1, 2),
                                           method="bounded").fun
    assert round(20 * np.log10(sinc), 2) == -13.26
    levels = [K.box_sidelobe(k)[1] for k in (3, 5, 7, 15, 101, 1001)]
    assert all(a > b > sinc for a, b in zip(levels, levels[1:]))
    assert levels[-1] - sinc < 1e-4
    assert K.box_sidelobe(3) == (np.pi, pytest.approx(1 / 3))


def test_box_response_and_sidelobe_errors():
    with pytest.raises(ValueError, match=r"^box_response: size must be >= 1; got 0$"):
        K.box_response(0, 1.0)
    with pytest.raises(TypeError, match=r"^box_response: omega must hold real numbers"):
        K.box_response(3, [1j])
    with pytest.raises(ValueError, match=r"^box_response: omega must be finite"):
        K.box_response(3, [np.inf])
    with pytest.raises(ValueError, match=r"^box_sidelobe: size must be >= 3; got 2$"):
        K.box_sidelobe(2)
    with pytest.raises(TypeError, match=r"^box_sidelobe: size must be an integer"):
        K.box_sidelobe(3.0)

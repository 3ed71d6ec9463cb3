"""convlib.edges against SciPy (the derivative-of-Gaussian and LoG filters,
``ndimage.label`` for the connected components of hysteresis), against stated
invariants (non-maximum suppression keeps local maxima along the gradient, one pixel
thick; hysteresis is monotone in its thresholds) and on synthetic images with known
edges (a disk, a square)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import convlib as cl
from convlib import edges as E
from convlib import kernels as K

# float64 separable passes against ndimage's own summation order: a few ulps per term
# of sums whose |terms| add up to O(1) on images in [0, 1].
ATOL64 = 1e-12
EIGHT = np.ones((3, 3), dtype=bool)  # 8-connectivity for ndimage.label


@pytest.fixture(scope="module")
def image():
    return cl.data.photo()[::4, ::4]  # 150 x 128, real data


def disk(n=64, radius=20.0):
    y, x = np.mgrid[:n, :n] - (n - 1) / 2
    r = np.hypot(x, y)
    return (r <= radius).astype(float), r


def noisy_disk(seed=0, level=0.05):
    img, r = disk()
    return img + level * np.random.default_rng(seed).standard_normal(img.shape), r


# ---- gradient -----------------------------------------------------------------------

@pytest.mark.parametrize("sigma", [0.5, 1.0, 1.5, 3.0])
def test_gradient_equals_scipy_and_the_2d_kernel(image, sigma):
    gx, gy = E.gradient(image, sigma)
    np.testing.assert_allclose(
        gx, ndi.gaussian_filter(image, sigma, order=(0, 1), mode="reflect"), atol=ATOL64)
    np.testing.assert_allclose(
        gy, ndi.gaussian_filter(image, sigma, order=(1, 0), mode="reflect"), atol=ATOL64)
    np.testing.assert_allclose(
        gx, cl.convolve2d(image, K.gaussian2d(sigma, (0, 1)), "same", "symm"),
        atol=ATOL64)


def test_gradient_sign_and_small_images():
    ramp = np.tile(np.arange(10.0), (3, 1))  # brighter to the right
    gx, gy = E.gradient(ramp, 1.0)
    assert (gx[:, 3:7] > 0.99).all() and np.allclose(gy, 0)
    gx, gy = E.gradient(ramp.T, 1.0)         # brighter downwards
    assert (gy[3:7] > 0.99).all() and np.allclose(gx, 0)
    one = E.gradient([[5.0]], 2.0)           # a single pixel: flat, no gradient
    assert one[0].shape == (1, 1) and np.allclose(one, 0, rtol=0, atol=1e-15)


def test_gradient_does_not_modify_input(image):
    copy = image.copy()
    E.gradient(image, 1.0)
    E.marr_hildreth(image, 1.0)
    E.canny(image, 1.0, 0.05, 0.1)
    np.testing.assert_array_equal(image, copy)


# ---- direction sectors --------------------------------------------------------------

def test_direction_sector_literals():
    gx = [[1.0, 1.0, 0.0, -1.0, -1.0, -1.0, 0.0, 1.0]]
    gy = [[0.0, 1.0, 1.0, 1.0, 0.0, -1.0, -1.0, -1.0]]
    assert E.direction_sector(gx, gy).tolist() == [[0, 1, 2, 3, 0, 1, 2, 3]]


@given(st.floats(-np.pi, np.pi, allow_nan=False))
def test_direction_sector_offset_within_22_5_degrees(theta):
    s = int(E.direction_sector([[np.cos(theta)]], [[np.sin(theta)]])[0, 0])
    dr, dc = E.SECTOR_OFFSETS[s]
    offset = np.arctan2(dr, dc)               # rows down, as the gradient's y
    diff = (np.degrees(theta - offset) + 90) % 180 - 90   # modulo 180 degrees
    assert abs(diff) <= 22.5 + 1e-9


# ---- non-maximum suppression --------------------------------------------------------

def local_maxima_along_gradient(m, gx, gy):
    """An independent loop: p is a maximum if m[p] >= both neighbours along its sector."""
    s = E.direction_sector(gx, gy)
    H, W = m.shape
    out = np.zeros((H, W), dtype=bool)
    for i in range(H):
        for j in range(W):
            dr, dc = E.SECTOR_OFFSETS[s[i, j]]
            nb = [m[i + a * dr, j + a * dc] if 0 <= i + a * dr < H and 0 <= j + a * dc < W
                  else 0.0 for a in (-1, 1)]
            out[i, j] = m[i, j] > 0 and m[i, j] >= max(nb)
    return out


def test_nms_subset_of_local_maxima_and_one_pixel_thick(image):
    gx, gy = E.gradient(image, 1.0)
    m = np.hypot(gx, gy)
    thin = E.non_maximum_suppression(m, gx, gy)
    kept = thin > 0
    assert np.array_equal(thin[kept], m[kept])           # values kept, not changed
    assert not (kept & ~local_maxima_along_gradient(m, gx, gy)).any()
    s = E.direction_sector(gx, gy)
    for k, (dr, dc) in enumerate(E.SECTOR_OFFSETS):
        a = np.pad(kept & (s == k), 1)
        H, W = kept.shape
        shifted = a[1 + dr:1 + dr + H, 1 + dc:1 + dc + W]
        assert not (kept & (s == k) & shifted).any()     # no two along the direction
    assert 0.1 < kept.mean() < 0.5


def test_nms_plateau_keeps_exactly_one():
    m = np.array([[0.0, 2.0, 2.0, 2.0, 0.0]])
    thin = E.non_maximum_suppression(m, np.ones_like(m), np.zeros_like(m))
    assert thin.tolist() == [[0.0, 2.0, 0.0, 0.0, 0.0]]
    # along the rows (gradient along y) the same profile, transposed
    thin = E.non_maximum_suppression(m.T, np.zeros_like(m.T), np.ones_like(m.T))
    assert thin.T.tolist() == [[0.0, 2.0, 0.0, 0.0, 0.0]]


# ---- hysteresis ---------------------------------------------------------------------

def hysteresis_by_label(m, low, high):
    lab, _ = ndi.label(m > low, structure=EIGHT)
    seeds = np.unique(lab[m > high])
    return np.isin(lab, seeds[seeds > 0])


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1,
                                               max_side=12),
                  elements=st.floats(0, 1)),
       st.floats(0, 1), st.floats(0, 1))
def test_hysteresis_equals_connected_components_with_a_strong_pixel(m, a, b):
    low, high = min(a, b), max(a, b)
    np.testing.assert_array_equal(E.hysteresis(m, low, high),
                                  hysteresis_by_label(m, low, high))


def test_hysteresis_on_nms_of_the_photo_and_monotone(image):
    gx, gy = E.gradient(image, 1.0)
    thin = E.non_maximum_suppression(np.hypot(gx, gy), gx, gy)
    nz = thin[thin > 0]
    lows, highs = np.percentile(nz, [50, 70, 80]), np.percentile(nz, [85, 90, 95])
    for low in lows:
        for high in highs:
            out = E.hysteresis(thin, low, high)
            np.testing.assert_array_equal(out, hysteresis_by_label(thin, low, high))
            assert not (E.hysteresis(thin, low, high * 1.05) & ~out).any()
            assert not (E.hysteresis(thin, low * 1.05, high) & ~out).any()
    assert np.array_equal(E.hysteresis(thin, 0.1, 0.1), thin > 0.1)   # one threshold


def test_hysteresis_literal_and_diagonal_connection():
    m = np.array([[0.9, 0.0, 0.0],
                  [0.0, 0.3, 0.0],
                  [0.0, 0.0, 0.3]])
    assert E.hysteresis(m, 0.2, 0.5).sum() == 3        # diagonal neighbours touch
    assert E.hysteresis(m, 0.2, 0.95).sum() == 0       # no strong pixel


# ---- Canny and Marr-Hildreth on known edges -----------------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_canny_on_a_disk_within_one_pixel_of_the_circle(seed):
    img, r = noisy_disk(seed)
    edges = E.canny(img, 1.5, 0.1, 0.2)
    assert edges.any()
    assert np.abs(r[edges] - 20.0).max() <= 1.0          # within one pixel
    y, x = np.nonzero(edges)
    angles = np.arctan2(y - 31.5, x - 31.5)
    bins = np.histogram(angles, bins=36, range=(-np.pi, np.pi))[0]
    assert (bins > 0).all()                               # all around the circle


def test_canny_on_a_square_and_thresholds_monotone():
    img = np.zeros((40, 40))
    img[10:30, 10:30] = 1.0
    edges = E.canny(img, 1.0, 0.1, 0.2)
    true = np.zeros_like(edges)
    true[9:31, 9:31] = True
    true[11:29, 11:29] = False      # the rows/columns on either side of the boundary
    assert not (edges & ~true).any() and edges.sum() >= 4 * 19
    base = E.canny(cl.data.photo()[::4, ::4], 1.0, 0.03, 0.08)
    for low, high in ((0.04, 0.08), (0.03, 0.1), (0.05, 0.12)):
        assert not (E.canny(cl.data.photo()[::4, ::4], 1.0, low, high) & ~base).any()


def test_marr_hildreth_equals_an_independent_zero_crossing_rule(image):
    lap = ndi.gaussian_laplace(image, 2.0, mode="reflect")
    np.testing.assert_allclose(
        lap, cl.convolve2d(image, K.laplacian_of_gaussian(2.0), "same", "symm"),
        atol=ATOL64)
    H, W = lap.shape
    expected = np.zeros((H, W), dtype=bool)
    for i in range(H):
        for j in range(W):
            for di, dj in ((0, 1), (1, 0), (1, 1), (1, -1)):
                a = lap[min(max(i - di, 0), H - 1), min(max(j - dj, 0), W - 1)]
                b = lap[min(max(i + di, 0), H - 1), min(max(j + dj, 0), W - 1)]
                expected[i, j] |= a * b < 0 and abs(a - b) > 0.002
    np.testing.assert_array_equal(E.marr_hildreth(image, 2.0, 0.002), expected)


def test_marr_hildreth_on_a_disk_and_threshold_monotone():
    img, r = noisy_disk(0, 0.02)
    edges = E.marr_hildreth(img, 2.0, 0.06)    # a lower threshold keeps noise too
    assert np.abs(r[edges] - 20.0).max() <= 1.5          # two pixels thick, centred
    assert edges.sum() > 2 * np.pi * 20                   # all around the circle
    assert not (E.marr_hildreth(img, 2.0, 0.08) & ~edges).any()
    assert not (edges & ~E.marr_hildreth(img, 2.0, 0.02)).any()
    assert E.marr_hildreth(np.ones((8, 8)), 1.0).sum() == 0  # flat: no crossing


# ---- against OpenCV's Canny (a committed fixture; OpenCV is not a dependency) ----------

FIXTURE = Path(__file__).parent / "fixtures" / "canny_opencv.npz"


def test_nms_and_hysteresis_reproduce_opencv_canny_on_sobel_gradient():
    """tools/canny_opencv_fixture.py ran cv2.Canny(apertureSize=3, L2gradient=True) on
    the 8-bit photograph; fed the same 3x3 Sobel gradient (OpenCV's Sobel replicates the
    edge pixel, which for a 3x3 kernel is the 'symm' boundary), convlib's non-maximum
    suppression and hysteresis give the same edges, pixel for pixel."""
    data = np.load(FIXTURE)
    H, W = data["shape"]
    expected = np.unpackbits(data["edges"], axis=-1)[..., :W].astype(bool)
    x = np.round(cl.data.photo()[::2, ::2] * 255)
    assert x.shape == (H, W)
    gx = cl.convolve2d(x, K.sobel(1), "same", "symm")
    gy = cl.convolve2d(x, K.sobel(0), "same", "symm")
    thin = E.non_maximum_suppression(np.hypot(gx, gy), gx, gy)
    for (low, high), ref in zip(data["thresholds"], expected):
        ours = E.hysteresis(thin, float(low), float(high))
        assert ref.sum() > 1000
        np.testing.assert_array_equal(ours, ref)


# ---- bad input ----------------------------------------------------------------------

@pytest.mark.parametrize("call, exc, message", [
    (lambda: E.gradient(np.ones(5), 1.0), ValueError,
     "gradient: x must be 2-D; got 1-D array of shape (5,)"),
    (lambda: E.gradient(np.ones((3, 3)), 0), ValueError,
     "gradient: sigma must be positive and finite; got 0"),
    (lambda: E.gradient(np.ones((3, 3)) * 1j, 1.0), TypeError,
     "gradient: x must hold real numbers; got dtype complex128"),
    (lambda: E.gradient([[1.0, np.nan]], 1.0), ValueError,
     "gradient: x must be finite; got a NaN or an infinity"),
    (lambda: E.direction_sector(np.ones((2, 2)), np.ones((2, 3))), ValueError,
     "direction_sector: gx and gy must have the same shape; got (2, 2) and (2, 3)"),
    (lambda: E.non_maximum_suppression(-np.ones((2, 2)), np.ones((2, 2)),
                                       np.ones((2, 2))), ValueError,
     "non_maximum_suppression: magnitude must be >= 0; got a minimum of"),
    (lambda: E.non_maximum_suppression(np.ones((3, 3)), np.ones((2, 2)),
                                       np.ones((2, 2))), ValueError,
     "non_maximum_suppression: magnitude and gx must have the same shape"),
    (lambda: E.hysteresis(np.ones((2, 2)), 0.6, 0.5), ValueError,
     "hysteresis: low must be <= high; got low=0.6, high=0.5"),
    (lambda: E.hysteresis(np.ones((2, 2)), -1, 0.5), ValueError,
     "hysteresis: low must be finite and >= 0; got -1"),
    (lambda: E.hysteresis(np.ones((2, 2)), "0.1", 0.5), TypeError,
     "hysteresis: low must be a real number; got '0.1'"),
    (lambda: E.canny(np.ones((4, 4)), 1.0, 0.2, 0.1), ValueError,
     "canny: low must be <= high; got low=0.2, high=0.1"),
    (lambda: E.canny(np.ones((4, 4)), -1.0, 0.1, 0.2), ValueError,
     "canny: sigma must be positive and finite; got -1.0"),
    (lambda: E.marr_hildreth(np.ones((4, 4)), 1.0, np.inf), ValueError,
     "marr_hildreth: threshold must be finite and >= 0; got inf"),
    (lambda: E.marr_hildreth("image", 1.0), TypeError,
     "marr_hildreth: x must hold numbers"),
])
def test_errors(call, exc, message):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value).startswith(message)

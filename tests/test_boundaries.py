"""convolve2d, correlate2d, convolve_at and the boundary extensions, against SciPy/NumPy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import convlib as cl
from convlib.boundaries import boundary_index, extend

from support import MODES, array_pairs, assert_close, bound

SCIPY_BOUNDARIES = ["fill", "wrap", "symm"]
NP_PAD = {"wrap": "wrap", "symm": "symmetric", "reflect": "reflect", "edge": "edge"}
ALL_BOUNDARIES = ["fill", "wrap", "symm", "reflect", "edge"]
# scipy.ndimage's name for each rule (its 'reflect' is our 'symm', its 'mirror' our
# 'reflect'), the naming trap chapter 2 warns about
NDIMAGE = {"fill": "constant", "wrap": "wrap", "symm": "reflect", "reflect": "mirror",
           "edge": "nearest"}


def scipy2d(func, a, b, mode, boundary, fillvalue=0):
    try:
        return func(a, b, mode=mode, boundary=boundary, fillvalue=fillvalue)
    except ValueError:
        return None


# ---- literals ---------------------------------------------------------------------------

def test_worked_example_of_chapter_2():
    pixels = np.array([[82, 78, 88], [65, 56, 76], [60, 53, 72]])
    kernel = np.array([[-1, 0, 1]] * 3)
    assert cl.correlate2d(pixels, kernel, "valid").item() == 29
    assert cl.convolve2d(pixels, kernel, "valid").item() == -29


@pytest.mark.parametrize("boundary, row", [
    ("fill", [1, 3, 5, 7]), ("wrap", [5, 3, 5, 7]), ("symm", [2, 3, 5, 7]),
    ("reflect", [3, 3, 5, 7]), ("edge", [2, 3, 5, 7]),
])
def test_boundaries_by_hand(boundary, row):
    # [1, 2, 3, 4] smoothed by [1, 1] in 'same' mode: y[j] = x[j] + x[j - 1]
    out = cl.convolve2d([[1, 2, 3, 4]], [[1, 1]], "same", boundary)
    assert out.tolist() == [row]


@pytest.mark.parametrize("boundary, expected", [
    ("symm", [2, 1, 1, 2, 3, 4, 4, 3]), ("reflect", [3, 2, 1, 2, 3, 4, 3, 2]),
    ("wrap", [3, 4, 1, 2, 3, 4, 1, 2]), ("fill", [9, 9, 1, 2, 3, 4, 9, 9]),
    ("edge", [1, 1, 1, 2, 3, 4, 4, 4]),
])
def test_extend_by_hand(boundary, expected):
    assert extend(np.array([1, 2, 3, 4]), [(2, 2)], boundary, fillvalue=9).tolist() == expected


# ---- against SciPy ------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", SCIPY_BOUNDARIES)
@given(pair=array_pairs(ndim=2, max_side=7))
def test_convolve2d_equals_scipy(mode, boundary, pair):
    a, b = pair
    ref = scipy2d(scipy.signal.convolve2d, a, b, mode, boundary)
    if ref is None:
        with pytest.raises(ValueError, match="^convolve2d: in 'valid' mode"):
            cl.convolve2d(a, b, mode, boundary)
        return
    scale = bound(a, b, lambda u, v: scipy.signal.convolve2d(u, v, mode, boundary))
    assert_close(cl.convolve2d(a, b, mode, boundary), ref, scale)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", SCIPY_BOUNDARIES)
@given(pair=array_pairs(ndim=2, max_side=7))
def test_correlate2d_equals_scipy(mode, boundary, pair):
    a, b = pair
    ref = scipy2d(scipy.signal.correlate2d, a, b, mode, boundary)
    if ref is None:
        return
    scale = bound(a, b, lambda u, v: scipy.signal.correlate2d(u, v, mode, boundary))
    assert_close(cl.correlate2d(a, b, mode, boundary), ref, scale)


@pytest.mark.parametrize("mode", ["full", "same"])
@given(pair=array_pairs(ndim=2, max_side=6, dtypes=[np.float64, np.complex128]),
       fillvalue=st.floats(-5, 5, allow_nan=False))
def test_fillvalue_equals_scipy(mode, pair, fillvalue):
    a, b = pair
    ref = scipy.signal.convolve2d(a, b, mode, "fill", fillvalue)
    np.testing.assert_allclose(cl.convolve2d(a, b, mode, "fill", fillvalue), ref,
                               rtol=1e-12, atol=1e-10)
    ref = scipy.signal.correlate2d(a, b, mode, "fill", fillvalue)
    np.testing.assert_allclose(cl.correlate2d(a, b, mode, "fill", fillvalue), ref,
                               rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("alias, name", [("pad", "fill"), ("circular", "wrap"),
                                         ("symmetric", "symm")])
def test_scipy_aliases(alias, name, rng):
    a, b = rng.standard_normal((5, 4)), rng.standard_normal((3, 3))
    assert np.array_equal(cl.convolve2d(a, b, "same", alias), cl.convolve2d(a, b, "same", name))


def test_same_mode_conventions_differ_for_even_kernels(rng):
    # documented in correlate2d's Notes: SciPy's two functions centre 'same' differently
    a, b = rng.standard_normal((6, 6)), rng.standard_normal((2, 2))
    np.testing.assert_allclose(cl.correlate2d(a, b, "same"),
                               scipy.signal.correlate2d(a, b, "same"))
    np.testing.assert_allclose(cl.correlate(a, b, "same"),
                               scipy.signal.correlate(a, b, "same"))
    assert not np.allclose(cl.correlate2d(a, b, "same"), cl.correlate(a, b, "same"))


# ---- reflect and edge (not in scipy.signal): against np.pad, scipy.ndimage, OpenCV ----------------

@pytest.mark.parametrize("mode", ["full", "same"])
@given(pair=array_pairs(ndim=2, max_side=7, dtypes=[np.int64, np.float64]))
@pytest.mark.parametrize("boundary", ["reflect", "edge"])
def test_padding_then_valid(mode, boundary, pair):
    # the rules scipy.signal.convolve2d lacks: np.pad's extension, then a 'valid' convolution
    a, b = pair
    M, N = b.shape
    start = cl.mode_offset(a.shape, b.shape, mode)
    shape = cl.output_shape(a.shape, b.shape, mode)
    pad = [(m - 1 - s, s + L - n) for n, m, s, L in zip(a.shape, b.shape, start, shape)]
    if boundary == "edge":  # np.pad itself, independent of boundary_index
        ext = np.pad(a, pad, mode="edge")
    else:
        ext = a[np.ix_(*[boundary_index(np.arange(-lo, n + hi), n, boundary)
                         for n, (lo, hi) in zip(a.shape, pad)])]
    ref = scipy.signal.convolve2d(ext, b, "valid")
    assert_close(cl.convolve2d(a, b, mode, boundary), ref,
                 bound(ext, b, lambda u, v: scipy.signal.convolve2d(u, v, "valid")))


@pytest.mark.parametrize("mode", ["full", "same"])
@given(pair=array_pairs(ndim=2, max_side=7, dtypes=[np.int64, np.float64, np.complex128]))
def test_correlate2d_edge_equals_padding_then_valid(mode, pair):
    # SciPy's correlate2d window starts at M // 2 of the full output in 'same' mode
    a, b = pair
    start = [0, 0] if mode == "full" else [m // 2 for m in b.shape]
    pad = [(m - 1 - s, m - 1 if mode == "full" else s) for m, s in zip(b.shape, start)]
    ext = np.pad(a, pad, mode="edge")
    ref = scipy.signal.correlate2d(ext, b, "valid")
    assert_close(cl.correlate2d(a, b, mode, "edge"), ref,
                 bound(ext, b, lambda u, v: scipy.signal.correlate2d(u, v, "valid")))


@pytest.mark.parametrize("boundary", ALL_BOUNDARIES)
@pytest.mark.parametrize("kernel_shape", [(3, 3), (3, 5), (2, 2), (4, 3), (1, 6), (5, 4)])
def test_same_equals_ndimage(boundary, kernel_shape, rng):
    # scipy.ndimage.convolve centres an even kernel one sample later than SciPy's
    # 'same' (checked here): origin=-1 on an even axis moves it back
    a = rng.standard_normal((9, 11))
    b = rng.standard_normal(kernel_shape)
    origin = [-1 if m % 2 == 0 else 0 for m in kernel_shape]
    ref = scipy.ndimage.convolve(a, b, mode=NDIMAGE[boundary], origin=origin)
    np.testing.assert_allclose(cl.convolve2d(a, b, "same", boundary), ref,
                               rtol=1e-12, atol=1e-12)
    ref = scipy.ndimage.correlate(a, b, mode=NDIMAGE[boundary])  # same convention
    assert np.allclose(cl.correlate2d(a, b, "same", boundary), ref) == \
        all(m % 2 for m in kernel_shape)


def test_edge_is_not_in_scipy_signal():
    # why the oracles above are np.pad and scipy.ndimage: convolve2d has no edge rule
    with pytest.raises(ValueError):
        scipy.signal.convolve2d(np.ones((3, 3)), np.ones((2, 2)), "same", "edge")


@pytest.mark.parametrize("mode", ["full", "same"])
def test_edge_by_hand(mode):
    # a constant image stays constant under a normalised kernel: no invented contrast
    x = np.full((4, 5), 7.0)
    out = cl.convolve2d(x, np.full((3, 2), 1 / 6), mode, "edge")
    np.testing.assert_allclose(out, 7.0, rtol=1e-15)
    # a step: the edge value is repeated, so the first output sees only a's
    y = cl.convolve2d([[1, 1, 5, 5]], [[1, 1, 1]], mode, "edge")
    assert y.tolist() == ([[3, 3, 7, 11, 15, 15]] if mode == "full" else [[3, 7, 11, 15]])


def test_reflect_reproduces_opencv_filter2d_border_default():
    # cv2.filter2D(src, -1, k) = correlation, anchor at the kernel centre, BORDER_REFLECT_101
    # (gfedcb|abcdefgh|gfedcba). Computed here from that definition with explicit indices.
    rng = np.random.default_rng(7)
    src = rng.integers(0, 255, (6, 7)).astype(float)
    k = rng.standard_normal((3, 5))
    out = np.zeros_like(src)
    for i, j in itertools.product(range(6), range(7)):
        for u, v in itertools.product(range(3), range(5)):
            r, c = i + u - 1, j + v - 2
            r = -r if r < 0 else (2 * 5 - r if r > 5 else r)
            c = -c if c < 0 else (2 * 6 - c if c > 6 else c)
            out[i, j] += k[u, v] * src[r, c]
    np.testing.assert_allclose(cl.correlate2d(src, k, "same", "reflect"), out, rtol=1e-12)


@given(i=st.lists(st.integers(-40, 40), min_size=1, max_size=20), n=st.integers(1, 7),
       boundary=st.sampled_from(["wrap", "symm", "reflect", "edge"]))
def test_boundary_index_equals_np_pad(i, n, boundary):
    x = np.arange(n)
    padded = np.pad(x, (40, 40), mode=NP_PAD[boundary]) if n > 1 or boundary != "reflect" \
        else np.zeros(n + 80, dtype=int)
    assert np.array_equal(boundary_index(np.array(i), n, boundary), padded[np.array(i) + 40])


# ---- convolve_at --------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("boundary", ALL_BOUNDARIES)
@given(pair=array_pairs(ndim=2, max_side=6, dtypes=[np.int64, np.float64, np.complex128]),
       fillvalue=st.integers(-3, 3))
def test_convolve_at_equals_convolve2d_everywhere(mode, boundary, pair, fillvalue):
    a, b = pair
    try:
        full = cl.convolve2d(a, b, mode, boundary, fillvalue)
    except ValueError:
        return
    for index in itertools.product(*map(range, full.shape)):
        value = cl.convolve_at(a, b, index, mode, boundary, fillvalue)
        assert value.dtype == full.dtype
        np.testing.assert_allclose(value, full[index], rtol=1e-12, atol=1e-9)


def test_convolve_at_nd_and_negative_index(rng):
    a, b = rng.standard_normal((5, 4, 3)), rng.standard_normal((2, 3, 2))
    full = scipy.signal.convolve(a, b, "same")
    np.testing.assert_allclose(cl.convolve_at(a, b, (-1, 2, 0)), full[-1, 2, 0])
    x = np.arange(10)
    assert cl.convolve_at(x, [1, 1, 1], (0,), mode="full") == 0
    assert cl.convolve_at(x, [1, 1, 1], (5,), mode="valid") == 18


def test_convolve_at_reads_only_one_window():
    # a huge image whose elements would overflow if summed: only 9 of them are read
    big = np.lib.stride_tricks.as_strided(np.array([1.0]), shape=(10**6, 10**6),
                                          strides=(0, 0))
    assert cl.convolve_at(big, np.ones((3, 3)), (123_456, 654_321)) == 9.0


# ---- inputs untouched, errors -------------------------------------------------------------------

def test_inputs_not_modified(rng):
    a, b = rng.standard_normal((5, 6)), rng.standard_normal((3, 2))
    a.flags.writeable = b.flags.writeable = False
    for boundary in ALL_BOUNDARIES:
        for mode in MODES:
            cl.convolve2d(a, b, mode, boundary, 1.0)
            cl.correlate2d(a, b, mode, boundary, 1.0)
        cl.convolve_at(a, b, (2, 2), "same", boundary)


@pytest.mark.parametrize("func", ["convolve2d", "correlate2d"])
@pytest.mark.parametrize("args, kwargs, exc, message", [
    (([1, 2], [[1]]), {}, ValueError, r"in1 must be 2-D; got 1-D array of shape \(2,\)"),
    (([[1]], np.ones((1, 1, 1))), {}, ValueError, r"in2 must be 2-D; got 3-D"),
    (([[1]], [[1]]), {"boundary": "mirror"}, ValueError,
     r"boundary must be one of 'fill', 'wrap', 'symm', 'reflect', 'edge'; got 'mirror'"),
    (([[1]], [[1]]), {"mode": "half"}, ValueError, r"mode must be one of"),
    (([[1, 2]], [[1]]), {"fillvalue": 0.5}, ValueError,
     r"fillvalue must be representable in the result dtype int64; got 0.5"),
    (([[1.0, 2]], [[1]]), {"fillvalue": 1j}, ValueError,
     r"fillvalue must be representable in the result dtype float64; got 1j"),
    # SciPy raises ValueError for an empty or a longer fillvalue array (issue 13)
    (([[1.0, 2]], [[1]]), {"fillvalue": [1, 2]}, ValueError,
     r"fillvalue must be a scalar or an array with one element; got \[1, 2\]$"),
    (([[1.0, 2]], [[1]]), {"fillvalue": []}, ValueError,
     r"fillvalue must be a scalar or an array with one element; got \[\]$"),
    (([[1.0, 2]], [[1]]), {"fillvalue": None}, TypeError,
     r"fillvalue must be a scalar number; got None$"),
    (([[1.0, 2]], [[1]]), {"fillvalue": "1"}, TypeError,
     r"fillvalue must be a scalar number; got '1'$"),
    (([[1, 2]], [[1]]), {"fillvalue": 2**70}, ValueError,
     r"fillvalue must be representable in the result dtype int64; got 1180591620717411303424"),
    (([[True]], [[True]]), {"fillvalue": 2}, ValueError,
     r"fillvalue must be representable in the result dtype bool; got 2$"),
    ((np.ones((2, 3)), np.ones((3, 2))), {"mode": "valid"}, ValueError,
     r"in 'valid' mode one input must be at least as large"),
    (([["x"]], [[1]]), {}, TypeError, r"in1 must hold numbers"),
])
def test_errors_2d(func, args, kwargs, exc, message):
    with pytest.raises(exc, match=f"^{func}: {message}"):
        getattr(cl, func)(*args, **kwargs)


@pytest.mark.parametrize("args, kwargs, exc, message", [
    ((np.ones((3, 3)), np.ones((2, 2)), (3, 0)), {}, ValueError,
     r"index must lie inside the output of shape \(3, 3\); got \(3, 0\)"),
    ((np.ones((3, 3)), np.ones((2, 2)), (1,)), {}, ValueError, r"index must lie inside"),
    ((np.ones((3, 3)), np.ones((2, 2)), 5), {}, TypeError, r"index must be a sequence of ints"),
    # issue 13: 1.5 was truncated to 1
    ((np.ones((3, 3)), np.ones((2, 2)), (1.5, 0)), {}, TypeError,
     r"index must be a sequence of ints; got \(1.5, 0\)$"),
    ((np.ones((3, 3)), np.ones((2, 2)), (1.0, 0)), {}, TypeError,
     r"index must be a sequence of ints"),
    ((np.ones((3, 3)), np.ones((2, 2)), (True, 0)), {}, TypeError,
     r"index must be a sequence of ints"),
    ((np.ones((3, 3)), np.ones((2, 2)), "10"), {}, TypeError,
     r"index must be a sequence of ints"),
    ((np.ones((3, 3)), np.ones(2), (1, 1)), {}, ValueError,
     r"in1 and in2 must have the same number of dimensions"),
    ((np.ones((3, 3)), np.ones((2, 2)), (1, 1)), {"boundary": "zero"}, ValueError,
     r"boundary must be one of"),
])
def test_errors_convolve_at(args, kwargs, exc, message):
    with pytest.raises(exc, match=f"^convolve_at: {message}"):
        cl.convolve_at(*args, **kwargs)


@pytest.mark.parametrize("fillvalue, want", [
    (True, 1), (False, 0), (np.bool_(True), 1), (np.array(1), 1), ([2], 2), ([[2]], 2),
    (np.float32(2), 2)])
def test_fillvalue_as_scipy_accepts_it(fillvalue, want):
    # booleans count as 0 and 1 and one-element arrays as their element, as in SciPy
    # (issue 13: fillvalue=True was refused, even for boolean images)
    a = np.array([[1, 2], [3, 4]])
    for x in (a, a.astype(float)):
        got = cl.convolve2d(x, [[1, 1]], "same", fillvalue=fillvalue)
        np.testing.assert_array_equal(got, scipy.signal.convolve2d(x, [[1, 1]], "same",
                                                                   fillvalue=fillvalue))
        np.testing.assert_array_equal(got, cl.convolve2d(x, [[1, 1]], "same",
                                                         fillvalue=want))
    b = np.array([[True, False], [False, False]])
    for fv in (True, False, 1, 0):
        got = cl.convolve2d(b, [[True, True]], "full", fillvalue=fv)
        want = cl.convolve2d(b.astype(int), [[1, 1]], "full", fillvalue=int(fv)) != 0
        assert got.dtype == bool and np.array_equal(got, want)
        assert cl.correlate2d(b, [[True]], "same", "fill", fv).dtype == bool
        same = cl.convolve2d(b, [[True, True]], "same", "fill", fv)
        for index in np.ndindex(*same.shape):
            assert cl.convolve_at(b, [[True, True]], index, "same", "fill", fv) == same[index]


def test_nan_fillvalue_marks_the_outputs_that_read_the_boundary():
    # NaN is a valid fill for floating images (SciPy accepts it): it marks every output
    # whose window leaves the image; it used to be refused as "not representable"
    x = np.arange(16.0).reshape(4, 4)
    got = cl.convolve2d(x, np.ones((3, 3)), "same", fillvalue=np.nan)
    ref = scipy.signal.convolve2d(x, np.ones((3, 3)), "same", fillvalue=np.nan)
    np.testing.assert_array_equal(got, ref)
    assert np.isnan(got[[0, -1]]).all() and np.isfinite(got[1:-1, 1:-1]).all()
    assert np.isnan(cl.convolve_at(x, np.ones((3, 3)), (0, 0), fillvalue=np.nan))
    with pytest.raises(ValueError, match="representable in the result dtype int64"):
        cl.convolve2d(x.astype(int), np.ones((3, 3), int), "same", fillvalue=np.nan)


@pytest.mark.parametrize("call, exc, message", [
    (lambda: extend(np.ones(3), [(2, -1)]), ValueError, r"^extend: pad_width must be >= 0; got -1$"),
    (lambda: extend(np.ones(3), [(1.5, 0)]), TypeError,
     r"^extend: pad_width must be an integer; got 1.5$"),
    (lambda: extend(np.ones((2, 2)), [(1, 1)]), ValueError,
     r"^extend: pad_width must hold one \(before, after\) pair per axis of x \(2\)"),
    (lambda: extend(np.ones(3), 2), ValueError, r"^extend: pad_width must hold one"),
    (lambda: extend(np.ones(3), [(10**10, 0)]), ValueError,
     r"^extend: pad_width asks for an output of shape \(10000000003\) \(80000.0 MB\), "
     r"more than the limit"),
    (lambda: extend(np.arange(3), [(1, 1)], fillvalue=0.5), ValueError,
     r"^extend: fillvalue must be representable in the result dtype int64; got 0.5$"),
    (lambda: extend([], [(1, 1)]), ValueError, r"^extend: x must not be empty"),
    (lambda: extend(np.ones(3), [(1, 1)], "mirror"), ValueError,
     r"^extend: boundary must be one of"),
    (lambda: boundary_index(np.array([1.5]), 3, "wrap"), TypeError,
     r"^boundary_index: i must hold integers; got dtype float64$"),
    (lambda: boundary_index(2, 0, "wrap"), ValueError, r"^boundary_index: n must be >= 1; got 0$"),
    (lambda: boundary_index(2, 3, "mirror"), ValueError, r"^boundary_index: boundary must be"),
])
def test_extend_and_boundary_index_errors(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_extend_and_boundary_index_accept_scipys_aliases():
    assert boundary_index(np.array([-1, 3]), 3, "circular").tolist() == [2, 0]
    assert boundary_index(np.array([-1, 3]), 3, "pad").tolist() == [-1, -1]
    assert extend(np.array([1, 2]), [(1, 1)], "symmetric").tolist() == [1, 1, 2, 2]
    assert extend(np.array([True]), [(1, 0)], "fill", True).tolist() == [True, True]


def test_direct_work_guard_names_the_function_called():
    """convolve2d and correlate2d sum directly without the dispatcher (STYLE.md 16), and
    keep its guard against minutes of work, naming the function the user called."""
    x = np.broadcast_to(np.float64(1), (10**5, 10**5))
    h = np.ones((15, 15))
    with pytest.raises(ValueError, match=r"^convolve2d: method='direct' needs 2\.2e\+12 "
                       r"multiply-adds, more than convlib\.dispatch\.DIRECT_MAX_MACS"):
        cl.convolve2d(x, h)
    with pytest.raises(ValueError, match=r"^correlate2d: method='direct' needs 2\.2e\+12"):
        cl.correlate2d(x, h, "valid")
    with pytest.raises(ValueError, match=r"^correlate2d: method='direct' needs"):
        cl.correlate2d(h, x, "valid")   # SciPy's swap first

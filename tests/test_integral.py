"""convlib.integral: integral_image, box_filter, running_box_filter against NumPy/SciPy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib as cl

from support import MODES


def test_integral_image_literal():
    x = np.array([[1, 2, 3], [4, 5, 6]])
    assert cl.integral_image(x).tolist() == [[1, 3, 6], [5, 12, 21]]
    assert cl.integral_image([True, True, False]).tolist() == [1, 2, 2]


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 6), min_size=1, max_size=3), seed=st.integers(0, 999))
def test_integral_image_definition(shape, seed):
    x = np.random.default_rng(seed).integers(-50, 50, shape)
    S = cl.integral_image(x)
    assert S.dtype == np.int64
    for index in np.ndindex(*x.shape):
        assert S[index] == x[tuple(slice(0, i + 1) for i in index)].sum()


def test_integral_image_dtypes():
    assert cl.integral_image(np.ones((2, 2), np.float32)).dtype == np.float64
    assert cl.integral_image(np.ones((2, 2), np.uint8) * 255)[-1, -1] == 1020  # no overflow
    z = cl.integral_image(np.full((2, 2), 1 + 1j))
    assert z.dtype == np.complex128 and z[-1, -1] == 4 + 4j


def test_four_lookups_give_any_rectangle():
    x = np.random.default_rng(1).integers(0, 255, (30, 40))
    P = np.pad(cl.integral_image(x), [(1, 0), (1, 0)])
    r0, r1, c0, c1 = 5, 17, 8, 33
    assert P[r1, c1] - P[r0, c1] - P[r1, c0] + P[r0, c0] == x[r0:r1, c0:c1].sum()


@settings(max_examples=60, deadline=None)
@given(x_shape=st.tuples(st.integers(1, 9), st.integers(1, 9)),
       size=st.tuples(st.integers(1, 11), st.integers(1, 11)),
       mode=st.sampled_from(MODES), seed=st.integers(0, 999))
def test_box_filter_equals_convolve2d_integers(x_shape, size, mode, seed):
    x = np.random.default_rng(seed).integers(-100, 100, x_shape)
    try:
        expected = scipy.signal.convolve2d(x, np.ones(size, dtype=np.int64), mode)
    except ValueError:
        with pytest.raises(ValueError, match="box_filter: in 'valid' mode"):
            cl.box_filter(x, size, mode, normalize=False)
        return
    actual = cl.box_filter(x, size, mode, normalize=False)
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual, expected)  # exact: integer sums


@settings(max_examples=40, deadline=None)
@given(x_shape=st.tuples(st.integers(1, 9), st.integers(1, 9)),
       size=st.tuples(st.integers(1, 6), st.integers(1, 6)),
       mode=st.sampled_from(["full", "same"]),
       dtype=st.sampled_from([np.float32, np.float64, np.complex128]),
       seed=st.integers(0, 999))
def test_box_filter_equals_convolve2d_floats(x_shape, size, mode, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape)
    if dtype == np.complex128:
        x = x + 1j * rng.standard_normal(x_shape)
    x = x.astype(dtype)
    expected = scipy.signal.convolve2d(x, np.ones(size) / np.prod(size), mode)
    actual = cl.box_filter(x, size, mode)
    assert actual.dtype == expected.dtype
    # differences of float64 running sums: error ~ eps * |S| <= eps * sum|x|
    np.testing.assert_allclose(actual, expected, rtol=0,
                               atol=1e-14 * (np.abs(x).sum() + 1))


def test_box_filter_photo_and_3d():
    img = cl.data.photo()
    np.testing.assert_allclose(cl.box_filter(img, 15), scipy.signal.convolve2d(
        img, np.ones((15, 15)) / 225, "same"), atol=1e-11)
    v = np.random.default_rng(2).integers(0, 9, (5, 6, 7))
    np.testing.assert_array_equal(cl.box_filter(v, (2, 3, 4), "full", normalize=False),
                                  scipy.signal.convolve(v, np.ones((2, 3, 4), int)))
    np.testing.assert_array_equal(cl.box_filter(np.arange(5), 2, "valid", False), [1, 3, 5, 7])


def test_input_not_modified():
    x = np.arange(20.0).reshape(4, 5)
    x0 = x.copy()
    cl.integral_image(x)
    cl.box_filter(x, 3)
    np.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: cl.integral_image(3), ValueError, "integral_image: x must have at least 1"),
    (lambda: cl.integral_image(np.ones((0, 3))), ValueError,
     "integral_image: x must not be empty"),
    (lambda: cl.integral_image([["a"]]), TypeError, "integral_image: x must hold numbers"),
    (lambda: cl.box_filter(np.ones((4, 4)), 0), ValueError, "box_filter: size must be >= 1"),
    (lambda: cl.box_filter(np.ones((4, 4)), 2.0), TypeError,
     "box_filter: size must be an integer"),
    (lambda: cl.box_filter(np.ones((4, 4)), (2, 2, 2)), ValueError,
     r"box_filter: size must have one entry per axis of x \(2\); got \(2, 2, 2\)"),
    (lambda: cl.box_filter(np.ones((4, 4)), 3, mode="middle"), ValueError,
     "box_filter: mode must be one of 'full', 'same', 'valid'"),
    (lambda: cl.box_filter(np.ones((4, 6)), (6, 4), mode="valid"), ValueError,
     "box_filter: in 'valid' mode one input must be at least as large"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# ---- non-finite input (issue 13): each NaN or inf reaches only its own windows -----------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("normalize", [True, False])
def test_box_filter_keeps_nonfinite_values_local(mode, normalize):
    """Before the fix one inf pixel spoiled all 400 outputs of a 20x20 image."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((20, 20))
    x[3, 4], x[10, 10], x[10, 12], x[15, 2] = np.inf, np.nan, -np.inf, np.inf
    x[16, 3] = -np.inf   # meets the +inf at (15, 2) in some windows: NaN there
    size = (3, 4)
    kernel = np.ones(size) / (np.prod(size) if normalize else 1)
    expected = scipy.signal.convolve2d(x, kernel, mode)
    out = cl.box_filter(x, size, mode, normalize)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12, equal_nan=True)
    one_inf = np.zeros((20, 20))
    one_inf[3, 4] = np.inf
    spoiled = ~np.isfinite(cl.box_filter(one_inf, 3))
    assert spoiled.sum() == 9


def test_box_filter_refuses_nonfinite_complex():
    with pytest.raises(ValueError, match="^box_filter: x must be finite when complex"):
        cl.box_filter(np.array([[1, np.nan + 1j]]), 1)


# ---- running_box_filter: one running sum per axis ----------------------------------------

@settings(max_examples=60, deadline=None)
@given(x_shape=st.lists(st.integers(1, 8), min_size=1, max_size=3),
       sizes=st.lists(st.integers(1, 10), min_size=3, max_size=3),
       mode=st.sampled_from(MODES), seed=st.integers(0, 999))
def test_running_box_filter_equals_convolve_integers(x_shape, sizes, mode, seed):
    x = np.random.default_rng(seed).integers(-100, 100, x_shape)
    size = tuple(sizes[:len(x_shape)])
    try:
        expected = scipy.signal.convolve(x, np.ones(size, dtype=np.int64), mode)
    except ValueError:
        with pytest.raises(ValueError, match="running_box_filter: in 'valid' mode"):
            cl.integral.running_box_filter(x, size, mode, normalize=False)
        return
    actual = cl.integral.running_box_filter(x, size, mode, normalize=False)
    assert actual.dtype == expected.dtype
    np.testing.assert_array_equal(actual, expected)  # exact: integer sums
    np.testing.assert_array_equal(actual, cl.box_filter(x, size, mode, normalize=False))


@pytest.mark.parametrize("size", [1, 3, 7, (5, 9), 41])
def test_running_box_filter_equals_uniform_filter(size):
    """'same' with an odd box and zero fill is scipy.ndimage's uniform_filter."""
    x = np.random.default_rng(4).standard_normal((37, 50))
    expected = scipy.ndimage.uniform_filter(x, size, mode="constant", cval=0.0)
    # running sums of at most 50 terms of |x| < 5: error a few eps * 250
    np.testing.assert_allclose(cl.integral.running_box_filter(x, size), expected,
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex128, np.uint8, bool])
def test_running_box_filter_dtypes_match_box_filter(dtype):
    x = (np.random.default_rng(5).integers(0, 3, (6, 7))).astype(dtype)
    for normalize in (True, False):
        ours = cl.integral.running_box_filter(x, (2, 3), "full", normalize)
        ref = cl.box_filter(x, (2, 3), "full", normalize)
        assert ours.dtype == ref.dtype
        np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_running_box_filter_keeps_nonfinite_values_local():
    x = np.random.default_rng(6).standard_normal((15, 16))
    x[2, 3], x[9, 9], x[9, 11] = np.inf, np.nan, -np.inf
    expected = scipy.signal.convolve2d(x, np.ones((3, 4)) / 12, "same")
    np.testing.assert_allclose(cl.integral.running_box_filter(x, (3, 4)), expected,
                               rtol=1e-12, atol=1e-12, equal_nan=True)


def test_running_box_filter_input_not_modified():
    x = np.arange(20.0).reshape(4, 5)
    x0 = x.copy()
    cl.integral.running_box_filter(x, 3)
    np.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: cl.integral.running_box_filter(np.ones((4, 4)), 0), ValueError,
     "^running_box_filter: size must be >= 1"),
    (lambda: cl.integral.running_box_filter(np.ones((4, 4)), 2.0), TypeError,
     "^running_box_filter: size must be an integer"),
    (lambda: cl.integral.running_box_filter(np.ones((4, 4)), (2, 2, 2)), ValueError,
     r"^running_box_filter: size must have one entry per axis of x \(2\)"),
    (lambda: cl.integral.running_box_filter(np.ones((4, 4)), 3, mode="x"), ValueError,
     "^running_box_filter: mode must be one of"),
    (lambda: cl.integral.running_box_filter(np.ones(()), 3), ValueError,
     "^running_box_filter: x must have at least 1"),
    (lambda: cl.integral.running_box_filter([["a"]], 1), TypeError,
     "^running_box_filter: x must hold numbers"),
    (lambda: cl.integral.running_box_filter(np.array([np.nan + 1j]), 1), ValueError,
     "^running_box_filter: x must be finite when complex"),
])
def test_running_box_filter_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()

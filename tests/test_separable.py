"""convlib.separable: separate, separate_nd, low_rank and convolve(..., method='separable'),
against NumPy/SciPy and the identities of chapter 4."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib import kernels as K
from convlib import separable
from convlib.dispatch import MethodCannotServe
from convlib.separable import (convolve_separable, rank1_to_rounding, separate_nd,
                               serves_separable)

from support import MODES
# Tolerances against scipy.signal.convolve (direct sums in another order): a few ulps per
# term relative to the sum of |terms|; the SVD factors add a few ulps of the kernel's norm.
RTOL = {np.dtype(np.float64): 1e-12, np.dtype(np.complex128): 1e-12,
        np.dtype(np.float32): 1e-5}


def check_close(actual, desired, a, h):
    assert actual.dtype == desired.dtype and actual.shape == desired.shape
    if actual.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, desired)
        return
    scale = scipy.signal.convolve(np.abs(a).astype(float), np.abs(h).astype(float)).max()
    tol = RTOL[actual.dtype] * (scale + 1)
    assert np.abs(actual - desired).max() <= tol


def outer_nd(factors):
    out = np.asarray(factors[0])
    for f in factors[1:]:
        out = np.multiply.outer(out, f)
    return out


# ---- literals and identities --------------------------------------------------------------

def test_sobel_factors_by_hand():
    col, row = cl.separate(K.sobel(1))
    scale = col[0]
    np.testing.assert_allclose(col / scale, [1, 2, 1], atol=1e-15)
    np.testing.assert_allclose(row * scale, [1, 0, -1], atol=1e-15)
    np.testing.assert_allclose(np.outer(col, row), K.sobel(1), atol=1e-14)
    assert np.isclose(np.linalg.norm(col), np.linalg.norm(row))  # balanced


@pytest.mark.parametrize("h", [K.gaussian2d(1.5), K.gaussian2d((1.0, 2.0), (1, 0)),
                               K.box((3, 5)), K.sobel(0), K.scharr(1),
                               np.outer([1j, 2, -1], [1, 1j])])
def test_separate_rank_one(h):
    col, row = cl.separate(h)
    np.testing.assert_allclose(np.outer(col, row), h, atol=1e-14 * np.abs(h).max())
    big = col[np.argmax(np.abs(col))]
    assert abs(big.imag) < 1e-14 and big.real > 0


def test_gaussian_factors_are_the_1d_gaussian():
    col, row = cl.separate(K.gaussian2d(2.0))
    g = K.gaussian(2.0)
    np.testing.assert_allclose(col, g, atol=1e-15)
    np.testing.assert_allclose(row, g, atol=1e-15)


@pytest.mark.parametrize("h", [K.laplacian(), K.disk(3), K.laplacian_of_gaussian(1.0),
                               K.scharr(), np.eye(4)])
def test_separate_refuses_rank_above_one(h):
    with pytest.raises(ValueError, match="separate: kernel must have rank 1"):
        cl.separate(h)


RANK_ONE = [K.gaussian2d(1.5), K.box((3, 5)), K.sobel(0), np.outer([1j, 2, -1], [1, 1j]),
            np.zeros((3, 3)), [[7.0]], np.array([[1, 2, 3]], dtype=np.int16)]
RANK_TWO_OR_MORE = [K.laplacian(), K.disk(3), K.laplacian_of_gaussian(1.0), K.scharr(),
                    np.eye(4)]


@pytest.mark.parametrize("h", RANK_ONE + RANK_TWO_OR_MORE)
def test_is_separable_is_whether_separate_returns(h):
    try:
        cl.separate(h)
        splits = True
    except ValueError:
        splits = False
    assert cl.is_separable(h) is splits
    assert splits == (np.linalg.matrix_rank(np.asarray(h, dtype=complex)) <= 1)


def test_is_separable_tol_and_errors():
    near = np.outer([1.0, 2.0, 1.0], [1.0, 0.0, -1.0]) + 1e-9 * np.eye(3)
    assert not cl.is_separable(near)
    assert cl.is_separable(near, tol=1e-6)
    with pytest.raises(ValueError, match="is_separable: kernel must hold finite values"):
        cl.is_separable([[1.0, np.nan], [0.0, 1.0]])
    with pytest.raises(ValueError, match="is_separable: tol must be >= 0"):
        cl.is_separable(np.ones((2, 2)), tol=-1.0)
    with pytest.raises(ValueError, match="is_separable"):
        cl.is_separable(np.ones(3))


def test_separate_tol_accepts_near_rank_one():
    h = np.outer([1.0, 2.0], [3.0, 4.0])
    h[0, 0] += 1e-6
    with pytest.raises(ValueError, match="must have rank 1"):
        cl.separate(h)
    col, row = cl.separate(h, tol=1e-5)
    np.testing.assert_allclose(np.outer(col, row), h, atol=1e-6)


def test_zero_kernel_is_separable():
    col, row = cl.separate(np.zeros((2, 3)))
    np.testing.assert_array_equal(np.outer(col, row), np.zeros((2, 3)))


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 7), n=st.integers(1, 7), seed=st.integers(0, 2**16))
def test_low_rank_eckart_young(m, n, seed):
    h = np.random.default_rng(seed).standard_normal((m, n))
    s = np.linalg.svd(h, compute_uv=False)
    for r in range(1, min(m, n) + 1):
        terms = cl.low_rank(h, r)
        assert len(terms) == r
        approx = sum(np.outer(c, w) for c, w in terms)
        err = np.linalg.norm(h - approx)
        assert abs(err - np.sqrt((s[r:] ** 2).sum())) <= 1e-12 * (s[0] + 1)
    np.testing.assert_allclose(approx, h, atol=1e-12 * (s[0] + 1))


def test_separate_nd_3d():
    f = [np.array([1.0, 2, 1]), np.array([1.0, -1]), np.array([0.5, 1, 1, 0.5])]
    h = outer_nd(f)
    g = separate_nd(h)
    assert [v.shape for v in g] == [(3,), (2,), (4,)]
    np.testing.assert_allclose(outer_nd(g), h, atol=1e-14)
    assert separate_nd([1, 2, 3])[0].tolist() == [1.0, 2.0, 3.0]
    h[0, 0, 0] += 1
    with pytest.raises(ValueError, match="separate_nd: kernel must have rank 1"):
        separate_nd(h)


# ---- method='separable' against SciPy ----------------------------------------------------

@st.composite
def separable_case(draw):
    ndim = draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([np.int64, np.float64, np.float32, np.complex128]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x_shape = tuple(draw(st.integers(1, 7)) for _ in range(ndim))
    h_shape = tuple(draw(st.integers(1, 5)) for _ in range(ndim))

    def sample(shape):
        if dtype == np.int64:
            return rng.integers(-9, 10, shape)
        v = rng.standard_normal(shape)
        if dtype == np.complex128:
            v = v + 1j * rng.standard_normal(shape)
        return v.astype(dtype)

    x = sample(x_shape)
    h = outer_nd([sample((n,)) for n in h_shape]).astype(dtype)
    return x, h


@settings(max_examples=80, deadline=None)
@given(case=separable_case(), mode=st.sampled_from(MODES))
def test_method_separable_equals_scipy(case, mode):
    x, h = case
    try:
        expected = scipy.signal.convolve(x, h, mode, method="direct")
    except ValueError:  # 'valid' with neither input larger in every axis
        with pytest.raises(ValueError, match="valid"):
            cl.convolve(x, h, mode, method="separable")
        return
    if mode == "valid" and cl.shapes.valid_swap_needed(x.shape, h.shape):
        # the dispatcher swaps the inputs; x is then the kernel, separable or not
        reason = serves_separable(h, x, mode)
        if reason is not None:
            with pytest.raises(MethodCannotServe, match=re.escape(reason)):
                cl.convolve(x, h, mode, method="separable")
            return
    assert serves_separable(x, h, mode) is None
    check_close(cl.convolve(x, h, mode, method="separable"), expected, x, h)


@pytest.mark.parametrize("mode", MODES)
def test_integer_path_is_exact_with_large_values(mode):
    rng = np.random.default_rng(3)
    x = rng.integers(-10**6, 10**6, (20, 30))
    h = np.outer([3, -7, 2], [5, 1, -4, 6])  # pivot 42: exact division at the end
    np.testing.assert_array_equal(cl.convolve(x, h, mode, method="separable"),
                                  scipy.signal.convolve(x, h, mode, method="direct"))


def test_float_input_integer_kernel():
    x = np.random.default_rng(0).standard_normal((9, 8))
    out = cl.convolve(x, K.sobel(1), "same", method="separable")
    np.testing.assert_allclose(out, scipy.signal.convolve2d(x, K.sobel(1), "same"),
                               atol=1e-13)


def test_photo_gaussian_blur():
    img = cl.data.photo()[::4, ::4]
    h = K.gaussian2d(2.0)
    np.testing.assert_allclose(cl.convolve(img, h, "same", method="separable"),
                               scipy.signal.convolve2d(img, h, "same"), atol=1e-12)


def test_inputs_not_modified():
    x = np.arange(12.0).reshape(3, 4)
    h = K.gaussian2d(1.0, radius=1)
    x0, h0 = x.copy(), h.copy()
    cl.convolve(x, h, method="separable")
    cl.separate(h)
    cl.low_rank(h, 2)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(h, h0)


# ---- errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("h", [K.laplacian(), np.array([[1, 2], [3, 4]])])
def test_method_refuses_integer_non_separable(h):
    with pytest.raises(ValueError, match=r"convolve: method 'separable' cannot serve these "
                       r"inputs: the kernel of shape \(\d, \d\) is not separable"):
        cl.convolve(np.ones((5, 5)), h, method="separable")


def test_method_refuses_float_non_separable_with_singular_values():
    with pytest.raises(ValueError, match=r"cannot serve these inputs: the kernel of shape "
                       r"\(7, 7\) is not separable \(not rank 1\): its singular values"):
        cl.correlate(np.ones((9, 9)), K.disk(3), method="separable")


def test_direct_impl_raises_method_cannot_serve():
    from convlib.dispatch import MethodCannotServe
    with pytest.raises(MethodCannotServe, match="not separable"):
        convolve_separable(np.ones((3, 3)), np.eye(2), "full")


@pytest.mark.parametrize("call, exc, match", [
    (lambda: cl.separate(np.ones(3)), ValueError, "separate: kernel must be 2-D; got 1-D"),
    (lambda: cl.separate(np.ones((0, 2))), ValueError, "separate: kernel must not be empty"),
    (lambda: cl.separate([["a"]]), TypeError, "separate: kernel must hold numbers"),
    (lambda: cl.separate(np.ones((2, 2)), tol=-1), ValueError, "separate: tol must be >= 0"),
    (lambda: cl.separate(np.ones((2, 2)), tol="1"), TypeError,
     "separate: tol must be a real number"),
    (lambda: cl.low_rank(np.eye(3), 0), ValueError,
     r"low_rank: rank must be between 1 and min\(M, N\) = 3; got 0"),
    (lambda: cl.low_rank(np.eye(3), 1.0), TypeError, "low_rank: rank must be an integer"),
    (lambda: cl.low_rank(np.ones(3), 1), ValueError, "low_rank: kernel must be 2-D"),
    (lambda: separate_nd(5), ValueError, "separate_nd: kernel must have at least 1"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_compiled_passes_equal_numpy_passes(monkeypatch, dtype):
    """The compiled passes (numba) give the NumPy passes' values bit for bit on 2-D and
    3-D inputs, within rounding on 1-D ones, in every mode; NaN stays in the outputs
    whose window holds it; 4-D inputs run the NumPy passes."""
    from convlib import compiled
    if not compiled.numba_available():
        pytest.skip("numba is not installed")
    rng = np.random.default_rng(11)
    for trial in range(40):
        ndim = 1 + trial % 4
        s1 = tuple(int(n) for n in rng.integers(1, 12, ndim))
        s2 = tuple(int(n) for n in rng.integers(1, 8, ndim))
        x = rng.standard_normal(s1).astype(dtype)
        if trial % 5 == 0:
            x[tuple(n // 2 for n in s1)] = np.nan
        h = outer_nd([rng.standard_normal(n) for n in s2]).astype(dtype)
        for mode in MODES:
            if mode == "valid" and not all(p >= q for p, q in zip(s1, s2)):
                continue
            fast = cl.convolve(x, h, mode, method="separable")
            with monkeypatch.context() as m:
                m.setattr(compiled, "USE_COMPILED", False)
                slow = cl.convolve(x, h, mode, method="separable")
            assert fast.dtype == slow.dtype == dtype and fast.shape == slow.shape
            if ndim in (2, 3):
                np.testing.assert_array_equal(fast, slow)
            else:
                np.testing.assert_allclose(fast, slow, rtol=1e-4 if dtype == np.float32
                                           else 1e-12, atol=1e-5)
            direct = cl.convolve(x, h, mode, method="direct")
            np.testing.assert_array_equal(np.isnan(fast), np.isnan(direct))


def test_rank1_certificate_without_svd():
    """_rank1_fast certifies exact rank-1 kernels (real, complex, float32) with factors
    equal to the SVD's up to rounding, and returns None (the SVD decides) for rank 2,
    for the zero kernel and for a kernel whose second singular value is below the
    tolerance but whose tail is not (rank 1 + delta * I)."""
    from convlib.separable import _rank1_fast, _rank1_or_not
    rng = np.random.default_rng(12)
    for dtype in (np.float64, np.float32, np.complex128):
        for shape in ((1, 1), (1, 7), (7, 1), (5, 9), (33, 33)):
            u, v = rng.standard_normal(shape[0]), rng.standard_normal(shape[1])
            if dtype == np.complex128:
                u = u + 1j * rng.standard_normal(shape[0])
            k = np.outer(u, v).astype(dtype)
            pair = _rank1_fast(k, None)
            assert pair is not None, (dtype, shape)
            col, row = pair
            ref_col, ref_row, _, _ = _rank1_or_not(k, None)
            tol = 1e-4 if dtype == np.float32 else 1e-10
            np.testing.assert_allclose(np.outer(col, row), k, atol=tol * np.abs(k).max())
            np.testing.assert_allclose(col, ref_col, atol=tol * np.abs(ref_col).max())
            np.testing.assert_allclose(row, ref_row, atol=tol * np.abs(ref_row).max())
    assert _rank1_fast(np.eye(3), None) is None
    assert _rank1_fast(np.zeros((3, 4)), None) is None
    x = rng.standard_normal((6, 7))
    for scale, dtype in ((1e-158, np.float64), (1e300, np.float64), (1e-30, np.float32),
                         (1e30, np.float32)):  # left to the SVD, which scales
        k = (scale * np.outer([1.0, 2.0, 3.0], [1.0, -1.0])).astype(dtype)
        assert _rank1_fast(k, None) is None
        assert serves_separable(x.astype(dtype), k) is None
        out = cl.convolve(x.astype(dtype), k, "full", method="separable")
        ref = scipy.signal.convolve(x.astype(np.float64), k.astype(np.float64), "full",
                                    method="direct")
        np.testing.assert_allclose(out / scale, ref / scale, rtol=1e-4, atol=1e-4)
    assert not rank1_to_rounding(np.zeros((3, 4)), np.float64)
    g = np.outer(K.gaussian(2.0), K.gaussian(2.0))
    tol = 0.5 * np.linalg.svd(g, compute_uv=False)[0] * g.shape[0] * np.finfo(float).eps
    near = g + tol * np.eye(g.shape[0])  # s_2 <= tol, the tail's norm above it
    assert _rank1_fast(near, None) is None
    assert serves_separable(np.ones((20, 20)), near) is None  # the SVD's verdict
    x = rng.standard_normal((20, 20))
    np.testing.assert_allclose(cl.convolve(x, near, "same", method="separable"),
                               scipy.signal.convolve(x, near, "same", "direct"),
                               atol=1e-12)
    assert not rank1_to_rounding(near, np.float64)


def test_rank1_to_rounding_agrees_with_the_svd_rule():
    rng = np.random.default_rng(13)
    for trial in range(50):
        m, n = (int(v) for v in rng.integers(1, 12, 2))
        k = np.outer(rng.standard_normal(m), rng.standard_normal(n))
        if trial % 2:
            k = k + 10.0 ** -rng.integers(6, 17) * rng.standard_normal((m, n))
        for dtype in (np.float64, np.float32):
            s = np.linalg.svd(k.astype(dtype), compute_uv=False)
            bound = s[0] * max(m, n) * np.finfo(dtype).eps
            tail = np.sqrt(np.sum(s[1:] ** 2))
            if abs(tail - bound) > 0.1 * bound:  # not at the rounding-level boundary
                assert rank1_to_rounding(k, dtype) == bool(tail <= bound)


def test_float32_kernels_factor_and_run_in_float32(monkeypatch):
    """A float32 rank-1 kernel factors into float32 vectors (the last factor was
    float64, which made float32 images run both passes in float64), and the passes
    run in float32 (the NumPy passes spied on): a float32 result within float32
    rounding of SciPy's float64 convolution."""
    rng = np.random.default_rng(5)
    col = rng.standard_normal(7).astype(np.float32)
    row = rng.standard_normal(5).astype(np.float32)
    h = np.outer(col, row)
    x = rng.standard_normal((40, 33)).astype(np.float32)
    factors = separate_nd(h)
    assert [f.dtype for f in factors] == [np.float32, np.float32]
    assert [f.dtype for f in separate_nd(np.arange(3))] == [np.float64]  # integers
    seen = []
    real_direct = separable.convolve_direct
    monkeypatch.setattr(separable, "use_compiled", lambda *a: False)
    monkeypatch.setattr(separable, "convolve_direct",
                        lambda a, b, mode: seen.append((a.dtype, b.dtype))
                        or real_direct(a, b, mode))
    got = cl.convolve(x, h, "same", method="separable")
    assert got.dtype == np.float32
    assert seen == [(np.float32, np.float32)] * 2
    want = scipy.signal.convolve(x.astype(np.float64), h.astype(np.float64), "same")
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_clearly_not_rank1_never_contradicts_the_svd_rule(monkeypatch):
    """The cheap 'not rank 1' certificate of rank1_to_rounding: on rank-1 kernels
    perturbed by 1e-20 to 1 (both dtypes) it never says 'not rank 1' where the SVD rule
    says rank 1, it does say so for clearly full-rank kernels, and then no SVD runs."""
    from convlib.separable import _clearly_not_rank1
    rng = np.random.default_rng(8)
    certified = 0
    for _ in range(1500):
        m, n = rng.integers(2, 12, 2)
        k = np.outer(rng.standard_normal(m), rng.standard_normal(n))
        k = k + 10.0 ** rng.uniform(-20, 0) * rng.standard_normal((m, n))
        for dtype in (np.float32, np.float64):
            kk = k.astype(dtype)
            s = np.linalg.svd(kk, compute_uv=False)
            rank1 = np.sqrt(np.sum(s[1:] ** 2)) <= s[0] * max(kk.shape) * np.finfo(dtype).eps
            if _clearly_not_rank1(kk, np.dtype(dtype)):
                certified += 1
                assert not rank1
    assert certified > 500
    monkeypatch.setattr(np.linalg, "svd", lambda *a, **k: pytest.fail("SVD ran"))
    assert not rank1_to_rounding(rng.standard_normal((63, 63)), np.float64)
    assert not rank1_to_rounding(rng.standard_normal((9, 9)).astype(np.float32), np.float32)


def test_rank1_to_rounding_leaves_complex_kernels_to_the_svd():
    """The cheap 'not rank 1' certificate squares real samples: a complex kernel (cast
    to float64 it would lose its imaginary part) is left to the SVD's rule, so a
    complex rank-1 kernel is rank 1 and a complex full-rank one is not."""
    rng = np.random.default_rng(30)
    col = rng.standard_normal(5) + 1j * rng.standard_normal(5)
    row = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    k = np.outer(col, row)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning: the imaginary part is kept
        assert rank1_to_rounding(k, np.complex128)
        assert rank1_to_rounding(k.astype(np.complex64), np.complex64)
        assert not rank1_to_rounding(k + 1j * np.eye(5, 4), np.complex128)

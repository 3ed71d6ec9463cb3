"""convlib.convolve / correlate / choose_method: every method against NumPy and SciPy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st

import convlib as cl
from convlib.dispatch import METHODS, PLANNED_METHODS, RESTRICTED_METHODS

from support import MODES, array_pairs, assert_close, bound, scipy_or_none

# Methods that serve only some inputs (dispatch.RESTRICTED_METHODS; MethodCannotServe
# otherwise) have their module's test file check them on the inputs they serve and check
# the refusals. Here 'separable' runs only where it serves every input (1-D: every 1-D
# kernel is separable); the others run everywhere through run(), which skips refusals.
RESTRICTED = {"separable"}
GENERAL = [m for m in METHODS if m not in RESTRICTED]
# 'loops' is slow: it is tested on the same random grids but with smaller sides.
FAST = [m for m in GENERAL if m != "loops"]

# FFT-based methods spread rounding error over the whole output (every output sample is
# an inverse DFT of all the products), so their error is bounded relative to the largest
# sum of |terms| (times a few ulps and log2 of the FFT length), not the local one.
GLOBAL_ERROR = {"fft", "overlap_add"}


def method_scale(method, scale):
    """The error scale of ``method``: local for sums of products, global for FFTs."""
    return np.full_like(scale, scale.max()) if method in GLOBAL_ERROR else scale


def run(func, a, b, mode, method):
    """``func(a, b, mode, method)``, or None when a method of RESTRICTED_METHODS refuses
    inputs outside its domain (its own test module covers that domain)."""
    try:
        return func(a, b, mode, method)
    except ValueError as exc:
        if method in RESTRICTED_METHODS and "cannot serve these inputs" in str(exc):
            return None
        raise


# ---- hand-computed literals -------------------------------------------------------------

@pytest.mark.parametrize("method", list(METHODS) + ["auto"])
def test_literals_1d(method):
    assert cl.convolve([3, 1, 2], [1, 2, -1], method=method).tolist() == [3, 7, 1, 3, -2]
    assert cl.convolve([3, 1, 2], [1, 2, -1], "same", method).tolist() == [7, 1, 3]
    assert cl.convolve([3, 1, 2], [1, 2, -1], "valid", method).tolist() == [1]
    assert cl.correlate([3, 1, 2], [1, 2, -1], method=method).tolist() == [-3, 5, 3, 5, 2]


@pytest.mark.parametrize("method", GENERAL)
def test_literal_2d(method):
    x = np.array([[1, 2], [3, 4]])
    h = np.array([[0, 1], [1, 0]])
    if method == "winograd":  # a 3x3 kernel: the same literal with a zero row and column
        h = np.pad(h, ((0, 1), (0, 1)))
        assert cl.convolve(x, h, method=method)[:3, :3].tolist() == [[0, 1, 2], [1, 5, 4],
                                                                      [3, 4, 0]]
        return
    assert cl.convolve(x, h, method=method).tolist() == [[0, 1, 2], [1, 5, 4], [3, 4, 0]]


def test_scalars_multiply_like_scipy():
    out = cl.convolve(np.float32(2), np.float32(3))
    assert out == 6 and out.dtype == np.float32 and out.shape == ()


# ---- differential tests against SciPy and NumPy --------------------------------------------

@pytest.mark.parametrize("method", FAST)
@pytest.mark.parametrize("mode", MODES)
@given(pair=array_pairs())
def test_convolve_equals_scipy(method, mode, pair):
    a, b = pair
    ref = scipy_or_none(scipy.signal.convolve, a, b, mode, method="direct")
    if ref is None:
        with pytest.raises(ValueError, match="at least as large"):
            cl.convolve(a, b, mode, method)
        return
    scale = bound(a, b, lambda u, v: scipy.signal.convolve(u, v, mode, method="direct"))
    out = run(cl.convolve, a, b, mode, method)
    if out is not None:
        assert_close(out, ref, method_scale(method, scale))


@pytest.mark.parametrize("method", FAST)
@pytest.mark.parametrize("mode", MODES)
@given(pair=array_pairs())
def test_correlate_equals_scipy(method, mode, pair):
    a, b = pair
    ref = scipy_or_none(scipy.signal.correlate, a, b, mode, method="direct")
    if ref is None:
        return
    scale = bound(a, b, lambda u, v: scipy.signal.correlate(u, v, mode, method="direct"))
    out = run(cl.correlate, a, b, mode, method)
    if out is not None:
        assert_close(out, ref, method_scale(method, scale))


@pytest.mark.parametrize("mode", MODES)
@given(pair=array_pairs(max_side=4))
def test_loops_equals_scipy(mode, pair):
    a, b = pair
    ref = scipy_or_none(scipy.signal.convolve, a, b, mode, method="direct")
    if ref is None:
        return
    scale = bound(a, b, lambda u, v: scipy.signal.convolve(u, v, mode, method="direct"))
    assert_close(cl.convolve(a, b, mode, "loops"), ref, scale)


@pytest.mark.parametrize("method", list(METHODS))
@given(pair=array_pairs(ndim=1, max_side=12, dtypes=[np.int64, np.float64]))
def test_1d_equals_numpy_full(method, pair):
    a, b = pair
    out = run(cl.convolve, a, b, "full", method)
    if out is not None:
        assert_close(out, np.convolve(a, b), bound(a, b, np.convolve))


@given(pair=array_pairs(ndim=1, max_side=10, dtypes=[np.int64]))
def test_integer_results_are_exact(pair):
    # large values: a float64 detour would lose the low digits
    a, b = (v.astype(np.int64) * 10_000_019 for v in pair)
    assert np.array_equal(cl.convolve(a, b), np.convolve(a, b))


# ---- dtype rules ------------------------------------------------------------------------------

@pytest.mark.parametrize("t1, t2", [
    (np.int8, np.int16), (np.int32, np.int64), (np.uint8, np.int8), (np.float32, np.float32),
    (np.float32, np.int8), (np.float32, np.float64), (np.float32, np.complex64),
    (np.int64, np.float32), (np.float64, np.complex128), (np.bool_, np.bool_),
])
@pytest.mark.parametrize("method", list(METHODS) + ["auto"])
def test_result_dtype_is_scipys(t1, t2, method):
    a = np.array([1, 0, 1, 1], dtype=t1)
    b = np.array([1, 1], dtype=t2)
    if method == "winograd":  # a 3-tap kernel
        b = np.array([1, 1, 0], dtype=t2)
    ref = scipy.signal.convolve(a, b, method="direct")
    out = cl.convolve(a, b, method=method)
    assert out.dtype == ref.dtype == np.result_type(a, b)
    np.testing.assert_array_equal(out, ref)


# ---- identities -------------------------------------------------------------------------------

@given(pair=array_pairs(dtypes=[np.int64]))
def test_commutative_and_correlation_relation(pair):
    a, b = pair
    assert np.array_equal(cl.convolve(a, b), cl.convolve(b, a))
    flipped = b[(slice(None, None, -1),) * b.ndim]
    assert np.array_equal(cl.correlate(a, b), cl.convolve(a, flipped))
    # swapping correlation's inputs reverses the full output
    assert np.array_equal(cl.correlate(a, b),
                          cl.correlate(b, a)[(slice(None, None, -1),) * a.ndim])


@given(pair=array_pairs(dtypes=[np.int64]), c=st.lists(st.integers(-5, 5), min_size=1,
                                                         max_size=4))
def test_associative_and_identity(pair, c):
    a, b = pair
    c = np.array(c).reshape((-1,) + (1,) * (a.ndim - 1))
    assert np.array_equal(cl.convolve(cl.convolve(a, b), c),
                          cl.convolve(a, cl.convolve(b, c)))
    delta = np.ones((1,) * a.ndim, dtype=int)
    assert np.array_equal(cl.convolve(a, delta), a)


def test_complex_conjugates_in_correlation():
    a = np.array([1 + 1j, 2, 3j])
    b = np.array([1j, 1])
    # z[k] = sum_n a[n + k] conj(b[n]), k = -1, 0, 1, 2
    expected = [a[0] * 1, a[0] * -1j + a[1], a[1] * -1j + a[2], a[2] * -1j]
    np.testing.assert_allclose(cl.correlate(a, b), expected)


# ---- inputs are never modified ----------------------------------------------------------------

@pytest.mark.parametrize("method", GENERAL)
@pytest.mark.parametrize("func", [cl.convolve, cl.correlate])
def test_inputs_not_modified(method, func, rng):
    a = rng.standard_normal((4, 5))
    b = rng.standard_normal((3, 2))
    a.flags.writeable = False  # any write would raise
    b.flags.writeable = False
    if method == "winograd":  # a 3x3 kernel
        b = rng.standard_normal((3, 3))
        b.flags.writeable = False
    before = a.copy(), b.copy()
    for mode in MODES:
        func(a, b, mode, method)
    assert np.array_equal(a, before[0]) and np.array_equal(b, before[1])


def test_accepts_lists_and_noncontiguous_views(rng):
    a = rng.standard_normal((8, 9))[::2, ::-3]
    b = rng.standard_normal((3, 3)).T
    np.testing.assert_allclose(cl.convolve(a, b), scipy.signal.convolve(a, b), atol=1e-12)
    assert cl.convolve([1, 2], [3]).tolist() == [3, 6]


# ---- errors -----------------------------------------------------------------------------------

@pytest.mark.parametrize("func, name", [(cl.convolve, "convolve"),
                                        (cl.correlate, "correlate")])
@pytest.mark.parametrize("args, kwargs, exc, message", [
    (([], [1]), {}, ValueError, r"in1 must not be empty; got shape \(0,\)"),
    (([1], np.zeros((2, 0))), {}, ValueError, r"in2 must not be empty"),
    ((["a", "b"], [1]), {}, TypeError, r"in1 must hold numbers .*; got dtype <U1"),
    (([1], [None]), {}, TypeError, r"in2 must hold numbers .*; got dtype object"),
    (([[1, 2], [3]], [1]), {}, TypeError, r"in1 must be array_like of numbers"),
    (([1, 2], [[1]]), {}, ValueError,
     r"in1 and in2 must have the same number of dimensions; got 1-D in1 of shape \(2,\) "
     r"and 2-D in2 of shape \(1, 1\)"),
    (([1, 2], [1]), {"mode": "middle"}, ValueError,
     r"mode must be one of 'full', 'same', 'valid'; got 'middle'"),
    (([1, 2], [1]), {"method": "magic"}, ValueError,
     r"method must be one of 'auto', 'loops', 'direct'.*; got 'magic'"),
    (([1, 2], [1]), {"method": 3}, ValueError, r"method must be one of .*; got 3"),
    ((np.ones((2, 3)), np.ones((3, 2))), {"mode": "valid"}, ValueError,
     r"in 'valid' mode one input must be at least as large as the other in every "
     r"dimension; got shapes \(2, 3\) and \(3, 2\)"),
])
def test_errors_name_function_and_argument(func, name, args, kwargs, exc, message):
    with pytest.raises(exc, match=f"^{name}: {message}"):
        func(*args, **kwargs)


def test_every_method_of_the_contract_is_implemented():
    contract = {"loops", "direct", "fft", "overlap_add", "toeplitz", "im2col", "separable",
                "winograd"}
    assert contract <= set(METHODS) and not set(PLANNED_METHODS) - set(METHODS)


def test_planned_methods_are_refused_clearly(monkeypatch):
    # the mechanism later chapters used while their method was not there yet
    monkeypatch.setitem(PLANNED_METHODS, "quantum", "chapter 99 (the future)")
    with pytest.raises(ValueError, match=r"^convolve: method 'quantum' is not implemented "
                                         r"yet \(it arrives with chapter 99 \(the future\)\); "
                                         r"available: 'auto', 'loops', 'direct'"):
        cl.convolve([1, 2, 3], [1, 1], method="quantum")


def test_method_that_cannot_serve_is_reported(monkeypatch):
    from convlib.dispatch import MethodCannotServe

    def picky(in1, in2, mode):
        raise MethodCannotServe("it needs a kernel of length 3; got shape (2,)")

    monkeypatch.setitem(METHODS, "picky", picky)
    with pytest.raises(ValueError, match=r"^correlate: method 'picky' cannot serve these "
                                         r"inputs: it needs a kernel of length 3"):
        cl.correlate([1, 2, 3], [1, 1], method="picky")


def test_choose_method_names_an_implemented_method():
    assert cl.choose_method([1, 2, 3], [1, 1]) in METHODS
    assert cl.choose_method(np.ones((40, 40)), np.ones((3, 3)), "same") != "loops"
    with pytest.raises(ValueError, match="^choose_method: mode must be one of"):
        cl.choose_method([1], [1], mode="nope")

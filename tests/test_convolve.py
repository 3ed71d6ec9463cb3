"""convlib.convolve / correlate / choose_method: every method against NumPy and SciPy."""

from __future__ import annotations

import re

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import convlib as cl
from convlib.direct import reverse_conj
from convlib.dispatch import METHODS, Method, MethodCannotServe

from support import MODES, array_pairs, assert_close, bound, elements, scipy_or_none

# Methods that serve only some inputs: METHODS[m].serves names the others. The
# differential tests below draw each method's inputs from its domain (domain_pairs);
# test_serves_is_exactly_the_domain checks the predicates themselves. The hand-written
# 2-D literal has a rank-2 kernel, which 'separable' does not serve.
GENERAL = [m for m in METHODS if m != "separable"]
# 'loops' is slow: it is tested on the same random grids but with smaller sides.
FAST = [m for m in METHODS if m != "loops"]

# FFT-based methods spread rounding error over the whole output (every output sample is
# an inverse DFT of all the products), so their error is bounded relative to the largest
# sum of |terms| (times a few ulps and log2 of the FFT length), not the local one. So is
# 'separable' with a floating kernel: its SVD factors carry a few ulps of the kernel's
# norm into every tap (an exact zero tap becomes about eps * |h|), as in
# tests/test_separable.py.
GLOBAL_ERROR = {"fft", "overlap_add", "separable"}


def method_scale(method, scale, a=None, b=None, reference=None):
    """The error scale of ``method``: local for sums of products, global for FFTs.
    Winograd (F(2, 3)) computes a tile of outputs from one transformed input window
    and the transformed kernel, each of whose entries mixes all of a kernel's taps, so
    its rounding is of the window's ``sum |x|`` times the kernel's ``sum |b|``
    (``reference(|a|, ones)`` times ``sum |b|``, ``reference`` the convolution that
    made ``scale``), and it spreads across the tile: the largest of that over a 3-wide
    window centred on the output, which covers every 2-wide tile that holds it. An
    output whose own terms are all zero may so carry the rounding of a large term of
    the same tile (hypothesis: a 1 x 1 float32 input by a 3 x 3 kernel with one large
    corner tap gave -1.5e-5 where the exact result is 0)."""
    if method in GLOBAL_ERROR:
        return np.full_like(scale, scale.max())
    if method == "winograd" and scale.ndim:
        local = scale
        if reference is not None:
            spread = reference(np.abs(a).astype(float), np.ones(np.shape(b)))
            local = np.maximum(scale, spread * float(np.abs(b).sum()))
        return scipy.ndimage.maximum_filter(local, size=3, mode="nearest")
    return scale


def dispatched(a, b, mode):
    """``(a, b)`` as the dispatcher hands them to a method (in 'valid' mode the larger
    first), or None if 'valid' mode has no input at least as large as the other."""
    if mode != "valid":
        return a, b
    try:
        swap = cl.shapes.valid_swap_needed(a.shape, b.shape)
    except ValueError:
        return None
    return (b, a) if swap else (a, b)


def serves(method, a, b, mode, correlate=False):
    """``METHODS[method].serves`` on the inputs the dispatcher passes the method for
    ``convolve(a, b, mode)`` (or ``correlate``); True where no output exists ('valid'
    mode with no input at least as large), which every method reports alike."""
    inputs = dispatched(a, reverse_conj(b) if correlate else b, mode)
    return inputs is None or METHODS[method].serves(*inputs, mode) is None


@st.composite
def low_ndim_pairs(draw, ndim=None, **kwargs):
    """``array_pairs`` in 1-D or 2-D."""
    return draw(array_pairs(ndim=ndim or draw(st.integers(1, 2)), **kwargs))


@st.composite
def rank1_pairs(draw, ndim=None, **kwargs):
    """``array_pairs`` with ``b`` an outer product of 1-D vectors (rank 1)."""
    a, b = draw(array_pairs(ndim=ndim, **kwargs))
    outer = np.ones((), dtype=b.dtype)
    for n in b.shape:
        outer = np.multiply.outer(outer, draw(hnp.arrays(b.dtype, n,
                                                         elements=elements(b.dtype))))
    return a, outer.astype(b.dtype)


@st.composite
def three_tap_pairs(draw, ndim=None, **kwargs):
    """``array_pairs`` in 1-D or 2-D with a 3-tap (3 x 3) kernel as ``b`` or ``a``."""
    a, b = draw(low_ndim_pairs(ndim=ndim, **kwargs))
    three = draw(hnp.arrays(b.dtype, (3,) * a.ndim, elements=elements(b.dtype)))
    return (three, a) if draw(st.booleans()) else (a, three)


#: Strategies that build pairs inside each restricted method's domain; domain_pairs
#: filters them by the predicate (a float rank-1 kernel may round to rank 2, a 3 x 3
#: first input serves only in 'full' and 'valid' modes).
BUILDERS = {"separable": rank1_pairs, "winograd": three_tap_pairs,
            "toeplitz": low_ndim_pairs, "im2col": low_ndim_pairs}


def domain_pairs(method, mode, correlate=False, **kwargs):
    """Pairs of arrays (``array_pairs``' arguments) that ``method`` serves in ``mode``."""
    build = BUILDERS.get(method, array_pairs)
    return build(**kwargs).filter(lambda p: serves(method, *p, mode, correlate))


# ---- hand-computed literals -------------------------------------------------------------

@pytest.mark.parametrize("method", list(METHODS) + ["auto"])
def test_literals_1d(method):
    x = [3.0, 1, 2] if method == "compiled" else [3, 1, 2]  # 'compiled': floats only
    assert cl.convolve(x, [1, 2, -1], method=method).tolist() == [3, 7, 1, 3, -2]
    assert cl.convolve(x, [1, 2, -1], "same", method).tolist() == [7, 1, 3]
    assert cl.convolve(x, [1, 2, -1], "valid", method).tolist() == [1]
    assert cl.correlate(x, [1, 2, -1], method=method).tolist() == [-3, 5, 3, 5, 2]


@pytest.mark.parametrize("method", GENERAL)
def test_literal_2d(method):
    x = np.array([[1, 2], [3, 4]], dtype=float if method == "compiled" else int)
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
@given(data=st.data())
def test_convolve_equals_scipy(method, mode, data):
    a, b = data.draw(domain_pairs(method, mode), label="pair")
    ref = scipy_or_none(scipy.signal.convolve, a, b, mode, method="direct")
    if ref is None:
        with pytest.raises(ValueError, match="at least as large"):
            cl.convolve(a, b, mode, method)
        return
    conv = lambda u, v: scipy.signal.convolve(u, v, mode, method="direct")  # noqa: E731
    scale = bound(a, b, conv)
    assert_close(cl.convolve(a, b, mode, method), ref,
                 method_scale(method, scale, a, b, conv))


@pytest.mark.parametrize("method", FAST)
@pytest.mark.parametrize("mode", MODES)
@given(data=st.data())
def test_correlate_equals_scipy(method, mode, data):
    a, b = data.draw(domain_pairs(method, mode, correlate=True), label="pair")
    ref = scipy_or_none(scipy.signal.correlate, a, b, mode, method="direct")
    if ref is None:
        return
    corr = lambda u, v: scipy.signal.correlate(u, v, mode, method="direct")  # noqa: E731
    scale = bound(a, b, corr)
    assert_close(cl.correlate(a, b, mode, method), ref,
                 method_scale(method, scale, a, b, corr))


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
@given(data=st.data())
def test_1d_equals_numpy_full(method, data):
    a, b = data.draw(domain_pairs(method, "full", ndim=1, max_side=12,
                                  dtypes=[np.int64, np.float64]), label="pair")
    assert_close(cl.convolve(a, b, "full", method), np.convolve(a, b),
                 bound(a, b, np.convolve))


# ---- every method's domain is its predicate -------------------------------------------

def inside_and_outside(method):
    """Pairs of every kind: inside ``method``'s domain (as built for it) and anywhere."""
    inside = BUILDERS.get(method, array_pairs)(max_side=5)
    return st.one_of(inside, array_pairs(max_side=5))


@pytest.mark.parametrize("method", FAST)
@pytest.mark.parametrize("mode", MODES)
@given(data=st.data())
def test_serves_is_exactly_the_domain(method, mode, data):
    """Where ``serves`` says None the method runs and agrees with SciPy; where it gives
    a reason, the implementation raises MethodCannotServe with that reason and
    ``convolve`` reports it, naming itself and the method."""
    a, b = data.draw(inside_and_outside(method), label="pair")
    inputs = dispatched(a, b, mode)
    if inputs is None:  # no 'valid' output: not a question of the method
        return
    reason = METHODS[method].serves(*inputs, mode)
    if reason is None:
        ref = scipy_or_none(scipy.signal.convolve, a, b, mode, method="direct")
        conv = lambda u, v: scipy.signal.convolve(u, v, mode, method="direct")  # noqa: E731
        scale = bound(a, b, conv)
        assert_close(cl.convolve(a, b, mode, method), ref,
                     method_scale(method, scale, a, b, conv))
        return
    assert isinstance(reason, str) and reason
    with pytest.raises(MethodCannotServe) as exc:
        METHODS[method].run(*inputs, mode)
    assert str(exc.value) == reason
    with pytest.raises(MethodCannotServe, match="^" + re.escape(
            f"convolve: method {method!r} cannot serve these inputs: {reason}") + "$"):
        cl.convolve(a, b, mode, method)


@pytest.mark.parametrize("method, a, b, reason", [
    ("separable", np.ones((4, 4)), np.array([[1.0, np.nan], [1, 1]]),
     "the kernel of shape (2, 2) holds nan at index (0, 1), and a kernel with NaN or "
     "infinity has no rank-1 factors; use method='direct'"),
    ("separable", np.ones((4, 4), np.float16), np.ones((2, 2), np.float16),
     "the kernel is factored by an SVD, which numpy.linalg does not compute in float16; "
     "use method='direct'"),
    ("separable", np.ones((4, 4)), np.array([[1, 2], [3, 4]]),
     "the kernel of shape (2, 2) is not separable (not an outer product of 1-D kernels, "
     "i.e. not rank 1); approximate it with low_rank or use method='direct'"),
    ("toeplitz", np.broadcast_to(1.0, (10**6,)), np.broadcast_to(1.0, (10**4,)), None),
    ("im2col", np.broadcast_to(1.0, (3000, 3000)), np.broadcast_to(1.0, (200, 200)), None),
    ("winograd", np.ones((3, 3)), np.ones((4, 4)), "'winograd' (F(2,3) / F(2x2,3x3)) "
     "needs a 3x3 kernel as in2; got in2 of shape (4, 4)"),
])
def test_serves_refuses_the_edges_of_the_domain(method, a, b, reason):
    """Refusals random inputs do not reach: non-finite, float16 and integer kernels,
    matrices too large to build (no memory is allocated), 'same' mode with the 3 x 3
    input first."""
    got = METHODS[method].serves(a, b, "same")
    assert got is not None and (reason is None or got == reason)
    with pytest.raises(MethodCannotServe, match="^" + re.escape(got) + "$"):
        METHODS[method](a, b, "same")
    with pytest.raises(MethodCannotServe, match="^" + re.escape(
            f"convolve: method {method!r} cannot serve these inputs: {got}") + "$"):
        cl.convolve(a, b, "same", method)


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
    reason = METHODS[method].serves(a, b, "full") if method in METHODS else None
    if reason is not None:  # 'compiled': float32 and float64 only
        with pytest.raises(MethodCannotServe, match=re.escape(reason)):
            cl.convolve(a, b, method=method)
        return
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

@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("func", [cl.convolve, cl.correlate])
def test_inputs_not_modified(method, func, rng):
    a = rng.standard_normal((4, 5))
    b = np.outer([1.0, -2.0, 0.5], [3.0, 1.0, -1.0])   # 3 x 3 and rank 1: every method
    a.flags.writeable = False  # any write would raise
    b.flags.writeable = False
    before = a.copy(), b.copy()
    for mode in MODES:
        assert serves(method, a, b, mode, correlate=func is cl.correlate)
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
    assert contract <= set(METHODS)
    for name, method in METHODS.items():
        assert isinstance(method, Method) and method.name == name and method.summary
        assert callable(method.run) and callable(method.serves)


def test_method_that_cannot_serve_is_reported(monkeypatch):
    def picky(in1, in2, mode):
        if in2.shape != (3,):
            return f"it needs a kernel of length 3; got shape {in2.shape}"
        return None

    def run(in1, in2, mode):
        raise AssertionError("run despite serves")

    monkeypatch.setitem(METHODS, "picky", Method("picky", run, picky, "a test method"))
    with pytest.raises(MethodCannotServe, match=r"^correlate: method 'picky' cannot "
                                                r"serve these inputs: it needs a kernel of "
                                                r"length 3; got shape \(2,\)$"):
        cl.correlate([1, 2, 3], [1, 1], method="picky")
    assert issubclass(MethodCannotServe, ValueError)   # what users catch


def test_choose_method_names_an_implemented_method():
    assert cl.choose_method([1, 2, 3], [1, 1]) in METHODS
    assert cl.choose_method(np.ones((40, 40)), np.ones((3, 3)), "same") != "loops"
    with pytest.raises(ValueError, match="^choose_method: mode must be one of"):
        cl.choose_method([1], [1], mode="nope")

"""convlib.sparse: rulebook sparse convolution against dense conv2d/conv3d, every error."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convlib import nn
from convlib import sparse as sp

DENSE = {2: nn.conv2d, 3: nn.conv3d}


@st.composite
def sparse_case(draw):
    """A random active set on a small 2-D or 3-D grid, with a kernel that fits."""
    D = draw(st.sampled_from([2, 2, 3]))
    shape = tuple(draw(st.integers(1, 7 if D == 2 else 4)) for _ in range(D))
    k = tuple(draw(st.integers(1, 4 if D == 2 else 3)) for _ in range(D))
    s = draw(st.integers(1, 3))
    p = draw(st.integers(max(0, max(-((n - ki) // 2) for ki, n in zip(k, shape))), 2))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    density = draw(st.sampled_from([0.05, 0.3, 1.0]))
    coords = np.argwhere(rng.random(shape) < density)
    if len(coords) == 0:
        coords = np.zeros((1, D), dtype=int)
    rng.shuffle(coords)                       # order must not matter
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    feats = rng.integers(-9, 10, (len(coords), c_in))
    weight = rng.integers(-5, 6, (c_out, c_in) + k)
    return coords, feats, weight, shape, s, p


def dense(coords, feats, shape):
    return sp.densify(coords, feats, shape)[None]


@given(sparse_case())
def test_regular_equals_dense_layer_exactly(case):
    coords, feats, weight, shape, s, p = case
    if any(n + 2 * p < k for n, k in zip(shape, weight.shape[2:])):
        return
    ref = DENSE[len(shape)](dense(coords, feats, shape), weight, stride=s, padding=p)[0]
    oc, of = sp.sparse_conv(coords, feats, weight, stride=s, padding=p, shape=shape)
    got = np.zeros_like(ref)
    got[(slice(None),) + tuple(oc.T)] = of.T
    np.testing.assert_array_equal(got, ref)          # integers: exact
    # every active output's window holds an active input; every other output reads none
    reach = DENSE[len(shape)](dense(coords, np.ones((len(coords), 1), int), shape),
                              np.ones((1, 1) + weight.shape[2:], int), stride=s,
                              padding=p)[0, 0]
    assert sorted(map(tuple, oc)) == sorted(map(tuple, np.argwhere(reach > 0)))


@given(sparse_case())
def test_submanifold_equals_same_layer_at_the_sites(case):
    coords, feats, weight, shape, _, _ = case
    ref = DENSE[len(shape)](dense(coords, feats, shape), weight, padding="same")[0]
    oc, of = sp.submanifold_conv(coords, feats, weight, shape=shape)
    np.testing.assert_array_equal(oc, coords)
    np.testing.assert_array_equal(of, ref[(slice(None),) + tuple(coords.T)].T)


@given(sparse_case())
def test_work_counts(case):
    coords, feats, weight, shape, s, p = case
    if any(n + 2 * p < k for n, k in zip(shape, weight.shape[2:])):
        return
    k = weight.shape[2:]
    rb = sp.rulebook(coords, k, s, p, shape=shape)
    # a brute-force count of (input site, output site, offset) triples
    out_shape = rb.out_shape
    brute = 0
    for o in np.ndindex(*out_shape):
        for i in np.ndindex(*k):
            u = tuple(s * oo - p + ii for oo, ii in zip(o, i))
            brute += any((coords == u).all(axis=1))
    assert rb.n_pairs == brute
    c_out, c_in = weight.shape[:2]
    assert rb.multiply_adds(c_in, c_out) == brute * c_in * c_out
    assert rb.dense_multiply_adds(c_in, c_out) == np.prod(out_shape) * np.prod(k) * \
        c_in * c_out
    assert rb.n_pairs <= np.prod(out_shape) * np.prod(k)


def test_float_dtypes_and_bias():
    rng = np.random.default_rng(3)
    coords = np.argwhere(rng.random((9, 8)) < 0.3)
    for dtype, tol in ((np.float32, 1e-5), (np.float64, 1e-12), (np.complex128, 1e-12)):
        # tolerance: a sum of at most C_in * 9 = 18 products of O(1) numbers, summed in
        # another order than the dense layer's matrix product: a few ulps per term
        f = rng.standard_normal((len(coords), 2)).astype(dtype)
        w = rng.standard_normal((3, 2, 3, 3)).astype(dtype)
        b = np.array([1.0, -2.0, 0.5], dtype=dtype)
        oc, of = sp.sparse_conv(coords, f, w, b, padding=1, shape=(9, 8))
        ref = nn.conv2d(dense(coords, f, (9, 8)), w, b, padding=1)[0]
        assert of.dtype == ref.dtype
        np.testing.assert_allclose(of, ref[(slice(None),) + tuple(oc.T)].T, rtol=tol,
                                   atol=tol)
        # inactive outputs of the dense layer hold only the bias
        inactive = np.ones((9, 8), bool)
        inactive[tuple(oc.T)] = False
        np.testing.assert_allclose(ref[:, inactive].T, np.broadcast_to(b, (
            inactive.sum(), 3)), atol=tol)


def test_hand_rulebook():
    # sites (0, 0) and (0, 1); 1x2 kernel, no padding: outputs (0, 0) only
    rb = sp.rulebook([[0, 0], [0, 1]], (1, 2), shape=(1, 2))
    assert rb.out_coords.tolist() == [[0, 0]]
    assert rb.offsets.tolist() == [[0, 0], [0, 1]]
    assert [(i.tolist(), o.tolist()) for i, o in rb.rules] == [([0], [0]), ([1], [0])]
    assert rb.n_pairs == 2 and rb.dense_multiply_adds() == 2


def test_grow_active():
    assert len(sp.grow_active([[5, 5]], 3, shape=(11, 11))) == 49
    assert len(sp.grow_active([[0, 0]], 1, shape=(4, 4))) == 4       # clipped at edges
    np.testing.assert_array_equal(sp.grow_active([[2, 2], [0, 1]], 5, shape=(4, 4),
                                                 submanifold=True), [[2, 2], [0, 1]])


def test_densify_sparsify_round_trip():
    x = np.zeros((2, 4, 5))
    x[0, 1, 2], x[1, 3, 0], x[1, 1, 2] = 1.0, -2.0, 3.0
    c, f = sp.sparsify(x)
    assert c.tolist() == [[1, 2], [3, 0]] and f.tolist() == [[1.0, 3.0], [0.0, -2.0]]
    np.testing.assert_array_equal(sp.densify(c, f, (4, 5)), x)


def test_inputs_not_modified():
    coords = np.array([[0, 0], [1, 1]])
    f = np.ones((2, 1))
    before = coords.copy(), f.copy()
    sp.sparse_conv(coords, f, np.ones((1, 1, 3, 3)), padding=1)
    np.testing.assert_array_equal(coords, before[0])
    np.testing.assert_array_equal(f, before[1])


@pytest.mark.parametrize("call, exc, match", [
    (lambda: sp.rulebook([[0, 0], [0, 0]], 3), ValueError, "rulebook: coords must not "
     "repeat a site"),
    (lambda: sp.rulebook([0, 1], 3), ValueError, "rulebook: coords must be 2-D"),
    (lambda: sp.rulebook([[0, 1, 2, 3]], 3), ValueError, "rulebook: coords must have 2 "
     "or 3 columns"),
    (lambda: sp.rulebook([[0.0, 1.0]], 3), TypeError, "rulebook: coords must hold "
     "integers"),
    (lambda: sp.rulebook([[-1, 1]], 3), ValueError,
     r"rulebook: coords must be >= 0; got a row \(-1, 1\)"),
    (lambda: sp.rulebook([[0, 5]], 3, shape=(4, 4)), ValueError, "must lie inside"),
    (lambda: sp.rulebook([[0, 0]], 3, stride=2, padding="same"), ValueError,
     "padding='same' requires stride 1"),
    (lambda: sp.rulebook([[0, 0]], 3, padding="full"), ValueError,
     "padding must be one of 'same'"),
    (lambda: sp.rulebook([[0, 0]], 3, submanifold=True), ValueError,
     "submanifold convolution needs stride=1 and padding='same'"),
    (lambda: sp.rulebook([[0, 0]], 0), ValueError, "kernel_size must be >= 1"),
    (lambda: sp.rulebook([[0, 0]], 3, shape=(2, 2)), ValueError,
     r"the padded input \(2\) is smaller than the dilated kernel \(3\)"),
    (lambda: sp.sparse_conv([[0, 0]], [[1, 2]], np.ones((1, 1, 1, 1))), ValueError,
     r"sparse_conv: weight.shape\[1\] must equal the feature channels \(2\)"),
    (lambda: sp.sparse_conv([[0, 0]], [[1], [2]], np.ones((1, 1, 1, 1))), ValueError,
     r"sparse_conv: features must have one row per site \(1\)"),
    (lambda: sp.sparse_conv([[0, 0]], [[1]], np.ones((1, 1, 1))), ValueError,
     "sparse_conv: weight must be 4-D or 5-D"),
    (lambda: sp.sparse_conv([[0, 0]], [[1]], np.ones((1, 1, 1, 1, 1))), ValueError,
     r"sparse_conv: weight.shape\[2:\] must be an int or a sequence of 2 ints"),
    (lambda: sp.sparse_conv([[0, 0]], [[True]], np.ones((1, 1, 1, 1))), TypeError,
     "sparse_conv: features must hold int, float or complex"),
    (lambda: sp.sparse_conv([[0, 0]], [[1]], np.ones((2, 1, 1, 1)), [1.0]), ValueError,
     r"sparse_conv: bias must have shape \(C_out,\) = \(2,\)"),
    (lambda: sp.submanifold_conv([[0, 0]], [[1]], np.ones((1, 2, 3, 3))), ValueError,
     "submanifold_conv: weight.shape"),
    (lambda: sp.densify([[0, 0]], [[1], [2]], (2, 2)), ValueError,
     r"densify: features must have one row per site \(1\)"),
    (lambda: sp.sparsify(np.ones(3)), ValueError, "sparsify: x must be 3-D or 4-D"),
    (lambda: sp.grow_active([[0, 0]], -1), ValueError, "grow_active: layers must be >= 0"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()

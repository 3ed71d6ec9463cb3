"""convlib.sparse: rulebook sparse convolution against dense conv2d/conv3d, every error."""

from pathlib import Path

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
    (lambda: sp.transposed_rulebook([[0, 0]], 2, 2, out_coords=[[0, 0], [0, 0]]),
     ValueError, "transposed_rulebook: out_coords must not repeat a site"),
    (lambda: sp.transposed_rulebook([[0, 0]], 2, 2, out_coords=[[0.0, 0.0]]),
     TypeError, "transposed_rulebook: out_coords must hold integers"),
    (lambda: sp.transposed_rulebook([[0, 0]], 2, 2, out_coords=[[0, 0, 0]]),
     ValueError, "transposed_rulebook: out_coords must have 2 columns, as coords"),
    (lambda: sp.transposed_rulebook([[0, 0]], 2, 2, out_coords=[[2, 0]]), ValueError,
     r"transposed_rulebook: out_coords must lie inside the grid of shape \(2, 2\)"),
    (lambda: sp.transposed_rulebook([[0, 0]], 2, 2, padding=-1), ValueError,
     "transposed_rulebook: padding must be >= 0"),
    (lambda: sp.transposed_rulebook([[0, 0]], 2, 2, output_padding=2), ValueError,
     "transposed_rulebook: output_padding must be smaller than either stride"),
    (lambda: sp.transposed_rulebook([[0, 0]], 1, 1, padding=1), ValueError,
     "transposed_rulebook: padding must leave an output size >= 1"),
    (lambda: sp.transposed_rulebook([[-1, 0]], 2), ValueError,
     "transposed_rulebook: coords must be >= 0"),
    (lambda: sp.sparse_conv_transpose([[0, 0]], [[1, 2]], np.ones((1, 1, 2, 2))),
     ValueError, r"sparse_conv_transpose: weight.shape\[0\] must equal the feature "
     r"channels \(2\)"),
    (lambda: sp.sparse_conv_transpose([[0, 0]], [[1], [2]], np.ones((1, 1, 2, 2))),
     ValueError, r"sparse_conv_transpose: features must have one row per site \(1\)"),
    (lambda: sp.sparse_conv_transpose([[0, 0]], [[1]], np.ones((1, 1, 2))),
     ValueError, "sparse_conv_transpose: weight must be 4-D or 5-D"),
    (lambda: sp.sparse_conv_transpose([[0, 0]], [[1]], np.ones((1, 1, 2, 2, 2))),
     ValueError, r"sparse_conv_transpose: weight.shape\[2:\] must be an int or a "
     "sequence of 2 ints"),
    (lambda: sp.sparse_conv_transpose([[0, 0]], [[True]], np.ones((1, 1, 2, 2))),
     TypeError, "sparse_conv_transpose: features must hold int, float or complex"),
    (lambda: sp.sparse_conv_transpose([[0, 0]], [[1]], np.ones((1, 2, 2, 2)), [1.0]),
     ValueError, r"sparse_conv_transpose: bias must have shape \(C_out,\) = \(2,\)"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- transposed sparse convolution ----------------------------------------------------

@st.composite
def transpose_case(draw):
    """A coarse active set with a transposed layer's sizes; integer data (exact)."""
    coords, feats, weight, shape, s, p = draw(sparse_case())
    k = weight.shape[2:]
    op = draw(st.integers(0, s - 1))
    # the output (n - 1)s - 2p + k + op must keep at least one sample per axis
    p = min([p] + [((n - 1) * s + kk - 1 + op) // 2 for n, kk in zip(shape, k)])
    return coords, feats, np.swapaxes(weight, 0, 1), shape, s, p, op


def scatter_reference(x, weight, s, p, op):
    """Dense transposed convolution of x (C_in, *spatial) by scattering, any D: every
    input sample adds weight[c_in, :, i] * x at s*u - p + i (PyTorch's definition)."""
    k = weight.shape[2:]
    full = tuple((n - 1) * s + kk + op for n, kk in zip(x.shape[1:], k))
    out = np.zeros((weight.shape[1],) + full, dtype=np.result_type(x, weight))
    for u in np.ndindex(*x.shape[1:]):
        for i in np.ndindex(*k):
            o = tuple(s * uu + ii for uu, ii in zip(u, i))
            out[(slice(None),) + o] += x[(slice(None),) + u] @ weight[(...,) + i]
    return out[(slice(None),) + tuple(slice(p, n - p) for n in full)]


def dense_transpose(coords, feats, weight, shape, s, p, op):
    x = dense(coords, feats, shape)
    if len(shape) == 2:                       # the library's dense layer ...
        ref = nn.conv_transpose2d(x, weight, stride=s, padding=p, output_padding=op)[0]
        np.testing.assert_array_equal(ref, scatter_reference(x[0], weight, s, p, op))
        return ref
    return scatter_reference(x[0], weight, s, p, op)   # ... and a scatter reference


@given(transpose_case())
def test_transpose_generative_equals_dense_exactly(case):
    coords, feats, weight, shape, s, p, op = case
    ref = dense_transpose(coords, feats, weight, shape, s, p, op)
    oc, of = sp.sparse_conv_transpose(coords, feats, weight, stride=s, padding=p,
                                      output_padding=op, shape=shape)
    if len(oc) == 0:                          # the padding cropped every reached site
        assert not ref.any()
        return
    np.testing.assert_array_equal(sp.densify(oc, of, ref.shape[1:]), ref)
    # the active outputs are exactly those some input reaches (ones everywhere)
    reach = dense_transpose(coords, np.ones((len(coords), 1), int),
                            np.ones((1, 1) + weight.shape[2:], int), shape, s, p, op)[0]
    assert sorted(map(tuple, oc)) == sorted(map(tuple, np.argwhere(reach > 0)))


@given(transpose_case(), st.integers(0, 2**16))
def test_transpose_inverse_reads_dense_at_given_sites(case, seed):
    coords, feats, weight, shape, s, p, op = case
    ref = dense_transpose(coords, feats, weight, shape, s, p, op)
    rng = np.random.default_rng(seed)
    target = np.argwhere(rng.random(ref.shape[1:]) < 0.4)
    if len(target) == 0:
        target = np.zeros((1, len(shape)), dtype=int)
    rng.shuffle(target)                                   # kept in the given order
    oc, of = sp.sparse_conv_transpose(coords, feats, weight, stride=s, padding=p,
                                      output_padding=op, shape=shape, out_coords=target)
    np.testing.assert_array_equal(oc, target)
    np.testing.assert_array_equal(of, ref[(slice(None),) + tuple(target.T)].T)


@given(sparse_case(), st.integers(0, 2**16))
def test_inverse_is_the_adjoint_and_reuses_the_kernel_map(case, seed):
    coords, feats, weight, shape, s, p = case
    if any(n + 2 * p < k for n, k in zip(shape, weight.shape[2:])):
        return
    k = weight.shape[2:]
    down = sp.rulebook(coords, k, s, p, shape=shape)
    if len(down.out_coords) == 0:             # stride skips every site: nothing to invert
        return
    op = tuple((n + 2 * p - kk) % s for n, kk in zip(shape, k))   # back to `shape`
    up = sp.transposed_rulebook(down.out_coords, k, s, p, op, shape=down.out_shape,
                                out_coords=coords)
    assert up.out_shape == shape
    for (di, do), (ui, uo) in zip(down.rules, up.rules):   # same pairs, roles swapped
        assert sorted(zip(di.tolist(), do.tolist())) == sorted(zip(uo.tolist(),
                                                                   ui.tolist()))
    # <down(x), y> = <x, up(y)>: the inverse layer is the sparse adjoint
    oc, y_x = sp.sparse_conv(coords, feats, weight, stride=s, padding=p, shape=shape)
    y = np.random.default_rng(seed).integers(-9, 10, y_x.shape)
    _, x_y = sp.sparse_conv_transpose(oc, y, weight, stride=s,
                                      padding=p, output_padding=op, shape=down.out_shape,
                                      out_coords=coords)
    assert np.sum(y_x * y) == np.sum(feats * x_y)


def test_transpose_hand_example_and_counts():
    # one coarse site (1, 0) of a 2x2 grid; 2x2 kernel, stride 2: the block rows 2-3,
    # columns 0-1 of the 4x4 output, offset i -> output (2, 0) + i
    w = np.arange(4).reshape(1, 1, 2, 2)
    oc, of = sp.sparse_conv_transpose([[1, 0]], [[10]], w, stride=2, shape=(2, 2))
    assert oc.tolist() == [[2, 0], [2, 1], [3, 0], [3, 1]]
    assert of.ravel().tolist() == [0, 10, 20, 30]
    rb = sp.transposed_rulebook([[1, 0]], 2, 2, shape=(2, 2))
    assert rb.transposed and rb.out_shape == (4, 4) and rb.n_pairs == 4
    # dense transposed work: every input site (4) through every offset (4)
    assert rb.dense_multiply_adds(3, 5) == 4 * 4 * 3 * 5
    assert rb.multiply_adds(3, 5) == 4 * 3 * 5


def test_transpose_float_bias_and_inputs_not_modified():
    rng = np.random.default_rng(5)
    coords = np.argwhere(rng.random((5, 4, 3)) < 0.3)
    f = rng.standard_normal((len(coords), 2))
    w = rng.standard_normal((2, 3, 3, 2, 3))
    b = np.array([1.0, -0.5, 2.0])
    before = coords.copy(), f.copy(), w.copy()
    oc, of = sp.sparse_conv_transpose(coords, f, w, b, stride=2, padding=1,
                                      shape=(5, 4, 3))
    ref = scatter_reference(dense(coords, f, (5, 4, 3))[0], w, 2, 1, 0)
    ref = ref + b[:, None, None, None]
    # tolerance: sums of at most C_in * 18 = 36 products of O(1) numbers in another
    # order than the dense layer's: a few ulps of float64 per term
    np.testing.assert_allclose(of, ref[(slice(None),) + tuple(oc.T)].T, atol=1e-12)
    for a, a0 in zip((coords, f, w), before):
        np.testing.assert_array_equal(a, a0)


# --- PyTorch reference (tools/fixtures/ch14_sparse_torch_reference.py) -----------------

TORCH = np.load(Path(__file__).parent / "fixtures" / "ch14_sparse_torch_reference.npz")
TORCH_CASES = sorted({key.rsplit("_", 1)[0] for key in TORCH.files
                      if key.endswith("_coords")})


@pytest.mark.parametrize("name", TORCH_CASES)
def test_against_pytorch_dense_layers(name):
    coords, feats, weight, bias, out = (TORCH[f"{name}_{part}"] for part in
                                        ("coords", "feats", "weight", "bias", "out"))
    s, p, op = TORCH[f"{name}_params"].tolist()
    shape, grid = tuple(TORCH[f"{name}_shape"].tolist()), out.shape[1:]
    if name.startswith("transpose"):
        oc, of = sp.sparse_conv_transpose(coords, feats, weight, bias, stride=s,
                                          padding=p, output_padding=op, shape=shape)
    else:
        oc, of = sp.sparse_conv(coords, feats, weight, bias, stride=s, padding=p,
                                shape=shape)
    assert oc.shape[1] == len(grid)
    # float64 sums of at most C_in * prod(k) = 54 products of N(0, 1) numbers, in
    # another order than PyTorch's: well inside 1e-12
    np.testing.assert_allclose(of, out[(slice(None),) + tuple(oc.T)].T, atol=1e-12)
    inactive = np.ones(grid, bool)
    inactive[tuple(oc.T)] = False
    np.testing.assert_allclose(out[:, inactive].T, np.broadcast_to(
        bias, (inactive.sum(), len(bias))), atol=1e-12)    # only the bias off the sites

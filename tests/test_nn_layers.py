"""convlib.nn.conv1d/2d/3d: loops from the definition, identities, every error."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib import nn
from nn_reference import conv as conv_ref

FORWARD = {1: nn.conv1d, 2: nn.conv2d, 3: nn.conv3d}

# Tolerances: each output is a sum of at most C_in/groups * prod(K) <= 2 * 64 products
# of O(1) numbers, so rounding error is a few ulps times that count (float64 eps ~2e-16,
# float32 eps ~1.2e-7); integers must be exact.
TOL = {np.float64: 1e-12, np.float32: 2e-5, np.complex128: 1e-12}


@st.composite
def layer_case(draw, nd=None):
    nd = nd or draw(st.sampled_from([1, 2, 3]))
    groups = draw(st.integers(1, 3))
    Cg, Og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kmax = 4 if nd < 3 else 2
    k = [draw(st.integers(1, kmax)) for _ in range(nd)]
    s = [draw(st.integers(1, 3)) for _ in range(nd)]
    d = [draw(st.integers(1, 3)) for _ in range(nd)]
    kind = draw(st.sampled_from(["int", "pairs", "valid", "same"]))
    if kind == "same" and any(si != 1 for si in s):
        kind = "valid"
    if kind == "int":
        padding = draw(st.integers(0, 2))
        pads = [(padding, padding)] * nd
    elif kind == "pairs":
        pads = [(draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(nd)]
        padding = tuple(pads)
    elif kind == "valid":
        padding, pads = "valid", [(0, 0)] * nd
    else:  # PyTorch's 'same': the odd zero goes on the high side
        padding = "same"
        pads = [(di * (ki - 1) // 2, di * (ki - 1) - di * (ki - 1) // 2)
                for ki, di in zip(k, d)]
    smax = 7 if nd < 3 else 4
    spatial = [max(1, di * (ki - 1) + 1 - lo - hi) + draw(st.integers(0, smax - 1))
               for ki, di, (lo, hi) in zip(k, d, pads)]
    N = draw(st.integers(1, 2))
    return dict(nd=nd, N=N, groups=groups, C_in=Cg * groups, C_out=Og * groups, k=k,
                s=s, d=d, padding=padding, pads=pads, spatial=spatial,
                bias=draw(st.booleans()),
                dtype=draw(st.sampled_from([np.int64, np.float64, np.float32,
                                            np.complex128])),
                seed=draw(st.integers(0, 2**16)))


def make_arrays(c):
    rng = np.random.default_rng(c["seed"])
    shapes = [(c["N"], c["C_in"], *c["spatial"]),
              (c["C_out"], c["C_in"] // c["groups"], *c["k"]), (c["C_out"],)]
    if c["dtype"] is np.int64:
        return [rng.integers(-5, 6, size=sh) for sh in shapes]
    arrs = [rng.standard_normal(sh) for sh in shapes]
    if c["dtype"] is np.complex128:
        arrs = [a + 1j * rng.standard_normal(a.shape) for a in arrs]
    return [a.astype(c["dtype"]) for a in arrs]


def assert_matches(got, want, dtype):
    assert got.shape == want.shape
    if dtype is np.int64:
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, want)
    else:
        assert got.dtype == dtype
        scale = max(1.0, float(np.abs(want).max(initial=0)))
        np.testing.assert_allclose(got, want, rtol=0, atol=TOL[dtype] * scale)


@settings(max_examples=120, deadline=None)
@given(layer_case())
def test_forward_matches_loops(c):
    x, w, b = make_arrays(c)
    b = b if c["bias"] else None
    got = FORWARD[c["nd"]](x, w, b, stride=c["s"], padding=c["padding"],
                           dilation=c["d"], groups=c["groups"])
    want = conv_ref(x, w, b, c["s"], c["pads"], c["d"], c["groups"])
    assert_matches(got, want, c["dtype"])
    sizes = [cl.conv_output_size(n, k, s, p, d)
             for n, k, s, p, d in zip(c["spatial"], c["k"], c["s"], c["pads"], c["d"])]
    assert got.shape == (c["N"], c["C_out"], *sizes)


def test_hand_computed_2d():
    # y[p, q] = sum_ij w[i, j] x[p + i, q + j] (no flip), with bias 10
    x = np.array([[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]])
    w = np.array([[[[1, 0], [0, -1]]]])
    y = nn.conv2d(x, w, np.array([10]))
    np.testing.assert_array_equal(y, [[[[1 - 5 + 10, 2 - 6 + 10], [4 - 8 + 10, 5 - 9 + 10]]]])


def test_channels_are_summed():
    x = np.arange(2 * 3 * 3).reshape(1, 2, 3, 3)
    w = np.ones((1, 2, 3, 3), dtype=int)
    assert nn.conv2d(x, w).item() == x.sum()


def test_one_by_one_conv_is_matmul():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 5, 4, 3)), rng.standard_normal((7, 5, 1, 1))
    want = np.einsum("oc,nchw->nohw", w[:, :, 0, 0], x)
    np.testing.assert_allclose(nn.conv2d(x, w), want, rtol=1e-13, atol=1e-13)


def test_grouped_is_layers_side_by_side():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((1, 4, 6, 6)), rng.standard_normal((6, 2, 3, 3))
    halves = [nn.conv2d(x[:, :2], w[:3]), nn.conv2d(x[:, 2:], w[3:])]
    np.testing.assert_allclose(nn.conv2d(x, w, groups=2), np.concatenate(halves, 1),
                               rtol=1e-13, atol=1e-13)


def test_depthwise_is_per_channel_correlate2d():
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 3, 7, 6)), rng.standard_normal((3, 1, 3, 2))
    want = [cl.correlate2d(x[0, c], w[c, 0], mode="valid") for c in range(3)]
    np.testing.assert_allclose(nn.conv2d(x, w, groups=3)[0], want, rtol=1e-12,
                               atol=1e-12)


def test_lower_dims_are_special_cases():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 3, 9)), rng.standard_normal((4, 3, 3))
    y2 = nn.conv2d(x[:, :, None], w[:, :, None], stride=(1, 2), padding=(0, 1))
    np.testing.assert_allclose(nn.conv1d(x, w, stride=2, padding=1), y2[:, :, 0],
                               rtol=1e-13, atol=1e-13)
    x3, w3 = rng.standard_normal((1, 2, 5, 6)), rng.standard_normal((3, 2, 2, 3))
    np.testing.assert_allclose(nn.conv3d(x3[:, :, None], w3[:, :, None])[:, :, 0],
                               nn.conv2d(x3, w3), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("nd", [1, 2, 3])
def test_unbatched_equals_batch_of_one(nd):
    rng = np.random.default_rng(nd)
    x, w = rng.standard_normal((2,) + (5,) * nd), rng.standard_normal((3, 2) + (2,) * nd)
    np.testing.assert_array_equal(FORWARD[nd](x, w), FORWARD[nd](x[None], w)[0])


@pytest.mark.parametrize("k,d,pads", [(2, 1, (0, 1)), (4, 1, (1, 2)), (3, 2, (2, 2)),
                                      (2, 3, (1, 2))])
def test_same_padding_is_pytorchs(k, d, pads):
    assert nn.same_padding(k, d) == pads
    x, w = np.arange(7.0).reshape(1, 1, 7), np.arange(1.0, k + 1).reshape(1, 1, k)
    y = nn.conv1d(x, w, padding="same", dilation=d)
    assert y.shape == x.shape
    np.testing.assert_array_equal(y, nn.conv1d(x, w, padding=(pads,), dilation=d))


def test_inputs_not_modified():
    x, w, b = np.ones((1, 2, 4, 4)), np.ones((2, 2, 3, 3)), np.zeros(2)
    copies = [a.copy() for a in (x, w, b)]
    nn.conv2d(x, w, b, padding="same")
    for a, c in zip((x, w, b), copies):
        np.testing.assert_array_equal(a, c)


# --- every error, with its message -------------------------------------------------

X, W = np.ones((1, 4, 5, 5)), np.ones((2, 4, 3, 3))


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(x=np.ones((5, 5))), ValueError,
     r"conv2d: x must be 4-D or 3-D; got 2-D array of shape \(5, 5\)"),
    (dict(weight=np.ones((4, 3, 3))), ValueError, r"conv2d: weight must be 4-D; got 3-D"),
    (dict(weight=np.ones((2, 2, 3, 3)), groups=3), ValueError,
     r"conv2d: groups must divide in_channels, but 3 does not divide 4"),
    (dict(weight=np.ones((3, 2, 3, 3)), groups=2), ValueError,
     r"conv2d: groups must divide out_channels, but 2 does not divide 3"),
    (dict(weight=np.ones((2, 3, 3, 3))), ValueError,
     r"conv2d: x must have weight.shape\[1\] \* groups = 3 channels; got x of shape"),
    (dict(groups=0), ValueError, r"conv2d: groups must be >= 1; got 0"),
    (dict(stride=0), ValueError, r"conv2d: stride must be >= 1; got 0"),
    (dict(stride=(1, -1)), ValueError, r"conv2d: stride must be >= 1; got -1"),
    (dict(dilation=0), ValueError, r"conv2d: dilation must be >= 1; got 0"),
    (dict(padding=-1), ValueError, r"conv2d: padding must be >= 0; got -1"),
    (dict(padding=((0, 1), (-2, 0))), ValueError, r"conv2d: padding must be >= 0; got -2"),
    (dict(padding="full"), ValueError,
     r"conv2d: padding must be one of 'valid', 'same'; got 'full'"),
    (dict(padding=(1, 1, 1)), TypeError,
     r"conv2d: padding must be an int, 'valid', 'same', or a sequence of 2 ints"),
    (dict(padding="same", stride=2), ValueError,
     r"conv2d: padding='same' requires stride 1; got stride=\(2, 2\)"),
    (dict(weight=np.ones((2, 4, 6, 3))), ValueError,
     r"conv2d: the padded input \(5\) is smaller than the dilated kernel \(6\)"),
    (dict(dilation=3), ValueError,
     r"conv2d: the padded input \(5\) is smaller than the dilated kernel \(7\)"),
    (dict(bias=np.ones(3)), ValueError,
     r"conv2d: bias must have shape \(out_channels,\) = \(2,\); got shape \(3,\)"),
    (dict(x=X > 0), TypeError, r"conv2d: x must hold int, float or complex numbers"),
    (dict(stride=1.5), TypeError, r"conv2d: stride must be an int or a sequence of 2"),
])
def test_conv2d_errors(kwargs, exc, match):
    args = dict(x=X, weight=W) | kwargs
    with pytest.raises(exc, match=match):
        nn.conv2d(**args)


def test_conv1d_and_conv3d_name_themselves():
    with pytest.raises(ValueError, match=r"conv1d: x must be 3-D or 2-D; got 4-D"):
        nn.conv1d(np.ones((1, 1, 1, 4)), np.ones((1, 1, 2)))
    with pytest.raises(ValueError, match=r"conv3d: groups must divide in_channels, but "
                                         r"2 does not divide 3"):
        nn.conv3d(np.ones((1, 3, 4, 4, 4)), np.ones((2, 1, 2, 2, 2)), groups=2)
    with pytest.raises(ValueError, match=r"conv1d: padding must be >= 0; got -1"):
        nn.conv1d(np.ones((1, 1, 4)), np.ones((1, 1, 2)), padding=-1)


@pytest.mark.parametrize("call, match", [
    (lambda: nn.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)), padding=10**9),
     r"^conv2d: padding asks for an output of shape \(1, 1, 2000000005, 2000000005\) "
     r".*; the padded input$"),
    (lambda: nn.conv2d(np.ones((1, 1, 5, 5)), np.ones((2, 1, 3, 3)),
                       padding=((0, 10**9), (0, 0))),
     r"^conv2d: padding asks for an output of shape \(1, 1, 1000000005, 5\)"),
    (lambda: nn.conv2d(np.ones((1, 1, 5, 5), np.float32), np.ones((64, 1, 3, 3)),
                       padding=4000),
     r"^conv2d: padding asks for an output of shape \(1, 64, 8003, 8003\) .*; the layer's "
     r"output$"),
    (lambda: nn.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), padding="same",
                       dilation=10**9),
     r"^conv2d: dilation \(with padding='same'\) asks for an output of shape "
     r"\(1, 1, 2000000005, 2000000005\)"),
    (lambda: nn.conv1d(np.ones((1, 1, 5)), np.ones((1, 1, 3)), padding=10**12),
     r"^conv1d: padding asks for an output of shape \(1, 1, 2000000000005\)"),
    (lambda: nn.conv3d(np.ones((1, 1, 3, 3, 3)), np.ones((1, 1, 1, 1, 1)), padding=10**4),
     r"^conv3d: padding asks for an output of shape \(1, 1, 20003, 20003, 20003\)"),
    # a huge stride keeps the output (and grad_output) small, not the padded input
    (lambda: nn.conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), stride=10**9,
                       padding=10**8),
     r"^conv2d: padding asks for an output of shape \(1, 1, 200000005, 200000005\)"),
    (lambda: nn.conv2d_backward(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)),
                                np.ones((1, 1, 1, 1)), stride=10**9, padding=10**8),
     r"^conv2d_backward: padding asks for an output of shape \(1, 1, 200000005, "
     r"200000005\) .*; the padded input$"),
])
def test_huge_padding_is_refused_before_allocating(call, match):
    # issue 13: conv2d(padding=10**9) failed in NumPy with "array is too big"
    with pytest.raises(ValueError, match=match):
        call()


def test_layers_guard_on_their_own_behalf(monkeypatch):
    # the layers fold and unfold through unguarded helpers: a limit crossed by columns
    # the layer builds internally must not surface as an error of im2col or col2im
    import convlib._validation as validation
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 4, 6, 6)), rng.standard_normal((2, 4, 3, 3))
    y = nn.conv2d(x, w)
    g = rng.standard_normal(y.shape)
    grads = nn.conv2d_backward(x, w, g)
    up = nn.conv_transpose2d(g, w)
    gp = rng.standard_normal((1, 4, 3, 3))
    pooled = nn.max_pool2d_backward(x, gp, 2)
    monkeypatch.setattr(validation, "MAX_OUTPUT_BYTES", 1000)   # columns: 4.6 kB
    np.testing.assert_array_equal(nn.conv2d(x, w), y)
    for a, b in zip(nn.conv2d_backward(x, w, g), grads):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(nn.conv_transpose2d(g, w), up)
    np.testing.assert_array_equal(nn.max_pool2d_backward(x, gp, 2), pooled)
    with pytest.raises(ValueError, match=r"^im2col: kernel_size asks for an output"):
        cl.im2col(x, 3)                               # the public function is guarded


def test_numpy_arrays_are_accepted_where_sequences_are():
    # an np.array([1, 2]) stride or padding was refused as "not an int or a sequence"
    x, w = np.arange(25.0).reshape(1, 1, 5, 5), np.ones((1, 1, 3, 3))
    np.testing.assert_array_equal(nn.conv2d(x, w, stride=np.array([1, 2])),
                                  nn.conv2d(x, w, stride=(1, 2)))
    np.testing.assert_array_equal(nn.conv2d(x, w, padding=np.array([[1, 0], [0, 1]])),
                                  nn.conv2d(x, w, padding=((1, 0), (0, 1))))
    np.testing.assert_array_equal(cl.im2col(x, np.array(2)), cl.im2col(x, 2))
    assert cl.conv_output_size(5, 3, padding=np.array([1, 2])) == 6
    with pytest.raises(TypeError, match=r"^im2col: kernel_size must be an integer; got "
                                        r"np.float64\(2.0\)$"):
        cl.im2col(x, np.array([2.0, 2]))

"""convlib.masked: causal, PixelCNN-masked and locally masked convolution vs loops."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from convlib import masked


def loops_locally_masked(x, w, masks, pad):
    """The definition: y[o, p, q] = sum_{c,i,j} w[o,c,i,j] m[p,q,i,j] x_pad[c, p+i, q+j]."""
    C_out, C, kH, kW = w.shape
    xp = np.pad(x, ((0, 0), pad[0], pad[1]))
    H_out, W_out = masks.shape[:2]
    y = np.zeros((C_out, H_out, W_out), dtype=np.result_type(x, w))
    for o, p, q, c, i, j in np.ndindex(C_out, H_out, W_out, C, kH, kW):
        y[o, p, q] += w[o, c, i, j] * masks[p, q, i, j] * xp[c, p + i, q + j]
    return y


@given(st.integers(1, 4), st.integers(1, 4), st.sampled_from([1, 3, 5]),
       st.sampled_from([1, 2, 3]), st.integers(0, 2**16))
def test_locally_masked_equals_loops(H, W, k, c_in, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, (c_in, H, W))
    w = rng.integers(-3, 4, (2, c_in, k, k))
    masks = rng.integers(0, 2, (H, W, k, k))
    pad = ((k // 2, k // 2),) * 2
    # integers: exact
    np.testing.assert_array_equal(masked.locally_masked_conv2d(x, w, masks),
                                  loops_locally_masked(x, w, masks, pad))
    masks0 = rng.integers(0, 2, (H + 4, W + 4, k, k))        # for padding=2
    if H + 4 >= k and W + 4 >= k:
        m = masks0[: H + 5 - k, : W + 5 - k]
        np.testing.assert_array_equal(
            masked.locally_masked_conv2d(x, w, m, padding=2),
            loops_locally_masked(x, w, m, ((2, 2), (2, 2))))


def test_one_mask_everywhere_is_masked_conv2d():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 6, 7))
    w = rng.standard_normal((4, 3, 5, 5))
    b = rng.standard_normal(4)
    for mtype in "AB":
        raster = masked.order_masks(np.arange(42).reshape(6, 7), 5, mtype)
        # float64: sums of 75 terms in another order: a few ulps of their magnitude
        np.testing.assert_allclose(
            masked.locally_masked_conv2d(x, w, raster, b),
            masked.masked_conv2d(x, w, masked.pixelcnn_mask(5, mtype, 3, 4), b),
            atol=1e-12)


@pytest.mark.parametrize("order", ["raster", "column", "snake", "random"])
@pytest.mark.parametrize("mtype", ["A", "B"])
def test_outputs_depend_only_on_earlier_pixels(order, mtype):
    H, W = 5, 6
    rank = {"raster": np.arange(H * W).reshape(H, W),
            "column": np.arange(H * W).reshape(W, H).T,
            "snake": np.array([r if i % 2 == 0 else r[::-1]
                               for i, r in enumerate(np.arange(H * W).reshape(H, W))]),
            "random": np.random.default_rng(1).permutation(H * W).reshape(H, W)}[order]
    masks = masked.order_masks(rank, 3, mtype)
    impulses = np.eye(H * W).reshape(H * W, 1, H, W)
    y = masked.locally_masked_conv2d(impulses, np.ones((1, 1, 3, 3)), masks)[:, 0]
    jac = y.reshape(H * W, H * W)                 # jac[input, output]
    r = rank.ravel()
    allowed = r[:, None] < r[None, :] if mtype == "A" else r[:, None] <= r[None, :]
    assert not jac[~allowed].any()
    # and every allowed neighbour inside the 3x3 window is really used
    near = np.abs(np.subtract.outer(np.arange(H * W) // W, np.arange(H * W) // W)) <= 1
    near &= np.abs(np.subtract.outer(np.arange(H * W) % W, np.arange(H * W) % W)) <= 1
    np.testing.assert_array_equal(jac != 0, allowed & near)


def test_pixelcnn_masks():
    a, b = masked.pixelcnn_mask((3, 5), "A"), masked.pixelcnn_mask((3, 5), "B", 2, 4)
    assert a.shape == (1, 1, 3, 5) and b.shape == (4, 2, 3, 5)
    np.testing.assert_array_equal(a[0, 0], [[1, 1, 1, 1, 1], [1, 1, 0, 0, 0],
                                            [0, 0, 0, 0, 0]])
    centre = np.zeros((3, 5))
    centre[1, 2] = 1                              # type B adds only the centre tap
    assert (b - a == centre).all()


def test_masked_conv2d_is_causal_in_raster_order():
    H, W = 4, 5
    imp = np.eye(H * W).reshape(H * W, 1, H, W)
    for mtype, strict in (("A", True), ("B", False)):
        y = masked.masked_conv2d(imp, np.ones((1, 1, 3, 3)), masked.pixelcnn_mask(3, mtype))
        jac = y.reshape(H * W, H * W) != 0
        assert np.array_equal(jac, np.triu(jac, 1 if strict else 0))


def test_causal_conv1d():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 20))
    w = rng.standard_normal((4, 3, 3))
    for d in (1, 2, 4):
        y = masked.causal_conv1d(x, w, dilation=d)
        loops = np.zeros((2, 4, 20))
        for n, o, t, c, i in np.ndindex(2, 4, 20, 3, 3):
            s = t - d * (2 - i)
            loops[n, o, t] += w[o, c, i] * x[n, c, s] if s >= 0 else 0.0
        # float64: sums of 9 products, different order: a few ulps
        np.testing.assert_allclose(y, loops, atol=1e-12)
        changed = x.copy()
        changed[..., 10:] += 1.0                 # the future changes ...
        assert np.array_equal(masked.causal_conv1d(changed, w, dilation=d)[..., :10],
                              y[..., :10])       # ... the past outputs do not


def test_pixelcnn_receptive_field_blind_spot():
    f1 = masked.pixelcnn_receptive_field((7, 7), (3, 3), 1)
    np.testing.assert_array_equal(f1, masked.pixelcnn_mask(3)[0, 0].astype(bool)[
        np.clip(np.arange(7)[:, None] - 2, 0, 2), np.clip(np.arange(7) - 2, 0, 2)]
        & (np.abs(np.arange(7)[:, None] - 3) <= 1) & (np.abs(np.arange(7) - 3) <= 1))
    f3 = masked.pixelcnn_receptive_field((9, 9), (4, 4), 3)
    assert f3[1, 1] and not f3[3, 7]             # up-left seen; up-right: blind spot
    before = np.arange(81).reshape(9, 9) < 4 * 9 + 4
    assert not (f3 & ~before).any()


def test_inputs_not_modified():
    x = np.ones((1, 4, 4))
    w = np.ones((1, 1, 3, 3))
    m = masked.order_masks(np.arange(16).reshape(4, 4), 3)
    before = x.copy(), w.copy(), m.copy()
    masked.locally_masked_conv2d(x, w, m)
    masked.masked_conv2d(x, w, masked.pixelcnn_mask(3))
    for a, b in zip((x, w, m), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: masked.causal_conv1d(np.ones((1, 4)), np.ones((1, 1, 2)), dilation=0),
     ValueError, "causal_conv1d: dilation must be >= 1"),
    (lambda: masked.causal_conv1d(np.ones((1, 4)), np.ones((1, 2))), ValueError,
     "causal_conv1d: weight must be 3-D"),
    (lambda: masked.causal_conv1d(np.ones((2, 4)), np.ones((1, 1, 2))), ValueError,
     r"causal_conv1d: x must have weight.shape\[1\] \* groups = 1 channels"),
    (lambda: masked.pixelcnn_mask(4), ValueError, "pixelcnn_mask: kernel_size must be odd"),
    (lambda: masked.pixelcnn_mask(3, "C"), ValueError,
     "pixelcnn_mask: mask_type must be one of 'A', 'B'"),
    (lambda: masked.pixelcnn_mask(3, "A", 0), ValueError,
     "pixelcnn_mask: in_channels must be >= 1"),
    (lambda: masked.masked_conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)),
                                  np.ones((2, 2))), ValueError,
     r"masked_conv2d: mask must broadcast to weight's shape \(1, 1, 3, 3\)"),
    (lambda: masked.masked_conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)),
                                  np.ones((1, 1, 3, 3)), padding=-1), ValueError,
     "masked_conv2d: padding must be >= 0"),
    (lambda: masked.order_masks([[0, 0], [1, 2]], 3), ValueError,
     "order_masks: order must be a permutation"),
    (lambda: masked.order_masks([0, 1], 3), ValueError, "order_masks: order must be 2-D"),
    (lambda: masked.order_masks([[0, 1]], 3, "Z"), ValueError,
     "order_masks: mask_type must be one of 'A', 'B'"),
    (lambda: masked.locally_masked_conv2d(np.ones((1, 3, 3)), np.ones((1, 1, 3, 3)),
                                          np.ones((2, 3, 3, 3))), ValueError,
     r"locally_masked_conv2d: masks must have shape \(H_out, W_out, kH, kW\) = "
     r"\(3, 3, 3, 3\)"),
    (lambda: masked.locally_masked_conv2d(np.ones((2, 3, 3)), np.ones((1, 1, 3, 3)),
                                          np.ones((3, 3, 3, 3))), ValueError,
     "locally_masked_conv2d: x must have"),
    (lambda: masked.pixelcnn_receptive_field((3, 3), (3, 0), 1), ValueError,
     "pixelcnn_receptive_field: pixel must lie inside shape"),
    (lambda: masked.pixelcnn_receptive_field((3, 3), (1, 1), 0), ValueError,
     "pixelcnn_receptive_field: layers must be >= 1"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()

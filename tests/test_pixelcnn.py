"""convlib.pixelcnn: gated stacks vs loops and PyTorch, receptive fields by perturbation,
colour masks, autoregressive sampling."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib import masked
from convlib import pixelcnn as px

FIXTURE = Path(__file__).parent / "fixtures" / "pixelcnn_torch.npz"


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def loops_gated_layer(v, h, w: px.GatedLayer, first):
    """The definition, one image (C_in, H, W), written as sums over taps."""
    C2, c_in, _, k = w.vertical.shape
    C, hk = C2 // 2, k // 2
    _, H, W = v.shape

    def at(a, c, r, s):
        return a[c, r, s] if 0 <= r < H and 0 <= s < W else 0.0

    pre_v, pre_h = np.zeros((C2, H, W)), np.zeros((C2, H, W))
    for o, p, q, c in np.ndindex(C2, H, W, c_in):
        for i, j in np.ndindex(hk + 1, k):            # rows p - hk ... p
            pre_v[o, p, q] += w.vertical[o, c, i, j] * at(v, c, p - hk + i, q - hk + j)
        for j in range(hk + 1 - first):               # columns q - hk ... q (q - 1)
            pre_h[o, p, q] += w.horizontal[o, c, 0, j] * at(h, c, p, q - hk + j)
    for o, p, q, c in np.ndindex(C2, H, W, C2):       # the link, shifted down
        pre_h[o, p, q] += w.link[o, c, 0, 0] * (pre_v[c, p - 1, q] if p > 0 else 0.0)

    def gate(a):
        return np.tanh(a[:C]) * sigmoid(a[C:])

    h_out = np.einsum("oc,chw->ohw", w.out[:, :, 0, 0], gate(pre_h))
    return gate(pre_v), h_out if first else h_out + h


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.sampled_from([1, 3, 5]),
       st.integers(1, 3), st.integers(1, 3), st.booleans(), st.integers(0, 2**16))
def test_gated_layer_equals_loops(H, W, k, c_in, C, first, seed):
    rng = np.random.default_rng(seed)
    c_in = c_in if first else C
    layers, _ = px.random_gated_pixelcnn(seed, c_in, C, 1, k)
    v, h = rng.standard_normal((2, 1, c_in, H, W))
    got_v, got_h = px.gated_layer(v, h, layers[0], first=first)
    want_v, want_h = loops_gated_layer(v[0], h[0], layers[0], first)
    # float64: sums of at most C_in*k*(k//2+1) + 2C terms in another order
    np.testing.assert_allclose(got_v[0], want_v, atol=1e-12)
    np.testing.assert_allclose(got_h[0], want_h, atol=1e-12)


@pytest.mark.parametrize("name", ["k3", "k5"])
def test_gated_pixelcnn_matches_pytorch(name):
    """tools/fixtures/pixelcnn_torch_fixture.py built the stack in PyTorch from full
    masked k x k kernels and F.pad shifts (another construction) and stored it."""
    d = np.load(FIXTURE)
    layers = [px.GatedLayer(*(d[f"{name}_{part}{i}"] for part in
                              ("vertical", "horizontal", "link", "out")))
              for i in range(int(d[f"{name}_layers"]))]
    y = px.gated_pixelcnn(d[f"{name}_x"], layers, d[f"{name}_head"])
    # float64 both sides; differences of a few ulps of O(1) values
    np.testing.assert_allclose(y, d[f"{name}_y"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("layers, k", [(1, 3), (2, 3), (3, 3), (1, 5), (2, 5)])
def test_gated_field_is_the_causal_region_by_perturbation(layers, k):
    H, W = 11, 12
    stack, head = px.random_gated_pixelcnn(layers * k, 1, 3, layers, k)
    x = np.random.default_rng(k).standard_normal((1, H, W))
    for pixel in [(5, 6), (0, 0), (0, 11), (10, 0), (10, 11), (2, 9)]:
        field = px.perturbation_field(lambda b: px.gated_pixelcnn(b, stack, head),
                                      x, pixel)[0, 0]
        np.testing.assert_array_equal(field,
                                      px.gated_pixelcnn_field((H, W), pixel, layers, k))
        earlier = np.arange(H * W).reshape(H, W) < pixel[0] * W + pixel[1]
        assert not (field & ~earlier).any()


def test_blind_spot_vanishes():
    """A masked 3x3 stack misses pixels up and right; the gated stack of the same
    depth misses no earlier pixel within its reach."""
    size, pixel, L = 11, (5, 5), 5
    masked_field = masked.pixelcnn_receptive_field((size, size), pixel, L)
    gated_field = px.gated_pixelcnn_field((size, size), pixel, L)
    earlier = np.arange(size * size).reshape(size, size) < pixel[0] * size + pixel[1]
    assert (earlier & ~masked_field).sum() > 0
    assert np.array_equal(gated_field, earlier)       # reach 5 covers the image
    assert not masked_field[2, 9] and gated_field[2, 9]


def test_gated_activation_formula():
    a = np.random.default_rng(0).standard_normal((2, 6, 3, 4))
    np.testing.assert_allclose(px.gated_activation(a),
                               np.tanh(a[:, :3]) * sigmoid(a[:, 3:]), rtol=1e-14)
    assert px.gated_activation(a[0]).shape == (3, 3, 4)


def test_color_mask_by_perturbation():
    """Stack A, B, B with colour masks: R at (p, q) reads no channel of (p, q), G reads
    its R, B reads its R and G; all three read every channel of earlier pixels."""
    rng = np.random.default_rng(1)
    ws = [rng.standard_normal((6, 3, 3, 3)), rng.standard_normal((6, 6, 3, 3)),
          rng.standard_normal((3, 6, 3, 3))]
    masks = [px.color_mask(3, "A", 3, 6), px.color_mask(3, "B", 6, 6),
             px.color_mask(3, "B", 6, 3)]

    def model(b):
        for w, m in zip(ws, masks):
            b = np.tanh(masked.masked_conv2d(b, w, m))
        return b

    x = rng.standard_normal((3, 6, 7))
    field = px.perturbation_field(model, x, (3, 4))
    centre = field[:, :, 3, 4].astype(int)            # (out colour, in colour)
    np.testing.assert_array_equal(centre, [[0, 0, 0], [1, 0, 0], [1, 1, 0]])
    earlier = np.arange(42).reshape(6, 7) < 3 * 7 + 4
    assert field[:, :, earlier].any(axis=-1).all()
    assert not field[:, :, ~earlier & (np.arange(42).reshape(6, 7) != 25)].any()


def test_color_mask_b_centre_and_spatial_taps():
    m = px.color_mask(3, "B", 6, 3)
    np.testing.assert_array_equal(m[:, :, 1, 1],
                                  [[1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0], [1] * 6])
    assert (m[:, :, 0] == 1).all() and (m[:, :, 1, 0] == 1).all()
    assert (m[:, :, 2] == 0).all() and (m[:, :, 1, 2] == 0).all()


def tiny_model():
    stack, head = px.random_gated_pixelcnn(7, 1, 4, 2, 3, out_channels=2)
    return lambda b: 3 * px.gated_pixelcnn(2 * b - 1, stack, head)


def test_sampling_passes_and_causality():
    model = tiny_model()
    image, probs, passes = px.sample_raster(model, (5, 6), 3)
    assert passes == 30 and image.shape == (5, 6) and set(image.ravel()) <= {0, 1}
    np.testing.assert_allclose(probs.sum(-1), 1)
    # one pass on the finished sample gives the same conditionals (later pixels unread)
    np.testing.assert_array_equal(px.pixel_probabilities(model, image), probs)
    rng = np.random.default_rng(0)
    for n in range(30):
        other = image.copy().ravel()
        other[n:] = rng.integers(0, 2, 30 - n)          # rewrite pixel n and later
        p, q = divmod(n, 6)
        got = px.pixel_probabilities(model, other.reshape(5, 6))[p, q]
        np.testing.assert_array_equal(got, probs[p, q])
    again = px.sample_raster(model, (5, 6), 3)[0]
    np.testing.assert_array_equal(again, image)        # seeded


@pytest.mark.parametrize("call, message", [
    (lambda: px.gated_activation(np.ones((3, 2, 2))), "even number of channels"),
    (lambda: px.gated_activation(np.ones((2, 2))), "gated_activation: a"),
    (lambda: px.gated_layer(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 2)),
                            px.random_gated_pixelcnn(0, 1, 2, 1)[0][0]), "same shape"),
    (lambda: px.gated_layer(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)),
                            px.random_gated_pixelcnn(0, 1, 2, 1)[0][0]), "residual"),
    (lambda: px.gated_layer(np.ones((1, 2, 3, 3)), np.ones((1, 2, 3, 3)),
                            px.random_gated_pixelcnn(0, 1, 2, 1)[0][0], first=True),
     "weights.vertical must have shape"),
    (lambda: px.gated_layer(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)),
                            px.GatedLayer(np.ones((4, 1, 2, 3)), np.ones((4, 1, 1, 3)),
                                          np.ones((4, 4, 1, 1)), np.ones((2, 2, 1, 1))),
                            first=True), "weights.horizontal must have shape"),
    (lambda: px.gated_layer(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)),
                            px.GatedLayer(np.ones((4, 1, 2, 4)), np.ones((4, 1, 1, 3)),
                                          np.ones((4, 4, 1, 1)), np.ones((2, 2, 1, 1))),
                            first=True), "odd k"),
    (lambda: px.gated_pixelcnn(np.ones((1, 1, 3, 3)), [], np.ones((1, 2, 1, 1))),
     "at least one"),
    (lambda: px.random_gated_pixelcnn(0, 1, 2, 1, 4), "kernel_size must be odd"),
    (lambda: px.random_gated_pixelcnn(0, 0, 2, 1), "in_channels"),
    (lambda: px.gated_pixelcnn_field((3, 3), (3, 0), 1), "pixel must lie inside"),
    (lambda: px.gated_pixelcnn_field((3, 3), (1, 1), 0), "layers"),
    (lambda: px.gated_pixelcnn_field((3, 3), (1, 1), 1, 2), "kernel_size must be odd"),
    (lambda: px.color_mask(3, "A", 3, 4), "out_channels must be a positive multiple"),
    (lambda: px.color_mask(3, "C", 3, 3), "mask_type"),
    (lambda: px.color_mask(4, "A", 3, 3), "kernel_size must be odd"),
    (lambda: px.perturbation_field(lambda b: b, np.ones((2, 2)), (0, 0)), "x"),
    (lambda: px.perturbation_field(lambda b: b, np.ones((1, 2, 2)), (0, 2)),
     "pixel must lie inside"),
    (lambda: px.pixel_probabilities(lambda b: b, np.ones(3)), "image"),
    (lambda: px.sample_raster(lambda b: b, (0, 2), 0), "shape"),
])
def test_errors(call, message):
    with pytest.raises(ValueError, match=message) as err:
        call()
    # the message starts with the public function called (gated_pixelcnn's layers too)
    assert str(err.value).split(":")[0] in px.__all__


def test_inputs_not_modified():
    stack, head = px.random_gated_pixelcnn(0, 1, 2, 2)
    x = np.random.default_rng(0).standard_normal((1, 1, 4, 5))
    copies = [x.copy()] + [w.copy() for w in stack[0]]
    px.gated_pixelcnn(x, stack, head)
    px.perturbation_field(lambda b: px.gated_pixelcnn(b, stack, head), x[0], (1, 1))
    for before, after in zip(copies, [x] + list(stack[0])):
        np.testing.assert_array_equal(before, after)

"""padding_mode of convlib.nn.conv1d/2d/3d and conv2d_backward.

Three oracles: ``numpy.pad`` with the mode's NumPy name followed by the loop reference
of an unpadded layer (nn_reference.conv); PyTorch's ``nn.Conv1d/2d/3d(...,
padding_mode=...)`` outputs and gradients stored in tests/fixtures/torch_conv_layers.npz
(written by tools/fixtures/torch_conv_layers.py; PyTorch is not a dependency); and, for
the backward pass, the adjoint identity of the padding and central finite differences.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib import nn
from convlib.nn._args import PADDING_MODES, pad_input, pad_input_adjoint
from nn_reference import conv as conv_ref

FIXTURE = Path(__file__).parent / "fixtures" / "torch_conv_layers.npz"
FORWARD = {1: nn.conv1d, 2: nn.conv2d, 3: nn.conv3d}
MODES = tuple(PADDING_MODES)
NUMPY_NAME = {"zeros": "constant", "reflect": "reflect", "replicate": "edge",
              "circular": "wrap"}


@pytest.fixture(scope="module")
def torch_ref():
    with np.load(FIXTURE) as f:
        return {key: f[key] for key in f.files}


def torch_cases(ref):
    return json.loads(str(ref["cases"]))


def same_pads(k, d):
    return [(di * (ki - 1) // 2, di * (ki - 1) - di * (ki - 1) // 2)
            for ki, di in zip(k, d)]


# --- numpy.pad + an unpadded layer ---------------------------------------------------

@st.composite
def padded_case(draw):
    nd = draw(st.sampled_from([1, 2, 3]))
    mode = draw(st.sampled_from(MODES))
    groups = draw(st.integers(1, 2))
    k = [draw(st.integers(1, 3)) for _ in range(nd)]
    spatial = [draw(st.integers(1, 5 if nd < 3 else 4)) for _ in range(nd)]
    limit = {"reflect": -1, "circular": 0}.get(mode, 2)   # PyTorch's limits
    pads = [(draw(st.integers(0, min(2, n + limit))), draw(st.integers(0, min(2, n + limit))))
            for n in spatial]
    # the padded input must hold one window
    spatial = [max(n, ki - lo - hi) for n, ki, (lo, hi) in zip(spatial, k, pads)]
    return dict(nd=nd, mode=mode, groups=groups, k=k, spatial=spatial, pads=pads,
                s=[draw(st.integers(1, 2)) for _ in range(nd)],
                integer=draw(st.booleans()), seed=draw(st.integers(0, 2**16)))


@settings(max_examples=150, deadline=None)
@given(padded_case())
def test_forward_is_numpy_pad_then_valid_layer(c):
    rng = np.random.default_rng(c["seed"])
    x = rng.integers(-4, 5, size=(2, 2 * c["groups"], *c["spatial"]))
    w = rng.integers(-3, 4, size=(2 * c["groups"], 2, *c["k"]))
    if not c["integer"]:
        x, w = x + rng.standard_normal(x.shape), w + rng.standard_normal(w.shape)
    xp = np.pad(x, [(0, 0), (0, 0)] + c["pads"], mode=NUMPY_NAME[c["mode"]])
    want = conv_ref(xp, w, stride=c["s"], groups=c["groups"])
    got = FORWARD[c["nd"]](x, w, stride=c["s"], padding=tuple(c["pads"]),
                           groups=c["groups"], padding_mode=c["mode"])
    assert got.dtype == want.dtype
    if c["integer"]:
        np.testing.assert_array_equal(got, want)              # exact integer sums
    else:  # <= 2*27 products of O(1) numbers: a few ulps of float64 each
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * max(1, abs(want).max()))


def test_zeros_is_the_default():
    x, w = np.arange(30.0).reshape(1, 1, 5, 6), np.ones((2, 1, 3, 3))
    np.testing.assert_array_equal(nn.conv2d(x, w, padding=1),
                                  nn.conv2d(x, w, padding=1, padding_mode="zeros"))


def test_modes_by_hand():
    x = np.array([[[1, 2, 3, 4]]])
    want = {"zeros": [3, 6, 9, 7], "reflect": [5, 6, 9, 10],      # 2|1234|3
            "replicate": [4, 6, 9, 11], "circular": [7, 6, 9, 8]}  # 1|1234|4, 4|1234|1
    for mode, y in want.items():
        assert nn.conv1d(x, np.ones((1, 1, 3), dtype=int), padding=1,
                         padding_mode=mode)[0, 0].tolist() == y


def test_same_padding_with_modes_is_pytorchs_split():
    x = np.random.default_rng(1).standard_normal((1, 1, 6, 7))
    w = np.random.default_rng(2).standard_normal((1, 1, 2, 4))
    for mode in MODES:
        xp = np.pad(x, [(0, 0), (0, 0)] + same_pads((2, 4), (1, 1)), mode=NUMPY_NAME[mode])
        np.testing.assert_allclose(nn.conv2d(x, w, padding="same", padding_mode=mode),
                                   conv_ref(xp, w), atol=1e-12)


def test_circular_padding_is_periodic_convolution():
    # a 'same' circular layer is the cyclic correlation: the DFT identity of chapter 5
    rng = np.random.default_rng(3)
    x, h = rng.standard_normal(8), rng.standard_normal(3)
    y = nn.conv1d(x[None, None], h[None, None], padding=1, padding_mode="circular")[0, 0]
    cyclic = [sum(h[i] * x[(p - 1 + i) % 8] for i in range(3)) for p in range(8)]
    np.testing.assert_allclose(y, cyclic, atol=1e-12)


def test_input_not_modified():
    x = np.arange(20.0).reshape(1, 1, 4, 5)
    before = x.copy()
    for mode in MODES:
        nn.conv2d(x, np.ones((1, 1, 3, 3)), padding=2, padding_mode=mode)
        nn.conv2d_backward(x, np.ones((1, 1, 3, 3)), np.ones((1, 1, 6, 7)), padding=2,
                           padding_mode=mode)
    np.testing.assert_array_equal(x, before)


# --- PyTorch's stored outputs ---------------------------------------------------------

# float64 both sides; each output sums <= 4*9 products: 1e-12 is far above the
# rounding difference and far below any indexing mistake (O(1) values)
ATOL = 1e-12


@pytest.mark.parametrize("mode", MODES)
def test_forward_equals_pytorch(torch_ref, mode):
    for c in torch_cases(torch_ref):
        name = c["name"]
        x, w, b = (torch_ref[f"{name}__{v}"] for v in "xwb")
        padding = c["padding"] if isinstance(c["padding"], str) else tuple(c["padding"])
        y = FORWARD[c["nd"]](x, w, b, stride=tuple(c["stride"]), padding=padding,
                             dilation=tuple(c["dilation"]), groups=c["groups"],
                             padding_mode=mode)
        np.testing.assert_allclose(y, torch_ref[f"{name}__{mode}__y"], rtol=0, atol=ATOL,
                                   err_msg=f"{name} {mode}")


@pytest.mark.parametrize("mode", MODES)
def test_backward_equals_pytorch(torch_ref, mode):
    for c in torch_cases(torch_ref):
        if c["nd"] != 2:
            continue
        name, key = c["name"], f"{c['name']}__{mode}"
        padding = c["padding"] if isinstance(c["padding"], str) else tuple(c["padding"])
        gx, gw, gb = nn.conv2d_backward(
            torch_ref[f"{name}__x"], torch_ref[f"{name}__w"], torch_ref[f"{key}__gy"],
            stride=tuple(c["stride"]), padding=padding, dilation=tuple(c["dilation"]),
            groups=c["groups"], padding_mode=mode)
        for got, want in ((gx, "gx"), (gw, "gw"), (gb, "gb")):
            np.testing.assert_allclose(got, torch_ref[f"{key}__{want}"], rtol=0,
                                       atol=ATOL, err_msg=f"{key} {want}")


def test_tiny_example_equals_pytorch(torch_ref):
    # the chapter's by-hand example, as PyTorch printed it
    x = torch_ref["tiny__x"]
    for mode in MODES:
        y = nn.conv2d(x.astype(int), np.ones((1, 1, 3, 3), dtype=int), padding=1,
                      padding_mode=mode)
        np.testing.assert_array_equal(y, torch_ref[f"tiny__{mode}"])
    assert torch_ref["tiny__circular"][0, 0].tolist() == [[48, 45, 54, 51]] * 3
    for mode, y in {"zeros": [3, 6, 9, 7], "reflect": [5, 6, 9, 10],
                    "replicate": [4, 6, 9, 11], "circular": [7, 6, 9, 8]}.items():
        assert torch_ref[f"tiny1d__{mode}"][0, 0].tolist() == y


def test_depth_multiplier_and_naming_equal_pytorch(torch_ref):
    assert torch_ref["depthwise__weight_shape"].tolist() == [6, 1, 3, 3]
    y = nn.conv2d(torch_ref["depthwise__x"], torch_ref["depthwise__w"], groups=3)
    np.testing.assert_allclose(y, torch_ref["depthwise__y"], rtol=0, atol=ATOL)
    y = nn.conv2d(torch_ref["naming__x"], torch_ref["naming__w"], torch_ref["naming__b"],
                  stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)
    np.testing.assert_allclose(y, torch_ref["naming__y"], rtol=0, atol=ATOL)
    # the integer example the chapter prints: exact
    y = nn.conv2d(torch_ref["naming_int__x"].astype(int),
                  torch_ref["naming_int__w"].astype(int), np.array([1, -1]),
                  stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)
    np.testing.assert_array_equal(y, torch_ref["naming_int__y"])
    assert y.tolist() == [[[[3, 6], [14, 10], [4, 4]], [[-4, -3], [18, 14], [5, 7]]]]


def test_pytorch_refuses_what_convlib_refuses(torch_ref):
    assert str(torch_ref["message__transposed"]) == (
        'Only "zeros" padding mode is supported for ConvTranspose2d')
    assert "should be less than the corresponding input dimension" in str(
        torch_ref["message__reflect"])
    with pytest.raises(ValueError, match="smaller than the input size"):
        nn.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), padding=3,
                  padding_mode="reflect")


# --- backward: adjoint of the padding, finite differences ------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("pads", [((0, 0), (1, 2)), ((2, 1), (3, 0)), ((3, 3), (4, 4))])
def test_pad_adjoint_identity(mode, pads):
    # <pad(x), u> = <x, pad_adjoint(u)> for every x and u
    if mode == "reflect" and max(max(p) for p in pads) > 3:
        pads = ((2, 2), (3, 3))
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 4, 4))
    xp = pad_input(x, pads, mode=mode)
    u = rng.standard_normal(xp.shape)
    np.testing.assert_allclose(np.vdot(xp, u), np.vdot(x, pad_input_adjoint(u, pads, mode)),
                               rtol=1e-12)
    assert pad_input_adjoint(u, pads, mode).shape == x.shape


def test_pad_adjoint_is_exact_for_integers():
    g = np.ones((1, 1, 3, 6), dtype=np.int64)
    back = pad_input_adjoint(g, ((0, 0), (1, 1)), "replicate")
    assert back.dtype == np.int64 and back[0, 0].tolist() == [[2, 1, 1, 2]] * 3


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_backward_matches_finite_differences(mode):
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((1, 2, 4, 5)), rng.standard_normal((3, 2, 3, 3))
    kwargs = dict(padding=((2, 1), (1, 2)), stride=(1, 2), padding_mode=mode)
    g = rng.standard_normal(nn.conv2d(x, w, **kwargs).shape)
    gx, gw, _ = nn.conv2d_backward(x, w, g, **kwargs)
    eps = 1e-6   # central differences of a function linear in x and w: exact up to rounding
    for arr, grad in ((x, gx), (w, gw)):
        numeric = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            plus, minus = arr.copy(), arr.copy()
            plus[idx] += eps
            minus[idx] -= eps
            args = (plus, w) if arr is x else (x, plus)
            margs = (minus, w) if arr is x else (x, minus)
            numeric[idx] = np.sum(g * (nn.conv2d(*args, **kwargs)
                                       - nn.conv2d(*margs, **kwargs))) / (2 * eps)
        np.testing.assert_allclose(grad, numeric, rtol=0, atol=1e-7)


# --- errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(padding=1, padding_mode="symmetric"), ValueError,
     "conv2d: padding_mode must be one of 'zeros', 'reflect', 'replicate', 'circular'; "
     "got 'symmetric'"),
    (dict(padding=1, padding_mode=None), ValueError, "padding_mode must be one of"),
    (dict(padding=3, padding_mode="reflect"), ValueError,
     r"conv2d: padding_mode='reflect' needs the padding of each side smaller than the "
     r"input size; got padding \(3, 3\) for spatial axis 0 of size 3"),
    (dict(padding=((0, 0), (0, 4)), padding_mode="circular"), ValueError,
     r"conv2d: padding_mode='circular' needs the padding of each side at most the input "
     r"size; got padding \(0, 4\) for spatial axis 1 of size 3"),
])
def test_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        nn.conv2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3)), **kwargs)


def test_limits_are_pytorchs():
    x, w = np.ones((1, 1, 3, 3)), np.ones((1, 1, 3, 3))
    assert nn.conv2d(x, w, padding=2, padding_mode="reflect").shape == (1, 1, 5, 5)
    assert nn.conv2d(x, w, padding=3, padding_mode="circular").shape == (1, 1, 7, 7)
    assert nn.conv2d(x, w, padding=9, padding_mode="replicate").shape == (1, 1, 19, 19)


@pytest.mark.parametrize("func, args", [
    (nn.conv1d, (np.ones((1, 1, 2)), np.ones((1, 1, 2)))),
    (nn.conv3d, (np.ones((1, 1, 2, 2, 2)), np.ones((1, 1, 2, 2, 2)))),
    (nn.conv2d_backward, (np.ones((1, 1, 2, 2)), np.ones((1, 1, 2, 2)),
                          np.ones((1, 1, 5, 5)))),
])
def test_errors_name_the_function_called(func, args):
    name = func.__name__
    with pytest.raises(ValueError, match=f"^{name}: padding_mode='reflect' needs"):
        func(*args, padding=2, padding_mode="reflect")

"""convlib.nn pixel shuffle and the phase (polyphase) view of transposed convolution:
PyTorch reference outputs (tests/fixtures, written by tools/fixtures/), loops written
from the definitions, the sub-pixel identity, and every error message."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib import nn
from nn_reference import conv_transpose as transpose_ref

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "ch12_torch_reference.npz")
# (stride, padding, output_padding, groups) of each stored transposed case, as in
# tools/fixtures/ch12_torch_reference.py
CASES = [(2, 0, 0, 1), (2, 1, 1, 2), (3, (1, 2), (2, 0), 1), ((2, 3), 0, 1, 1),
         (4, 0, 0, 1)]


def shuffle_loops(x, r):
    """out[..., c, h*r + i, w*r + j] = x[..., c*r*r + i*r + j, h, w], one by one."""
    *lead, C, H, W = x.shape
    out = np.zeros((*lead, C // (r * r), H * r, W * r), dtype=x.dtype)
    for c in range(C // (r * r)):
        for i in range(r):
            for j in range(r):
                for h in range(H):
                    for w in range(W):
                        src = x[..., c * r * r + i * r + j, h, w]
                        out[..., c, h * r + i, w * r + j] = src
    return out


# float64 rearrangements and sums of at most 2*2*5*5 products of O(1) numbers in
# another order than PyTorch's: equal to a few ulps
ATOL = 1e-12


@pytest.mark.parametrize("name", ["ps_a", "ps_b", "ps_c", "ps_d"])
def test_pixel_shuffle_matches_pytorch(name):
    x, r = FIXTURE[f"{name}_x"], int(FIXTURE[f"{name}_r"])
    np.testing.assert_array_equal(nn.pixel_shuffle(x, r), FIXTURE[f"{name}_y"])


@pytest.mark.parametrize("name", ["pu_a", "pu_b", "pu_c"])
def test_pixel_unshuffle_matches_pytorch(name):
    x, r = FIXTURE[f"{name}_x"], int(FIXTURE[f"{name}_r"])
    np.testing.assert_array_equal(nn.pixel_unshuffle(x, r), FIXTURE[f"{name}_y"])


@pytest.mark.parametrize("i", range(len(CASES)))
def test_transposed_and_phases_match_pytorch(i):
    s, p, op, g = CASES[i]
    x, w, b, want = (FIXTURE[f"ct{i}_{k}"] for k in "xwby")
    for f in (nn.conv_transpose2d, nn.conv_transpose2d_phases):
        got = f(x, w, b, stride=s, padding=p, output_padding=op, groups=g)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=ATOL)


def test_stride2_gradient_matches_pytorch():
    w = FIXTURE["grad_w"]
    g = np.ones((1, 1, 8, 8))
    grad_x, _, _ = nn.conv2d_backward(np.zeros((1, 1, 16, 16)), w, g, stride=2, padding=1)
    np.testing.assert_allclose(grad_x, FIXTURE["grad_x"], rtol=0, atol=ATOL)
    # away from the border: period 2, the four phase sums of the kernel
    inner = grad_x[0, 0, 2:-2, 2:-2]
    np.testing.assert_allclose(inner, np.tile(inner[:2, :2], (6, 6)), atol=ATOL)
    sums = {(a, b): w[0, 0, (1 - a)::2, (1 - b)::2].sum() for a in (0, 1) for b in (0, 1)}
    for (a, b), total in sums.items():
        np.testing.assert_allclose(inner[a::2, b::2], total, atol=ATOL)


@settings(max_examples=60, deadline=None)
@given(lead=st.lists(st.integers(1, 2), max_size=2), C=st.integers(1, 2),
       r=st.integers(1, 3), H=st.integers(1, 3), W=st.integers(1, 3),
       dtype=st.sampled_from([np.int64, np.float64, np.complex128, np.bool_]))
def test_shuffle_matches_loops_and_inverts(lead, C, r, H, W, dtype):
    x = (np.arange(np.prod(lead, dtype=int) * C * r * r * H * W) % 7)
    x = x.reshape(*lead, C * r * r, H, W).astype(dtype)
    y = nn.pixel_shuffle(x, r)
    assert y.dtype == x.dtype and y.shape == (*lead, C, H * r, W * r)
    np.testing.assert_array_equal(y, shuffle_loops(x, r))
    np.testing.assert_array_equal(nn.pixel_unshuffle(y, r), x)
    np.testing.assert_array_equal(nn.pixel_shuffle(nn.pixel_unshuffle(y, r), r), y)


def test_results_are_new_arrays_and_inputs_unchanged():
    x = np.arange(24.0).reshape(1, 4, 2, 3)
    before = x.copy()
    for y in (nn.pixel_shuffle(x, 1), nn.pixel_unshuffle(x, 1), nn.pixel_shuffle(x, 2)):
        assert not np.shares_memory(y, x)
    w = np.arange(27.0).reshape(3, 1, 3, 3)
    wb = w.copy()
    nn.subpixel_weight(w, 2)
    nn.conv_transpose2d_phases(x[:, :3], w, stride=2)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_array_equal(w, wb)


@st.composite
def phase_case(draw):
    groups = draw(st.integers(1, 2))
    s = [draw(st.integers(1, 4)) for _ in range(2)]
    k = [draw(st.integers(1, 5)) for _ in range(2)]
    n = [draw(st.integers(1, 4)) for _ in range(2)]
    op = [draw(st.integers(0, si - 1)) for si in s]
    pads = [(draw(st.integers(0, 1)), draw(st.integers(0, 1))) for _ in range(2)]
    return dict(groups=groups, s=s, k=k, n=n, op=op, pads=pads,
                Cg=draw(st.integers(1, 2)), Og=draw(st.integers(1, 2)),
                seed=draw(st.integers(0, 2**16)))


def case_arrays(c):
    rng = np.random.default_rng(c["seed"])
    C_in = c["Cg"] * c["groups"]
    return (rng.integers(-5, 6, size=(2, C_in, *c["n"])),
            rng.integers(-5, 6, size=(C_in, c["Og"], *c["k"])),
            rng.integers(-5, 6, size=c["Og"] * c["groups"]))


def fits(c):
    return all((n - 1) * s + k + o > lo + hi for n, s, k, o, (lo, hi)
               in zip(c["n"], c["s"], c["k"], c["op"], c["pads"]))


@settings(max_examples=100, deadline=None)
@given(phase_case())
def test_phases_equal_scatter_exactly(c):
    if not fits(c):
        return
    x, w, b = case_arrays(c)
    kw = dict(stride=c["s"], padding=tuple(c["pads"]), output_padding=c["op"],
              groups=c["groups"])
    got = nn.conv_transpose2d_phases(x, w, b, **kw)
    np.testing.assert_array_equal(got, nn.conv_transpose2d(x, w, b, **kw))
    np.testing.assert_array_equal(
        got, transpose_ref(x, w, b, c["s"], c["pads"], c["op"], None, c["groups"]))
    np.testing.assert_array_equal(nn.conv_transpose2d_phases(x[0], w, b, **kw), got[0])


@settings(max_examples=100, deadline=None)
@given(phase_case())
def test_subpixel_identity(c):
    """conv_transpose2d(stride r) = pixel_shuffle(stride-1 conv with r*r*C_out
    channels), then zeros beyond the transposed size."""
    r = c["s"][0]
    x, w, _ = case_arrays(c)
    W = nn.subpixel_weight(w, r, groups=c["groups"])
    K = [-(-k // r) for k in c["k"]]
    assert W.shape == (c["Og"] * c["groups"] * r * r, c["Cg"], *K)
    y = nn.pixel_shuffle(nn.conv2d(x, W, padding=(K[0] - 1, K[1] - 1),
                                   groups=c["groups"]), r)
    want = nn.conv_transpose2d(x, w, stride=r, groups=c["groups"])
    H, Wd = want.shape[2:]
    np.testing.assert_array_equal(y[:, :, :H, :Wd], want)
    assert not y[:, :, H:].any() and not y[:, :, :, Wd:].any()
    assert y.shape[2:] == (r * (c["n"][0] + K[0] - 1), r * (c["n"][1] + K[1] - 1))


def test_subpixel_weight_by_hand():
    # 1-D kernel [1, 2, 3], stride 2: phase 0 taps [1, 3], phase 1 taps [2] (+ a zero)
    w = np.array([[[[1, 2, 3]]]])
    np.testing.assert_array_equal(nn.subpixel_weight(w, (1, 2))[:, 0, 0],
                                  [[3, 1], [0, 2]])   # flipped: correlation weights
    # 3x3 kernel of ones, stride 2: the phases have 4, 2, 2 and 1 taps
    taps = nn.subpixel_weight(np.ones((1, 1, 3, 3), dtype=int), 2).sum(axis=(1, 2, 3))
    assert taps.tolist() == [4, 2, 2, 1]


@pytest.mark.parametrize("call,exc,match", [
    (lambda: nn.pixel_shuffle(np.ones((3, 2, 2)), 2), ValueError,
     r"^pixel_shuffle: x must have a number of channels divisible by "
     r"upscale_factor\*\*2 = 4; got x of shape \(3, 2, 2\)$"),
    (lambda: nn.pixel_shuffle(np.ones((4, 2)), 2), ValueError,
     r"^pixel_shuffle: x must have at least 3 dimension"),
    (lambda: nn.pixel_shuffle(np.ones((4, 2, 2)), 0), ValueError,
     r"^pixel_shuffle: upscale_factor must be >= 1; got 0$"),
    (lambda: nn.pixel_shuffle(np.ones((4, 2, 2)), 2.0), TypeError,
     r"^pixel_shuffle: upscale_factor must be an integer; got 2.0$"),
    (lambda: nn.pixel_shuffle(np.array([["a"]] * 4), 2), TypeError,
     r"^pixel_shuffle: x must hold numbers"),
    (lambda: nn.pixel_unshuffle(np.ones((1, 3, 4)), 2), ValueError,
     r"^pixel_unshuffle: downscale_factor must divide the height and the width of x; "
     r"got downscale_factor=2 and x of shape \(1, 3, 4\)$"),
    (lambda: nn.pixel_unshuffle(np.ones((4, 4)), 2), ValueError,
     r"^pixel_unshuffle: x must have at least 3 dimension"),
    (lambda: nn.pixel_unshuffle(np.ones((1, 4, 4)), -1), ValueError,
     r"^pixel_unshuffle: downscale_factor must be >= 1; got -1$"),
    (lambda: nn.subpixel_weight(np.ones((3, 1, 3, 3)), 2, groups=2), ValueError,
     r"^subpixel_weight: groups must divide in_channels, but 2 does not divide 3$"),
    (lambda: nn.subpixel_weight(np.ones((3, 3)), 2), ValueError,
     r"^subpixel_weight: weight must be 4-D"),
    (lambda: nn.subpixel_weight(np.ones((1, 1, 3, 3)), (2, 0)), ValueError,
     r"^subpixel_weight: stride must be >= 1; got 0$"),
    (lambda: nn.conv_transpose2d_phases(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)),
                                        stride=0), ValueError,
     r"^conv_transpose2d_phases: stride must be >= 1; got 0$"),
    (lambda: nn.conv_transpose2d_phases(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)),
                                        stride=2, output_padding=2), ValueError,
     r"^conv_transpose2d_phases: output_padding must be smaller than either stride or "
     r"dilation; got output_padding=2, stride=2, dilation=1$"),
    (lambda: nn.conv_transpose2d_phases(np.ones((1, 2, 2, 2)), np.ones((1, 1, 3, 3))),
     ValueError, r"^conv_transpose2d_phases: weight.shape\[0\] must equal in_channels"),
    (lambda: nn.conv_transpose2d_phases(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)),
                                        padding=9), ValueError,
     r"^conv_transpose2d_phases: padding must leave an output size >= 1"),
    (lambda: nn.conv_transpose2d_phases(np.ones((1, 1, 3, 3)), np.ones((1, 2, 3, 3)),
                                        stride=10**9), ValueError,
     r"^conv_transpose2d_phases: stride asks for an output of shape"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()

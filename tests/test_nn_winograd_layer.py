"""convlib.nn.winograd_conv2d (Lavin and Gray's layer algorithm) against PyTorch's
stored outputs (tests/fixtures/winograd_torch.npz, written by
tools/fixtures/winograd_torch_fixture.py), SciPy's 2-D correlation summed over channels
and convlib.nn.conv2d; winograd_layer_ops against counts made by hand and the paper's;
every error message."""

import re
from pathlib import Path

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib import nn
from convlib.winograd import winograd_multiplications


def scipy_layer(x, w, b, pad):
    """sum_c correlate2d(x[n, c], w[k, c]) of the zero-padded batch, one by one."""
    xp = np.pad(x, ((0, 0), (0, 0), pad[0], pad[1]))
    N, K = x.shape[0], w.shape[0]
    out = [[sum(scipy.signal.correlate2d(xp[n, c], w[k, c], "valid")
                for c in range(x.shape[1])) + (0 if b is None else b[k])
            for k in range(K)] for n in range(N)]
    return np.array(out)


FIXTURE = np.load(Path(__file__).parent / "fixtures" / "winograd_torch.npz")
# (padding) of each stored case, as in tools/fixtures/winograd_torch_fixture.py
TORCH_CASES = {"resnet_like": 1, "odd": 0, "same": "same", "asym": (2, 0)}


@pytest.mark.parametrize("m", [2, 4])
@pytest.mark.parametrize("name", list(TORCH_CASES))
def test_equals_pytorch_reference(name, m):
    x, w, b, y = (FIXTURE[f"{name}_{key}"] for key in "xwby")
    got = nn.winograd_conv2d(x, w, b, padding=TORCH_CASES[name], m=m)
    assert got.shape == y.shape
    assert np.abs(got - y).max() <= RTOL64 * np.abs(y).max()


# float64, sums of 9*C products of O(1) numbers; the F(m x m) transforms (m <= 4) have
# entries up to 8 (chapter 9's table), so the rounding error is a few hundred ulps of
# the largest output at most: 1e-11 relative leaves a margin of about 100
RTOL64 = 1e-11


@pytest.mark.parametrize("m", [1, 2, 3, 4])
@pytest.mark.parametrize("shape, K, pad", [
    ((2, 3, 6, 7), 4, ((1, 1), (1, 1))), ((1, 5, 9, 8), 2, ((0, 0), (0, 0))),
    ((3, 2, 3, 3), 1, ((0, 0), (0, 0))), ((1, 4, 10, 11), 3, ((2, 0), (1, 3)))])
def test_equals_scipy_sum_over_channels(shape, K, pad, m):
    rng = np.random.default_rng(sum(shape) + K + m)
    x, w = rng.standard_normal(shape), rng.standard_normal((K, shape[1], 3, 3))
    b = rng.standard_normal(K)
    ref = scipy_layer(x, w, b, pad)
    got = nn.winograd_conv2d(x, w, b, padding=pad, m=m)
    assert got.shape == ref.shape and got.dtype == np.float64
    assert np.abs(got - ref).max() <= RTOL64 * np.abs(ref).max()


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), k=st.integers(1, 3),
       h=st.integers(1, 9), w=st.integers(1, 9), p=st.integers(0, 2),
       m=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_equals_conv2d(n, c, k, h, w, p, m, seed):
    if h + 2 * p < 3 or w + 2 * p < 3:
        return
    rng = np.random.default_rng(seed)
    x, wt = rng.standard_normal((n, c, h, w)), rng.standard_normal((k, c, 3, 3))
    ref = nn.conv2d(x, wt, padding=p)
    got = nn.winograd_conv2d(x, wt, padding=p, m=m)
    # F(6x6)'s transforms have entries up to 21/4 and 32/45-sized fractions: looser
    assert np.allclose(got, ref, rtol=0, atol=1e-9 * max(1.0, np.abs(ref).max()))


def test_padding_same_unbatched_complex_integer_and_dtypes():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((3, 7, 5)), rng.standard_normal((2, 3, 3, 3))
    assert np.allclose(nn.winograd_conv2d(x, w, padding="same"),
                       nn.conv2d(x, w, padding="same"))
    xc = x + 1j * rng.standard_normal(x.shape)
    assert np.allclose(nn.winograd_conv2d(xc, w), nn.conv2d(xc, w))
    xi = rng.integers(-5, 6, (1, 3, 6, 6))
    wi = rng.integers(-5, 6, (2, 3, 3, 3))
    yi = nn.winograd_conv2d(xi, wi)
    assert yi.dtype == np.float64 and np.array_equal(yi, nn.conv2d(xi, wi))
    for dtype in (np.float16, np.float32):
        assert nn.winograd_conv2d(x.astype(dtype), w.astype(dtype)).dtype == dtype


def test_float16_sums_accumulate_wider_than_float16():
    # the docstring's claim: each channel sum is rounded to float16 once. 4096 channels
    # of ones give 9 * 4096 = 36864 (a float16 value); a float16 running sum would stop
    # growing at 2048, where adding 1 no longer changes a float16
    ones = np.ones((1, 4096, 3, 3), np.float16)
    y = nn.winograd_conv2d(ones, ones, m=1)
    assert y.dtype == np.float16 and y.item() == 9 * 4096


def test_inputs_not_modified():
    rng = np.random.default_rng(2)
    x, w, b = (rng.standard_normal(s) for s in ((1, 2, 5, 5), (3, 2, 3, 3), (3,)))
    copies = [a.copy() for a in (x, w, b)]
    nn.winograd_conv2d(x, w, b, padding=0)
    assert all(np.array_equal(a, c) for a, c in zip((x, w, b), copies))


def test_ops_one_tile_by_hand_and_lavin_gray():
    # F(2x2, 3x3): B^T's rows have 2 nonzeros (1 addition each): 4 per column,
    # 4 columns then 4 rows, 32 additions, as Lavin and Gray count; A^T's 2 rows
    # have 3 nonzeros: 4 additions per column, 4 columns then 2 rows, 24.
    ops = nn.winograd_layer_ops((1, 1, 4, 4), (1, 1, 3, 3))
    assert ops["input"] == (32, 0) and ops["output"] == (24, 0)
    # G: rows (1,0,0), (1,1,1)/2, (-1,1,-1)/2, (0,0,-1): 4 additions, 6 halvings;
    # applied to 3 columns then 4 rows
    assert ops["filter"] == (7 * 4, 7 * 6)
    assert ops["gemm"] == (0, 16) and ops["direct"] == (4 * 8, 4 * 9)


def test_ops_scale_with_the_layer():
    x_shape, w_shape = (2, 64, 56, 56), (32, 64, 3, 3)
    ops = nn.winograd_layer_ops(x_shape, w_shape, padding=1)
    P = 2 * 28 * 28
    assert ops["tiles"] == P
    assert ops["input"] == (32 * P * 64, 0) and ops["output"] == (24 * P * 32, 0)
    wino, direct = winograd_multiplications((56, 56), 2)
    assert ops["gemm"][1] == 2 * 64 * 32 * wino
    assert ops["direct"][1] == 2 * 64 * 32 * direct
    assert ops["gemm"][0] == 16 * 32 * 63 * P
    ops4 = nn.winograd_layer_ops(x_shape, w_shape, padding=1, m=4)
    assert ops4["tiles"] == 2 * 14 * 14 and ops4["gemm"][1] == 36 * 32 * 64 * 2 * 14 * 14


@pytest.mark.parametrize("call, message", [
    (lambda: nn.winograd_conv2d(np.ones((1, 2, 5, 5)), np.ones((1, 2, 5, 5))),
     "winograd_conv2d: weight must have 3x3 kernels; got shape (1, 2, 5, 5)"),
    (lambda: nn.winograd_conv2d(np.ones((1, 2, 5, 5)), np.ones((1, 3, 3, 3))),
     "winograd_conv2d: x must have weight.shape[1] * groups = 3 channels"),
    (lambda: nn.winograd_conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), m=7),
     "winograd_conv2d: m must be at most 6"),
    (lambda: nn.winograd_conv2d(np.ones((1, 1, 2, 5)), np.ones((1, 1, 3, 3))),
     "winograd_conv2d"),
    (lambda: nn.winograd_conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)),
                                np.ones(2)), "winograd_conv2d: bias must have shape"),
    (lambda: nn.winograd_layer_ops((1, 2, 4, 4), (1, 3, 3, 3)),
     "winograd_layer_ops: weight_shape[1] must equal x_shape[1] (2)"),
    (lambda: nn.winograd_layer_ops((1, 2, 4), (1, 2, 3, 3)),
     "winograd_layer_ops: x_shape must be a tuple of 4 ints"),
    (lambda: nn.winograd_layer_ops((1, 1, 4, 4), (1, 1, 5, 5)),
     "winograd_layer_ops: weight_shape must have 3x3 kernels"),
])
def test_value_errors(call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call()


def test_type_errors():
    with pytest.raises(TypeError, match="winograd_conv2d: m"):
        nn.winograd_conv2d(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), m=2.0)
    with pytest.raises(TypeError, match="winograd_layer_ops: x_shape"):
        nn.winograd_layer_ops(5, (1, 1, 3, 3))
    with pytest.raises(TypeError, match="winograd_conv2d: x must hold"):
        nn.winograd_conv2d(np.ones((1, 1, 5, 5), bool), np.ones((1, 1, 3, 3)))

"""Tests of chapter 8's additions to convlib.im2col: the NHWC patch rows
(``im2col_nhwc``), the indirection buffer and the indirect convolution layer
(``indirection_buffer``, ``conv2d_indirect``, Dukhan 2019), and ``im2col``/``col2im``
against PyTorch's ``unfold``/``fold`` stored in tests/fixtures/ch08_torch_unfold.npz
(written by tools/fixtures/ch08_torch_unfold.py; PyTorch is not a dependency).

The oracles are the definitions, one element at a time (a padded copy and loops),
and the stored PyTorch outputs.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib.im2col import conv2d_indirect, im2col_nhwc, indirection_buffer

FIXTURE = np.load(Path(__file__).parent / "fixtures" / "ch08_torch_unfold.npz")
N_CASES = sum(1 for key in FIXTURE.files
              if key.startswith("case") and key.endswith("_unfold"))


def out_len(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def padded(x, p):
    """NCHW ``x`` with ``p = (pH, pW)`` zeros on both sides, by assignment."""
    N, C, H, W = x.shape
    xp = np.zeros((N, C, H + 2 * p[0], W + 2 * p[1]), dtype=x.dtype)
    xp[:, :, p[0]:p[0] + H, p[1]:p[1] + W] = x
    return xp


def layer_loops(x, w, s, p, d):
    """The definition of a cross-correlation layer, one output value at a time."""
    N, C, H, W = x.shape
    K, _, kH, kW = w.shape
    Ho, Wo = out_len(H, kH, s[0], p[0], d[0]), out_len(W, kW, s[1], p[1], d[1])
    xp, y = padded(x, p), np.zeros((N, K, Ho, Wo))
    for n in range(N):
        for a in range(Ho):
            for b in range(Wo):
                patch = xp[n, :, a * s[0]:a * s[0] + d[0] * (kH - 1) + 1:d[0],
                           b * s[1]:b * s[1] + d[1] * (kW - 1) + 1:d[1]]
                y[n, :, a, b] = np.tensordot(w, patch, axes=3)
    return y


def nhwc_loops(x, k, s, p, d):
    """im2col_nhwc by its definition: entry (i*kW + j)*C + c of row a*Wo + b."""
    N, H, W, C = x.shape
    xp = padded(x.transpose(0, 3, 1, 2), p).transpose(0, 2, 3, 1)
    Ho, Wo = out_len(H, k[0], s[0], p[0], d[0]), out_len(W, k[1], s[1], p[1], d[1])
    rows = np.zeros((N, Ho * Wo, k[0] * k[1] * C), dtype=x.dtype)
    for a in range(Ho):
        for b in range(Wo):
            for i in range(k[0]):
                for j in range(k[1]):
                    at = (i * k[1] + j) * C
                    rows[:, a * Wo + b, at:at + C] = xp[:, a * s[0] + i * d[0],
                                                        b * s[1] + j * d[1]]
    return rows


def buffer_loops(H, W, k, s, p, d):
    Ho, Wo = out_len(H, k[0], s[0], p[0], d[0]), out_len(W, k[1], s[1], p[1], d[1])
    buf = np.full((k[0] * k[1], Ho * Wo), H * W)
    for i in range(k[0]):
        for j in range(k[1]):
            for a in range(Ho):
                for b in range(Wo):
                    h, w = a * s[0] + i * d[0] - p[0], b * s[1] + j * d[1] - p[1]
                    if 0 <= h < H and 0 <= w < W:
                        buf[i * k[1] + j, a * Wo + b] = h * W + w
    return buf


CASES = [  # (N, C, H, W), kernel, stride, padding, dilation
    ((1, 1, 3, 3), (2, 2), (1, 1), (0, 0), (1, 1)),
    ((2, 3, 6, 5), (3, 3), (1, 1), (1, 1), (1, 1)),
    ((1, 2, 7, 8), (3, 2), (2, 3), (1, 0), (1, 2)),
    ((2, 4, 5, 5), (1, 1), (1, 1), (0, 0), (1, 1)),
    ((1, 3, 4, 6), (2, 3), (1, 2), (2, 1), (2, 1)),
]


@pytest.mark.parametrize("shape, k, s, p, d", CASES)
def test_im2col_nhwc_equals_definition_and_permuted_im2col(shape, k, s, p, d):
    x = np.random.default_rng(0).integers(-9, 10, size=shape)
    nhwc = x.transpose(0, 2, 3, 1)
    rows = im2col_nhwc(nhwc, k, s, p, d)
    np.testing.assert_array_equal(rows, nhwc_loops(nhwc, k, s, p, d))
    N, C = shape[:2]
    cols = cl.im2col(x, k, s, p, d)                     # rows (c, i, j)
    permuted = cols.reshape(N, C, k[0] * k[1], -1).transpose(0, 3, 2, 1)
    np.testing.assert_array_equal(rows, permuted.reshape(rows.shape))
    assert rows.flags.writeable and not np.shares_memory(rows, x)


@pytest.mark.parametrize("shape, k, s, p, d", CASES)
def test_nhwc_layer_with_hwio_weights_equals_definition(shape, k, s, p, d):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal(shape), rng.standard_normal((3, shape[1], *k))
    rows = im2col_nhwc(x.transpose(0, 2, 3, 1), k, s, p, d)
    y = rows @ w.transpose(2, 3, 1, 0).reshape(-1, 3)   # (N, L, K): NHWC output
    ref = layer_loops(x, w, s, p, d)
    np.testing.assert_allclose(y.reshape(ref.shape[0], *ref.shape[2:], 3),
                               ref.transpose(0, 2, 3, 1), rtol=1e-12, atol=1e-12)


def test_im2col_nhwc_unbatched_and_literal():
    x = np.arange(8.0).reshape(2, 2, 2)                 # (H, W, C)
    np.testing.assert_array_equal(im2col_nhwc(x, (1, 2)), [[0, 1, 2, 3], [4, 5, 6, 7]])
    np.testing.assert_array_equal(im2col_nhwc(x, 2), [np.arange(8.0)])


@pytest.mark.parametrize("shape, k, s, p, d", CASES)
def test_indirection_buffer_equals_definition(shape, k, s, p, d):
    H, W = shape[2:]
    buf = indirection_buffer((H, W), k, s, p, d)
    np.testing.assert_array_equal(buf, buffer_loops(H, W, k, s, p, d))
    assert buf.dtype == np.int32
    # C times fewer entries than the columns, for every channel count
    assert buf.size * shape[1] == cl.im2col(np.zeros(shape[1:]), k, s, p, d).size


def test_indirection_buffer_literal():
    np.testing.assert_array_equal(indirection_buffer(3, 2), [[0, 1, 3, 4], [1, 2, 4, 5],
                                                             [3, 4, 6, 7], [4, 5, 7, 8]])
    np.testing.assert_array_equal(indirection_buffer((1, 1), 3, padding=1).ravel(),
                                  [1, 1, 1, 1, 0, 1, 1, 1, 1])


@pytest.mark.parametrize("shape, k, s, p, d", CASES)
def test_conv2d_indirect_equals_definition_and_nn(shape, k, s, p, d):
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal(shape), rng.standard_normal((4, shape[1], *k))
    x0, w0 = x.copy(), w.copy()
    y = conv2d_indirect(x, w, s, p, d)
    np.testing.assert_allclose(y, layer_loops(x, w, s, p, d), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y, cl.nn.conv2d(x, w, stride=s, padding=p, dilation=d),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)


@settings(max_examples=30, deadline=None)
@given(C=st.integers(1, 3), H=st.integers(1, 6), W=st.integers(1, 6),
       kH=st.integers(1, 3), kW=st.integers(1, 3), s=st.integers(1, 2),
       p=st.integers(0, 2), d=st.integers(1, 2), seed=st.integers(0, 99))
def test_conv2d_indirect_random_shapes(C, H, W, kH, kW, s, p, d, seed):
    if H + 2 * p < d * (kH - 1) + 1 or W + 2 * p < d * (kW - 1) + 1:
        return
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((2, C, H, W)), rng.standard_normal((2, C, kH, kW))
    args = ((s, s), (p, p), (d, d))
    np.testing.assert_allclose(conv2d_indirect(x, w, *args), layer_loops(x, w, *args),
                               rtol=1e-12, atol=1e-12)


def test_conv2d_indirect_dtypes():
    x = np.ones((1, 2, 4, 4), dtype=np.float32)
    assert conv2d_indirect(x, np.ones((1, 2, 3, 3), np.float32)).dtype == np.float32
    y = conv2d_indirect(x.astype(int), np.ones((1, 2, 3, 3), int))
    assert y.dtype == np.float64 and np.all(y == 18)


@pytest.mark.parametrize("call, match", [
    (lambda: im2col_nhwc(np.ones((2, 2)), 1), r"^im2col_nhwc: x must be"),
    (lambda: im2col_nhwc(np.ones((1, 3, 3, 1)), 4),
     r"^im2col_nhwc: the padded input \(3\) along spatial axis 0 is smaller"),
    (lambda: im2col_nhwc(np.ones((1, 3, 3, 1)), 2, stride=0), r"^im2col_nhwc: stride"),
    (lambda: indirection_buffer((3, 3), 0), r"^indirection_buffer: kernel_size"),
    (lambda: indirection_buffer((3, 0), 1), r"^indirection_buffer: image_shape"),
    (lambda: indirection_buffer((2, 2), 3),
     r"^indirection_buffer: the padded input \(2\) along spatial axis 0"),
    (lambda: indirection_buffer((3, 3), 2, padding=-1), r"^indirection_buffer: padding"),
    (lambda: conv2d_indirect(np.ones((2, 3, 3)), np.ones((1, 2, 1, 1))),
     r"^conv2d_indirect: x must be"),
    (lambda: conv2d_indirect(np.ones((1, 2, 3, 3)), np.ones((1, 3, 1, 1))),
     r"^conv2d_indirect: weight must have x's 2 input channels in axis 1; "
     r"got weight of shape \(1, 3, 1, 1\)"),
    (lambda: conv2d_indirect(np.ones((1, 2, 3, 3)), np.ones((1, 2, 1))),
     r"^conv2d_indirect: weight must be"),
    (lambda: conv2d_indirect(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), dilation=3),
     r"^conv2d_indirect: the padded input"),
])
def test_errors_name_the_function_and_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_huge_requests_are_refused_before_allocating():
    with pytest.raises(ValueError, match=r"^indirection_buffer: kernel_size"):
        indirection_buffer((10**5, 10**5), 3)
    with pytest.raises(ValueError, match=r"^im2col_nhwc: kernel_size"):
        im2col_nhwc(np.broadcast_to(np.ones(1), (1, 3000, 3000, 64)), 5)


@pytest.mark.parametrize("i", range(N_CASES))
def test_im2col_and_col2im_equal_torch_unfold_and_fold(i):
    k, s, p, d = (tuple(int(v) for v in a) for a in FIXTURE[f"case{i}_args"])
    x = FIXTURE[f"case{i}_x"]
    np.testing.assert_allclose(cl.im2col(x, k, s, p, d), FIXTURE[f"case{i}_unfold"],
                               rtol=0, atol=0)          # a copy: bit for bit
    folded = cl.col2im(FIXTURE[f"case{i}_c"], x.shape[2:], k, s, p, d)
    # sums of up to kH*kW float64 terms, in another order: a few ulps
    np.testing.assert_allclose(folded, FIXTURE[f"case{i}_fold"], rtol=1e-13, atol=1e-13)


def test_the_chapters_literals_are_torch_outputs():
    """Chapter 8 prints these two PyTorch results as literals: the fixture holds them."""
    unfold = [[0, 0, 0, 0, 6, 8, 0, 14, 16], [0, 0, 0, 5, 7, 0, 13, 15, 0],
              [0, 2, 4, 0, 10, 12, 0, 0, 0], [1, 3, 0, 9, 11, 0, 0, 0, 0]]
    fold = [[2, 4, 2, 4, 2], [3, 6, 3, 6, 3], [3, 6, 3, 6, 3], [2, 4, 2, 4, 2]]
    np.testing.assert_array_equal(FIXTURE["book_unfold"], [unfold])
    np.testing.assert_array_equal(FIXTURE["book_fold"], [[fold]])
    x = np.arange(1, 17).reshape(1, 1, 4, 4)
    np.testing.assert_array_equal(cl.im2col(x, 2, stride=2, padding=1), [unfold])
    np.testing.assert_array_equal(cl.col2im(np.ones((1, 9, 12)), (4, 5), 3, padding=1,
                                            dilation=(1, 2)), [[fold]])

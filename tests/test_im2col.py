"""Tests of convlib.im2col: im2col / col2im against loops written from the definition of
PyTorch's unfold / fold, the adjoint identity, 3-D inputs, every error message, and the
'im2col' method of convlib.convolve.

PyTorch is not a dependency, so the reference is the definition itself (torch docs of
``torch.nn.Unfold``): row ``c*kH*kW + i*kW + j``, column ``p*W_out + q`` of the output
holds ``xpad[n, c, p*sH + i*dH, q*sW + j*dW]``.
"""

import sys

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib.im2col import patch_taps

im2col_module = sys.modules["convlib.im2col"]


def out_len(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def unfold_loops(x, k, s=(1, 1), p=(0, 0), d=(1, 1)):
    """The definition of unfold, one element at a time."""
    N, C, H, W = x.shape
    H_out = out_len(H, k[0], s[0], p[0], d[0])
    W_out = out_len(W, k[1], s[1], p[1], d[1])
    xpad = np.zeros((N, C, H + 2 * p[0], W + 2 * p[1]), dtype=x.dtype)
    xpad[:, :, p[0]:p[0] + H, p[1]:p[1] + W] = x
    cols = np.zeros((N, C * k[0] * k[1], H_out * W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(k[0]):
                for j in range(k[1]):
                    for pp in range(H_out):
                        for q in range(W_out):
                            cols[n, c * k[0] * k[1] + i * k[1] + j, pp * W_out + q] = \
                                xpad[n, c, pp * s[0] + i * d[0], q * s[1] + j * d[1]]
    return cols


def fold_loops(cols, size, k, s=(1, 1), p=(0, 0), d=(1, 1)):
    """The definition of fold: every column entry added back where unfold read it."""
    N, CK, L = cols.shape
    C = CK // (k[0] * k[1])
    H, W = size
    H_out = out_len(H, k[0], s[0], p[0], d[0])
    W_out = out_len(W, k[1], s[1], p[1], d[1])
    xpad = np.zeros((N, C, H + 2 * p[0], W + 2 * p[1]), dtype=cols.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(k[0]):
                for j in range(k[1]):
                    for pp in range(H_out):
                        for q in range(W_out):
                            xpad[n, c, pp * s[0] + i * d[0], q * s[1] + j * d[1]] += \
                                cols[n, c * k[0] * k[1] + i * k[1] + j, pp * W_out + q]
    return xpad[:, :, p[0]:p[0] + H, p[1]:p[1] + W]


# ---------------------------------------------------------------- literals by hand

def test_im2col_literal_2x2_patches():
    x = np.arange(9).reshape(1, 1, 3, 3)
    # patches (top-left corners 0, 1, 3, 4) are the columns
    expected = np.array([[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]])
    np.testing.assert_array_equal(cl.im2col(x, 2)[0], expected)


def test_im2col_literal_stride_padding():
    x = np.array([[[[1, 2], [3, 4]]]])
    cols = cl.im2col(x, 2, stride=2, padding=1)  # 4x4 padded, 2x2 output
    expected = np.array([[0, 0, 0, 4], [0, 0, 3, 0], [0, 2, 0, 0], [1, 0, 0, 0]])
    np.testing.assert_array_equal(cols[0], expected)


def test_im2col_literal_dilation():
    x = np.arange(16).reshape(1, 1, 4, 4)
    cols = cl.im2col(x, 2, dilation=2)  # taps at offsets 0 and 2: 2x2 outputs
    np.testing.assert_array_equal(cols[0][:, 0], [0, 2, 8, 10])
    assert cols.shape == (1, 4, 4)


def test_col2im_literal_counts_overlaps():
    ones = cl.col2im(np.ones((1, 9, 4)), (4, 4), 3)
    # each pixel is covered by as many 3x3 patches of a 4x4 image as it lies in
    expected = np.array([[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]])
    np.testing.assert_array_equal(ones[0, 0], expected)


# ---------------------------------------------------------------- loops from the definition

CASES = [  # (N, C, H, W), kernel, stride, padding, dilation
    ((1, 1, 3, 3), (2, 2), (1, 1), (0, 0), (1, 1)),
    ((2, 3, 5, 4), (3, 2), (1, 1), (0, 0), (1, 1)),
    ((1, 2, 6, 7), (3, 3), (2, 3), (1, 0), (1, 1)),
    ((2, 1, 7, 6), (2, 3), (1, 2), (2, 1), (2, 1)),
    ((1, 1, 1, 1), (1, 1), (1, 1), (0, 0), (1, 1)),   # single element
    ((1, 2, 2, 2), (3, 3), (1, 1), (1, 1), (1, 1)),   # kernel larger than the input
    ((1, 1, 5, 5), (2, 2), (4, 4), (0, 0), (1, 1)),   # stride larger than kernel
    ((1, 1, 4, 9), (1, 4), (3, 2), (0, 3), (1, 2)),
]


@pytest.mark.parametrize("shape, k, s, p, d", CASES)
def test_im2col_equals_loops(shape, k, s, p, d):
    x = np.random.default_rng(0).integers(-9, 10, size=shape)
    cols = cl.im2col(x, k, stride=s, padding=p, dilation=d)
    np.testing.assert_array_equal(cols, unfold_loops(x, k, s, p, d))  # integers: exact
    assert cols.dtype == x.dtype


@pytest.mark.parametrize("shape, k, s, p, d", CASES)
def test_col2im_equals_loops(shape, k, s, p, d):
    ref_cols = unfold_loops(np.zeros(shape, dtype=np.int64), k, s, p, d)
    cols = np.random.default_rng(1).integers(-9, 10, size=ref_cols.shape)
    out = cl.col2im(cols, shape[2:], k, stride=s, padding=p, dilation=d)
    np.testing.assert_array_equal(out, fold_loops(cols, shape[2:], k, s, p, d))


@settings(max_examples=40, deadline=None)
@given(N=st.integers(1, 2), C=st.integers(1, 3), H=st.integers(1, 7), W=st.integers(1, 7),
       kH=st.integers(1, 4), kW=st.integers(1, 4), sH=st.integers(1, 3),
       sW=st.integers(1, 3), pH=st.integers(0, 2), pW=st.integers(0, 2),
       dH=st.integers(1, 2), dW=st.integers(1, 2), seed=st.integers(0, 2**16))
def test_im2col_col2im_random_shapes(N, C, H, W, kH, kW, sH, sW, pH, pW, dH, dW, seed):
    if H + 2 * pH < dH * (kH - 1) + 1 or W + 2 * pW < dW * (kW - 1) + 1:
        return  # no patch fits: the error is tested below
    k, s, p, d = (kH, kW), (sH, sW), (pH, pW), (dH, dW)
    rng = np.random.default_rng(seed)
    x = rng.integers(-5, 6, size=(N, C, H, W))
    cols = cl.im2col(x, k, s, p, d)
    np.testing.assert_array_equal(cols, unfold_loops(x, k, s, p, d))
    c = rng.integers(-5, 6, size=cols.shape)
    np.testing.assert_array_equal(cl.col2im(c, (H, W), k, s, p, d),
                                  fold_loops(c, (H, W), k, s, p, d))


# ---------------------------------------------------------------- identities

@pytest.mark.parametrize("shape, k, s, p, d", CASES)
def test_adjoint_identity(shape, k, s, p, d):
    """<im2col(x), c> == <x, col2im(c)>: col2im is im2col's transpose."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape)
    cols = cl.im2col(x, k, s, p, d)
    c = rng.standard_normal(cols.shape)
    lhs = np.vdot(cols, c)
    rhs = np.vdot(x, cl.col2im(c, shape[2:], k, s, p, d))
    # float64 sums of at most a few hundred products: rounding ~1e-15 relative
    assert np.isclose(lhs, rhs, rtol=1e-12, atol=1e-12)


def test_adjoint_identity_integers_exact():
    rng = np.random.default_rng(3)
    x = rng.integers(-9, 10, size=(2, 3, 6, 5))
    cols = cl.im2col(x, (2, 3), stride=(2, 1), padding=1, dilation=(1, 2))
    c = rng.integers(-9, 10, size=cols.shape)
    assert np.vdot(cols, c) == np.vdot(x, cl.col2im(c, (6, 5), (2, 3), (2, 1), 1, (1, 2)))


def test_layer_is_one_matrix_product():
    """im2col + GEMM = multi-channel correlation (sum over channels of correlate2d)."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 6, 5))
    w = rng.standard_normal((4, 3, 3, 2))
    out = (w.reshape(4, -1) @ cl.im2col(x, (3, 2))).reshape(2, 4, 4, 4)
    ref = np.array([[sum(scipy.signal.correlate2d(x[n, c], w[k, c], "valid")
                         for c in range(3)) for k in range(4)] for n in range(2)])
    np.testing.assert_allclose(out, ref, rtol=1e-12, atol=1e-12)  # float64 rounding


def test_3d_unbatched_inputs():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 9, size=(2, 5, 4))
    cols = cl.im2col(x, 2, stride=2, padding=1)
    np.testing.assert_array_equal(cols, cl.im2col(x[None], 2, stride=2, padding=1)[0])
    assert cols.ndim == 2
    back = cl.col2im(cols, (5, 4), 2, stride=2, padding=1)
    assert back.shape == (2, 5, 4)
    np.testing.assert_array_equal(back, cl.col2im(cols[None], (5, 4), 2, 2, 1)[0])


def test_dtypes_kept_and_input_not_modified():
    for dtype in (np.float32, np.complex128, np.int16, np.bool_):
        x = (np.arange(24).reshape(1, 2, 3, 4) % 3).astype(dtype)
        before = x.copy()
        cols = cl.im2col(x, 2, padding=1)
        assert cols.dtype == dtype
        np.testing.assert_array_equal(x, before)
        assert not np.shares_memory(cols, x)  # a copy, never a view of the input
        back = cl.col2im(cols, (3, 4), 2, padding=1)
        assert back.shape == (1, 2, 3, 4) and back.dtype == dtype


def test_fold_of_unfold_counts_coverage():
    x = np.ones((1, 1, 5, 5))
    cover = cl.col2im(cl.im2col(x, 3), 5, 3)
    np.testing.assert_array_equal(cover, cl.col2im(np.ones((1, 9, 9)), 5, 3))
    assert cover[0, 0, 2, 2] == 9 and cover[0, 0, 0, 0] == 1


# ---------------------------------------------------------------- errors

def test_im2col_errors():
    x = np.zeros((1, 1, 3, 3))
    with pytest.raises(ValueError, match=r"im2col: x must be 3-D or 4-D; got 2-D"):
        cl.im2col(np.zeros((3, 3)), 2)
    with pytest.raises(TypeError, match=r"im2col: x must hold numbers"):
        cl.im2col(np.array([["a"]]), 1)
    with pytest.raises(ValueError, match=r"im2col: x must not be empty"):
        cl.im2col(np.zeros((1, 1, 0, 3)), 1)
    with pytest.raises(ValueError, match=r"im2col: the padded input \(3\) along spatial "
                                         r"axis 0 is smaller than the dilated kernel \(4\)"):
        cl.im2col(x, 4)
    with pytest.raises(ValueError, match=r"along spatial axis 1 is smaller than the "
                                         r"dilated kernel \(5\)"):
        cl.im2col(x, (1, 3), dilation=2)
    with pytest.raises(ValueError, match=r"im2col: kernel_size must be >= 1; got 0"):
        cl.im2col(x, 0)
    with pytest.raises(ValueError, match=r"im2col: stride must be >= 1; got 0"):
        cl.im2col(x, 2, stride=(1, 0))
    with pytest.raises(ValueError, match=r"im2col: padding must be >= 0; got -1"):
        cl.im2col(x, 2, padding=-1)
    with pytest.raises(ValueError, match=r"im2col: dilation must be >= 1; got 0"):
        cl.im2col(x, 2, dilation=0)
    with pytest.raises(ValueError, match=r"im2col: kernel_size must be an int or a "
                                         r"sequence of 2 ints; got \(1, 2, 3\)"):
        cl.im2col(x, (1, 2, 3))
    with pytest.raises(TypeError, match=r"im2col: stride must be an int or a sequence "
                                        r"of 2 ints; got 1.5"):
        cl.im2col(x, 2, stride=1.5)
    with pytest.raises(TypeError, match=r"im2col: kernel_size must be an integer; "
                                        r"got 2.0"):
        cl.im2col(x, (2.0, 2))


def test_col2im_errors():
    with pytest.raises(ValueError, match=r"col2im: cols must be 2-D or 3-D; got 4-D"):
        cl.col2im(np.zeros((1, 1, 4, 4)), 3, 2)
    with pytest.raises(ValueError, match=r"col2im: cols must have shape \(N, C\*4, 4\) "
                                         r"for these arguments; got \(1, 4, 5\)"):
        cl.col2im(np.zeros((1, 4, 5)), 3, 2)
    with pytest.raises(ValueError, match=r"col2im: cols must have shape \(N, C\*4, 4\) "
                                         r"for these arguments; got \(5, 4\)"):
        cl.col2im(np.zeros((5, 4)), 3, 2)
    with pytest.raises(ValueError, match=r"col2im: output_size must be >= 1; got 0"):
        cl.col2im(np.zeros((4, 4)), (0, 3), 2)
    with pytest.raises(ValueError, match=r"col2im: the padded input \(1\) along spatial "
                                         r"axis 0 is smaller than the dilated kernel \(2\)"):
        cl.col2im(np.zeros((4, 4)), (1, 3), 2)
    with pytest.raises(TypeError, match=r"col2im: cols must hold numbers"):
        cl.col2im(np.array([["a"]]), 1, 1)
    with pytest.raises(ValueError, match=r"col2im: stride must be >= 1; got 0"):
        cl.col2im(np.zeros((4, 4)), 3, 2, stride=0)


# ---------------------------------------------------------------- method='im2col'

@settings(max_examples=60, deadline=None)
@given(n1=st.tuples(st.integers(1, 7), st.integers(1, 7)),
       n2=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       ndim=st.sampled_from([1, 2]), mode=st.sampled_from(["full", "same", "valid"]),
       seed=st.integers(0, 2**16))
def test_method_im2col_equals_scipy(n1, n2, ndim, mode, seed):
    n1, n2 = n1[:ndim], n2[:ndim]
    if mode == "valid" and not (all(a >= b for a, b in zip(n1, n2))
                                or all(b >= a for a, b in zip(n1, n2))):
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(-9, 10, size=n1)
    h = rng.integers(-9, 10, size=n2)
    out = cl.convolve(x, h, mode, method="im2col")
    np.testing.assert_array_equal(out, scipy.signal.convolve(x, h, mode))  # exact ints
    xf, hf = x.astype(np.float32), h.astype(np.float32) / 7
    outf = cl.convolve(xf, hf, mode, method="im2col")
    assert outf.dtype == np.float32
    # float32: eps 1.2e-7 times sums of up to 16 products of size <= 9*9/7
    np.testing.assert_allclose(outf, scipy.signal.convolve(xf, hf, mode), rtol=1e-5,
                               atol=1e-4)


def test_method_im2col_complex_and_kernel_larger_than_input():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3)) + 1j * rng.standard_normal((2, 3))
    h = rng.standard_normal((4, 5)) - 2j
    for mode in ("full", "same", "valid"):
        np.testing.assert_allclose(cl.convolve(x, h, mode, method="im2col"),
                                   scipy.signal.convolve(x, h, mode), rtol=1e-12,
                                   atol=1e-12)  # float64 rounding of ~20-term sums


def test_method_im2col_refuses_3d():
    with pytest.raises(ValueError, match=r"convolve: method 'im2col' cannot serve these "
                                         r"inputs: 'im2col' serves 1-D and 2-D inputs; "
                                         r"got 3-D inputs"):
        cl.convolve(np.ones((2, 2, 2)), np.ones((1, 1, 1)), method="im2col")


def test_convolve_im2col_direct_call():
    out = im2col_module.convolve_im2col(np.arange(5), np.array([1, 2, 3]), "same")
    np.testing.assert_array_equal(out, np.convolve(np.arange(5), [1, 2, 3], "same"))


@pytest.mark.parametrize("k", [(1, 1), (1, 3), (3, 1), (2, 2), (3, 3)])
@pytest.mark.parametrize("shape", [(1, 1, 5, 6), (2, 3, 5, 6), (1, 5, 6), (3, 5, 6)])
@pytest.mark.parametrize("padding", [0, 1])
def test_im2col_returns_a_fresh_writable_array(k, shape, padding):
    # the docstring promises a copy: for 1 x k and 1 x 1 kernels the reshape of the
    # window view used to succeed without copying, returning a read-only view of x
    x = np.arange(float(np.prod(shape))).reshape(shape)
    cols = cl.im2col(x, k, padding=padding)
    assert cols.flags.writeable and not np.shares_memory(cols, x)
    before = x.copy()
    cols[...] = -1
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("call, match", [
    (lambda: cl.im2col(np.ones((1, 1, 5, 5)), 3, padding=10**9),
     r"^im2col: padding asks for an output of shape \(1, 1, 2000000005, 2000000005\) .*; "
     r"the padded input$"),
    (lambda: cl.im2col(np.ones((1, 1, 5, 5)), 3, padding=3000),
     r"^im2col: padding asks for an output of shape \(1, 9, 36036009\) .*; the columns"),
    (lambda: cl.im2col(np.ones((1, 1, 2000, 2000)), 1000),
     r"^im2col: kernel_size asks for an output of shape \(1, 1000000, 1002001\) .*; the "
     r"columns hold kH\*kW values per output position$"),
    (lambda: cl.col2im(np.ones((1, 1)), 10**9, 1, stride=10**9),
     r"^col2im: output_size asks for an output of shape \(1, 1, 1000000000, 1000000000\)"),
    (lambda: cl.col2im(np.ones((1, 1)), 1, 1, padding=10**9, stride=4 * 10**9),
     r"^col2im: padding asks for an output of shape \(1, 1, 2000000001, 2000000001\)"),
    (lambda: patch_taps((1, 1), 10**9, 0, padding=10**9),
     r"^patch_taps: kernel_size asks for an output of shape \(2, 1000000000000000000\)"),
])
def test_huge_requests_are_refused_before_allocating(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 9), st.integers(1, 9), st.integers(0, 4), st.integers(0, 4),
       st.integers(0, 10), st.sampled_from(["float32", "float64", "int64"]),
       st.booleans())
def test_flat_fold_and_unfold_equal_the_padded_ones(kH, kW, dH, dW, H, W, lo_h, hi_h,
                                                     lo_frac, dtype, non_finite):
    """fold_cropped_into and unfold_cropped_into (stride 1, an output as wide as the
    input: lo_W + hi_W = dW*(kW - 1), any split; any height padding, taps that meet
    only padding included) give bit for bit what fold_into then the crop, and the
    padded unfold_view, give; the inputs they only read are not modified."""
    tw = dW * (kW - 1)
    lo_w = lo_frac * tw // 10
    pads = ((lo_h, hi_h), (lo_w, tw - lo_w))
    Hp = H + lo_h + hi_h
    if Hp < dH * (kH - 1) + 1:
        return
    H_out = Hp - dH * (kH - 1)
    rng = np.random.default_rng(kH * 1000 + H * 10 + W)
    x = (rng.standard_normal((2, 3, H, W)) * 4).astype(dtype)
    blocks = (rng.standard_normal((2, 3, kH, kW, H_out, W)) * 4).astype(dtype)
    if non_finite and dtype != "int64":
        x[0, 1, 0, -1], blocks[1, 0, 0, -1, 0, 0], blocks[0, 2, -1, 0, -1, -1] = \
            np.nan, np.inf, -np.inf
    x0 = x.copy()
    want = np.zeros((2, 3, Hp, W + tw), dtype)
    im2col_module.fold_into(want, blocks, (1, 1), (dH, dW))
    want = want[:, :, lo_h:lo_h + H, lo_w:lo_w + W]
    got = np.zeros((2, 3, H, W), dtype)
    im2col_module.fold_cropped_into(got, blocks.copy(), (dH, dW), (lo_h, lo_w))
    np.testing.assert_array_equal(got, want)
    xp = np.pad(x, ((0, 0), (0, 0)) + pads)
    want_cols = im2col_module.unfold_view(xp, (kH, kW), (1, 1), (dH, dW))
    cols = np.full((2, 3, kH, kW, H_out, W), 7, dtype)    # stale values overwritten
    im2col_module.unfold_cropped_into(cols, x, (dH, dW), (lo_h, lo_w))
    np.testing.assert_array_equal(cols, want_cols)
    np.testing.assert_array_equal(x, x0)


def test_flat_fold_refuses_another_width():
    with pytest.raises(ValueError, match="blocks must be 5 wide; got 4"):
        im2col_module.fold_cropped_into(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 1, 2, 5, 4)),
                                        (1, 1), (0, 0))
    with pytest.raises(ValueError, match="cols must be 5 wide; got 4"):
        im2col_module.unfold_cropped_into(np.zeros((1, 1, 1, 2, 5, 4)),
                                          np.zeros((1, 1, 5, 5)), (1, 1), (0, 0))

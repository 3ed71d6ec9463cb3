"""convlib.nn.conv_transpose1d/2d: loops, the adjoint identity, zero insertion, errors."""

import importlib

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convlib as cl
from convlib import nn
from nn_reference import conv_transpose as transpose_ref

TRANSPOSE = {1: nn.conv_transpose1d, 2: nn.conv_transpose2d}
FORWARD = {1: nn.conv1d, 2: nn.conv2d}


@st.composite
def transpose_case(draw):
    nd = draw(st.sampled_from([1, 2]))
    groups = draw(st.integers(1, 3))
    Cg, Og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = [draw(st.integers(1, 4)) for _ in range(nd)]
    s = [draw(st.integers(1, 3)) for _ in range(nd)]
    d = [draw(st.integers(1, 3)) for _ in range(nd)]
    op = [draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d)]
    spatial = [draw(st.integers(1, 5)) for _ in range(nd)]
    full = [(n - 1) * si + di * (ki - 1) + 1 + o
            for n, si, di, ki, o in zip(spatial, s, d, k, op)]
    pads = []
    for f in full:  # keep at least one output sample
        lo = draw(st.integers(0, min(2, f - 1)))
        pads.append((lo, draw(st.integers(0, min(2, f - 1 - lo)))))
    return dict(nd=nd, N=draw(st.integers(1, 2)), groups=groups, C_in=Cg * groups,
                Og=Og, k=k, s=s, d=d, op=op, spatial=spatial, pads=pads,
                dtype=draw(st.sampled_from([np.int64, np.float64])),
                seed=draw(st.integers(0, 2**16)))


def arrays(c):
    rng = np.random.default_rng(c["seed"])
    shapes = [(c["N"], c["C_in"], *c["spatial"]), (c["C_in"], c["Og"], *c["k"]),
              (c["Og"] * c["groups"],)]
    if c["dtype"] is np.int64:
        return [rng.integers(-5, 6, size=sh) for sh in shapes]
    return [rng.standard_normal(sh) for sh in shapes]


@settings(max_examples=120, deadline=None)
@given(transpose_case())
def test_transpose_matches_loops(c):
    x, w, b = arrays(c)
    got = TRANSPOSE[c["nd"]](x, w, b, stride=c["s"], padding=tuple(c["pads"]),
                             output_padding=c["op"], groups=c["groups"], dilation=c["d"])
    want = transpose_ref(x, w, b, c["s"], c["pads"], c["op"], c["d"], c["groups"])
    sizes = [cl.conv_transpose_output_size(n, k, s, p, o, d) for n, k, s, p, o, d in
             zip(c["spatial"], c["k"], c["s"], c["pads"], c["op"], c["d"])]
    assert got.shape == want.shape == (c["N"], c["Og"] * c["groups"], *sizes)
    if c["dtype"] is np.int64:
        np.testing.assert_array_equal(got, want)
    else:  # sums of <= 2*4*4 products of O(1) numbers: a few ulps of float64 each
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * max(1, abs(want).max()))


@settings(max_examples=80, deadline=None)
@given(transpose_case())
def test_adjoint_identity(c):
    """<conv(x), u> == <x, conv_transpose(u)>: transposed conv is conv's adjoint.

    The transposed convolution's output is the forward conv's input: the case's
    `spatial` sizes are the forward *output*, its transposed sizes the forward input.
    """
    u, w, _ = arrays(c)
    # output_padding >= stride (allowed when < dilation) adds positions that the
    # forward conv of that size would turn into extra outputs: not an inverse size
    op = [min(o, s - 1) for o, s in zip(c["op"], c["s"])]
    assume(all((n - 1) * s + d * (k - 1) + o + 1 > lo + hi for n, s, d, k, o, (lo, hi)
               in zip(c["spatial"], c["s"], c["d"], c["k"], op, c["pads"])))
    kw = dict(stride=c["s"], padding=tuple(c["pads"]), dilation=c["d"],
              groups=c["groups"])
    xt = TRANSPOSE[c["nd"]](u, w, output_padding=op, **kw)
    x = np.random.default_rng(c["seed"] + 1).integers(-5, 6, size=xt.shape)
    y = FORWARD[c["nd"]](x, w, **kw)
    assert y.shape == u.shape  # output_padding chose the right input size
    assert np.vdot(y, u) == pytest.approx(np.vdot(x, xt), rel=1e-12)


@pytest.mark.parametrize("stride, padding, op, groups",
                         [(1, 0, 0, 1), (1, (1, 0), 0, 3), (2, 0, 1, 1), ((3, 2), 1, (2, 0), 3)])
def test_one_by_one_transpose_matches_loops(stride, padding, op, groups):
    """1 x 1 kernels place the columns (zeros between them at stride > 1) instead of
    folding them: the loops' values, exactly on integers and in float32/float64."""
    rng = np.random.default_rng(groups)
    x = rng.integers(-5, 6, (2, 6, 5, 4))
    w = rng.integers(-5, 6, (6, 2, 1, 1))
    s = (stride,) * 2 if isinstance(stride, int) else stride
    p = (padding,) * 2 if isinstance(padding, int) else padding
    o = (op,) * 2 if isinstance(op, int) else op
    want = transpose_ref(x, w, None, s, [(pi, pi) for pi in p], o, (1, 1), groups)
    for dtype in (np.int64, np.float32, np.float64):
        got = nn.conv_transpose2d(x.astype(dtype), w.astype(dtype), stride=stride,
                                  padding=padding, output_padding=op, groups=groups)
        assert got.dtype == dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


def test_transpose_of_convolution_matrix():
    # build conv2d's matrix column by column, then compare with conv_transpose2d
    rng = np.random.default_rng(5)
    w = rng.standard_normal((2, 1, 3, 3))
    kw = dict(stride=2, padding=1)
    basis = np.eye(7 * 7).reshape(-1, 1, 1, 7, 7)
    A = np.stack([nn.conv2d(e, w, **kw).ravel() for e in basis], axis=1)  # (2*4*4, 49)
    u = rng.standard_normal((1, 2, 4, 4))
    np.testing.assert_allclose(nn.conv_transpose2d(u, w, **kw).ravel(), A.T @ u.ravel(),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("s,k,p,op", [(2, 3, 0, 0), (2, 3, 1, 1), (3, 4, 1, 2),
                                      (1, 3, 1, 0), (2, 4, 1, 0)])
def test_zero_insertion_view(s, k, p, op):
    """Fractionally strided: insert s-1 zeros, pad d(k-1)-p, correlate with the
    flipped kernel."""
    rng = np.random.default_rng(s * 10 + k)
    x, w = rng.standard_normal((1, 1, 5)), rng.standard_normal((1, 1, k))
    z = np.zeros((1, 1, (5 - 1) * s + 1))
    z[..., ::s] = x
    want = nn.conv1d(z, w[:, :, ::-1], padding=((k - 1 - p, k - 1 - p + op),))
    np.testing.assert_allclose(
        nn.conv_transpose1d(x, w, stride=s, padding=p, output_padding=op), want,
        rtol=1e-12, atol=1e-12)


def test_output_padding_resolves_ambiguity():
    # inputs of size 7 and 8 both give 4 outputs with k=3, s=2, p=1
    assert cl.conv_output_size(7, 3, 2, 1) == cl.conv_output_size(8, 3, 2, 1) == 4
    u, w = np.ones((1, 1, 4)), np.ones((1, 1, 3))
    assert nn.conv_transpose1d(u, w, stride=2, padding=1).shape[-1] == 7
    assert nn.conv_transpose1d(u, w, stride=2, padding=1, output_padding=1).shape[-1] == 8


def test_unbatched_and_bias():
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 4, 2, 2))
    b = np.array([1.0, -1.0, 0.5, 2.0])
    np.testing.assert_array_equal(nn.conv_transpose2d(x, w, b, stride=2),
                                  nn.conv_transpose2d(x[None], w, b, stride=2)[0])


X, W = np.ones((1, 4, 3, 3)), np.ones((4, 1, 3, 3))


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(stride=2, output_padding=2), ValueError,
     r"conv_transpose2d: output_padding must be smaller than either stride or "
     r"dilation; got output_padding=2, stride=2, dilation=1"),
    (dict(output_padding=1), ValueError,
     r"output_padding must be smaller than either stride or dilation; got "
     r"output_padding=1, stride=1, dilation=1"),
    (dict(output_padding=-1), ValueError,
     r"conv_transpose2d: output_padding must be >= 0; got -1"),
    (dict(weight=np.ones((4, 1, 3, 3)), groups=3), ValueError,
     r"conv_transpose2d: groups must divide in_channels, but 3 does not divide 4"),
    (dict(weight=np.ones((2, 1, 3, 3))), ValueError,
     r"conv_transpose2d: weight.shape\[0\] must equal in_channels \(4\)"),
    (dict(stride=0), ValueError, r"conv_transpose2d: stride must be >= 1; got 0"),
    (dict(dilation=0), ValueError, r"conv_transpose2d: dilation must be >= 1; got 0"),
    (dict(padding=-1), ValueError, r"conv_transpose2d: padding must be >= 0; got -1"),
    (dict(padding="same"), TypeError,
     r"conv_transpose2d: padding must be an int or a sequence of 2"),
    (dict(padding=3), ValueError,
     r"conv_transpose2d: padding must leave an output size >= 1; got padding \(3, 3\), "
     r"which leaves -1$"),
    (dict(x=np.ones((3, 3))), ValueError, r"conv_transpose2d: x must be 4-D or 3-D"),
    (dict(bias=np.ones(2)), ValueError, r"conv_transpose2d: bias must have shape "
                                        r"\(out_channels,\) = \(1,\)"),
])
def test_conv_transpose2d_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        nn.conv_transpose2d(**(dict(x=X, weight=W) | kwargs))


def test_conv_transpose1d_errors():
    with pytest.raises(ValueError, match=r"conv_transpose1d: weight must be 3-D; got 4-D"):
        nn.conv_transpose1d(np.ones((1, 1, 3)), np.ones((1, 1, 1, 3)))


@pytest.mark.parametrize("kwargs, match", [
    ({"stride": 10**9}, r"^conv_transpose2d: stride asks for an output of shape "
                        r"\(1, 2, 2000000003, 2000000003\) .*; the kernel copies are "
                        r"scattered into \(n - 1\)\*stride \+ dilation\*\(k - 1\) \+ 1"),
    ({"dilation": 10**9}, r"^conv_transpose2d: dilation asks for an output"),
    ({"stride": 10**5, "dilation": 10**5},
     r"^conv_transpose2d: stride and dilation asks for an output"),
    # padding crops the output back to a small one, but the scatter array is allocated
    ({"stride": 10**9, "padding": 10**9 - 2}, r"^conv_transpose2d: stride asks for"),
])
def test_huge_stride_is_refused_before_allocating(kwargs, match):
    # issue 13: conv_transpose2d(stride=10**9) failed in NumPy with "array is too big"
    with pytest.raises(ValueError, match=match):
        nn.conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 2, 3, 3)), **kwargs)
    with pytest.raises(ValueError, match=r"^conv_transpose1d: stride asks for an output of "
                                         r"shape \(1, 1, 2000000000003\)"):
        nn.conv_transpose1d(np.ones((1, 1, 3)), np.ones((1, 1, 3)), stride=10**12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("groups, k, s, d", [(1, (3, 3), (1, 1), (1, 1)),
                                             (2, (2, 3), (2, 1), (1, 2))])
def test_dense_transpose_in_chunks_equals_the_loops(groups, k, s, d, dtype, monkeypatch):
    """conv2d_adjoint folds the columns of a few samples at a time (DENSE_BLOCK_BYTES):
    chunks of one and of two samples (a shorter last chunk) give the whole batch's
    result bit for bit (the same per-sample GEMMs, the same order of the fold's adds),
    and the loops' result (exact on integers, to rounding on floats)."""
    transposed = importlib.import_module("convlib.nn.transposed")
    rng = np.random.default_rng(groups)
    x = rng.integers(-4, 5, (5, 4, 6, 7)).astype(dtype)
    w = rng.integers(-4, 5, (4, 6 // groups) + k).astype(dtype)
    kw = dict(stride=s, padding=1, output_padding=(s[0] - 1, 0), groups=groups,
              dilation=d)
    whole = nn.conv_transpose2d(x, w, **kw)
    sample = 6 * k[0] * k[1] * 6 * 7 * np.dtype(dtype).itemsize
    assert transposed.chunk_samples(5, sample) == 5
    for block in (sample, 2 * sample + 1):
        monkeypatch.setattr(transposed, "DENSE_BLOCK_BYTES", block)
        assert transposed.chunk_samples(5, sample) == block // sample
        got = nn.conv_transpose2d(x, w, **kw)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, whole)
    want = transpose_ref(x.astype(int), w.astype(int), None, s, [(1, 1), (1, 1)],
                         (s[0] - 1, 0), d, groups)
    np.testing.assert_array_equal(whole, want)


def test_chunk_samples_spreads_the_batch_evenly(monkeypatch):
    transposed = importlib.import_module("convlib.nn.transposed")
    monkeypatch.setattr(transposed, "DENSE_BLOCK_BYTES", 600)
    # (N, bytes a sample) -> samples a chunk: 6 fit, 8 run as 4 + 4; none fit: one
    for N, per, want in [(8, 100, 4), (6, 100, 6), (7, 100, 4), (3, 1000, 1), (1, 1, 1),
                         (13, 100, 5), (0, 100, 1)]:
        assert transposed.chunk_samples(N, per) == want


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("groups, k, d, pads, op", [
    (1, (3, 3), (1, 1), ((1, 1), (1, 1)), (0, 0)),
    (1, (3, 3), (2, 2), ((2, 2), (2, 2)), (1, 0)),        # output_padding on H only
    (2, (2, 4), (2, 1), ((0, 3), (1, 2)), (0, 0)),        # even kernel, asymmetric
    (1, (3, 3), (3, 4), ((0, 0), (8, 0)), (2, 0)),        # taps that land in the crop only
])
def test_stride_one_transpose_as_wide_as_its_input_equals_the_loops(groups, k, d, pads,
                                                                     op, dtype):
    """Stride 1, output as wide as the input: conv2d_adjoint folds straight into the
    cropped planes (fold_cropped_into); the loops' result (exact on integers) and the
    input unmodified."""
    rng = np.random.default_rng(sum(k) + groups)
    x = rng.integers(-4, 5, (3, 4, 5, 7)).astype(dtype)
    w = rng.integers(-4, 5, (4, 6 // groups) + k).astype(dtype)
    x0 = x.copy()
    got = nn.conv_transpose2d(x, w, stride=1, padding=pads, output_padding=op,
                              groups=groups, dilation=d)
    want = transpose_ref(x.astype(int), w.astype(int), None, (1, 1), list(pads), op, d,
                         groups)
    assert got.dtype == dtype and got.shape[3] == x.shape[3]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(x, x0)

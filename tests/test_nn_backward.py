"""convlib.nn.conv2d_backward and the pooling backward passes: finite differences,
the gradient formulas, loops, and errors."""

import importlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from convlib import nn
from convlib.im2col import unfold
from nn_reference import conv as conv_ref


def numerical_grad(f, a, eps=1e-6):
    """Central differences of the scalar f() with respect to every element of a."""
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + eps
        up = f()
        a[i] = old - eps
        g[i] = (up - f()) / (2 * eps)
        a[i] = old
    return g


@st.composite
def backward_case(draw):
    groups = draw(st.integers(1, 2))
    Cg, Og = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    k = [draw(st.integers(1, 3)) for _ in range(2)]
    s = [draw(st.integers(1, 2)) for _ in range(2)]
    d = [draw(st.integers(1, 2)) for _ in range(2)]
    pads = [(draw(st.integers(0, 1)), draw(st.integers(0, 1))) for _ in range(2)]
    hw = [max(1, di * (ki - 1) + 1 - lo - hi) + draw(st.integers(0, 3))
          for ki, di, (lo, hi) in zip(k, d, pads)]
    return dict(groups=groups, C_in=Cg * groups, C_out=Og * groups, k=k, s=s, d=d,
                pads=tuple(pads), hw=hw, N=draw(st.integers(1, 2)),
                seed=draw(st.integers(0, 2**16)))


@settings(max_examples=30, deadline=None)
@given(backward_case())
def test_conv2d_backward_finite_differences(c):
    """L = 0.5 * sum(conv2d(x, w, b)**2), so dL/dy = y; compare all three gradients
    with central differences. L is quadratic, so the central difference is exact up to
    rounding: ~eps_machine * |L| / eps_step ~ 1e-16 * 1e2 / 1e-6 = 1e-8."""
    rng = np.random.default_rng(c["seed"])
    x = rng.standard_normal((c["N"], c["C_in"], *c["hw"]))
    w = rng.standard_normal((c["C_out"], c["C_in"] // c["groups"], *c["k"]))
    b = rng.standard_normal(c["C_out"])
    kw = dict(stride=c["s"], padding=c["pads"], dilation=c["d"], groups=c["groups"])

    def loss():
        return 0.5 * np.sum(nn.conv2d(x, w, b, **kw) ** 2)

    gx, gw, gb = nn.conv2d_backward(x, w, nn.conv2d(x, w, b, **kw), **kw)
    for got, arr in [(gx, x), (gw, w), (gb, b)]:
        assert got.shape == arr.shape
        np.testing.assert_allclose(got, numerical_grad(loss, arr), rtol=1e-5, atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(backward_case())
def test_gradients_are_transpose_correlation_and_sum(c):
    """Integer inputs: the three formulas hold exactly."""
    rng = np.random.default_rng(c["seed"])
    x = rng.integers(-4, 5, (c["N"], c["C_in"], *c["hw"]))
    w = rng.integers(-4, 5, (c["C_out"], c["C_in"] // c["groups"], *c["k"]))
    kw = dict(stride=c["s"], padding=c["pads"], dilation=c["d"], groups=c["groups"])
    g = rng.integers(-4, 5, nn.conv2d(x, w, **kw).shape)
    gx, gw, gb = nn.conv2d_backward(x, w, g, **kw)
    # dL/dx: <conv(x'), g> is linear in x', so its gradient is the adjoint applied to g
    basis = np.eye(x.size, dtype=int).reshape((-1,) + x.shape)
    want_gx = np.array([np.sum(conv_ref(e, w, None, c["s"], list(c["pads"]), c["d"],
                                        c["groups"]) * g) for e in basis])
    np.testing.assert_array_equal(gx.ravel(), want_gx)
    # dL/dw[o, c, i, j] = <x shifted by the tap, g>: the loop conv with a one-hot weight
    basis_w = np.eye(w.size, dtype=int).reshape((-1,) + w.shape)
    want_gw = [np.sum(conv_ref(x, e, None, c["s"], list(c["pads"]), c["d"],
                               c["groups"]) * g) for e in basis_w]
    np.testing.assert_array_equal(gw.ravel(), want_gw)
    np.testing.assert_array_equal(gb, g.sum(axis=(0, 2, 3)))


@pytest.mark.parametrize("dtype", [np.int64, np.float32, np.float64])
@pytest.mark.parametrize("C_out, groups", [(5, 5), (6, 3), (6, 1)])
def test_gradient_paths_agree_with_the_loops(C_out, groups, dtype):
    """Depthwise (per-tap sums) and grouped/dense (GEMM per sample and group) gradients:
    the weight gradient equals the one-hot-weight loops and the input gradient satisfies
    the adjoint identity, exactly on integers, keeping the dtype."""
    rng = np.random.default_rng(C_out + groups)
    C_in = 5 if C_out == 5 else 3 if groups == 3 else 2
    x = rng.integers(-4, 5, (2, C_in, 9, 8)).astype(dtype)
    w = rng.integers(-4, 5, (C_out, C_in // groups, 3, 2)).astype(dtype)
    kw = dict(stride=(2, 1), padding=((1, 0), (0, 1)), dilation=(2, 1), groups=groups)
    g = rng.integers(-4, 5, nn.conv2d(x, w, **kw).shape).astype(dtype)
    gx, gw, _ = nn.conv2d_backward(x, w, g, **kw)
    assert gw.dtype == gx.dtype == dtype
    # grad_x is the adjoint: <conv2d(x), g> = <x, grad_x> (exact on integers)
    assert np.sum(nn.conv2d(x, w, **kw).astype(float) * g) == pytest.approx(
        np.sum(x.astype(float) * gx), rel=1e-6)
    if dtype == np.int64:
        assert np.sum(nn.conv2d(x, w, **kw) * g) == np.sum(x * gx)
    basis_w = np.eye(w.size, dtype=int).reshape((-1,) + w.shape)
    want = [np.sum(conv_ref(x.astype(int), e, None, kw["stride"], list(kw["padding"]),
                            kw["dilation"], groups) * g.astype(int)) for e in basis_w]
    np.testing.assert_array_equal(gw.ravel(), want)


@pytest.mark.parametrize("stride, padding, groups",
                         [(1, 0, 1), (1, 1, 2), (2, 0, 1), ((2, 3), ((1, 0), (0, 2)), 2)])
def test_one_by_one_gradients_agree_with_the_loops(stride, padding, groups):
    """1 x 1 kernels: the weight gradient reads the (strided) pixels without im2col and
    the input gradient places the columns without folding; both equal the one-hot
    loops and the adjoint, exactly on integers, at stride 1 (no scatter) and above."""
    rng = np.random.default_rng(groups)
    x = rng.integers(-4, 5, (2, 4, 7, 8))
    w = rng.integers(-4, 5, (6, 4 // groups, 1, 1))
    kw = dict(stride=stride, padding=padding, groups=groups)
    g = rng.integers(-4, 5, nn.conv2d(x, w, **kw).shape)
    gx, gw, gb = nn.conv2d_backward(x, w, g, **kw)
    s = (stride,) * 2 if isinstance(stride, int) else stride
    p = [(padding, padding)] * 2 if isinstance(padding, int) else list(padding)
    basis = np.eye(x.size, dtype=int).reshape((-1,) + x.shape)
    want_gx = [np.sum(conv_ref(e, w, None, s, p, (1, 1), groups) * g) for e in basis]
    np.testing.assert_array_equal(gx.ravel(), want_gx)
    basis_w = np.eye(w.size, dtype=int).reshape((-1,) + w.shape)
    want_gw = [np.sum(conv_ref(x, e, None, s, p, (1, 1), groups) * g) for e in basis_w]
    np.testing.assert_array_equal(gw.ravel(), want_gw)
    np.testing.assert_array_equal(gb, g.sum(axis=(0, 2, 3)))
    for dtype in (np.float32, np.float64):  # the same values in floating point
        got = nn.conv2d_backward(x.astype(dtype), w.astype(dtype), g.astype(dtype), **kw)
        for a, b in zip(got, (gx, gw, gb)):
            assert a.dtype == dtype
            np.testing.assert_array_equal(a, b)


def test_grad_x_is_conv_transpose2d():
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((2, 4, 9, 8)), rng.standard_normal((6, 2, 3, 3))
    kw = dict(stride=2, padding=1, groups=2)
    g = rng.standard_normal(nn.conv2d(x, w, **kw).shape)
    # 9 = (5 - 1)*2 - 2 + 2 + 0 + 1 and 8 needs output_padding 1
    want = nn.conv_transpose2d(g, w, output_padding=(0, 1), **kw)
    np.testing.assert_allclose(nn.conv2d_backward(x, w, g, **kw)[0], want,
                               rtol=1e-13, atol=1e-13)


def test_same_padding_and_unbatched():
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal((3, 6, 6)), rng.standard_normal((2, 3, 2, 2))
    g = rng.standard_normal((2, 6, 6))
    got = nn.conv2d_backward(x, w, g, padding="same")
    want = nn.conv2d_backward(x[None], w, g[None], padding=((0, 1), (0, 1)))
    np.testing.assert_allclose(got[0], want[0][0], rtol=1e-14, atol=1e-14)
    for a, b in zip(got[1:], want[1:]):
        np.testing.assert_array_equal(a, b)


def test_conv2d_backward_errors():
    x, w = np.ones((1, 2, 4, 4)), np.ones((3, 2, 3, 3))
    with pytest.raises(ValueError, match=r"conv2d_backward: grad_output must have the "
                                         r"output's shape \(1, 3, 2, 2\); got \(1, 3, 3, 3\)"):
        nn.conv2d_backward(x, w, np.ones((1, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"conv2d_backward: grad_output must have the "
                                         r"output's shape \(3, 2, 2\); got \(1, 3, 2, 2\)"):
        nn.conv2d_backward(x[0], w, np.ones((1, 3, 2, 2)))
    with pytest.raises(ValueError, match=r"conv2d_backward: groups must divide "
                                         r"in_channels, but 3 does not divide 2"):
        nn.conv2d_backward(x, w, np.ones((1, 3, 2, 2)), groups=3)
    with pytest.raises(ValueError, match=r"conv2d_backward: stride must be >= 1; got 0"):
        nn.conv2d_backward(x, w, np.ones((1, 3, 2, 2)), stride=0)


# --- pooling backward ---------------------------------------------------------------

@pytest.mark.parametrize("k,s,p", [(2, None, 0), (3, 2, 1), (3, 1, 0), ((2, 3), (1, 2), (1, 0))])
def test_pool_backward_finite_differences(k, s, p):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 2, 6, 7))   # continuous values: no ties in a window
    g = rng.standard_normal(nn.max_pool2d(x, k, s, p).shape)
    for fwd, bwd in [(nn.max_pool2d, nn.max_pool2d_backward),
                     (nn.avg_pool2d, nn.avg_pool2d_backward)]:
        got = bwd(x, g, k, s, p)
        # max is piecewise linear and avg linear: central differences are exact
        # away from ties, up to rounding ~1e-16 * 10 / 1e-6 = 1e-9
        want = numerical_grad(lambda: np.sum(fwd(x, k, s, p) * g), x)
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_max_pool_backward_routes_to_first_max():
    x = np.array([[[2.0, 2.0], [1.0, 2.0]]])
    np.testing.assert_array_equal(nn.max_pool2d_backward(x, np.array([[[5.0]]]), 2),
                                  [[[5.0, 0.0], [0.0, 0.0]]])


def test_pool_backward_errors():
    with pytest.raises(ValueError, match=r"avg_pool2d_backward: grad_output must have "
                                         r"the output's shape \(1, 1, 2, 2\)"):
        nn.avg_pool2d_backward(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), 2)
    with pytest.raises(ValueError, match=r"max_pool2d_backward: kernel_size must be "
                                         r">= 1; got 0"):
        nn.max_pool2d_backward(np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)), 0)


def test_inputs_are_never_modified():
    rng = np.random.default_rng(10)
    x, w = rng.standard_normal((1, 2, 6, 6)), rng.standard_normal((2, 2, 3, 3))
    g = rng.standard_normal((1, 2, 3, 3))
    copies = [a.copy() for a in (x, w, g)]
    nn.conv2d_backward(x, w, g, stride=2, padding=1)
    nn.conv_transpose2d(g, w, stride=2, padding=1, output_padding=1)
    nn.max_pool2d_backward(x, g, 2)
    nn.avg_pool2d_backward(x, g, 2)
    nn.max_pool2d(x, 3, 1, 1)
    for a, c in zip((x, w, g), copies):
        np.testing.assert_array_equal(a, c)


def max_pool_backward_pytorch(x, g, k, s, p):
    """PyTorch's CPU rule (aten/src/ATen/native/cpu/MaxPoolKernel.cpp), as loops: each
    window is clipped to the real input, its index starts at the first real element and
    moves to a value ``> max`` (so the first of tied maxima) or to any NaN (the last)."""
    N, C, H, W = x.shape
    Ho, Wo = g.shape[2:]
    out = np.zeros(x.shape, dtype=np.result_type(x, g))
    for n, c, i, j in np.ndindex(N, C, Ho, Wo):
        h0, w0 = i * s[0] - p[0], j * s[1] - p[1]
        h1, w1 = min(h0 + k[0], H), min(w0 + k[1], W)
        h0, w0 = max(h0, 0), max(w0, 0)
        best, where = None, (h0, w0)
        for a in range(h0, h1):
            for b in range(w0, w1):
                v = x[n, c, a, b]
                if best is None and v == v or (best is not None and v > best) \
                        or v != v:
                    best, where = v, (a, b)
        out[(n, c) + where] += g[n, c, i, j]
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int8, np.uint8])
def test_max_pool_backward_never_routes_into_the_padding(dtype):
    # the real maximum ties with the padding value (-inf, or the dtype's minimum): the
    # gradient goes to the real element, as in PyTorch, not to the padding (issue 13)
    low = -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min
    x = np.full((1, 1, 3, 3), low, dtype=dtype)
    x[0, 0, 2, 2] = 1
    g = np.arange(1.0, 5.0).reshape(1, 1, 2, 2)
    got = nn.max_pool2d_backward(x, g, 2, 2, 1)
    assert got.sum() == g.sum()            # no gradient lost in the padding
    np.testing.assert_array_equal(got, max_pool_backward_pytorch(x, g, (2, 2), (2, 2),
                                                                 (1, 1)))
    # the top-left window holds only x[0, 0] = low: it gets that window's gradient
    assert got[0, 0, 0, 0] == 1.0


@settings(max_examples=60, deadline=None)
@given(k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       s=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       hw=st.tuples(st.integers(3, 6), st.integers(3, 6)),
       pick=st.booleans(), seed=st.integers(0, 2**16))
def test_max_pool_backward_matches_pytorchs_rule_with_ties_inf_and_nan(k, s, hw, pick,
                                                                      seed):
    rng = np.random.default_rng(seed)
    p = tuple(rng.integers(0, ki // 2 + 1) for ki in k)
    values = [-np.inf, -1.0, 0.0, 1.0, np.inf] + ([np.nan] if pick else [])
    x = rng.choice(values, size=(1, 2) + hw)
    # integer gradients: overlapping windows add exactly, in any order
    g = rng.integers(-9, 10, nn.max_pool2d(x, k, s, p).shape).astype(np.float64)
    np.testing.assert_array_equal(nn.max_pool2d_backward(x, g, k, s, p),
                                  max_pool_backward_pytorch(x, g, k, s, p))
    xi = rng.choice([np.iinfo(np.int16).min, -1, 0, 1], size=(1, 2) + hw).astype(np.int16)
    np.testing.assert_array_equal(nn.max_pool2d_backward(xi, g, k, s, p),
                                  max_pool_backward_pytorch(xi, g, k, s, p))


def test_relative_error_literals_and_symmetry():
    a = np.array([1.0, 0.0, 2.0, -1.0, 1e-300, 3.0])
    b = np.array([1.001, 0.0, 0.0, 1.0, 0.0, 3.0])
    # |a - b| / max(|a|, |b|), computed by hand; both zero -> 0
    expected = [0.001 / 1.001, 0.0, 1.0, 2.0, 1.0, 0.0]
    np.testing.assert_allclose(nn.relative_error(a, b), expected, rtol=1e-12)
    np.testing.assert_array_equal(nn.relative_error(a, b), nn.relative_error(b, a))
    assert nn.relative_error(3, 3).shape == ()            # scalars work
    x = np.array([1, 2]), np.array([1.0, 2.5])
    before = [v.copy() for v in x]
    nn.relative_error(*x)
    assert all(np.array_equal(v, w) for v, w in zip(x, before))  # inputs unchanged


def test_relative_error_of_a_correct_gradient_check():
    """conv2d_backward against central differences: CS231n's 'happy' range (< 1e-7)
    wherever the gradient is not tiny (float64, eps = 1e-6)."""
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((1, 2, 6, 5)), rng.standard_normal((3, 2, 3, 2))
    t = rng.standard_normal(nn.conv2d(x, w, stride=2, padding=1).shape)
    loss = lambda: 0.5 * np.sum((nn.conv2d(x, w, stride=2, padding=1) - t) ** 2)
    g = nn.conv2d(x, w, stride=2, padding=1) - t
    _, gw, _ = nn.conv2d_backward(x, w, g, stride=2, padding=1)
    assert nn.relative_error(gw, numerical_grad(loss, w)).max() < 1e-7
    wrong = gw.copy()
    wrong[0, 0, 0, 0] *= 1.1                                # a 10 % bug shows
    assert nn.relative_error(wrong, numerical_grad(loss, w)).max() > 0.05



def test_relative_error_nan_and_inf_do_not_pass():
    """A NaN or infinite gradient is an error (NaN), never the 0 of 'both zero'."""
    r = nn.relative_error([np.nan, 1.0, np.inf, 0.0, 0.0],
                          [1.0, np.nan, 1.0, np.nan, 0.0])
    assert np.isnan(r[:4]).all() and r[4] == 0.0
    assert not (nn.relative_error([np.nan], [1.0]) < 1e-7).any()   # a check fails

@pytest.mark.parametrize("a, b, exc, match", [
    ([1.0, 2.0], [1.0], ValueError,
     r"^relative_error: numeric must have the shape of analytic \(2,\); got \(1,\)$"),
    ([], [], ValueError, r"^relative_error: analytic "),
    ([1j], [1.0], TypeError, r"^relative_error: analytic must be real; got dtype complex"),
    ([1.0], ["a"], TypeError, r"^relative_error: numeric "),
])
def test_relative_error_errors(a, b, exc, match):
    with pytest.raises(exc, match=match):
        nn.relative_error(a, b)


def test_conv2d_backward_matches_stored_pytorch_gradients():
    """PyTorch autograd's gradients of F.conv2d (tests/fixtures/ch13_torch_backward.npz,
    written by tools/fixtures/ch13_torch_backward.py; PyTorch is not a dependency),
    strided, padded, dilated and grouped cases, float64."""
    from pathlib import Path

    ref = np.load(Path(__file__).parent / "fixtures" / "ch13_torch_backward.npz")
    cases = sorted({key.split("_")[0] for key in ref.files if key != "torch"})
    assert len(cases) == 5
    for i in cases:
        sH, sW, pH, pW, dH, dW, groups = ref[f"{i}_args"].tolist()
        got = nn.conv2d_backward(ref[f"{i}_x"], ref[f"{i}_w"], ref[f"{i}_g"],
                                 stride=(sH, sW), padding=(pH, pW), dilation=(dH, dW),
                                 groups=groups)
        # float64 sums of a few hundred products in another order: 1e-12 relative
        for name, value in zip(("grad_x", "grad_w", "grad_b"), got):
            np.testing.assert_allclose(value, ref[f"{i}_{name}"], rtol=1e-12,
                                       atol=1e-12, err_msg=f"case {i}: {name}")


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.complex128])
def test_bias_gradient_is_the_sum_over_batch_and_plane(dtype):
    # float planes are summed by one einsum (another order of the additions): within
    # rounding of a float64 sum; other dtypes exactly g.sum(axis=(0, 2, 3))
    rng = np.random.default_rng(31)
    for shape in [(3, 4, 7, 9), (1, 2, 1, 1), (2, 5, 16, 33)]:
        g = (rng.standard_normal(shape) * 10).astype(dtype)
        x = np.ones((shape[0], 2, shape[2], shape[3]), dtype=dtype)
        w = np.ones((shape[1], 2, 1, 1), dtype=dtype)
        gb = nn.conv2d_backward(x, w, g)[2]
        want = g.astype(np.complex128 if dtype == np.complex128 else np.float64
                        ).sum(axis=(0, 2, 3))
        assert gb.shape == (shape[1],) and gb.dtype == g.sum(axis=(0, 2, 3)).dtype
        if np.issubdtype(dtype, np.floating):
            eps = np.finfo(dtype).eps
            terms = np.abs(g).astype(np.float64).sum(axis=(0, 2, 3))
            bound = 2 * shape[0] * shape[2] * shape[3] * eps * terms
            assert (np.abs(gb - want) <= bound).all()
        else:
            np.testing.assert_array_equal(gb, g.sum(axis=(0, 2, 3)))


def dense_gradients_oracle(x, w, g, s, pads, d, groups, mode):
    """float64 gradients of a padded dense/grouped layer from the definitions: per tap,
    dL/dw = <g, x shifted> and dL/dx_pad scatters w^T g (einsum per group), then each
    padded sample's gradient is added to the input sample it copies."""
    from convlib.nn._args import PADDING_MODES

    x, w, g = (a.astype(np.float64) for a in (x, w, g))
    N, C_in, H, W = x.shape
    C_out, Cg, kH, kW = w.shape
    Ho, Wo = g.shape[2:]
    widths = ((0, 0), (0, 0)) + tuple(pads)
    xp = np.pad(x, widths) if mode == "zeros" else np.pad(x, widths,
                                                          mode=PADDING_MODES[mode])
    gg = g.reshape(N, groups, C_out // groups, Ho, Wo)
    wg = w.reshape(groups, C_out // groups, Cg, kH, kW)
    gw = np.zeros_like(wg)
    gxp = np.zeros(xp.shape)
    for i in range(kH):
        for j in range(kW):
            win = (slice(None), slice(None),
                   slice(i * d[0], i * d[0] + s[0] * (Ho - 1) + 1, s[0]),
                   slice(j * d[1], j * d[1] + s[1] * (Wo - 1) + 1, s[1]))
            xt = xp[win].reshape(N, groups, Cg, Ho, Wo)
            gw[..., i, j] = np.einsum("ngopq,ngcpq->goc", gg, xt)
            gxp[win] += np.einsum("ngopq,goc->ngcpq", gg, wg[..., i, j]).reshape(
                N, C_in, Ho, Wo)
    if mode == "zeros":
        gx = gxp[:, :, pads[0][0]:pads[0][0] + H, pads[1][0]:pads[1][0] + W]
    else:  # padded row r copies input row src_r (and the same for columns)
        src_r = np.pad(np.arange(H), pads[0], mode=PADDING_MODES[mode])
        src_c = np.pad(np.arange(W), pads[1], mode=PADDING_MODES[mode])
        gx = np.zeros(x.shape)
        np.add.at(gx, (slice(None), slice(None), src_r[:, None], src_c[None, :]), gxp)
    return gx, gw.reshape(w.shape), g.sum(axis=(0, 2, 3))


@pytest.mark.parametrize("block", ["one", "two", None])  # samples a chunk; None: all
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("C_in, C_out, groups, k, s, d, pads, mode", [
    (3, 4, 1, (3, 3), (1, 1), (1, 1), ((1, 1), (1, 1)), "zeros"),
    (4, 6, 2, (3, 2), (2, 1), (1, 2), ((1, 0), (0, 2)), "zeros"),
    (2, 6, 2, (2, 3), (1, 3), (2, 1), ((0, 0), (1, 1)), "zeros"),   # Cg = 1, not depthwise
    (3, 2, 1, (1, 3), (2, 2), (1, 1), ((0, 1), (2, 1)), "reflect"),
    (2, 3, 1, (3, 3), (1, 1), (2, 2), ((2, 2), (1, 1)), "replicate"),
    (4, 4, 2, (3, 1), (1, 2), (1, 1), ((1, 1), (0, 0)), "circular"),
    # stride 1, zero padding, output as wide as the input: the flat fold and copy
    (3, 4, 1, (3, 3), (1, 1), (2, 2), ((2, 2), (2, 2)), "zeros"),
    (4, 6, 2, (2, 4), (1, 1), (2, 1), ((0, 3), (1, 2)), "zeros"),
    (3, 2, 1, (3, 3), (1, 1), (1, 1), ((3, 0), (2, 0)), "zeros"),
    (2, 2, 1, (3, 3), (1, 1), (5, 5), ((10, 0), (10, 0)), "zeros"),  # taps in padding only
    (3, 4, 1, (3, 3), (1, 1), (1, 1), ((1, 1), (0, 0)), "zeros"),   # narrower: not flat
])
def test_dense_gradients_in_chunks_agree_with_the_definitions(C_in, C_out, groups, k, s, d,
                                                              pads, mode, dtype, block,
                                                              monkeypatch):
    """Dense and grouped layers with k > 1 run the batch in chunks of
    DENSE_BLOCK_BYTES of columns (a last, shorter chunk too), the bias gradient taken
    from the weight gradient's GEMM: equal to the float64 definitions up to rounding,
    in the dtype, batched and unbatched."""
    transposed = importlib.import_module("convlib.nn.transposed")
    rng = np.random.default_rng(C_in * 100 + C_out * 10 + groups)
    x = rng.standard_normal((5, C_in, 8, 9)).astype(dtype)
    w = rng.standard_normal((C_out, C_in // groups) + k).astype(dtype)
    kw = dict(stride=s, padding=pads, dilation=d, groups=groups, padding_mode=mode)
    g = rng.standard_normal(nn.conv2d(x, w, **kw).shape).astype(dtype)
    sample = C_in * k[0] * k[1] * g.shape[2] * g.shape[3] * np.dtype(dtype).itemsize
    if block is not None:  # the columns of one or two samples: chunks 1+1+1+1+1, 2+2+1
        monkeypatch.setattr(transposed, "DENSE_BLOCK_BYTES",
                            sample if block == "one" else 2 * sample + 1)
    want = dense_gradients_oracle(x, w, g, s, pads, d, groups, mode)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    got = nn.conv2d_backward(x, w, g, **kw)
    for a, b in zip(got, want):
        assert a.dtype == dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(b).max())
    one = nn.conv2d_backward(x[1], w, g[1], **kw)
    for a, b in zip(one, dense_gradients_oracle(x[1:2], w, g[1:2], s, pads, d, groups,
                                                mode)):
        b = b[0] if a.ndim == 3 else b
        assert a.dtype == dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(b).max())


@pytest.mark.parametrize("xdt, gdt", [(np.float64, np.float32), (np.float32, np.float64),
                                      (np.int64, np.float32), (np.float32, np.int64)])
def test_dense_gradients_mixed_dtypes_keep_their_dtypes(xdt, gdt, monkeypatch):
    """The dtypes of the whole-batch path: dL/dx in result_type(g, w), dL/dw in
    result_type(g, x), dL/db in g's (the bias column of the GEMM only where that is
    g's float dtype; else the sum of g)."""
    monkeypatch.setattr(importlib.import_module("convlib.nn.transposed"),
                        "DENSE_BLOCK_BYTES", 1)
    rng = np.random.default_rng(5)
    x = rng.integers(-4, 5, (3, 3, 6, 7)).astype(xdt)   # K = 27, odd: the bias column
    w = rng.integers(-4, 5, (3, 3, 3, 3)).astype(xdt)
    g = rng.integers(-4, 5, nn.conv2d(x, w, padding=1).shape).astype(gdt)
    gx, gw, gb = nn.conv2d_backward(x, w, g, padding=1)
    want = dense_gradients_oracle(x, w, g, (1, 1), ((1, 1), (1, 1)), (1, 1), 1, "zeros")
    for a, b, dt in zip((gx, gw, gb), want, (np.result_type(g, w), np.result_type(g, x),
                                              g.sum(axis=(0, 2, 3)).dtype)):
        assert a.dtype == dt
        np.testing.assert_array_equal(a, b)  # small integers: every sum exact


@pytest.mark.parametrize("C_in", [2, 3])  # K = 18, and 27 (odd: the first row twice)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_gradients_non_finite_as_the_whole_batch_path(dtype, C_in, monkeypatch):
    """inf and NaN in x and g: the chunked path (one sample a chunk) gives NaN and inf
    where the whole-batch GEMMs, fold and sum did (a non-finite dL/dy times a padded
    zero is NaN in dL/dw; dL/db is the sum of g), and the same finite values."""
    backward = importlib.import_module("convlib.nn.backward")
    from convlib.nn._args import pad_input, pad_input_adjoint
    from convlib.nn.transposed import conv2d_adjoint

    monkeypatch.setattr(importlib.import_module("convlib.nn.transposed"),
                        "DENSE_BLOCK_BYTES", 1)
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, C_in, 6, 7)).astype(dtype)
    w = rng.standard_normal((4, C_in, 3, 3)).astype(dtype)
    g = rng.standard_normal((3, 4, 6, 7)).astype(dtype)
    x[0, 1, 2, 3], x[2, 0, 0, 0] = np.inf, np.nan
    g[1, 2, 0, 0], g[2, 3, 4, 4], g[2, 1, 1, 1] = -np.inf, np.nan, np.inf
    pads = ((1, 1), (1, 1))
    xp = pad_input(x, pads)
    with np.errstate(invalid="ignore"):  # both warn of inf * 0 in the GEMMs
        got = nn.conv2d_backward(x, w, g, padding=1)
        want = (pad_input_adjoint(conv2d_adjoint(g, w, xp.shape[2:], (1, 1), (1, 1), 1),
                                  pads),
                # the whole batch's im2col columns in one GEMM per sample, summed
                np.matmul(g.reshape(3, 4, 42), unfold(xp, (3, 3), (1, 1), (1, 1))
                          .swapaxes(-1, -2)).sum(axis=0).reshape(w.shape),
                backward._bias_gradient(g))
    assert np.isnan(got[1]).any() and np.isinf(got[0]).any() and np.isnan(got[2]).any()
    for a, b in zip(got, want):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
        np.testing.assert_array_equal(np.isinf(a), np.isinf(b))
        np.testing.assert_array_equal(a[np.isinf(a)], b[np.isinf(b)])
        ok = np.isfinite(b)
        np.testing.assert_allclose(a[ok], b[ok], rtol=1e-5, atol=1e-5)

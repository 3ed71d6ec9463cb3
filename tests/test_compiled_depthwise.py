"""convlib.compiled's depthwise kernels, branch by branch, against independent oracles.

The weight gradient over the flattened plane (``_dw_weight_grad_flat``: stride 1,
``dL/dy`` as wide as ``x``) adds its terms in an order of its own: checked against a
float64 ``einsum`` of the explicitly zero-padded input (within the bound every
summation order obeys), against the row kernel ``_dw_weight_grad``, and with infinite
inputs in the columns its passes read across a row end (whose products it must leave
out). The forward's masked whole-plane pass (short rows, ``DW_MASKED_ROW_BYTES``) is
checked bit for bit against the NumPy path and against the kernel's row passes, with
non-finite samples where its masked taps read across row and plane ends; so is the
stride-2 masked pass with gathered loads (``DW_GATHER_COLUMNS``).
"""

from __future__ import annotations

import numpy as np
import pytest

from convlib import compiled, nn
from convlib.nn.transposed import conv2d_adjoint
from support import assert_close_to_max

needs_numba = pytest.mark.skipif(not compiled.numba_available(), reason="numba missing")
FLOATS = [np.float32, np.float64]


def _oracle(x, g, k, d, pads):
    """``dL/dw`` and ``dL/db`` in float64 from the zero-padded input, and the sums of
    the terms' magnitudes (for the rounding bound)."""
    (kH, kW), (d0, d1) = k, d
    N, C, H_out, W_out = g.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), pads[0], pads[1]))
    g64 = g.astype(np.float64)
    gw, mag = np.zeros((C, kH, kW)), np.zeros((C, kH, kW))
    for i in range(kH):
        for j in range(kW):
            win = xp[:, :, d0 * i:d0 * i + H_out, d1 * j:d1 * j + W_out]
            with np.errstate(invalid="ignore"):
                gw[:, i, j] = np.einsum("nchw,nchw->c", g64, win)
            mag[:, i, j] = np.einsum("nchw,nchw->c", np.abs(g64), np.abs(win))
    return gw, g64.sum(axis=(0, 2, 3)), mag, np.abs(g64).sum(axis=(0, 2, 3))


def _same_layers(rng, count):
    """Random stride-1 layers whose output is as wide as the input: kernels 1-5 by
    1-5 (not 1 x 1), dilations 1-2, the column padding split at random, heights from 1
    (rows no tap reaches), widths across the 16-sample blocks of the sums, batches of
    1-6 (the passes take four samples at once, then the rest one by one)."""
    for _ in range(count):
        k = tuple(int(v) for v in rng.integers(1, 6, 2))
        if k == (1, 1):
            k = (1, 3)
        d = tuple(int(v) for v in rng.integers(1, 3, 2))
        span_w = d[1] * (k[1] - 1)
        left = int(rng.integers(0, span_w + 1))
        top = (int(v) for v in rng.integers(0, 4, 2))
        pads = (tuple(top), (left, span_w - left))
        H, W = int(rng.integers(1, 12)), int(rng.integers(1, 40))
        H_out = H + sum(pads[0]) - d[0] * (k[0] - 1)
        if H_out < 1:
            continue
        yield k, d, pads, (int(rng.integers(1, 7)), int(rng.integers(1, 4)), H, W), H_out


def _same_3x3_layer(rng, n_max, c_max, h_max, w_max, pad_max):
    """A random depthwise 3 x 3 stride-1 layer with 'same' columns: batch, channels,
    height, width (below the given bounds), the paddings (rows 0 to ``pad_max - 1`` on
    each side, the two columns split at random) and the output height (below 1 where
    no row fits)."""
    N, C = int(rng.integers(1, n_max)), int(rng.integers(1, c_max))
    H, W = int(rng.integers(1, h_max)), int(rng.integers(1, w_max))
    left = int(rng.integers(0, 3))
    pads = ((int(rng.integers(0, pad_max)), int(rng.integers(0, pad_max))), (left, 2 - left))
    return N, C, H, W, pads, H + sum(pads[0]) - 2


def _batch_with_edges(rng, dtype, H, W, edges):
    """A random batch ``x`` of 1-3 samples and channels of ``H x W`` planes, a depthwise
    3 x 3 weight of 1-2 output channels per input channel, and ``C``; with ``edges``,
    infinities and NaN on every plane's first and last rows and columns (which masked
    taps read from the neighbouring row or plane and must leave out)."""
    N, C, mult = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
    x = rng.standard_normal((N, C, H, W)).astype(dtype)
    if edges:
        x[:, :, 0, 0] = np.inf
        x[:, :, -1, -1] = -np.inf
        x[:, :, H // 2, -1] = np.nan
        x[:, :, -1, 0] = np.nan
    w = rng.standard_normal((C * mult, 1, 3, 3)).astype(dtype)
    return x, w, C


def _spy_kernels(monkeypatch):
    """The names of the compiled kernels called from now on, in a list that grows."""
    called = []
    real = compiled._kernel
    monkeypatch.setattr(compiled, "_kernel",
                        lambda name, macs: called.append(name) or real(name, macs))
    return called


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
def test_flat_weight_gradient_matches_padded_oracle_and_row_kernel(dtype):
    rng = np.random.default_rng(21)
    eps = np.finfo(dtype).eps
    seen = 0
    for k, d, pads, (N, C, H, W), H_out in _same_layers(rng, 60):
        x = rng.standard_normal((N, C, H, W)).astype(dtype)
        g = rng.standard_normal((N, C, H_out, W)).astype(dtype)
        x0, g0 = x.copy(), g.copy()
        gw, gb = compiled.depthwise_weight_gradient(x, g, k, (1, 1), d,
                                                    (pads[0][0], pads[1][0]))
        np.testing.assert_array_equal(x, x0)
        np.testing.assert_array_equal(g, g0)
        want_w, want_b, mag_w, mag_b = _oracle(x, g, k, d, pads)
        assert gw.shape == (C, 1) + k and gw.dtype == dtype and gb.dtype == dtype
        bound_w = 2 * (N * H_out * W + 16) * eps * mag_w + np.finfo(dtype).tiny
        assert (np.abs(gw[:, 0] - want_w) <= bound_w).all()
        assert (np.abs(gb - want_b) <= 2 * (N * H_out * W + 16) * eps * mag_b
                + np.finfo(dtype).tiny).all()
        # the row kernel: the same terms in another order
        rw, rb = np.zeros((C,) + k, dtype), np.zeros(C, dtype)
        compiled._kernel("dw_weight_grad", 1)(x, g, rw, rb, 1, 1, d[0], d[1], pads[0][0],
                                              pads[1][0])
        assert (np.abs(gw[:, 0] - rw) <= bound_w).all()
        seen += 1
    assert seen > 30


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
def test_flat_weight_gradient_leaves_out_products_across_row_ends(dtype):
    # infinities in the first and last columns: the flattened pass of the taps that
    # do not reach those columns from a neighbouring row reads them across a row end;
    # those products must not reach the sums (the oracle has them only where the
    # padded input puts them under a tap)
    rng = np.random.default_rng(22)
    for k, d, pads in [((3, 3), (1, 1), ((1, 1), (1, 1))), ((3, 5), (2, 1), ((2, 0), (3, 1))),
                       ((1, 3), (1, 2), ((0, 0), (4, 0)))]:
        N, C, H, W = 5, 3, 7, 19
        H_out = H + sum(pads[0]) - d[0] * (k[0] - 1)
        x = rng.standard_normal((N, C, H, W)).astype(dtype)
        x[0, 0, 3, 0] = np.inf
        x[1, 2, 2, W - 1] = -np.inf
        x[1, 1, 4, W - 1] = np.nan
        g = rng.standard_normal((N, C, H_out, W)).astype(dtype)
        gw, gb = compiled.depthwise_weight_gradient(x, g, k, (1, 1), d,
                                                    (pads[0][0], pads[1][0]))
        want_w, want_b, mag_w, _ = _oracle(x, g, k, d, pads)
        finite = np.isfinite(want_w)
        np.testing.assert_array_equal(np.isnan(gw[:, 0]), np.isnan(want_w))
        np.testing.assert_array_equal(np.isposinf(gw[:, 0]), np.isposinf(want_w))
        np.testing.assert_array_equal(np.isneginf(gw[:, 0]), np.isneginf(want_w))
        assert (~finite).any() and finite.any()
        bound = 2 * (N * H_out * W + 16) * np.finfo(dtype).eps * mag_w[finite]
        assert (np.abs(gw[:, 0][finite] - want_w[finite]) <= bound).all()


@needs_numba
def test_conv2d_backward_same_layers_equal_numpy_path(monkeypatch):
    # through the public layer: the flattened weight gradient against the NumPy path
    rng = np.random.default_rng(23)
    layers = []
    for k, d, pads, (N, C, H, W), H_out in _same_layers(rng, 30):
        dtype = FLOATS[len(layers) % 2]
        x = rng.standard_normal((N, C, H, W)).astype(dtype)
        w = rng.standard_normal((C, 1) + k).astype(dtype)
        g = rng.standard_normal((N, C, H_out, W)).astype(dtype)
        grads = nn.conv2d_backward(x, w, g, padding=pads, dilation=d, groups=C)
        layers.append((x, w, g, pads, d, C, grads))
    assert len(layers) > 15
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    for x, w, g, pads, d, C, grads in layers:
        ref = nn.conv2d_backward(x, w, g, padding=pads, dilation=d, groups=C)
        for got, want in zip(grads, ref):
            assert_close_to_max(got, want)


@needs_numba
def test_adjoint_column_stride_two_equals_numpy_scatter(monkeypatch):
    # the stride-2 adjoint of a kernel three columns wide (no column dilation) takes
    # the three taps of a kernel row in one pass, each output's terms added in the
    # scatter's order: equal to the NumPy path's scatter bit for bit, also with
    # infinities and NaN in dL/dy; random row strides, dilations, heights and widths
    rng = np.random.default_rng(24)
    cases = []
    for _ in range(40):
        kH = int(rng.integers(1, 4))
        s0, d0 = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        H_out, W_out = int(rng.integers(1, 8)), int(rng.integers(1, 20))
        full = ((H_out - 1) * s0 + d0 * (kH - 1) + 1 + int(rng.integers(0, 2)),
                2 * (W_out - 1) + 3 + int(rng.integers(0, 2)))
        dtype = FLOATS[len(cases) % 2]
        u = rng.standard_normal((2, 3, H_out, W_out)).astype(dtype)
        if len(cases) % 5 == 0:
            u[0, 1, 0, W_out - 1] = np.inf
            u[1, 2, H_out - 1, 0] = np.nan
        w = rng.standard_normal((3, 1, kH, 3)).astype(dtype)
        u0 = u.copy()
        got = conv2d_adjoint(u, w, full, (s0, 2), (d0, 1), 3)
        np.testing.assert_array_equal(u, u0)
        cases.append((u, w, full, s0, d0, got))
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    for u, w, full, s0, d0, got in cases:
        with np.errstate(invalid="ignore"):
            want = conv2d_adjoint(u, w, full, (s0, 2), (d0, 1), 3)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
def test_stride_two_weight_gradient_from_phases_matches_oracle(dtype):
    # stride 2, input of even size twice the output's: the weight gradient from the
    # input's four phases (stride-1 sub-kernels, each tap in one parity class);
    # kernels 1-5, uneven padding, infinities in the first and last columns
    rng = np.random.default_rng(25)
    eps = np.finfo(dtype).eps
    seen = 0
    for _ in range(60):
        k = tuple(int(v) for v in rng.integers(1, 6, 2))
        H, W = (2 * int(v) for v in rng.integers(1, 9, 2))
        pads = []
        for n, kk in zip((H, W), k):
            total = [t for t in range(0, 6) if (n + t - kk) // 2 + 1 == n // 2 and n + t >= kk]
            lo = int(rng.integers(0, total[0] + 1)) if total else 0
            pads.append((lo, total[0] - lo) if total else None)
        if None in pads:
            continue
        N, C = int(rng.integers(1, 6)), int(rng.integers(1, 4))
        x = rng.standard_normal((N, C, H, W)).astype(dtype)
        if seen % 4 == 0:
            x[0, 0, H // 2, 0] = np.inf
            x[N - 1, C - 1, 0, W - 1] = np.nan
        g = rng.standard_normal((N, C, H // 2, W // 2)).astype(dtype)
        gw, gb = compiled.depthwise_weight_gradient(x, g, k, (2, 2), (1, 1),
                                                    (pads[0][0], pads[1][0]))
        want_w, want_b, mag_w, mag_b = _oracle_strided(x, g, k, pads)
        np.testing.assert_array_equal(np.isnan(gw[:, 0]), np.isnan(want_w))
        finite = np.isfinite(want_w)
        bound = 2 * (g.size + 16) * eps * mag_w[finite] + np.finfo(dtype).tiny
        assert (np.abs(gw[:, 0][finite] - want_w[finite]) <= bound).all()
        np.testing.assert_array_equal(gw[:, 0][~finite], want_w[~finite])
        assert (np.abs(gb - want_b) <= 2 * (g.size + 16) * eps * mag_b
                + np.finfo(dtype).tiny).all()
        seen += 1
    assert seen > 30


def _oracle_strided(x, g, k, pads):
    """As :func:`_oracle` at stride 2, no dilation."""
    N, C, H_out, W_out = g.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), pads[0], pads[1]))
    g64 = g.astype(np.float64)
    gw, mag = np.zeros((C,) + k), np.zeros((C,) + k)
    for i in range(k[0]):
        for j in range(k[1]):
            win = xp[:, :, i:i + 2 * H_out:2, j:j + 2 * W_out:2]
            with np.errstate(invalid="ignore"):
                gw[:, i, j] = np.einsum("nchw,nchw->c", g64, win)
            mag[:, i, j] = np.einsum("nchw,nchw->c", np.abs(g64), np.abs(win))
    return gw, g64.sum(axis=(0, 2, 3)), mag, np.abs(g64).sum(axis=(0, 2, 3))


@needs_numba
def test_weight_gradient_takes_each_kernel_where_its_layers_are(monkeypatch):
    """The oracle tests above pass whichever kernel runs (every kernel computes the
    same sums): here the kernels called are spied on, so that a layer the flat or the
    phase kernel serves is not silently left to the row kernels."""
    called = _spy_kernels(monkeypatch)
    rng = np.random.default_rng(40)
    x = rng.standard_normal((2, 3, 8, 10))

    def kernels(g_hw, stride, dilation=(1, 1), pads=(1, 1), k=(3, 3)):
        del called[:]
        g = rng.standard_normal((2, 3) + g_hw)
        compiled.depthwise_weight_gradient(x, g, k, stride, dilation, pads)
        return called

    assert kernels((8, 10), (1, 1)) == ["dw_weight_grad_masked"]    # 3 x 3, 'same' columns
    assert kernels((9, 10), (1, 1), pads=(2, 1)) == ["dw_weight_grad_masked"]
    assert kernels((8, 10), (1, 1), k=(3, 5), pads=(1, 2)) == ["dw_weight_grad_flat"]
    assert kernels((6, 8), (1, 1), pads=(0, 0)) == ["dw_weight_grad"]  # narrower g
    assert kernels((4, 5), (2, 2)) == ["dw_weight_grad_flat", "dw_phases"]  # 4 phases
    assert kernels((4, 5), (2, 2), dilation=(2, 2), pads=(2, 2)) == ["dw_weight_grad_s2"]
    assert kernels((8, 5), (1, 2)) == ["dw_weight_grad_s2"]
    assert kernels((4, 10), (2, 1)) == ["dw_weight_grad"]
    # from DW_GRAD_THREE_MIN_BATCH samples, three taps a pass (not with column dilation)
    monkeypatch.setattr(compiled, "DW_GRAD_THREE_MIN_BATCH", 2)
    assert kernels((8, 10), (1, 1)) == ["dw_weight_grad_masked"]
    assert kernels((8, 10), (1, 1), k=(3, 5), pads=(1, 2)) == ["dw_weight_grad_flat3"]
    assert kernels((4, 5), (2, 2)) == ["dw_weight_grad_flat3", "dw_phases"]
    assert kernels((8, 10), (1, 1), dilation=(1, 2), pads=(1, 2)) == ["dw_weight_grad_flat"]
    assert kernels((8, 10), (1, 1), k=(3, 1), pads=(1, 0)) == ["dw_weight_grad_flat"]


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
def test_masked_weight_gradient_matches_oracle_with_non_finite_edges(dtype, monkeypatch):
    # _dw_weight_grad_masked (3 x 3, stride 1, 'same' columns): random heights 1-12
    # and widths 1-40, row paddings 0-3 on each side (rows no tap reaches), the column
    # padding split at random, batches 1-9 (four samples a pass, then the rest one by
    # one) and channels 1-3 (the batch's first and last planes, read from copies, in
    # one run of four where N <= 4 and C == 1); every third layer with infinities and
    # NaN on the planes' edges, which the masked taps read from the neighbouring row or
    # plane and must leave out: the oracle's non-finite entries exactly, the others
    # within rounding; the inputs unchanged
    called = _spy_kernels(monkeypatch)
    rng = np.random.default_rng(41)
    eps = np.finfo(dtype).eps
    seen = 0
    for t in range(90):
        N, C, H, W, pads, H_out = _same_3x3_layer(rng, 10, 4, 13, 41, 4)
        if H_out < 1:
            continue
        x = rng.standard_normal((N, C, H, W)).astype(dtype)
        if t % 3 == 0:
            x[0, 0, 0, 0] = np.inf
            x[N - 1, C - 1, H - 1, W - 1] = -np.inf
            x[rng.integers(N), rng.integers(C), H // 2, W - 1] = np.nan
            x[rng.integers(N), rng.integers(C), H - 1, 0] = np.nan
        g = rng.standard_normal((N, C, H_out, W)).astype(dtype)
        x0, g0 = x.copy(), g.copy()
        del called[:]
        gw, gb = compiled.depthwise_weight_gradient(x, g, (3, 3), (1, 1), (1, 1),
                                                    (pads[0][0], pads[1][0]))
        assert called == ["dw_weight_grad_masked"]
        np.testing.assert_array_equal(x, x0)
        np.testing.assert_array_equal(g, g0)
        want_w, want_b, mag_w, mag_b = _oracle(x, g, (3, 3), (1, 1), pads)
        assert gw.shape == (C, 1, 3, 3) and gw.dtype == dtype and gb.dtype == dtype
        got = gw[:, 0]
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want_w))
        np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want_w))
        np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want_w))
        finite = np.isfinite(want_w)
        bound = 2 * (N * H_out * W + 64) * eps * mag_w + np.finfo(dtype).tiny
        assert (np.abs(got[finite] - want_w[finite]) <= bound[finite]).all()
        assert (np.abs(gb - want_b) <= 2 * (N * H_out * W + 64) * eps * mag_b
                + np.finfo(dtype).tiny).all()
        seen += 1
    assert seen > 50


@needs_numba
def test_masked_weight_gradient_non_finite_grad_output_as_numpy_path(monkeypatch):
    # infinities and NaN in dL/dy (not only in x), 3 x 3 at stride 1 with 'same'
    # columns: the masked pass selects away the taps that read the zero padding (no
    # inf * 0 = NaN), so conv2d_backward, seeing a non-finite dL/db, pads and
    # recomputes as the NumPy path does (inf * 0 = NaN there): its dL/dw and dL/db
    # have the NumPy path's non-finite pattern and values (and the kernel's alone
    # would not, in some of these layers)
    rng = np.random.default_rng(43)
    differs = 0
    for t in range(12):
        N, C, H, W, pads, H_out = _same_3x3_layer(rng, 7, 3, 7, 9, 3)
        if H_out < 1:
            continue
        x = rng.standard_normal((N, C, H, W))
        w = rng.standard_normal((C, 1, 3, 3))
        g = rng.standard_normal((N, C, H_out, W))
        g[0, 0, 0, 0] = np.inf
        g[N - 1, C - 1, H_out - 1, W - 1] = -np.inf
        g[rng.integers(N), rng.integers(C), rng.integers(H_out), rng.integers(W)] = np.nan
        _, gw, gb = nn.conv2d_backward(x, w, g, padding=pads, groups=C)
        got = compiled.depthwise_weight_gradient(x, g, (3, 3), (1, 1), (1, 1),
                                                 (pads[0][0], pads[1][0]))
        with monkeypatch.context() as m:
            m.setattr(compiled, "USE_COMPILED", False)
            _, want_w, want_b = nn.conv2d_backward(x, w, g, padding=pads, groups=C)
        assert got[0].shape == want_w.shape
        differs += not np.array_equal(np.isnan(got[0]), np.isnan(want_w))
        for a, b in ((gw, want_w), (gb, want_b), (got[1], want_b)):
            np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
            np.testing.assert_array_equal(np.isposinf(a), np.isposinf(b))
            np.testing.assert_array_equal(np.isneginf(a), np.isneginf(b))
            f = np.isfinite(b)
            np.testing.assert_allclose(a[f], b[f], rtol=1e-10, atol=1e-10)
    assert differs > 0


@needs_numba
def test_forward_masked_plane_pass_equals_numpy_path(monkeypatch):
    # a 3 x 3 kernel at stride 1 with the output as wide as the input, on rows of at
    # most DW_MASKED_ROW_BYTES: the masked pass over the whole plane (reading the
    # flattened batch, each tap outside the plane replaced by +0), except on the
    # first and last planes; non-finite inputs on every plane's first and last rows
    # and columns, which the masked taps read from the neighbouring row or plane and
    # must leave out; random heights, widths (both sides of the limit), row
    # dilations, paddings (uneven, also none in the rows), channel multipliers
    rng = np.random.default_rng(41)
    cases = []
    for t in range(60):
        dtype = FLOATS[t % 2]
        limit = compiled.DW_MASKED_ROW_BYTES // np.dtype(dtype).itemsize
        H = int(rng.integers(1, 12))
        W = int(rng.integers(1, limit + 9))
        d0 = int(rng.integers(1, 3))
        left = int(rng.integers(0, 3))
        top, bottom = (int(v) for v in rng.integers(0, 4, 2))
        if H + top + bottom < 2 * d0 + 1:
            continue
        x, w, C = _batch_with_edges(rng, dtype, H, W, t % 3 == 0)
        pad = ((top, bottom), (left, 2 - left))
        x0 = x.copy()
        y = nn.conv2d(x, w, padding=pad, dilation=(d0, 1), groups=C)
        np.testing.assert_array_equal(x, x0)
        assert y.shape[3] == W
        cases.append((x, w, pad, d0, C, y))
    assert len(cases) > 40
    assert sum(c[0].shape[3] <= compiled.DW_MASKED_ROW_BYTES // c[0].itemsize
               and c[0].shape[0] * c[0].shape[1] >= 3 for c in cases) > 15
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    for x, w, pad, d0, C, y in cases:
        with np.errstate(invalid="ignore"):
            want = nn.conv2d(x, w, padding=pad, dilation=(d0, 1), groups=C)
        assert y.dtype == want.dtype
        np.testing.assert_array_equal(y, want)


@needs_numba
def test_forward_masked_pass_direct_against_row_passes():
    # the kernel itself, masked pass allowed (any width) and forbidden (limit 0): the
    # same values, bit for bit, on every plane
    rng = np.random.default_rng(42)
    for dtype in FLOATS:
        for H, W, pads, d0 in [(14, 14, (1, 1), 1), (9, 5, (0, 1), 1), (7, 33, (2, 0), 2),
                               (3, 1, (1, 1), 1), (5, 2, (3, 2), 1)]:
            x = rng.standard_normal((3, 4, H, W)).astype(dtype)
            x[1, 2, 0, :] = np.inf
            w = rng.standard_normal((4, 3, 3)).astype(dtype)
            H_out = H + 2 * pads[0] - 2 * d0
            if H_out < 1:
                continue
            outs = []
            for limit in (10**6, 0):
                out = np.empty((3, 4, H_out, W), dtype)
                compiled._kernel("dw_forward", 1)(x, w, out, 1, 1, d0, 1, pads[0], pads[1],
                                                 1, limit, 0)
                outs.append(out)
            np.testing.assert_array_equal(outs[0], outs[1])


@needs_numba
def test_forward_stride_two_gathered_pass_equals_numpy_path(monkeypatch):
    # 3 x 3 at stride 2 with at most DW_GATHER_COLUMNS output columns (no column
    # dilation; the layers with one take the row passes): the masked pass
    # over the whole output plane with gathered loads (but on the first and last
    # planes); random odd and even heights and widths (both sides of the limit),
    # dilations, paddings, channel multipliers; non-finite samples on the planes'
    # first and last rows and columns
    rng = np.random.default_rng(43)
    cases = []
    for t in range(60):
        dtype = FLOATS[t % 2]
        H = int(rng.integers(1, 16))
        W = int(rng.integers(1, 2 * compiled.DW_GATHER_COLUMNS + 8))
        d = tuple(int(v) for v in rng.integers(1, 3, 2))
        pad = tuple((int(a), int(b)) for a, b in rng.integers(0, 3, (2, 2)))
        if any(n + lo + hi < 2 * di + 1 for n, (lo, hi), di in zip((H, W), pad, d)):
            continue
        x, w, C = _batch_with_edges(rng, dtype, H, W, t % 3 == 0)
        y = nn.conv2d(x, w, stride=2, padding=pad, dilation=d, groups=C)
        cases.append((x, w, pad, d, C, y))
    assert len(cases) > 40
    assert sum(c[5].shape[3] <= compiled.DW_GATHER_COLUMNS
               and c[0].shape[0] * c[0].shape[1] >= 3 for c in cases) > 15
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    for x, w, pad, d, C, y in cases:
        with np.errstate(invalid="ignore"):
            want = nn.conv2d(x, w, stride=2, padding=pad, dilation=d, groups=C)
        assert y.dtype == want.dtype
        np.testing.assert_array_equal(y, want)


@needs_numba
def test_forward_gathered_pass_direct_against_row_passes():
    # the kernel itself at stride 2, gathered pass allowed (any width) and forbidden
    # (limit 0): the same values, bit for bit, on every plane
    rng = np.random.default_rng(44)
    for dtype in FLOATS:
        for H, W, pads, d in [(28, 28, (1, 1), (1, 1)), (9, 6, (0, 1), (1, 1)),
                              (8, 33, (2, 0), (2, 1)), (3, 3, (1, 1), (1, 1)),
                              (7, 5, (2, 2), (1, 2))]:
            x = rng.standard_normal((3, 4, H, W)).astype(dtype)
            x[1, 2, 0, :] = np.inf
            x[2, 1, :, -1] = np.nan
            w = rng.standard_normal((4, 3, 3)).astype(dtype)
            H_out = (H + 2 * pads[0] - 2 * d[0] - 1) // 2 + 1
            W_out = (W + 2 * pads[1] - 2 * d[1] - 1) // 2 + 1
            outs = []
            for limit in (10**6, 0):
                out = np.empty((3, 4, H_out, W_out), dtype)
                compiled._kernel("dw_forward", 1)(x, w, out, 2, 2, d[0], d[1], pads[0],
                                                 pads[1], 1, 0, limit)
                outs.append(out)
            np.testing.assert_array_equal(outs[0], outs[1])


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
def test_three_tap_weight_gradient_equals_one_tap_kernel(dtype):
    # _dw_weight_grad_flat3 (three taps of a kernel row a pass) adds every sum's terms
    # in the order of _dw_weight_grad_flat: bit for bit equal, on random 'same' layers
    # (kernels 1-5 wide: a group of three and taps left over, column dilation 2 one
    # tap a pass; batches of 1-6, four samples a pass and the rest one by one), with
    # non-finite inputs on the first and last columns (read across row ends by the
    # passes, left out of the sums)
    rng = np.random.default_rng(26)
    kernels = compiled._kernels()
    seen = 0
    for k, d, pads, (N, C, H, W), H_out in _same_layers(rng, 80):
        x = rng.standard_normal((N, C, H, W)).astype(dtype)
        if seen % 3 == 0:
            x[0, 0, H // 2, 0] = np.inf
            x[N - 1, C - 1, H - 1, W - 1] = np.nan
        g = rng.standard_normal((N, C, H_out, W)).astype(dtype)
        outs = []
        for kernel in (kernels.dw_weight_grad_flat, kernels.dw_weight_grad_flat3):
            gw, gb = np.full((C,) + k, 7, dtype), np.full(C, 7, dtype)
            kernel(x.reshape(N, C, H * W), g.reshape(N, C, H_out * W), gw, gb, W, d[0],
                   d[1], pads[0][0], pads[1][0])
            outs.append((gw, gb))
        np.testing.assert_array_equal(outs[0][0], outs[1][0])
        np.testing.assert_array_equal(outs[0][1], outs[1][1])
        seen += k[1] >= 3 and d[1] == 1
    assert seen > 15


@needs_numba
@pytest.mark.parametrize("dtype", FLOATS)
def test_three_tap_weight_gradient_through_layers_matches_oracle(dtype, monkeypatch):
    # the three-tap kernel chosen for every batch (DW_GRAD_THREE_MIN_BATCH = 1), at
    # stride 1 and from the phases at stride 2: within rounding of the float64 oracle
    monkeypatch.setattr(compiled, "DW_GRAD_THREE_MIN_BATCH", 1)
    rng = np.random.default_rng(27)
    eps = np.finfo(dtype).eps
    for k, d, pads, (N, C, H, W), H_out in _same_layers(rng, 30):
        x = rng.standard_normal((N, C, H, W)).astype(dtype)
        g = rng.standard_normal((N, C, H_out, W)).astype(dtype)
        gw, gb = compiled.depthwise_weight_gradient(x, g, k, (1, 1), d,
                                                    (pads[0][0], pads[1][0]))
        want_w, want_b, mag_w, mag_b = _oracle(x, g, k, d, pads)
        bound = 2 * (N * H_out * W + 16) * eps * mag_w + np.finfo(dtype).tiny
        assert (np.abs(gw[:, 0] - want_w) <= bound).all()
    seen = 0
    for N, H, W, k in [(5, 8, 10, (3, 3)), (7, 6, 14, (3, 5)), (3, 4, 4, (4, 3)),
                       (9, 10, 8, (5, 4))]:
        pads = []
        for n, kk in zip((H, W), k):  # the least total padding that halves the size
            total = min(t for t in range(6) if (n + t - kk) // 2 + 1 == n // 2)
            pads.append((total // 2, total - total // 2))
        x = rng.standard_normal((N, 2, H, W)).astype(dtype)
        g = rng.standard_normal((N, 2, H // 2, W // 2)).astype(dtype)
        gw, gb = compiled.depthwise_weight_gradient(x, g, k, (2, 2), (1, 1),
                                                    (pads[0][0], pads[1][0]))
        want_w, want_b, mag_w, _ = _oracle_strided(x, g, k, tuple(pads))
        assert (np.abs(gw[:, 0] - want_w) <= 2 * (g.size + 16) * eps * mag_w
                + np.finfo(dtype).tiny).all()
        seen += 1
    assert seen == 4


def _stride_two_layers(rng, count):
    """Random depthwise 3 x 3 layers at stride 2: heights 1-17, even widths 4-24 and
    odd ones (which the one-pass kernels do not serve), paddings 0-2 on each side,
    batches 1-4 and 1-4 channels; dtype alternating."""
    for t in range(count):
        H, W = int(rng.integers(1, 18)), int(rng.integers(4, 25))
        pads = tuple((int(rng.integers(0, 3)), int(rng.integers(0, 3))) for _ in range(2))
        H_out = (H + sum(pads[0]) - 3) // 2 + 1
        W_out = (W + sum(pads[1]) - 3) // 2 + 1
        if H_out < 1 or W_out < 1:
            continue
        yield FLOATS[t % 2], (int(rng.integers(1, 5)), int(rng.integers(1, 5)), H, W), \
            pads, (H_out, W_out)


@needs_numba
def test_stride_two_one_pass_backward_matches_numpy_path_and_oracle(monkeypatch):
    # depthwise 3 x 3 at stride 2 (compiled.depthwise_backward_s2, one pass for the
    # three gradients): dL/dx equal to the NumPy path's scatter bit for bit; dL/dw and
    # dL/db within the rounding bound of the float64 oracle; with infinities and NaN in
    # x (in the last column, which meets the zeros after each row of dL/dy's layout:
    # the NaN made there is recomputed) and in dL/dy; the kernel is spied on, so that
    # the layers it serves (even widths) are not silently left to the other kernels
    called = _spy_kernels(monkeypatch)
    rng = np.random.default_rng(50)
    cases, served = [], 0
    for dtype, (N, C, H, W), pads, (H_out, W_out) in _stride_two_layers(rng, 120):
        x = rng.standard_normal((N, C, H, W)).astype(dtype)
        g = rng.standard_normal((N, C, H_out, W_out)).astype(dtype)
        if len(cases) % 4 == 1:
            x[N - 1, 0, H - 1, W - 1] = np.inf
            x[0, C - 1, 0, W - 1] = np.nan
        if len(cases) % 6 == 2:
            g[0, 0, H_out - 1, 0] = -np.inf
        w = rng.standard_normal((C, 1, 3, 3)).astype(dtype)
        x0, g0, w0 = x.copy(), g.copy(), w.copy()
        del called[:]
        with np.errstate(invalid="ignore", over="ignore"):
            got = nn.conv2d_backward(x, w, g, 2, pads, 1, C)
        for a, b in ((x, x0), (g, g0), (w, w0)):
            np.testing.assert_array_equal(a, b)
        served += "dw_backward_s2" in called
        assert ("dw_backward_s2" in called) == (W % 2 == 0 and W >= W_out + 1)
        cases.append((x, g, w, pads, got))
    assert served > 50 and len(cases) > 90
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    for x, g, w, pads, got in cases:
        dtype, C = x.dtype, x.shape[1]
        with np.errstate(invalid="ignore", over="ignore"):
            want = nn.conv2d_backward(x, w, g, 2, pads, 1, C)
        assert all(a.dtype == b.dtype and a.shape == b.shape for a, b in zip(got, want))
        np.testing.assert_array_equal(got[0], want[0])
        want_w, want_b, mag_w, mag_b = _oracle_strided(x, g, (3, 3), pads)
        eps = np.finfo(dtype).eps
        np.testing.assert_array_equal(np.isnan(got[1][:, 0]), np.isnan(want_w))
        finite = np.isfinite(want_w)
        bound = 2 * (g.size + 32) * eps * mag_w[finite] + np.finfo(dtype).tiny
        assert (np.abs(got[1][:, 0][finite] - want_w[finite]) <= bound).all()
        np.testing.assert_array_equal(got[1][:, 0][~finite], want_w[~finite])
        if np.isfinite(want_b).all():
            assert (np.abs(got[2] - want_b) <= 2 * (g.size + 32) * eps * mag_b
                    + np.finfo(dtype).tiny).all()


@needs_numba
def test_stride_two_gathered_adjoint_equals_numpy_scatter(monkeypatch):
    # conv_transpose2d of a depthwise 3 x 3 layer at stride 2 (compiled.
    # depthwise_adjoint_s2: each output gathered once, written cropped): the scatter's
    # values bit for bit, with output padding and uneven padding, infinities and NaN
    # in the input; odd output widths and 1-D layers take the scatter
    called = _spy_kernels(monkeypatch)
    rng = np.random.default_rng(51)
    cases, served = [], 0
    for dtype, (N, C, H, W), pads, _ in _stride_two_layers(rng, 120):
        op = (int(rng.integers(0, 2)), int(rng.integers(0, 2)))
        size = [(n - 1) * 2 - sum(p) + 3 + o for n, p, o in zip((H, W), pads, op)]
        if min(size) < 1:
            continue
        u = rng.standard_normal((N, C, H, W)).astype(dtype)
        if len(cases) % 5 == 0:
            u[0, 0, H - 1, W - 1] = np.inf
            u[N - 1, C - 1, 0, 0] = np.nan
        w = rng.standard_normal((C, 1, 3, 3)).astype(dtype)
        del called[:]
        got = nn.conv_transpose2d(u, w, None, 2, pads, op, C)
        served += "dw_adjoint_s2" in called
        assert ("dw_adjoint_s2" in called) == (size[1] % 2 == 0 and size[1] >= max(4, W + 1))
        cases.append((u, w, pads, op, got))
    one_d = rng.standard_normal((2, 3, 9))
    w1 = rng.standard_normal((3, 1, 3))
    del called[:]
    got1 = nn.conv_transpose1d(one_d, w1, None, 2, 1, 1, 3)
    assert "dw_adjoint_s2" not in called
    assert served > 40 and len(cases) > 90
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    with np.errstate(invalid="ignore"):
        for u, w, pads, op, got in cases:
            want = nn.conv_transpose2d(u, w, None, 2, pads, op, u.shape[1])
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(got1, nn.conv_transpose1d(one_d, w1, None, 2, 1, 1, 3))

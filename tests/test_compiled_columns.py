"""convlib.compiled_columns: the compiled im2col copy and col2im fold of dense layers.

Oracles: convlib.im2col's NumPy flat functions (unfold_cropped_into, fold_cropped_into,
themselves checked against the padded unfold_view and fold_into in test_im2col.py), bit
for bit; and, for the layers that use them, convlib.nn with the compiled paths off
(convlib.compiled.USE_COMPILED = False), bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import convlib.nn.backward as backward_module
import convlib.nn.layers as layers_module
import convlib.nn.transposed as transposed_module
from convlib import compiled, nn
from convlib.compiled_columns import columns_served, fold_columns_into, unfold_columns_into
from convlib.im2col import fold_cropped_into, unfold_cropped_into

needs_numba = pytest.mark.skipif(not compiled.numba_available(), reason="numba missing")


def _geometry(kH, kW, dH, dW, H, lo_h, hi_h, lo_frac):
    """Pads of a stride-1 layer as wide as its input, and its output height (None if
    the padded input is shorter than the kernel)."""
    tw = dW * (kW - 1)
    lo_w = lo_frac * tw // 10
    H_out = H + lo_h + hi_h - dH * (kH - 1)
    return ((lo_h, hi_h), (lo_w, tw - lo_w)), (H_out if H_out >= 1 else None)


@needs_numba
@settings(max_examples=80, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 9), st.integers(1, 9), st.integers(0, 4), st.integers(0, 4),
       st.integers(0, 10), st.sampled_from([(1, 1), (1, 3), (2, 2), (3, 1)]),
       st.integers(0, 2), st.sampled_from(["float32", "float64"]), st.booleans())
def test_compiled_moves_equal_numpys(kH, kW, dH, dW, H, W, lo_h, hi_h, lo_frac, groups_cg,
                                     extra_rows, dtype, non_finite):
    """fold_columns_into and unfold_columns_into give bit for bit what the NumPy flat
    functions give on the same columns (groups, rows beyond a group's taps left as
    they were, taps that meet only padding, NaN and inf), and do not modify x."""
    G, Cg = groups_cg
    pads, H_out = _geometry(kH, kW, dH, dW, H, lo_h, hi_h, lo_frac)
    if H_out is None:
        return
    m, T, L = 2, kH * kW, H_out * W
    R = Cg * T + extra_rows
    lows = (pads[0][0], pads[1][0])
    rng = np.random.default_rng(kH * 1000 + H * 10 + W + 7 * extra_rows)
    x = (rng.standard_normal((m, G * Cg, H, W)) * 4).astype(dtype)
    cols = (rng.standard_normal((m, G, R, L)) * 4).astype(dtype)
    if non_finite:
        x[0, -1, 0, -1], cols[1, 0, 0, 0], cols[0, -1, Cg * T - 1, -1] = np.nan, np.inf, -np.inf
    x0 = x.copy()
    blocks = (slice(None), slice(None), slice(0, Cg * T))
    want = np.zeros((m, G * Cg, H, W), dtype)
    fold_cropped_into(
        want, cols.copy()[blocks].reshape(m, G * Cg, kH, kW, H_out, W), (dH, dW), lows)
    got = np.full((m, G * Cg, H, W), 0, dtype)
    scratch = cols.copy()
    assert fold_columns_into(got, scratch, (kH, kW), (dH, dW), lows)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(scratch[:, :, Cg * T:], cols[:, :, Cg * T:])
    want_cols = np.full((m, G, R, L), 7, dtype)  # stale values overwritten
    unfold_cropped_into(
        want_cols[blocks].reshape(m, G, Cg, kH, kW, H_out, W), x.reshape(m, G, Cg, H, W),
        (dH, dW), lows)
    got_cols = np.full((m, G, R, L), 7, dtype)
    assert unfold_columns_into(got_cols, x, (kH, kW), (dH, dW), lows)
    np.testing.assert_array_equal(got_cols, want_cols)   # extra rows still 7 in both
    np.testing.assert_array_equal(x, x0)


@needs_numba
def test_fold_adds_to_what_is_there():
    """The fold adds into out (chunks of a batch fold into one array)."""
    rng = np.random.default_rng(0)
    cols = rng.standard_normal((1, 1, 9, 20))
    base = rng.standard_normal((1, 1, 4, 5))
    want = base.copy()
    fold_cropped_into(want, cols.copy()[:, 0].reshape(1, 1, 3, 3, 4, 5), (1, 1), (1, 1))
    got = base.copy()
    assert fold_columns_into(got, cols.copy(), (3, 3), (1, 1), (1, 1))
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", ["int", "mixed", "strided", "fortran", "off"])
def test_declines_what_it_does_not_serve(case, monkeypatch):
    """False, with nothing written, for integers, two dtypes, arrays that are not
    C-contiguous, and the compiled paths switched off (the callers then take NumPy's
    functions); columns_served, which callers ask first, says False too."""
    dt_x, dt_c = {"int": ("int64", "int64"), "mixed": ("float32", "float64")}.get(
        case, ("float64", "float64"))
    x = np.ones((2, 2, 4, 5), dt_x)
    cols = np.full((2, 1, 18, 20), 3, dt_c)
    out = np.zeros((2, 2, 4, 5), dt_c)
    if case == "strided":
        x = np.ones((2, 2, 4, 10))[..., ::2]
    if case == "fortran":
        x = np.asfortranarray(x)
    if case == "off":
        monkeypatch.setattr(compiled, "USE_COMPILED", False)
    assert not columns_served(x, cols.dtype)
    assert not unfold_columns_into(cols, x, (3, 3), (1, 1), (1, 1))
    assert (cols == 3).all()
    if case != "strided" and case != "fortran":
        assert not fold_columns_into(out.astype(dt_x), cols, (3, 3), (1, 1), (1, 1))
        assert (cols == 3).all()


@needs_numba
@pytest.mark.parametrize("dt_x, dt_w", [("float32", "float32"), ("float64", "float64"),
                                        ("float32", "float64")])
@pytest.mark.parametrize("groups, Cg, C_out, k, d, pads", [
    (1, 3, 8, (3, 3), (1, 1), ((1, 1), (1, 1))),     # the first layer, 'same'
    (1, 4, 6, (3, 5), (1, 2), ((0, 3), (5, 3))),     # uneven pads, taller output
    (2, 3, 4, (2, 2), (1, 1), ((1, 0), (0, 1))),     # grouped, even kernel
    (1, 2, 5, (5, 1), (2, 1), ((4, 0), (0, 0))),     # a column kernel
    (1, 1, 4, (3, 3), (1, 1), ((1, 1), (1, 1))),     # one input channel, four outputs
])
def test_layers_equal_their_numpy_paths(dt_x, dt_w, groups, Cg, C_out, k, d, pads,
                                        monkeypatch):
    """conv2d, conv2d_backward and conv_transpose2d of dense and grouped stride-1
    layers as wide as their input, which fold and copy with the compiled moves, equal
    the same layers with the compiled paths off bit for bit, NaN and inf included;
    the inputs are not modified."""
    rng = np.random.default_rng(5)
    N, H, W = 3, 6, 7
    x = rng.standard_normal((N, groups * Cg, H, W)).astype(dt_x)
    w = rng.standard_normal((C_out, Cg, *k)).astype(dt_w)
    x[1, 0, 2, 3], x[2, -1, 0, 0] = np.nan, np.inf
    y = nn.conv2d(x, w, None, 1, pads, d, groups)
    g = rng.standard_normal(y.shape).astype(dt_x)
    g[0, 0, -1, -1] = -np.inf
    x0, w0, g0 = x.copy(), w.copy(), g.copy()
    with np.errstate(invalid="ignore"):
        got = (y, *nn.conv2d_backward(x, w, g, 1, pads, d, groups),
               nn.conv_transpose2d(g, w, None, 1, pads, 0, groups, d))
        monkeypatch.setattr(compiled, "USE_COMPILED", False)
        want = (nn.conv2d(x, w, None, 1, pads, d, groups),
                *nn.conv2d_backward(x, w, g, 1, pads, d, groups),
                nn.conv_transpose2d(g, w, None, 1, pads, 0, groups, d))
    for a, b in zip(got, want):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(w, w0)
    np.testing.assert_array_equal(g, g0)


@needs_numba
@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_columns_served_where_the_moves_serve(dt):
    """True for C-contiguous float images with columns of their dtype: the moves then
    run (and return True)."""
    x = np.ones((2, 2, 4, 5), dt)
    cols = np.zeros((2, 1, 18, 20), dt)
    assert columns_served(x, dt) and unfold_columns_into(cols, x, (3, 3), (1, 1), (1, 1))
    assert fold_columns_into(np.zeros_like(x), cols, (3, 3), (1, 1), (1, 1))


@pytest.mark.parametrize("layout", ["strided", "mixed"])
def test_forward_not_served_takes_the_padded_path(layout, monkeypatch):
    """A forward the compiled copy does not serve (a strided view, or columns of
    another dtype than the input's) never calls the copy and gives the values of the
    NumPy path (USE_COMPILED = False)."""
    calls = []
    monkeypatch.setattr(layers_module, "unfold_columns_into",
                        lambda *args: calls.append(args) or unfold_columns_into(*args))
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 6, 14))
    x = x[..., ::2] if layout == "strided" else x.astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3))
    got = nn.conv2d(x, w, padding=1)
    assert calls == []
    monkeypatch.setattr(compiled, "USE_COMPILED", False)
    np.testing.assert_array_equal(got, nn.conv2d(x, w, padding=1))


@needs_numba
def test_layers_take_the_compiled_moves(monkeypatch):
    """The first layer's forward copies its columns, its backward folds dL/dx and
    copies the columns of dL/dw, and its transpose folds, all compiled (each move
    served: True)."""
    served = []

    def spy(move):
        def call(*args):
            served.append((move.__name__, move(*args)))
            return served[-1][1]
        return call

    monkeypatch.setattr(layers_module, "unfold_columns_into", spy(unfold_columns_into))
    monkeypatch.setattr(backward_module, "unfold_columns_into", spy(unfold_columns_into))
    monkeypatch.setattr(backward_module, "fold_columns_into", spy(fold_columns_into))
    monkeypatch.setattr(transposed_module, "fold_columns_into", spy(fold_columns_into))
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    y = nn.conv2d(x, w, padding=1)
    assert served == [("unfold_columns_into", True)]
    nn.conv2d_backward(x, w, y, padding=1)
    assert served[1:] == [("fold_columns_into", True), ("unfold_columns_into", True)]
    nn.conv_transpose2d(y, w, padding=1)
    assert served[3:] == [("fold_columns_into", True)]

"""Part III widgets: drive the draw and state functions of chapters 7-9 directly."""

import numpy as np
import pytest

import convlib as cl
from convlib.im2col import patch_taps
from convlib.winograd import winograd_error_table, winograd_multiplications


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("row", [0, 1, 2])
def test_draw_matrix_row(fig, mode, row):
    h, x = np.array([1.0, -2.0, 0.5]), np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    state = cl.plotting.draw_matrix_row(fig, h, x, row, mode)
    assert state["y"] == pytest.approx(np.convolve(h, x, mode)[row])
    np.testing.assert_array_equal(state["weights"], cl.convolution_matrix(h, 5, mode)[row])
    assert len(fig.axes) == 2
    assert fig.axes[1].get_title().startswith(f"y[{row}] = T[{row}, :] @ x")


@pytest.mark.parametrize("kw", [dict(kernel_size=2), dict(kernel_size=3, padding=1),
                                dict(kernel_size=(2, 3), stride=2, padding=(1, 0),
                                     dilation=(1, 2))])
def test_draw_im2col_patch(fig, kw):
    x = np.arange(1, 31).reshape(5, 6)
    cols = cl.im2col(x[None, None], **kw)[0]
    for col in (0, cols.shape[1] - 1):
        fig.clear()
        state = cl.plotting.draw_im2col_patch(fig, x, col=col, **kw)
        np.testing.assert_array_equal(state["values"], cols[:, col])
    assert len(fig.axes) == 2


def test_patch_taps_every_column():
    x = np.arange(42).reshape(6, 7)
    kw = dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1))
    cols = cl.im2col(x[None, None], (2, 3), **kw)[0]
    xp = np.pad(x, ((1, 1), (2, 2)))
    for col in range(cols.shape[1]):
        r, c = patch_taps(x.shape, (2, 3), col, **kw)
        np.testing.assert_array_equal(xp[r, c], cols[:, col])
    with pytest.raises(ValueError, match=r"patch_taps: col must be in \[0, 27\); got -1"):
        patch_taps(x.shape, (2, 3), -1, **kw)
    with pytest.raises(TypeError, match=r"patch_taps: col must be an integer; got 1.0"):
        patch_taps(x.shape, (2, 3), 1.0, **kw)
    with pytest.raises(ValueError, match=r"patch_taps: the padded input \(2\) along "
                                         r"spatial axis 0 is smaller than the dilated "
                                         r"kernel \(3\)"):
        patch_taps((2, 2), 3, 0)


def test_winograd_table_and_draw(fig):
    table = winograd_error_table((1, 2, 4), shape=(20, 20))
    assert [table[m]["mults"] for m in (1, 2, 4)] == [9.0, 4.0, 2.25]
    for m in (1, 2, 4):
        # rounding errors: a small multiple of each type's eps
        assert 0 < table[m]["float32"] < 1e-4 and 0 < table[m]["float64"] < 1e-13
        fig.clear()
        assert cl.plotting.draw_winograd_tradeoff(fig, m, table) is table[m]
        assert f"F({m}x{m}, 3x3)" in fig._suptitle.get_text()
    assert table[4]["float32"] > table[2]["float32"]
    with pytest.raises(ValueError, match=r"winograd_error_table: m must be at most 6"):
        winograd_error_table((7,))


def test_winograd_multiplications_counts():
    assert winograd_multiplications((2, 2)) == (16, 36)
    assert winograd_multiplications(2) == (4, 6)
    assert winograd_multiplications((4, 4), m=4) == (36, 144)
    assert winograd_multiplications((5, 3)) == (3 * 2 * 16, 15 * 9)  # remainders count
    # the count equals the number of element-wise products the tiled algorithm performs
    AT, G, BT = cl.winograd_transforms(2, 3)
    tiles = -(-7 // 2) * -(-5 // 2)
    assert winograd_multiplications((7, 5))[0] == tiles * G.shape[0] ** 2
    with pytest.raises(ValueError, match=r"winograd_multiplications: out_shape must be "
                                         r">= 1; got 0"):
        winograd_multiplications((3, 0))
    with pytest.raises(TypeError, match=r"winograd_multiplications: m must be an integer"):
        winograd_multiplications(3, m=1.5)


def test_show_sparse_matrix_blocks(fig):
    ax = fig.subplots()
    cl.plotting.show_sparse_matrix(ax, cl.convolution_matrix_2d(np.ones((2, 2)), (2, 3)),
                            "T", blocks=(4, 3))
    assert ax.get_title() == "T"
    assert len(ax.texts) == 24  # one annotation per non-zero entry: 4 taps x 6 pixels


def test_plot_singular_values(fig):
    ax = fig.subplots()
    rng = np.random.default_rng(3)
    A = rng.standard_normal((6, 6))
    curves = {"A": np.linalg.svd(A, compute_uv=False)[::-1],
              "2A": 2 * np.abs(rng.random(6))}
    drawn = cl.plotting.plot_singular_values(ax, curves, floor=1e-3)
    np.testing.assert_array_equal(drawn["A"], np.linalg.svd(A, compute_uv=False))
    assert np.all(np.diff(drawn["2A"]) <= 0)
    lines = ax.get_lines()
    assert len(lines) == 3                                  # two curves and the floor
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert lines[0].get_marker() != lines[1].get_marker()   # not colour alone
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "2A"]


def test_draw_winograd_layer_ops(fig):
    ax = fig.subplots()
    ops = {f"F({m}x{m}, 3x3)": cl.nn.winograd_layer_ops((1, 8, 12, 12), (4, 8, 3, 3),
                                                         padding=1, m=m) for m in (2, 4)}
    totals = cl.plotting.draw_winograd_layer_ops(ax, ops)
    assert list(totals) == ["direct (im2col)", "F(2x2, 3x3)", "F(4x4, 3x3)"]
    direct = ops["F(2x2, 3x3)"]["direct"]
    assert totals["direct (im2col)"] == pytest.approx(sum(direct))
    o = ops["F(2x2, 3x3)"]
    steps = sum(o["gemm"]) + sum(o["input"]) + sum(o["output"]) + sum(o["filter"])
    assert totals["F(2x2, 3x3)"] == pytest.approx(steps)
    assert len(ax.patches) == 2 + 5 + 5                 # one segment per step and bar
    assert [t.get_text() for t in ax.get_yticklabels()] == list(totals)
    assert ax.get_legend() is not None


def test_draw_winograd_half_errors(fig):
    ax = fig.subplots()
    errors = {"direct": 2.0**-12, "F(2x2, 3x3)": 2.0**-10, "F(4x4, 3x3)": 2.0**-6}
    heights = cl.plotting.draw_winograd_half_errors(ax, errors, 2.0**-11)
    assert heights == [0.5, 2.0, 32.0]
    assert len(ax.patches) == 3 and ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == list(errors)
    assert [t.get_text() for t in ax.texts] == ["0.5", "2.0", "32.0"]


def test_plot_copy_gemm_shares(fig):
    ax = fig.subplots()
    share = cl.plotting.plot_copy_gemm_shares(ax, [8, 16, 32], [1.0, 1.0, 3.0],
                                              [1.0, 3.0, 1.0])
    np.testing.assert_allclose(share, [0.5, 0.25, 0.75])
    assert len(ax.patches) == 6                       # two stacked bars per size
    heights = [p.get_height() for p in ax.patches]
    np.testing.assert_allclose(heights, [0.5, 0.25, 0.75, 0.5, 0.75, 0.25])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["8 x 8", "16 x 16", "32 x 32"]
    assert {t.get_text() for t in ax.texts} >= {"50%", "25%", "75%"}
    assert ax.get_xlabel() == "image size"
    cl.plotting.plot_copy_gemm_shares(ax, [8], [1.0], [1.0], layer="2 -> 3 channels")
    assert ax.get_xlabel() == "image size (2 -> 3 channels)"



@pytest.mark.parametrize("channels, padding", [(1, 0), (3, 1)])
def test_draw_indirection_vs_im2col(fig, channels, padding):
    from convlib.im2col import indirection_buffer
    state = cl.plotting.draw_indirection_vs_im2col(fig, (3, 4), 2, channels, padding)
    buf = indirection_buffer((3, 4), 2, padding=padding)
    np.testing.assert_array_equal(state["buffer"], np.where(buf == 12, -1, buf))
    # the columns repeat the buffer once per channel
    np.testing.assert_array_equal(state["columns"], np.tile(state["buffer"], (channels, 1)))
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title() == f"im2col columns: {4 * channels} rows"
    assert fig.axes[1].get_title() == "indirection buffer: 4 rows"

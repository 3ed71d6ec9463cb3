"""The state and draw functions behind the widgets of chapters 2-4 (window_terms,
kernel_spectrum, draw_window_sum, draw_kernel_filter, draw_low_rank)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import convlib as cl  # noqa: E402
from convlib import kernels as K  # noqa: E402
from convlib.boundaries import window_terms  # noqa: E402
from convlib.plotting import (draw_kernel_filter, draw_low_rank, draw_window_sum,  # noqa: E402
                              kernel_spectrum, plot_cost_and_error, spectrum_grid)


def test_window_terms_worked_example():
    pixels = np.array([[82, 78, 88], [65, 56, 76], [60, 53, 72]])
    h = np.array([[-1, 0, 1]] * 3)
    window, flipped, products = window_terms(pixels, h, (1, 1))
    np.testing.assert_array_equal(window, pixels)
    np.testing.assert_array_equal(flipped, [[1, 0, -1]] * 3)
    assert products.sum() == -29  # convolution; correlation (unflipped) gives 29
    assert (window * h).sum() == 29


@pytest.mark.parametrize("boundary", ["fill", "wrap", "symm", "reflect", "edge"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_window_terms_sum_is_convolve2d(mode, boundary):
    rng = np.random.default_rng(7)
    x = rng.integers(0, 9, (6, 7))
    h = rng.integers(-3, 4, (3, 2))
    y = cl.convolve2d(x, h, mode, boundary)
    for index in np.ndindex(*y.shape):
        assert window_terms(x, h, index, mode, boundary)[2].sum() == y[index]


def test_window_terms_fill_value_and_errors():
    w, _, _ = window_terms(np.ones((2, 2), int), np.ones((3, 3), int), (0, 0), "same",
                           "fill", fillvalue=5)
    assert w.tolist() == [[5, 5, 5], [5, 1, 1], [5, 1, 1]]
    with pytest.raises(ValueError, match="window_terms: index must lie inside the output"):
        window_terms(np.ones((3, 3)), np.ones((2, 2)), (5, 0))
    with pytest.raises(ValueError, match="window_terms: in1 must be 2-D"):
        window_terms(np.ones(3), np.ones(2), (0,))


def test_kernel_spectrum_low_and_high_pass():
    g = kernel_spectrum(K.gaussian2d(2.0), 64)
    lap = kernel_spectrum(K.laplacian(), 64)
    assert g.shape == (64, 64)
    assert np.isclose(g[32, 32], 1.0) and g[0, 0] < 1e-6      # DC passes, Nyquist stops
    assert np.isclose(lap[32, 32], 0.0) and np.isclose(lap[0, 0], 8.0)  # the reverse


def test_spectrum_grid_panels_colorbars_and_axes():
    spectra = {name: kernel_spectrum(h, 16) for name, h in
               (("box", K.box(3)), ("laplacian", K.laplacian()), ("sobel", K.sobel(1)))}
    fig = spectrum_grid(spectra, ncols=2)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == list(spectra)
    assert len(fig.axes) == 2 * 2 + len(spectra)  # a grid of 2x2, one colorbar per panel
    assert all(ax.get_xlim() == (-0.5, 0.5) for ax in panels)
    assert panels[-1].get_xlabel() == "cycles / pixel"
    plt.close(fig)


def test_draw_functions_for_several_states():
    img = cl.data.photo()[::10, ::10]
    x = (img[:8, :8] * 255).round()
    for index in [(0, 0), (3, 4), (7, 7)]:
        for boundary in ["fill", "reflect"]:
            fig = plt.figure()
            draw_window_sum(fig, x, K.sobel(1), index, boundary)
            title = fig.axes[-1].get_title()
            value = cl.convolve2d(x, K.sobel(1), "same", boundary)[index]
            assert title == f"products: sum = {value:g}"
            plt.close(fig)
    for name in K.PICKER:
        fig = plt.figure()
        draw_kernel_filter(fig, img, name, 1.0 if name != "box" else 3)
        # three panels and the spectrum's colorbar
        assert len(fig.axes) == 4 and fig.axes[0].get_title().startswith(name)
        plt.close(fig)
    h = K.disk(4)
    s = np.linalg.svd(h, compute_uv=False)
    for rank in [1, 2, 5]:
        fig = plt.figure()
        draw_low_rank(fig, h, rank)
        err = np.sqrt((s[rank:] ** 2).sum()) / np.sqrt((s ** 2).sum())
        assert fig.axes[2].get_title() == f"error: {err:.1%}"
        plt.close(fig)


def test_to_db_and_spectra_db_figure():
    from convlib.plotting import spectra_db_figure, to_db
    np.testing.assert_allclose(to_db(np.array([1.0, 0.01, 0.0]), -60), [0, -40, -60])
    n = 256
    f = np.arange(n // 2) / n
    box = kernel_spectrum(K.box(7), n)
    cut = box[n // 2, n // 2:]
    # the cut through the centre is the 1-D box's response, the Dirichlet kernel
    np.testing.assert_allclose(cut, np.abs(K.box_response(7, 2 * np.pi * f)), atol=1e-12)
    omega, level = K.box_sidelobe(7)
    fig = spectra_db_figure({"box 7": kernel_spectrum(K.box(7), 32)},
                            {"box 7": (f, cut), "twice": (f, cut ** 2)},
                            reference=(-13.26, "sinc"),
                            peaks={7: (omega / (2 * np.pi), 20 * np.log10(level))})
    assert len(fig.axes) == 3                  # one map, its colour bar, the cuts
    assert sorted(ax.get_ylabel() for ax in fig.axes) == ["", "dB", "|H| in dB"]
    cuts = next(ax for ax in fig.axes if ax.get_ylabel() == "|H| in dB")
    lines = cuts.get_lines()
    styles = {(ln.get_linestyle(), ln.get_marker()) for ln in lines[:2]}
    assert len(styles) == 2                    # curves differ by more than colour
    assert cuts.get_ylim() == (-140.0, 5.0)
    assert [t.get_text() for t in cuts.get_legend().get_texts()] == [
        "box 7", "twice", "sinc"]
    plt.close(fig)


def test_denoise_mse_figure_one_style_per_filter():
    from convlib.plotting import denoise_mse_figure
    rows = {0.1: {"a": 1.0, "b": 2.0}, 0.02: {"a": 0.5, "b": 3.0}}
    fig = denoise_mse_figure({"one": rows, "two": rows}, ylabel="err")
    left, right = fig.axes
    assert left.get_ylabel() == "err" and left.get_yscale() == "log"
    a, b = left.get_lines()
    assert list(a.get_xdata()) == [0.02, 0.1] and list(a.get_ydata()) == [0.5, 1.0]
    assert (a.get_linestyle(), a.get_marker()) != (b.get_linestyle(), b.get_marker())
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["a", "b"]


def test_plot_cost_and_error_draws_each_method_with_its_own_marker():
    sigmas = [1, 2, 4]
    fig = plt.figure()
    ax0, ax1 = plot_cost_and_error(
        fig, sigmas, {"separable": [1e-3, 2e-3, 4e-3], "recursive": [2e-3] * 3},
        {"separable": [1e-6] * 3, "recursive": [1e-2, 5e-3, 2e-3]}, pixels=1000)
    assert [line.get_label() for line in ax0.lines] == ["separable", "recursive"]
    np.testing.assert_allclose(ax0.lines[0].get_ydata(), [1000, 2000, 4000])  # ns/pixel
    markers = {line.get_marker() for line in ax1.lines}
    assert len(markers) == 2 and "D" in markers          # separable's marker
    assert ax0.get_yscale() == ax1.get_yscale() == "log"
    assert ax0.get_legend() is not None and ax1.get_legend() is not None
    plt.close(fig)
